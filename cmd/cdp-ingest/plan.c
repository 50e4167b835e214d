/*
 * plan.c - applies cdp-ingest's per-field plan to one record: --only,
 * --types, --normalize, --match, --hash, --require and --empty.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "hash.h"
#include "xalloc.h"
#include "ingest.h"

#define MATCH_LIMIT	1000000		/* backtracking steps per match */
#define DEPTH_LIMIT	10000		/* backtracking memory, in KiB */

const struct fspec *
plan_spec(const struct ingest_opts *opt, const char *key, size_t klen)
{
	for (int i = 0; i < opt->nspecs; i++)
		if (opt->specs[i].nlen == klen &&
		    memcmp(opt->specs[i].name, key, klen) == 0)
			return &opt->specs[i];
	return NULL;
}

void
plan_rename(const struct ingest_opts *opt, const char **key, size_t *klen)
{
	for (int i = 0; i < opt->nrenames; i++)
		if (opt->renames[i].flen == *klen &&
		    memcmp(opt->renames[i].from, *key, *klen) == 0) {
			*key = opt->renames[i].to;
			*klen = opt->renames[i].tlen;
			return;
		}
}

void
plan_work_init(struct plan_work *w, const struct ingest_opts *opt)
{
	struct cdp_err err;
	bool country = false, regex = false;

	*w = (struct plan_work){ 0 };
	for (int i = 0; i < opt->nspecs; i++) {
		country |= opt->specs[i].norm == CDP_N_COUNTRY ||
		    opt->specs[i].hash_norm == CDP_N_COUNTRY;
		regex |= opt->specs[i].re != NULL;
	}
	w->ctx.default_country = opt->common.default_country;
	w->ctx.date_order = opt->common.date_order;
	if (country && cdp_norm_ctx_prepare(&w->ctx, CDP_N_COUNTRY,
	    &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (opt->hash_key_file != NULL &&
	    cdp_hash_key_load(opt->hash_key_file, &w->key, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (regex) {
		w->md = pcre2_match_data_create(1, NULL);
		w->mctx = pcre2_match_context_create(NULL);
		if (w->md == NULL || w->mctx == NULL)
			cdp_oom(0);
		pcre2_set_match_limit(w->mctx, MATCH_LIMIT);
		pcre2_set_depth_limit(w->mctx, DEPTH_LIMIT);
		pcre2_set_heap_limit(w->mctx, DEPTH_LIMIT);
	}
}

void
plan_work_free(struct plan_work *w)
{
	cdp_buf_free(&w->vals);
	cdp_buf_free(&w->tmp);
	cdp_buf_free(&w->tmp2);
	cdp_buf_free(&w->key);
	cdp_buf_free(&w->msg);
	cdp_sha_free(w->sha);
	cdp_norm_ctx_free(&w->ctx);
	pcre2_match_data_free(w->md);
	pcre2_match_context_free(w->mctx);
}

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

/* A value on its way through the steps: string contents, or JSON text. */
struct val {
	const char	*s;
	size_t		 n;
	bool		 raw;
};

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

static int
apply_type(struct plan_work *w, enum ftype t, struct val *v,
    const char **why)
{
	struct cdp_buf *b = spare(w, v);
	int rc = 0;

	switch (t) {
	case T_NONE:
		return 0;
	case T_STRING:
		v->raw = false;
		return 0;
	case T_INT:
		rc = to_int(v->s, v->n, b, why);
		break;
	case T_NUMBER:
		rc = to_number(v->s, v->n, b, why);
		break;
	case T_BOOL:
		rc = to_bool(v->s, v->n, b, why);
		break;
	case T_DATE:
		rc = cdp_norm_apply(&w->ctx, CDP_N_DATE, v->s, v->n, b, why);
		break;
	case T_DATETIME:
		rc = cdp_norm_apply(&w->ctx, CDP_N_DATETIME, v->s, v->n, b,
		    why);
		break;
	}
	if (rc == 0)
		take(v, b, t != T_DATE && t != T_DATETIME);
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
apply_hash(struct plan_work *w, const struct fspec *spec, struct val *v,
    const char **why)
{
	char hex[CDP_HASH_HEXLEN + 1];
	struct cdp_buf *b;

	if (spec->norm == CDP_N_NONE) {
		b = spare(w, v);
		if (cdp_norm_apply(&w->ctx, spec->hash_norm, v->s, v->n, b,
		    why) == -1)
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

/* The value of c to work on; -1 for an object or array. */
static int
cell_value(struct plan_work *w, const struct cell *c, struct val *v)
{
	if (c->f == NULL) {
		v->s = c->v;
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

/* Run the steps of c's spec; the result goes to w->vals. */
static int
apply_cell(struct plan_work *w, struct cell *c, const char **why)
{
	const struct fspec *spec = c->spec;
	const char *v0;
	struct val v;
	size_t n0;

	if (cell_value(w, c, &v) == -1) {
		*why = field_reason(w, c, "not a scalar value", NULL, 0);
		return -1;
	}
	v0 = v.s;
	n0 = v.n;
	if (apply_type(w, spec->type, &v, why) == -1)
		goto bad;
	if (spec->norm != CDP_N_NONE) {
		struct cdp_buf *b = spare(w, &v);

		if (cdp_norm_apply(&w->ctx, spec->norm, v.s, v.n, b, why) == -1)
			goto bad;
		take(&v, b, false);
	}
	if (spec->re != NULL && apply_match(w, spec, &v, why) == -1)
		goto bad;
	if (spec->hash && apply_hash(w, spec, &v, why) == -1)
		goto bad;
	c->off = w->vals.len;
	if (cdp_buf_add(&w->vals, v.s, v.n) == -1) {
		*why = "out of memory";
		return -1;
	}
	c->f = NULL;
	c->v = NULL;
	c->vlen = v.n;
	c->raw = v.raw;
	return 0;
bad:
	/* A later step may have reused the buffer of the original value. */
	if (cdp_diag_verbose() && cell_value(w, c, &v) == 0) {
		v0 = v.s;
		n0 = v.n;
	}
	*why = field_reason(w, c, *why, v0, n0);
	return -1;
}

static bool
is_empty(const struct plan_work *w, const struct cell *c)
{
	if (c->f == NULL)
		return c->vlen == 0 || (c->raw && c->vlen == 4 &&
		    memcmp(c->v ? c->v : w->vals.p + c->off, "null", 4) == 0);
	return c->f->type == CDP_NULL ||
	    (c->f->type == CDP_STRING && c->f->vlen == 2);
}

/* --empty for a CSV cell; returns false when the cell is to be dropped. */
static bool
empty_cell(const struct ingest_opts *opt, struct cell *c)
{
	if (opt->empty == EMPTY_OMIT)
		return false;
	if (opt->empty == EMPTY_NULL ||
	    (c->spec != NULL && c->spec->type > T_STRING)) {
		c->v = "null";
		c->vlen = 4;
		c->raw = true;
	}
	return true;
}

static int
check_require(const struct ingest_opts *opt, struct plan_work *w,
    const struct cell *cells, size_t n, const char **why)
{
	for (int g = 0; g < opt->nrequire; g++) {
		bool found = false;

		for (const char **name = opt->require[g]; *name && !found;
		    name++)
			for (size_t i = 0; i < n && !found; i++)
				found = cells[i].klen == strlen(*name) &&
				    memcmp(cells[i].key, *name,
				    cells[i].klen) == 0 &&
				    !is_empty(w, &cells[i]);
		if (!found) {
			cdp_buf_reset(&w->msg);
			cdp_buf_adds(&w->msg, opt->require[g][1] == NULL ?
			    "missing required field " :
			    "none of the required fields ");
			for (const char **name = opt->require[g]; *name;
			    name++) {
				if (name != opt->require[g])
					cdp_buf_addc(&w->msg, '|');
				cdp_buf_adds(&w->msg, *name);
			}
			if (opt->require[g][1] != NULL)
				cdp_buf_adds(&w->msg, " is present");
			*why = w->msg.p ? w->msg.p : "out of memory";
			return -1;
		}
	}
	return 0;
}

int
plan_apply(const struct ingest_opts *opt, struct plan_work *w,
    struct cell *cells, size_t *n, const char **why)
{
	size_t k = 0;

	cdp_buf_reset(&w->vals);
	for (size_t i = 0; i < *n; i++) {
		struct cell *c = &cells[i];

		if (opt->only && (c->spec == NULL || !c->spec->keep))
			continue;
		if (is_empty(w, c)) {
			if (c->f == NULL && !empty_cell(opt, c))
				continue;
		} else if (c->spec != NULL && (c->spec->type != T_NONE ||
		    c->spec->norm != CDP_N_NONE || c->spec->re != NULL ||
		    c->spec->hash) && apply_cell(w, c, why) == -1) {
			return -1;
		}
		cells[k++] = *c;
	}
	*n = k;
	return check_require(opt, w, cells, k, why);
}
