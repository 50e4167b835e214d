/* hash.c - SHA-256 and HMAC-SHA256 as hex, and HMAC keys from files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hash.h"

int
cdp_hash_hex(struct cdp_sha *sha, const unsigned char *key, size_t keylen,
    const char *s, size_t n, char out[CDP_HASH_HEXLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int mdlen = sizeof(md);

	if (key == NULL)
		return cdp_sha_hex(sha, s, n, out);
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)s, n,
	    md, &mdlen) == NULL)
		return -1;
	for (unsigned int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[CDP_HASH_HEXLEN] = '\0';
	return 0;
}

int
cdp_hash_key_load(const char *path, struct cdp_buf *key, struct cdp_err *err)
{
	FILE *f;
	char chunk[4096];
	size_t n;
	int rc = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		cdp_err_set(err, EX_NOINPUT, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	cdp_buf_reset(key);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (cdp_buf_add(key, chunk, n) == -1) {
			cdp_err_set(err, EX_OSERR, "out of memory");
			rc = -1;
			break;
		}
	if (rc == 0 && ferror(f)) {
		cdp_err_set(err, EX_IOERR, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	if (rc == -1)
		return -1;
	if (key->len > 0 && key->p[key->len - 1] == '\n')
		key->p[--key->len] = '\0';
	if (key->len > 0 && key->p[key->len - 1] == '\r')
		key->p[--key->len] = '\0';
	if (key->len < 16) {
		cdp_err_set(err, EX_DATAERR, "%s: hash key shorter than 16 "
		    "bytes", path);
		return -1;
	}
	return 0;
}

/*
 * The reusable hasher: libcrypto's one-shot SHA256() looks the algorithm
 * up, takes locks and allocates a context on every call (a fifth of
 * cdp-export's time); one fetched digest and context serve a whole run.
 */
struct cdp_sha {
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

struct cdp_sha *
cdp_sha_new(void)
{
	struct cdp_sha *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL) {
		cdp_sha_free(h);
		return NULL;
	}
	return h;
}

int
cdp_sha_hex(struct cdp_sha *h, const char *s, size_t n,
    char out[CDP_HASH_HEXLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, s, n) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != 32)
		return -1;
	for (unsigned int i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[CDP_HASH_HEXLEN] = '\0';
	return 0;
}

void
cdp_sha_free(struct cdp_sha *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}
