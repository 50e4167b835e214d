/*
 * hash.h - pseudonymisation: hex SHA-256 or HMAC-SHA256 of identifiers
 * (the customer-match format of ad platforms), through libcrypto.
 */
#ifndef CDP_HASH_H
#define CDP_HASH_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define CDP_HASH_HEXLEN	64

/*
 * Write the lower-case hex SHA-256 of s[0..n) into out (65 bytes with the
 * NUL), through sha (the run's context, see cdp_sha_new()), or its
 * HMAC-SHA256 under key[0..keylen) when key is non-NULL (sha then
 * unused).  Returns 0, or -1 when libcrypto fails.
 */
struct cdp_sha;
int	cdp_hash_hex(struct cdp_sha *sha, const unsigned char *key,
	    size_t keylen, const char *s, size_t n,
	    char out[CDP_HASH_HEXLEN + 1]);

/*
 * Read an HMAC key from path into key (a final newline is not part of
 * it).  An empty key or a key shorter than 16 bytes is refused.  Returns
 * 0, or -1 with err set (EX_NOINPUT, EX_DATAERR).
 */
int	cdp_hash_key_load(const char *path, struct cdp_buf *key,
	    struct cdp_err *err);

/* A SHA-256 hasher reused from call to call (no key). */
struct cdp_sha;

/* A new hasher, or NULL when libcrypto fails or memory runs out. */
struct cdp_sha *cdp_sha_new(void);

/*
 * Write the hex SHA-256 of s[0..n) into out, the same text as
 * cdp_hash_hex() without a key.  Returns 0, or -1 when libcrypto fails.
 */
int	cdp_sha_hex(struct cdp_sha *h, const char *s, size_t n,
	    char out[CDP_HASH_HEXLEN + 1]);

/* Free h; NULL is a no-op. */
void	cdp_sha_free(struct cdp_sha *h);

#endif
