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

/* Does t have the columns and rows its chart needs? */
bool	html_chartable(const struct rtable *t);

/* Draw the chart of t (section number k) inside a <figure>. */
void	html_chart(struct page *p, const struct rtable *t, size_t k);

#endif
