/*
 * html_chart.c - the charts of the html format, drawn as inline SVG from
 * a table's chart hints: horizontal bars, grouped bars (one colour per
 * series, a legend), a funnel, a heat map with its colour scale, a
 * forest plot of estimates and their intervals, and KPI tiles.  Every
 * chart is an image with a title and a description, scales down with
 * the page (its width is a viewBox), names its axes, and never depends
 * on anything but the table, so the same table gives the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "fmt.h"
#include "html.h"

#define W	HTML_W
#define LABW	HTML_LABW
#define LABCH	HTML_LABCH
#define VALW	HTML_VALW
#define CELLW	58	/* heat map cell */
#define CELLH	26
#define AXISH	HTML_AXISH
#define NCOLOURS 10	/* series colours s0..s9, then again */

static size_t
drawn(const struct rtable *t)
{
	return t->nrows < HTML_MAXDRAW ? t->nrows : HTML_MAXDRAW;
}

static void
extent(const struct rtable *t, size_t rows, const int *cols, int ncols,
    double *maxpos, double *maxneg)
{
	double v;

	*maxpos = *maxneg = 0;
	for (size_t r = 0; r < rows; r++)
		for (int i = 0; i < ncols; i++)
			if (html_num(t, r, cols[i], &v)) {
				if (v > *maxpos)
					*maxpos = v;
				if (-v > *maxneg)
					*maxneg = -v;
			}
}

/*
 * Horizontal bars, one per row, scaled so that the longest bar is the
 * largest |value|; negative values go left of the zero line in their own
 * colour, and every value is printed at the end of its bar.
 */
static void
chart_bar(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t);
	double maxpos, maxneg, h;
	struct html_scale s;

	extent(t, rows, &t->value, 1, &maxpos, &maxneg);
	s = html_bar_scale(maxpos, maxneg);
	h = 8 + 26.0 * (double)rows + 8 + AXISH;
	html_svg_open(p, k, W, h, t);
	html_add(p, "Horizontal bar chart of ");
	html_texts(p, t->cols[t->value].name);
	html_add(p, " by ");
	html_texts(p, t->cols[t->label].name);
	html_addf(p, ", %zu bar%s", rows, rows == 1 ? "" : "s");
	if (rows < t->nrows)
		html_addf(p, " (the first %zu of %zu rows)", rows, t->nrows);
	html_add(p, ".</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + 26.0 * (double)r;

		html_svg_label(p, t, r, y + 13);
		html_bar(p, t, r, t->value, &s, y + 4, 18, "bar");
	}
	html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", s.zero, s.zero, h - AXISH - 4);
	html_axis_title(p, t, t->value, s.zero - s.plot * maxneg / s.span,
	    s.zero + s.plot * maxpos / s.span, h - 6);
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "rows");
}

/* A legend of the series: a swatch in each series' colour and its name
 * (the column names without the ending they share, such as
 * "_conversions"). */
static void
legend(struct page *p, const struct rtable *t)
{
	size_t common = 0;
	const char *first = t->cols[t->series[0]].name;
	size_t flen = strlen(first);

	/* The longest ending from an underscore that every name has. */
	for (size_t i = flen; i-- > 0;) {
		bool all = first[i] == '_';

		for (int j = 1; j < t->nseries && all; j++) {
			const char *n = t->cols[t->series[j]].name;
			size_t len = strlen(n);

			all = len > flen - i && strcmp(n + len - (flen - i),
			    first + i) == 0;
		}
		if (all && i > 0)
			common = flen - i;
	}
	html_add(p, "<ul class=\"legend\">");
	for (int j = 0; j < t->nseries; j++) {
		const char *n = t->cols[t->series[j]].name;

		html_addf(p, "<li><svg class=\"sw\" viewBox=\"0 0 10 10\" "
		    "aria-hidden=\"true\"><rect class=\"s%d\" width=\"10\" "
		    "height=\"10\" rx=\"2\"/></svg>", j % NCOLOURS);
		html_text(p, n, strlen(n) - common, 0);
		html_add(p, "</li>");
	}
	html_add(p, "</ul>\n");
}

/*
 * Grouped bars: per row a group of bars, one per series column, each in
 * its series' colour, all on one scale, with a legend above.
 */
static void
chart_grouped(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t);
	int ns = t->nseries;
	double maxpos, maxneg, gh = 14.0 * ns + 12, h;
	struct html_scale s;

	extent(t, rows, t->series, ns, &maxpos, &maxneg);
	s = html_bar_scale(maxpos, maxneg);
	h = 8 + gh * (double)rows + 4 + AXISH;
	legend(p, t);
	html_svg_open(p, k, W, h, t);
	html_addf(p, "Grouped horizontal bar chart of %d series by ", ns);
	html_texts(p, t->cols[t->label].name);
	html_addf(p, ", %zu group%s", rows, rows == 1 ? "" : "s");
	if (rows < t->nrows)
		html_addf(p, " (the first %zu of %zu rows)", rows, t->nrows);
	html_add(p, "; a colour per series, as the legend says.</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + gh * (double)r;
		char cls[8];

		if (r > 0)
			html_addf(p, "<line class=\"grid\" x1=\"0\" y1=\"%.1f\" "
			    "x2=\"%d\" y2=\"%.1f\"/>\n", y - 3, W, y - 3);
		html_svg_label(p, t, r, y + gh / 2 - 6);
		for (int j = 0; j < ns; j++) {
			snprintf(cls, sizeof(cls), "s%d", j % NCOLOURS);
			html_bar(p, t, r, t->series[j], &s, y + 14.0 * j, 11,
			    cls);
		}
	}
	html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", s.zero, s.zero, h - AXISH - 4);
	html_axis_title(p, t, t->series[0], s.zero - s.plot * maxneg / s.span,
	    s.zero + s.plot * maxpos / s.span, h - 6);
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "rows");
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
	size_t rows = drawn(t);
	double first = 0, top = 0, v, plot = W - LABW - 150, mid, h;
	double px1 = 0, px2 = 0;
	char pct[32];

	if (rows > 0 && html_num(t, 0, t->value, &v) && v > 0)
		first = v;
	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->value, &v) && v > top)
			top = v;
	mid = LABW + plot / 2;
	h = 8 + 36.0 * (double)rows + 4;
	html_svg_open(p, k, W, h, t);
	html_addf(p, "Funnel of %zu step%s by ", rows, rows == 1 ? "" : "s");
	html_texts(p, t->cols[t->value].name);
	if (rows > 0) {
		html_add(p, ", from ");
		html_cell(p, t, 0, t->value, 0);
		html_add(p, " at ");
		html_cell(p, t, 0, t->label, 0);
		html_add(p, " to ");
		html_cell(p, t, rows - 1, t->value, 0);
		html_add(p, " at ");
		html_cell(p, t, rows - 1, t->label, 0);
		if (html_num(t, rows - 1, t->value, &v)) {
			share(pct, sizeof(pct), v, first);
			if (pct[0] != '\0')
				html_addf(p, " (%s of the first step)", pct);
		}
	}
	if (rows < t->nrows)
		html_addf(p, "; the first %zu of %zu steps", rows, t->nrows);
	html_add(p, ".</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + 36.0 * (double)r, w = 0;

		if (html_num(t, r, t->value, &v) && v > 0 && top > 0)
			w = plot * v / top;
		/* The band from the step above narrows into this one. */
		if (r > 0)
			html_addf(p, "<polygon class=\"conn\" points=\"%.1f,%.1f "
			    "%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n", px1, y - 8,
			    px2, y - 8, mid + w / 2, y, mid - w / 2, y);
		html_svg_label(p, t, r, y + 14);
		if (w > 0)
			html_addf(p, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"28\" rx=\"2\"/>\n",
			    mid - w / 2, y, w);
		px1 = mid - w / 2;
		px2 = mid + w / 2;
		html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">", LABW + plot + 12, y + 14);
		if (html_num(t, r, t->value, &v)) {
			html_cell(p, t, r, t->value, 14);
			share(pct, sizeof(pct), v, first);
			if (pct[0] != '\0')
				html_addf(p, "<tspan class=\"muted\"> \xc2\xb7 "
				    "%s</tspan>", pct);
		} else
			html_add(p, "<tspan class=\"muted\">no value</tspan>");
		html_add(p, "</text>\n");
	}
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "steps");
}

/* The heat map's columns: heat[0..*cols) drawn, *all in the table. */
static void
heat_columns(const struct rtable *t, int *heat, size_t *cols, size_t *all)
{
	*cols = *all = 0;
	for (size_t c = (size_t)t->heat_first; c < t->ncols; c++)
		if ((int)c != t->label) {
			if (*cols < HTML_MAXDRAW)
				heat[(*cols)++] = (int)c;
			(*all)++;
		}
}

/* The range of the values that set the colours: the drawn cells of the
 * columns from heat_scale on (all of them when it is not set). */
static void
heat_range(const struct rtable *t, const int *heat, size_t cols,
    size_t rows, double *lo, double *hi)
{
	int from = t->heat_scale > t->heat_first ? t->heat_scale :
	    t->heat_first;
	bool any = false;
	double v;

	*lo = *hi = 0;
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < cols; j++)
			if (heat[j] >= from && html_num(t, r, heat[j], &v)) {
				if (!any || v < *lo)
					*lo = v;
				if (!any || v > *hi)
					*hi = v;
				any = true;
			}
}

/* The colour scale under the heat map: 11 swatches from lo to hi. */
static void
heat_legend(struct page *p, const struct rtable *t, int col, double y,
    double lo, double hi)
{
	html_addf(p, "<text class=\"muted\" x=\"%d\" y=\"%.1f\" dy=\".35em\" "
	    "text-anchor=\"end\">", LABW - 8, y + 6);
	html_num_as(p, t, col, lo);
	html_add(p, "</text>\n");
	for (int i = 0; i <= 10; i++)
		html_addf(p, "<g class=\"h%d\"><rect x=\"%d\" y=\"%.1f\" "
		    "width=\"18\" height=\"12\"/></g>\n", i, LABW + 18 * i, y);
	html_addf(p, "<text class=\"muted\" x=\"%d\" y=\"%.1f\" "
	    "dy=\".35em\">", LABW + 18 * 11 + 6, y + 6);
	html_num_as(p, t, col, hi);
	html_add(p, "</text>\n");
}

/*
 * Heat map: a row per table row, a cell per column from heat_first on,
 * with the number inside; the colour steps through eleven shades from
 * the smallest to the largest value of the columns from heat_scale on,
 * so that a 100% period 0 does not wash out every other cell (those
 * columns are drawn neutral); a null cell stays blank.
 */
static void
chart_heatmap(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t), all, cols;
	int heat[HTML_MAXDRAW];
	int from = t->heat_scale > t->heat_first ? t->heat_scale :
	    t->heat_first;
	double w, h, v, lo, hi, gridh;

	heat_columns(t, heat, &cols, &all);
	heat_range(t, heat, cols, rows, &lo, &hi);
	gridh = 28 + CELLH * (double)rows;
	w = LABW + CELLW * (double)(cols > 11 ? cols : 11) + 60;
	h = gridh + 8 + 14 + 6 + AXISH;
	html_svg_open(p, k, w, h, t);
	html_addf(p, "Heat map of %zu row%s by %zu column%s", rows,
	    rows == 1 ? "" : "s", cols, cols == 1 ? "" : "s");
	if (cols > 0) {
		html_add(p, " (");
		html_texts(p, t->cols[heat[0]].name);
		if (cols > 1) {
			html_add(p, " to ");
			html_texts(p, t->cols[heat[cols - 1]].name);
		}
		html_add(p, ")");
	}
	html_add(p, "; a stronger colour is a higher value, from ");
	html_num_as(p, t, from, lo);
	html_add(p, " to ");
	html_num_as(p, t, from, hi);
	if (from > t->heat_first) {
		html_add(p, " in the columns from ");
		html_texts(p, t->cols[from].name);
		html_add(p, " on; the columns before are drawn grey");
	}
	html_add(p, ".</desc>\n");
	html_addf(p, "<text class=\"axt\" x=\"%d\" y=\"16\" "
	    "text-anchor=\"end\">", LABW - 8);
	html_texts(p, t->cols[t->label].name);
	html_add(p, "</text>\n");
	for (size_t j = 0; j < cols; j++) {
		html_addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"16\" "
		    "text-anchor=\"middle\">", LABW + CELLW * (j + 0.5));
		html_text(p, t->cols[heat[j]].name,
		    strlen(t->cols[heat[j]].name), 8);
		html_add(p, "</text>\n");
	}
	for (size_t r = 0; r < rows; r++) {
		double y = 28 + CELLH * (double)r;

		html_svg_label(p, t, r, y + CELLH / 2.0);
		for (size_t j = 0; j < cols; j++) {
			double x = LABW + CELLW * (double)j;
			char cls[8];

			if (!html_num(t, r, heat[j], &v))
				continue;
			if (heat[j] < from)
				snprintf(cls, sizeof(cls), "hd");
			else
				snprintf(cls, sizeof(cls), "h%d", hi > lo ?
				    (int)floor((v - lo) / (hi - lo) * 10 +
				    0.5) : 10);
			html_addf(p, "<g class=\"%s\"><rect x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"2\"/>"
			    "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "dy=\".35em\" text-anchor=\"middle\">", cls, x + 1,
			    y + 1, CELLW - 2, CELLH - 2, x + CELLW / 2.0,
			    y + CELLH / 2.0);
			html_cell(p, t, r, heat[j], 7);
			html_add(p, "</text></g>\n");
		}
	}
	heat_legend(p, t, from, gridh + 8, lo, hi);
	if (t->unit != NULL) {
		html_addf(p, "<text class=\"axt\" x=\"%d\" y=\"%.1f\">", LABW,
		    h - 6);
		html_texts(p, t->unit);
		html_add(p, "</text>\n");
	}
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "rows");
	if (cols < all)
		html_addf(p, "<figcaption>The chart shows the first %zu of %zu "
		    "columns; the table has them all.</figcaption>\n", cols,
		    all);
}

/*
 * Forest plot: a row per table row, its estimate (column value) as a
 * square and its interval (lo to hi) as a line, on one axis with the
 * zero line dashed and the ends of the axis labelled; the estimate and
 * interval are also printed at the right.
 */
static void
chart_forest(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t);
	double lo = 0, hi = 0, v, a, b, plot = W - LABW - 170, h, pad;
	int cols[3] = { t->value, t->lo, t->hi };

	for (size_t r = 0; r < rows; r++)
		for (int i = 0; i < 3; i++)
			if (html_num(t, r, cols[i], &v)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
	pad = (hi - lo) * 0.05 + (hi > lo ? 0 : 1);
	lo -= pad;
	hi += pad;
#define X(v)	(LABW + plot * ((v) - lo) / (hi - lo))
	h = 8 + 24.0 * (double)rows + 22 + AXISH;
	html_svg_open(p, k, W, h, t);
	html_add(p, "Forest plot of ");
	html_texts(p, t->cols[t->value].name);
	html_add(p, " with its interval (");
	html_texts(p, t->cols[t->lo].name);
	html_add(p, " to ");
	html_texts(p, t->cols[t->hi].name);
	html_addf(p, ") for %zu row%s", rows, rows == 1 ? "" : "s");
	if (rows < t->nrows)
		html_addf(p, " (the first %zu of %zu)", rows, t->nrows);
	html_add(p, "; the dashed line is zero.</desc>\n");
	html_addf(p, "<line class=\"zero\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", X(0), X(0), h - AXISH - 18);
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + 24.0 * (double)r + 12;

		html_svg_label(p, t, r, y);
		if (html_num(t, r, t->lo, &a) && html_num(t, r, t->hi, &b))
			html_addf(p, "<line class=\"ci\" x1=\"%.1f\" y1=\"%.1f\" "
			    "x2=\"%.1f\" y2=\"%.1f\"/>\n", X(a), y, X(b), y);
		if (html_num(t, r, t->value, &v))
			html_addf(p, "<rect class=\"bar\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"8\" height=\"8\"/>\n",
			    X(v) - 4, y - 4);
		html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">", LABW + plot + 10, y);
		html_cell(p, t, r, t->value, 10);
		html_add(p, " [");
		html_cell(p, t, r, t->lo, 10);
		html_add(p, ", ");
		html_cell(p, t, r, t->hi, 10);
		html_add(p, "]</text>\n");
	}
	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", LABW, h - AXISH - 16, LABW + plot,
	    h - AXISH - 16);
	html_addf(p, "<text class=\"muted\" x=\"%d\" y=\"%.1f\">", LABW,
	    h - AXISH - 4);
	html_num_as(p, t, t->value, lo);
	html_addf(p, "</text>\n<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"middle\">0</text>\n<text class=\"muted\" "
	    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", X(0), h - AXISH - 4,
	    LABW + plot, h - AXISH - 4);
	html_num_as(p, t, t->value, hi);
	html_add(p, "</text>\n");
	html_axis_title(p, t, t->value, LABW, LABW + plot, h - 6);
#undef X
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "rows");
}

/* KPI tiles: each number of the one row, big, with its column's name. */
static void
kpis(struct page *p, const struct rtable *t)
{
	double v;

	html_add(p, "<ul class=\"kpis\">\n");
	for (size_t c = 0; c < t->ncols; c++) {
		if (!html_num(t, 0, (int)c, &v))
			continue;
		html_add(p, "<li class=\"kpi\"><b>");
		html_cell(p, t, 0, (int)c, 0);
		html_add(p, "</b><span>");
		html_texts(p, t->cols[c].name);
		html_add(p, "</span></li>\n");
	}
	html_add(p, "</ul>\n");
}

/* Is c a column of t? */
static bool
in(const struct rtable *t, int c)
{
	return c >= 0 && (size_t)c < t->ncols;
}

bool
html_chartable(const struct rtable *t)
{
	int n = (int)t->ncols;
	bool lab = t->label >= 0 && t->label < n && t->nrows > 0;

	switch (t->chart) {
	case CHART_BAR:
	case CHART_FUNNEL:
		return lab && t->value >= 0 && t->value < n;
	case CHART_HEATMAP:
		return lab && t->heat_first >= 0 && t->heat_first < n;
	case CHART_GROUPED:
		if (!lab || t->nseries < 1)
			return false;
		for (int i = 0; i < t->nseries; i++)
			if (t->series[i] < 0 || t->series[i] >= n)
				return false;
		return true;
	case CHART_FOREST:
		return lab && t->value >= 0 && t->value < n && t->lo >= 0 &&
		    t->lo < n && t->hi >= 0 && t->hi < n;
	case CHART_KPI:
		return t->nrows == 1;
	case CHART_LEVELS:
		return lab && in(t, t->value) && in(t, t->aux) &&
		    t->nseries == 2 && in(t, t->series[0]) &&
		    in(t, t->series[1]);
	case CHART_HISTOGRAM:
		return t->nrows > 0 && in(t, t->lo) && in(t, t->hi) &&
		    in(t, t->value) && (t->nseries == 0 ||
		    in(t, t->series[0]));
	case CHART_WATERFALL:
		return lab && in(t, t->value) && in(t, t->hi);
	case CHART_LINES:
		if (!lab || !in(t, t->value) || t->nseries < 1)
			return false;
		for (int i = 0; i < t->nseries; i++)
			if (!in(t, t->series[i]))
				return false;
		return true;
	default:
		return false;
	}
}

void
html_chart(struct page *p, const struct rtable *t, size_t k)
{
	if (t->chart == CHART_KPI) {
		kpis(p, t);
		return;
	}
	html_add(p, "<figure>\n");
	switch (t->chart) {
	case CHART_BAR:
		chart_bar(p, t, k);
		break;
	case CHART_FUNNEL:
		chart_funnel(p, t, k);
		break;
	case CHART_GROUPED:
		chart_grouped(p, t, k);
		break;
	case CHART_FOREST:
		chart_forest(p, t, k);
		break;
	case CHART_LEVELS:
		html_chart_levels(p, t, k);
		break;
	case CHART_HISTOGRAM:
		html_chart_histogram(p, t, k);
		break;
	case CHART_WATERFALL:
		html_chart_waterfall(p, t, k);
		break;
	case CHART_LINES:
		html_chart_lines(p, t, k);
		break;
	default:
		chart_heatmap(p, t, k);
		break;
	}
	html_add(p, "</figure>\n");
}
