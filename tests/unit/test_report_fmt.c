/*
 * test_report_fmt.c - drives cdp-report's writers with tables built by
 * hand, so every format can be checked without a subcommand:
 *
 *	test_report_fmt FORMAT CASE [TITLE]
 *
 * prints table CASE in FORMAT (as --format takes it) through
 * report_write(); TITLE is --title.  tests/cdp-report-format.bats compares
 * the output with golden files; docs/screenshots.sh renders the html.
 * With no arguments it runs its own checks of the width and escaping
 * helpers and prints a summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "record.h"
#include "timeval.h"
#include "../../cmd/cdp-report/fmt.h"
#include "../../cmd/cdp-report/report.h"
#include "check.h"

static const char usage[] =
"usage: test_report_fmt FORMAT CASE [TITLE]\n"
"  CASE: group multi hostile funnel heatmap many empty plain all grouped\n"
"        forest kpi dashboard\n";

#define MAXT	8

struct tcase {
	const char	*name;
	const char	*cmd;
	size_t		 (*build)(struct rtable *t);
};

static void
str(struct rtable *t, size_t r, int c, const char *s)
{
	rtable_str(t, r, c, s, strlen(s));
}

/* Revenue by channel: UTF-8 widths, a negative, nulls, rounding. */
static size_t
b_group(struct rtable *t)
{
	static const struct {
		const char	*ch;
		double		 orders, rev, share;
	} rows[] = {
		{ "email", 120, 1234.5, 41.25 },
		{ "Zoë", 7, 2.675, 0.09 },
		{ "東京", 42, 880.125, 29.4 },
		{ "refunds", 3, -42.125, -1.4 },
		{ "paid search", 1000000, 0.004, 30.66 },
	};
	size_t r;

	rtable_init(t, "group", "");
	rtable_col(t, "channel", -1);
	rtable_col(t, "orders", -1);
	rtable_col(t, "revenue", 2);
	rtable_col(t, "share", 1);
	rtable_col(t, "avg_gap_s", -1);
	t->cols[3].percent = true;
	t->chart = CHART_BAR;
	t->label = 0;
	t->value = 2;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = rtable_row(t);
		str(t, r, 0, rows[i].ch);
		rtable_int(t, r, 1, rows[i].orders);
		rtable_num(t, r, 2, rows[i].rev);
		rtable_num(t, r, 3, rows[i].share);
		if (i != 2)
			rtable_num(t, r, 4, 3600.0 / (double)(i + 3));
	}
	/* A group without a channel and without revenue. */
	r = rtable_row(t);
	rtable_int(t, r, 1, 0);
	return 1;
}

/* Two tables, the second without a title (its name stands in). */
static size_t
b_multi(struct rtable *t)
{
	size_t r;

	rtable_init(&t[0], "steps", "funnel steps");
	rtable_col(&t[0], "step", -1);
	rtable_col(&t[0], "profiles", -1);
	r = rtable_row(&t[0]);
	str(&t[0], r, 0, "view");
	rtable_int(&t[0], r, 1, 10);
	r = rtable_row(&t[0]);
	str(&t[0], r, 0, "purchase");
	rtable_int(&t[0], r, 1, 4);
	rtable_init(&t[1], "times", "");
	rtable_col(&t[1], "from", -1);
	rtable_col(&t[1], "to", -1);
	rtable_col(&t[1], "median_s", 0);
	r = rtable_row(&t[1]);
	str(&t[1], r, 0, "view");
	str(&t[1], r, 1, "purchase");
	rtable_num(&t[1], r, 2, 5400.5);
	return 2;
}

/* Values a hostile source could send. */
static size_t
b_hostile(struct rtable *t)
{
	static const char *const vals[] = {
		"=HYPERLINK(\"http://x\")", "+1", "-2 apples", "@SUM(A1)",
		"\tlead tab", "a|b\\c", "line\nbreak\r\nend",
		"\x1b[31mred\x1b[0m", "<script>alert('x')</script> & co",
		"abc\xe2\x80\xae\x65vil", "bad\xff\xfe utf8",
		"del\x7f c1\xc2\x85",
		"*em* _u_ `code` [l](u) ~s~ snake_case",
	};
	size_t r;

	rtable_init(t, "values", "hostile \"values\" <b>");
	rtable_col(t, "value", -1);
	rtable_col(t, "n", -1);
	rtable_col(t, "raw json", -1);
	t->chart = CHART_BAR;
	t->label = 0;
	t->value = 1;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		r = rtable_row(t);
		str(t, r, 0, vals[i]);
		rtable_int(t, r, 1, (double)(i + 1));
		if (i == 1)
			rtable_str(t, r, 2, "\0=nul", 5);
		if (i == 0)
			rtable_json(t, r, 2, "{\"a\":[1,\"=x\"]}", 14);
	}
	return 1;
}

static size_t
b_funnel(struct rtable *t)
{
	static const char *const steps[] = { "view", "cart", "checkout",
	    "purchase" };
	static const double n[] = { 1200, 480, 300, 126 };
	size_t r;

	rtable_init(t, "funnel", "checkout funnel, 7 days");
	rtable_col(t, "step", -1);
	rtable_col(t, "profiles", -1);
	rtable_col(t, "of_first", 1);
	rtable_col(t, "of_previous", 1);
	rtable_col(t, "median_s", 0);
	t->cols[2].percent = t->cols[3].percent = true;
	t->chart = CHART_FUNNEL;
	t->label = 0;
	t->value = 1;
	for (size_t i = 0; i < 4; i++) {
		r = rtable_row(t);
		str(t, r, 0, steps[i]);
		rtable_int(t, r, 1, n[i]);
		rtable_num(t, r, 2, 100 * n[i] / n[0]);
		if (i > 0) {
			rtable_num(t, r, 3, 100 * n[i] / n[i - 1]);
			rtable_num(t, r, 4, 3600.0 * (double)i + 0.5);
		}
	}
	return 1;
}

/* A retention triangle: later periods of late cohorts are null. */
static size_t
b_heatmap(struct rtable *t)
{
	static const char *const coh[] = { "2026-01", "2026-02", "2026-03",
	    "2026-04", "2026-05" };
	static const double size[] = { 400, 350, 512, 290, 77 };
	char name[16];
	size_t r;

	rtable_init(t, "cohort", "monthly retention");
	rtable_col(t, "cohort", -1);
	rtable_col(t, "profiles", -1);
	for (int p = 0; p < 5; p++) {
		snprintf(name, sizeof(name), "m%d", p);
		rtable_col(t, name, 1);
		t->cols[t->ncols - 1].percent = true;
	}
	t->chart = CHART_HEATMAP;
	t->label = 0;
	t->heat_first = 2;
	t->heat_scale = 3;	/* m0 is 100% by definition */
	t->unit = "months after the cohort's start";
	for (size_t i = 0; i < 5; i++) {
		r = rtable_row(t);
		str(t, r, 0, coh[i]);
		rtable_int(t, r, 1, size[i]);
		for (size_t p = 0; p + i < 5; p++)
			rtable_num(t, r, (int)(2 + p), p == 0 ? 100 :
			    100.0 * (double)(9 - p - i % 3) /
			    (double)(10 + 3 * p));
	}
	return 1;
}

/* More bars than a chart draws. */
static size_t
b_many(struct rtable *t)
{
	char name[32];
	size_t r;

	rtable_init(t, "group", "sixty segments");
	rtable_col(t, "segment", -1);
	rtable_col(t, "count", -1);
	t->chart = CHART_BAR;
	for (int i = 0; i < 60; i++) {
		r = rtable_row(t);
		snprintf(name, sizeof(name), "segment %02d", i);
		str(t, r, 0, name);
		rtable_int(t, r, 1, (double)((i * 37) % 100));
	}
	return 1;
}

/* No rows, and a table with no columns at all. */
static size_t
b_empty(struct rtable *t)
{
	rtable_init(&t[0], "group", "nothing matched");
	rtable_col(&t[0], "channel", -1);
	rtable_col(&t[0], "count", -1);
	t[0].chart = CHART_BAR;
	rtable_init(&t[1], "none", "");
	return 2;
}

/* CHART_NONE, no title: no caption in the text formats. */
static size_t
b_plain(struct rtable *t)
{
	size_t r;

	rtable_init(t, "group", "");
	rtable_col(t, "k", -1);
	rtable_col(t, "v", 3);
	r = rtable_row(t);
	str(t, r, 0, "a");
	rtable_num(t, r, 1, 1.0 / 3);
	r = rtable_row(t);
	str(t, r, 0, "b");
	rtable_num(t, r, 1, -0.0001);
	return 1;
}

/* One of each chart: a whole report page. */
static size_t
b_all(struct rtable *t)
{
	b_group(&t[0]);
	b_funnel(&t[1]);
	b_heatmap(&t[2]);
	return 3;
}

/* Six models side by side, with values and a removal effect: a table
 * wider than a page, drawn as grouped bars. */
static size_t
b_grouped(struct rtable *t)
{
	static const char *const ch[] = { "display", "email", "search",
	    "social", "video" };
	static const char *const model[] = { "first", "last", "linear",
	    "time_decay", "position", "markov" };
	char name[64];
	size_t r;
	int c;

	rtable_init(t, "attribution", "conversions credited per channel");
	t->chart = CHART_GROUPED;
	t->unit = "conversions";
	rtable_col(t, "channel", -1);
	for (int m = 0; m < 6; m++) {
		snprintf(name, sizeof(name), "%s_conversions", model[m]);
		t->series[t->nseries++] = rtable_col(t, name, -1);
		snprintf(name, sizeof(name), "%s_value", model[m]);
		rtable_col(t, name, -1);
	}
	c = rtable_col(t, "removal_effect", -1);
	t->cols[c].ratio = true;
	for (int i = 0; i < 5; i++) {
		r = rtable_row(t);
		str(t, r, 0, ch[i]);
		for (int m = 0; m < 6; m++) {
			double v = 491.0 * (i + 1) / (m + 2) + (m == 0 ? 0 :
			    0.37306036745406 * (m + i));

			rtable_num(t, r, 1 + 2 * m, m == 0 ? 100.0 * (i + 1) :
			    v);
			rtable_num(t, r, 2 + 2 * m, v * 23.45 + 1000);
		}
		rtable_num(t, r, 13, 0.05 * (i + 1) + 0.00123);
	}
	return 1;
}

/* Lifts with their intervals, one crossing zero. */
static size_t
b_forest(struct rtable *t)
{
	static const char *const arm[] = { "welcome / A", "welcome / B",
	    "winback / A", "winback \"long <name>\" variant C" };
	static const double est[] = { 2.1, 0.4, -1.25, 5.5 };
	size_t r;

	rtable_init(t, "lift", "conversion lift versus holdout");
	t->chart = CHART_FOREST;
	t->unit = "percentage points";
	rtable_col(t, "arm", -1);
	t->value = rtable_col(t, "lift_pp", -1);
	t->lo = rtable_col(t, "lift_lo", -1);
	t->hi = rtable_col(t, "lift_hi", -1);
	for (int i = 0; i < 4; i++) {
		r = rtable_row(t);
		str(t, r, 0, arm[i]);
		rtable_num(t, r, 1, est[i]);
		rtable_num(t, r, 2, est[i] - 1.5 - 0.25 * i);
		rtable_num(t, r, 3, est[i] + 1.5 + 0.25 * i);
	}
	return 1;
}

/* One total row: KPI tiles. */
static size_t
b_kpi(struct rtable *t)
{
	size_t r;

	rtable_init(t, "group", "totals");
	t->chart = CHART_KPI;
	rtable_col(t, "count", -1);
	rtable_col(t, "sum_revenue", -1);
	rtable_col(t, "avg_revenue", -1);
	rtable_col(t, "distinct_profile_id", -1);
	r = rtable_row(t);
	rtable_int(t, r, 0, 1234567);
	rtable_num(t, r, 1, 2045010.810000002);
	rtable_num(t, r, 2, 72.37306036745406);
	rtable_int(t, r, 3, 23570);
	return 1;
}

/* Every chart on one page, as cdp-report page assembles them. */
static size_t
b_dashboard(struct rtable *t)
{
	b_kpi(&t[0]);
	b_group(&t[1]);
	b_funnel(&t[2]);
	b_heatmap(&t[3]);
	b_grouped(&t[4]);
	b_forest(&t[5]);
	return 6;
}

static const struct tcase cases[] = {
	{ "group", "group", b_group },
	{ "multi", "funnel", b_multi },
	{ "hostile", "group", b_hostile },
	{ "funnel", "funnel", b_funnel },
	{ "heatmap", "cohort", b_heatmap },
	{ "many", "group", b_many },
	{ "empty", "group", b_empty },
	{ "plain", "group", b_plain },
	{ "all", "report", b_all },
	{ "grouped", "attribution", b_grouped },
	{ "forest", "lift", b_forest },
	{ "kpi", "group", b_kpi },
	{ "dashboard", "page", b_dashboard },
};

/* The decimals rtable_resolve() gives a column of a and b. */
static int
resolved(double a, double b, int precision)
{
	struct rtable t;
	size_t r;
	int d;

	rtable_init(&t, "t", "");
	rtable_col(&t, "v", -1);
	r = rtable_row(&t);
	rtable_num(&t, r, 0, a);
	r = rtable_row(&t);
	rtable_num(&t, r, 0, b);
	rtable_resolve(&t, precision);
	d = t.cols[0].shown;
	rtable_free(&t);
	return d;
}

/* report_time() reads the common shape YYYY-MM-DDTHH:MM:SSZ itself:
 * the same seconds as the general parser, over two centuries. */
static int
time_checks(void)
{
	struct cdp_buf tmp[2] = { { 0 } }, t3 = { 0 };
	struct cdp_rec r = { 0 };
	struct cdp_err err;
	int bad = 0;

	for (int y = 1901; y <= 2100; y += 3)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= 31; d += 9) {
				char line[128], ts[64];
				double a, b;
				const char *why;
				int ra, rb;

				snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02dZ",
				    y, m, d, (y + m) % 24,
				    (d * 7) % 60, (y * 13) % 60);
				snprintf(line, sizeof(line), "{\"ts\":\"%s\"}", ts);
				if (cdp_rec_parse(&r, line, strlen(line), &err)
				    == -1)
					return 1;
				ra = report_time(&r, "ts", tmp, &a, &why);
				rb = cdp_time_parse(ts, strlen(ts), &t3, &b, &why);
				bad += ra != rb || (ra == 0 && a != b);
			}
	cdp_rec_free(&r);
	cdp_buf_free(&tmp[0]);
	cdp_buf_free(&tmp[1]);
	cdp_buf_free(&t3);
	return bad;
}

/* The helpers' own checks. */
static int
selftest(void)
{
	struct cdp_buf b = { 0 };
	size_t w;

	CHECK(fmt_safe(&b, "Zo\xc3\xab", 4, false) == 3, "Zoe width");
	cdp_buf_reset(&b);
	CHECK(fmt_safe(&b, "\xe6\x9d\xb1\xe4\xba\xac", 6, false) == 4,
	    "CJK width");
	cdp_buf_reset(&b);
	/* e + combining acute: one column. */
	CHECK(fmt_safe(&b, "e\xcc\x81", 3, false) == 1, "combining");
	cdp_buf_reset(&b);
	CHECK(fmt_safe(&b, "a\x1b" "b", 3, false) == 8, "escape width");
	CHECK_STR(b.p, "a\\u001bb");
	cdp_buf_reset(&b);
	CHECK(fmt_safe(&b, "\xff", 1, false) == 1, "bad byte");
	CHECK_STR(b.p, "\xef\xbf\xbd");
	cdp_buf_reset(&b);
	fmt_safe(&b, "a|b\\c\nd", 7, true);
	CHECK_STR(b.p, "a\\|b\\\\c<br>d");
	CHECK(fmt_fit("\xe6\x9d\xb1\xe4\xba\xac", 6, 3, &w) == 3 && w == 2,
	    "fit CJK");
	CHECK(fmt_fit("abc", 3, 9, &w) == 3 && w == 3, "fit all");
	/* Numbers as people read them. */
	cdp_buf_reset(&b);
	report_fmt_num(&b, 1234567.891, 2, false);
	CHECK_STR(b.p, "1,234,567.89");
	cdp_buf_reset(&b);
	report_fmt_num(&b, -1234, 0, false);
	CHECK_STR(b.p, "-1,234");
	cdp_buf_reset(&b);
	report_fmt_num(&b, -0.0004, 2, false);
	CHECK_STR(b.p, "0.00");
	cdp_buf_reset(&b);
	report_fmt_num(&b, 2026, 0, true);
	CHECK_STR(b.p, "2026");
	cdp_buf_reset(&b);
	report_fmt_num(&b, 999.5, -1, false);
	CHECK_STR(b.p, "999.5");
	cdp_buf_reset(&b);
	report_fmt_num(&b, 1e300, -1, false);
	CHECK_STR(b.p, "1e300");
	CHECK(resolved(72.37306036745406, 278.75999999999993, -1) == 4,
	    "mean: 4 decimals");
	CHECK(resolved(278.75999999999993, 12.5, -1) == 2, "noise dropped");
	CHECK(resolved(0.000123456, 1, -1) == 7, "small: 4 significant");
	CHECK(resolved(491, 12, -1) == 0, "whole numbers");
	CHECK(resolved(491, 12.5, 3) == 3, "--precision");
	CHECK(resolved(491, 12, 3) == 0, "--precision: whole stay whole");
	CHECK(time_checks() == 0, "report_time: fast path = parser");
	cdp_buf_free(&b);
	return CHECK_DONE();
}

int
main(int argc, char **argv)
{
	struct rtable tabs[MAXT];
	struct rtable *ptrs[MAXT];
	struct report_opts ro;
	const struct tcase *tc = NULL;
	size_t n;

	cdp_diag_init("test_report_fmt");
	if (argc == 1)
		return selftest();
	if (argc < 3 || argc > 4) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[2], cases[i].name) == 0)
			tc = &cases[i];
	if (tc == NULL)
		cdp_usage_die(usage, "unknown case '%s'", argv[2]);
	report_opts_init(&ro, tc->cmd);
	report_opt('f', argv[1], &ro, usage);
	if (argc == 4)
		ro.title = argv[3];
	n = tc->build(tabs);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &tabs[i];
	report_write(&ro, ptrs, n);
	for (size_t i = 0; i < n; i++)
		rtable_free(&tabs[i]);
	return 0;
}
