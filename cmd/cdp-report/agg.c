/* agg.c - values, hash sets and hex text shared by group and profile; see
 * agg.h. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"
#include "xalloc.h"
#include "agg.h"
#include "report.h"

int
agg_val(const struct cdp_rec *r, const struct cdp_field *f,
    struct cdp_buf *scratch, struct aval *v)
{
	*v = (struct aval){ .t = AV_NULL };
	if (f == NULL)
		return 0;
	switch (f->type) {
	case CDP_FALSE:
		v->t = AV_FALSE;
		break;
	case CDP_TRUE:
		v->t = AV_TRUE;
		break;
	case CDP_NUMBER:
		v->t = AV_NUM;
		if (cdp_rec_num(r, f, &v->num) == -1)
			return -1;
		if (v->num == 0)
			v->num = 0;	/* -0 and 0 are one value */
		/* Its exact value: two numbers one double cannot tell apart
		 * (20-digit ids) stay two keys. */
		cdp_buf_reset(scratch);
		if (cdp_num_canon(r->p + f->voff, f->vlen, scratch) == -1)
			return -1;
		v->s = scratch->p;
		v->n = scratch->len;
		break;
	case CDP_STRING:
		v->t = AV_STR;
		if (cdp_rec_str(r, f, scratch, &v->s, &v->n) == -1)
			return -1;
		break;
	case CDP_ARRAY:
	case CDP_OBJECT:
		v->t = f->type == CDP_ARRAY ? AV_ARR : AV_OBJ;
		v->s = r->p + f->voff;
		v->n = f->vlen;
		if (f->flags & CDP_F_SPACE) {
			if (cdp_span_compact(v->s, v->n, scratch) == -1)
				return -1;
			v->s = scratch->p;
			v->n = scratch->len;
		}
		break;
	default:
		break;
	}
	return 0;
}

int
agg_elem_val(const struct cdp_rec *r, const char *p, size_t n,
    struct cdp_buf *scratch, struct aval *v)
{
	struct cdp_field f = { .voff = (uint32_t)(p - r->p),
	    .vlen = (uint32_t)n, .type = (uint8_t)cdp_span_type(p) };

	/* The element is read as a field of its own: an escape or a space
	 * costs only a copy when there is none. */
	if (f.type == CDP_STRING && memchr(p, '\\', n) != NULL)
		f.flags |= CDP_F_VALESC;
	if (f.type == CDP_ARRAY || f.type == CDP_OBJECT)
		f.flags |= CDP_F_SPACE;
	return agg_val(r, &f, scratch, v);
}

void
agg_val_json(const json_t *j, struct aval *v)
{
	*v = (struct aval){ .t = AV_NULL };
	switch (json_typeof(j)) {
	case JSON_FALSE:
		v->t = AV_FALSE;
		break;
	case JSON_TRUE:
		v->t = AV_TRUE;
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		v->t = AV_NUM;
		v->num = json_number_value(j);
		if (v->num == 0)
			v->num = 0;
		break;
	case JSON_STRING:
		v->t = AV_STR;
		v->s = json_string_value(j);
		v->n = json_string_length(j);
		break;
	default:
		break;
	}
}

/*
 * The canonical text of number v (cdp_num_canon()) into s and n: its own,
 * or made from the double into tmp when v came without one (a partial
 * file read by jansson, a min/max state).
 */
static int
num_text(const struct aval *v, char *tmp, const char **s, size_t *n)
{
	struct cdp_buf b = { 0 };
	char num[32];
	int len;

	if (v->n > 0) {
		*s = v->s;
		*n = v->n;
		return 0;
	}
	if ((len = cdp_fmt_double(num, v->num)) < 0 ||
	    cdp_num_canon(num, (size_t)len, &b) == -1 || b.len >= 64) {
		cdp_buf_free(&b);
		return -1;
	}
	memcpy(tmp, b.p, b.len + 1);
	*s = tmp;
	*n = b.len;
	cdp_buf_free(&b);
	return 0;
}

int
agg_cmp(const struct aval *a, const struct aval *b)
{
	char ta[64], tb[64];
	const char *sa, *sb;
	size_t na, nb;
	int c;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	switch (a->t) {
	case AV_NUM:
		if (a->num != b->num)
			return a->num < b->num ? -1 : 1;
		/* Equal as doubles: by the exact values. */
		if (num_text(a, ta, &sa, &na) == -1 ||
		    num_text(b, tb, &sb, &nb) == -1)
			return 0;
		return cdp_num_canon_cmp(sa, na, sb, nb);
	case AV_STR:
	case AV_ARR:
	case AV_OBJ:
		c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
		if (c != 0)
			return c < 0 ? -1 : 1;
		return a->n < b->n ? -1 : a->n > b->n;
	default:
		return 0;
	}
}

int
agg_key_add(struct cdp_buf *b, const struct aval *v)
{
	uint32_t n = (uint32_t)v->n;
	char tmp[64];
	const char *s;
	size_t sn;

	if (cdp_buf_addc(b, v->t) == -1)
		return -1;
	switch (v->t) {
	case AV_NUM:
		/* The double (for the order) and the exact text (for
		 * equality). */
		if (num_text(v, tmp, &s, &sn) == -1)
			return -1;
		n = (uint32_t)sn;
		if (cdp_buf_add(b, &v->num, sizeof(v->num)) == -1 ||
		    cdp_buf_add(b, &n, sizeof(n)) == -1)
			return -1;
		return cdp_buf_add(b, s, sn);
	case AV_STR:
	case AV_ARR:
	case AV_OBJ:
		if (cdp_buf_add(b, &n, sizeof(n)) == -1)
			return -1;
		return cdp_buf_add(b, v->s, v->n);
	default:
		return 0;
	}
}

void
agg_key_next(const char **p, struct aval *v)
{
	uint32_t n;

	*v = (struct aval){ .t = (uint8_t)**p };
	(*p)++;
	switch (v->t) {
	case AV_NUM:
		memcpy(&v->num, *p, sizeof(v->num));
		*p += sizeof(v->num);
		memcpy(&n, *p, sizeof(n));
		*p += sizeof(n);
		v->s = *p;
		v->n = n;
		*p += n;
		break;
	case AV_STR:
	case AV_ARR:
	case AV_OBJ:
		memcpy(&n, *p, sizeof(n));
		*p += sizeof(n);
		v->s = *p;
		v->n = n;
		*p += n;
		break;
	default:
		break;
	}
}

struct cdp_key128
agg_hash(const struct aval *v, struct cdp_buf *tmp)
{
	cdp_buf_reset(tmp);
	if (agg_key_add(tmp, v) == -1)
		cdp_oom(0);
	return cdp_key128_of(tmp->p, tmp->len);
}

int
agg_json_add(struct cdp_buf *b, const struct aval *v)
{
	char num[40];
	int n;

	switch (v->t) {
	case AV_FALSE:
		return cdp_buf_adds(b, "false");
	case AV_TRUE:
		return cdp_buf_adds(b, "true");
	case AV_NUM:
		if (v->n > 0)
			return cdp_num_canon_json(v->s, v->n, b);
		if ((n = cdp_fmt_double(num, v->num)) < 0)
			return cdp_buf_adds(b, "null");
		return cdp_buf_add(b, num, (size_t)n);
	case AV_STR:
		return cdp_json_quote(b, v->s, v->n);
	case AV_ARR:
	case AV_OBJ:
		return cdp_buf_add(b, v->s, v->n);
	default:
		return cdp_buf_adds(b, "null");
	}
}

/* ---- the hash set ---- */

static struct cdp_key128
fix(struct cdp_key128 k)
{
	if (k.lo == 0 && k.hi == 0)
		k.hi = 1;
	return k;
}

static int
hset_grow(struct hset *h)
{
	size_t cap = h->cap ? h->cap * 2 : 8;
	struct hslot *s = calloc(cap, sizeof(*s)), *old = h->s;

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < h->cap; i++) {
		size_t j;

		if (old[i].lo == 0 && old[i].hi == 0)
			continue;
		for (j = old[i].lo & (cap - 1); s[j].lo || s[j].hi;
		    j = (j + 1) & (cap - 1))
			;
		s[j] = old[i];
	}
	free(old);
	h->s = s;
	h->cap = cap;
	return 0;
}

uint32_t *
hset_put(struct hset *h, struct cdp_key128 k, uint32_t val, int *added)
{
	size_t j;

	k = fix(k);
	if ((h->n + 1) * 4 > h->cap * 3 && hset_grow(h) == -1)
		return NULL;
	for (j = k.lo & (h->cap - 1); h->s[j].lo || h->s[j].hi;
	    j = (j + 1) & (h->cap - 1))
		if (h->s[j].lo == k.lo && h->s[j].hi == k.hi) {
			*added = 0;
			return &h->s[j].val;
		}
	h->s[j] = (struct hslot){ k.lo, k.hi, val };
	h->n++;
	*added = 1;
	return &h->s[j].val;
}

uint32_t *
hset_get(const struct hset *h, struct cdp_key128 k)
{
	k = fix(k);
	if (h->cap == 0)
		return NULL;
	for (size_t j = k.lo & (h->cap - 1); h->s[j].lo || h->s[j].hi;
	    j = (j + 1) & (h->cap - 1))
		if (h->s[j].lo == k.lo && h->s[j].hi == k.hi)
			return &h->s[j].val;
	return NULL;
}

void
hset_del(struct hset *h, struct cdp_key128 k)
{
	size_t m = h->cap - 1, i, j;
	uint32_t *v = hset_get(h, k);

	if (v == NULL)
		return;
	i = (size_t)((struct hslot *)(void *)((char *)v -
	    offsetof(struct hslot, val)) - h->s);
	/* Move later members of the probe run back so that no lookup
	 * stops early at the hole. */
	for (j = (i + 1) & m; h->s[j].lo || h->s[j].hi; j = (j + 1) & m) {
		size_t home = h->s[j].lo & m;

		if (((j - home) & m) >= ((j - i) & m)) {
			h->s[i] = h->s[j];
			i = j;
		}
	}
	h->s[i] = (struct hslot){ 0 };
	h->n--;
}

void
hset_free(struct hset *h)
{
	free(h->s);
	*h = (struct hset){ 0 };
}

/* ---- hex ---- */

int
hex_add(struct cdp_buf *b, const void *p, size_t n)
{
	static const char dig[] = "0123456789abcdef";
	const unsigned char *u = p;

	if (cdp_buf_reserve(b, n * 2) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = dig[u[i] >> 4];
		b->p[b->len++] = dig[u[i] & 15];
	}
	b->p[b->len] = '\0';
	return 0;
}

static int
nib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
hex_get(const char *s, size_t slen, void *p, size_t n)
{
	unsigned char *u = p;

	if (slen != n * 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int a = nib(s[2 * i]), b = nib(s[2 * i + 1]);

		if (a < 0 || b < 0)
			return -1;
		u[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

int
key_hex_add(struct cdp_buf *b, struct cdp_key128 k)
{
	unsigned char u[16];

	for (int i = 0; i < 8; i++) {
		u[i] = (unsigned char)(k.hi >> (56 - 8 * i));
		u[8 + i] = (unsigned char)(k.lo >> (56 - 8 * i));
	}
	return hex_add(b, u, sizeof(u));
}

int
key_hex_get(const char *s, size_t n, struct cdp_key128 *k)
{
	unsigned char u[16];

	if (hex_get(s, n, u, sizeof(u)) == -1)
		return -1;
	*k = (struct cdp_key128){ 0 };
	for (int i = 0; i < 8; i++) {
		k->hi = k->hi << 8 | u[i];
		k->lo = k->lo << 8 | u[8 + i];
	}
	return 0;
}
