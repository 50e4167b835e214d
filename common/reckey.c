/* reckey.c - record keys from normalised fields; see reckey.h. */
#include <stdint.h>

#include "idvals.h"
#include "norm.h"
#include "reckey.h"

const char *
cdp_key_reason(struct cdp_keyer *k, const struct cdp_keyfield *kf,
    const char *reason)
{
	cdp_buf_reset(&k->msg);
	if (cdp_buf_adds(&k->msg, "field ") == -1 ||
	    cdp_json_quote(&k->msg, kf->name, kf->nlen) == -1 ||
	    cdp_buf_addf(&k->msg, ": %s", reason) == -1)
		return NULL;
	return k->msg.p;
}

int
cdp_key_field(struct cdp_keyer *k, struct cdp_rec *rec,
    const struct cdp_keyfield *kf, struct cdp_buf *out, const char **why)
{
	const struct cdp_field *f = cdp_rec_find(rec, kf->name, kf->nlen);
	const char *s, *reason;
	size_t n;
	int rc;

	cdp_buf_reset(out);
	if (f == NULL || f->type == CDP_NULL)
		return 0;
	if (f->type == CDP_OBJECT) {
		*why = cdp_key_reason(k, kf, "an object cannot be a key");
		return *why == NULL ? -2 : -1;
	}
	if (f->type == CDP_TRUE || f->type == CDP_FALSE) {
		s = rec->p + f->voff;
		n = f->vlen;
	} else if ((rc = cdp_idvals_first(rec, kf->name, kf->nlen, &k->tmp,
	    &s, &n, &reason)) != 1) {
		/* A string or number, or the first of an array of them (a
		 * profile's identifiers): common/idvals.h. */
		if (rc == -1)
			*why = cdp_key_reason(k, kf, reason);
		return rc == -1 && *why == NULL ? -2 : rc;
	}
	cdp_trim(&s, &n);
	if (kf->norm == CDP_N_NONE) {
		if (cdp_buf_add(out, s, n) == -1)
			return -2;
	} else if (n > 0 && cdp_norm_apply(k->ctx, kf->norm, s, n, out,
	    &reason) == -1) {
		*why = cdp_key_reason(k, kf, reason);
		return *why == NULL ? -2 : -1;
	}
	return out->len > 0;
}

int
cdp_key_make(struct cdp_keyer *k, struct cdp_rec *rec,
    const struct cdp_keyfield *f, int n, struct cdp_buf *val,
    const char **why)
{
	cdp_buf_reset(&k->key);
	for (int i = 0; i < n; i++) {
		int rc = cdp_key_field(k, rec, &f[i], val, why);
		uint32_t len = (uint32_t)val->len;

		if (rc != 1)
			return rc;
		if (cdp_buf_add(&k->key, &len, sizeof(len)) == -1 ||
		    cdp_buf_add(&k->key, val->p, val->len) == -1 ||
		    cdp_buf_addc(&k->key, 0x1f) == -1)
			return -2;
	}
	return 1;
}

void
cdp_keyer_free(struct cdp_keyer *k)
{
	cdp_buf_free(&k->key);
	cdp_buf_free(&k->tmp);
	cdp_buf_free(&k->msg);
}
