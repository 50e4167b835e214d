/*
 * sha.c - SHA-256 hex through one digest context kept for the whole run:
 * libcrypto's one-shot SHA256() looks the algorithm up, takes locks and
 * allocates a context on every call, a fifth of the export's time.
 */
#include <openssl/evp.h>

#include "diag.h"
#include "sha.h"

struct sha {
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

struct sha *
sha_new(void)
{
	struct sha *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL) {
		sha_free(h);
		return NULL;
	}
	return h;
}

int
sha_hex(struct sha *h, const char *s, size_t n, char out[CDP_HASH_HEXLEN + 1])
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
sha_free(struct sha *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}
