/*
 * html.c - what the html writer (fmt_html.c) and its charts
 * (html_chart.c) both write with: markup, escaped text, cells and numbers
 * as the text formats show them, captions (see html.h).
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
