/* hash.c - SHA-256 and HMAC-SHA256 as hex, and HMAC keys from files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hash.h"

int
cdp_hash_hex(const unsigned char *key, size_t keylen, const char *s,
    size_t n, char out[CDP_HASH_HEXLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int mdlen = sizeof(md);

	if (key != NULL) {
		if (HMAC(EVP_sha256(), key, (int)keylen,
		    (const unsigned char *)s, n, md, &mdlen) == NULL)
			return -1;
	} else if (SHA256((const unsigned char *)s, n, md) == NULL) {
		return -1;
	}
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
