/*
 * test_record.c - unit driver of common/record and common/lines: a JSON
 * corpus checked against jansson as an oracle, the field index,
 * accessors, writer, number and string helpers, and the line reader.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "lines.h"
#include "rand.h"
#include "record.h"

#include "check.h"

/*
 * One corpus case: the text (sizeof, so embedded NULs count), whether
 * the record layer accepts it, and whether jansson decides otherwise.
 *
 * The oracle is json_loadb() with JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL
 * (no JSON_DECODE_ANY, EOF check on) plus "the result is an object".
 * Deliberate differences (jdiff = 1), all from DESIGN.md:
 * - numbers pass through as written: jansson rejects integers that do not
 *   fit json_int_t (2^64) and reals that overflow a double (1e400);
 * - jansson rejects \u0000 in object keys, RFC 8259 allows it;
 * - jansson rejects duplicate keys at any depth, we only at top level;
 * - our nesting cap is 512, jansson's 2048;
 * - jansson 2.14 accepts a raw NUL byte right after a number or a
 *   literal ({"a":[1\0]}, {"a":true\0}: its lexer drops it), RFC 8259
 *   does not.
 */
struct jcase {
	const char	*s;
	size_t		 len;
	int		 ok;
	int		 jdiff;
};

#define OK(s)		{ s, sizeof(s) - 1, 1, 0 }
#define BAD(s)		{ s, sizeof(s) - 1, 0, 0 }
#define OK_JD(s)	{ s, sizeof(s) - 1, 1, 1 }
#define BAD_JD(s)	{ s, sizeof(s) - 1, 0, 1 }

static const struct jcase corpus[] = {
	/* objects and whitespace */
	OK("{}"),
	OK("{ }"),
	OK(" \t{\r\n}\r\n\t "),
	OK("{\"a\":1}"),
	OK("{ \"a\" : 1 , \"b\" : [ 1 , { } , [ ] ] }"),
	OK("{\n\"a\"\t:\r[\n]\n}"),
	OK("{\"a\":[1,2,{\"x\":null}],\"b\":true,\"c\":false,\"d\":null}"),
	OK("{\"\":\"\"}"),
	BAD(""),
	BAD("   "),
	BAD("{"),
	BAD("}"),
	BAD("{\"a\"}"),
	BAD("{\"a\":}"),
	BAD("{\"a\":1,}"),
	/* the walk's path for "key":"string" fields */
	OK("{\"a\":\"b\",\"c\":\"d\"}"),
	OK("{\"a\":\"b\" ,\"c\": \"d\",\"e\" :\"f\"}"),
	BAD("{\"a\":\"b\",}"),
	BAD("{\"a\":\"b\",,\"c\":\"d\"}"),
	BAD("{\"a\":\"b\"\"c\":\"d\"}"),
	BAD("{\"a\":\"b\":\"c\"}"),
	BAD("{\"a\"::\"b\"}"),
	BAD("{\"a\",\"b\"}"),
	BAD("{\"a\":\"b\",\"c\"}"),
	BAD("{\"a\":\"b\",1}"),
	BAD("{\"a\":\"b\",]"),
	BAD("{\"a\":\"b\"]"),
	BAD("{,}"),
	BAD("{,\"a\":1}"),
	BAD("{\"a\" 1}"),
	BAD("{a:1}"),
	BAD("{'a':1}"),
	BAD("{\"a\":'b'}"),
	BAD("{\"a\":1 \"b\":2}"),
	BAD("{\"a\":1;\"b\":2}"),
	BAD("{\"a\":[1,]}"),
	BAD("{\"a\":[,1]}"),
	BAD("{\"a\":[1 2]}"),
	BAD("{\"a\":[1}"),
	BAD("{\"a\":{\"b\"}}"),
	BAD("{\"a\":{\"b\":1]}"),
	BAD("{\"a\":{1:2}}"),
	BAD("{\"a\":\"b"),
	BAD("{\"a\":\"b\""),
	BAD("{\"a\":1"),
	BAD("{\"a\":1,"),
	BAD("{\"a\":[1,2"),
	BAD("{\"a\":tru}"),
	BAD("{\"a\":nul}"),
	BAD("{\"a\":True}"),
	BAD("{\"a\":nullx}"),
	BAD("{\"a\":truefalse}"),
	BAD("{\"a\":1/*c*/}"),
	BAD("{\"a\":1}//"),
	BAD("\f{}"),
	BAD("{\v}"),
	BAD("{\xC2\xA0}"),
	BAD("{\"a\":1}\0"),
	BAD("\0{\"a\":1}"),
	BAD_JD("{\"a\":[1\0]}"),
	BAD_JD("{\"a\":1.5\0,\"b\":2}"),
	BAD_JD("{\"a\":true\0,\"b\":null\0}"),
	/* top level must be one object */
	BAD("1"),
	BAD("\"s\""),
	BAD("null"),
	BAD("true"),
	BAD("[]"),
	BAD("[1,2]"),
	BAD("[{\"a\":1}]"),
	BAD("{\"a\":1}x"),
	BAD("{\"a\":1},"),
	BAD("{\"a\":1}{\"b\":2}"),
	BAD("{\"a\":1} {\"b\":2}"),
	BAD("{\"a\":1}\xC3\xA9"),
	BAD("{\"a\":1}}"),
	/* numbers */
	OK("{\"a\":0}"),
	OK("{\"a\":-0}"),
	OK("{\"a\":-0.0}"),
	OK("{\"a\":1E5}"),
	OK("{\"a\":1e+5}"),
	OK("{\"a\":1E-5}"),
	OK("{\"a\":-1.5e-3}"),
	OK("{\"a\":165.71}"),
	OK("{\"a\":0.5,\"b\":10,\"c\":-7}"),
	OK("{\"a\":1e-400}"),
	OK("{\"a\":9223372036854775807}"),
	OK_JD("{\"a\":1e400}"),
	OK_JD("{\"a\":-1e400}"),
	OK_JD("{\"a\":18446744073709551616}"),
	OK_JD("{\"a\":123456789012345678901234567890}"),
	BAD("{\"a\":01}"),
	BAD("{\"a\":-01}"),
	BAD("{\"a\":00}"),
	BAD("{\"a\":1.}"),
	BAD("{\"a\":1.e5}"),
	BAD("{\"a\":.5}"),
	BAD("{\"a\":-}"),
	BAD("{\"a\":- 1}"),
	BAD("{\"a\":+1}"),
	BAD("{\"a\":1e}"),
	BAD("{\"a\":1e+}"),
	BAD("{\"a\":1E-}"),
	BAD("{\"a\":0x10}"),
	BAD("{\"a\":1_000}"),
	BAD("{\"a\":NaN}"),
	BAD("{\"a\":nan}"),
	BAD("{\"a\":Infinity}"),
	BAD("{\"a\":-Infinity}"),
	BAD("{\"a\":[1,-]}"),
	/* escapes */
	OK("{\"a\":\"\\u0000\"}"),
	OK("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
	OK("{\"a\":\"\\u00e9\\u00E9\\u20AC\"}"),
	OK("{\"a\":\"\\uD83D\\uDE00\"}"),
	OK("{\"a\":\"\\ud83d\\ude00\"}"),
	OK("{\"a\":\"\\uDBFF\\uDFFF\"}"),
	OK("{\"a\":\"\\uFFFF\"}"),
	OK_JD("{\"\\u0000\":1}"),
	BAD("{\"a\":\"\\x41\"}"),
	BAD("{\"a\":\"\\a\"}"),
	BAD("{\"a\":\"\\'\"}"),
	BAD("{\"a\":\"\\U0041\"}"),
	BAD("{\"a\":\"\\u12\"}"),
	BAD("{\"a\":\"\\u12G4\"}"),
	BAD("{\"a\":\"\\u"),
	BAD("{\"a\":\"\\"),
	BAD("{\"a\":\"\\uD800\"}"),
	BAD("{\"a\":\"\\uDBFF\"}"),
	BAD("{\"a\":\"\\uD800x\"}"),
	BAD("{\"a\":\"\\uD800\\u0041\"}"),
	BAD("{\"a\":\"\\uD800\\uD800\"}"),
	BAD("{\"a\":\"\\uD800\\n\"}"),
	BAD("{\"a\":\"\\uDC00\"}"),
	BAD("{\"a\":\"\\uDFFF\\uD800\"}"),
	BAD("{\"\\uD800\":1}"),
	/* raw control characters */
	OK("{\"a\":\"\x7f\"}"),
	BAD("{\"a\":\"a\x01" "b\"}"),
	BAD("{\"a\":\"\t\"}"),
	BAD("{\"a\":\"\n\"}"),
	BAD("{\"a\":\"\x1f\"}"),
	BAD("{\"a\":\"\0\"}"),
	BAD("{\"a\x01\":1}"),
	/* UTF-8 */
	OK("{\"a\":\"\xC3\xA9\"}"),
	OK("{\"\xC3\xA9\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\"}"),
	OK("{\"a\":\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\"}"),
	OK("{\"a\":\"\xED\x9F\xBF\xEE\x80\x80\"}"),
	OK("{\"a\":\"\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"}"),
	BAD("{\"a\":\"\xC0\x80\"}"),
	BAD("{\"a\":\"\xC1\xBF\"}"),
	BAD("{\"a\":\"\xE0\x80\x80\"}"),
	BAD("{\"a\":\"\xE0\x9F\xBF\"}"),
	BAD("{\"a\":\"\xF0\x80\x80\x80\"}"),
	BAD("{\"a\":\"\xF0\x8F\xBF\xBF\"}"),
	BAD("{\"a\":\"\xED\xA0\x80\"}"),
	BAD("{\"a\":\"\xED\xBF\xBF\"}"),
	BAD("{\"a\":\"\xF4\x90\x80\x80\"}"),
	BAD("{\"a\":\"\xF5\x80\x80\x80\"}"),
	BAD("{\"a\":\"\xF8\x88\x80\x80\x80\"}"),
	BAD("{\"a\":\"\xFE\"}"),
	BAD("{\"a\":\"\xFF\"}"),
	BAD("{\"a\":\"\x80\"}"),
	BAD("{\"a\":\"\xBF\"}"),
	BAD("{\"a\":\"\xC3\"}"),
	BAD("{\"a\":\"\xC3x\"}"),
	BAD("{\"a\":\"\xE2\x82\"}"),
	BAD("{\"a\":\"\xF0\x9F\x98\"}"),
	BAD("{\"a\":\"\xC3\xA9\xC3\"}"),
	BAD("{\"a\":\"\xC3"),
	BAD("{\"a\xFF\":1}"),
	BAD("{\"a\":\"xxxxxxxxxxxxxxxx\xC3\xA9xxxxxxx\x80xxxxxxxxx\"}"),
	/* duplicate keys: top level only, compared unescaped */
	BAD("{\"a\":1,\"a\":2}"),
	BAD("{\"a\":1,\"b\":2,\"a\":3}"),
	BAD("{\"email\":1,\"em\\u0061il\":2}"),
	BAD("{\"em\\u0061il\":1,\"email\":2}"),
	BAD("{\"\\u00e9\":1,\"\xC3\xA9\":2}"),
	BAD("{\"\\/\":1,\"/\":2}"),
	BAD("{\"\\ud83d\\ude00\":1,\"\xF0\x9F\x98\x80\":2}"),
	BAD("{\"\":1,\"\":2}"),
	OK("{\"a\":1,\"A\":2,\"a \":3,\"\\u0061b\":4}"),
	OK("{\"email\":1,\"em\\u0061il2\":2}"),
	OK("{\"a\\\\\":1,\"a\\\\\\\\\":2}"),
	OK_JD("{\"a\":{\"b\":1,\"b\":2}}"),
	OK_JD("{\"a\":[{\"b\":1,\"b\":2}]}"),
};

/* A record nested d levels deep in total, as objects or arrays. */
static char *
deep(int d, int objects)
{
	struct cdp_buf b = { 0 };
	int i;

	cdp_buf_adds(&b, "{\"a\":");
	for (i = 1; i < d; i++)
		cdp_buf_adds(&b, objects && i < d - 1 ? "{\"a\":" :
		    objects ? "{" : "[");
	for (i = 1; i < d; i++)
		cdp_buf_adds(&b, objects ? "}" : "]");
	cdp_buf_adds(&b, "}");
	return b.p;
}

static int
jansson_ok(const char *s, size_t len)
{
	json_error_t e;
	json_t *j;
	int ok;

	j = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	ok = j != NULL && json_is_object(j);
	json_decref(j);
	return ok;
}

static void
check_case(struct cdp_rec *r, const char *s, size_t len, int ok, int jdiff,
    const char *label)
{
	struct cdp_err err;
	int got, j;

	memset(&err, 0, sizeof(err));
	got = cdp_rec_parse(r, s, len, &err) == 0;
	j = jansson_ok(s, len);
	CHECK(got == ok, "%s: %.60s: got %s (%s)", label, s,
	    got ? "accepted" : "rejected", got ? "" : err.msg);
	CHECK(j == (ok ^ jdiff), "%s: %.60s: jansson %s, deviation %d",
	    label, s, j ? "accepts" : "rejects", jdiff);
	if (!got)
		CHECK(err.code == EX_DATAERR && strstr(err.msg, "at byte"),
		    "%s: error code %d \"%s\"", label, err.code, err.msg);
}

static void
test_corpus(void)
{
	struct cdp_rec r = { 0 };
	char label[32];
	size_t i;
	char *s;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		snprintf(label, sizeof(label), "corpus[%zu]", i);
		check_case(&r, corpus[i].s, corpus[i].len, corpus[i].ok,
		    corpus[i].jdiff, label);
	}
	s = deep(512, 0);
	check_case(&r, s, strlen(s), 1, 0, "arrays 512 deep");
	free(s);
	s = deep(512, 1);
	check_case(&r, s, strlen(s), 1, 0, "objects 512 deep");
	free(s);
	s = deep(513, 0);
	check_case(&r, s, strlen(s), 0, 1, "arrays 513 deep");
	free(s);
	s = deep(513, 1);
	check_case(&r, s, strlen(s), 0, 1, "objects 513 deep");
	free(s);
	s = deep(2049, 0);
	check_case(&r, s, strlen(s), 0, 0, "arrays 2049 deep");
	free(s);
	cdp_rec_free(&r);
}

/* Whether s has a NUL byte right after a number or literal (jansson). */
static int
nul_after_token(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (s[i] == '\0' && ((s[i - 1] >= '0' && s[i - 1] <= '9') ||
		    (s[i - 1] >= 'a' && s[i - 1] <= 'z')))
			return 1;
	return 0;
}

/*
 * Random byte replacements in valid records, judged by jansson too.  A
 * disagreement is a failure unless jansson names one of the deliberate
 * differences listed above corpus[].
 */
static void
test_mutations(void)
{
	static const char *const seeds[] = {
		"{\"event_id\":\"e0000001\",\"ts\":\"2025-03-04T10:11:12Z\","
		    "\"email\":\"Anna.Kowalska@Example.com\",\"qty\":2,"
		    "\"revenue\":165.71,\"ok\":true,\"no\":false,\"z\":null,"
		    "\"props\":{\"ab\":\"news\",\"c\":[1,-2.5e3,{}]}}",
		"{\"k\\u00e9\":\"\\ud83d\\ude00 \\n\\\"\",\"n\\/\":-0,"
		    "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\":[\"\xC3\xA9\"]}",
		"{ \"a\" : [ 1 , 2 ] , \"bb\" : { \"ccc\" : \"long string of "
		    "plain ascii text here\" } }",
	};
	static const char alphabet[] = "\"\\{}[]:,0123456789eE.-+untrfalsx "
	    "\t\n\r/bdD\x00\x01\x1f\x7f\x80\xA0\xBF\xC0\xC3\xE0\xED\xF0\xF4\xF5"
	    "\xFF";
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	json_error_t je;
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char buf[256];
	size_t len, k, nmut, pos;
	int i, ours, theirs, bad = 0;
	json_t *j;

	for (i = 0; i < 60000; i++) {
		len = strlen(seeds[i % 3]);
		memcpy(buf, seeds[i % 3], len);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		nmut = 1 + x % 3;
		for (k = 0; k < nmut; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			pos = (size_t)(x >> 8) % len;
			buf[pos] = alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		ours = cdp_rec_parse(&r, buf, len, &err) == 0;
		j = json_loadb(buf, len, JSON_REJECT_DUPLICATES |
		    JSON_ALLOW_NUL, &je);
		theirs = j != NULL && json_is_object(j);
		json_decref(j);
		if (ours == theirs || (ours && (strstr(je.text, "NUL byte") ||
		    strstr(je.text, "duplicate") || strstr(je.text, "too big") ||
		    strstr(je.text, "overflow"))) || (!ours && nul_after_token(buf,
		    len)))
			continue;
		if (bad++ < 5)
			CHECK(0, "mutation %d: ours %d, jansson %d (%s): %.*s",
			    i, ours, theirs, theirs ? "" : je.text, (int)len,
			    buf);
	}
	CHECK(bad == 0, "mutations: %d disagreements with jansson", bad);
	cdp_rec_free(&r);
}

/*
 * nf plain fields and two escaped ones: at most 32 fields use the table
 * on the stack, more the hash set that cdp_rec_find() shares.
 */
static void
many_fields(int nf)
{
	struct cdp_rec r = { 0 };
	struct cdp_buf b = { 0 };
	const struct cdp_field *f;
	struct cdp_err err;
	char key[16];
	int i;

	for (i = 0; i < nf; i++)
		cdp_buf_addf(&b, "%c\"k%d\":%d", i ? ',' : '{', i, i);
	cdp_buf_adds(&b, ",\"k\\u00e9\":1,\"k\\\\\":2}");
	CHECK(cdp_rec_parse(&r, b.p, b.len, &err) == 0, "%d fields: %s", nf,
	    err.msg);
	CHECK(r.n == (size_t)nf + 2, "%d fields: n %zu", nf, r.n);
	for (i = 0; i < nf; i += 7) {
		snprintf(key, sizeof(key), "k%d", i);
		f = cdp_rec_find(&r, key, strlen(key));
		CHECK(f != NULL && f == &r.f[i], "find %s in %d", key, nf);
	}
	snprintf(key, sizeof(key), "k%d", nf);
	CHECK(cdp_rec_find(&r, key, strlen(key)) == NULL, "find %s", key);
	CHECK(cdp_rec_find(&r, "k\xC3\xA9", 3) == &r.f[nf], "find ké");
	CHECK(cdp_rec_find(&r, "k\\", 2) == &r.f[nf + 1], "find k\\");
	CHECK(jansson_ok(b.p, b.len), "jansson on %d fields", nf);

	b.len -= 1;
	cdp_buf_adds(&b, ",\"k\\u0030\":0}");	/* k0 again */
	CHECK(cdp_rec_parse(&r, b.p, b.len, &err) == -1 &&
	    strstr(err.msg, "duplicate key"), "%d fields, dup k0", nf);
	CHECK(r.n == 0, "no fields after a failed parse");
	CHECK(!jansson_ok(b.p, b.len), "jansson on dup k0");
	b.len -= strlen(",\"k\\u0030\":0}");
	cdp_buf_adds(&b, ",\"k\\\\\":0}");	/* k\\ again */
	CHECK(cdp_rec_parse(&r, b.p, b.len, &err) == -1 &&
	    strstr(err.msg, "duplicate key"), "%d fields, dup k\\", nf);

	/* A small record after a big one must not reuse a stale set. */
	CHECK(cdp_rec_parse(&r, "{\"x\":1}", 7, &err) == 0 && r.n == 1 &&
	    cdp_rec_find(&r, "x", 1) == &r.f[0], "small after %d", nf);
	cdp_buf_free(&b);
	cdp_rec_free(&r);
}

static void
test_many_fields(void)
{
	many_fields(14);
	many_fields(30);
	many_fields(31);
	many_fields(300);
	many_fields(3000);
}

static int
span_is(const struct cdp_rec *r, uint32_t off, uint32_t len, const char *s)
{
	return len == strlen(s) && memcmp(r->p + off, s, len) == 0;
}

static void
test_index(void)
{
	static const char line[] = " {\"a\":165.71, \"b\" : \"\\u00e9\\n\","
	    "\"c\":[1, 2],\"d\":{\"x\" :1},\"e\":true,\"f\":false,"
	    "\"g\":null,\"h\\u0041\":\"x\",\"i\":\"plain\",\"j\":[]} ";
	static const struct {
		const char	*key, *val;
		int		 type, flags;
	} want[] = {
		{ "a", "165.71", CDP_NUMBER, 0 },
		{ "b", "\"\\u00e9\\n\"", CDP_STRING, CDP_F_VALESC },
		{ "c", "[1, 2]", CDP_ARRAY, CDP_F_SPACE },
		{ "d", "{\"x\" :1}", CDP_OBJECT, CDP_F_SPACE },
		{ "e", "true", CDP_TRUE, 0 },
		{ "f", "false", CDP_FALSE, 0 },
		{ "g", "null", CDP_NULL, 0 },
		{ "h\\u0041", "\"x\"", CDP_STRING, CDP_F_KEYESC },
		{ "i", "\"plain\"", CDP_STRING, 0 },
		{ "j", "[]", CDP_ARRAY, 0 },
	};
	struct cdp_rec r = { 0 };
	struct cdp_buf scratch = { 0 };
	const struct cdp_field *f;
	struct cdp_err err;
	const char *s;
	size_t i, n;
	double d;

	CHECK(cdp_rec_parse(&r, line, sizeof(line) - 1, &err) == 0,
	    "index: %s", err.msg);
	CHECK(r.n == 10, "index: n %zu", r.n);
	for (i = 0; i < r.n && i < 10; i++) {
		f = &r.f[i];
		CHECK(span_is(&r, f->koff, f->klen, want[i].key),
		    "key %zu: %.*s", i, (int)f->klen, line + f->koff);
		CHECK(span_is(&r, f->voff, f->vlen, want[i].val),
		    "value %zu: %.*s", i, (int)f->vlen, line + f->voff);
		CHECK(f->type == want[i].type, "type %zu: %d", i, f->type);
		CHECK(f->flags == want[i].flags, "flags %zu: %d", i,
		    f->flags);
	}

	CHECK(cdp_rec_find(&r, "hA", 2) == &r.f[7], "find escaped key");
	CHECK(cdp_rec_find(&r, "h\\u0041", 7) == NULL, "find raw escape");
	CHECK(cdp_rec_find(&r, "h", 1) == NULL, "find prefix");
	CHECK(cdp_rec_find(&r, "hAx", 3) == NULL, "find longer");
	CHECK(cdp_rec_find(&r, "zz", 2) == NULL, "find missing");
	CHECK(cdp_rec_find(&r, "a", 1) == &r.f[0], "find a");
	CHECK(cdp_rec_find(&r, "j", 1) == &r.f[9], "find j");

	CHECK(cdp_rec_str(&r, &r.f[1], &scratch, &s, &n) == 0 && n == 3 &&
	    memcmp(s, "\xC3\xA9\n", 3) == 0, "str with escapes");
	CHECK(cdp_rec_str(&r, &r.f[8], &scratch, &s, &n) == 0 && n == 5 &&
	    memcmp(s, "plain", 5) == 0 && s == line + r.f[8].voff + 1,
	    "str without escapes points into the line");
	CHECK(cdp_rec_str(&r, &r.f[0], &scratch, &s, &n) == -1,
	    "str of a number");
	CHECK(cdp_rec_str(&r, &r.f[6], &scratch, &s, &n) == -1,
	    "str of null");
	CHECK(cdp_rec_num(&r, &r.f[0], &d) == 0 && d == 165.71, "num");
	CHECK(cdp_rec_num(&r, &r.f[8], &d) == -1, "num of a string");
	CHECK(cdp_rec_num(&r, &r.f[2], &d) == -1, "num of an array");
	cdp_buf_free(&scratch);
	cdp_rec_free(&r);
}

static void
test_num(void)
{
	static const struct {
		const char	*line;
		int		 rc;
		double		 want;
	} cases[] = {
		{ "{\"n\":-0}", 0, -0.0 },
		{ "{\"n\":1E5}", 0, 1e5 },
		{ "{\"n\":-1.5e-3}", 0, -1.5e-3 },
		{ "{\"n\":18446744073709551616}", 0, 18446744073709551616.0 },
		{ "{\"n\":1e400}", -1, 0 },
		{ "{\"n\":-1e400}", -1, 0 },
		{ "{\"n\":1e-400}", 0, 0 },
		{ "{\"n\":0.0000000000000000000000000000000000000000000000000"
		    "000000000000000000000000000000000001e80}", 0, 1e-5 },
		{ "{\"n\":100000000000000000000000000000000000000000000000000"
		    "000000000000000000000000000000}", 0, 1e80 },
	};
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	size_t i;
	double d;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(cdp_rec_parse(&r, cases[i].line, strlen(cases[i].line),
		    &err) == 0, "num %zu: %s", i, err.msg);
		d = 42;
		rc = cdp_rec_num(&r, &r.f[0], &d);
		CHECK(rc == cases[i].rc, "num %zu: rc %d", i, rc);
		if (rc == 0)
			CHECK(d == cases[i].want && signbit(d) ==
			    signbit(cases[i].want), "num %zu: %.17g", i, d);
	}
	cdp_rec_free(&r);
}

/* cdp_rec_num()'s fast path for short decimals gives strtod()'s double,
 * bit for bit: random numbers of 1 to 20 digits, a point anywhere or
 * none, leading and trailing zeros, signs, exponents (the slow path). */
static void
test_num_random(void)
{
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	char line[64], num[40];
	unsigned long long x = 88172645463325252ULL;
	int bad = 0;

	for (int i = 0; i < 300000; i++) {
		int nd, k = 0, pt;
		double got, want;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nd = 1 + (int)(x % 20);
		pt = (int)((x >> 8) % (unsigned)(nd + 1));
		if ((x >> 16) & 1)
			num[k++] = '-';
		for (int j = 0; j < nd; j++) {
			if (j == pt && j > 0)
				num[k++] = '.';
			/* leading zeros only as "0." */
			num[k++] = (char)('0' + (j == 0 && pt != 1 ?
			    1 + (x >> (20 + j % 40)) % 9 :
			    (x >> (20 + j % 40)) % 10));
		}
		if (((x >> 60) & 7) == 0)
			k += snprintf(num + k, 8, "e%d", (int)(x >> 50 & 63) - 32);
		num[k] = '\0';
		snprintf(line, sizeof(line), "{\"n\":%s}", num);
		if (cdp_rec_parse(&r, line, strlen(line), &err) == -1) {
			CHECK(0, "num random: %s: %s", line, err.msg);
			continue;
		}
		want = strtod(num, NULL);
		if (cdp_rec_num(&r, &r.f[0], &got) != 0 ||
		    memcmp(&got, &want, sizeof(got)) != 0) {
			if (bad++ < 5)
				CHECK(0, "num random: %s: %.17g, strtod %.17g",
				    num, got, want);
		}
	}
	CHECK(bad == 0, "num random: %d differ from strtod", bad);
	cdp_rec_free(&r);
}

/* cdp_num_canon(): one text per value; _cmp orders by value; _json
 * prints the usual text when a double holds the value, else exact. */
static void
test_num_canon(void)
{
	static const struct {
		const char	*in, *canon, *json;
	} cases[] = {
		{ "0", "0", "0" },
		{ "-0", "0", "0" },
		{ "0.000e-5", "0", "0" },
		{ "1", "1e0", "1" },
		{ "1.0", "1e0", "1" },
		{ "1e0", "1e0", "1" },
		{ "10E-1", "1e0", "1" },
		{ "0.1e1", "1e0", "1" },
		{ "100", "1e2", "100" },
		{ "165.71", "1.6571e2", "165.71" },
		{ "-1.5e-3", "-1.5e-3", "-0.0015" },
		{ "12345678901234567890", "1.234567890123456789e19",
		    "12345678901234567890" },
		{ "12345678901234567891", "1.2345678901234567891e19",
		    "12345678901234567891" },
		{ "-9223372036854775809", "-9.223372036854775809e18",
		    "-9223372036854775809" },
		{ "1e400", "1e400", "1e400" },
		{ "-2.50e-400", "-2.5e-400", "-2.5e-400" },
		{ "0.10000000000000000000001", "1.0000000000000000000001e-1",
		    "0.10000000000000000000001" },
		{ "1e99999999999999999999", "1e999999999", "1e999999999" },
	};
	static const char *const order[] = { "-1e400", "-12345678901234567891",
	    "-12345678901234567890", "-1", "-0.5", "0", "1e-400", "0.5", "1",
	    "1.0000000000000000000001", "12345678901234567890",
	    "12345678901234567891", "1e400" };
	struct cdp_buf a = { 0 }, b = { 0 }, j = { 0 };
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cdp_buf_reset(&a);
		cdp_buf_reset(&j);
		CHECK(cdp_num_canon(cases[i].in, strlen(cases[i].in), &a) == 0,
		    "canon %s", cases[i].in);
		CHECK_STR(a.p, cases[i].canon);
		CHECK(cdp_num_canon_json(a.p, a.len, &j) == 0, "json %s",
		    cases[i].in);
		CHECK_STR(j.p, cases[i].json);
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			int want = i < k ? -1 : i > k, got;

			cdp_buf_reset(&a);
			cdp_buf_reset(&b);
			(void)cdp_num_canon(order[i], strlen(order[i]), &a);
			(void)cdp_num_canon(order[k], strlen(order[k]), &b);
			got = cdp_num_canon_cmp(a.p, a.len, b.p, b.len);
			CHECK(got == want, "cmp %s %s: %d", order[i],
			    order[k], got);
		}
	cdp_buf_free(&a);
	cdp_buf_free(&b);
	cdp_buf_free(&j);
}

static void
roundtrip(const char *in, const char *want)
{
	struct cdp_rec r = { 0 };
	struct cdp_recw w = { 0 }, w2 = { 0 };
	struct cdp_err err;
	size_t i;

	CHECK(cdp_rec_parse(&r, in, strlen(in), &err) == 0, "rt parse %s: %s",
	    in, err.msg);
	cdp_recw_begin(&w);
	for (i = 0; i < r.n; i++)
		CHECK(cdp_recw_field(&w, &r, &r.f[i]) == 0, "recw_field");
	CHECK(cdp_recw_end(&w) == 0, "recw_end");
	CHECK_STR(w.b.p, want);
	/* All fields at once: the same bytes, in one piece or not. */
	cdp_recw_begin(&w2);
	CHECK(cdp_recw_fields(&w2, &r) == 0 && cdp_recw_end(&w2) == 0,
	    "recw_fields");
	CHECK_STR(w2.b.p, want);
	/* A line that ends with its '}' right after its fields in the
	 * writer's form is written as it is. */
	{
		size_t end = cdp_rec_compact_end(&r), n = strlen(in);

		if (end > 0 && end + 1 == n && in[end] == '}')
			CHECK(strlen(want) == n + 1 &&
			    memcmp(want, in, n) == 0, "compact_end %s", in);
	}
	CHECK(cdp_rec_parse(&r, w.b.p, w.b.len, &err) == 0,
	    "rt output reparses: %s", err.msg);
	/* The output is in the writer's form: copied whole, alike. */
	CHECK(cdp_rec_compact_end(&r) == 0 ||
	    cdp_rec_compact_end(&r) + 2 == w.b.len,
	    "compact_end of the output %s", want);
	cdp_recw_begin(&w2);
	CHECK(cdp_recw_fields(&w2, &r) == 0 && cdp_recw_end(&w2) == 0,
	    "recw_fields of the output");
	CHECK_STR(w2.b.p, want);
	cdp_recw_free(&w);
	cdp_recw_free(&w2);
	cdp_rec_free(&r);
}

static void
test_writer(void)
{
	struct cdp_rec r = { 0 };
	struct cdp_recw w = { 0 };
	struct cdp_err err;
	const char *in;

	/* Whitespace between the top-level tokens goes; inside a value it
	 * stays, byte for byte (DESIGN, issue 22.6). */
	roundtrip("{\"a\":165.71,\"b\":\"\\u00e9\\n\",\"c\":[1, 2]}",
	    "{\"a\":165.71,\"b\":\"\\u00e9\\n\",\"c\":[1, 2]}\n");
	roundtrip(" { \"a\" : 1E5 , \"k\\u0041\" : -0 ,\"n\":1e400,"
	    "\"c\": [ \"a b\" , {\"k\" : \"x \\\" y\\\\\" } , \"\\\\\" ] ,"
	    "\"d\":{ },\"e\":\"\\/\"}\r\n",
	    "{\"a\":1E5,\"k\\u0041\":-0,\"n\":1e400,"
	    "\"c\":[ \"a b\" , {\"k\" : \"x \\\" y\\\\\" } , \"\\\\\" ],"
	    "\"d\":{ },\"e\":\"\\/\"}\n");
	/* A line break in a nested value (a JSON-array element spanning
	 * lines) cannot stay in a one-line record: that value compacts. */
	roundtrip("{\"a\":[ 1 ,\n 2 ],\"b\":[ 3 ],\"c\":{\"k\" :\r\n\"v w\"}}",
	    "{\"a\":[1,2],\"b\":[ 3 ],\"c\":{\"k\":\"v w\"}}\n");
	roundtrip("{}", "{}\n");
	roundtrip("{\"a\":1,\"b\":\"x y\",\"c\":{\"d\":[1,2]}}",
	    "{\"a\":1,\"b\":\"x y\",\"c\":{\"d\":[1,2]}}\n");
	/* Compact but for one space: before a key, a colon or a comma, after
	 * the last value; and spaces inside a string, or an array. */
	roundtrip("{\"a\":1, \"b\":2}", "{\"a\":1,\"b\":2}\n");
	roundtrip("{\"a\":1,\"b\" :2}", "{\"a\":1,\"b\":2}\n");
	roundtrip("{\"a\":1 ,\"b\":2}", "{\"a\":1,\"b\":2}\n");
	roundtrip("{\"a\":[1],\"b\":{\"c\":2} }",
	    "{\"a\":[1],\"b\":{\"c\":2}}\n");
	roundtrip("{\"a\":\"x y\",\"b\":[1, 2]}", "{\"a\":\"x y\",\"b\":[1, 2]}\n");
	roundtrip("{\"x\": {\"y\":[\" \\t \"]}}",
	    "{\"x\":{\"y\":[\" \\t \"]}}\n");

	in = "{\"a\":1,\"b\":[ 1 ]}";
	CHECK(cdp_rec_parse(&r, in, strlen(in), &err) == 0, "writer parse");
	cdp_recw_begin(&w);
	CHECK(cdp_recw_field_as(&w, "a\"2", 3, &r, &r.f[0]) == 0 &&
	    cdp_recw_field_as(&w, "b", 1, &r, &r.f[1]) == 0 &&
	    cdp_recw_str(&w, "s", 1, "x\ny\xC3\xA9", 5) == 0 &&
	    cdp_recw_num(&w, "n", 1, 0.1) == 0 &&
	    cdp_recw_num(&w, "bad", 3, NAN) == -1 &&
	    cdp_recw_num(&w, "inf", 3, INFINITY) == -1 &&
	    cdp_recw_int(&w, "i", 1, -9223372036854775807LL - 1) == 0 &&
	    cdp_recw_bool(&w, "t", 1, true) == 0 &&
	    cdp_recw_bool(&w, "f", 1, false) == 0 &&
	    cdp_recw_null(&w, "z", 1) == 0 &&
	    cdp_recw_raw(&w, "r", 1, "[1,{}]", 6) == 0 &&
	    cdp_recw_end(&w) == 0, "writer calls");
	CHECK_STR(w.b.p, "{\"a\\\"2\":1,\"b\":[ 1 ],\"s\":\"x\\ny\xC3\xA9\","
	    "\"n\":0.1,\"i\":-9223372036854775808,\"t\":true,\"f\":false,"
	    "\"z\":null,\"r\":[1,{}]}\n");
	CHECK(jansson_ok(w.b.p, w.b.len), "writer output is JSON");
	cdp_recw_begin(&w);
	CHECK(cdp_recw_int(&w, "z", 1, 0) == 0 &&
	    cdp_recw_int(&w, "p", 1, 9223372036854775807LL) == 0 &&
	    cdp_recw_int(&w, "m", 1, -10) == 0 &&
	    cdp_recw_end(&w) == 0, "writer ints");
	CHECK_STR(w.b.p, "{\"z\":0,\"p\":9223372036854775807,\"m\":-10}\n");

	/* The writer is reusable after begin. */
	cdp_recw_begin(&w);
	CHECK(cdp_recw_end(&w) == 0, "empty writer");
	CHECK_STR(w.b.p, "{}\n");
	cdp_recw_free(&w);
	cdp_rec_free(&r);
}

static void
fmt_is(double d, const char *want)
{
	char buf[32];
	int n;

	n = cdp_fmt_double(buf, d);
	CHECK(n == (int)strlen(want), "fmt %.17g: length %d", d, n);
	if (n >= 0)
		CHECK_STR(buf, want);
}

/*
 * The model of cdp_fmt_double's text: the shortest of "%.15g" .. "%.17g"
 * that reads back, exponent without '+' and leading zeros.  The program
 * reaches the same text without printf for integers and short decimals.
 */
static void
fmt_model(char *buf, double d)
{
	char *e, *q;
	int prec;

	if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
		snprintf(buf, 32, "%.0f", d);
		if (d == 0 && signbit(d))
			strcpy(buf, "-0");
		return;
	}
	for (prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if ((e = strchr(buf, 'e')) == NULL)
		return;
	q = e + 1;
	if (*q == '-' || *q == '+')
		q++;
	while (*q == '0' && q[1] != '\0')
		q++;
	memmove(e + 1 + (e[1] == '-'), q, strlen(q) + 1);
}

/* Amounts, ratios and random decimals: the same text as the model. */
static void
test_fmt_model(void)
{
	static const double scale[] = { 1e-6, 1e-4, 1e-2, 1, 1e2, 1e6,
	    1e12, 1e14, 1e15, 1e17 };
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char got[32], want[32];
	double d;
	int i, bad = 0;

	for (i = 0; i < 600000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (i % 4) {
		case 0:	/* an amount of up to 8 decimals */
			d = (double)(x % 100000000000ULL) /
			    pow(10, (double)((x >> 40) % 9));
			break;
		case 1:	/* a ratio of small integers */
			d = (double)(x % 100000) / (double)((x >> 32) % 997 + 1);
			break;
		case 2:	/* a random 53-bit fraction at a random scale */
			d = (double)(x >> 11) / 9007199254740992.0 *
			    scale[(x >> 3) % 10];
			break;
		default: /* a short decimal next to a power of ten */
			d = pow(10, (double)((int)(x % 24) - 6)) *
			    (1 + (double)((x >> 8) % 1000 - 500) / 1e6);
			break;
		}
		if (x & 1)
			d = -d;
		fmt_model(want, d);
		cdp_fmt_double(got, d);
		if (strcmp(got, want) != 0 && bad++ < 5)
			CHECK(0, "fmt %a: %s, the model %s", d, got, want);
	}
	CHECK(bad == 0, "fmt: %d doubles differ from the model", bad);

	/* Every power of two and its neighbours, where the gap below is
	 * half the gap above (cdp_fmt_double() asks printf there), and
	 * the doubles of one or few fraction bits (the shortest digits). */
	bad = 0;
	for (int e = -1074; e <= 1023; e++) {
		double p = ldexp(1, e), near[6] = { p, nextafter(p, 0),
		    nextafter(p, INFINITY), p * 1.5, p * 1.25,
		    p * (1 + ldexp(1, -52)) };

		for (i = 0; i < 6; i++) {
			if (near[i] == 0 || !isfinite(near[i]))
				continue;
			fmt_model(want, near[i]);
			cdp_fmt_double(got, near[i]);
			if (strcmp(got, want) != 0 && bad++ < 5)
				CHECK(0, "fmt %a: %s, the model %s", near[i],
				    got, want);
		}
	}
	CHECK(bad == 0, "fmt: %d powers of two differ from the model", bad);
}

static void
test_fmt(void)
{
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	char buf[32], line[64];
	uint64_t x = 88172645463325252ULL;
	double d, back;
	int i, n, bad = 0;

	fmt_is(0.1, "0.1");
	fmt_is(165.71, "165.71");
	fmt_is(1e21, "1e21");
	fmt_is(5e-324, "5e-324");
	fmt_is(1.7976931348623157e308, "1.7976931348623157e308");
	fmt_is(9007199254740992.0, "9007199254740992");
	fmt_is(-9007199254740992.0, "-9007199254740992");
	fmt_is(9007199254740994.0, "9007199254740994");
	fmt_is(-0.0, "-0");
	fmt_is(0.0, "0");
	fmt_is(1.0, "1");
	fmt_is(-3.0, "-3");
	fmt_is(100.0, "100");
	fmt_is(1e15, "1000000000000000");
	fmt_is(0.5, "0.5");
	fmt_is(1e-7, "1e-7");
	fmt_is(1.5e-300, "1.5e-300");
	fmt_is(2.2250738585072014e-308, "2.2250738585072014e-308");
	fmt_is(1.0 / 3, "0.3333333333333333");
	fmt_is(2.0 / 3, "0.6666666666666666");
	fmt_is(123456.789, "123456.789");
	CHECK(cdp_fmt_double(buf, NAN) == -1, "fmt NaN");
	CHECK(cdp_fmt_double(buf, -INFINITY) == -1, "fmt -inf");

	/* Random bit patterns: every finite one reads back and is JSON. */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&d, &x, sizeof(d));
		if (!isfinite(d))
			continue;
		n = cdp_fmt_double(buf, d);
		fmt_model(line, d);
		if (strcmp(buf, line) != 0 && bad++ < 5)
			CHECK(0, "fmt %a: %s, the model %s", d, buf, line);
		back = strtod(buf, NULL);
		snprintf(line, sizeof(line), "{\"n\":%s}", buf);
		if (n <= 0 || n >= 32 || back != d ||
		    signbit(back) != signbit(d) ||
		    cdp_rec_parse(&r, line, strlen(line), &err) != 0) {
			if (bad++ < 5)
				CHECK(0, "fmt %a gave %s", d, buf);
		}
	}
	CHECK(bad == 0, "fmt: %d random doubles failed", bad);
	cdp_rec_free(&r);
}

static void
quote_is(const char *s, size_t n, const char *want)
{
	struct cdp_buf b = { 0 }, rec = { 0 };

	CHECK(cdp_json_quote(&b, s, n) == 0, "quote");
	CHECK_STR(b.p, want);
	CHECK(cdp_utf8_valid(b.p, b.len), "quote output is UTF-8");
	cdp_buf_adds(&rec, "{\"k\":");
	cdp_buf_add(&rec, b.p, b.len);
	cdp_buf_adds(&rec, "}");
	CHECK(jansson_ok(rec.p, rec.len), "quote output is JSON: %s", rec.p);
	cdp_buf_free(&rec);
	cdp_buf_free(&b);
}

static void
test_strings(void)
{
	struct cdp_buf b = { 0 };
	const char *in;

	quote_is("", 0, "\"\"");
	quote_is("plain text", 10, "\"plain text\"");
	quote_is("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
	quote_is("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	quote_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
	quote_is("a\0b", 3, "\"a\\u0000b\"");
	quote_is("\xC3\xA9\xF0\x9F\x98\x80", 6,
	    "\"\xC3\xA9\xF0\x9F\x98\x80\"");
	quote_is("a\xC0\x80" "b", 4, "\"a\xEF\xBF\xBD\xEF\xBF\xBD" "b\"");
	quote_is("\xED\xA0\x80", 3,
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	quote_is("\xE2\x82", 2, "\"\xEF\xBF\xBD\"");
	quote_is("\xE2\x82x", 3, "\"\xEF\xBF\xBDx\"");
	quote_is("\xF4\x90\x80\x80", 4, "\"\xEF\xBF\xBD\xEF\xBF\xBD"
	    "\xEF\xBF\xBD\xEF\xBF\xBD\"");
	quote_is("\xFF\n", 2, "\"\xEF\xBF\xBD\\n\"");

	CHECK(cdp_utf8_valid("", 0), "utf8 empty");
	CHECK(cdp_utf8_valid("hello, world 1234567", 20), "utf8 ascii");
	CHECK(cdp_utf8_valid("\xF4\x8F\xBF\xBF", 4), "utf8 U+10FFFF");
	CHECK(cdp_utf8_valid("a\0b", 3), "utf8 NUL is valid");
	CHECK(!cdp_utf8_valid("\xF4\x90\x80\x80", 4), "utf8 > U+10FFFF");
	CHECK(!cdp_utf8_valid("\xC0\x80", 2), "utf8 overlong 2");
	CHECK(!cdp_utf8_valid("\xE0\x80\x80", 3), "utf8 overlong 3");
	CHECK(!cdp_utf8_valid("\xED\xA0\x80", 3), "utf8 surrogate");
	CHECK(!cdp_utf8_valid("12345678\xE2\x82", 10), "utf8 truncated");
	CHECK(!cdp_utf8_valid("\xF5\x80\x80\x80", 4), "utf8 F5");

	in = "a\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\t";
	CHECK(cdp_json_unescape(in, strlen(in), &b) == 0, "unescape");
	CHECK(b.len == 12 && memcmp(b.p, "a\xC3\xA9\xF0\x9F\x98\x80/\"\\\b\t",
	    12) == 0, "unescape result %zu", b.len);
	cdp_buf_reset(&b);
	CHECK(cdp_json_unescape("x\\u0000y", 8, &b) == 0 && b.len == 3 &&
	    memcmp(b.p, "x\0y", 3) == 0, "unescape NUL");
	cdp_buf_reset(&b);
	CHECK(cdp_json_unescape("", 0, &b) == 0 && b.len == 0,
	    "unescape empty");
	cdp_buf_free(&b);
}

/* A key quoted beforehand writes what the plain calls write. */
static void
test_writer_qkey(void)
{
	static const char *const keys[] = { "k", "a\"b", "t\tx", "\xC3\xA9",
	    "" };
	struct cdp_recw a = { 0 }, b = { 0 };
	struct cdp_buf q = { 0 };

	cdp_recw_begin(&a);
	cdp_recw_begin(&b);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t kl = strlen(keys[i]);

		cdp_buf_reset(&q);
		CHECK(cdp_json_quote(&q, keys[i], kl) == 0, "qkey quote");
		CHECK(cdp_recw_str(&a, keys[i], kl, "v\"1", 3) == 0 &&
		    cdp_recw_raw(&a, keys[i], kl, "[1]", 3) == 0, "recw");
		CHECK(cdp_recw_qstr(&b, q.p, q.len, "v\"1", 3) == 0 &&
		    cdp_recw_qraw(&b, q.p, q.len, "[1]", 3) == 0, "recw q");
		CHECK(cdp_recw_str(&a, keys[i], kl, "p l", 3) == 0 &&
		    cdp_recw_qplain(&b, q.p, q.len, "p l", 3) == 0 &&
		    cdp_recw_qplain(&b, q.p, q.len, "", 0) == 0 &&
		    cdp_recw_str(&a, keys[i], kl, "", 0) == 0, "recw plain");
	}
	CHECK(cdp_recw_end(&a) == 0 && cdp_recw_end(&b) == 0, "recw end");
	CHECK_STR(b.b.p, a.b.p);
	CHECK_STR(b.b.p, "{\"k\":\"v\\\"1\",\"k\":[1],\"k\":\"p l\",\"k\":\"\","
	    "\"a\\\"b\":\"v\\\"1\",\"a\\\"b\":[1],\"a\\\"b\":\"p l\","
	    "\"a\\\"b\":\"\",\"t\\tx\":\"v\\\"1\",\"t\\tx\":[1],"
	    "\"t\\tx\":\"p l\",\"t\\tx\":\"\",\"\xC3\xA9\":\"v\\\"1\","
	    "\"\xC3\xA9\":[1],\"\xC3\xA9\":\"p l\",\"\xC3\xA9\":\"\","
	    "\"\":\"v\\\"1\",\"\":[1],\"\":\"p l\",\"\":\"\"}\n");
	cdp_recw_free(&a);
	cdp_recw_free(&b);
	cdp_buf_free(&q);
}

/*
 * cdp_json_quote() as it was before its bulk scan, byte by byte: the
 * reference the fast one must match on every byte string.
 */
/*
 * The length of the well-formed UTF-8 sequence at s (Unicode's table
 * 3-7: the lead byte's range fixes the length and the second byte's
 * range), or 0 with *bad the length of its longest valid prefix (1 at
 * least), which becomes one U+FFFD.
 */
static size_t
ref_utf8_seq(const unsigned char *s, size_t avail, size_t *bad)
{
	static const struct {
		unsigned char	lead_lo, lead_hi, len, lo, hi;
	} t[] = {
		{ 0xC2, 0xDF, 2, 0x80, 0xBF }, { 0xE0, 0xE0, 3, 0xA0, 0xBF },
		{ 0xE1, 0xEC, 3, 0x80, 0xBF }, { 0xED, 0xED, 3, 0x80, 0x9F },
		{ 0xEE, 0xEF, 3, 0x80, 0xBF }, { 0xF0, 0xF0, 4, 0x90, 0xBF },
		{ 0xF1, 0xF3, 4, 0x80, 0xBF }, { 0xF4, 0xF4, 4, 0x80, 0x8F }
	};
	size_t k;

	*bad = 1;
	for (size_t r = 0; r < sizeof(t) / sizeof(t[0]); r++) {
		if (s[0] < t[r].lead_lo || s[0] > t[r].lead_hi)
			continue;
		if (avail < 2 || s[1] < t[r].lo || s[1] > t[r].hi)
			return 0;
		for (k = 2; k < t[r].len; k++)
			if (k >= avail || (s[k] & 0xC0) != 0x80) {
				*bad = k;
				return 0;
			}
		return t[r].len;
	}
	return 0;
}

static void
ref_quote(struct cdp_buf *out, const unsigned char *u, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, len, bad;
	unsigned c;

	cdp_buf_addc(out, '"');
	while (i < n) {
		c = u[i];
		if (c >= 0x80) {
			if ((len = ref_utf8_seq(u + i, n - i, &bad)) > 0) {
				cdp_buf_add(out, u + i, len);
				i += len;
			} else {
				cdp_buf_add(out, "\xEF\xBF\xBD", 3);
				i += bad;
			}
			continue;
		}
		i++;
		if (c == '"' || c == '\\') {
			cdp_buf_addc(out, '\\');
			cdp_buf_addc(out, (int)c);
		} else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
		    c == '\t') {
			cdp_buf_addc(out, '\\');
			cdp_buf_addc(out, c == '\b' ? 'b' : c == '\f' ? 'f' :
			    c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		} else if (c < 0x20) {
			cdp_buf_adds(out, "\\u00");
			cdp_buf_addc(out, hex[c >> 4]);
			cdp_buf_addc(out, hex[c & 0xF]);
		} else
			cdp_buf_addc(out, (int)c);
	}
	cdp_buf_addc(out, '"');
}

/*
 * Random byte strings, from plain ASCII to mostly-invalid UTF-8, of 0 to
 * 300 bytes (past the 16-byte vector, the 8-byte word and the bulk UTF-8
 * check), quoted after a prefix of 0-15 bytes (every alignment): the
 * fast quote must write what the reference does.
 */
static void
test_quote_random(void)
{
	static const char *const pieces[] = { "a", "Zz", "0123456789",
	    "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\0", " ",
	    "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
	    "\xC0\x80", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80",
	    "\xFF", "\x80", "\xF0\x9F", "\xC3" };
	static const size_t plen[] = { 1, 2, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	    2, 3, 4, 4, 2, 3, 2, 4, 1, 1, 2, 1 };
	struct cdp_buf in = { 0 }, got = { 0 }, want = { 0 };
	uint64_t st = 0x5eed;
	size_t npieces = sizeof(plen) / sizeof(plen[0]), target, pre;
	int bad = 0;

	for (int t = 0; t < 20000; t++) {
		/* Case kinds: ASCII only, valid UTF-8, anything, raw bytes. */
		unsigned kind = (unsigned)cdp_rand_below(&st, 4);

		cdp_buf_reset(&in);
		pre = (size_t)cdp_rand_below(&st, 16);
		for (size_t i = 0; i < pre; i++)
			cdp_buf_addc(&in, 'p');
		target = (size_t)cdp_rand_below(&st, t % 10 == 0 ? 300 : 48);
		while (in.len - pre < target) {
			size_t k;

			if (kind == 3) {
				cdp_buf_addc(&in, (int)cdp_rand_below(&st,
				    256));
				continue;
			}
			k = (size_t)cdp_rand_below(&st, kind == 0 ? 12 :
			    kind == 1 ? 16 : npieces);
			/* Mostly long plain runs, now and then the rest. */
			if (cdp_rand_below(&st, 4) != 0)
				k = 2;
			cdp_buf_add(&in, pieces[k], plen[k]);
		}
		cdp_buf_reset(&got);
		cdp_buf_reset(&want);
		CHECK(cdp_json_quote(&got, in.p + pre, in.len - pre) == 0,
		    "quote random");
		ref_quote(&want, (const unsigned char *)in.p + pre,
		    in.len - pre);
		if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0)
			bad++;
	}
	CHECK(bad == 0, "quote random: %d strings differ from the reference",
	    bad);
	cdp_buf_free(&in);
	cdp_buf_free(&got);
	cdp_buf_free(&want);
}

/* Write n bytes to a new temporary file; returns its malloc'ed path. */
static char *
temp_file(const char *s, size_t n)
{
	char *path = strdup("/tmp/test_record.XXXXXX");
	int fd;

	if (path == NULL || (fd = mkstemp(path)) == -1)
		return NULL;
	if (write(fd, s, n) != (ssize_t)n)
		CHECK(0, "write temp file");
	close(fd);
	return path;
}

static void
next_is(struct cdp_lines *l, long lineno, const char *want, bool too_long)
{
	struct cdp_line ln;
	struct cdp_err err;
	int rc;

	rc = cdp_lines_next(l, &ln, &err);
	CHECK(rc == 1, "lines: rc %d, want line %ld", rc, lineno);
	if (rc != 1)
		return;
	CHECK(ln.lineno == lineno, "lines: lineno %ld, want %ld", ln.lineno,
	    lineno);
	CHECK(ln.len == strlen(want) && memcmp(ln.p, want, ln.len) == 0,
	    "lines %ld: got \"%.*s\", want \"%s\"", lineno, (int)ln.len, ln.p,
	    want);
	CHECK(ln.too_long == too_long, "lines %ld: too_long %d", lineno,
	    ln.too_long);
}

static void
end_is(struct cdp_lines *l)
{
	struct cdp_line ln;
	struct cdp_err err;

	CHECK(cdp_lines_next(l, &ln, &err) == 0, "lines: end");
	CHECK(cdp_lines_next(l, &ln, &err) == 0, "lines: end again");
}

static void
test_lines_small(void)
{
	static const char text[] = "\xEF\xBB\xBF{\"a\":1}\r\n\n   \t\r\n"
	    "\r\n{\"b\":2}\n0123456789abcdefXYZ\n12345678\r\n123456789\n"
	    "a\rb\n\n{\"c\":3}";
	struct cdp_lines *l;
	struct cdp_err err;
	char *path;

	path = temp_file(text, sizeof(text) - 1);
	l = cdp_lines_open(path, 8, &err);
	CHECK(l != NULL, "lines open: %s", l ? "" : err.msg);
	if (l == NULL)
		return;
	CHECK_STR(cdp_lines_name(l), path);
	CHECK(cdp_lines_size(l) == (off_t)sizeof(text) - 1, "lines size");
	next_is(l, 1, "{\"a\":1}", false);
	next_is(l, 5, "{\"b\":2}", false);
	next_is(l, 6, "01234567", true);
	next_is(l, 7, "12345678", false);
	next_is(l, 8, "12345678", true);
	next_is(l, 9, "a\rb", false);
	next_is(l, 11, "{\"c\":3}", false);
	end_is(l);
	CHECK(cdp_lines_offset(l) == (off_t)sizeof(text) - 1, "lines offset");
	cdp_lines_close(l);
	unlink(path);
	free(path);

	CHECK(cdp_lines_open("/nonexistent/x", 0, &err) == NULL &&
	    err.code == EX_NOINPUT, "lines open missing");
	CHECK(cdp_lines_open("/tmp", 0, &err) == NULL &&
	    err.code == EX_NOINPUT, "lines open a directory");

	/* Empty, BOM only, blank only, BOM then a line without newline. */
	path = temp_file("", 0);
	l = cdp_lines_open(path, 0, &err);
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
	path = temp_file("\xEF\xBB\xBF", 3);
	l = cdp_lines_open(path, 0, &err);
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
	path = temp_file("\n \n\t\r\n\r", 7);
	l = cdp_lines_open(path, 0, &err);
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
	path = temp_file("\xEF\xBB\xBFx", 4);
	l = cdp_lines_open(path, 0, &err);
	next_is(l, 1, "x", false);
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
	/* A BOM later than the start is data. */
	path = temp_file("x\n\xEF\xBB\xBFy\n", 7);
	l = cdp_lines_open(path, 0, &err);
	next_is(l, 1, "x", false);
	next_is(l, 2, "\xEF\xBB\xBFy", false);
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
}

/* Lines longer than the 1 MiB block: grown under the cap, cut above. */
static void
test_lines_long(void)
{
	size_t big = (size_t)5 << 20, i;
	struct cdp_lines *l;
	struct cdp_line ln;
	struct cdp_err err;
	char *text, *path;
	int rc;

	if ((text = malloc(big + 64)) == NULL)
		return;
	memset(text, 'x', big);
	text[0] = '{';
	i = big;
	i += (size_t)sprintf(text + i, "\n{\"z\":1}\r\n");
	path = temp_file(text, i);

	l = cdp_lines_open(path, 0, &err);	/* default cap: whole line */
	rc = cdp_lines_next(l, &ln, &err);
	CHECK(rc == 1 && ln.lineno == 1 && ln.len == big && !ln.too_long &&
	    memcmp(ln.p, text, big) == 0, "5 MiB line under the cap");
	next_is(l, 2, "{\"z\":1}", false);
	end_is(l);
	cdp_lines_close(l);

	l = cdp_lines_open(path, (size_t)3 << 20, &err);
	rc = cdp_lines_next(l, &ln, &err);
	CHECK(rc == 1 && ln.lineno == 1 && ln.len == (size_t)3 << 20 &&
	    ln.too_long && memcmp(ln.p, text, ln.len) == 0,
	    "5 MiB line over a 3 MiB cap");
	next_is(l, 2, "{\"z\":1}", false);
	end_is(l);
	cdp_lines_close(l);

	l = cdp_lines_open(path, 100, &err);
	rc = cdp_lines_next(l, &ln, &err);
	CHECK(rc == 1 && ln.lineno == 1 && ln.len == 100 && ln.too_long,
	    "5 MiB line over a 100 byte cap");
	next_is(l, 2, "{\"z\":1}", false);
	end_is(l);
	cdp_lines_close(l);

	/* The same line last, with no newline after it. */
	unlink(path);
	free(path);
	path = temp_file(text, big);
	l = cdp_lines_open(path, 1000, &err);
	rc = cdp_lines_next(l, &ln, &err);
	CHECK(rc == 1 && ln.lineno == 1 && ln.len == 1000 && ln.too_long,
	    "last line over the cap");
	end_is(l);
	cdp_lines_close(l);
	unlink(path);
	free(path);
	free(text);
}

/* The bounds a reader reads within: the file, then its part (the
 * progress bar's total and start with --part K/N). */
static void
test_lines_bounds(void)
{
	static const char text[] = "{\"a\":1}\n{\"a\":22}\n{\"a\":333}\n";
	struct cdp_lines *l;
	struct cdp_err err;
	char *path = temp_file(text, sizeof(text) - 1);

	l = cdp_lines_open(path, 0, &err);
	CHECK(l != NULL && cdp_lines_from(l) == 0 &&
	    cdp_lines_to(l) == (off_t)sizeof(text) - 1, "bounds: the file");
	/* half of 27 bytes is byte 13, inside line 2: the part starts
	 * with line 3 (byte 17) */
	CHECK(cdp_lines_part(l, 2, 2, &err) == 0 && cdp_lines_from(l) == 17 &&
	    cdp_lines_to(l) == (off_t)sizeof(text) - 1, "bounds: part 2/2");
	next_is(l, 1, "{\"a\":333}", false);
	end_is(l);
	cdp_lines_close(l);
	l = cdp_lines_open(path, 0, &err);
	CHECK(cdp_lines_part(l, 1, 2, &err) == 0 && cdp_lines_from(l) == 0 &&
	    cdp_lines_to(l) == 17, "bounds: part 1/2");
	cdp_lines_close(l);
	unlink(path);
	free(path);
}

/* cdp_lines_open_fd(): bytes already read come first; fd stays open. */
static void
test_lines_fd(void)
{
	static const char rest[] = "\xBF{\"a\":1}\n\n{\"b\":2}\n";
	struct cdp_lines *l;
	struct cdp_err err;
	char *path;
	int fd;

	path = temp_file(rest, sizeof(rest) - 1);
	fd = open(path, O_RDONLY);
	l = cdp_lines_open_fd(fd, "prefixed", "\xEF\xBB", 2, 0, &err);
	CHECK(l != NULL, "open_fd");
	CHECK_STR(cdp_lines_name(l), "prefixed");
	next_is(l, 1, "{\"a\":1}", false);
	next_is(l, 3, "{\"b\":2}", false);
	end_is(l);
	cdp_lines_close(l);
	CHECK(fcntl(fd, F_GETFD) != -1, "open_fd leaves fd open");

	lseek(fd, 1, SEEK_SET);
	l = cdp_lines_open_fd(fd, "p2", "{\"x\":0}\n{\"y\"", 12, 0, &err);
	next_is(l, 1, "{\"x\":0}", false);
	next_is(l, 2, "{\"y\"{\"a\":1}", false);
	next_is(l, 4, "{\"b\":2}", false);
	end_is(l);
	cdp_lines_close(l);
	close(fd);
	unlink(path);
	free(path);

	l = cdp_lines_open("-", 0, &err);
	CHECK(l != NULL, "open stdin");
	CHECK_STR(cdp_lines_name(l), "<stdin>");
	cdp_lines_close(l);
	CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1, "stdin left open");
	cdp_lines_close(NULL);
}

/* The field a key names, record after record, whichever way the keys
 * move: cdp_rec_find() remembers where a key was and checks it. */
static void
test_find_moves(void)
{
	static const struct {
		const char	*line;
		int		 want;	/* b's value, -1 none */
	} recs[] = {
		{ "{\"a\":1,\"b\":2}", 2 },
		{ "{\"a\":1,\"b\":3}", 3 },
		{ "{\"b\":4,\"a\":1}", 4 },
		{ "{\"a\":5}", -1 },
		{ "{\"x\":0,\"y\":0,\"b\":6}", 6 },
		{ "{\"x\":0,\"\\u0062\":7}", 7 },
		{ "{\"bb\":0,\"b\":8}", 8 },
		{ "{\"b\":9}", 9 },
		{ "{}", -1 },
	};
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	const struct cdp_field *f;
	const char *key = "b";
	char other[2] = "a", buf[3];
	double v;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		int rc = cdp_rec_parse(&r, recs[i].line, strlen(recs[i].line),
		    &err);

		CHECK(rc == 0, "find: %s", recs[i].line);
		if (rc != 0)
			continue;
		/* another key at the same address in between */
		other[0] = 'a';
		(void)cdp_rec_find(&r, other, 1);
		f = cdp_rec_find(&r, key, 1);
		if (recs[i].want < 0) {
			CHECK(f == NULL, "find b in %s", recs[i].line);
			continue;
		}
		CHECK(f != NULL && cdp_rec_num(&r, f, &v) == 0 &&
		    v == recs[i].want, "find b in %s", recs[i].line);
		other[0] = 'b';
		CHECK(cdp_rec_find(&r, other, 1) == f, "find b again in %s",
		    recs[i].line);
	}
	/* Absent, then a bad line, then the first keys again. */
	CHECK(cdp_rec_parse(&r, "{\"a\":1,\"b\":2}", 13, &err) == 0 &&
	    cdp_rec_find(&r, "c", 1) == NULL, "find c, absent");
	CHECK(cdp_rec_parse(&r, "{\"a\":", 5, &err) == -1 &&
	    cdp_rec_find(&r, key, 1) == NULL, "find b in a bad line");
	CHECK(cdp_rec_parse(&r, "{\"a\":1,\"b\":3}", 13, &err) == 0 &&
	    (f = cdp_rec_find(&r, key, 1)) != NULL &&
	    cdp_rec_num(&r, f, &v) == 0 && v == 3, "find b after a bad line");
	/* The caller's buffer changes between the calls: absent "zz",
	 * then "xy" at the same place, in the same record. */
	memcpy(buf, "zz", 2);
	CHECK(cdp_rec_parse(&r, "{\"xy\":1,\"q\":0}", 14, &err) == 0 &&
	    cdp_rec_find(&r, buf, 2) == NULL, "find zz, absent");
	memcpy(buf, "xy", 2);
	CHECK((f = cdp_rec_find(&r, buf, 2)) != NULL &&
	    cdp_rec_num(&r, f, &v) == 0 && v == 1, "find xy where zz was");
	memcpy(buf, "zz", 2);
	CHECK(cdp_rec_find(&r, buf, 2) == NULL, "find zz again");
	/* absent in one record, there in the next with other keys */
	CHECK(cdp_rec_parse(&r, "{\"zz\":4,\"q\":0}", 14, &err) == 0 &&
	    (f = cdp_rec_find(&r, buf, 2)) != NULL &&
	    cdp_rec_num(&r, f, &v) == 0 && v == 4, "find zz, there");
	cdp_rec_free(&r);
}

/*
 * A record counts as free of duplicates because the last one was only
 * when its keys are the very same bytes: keys that differ in their first
 * or last byte (of 1 to 17), in length, or by an escape, keys near the
 * end of the line, and keys after the last record's, are still checked.
 */
static void
test_shape_keys(void)
{
	static const struct {
		const char	*ok, *dup, *why;
	} seq[] = {
		{ "{\"abcdefghijklmnop\":1,\"abcdefghijklmnoq\":2}",
		  "{\"abcdefghijklmnop\":1,\"abcdefghijklmnop\":2}",
		  "duplicate key at byte 23" },
		{ "{\"abcdefghijklmnop\":1,\"bbcdefghijklmnop\":2}",
		  "{\"bbcdefghijklmnop\":1,\"bbcdefghijklmnop\":2}",
		  "duplicate key at byte 23" },
		{ "{\"abcdefgh\":1,\"abcdefgi\":2}",
		  "{\"abcdefgh\":1,\"abcdefgh\":2}",
		  "duplicate key at byte 15" },
		{ "{\"abcdefghijklmnopq\":1,\"abcdefghijklmnopr\":2}",
		  "{\"abcdefghijklmnopq\":1,\"abcdefghijklmnopq\":2}",
		  "duplicate key at byte 24" },
		{ "{\"ab\":1,\"a\":2}", "{\"ab\":1,\"ab\":2}",
		  "duplicate key at byte 9" },
		{ "{\"b\":1,\"c\":2}", "{\"b\":1,\"b\":2}",
		  "duplicate key at byte 8" },
		{ "{\"a\\u0062\":\"x\",\"ac\":\"y\"}",
		  "{\"a\\u0062\":\"x\",\"ab\":\"y\"}",
		  "duplicate key at byte 16" },
		/* the keys of the last record, then one of them again */
		{ "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":2,\"a\":3}",
		  "duplicate key at byte 14" },
		{ "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":2,\"b\":[3]}",
		  "duplicate key at byte 14" },
	};
	static const enum cdp_simd levels[] = { CDP_SIMD_SCALAR,
	    CDP_SIMD_SSE2, CDP_SIMD_AVX2, CDP_SIMD_AVX512 };
	struct cdp_err err;
	size_t i, l;
	int k;

	for (l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		struct cdp_rec r = { 0 };

		cdp_rec_use(&r, levels[l]);
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			for (k = 0; k < 2; k++)
				CHECK(cdp_rec_parse(&r, seq[i].ok,
				    strlen(seq[i].ok), &err) == 0 && r.n == 2,
				    "%s: %s: %s", cdp_simd_name(levels[l]),
				    seq[i].ok, err.msg);
			memset(&err, 0, sizeof(err));
			CHECK(cdp_rec_parse(&r, seq[i].dup, strlen(seq[i].dup),
			    &err) == -1 && strcmp(err.msg, seq[i].why) == 0,
			    "%s: %s after %s: \"%s\"", cdp_simd_name(levels[l]),
			    seq[i].dup, seq[i].ok, err.msg);
			CHECK(cdp_rec_parse(&r, seq[i].ok, strlen(seq[i].ok),
			    &err) == 0, "%s: %s again",
			    cdp_simd_name(levels[l]), seq[i].ok);
		}
		cdp_rec_free(&r);
	}
}

int
main(void)
{
	test_corpus();
	test_mutations();
	test_many_fields();
	test_shape_keys();
	test_index();
	test_num();
	test_num_random();
	test_num_canon();
	test_writer();
	test_fmt();
	test_fmt_model();
	test_find_moves();
	test_strings();
	test_quote_random();
	test_writer_qkey();
	test_lines_small();
	test_lines_long();
	test_lines_bounds();
	test_lines_fd();
	return CHECK_DONE();
}
