/*
 * pid.c - profile ids, unkeyed (XXH3-128) or keyed by --id-key-file
 * (HMAC-SHA256 through libcrypto, its pads hashed once per run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As in token.c: SHA-256 contexts copied as plain structures, a third of
 * the cost of EVP_MD_CTX_copy_ex() (deprecated calls, on purpose). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "hash.h"
#include "pid.h"
#include "token.h"
#include "xalloc.h"

struct pidkey {
	SHA256_CTX	 inner, outer;	/* HMAC states after the pads */
	char		 fp[17];
};

static const char hexdig[] = "0123456789abcdef";

/* RFC 2104 with a 32-byte key: both pads hashed once, here. */
static int
pads(struct pidkey *k, const unsigned char kid[32])
{
	unsigned char pad[64];
	int rc = 0;

	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= kid[i];
	if (SHA256_Init(&k->inner) != 1 ||
	    SHA256_Update(&k->inner, pad, sizeof(pad)) != 1)
		rc = -1;
	memset(pad, 0x5c, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= kid[i];
	if (SHA256_Init(&k->outer) != 1 ||
	    SHA256_Update(&k->outer, pad, sizeof(pad)) != 1)
		rc = -1;
	OPENSSL_cleanse(pad, sizeof(pad));
	return rc;
}

struct pidkey *
pidkey_new(const char *path, struct cdp_err *err)
{
	struct pidkey *k = cdp_xcalloc(1, sizeof(*k));
	struct cdp_buf key = { 0 };
	unsigned char kid[32], kfp[32];

	/* Labels of their own: an id never equals a join-file token made
	 * from the same file, and the fingerprint tells nothing of it. */
	if (cdp_hash_key_load(path, &key, err) == -1) {
		pidkey_free(k);
		k = NULL;
	} else if (key_derive(&key, "cdp-merge profile id", kid) == -1 ||
	    key_derive(&key, "cdp-merge profile id fingerprint", kfp) == -1 ||
	    pads(k, kid) == -1) {
		cdp_err_set(err, EX_SOFTWARE, "libcrypto failed to set up the "
		    "id key");
		pidkey_free(k);
		k = NULL;
	} else {
		for (int i = 0; i < 8; i++) {
			k->fp[2 * i] = hexdig[kfp[i] >> 4];
			k->fp[2 * i + 1] = hexdig[kfp[i] & 15];
		}
		k->fp[16] = '\0';
	}
	OPENSSL_cleanse(kid, sizeof(kid));
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
	OPENSSL_cleanse(k, sizeof(*k));
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
	unsigned char md[32];
	struct cdp_key128 h = { 0, 0 };
	SHA256_CTX c;

	if (k == NULL)
		return cdp_key128_of(p, n);
	c = k->inner;
	if (SHA256_Update(&c, p, n) != 1 || SHA256_Final(md, &c) != 1)
		cdp_die(EX_SOFTWARE, NULL, 0, "libcrypto: SHA-256 failed");
	c = k->outer;
	if (SHA256_Update(&c, md, sizeof(md)) != 1 ||
	    SHA256_Final(md, &c) != 1)
		cdp_die(EX_SOFTWARE, NULL, 0, "libcrypto: SHA-256 failed");
	for (int i = 0; i < 8; i++) {
		h.hi = h.hi << 8 | md[i];
		h.lo = h.lo << 8 | md[8 + i];
	}
	return h;
}

struct cdp_key128
pid_of_key(const struct pidkey *k, struct cdp_key128 key)
{
	unsigned char b[16];

	if (k == NULL)
		return key;
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(key.hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(key.lo >> (56 - 8 * i));
	}
	return pid_of_bytes(k, b, sizeof(b));
}

void
pid_text(struct cdp_key128 h, char out[PROFILE_ID_SIZE])
{
	snprintf(out, PROFILE_ID_SIZE, "p_%016llx%016llx",
	    (unsigned long long)h.hi, (unsigned long long)h.lo);
}
