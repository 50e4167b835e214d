/*
 * pid.c - profile ids, unkeyed (XXH3-128) or keyed by --id-key-file (the
 * keyed hash of token.c under a key of their own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hash.h"
#include "pid.h"
#include "token.h"
#include "xalloc.h"

struct pidkey {
	struct mac128	*mac;
	char		 fp[17];
};

struct pidkey *
pidkey_new(const char *path, struct cdp_err *err)
{
	struct pidkey *k = cdp_xcalloc(1, sizeof(*k));
	struct cdp_buf key = { 0 };

	/* Labels of their own: an id never equals a join-file token made
	 * from the same file, and the fingerprint tells nothing of it. */
	if (cdp_hash_key_load(path, &key, err) == -1) {
		pidkey_free(k);
		k = NULL;
	} else if ((k->mac = mac128_new(&key, "cdp-merge profile id")) ==
	    NULL || key_fingerprint(&key, "cdp-merge profile id fingerprint",
	    k->fp) == -1) {
		cdp_err_set(err, EX_SOFTWARE, "libcrypto failed to set up the "
		    "id key");
		pidkey_free(k);
		k = NULL;
	}
	if (key.p != NULL)
		OPENSSL_cleanse(key.p, key.cap);
	cdp_buf_free(&key);
	return k;
}

struct pidkey *
pidkey_of(const struct merge_opts *opt)
{
	struct cdp_err err;
	struct pidkey *k;

	if (opt->id_key == NULL)
		return NULL;
	if ((k = pidkey_new(opt->id_key, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	return k;
}

void
pidkey_free(struct pidkey *k)
{
	if (k == NULL)
		return;
	mac128_free(k->mac);
	free(k);
}

const char *
pidkey_fingerprint(const struct pidkey *k)
{
	return k->fp;
}

struct cdp_key128
pid_of_bytes(const struct pidkey *k, const void *p, size_t n)
{
	return k == NULL ? cdp_key128_of(p, n) : mac128_of(k->mac, p, n);
}

struct cdp_key128
pid_of_key(const struct pidkey *k, struct cdp_key128 key)
{
	return k == NULL ? key : mac128_of_key(k->mac, key);
}

void
pid_text(struct cdp_key128 h, char out[PROFILE_ID_SIZE])
{
	snprintf(out, PROFILE_ID_SIZE, "p_%016llx%016llx",
	    (unsigned long long)h.hi, (unsigned long long)h.lo);
}
