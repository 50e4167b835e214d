/*
 * fmt_html.c - the html format: one self-contained HTML5 page (inline CSS
 * and SVG, no script, no fonts, images or links to fetch) that opens in a
 * browser with no network and reads in light and dark schemes.  Each table
 * becomes a section with its chart (bars, a funnel or a heat map, drawn
 * from the table's chart hints) and then the numbers as a real table, for
 * screen readers and for copying.
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
#include "report.h"

#define MAXDRAW	50	/* bars, steps or rows drawn (table: all) */
#define W	720	/* width of bar and funnel charts (SVG units) */
#define LABW	180	/* label area at the left of every chart */
#define LABCH	24	/* longest label drawn, in columns */
#define VALW	86	/* room for a value printed beside a bar */
#define CELLW	58	/* heat map cell */
#define CELLH	26

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
"figure{margin:0 0 1rem}\n"
"figcaption,.note{color:var(--muted);font-size:.85rem}\n"
"svg.chart{display:block;max-width:100%;height:auto;font-size:12px}\n"
"svg text{fill:var(--fg)}\n"
"svg .muted{fill:var(--muted)}\n"
"svg .val,td.num,th.num{font-variant-numeric:tabular-nums}\n"
"svg .bar{fill:var(--bar)}\n"
"svg .neg{fill:var(--neg)}\n"
"svg .conn{fill:var(--conn)}\n"
"svg .axis{stroke:var(--muted);stroke-width:1}\n"
".scroll{overflow-x:auto}\n"
"table{border-collapse:collapse;font-size:.9rem}\n"
"th,td{padding:.25rem .75rem;text-align:left;vertical-align:top}\n"
"thead th{border-bottom:2px solid var(--rule)}\n"
"tbody tr:nth-child(even){background:var(--row)}\n"
"td.num,th.num{text-align:right}\n"
/* Heat map: 11 steps of 10 percent, dark text on light cells. */
".h0 rect{fill:#f7fbff}.h1 rect{fill:#e3eef9}.h2 rect{fill:#cfe1f2}"
".h3 rect{fill:#b5d4e9}.h4 rect{fill:#93c4de}.h5 rect{fill:#6daed5}"
".h6 rect{fill:#4b97c9}.h7 rect{fill:#2a74b3}.h8 rect{fill:#1864aa}"
".h9 rect{fill:#0a4a90}.h10 rect{fill:#08306b}\n"
".h0 text,.h1 text,.h2 text,.h3 text,.h4 text,.h5 text,.h6 text"
"{fill:#0b1f33}\n"
".h7 text,.h8 text,.h9 text,.h10 text{fill:#fff}\n"
".h0 rect,.h1 rect{stroke:var(--rule)}\n"
"@media (prefers-color-scheme:dark){"
".h0 rect{fill:#16202c}.h1 rect{fill:#172b40}.h2 rect{fill:#1a3754}"
".h3 rect{fill:#1d4468}.h4 rect{fill:#22527d}.h5 rect{fill:#2a6194}"
".h6 rect{fill:#3572aa}.h7 rect{fill:#4a86c0}.h8 rect{fill:#659cd2}"
".h9 rect{fill:#86b4e0}.h10 rect{fill:#aacdee}\n"
".h0 text,.h1 text,.h2 text,.h3 text,.h4 text,.h5 text,.h6 text"
"{fill:#e6edf3}\n"
".h7 text,.h8 text,.h9 text,.h10 text{fill:#0d1117}}\n";

struct page {
	struct cdp_buf	 b;		/* the page so far */
	struct cdp_buf	 raw, safe;	/* scratch */
};

static void
add(struct page *p, const char *s)
{
	if (cdp_buf_adds(&p->b, s) == -1)
		cdp_oom(0);
}

static void
addf(struct page *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
addf(struct page *p, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		cdp_die(EX_SOFTWARE, NULL, 0, "html: markup too long");
	if (cdp_buf_add(&p->b, tmp, (size_t)n) == -1)
		cdp_oom(0);
}

/* Append sanitised text s[0..n) with the five HTML specials escaped. */
static void
esc(struct page *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		if (e != NULL ? cdp_buf_adds(&p->b, e) == -1 :
		    cdp_buf_addc(&p->b, s[i]) == -1)
			cdp_oom(0);
	}
}

/*
 * Any text from the tables or the command line, made safe: controls shown
 * escaped (fmt_safe), then HTML-escaped; at most maxw columns wide when
 * maxw > 0, cut with an ellipsis.
 */
static void
text(struct page *p, const char *s, size_t n, size_t maxw)
{
	long w;
	size_t len, fit;

	cdp_buf_reset(&p->safe);
	if ((w = fmt_safe(&p->safe, s, n, false)) == -1)
		cdp_oom(0);
	len = p->safe.len;
	if (maxw > 0 && (size_t)w > maxw) {
		len = fmt_fit(p->safe.p, p->safe.len, maxw - 1, &fit);
		esc(p, p->safe.p, len);
		add(p, "\xe2\x80\xa6");		/* U+2026 */
		return;
	}
	esc(p, p->safe.p != NULL ? p->safe.p : "", len);
}

static void
texts(struct page *p, const char *s)
{
	text(p, s, strlen(s), 0);
}

/* The text of cell (row, col), as in the text formats. */
static void
cell(struct page *p, const struct rtable *t, size_t row, int col,
    size_t maxw)
{
	cdp_buf_reset(&p->raw);
	if (fmt_cell(t, row, col, &p->raw) == -1)
		cdp_oom(0);
	text(p, p->raw.p != NULL ? p->raw.p : "", p->raw.len, maxw);
}

/* The number in cell (row, col): true when it is one and finite. */
static bool
num(const struct rtable *t, size_t row, int col, double *v)
{
	const struct rcell *c = rtable_cell(t, row, col);

	if ((c->type != RC_INT && c->type != RC_NUM) || !isfinite(c->num))
		return false;
	*v = c->num;
	return true;
}

static const char *
caption(const struct rtable *t)
{
	return t->title[0] != '\0' ? t->title : t->name;
}

/* <svg> with its accessible name (title) and description. */
static void
svg_open(struct page *p, size_t k, double w, double h,
    const struct rtable *t)
{
	addf(p, "<svg class=\"chart\" role=\"img\" aria-labelledby=\"t%zu-ct "
	    "t%zu-cd\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	    "height=\"%.0f\">\n<title id=\"t%zu-ct\">", k, k, w, h, w, h, k);
	texts(p, caption(t));
	addf(p, "</title>\n<desc id=\"t%zu-cd\">", k);
}

/* A label at the left of row y (the middle of the row). */
static void
svg_label(struct page *p, const struct rtable *t, size_t r, double y)
{
	bool none = rtable_cell(t, r, t->label)->type == RC_NULL;

	addf(p, "<text%s x=\"%d\" y=\"%.1f\" dy=\".35em\" "
	    "text-anchor=\"end\">", none ? " class=\"muted\"" : "",
	    LABW - 8, y);
	if (none)
		add(p, "(null)");
	else
		cell(p, t, r, t->label, LABCH);
	add(p, "</text>\n");
}

static void
cut_note(struct page *p, size_t drawn, size_t all, const char *what)
{
	if (drawn < all)
		addf(p, "<figcaption>The chart shows the first %zu of %zu "
		    "%s; the table has them all.</figcaption>\n", drawn, all,
		    what);
}

/*
 * Horizontal bars, one per row, scaled so that the longest bar is the
 * largest |value|; negative values go left of the zero line in their own
 * colour, and every value is printed at the end of its bar.
 */
static void
chart_bar(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = t->nrows < MAXDRAW ? t->nrows : MAXDRAW;
	double maxpos = 0, maxneg = 0, v, x0, plot, zero, span, h;

	for (size_t r = 0; r < rows; r++)
		if (num(t, r, t->value, &v)) {
			if (v > maxpos)
				maxpos = v;
			if (-v > maxneg)
				maxneg = -v;
		}
	span = maxpos + maxneg > 0 ? maxpos + maxneg : 1;
	x0 = LABW + (maxneg > 0 ? VALW : 0);
	plot = W - x0 - VALW;
	zero = x0 + plot * maxneg / span;
	h = 8 + 26.0 * (double)rows + 8;
	svg_open(p, k, W, h, t);
	add(p, "Horizontal bar chart of ");
	texts(p, t->cols[t->value].name);
	add(p, " by ");
	texts(p, t->cols[t->label].name);
	addf(p, ", %zu bar%s", rows, rows == 1 ? "" : "s");
	if (rows < t->nrows)
		addf(p, " (the first %zu of %zu rows)", rows, t->nrows);
	add(p, ".</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + 26.0 * (double)r, len, x;

		svg_label(p, t, r, y + 13);
		if (!num(t, r, t->value, &v)) {
			addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
			    "dy=\".35em\">no value</text>\n", zero + 4,
			    y + 13);
			continue;
		}
		len = plot * fabs(v) / span;
		if (len < 1)
			len = 1;	/* a tiny value still shows */
		x = v < 0 ? zero - len : zero;
		if (v != 0)
			addf(p, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"18\" rx=\"2\"/>\n",
			    v < 0 ? "neg" : "bar", x, y + 4, len);
		if (v < 0)
			addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "dy=\".35em\" text-anchor=\"end\">", x - 4,
			    y + 13);
		else
			addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "dy=\".35em\">", x + len + 4, y + 13);
		cell(p, t, r, t->value, 12);
		add(p, "</text>\n");
	}
	addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n</svg>\n", zero, zero, h - 4);
	cut_note(p, rows, t->nrows, "rows");
}

/* "12.5%" of v against the first step, or "" without one. */
static void
share(char *buf, size_t size, double v, double first)
{
	if (first > 0)
		snprintf(buf, size, "%.1f%%", 100 * v / first);
	else
		buf[0] = '\0';
}

/*
 * Funnel: the steps in row order as centred bars whose width is the
 * step's count, joined by bands, with the count and the percentage of
 * the first step at the right.
 */
static void
chart_funnel(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = t->nrows < MAXDRAW ? t->nrows : MAXDRAW;
	double first = 0, top = 0, v, plot = W - LABW - 150, mid, h;
	double px1 = 0, px2 = 0;
	char pct[32];

	if (rows > 0 && num(t, 0, t->value, &v) && v > 0)
		first = v;
	for (size_t r = 0; r < rows; r++)
		if (num(t, r, t->value, &v) && v > top)
			top = v;
	mid = LABW + plot / 2;
	h = 8 + 36.0 * (double)rows + 4;
	svg_open(p, k, W, h, t);
	addf(p, "Funnel of %zu step%s by ", rows, rows == 1 ? "" : "s");
	texts(p, t->cols[t->value].name);
	if (rows > 0) {
		add(p, ", from ");
		cell(p, t, 0, t->value, 0);
		add(p, " at ");
		cell(p, t, 0, t->label, 0);
		add(p, " to ");
		cell(p, t, rows - 1, t->value, 0);
		add(p, " at ");
		cell(p, t, rows - 1, t->label, 0);
		if (num(t, rows - 1, t->value, &v)) {
			share(pct, sizeof(pct), v, first);
			if (pct[0] != '\0')
				addf(p, " (%s of the first step)", pct);
		}
	}
	if (rows < t->nrows)
		addf(p, "; the first %zu of %zu steps", rows, t->nrows);
	add(p, ".</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + 36.0 * (double)r, w = 0;

		if (num(t, r, t->value, &v) && v > 0 && top > 0)
			w = plot * v / top;
		/* The band from the step above narrows into this one. */
		if (r > 0)
			addf(p, "<polygon class=\"conn\" points=\"%.1f,%.1f "
			    "%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", px1, y - 8,
			    px2, y - 8, mid + w / 2, y, mid - w / 2, y);
		svg_label(p, t, r, y + 14);
		if (w > 0)
			addf(p, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"28\" rx=\"2\"/>\n",
			    mid - w / 2, y, w);
		px1 = mid - w / 2;
		px2 = mid + w / 2;
		addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">", LABW + plot + 12, y + 14);
		if (num(t, r, t->value, &v)) {
			cell(p, t, r, t->value, 14);
			share(pct, sizeof(pct), v, first);
			if (pct[0] != '\0')
				addf(p, "<tspan class=\"muted\"> \xc2\xb7 "
				    "%s</tspan>", pct);
		} else
			add(p, "<tspan class=\"muted\">no value</tspan>");
		add(p, "</text>\n");
	}
	add(p, "</svg>\n");
	cut_note(p, rows, t->nrows, "steps");
}

/*
 * Heat map: a row per table row, a cell per column from heat_first on,
 * coloured in steps of ten percent with the number inside; a null cell
 * stays blank.
 */
static void
chart_heatmap(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = t->nrows < MAXDRAW ? t->nrows : MAXDRAW;
	size_t all = 0, cols = 0;
	int heat[MAXDRAW];
	double w, h, v;

	for (size_t c = (size_t)t->heat_first; c < t->ncols; c++)
		if ((int)c != t->label) {
			if (cols < MAXDRAW)
				heat[cols++] = (int)c;
			all++;
		}
	w = LABW + CELLW * (double)cols + 8;
	h = 28 + CELLH * (double)rows + 4;
	svg_open(p, k, w, h, t);
	addf(p, "Heat map of %zu row%s by %zu column%s", rows,
	    rows == 1 ? "" : "s", cols, cols == 1 ? "" : "s");
	if (cols > 0) {
		add(p, " (");
		texts(p, t->cols[heat[0]].name);
		if (cols > 1) {
			add(p, " to ");
			texts(p, t->cols[heat[cols - 1]].name);
		}
		add(p, ")");
	}
	add(p, "; a stronger colour is a higher percentage.</desc>\n");
	for (size_t j = 0; j < cols; j++) {
		addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"16\" "
		    "text-anchor=\"middle\">", LABW + CELLW * (j + 0.5));
		text(p, t->cols[heat[j]].name, strlen(t->cols[heat[j]].name),
		    8);
		add(p, "</text>\n");
	}
	for (size_t r = 0; r < rows; r++) {
		double y = 28 + CELLH * (double)r;

		svg_label(p, t, r, y + CELLH / 2.0);
		for (size_t j = 0; j < cols; j++) {
			double x = LABW + CELLW * (double)j, pct;

			if (!num(t, r, heat[j], &v))
				continue;
			pct = v < 0 ? 0 : v > 100 ? 100 : v;
			addf(p, "<g class=\"h%d\"><rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%d\" height=\"%d\" rx=\"2\"/>"
			    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "dy=\".35em\" text-anchor=\"middle\">",
			    (int)floor(pct / 10 + 0.5), x + 1, y + 1,
			    CELLW - 2, CELLH - 2, x + CELLW / 2.0,
			    y + CELLH / 2.0);
			cell(p, t, r, heat[j], 7);
			add(p, "</text></g>\n");
		}
	}
	add(p, "</svg>\n");
	cut_note(p, rows, t->nrows, "rows");
	if (cols < all)
		addf(p, "<figcaption>The chart shows the first %zu of %zu "
		    "columns; the table has them all.</figcaption>\n", cols,
		    all);
}

/* The chart hints point at columns that exist. */
static bool
chartable(const struct rtable *t)
{
	size_t n = t->ncols;

	switch (t->chart) {
	case CHART_BAR:
	case CHART_FUNNEL:
		return t->label >= 0 && (size_t)t->label < n &&
		    t->value >= 0 && (size_t)t->value < n && t->nrows > 0;
	case CHART_HEATMAP:
		return t->label >= 0 && (size_t)t->label < n &&
		    t->heat_first >= 0 && (size_t)t->heat_first < n &&
		    t->nrows > 0;
	default:
		return false;
	}
}

/* The numbers as a table: what screen readers and copy-paste use. */
static void
numbers(struct page *p, const struct rtable *t)
{
	if (t->ncols == 0) {
		add(p, "<p class=\"note\">No columns.</p>\n");
		return;
	}
	add(p, "<div class=\"scroll\"><table>\n<thead><tr>");
	for (size_t c = 0; c < t->ncols; c++) {
		add(p, fmt_numcol(t, (int)c) ?
		    "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
		texts(p, t->cols[c].name);
		add(p, "</th>");
	}
	add(p, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < t->nrows; r++) {
		add(p, "<tr>");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct rcell *cl = rtable_cell(t, r, (int)c);

			add(p, cl->type == RC_INT || cl->type == RC_NUM ?
			    "<td class=\"num\">" : "<td>");
			cell(p, t, r, (int)c, 0);
			add(p, "</td>");
		}
		add(p, "</tr>\n");
	}
	add(p, "</tbody>\n</table></div>\n");
	if (t->nrows == 0)
		add(p, "<p class=\"note\">No rows.</p>\n");
}

/* --title, else "cdp-report" and the command. */
static void
page_title(struct page *p, const struct report_opts *ro)
{
	if (ro->title != NULL) {
		texts(p, ro->title);
		return;
	}
	add(p, "cdp-report");
	if (ro->cmd != NULL) {
		add(p, " ");
		texts(p, ro->cmd);
	}
}

int
fmt_html(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct page p = { 0 };
	int rc = 0;

	add(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<meta name=\"generator\" content=\"cdp-report\">\n<title>");
	page_title(&p, ro);
	add(&p, "</title>\n<style>\n");
	add(&p, style);
	add(&p, "</style>\n</head>\n<body>\n<main>\n<h1>");
	page_title(&p, ro);
	add(&p, "</h1>\n");
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];

		addf(&p, "<section id=\"t%zu\" aria-labelledby=\"t%zu-h\">\n"
		    "<h2 id=\"t%zu-h\">", k + 1, k + 1, k + 1);
		texts(&p, caption(t));
		add(&p, "</h2>\n");
		if (chartable(t)) {
			add(&p, "<figure>\n");
			if (t->chart == CHART_BAR)
				chart_bar(&p, t, k + 1);
			else if (t->chart == CHART_FUNNEL)
				chart_funnel(&p, t, k + 1);
			else
				chart_heatmap(&p, t, k + 1);
			add(&p, "</figure>\n");
		}
		numbers(&p, t);
		add(&p, "</section>\n");
		if (p.b.len > 65536) {
			rc = cdp_out_write(o, p.b.p, p.b.len, err);
			cdp_buf_reset(&p.b);
		}
	}
	add(&p, "</main>\n</body>\n</html>\n");
	if (rc == 0)
		rc = cdp_out_write(o, p.b.p, p.b.len, err);
	cdp_buf_free(&p.b);
	cdp_buf_free(&p.raw);
	cdp_buf_free(&p.safe);
	return rc;
}
