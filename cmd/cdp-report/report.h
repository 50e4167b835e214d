/*
 * report.h - cdp-report: the options every subcommand shares, the result
 * table the subcommands fill, and the writers that print it in each
 * --format.
 *
 * A subcommand parses its own options (its getopt table holds
 * CDP_COMMON_LONGOPTS and REPORT_LONGOPTS, and it hands the options it
 * does not own to report_opt()), reads records with cdp_each(), builds
 * one or more struct rtable and passes them to report_write().
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "buf.h"
#include "opts.h"
#include "out.h"
#include "record.h"

/*
 * The formats of --format, one row each: the name, the extensions of an
 * -o file that choose it, and its writer (see below).  Adding a format is
 * a row here, its writer, a test and the man page: --help, the message of
 * a bad --format and the choice by extension come from the rows.
 */
#define REPORT_FORMATS(X)						\
	X(table,	".txt",			fmt_table)		\
	X(csv,		".csv",			fmt_csv)		\
	X(ndjson,	".ndjson .jsonl",	fmt_ndjson)		\
	X(markdown,	".md",			fmt_markdown)		\
	X(html,		".html .htm",		fmt_html)

struct report_opts;
struct rtable;

/* A row of REPORT_FORMATS. */
struct report_format {
	const char	*name;
	const char	*exts;		/* space-separated */
	int		(*write)(struct cdp_out *o,
			    const struct report_opts *ro,
			    struct rtable *const *t, size_t n,
			    struct cdp_err *err);
};

/* The format named name, or NULL. */
const struct report_format *report_format_named(const char *name);

/* The format the extension of file name path chooses, or NULL. */
const struct report_format *report_format_of_file(const char *path);

/* "table, csv, ..., markdown or html" into b; exits when memory runs out. */
void	report_format_list(struct cdp_buf *b);

struct report_opts {
	struct cdp_common_opts	 common;
	const char		*cmd;		/* "group", "funnel", ... */
	const struct report_format *format;	/* NULL until resolved */
	const char		*title;		/* --title (HTML heading) */
	const char		*time;		/* --time FIELD, default "ts" */
	bool			 skip_nonnumeric;	/* --skip-nonnumeric */
	int			 precision;	/* --precision, -1 = from data */
};

/* Option values of the shared report options. */
enum {
	REPORT_OPT_FORMAT = CDP_OPT_PRIVATE,
	REPORT_OPT_TITLE,
	REPORT_OPT_TIME,
	REPORT_OPT_SKIP_NONNUMERIC,
	REPORT_OPT_PRECISION,
	REPORT_OPT_PRIVATE = CDP_OPT_PRIVATE + 0x40	/* subcommands' own */
};

#define REPORT_LONGOPTS							\
	{ "format", required_argument, NULL, REPORT_OPT_FORMAT },	\
	{ "title", required_argument, NULL, REPORT_OPT_TITLE },		\
	{ "time", required_argument, NULL, REPORT_OPT_TIME },		\
	{ "skip-nonnumeric", no_argument, NULL,				\
	    REPORT_OPT_SKIP_NONNUMERIC },				\
	{ "precision", required_argument, NULL, REPORT_OPT_PRECISION }

#define REPORT_FMT_WORD_(name, exts, write)	" " #name
#define REPORT_FMT_EXTS_(name, exts, write)	" " exts
#define REPORT_USAGE							\
"  -f, --format FMT          the output format (default: table on a terminal,\n" \
"                            ndjson otherwise; with -o, by the extension)\n" \
"      FMT:" REPORT_FORMATS(REPORT_FMT_WORD_) "\n"			\
"      (-o extensions:" REPORT_FORMATS(REPORT_FMT_EXTS_) ")\n"		\
"      --title TEXT          heading of the html report\n"		\
"      --time FIELD          the event time field (default ts)\n"	\
"      --skip-nonnumeric     a value that should be a number and is not is\n" \
"                            left out instead of rejecting its record\n" \
"      --precision N         decimals of the numbers in table, markdown and\n" \
"                            html (default: chosen per column from its data)\n"

#define REPORT_SHORTOPTS	CDP_COMMON_SHORTOPTS "f:"

/* Defaults for subcommand cmd. */
void	report_opts_init(struct report_opts *ro, const char *cmd);

/*
 * Handle option ch with argument arg if it is a shared one (common or
 * report).  Returns 1 when handled, 0 when ch is the subcommand's own.
 * Exits 64 with usage on a bad value.
 */
int	report_opt(int ch, const char *arg, struct report_opts *ro,
	    const char *usage);

/*
 * After option parsing: resolve --format auto (-o extension, then whether
 * stdout is a terminal).  Exits 64 with usage on a bad combination.
 */
void	report_opts_done(struct report_opts *ro, const char *usage);

/* Open ro's account for records (aggregating: "used" and "skipped"). */
void	report_acct_open(const struct report_opts *ro, struct cdp_acct *a);

/* Close the account, printing the --stats line; extra counts may be set
 * in a->extra before. */
void	report_acct_close(const struct report_opts *ro, struct cdp_acct *a);

/*
 * A positive duration such as "7d" (cdp_duration_parse() of timeval.h).
 * Returns 0 with *secs, or -1.
 */
int	report_parse_duration(const char *s, double *secs);

/*
 * The time of record rec in field name (ro->time usually): a string in
 * any form cdp_time_parse() takes, or a number of seconds since
 * 1970-01-01T00:00:00Z.  tmp[0] and tmp[1] are scratch space (free them
 * with cdp_buf_free at the end).  Returns 0 with *secs, 1
 * when the field is missing or null, -1 with *why when it is not a time.
 */
int	report_time(struct cdp_rec *rec, const char *name,
	    struct cdp_buf tmp[2], double *secs, const char **why);

/* Append v as a JSON number (shortest exact form; null when not
 * finite); exits when memory runs out. */
void	report_num(struct cdp_buf *b, double v);

/* Quantile p (0 to 1) of sorted x[0..n), n >= 1: linear between the
 * closest ranks, h = (n - 1) p (Hyndman and Fan's type 7, numpy's
 * default). */
double	report_quantile(const double *x, size_t n, double p);

/* The 2.5% and 97.5% points (type 7) of x[0..n), n >= 1, sorted in
 * place: a 95% percentile interval. */
void	report_interval(double *x, size_t n, double *lo, double *hi);

/*
 * The key of an id field (a profile, a customer) of rec: a type byte and
 * the text (a string unescaped, a number as written), so that the number
 * 1 and the string "1" are two ids; into key, str being scratch.
 * Returns 0; 1 when the field is missing or null; -1 when it is neither a
 * string nor a number.
 */
int	report_id(struct cdp_rec *rec, const char *name, struct cdp_buf *str,
	    struct cdp_buf *key);

/* ---- result tables ---- */

enum rcell_type {
	RC_NULL,	/* empty cell, JSON null */
	RC_INT,		/* a whole number held exactly in num (|v| < 2^53) */
	RC_NUM,		/* a number, printed per the column's digits */
	RC_STR,		/* UTF-8 text in the table's arena */
	RC_JSON		/* JSON text in the arena: written raw in ndjson,
			   as text elsewhere */
};

struct rcell {
	uint8_t		type;
	double		num;
	size_t		off, len;	/* RC_STR, RC_JSON: text in t->text */
};

/* The chart an HTML report draws of a table (other formats ignore it). */
enum rchart {
	CHART_NONE,
	CHART_BAR,	/* one bar per row: label column, value column */
	CHART_FUNNEL,	/* steps in row order: label, value (counts) */
	CHART_HEATMAP,	/* rows label; columns heat_first.. are percents */
	CHART_GROUPED,	/* a group of bars per row: one per series column,
			   a colour per series, a legend */
	CHART_FOREST,	/* a point per row at value, a line from lo to hi,
			   and the zero line */
	CHART_KPI,	/* one row: a tile per number, named by its column */
	CHART_LEVELS,	/* a linkage model: per level (label) under its
			   comparison (aux), its match weight (value) as
			   a bar from zero, then m and u (series[0..1]);
			   a true in column hi (if set) marks a level
			   weighed value by value */
	CHART_HISTOGRAM,/* bins from lo to hi (numbers), columns of the
			   count in value, the part in series[0] (if any)
			   drawn in its own colour */
	CHART_WATERFALL,/* steps (label) adding weights (value) up to a
			   running total (hi), each a bar from the total
			   before; aux: a note per step (the level) */
	CHART_LINES	/* a line per series over x (value), the label
			   column naming the points; the series from
			   nsolid on are dashed, in the colours again */
};

#define RT_MAXSERIES	16

struct rcol {
	char	*name;
	int	 digits;	/* RC_NUM in table, markdown, html: decimals
				   shown; -1 = chosen from the column's
				   numbers (see rcol_digits) */
	bool	 percent;	/* a percentage (0-100): "%" in text formats */
	bool	 ratio;		/* a share (0-1): shown as a percentage in
				   text formats, as it is in csv and ndjson */
	bool	 key;		/* values as found in the data (group keys,
				   labels): shortest exact form, no
				   thousands separators */
	int	 shown;		/* decimals the text formats use, set by
				   rtable_resolve() (-1: shortest form) */
};

struct rtable {
	char		*name;		/* short id: "group", "steps", ... */
	char		*title;		/* caption, e.g. "revenue by channel" */
	enum rchart	 chart;
	int		 label;		/* chart: column of the labels */
	int		 value;		/* BAR, FUNNEL, FOREST: the values */
	int		 lo, hi;	/* FOREST: the interval's ends */
	int		 heat_first;	/* HEATMAP: first value column */
	int		 heat_scale;	/* HEATMAP: first column whose values
					   set the colour scale (the columns
					   before it, such as a period 0
					   that is 100% by definition, are
					   drawn in the top colour) */
	int		 series[RT_MAXSERIES];	/* GROUPED: value columns */
	int		 nseries;
	int		 aux;		/* LEVELS, WATERFALL: see rchart */
	int		 nsolid;	/* LINES: see rchart */
	const char	*unit;		/* charts: the values' unit, for the
					   axis label ("conversions") */
	struct rcol	*cols;
	size_t		 ncols;
	struct rcell	*cells;		/* nrows * ncols, row-major */
	size_t		 nrows, cap;
	struct cdp_buf	 text;
};

/* Start an empty table (name and title are copied). */
void	rtable_init(struct rtable *t, const char *name, const char *title);

/* Add a column (before the first row); returns its index. */
int	rtable_col(struct rtable *t, const char *name, int digits);

/* The index of the column called name, or -1. */
int	rtable_find(const struct rtable *t, const char *name);

/* Start a new row, every cell RC_NULL; returns its index. */
size_t	rtable_row(struct rtable *t);

/* Set cell (row, col). */
void	rtable_str(struct rtable *t, size_t row, int col, const char *s,
	    size_t n);
void	rtable_num(struct rtable *t, size_t row, int col, double v);
void	rtable_int(struct rtable *t, size_t row, int col, double v);
void	rtable_json(struct rtable *t, size_t row, int col, const char *s,
	    size_t n);

/* The text of an RC_STR or RC_JSON cell. */
const char *rtable_text(const struct rtable *t, const struct rcell *c);

static inline const struct rcell *
rtable_cell(const struct rtable *t, size_t row, int col)
{
	return &t->cells[row * t->ncols + (size_t)col];
}

void	rtable_free(struct rtable *t);

/*
 * Write tables[0..n) to -o or stdout in ro->format and close the output.
 * Several tables follow each other: ndjson rows then carry "_table":NAME
 * first; csv tables are separated by an empty line; table and markdown
 * print each title above its table; html makes one page with a section
 * (chart, then the numbers as a table) per table.  Exits on write errors.
 */
void	report_write(const struct report_opts *ro,
	    struct rtable *const *tables, size_t n);

/*
 * The writers of REPORT_FORMATS: tables t[0..n) to o.  Return 0, or -1
 * with err on a write error; exit when memory runs out.
 */
#define REPORT_FMT_DECL_(name, exts, write)				\
int	write(struct cdp_out *o, const struct report_opts *ro,		\
	    struct rtable *const *t, size_t n, struct cdp_err *err);
REPORT_FORMATS(REPORT_FMT_DECL_)
#undef REPORT_FMT_DECL_

/* A cell as plain text (csv): numbers in their shortest exact form,
 * null as "", into b (appended). */
int	rcell_text(const struct rtable *t, size_t row, int col,
	    struct cdp_buf *b);

/*
 * Choose the decimals each column shows in the text formats (its shown
 * member): a column of whole numbers shows none; a column with digits
 * set keeps them; any other number column shows the fewest decimals
 * that write each of its numbers to 4 significant decimals (past the
 * zeros after the point of a number below 1) -- at most 2 for a
 * percentage -- the largest over the column, so that the points line up.
 * precision >= 0 (--precision) replaces every choice but whole numbers.
 */
void	rtable_resolve(struct rtable *t, int precision);

/*
 * A number as people read it: decimals after the point (-1: shortest
 * exact form), a comma between groups of three digits unless plain,
 * never "-0".  Appends to b; returns 0, or -1 when memory runs out.
 */
int	report_fmt_num(struct cdp_buf *b, double v, int decimals, bool plain);

/* ---- subcommands: parse argv (argv[0] is the subcommand), run, exit
 * status ---- */
int	profile_main(int argc, char **argv);
int	group_main(int argc, char **argv);
int	funnel_main(int argc, char **argv);
int	cohort_main(int argc, char **argv);
int	attribution_main(int argc, char **argv);
int	page_main(int argc, char **argv);
int	lift_main(int argc, char **argv);
int	subscriptions_main(int argc, char **argv);
int	linkage_main(int argc, char **argv);

/*
 * The chart of a table of cdp-report linkage, known by its columns (the
 * command's own tables and cdp-report page's rebuilt ones alike): sets
 * t's chart hints and returns true, or returns false for another table.
 */
bool	linkage_chart(struct rtable *t);

#endif
