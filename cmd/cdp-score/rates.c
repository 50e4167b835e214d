/*
 * rates.c - cdp-score --rates FILE: the exchange rates that bring every
 * amount into one currency, so that a customer who pays in two is
 * scored on all their purchases.  The file is a JSON object:
 *
 *	{"base": "EUR", "rates": {"GBP": 1.17, "PLN": 0.23}}
 *
 * an amount in GBP counts 1.17 times in EUR.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonload.h"
#include "record.h"
#include "score.h"

struct rates {
	struct cdp_buf	 text;	/* each currency as JSON text, NUL after */
	size_t		*off;	/* [0]: the base, then the rated ones */
	double		*rate;
	int		*dec;	/* the decimals of each rate */
	size_t		*len;	/* of each text */
	size_t		 n;	/* currencies, the base included */
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

/* Append currency s as the JSON text records name it by. */
static int
add_currency(struct rates *r, const char *s, size_t n, double rate)
{
	r->off[r->n] = r->text.len;
	r->rate[r->n] = rate;
	r->dec[r->n] = decimals(rate);
	if (cdp_json_quote(&r->text, s, n) == -1 ||
	    cdp_buf_addc(&r->text, '\0') == -1)
		return -1;
	r->len[r->n] = r->text.len - r->off[r->n] - 1;
	r->n++;
	return 0;
}

static int
rates_read(struct rates *r, const struct cdp_json_doc *d, struct cdp_err *err)
{
	json_t *root = cdp_json_doc_root(d), *base, *tab, *v;
	const char *name;

	if (!json_is_object(root))
		return cdp_json_fail(err, EX_DATAERR, d, root, "expected an "
		    "object {\"base\": CODE, \"rates\": {CODE: RATE, ...}}");
	json_object_foreach(root, name, v)
		if (strcmp(name, "base") != 0 && strcmp(name, "rates") != 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, root,
			    name, "unknown member \"%s\" (base, rates)", name);
	base = json_object_get(root, "base");
	tab = json_object_get(root, "rates");
	if (!json_is_string(base) || json_string_length(base) == 0)
		return cdp_json_fail(err, EX_DATAERR, d, base ? base : root,
		    "\"base\": expected the currency the rates convert to");
	if (!json_is_object(tab))
		return cdp_json_fail(err, EX_DATAERR, d, tab ? tab : root,
		    "\"rates\": expected an object of currency: rate");
	r->off = calloc(json_object_size(tab) + 1, sizeof(*r->off));
	r->rate = calloc(json_object_size(tab) + 1, sizeof(*r->rate));
	r->len = calloc(json_object_size(tab) + 1, sizeof(*r->len));
	r->dec = calloc(json_object_size(tab) + 1, sizeof(*r->dec));
	if (r->off == NULL || r->rate == NULL || r->len == NULL ||
	    r->dec == NULL ||
	    add_currency(r, json_string_value(base),
	    json_string_length(base), 1) == -1) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	json_object_foreach(tab, name, v) {
		double x = json_number_value(v);

		if (*name == '\0')
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "an empty currency");
		if (strcmp(name, json_string_value(base)) == 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "\"%s\" is the base: it has no rate", name);
		if (!json_is_number(v) || !isfinite(x) || x <= 0)
			return cdp_json_fail_key(err, EX_DATAERR, d, tab, name,
			    "\"%s\": expected a rate above 0", name);
		if (add_currency(r, name, strlen(name), x) == -1) {
			cdp_err_set(err, EX_OSERR, "out of memory");
			return -1;
		}
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
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cdp_json_doc_free(d);
		cdp_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
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
	free(r->rate);
	free(r->len);
	free(r->dec);
	free(r);
}

int
rates_find(const struct rates *r, const char *cur, size_t n, double *rate,
    int *dec)
{
	/* a handful of currencies: looked through in turn */
	for (size_t i = 0; i < r->n; i++)
		if (r->len[i] == n && memcmp(r->text.p + r->off[i], cur,
		    n) == 0) {
			*rate = r->rate[i];
			*dec = r->dec[i];
			return 0;
		}
	return -1;
}

const char *
rates_base(const struct rates *r, size_t *n)
{
	*n = r->len[0];
	return r->text.p + r->off[0];
}
