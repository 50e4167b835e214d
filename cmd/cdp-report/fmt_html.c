/*
 * fmt_html.c - the html format: one self-contained HTML5 page (inline CSS
 * and SVG, no script, no fonts, images or links to fetch) that opens in a
 * browser with no network, reads in light and dark schemes and prints on
 * paper.  Each table becomes a section with its chart (html_chart.c) and
 * then the numbers as real tables, for screen readers and for copying;
 * several sections get a table of contents.
 *
 * Nothing is ever cut or hidden behind a scrollbar: a table wider than a
 * page is split into blocks of columns stacked one under the other (each
 * repeating the first column), and on a phone every row becomes a block
 * of "column: value" lines.
 *
 * The page holds no date or time and no randomness, so the same tables
 * always give the same bytes (golden tests compare them).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "fmt.h"
#include "html.h"

/* Width in CSS pixels a block of table columns may take: what an A4 page
 * prints (190 mm, 718 px) or a 718 px screen shows, less room to spare. */
#define BLOCKW	620
#define CHARW2	17	/* twice a character of a table cell, about */
#define CELLPAD	24	/* a cell's padding */
#define COLMAXW	240	/* a column wraps its text past this */

static const char style[] =
":root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;"
"--rule:#d1d9e0;--row:#f6f8fa;--bar:#3569b0;--neg:#b93c0b;--conn:#c5d5ec}\n"
"@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;"
"--muted:#9198a1;--rule:#3d444d;--row:#151b23;--bar:#5a9bf0;--neg:#f0883e;"
"--conn:#1f3350}}\n"
"html{background:var(--bg);color:var(--fg)}\n"
"body{margin:0 auto;max-width:64rem;padding:1.5rem;font:15px/1.5 "
"system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
"\"Liberation Sans\",Arial,sans-serif}\n"
"h1{font-size:1.6rem;margin:0 0 1rem}\n"
"h2{font-size:1.2rem;margin:2rem 0 .75rem;padding-top:.5rem;"
"border-top:1px solid var(--rule)}\n"
/* A long word in a title (a file's path) wraps rather than widen a
 * phone's page. */
"h1,h2{overflow-wrap:anywhere}\n"
"nav.toc ol{margin:0 0 1rem;padding-left:1.5rem}\n"
"nav.toc a{color:inherit}\n"
"figure{margin:0 0 1rem}\n"
"figcaption,.note{color:var(--muted);font-size:.85rem}\n"
"svg.chart{display:block;max-width:100%;height:auto;font-size:12px}\n"
"svg text{fill:var(--fg)}\n"
"svg .muted{fill:var(--muted)}\n"
"td.null{color:var(--muted)}\n"
"svg .axt{fill:var(--muted);font-style:italic}\n"
"svg .val,td.num,th.num,.kpi b{font-variant-numeric:tabular-nums}\n"
"svg .bar{fill:var(--bar)}\n"
"svg .neg{fill:var(--neg)}\n"
"svg .conn{fill:var(--conn)}\n"
"svg .axis{stroke:var(--muted);stroke-width:1}\n"
"svg .grid{stroke:var(--rule);stroke-width:1}\n"
"svg .zero{stroke:var(--muted);stroke-width:1;stroke-dasharray:4 3}\n"
"svg .ci{stroke:var(--fg);stroke-width:2}\n"
/* Series colours (Tableau 10, distinguishable in light and dark). */
".s0{fill:#4e79a7}.s1{fill:#f28e2b}.s2{fill:#e15759}.s3{fill:#76b7b2}"
".s4{fill:#59a14f}.s5{fill:#edc948}.s6{fill:#b07aa1}.s7{fill:#ff9da7}"
".s8{fill:#9c755f}.s9{fill:#bab0ac}\n"
".legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;"
"margin:0 0 .5rem;padding:0;font-size:.85rem}\n"
".legend li{display:flex;align-items:center;gap:.35rem}\n"
".legend svg.sw{width:.8rem;height:.8rem}\n"
".kpis{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;"
"margin:0 0 1rem;padding:0}\n"
".kpi{border:1px solid var(--rule);border-radius:6px;padding:.5rem .9rem;"
"min-width:7rem;max-width:100%;overflow-wrap:anywhere}\n"
".kpi b{display:block;font-size:1.5rem}\n"
".kpi span{color:var(--muted);font-size:.85rem}\n"
".scroll{overflow-x:auto}\n"
".scroll+.scroll{margin-top:.75rem}\n"
"table{border-collapse:collapse;font-size:.9rem;max-width:100%}\n"
"th,td{padding:.25rem .75rem;text-align:left;vertical-align:top;"
"overflow-wrap:anywhere}\n"
"thead th{border-bottom:2px solid var(--rule)}\n"
"tbody tr:nth-child(even){background:var(--row)}\n"
"td.num,th.num{text-align:right;white-space:nowrap}\n"
/* Heat map: 11 steps, dark text on light cells; hd: a column that does
 * not set the scale. */
".h0 rect{fill:#f7fbff}.h1 rect{fill:#e3eef9}.h2 rect{fill:#cfe1f2}"
".h3 rect{fill:#b5d4e9}.h4 rect{fill:#93c4de}.h5 rect{fill:#6daed5}"
".h6 rect{fill:#4b97c9}.h7 rect{fill:#2a74b3}.h8 rect{fill:#1864aa}"
".h9 rect{fill:#0a4a90}.h10 rect{fill:#08306b}.hd rect{fill:#e4e4e4}\n"
".h0 text,.h1 text,.h2 text,.h3 text,.h4 text,.h5 text,.h6 text,"
".hd text{fill:#0b1f33}\n"
".h7 text,.h8 text,.h9 text,.h10 text{fill:#fff}\n"
".h0 rect,.h1 rect{stroke:var(--rule)}\n"
"@media (prefers-color-scheme:dark){"
".h0 rect{fill:#16202c}.h1 rect{fill:#172b40}.h2 rect{fill:#1a3754}"
".h3 rect{fill:#1d4468}.h4 rect{fill:#22527d}.h5 rect{fill:#2a6194}"
".h6 rect{fill:#3572aa}.h7 rect{fill:#4a86c0}.h8 rect{fill:#659cd2}"
".h9 rect{fill:#86b4e0}.h10 rect{fill:#aacdee}.hd rect{fill:#30363d}\n"
".h0 text,.h1 text,.h2 text,.h3 text,.h4 text,.h5 text,.h6 text,"
".hd text{fill:#e6edf3}\n"
".h7 text,.h8 text,.h9 text,.h10 text{fill:#0d1117}}\n"
/* A phone: every row a block of "column: value" lines. */
"@media (max-width:40rem){body{padding:.75rem}"
"table,tbody,tr,td{display:block}"
"thead{position:absolute;width:1px;height:1px;overflow:hidden;"
"clip:rect(0 0 0 0)}"
"tr{padding:.3rem 0;border-bottom:1px solid var(--rule)}"
"td,td.num{padding:.05rem .5rem;text-align:left;white-space:normal}"
"td::before{content:attr(data-label) \": \";color:var(--muted)}"
"td:empty{display:none}}\n"
/* Paper: light colours, no split figures or rows. */
"@media print{:root{color-scheme:light;--fg:#000;--bg:#fff;--muted:#444;"
"--rule:#999;--row:#f2f2f2;--bar:#3569b0;--neg:#b93c0b;--conn:#c5d5ec}"
"body{max-width:none;padding:0}"
"figure,tr,.kpi{break-inside:avoid}h2{break-after:avoid}"
".scroll{overflow:visible}}\n";

/* The width a column asks for, in CSS pixels, about. */
static size_t
col_width(struct page *p, const struct rtable *t, int c)
{
	size_t w = strlen(t->cols[c].name);

	for (size_t r = 0; r < t->nrows; r++) {
		long cw;

		cdp_buf_reset(&p->raw);
		cdp_buf_reset(&p->safe);
		if (fmt_cell(t, r, c, &p->raw) == -1 || (cw = fmt_safe(&p->safe,
		    p->raw.p != NULL ? p->raw.p : "", p->raw.len, false)) == -1)
			cdp_oom(0);
		if ((size_t)cw > w)
			w = (size_t)cw;
	}
	w = w * CHARW2 / 2 + CELLPAD;
	return w < COLMAXW ? w : COLMAXW;
}

/* One block of the table: column 0 (when first > 0) and columns
 * first..end. */
static void
block(struct page *p, const struct rtable *t, size_t first, size_t end)
{
	size_t c;

	html_add(p, "<div class=\"scroll\"><table>\n<thead><tr>");
	for (c = first > 0 ? 0 : first; c < end; c = c == 0 && first > 0 ?
	    first : c + 1) {
		html_add(p, fmt_numcol(t, (int)c) ?
		    "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
		html_texts(p, t->cols[c].name);
		html_add(p, "</th>");
	}
	html_add(p, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < t->nrows; r++) {
		html_add(p, "<tr>");
		for (c = first > 0 ? 0 : first; c < end; c = c == 0 &&
		    first > 0 ? first : c + 1) {
			const struct rcell *cl = rtable_cell(t, r, (int)c);
			/* A row's key (the first column) may be null: named,
			 * as on the chart, not left blank like "". */
			bool nokey = c == 0 && cl->type == RC_NULL;

			html_add(p, cl->type == RC_INT || cl->type == RC_NUM ?
			    "<td class=\"num\" data-label=\"" : nokey ?
			    "<td class=\"null\" data-label=\"" :
			    "<td data-label=\"");
			html_texts(p, t->cols[c].name);
			html_add(p, "\">");
			if (nokey)
				html_add(p, "(null)");
			else
				html_cell(p, t, r, (int)c, 0);
			html_add(p, "</td>");
		}
		html_add(p, "</tr>\n");
	}
	html_add(p, "</tbody>\n</table></div>\n");
}

/*
 * The numbers as tables: what screen readers and copy-paste use.  A
 * table wider than BLOCKW is cut into blocks of columns, each one
 * repeating the first column, stacked one under the other.
 */
static void
numbers(struct page *p, const struct rtable *t)
{
	size_t first = 0, w0, w;

	if (t->ncols == 0) {
		html_add(p, "<p class=\"note\">No columns.</p>\n");
		return;
	}
	w0 = col_width(p, t, 0);
	w = w0;
	for (size_t c = 1; c < t->ncols; c++) {
		size_t cw = col_width(p, t, (int)c);

		/* A block holds one column past the first at least. */
		if (w + cw > BLOCKW && c > (first == 0 ? 1 : first)) {
			block(p, t, first, c);
			first = c;
			w = w0;
		}
		w += cw;
	}
	block(p, t, first, t->ncols);
	if (first > 0)
		html_addf(p, "<p class=\"note\">The table's %zu columns are "
		    "shown in blocks, each starting with ", t->ncols);
	if (first > 0) {
		html_texts(p, t->cols[0].name);
		html_add(p, ".</p>\n");
	}
	if (t->nrows == 0)
		html_add(p, "<p class=\"note\">No rows.</p>\n");
}

/* --title, else "cdp-report" and the command. */
static void
page_title(struct page *p, const struct report_opts *ro)
{
	if (ro->title != NULL) {
		html_texts(p, ro->title);
		return;
	}
	html_add(p, "cdp-report");
	if (ro->cmd != NULL) {
		html_add(p, " ");
		html_texts(p, ro->cmd);
	}
}

/* Several sections: a list of links to them (anchors in the page). */
static void
toc(struct page *p, struct rtable *const *tables, size_t n)
{
	html_add(p, "<nav class=\"toc\" aria-label=\"Contents\"><ol>\n");
	for (size_t k = 0; k < n; k++) {
		html_addf(p, "<li><a href=\"#t%zu\">", k + 1);
		html_texts(p, html_caption(tables[k]));
		html_add(p, "</a></li>\n");
	}
	html_add(p, "</ol></nav>\n");
}

int
fmt_html(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct page p = { 0 };
	int rc = 0;

	html_add(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<meta name=\"generator\" content=\"cdp-report\">\n<title>");
	page_title(&p, ro);
	html_add(&p, "</title>\n<style>\n");
	html_add(&p, style);
	html_add(&p, "</style>\n</head>\n<body>\n<main>\n<h1>");
	page_title(&p, ro);
	html_add(&p, "</h1>\n");
	if (n > 2)
		toc(&p, tables, n);
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];

		html_addf(&p, "<section id=\"t%zu\" aria-labelledby=\"t%zu-h\">\n"
		    "<h2 id=\"t%zu-h\">", k + 1, k + 1, k + 1);
		html_texts(&p, html_caption(t));
		html_add(&p, "</h2>\n");
		if (html_chartable(t))
			html_chart(&p, t, k + 1);
		numbers(&p, t);
		html_add(&p, "</section>\n");
		if (p.b.len > 65536) {
			rc = cdp_out_write(o, p.b.p, p.b.len, err);
			cdp_buf_reset(&p.b);
		}
	}
	html_add(&p, "</main>\n</body>\n</html>\n");
	if (rc == 0)
		rc = cdp_out_write(o, p.b.p, p.b.len, err);
	cdp_buf_free(&p.b);
	cdp_buf_free(&p.raw);
	cdp_buf_free(&p.safe);
	return rc;
}
