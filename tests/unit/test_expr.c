/* test_expr.c - unit checks of common/expr: grammar, null rules, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr.h"
#include "opts.h"
#include "record.h"
#include "span.h"

static const char rec_text[] =
    "{\"type\":\"purchase\",\"revenue\":120.5,\"qty\":3,\"country\":\"PL\","
    "\"vip\":true,\"churned\":false,\"note\":null,\"name\":\"Zo\\u0142ka\","
    "\"city\":\"\xc5\x81\xc3\xb3""d\xc5\xba\",\"empty\":\"\","
    "\"address\":{\"city\":\"Krak\\u00f3w\",\"zip\":\"30-001\","
    "\"geo\":{\"lat\":50.06}},"
    "\"orders\":[{\"sku\":\"A1\",\"n\":2},{\"sku\":\"B2\",\"n\":1}],"
    "\"tags\":[\"new\",\"vip\",3],\"odd name\":7,\"big\":1e400,"
    "\"seen\":\"2026-10-25T10:00:00Z\",\"due\":\"2026-11-11\","
    "\"bad_date\":\"yesterday\","
    "\"word\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}";

static struct cdp_rec rec;
static char text[256];

/* cdp_expr_test() of src: 1, 0 or -1 (-2 when it does not compile). */
static int
test(const char *src)
{
	struct cdp_expr_err err;
	struct cdp_expr *e = cdp_expr_compile(src, strlen(src), NULL, &err);
	const char *why;
	int rc;

	if (e == NULL)
		return -2;
	rc = cdp_expr_test(e, &rec, &why);
	cdp_expr_free(e);
	return rc;
}

/* Evaluate src: 1 true, 0 false, 2 null, 3 other, -1 eval error,
 * -2 compile error. */
static int
run(const char *src, struct cdp_val *out, const char **why)
{
	struct cdp_expr_opts o = { .has_as_of = true };
	struct cdp_expr_err err;
	struct cdp_expr *e;
	struct cdp_val v;
	int rc;

	cdp_parse_iso_date("2026-11-01", &o.as_of);
	if ((e = cdp_expr_compile(src, strlen(src), &o, &err)) == NULL) {
		fprintf(stderr, "  compile %s: %d:%d: %s\n", src, err.line,
		    err.col, err.msg);
		return -2;
	}
	*why = NULL;
	rc = cdp_expr_eval(e, &rec, &v, why);
	/* a second evaluation gives the same (hints, buffers reused) */
	if (rc == 0)
		rc = cdp_expr_eval(e, &rec, &v, why);
	if (rc == 0 && v.type == CDP_V_STR) {
		/* the text lives in e: keep a copy */
		snprintf(text, sizeof(text), "%.*s", (int)v.n, v.s);
		v.s = text;
	}
	cdp_expr_free(e);
	if (rc == -1)
		return -1;
	if (out != NULL)
		*out = v;
	if (v.type == CDP_V_BOOL)
		return v.b;
	return v.type == CDP_V_NULL ? 2 : 3;
}

#define IS(src, want) do {						\
	const char *why_;						\
	int got_ = run((src), NULL, &why_);				\
	CHECK(got_ == (want), "%s: got %d, want %d", (src), got_,	\
	    (want));							\
} while (0)

static void
num(const char *src, double want)
{
	struct cdp_val v;
	const char *why;
	int rc = run(src, &v, &why);

	CHECK(rc == 3 && v.type == CDP_V_NUM && v.num == want,
	    "%s: rc %d type %d num %g, want %g", src, rc, v.type, v.num, want);
}

static void
str(const char *src, const char *want)
{
	struct cdp_val v;
	const char *why;
	int rc = run(src, &v, &why);

	CHECK(rc == 3 && v.type == CDP_V_STR && v.n == strlen(want) &&
	    memcmp(v.s, want, v.n) == 0, "%s: rc %d type %d", src, rc,
	    v.type);
}

static void
err_at(const char *src, const struct cdp_expr_opts *o, int line, int col,
    const char *msg)
{
	struct cdp_expr_err err;
	struct cdp_expr *e = cdp_expr_compile(src, strlen(src), o, &err);

	CHECK(e == NULL, "%s: compiled", src);
	cdp_expr_free(e);
	if (e != NULL)
		return;
	CHECK(err.line == line && err.col == col,
	    "%s: at %d:%d, want %d:%d (%s)", src, err.line, err.col, line,
	    col, err.msg);
	CHECK(strstr(err.msg, msg) != NULL, "%s: \"%s\" lacks \"%s\"", src,
	    err.msg, msg);
}

static void
eval_err(const char *src, const char *want)
{
	const char *why;
	int rc = run(src, NULL, &why);

	CHECK(rc == -1 && why != NULL && strcmp(why, want) == 0,
	    "%s: rc %d why %s", src, rc, why ? why : "(none)");
}

static void
test_compare(void)
{
	IS("type == \"purchase\"", 1);
	IS("type != \"purchase\"", 0);
	IS("revenue > 50", 1);
	IS("revenue >= 120.5", 1);
	IS("revenue < 120.5", 0);
	IS("revenue <= 120.5", 1);
	IS("qty == 3", 1);
	IS("\"abc\" < \"abd\"", 1);
	IS("\"b\" > \"abc\"", 1);
	IS("vip == true", 1);
	IS("vip", 1);
	IS("churned", 0);
	IS("name == \"Zo\xc5\x82ka\"", 1);	/* escaped in the record */
	IS("type == \"purch\\u0061se\"", 1);	/* escaped in the rule */
	IS("1 == 1.0", 1);
	IS("1e2 == 100", 1);
	IS("tags == tags", 1);
	IS("address == address", 1);
}

static void
test_nulls(void)
{
	IS("missing == 1", 2);
	IS("missing != 1", 2);
	IS("coalesce(note, 1) == 1", 1);
	IS("missing > 1", 2);
	IS("!missing", 2);
	IS("false && missing == 1", 0);
	IS("missing == 1 && false", 0);
	IS("true && missing == 1", 2);
	IS("true || missing == 1", 1);
	IS("missing == 1 || true", 1);
	IS("missing == 1 || false", 2);
	IS("missing in [1, 2]", 2);
	IS("missing + 1 > 0", 2);
	IS("exists(missing)", 0);
	IS("exists(note)", 0);
	IS("exists(type)", 1);
	IS("exists(address.geo.lat)", 1);
	IS("exists(address.nope)", 0);
	IS("exists(orders[5])", 0);
	IS("coalesce(missing, note, \"x\") == \"x\"", 1);
	IS("coalesce(missing, note)", 2);
	/* across types: unequal, and not ordered */
	IS("qty == \"3\"", 0);
	IS("qty != \"3\"", 1);
	IS("qty < \"4\"", 2);
	IS("vip < true", 2);
	IS("type", 3);
	CHECK(test("type") == 0, "a string is not a condition");
	CHECK(test("missing") == 0, "null is not true");
	CHECK(test("vip") == 1, "true is");
}

static void
test_logic(void)
{
	IS("!vip", 0);
	IS("!!vip", 1);
	IS("vip && !churned", 1);
	IS("churned || vip", 1);
	IS("churned || false", 0);
	IS("true || false && false", 1);	/* && binds tighter */
	IS("(true || false) && false", 0);
	IS("!(qty == 3)", 0);
	IS("1 + 2 * 3 == 7", 1);
	IS("(1 + 2) * 3 == 9", 1);
	IS("10 - 2 - 3 == 5", 1);		/* left to right */
	IS("12 / 2 / 3 == 2", 1);
	IS("-qty == -3", 1);
	IS("- -3 == 3", 1);
	IS("7 % 4 == 3", 1);
	IS("1 / 0", 2);
	IS("1 % 0", 2);
	IS("type + 1", 2);
	IS("qty * 2 > revenue - 115", 1);
}

static void
test_paths(void)
{
	IS("address.city == \"Krak\xc3\xb3w\"", 1);
	IS(".address.zip == \"30-001\"", 1);
	IS("address.geo.lat > 50", 1);
	IS("orders[0].sku == \"A1\"", 1);
	IS("orders[1].n == 1", 1);
	IS("orders[2].sku", 2);
	IS("orders.sku", 2);		/* a key step on an array */
	IS("type.x", 2);
	IS("type[0]", 2);
	IS(".\"odd name\" == 7", 1);
	IS("tags[1] == \"vip\"", 1);
	IS("tags[2] == 3", 1);
	IS("country in [\"PL\", \"DE\"]", 1);
	IS("country in [\"FR\", \"DE\"]", 0);
	IS("country in []", 0);
	IS("qty in [1, 2, 3]", 1);
	IS("\"vip\" in tags", 1);
	IS("\"old\" in tags", 0);
	IS("3 in tags", 1);
	IS("address.geo in [1]", 0);
	IS("tags in [tags]", 1);
	IS("\"x\" in type", 2);
	IS("contains(tags, \"new\")", 1);
	IS("contains(email, \"@\")", 2);
	IS("contains(address.city, \"k\xc3\xb3\")", 1);
	IS("contains(type, \"\")", 1);
	IS("contains(type, \"chasex\")", 0);
}

static void
test_functions(void)
{
	num("len(type)", 8);
	num("len(city)", 4);		/* characters, not bytes */
	num("len(tags)", 3);
	num("len(orders)", 2);
	num("len(address)", 3);
	num("len(\"\")", 0);
	IS("len(qty)", 2);
	str("lower(country)", "pl");
	str("upper(type)", "PURCHASE");
	str("upper(city)", "\xc5\x81\xc3\x93""D\xc5\xb9");
	str("lower(\"\xc5\x81\xc3\x93""D\xc5\xb9\")",
	    "\xc5\x82\xc3\xb3""d\xc5\xba");
	IS("lower(qty)", 2);
	num("days_since(seen)", 7);
	num("days_until(due)", 10);
	num("days_since(\"2026-11-01\")", 0);
	IS("days_since(missing)", 2);
	IS("days_since(empty)", 2);
	eval_err("days_since(bad_date) > 1", "days_since: not a date");
	eval_err("days_until(qty)", "days_until: not a date");
	/* calendar periods: the date as written, whatever the zone */
	str("month(seen)", "2026-10");
	str("day(seen)", "2026-10-25");
	str("year(due)", "2026");
	str("week(seen)", "2026-W43");	/* Sunday 25 Oct: end of W43 */
	str("week(\"2026-10-26\")", "2026-W44");	/* the Monday after */
	str("month(\"2026-01-31T23:30:00-05:00\")", "2026-01");
	/* ISO weeks across the turn of the year */
	str("week(\"2021-01-03\")", "2020-W53");
	str("week(\"2024-12-30\")", "2025-W01");
	str("week(\"2026-01-01\")", "2026-W01");
	str("week(\"2027-01-01\")", "2026-W53");
	str("week(\"1969-12-28\")", "1969-W52");
	str("week(\"1969-12-29\")", "1970-W01");
	str("day(\"2024-02-29 08:00\")", "2024-02-29");
	IS("month(missing)", 2);
	IS("week(empty)", 2);
	IS("month(seen) == \"2026-10\"", 1);
	eval_err("month(bad_date)", "month: not a date");
	eval_err("week(qty)", "week: not a date");
	eval_err("day(\"2026-02-30\")", "day: not a date");
	eval_err("year(\"2026-10-25x\")", "year: not a date");
	eval_err("big > 1", "number out of range");
	IS("exists(big)", 1);
}

static void
test_regex(void)
{
	IS("type =~ /^purch/", 1);
	IS("type =~ /^PURCH/", 0);
	IS("type =~ /^PURCH/i", 1);
	IS("city =~ /^\xc5\x81.d/", 1);	/* . is a character */
	IS("address.zip =~ /^\\d{2}-\\d{3}$/", 1);
	IS("\"a/b\" =~ /a\\/b/", 1);
	IS("qty =~ /3/", 2);
	IS("missing =~ /x/", 2);
	/* catastrophic backtracking hits the limit: an error, not false */
	eval_err("word =~ /^(a|aa)+$/", "regex limit");
	eval_err("word =~ /^(a+)+$/", "regex limit");
}

static void
test_errors(void)
{
	struct cdp_expr_opts no_as_of = { 0 };
	char deep[2000], longexpr[200000];
	size_t n = 0;

	err_at("(type == \"x\" && vip", NULL, 1, 20, "expected ')'");
	err_at("(a == 1) && (b == 2", NULL, 1, 20, "expected ')'");
	err_at("type ==", NULL, 1, 8, "expected a value");
	err_at("type = 1", NULL, 1, 6, "expected an operator");
	err_at("a == 1 b", NULL, 1, 8, "expected an operator");
	err_at("a == 1)", NULL, 1, 7, "unbalanced ')'");
	err_at("a == \"x", NULL, 1, 6, "unterminated string");
	err_at("a == \"\\q\"", NULL, 1, 7, "bad escape");
	err_at("a == \"\\ud800\"", NULL, 1, 7, "lone surrogate");
	err_at("\xc5\x81\xc3\xb3 == 1", NULL, 1, 1, "expected a value");
	err_at("\"\xc5\x81\xc3\xb3\" == ?", NULL, 1, 9, "expected a value");
	err_at("a ==\n  (b", NULL, 2, 5, "expected ')'");
	err_at("foo(a)", NULL, 1, 1, "unknown function foo()");
	err_at("len(a, b)", NULL, 1, 1, "wrong number of arguments");
	err_at("month()", NULL, 1, 1, "wrong number of arguments");
	err_at("exists(1)", NULL, 1, 8, "exists() takes a field path");
	err_at("days_since(d) > 3", &no_as_of, 1, 1, "needs --as-of");
	err_at("days_until(d) > 3", NULL, 1, 1, "needs --as-of");
	err_at("a =~ x", NULL, 1, 6, "expected /regex/");
	err_at("a =~ /(x/", NULL, 1, 9, "regex:");
	err_at("a =~ /x/q", NULL, 1, 9, "unknown regex flag");
	err_at("a =~ /x", NULL, 1, 6, "unterminated regex");
	err_at("1 < 2 < 3", NULL, 1, 3, "do not chain");
	err_at("a == null", NULL, 1, 3, "use exists()");
	err_at("null != a", NULL, 1, 6, "use exists()");
	err_at("a in null", NULL, 1, 3, "use exists()");
	err_at("[1] == a", NULL, 1, 1, "goes after");
	err_at("a[x]", NULL, 1, 3, "expected an array index");
	err_at("a.", NULL, 1, 3, "expected a field name");
	err_at("1x == 1", NULL, 1, 2, "bad number");
	err_at("1e999 > 1", NULL, 1, 1, "out of range");
	err_at("", NULL, 1, 1, "expected a value");
	err_at("a == \xff", NULL, 1, 1, "invalid UTF-8");
	/* deep nesting is an error, not a crash */
	for (n = 0; n < 1000; n++)
		deep[n] = '(';
	strcpy(deep + n, "1");
	err_at(deep, NULL, 1, 201, "nested too deeply");
	memset(deep, '!', 1000);
	err_at(deep, NULL, 1, 201, "nested too deeply");
	/* a very long flat expression is fine */
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(longexpr + n, sizeof(longexpr) - n,
		    "%sqty == %d", i ? " || " : "", 10000 - i);
	IS(longexpr, 1);
	n = 0;
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(longexpr + n, sizeof(longexpr) - n,
		    "%s1", i ? "+" : "");
	err_at(longexpr, NULL, 1, 2000, "nested too deeply");
}

static void
test_array_next(void)
{
	static const char a[] = "[ 1 , \"x,]\" ,{\"k\": [2, 3]},[],null ]";
	static const char *want[] = { "1", "\"x,]\"", "{\"k\": [2, 3]}",
	    "[]", "null" };
	const char *p;
	size_t pos = 0, len;
	int i = 0;

	while (cdp_span_next(a, sizeof(a) - 1, &pos, &p, &len) == 1) {
		CHECK(i < 5 && len == strlen(want[i]) &&
		    memcmp(p, want[i], len) == 0, "element %d", i);
		i++;
	}
	CHECK(i == 5, "%d elements, want 5", i);
	pos = 0;
	CHECK(cdp_span_next("[ ]", 3, &pos, &p, &len) == 0, "empty");
}

int
main(void)
{
	struct cdp_err err;

	if (cdp_rec_parse(&rec, rec_text, strlen(rec_text), &err) == -1) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		return 1;
	}
	test_compare();
	test_nulls();
	test_logic();
	test_paths();
	test_functions();
	test_regex();
	test_errors();
	test_array_next();
	cdp_rec_free(&rec);
	return CHECK_DONE();
}
