/*
 * html.h - what the html writer (fmt_html.c) and its charts (html_chart.c)
 * share: the page being built and the helpers that put text, cells and
 * markup on it, every piece of text made safe on the way.
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "report.h"

#define HTML_MAXDRAW	50	/* bars, steps, rows or points drawn */
#define HTML_W		720	/* width of bar, funnel, forest and most
				   other charts */
#define HTML_LABW	180	/* label area at the left of a chart */
#define HTML_VALW	86	/* room for a value printed beside a bar */
#define HTML_LABCH	24	/* longest label drawn, in columns */
#define HTML_AXISH	22	/* the axis title under a chart */

struct page {
	struct cdp_buf	 b;		/* the page so far */
	struct cdp_buf	 raw, safe;	/* scratch */
};

/* Markup (trusted text) onto the page; exits 71 when memory runs out. */
void	html_add(struct page *p, const char *s);
void	html_addf(struct page *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Any text from the tables or the command line, made safe: controls
 * shown escaped, then HTML-escaped; at most maxw columns wide when maxw
 * > 0, cut with an ellipsis.
 */
void	html_text(struct page *p, const char *s, size_t n, size_t maxw);
void	html_texts(struct page *p, const char *s);

/* The text of cell (row, col) as people read it (fmt_cell), made safe. */
void	html_cell(struct page *p, const struct rtable *t, size_t row, int col,
	    size_t maxw);

/* A number v formatted as column col shows its numbers. */
void	html_num_as(struct page *p, const struct rtable *t, int col,
	    double v);

/* The number in cell (row, col): true when it is one and finite. */
bool	html_num(const struct rtable *t, size_t row, int col, double *v);

/* The table's title, or its name without one. */
const char *html_caption(const struct rtable *t);

/* ---- the pieces of charts (html_chart.c) ---- */

/* <svg> with its accessible name (title, id ID-ct) and the start of its
 * description (id ID-cd), which the caller writes and closes. */
void	html_svg_begin(struct page *p, const char *id, double w, double h,
	    const char *title);

/* html_svg_begin() for the chart of section k, titled by t. */
void	html_svg_open(struct page *p, size_t k, double w, double h,
	    const struct rtable *t);

/* The label of row r (t->label) at the left of the chart, its middle at
 * y; "(null)" for an empty cell. */
void	html_svg_label(struct page *p, const struct rtable *t, size_t r,
	    double y);

/* The axis title centred under the plot from x0 to x1: the unit when
 * the table has one, else the name of column col. */
void	html_axis_title(struct page *p, const struct rtable *t, int col,
	    double x0, double x1, double y);

/* "The chart shows the first SHOWN of ALL WHAT" when shown < all. */
void	html_cut_note(struct page *p, size_t shown, size_t all,
	    const char *what);

/* The scale of horizontal bars over values from -maxneg to maxpos: the
 * zero line's x, the plot's width and the values' span. */
struct html_scale {
	double	zero, plot, span;
};

struct html_scale html_bar_scale(double maxpos, double maxneg);

/* A bar of the value of cell (r, col) at y, height h, in class cls (a
 * negative value left of zero, in class neg), the value printed at its
 * end; "no value" for an empty cell. */
void	html_bar(struct page *p, const struct rtable *t, size_t r, int col,
	    const struct html_scale *s, double y, double h, const char *cls);

/* The charts of linkage models and their evaluations (html_plot.c). */
void	html_chart_levels(struct page *p, const struct rtable *t, size_t k);
void	html_chart_histogram(struct page *p, const struct rtable *t,
	    size_t k);
void	html_chart_waterfall(struct page *p, const struct rtable *t,
	    size_t k);
void	html_chart_lines(struct page *p, const struct rtable *t, size_t k);

/* Does t have the columns and rows its chart needs? */
bool	html_chartable(const struct rtable *t);

/* Draw the chart of t (section number k) inside a <figure>. */
void	html_chart(struct page *p, const struct rtable *t, size_t k);

#endif
