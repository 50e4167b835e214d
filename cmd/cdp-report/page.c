/*
 * page.c - cdp-report page: one html dashboard from the NDJSON that other
 * cdp-report commands wrote.  Each file's rows become tables again (one
 * per "_table" name, columns in the order they first appear), each table
 * gets the chart its command would have drawn -- recognised by its
 * columns -- and the page lists them all in a table of contents.  Like
 * every html report: one self-contained file, no script, no network.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "each.h"
#include "xalloc.h"
#include "report.h"

#define MAXTABLES	64
#define MAXCOLS		256

static const char usage[] =
"usage: cdp-report page [--title TEXT] [-o FILE] REPORT...\n"
"One html dashboard of several reports: each REPORT is the ndjson output of\n"
"a cdp-report command (profile, group, funnel, cohort, attribution, lift,\n"
"subscriptions, linkage), drawn as that command draws it, under its file's\n"
"name.\n"
"      --title TEXT          heading of the page\n"
"      --precision N         decimals of the numbers (default: per column)\n"
CDP_COMMON_USAGE;

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* A table being rebuilt: its file and name, its columns so far and its
 * rows as JSON objects (kept until every column is known). */
struct ptable {
	int		 file;		/* its file: 0, 1, ... */
	char		*fname;
	char		*name;		/* "_table", or "" */
	char		*cols[MAXCOLS];
	int		 ncols;
	json_t		*rows;		/* array of objects */
};

struct pg {
	struct report_opts	 ro;
	struct ptable		 t[MAXTABLES];
	int			 n;
	/* The file being read: its number, name and last line so far. */
	int			 file;
	char			*fname;
	long			 lineno;
};

static void
parse_options(int argc, char **argv, struct pg *g)
{
	int ch;

	report_opts_init(&g->ro, "page");
	while ((ch = getopt_long(argc, argv, REPORT_SHORTOPTS, longopts,
	    NULL)) != -1)
		report_opt(ch, optarg, &g->ro, usage);
	if (g->ro.format != NULL && g->ro.format !=
	    report_format_named("html"))
		cdp_usage_die(usage, "--format: a page is html");
	if (g->ro.title == NULL)
		g->ro.title = "cdp-report";
	g->ro.format = report_format_named("html");
	if (optind == argc)
		cdp_usage_die(usage, "no report to put on the page");
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			cdp_usage_die(usage, "a report is a file, not -");
}

/* The table of the current file's rows named name, new when first
 * seen. */
static struct ptable *
table_of(struct pg *g, const char *name)
{
	struct ptable *t;

	for (int i = 0; i < g->n; i++)
		if (g->t[i].file == g->file && strcmp(g->t[i].name, name) == 0)
			return &g->t[i];
	if (g->n == MAXTABLES)
		cdp_die(EX_DATAERR, NULL, 0, "page: more than %d tables",
		    MAXTABLES);
	t = &g->t[g->n++];
	*t = (struct ptable){ .file = g->file, .fname = g->fname,
	    .name = cdp_xstrdup(name), .rows = json_array() };
	if (t->rows == NULL)
		cdp_oom(0);
	return t;
}

static int
on_row(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct pg *g = ctx;
	json_error_t jerr;
	json_t *j = json_loadb(rec->p, rec->len, 0, &jerr), *v;
	const json_t *name;
	struct ptable *t;
	const char *key;

	if (j == NULL)
		cdp_oom(0);	/* the record layer validated the line */
	/* A new file: another name, or its lines start again (the same
	 * file given twice). */
	if (g->fname == NULL || strcmp(g->fname, at->file) != 0 ||
	    at->line->lineno <= g->lineno) {
		g->file++;
		g->fname = cdp_xstrdup(at->file);
	}
	g->lineno = at->line->lineno;
	name = json_object_get(j, "_table");
	if (name != NULL && !json_is_string(name)) {
		json_decref(j);
		*why = "_table is not a string";
		return -1;
	}
	t = table_of(g, name != NULL ? json_string_value(name) : "");
	json_object_foreach(j, key, v) {
		int c;

		if (strcmp(key, "_table") == 0)
			continue;
		for (c = 0; c < t->ncols; c++)
			if (strcmp(t->cols[c], key) == 0)
				break;
		if (c == t->ncols) {
			if (t->ncols == MAXCOLS) {
				json_decref(j);
				*why = "more than 256 columns";
				return -1;
			}
			t->cols[t->ncols++] = cdp_xstrdup(key);
		}
	}
	if (json_array_append_new(t->rows, j) == -1)
		cdp_oom(0);
	return 0;
}

/* ---- recognising a table ---- */

static bool
ends(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

static bool
numeric_col(const struct rtable *t, int c)
{
	bool any = false;

	for (size_t r = 0; r < t->nrows; r++) {
		uint8_t ty = rtable_cell(t, r, c)->type;

		if (ty == RC_INT || ty == RC_NUM)
			any = true;
		else if (ty != RC_NULL)
			return false;
	}
	return any;
}

/* Attribution: its models' conversions columns as the series of a
 * grouped chart; returns how many. */
static int
series(struct rtable *t)
{
	for (size_t c = 1; c < t->ncols; c++)
		if (ends(t->cols[c].name, "_conversions") &&
		    t->nseries < RT_MAXSERIES)
			t->series[t->nseries++] = (int)c;
	return t->nseries;
}

/*
 * The chart and the column kinds of a rebuilt table, from the columns
 * the commands write (see each command in cdp-report(1)).
 */
static void
recognise(struct rtable *t)
{
	int name = rtable_find(t, "name"), prof = rtable_find(t, "profiles");

	static const char *const shares[] = { "rate", "rate_lo", "rate_hi",
	    "holdout_rate", "relative_lift", "grr", "nrr" };

	for (size_t c = 0; c < t->ncols; c++) {
		const char *n = t->cols[c].name;

		t->cols[c].percent = ends(n, "_pct");
		t->cols[c].ratio = ends(n, "removal_effect");
		for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++)
			t->cols[c].ratio |= strcmp(n, shares[i]) == 0;
	}
	if (linkage_chart(t))
		return;
	if (rtable_find(t, "period") == 0 && (t->value = rtable_find(t, "mrr"))
	    >= 0) {
		t->chart = CHART_BAR;	/* subscriptions: MRR per period */
		t->label = 0;
		t->unit = "MRR at the period's end";
	} else if (strcmp(t->name, "retention_pct") == 0 && t->ncols > 2) {
		t->chart = CHART_HEATMAP;
		t->heat_first = 2;
		t->heat_scale = 3;
		for (size_t c = 2; c < t->ncols; c++)
			t->cols[c].percent = true;
		t->unit = "periods after the cohort's start (percent of "
		    "the cohort)";
	} else if (rtable_find(t, "step") == 0 && name >= 0 && prof >= 0) {
		t->chart = CHART_FUNNEL;
		t->label = name;
		t->value = prof;
	} else if ((t->value = rtable_find(t, "lift")) >= 0 &&
	    (t->lo = rtable_find(t, "lift_lo")) >= 0 &&
	    (t->hi = rtable_find(t, "lift_hi")) >= 0) {
		t->chart = CHART_FOREST;
		t->unit = "difference in conversion rate, percentage points";
	} else if (rtable_find(t, "channel") == 0 && series(t) > 0) {
		t->chart = CHART_GROUPED;
		t->unit = "conversions";
	} else if (strcmp(t->name, "retention") == 0) {
		t->chart = CHART_NONE;	/* its percentages have the chart */
	} else if (t->nrows == 1 && t->ncols > 0) {
		bool all = true;

		for (size_t c = 0; c < t->ncols && all; c++)
			all = numeric_col(t, (int)c);
		t->chart = all ? CHART_KPI : CHART_NONE;
	} else if (t->ncols >= 2 && !numeric_col(t, 0) && numeric_col(t, 1)) {
		t->chart = CHART_BAR;
		t->label = 0;
		t->value = 1;
	}
}

/* A cell from a JSON value. */
static void
cell(struct rtable *t, size_t r, int c, const json_t *v)
{
	char *s;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		rtable_int(t, r, c, (double)json_integer_value(v));
		break;
	case JSON_REAL:
		rtable_num(t, r, c, json_real_value(v));
		break;
	case JSON_STRING:
		rtable_str(t, r, c, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_NULL:
		break;
	default:
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER)) == NULL)
			cdp_oom(0);
		rtable_json(t, r, c, s, strlen(s));
		free(s);
		break;
	}
}

/* The section's heading: the file's base name, without its extension,
 * and the table's name when the file holds several. */
static void
heading(const struct pg *g, const struct ptable *p, char *buf, size_t n)
{
	const char *base = strrchr(p->fname, '/'), *dot;
	int several = 0;

	base = base != NULL ? base + 1 : p->fname;
	dot = strrchr(base, '.');
	for (int i = 0; i < g->n; i++)
		several += g->t[i].file == p->file;
	snprintf(buf, n, "%.*s%s%s", dot != NULL && dot > base ?
	    (int)(dot - base) : (int)strlen(base), base,
	    several > 1 ? ": " : "", several > 1 ? p->name : "");
}

static void
build(const struct pg *g, const struct ptable *p, struct rtable *t)
{
	char title[512];

	heading(g, p, title, sizeof(title));
	rtable_init(t, p->name[0] != '\0' ? p->name : "report", title);
	for (int c = 0; c < p->ncols; c++)
		rtable_col(t, p->cols[c], -1);
	for (size_t i = 0; i < json_array_size(p->rows); i++) {
		const json_t *row = json_array_get(p->rows, i);
		size_t r = rtable_row(t);

		for (int c = 0; c < p->ncols; c++) {
			const json_t *v = json_object_get(row, p->cols[c]);

			if (v != NULL)
				cell(t, r, c, v);
		}
	}
	recognise(t);
}

int
page_main(int argc, char **argv)
{
	struct pg g = { 0 };
	struct cdp_acct acct;
	struct rtable *tables, **tp;

	parse_options(argc, argv, &g);
	report_acct_open(&g.ro, &acct);
	cdp_each(argv + optind, argc - optind, &g.ro.common, &acct, on_row,
	    &g);
	tables = cdp_xcalloc((size_t)g.n + 1, sizeof(*tables));
	tp = cdp_xcalloc((size_t)g.n + 1, sizeof(*tp));
	for (int i = 0; i < g.n; i++) {
		build(&g, &g.t[i], &tables[i]);
		tp[i] = &tables[i];
	}
	report_write(&g.ro, tp, (size_t)g.n);
	report_acct_close(&g.ro, &acct);
	for (int i = 0; i < g.n; i++) {
		rtable_free(&tables[i]);
		free(g.t[i].name);
		for (int c = 0; c < g.t[i].ncols; c++)
			free(g.t[i].cols[c]);
		json_decref(g.t[i].rows);
		/* A file's name is shared by its tables: free it once. */
		if (i + 1 == g.n || g.t[i + 1].file != g.t[i].file)
			free(g.t[i].fname);
	}
	free(tables);
	free(tp);
	return 0;
}
