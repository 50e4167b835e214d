/*
 * rates.c - cdp-score --rates FILE: the exchange rates that bring every
 * amount into one currency, so that a customer who pays in two is
 * scored on all their purchases.  The file is a JSON object:
 *
 *	{"base": "EUR", "rates": {"GBP": 1.17, "PLN": 0.23},
 *	 "dated": {"2026-03-01": {"GBP": 1.16}}}
 *
 * an amount in GBP counts 1.17 times in EUR, from 2026-03-01 1.16 times.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "jsonload.h"
#include "record.h"
#include "score.h"
#include "timeval.h"
#include "xalloc.h"

/* A rate of a currency from a day on (LONG_MIN: "rates", every day). */
struct rate {
	size_t	cur;
	long	from;
	double	rate;
	int	dec;
};

struct rates {
	struct cdp_buf	 text;	/* each currency as JSON text, NUL after */
	size_t		*off, *len;	/* [0]: the base */
	size_t		*first, *count;	/* its rates in rate[] */
	size_t		 n, cap;
	struct rate	*rate;		/* by currency, then day */
	size_t		 nrate, rcap;
};

/* The decimals of rate x as its shortest text writes it (1.17: 2); -1
 * for one written with an exponent. */
static int
decimals(double x)
{
	char buf[32];
	int n = cdp_fmt_double(buf, x);
	const char *dot;

	if (n < 0 || memchr(buf, 'e', (size_t)n) != NULL ||
	    memchr(buf, 'E', (size_t)n) != NULL)
		return -1;
	dot = memchr(buf, '.', (size_t)n);
	return dot != NULL ? (int)(buf + n - dot - 1) : 0;
}

/* The index of the currency whose JSON text is cur[0..n), or r->n. */
static size_t
find(const struct rates *r, const char *cur, size_t n)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->len[i] == n && memcmp(r->text.p + r->off[i], cur,
		    n) == 0)
			break;
	return i;
}

/* The index of currency s (its unescaped name), added when new. */
static size_t
currency(struct rates *r, const char *s, size_t n)
{
	size_t at = r->text.len, i;

	if (cdp_json_quote(&r->text, s, n) == -1)
		cdp_oom(0);
	if ((i = find(r, r->text.p + at, r->text.len - at)) < r->n) {
		r->text.len = at;
		r->text.p[at] = '\0';
		return i;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->off = cdp_xreallocarray(r->off, r->cap, sizeof(*r->off));
		r->len = cdp_xreallocarray(r->len, r->cap, sizeof(*r->len));
	}
	r->off[r->n] = at;
	r->len[r->n] = r->text.len - at;
	if (cdp_buf_addc(&r->text, '\0') == -1)
		cdp_oom(0);
	return r->n++;
}

/* The rates of object tab (currency: rate), from day from on. */
static int
read_rates(struct rates *r, const struct cdp_json_doc *d, json_t *tab,
    long from, const char *what, struct cdp_err *err)
{
	const char *name;
	json_t *v;

	if (!json_is_object(tab))
		return cdp_json_fail(err, EX_DATAERR, d, tab, "%s: expected "
		    "an object of currency: rate", what);
	json_object_foreach(tab, name, v) {
		double x = json_number_value(v);
		size_t i;

		if (*name == '\0')
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "an empty currency");
		if (!json_is_number(v) || !isfinite(x) || x <= 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "\"%s\": expected a rate above 0", name);
		if ((i = currency(r, name, strlen(name))) == 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "\"%s\" is the base: it has no rate", name);
		cdp_xgrow((void **)&r->rate, &r->rcap, r->nrate + 1,
		    sizeof(*r->rate));
		r->rate[r->nrate++] = (struct rate){ i, from, x,
		    decimals(x) };
	}
	return 0;
}

/* "dated": {DAY: {currency: rate}, ...}, each from its day on. */
static int
read_dated(struct rates *r, const struct cdp_json_doc *d, json_t *dated,
    struct cdp_err *err)
{
	const char *name;
	json_t *v;

	if (!json_is_object(dated))
		return cdp_json_fail(err, EX_DATAERR, d, dated, "\"dated\": "
		    "expected an object of day: {currency: rate}");
	json_object_foreach(dated, name, v) {
		long day;

		if (cdp_parse_iso_date(name, &day) == -1)
			return cdp_json_fail_key(err, EX_DATAERR, d, dated,
			    name, "\"%s\": expected a day YYYY-MM-DD", name);
		if (read_rates(r, d, v, day, name, err) == -1)
			return -1;
	}
	return 0;
}

static int
by_day(const void *a, const void *b)
{
	const struct rate *x = a, *y = b;

	if (x->cur != y->cur)
		return x->cur < y->cur ? -1 : 1;
	return (x->from > y->from) - (x->from < y->from);
}

static int
rates_read(struct rates *r, const struct cdp_json_doc *d, struct cdp_err *err)
{
	json_t *root = cdp_json_doc_root(d), *base, *tab, *dated, *v;
	const char *name;

	if (!json_is_object(root))
		return cdp_json_fail(err, EX_DATAERR, d, root, "expected an "
		    "object {\"base\": CODE, \"rates\": {CODE: RATE, ...}}");
	json_object_foreach(root, name, v)
		if (strcmp(name, "base") != 0 && strcmp(name, "rates") != 0 &&
		    strcmp(name, "dated") != 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, root,
			    name, "unknown member \"%s\" (base, rates, dated)",
			    name);
	base = json_object_get(root, "base");
	tab = json_object_get(root, "rates");
	dated = json_object_get(root, "dated");
	if (!json_is_string(base) || json_string_length(base) == 0)
		return cdp_json_fail(err, EX_DATAERR, d, base ? base : root,
		    "\"base\": expected the currency the rates convert to");
	(void)currency(r, json_string_value(base), json_string_length(base));
	if (tab == NULL && dated == NULL)
		return cdp_json_fail(err, EX_DATAERR, d, root, "expected "
		    "\"rates\" (every day's) or \"dated\" (rates from a day on)");
	if (tab != NULL && read_rates(r, d, tab, LONG_MIN, "\"rates\"",
	    err) == -1)
		return -1;
	if (dated != NULL && read_dated(r, d, dated, err) == -1)
		return -1;
	qsort(r->rate, r->nrate, sizeof(*r->rate), by_day);
	r->first = cdp_xcalloc(r->n, sizeof(*r->first));
	r->count = cdp_xcalloc(r->n, sizeof(*r->count));
	for (size_t k = r->nrate; k-- > 0;) {
		r->first[r->rate[k].cur] = k;
		r->count[r->rate[k].cur]++;
	}
	return 0;
}

struct rates *
rates_load(const char *path, struct cdp_err *err)
{
	struct cdp_json_doc *d;
	struct rates *r;

	if ((d = cdp_json_doc_load(path, err)) == NULL)
		return NULL;
	r = cdp_xcalloc(1, sizeof(*r));
	if (rates_read(r, d, err) == -1) {
		rates_free(r);
		r = NULL;
	}
	cdp_json_doc_free(d);
	return r;
}

void
rates_free(struct rates *r)
{
	if (r == NULL)
		return;
	cdp_buf_free(&r->text);
	free(r->off);
	free(r->len);
	free(r->first);
	free(r->count);
	free(r->rate);
	free(r);
}

int
rates_find(const struct rates *r, const char *cur, size_t n, long day,
    double *rate, int *dec)
{
	size_t i = find(r, cur, n), lo, hi;
	const struct rate *a;

	if (i == 0) {
		*rate = 1;
		*dec = 0;
		return 0;
	}
	if (i == r->n)
		return -1;
	/* the last of the currency's rates from day or before */
	a = r->rate + r->first[i];
	for (lo = 0, hi = r->count[i]; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].from <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -2;
	*rate = a[lo - 1].rate;
	*dec = a[lo - 1].dec;
	return 0;
}

const char *
rates_base(const struct rates *r, size_t *n)
{
	*n = r->len[0];
	return r->text.p + r->off[0];
}
