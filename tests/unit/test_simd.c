/*
 * test_simd.c - unit driver of common/simd and of the record layer's
 * vector path: every level this CPU runs must classify lines, validate
 * UTF-8, count bytes and parse records exactly as the scalar reference
 * does, on hand-made edge cases and on many generated lines (valid JSON
 * objects and mutations of them, with a fixed seed).
 */
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "record.h"
#include "simd.h"

#include "check.h"

#define NGEN	60000	/* generated lines per run */

/* xorshift64*: the same lines on every machine. */
static uint64_t seed = 0x9E3779B97F4A7C15ULL;

static unsigned
rnd(unsigned n)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return (unsigned)((seed * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

static const char *const pieces[] = {
	"a", "email", "x\\\"y", "\\\\", "\\u00e9", "\\ud83d\\ude00", "\\n",
	"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", ",", ":", "{",
	"}", "[", "]", "\\", "\\u12", "\t", "longer text with spaces"
};

/* A random JSON string (quotes included) into b. */
static void
gen_string(struct cdp_buf *b)
{
	int n = (int)rnd(6);

	cdp_buf_addc(b, '"');
	for (int i = 0; i < n; i++) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		/* Pieces that break a string only now and then. */
		if ((!strcmp(p, "\\") || !strcmp(p, "\\u12")) && rnd(4) != 0)
			continue;
		cdp_buf_adds(b, p);
	}
	cdp_buf_addc(b, '"');
}

static void
gen_ws(struct cdp_buf *b)
{
	static const char *const ws[] = { " ", "\t", "\r\n", "  " };

	if (rnd(5) == 0)
		cdp_buf_adds(b, ws[rnd(4)]);
}

static void gen_value(struct cdp_buf *b, int depth);

static void
gen_container(struct cdp_buf *b, int depth, int obj)
{
	int n = (int)rnd(4);

	cdp_buf_addc(b, obj ? '{' : '[');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			cdp_buf_addc(b, ',');
		gen_ws(b);
		if (obj) {
			gen_string(b);
			gen_ws(b);
			cdp_buf_addc(b, ':');
			gen_ws(b);
		}
		gen_value(b, depth + 1);
		gen_ws(b);
	}
	cdp_buf_addc(b, obj ? '}' : ']');
}

static void
gen_value(struct cdp_buf *b, int depth)
{
	static const char *const scalars[] = { "0", "-1", "12.5", "1e10",
	    "-0.5E-3", "true", "false", "null", "123456789012345678901" };

	switch (depth > 4 ? rnd(3) : rnd(5)) {
	case 0:
	case 1:
		gen_string(b);
		break;
	case 2:
		cdp_buf_adds(b, scalars[rnd(sizeof(scalars) /
		    sizeof(scalars[0]))]);
		break;
	default:
		gen_container(b, depth, (int)rnd(2));
		break;
	}
}

static void	mutate(struct cdp_buf *);

/* A line: an object, sometimes with bytes changed, cut or added. */
static void
gen_line(struct cdp_buf *b)
{
	cdp_buf_reset(b);
	gen_ws(b);
	gen_container(b, 0, 1);
	gen_ws(b);
	if (rnd(3) == 0 || b->len == 0)
		return;
	mutate(b);
}

/* Change, cut or add one to three bytes of b. */
static void
mutate(struct cdp_buf *b)
{
	static const char junk[] = "\"\\{}[]:, \t\r\nx0e-.\x01\x7f\x80\xbf"
	    "\xc0\xc3\xe2\xed\xf0\xf4\xff";
	int k = (int)rnd(3);

	for (int i = 0; i <= k; i++) {
		size_t at = rnd((unsigned)b->len);

		switch (rnd(3)) {
		case 0:
			b->p[at] = junk[rnd(sizeof(junk) - 1)];
			break;
		case 1:
			memmove(b->p + at, b->p + at + 1, b->len - at);
			b->len--;
			break;
		default:
			cdp_buf_addc(b, 0);
			memmove(b->p + at + 1, b->p + at, b->len - at - 1);
			b->p[at] = junk[rnd(sizeof(junk) - 1)];
			break;
		}
		if (b->len == 0)
			return;
	}
}

static void	check_parse(struct cdp_rec *, struct cdp_rec *, const char *,
		    size_t, const char *);

/* ---- the masks ---- */

static int
same_masks(const struct cdp_jsonmask *a, const struct cdp_jsonmask *b)
{
	if (a->nw != b->nw || a->any_bs != b->any_bs ||
	    a->any_hi != b->any_hi)
		return 0;
	for (size_t i = 0; i < a->nw; i++)
		if (a->tok[i] != b->tok[i] || a->bs[i] != b->bs[i])
			return 0;
	return 1;
}

static void
check_masks(const char *s, size_t n, const char *label)
{
	static struct cdp_jsonmask ref, m;
	int want = cdp_jsonmask_build(CDP_SIMD_SCALAR, s, n, &ref);

	for (int l = CDP_SIMD_SSE2; l <= (int)cdp_simd_cpu(); l++) {
		int got = cdp_jsonmask_build((enum cdp_simd)l, s, n, &m);

		CHECK(got == want, "%s: %s: masks rc %d, scalar %d: %.60s",
		    label, cdp_simd_name((enum cdp_simd)l), got, want, s);
		if (got == 0 && want == 0)
			CHECK(same_masks(&ref, &m), "%s: %s: masks differ: "
			    "%.60s", label, cdp_simd_name((enum cdp_simd)l), s);
	}
}

/* Hand-made masks: escapes across the 64-byte words, tokens. */
static void
test_masks(void)
{
	struct cdp_jsonmask m = { 0 };
	char line[200];

	CHECK(cdp_jsonmask_build(CDP_SIMD_SCALAR, "{\"a\":12,\"b\":[tru]}",
	    18, &m) == 0, "scalar masks");
	/* { " " [ ] of the record, the quotes of "a" and "b", and the
	 * starts of 12 and tru: ':' and ',' are no tokens. */
	CHECK(m.tok[0] == 0x3352B, "tokens %#llx", (unsigned long long)m.tok[0]);
	CHECK(cdp_jsonmask_build(CDP_SIMD_SCALAR, "{\"a\x01\"}", 6, &m) == 1,
	    "control character in a string");
	CHECK(cdp_jsonmask_build(CDP_SIMD_SCALAR, "{\"a", 3, &m) == 1,
	    "line ends in a string");
	check_masks("{\"a\x01\"}", 6, "control");
	check_masks("{\"a", 3, "open string");
	check_masks("", 0, "empty");
	/* A run of backslashes across the word boundary, odd and even. */
	for (int run = 1; run <= 4; run++)
		for (int at = 55; at < 66; at++) {
			memset(line, 'x', sizeof(line));
			memcpy(line, "{\"k\":\"", 6);
			memset(line + at, '\\', (size_t)run);
			line[at + run] = '"';
			memcpy(line + 120, "\"}", 2);
			check_masks(line, 122, "backslashes at a boundary");
		}
	/* A string across two words; a scalar across two words. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "{\"k\":", 5);
	memcpy(line + 60, "12345678,\"x\":\"ab", 16);
	memcpy(line + 80, "\"}", 2);
	check_masks(line, 82, "across words");
	cdp_jsonmask_free(&m);
}

/*
 * Lines that end where the memory does (an inaccessible page follows):
 * no level reads a byte past the line (that would crash here), and each
 * classifies, validates and parses them as the scalar reference does,
 * for every length of the last 64-byte word.
 */
static void
test_page_end(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct cdp_rec ref = { 0 }, r = { 0 };
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	char *map, *line, label[64];

	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED, "mmap");
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map + pg, (size_t)pg, PROT_NONE) == 0, "mprotect");
	cdp_rec_use(&ref, CDP_SIMD_SCALAR);
	for (size_t n = 0; n <= 200; n++) {
		/* {"k":"x\nxxx\xc3\xa9"} of n bytes (cut when shorter),
		 * with escapes on odd lengths. */
		cdp_buf_reset(&b);
		cdp_buf_adds(&b, "{\"k\":\"");
		while (b.len + 4 < n)
			if (n % 2 && b.len % 5 == 0 && b.len + 6 <= n)
				cdp_buf_adds(&b, "\\n");
			else
				cdp_buf_addc(&b, 'x');
		cdp_buf_adds(&b, "\xc3\xa9\"}");
		line = map + pg - n;
		memcpy(line, b.p, n);
		snprintf(label, sizeof(label), "page end, %zu bytes", n);
		check_masks(line, n, label);
		for (int l = CDP_SIMD_SSE2; l <= (int)cdp_simd_cpu(); l++) {
			CHECK(cdp_simd_utf8((enum cdp_simd)l, line, n) ==
			    cdp_simd_utf8(CDP_SIMD_SCALAR, line, n),
			    "%s: utf8 at %s", label,
			    cdp_simd_name((enum cdp_simd)l));
			CHECK(cdp_simd_count((enum cdp_simd)l, line, n, '"') ==
			    cdp_simd_count(CDP_SIMD_SCALAR, line, n, '"'),
			    "%s: count at %s", label,
			    cdp_simd_name((enum cdp_simd)l));
			cdp_rec_use(&r, (enum cdp_simd)l);
			check_parse(&ref, &r, line, n, label);
			/* Cut ones fail, whole ones are records. */
			CHECK((cdp_rec_parse(&r, line, n, &err) == 0) ==
			    (n >= 10), "%s: at %s, accepted %d", label,
			    cdp_simd_name((enum cdp_simd)l), n >= 10);
		}
	}
	munmap(map, (size_t)pg * 2);
	cdp_rec_free(&ref);
	cdp_rec_free(&r);
	cdp_buf_free(&b);
}

/* ---- UTF-8 ---- */

static void
check_utf8(const char *s, size_t n, int want, const char *label)
{
	for (int l = CDP_SIMD_SCALAR; l <= (int)cdp_simd_cpu(); l++)
		CHECK(cdp_simd_utf8((enum cdp_simd)l, s, n) == want,
		    "%s: %s: want %s", label, cdp_simd_name((enum cdp_simd)l),
		    want ? "valid" : "invalid");
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		int		 ok;
	} cases[] = {
		{ "plain", 1 }, { "\xc3\xa9", 1 }, { "\xe2\x82\xac", 1 },
		{ "\xf0\x9f\x98\x80", 1 }, { "\xf4\x8f\xbf\xbf", 1 },
		{ "\xed\x9f\xbf", 1 }, { "\xee\x80\x80", 1 },
		{ "\xc0\xaf", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xf0\x8f\xbf\xbf", 0 }, { "\xed\xa0\x80", 0 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },
		{ "\xff", 0 }, { "\x80", 0 }, { "\xc3", 0 }, { "\xe2\x82", 0 },
		{ "\xf0\x9f\x98", 0 }, { "\xc3\xa9\xa9", 0 }, { "a\xc3z", 0 },
	};
	char buf[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);

		check_utf8(cases[i].s, n, cases[i].ok, "case");
		/* At every place of a long ASCII line: blocks, tails. */
		for (size_t at = 0; at + n <= 100; at++) {
			memset(buf, 'a', 100);
			memcpy(buf + at, cases[i].s, n);
			check_utf8(buf, 100, cases[i].ok, "placed");
			check_utf8(buf, at + n, cases[i].ok, "at the end");
		}
	}
	/* Random bytes leaning on the lead and continuation ranges. */
	for (int k = 0; k < 20000; k++) {
		static const unsigned char pick[] = { 'a', 0x80, 0x8f, 0x90,
		    0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
		    0xf4, 0xf5, 0xc0 };
		size_t n = rnd(160);	/* past 64: the last 32 bytes again */
		int want;

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)pick[rnd(sizeof(pick))];
		want = cdp_simd_utf8(CDP_SIMD_SCALAR, buf, n);
		check_utf8(buf, n, want, "random");
	}
}

static void
test_count(void)
{
	char buf[300];

	for (int k = 0; k < 2000; k++) {
		size_t n = rnd(300), want = 0;

		for (size_t i = 0; i < n; i++) {
			buf[i] = rnd(4) ? 'x' : '\n';
			want += buf[i] == '\n';
		}
		for (int l = CDP_SIMD_SCALAR; l <= (int)cdp_simd_cpu(); l++)
			CHECK(cdp_simd_count((enum cdp_simd)l, buf, n, '\n') ==
			    want, "count at %s", cdp_simd_name((enum cdp_simd)l));
	}
}

/* ---- records ---- */

/* Parse s at level and at SCALAR: the same answer, reason and index. */
static void
check_parse(struct cdp_rec *ref, struct cdp_rec *r, const char *s, size_t n,
    const char *label)
{
	struct cdp_err e1 = { 0 }, e2 = { 0 };
	int want = cdp_rec_parse(ref, s, n, &e1);
	int got = cdp_rec_parse(r, s, n, &e2);

	CHECK(got == want, "%s: accepted %d, scalar %d: %.80s", label,
	    got == 0, want == 0, s);
	if (got != 0 || want != 0) {
		CHECK(strcmp(e1.msg, e2.msg) == 0, "%s: \"%s\", scalar \"%s\"",
		    label, e2.msg, e1.msg);
		return;
	}
	CHECK(r->n == ref->n, "%s: %zu fields, scalar %zu", label, r->n,
	    ref->n);
	for (size_t i = 0; i < r->n && i < ref->n; i++)
		CHECK(memcmp(&r->f[i], &ref->f[i], offsetof(struct cdp_field,
		    flags) + 1) == 0, "%s: field %zu differs: %.80s", label, i,
		    s);
}

static void
test_records(void)
{
	static const char *const lines[] = {
		"{}", " {} ", "{\"a\":1}", "{\"a\":1,}", "{,\"a\":1}",
		"{\"a\" : [ 1 , 2 ] , \"b\" : { } }", "{\"a\":[1,,2]}",
		"{\"a\":[,1]}", "{\"a\":1 2}", "{\"a\":12x}", "{\"a\":tru}",
		"{\"a\":truex}", "{\"a\":\"x\"\"b\":1}", ",{}", "{}:", "{} x",
		"{\"a\\\"b\":\"\\u00e9\",\"c\":\"\\ud800\"}", "{\"a\":\"\\x\"}",
		"{\"a\":1}{", "{\"a\":\"\xc3\"}", "\xef\xbb\xbf{}",
		"{\"a\":[{\"b\":[{\"c\":null}]}],\"d\":-0.5e+7}",
		"{\"k\":\"v\",\"k\":\"w\"}", "{\"k\":1,\"\\u006b\":2}",
		"{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}",
		"{\"a\":\"tab\there\"}", "{\"a\":[1\n,2]}",
	};
	struct cdp_rec ref = { 0 }, r = { 0 };
	struct cdp_buf b = { 0 };
	char label[64];
	unsigned long valid;

	cdp_rec_use(&ref, CDP_SIMD_SCALAR);
	for (int l = CDP_SIMD_SSE2; l <= (int)cdp_simd_cpu(); l++) {
		cdp_rec_use(&r, (enum cdp_simd)l);
		snprintf(label, sizeof(label), "%s",
		    cdp_simd_name((enum cdp_simd)l));
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			check_parse(&ref, &r, lines[i], strlen(lines[i]),
			    label);
		/* The same generated lines at every level. */
		seed = 0x9E3779B97F4A7C15ULL;
		valid = 0;
		r.ntok = 0;
		for (int k = 0; k < NGEN; k++) {
			struct cdp_err e;

			gen_line(&b);
			check_masks(b.p, b.len, "generated");
			check_parse(&ref, &r, b.p, b.len, label);
			/* Every valid line went by the token walk (none is
			 * deep enough to need the byte scan). */
			if (cdp_rec_parse(&ref, b.p, b.len, &e) == 0)
				valid++;
		}
		CHECK(valid > NGEN / 5, "%s: only %lu valid lines", label, valid);
		CHECK(r.ntok == valid, "%s: token walk indexed %lu of %lu "
		    "valid lines", label, r.ntok, valid);
		printf("%s: %d lines, %lu valid, all by the token walk\n",
		    label, NGEN, valid);
	}
	cdp_rec_free(&ref);
	cdp_rec_free(&r);
	cdp_buf_free(&b);
}

/*
 * A line after one with the same keys (the walk then compares keys as
 * patterns and looks only for the values' tokens), changed in one to
 * three bytes, or whitespace put between two tokens: parsed as the
 * scalar reference parses it after the same line.
 */
static void
test_known_keys(void)
{
	static const char *const base[] = {
		"{\"event_id\":\"E000000001\",\"ts\":\"2025-11-01T00:00:18Z\","
		    "\"customer_id\":\"C0068080\",\"email\":\"zofia@onet.pl\","
		    "\"phone\":\"\",\"qty\":0,\"revenue\":12.5,\"ok\":true,"
		    "\"no\":false,\"z\":null,\"n\":-3,\"c\":[1,\"x\"],"
		    "\"props\":{\"device\":\"mobile\",\"campaign\":\"a\\tb\"},"
		    "\"channel\":\"app\"}",
		/* keys of 21 and 22 bytes, escapes in keys and values */
		"{\"abcdefghijklmnopqrstu\":\"a\\\"b\\u00e9\",\"a\\u0062\":7,"
		    "\"abcdefghijklmnopqrstuv\":[],\"k\\\"q\":\"\\\\\","
		    "\"abcdefghijklmnop\\u0071\":{},\"e\":\"\xc3\xa9\\n\","
		    "\"last\":\"the line ends soon after\"}",
		/* a key of 23 bytes: no keys kept */
		"{\"abcdefghijklmnopqrstuvw\":{},"
		    "\"abcdefghijklmnopqrstuvwx\":1,"
		    "\"a\":\"long enough to be walked as the others are\"}",
		"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,"
		    "\"h\":8,\"i\":9,\"j\":0,\"k\":[{\"a\":{\"b\":[[]]}}],"
		    "\"l\":\"0123456789012345678901234567890123456789\"}",
		/* no backslash: flat objects of strings, or nearly */
		"{\"id\":\"E1\",\"props\":{\"device\":\"mobile\",\"c\":\"x\"},"
		    "\"o\":{\"a\":\"b\",\"n\":1},\"e\":{},\"s\":{\"k\":\"\"},"
		    "\"last\":{\"device\":\"mobile\"}}",
	};
	const int nb = (int)(sizeof(base) / sizeof(base[0]));
	static const char ws[] = " \t\r\n";
	struct cdp_rec ref = { 0 }, r = { 0 };
	struct cdp_buf b = { 0 };
	struct cdp_err e;
	char label[64];

	cdp_rec_use(&ref, CDP_SIMD_SCALAR);
	seed = 0x2545F4914F6CDD1DULL;
	for (int l = CDP_SIMD_SSE2; l <= (int)cdp_simd_cpu(); l++) {
		cdp_rec_use(&r, (enum cdp_simd)l);
		snprintf(label, sizeof(label), "%s, known keys",
		    cdp_simd_name((enum cdp_simd)l));
		for (int k = 0; k < NGEN; k++) {
			const char *s = base[k % nb];
			size_t at;

			CHECK(cdp_rec_parse(&ref, s, strlen(s), &e) == 0 &&
			    cdp_rec_parse(&r, s, strlen(s), &e) == 0,
			    "%s: base line %d: %s", label, k % nb, e.msg);
			cdp_buf_reset(&b);
			cdp_buf_adds(&b, s);
			if (k / nb % 4 == 3) {
				/* whitespace before or after some byte */
				at = rnd((unsigned)b.len + 1);
				cdp_buf_addc(&b, 0);
				memmove(b.p + at + 1, b.p + at, b.len - at - 1);
				b.p[at] = ws[rnd(4)];
			} else if (k / nb % 4 != 0)
				mutate(&b);
			check_parse(&ref, &r, b.p, b.len, label);
		}
		/* more fields than the last line's: a new key, then its first
		 * key again, followed by a long value or not */
		for (int k = 0; k < 16; k++) {
			const char *s = base[k % 4];
			const char *more[] = { ",\"zz\":1}",
			    ",\"zz\":\"a value as long as any other\"}",
			    ",\"event_id\":1}",
			    ",\"a\":[\"as long as any other\"]}" };

			cdp_rec_parse(&ref, s, strlen(s), &e);
			cdp_rec_parse(&r, s, strlen(s), &e);
			cdp_buf_reset(&b);
			cdp_buf_add(&b, s, strlen(s) - 1);
			cdp_buf_adds(&b, more[k / 4]);
			check_parse(&ref, &r, b.p, b.len, label);
		}
	}
	cdp_rec_free(&ref);
	cdp_rec_free(&r);
	cdp_buf_free(&b);
}

/*
 * Lines ending at a page with no access after it, or starting at one
 * with none before it, each parsed after a line of the same keys (so by
 * the known-keys walk), its last values of every length up to 40 bytes
 * and of each kind in turn: no byte out of the line is read, and the
 * index is the scalar one.
 */
static void
test_known_page_end(void)
{
	/* each prints a length (0 prints nothing) and a string */
	static const char *const kind[] = { "%.0zu\"%s\"", "%zu%.0s",
	    "%.0zu[\"%s\"]", "%.0zu{\"k\":\"%s\"}", "%.0zu\"%s\\n\"" };
	long pg = sysconf(_SC_PAGESIZE);
	struct cdp_rec ref = { 0 }, r = { 0 };
	struct cdp_buf b = { 0 };
	char *map, *line, label[64], vs[41];

	map = mmap(NULL, (size_t)pg * 3, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED, "mmap");
	if (map == MAP_FAILED)
		return;
	CHECK(mprotect(map, (size_t)pg, PROT_NONE) == 0 &&
	    mprotect(map + 2 * pg, (size_t)pg, PROT_NONE) == 0, "mprotect");
	cdp_rec_use(&ref, CDP_SIMD_SCALAR);
	for (int l = CDP_SIMD_SSE2; l <= (int)cdp_simd_cpu(); l++) {
		cdp_rec_use(&r, (enum cdp_simd)l);
		for (size_t len = 0; len <= 40; len++) {
			for (int k = 0; k < 25; k++) {
				/* the values of "c" and "dd": kinds k % 5 and
				 * k / 5, the second line's swapped */
				memset(vs, 'v', len);
				vs[len] = '\0';
				cdp_buf_reset(&b);
				cdp_buf_adds(&b, "{\"a\":\"x\",\"bb\":1,\"c\":");
				cdp_buf_addf(&b, kind[k % 5], k % 5 == 1 ?
				    len : (size_t)0, vs);
				cdp_buf_adds(&b, ",\"dd\":");
				cdp_buf_addf(&b, kind[k / 5], k / 5 == 1 ?
				    len : (size_t)0, vs);
				cdp_buf_adds(&b, "}");
				for (int at = 0; at < 2; at++) {
					line = at ? map + pg :
					    map + 2 * pg - b.len;
					memcpy(line, b.p, b.len);
					snprintf(label, sizeof(label), "%s, "
					    "known keys at a page %s, %zu/%d",
					    cdp_simd_name((enum cdp_simd)l),
					    at ? "start" : "end", len, k);
					check_parse(&ref, &r, line, b.len,
					    label);
					/* again, cut */
					check_parse(&ref, &r, line + at,
					    b.len - 1, label);
					check_parse(&ref, &r, line, b.len,
					    label);
					check_parse(&ref, &r, line, b.len,
					    label);
				}
			}
		}
	}
	munmap(map, (size_t)pg * 3);
	cdp_rec_free(&ref);
	cdp_rec_free(&r);
	cdp_buf_free(&b);
}

int
main(void)
{
	printf("cpu: %s\n", cdp_simd_name(cdp_simd_cpu()));
	test_masks();
	test_page_end();
	test_utf8();
	test_count();
	test_records();
	test_known_keys();
	test_known_page_end();
	return CHECK_DONE();
}
