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

/* ---- axes ---- */

/* A linear scale: values lo to hi drawn from pixel from over len pixels
 * (len < 0 for a vertical axis, upwards). */
struct axis {
	double	lo, hi, from, len;
};

static double
at(const struct axis *a, double v)
{
	return a->from + a->len * (v - a->lo) / (a->hi - a->lo);
}

/* Ticks and their numbers under horizontal axis a at y: at most n, at
 * multiples of a round step. */
static void
x_ticks(struct page *p, const struct axis *a, double y, int n)
{
	double step = nice_step(a->hi - a->lo, n);
	int d = step_decimals(step);

	html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", a->from, y, a->from + a->len, y);
	for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9;
	    v += step) {
		html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", at(a, v),
		    y, at(a, v), y + 4, at(a, v), y + 15);
		tick(p, v, d);
		html_add(p, "</text>\n");
	}
}

/* Grid lines across x0 to x1 at steps of vertical axis a, numbered at
 * the left. */
static void
y_grid(struct page *p, const struct axis *a, double step, double x0,
    double x1)
{
	int d = step_decimals(step);

	for (double v = a->lo; v <= a->hi + step / 2; v += step) {
		html_addf(p, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n<text class=\"muted\" "
		    "x=\"%.1f\" y=\"%.1f\" dy=\".35em\" text-anchor=\"end\">",
		    x0, at(a, v), x1, at(a, v), x0 - 6, at(a, v));
		tick(p, v, d);
		html_add(p, "</text>\n");
	}
}

/* ---- a histogram of weights ---- */

#define HIST_MAX	100	/* bins drawn */
#define HX0		64	/* the plot's left edge: room for counts */
#define HPH		200	/* the plot's height */

/* Bin r of t as a column from the axis: its part (series[0]) at the
 * foot in the first colour, the rest above it in grey. */
static void
hist_bin(struct page *p, const struct rtable *t, size_t r,
    const struct axis *ax, const struct axis *ay)
{
	double a, b, v, w, part = 0;

	if (!html_num(t, r, t->lo, &a) || !html_num(t, r, t->hi, &b) ||
	    !html_num(t, r, t->value, &v) || !(v > 0))
		return;
	w = at(ax, b) - at(ax, a) - 1;
	w = w < 1 ? 1 : w;
	if (t->nseries > 0 && html_num(t, r, t->series[0], &part))
		part = part < 0 ? 0 : part > v ? v : part;
	if (v > part)
		html_addf(p, "<rect class=\"s9\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/>\n", at(ax, a), at(ay, v),
		    w, fmax(at(ay, part) - at(ay, v), 1));
	if (part > 0)
		html_addf(p, "<rect class=\"s0\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/>\n", at(ax, a),
		    at(ay, part), w, fmax(at(ay, 0) - at(ay, part), 1));
}

void
html_chart_histogram(struct page *p, const struct rtable *t, size_t k)
{
	static const int cols[2] = { 0, 9 };
	size_t bins = drawn(t, HIST_MAX);
	double ymax = 0, v, step, base = 10 + HPH, h = base + 24 + HTML_AXISH;
	struct axis ax = { 0, 1, HX0, W - HX0 - 16 }, ay;
	const char *names[2];
	char other[80];

	(void)html_num(t, 0, t->lo, &ax.lo);
	if (!html_num(t, bins - 1, t->hi, &ax.hi) || !(ax.hi > ax.lo))
		ax.hi = ax.lo + 1;
	for (size_t r = 0; r < bins; r++)
		if (html_num(t, r, t->value, &v) && v > ymax)
			ymax = v;
	step = nice_step(ymax, 5);
	ay = (struct axis){ 0, fmax(ceil(ymax / step) * step, 1), base, -HPH };
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
	html_num_as(p, t, t->lo, ax.lo);
	html_add(p, " to ");
	html_num_as(p, t, t->hi, ax.hi);
	if (t->nseries > 0) {
		html_add(p, "; the ");
		html_texts(p, names[0]);
		html_add(p, " at the foot of each bin in their own colour");
	}
	html_add(p, ".</desc>\n");
	y_grid(p, &ay, step, HX0, HX0 + ax.len);
	for (size_t r = 0; r < bins; r++)
		hist_bin(p, t, r, &ax, &ay);
	x_ticks(p, &ax, base, 10);
	html_axis_title(p, t, t->lo, HX0, HX0 + ax.len, h - 6);
	html_add(p, "</svg>\n");
	html_cut_note(p, bins, t->nrows, "bins");
}

/* ---- a waterfall ---- */

#define WROWH	26
#define WNOTEW	200	/* the weights and levels at the right */

/* Step r: a bar from the total before (hi - value) to the total after
 * (hi), a tick joining it to the step before when it starts where that
 * one ended (*last), and its weight and note at the right. */
static void
wf_step(struct page *p, const struct rtable *t, size_t r,
    const struct axis *ax, double *last)
{
	double y = 8 + WROWH * (double)r, e, w, a;

	html_svg_label(p, t, r, y + WROWH / 2.0);
	if (html_num(t, r, t->hi, &e) && html_num(t, r, t->value, &w)) {
		a = e - w;
		if (!isnan(*last) && fabs(*last - a) < 1e-9)
			html_addf(p, "<line class=\"grid\" x1=\"%.1f\" "
			    "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			    at(ax, a), y - 4, at(ax, a), y + 4);
		html_addf(p, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%d\" rx=\"2\"/>\n",
		    w < 0 ? "neg" : "bar", at(ax, fmin(a, e)), y + 4,
		    fmax(fabs(at(ax, e) - at(ax, a)), 1), WROWH - 8);
		*last = e;
	}
	html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" dy=\".35em\">",
	    ax->from + ax->len + 10, y + WROWH / 2.0);
	html_cell(p, t, r, t->value, 10);
	if (t->aux >= 0 && rtable_cell(t, r, t->aux)->type != RC_NULL) {
		html_add(p, "<tspan class=\"muted\"> ");
		html_cell(p, t, r, t->aux, 18);
		html_add(p, "</tspan>");
	}
	html_add(p, "</text>\n");
}

void
html_chart_waterfall(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t, HTML_MAXDRAW);
	struct axis ax = { 0, 0, LABW, W - LABW - WNOTEW };
	double h = 8 + WROWH * (double)rows + 22 + HTML_AXISH, w, e, pad;
	double last = NAN;

	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->hi, &e)) {
			w = html_num(t, r, t->value, &w) ? w : 0;
			ax.lo = fmin(ax.lo, fmin(e, e - w));
			ax.hi = fmax(ax.hi, fmax(e, e - w));
		}
	pad = (ax.hi - ax.lo) * 0.03 + (ax.hi > ax.lo ? 0 : 1);
	ax.lo -= pad;
	ax.hi += pad;
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
	    "y2=\"%.1f\"/>\n", at(&ax, 0), at(&ax, 0), h - HTML_AXISH - 18);
	for (size_t r = 0; r < rows; r++)
		wf_step(p, t, r, &ax, &last);
	x_ticks(p, &ax, h - HTML_AXISH - 16, 6);
	html_axis_title(p, t, t->hi, LABW, LABW + ax.len, h - 6);
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "steps");
}

/* ---- lines over a numeric x ---- */

#define LX0	56	/* the plot's left edge: room for the y ticks */
#define LPH	220

/* The x of each point, ticked, labelled by the label column where a
 * label fits (44 px from the one before). */
static void
lines_x(struct page *p, const struct rtable *t, size_t rows,
    const struct axis *ax, double base)
{
	double x, lastx = -INFINITY;

	html_addf(p, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", LX0, base, ax->from + ax->len + 8, base);
	for (size_t r = 0; r < rows; r++) {
		if (!html_num(t, r, t->value, &x))
			continue;
		html_addf(p, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\"/>\n", at(ax, x), base, at(ax, x),
		    base + 4);
		if (at(ax, x) - lastx < 44)
			continue;
		lastx = at(ax, x);
		html_addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">", at(ax, x), base + 16);
		html_cell(p, t, r, t->label, 8);
		html_add(p, "</text>\n");
	}
}

/* Series j: a line through its points, dashed from t->nsolid on, and a
 * dot at each. */
static void
lines_series(struct page *p, const struct rtable *t, size_t rows, int j,
    int solid, const struct axis *ax, const struct axis *ay)
{
	size_t c = (size_t)(j % solid) % NCOLOURS;
	double x, v;
	bool any = false;

	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->value, &x) &&
		    html_num(t, r, t->series[j], &v)) {
			html_addf(p, "%s%.1f,%.1f", any ? " " : "<polyline "
			    "fill=\"none\" stroke-width=\"2\" points=\"",
			    at(ax, x), at(ay, v));
			any = true;
		}
	if (any)
		html_addf(p, "\" stroke=\"%s\"%s/>\n", colour[c], j >= solid ?
		    " stroke-dasharray=\"5 3\"" : "");
	for (size_t r = 0; r < rows; r++)
		if (html_num(t, r, t->value, &x) &&
		    html_num(t, r, t->series[j], &v))
			html_addf(p, "<circle class=\"s%zu\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"2.5\"/>\n", c, at(ax, x), at(ay, v));
}

/* The extent of x (value) and of every series over rows [0, rows). */
static void
lines_extent(const struct rtable *t, size_t rows, struct axis *ax,
    double *ymin, double *ymax)
{
	double x, v;

	ax->lo = *ymin = INFINITY;
	ax->hi = *ymax = -INFINITY;
	for (size_t r = 0; r < rows; r++) {
		if (!html_num(t, r, t->value, &x))
			continue;
		ax->lo = fmin(ax->lo, x);
		ax->hi = fmax(ax->hi, x);
		for (int j = 0; j < t->nseries; j++)
			if (html_num(t, r, t->series[j], &v)) {
				*ymin = fmin(*ymin, v);
				*ymax = fmax(*ymax, v);
			}
	}
	if (!(ax->hi > ax->lo)) {
		ax->lo = isfinite(ax->lo) ? ax->lo - 1 : 0;
		ax->hi = ax->lo + 2;
	}
	if (!(*ymax >= *ymin)) {
		*ymin = 0;
		*ymax = 1;
	}
}

void
html_chart_lines(struct page *p, const struct rtable *t, size_t k)
{
	size_t rows = drawn(t, HTML_MAXDRAW);
	const char *names[RT_MAXSERIES];
	int ns = t->nseries, solid = t->nsolid > 0 ? t->nsolid : ns;
	double base = 10 + LPH, h = base + 26 + HTML_AXISH, ymin, ymax, step;
	struct axis ax = { 0, 1, LX0 + 8, W - LX0 - 40 }, ay;

	lines_extent(t, rows, &ax, &ymin, &ymax);
	step = nice_step(ymax - ymin > 0 ? ymax - ymin : 1, 6);
	ay = (struct axis){ floor(ymin / step) * step, ceil(ymax / step) *
	    step, base, -LPH };
	if (!(ay.hi > ay.lo))
		ay.hi = ay.lo + step;
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
	y_grid(p, &ay, step, LX0, W - 24);
	lines_x(p, t, rows, &ax, base);
	for (int j = 0; j < ns; j++)
		lines_series(p, t, rows, j, solid, &ax, &ay);
	html_axis_title(p, t, t->label, LX0, W - 24, h - 6);
	html_add(p, "</svg>\n");
	html_cut_note(p, rows, t->nrows, "points");
}
