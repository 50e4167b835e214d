/*
 * reckey.h - the key of a record made of normalised field values, as
 * cdp-dedupe --key and cdp-partition --key make it: the same record gives
 * the same key bytes in every program, so a partition by key holds every
 * duplicate of a key.
 */
#ifndef CDP_RECKEY_H
#define CDP_RECKEY_H

#include <stddef.h>

#include "buf.h"
#include "normkind.h"
#include "record.h"

/* One field of a key and its normaliser (CDP_N_NONE: trimmed only). */
struct cdp_keyfield {
	const char		*name;
	size_t			 nlen;
	enum cdp_norm_kind	 norm;
};

/* Scratch space of key making; zero it to start, cdp_keyer_free() at
 * the end.  ctx must be prepared for every kind used. */
struct cdp_keyer {
	const struct cdp_norm_ctx	*ctx;
	struct cdp_buf			 key;	/* the last key made */
	struct cdp_buf			 tmp;	/* private */
	struct cdp_buf			 msg;	/* private: reasons */
};

/*
 * The value of kf in rec, normalised, into out (reset first).  Strings
 * are unescaped, numbers taken by their exact value (cdp_num_key(): 1.0
 * is 1), true and false as written, an array of strings and numbers (a
 * profile's identifiers) gives its first; then trimmed and
 * normalised.  Returns 1 with a value, 0 when the field is missing, null,
 * empty or an empty array, -1 when it cannot be a key (an object, another
 * array, a value the normaliser refuses; *why set, valid until the next
 * call), or -2 when memory runs out.
 */
int	cdp_key_field(struct cdp_keyer *k, struct cdp_rec *rec,
	    const struct cdp_keyfield *kf, struct cdp_buf *out,
	    const char **why);

/*
 * The key of rec over fields f[0..n) into k->key: each value with a 4-byte
 * length before it and 0x1f after, so no two different lists of values
 * give the same bytes.  val is scratch for one value.  Returns 1 keyed, 0
 * when a field has no value, -1 bad (*why), -2 out of memory.
 */
int	cdp_key_make(struct cdp_keyer *k, struct cdp_rec *rec,
	    const struct cdp_keyfield *f, int n, struct cdp_buf *val,
	    const char **why);

/*
 * "field "NAME": reason" in k's scratch (valid until the next call), for
 * messages about a key field; NULL when memory runs out.
 */
const char *cdp_key_reason(struct cdp_keyer *k, const struct cdp_keyfield *kf,
	    const char *reason);

void	cdp_keyer_free(struct cdp_keyer *k);

#endif
