/*
 * html.c - what the html writer (fmt_html.c) and its charts
 * (html_chart.c, html_plot.c) write with: markup, escaped text, cells and numbers
 * as the text formats show them, captions, and the SVG pieces every chart
 * shares: its opening, labels, axis titles, bars (see html.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "fmt.h"
#include "html.h"

void
html_add(struct page *p, const char *s)
{
	if (cdp_buf_adds(&p->b, s) == -1)
		cdp_oom(0);
}

void
html_addf(struct page *p, const char *fmt, ...)
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

void
html_text(struct page *p, const char *s, size_t n, size_t maxw)
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
		html_add(p, "\xe2\x80\xa6");		/* U+2026 */
		return;
	}
	esc(p, p->safe.p != NULL ? p->safe.p : "", len);
}

void
html_texts(struct page *p, const char *s)
{
	html_text(p, s, strlen(s), 0);
}

void
html_cell(struct page *p, const struct rtable *t, size_t row, int col,
    size_t maxw)
{
	cdp_buf_reset(&p->raw);
	if (fmt_cell(t, row, col, &p->raw) == -1)
		cdp_oom(0);
	html_text(p, p->raw.p != NULL ? p->raw.p : "", p->raw.len, maxw);
}

void
html_num_as(struct page *p, const struct rtable *t, int col, double v)
{
	const struct rcol *k = &t->cols[col];

	cdp_buf_reset(&p->raw);
	if (report_fmt_num(&p->raw, k->ratio ? v * 100 : v, k->shown < 0 ?
	    -1 : k->shown, k->key) == -1 || ((k->percent || k->ratio) &&
	    cdp_buf_addc(&p->raw, '%') == -1))
		cdp_oom(0);
	html_text(p, p->raw.p != NULL ? p->raw.p : "", p->raw.len, 0);
}

bool
html_num(const struct rtable *t, size_t row, int col, double *v)
{
	const struct rcell *c = rtable_cell(t, row, col);

	if ((c->type != RC_INT && c->type != RC_NUM) || !isfinite(c->num))
		return false;
	*v = c->num;
	return true;
}

const char *
html_caption(const struct rtable *t)
{
	return t->title[0] != '\0' ? t->title : t->name;
}

/* The pieces of an SVG chart that every chart writer shares. */

void
html_svg_begin(struct page *p, const char *id, double w, double h,
    const char *title)
{
	html_addf(p, "<svg class=\"chart\" role=\"img\" aria-labelledby=\"%s-ct "
	    "%s-cd\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	    "height=\"%.0f\">\n<title id=\"%s-ct\">", id, id, w, h, w, h, id);
	html_texts(p, title);
	html_addf(p, "</title>\n<desc id=\"%s-cd\">", id);
}

void
html_svg_open(struct page *p, size_t k, double w, double h,
    const struct rtable *t)
{
	char id[32];

	snprintf(id, sizeof(id), "t%zu", k);
	html_svg_begin(p, id, w, h, html_caption(t));
}

void
html_svg_label(struct page *p, const struct rtable *t, size_t r, double y)
{
	bool none = rtable_cell(t, r, t->label)->type == RC_NULL;

	html_addf(p, "<text%s x=\"%d\" y=\"%.1f\" dy=\".35em\" "
	    "text-anchor=\"end\">", none ? " class=\"muted\"" : "",
	    HTML_LABW - 8, y);
	if (none)
		html_add(p, "(null)");
	else
		html_cell(p, t, r, t->label, HTML_LABCH);
	html_add(p, "</text>\n");
}

void
html_axis_title(struct page *p, const struct rtable *t, int col, double x0,
    double x1, double y)
{
	html_addf(p, "<text class=\"axt\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"middle\">", (x0 + x1) / 2, y);
	html_texts(p, t->unit != NULL ? t->unit : t->cols[col].name);
	html_add(p, "</text>\n");
}

void
html_cut_note(struct page *p, size_t shown, size_t all, const char *what)
{
	if (shown < all)
		html_addf(p, "<figcaption>The chart shows the first %zu of %zu "
		    "%s; the table has them all.</figcaption>\n", shown, all,
		    what);
}

struct html_scale
html_bar_scale(double maxpos, double maxneg)
{
	struct html_scale s;
	double x0 = HTML_LABW + (maxneg > 0 ? HTML_VALW : 0);

	s.span = maxpos + maxneg > 0 ? maxpos + maxneg : 1;
	s.plot = HTML_W - x0 - HTML_VALW;
	s.zero = x0 + s.plot * maxneg / s.span;
	return s;
}

void
html_bar(struct page *p, const struct rtable *t, size_t r, int col,
    const struct html_scale *s, double y, double h, const char *cls)
{
	double v, len, x;

	if (!html_num(t, r, col, &v)) {
		html_addf(p, "<text class=\"muted\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">no value</text>\n", s->zero + 4, y + h / 2);
		return;
	}
	len = s->plot * fabs(v) / s->span;
	if (len < 1)
		len = 1;	/* a tiny value still shows */
	x = v < 0 ? s->zero - len : s->zero;
	if (v != 0)
		html_addf(p, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.0f\" rx=\"2\"/>\n",
		    v < 0 ? "neg" : cls, x, y, len, h);
	if (v < 0)
		html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\" text-anchor=\"end\">", x - 4, y + h / 2);
	else
		html_addf(p, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
		    "dy=\".35em\">", x + len + 4, y + h / 2);
	html_cell(p, t, r, col, 12);
	html_add(p, "</text>\n");
}
