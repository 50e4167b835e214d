/*
 * html_plot.c - the charts of a record-linkage model and its evaluation,
 * drawn as inline SVG like the others (html_chart.c): the match weight
 * and the m and u of each level, grouped by comparison (as Splink draws
 * a model); a histogram of the pairs' match weights; a waterfall of one
 * pair's weights from the prior to its total; and lines of precision,
 * recall and F1 over the thresholds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "fmt.h"
#include "html.h"

#define W	HTML_W
#define LABW	HTML_LABW
#define ROWH	22	/* a level's row, a comparison's heading */

/* The series colours of the style sheet's .s0 to .s9 (Tableau 10), for
 * the strokes of lines, which those classes do not set. */
static const char *const colour[] = { "#4e79a7", "#f28e2b", "#e15759",
	"#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
	"#bab0ac" };
#define NCOLOURS	(sizeof(colour) / sizeof(colour[0]))

static size_t
drawn(const struct rtable *t, size_t max)
{
	return t->nrows < max ? t->nrows : max;
}

/* The text of cell (r, c) when it is text, else "". */
static const char *
text_of(const struct rtable *t, size_t r, int c)
{
	const struct rcell *cl = rtable_cell(t, r, c);

	return cl->type == RC_STR ? rtable_text(t, cl) : "";
}

/* The JSON text of cell (r, c), which is RC_JSON. */
static const char *
text_of_json(const struct rtable *t, size_t r, int c)
{
	return rtable_text(t, rtable_cell(t, r, c));
}

/* A step of 1, 2 or 5 times a power of 10 that cuts span into at most n
 * parts. */
static double
nice_step(double span, int n)
{
	double s, base;

	if (!(span > 0))
		return 1;
	base = pow(10, floor(log10(span / n)));
	for (s = base; s * n < span; )
		s = s == base ? 2 * base : s == 2 * base ? 5 * base : 10 * base;
	return s;
}

/* A number at a tick: d decimals, thousands separated. */
static void
tick(struct page *p, double v, int d)
{
	cdp_buf_reset(&p->raw);
	if (report_fmt_num(&p->raw, v, d, false) == -1)
		cdp_oom(0);
	html_text(p, p->raw.p != NULL ? p->raw.p : "", p->raw.len, 0);
}

/* The decimals a tick step needs: 0.25 two, 5 none. */
static int
step_decimals(double step)
{
	int d = 0;

	while (d < 6 && fabs(step * pow(10, d) - nearbyint(step *
	    pow(10, d))) > 1e-9)
		d++;
	return d;
}

/* A legend of names[0..n): a swatch of colour cols[j] (j without
 * cols; a line with lines, dashed from dashed on, in the colours
 * again), as the series are drawn. */
static void
legend(struct page *p, const char *const *names, int n, const int *cols,
    bool lines, int dashed)
{
	html_add(p, "<ul class=\"legend\">");
	for (int j = 0; j < n; j++) {
		size_t c = (size_t)(cols != NULL ? cols[j] : dashed > 0 ?
		    j % dashed : j) % NCOLOURS;

		html_add(p, "<li><svg class=\"sw\" viewBox=\"0 0 10 10\" "
		    "aria-hidden=\"true\">");
		if (lines)
			html_addf(p, "<line x1=\"0\" y1=\"5\" x2=\"10\" y2=\"5\" "
			    "stroke=\"%s\" stroke-width=\"2\"%s/>", colour[c],
			    j >= dashed ? " stroke-dasharray=\"3 2\"" : "");
		else
			html_addf(p, "<rect class=\"s%zu\" width=\"10\" "
			    "height=\"10\" rx=\"2\"/>", c);
		html_add(p, "</svg>");
		html_texts(p, names[j]);
		html_add(p, "</li>");
	}
	html_add(p, "</ul>\n");
}

/* ---- the model: weights, m and u per level ---- */

/* Does row r start a comparison (its heading is drawn)?  Not the prior,
 * whose level is named as its comparison. */
static bool
heading(const struct rtable *t, size_t r)
{
	const char *c = text_of(t, r, t->aux);

	if (strcmp(c, text_of(t, r, t->label)) == 0)
		return false;
	return r == 0 || strcmp(c, text_of(t, r - 1, t->aux)) != 0;
}

static void
heading_text(struct page *p, const struct rtable *t, size_t r, double y)
{
	html_addf(p, "<text x=\"8\" y=\"%.1f\" dy=\".35em\" "
	    "font-weight=\"600\">", y);
	html_cell(p, t, r, t->aux, 40);
	html_add(p, "</text>\n");
}

/* The rows drawn and the height they take, headings included; with mu,
 * only the rows that have an m or a u. */
static double
levels_height(const struct rtable *t, size_t rows, bool mu)
{
	double h = 0, v;

	for (size_t r = 0; r < rows; r++) {
		if (mu && !html_num(t, r, t->series[0], &v) &&
		    !html_num(t, r, t->series[1], &v))
			continue;
		h += ROWH * (1 + heading(t, r));
	}
	return h;
}

/* The match weight of each level: a bar from zero, positive to the
 * right, under its comparison's heading. */
static void
levels_weights(struct page *p, const struct rtable *t, size_t k,
    size_t rows)
{
	double maxpos = 0, maxneg = 0, v, y = 8, h;
	struct html_scale s;

	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->value, &v)) {
			maxpos = v > maxpos ? v : maxpos;
			maxneg = -v > maxneg ? -v : maxneg;
		}
	s = html_bar_scale(maxpos, maxneg);
	h = 8 + levels_height(t, rows, false) + 8 + HTML_AXISH;
	html_svg_open(p, k, W, h, t);
	html_addf(p, "The %s of each of %zu levels, grouped by ",
	    t->cols[t->value].name, rows);
	html_texts(p, t->cols[t->aux].name);
	html_add(p, ": a bar from zero, to the right for evidence of a "
	    "match, to the left against");
	if (t->hi >= 0)
		html_add(p, "; levels marked by value (tf) weigh each value by "
		    "its frequency, around the bar's average");
	html_add(p, ".</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		if (heading(t, r)) {
			heading_text(p, t, r, y + ROWH / 2.0);
			y += ROWH;
		}
		html_svg_label(p, t, r, y + ROWH / 2.0);
		html_bar(p, t, r, t->value, &s, y + 3, ROWH - 6, "bar");
		if (t->hi >= 0 && rtable_cell(t, r, t->hi)->type == RC_JSON &&
		    strcmp(text_of_json(t, r, t->hi), "true") == 0)
			html_addf(p, "<text class=\"muted\" x=\"%d\" "
			    "y=\"%.1f\" dy=\".35em\" text-anchor=\"end\">"
			    "by value (tf)</text>\n", W - 2, y + ROWH / 2.0);
		y += ROWH;
	}
	html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", s.zero, s.zero, y + 4);
	html_axis_title(p, t, t->value, s.zero - s.plot * maxneg / s.span,
	    s.zero + s.plot * maxpos / s.span, h - 6);
	html_add(p, "</svg>\n");
}

/* A thin bar of share v (0 to 1) of cell (r, c) at y, its value at its
 * end. */
static void
share_bar(struct page *p, const struct rtable *t, size_t r, int c,
    int series, double plot, double y)
{
	double v, len;

	if (!html_num(t, r, c, &v))
		return;
	len = plot * (v < 0 ? 0 : v > 1 ? 1 : v);
	html_addf(p, "<rect class=\"s%d\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"7\"/>\n<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
	    "dy=\".35em\" font-size=\"10\">", series, LABW,
	    y, len < 1 ? 1 : len, LABW + (len < 1 ? 1 : len) + 4, y + 3.5);
	html_cell(p, t, r, c, 12);
	html_add(p, "</text>\n");
}

/* m and u of each level side by side on one scale from 0 to 1. */
static void
levels_mu(struct page *p, const struct rtable *t, size_t k, size_t rows)
{
	const char *names[2] = { t->cols[t->series[0]].name,
	    t->cols[t->series[1]].name };
	double plot = W - LABW - HTML_VALW, y = 8, h, v;
	char id[40];

	h = 8 + levels_height(t, rows, true) + 22 + HTML_AXISH;
	legend(p, names, 2, NULL, false, 0);
	snprintf(id, sizeof(id), "t%zu-mu", k);
	html_svg_begin(p, id, W, h, "m and u of each level");
	html_add(p, "Two bars per level on a scale from 0 to 1: ");
	html_texts(p, names[0]);
	html_add(p, ", the share of the matching pairs at that level, and ");
	html_texts(p, names[1]);
	html_add(p, ", the share of the other pairs.</desc>\n");
	for (size_t r = 0; r < rows; r++) {
		if (!html_num(t, r, t->series[0], &v) &&
		    !html_num(t, r, t->series[1], &v))
			continue;
		if (heading(t, r)) {
			heading_text(p, t, r, y + ROWH / 2.0);
			y += ROWH;
		}
		html_svg_label(p, t, r, y + ROWH / 2.0);
		share_bar(p, t, r, t->series[0], 0, plot, y + 2);
		share_bar(p, t, r, t->series[1], 1, plot, y + 11);
		y += ROWH;
	}
	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"4\" x2=\"%d\" "
	    "y2=\"%.1f\"/>\n<text class=\"muted\" x=\"%d\" y=\"%.1f\" "
	    "text-anchor=\"middle\">0</text>\n<text class=\"muted\" "
	    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">1</text>\n<line "
	    "class=\"grid\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	    LABW, LABW, y + 2, LABW, y + 14, LABW + plot, y + 14, LABW + plot,
	    LABW + plot, y + 2);
	html_addf(p, "<text class=\"axt\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"middle\">share of the pairs at the level</text>\n"
	    "</svg>\n", LABW + plot / 2, h - 6);
}

void
html_chart_levels(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t, HTML_MAXDRAW);

	levels_weights(p, t, k, rows);
	levels_mu(p, t, k, rows);
	html_cut_note(p, rows, t->nrows, "levels");
}

/* ---- a histogram of weights ---- */

#define HIST_MAX	100	/* bins drawn */
#define HX0		64	/* the plot's left edge: room for counts */
#define HPH		200	/* the plot's height */

void
html_chart_histogram(struct page *p, const struct rtable *t, size_t k)
{
	size_t bins = drawn(t, HIST_MAX);
	double xmin = 0, xmax = 1, ymax = 0, v, part, step, top, base = 10 + HPH;
	double plot = W - HX0 - 16, h = base + 24 + HTML_AXISH;
	const char *names[2];
	static const int cols[2] = { 0, 9 };
	char other[80];
	int d;

	(void)html_num(t, 0, t->lo, &xmin);
	if (!html_num(t, bins - 1, t->hi, &xmax) || !(xmax > xmin))
		xmax = xmin + 1;
	for (size_t r = 0; r < bins; r++)
		if (html_num(t, r, t->value, &v) && v > ymax)
			ymax = v;
	step = nice_step(ymax, 5);
	top = ceil(ymax / step) * step;
	if (!(top > 0))
		top = 1;
#define X(v)	(HX0 + plot * ((v) - xmin) / (xmax - xmin))
#define Y(v)	(base - HPH * (v) / top)
	if (t->nseries > 0) {
		snprintf(other, sizeof(other), "other %s",
		    t->cols[t->value].name);
		names[0] = t->cols[t->series[0]].name;
		names[1] = other;
		legend(p, names, 2, cols, false, 0);
	}
	html_svg_open(p, k, W, h, t);
	html_add(p, "Histogram of ");
	html_texts(p, t->cols[t->value].name);
	html_addf(p, " in %zu bins from ", bins);
	html_num_as(p, t, t->lo, xmin);
	html_add(p, " to ");
	html_num_as(p, t, t->hi, xmax);
	if (t->nseries > 0) {
		html_add(p, "; the ");
		html_texts(p, names[0]);
		html_add(p, " at the foot of each bin in their own colour");
	}
	html_add(p, ".</desc>\n");
	for (double g = 0; g <= top + step / 2; g += step) {
		html_addf(p, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%d\" y=\"%.1f\" dy=\".35em\" text-anchor=\"end\">",
		    HX0, Y(g), HX0 + plot, Y(g), HX0 - 6, Y(g));
		tick(p, g, step_decimals(step));
		html_add(p, "</text>\n");
	}
	for (size_t r = 0; r < bins; r++) {
		double a, b, w;

		if (!html_num(t, r, t->lo, &a) || !html_num(t, r, t->hi, &b) ||
		    !html_num(t, r, t->value, &v) || !(v > 0))
			continue;
		w = X(b) - X(a) - 1;
		w = w < 1 ? 1 : w;
		part = 0;
		if (t->nseries > 0 && html_num(t, r, t->series[0], &part))
			part = part < 0 ? 0 : part > v ? v : part;
		if (v > part)
			html_addf(p, "<rect class=\"s9\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>\n", X(a), Y(v), w,
			    Y(part) - Y(v) < 1 ? 1 : Y(part) - Y(v));
		if (part > 0)
			html_addf(p, "<rect class=\"s0\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>\n", X(a), Y(part),
			    w, base - Y(part) < 1 ? 1 : base - Y(part));
	}
	step = nice_step(xmax - xmin, 10);
	d = step_decimals(step);
	for (double x = ceil(xmin / step) * step; x <= xmax + 1e-9; x += step) {
		html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", X(x), base,
		    X(x), base + 4, X(x), base + 16);
		tick(p, x, d);
		html_add(p, "</text>\n");
	}
	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", HX0, base, HX0 + plot, base);
	html_axis_title(p, t, t->lo, HX0, HX0 + plot, h - 6);
#undef X
#undef Y
	html_add(p, "</svg>\n");
	html_cut_note(p, bins, t->nrows, "bins");
}

/* ---- a waterfall ---- */

#define WROWH	26
#define WNOTEW	200	/* the weights and levels at the right */

void
html_chart_waterfall(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t, HTML_MAXDRAW);
	double lo = 0, hi = 0, plot = W - LABW - WNOTEW, h, w, e, pad;
	double last = NAN, axis, step;
	int d;

	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->hi, &e)) {
			lo = e < lo ? e : lo;
			hi = e > hi ? e : hi;
			if (html_num(t, r, t->value, &w)) {
				lo = e - w < lo ? e - w : lo;
				hi = e - w > hi ? e - w : hi;
			}
		}
	pad = (hi - lo) * 0.03 + (hi > lo ? 0 : 1);
	lo -= pad;
	hi += pad;
#define X(v)	(LABW + plot * ((v) - lo) / (hi - lo))
	h = 8 + WROWH * (double)rows + 22 + HTML_AXISH;
	html_svg_open(p, k, W, h, t);
	html_addf(p, "Waterfall of %zu steps: each adds its ", rows);
	html_texts(p, t->cols[t->value].name);
	html_add(p, " (a bar to the right, or to the left when negative) to "
	    "the running ");
	html_texts(p, t->cols[t->hi].name);
	if (rows > 0 && html_num(t, rows - 1, t->hi, &e)) {
		html_add(p, ", which ends at ");
		html_cell(p, t, rows - 1, t->hi, 0);
	}
	html_add(p, "; the dashed line is zero.</desc>\n");
	html_addf(p, "<line class=\"zero\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", X(0), X(0), h - HTML_AXISH - 18);
	for (size_t r = 0; r < rows; r++) {
		double y = 8 + WROWH * (double)r, a;

		html_svg_label(p, t, r, y + WROWH / 2.0);
		if (html_num(t, r, t->hi, &e) && html_num(t, r, t->value, &w)) {
			a = e - w;
			/* The step starts where the one before ended. */
			if (!isnan(last) && fabs(last - a) < 1e-9)
				html_addf(p, "<line class=\"grid\" x1=\"%.1f\" "
				    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
				    X(a), y - 4, X(a), y + 4);
			html_addf(p, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%d\" rx=\"2\"/>\n",
			    w < 0 ? "neg" : "bar", X(a < e ? a : e), y + 4,
			    fabs(X(e) - X(a)) < 1 ? 1 : fabs(X(e) - X(a)),
			    WROWH - 8);
			last = e;
		}
		html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">", LABW + plot + 10, y + WROWH / 2.0);
		html_cell(p, t, r, t->value, 10);
		if (t->aux >= 0 && rtable_cell(t, r, t->aux)->type !=
		    RC_NULL) {
			html_add(p, "<tspan class=\"muted\"> ");
			html_cell(p, t, r, t->aux, 18);
			html_add(p, "</tspan>");
		}
		html_add(p, "</text>\n");
	}
	axis = h - HTML_AXISH - 16;
	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", LABW, axis, LABW + plot, axis);
	step = nice_step(hi - lo, 6);
	d = step_decimals(step);
	for (double x = ceil(lo / step) * step; x <= hi + 1e-9; x += step) {
		html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", X(x),
		    axis, X(x), axis + 4, X(x), axis + 15);
		tick(p, x, d);
		html_add(p, "</text>\n");
	}
	html_axis_title(p, t, t->hi, LABW, LABW + plot, h - 6);
#undef X
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "steps");
}

/* ---- lines over a numeric x ---- */

#define LX0	56	/* the plot's left edge: room for the y ticks */
#define LPH	220

void
html_chart_lines(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t, HTML_MAXDRAW);
	const char *names[RT_MAXSERIES];
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY;
	double ymax = -INFINITY, v, x, step, lo, hi, lastx = -INFINITY;
	double plot = W - LX0 - 24, base = 10 + LPH, h = base + 26 + HTML_AXISH;
	int ns = t->nseries, solid = t->nsolid > 0 ? t->nsolid : ns, d;

	for (size_t r = 0; r < rows; r++) {
		if (!html_num(t, r, t->value, &x))
			continue;
		xmin = x < xmin ? x : xmin;
		xmax = x > xmax ? x : xmax;
		for (int j = 0; j < ns; j++)
			if (html_num(t, r, t->series[j], &v)) {
				ymin = v < ymin ? v : ymin;
				ymax = v > ymax ? v : ymax;
			}
	}
	if (!(xmax > xmin)) {
		xmin = isfinite(xmin) ? xmin - 1 : 0;
		xmax = xmin + 2;
	}
	if (!(ymax >= ymin)) {
		ymin = 0;
		ymax = 1;
	}
	step = nice_step(ymax - ymin > 0 ? ymax - ymin : 1, 6);
	lo = floor(ymin / step) * step;
	hi = ceil(ymax / step) * step;
	if (!(hi > lo))
		hi = lo + step;
#define X(v)	(LX0 + 8 + (plot - 16) * ((v) - xmin) / (xmax - xmin))
#define Y(v)	(base - LPH * ((v) - lo) / (hi - lo))
	for (int j = 0; j < ns; j++)
		names[j] = t->cols[t->series[j]].name;
	legend(p, names, ns, NULL, true, solid);
	html_svg_open(p, k, W, h, t);
	html_addf(p, "Lines of %d series by ", ns);
	html_texts(p, t->cols[t->label].name);
	html_addf(p, ", %zu points, placed by ", rows);
	html_texts(p, t->cols[t->value].name);
	if (solid < ns)
		html_addf(p, "; the last %d dashed, in the colours of the "
		    "first", ns - solid);
	html_add(p, ".</desc>\n");
	d = step_decimals(step);
	for (double g = lo; g <= hi + step / 2; g += step) {
		html_addf(p, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%d\" y=\"%.1f\" dy=\".35em\" text-anchor=\"end\">",
		    LX0, Y(g), LX0 + plot, Y(g), LX0 - 6, Y(g));
		tick(p, g, d);
		html_add(p, "</text>\n");
	}
	for (size_t r = 0; r < rows; r++) {
		if (!html_num(t, r, t->value, &x))
			continue;
		html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n", X(x), base, X(x), base + 4);
		/* Labels closer than a label's width are left out. */
		if (X(x) - lastx < 44)
			continue;
		lastx = X(x);
		html_addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", X(x), base + 16);
		html_cell(p, t, r, t->label, 8);
		html_add(p, "</text>\n");
	}
	for (int j = 0; j < ns; j++) {
		const char *c = colour[(size_t)(j % solid) % NCOLOURS];
		bool any = false;

		for (size_t r = 0; r < rows; r++)
			if (html_num(t, r, t->value, &x) &&
			    html_num(t, r, t->series[j], &v)) {
				html_addf(p, "%s%.1f,%.1f", any ? " " :
				    "<polyline fill=\"none\" stroke-width=\"2\" "
				    "points=\"", X(x), Y(v));
				any = true;
			}
		if (any)
			html_addf(p, "\" stroke=\"%s\"%s/>\n", c, j >= solid ?
			    " stroke-dasharray=\"5 3\"" : "");
		for (size_t r = 0; r < rows; r++)
			if (html_num(t, r, t->value, &x) &&
			    html_num(t, r, t->series[j], &v))
				html_addf(p, "<circle class=\"s%zu\" cx=\"%.1f\" "
				    "cy=\"%.1f\" r=\"2.5\"/>\n",
				    (size_t)(j % solid) % NCOLOURS, X(x), Y(v));
	}
	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", LX0, base, LX0 + plot, base);
	html_axis_title(p, t, t->label, LX0, LX0 + plot, h - 6);
#undef X
#undef Y
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "points");
}
