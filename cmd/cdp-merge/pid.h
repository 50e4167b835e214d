/*
 * pid.h - profile ids: "p_" and 32 hex digits of the unkeyed XXH3-128 of
 * what names a person, or with --id-key-file of a keyed hash, so that ids
 * are pseudonyms only the holder of the key can link to an identifier.
 */
#ifndef MERGE_PID_H
#define MERGE_PID_H

#include <stddef.h>

#include "diag.h"
#include "index.h"
#include "keymap.h"
#include "merge.h"

struct pidkey;

/*
 * The id key of the key file at path (at least 16 bytes, as cdp-ingest's
 * --hash-key-file).  Returns a new handle, or NULL with err set
 * (EX_NOINPUT, EX_DATAERR, EX_SOFTWARE).
 */
struct pidkey *pidkey_new(const char *path, struct cdp_err *err);

/* pidkey_new() of --id-key-file, NULL without it; exits on a bad key. */
struct pidkey *pidkey_of(const struct merge_opts *opt);

/* Free k; NULL is a no-op. */
void	pidkey_free(struct pidkey *k);

/* 16 hex digits that tell the key apart, for the join files' headers
 * (from a key derived for that use only: they give nothing away). */
const char *pidkey_fingerprint(const struct pidkey *k);

/*
 * The 128 bits that name a person by the bytes p[0..n) (field name, NUL,
 * normalised value): their XXH3-128 when k is NULL, else the first 128
 * bits of their HMAC-SHA256 under a key derived from the key file.
 */
struct cdp_key128 pid_of_bytes(const struct pidkey *k, const void *p,
	    size_t n);

/*
 * The 128 bits that name a record with no linking identifier, whose
 * record key (XXH3-128 of its text) is key: key itself when k is NULL,
 * else the HMAC of its 16 bytes (hi then lo, big-endian) as above.
 */
struct cdp_key128 pid_of_key(const struct pidkey *k, struct cdp_key128 key);

/* The profile id of 128 bits h into out: "p_" and 32 hex digits. */
void	pid_text(struct cdp_key128 h, char out[PROFILE_ID_SIZE]);

#endif
