/*
 * token.c - keyed tokens and sealed names of identifier values, through
 * libcrypto: HMAC-SHA256 for the tokens, AES-256 in counter mode for the
 * names.  Both keys derive from the --hash-key-file key by HMAC, so that
 * one secret serves and no use of it gives away another.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The tokens are the inner loop of --emit-links and --apply-map: SHA-256
 * contexts copied as plain structures take 230 ns a token where
 * EVP_MD_CTX_copy_ex() takes 570 (measured here), so the low-level calls
 * libcrypto 3 keeps, deprecated, are used on purpose.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hash.h"
#include "token.h"
#include "xalloc.h"

struct tokens {
	bool		 keyed;
	SHA256_CTX	 inner, outer;	/* HMAC states after the pads */
	EVP_CIPHER_CTX	*aes;		/* AES-256-ECB: the counter blocks */
	struct cdp_buf	 blocks;	/* counter blocks, then key stream */
	char		 fp[17];
};

static const char hexdig[] = "0123456789abcdef";

void
key_hex(struct cdp_key128 k, char out[TOKEN_HEX])
{
	for (int i = 0; i < 16; i++) {
		out[i] = hexdig[(k.hi >> (60 - 4 * i)) & 15];
		out[16 + i] = hexdig[(k.lo >> (60 - 4 * i)) & 15];
	}
}

int
key_cmp(const void *a, const void *b)
{
	const struct cdp_key128 *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The value of each hex digit, 16 elsewhere: the join files hold tens
 * of millions of tokens, read one table look-up a digit. */
static const unsigned char hextab[256] = {
#define X16	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
	X16, X16, X16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,
	X16, X16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	X16, X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
};

int
key_parse(const char *s, size_t n, struct cdp_key128 *k)
{
	uint64_t w[2] = { 0, 0 };
	unsigned bad = 0;

	if (n != TOKEN_HEX)
		return -1;
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 16; i++) {
			unsigned v = hextab[(unsigned char)s[16 * h + i]];

			bad |= v;
			w[h] = w[h] << 4 | (v & 15);
		}
	if (bad & 16)
		return -1;
	k->hi = w[0];
	k->lo = w[1];
	return 0;
}

/* k as 16 bytes, hi then lo, each big-endian: the same on any machine. */
static void
key_bytes(struct cdp_key128 k, unsigned char out[16])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(k.hi >> (56 - 8 * i));
		out[8 + i] = (unsigned char)(k.lo >> (56 - 8 * i));
	}
}

/* HMAC-SHA256(key, label) into out[32]: a key for one use. */
static int
derive(const struct cdp_buf *key, const char *label, unsigned char out[32])
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key->p, (int)key->len,
	    (const unsigned char *)label, strlen(label), out, &len) ==
	    NULL || len != 32 ? -1 : 0;
}

static int
keyed_setup(struct tokens *t, const struct cdp_buf *key)
{
	unsigned char ktok[32], kenc[32], kfp[32], pad[64];

	if (derive(key, "cdp-merge token", ktok) == -1 ||
	    derive(key, "cdp-merge name", kenc) == -1 ||
	    derive(key, "cdp-merge fingerprint", kfp) == -1)
		return -1;
	/* RFC 2104 with a 32-byte key: the pads hashed once, here. */
	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= ktok[i];
	if (SHA256_Init(&t->inner) != 1 ||
	    SHA256_Update(&t->inner, pad, sizeof(pad)) != 1)
		return -1;
	memset(pad, 0x5c, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= ktok[i];
	if (SHA256_Init(&t->outer) != 1 ||
	    SHA256_Update(&t->outer, pad, sizeof(pad)) != 1)
		return -1;
	if ((t->aes = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(t->aes, EVP_aes_256_ecb(), NULL, kenc,
	    NULL) != 1 || EVP_CIPHER_CTX_set_padding(t->aes, 0) != 1)
		return -1;
	for (int i = 0; i < 8; i++) {
		t->fp[2 * i] = hexdig[kfp[i] >> 4];
		t->fp[2 * i + 1] = hexdig[kfp[i] & 15];
	}
	t->fp[16] = '\0';
	OPENSSL_cleanse(ktok, sizeof(ktok));
	OPENSSL_cleanse(kenc, sizeof(kenc));
	OPENSSL_cleanse(pad, sizeof(pad));
	return 0;
}

struct tokens *
tokens_new(const char *key_path, struct cdp_err *err)
{
	struct tokens *t = cdp_xcalloc(1, sizeof(*t));
	struct cdp_buf key = { 0 };

	snprintf(t->fp, sizeof(t->fp), "clear");
	if (key_path == NULL)
		return t;
	t->keyed = true;
	if (cdp_hash_key_load(key_path, &key, err) == -1) {
		tokens_free(t);
		t = NULL;
	} else if (keyed_setup(t, &key) == -1) {
		cdp_err_set(err, EX_SOFTWARE, "libcrypto failed to set up the "
		    "keys");
		tokens_free(t);
		t = NULL;
	}
	if (key.p != NULL)
		OPENSSL_cleanse(key.p, key.cap);
	cdp_buf_free(&key);
	return t;
}

void
tokens_free(struct tokens *t)
{
	if (t == NULL)
		return;
	EVP_CIPHER_CTX_free(t->aes);
	cdp_buf_free(&t->blocks);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

bool
tokens_clear(const struct tokens *t)
{
	return !t->keyed;
}

const char *
tokens_fingerprint(const struct tokens *t)
{
	return t->fp;
}

struct cdp_key128
tokens_of(struct tokens *t, struct cdp_key128 key)
{
	unsigned char msg[16], md[32];
	struct cdp_key128 tok = { 0, 0 };
	SHA256_CTX c;

	if (!t->keyed)
		return key;
	key_bytes(key, msg);
	c = t->inner;
	SHA256_Update(&c, msg, sizeof(msg));
	SHA256_Final(md, &c);
	c = t->outer;
	SHA256_Update(&c, md, sizeof(md));
	SHA256_Final(md, &c);
	for (int i = 0; i < 8; i++) {
		tok.hi = tok.hi << 8 | md[i];
		tok.lo = tok.lo << 8 | md[8 + i];
	}
	return tok;
}

/*
 * n bytes of key stream for token tok into t->blocks: AES-256 of the
 * counter blocks tok, tok + 1, ... (NIST SP 800-38A counter mode).  The
 * token is unique to the value, so no two values share a stream.
 */
static const unsigned char *
key_stream(struct tokens *t, struct cdp_key128 tok, size_t n)
{
	size_t nb = (n + 15) / 16;
	int len = 0;

	cdp_buf_reset(&t->blocks);
	if (cdp_buf_reserve(&t->blocks, 2 * nb * 16) == -1)
		cdp_oom(0);
	for (size_t b = 0; b < nb; b++) {
		key_bytes(tok, (unsigned char *)t->blocks.p + 16 * b);
		if (++tok.lo == 0)
			tok.hi++;
	}
	if (nb > 0 && (EVP_EncryptUpdate(t->aes, (unsigned char *)
	    t->blocks.p + nb * 16, &len, (unsigned char *)t->blocks.p,
	    (int)(nb * 16)) != 1 || len != (int)(nb * 16)))
		cdp_die(EX_SOFTWARE, NULL, 0, "libcrypto: AES failed");
	return (const unsigned char *)t->blocks.p + nb * 16;
}

int
name_escape(struct cdp_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i], e = c == '\\' ? '\\' : c == '\t' ? 't' :
		    c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\0' ? '0' : 0;

		if ((e != 0 && cdp_buf_addc(out, '\\') == -1) ||
		    cdp_buf_addc(out, e != 0 ? e : c) == -1)
			return -1;
	}
	return 0;
}

int
name_unescape(struct cdp_buf *out, const char *s, size_t n)
{
	cdp_buf_reset(out);
	if (cdp_buf_reserve(out, n) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\t' || c == '\n')
			return -1;
		if (c == '\\') {
			if (++i == n)
				return -1;
			c = s[i] == '\\' ? '\\' : s[i] == 't' ? '\t' :
			    s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' :
			    s[i] == '0' ? '\0' : 'x';
			if (c == 'x')
				return -1;
		}
		out->p[out->len++] = c;
	}
	out->p[out->len] = '\0';
	return 0;
}

void
tokens_seal(struct tokens *t, struct cdp_key128 tok, const char *v,
    size_t n, struct cdp_buf *out)
{
	const unsigned char *ks;

	if (!t->keyed) {
		if (name_escape(out, v, n) == -1)
			cdp_oom(0);
		return;
	}
	ks = key_stream(t, tok, n);
	if (cdp_buf_reserve(out, 2 * n) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i] ^ ks[i];

		out->p[out->len++] = hexdig[c >> 4];
		out->p[out->len++] = hexdig[c & 15];
	}
	out->p[out->len] = '\0';
}

int
tokens_open(struct tokens *t, struct cdp_key128 tok, const char *fname,
    const char *name, size_t n, struct cdp_buf *out)
{
	const unsigned char *ks;

	(void)fname;
	if (!t->keyed)
		return name_unescape(out, name, n);
	/* The key is the parts' own: the files' headers carry its
	 * fingerprint, checked before a name is read. */
	if (n % 2 != 0)
		return -1;
	ks = key_stream(t, tok, n / 2);
	cdp_buf_reset(out);
	if (cdp_buf_reserve(out, n / 2) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned a = hextab[(unsigned char)name[2 * i]];
		unsigned b = hextab[(unsigned char)name[2 * i + 1]];

		if ((a | b) & 16)
			return -1;
		out->p[i] = (char)((unsigned char)(a << 4 | b) ^ ks[i]);
	}
	out->len = n / 2;
	out->p[out->len] = '\0';
	return 0;
}
