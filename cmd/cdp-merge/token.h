/*
 * token.h - how identifier values appear in the files of cdp-merge's
 * phases over partitions: as a 128-bit token (a keyed hash by default)
 * and, for the naming of profiles, as a sealed name only a holder of the
 * key can read back.
 */
#ifndef MERGE_TOKEN_H
#define MERGE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"
#include "keymap.h"

#define TOKEN_TEXT	22	/* a token or set hash as text (key_text()) */

struct tokens;

/*
 * Tokens under the key in key_path (at least 16 bytes, as cdp-ingest's
 * --hash-key-file), or in clear when key_path is NULL.  Returns a new
 * handle, or NULL with err set (EX_NOINPUT, EX_DATAERR, EX_SOFTWARE).
 */
struct tokens *tokens_new(const char *key_path, struct cdp_err *err);

/* Free t; NULL is a no-op. */
void	tokens_free(struct tokens *t);

/* Whether t writes clear text (--clear-links). */
bool	tokens_clear(const struct tokens *t);

/*
 * The token of the identifier whose index key (XXH3-128 of field name,
 * NUL, normalised value) is key: the key itself in clear, else the first
 * 128 bits of HMAC-SHA256 under a key derived from the key file.
 */
struct cdp_key128 tokens_of(struct tokens *t, struct cdp_key128 key);

/*
 * Append to out the name of value v[0..n) whose token is tok: the value
 * escaped (backslash before \, TAB, LF, CR and NUL) in clear, else its
 * AES-256-CTR encryption under a second derived key, with the token as
 * counter block, in key_text()'s characters (4 for 3 bytes, 2 or 3 for a
 * last 1 or 2).  Exits on allocation or libcrypto failure.
 */
void	tokens_seal(struct tokens *t, struct cdp_key128 tok, const char *v,
	    size_t n, struct cdp_buf *out);

/*
 * The value named by name[0..n) of token tok (of --ids field fname) into
 * out (reset first).  Returns 0, or -1 when the name is malformed.  The
 * key is not checked here: the files' headers carry its fingerprint.
 */
int	tokens_open(struct tokens *t, struct cdp_key128 tok, const char *fname,
	    const char *name, size_t n, struct cdp_buf *out);

/* 16 hex digits that tell the key (or "clear") apart, for file headers. */
const char *tokens_fingerprint(const struct tokens *t);

/* k as 22 characters of A-Z a-z 0-9 - _ at out (6 bits each, the
 * first the top 2 of hi; no NUL), the join files' text of a key. */
void	key_text(struct cdp_key128 k, char out[TOKEN_TEXT]);

/* Order of keys (hi, then lo), for qsort() of struct cdp_key128. */
int	key_cmp(const void *a, const void *b);

/* Parse key_text()'s 22 characters at s into *k.  Returns 0, or -1. */
int	key_parse(const char *s, size_t n, struct cdp_key128 *k);

/*
 * HMAC-SHA256(key, label) into out[32]: a key for one use, so that one
 * key file serves several uses and none gives away another.  Returns 0,
 * or -1 when libcrypto fails.
 */
int	key_derive(const struct cdp_buf *key, const char *label,
	    unsigned char out[32]);

/* 16 hex digits of a key derived with label: tells keys apart in file
 * headers and gives nothing away.  Returns 0, or -1 (libcrypto). */
int	key_fingerprint(const struct cdp_buf *key, const char *label,
	    char out[17]);

/*
 * A keyed hash of 128 bits: the first 128 bits of HMAC-SHA256 under the
 * key derived with label, its pads hashed once (a MAC then costs the
 * message's SHA-256 and one block more).  NULL when libcrypto fails.
 */
struct mac128;
struct mac128 *mac128_new(const struct cdp_buf *key, const char *label);
void	mac128_free(struct mac128 *m);

/* The MAC of p[0..n), as a key (its first 8 bytes hi, big-endian). */
struct cdp_key128 mac128_of(const struct mac128 *m, const void *p,
	    size_t n);

/* The MAC of k's 16 bytes (hi, then lo, each big-endian). */
struct cdp_key128 mac128_of_key(const struct mac128 *m, struct cdp_key128 k);

/* Append s[0..n) escaped as a name in clear (see tokens_seal()). */
int	name_escape(struct cdp_buf *out, const char *s, size_t n);

/* Undo name_escape() into out (reset first).  Returns 0, or -1. */
int	name_unescape(struct cdp_buf *out, const char *s, size_t n);

#endif
