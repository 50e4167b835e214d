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

/* HMAC-SHA256 under a 32-byte key, its states after the pads kept. */
struct mac128 {
	SHA256_CTX	 inner, outer;
};

struct tokens {
	bool		 keyed;
	struct mac128	*mac;		/* the tokens' */
	EVP_CIPHER_CTX	*aes;		/* AES-256-ECB: the counter blocks */
	struct cdp_buf	 blocks;	/* counter blocks, then key stream */
	char		 fp[17];
};

static const char hexdig[] = "0123456789abcdef";

/*
 * A key as text in the join files: 22 characters of 6 bits each
 * (A-Z a-z 0-9 - _, no TAB and no comma, the files' separators), the
 * first holding the top 2 bits of hi.  A third fewer bytes than hex to
 * write, copy and read in every round: tokens and set names are most of
 * those files.
 */
static const char b64dig[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * The 128 bits in three whole runs of characters, each in a 64-bit
 * word: bits 0..59 the last ten, 60..119 the ten before, 120..127 the
 * first two (a shift of a 128-bit number per character cost a tenth of
 * a round reading the join files).
 */
void
key_text(struct cdp_key128 k, char out[TOKEN_TEXT])
{
	uint64_t a = k.lo & UINT64_C(0xfffffffffffffff),
	    b = (k.lo >> 60 | k.hi << 4) & UINT64_C(0xfffffffffffffff),
	    c = k.hi >> 56;

	for (int i = 0; i < 10; i++) {
		out[21 - i] = b64dig[a & 63];
		out[11 - i] = b64dig[b & 63];
		a >>= 6;
		b >>= 6;
	}
	out[1] = b64dig[c & 63];
	out[0] = b64dig[c >> 6];
}

int
key_cmp(const void *a, const void *b)
{
	const struct cdp_key128 *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The value of each character of key_text(), 64 elsewhere: the join
 * files hold tens of millions of keys, read one table look-up a
 * character. */
static const unsigned char b64tab[256] = {
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
	64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
	64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
};

int
key_parse(const char *s, size_t n, struct cdp_key128 *k)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t a = 0, b = 0, c;
	unsigned bad;

	if (n != TOKEN_TEXT)
		return -1;
	/* key_text()'s three runs: 132 bits of text for 128, so the first
	 * character is below 4. */
	c = (uint64_t)b64tab[u[0]] << 6 | b64tab[u[1]];
	bad = b64tab[u[0]] | b64tab[u[1]];
	for (int i = 0; i < 10; i++) {
		unsigned x = b64tab[u[2 + i]], y = b64tab[u[12 + i]];

		bad |= x | y;
		b = b << 6 | x;
		a = a << 6 | y;
	}
	if ((bad & 64) || b64tab[u[0]] > 3)
		return -1;
	k->lo = a | b << 60;
	k->hi = b >> 4 | c << 56;
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

int
key_derive(const struct cdp_buf *key, const char *label, unsigned char out[32])
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key->p, (int)key->len,
	    (const unsigned char *)label, strlen(label), out, &len) ==
	    NULL || len != 32 ? -1 : 0;
}

struct mac128 *
mac128_new(const struct cdp_buf *key, const char *label)
{
	struct mac128 *m = cdp_xcalloc(1, sizeof(*m));
	unsigned char k[32], pad[64];
	int rc = key_derive(key, label, k);

	/* RFC 2104 with a 32-byte key: the pads hashed once, here. */
	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= k[i];
	if (rc == -1 || SHA256_Init(&m->inner) != 1 ||
	    SHA256_Update(&m->inner, pad, sizeof(pad)) != 1)
		rc = -1;
	memset(pad, 0x5c, sizeof(pad));
	for (int i = 0; i < 32; i++)
		pad[i] ^= k[i];
	if (rc == -1 || SHA256_Init(&m->outer) != 1 ||
	    SHA256_Update(&m->outer, pad, sizeof(pad)) != 1)
		rc = -1;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	if (rc == -1) {
		mac128_free(m);
		return NULL;
	}
	return m;
}

void
mac128_free(struct mac128 *m)
{
	if (m == NULL)
		return;
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
}

struct cdp_key128
mac128_of(const struct mac128 *m, const void *p, size_t n)
{
	unsigned char md[32];
	struct cdp_key128 h = { 0, 0 };
	SHA256_CTX c;

	c = m->inner;
	if (SHA256_Update(&c, p, n) != 1 || SHA256_Final(md, &c) != 1)
		cdp_die(EX_SOFTWARE, NULL, 0, "libcrypto: SHA-256 failed");
	c = m->outer;
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
mac128_of_key(const struct mac128 *m, struct cdp_key128 k)
{
	unsigned char b[16];

	key_bytes(k, b);
	return mac128_of(m, b, sizeof(b));
}

int
key_fingerprint(const struct cdp_buf *key, const char *label, char out[17])
{
	unsigned char k[32];

	if (key_derive(key, label, k) == -1)
		return -1;
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hexdig[k[i] >> 4];
		out[2 * i + 1] = hexdig[k[i] & 15];
	}
	out[16] = '\0';
	OPENSSL_cleanse(k, sizeof(k));
	return 0;
}

static int
keyed_setup(struct tokens *t, const struct cdp_buf *key)
{
	unsigned char kenc[32];
	int rc = 0;

	if ((t->mac = mac128_new(key, "cdp-merge token")) == NULL ||
	    key_derive(key, "cdp-merge name", kenc) == -1 ||
	    key_fingerprint(key, "cdp-merge fingerprint", t->fp) == -1)
		rc = -1;
	else if ((t->aes = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(t->aes, EVP_aes_256_ecb(), NULL, kenc,
	    NULL) != 1 || EVP_CIPHER_CTX_set_padding(t->aes, 0) != 1)
		rc = -1;
	OPENSSL_cleanse(kenc, sizeof(kenc));
	return rc;
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
	mac128_free(t->mac);
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
	return t->keyed ? mac128_of_key(t->mac, key) : key;
}

/*
 * n bytes of key stream for token tok into t->blocks: AES-256 of the
 * counter blocks tok, tok + 1, ... (NIST SP 800-38A counter mode).  The
 * token is unique to the value, so no two values share a stream.  The
 * stream is the caller's to use up (sealing XORs the value into it).
 */
static unsigned char *
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
	return (unsigned char *)t->blocks.p + nb * 16;
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

/* The sealed bytes c[0..n) as text: key_text()'s characters, 4 for
 * every 3 bytes, 2 or 3 for a last 1 or 2 (no padding). */
static void
seal_text(const unsigned char *c, size_t n, struct cdp_buf *out)
{
	if (cdp_buf_reserve(out, (n + 2) / 3 * 4) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)c[i] << 16 |
		    (i + 1 < n ? (uint32_t)c[i + 1] << 8 : 0) |
		    (i + 2 < n ? c[i + 2] : 0);
		size_t k = n - i >= 3 ? 4 : n - i + 1;

		for (size_t j = 0; j < k; j++)
			out->p[out->len++] = b64dig[(w >> (18 - 6 * j)) & 63];
	}
	out->p[out->len] = '\0';
}

void
tokens_seal(struct tokens *t, struct cdp_key128 tok, const char *v,
    size_t n, struct cdp_buf *out)
{
	unsigned char *c;

	if (!t->keyed) {
		if (name_escape(out, v, n) == -1)
			cdp_oom(0);
		return;
	}
	/* The value XORed into its key stream, then as text. */
	c = key_stream(t, tok, n);
	for (size_t i = 0; i < n; i++)
		c[i] ^= (unsigned char)v[i];
	seal_text(c, n, out);
}

int
tokens_open(struct tokens *t, struct cdp_key128 tok, const char *fname,
    const char *name, size_t n, struct cdp_buf *out)
{
	const unsigned char *ks;
	size_t bytes = n / 4 * 3 + (n % 4 != 0 ? n % 4 - 1 : 0), o = 0;

	(void)fname;
	if (!t->keyed)
		return name_unescape(out, name, n);
	/* The key is the parts' own: the files' headers carry its
	 * fingerprint, checked before a name is read. */
	if (n % 4 == 1)
		return -1;
	ks = key_stream(t, tok, bytes);
	cdp_buf_reset(out);
	if (cdp_buf_reserve(out, bytes) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i += 4) {
		size_t k = n - i >= 4 ? 4 : n - i;
		uint32_t w = 0;
		unsigned bad = 0;

		for (size_t j = 0; j < 4; j++) {
			unsigned d = j < k ?
			    b64tab[(unsigned char)name[i + j]] : 0;

			bad |= d;
			w = w << 6 | (d & 63);
		}
		/* Bad characters, or bits below the last byte not 0. */
		if ((bad & 64) || (k == 2 && (w & 0xffff) != 0) ||
		    (k == 3 && (w & 0xff) != 0))
			return -1;
		for (size_t j = 0; j + 1 < k; j++, o++)
			out->p[o] = (char)((unsigned char)(w >> (16 - 8 * j)) ^
			    ks[o]);
	}
	out->len = bytes;
	out->p[out->len] = '\0';
	return 0;
}
