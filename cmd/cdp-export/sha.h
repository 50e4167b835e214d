/* sha.h - lower-case hex SHA-256 with a context reused from call to call. */
#ifndef SHA_H
#define SHA_H

#include <stddef.h>
#include <stdlib.h>

#include "hash.h"

struct sha;

/* A new hasher, or NULL when libcrypto fails or memory runs out. */
struct sha *sha_new(void);

/*
 * Write the hex SHA-256 of s[0..n) into out, the same text as
 * cdp_hash_hex() without a key.  Returns 0, or -1 when libcrypto fails.
 */
int	sha_hex(struct sha *h, const char *s, size_t n,
	    char out[CDP_HASH_HEXLEN + 1]);

/* Free h; NULL is a no-op. */
void	sha_free(struct sha *h);

#endif
