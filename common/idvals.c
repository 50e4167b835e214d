/*
 * idvals.c - identifier values of a field (a scalar, an array of them,
 * and `_ids.F`) read from the spans of a validated record through
 * common/span; see idvals.h.
 */
#include <string.h>

#include "idvals.h"
#include "span.h"

/* One scalar value at p[0..vn): 1 and its text, 0 for null, -1 bad. */
static int
scalar(struct cdp_idvals *it, const char *p, size_t vn,
    struct cdp_buf *scratch, const char **s, size_t *n, const char **why)
{
	enum cdp_type t = cdp_span_type(p);

	it->str = t == CDP_STRING;
	if (t == CDP_NULL)
		return 0;
	if (t == CDP_STRING) {
		*s = p + 1;
		*n = vn - 2;
		if (memchr(*s, '\\', *n) == NULL)
			return 1;
		cdp_buf_reset(scratch);
		if (cdp_json_unescape(*s, *n, scratch) == -1)
			return -2;
		*s = scratch->p;
		*n = scratch->len;
		return 1;
	}
	if (t == CDP_NUMBER) {
		/* By its exact value, as every program keys numbers: 1.0 is
		 * 1, 20-digit ids are never rounded (cdp_num_key()). */
		cdp_buf_reset(scratch);
		if (cdp_num_key(p, vn, scratch) == -1)
			return -2;
		*s = scratch->p;
		*n = scratch->len;
		return 1;
	}
	*why = "an identifier must be a string, a number or an array of them";
	return -1;
}

void
cdp_idvals_start(struct cdp_idvals *it, const struct cdp_rec *rec,
    const char *name, size_t nlen, bool ids)
{
	const struct cdp_field *f;
	struct cdp_rec *r = (struct cdp_rec *)rec;	/* find only reads */
	struct cdp_buf tmp = { 0 };
	size_t vn;

	*it = (struct cdp_idvals){ .rec = rec };
	it->f = cdp_rec_find(r, name, nlen);
	if (!ids || (f = cdp_rec_find(r, "_ids", 4)) == NULL ||
	    f->type != CDP_OBJECT)
		return;
	/* Memory running out for an escaped key reads as "not there". */
	if (cdp_span_member(rec->p + f->voff, f->vlen, name, nlen, &tmp,
	    &it->sub, &vn) == 1)
		it->subend = it->sub + vn;
	else
		it->sub = NULL;
	cdp_buf_free(&tmp);
}

/* The next element of the array being read, skipping nulls. */
static int
next_element(struct cdp_idvals *it, struct cdp_buf *scratch, const char **s,
    size_t *n, const char **why)
{
	const char *v;
	size_t vn;
	int rc;

	while (cdp_span_next(it->p, (size_t)(it->end - it->p), &it->pos, &v,
	    &vn))
		if ((rc = scalar(it, v, vn, scratch, s, n, why)) != 0)
			return rc;
	it->in_array = false;
	return 0;
}

/* Start reading value v[0..vn): an array is entered, a scalar given. */
static int
enter(struct cdp_idvals *it, const char *v, size_t vn,
    struct cdp_buf *scratch, const char **s, size_t *n, const char **why)
{
	if (cdp_span_type(v) != CDP_ARRAY)
		return scalar(it, v, vn, scratch, s, n, why);
	it->p = v;
	it->end = v + vn;
	it->pos = 0;
	it->in_array = true;
	return next_element(it, scratch, s, n, why);
}

int
cdp_idvals_next(struct cdp_idvals *it, struct cdp_buf *scratch,
    const char **s, size_t *n, const char **why)
{
	int rc;

	if (it->in_array && (rc = next_element(it, scratch, s, n, why)) != 0)
		return rc;
	if (it->f != NULL) {
		const struct cdp_field *f = it->f;

		it->f = NULL;
		if ((rc = enter(it, it->rec->p + f->voff, f->vlen, scratch, s,
		    n, why)) != 0)
			return rc;
	}
	if (it->sub != NULL) {
		const char *v = it->sub;

		it->sub = NULL;
		if ((rc = enter(it, v, (size_t)(it->subend - v), scratch, s,
		    n, why)) != 0)
			return rc;
	}
	return 0;
}

int
cdp_idvals_first(const struct cdp_rec *rec, const char *name, size_t nlen,
    struct cdp_buf *scratch, const char **s, size_t *n, const char **why)
{
	struct cdp_idvals it;

	cdp_idvals_start(&it, rec, name, nlen, false);
	return cdp_idvals_next(&it, scratch, s, n, why);
}
