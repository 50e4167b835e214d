/*
 * output.c - the machine formats: NDJSON (one object per row) and CSV
 * (RFC 4180, spreadsheet formulas neutralised), and the cell texts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "record.h"
#include "xalloc.h"
#include "report.h"

int
rcell_text(const struct rtable *t, size_t row, int col, struct cdp_buf *b)
{
	const struct rcell *c = rtable_cell(t, row, col);
	char num[40];
	int n;

	switch (c->type) {
	case RC_NULL:
		return 0;
	case RC_STR:
	case RC_JSON:
		return cdp_buf_add(b, rtable_text(t, c), c->len);
	case RC_INT:
		n = snprintf(num, sizeof(num), "%.0f", c->num);
		break;
	default:
		if (!isfinite(c->num))
			return 0;
		n = cdp_fmt_double(num, c->num);
		break;
	}
	return cdp_buf_add(b, num, (size_t)n);
}

int
report_fmt_num(struct cdp_buf *b, double v, int decimals, bool plain)
{
	char num[400];
	int n, neg, start, len;

	if (!isfinite(v))
		return 0;
	if (decimals >= 0)
		n = snprintf(num, sizeof(num), "%.*f", decimals, v);
	else
		n = cdp_fmt_double(num, v);
	if (n < 0 || (size_t)n >= sizeof(num))
		return cdp_buf_add(b, num, 0);
	/* Never "-0.0" for a value that rounds to zero. */
	if (n > 1 && num[0] == '-' && strspn(num + 1, "0.") == (size_t)n - 1) {
		memmove(num, num + 1, (size_t)n);
		n--;
	}
	neg = num[0] == '-';
	start = neg;
	len = (int)strspn(num + start, "0123456789");
	/* An exponent (1e+300 in the shortest form) is left as it is. */
	if (plain || len <= 3 || memchr(num, 'e', (size_t)n) != NULL)
		return cdp_buf_add(b, num, (size_t)n);
	if (cdp_buf_add(b, num, (size_t)start) == -1)
		return -1;
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0 && cdp_buf_addc(b, ',') == -1)
			return -1;
		if (cdp_buf_addc(b, num[start + i]) == -1)
			return -1;
	}
	return cdp_buf_add(b, num + start + len, (size_t)(n - start - len));
}

/* Decimals that write v to 4 significant decimals (cap of them for a
 * percentage), fewer when the rest are zeros: 72.37306 needs 4, 2.5 one,
 * 0.000123456 seven.  Float noise below 1e-9 does not count. */
static int
decimals_of(double v, int cap, bool pct)
{
	double a = fabs(v), tol = a * 1e-12 > 1e-9 ? a * 1e-12 : 1e-9;
	int max = cap;

	if (!pct && a > 0 && a < 1)
		max += (int)floor(-log10(a));
	if (max > 12)
		max = 12;
	for (int d = 0; d < max; d++) {
		double p = pow(10, d);

		if (fabs(nearbyint(v * p) / p - v) <= tol)
			return d;
	}
	return max;
}

void
rtable_resolve(struct rtable *t, int precision)
{
	for (size_t c = 0; c < t->ncols; c++) {
		struct rcol *col = &t->cols[c];
		bool pct = col->percent || col->ratio, whole = true;
		int d = 0;

		for (size_t r = 0; r < t->nrows; r++) {
			const struct rcell *cl = rtable_cell(t, r, (int)c);
			double v = col->ratio ? cl->num * 100 : cl->num;

			if (cl->type != RC_NUM || !isfinite(cl->num))
				continue;
			if (v != nearbyint(v))
				whole = false;
			if (col->digits < 0) {
				int k = decimals_of(v, pct ? 2 : 4, pct);

				if (k > d)
					d = k;
			}
		}
		if (col->key)
			col->shown = -1;
		else if (whole)
			col->shown = 0;
		else if (precision >= 0)
			col->shown = precision;
		else
			col->shown = col->digits >= 0 ? col->digits : d;
	}
}

/* A number in JSON: shortest exact form; not finite gives null. */
static int
json_num(struct cdp_buf *b, double v)
{
	char num[40];
	int n = cdp_fmt_double(num, v);

	if (n < 0)
		return cdp_buf_adds(b, "null");
	return cdp_buf_add(b, num, (size_t)n);
}

static int
json_cell(struct cdp_buf *b, const struct rtable *t, const struct rcell *c)
{
	switch (c->type) {
	case RC_NULL:
		return cdp_buf_adds(b, "null");
	case RC_STR:
		return cdp_json_quote(b, rtable_text(t, c), c->len);
	case RC_JSON:
		return cdp_buf_add(b, rtable_text(t, c), c->len);
	default:
		return json_num(b, c->num);
	}
}

static int
flush(struct cdp_out *o, struct cdp_buf *b, struct cdp_err *err)
{
	int rc;

	if (b->len == 0)	/* nothing yet; b->p may be NULL */
		return 0;
	rc = cdp_out_write(o, b->p, b->len, err);
	cdp_buf_reset(b);
	return rc;
}

int
fmt_ndjson(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct cdp_buf b = { 0 };
	int rc = 0;

	(void)ro;
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];

		for (size_t r = 0; r < t->nrows && rc == 0; r++) {
			bool first = true;

			if (cdp_buf_addc(&b, '{') == -1)
				cdp_oom(0);
			if (n > 1) {
				if (cdp_buf_adds(&b, "\"_table\":") == -1 ||
				    cdp_json_quote(&b, t->name,
				    strlen(t->name)) == -1)
					cdp_oom(0);
				first = false;
			}
			for (size_t c = 0; c < t->ncols; c++) {
				const char *nm = t->cols[c].name;

				if ((!first && cdp_buf_addc(&b, ',') == -1) ||
				    cdp_json_quote(&b, nm, strlen(nm)) == -1 ||
				    cdp_buf_addc(&b, ':') == -1 ||
				    json_cell(&b, t, rtable_cell(t, r,
				    (int)c)) == -1)
					cdp_oom(0);
				first = false;
			}
			if (cdp_buf_adds(&b, "}\n") == -1)
				cdp_oom(0);
			if (b.len > 65536)
				rc = flush(o, &b, err);
		}
	}
	if (rc == 0)
		rc = flush(o, &b, err);
	cdp_buf_free(&b);
	return rc;
}

/*
 * One CSV field: quoted when it holds a separator, quote or line break;
 * text that a spreadsheet would run as a formula (starting with = + - @,
 * tab or carriage return) gets a leading apostrophe.
 */
static int
csv_field(struct cdp_buf *b, const char *s, size_t n, bool text)
{
	bool formula, quote;

	if (n == 0)	/* an empty cell; s may be NULL then */
		return 0;
	/* s[0] == '\0' would match the set's terminator in strchr(). */
	formula = text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	quote = formula || memchr(s, ',', n) || memchr(s, '"', n) ||
	    memchr(s, '\n', n) || memchr(s, '\r', n);
	if (!quote)
		return cdp_buf_add(b, s, n);
	if (cdp_buf_addc(b, '"') == -1 || (formula &&
	    cdp_buf_addc(b, '\'') == -1))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '"' && cdp_buf_addc(b, '"') == -1) ||
		    cdp_buf_addc(b, s[i]) == -1)
			return -1;
	return cdp_buf_addc(b, '"');
}

int
fmt_csv(struct cdp_out *o, const struct report_opts *ro,
    struct rtable *const *tables, size_t n, struct cdp_err *err)
{
	struct cdp_buf b = { 0 }, cellb = { 0 };
	int rc = 0;

	(void)ro;
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct rtable *t = tables[k];

		if (k > 0 && cdp_buf_addc(&b, '\n') == -1)
			cdp_oom(0);
		for (size_t c = 0; c < t->ncols; c++)
			if ((c > 0 && cdp_buf_addc(&b, ',') == -1) ||
			    csv_field(&b, t->cols[c].name,
			    strlen(t->cols[c].name), true) == -1)
				cdp_oom(0);
		if (cdp_buf_addc(&b, '\n') == -1)
			cdp_oom(0);
		for (size_t r = 0; r < t->nrows && rc == 0; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				const struct rcell *cl = rtable_cell(t, r,
				    (int)c);

				cdp_buf_reset(&cellb);
				if (cl->type == RC_NUM) {
					if (isfinite(cl->num) &&
					    json_num(&cellb, cl->num) == -1)
						cdp_oom(0);
				} else if (rcell_text(t, r, (int)c, &cellb)
				    == -1)
					cdp_oom(0);
				if ((c > 0 && cdp_buf_addc(&b, ',') == -1) ||
				    csv_field(&b, cellb.p, cellb.len,
				    cl->type == RC_STR || cl->type == RC_JSON)
				    == -1)
					cdp_oom(0);
			}
			if (cdp_buf_addc(&b, '\n') == -1)
				cdp_oom(0);
			if (b.len > 65536)
				rc = flush(o, &b, err);
		}
	}
	if (rc == 0)
		rc = flush(o, &b, err);
	cdp_buf_free(&b);
	cdp_buf_free(&cellb);
	return rc;
}

void
report_num(struct cdp_buf *b, double v)
{
	if (json_num(b, v) == -1)
		cdp_oom(0);
}
