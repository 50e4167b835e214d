/*
 * idvals.c - identifier values of a field (a scalar, an array of them,
 * and `_ids.F`) read from the spans of a validated record; see idvals.h.
 */
#include <string.h>

#include "idvals.h"

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p;
}

/* p at a string's opening quote: the byte after its closing quote. */
static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* The end of the (valid) value starting at p. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && strchr(",]} \t\r\n", *p) == NULL)
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

/* Whether the key text k[0..kn) (escaped) unescapes to key[0..klen). */
static bool
key_is(const char *k, size_t kn, const char *key, size_t klen)
{
	struct cdp_buf b = { 0 };
	bool eq;

	if (memchr(k, '\\', kn) == NULL)
		return kn == klen && memcmp(k, key, kn) == 0;
	eq = cdp_json_unescape(k, kn, &b) == 0 && b.len == klen &&
	    memcmp(b.p, key, klen) == 0;
	cdp_buf_free(&b);
	return eq;
}

int
cdp_json_member(const char *p, size_t n, const char *key, size_t klen,
    const char **v, size_t *vn)
{
	const char *end = p + n;

	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return 0;
	for (p++;;) {
		const char *k, *e;

		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
		if (p == end || *p != '"')
			return 0;
		k = p + 1;
		p = skip_string(p, end);
		e = p - 1;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return 0;
		p = skip_ws(p + 1, end);
		if (p == end)
			return 0;
		if (key_is(k, (size_t)(e - k), key, klen)) {
			*v = p;
			*vn = (size_t)(skip_value(p, end) - p);
			return 1;
		}
		p = skip_value(p, end);
	}
}

/* One scalar value at p[0..vn): 1 and its text, 0 for null, -1 bad. */
static int
scalar(struct cdp_idvals *it, const char *p, size_t vn,
    struct cdp_buf *scratch, const char **s, size_t *n, const char **why)
{
	it->str = *p == '"';
	if (*p == 'n')
		return 0;
	if (*p == '"') {
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
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		*s = p;
		*n = vn;
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
	size_t vn;

	*it = (struct cdp_idvals){ .rec = rec };
	it->f = cdp_rec_find(r, name, nlen);
	if (!ids || (f = cdp_rec_find(r, "_ids", 4)) == NULL ||
	    f->type != CDP_OBJECT)
		return;
	if (cdp_json_member(rec->p + f->voff, f->vlen, name, nlen, &it->sub,
	    &vn) == 1)
		it->subend = it->sub + vn;
	else
		it->sub = NULL;
}

/* The next element of the array being read, skipping nulls. */
static int
next_element(struct cdp_idvals *it, struct cdp_buf *scratch, const char **s,
    size_t *n, const char **why)
{
	for (;;) {
		const char *v;
		int rc;

		it->p = skip_ws(it->p, it->end);
		if (it->p < it->end && *it->p == ',')
			it->p = skip_ws(it->p + 1, it->end);
		if (it->p >= it->end || *it->p == ']') {
			it->in_array = false;
			return 0;
		}
		v = it->p;
		it->p = skip_value(v, it->end);
		if ((rc = scalar(it, v, (size_t)(it->p - v), scratch, s, n,
		    why)) != 0)
			return rc;
	}
}

/* Start reading value v[0..vn): an array is entered, a scalar given. */
static int
enter(struct cdp_idvals *it, const char *v, size_t vn,
    struct cdp_buf *scratch, const char **s, size_t *n, const char **why)
{
	if (*v != '[')
		return scalar(it, v, vn, scratch, s, n, why);
	it->p = v + 1;
	it->end = v + vn;
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
