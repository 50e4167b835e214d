/*
 * steps.c - one value through its type (int, number, money, bool, dates,
 * times, epochs), normaliser (phones per record's country and checked by
 * libphonenumber, datetimes placed in --tz), --match and --hash.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "hash.h"
#include "keymap.h"
#include "money.h"
#include "phonelib.h"
#include "steps.h"
#include "times.h"

#define PHONE_CACHE	((size_t)1 << 20)	/* numbers remembered */

/* "field "NAME": reason", with the value when --verbose. */
static const char *
field_reason(struct plan_work *w, const struct cell *c, const char *reason,
    const char *v, size_t n)
{
	cdp_buf_reset(&w->msg);
	if (cdp_buf_adds(&w->msg, "field ") == -1 ||
	    cdp_json_quote(&w->msg, c->key, c->klen) == -1 ||
	    cdp_buf_addf(&w->msg, ": %s", reason) == -1)
		return "out of memory";
	if (cdp_diag_verbose() && v != NULL &&
	    (cdp_buf_adds(&w->msg, " (value ") == -1 ||
	    cdp_json_quote(&w->msg, v, n) == -1 ||
	    cdp_buf_addc(&w->msg, ')') == -1))
		return "out of memory";
	return w->msg.p;
}

/* An integer in canonical form (no '+', no leading zeros, no "-0"). */
static int
to_int(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	cdp_trim(&s, &n);
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n) {
		*why = "not an integer";
		return -1;
	}
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*why = "not an integer";
			return -1;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			*why = "integer out of range";
			return -1;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX + neg) {
		*why = "integer out of range";
		return -1;
	}
	if (cdp_buf_addf(out, "%s%llu", neg && v ? "-" : "",
	    (unsigned long long)v) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* A number in JSON syntax (a leading '+' is dropped), finite. */
static int
to_number(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	size_t i = 0, start;
	char tmp[64];
	double d;

	cdp_trim(&s, &n);
	if (n > 0 && s[0] == '+')
		s++, n--;
	start = i;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		goto bad;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			goto bad;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			goto bad;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != n)
		goto bad;
	if (n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		errno = 0;
		d = strtod(tmp, NULL);
		if (!isfinite(d)) {
			*why = "number out of range";
			return -1;
		}
	} else {
		*why = "number too long";
		return -1;
	}
	if (cdp_buf_add(out, s + start, n - start) == -1) {
		*why = "out of memory";
		return -1;
	}
	return 0;
bad:
	*why = "not a number";
	return -1;
}

static int
to_bool(const char *s, size_t n, struct cdp_buf *out, const char **why)
{
	static const char *const yes[] = { "true", "yes", "y", "t", "1" };
	static const char *const no[] = { "false", "no", "n", "f", "0" };

	cdp_trim(&s, &n);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == n && strncasecmp(yes[i], s, n) == 0)
			return cdp_buf_adds(out, "true") == -1 ? -1 : 0;
		if (strlen(no[i]) == n && strncasecmp(no[i], s, n) == 0)
			return cdp_buf_adds(out, "false") == -1 ? -1 : 0;
	}
	*why = "not a boolean";
	return -1;
}

/* The scratch buffer v does not live in, emptied. */
static struct cdp_buf *
spare(struct plan_work *w, const struct val *v)
{
	struct cdp_buf *b = &w->tmp;

	if (b->p != NULL && v->s >= b->p && v->s <= b->p + b->len)
		b = &w->tmp2;
	cdp_buf_reset(b);
	return b;
}

static void
take(struct val *v, struct cdp_buf *b, bool raw)
{
	v->s = b->p ? b->p : "";
	v->n = b->len;
	v->raw = raw;
}

/* 1 when e164 is a valid number by libphonenumber, 0 when not, -1. */
static int
phone_valid(struct plan_work *w, const char *e164, size_t n)
{
	struct cdp_key128 k = cdp_key128_of(e164, n);
	uint64_t *v;
	int added, ok;

	/* Real files repeat numbers: remember verdicts, within a bound. */
	if (w->phones == NULL || cdp_keymap_count(w->phones) >= PHONE_CACHE) {
		cdp_keymap_free(w->phones);
		if ((w->phones = cdp_keymap_new()) == NULL)
			return -1;
	}
	if ((v = cdp_keymap_get(w->phones, k)) != NULL)
		return (int)*v;
	if ((ok = cdp_phonelib_valid(e164, n)) == -1)
		return -1;
	if (cdp_keymap_put(w->phones, k, (uint64_t)ok, &added) == NULL)
		return -1;
	return ok;
}

/*
 * A phone in E.164: national numbers take the record's --country-field
 * (or --default-country when it has none), and the result must be a
 * valid number of its country by libphonenumber's metadata.
 */
static int
norm_phone(const struct ingest_opts *opt, struct plan_work *w,
    const struct val *v, struct cdp_buf *b, const char **why)
{
	const char *cc = w->country_why != NULL ? NULL :
	    w->country[0] != '\0' ? w->country : opt->common.default_country;
	int ok;

	if (cdp_norm_phone(v->s, v->n, cc, b, why) == -1) {
		if (w->country_why != NULL && strcmp(*why,
		    "no country code and no --default-country") == 0)
			*why = w->country_why;
		return -1;
	}
	if ((ok = phone_valid(w, b->p, b->len)) == 1)
		return 0;
	*why = ok == 0 ? "phone number not valid for its country" :
	    "out of memory";
	return -1;
}

/* A datetime, or an epoch number where one is expected; --tz, --utc. */
static int
norm_datetime(const struct ingest_opts *opt, struct plan_work *w,
    const struct val *v, struct cdp_buf *b, const char **why)
{
	bool adjust = opt->tz != NULL || opt->utc;
	struct cdp_buf *t = adjust ? &w->tmp3 : b;
	int unit = epoch_unit_of(v->s, v->n), rc;

	if (adjust)
		cdp_buf_reset(t);
	rc = unit >= 0 ? epoch_iso(v->s, v->n, unit, t, why) :
	    cdp_norm_apply(&w->ctx, CDP_N_DATETIME, v->s, v->n, t, why);
	if (rc == -1 || !adjust)
		return rc;
	return tz_adjust(t->p, t->len, opt->tz != NULL, opt->utc, b, why);
}

/* Normaliser kind of v into b. */
static int
normalise(const struct ingest_opts *opt, struct plan_work *w,
    enum cdp_norm_kind kind, const struct val *v, struct cdp_buf *b,
    const char **why)
{
	if (kind == CDP_N_PHONE)
		return norm_phone(opt, w, v, b, why);
	if (kind == CDP_N_DATETIME)
		return norm_datetime(opt, w, v, b, why);
	return cdp_norm_apply(&w->ctx, kind, v->s, v->n, b, why);
}

static int
type_money(const struct ingest_opts *opt, struct plan_work *w,
    const struct fspec *spec, const struct val *v, struct cdp_buf *b,
    const char **why)
{
	unsigned flags = spec->decimal_comma || opt->decimal_comma ?
	    MONEY_DECIMAL_COMMA : 0;

	/* A number has no currency: any letters make it "not a number". */
	if (spec->type == T_NUMBER) {
		if (money_parse(w->codes, v->s, v->n, flags |
		    MONEY_NO_CURRENCY, NULL, b, w->cur, why) == 0)
			return 0;
		if (strcmp(*why, "amount out of range") != 0)
			*why = "not a number";
		return -1;
	}
	if (money_parse(w->codes, v->s, v->n, flags, opt->default_currency,
	    b, w->cur, why) == -1)
		return -1;
	if (w->cur[0] == '\0' && opt->default_currency != NULL)
		memcpy(w->cur, opt->default_currency, 4);
	return 0;
}

static int
apply_type(const struct ingest_opts *opt, struct plan_work *w,
    const struct fspec *spec, struct val *v, const char **why)
{
	struct cdp_buf *b = spare(w, v);
	int rc = 0;

	switch (spec->type) {
	case T_NONE:
		return 0;
	case T_STRING:
		v->raw = false;
		return 0;
	case T_INT:
		rc = to_int(v->s, v->n, b, why);
		break;
	case T_NUMBER:
		rc = spec->decimal_comma || opt->decimal_comma ?
		    type_money(opt, w, spec, v, b, why) :
		    to_number(v->s, v->n, b, why);
		break;
	case T_MONEY:
		rc = type_money(opt, w, spec, v, b, why);
		break;
	case T_BOOL:
		rc = to_bool(v->s, v->n, b, why);
		break;
	case T_DATE:
		rc = cdp_norm_apply(&w->ctx, CDP_N_DATE, v->s, v->n, b, why);
		break;
	case T_DATETIME:
		rc = norm_datetime(opt, w, v, b, why);
		break;
	case T_EPOCH_S:
	case T_EPOCH_MS:
	case T_EPOCH_US:
		rc = epoch_iso(v->s, v->n, spec->type == T_EPOCH_S ? EPOCH_S :
		    spec->type == T_EPOCH_MS ? EPOCH_MS : EPOCH_US, b, why);
		break;
	}
	if (rc == 0)
		take(v, b, spec->type <= T_BOOL || spec->type == T_MONEY);
	return rc;
}

static int
apply_match(struct plan_work *w, const struct fspec *spec,
    const struct val *v, const char **why)
{
	int rc = pcre2_match(spec->re, (PCRE2_SPTR)v->s, v->n, 0, 0, w->md,
	    w->mctx);

	if (rc >= 0)
		return 0;
	switch (rc) {
	case PCRE2_ERROR_NOMATCH:
		*why = "does not match the --match pattern";
		break;
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
		*why = "regex limit";
		break;
	default:
		*why = "regex error";
		break;
	}
	return -1;
}

static int
apply_hash(const struct ingest_opts *opt, struct plan_work *w,
    const struct fspec *spec, struct val *v, const char **why)
{
	char hex[CDP_HASH_HEXLEN + 1];
	struct cdp_buf *b;

	if (spec->norm == CDP_N_NONE) {
		b = spare(w, v);
		if (normalise(opt, w, spec->hash_norm, v, b, why) == -1)
			return -1;
		take(v, b, false);
	}
	if ((w->key.len == 0 && w->sha == NULL &&
	    (w->sha = cdp_sha_new()) == NULL) ||
	    cdp_hash_hex(w->sha, w->key.len ? (unsigned char *)w->key.p :
	    NULL, w->key.len, v->s, v->n, hex) == -1) {
		*why = "hashing failed";
		return -1;
	}
	b = spare(w, v);
	if (cdp_buf_add(b, hex, CDP_HASH_HEXLEN) == -1) {
		*why = "out of memory";
		return -1;
	}
	take(v, b, false);
	return 0;
}

int
cell_value(struct plan_work *w, const struct cell *c, struct val *v)
{
	if (c->f == NULL) {
		v->s = c->v ? c->v : w->vals.p + c->off;
		v->n = c->vlen;
		v->raw = c->raw;
		return 0;
	}
	switch (c->f->type) {
	case CDP_STRING:
		v->raw = false;
		return cdp_rec_str(w->rec, c->f, &w->tmp, &v->s, &v->n);
	case CDP_OBJECT:
	case CDP_ARRAY:
		return -1;
	default:
		v->s = w->rec->p + c->f->voff;
		v->n = c->f->vlen;
		v->raw = true;
		return 0;
	}
}

bool
steps_any(const struct fspec *spec)
{
	return spec != NULL && (spec->type != T_NONE ||
	    spec->norm != CDP_N_NONE || spec->re != NULL || spec->hash);
}

int
steps_run(const struct ingest_opts *opt, struct plan_work *w, struct cell *c,
    const char **why)
{
	const struct fspec *spec = c->spec;
	const char *v0;
	struct val v;
	size_t n0;

	w->cur[0] = '\0';
	if (cell_value(w, c, &v) == -1) {
		*why = field_reason(w, c, "not a scalar value", NULL, 0);
		return -1;
	}
	v0 = v.s;
	n0 = v.n;
	if (apply_type(opt, w, spec, &v, why) == -1)
		goto bad;
	if (spec->norm != CDP_N_NONE) {
		struct cdp_buf *b = spare(w, &v);

		if (normalise(opt, w, spec->norm, &v, b, why) == -1)
			goto bad;
		take(&v, b, false);
	}
	if (spec->re != NULL && apply_match(w, spec, &v, why) == -1)
		goto bad;
	if (spec->hash && apply_hash(opt, w, spec, &v, why) == -1)
		goto bad;
	/* A value from --map-values or --set may be in vals already. */
	if (w->vals.p != NULL && v.s >= w->vals.p &&
	    v.s <= w->vals.p + w->vals.len) {
		c->off = (size_t)(v.s - w->vals.p);
	} else {
		c->off = w->vals.len;
		if (cdp_buf_add(&w->vals, v.s, v.n) == -1) {
			*why = "out of memory";
			return -1;
		}
	}
	c->f = NULL;
	c->v = NULL;
	c->vlen = v.n;
	c->raw = v.raw;
	return 0;
bad:
	w->cur[0] = '\0';
	/* A later step may have reused the buffer of the original value. */
	if (cdp_diag_verbose() && cell_value(w, c, &v) == 0) {
		v0 = v.s;
		n0 = v.n;
	}
	*why = field_reason(w, c, *why, v0, n0);
	return -1;
}
