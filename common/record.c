/*
 * record.c - the record layer: one-pass strict JSON validation and
 * top-level field index of an NDJSON line, on-demand accessors, JSON
 * string helpers, shortest number text and the span-copying writer.
 */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa.h"
#include "record.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86	1	/* code for the AVX2 level: BMI, AVX2 */
#else
#define HAVE_X86	0
#endif

/*
 * Records with more fields than this check duplicate keys with a hash set
 * in r->slots, which cdp_rec_find() then uses too; smaller ones use a
 * table on the stack.
 */
#define SMALL_MAX	32

/* Numbers shorter than this are copied to the stack for strtod(). */
#define NUMBUF		64

/* The scanner's cursor and, on failure, the reason and where. */
struct scan {
	const unsigned char	*base;
	const unsigned char	*end;
	const char		*why;
	const unsigned char	*at;
};

/* JSON whitespace (RFC 8259 section 2). */
static const unsigned char is_ws[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1
};

/* Characters allowed after a backslash, other than 'u'. */
static const unsigned char is_esc[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'
};

/* Bytes that end a run of plain string bytes. */
static const unsigned char is_special[256] = {
	[0x00] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
	[0x80] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

static const unsigned char *
fail(struct scan *sc, const char *why, const unsigned char *at)
{
	sc->why = why;
	sc->at = at;
	return NULL;
}

static inline const unsigned char *
skip_ws(const unsigned char *s, const unsigned char *end)
{
	while (s < end && is_ws[*s])
		s++;
	return s;
}

/*
 * Length of the valid UTF-8 sequence at s (avail bytes left, s[0] >=
 * 0x80), or 0 with *bad set to the length of its maximal ill-formed
 * subpart (Unicode 15, section 3.9), which becomes one U+FFFD.  Overlong
 * forms, surrogates and code points above U+10FFFF are ill-formed.
 */
static size_t
utf8_seq(const unsigned char *s, size_t avail, size_t *bad)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (i >= avail || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

static int
hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

/* The four hex digits at s as a number, or -1. */
static long
hex4(const unsigned char *s)
{
	int a = hexval(s[0]), b = hexval(s[1]);
	int c = hexval(s[2]), d = hexval(s[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return (long)a << 12 | b << 8 | c << 4 | d;
}

/*
 * Check the escape at s (s[0] is the backslash).  Returns the byte after
 * it; surrogate escapes must come as a high-low pair.
 */
static const unsigned char *
scan_escape(struct scan *sc, const unsigned char *s)
{
	const unsigned char *end = sc->end;
	long cp, lo;

	if (end - s < 2)
		return fail(sc, "unterminated string", end);
	if (is_esc[s[1]])
		return s + 2;
	if (s[1] != 'u')
		return fail(sc, "invalid escape", s);
	if (end - s < 6 || (cp = hex4(s + 2)) < 0)
		return fail(sc, "invalid \\u escape", s);
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(sc, "lone surrogate escape", s);
	if (cp < 0xD800 || cp > 0xDBFF)
		return s + 6;
	if (end - s < 12 || s[6] != '\\' || s[7] != 'u' ||
	    (lo = hex4(s + 8)) < 0xDC00 || lo > 0xDFFF)
		return fail(sc, "lone surrogate escape", s);
	return s + 12;
}

/*
 * A mask with the high bit set in each byte of w that is '"', '\\', a
 * control character or not ASCII.  Only the lowest set byte is exact
 * (borrows may flag bytes above it), which is all the scanner needs.
 */
static inline uint64_t
special_mask(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return ((q - ONES) & ~q) | ((b - ONES) & ~b) |
	    ((w - ONES * 0x20) & ~w) | (w & HIGHS);
}

/* Index of the first flagged byte of a special_mask() result. */
static inline unsigned
first_special(uint64_t m, const unsigned char *s)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)s;
	return (unsigned)__builtin_ctzll(m & HIGHS) >> 3;
#else
	unsigned i = 0;

	(void)m;
	while (!is_special[s[i]])
		i++;
	return i;
#endif
}

/*
 * Scan a string whose opening quote is just before s.  Returns the byte
 * after the closing quote and sets *esc when it holds escapes.  Plain
 * ASCII runs go eight bytes at a time; UTF-8 is checked only from the
 * first byte >= 0x80.
 */
static inline const unsigned char *
scan_string(struct scan *sc, const unsigned char *s, int *esc)
{
	const unsigned char *end = sc->end;
	uint64_t w, m;
	size_t n, bad;

	for (;;) {
		while (end - s >= 8) {
			memcpy(&w, s, 8);
			if ((m = special_mask(w) & HIGHS) != 0) {
				s += first_special(m, s);
				goto special;
			}
			s += 8;
		}
		while (s < end && !is_special[*s])
			s++;
		if (s == end)
			return fail(sc, "unterminated string", end);
special:
		if (*s == '"')
			return s + 1;
		if (*s == '\\') {
			*esc = 1;
			if ((s = scan_escape(sc, s)) == NULL)
				return NULL;
		} else if (*s < 0x20) {
			return fail(sc, "control character in string", s);
		} else if (*s >= 0xC2 && *s <= 0xDF && end - s >= 2 &&
		    (s[1] & 0xC0) == 0x80) {
			s += 2;		/* Latin, Greek, Cyrillic: inline */
		} else {
			if ((n = utf8_seq(s, (size_t)(end - s), &bad)) == 0)
				return fail(sc, "invalid UTF-8", s);
			s += n;
		}
	}
}

/* Scan a number (RFC 8259 grammar) starting at s, without converting. */
static inline const unsigned char *
scan_number(struct scan *sc, const unsigned char *s)
{
	const unsigned char *end = sc->end, *t = s;

	if (t < end && *t == '-')
		t++;
	if (t < end && *t == '0')
		t++;
	else if (t < end && (unsigned)*t - '1' < 9) {
		while (++t < end && (unsigned)*t - '0' < 10)
			;
	} else
		return fail(sc, "invalid number", s);
	if (t < end && *t == '.') {
		if (++t >= end || (unsigned)*t - '0' >= 10)
			return fail(sc, "invalid number", s);
		while (++t < end && (unsigned)*t - '0' < 10)
			;
	}
	if (t < end && (*t | 0x20) == 'e') {
		if (++t < end && (*t == '+' || *t == '-'))
			t++;
		if (t >= end || (unsigned)*t - '0' >= 10)
			return fail(sc, "invalid number", s);
		while (++t < end && (unsigned)*t - '0' < 10)
			;
	}
	return t;
}

/* Match literal w (4 or 5 bytes) at s. */
static inline const unsigned char *
scan_word(struct scan *sc, const unsigned char *s, const char *w, size_t n)
{
	uint32_t a, b;

	if ((size_t)(sc->end - s) < n)
		return fail(sc, "expected a value", s);
	memcpy(&a, s + n - 4, 4);
	memcpy(&b, w + n - 4, 4);
	if (a != b || s[0] != (unsigned char)w[0])
		return fail(sc, "expected a value", s);
	return s + n;
}

/*
 * Scan a scalar value at s and report its type; containers are left to
 * the caller.  Anything else (NaN, Infinity, ']', end of line) fails.
 */
static inline const unsigned char *
scan_scalar(struct scan *sc, const unsigned char *s, uint8_t *type,
    uint8_t *flags)
{
	int esc = 0;

	if (s >= sc->end)
		return fail(sc, "unexpected end of line", s);
	switch (*s) {
	case '"':
		*type = CDP_STRING;
		s = scan_string(sc, s + 1, &esc);
		if (esc)
			*flags |= CDP_F_VALESC;
		return s;
	case 't':
		*type = CDP_TRUE;
		return scan_word(sc, s, "true", 4);
	case 'f':
		*type = CDP_FALSE;
		return scan_word(sc, s, "false", 5);
	case 'n':
		*type = CDP_NULL;
		return scan_word(sc, s, "null", 4);
	default:
		*type = CDP_NUMBER;
		if (*s == '-' || (unsigned)*s - '0' < 10)
			return scan_number(sc, s);
		return fail(sc, "expected a value", s);
	}
}

/*
 * Scan the nested object or array at s (s[0] is '{' or '[', one level
 * below the record itself).  An explicit stack of open brackets replaces
 * recursion, so depth costs no C stack; any whitespace sets *space.
 */
static const unsigned char *
scan_nested(struct scan *sc, const unsigned char *s, int *space)
{
	unsigned char stack[CDP_MAX_DEPTH];
	const unsigned char *end = sc->end, *t;
	uint8_t type, flags;
	int esc, depth = 0;

open:
	if (depth + 1 >= CDP_MAX_DEPTH)
		return fail(sc, "nesting too deep", s);
	stack[depth++] = *s == '{' ? '}' : ']';
	t = skip_ws(s + 1, end);
	*space |= t != s + 1;
	s = t;
	if (s < end && *s == stack[depth - 1]) {
		s++;
		goto close;
	}
	if (stack[depth - 1] == ']')
		goto value;
key:
	if (s >= end || *s != '"')
		return fail(sc, "expected a key", s);
	esc = 0;
	if ((s = scan_string(sc, s + 1, &esc)) == NULL)
		return NULL;
	t = skip_ws(s, end);
	*space |= t != s;
	if (t >= end || *t != ':')
		return fail(sc, "expected ':'", t);
	s = skip_ws(t + 1, end);
	*space |= s != t + 1;
value:
	if (s < end && (*s == '{' || *s == '['))
		goto open;
	flags = 0;
	if ((s = scan_scalar(sc, s, &type, &flags)) == NULL)
		return NULL;
after:
	t = skip_ws(s, end);
	*space |= t != s;
	s = t;
	if (s < end && *s == ',') {
		t = skip_ws(s + 1, end);
		*space |= t != s + 1;
		s = t;
		if (stack[depth - 1] == '}')
			goto key;
		goto value;
	}
	if (s >= end || *s != stack[depth - 1])
		return fail(sc, stack[depth - 1] == '}' ?
		    "expected ',' or '}'" : "expected ',' or ']'", s);
	s++;
close:
	if (--depth > 0)
		goto after;
	return s;
}

/* Append a field slot to r, growing the array (never per record). */
static struct cdp_field *
new_field(struct cdp_rec *r)
{
	struct cdp_field *f;
	size_t cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 32;
		if ((f = realloc(r->f, cap * sizeof(*f))) == NULL)
			return NULL;
		r->f = f;
		r->cap = cap;
	}
	return &r->f[r->n++];
}

/*
 * Walks the unescaped bytes of a validated JSON string without writing
 * them anywhere, so keys compare and hash with no allocation.
 */
struct kcur {
	const unsigned char	*s, *end;
	unsigned char		 pend[4];
	int			 npend, ipend;
};

/* Encode code point cp as UTF-8 into out; returns the length. */
static int
put_utf8(unsigned char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decode the escape at s (s[0] is the backslash, at most end) as UTF-8
 * into out.  Sets *len to its length and returns the byte after the
 * escape.  Text that was not validated degrades gracefully: a bad
 * escape is taken literally, a lone surrogate becomes U+FFFD.
 */
static const unsigned char *
unescape_one(const unsigned char *s, const unsigned char *end,
    unsigned char *out, int *len)
{
	long cp, lo;

	if (end - s >= 2 && is_esc[s[1]]) {
		out[0] = is_esc[s[1]];
		*len = 1;
		return s + 2;
	}
	if (end - s < 6 || s[1] != 'u' || (cp = hex4(s + 2)) < 0) {
		out[0] = '\\';
		*len = 1;
		return s + 1;
	}
	s += 6;
	if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 6 && s[0] == '\\' &&
	    s[1] == 'u' && (lo = hex4(s + 2)) >= 0xDC00 && lo <= 0xDFFF) {
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		s += 6;
	} else if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;
	*len = put_utf8(out, (unsigned long)cp);
	return s;
}

static void
kcur_init(struct kcur *k, const char *s, size_t n)
{
	k->s = (const unsigned char *)s;
	k->end = k->s + n;
	k->npend = k->ipend = 0;
}

/* The next unescaped byte, or -1 at the end. */
static inline int
kcur_next(struct kcur *k)
{
	if (k->ipend < k->npend)
		return k->pend[k->ipend++];
	if (k->s >= k->end)
		return -1;
	if (*k->s != '\\')
		return *k->s++;
	k->s = unescape_one(k->s, k->end, k->pend, &k->npend);
	k->ipend = 1;
	return k->pend[0];
}

/* Whether escaped text a and b unescape to the same bytes. */
static bool
esc_equal(const char *a, size_t an, const char *b, size_t bn)
{
	struct kcur x, y;
	int c;

	kcur_init(&x, a, an);
	kcur_init(&y, b, bn);
	do {
		if ((c = kcur_next(&x)) != kcur_next(&y))
			return false;
	} while (c != -1);
	return true;
}

/* Whether escaped text e unescapes to the raw bytes r[0..rn). */
static bool
esc_match(const char *e, size_t en, const char *r, size_t rn)
{
	struct kcur x;
	size_t i;

	kcur_init(&x, e, en);
	for (i = 0; i < rn; i++)
		if (kcur_next(&x) != (unsigned char)r[i])
			return false;
	return kcur_next(&x) == -1;
}

/*
 * Whether a[0..n) equals b[0..n): keys are short, and memcmp's call and
 * set-up cost more than two overlapping word loads from each side.
 */
static inline bool
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t s, t;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4 && n < 8) {
		memcpy(&s, a, 4);
		memcpy(&t, b, 4);
		memcpy(&x, a + n - 4, 4);
		memcpy(&y, b + n - 4, 4);
		return s == t && (uint32_t)x == (uint32_t)y;
	}
	if (n < 4) {
		for (size_t i = 0; i < n; i++)
			if (a[i] != b[i])
				return false;
		return true;
	}
	return memcmp(a, b, n) == 0;
}

/* Whether field f's key unescapes to key[0..klen). */
static inline bool
key_is(const char *p, const struct cdp_field *f, const char *key,
    size_t klen)
{
	if (f->flags & CDP_F_KEYESC)
		return esc_match(p + f->koff, f->klen, key, klen);
	return f->klen == klen && same_bytes(p + f->koff, key, klen);
}

static inline bool
key_equal(const char *p, const struct cdp_field *a, const struct cdp_field *b)
{
	if (((a->flags | b->flags) & CDP_F_KEYESC) == 0)
		return a->klen == b->klen && (a->klen == 0 ||
		    (p[a->koff] == p[b->koff] &&
		    memcmp(p + a->koff, p + b->koff, a->klen) == 0));
	return esc_equal(p + a->koff, a->klen, p + b->koff, b->klen);
}

/* FNV-1a of the unescaped key: the order of hash slots never shows. */
static uint32_t
key_hash(const char *s, size_t n, bool esc)
{
	uint32_t h = 2166136261u;
	struct kcur k;
	size_t i;
	int c;

	if (!esc) {
		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * 16777619u;
		return h;
	}
	kcur_init(&k, s, n);
	while ((c = kcur_next(&k)) != -1)
		h = (h ^ (unsigned)c) * 16777619u;
	return h;
}

/* Slots of the hash set for a record of n fields: a power of two >= 2n. */
static size_t
nslots_for(size_t n)
{
	size_t m = 64;

	while (m < 2 * n)
		m *= 2;
	return m;
}

/*
 * Fill the open-addressing set r->slots (field index + 1, 0 empty).
 * Returns the index of a field whose key repeats an earlier one, -1 when
 * none does, or -2 on allocation failure.
 */
static long
dup_hashed(struct cdp_rec *r)
{
	size_t m = nslots_for(r->n), i, j;
	const struct cdp_field *f;
	uint32_t *slots;

	if (m > r->nslots) {
		if ((slots = realloc(r->slots, m * sizeof(*slots))) == NULL)
			return -2;
		r->slots = slots;
		r->nslots = m;
	}
	memset(r->slots, 0, m * sizeof(*r->slots));
	for (i = 0; i < r->n; i++) {
		f = &r->f[i];
		j = key_hash(r->p + f->koff, f->klen, f->flags & CDP_F_KEYESC) &
		    (m - 1);
		for (; r->slots[j] != 0; j = (j + 1) & (m - 1))
			if (key_equal(r->p, &r->f[r->slots[j] - 1], f))
				return (long)i;
		r->slots[j] = (uint32_t)(i + 1);
	}
	return -1;
}

/*
 * Length, first, middle and last byte of the unescaped key of f, mixed:
 * cheap enough for every record, and distinct for typical field names.
 */
static unsigned
key_sig(const char *p, const struct cdp_field *f)
{
	const unsigned char *k = (const unsigned char *)p + f->koff;
	size_t n = f->klen, i;
	unsigned a = 0, m = 0, z = 0;
	struct kcur c;
	int b;

	if (f->flags & CDP_F_KEYESC) {
		kcur_init(&c, p + f->koff, f->klen);
		for (n = 0; kcur_next(&c) != -1; n++)
			;
		kcur_init(&c, p + f->koff, f->klen);
		for (i = 0; (b = kcur_next(&c)) != -1; i++) {
			if (i == 0)
				a = (unsigned)b;
			if (i == n / 2)
				m = (unsigned)b;
			z = (unsigned)b;
		}
	} else if (n > 0) {
		a = k[0];
		m = k[n / 2];
		z = k[n - 1];
	}
	return (unsigned)n * 0x9E3779B1u ^ a * 0x85EBCA77u ^ m * 0xC2B2AE3Du ^
	    z * 0x27D4EB2Fu;
}

/*
 * Like dup_hashed() for records of at most SMALL_MAX fields, with a
 * 64-slot table on the stack keyed by key_sig().  Returns the index of a
 * repeated key or -1.
 */
static long
dup_small(const struct cdp_rec *r)
{
	unsigned char tab[64];
	unsigned h;
	size_t i;

	memset(tab, 0, sizeof(tab));
	for (i = 0; i < r->n; i++) {
		h = key_sig(r->p, &r->f[i]);
		for (h = (h ^ h >> 16 ^ h >> 26) & 63; tab[h] != 0;
		    h = (h + 1) & 63)
			if (key_equal(r->p, &r->f[tab[h] - 1], &r->f[i]))
				return (long)i;
		tab[h] = (unsigned char)(i + 1);
	}
	return -1;
}

/*
 * The keys of the last record found free of duplicates, for the next
 * one: NDJSON lines mostly repeat their keys in the same order, and a
 * record with the very same raw keys as a record without duplicates has
 * none either.  Keys up to SHAPE_KEYMAX bytes are held as words, zeros
 * after them, with masks of their bytes: the key's alone, and the key's
 * followed by its closing quote and ':' (the pattern), which the walk of
 * such records compares in place of finding the key's tokens.
 */
#define SHAPE_KEYMAX	22
#define SHAPE_PATMAX	(SHAPE_KEYMAX + 2)	/* three words */
#define SHAPE_READ	32	/* bytes read for a pattern (AVX2) */

struct cdp_keyshape {
	uint64_t	w[4];	/* the key's bytes, '"', ':', zeros */
	uint64_t	km[3];	/* 0xFF for each byte of the key */
	uint64_t	pm[3];	/* and for the '"' and ':' after it */
	uint64_t	len;	/* the key's length */
	uint32_t	plen;	/* the pattern's: len + 2 */
	uint32_t	pbits;	/* a bit for each byte of the pattern */
	uint8_t		flags;	/* CDP_F_KEYESC or 0 */
	/* For AVX2: the pattern with the ',' and quote before it and a
	 * string value's opening quote after it, its bytes' bits, and of
	 * those the value quote's (0 in the end mark). */
	unsigned char	xw[SHAPE_READ];
	uint32_t	xbits, xq;
	/* xw's pattern again at the end of xr, xsh bytes after its start,
	 * and its bits there: near the line's end it is compared by the
	 * bytes that end with it */
	unsigned char	xr[SHAPE_READ];
	uint32_t	xrbits, xsh;
	uint64_t	kspan;	/* len << 32: the key's span after its offset */
	uint8_t		tf[2];	/* type and flags of a field of a string
				   value without escapes */
};

/*
 * Zero when key text k[0..n) (the line ending at end) is the held key
 * s, else not.  The words from k are read whole when the line has them
 * (bytes past the key are masked out).
 */
static inline uint64_t
key_diff(const unsigned char *k, size_t n, const unsigned char *end,
    const struct cdp_keyshape *s)
{
	unsigned char tmp[SHAPE_PATMAX];
	uint64_t a, b;

	if (end - k < SHAPE_PATMAX) {
		/* Near the end of the line: no byte past it is read. */
		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, k, n < SHAPE_PATMAX ? n : SHAPE_PATMAX);
		k = tmp;
	}
	memcpy(&a, k, 8);
	a = ((a ^ s->w[0]) & s->km[0]) | (n ^ s->len);
	/* most keys are short: their other words are all zeros */
	if (n > 8) {
		memcpy(&b, k + 8, 8);
		a |= (b ^ s->w[1]) & s->km[1];
		if (n > 16) {
			memcpy(&b, k + 16, 8);
			a |= (b ^ s->w[2]) & s->km[2];
		}
	}
	return a;
}

/*
 * Zero when the text at k, after a key's opening quote, is held key s
 * with its closing quote and ':'.  SHAPE_PATMAX bytes from k must be in
 * the line.  The same raw bytes after an opening quote are the same
 * string, already checked once: its escapes, its closing quote.
 */
static inline uint64_t
pat_diff(const unsigned char *k, const struct cdp_keyshape *s)
{
	uint64_t a, b;

	memcpy(&a, k, 8);
	memcpy(&b, k + 8, 8);
	a = ((a ^ s->w[0]) & s->pm[0]) | ((b ^ s->w[1]) & s->pm[1]);
	if (s->plen > 16) {
		memcpy(&b, k + 16, 8);
		a |= (b ^ s->w[2]) & s->pm[2];
	}
	return a;
}

#if HAVE_X86
/* pat_diff() as one compare of 32 bytes. */
__attribute__((target("avx2")))
static inline uint32_t
pat_diff_avx2(const unsigned char *k, const struct cdp_keyshape *s)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)k);
	__m256i p = _mm256_loadu_si256((const __m256i *)(const void *)s->w);

	return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, p)) &
	    s->pbits;
}

/*
 * xpat_diff_avx2() by the SHAPE_READ bytes that end with the pattern:
 * those from k - s->xsh (k - s->xsh and k + SHAPE_READ - s->xsh are
 * in the line).
 */
__attribute__((target("avx2")))
static inline uint32_t
xpat_diff_end(const unsigned char *k, const struct cdp_keyshape *s)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)
	    (k - s->xsh));
	__m256i p = _mm256_loadu_si256((const __m256i *)(const void *)s->xr);

	return (~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, p)) &
	    s->xrbits) >> s->xsh;
}

/* The bytes at k that differ from s's xw, as bits (of its xbits). */
__attribute__((target("avx2")))
static inline uint32_t
xpat_diff_avx2(const unsigned char *k, const struct cdp_keyshape *s)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)k);
	__m256i p = _mm256_loadu_si256((const __m256i *)(const void *)s->xw);

	return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, p)) &
	    s->xbits;
}
#endif

/* Whether r's keys are those of the last record kept by save_shape(). */
static bool
same_shape(const struct cdp_rec *r)
{
	const unsigned char *p = (const unsigned char *)r->p;
	const unsigned char *end = p + r->len;
	uint64_t diff = 0;

	if (r->n != r->nshape)
		return false;
	for (size_t i = 0; i < r->n; i++)
		diff |= key_diff(p + r->f[i].koff, r->f[i].klen, end,
		    &r->shape[i]);
	return diff == 0;
}

/* Keep r's keys (r has no duplicate) when they fit; else keep none. */
static void
save_shape(struct cdp_rec *r)
{
	struct cdp_keyshape *k;

	r->nshape = SIZE_MAX;
	if (r->n > SMALL_MAX)
		return;
	if (r->shapecap < SMALL_MAX + 1) {
		if ((k = malloc((SMALL_MAX + 1) * sizeof(*k))) == NULL)
			return;
		free(r->shape);
		r->shape = k;
		r->shapecap = SMALL_MAX + 1;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct cdp_field *f = &r->f[i];
		unsigned char key[SHAPE_PATMAX], m[SHAPE_PATMAX];

		if (f->klen > SHAPE_KEYMAX)
			return;
		k = &r->shape[i];
		k->len = f->klen;
		k->plen = f->klen + 2;
		k->pbits = (uint32_t)((1ULL << k->plen) - 1);
		k->flags = f->flags & CDP_F_KEYESC;
		memset(key, 0, sizeof(key));
		memcpy(key, r->p + f->koff, f->klen);
		key[f->klen] = '"';
		key[f->klen + 1] = ':';
		memcpy(k->w, key, SHAPE_PATMAX);
		k->w[3] = 0;
		memset(m, 0, sizeof(m));
		memset(m, 0xFF, f->klen + 2);
		memcpy(k->pm, m, sizeof(k->pm));
		m[f->klen] = m[f->klen + 1] = 0;
		memcpy(k->km, m, sizeof(k->km));
		memset(k->xw, 0, sizeof(k->xw));
		k->xw[0] = ',';
		k->xw[1] = '"';
		memcpy(k->xw + 2, key, f->klen + 2);
		k->xw[f->klen + 4] = '"';
		k->xbits = (uint32_t)((1ULL << (f->klen + 5)) - 1);
		k->xq = 1U << (f->klen + 4);
		k->xsh = SHAPE_READ - (f->klen + 5);
		memset(k->xr, 0, sizeof(k->xr));
		memcpy(k->xr + k->xsh, k->xw, f->klen + 5);
		k->xrbits = k->xbits << k->xsh;
		k->kspan = (uint64_t)f->klen << 32;
		k->tf[0] = CDP_STRING;
		k->tf[1] = k->flags;
	}
	/* The end mark: a key starting with NUL, which no line has (the
	 * masks refuse control characters in strings). */
	k = &r->shape[r->n];
	memset(k, 0, sizeof(*k));
	k->pm[0] = 0xFF;
	k->plen = 1;
	k->pbits = 1;
	k->xw[0] = ',';
	k->xw[1] = '"';
	k->xbits = 7;
	k->xsh = SHAPE_READ - 3;
	memcpy(k->xr + k->xsh, k->xw, 3);
	k->xrbits = k->xbits << k->xsh;
	r->nshape = r->n;
}

/* Index one top-level field whose key's opening quote is at s. */
static const unsigned char *
scan_field(struct scan *sc, struct cdp_field *f, const unsigned char *s)
{
	const unsigned char *end = sc->end, *v;
	int esc = 0, space = 0;

	if (s >= end || *s != '"')
		return fail(sc, "expected a key", s);
	f->koff = (uint32_t)(s + 1 - sc->base);
	f->flags = 0;
	if ((s = scan_string(sc, s + 1, &esc)) == NULL)
		return NULL;
	f->klen = (uint32_t)(s - 1 - sc->base) - f->koff;
	if (esc)
		f->flags = CDP_F_KEYESC;
	s = skip_ws(s, end);
	if (s >= end || *s != ':')
		return fail(sc, "expected ':'", s);
	v = s = skip_ws(s + 1, end);
	if (s < end && (*s == '{' || *s == '[')) {
		f->type = *s == '{' ? CDP_OBJECT : CDP_ARRAY;
		s = scan_nested(sc, s, &space);
		if (space)
			f->flags |= CDP_F_SPACE;
	} else
		s = scan_scalar(sc, s, &f->type, &f->flags);
	if (s == NULL)
		return NULL;
	f->voff = (uint32_t)(v - sc->base);
	f->vlen = (uint32_t)(s - v);
	return s;
}

/* Scan the whole line into r's index; NULL with sc->why on failure. */
static const unsigned char *
scan_record(struct scan *sc, struct cdp_rec *r)
{
	const unsigned char *s, *end = sc->end;
	struct cdp_field *f;

	s = skip_ws(sc->base, end);
	if (s >= end || *s != '{')
		return fail(sc, "not a JSON object", s);
	s = skip_ws(s + 1, end);
	if (s < end && *s == '}')
		return s + 1;
	for (;;) {
		if ((f = new_field(r)) == NULL)
			return fail(sc, NULL, s);
		if ((s = scan_field(sc, f, s)) == NULL)
			return NULL;
		s = skip_ws(s, end);
		if (s < end && *s == '}')
			return s + 1;
		if (s >= end || *s != ',')
			return fail(sc, "expected ',' or '}'", s);
		s = skip_ws(s + 1, end);
	}
}

/* ---- the token walk ----
 *
 * With a vector level, the line's token masks (simd.h) replace the byte
 * scan: the walk goes from token to token, so a string costs two bit
 * scans whatever its length.  It accepts exactly the lines the byte
 * scan accepts and indexes them the same; anything it does not accept
 * (or would take too deep) goes to the byte scan, which decides and
 * words the reason.  The masks have checked already that no control
 * character is inside a string, and the caller that the line is UTF-8;
 * escapes are checked by the byte scan of the strings that hold a
 * backslash.
 */

#define NOTOK		SIZE_MAX
#define WALK_DEPTH	64	/* deeper values go to the byte scan */

/* Bytes that end a number or literal: what else follows is more of it. */
static const unsigned char ends_scalar[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, [':'] = 1,
	['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1, ['"'] = 1
};

/*
 * Where the walk is: word w of the token masks, and its tokens not taken
 * yet.  Held in locals (the functions below are inlined into one), which
 * the compiler keeps in registers.
 */
struct tokpos {
	size_t		w64;	/* the word's first place: 64 w */
	uint64_t	cur;
};

/*
 * The masks, copied to a local: stores to the index (bytes, which may
 * alias anything) would otherwise reload them from the record.
 */
struct tokview {
	const uint64_t	*tok, *bs;
	size_t		 nw64;	/* 64 nw */
	bool		 any_bs;
};

/* Take the next token into *t: false at the end of the line. */
static inline __attribute__((always_inline)) bool
tok_pop(const struct tokview *m, struct tokpos *tp, size_t *t)
{
	while (tp->cur == 0) {
		if ((tp->w64 += 64) >= m->nw64)
			return false;
		tp->cur = m->tok[tp->w64 >> 6];
	}
	*t = tp->w64 + (size_t)__builtin_ctzll(tp->cur);
	tp->cur &= tp->cur - 1;
	return true;
}

/* The first token in the words after the one of place p, or NOTOK. */
static size_t
tok_next_word(const struct tokview *m, size_t p)
{
	size_t w64 = p & ~(size_t)63;
	uint64_t x;

	while ((w64 += 64) < m->nw64)
		if ((x = m->tok[w64 >> 6]) != 0)
			return w64 + (size_t)__builtin_ctzll(x);
	return NOTOK;
}

/* The first token at place p or after (p <= n): its place, or NOTOK. */
static inline __attribute__((always_inline)) size_t
tok_at(const struct tokview *m, size_t p)
{
	uint64_t x = m->tok[p >> 6] >> (p & 63);

	if (x != 0)
		return p + (size_t)__builtin_ctzll(x);
	return tok_next_word(m, p);
}

/* Where the walk is once token t is taken. */
static inline __attribute__((always_inline)) struct tokpos
tok_after(const struct tokview *m, size_t t)
{
	struct tokpos tp = { t & ~(size_t)63,
	    m->tok[t >> 6] & (~0ULL << (t & 63)) << 1 };

	return tp;
}

/* Whether any bit of the mask words w is set in [a, b), a < b. */
static inline __attribute__((always_inline)) bool
any_bit(const uint64_t *w, size_t a, size_t b)
{
	size_t i = a >> 6, last = (b - 1) >> 6;
	uint64_t x = w[i] & (~0ULL << (a & 63));

	for (; i < last; x = w[++i])
		if (x != 0)
			return true;
	return (x & (~0ULL >> (63 - ((b - 1) & 63)))) != 0;
}

/*
 * The escapes of the string from quote t to quote c: 0 when it has
 * none, 1 when it has (all checked), -1 when one is bad (the byte scan
 * then words it).
 */
static inline __attribute__((always_inline)) int
string_esc(const struct tokview *m, struct scan *sc, size_t t, size_t c)
{
	int esc = 0;

	if (!m->any_bs || c == t + 1 || !any_bit(m->bs, t + 1, c))
		return 0;
	if (scan_string(sc, sc->base + t + 1, &esc) != sc->base + c + 1)
		return -1;
	return esc;
}

/* The number or literal at t: the place after it, or NOTOK. */
static inline __attribute__((always_inline)) size_t
walk_scalar(struct scan *sc, size_t t, uint8_t *type)
{
	const unsigned char *s = sc->base + t, *e;

	switch (*s) {
	case 't':
		*type = CDP_TRUE;
		e = scan_word(sc, s, "true", 4);
		break;
	case 'f':
		*type = CDP_FALSE;
		e = scan_word(sc, s, "false", 5);
		break;
	case 'n':
		*type = CDP_NULL;
		e = scan_word(sc, s, "null", 4);
		break;
	default:
		if (*s != '-' && (unsigned)*s - '0' >= 10)
			return NOTOK;
		*type = CDP_NUMBER;
		e = scan_number(sc, s);
		break;
	}
	if (e == NULL || (e < sc->end && !ends_scalar[*e]))
		return NOTOK;
	return (size_t)(e - sc->base);
}

/* gap_is() once the gap is not the compact one. */
static inline __attribute__((always_inline)) bool
gap_ws(const unsigned char *s, size_t a, size_t b, int sep)
{
	while (a < b && is_ws[s[a]])
		a++;
	if (sep != 0) {
		if (a == b || s[a] != sep)
			return false;
		a++;
		while (a < b && is_ws[s[a]])
			a++;
	}
	return a == b;
}

/*
 * Whether the bytes [a, b) between two tokens are one sep (':' or ',')
 * with any whitespace around it, or only whitespace when sep is 0.
 * Compact JSON has no whitespace: that case is checked first.
 */
static inline __attribute__((always_inline)) bool
gap_is(const unsigned char *s, size_t a, size_t b, int sep)
{
	if (b - a == (sep != 0))
		return sep == 0 || s[a] == sep;
	return gap_ws(s, a, b, sep);
}

/*
 * gap_is() for the walk of an object or array value, which sets *sp
 * when the gap is not compact: then it holds whitespace, or is wrong
 * (and the walk fails).  Between its brackets every byte outside strings
 * and scalars is in some gap, so *sp tells whether the value holds
 * whitespace (CDP_F_SPACE) without a mask of it.
 */
static inline __attribute__((always_inline)) bool
gap_sp(const unsigned char *s, size_t a, size_t b, int sep, bool *sp)
{
	if (b - a == (sep != 0))
		return sep == 0 || s[a] == sep;
	*sp = true;
	return gap_ws(s, a, b, sep);
}

/*
 * The object or array opening at token t, one level below the record:
 * the place of its closing bracket, or NOTOK.  *sp is set when it holds
 * whitespace.
 */
static inline __attribute__((always_inline)) size_t
walk_nested(const struct tokview *m, struct scan *sc, struct tokpos *tp,
    size_t t, bool *sp)
{
	const unsigned char *b = sc->base;
	unsigned char stack[WALK_DEPTH];
	struct tokpos at = *tp;
	size_t e, c;
	uint8_t type;
	int depth = 0;

open:
	if (depth == WALK_DEPTH)
		return NOTOK;
	stack[depth++] = b[t] == '{' ? '}' : ']';
	e = t + 1;
	if (!tok_pop(m, &at, &t) || !gap_sp(b, e, t, 0, sp))
		return NOTOK;
	if (b[t] == stack[depth - 1])
		goto close;
	if (stack[depth - 1] == ']')
		goto value;
key:
	if (b[t] != '"' || !tok_pop(m, &at, &c) ||
	    string_esc(m, sc, t, c) < 0)
		return NOTOK;
	e = c + 1;
	if (!tok_pop(m, &at, &t))
		return NOTOK;
	if (t != e + 1 || b[e] != ':') {
		if (!gap_sp(b, e, t, ':', sp))
			return NOTOK;
	}
value:
	if (b[t] == '{' || b[t] == '[')
		goto open;
	if (b[t] == '"') {
		if (!tok_pop(m, &at, &c) || string_esc(m, sc, t, c) < 0)
			return NOTOK;
		e = c + 1;
	} else if ((e = walk_scalar(sc, t, &type)) == NOTOK)
		return NOTOK;
after:
	if (!tok_pop(m, &at, &t))
		return NOTOK;
	if (b[t] == stack[depth - 1]) {
		if (t != e && !gap_sp(b, e, t, 0, sp))
			return NOTOK;
		goto close;
	}
	if (t != e + 1 || b[e] != ',') {
		if (!gap_sp(b, e, t, ',', sp))
			return NOTOK;
	}
	if (stack[depth - 1] == '}')
		goto key;
	goto value;
close:
	e = t + 1;
	if (--depth > 0)
		goto after;
	*tp = at;
	return t;
}

/* The value of field f at token t; the place after it, or NOTOK. */
static inline __attribute__((always_inline)) size_t
walk_value(const struct tokview *m, struct scan *sc, struct tokpos *tp,
    struct cdp_field *f, size_t t)
{
	struct tokpos nest;
	size_t c;
	int esc;
	bool sp = false;

	f->voff = (uint32_t)t;
	switch (sc->base[t]) {
	case '"':
		f->type = CDP_STRING;
		if (!tok_pop(m, tp, &c) || (esc = string_esc(m, sc, t, c)) < 0)
			return NOTOK;
		if (esc)
			f->flags |= CDP_F_VALESC;
		c++;
		break;
	case '{':
	case '[':
		f->type = sc->base[t] == '{' ? CDP_OBJECT : CDP_ARRAY;
		/* A copy, so that tp itself never leaves the registers. */
		nest = *tp;
		if ((c = walk_nested(m, sc, &nest, t, &sp)) == NOTOK)
			return NOTOK;
		*tp = nest;
		if (sp)
			f->flags |= CDP_F_SPACE;
		c++;
		break;
	default:
		if ((c = walk_scalar(sc, t, &f->type)) == NOTOK)
			return NOTOK;
		break;
	}
	f->vlen = (uint32_t)(c - t);
	return c;
}

/*
 * Store a span into f's koff and klen (at is offsetof koff) or voff and
 * vlen (offsetof voff) as one word: the compiler would otherwise gather
 * the four of a field in a vector register, at more instructions than
 * it saves.
 */
_Static_assert(offsetof(struct cdp_field, klen) ==
    offsetof(struct cdp_field, koff) + 4 &&
    offsetof(struct cdp_field, vlen) == offsetof(struct cdp_field, voff) + 4,
    "a span is two adjacent uint32_t");
_Static_assert(offsetof(struct cdp_field, flags) ==
    offsetof(struct cdp_field, type) + 1, "type and flags are adjacent");

static inline __attribute__((always_inline)) void
put_span(struct cdp_field *f, size_t at, size_t off, size_t len)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w = (uint64_t)off | (uint64_t)len << 32;

	memcpy((char *)f + at, &w, sizeof(w));
#else
	uint32_t x[2] = { (uint32_t)off, (uint32_t)len };

	memcpy((char *)f + at, x, sizeof(x));
#endif
}

/*
 * A flat object of strings written compactly, the usual nested value, at
 * v, by the tokens of its strings' closing quotes alone, as walk_known()
 * goes: the place of its closing brace, or NOTOK for any other value
 * (walked by known_nested()).
 */
static inline __attribute__((always_inline)) size_t
known_flat(const struct tokview *m, struct scan *sc, size_t v)
{
	const unsigned char *b = sc->base;
	size_t n = (size_t)(sc->end - b), t = v + 1, c, e;

	if (b[v] != '{' || t >= n || b[t] != '"')
		return NOTOK;
	for (;;) {
		/* the key's closing quote, ':', the value's quotes */
		if ((c = tok_at(m, t + 1)) == NOTOK || c + 3 >= n ||
		    b[c + 1] != ':' || b[c + 2] != '"' ||
		    string_esc(m, sc, t, c) < 0 ||
		    (e = tok_at(m, c + 3)) == NOTOK || e + 2 >= n ||
		    string_esc(m, sc, c + 2, e) < 0)
			return NOTOK;
		if (b[e + 1] == '}')
			return e + 1;
		if (b[e + 1] != ',' || b[e + 2] != '"')
			return NOTOK;
		t = e + 2;
	}
}

/*
 * known_flat() in a line without a backslash, from the masks' words tok
 * (nw64 places) and the line b[0..n): a function that calls none and
 * needs few registers, so a call saves few of the loop's.
 */
static __attribute__((noinline)) size_t
known_flat_plain(const uint64_t *tok, size_t nw64, const unsigned char *b,
    size_t n, size_t v)
{
	const struct tokview view = { tok, NULL, nw64, false };
	struct scan sc = { b, b + n, NULL, NULL };

	return known_flat(&view, &sc, v);
}

/*
 * walk_nested() for walk_known(), from the place v of the opening
 * bracket: the place of the closing one, or NOTOK; CDP_F_SPACE set in
 * f's flags when it holds whitespace.  A flat object of strings goes by
 * known_flat().  Called, as its registers would crowd those of the loop.
 */
static __attribute__((noinline)) size_t
known_nested(const struct tokview *m, struct scan *sc, size_t v,
    struct cdp_field *f)
{
	struct tokpos at = tok_after(m, v);
	bool sp = false;
	size_t c;

	if ((c = known_flat(m, sc, v)) != NOTOK)
		return c;
	if ((c = walk_nested(m, sc, &at, v, &sp)) != NOTOK && sp)
		f->flags |= CDP_F_SPACE;
	return c;
}

/*
 * The string value of f whose opening quote is at v, for walk_known():
 * the place after its closing quote, or NOTOK.
 */
static inline __attribute__((always_inline)) size_t
known_string(const struct tokview *m, struct scan *sc, size_t v,
    struct cdp_field *f)
{
	/* an opening quote's next token closes it: mostly in the same word */
	uint64_t x = m->tok[(v + 1) >> 6] >> ((v + 1) & 63);
	size_t c;
	int esc;

	if (x != 0)
		c = v + 1 + (size_t)__builtin_ctzll(x);
	else if ((c = tok_next_word(m, v + 1)) == NOTOK)
		return NOTOK;
	if ((esc = string_esc(m, sc, v, c)) < 0)
		return NOTOK;
	if (esc)
		f->flags |= CDP_F_VALESC;
	f->type = CDP_STRING;
	return c + 1;
}

/*
 * Any other value of f, at v, for walk_known(): the place after it, or
 * NOTOK.  Two bytes from v are in the line.
 */
static inline __attribute__((always_inline)) size_t
known_other(const struct tokview *m, struct scan *sc, size_t v,
    struct cdp_field *f)
{
	const unsigned char *b = sc->base;
	size_t c;

	if ((unsigned)b[v] - '0' < 10 && (b[v + 1] == ',' || b[v + 1] == '}')) {
		/* a one-digit number: a count, a flag */
		f->type = CDP_NUMBER;
		return v + 1;
	}
	if (b[v] == '{' || b[v] == '[') {
		f->type = b[v] == '{' ? CDP_OBJECT : CDP_ARRAY;
		if ((m->any_bs || (c = known_flat_plain(m->tok, m->nw64, b,
		    (size_t)(sc->end - b), v)) == NOTOK) &&
		    (c = known_nested(m, sc, v, f)) == NOTOK)
			return NOTOK;
		return c + 1;
	}
	return walk_scalar(sc, v, &f->type);
}

/* The known-keys walks: the record ends at e (its brace, then nothing
 * but whitespace), after its last value. */
static inline __attribute__((always_inline)) bool
known_end(const struct tokview *m, const unsigned char *b, size_t e,
    size_t n)
{
	return e < n && b[e] == '}' && (e + 1 == n ||
	    (tok_at(m, e + 1) == NOTOK && gap_is(b, e + 1, n, 0)));
}

/*
 * The fields of a record that starts with the keys kept by save_shape(),
 * compactly written: each key with its closing quote and ':' is compared
 * as one pattern in place of finding its tokens, and a ',' and quote
 * after a value are the next key's, so only the values' tokens are
 * looked for.  r->f holds the nsh > 0 fields; *tq is the first key's
 * opening quote, after i0 fields.  Returns nsh with *done set when the
 * record ended there, well formed; else the count of fields indexed, the
 * walk going on from the key whose opening quote is then *tq (the value
 * of that field, were it read, is read again).  With avx2, keys are
 * compared 32 bytes at a time, so near the line's end the walk without
 * goes on.
 */
static inline __attribute__((always_inline)) size_t
walk_known(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, size_t i0, size_t nsh, size_t *tq, bool *done,
    const bool any_bs, const bool avx2)
{
	const struct tokview view = { mask->tok, mask->bs,
	    mask->nw << 6, any_bs }, *m = &view;
	const unsigned char *b = sc->base;
	const struct cdp_keyshape *s = r->shape + i0, *send = r->shape + nsh;
	struct cdp_field *f = r->f + i0;
	/* the bytes a pattern's compare reads */
	const size_t rd = avx2 ? SHAPE_READ : SHAPE_PATMAX;
	size_t n = (size_t)(sc->end - b), q = *tq, v, e;

	/* Every pattern compared is in the line, and two bytes after it. */
	if (n - q <= rd + 2)
		goto out;
	for (;; s++, f++) {
#if HAVE_X86
		if (avx2) {
			if (pat_diff_avx2(b + q + 1, s) != 0)
				break;
		} else
#endif
		if (pat_diff(b + q + 1, s) != 0)
			break;
		v = q + 1 + s->plen;
		f->flags = s->flags;
		if ((e = b[v] == '"' ? known_string(m, sc, v, f) :
		    known_other(m, sc, v, f)) == NOTOK)
			break;
		put_span(f, offsetof(struct cdp_field, koff), q + 1, s->len);
		put_span(f, offsetof(struct cdp_field, voff), v, e - v);
		if (s + 1 == send && known_end(m, b, e, n)) {
			*done = true;
			return nsh;
		}
		if (n - e <= rd + 3) {
			/* the line's end near: the next key by walk_fields() */
			if (e + 1 < n && b[e] == ',' && b[e + 1] == '"') {
				q = e + 1;
				f++;
			}
			break;
		}
		if (b[e] != ',' || b[e + 1] != '"')
			break;
		/* after the last kept key, the end mark stops it */
		q = e + 1;
	}
out:
	*tq = q;
	return (size_t)(f - r->f);
}

/*
 * walk_known() made twice, with and without escapes to check (a line
 * without a backslash has none), and not inlined into the general walk,
 * whose registers it would share.
 */
static __attribute__((noinline)) size_t
known_fields(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, size_t nsh, size_t *tq, bool *done)
{
	if (mask->any_bs)
		return walk_known(mask, sc, r, 0, nsh, tq, done, true, false);
	return walk_known(mask, sc, r, 0, nsh, tq, done, false, false);
}

/*
 * The record from its tokens into r's index: 0, or -1.  The walk starts
 * at token t, the first after the opening brace, nf fields already
 * indexed (then t is a key's opening quote).  The count and the array
 * of fields stay in locals while the walk stores into fields (byte
 * stores may alias anything: through r they would be reloaded after each
 * one).  *same tells whether the keys are those of the last record kept
 * by save_shape(), compared as they go by.
 */
static inline __attribute__((always_inline)) int
walk_fields(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, bool *same, size_t t, size_t nf, const bool any_bs)
{
	const struct tokview view = { mask->tok, mask->bs,
	    mask->nw << 6, any_bs }, *m = &view;
	const unsigned char *b = sc->base;
	size_t n = (size_t)(sc->end - b), c, e, cap = r->cap;
	struct tokpos tp = tok_after(m, t);
	struct cdp_field *fs = r->f, *f;
	const struct cdp_keyshape *shape = r->shape;
	/* SIZE_MAX: no keys kept */
	size_t nsh = r->nshape <= SMALL_MAX ? r->nshape : 0;
	uint64_t diff = r->nshape > SMALL_MAX;
	/* fields before the array is full or the kept keys end */
	size_t lim = cap < nsh ? cap : nsh;
	int esc, rc = -1;

	while (b[t] == '"') {
		if (nf == lim) {
			if (nf == cap) {
				r->n = nf;
				if (new_field(r) == NULL)
					goto out;
				fs = r->f;
				cap = r->cap;
			}
			/* past the kept keys: others than theirs */
			if (nf >= nsh)
				diff = 1;
			lim = nf < nsh && nsh < cap ? nsh : cap;
		}
		f = &fs[nf++];
		if (!tok_pop(m, &tp, &c) || (esc = string_esc(m, sc, t, c)) < 0)
			goto out;
		f->koff = (uint32_t)(t + 1);
		f->klen = (uint32_t)(c - t - 1);
		f->flags = esc ? CDP_F_KEYESC : 0;
		/* diff stays 0 only while nf <= nsh */
		if (diff == 0)
			diff = key_diff(b + t + 1, c - t - 1, b + n,
			    &shape[nf - 1]);
		if (!tok_pop(m, &tp, &t))
			goto out;
		if (t == c + 2 && b[c + 1] == ':' && b[t] == '"') {
			/* The usual field: "key":"string", no whitespace. */
			if (!tok_pop(m, &tp, &e) ||
			    (esc = string_esc(m, sc, t, e)) < 0)
				goto out;
			e++;
			f->voff = (uint32_t)t;
			f->vlen = (uint32_t)(e - t);
			f->type = CDP_STRING;
			if (esc)
				f->flags |= CDP_F_VALESC;
		} else if (!gap_is(b, c + 1, t, ':') ||
		    (e = walk_value(m, sc, &tp, f, t)) == NOTOK)
			goto out;
		if (!tok_pop(m, &tp, &t))
			goto out;
		if (t == e + 1 && b[e] == ',' && b[t] == '"')
			continue;
		if (!gap_is(b, e, t, b[t] == '}' ? 0 : ','))
			goto out;
	}
	/* the closing brace, then nothing but whitespace */
	if (b[t] != '}' || tok_pop(m, &tp, &e) || !gap_is(b, t + 1, n, 0))
		goto out;
	rc = 0;
	*same = diff == 0 && nf == nsh;
out:
	r->n = nf;
	return rc;
}

/*
 * walk_fields() made twice: lines without a backslash, most of them,
 * check no string for escapes.
 */
static int
walk_record(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, bool *same, size_t t, size_t nf)
{
	if (mask->any_bs)
		return walk_fields(mask, sc, r, same, t, nf, true);
	return walk_fields(mask, sc, r, same, t, nf, false);
}

#if HAVE_X86
/*
 * walk_known() with AVX2 from the first field: a field is compared from
 * the end of the value before as one pattern, its ',' and quote, key,
 * quote and ':' and the quote that opens a string value, so one compare
 * tells both that the next key is the kept one and whether its value is
 * a string.  The first key's pattern is compared from the byte before
 * its quote, not compared.  Each compare reads SHAPE_READ bytes: within
 * those of the line's end, those that end with the pattern.
 */
__attribute__((target("avx2,bmi")))
static inline __attribute__((always_inline)) size_t
walk_known_avx2(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, size_t nsh, size_t *tq, bool *done, const bool any_bs)
{
	const struct tokview view = { mask->tok, mask->bs,
	    mask->nw << 6, any_bs }, *m = &view;
	const unsigned char *b = sc->base;
	const struct cdp_keyshape *s = r->shape, *send = r->shape + nsh;
	struct cdp_field *f = r->f;
	size_t n = (size_t)(sc->end - b), q = *tq, v, e, last;
	uint64_t w;
	uint32_t x;

	/* q >= 1: a brace is before it */
	if (n - q < SHAPE_READ)
		goto out;
	/* the last place a compare may start at */
	last = n - SHAPE_READ;
	x = xpat_diff_avx2(b + q - 1, s) & ~1U;
	for (;;) {
		v = q + 1 + s->plen;
		if (x == 0) {
			/* the next token closes the string: mostly in the
			 * same word */
			w = m->tok[(v + 1) >> 6] >> ((v + 1) & 63);
			if (w != 0 && !any_bs) {
				memcpy((char *)f + offsetof(struct cdp_field,
				    type), s->tf, 2);
				e = v + 2 + (size_t)__builtin_ctzll(w);
			} else {
				f->flags = s->flags;
				if ((e = known_string(m, sc, v, f)) == NOTOK)
					break;
			}
		} else if (x == s->xq) {
			f->flags = s->flags;
			if ((e = known_other(m, sc, v, f)) == NOTOK)
				break;
		} else {
			/* another key, or past the last kept one: f is past
			 * the fields then */
			break;
		}
		/* the key's span: its offset ORed into its length's word */
		memcpy((char *)f + offsetof(struct cdp_field, koff),
		    &(uint64_t){ (q + 1) | s->kspan }, 8);
		put_span(f, offsetof(struct cdp_field, voff), v, e - v);
		if (e <= last)
			x = xpat_diff_avx2(b + e, s + 1);
		else if (e >= s[1].xsh && n - e > SHAPE_READ - s[1].xsh)
			/* the line's end near: the bytes before the pattern
			 * are in the line, and the value's first after it */
			x = xpat_diff_end(b + e, s + 1);
		else
			x = 3;
		if ((x & 3) == 0) {
			/* after the last kept key, the end mark stops it */
			q = e + 1;
			s++;
			f++;
			continue;
		}
		if (s + 1 == send && known_end(m, b, e, n)) {
			*done = true;
			return nsh;
		}
		break;
	}
out:
	*tq = q;
	return (size_t)(f - r->f);
}

/*
 * known_fields() and walk_record() with BMI, which every CPU of the AVX2
 * level has (simd.c): taking the lowest token bit is then one
 * instruction; and the keys compared by AVX2.
 */
__attribute__((target("avx2,bmi"), noinline))
static size_t
known_fields_avx2(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, size_t nsh, size_t *tq, bool *done)
{
	size_t nf;

	if (mask->any_bs) {
		nf = walk_known_avx2(mask, sc, r, nsh, tq, done, true);
		if (!*done && nf < nsh)
			nf = walk_known(mask, sc, r, nf, nsh, tq, done, true,
			    false);
		return nf;
	}
	nf = walk_known_avx2(mask, sc, r, nsh, tq, done, false);
	if (!*done && nf < nsh)
		nf = walk_known(mask, sc, r, nf, nsh, tq, done, false, false);
	return nf;
}

__attribute__((target("bmi")))
static int
walk_record_bmi(const struct cdp_jsonmask *mask, struct scan *sc,
    struct cdp_rec *r, bool *same, size_t t, size_t nf)
{
	if (mask->any_bs)
		return walk_fields(mask, sc, r, same, t, nf, true);
	return walk_fields(mask, sc, r, same, t, nf, false);
}
#define HAVE_BMI	1
#else
#define HAVE_BMI	0
#endif

/*
 * The vector pass over r->p, up to the walk with the last record's keys:
 * masks, UTF-8 in bulk, the opening brace, then known_fields().  Returns
 * 1 with r indexed by those keys, all of them; 0 when the general walk
 * is to go on from token *t, after *nf fields indexed; -1 when the byte
 * scan must decide.
 */
static inline __attribute__((always_inline)) int
tokens_begin(struct cdp_rec *r, struct scan *sc, size_t *t, size_t *nf)
{
	enum cdp_simd level = (enum cdp_simd)(r->simd - 1);
	const struct cdp_jsonmask *mask = &r->mask;
	struct tokview view;
	const unsigned char *b = sc->base;
	struct tokpos tp;
	size_t e, nsh = r->nshape;
	bool done = false;

	*nf = 0;
	if (cdp_jsonmask_build(level, r->p, r->len, &r->mask) != 0 ||
	    (r->mask.any_hi && !cdp_simd_utf8(level, r->p, r->len)))
		return -1;
	/* the opening brace and the token after it: at once in the usual
	 * line, which starts with a brace and a key's quote */
	if (r->len >= 2 && b[0] == '{' && b[1] == '"') {
		*t = 1;
	} else {
		view.tok = mask->tok;
		view.bs = mask->bs;
		view.nw64 = mask->nw << 6;
		view.any_bs = mask->any_bs;
		tp.w64 = 0;
		tp.cur = mask->tok[0];
		if (!tok_pop(&view, &tp, t) || b[*t] != '{' ||
		    !gap_is(b, 0, *t, 0))
			return -1;
		e = *t + 1;
		if (!tok_pop(&view, &tp, t) || !gap_is(b, e, *t, 0))
			return -1;
	}
	if (nsh > 0 && nsh <= SMALL_MAX && nsh <= r->cap && b[*t] == '"') {
#if HAVE_BMI
		if (level >= CDP_SIMD_AVX2)
			*nf = known_fields_avx2(mask, sc, r, nsh, t, &done);
		else
#endif
			*nf = known_fields(mask, sc, r, nsh, t, &done);
		if (done) {
			r->n = *nf;
			return 1;
		}
	}
	return 0;
}

/* The general token walk from token t, nf fields indexed: as
 * walk_record(). */
static int
tokens_rest(struct cdp_rec *r, struct scan *sc, bool *same, size_t t,
    size_t nf)
{
#if HAVE_BMI
	if (r->simd - 1 >= CDP_SIMD_AVX2)
		return walk_record_bmi(&r->mask, sc, r, same, t, nf);
#endif
	return walk_record(&r->mask, sc, r, same, t, nf);
}

/*
 * cdp_rec_parse() but for its usual case; begun is -2 when the vector
 * pass has not begun, else what tokens_begin() returned (not 1), with t
 * and nf.
 */
static __attribute__((noinline)) int
rec_parse(struct cdp_rec *r, const char *p, size_t len, struct cdp_err *err,
    struct scan *sc, int begun, size_t t, size_t nf)
{
	const unsigned char *s;
	bool walked = false, same = false;
	long dup;

	if (begun == -2) {
		r->p = p;
		r->len = len;
		r->n = 0;
		r->keyed = false;
		if (len > UINT32_MAX) {
			cdp_err_set(err, EX_DATAERR,
			    "record longer than 4 GiB");
			return -1;
		}
		sc->base = (const unsigned char *)p;
		sc->end = sc->base + len;
		sc->why = NULL;
		if (r->simd == 0)
			r->simd = 1 + (int)cdp_simd_best();
		if (r->simd > 1 + CDP_SIMD_SCALAR) {
			begun = tokens_begin(r, sc, &t, &nf);
			if (begun == 1) {
				same = walked = true;
				goto indexed;
			}
		}
	}
	if (begun == 0 && tokens_rest(r, sc, &same, t, nf) == 0) {
		walked = true;
		goto indexed;
	}
	r->n = 0;
	sc->why = NULL;
	if ((s = scan_record(sc, r)) == NULL)
		goto bad;
	if (skip_ws(s, sc->end) != sc->end) {
		fail(sc, "trailing characters after the object",
		    skip_ws(s, sc->end));
		goto bad;
	}
	same = same_shape(r);
indexed:
	r->ntok += walked;
	if (same) {
		r->keyed = true;
		return 0;
	}
	/* other keys than the shape's: what cdp_rec_find() found absent
	 * may be there */
	r->keys++;
	dup = r->n > SMALL_MAX ? dup_hashed(r) : dup_small(r);
	if (dup == -2) {
		r->n = 0;
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		assert(r->f[i].koff + (size_t)r->f[i].klen < len &&
		    r->f[i].voff + (size_t)r->f[i].vlen <= len &&
		    r->f[i].vlen > 0 && r->f[i].type <= CDP_ARRAY &&
		    (r->f[i].type != CDP_STRING || r->p[r->f[i].voff] == '"'));
	if (dup >= 0) {
		/* koff, 0-based, is the 1-based place of the key's quote. */
		cdp_err_set(err, EX_DATAERR, "duplicate key at byte %lu",
		    (unsigned long)r->f[dup].koff);
		r->ntok -= walked;
		r->n = 0;
		return -1;
	}
	save_shape(r);
	r->keyed = true;
	return 0;
bad:
	r->n = 0;
	if (sc->why == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	/* A UTF-16 line fails at its first or second byte: say what it is. */
	if (sc->at - sc->base <= 1 && cdp_looks_utf16(p, len)) {
		cdp_err_set(err, EX_DATAERR, "%s", CDP_UTF16_REASON);
		return -1;
	}
	/* Positions are 1-based, like columns; the end of line is len + 1. */
	cdp_err_set(err, EX_DATAERR, "%s at byte %lu", sc->why,
	    (unsigned long)(sc->at - sc->base) + 1);
	return -1;
}

/*
 * The usual line, with the last record's keys, goes by tokens_begin()
 * alone, in a function that saves few registers; the rest by
 * rec_parse().
 */
int
cdp_rec_parse(struct cdp_rec *r, const char *p, size_t len,
    struct cdp_err *err)
{
	struct scan sc;
	size_t t = 0, nf = 0;
	int begun;

	if (r->simd <= 1 + CDP_SIMD_SCALAR || len > UINT32_MAX)
		return rec_parse(r, p, len, err, &sc, -2, 0, 0);
	r->p = p;
	r->len = len;
	r->n = 0;
	r->keyed = false;
	sc.base = (const unsigned char *)p;
	sc.end = sc.base + len;
	sc.why = NULL;
	if ((begun = tokens_begin(r, &sc, &t, &nf)) == 1) {
		r->ntok++;
		r->keyed = true;
		return 0;
	}
	return rec_parse(r, p, len, err, &sc, begun, t, nf);
}

void
cdp_rec_use(struct cdp_rec *r, enum cdp_simd level)
{
	enum cdp_simd cpu = cdp_simd_cpu();

	r->simd = 1 + (int)(level < cpu ? level : cpu);
}

void
cdp_rec_free(struct cdp_rec *r)
{
	free(r->f);
	free(r->slots);
	cdp_buf_free(&r->scratch);
	cdp_jsonmask_free(&r->mask);
	free(r->shape);
	r->shape = NULL;
	r->nshape = r->shapecap = 0;
	r->f = NULL;
	r->slots = NULL;
	r->n = r->cap = r->nslots = 0;
	r->p = NULL;
	r->len = 0;
}

const struct cdp_field *
cdp_rec_find(struct cdp_rec *r, const char *key, size_t klen)
{
	const struct cdp_field *f;
	size_t i, m;
	uint32_t j;

	if (r->n > SMALL_MAX) {
		/* cdp_rec_parse() left the hash set of this record in slots. */
		m = nslots_for(r->n);
		j = key_hash(key, klen, false) & (m - 1);
		for (; r->slots[j] != 0; j = (j + 1) & (m - 1)) {
			f = &r->f[r->slots[j] - 1];
			if (key_is(r->p, f, key, klen))
				return f;
		}
		return NULL;
	}
	/*
	 * Where this key (the caller's same string) was in an earlier
	 * record: NDJSON lines repeat their keys in one order, and keys are
	 * unique in a record, so a match there is the field.  That it was
	 * absent holds while the record has the same keys (r->keys).
	 */
	for (m = 0; m < 8; m++) {
		if (r->found[m].key != key || r->found[m].klen != klen)
			continue;
		if (r->found[m].ix == SIZE_MAX) {
			/* the same text, as the caller's buffer may change */
			if (r->keyed && r->found[m].keys == r->keys &&
			    same_bytes(r->found[m].text, key, klen))
				return NULL;
		} else if (r->found[m].ix < r->n &&
		    key_is(r->p, &r->f[r->found[m].ix], key, klen))
			return &r->f[r->found[m].ix];
		break;
	}
	for (i = 0; i < r->n; i++)
		if (key_is(r->p, &r->f[i], key, klen))
			break;
	if (i == r->n && (!r->keyed || klen > sizeof(r->found[0].text)))
		return NULL;
	if (m == 8)
		m = r->nfound++ & 7;
	r->found[m].key = key;
	r->found[m].klen = klen;
	r->found[m].ix = i < r->n ? i : SIZE_MAX;
	r->found[m].keys = r->keys;
	if (i == r->n) {
		memcpy(r->found[m].text, key, klen);
		return NULL;
	}
	return &r->f[i];
}

int
cdp_rec_str(const struct cdp_rec *r, const struct cdp_field *f,
    struct cdp_buf *scratch, const char **s, size_t *n)
{
	if (f->type != CDP_STRING)
		return -1;
	assert(f->vlen >= 2 && f->voff + (size_t)f->vlen <= r->len);
	if ((f->flags & CDP_F_VALESC) == 0) {
		*s = r->p + f->voff + 1;
		*n = f->vlen - 2;
		return 0;
	}
	cdp_buf_reset(scratch);
	if (cdp_json_unescape(r->p + f->voff + 1, f->vlen - 2, scratch) == -1)
		return -1;
	*s = scratch->p;
	*n = scratch->len;
	return 0;
}

/*
 * Clinger's fast path: a number without exponent of at most 15
 * significant digits and 22 decimals is m / 10^k with m and 10^k exact
 * doubles, and one division rounds correctly, so the result is
 * strtod()'s, bit for bit, without strtod()'s cost (a money amount per
 * record).  False for any other text, which strtod() then reads.
 */
static bool
num_fast(const char *s, size_t n, double *out)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	    1e18, 1e19, 1e20, 1e21, 1e22 };
	uint64_t m = 0;
	int sig = 0, frac = 0;
	bool neg = n > 0 && s[0] == '-', dot = false;
	double d;

	for (size_t i = neg; i < n; i++) {
		unsigned c = (unsigned char)s[i];

		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c - '0' > 9)
			return false;
		if ((sig > 0 || c != '0') && ++sig > 15)
			return false;
		m = m * 10 + (c - '0');
		frac += dot;
	}
	if (frac > 22)
		return false;
	d = (double)m / p10[frac];
	*out = neg ? -d : d;
	return true;
}

int
cdp_rec_num(const struct cdp_rec *r, const struct cdp_field *f,
    double *out)
{
	char buf[NUMBUF], *e;
	const char *s;
	double d;

	if (f->type != CDP_NUMBER)
		return -1;
	if (num_fast(r->p + f->voff, f->vlen, out))
		return 0;
	if (f->vlen < sizeof(buf)) {
		memcpy(buf, r->p + f->voff, f->vlen);
		buf[f->vlen] = '\0';
		s = buf;
	} else {
		/*
		 * A long number is converted in place: the record is a
		 * validated object, so a ',', '}' or whitespace follows the
		 * number inside the line and strtod() stops there.
		 */
		s = r->p + f->voff;
	}
	d = strtod(s, &e);
	if (e != s + f->vlen || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

/* Exponents are kept in [-EXP_CAP, EXP_CAP]: a value beyond is not a
 * double anyway, and the arithmetic below cannot overflow. */
#define EXP_CAP	999999999L

/*
 * v in decimal, written backwards to end at end: returns where it starts
 * (at most 20 bytes before end).  Not through printf: it runs per record
 * (line numbers) and per number (exponents).
 */
static char *
decimal(char *end, long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--end = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--end = '-';
	return end;
}

/* "e" and exp in decimal. */
static int
add_exponent(struct cdp_buf *out, long exp)
{
	char buf[24], *q = decimal(buf + sizeof(buf), exp);

	*--q = 'e';
	return cdp_buf_add(out, q, (size_t)(buf + sizeof(buf) - q));
}

int
cdp_num_canon(const char *p, size_t n, struct cdp_buf *out)
{
	const char *end = p + n, *d0, *d1, *dot = NULL;
	long exp = 0, esign = 1, lead;
	bool neg = false;
	size_t first, last, nd;
	char *o;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	/* The digits, the point among them, then the exponent. */
	for (d0 = p; p < end && ((*p >= '0' && *p <= '9') || *p == '.'); p++)
		if (*p == '.')
			dot = p;
	d1 = p;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			esign = *p++ == '-' ? -1 : 1;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (exp <= EXP_CAP)
				exp = exp * 10 + (*p - '0');
		if (exp > EXP_CAP)
			exp = EXP_CAP;
		exp *= esign;
	}
	if (dot == NULL)
		dot = d1;
	/* The first and last non-zero digit. */
	for (first = 0; d0 + first < d1 && (d0[first] == '0' ||
	    d0[first] == '.'); first++)
		;
	if (d0 + first == d1)
		return cdp_buf_addc(out, '0');
	for (last = (size_t)(d1 - d0) - 1; d0[last] == '0' || d0[last] == '.';
	    last--)
		;
	/* The power of ten of the first significant digit. */
	lead = d0 + first < dot ? (long)(dot - (d0 + first)) - 1 :
	    -(long)(d0 + first - dot);
	exp += lead;
	if (exp > EXP_CAP)
		exp = EXP_CAP;
	if (exp < -EXP_CAP)
		exp = -EXP_CAP;
	nd = last - first + 1;
	if (cdp_buf_reserve(out, nd + 16) == -1)
		return -1;
	o = out->p + out->len;
	if (neg)
		*o++ = '-';
	for (size_t i = first, k = 0; i <= last; i++) {
		if (d0[i] == '.')
			continue;
		*o++ = d0[i];
		if (k++ == 0 && i < last)
			*o++ = '.';
	}
	/* "1." when the only other digits were a point: drop it. */
	if (o[-1] == '.')
		o--;
	out->len = (size_t)(o - out->p);
	return add_exponent(out, exp);
}

/* Parts of a canonical text: sign, digits (point removed) and exponent. */
struct canon {
	bool		 neg, zero;
	const char	*d;	/* digits with the point, as written */
	size_t		 nd;
	long		 exp;
};

static void
canon_split(const char *c, size_t n, struct canon *k)
{
	const char *e = memchr(c, 'e', n);

	*k = (struct canon){ .zero = n == 1 && c[0] == '0' };
	if (k->zero)
		return;
	k->neg = c[0] == '-';
	k->d = c + k->neg;
	k->nd = (size_t)(e - k->d);
	k->exp = strtol(e + 1, NULL, 10);
}

/* Compare the digit strings of a and b (points skipped, the shorter
 * padded with zeros). */
static int
digits_cmp(const struct canon *a, const struct canon *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		char x, y;

		while (i < a->nd && a->d[i] == '.')
			i++;
		while (j < b->nd && b->d[j] == '.')
			j++;
		if (i >= a->nd && j >= b->nd)
			return 0;
		x = i < a->nd ? a->d[i++] : '0';
		y = j < b->nd ? b->d[j++] : '0';
		if (x != y)
			return x < y ? -1 : 1;
	}
}

int
cdp_num_canon_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	struct canon x, y;
	int mag;

	canon_split(a, an, &x);
	canon_split(b, bn, &y);
	if (x.zero || y.zero) {
		int sx = x.zero ? 0 : x.neg ? -1 : 1;
		int sy = y.zero ? 0 : y.neg ? -1 : 1;

		return sx < sy ? -1 : sx > sy;
	}
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	mag = x.exp != y.exp ? (x.exp < y.exp ? -1 : 1) : digits_cmp(&x, &y);
	return x.neg ? -mag : mag;
}

static int	canon_plain(const struct canon *, const char *, size_t, long,
		    long, struct cdp_buf *);

int
cdp_num_canon_json(const char *c, size_t n, struct cdp_buf *out)
{
	char num[NUMBUF], fmt[32];
	struct cdp_buf back = { 0 };
	struct canon k;
	double d;
	int len, rc = 0;

	if (n >= sizeof(num))
		goto exact;
	memcpy(num, c, n);
	num[n] = '\0';
	d = strtod(num, NULL);
	/* The usual case: a double holds the value, print it as always. */
	if ((len = cdp_fmt_double(fmt, d)) > 0) {
		rc = cdp_num_canon(fmt, (size_t)len, &back);
		if (rc == 0 && back.len == n && memcmp(back.p, c, n) == 0) {
			cdp_buf_free(&back);
			return cdp_buf_add(out, fmt, (size_t)len);
		}
		cdp_buf_free(&back);
		if (rc == -1)
			return -1;
	}
exact:
	canon_split(c, n, &k);
	return canon_plain(&k, c, n, -7, 20, out);
}

/*
 * Write canonical number k (text c[0..n)) in plain notation when its
 * exponent is in [lo, hi], else as the canonical text itself.
 */
static int
canon_plain(const struct canon *kp, const char *c, size_t n, long lo,
    long hi, struct cdp_buf *out)
{
	struct canon k = *kp;
	size_t at = out->len;
	int rc = 0;

	if (k.zero)
		return cdp_buf_addc(out, '0');
	if (k.neg)
		rc |= cdp_buf_addc(out, '-');
	if (k.exp >= lo && k.exp <= hi) {
		/* Plain notation: digits with the point moved by exp. */
		long pos = 0;

		if (k.exp < 0) {
			rc |= cdp_buf_adds(out, "0.");
			for (long z = 0; z < -k.exp - 1; z++)
				rc |= cdp_buf_addc(out, '0');
		}
		for (size_t i = 0; i < k.nd; i++) {
			if (k.d[i] == '.')
				continue;
			if (k.exp >= 0 && pos == k.exp + 1)
				rc |= cdp_buf_addc(out, '.');
			rc |= cdp_buf_addc(out, k.d[i]);
			pos++;
		}
		for (; k.exp >= 0 && pos <= k.exp; pos++)
			rc |= cdp_buf_addc(out, '0');
	} else {
		rc |= cdp_buf_add(out, c + k.neg, n - k.neg);
	}
	if (rc != 0)
		out->len = at;
	return rc != 0 ? -1 : 0;
}

int
cdp_num_key(const char *p, size_t n, struct cdp_buf *out)
{
	struct cdp_buf c = { 0 };
	struct canon k;
	int rc;

	if (cdp_num_canon(p, n, &c) == -1) {
		cdp_buf_free(&c);
		return -1;
	}
	canon_split(c.p, c.len, &k);
	rc = canon_plain(&k, c.p, c.len, -30, 60, out);
	cdp_buf_free(&c);
	return rc;
}

int
cdp_json_unescape(const char *s, size_t n, struct cdp_buf *out)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + n, *b;
	unsigned char tmp[4];
	int len;

	while (u < end) {
		if ((b = memchr(u, '\\', (size_t)(end - u))) == NULL)
			b = end;
		if (cdp_buf_add(out, u, (size_t)(b - u)) == -1)
			return -1;
		if (b == end)
			break;
		u = unescape_one(b, end, tmp, &len);
		if (cdp_buf_add(out, tmp, (size_t)len) == -1)
			return -1;
	}
	return 0;
}

/* Append the escape for control character, quote or backslash c. */
static int
quote_char(struct cdp_buf *out, unsigned c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (c) {
	case '"':
	case '\\':
		e[1] = (char)c;
		return cdp_buf_add(out, e, 2);
	case '\b':
		return cdp_buf_add(out, "\\b", 2);
	case '\f':
		return cdp_buf_add(out, "\\f", 2);
	case '\n':
		return cdp_buf_add(out, "\\n", 2);
	case '\r':
		return cdp_buf_add(out, "\\r", 2);
	case '\t':
		return cdp_buf_add(out, "\\t", 2);
	default:
		e[4] = hex[c >> 4];
		e[5] = hex[c & 0xF];
		return cdp_buf_add(out, e, 6);
	}
}

/*
 * The first byte of u[i..n) that cdp_json_quote() must look at: '"',
 * '\\', a control character, or (unless utf8, when the rest of the
 * string is known to be valid UTF-8) a byte >= 0x80.  n when none is.
 * Sixteen bytes at a time with SSE2, then eight as one word.
 */
static inline size_t
plain_run(const unsigned char *u, size_t i, size_t n, bool utf8)
{
	uint64_t w, m;

#if defined(__SSE2__) && defined(__GNUC__)
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1f), c20 = _mm_set1_epi8(0x20);
	__m128i x, v;
	unsigned bits;

	while (n - i >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		v = _mm_or_si128(_mm_cmpeq_epi8(x, dq), _mm_cmpeq_epi8(x, bs));
		/* Signed, below 0x20 is a control or a byte >= 0x80. */
		v = _mm_or_si128(v, utf8 ?
		    _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f) :
		    _mm_cmplt_epi8(x, c20));
		if ((bits = (unsigned)_mm_movemask_epi8(v)) != 0)
			return i + (size_t)__builtin_ctz(bits);
		i += 16;
	}
#endif
	while (n - i >= 8) {
		memcpy(&w, u + i, 8);
		m = special_mask(w);
		if (utf8)
			m &= ~(w & HIGHS);
		if ((m &= HIGHS) != 0)
			return i + first_special(m, u + i);
		i += 8;
	}
	while (i < n && (utf8 ? u[i] >= 0x20 && u[i] != '"' && u[i] != '\\' :
	    !is_special[u[i]]))
		i++;
	return i;
}

/* Strings this long are checked as UTF-8 in bulk from their first
 * non-ASCII byte. */
#define QUOTE_BULK	32

int
cdp_json_quote(struct cdp_buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, len, bad;
	bool utf8 = false, tried = false;

	if ((out->cap - out->len <= n + 2 && cdp_buf_reserve(out, n + 2) == -1))
		return -1;
	out->p[out->len++] = '"';
	for (;;) {
		if ((i = plain_run(u, i, n, utf8)) == n)
			break;
		if (u[i] >= 0x80) {
			/* Once: if all the rest is valid, copy it whole. */
			if (!tried && n - i >= QUOTE_BULK) {
				tried = true;
				if (cdp_simd_utf8(cdp_simd_cpu(), s + i,
				    n - i)) {
					utf8 = true;
					continue;
				}
			}
			if ((len = utf8_seq(u + i, n - i, &bad)) > 0) {
				i += len;
				continue;
			}
			if (cdp_buf_add(out, u + run, i - run) == -1 ||
			    cdp_buf_add(out, "\xEF\xBF\xBD", 3) == -1)
				return -1;
			i += bad;
		} else if (cdp_buf_add(out, u + run, i - run) == -1 ||
		    quote_char(out, u[i++]) == -1)
			return -1;
		run = i;
	}
	if (cdp_buf_add(out, u + run, n - run) == -1)
		return -1;
	return cdp_buf_addc(out, '"');
}

bool
cdp_utf8_valid(const char *s, size_t n)
{
	/* Short strings (a CSV cell) are not worth a vector's set-up. */
	return cdp_simd_utf8(n >= 64 ? cdp_simd_cpu() : CDP_SIMD_SCALAR, s, n);
}

/*
 * Rewrite the exponent of printf's %g ("e+21", "e-07") as the shorter
 * JSON form ("e21", "e-7").  Returns the new length.
 */
static int
trim_exponent(char *buf, int len)
{
	char *e, *d;

	if ((e = strchr(buf, 'e')) == NULL)
		return len;
	d = e + 1;
	if (*d == '-')
		d++;
	else if (*d == '+')
		memmove(d, d + 1, strlen(d + 1) + 1);
	while (d[0] == '0' && d[1] != '\0')
		memmove(d, d + 1, strlen(d + 1) + 1);
	return (int)strlen(buf);
}

/*
 * The short decimal of a double that has one with at most 15 significant
 * digits and no exponent in %g (1e-4 <= |d| < 1e15): the least k with an
 * integer m = |d| 10^k < 10^15 such that m / 10^k (one correctly rounded
 * division of exact operands, as strtod reads the digits) is d again.
 * That decimal is within half an ulp of d, while 15-digit decimals lie
 * far more than an ulp apart, so it is d rounded to 15 digits, which is
 * what "%.15g" prints: the same text without printf and strtod.  Amounts
 * and ratios of small integers are the common case; 0 when there is none.
 */
static int
fmt_short(char *buf, double d)
{
	static const double p10[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	double a = fabs(d), m;
	char digits[24], *p = digits + sizeof(digits), *o = buf;
	unsigned long long u;
	int k, n;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (k = 1; k <= 15; k++) {
		m = nearbyint(a * p10[k]);
		if (m >= 1e15)
			return 0;
		if (m / p10[k] == a)
			break;
	}
	if (k > 15)
		return 0;
	u = (unsigned long long)m;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	n = (int)(digits + sizeof(digits) - p);
	if (d < 0)
		*o++ = '-';
	if (n <= k) {
		*o++ = '0';
		*o++ = '.';
		memset(o, '0', (size_t)(k - n));
		o += k - n;
	} else {
		memcpy(o, p, (size_t)(n - k));
		o += n - k;
		p += n - k;
		n = k;
		*o++ = '.';
	}
	memcpy(o, p, (size_t)n);
	o += n;
	*o = '\0';
	return (int)(o - buf);
}

/* The stored bits of a double's fraction. */
#define MANTISSA	((1ULL << 52) - 1)

/*
 * The text "%.{prec}g" gives for -d (neg) or d whose shortest digits
 * d1..dn and point are given (d = 0.d1...dn * 10^point), with the
 * exponent as JSON writes it ("1e21", "1.5e-7").  Returns its length.
 */
static int
fmt_digits(char *buf, bool neg, const char *dg, int n, int point, int prec)
{
	char *o = buf, ebuf[8], *e = ebuf + sizeof(ebuf);
	int x = point - 1;

	if (neg)
		*o++ = '-';
	if (x < -4 || x >= prec) {
		*o++ = dg[0];
		if (n > 1) {
			*o++ = '.';
			memcpy(o, dg + 1, (size_t)n - 1);
			o += n - 1;
		}
		*o++ = 'e';
		if (x < 0)
			*o++ = '-';
		x = x < 0 ? -x : x;
		do
			*--e = (char)('0' + x % 10);
		while ((x /= 10) > 0);
		memcpy(o, e, (size_t)(ebuf + sizeof(ebuf) - e));
		o += ebuf + sizeof(ebuf) - e;
	} else if (point <= 0) {
		*o++ = '0';
		*o++ = '.';
		memset(o, '0', (size_t)-point);
		o += -point;
		memcpy(o, dg, (size_t)n);
		o += n;
	} else if (point >= n) {
		memcpy(o, dg, (size_t)n);
		memset(o + n, '0', (size_t)(point - n));
		o += point;
	} else {
		memcpy(o, dg, (size_t)point);
		o += point;
		*o++ = '.';
		memcpy(o, dg + point, (size_t)(n - point));
		o += n - point;
	}
	*o = '\0';
	return (int)(o - buf);
}

/*
 * The text of "%.15g", "%.16g" or "%.17g", the first that reads back as
 * d: integers and short decimals are written directly (fmt_short), the
 * rest from d's shortest digits (cdp_dtoa_shortest), which "%.Pg" writes
 * with P = max(15, n): fifteen digits always read back as themselves,
 * and of 16 or 17 digits the nearest to d that reads back is the one
 * printf rounds to, but at a power of two (below).  The unit tests
 * compare with that printf model.
 */
int
cdp_fmt_double(char *buf, double d)
{
	char digits[CDP_DTOA_DIGITS];
	uint64_t bits;
	int prec, first, len = 0, n, point;

	if (!isfinite(d))
		return -1;
	if (d == 0) {
		memcpy(buf, signbit(d) ? "-0" : "0", 3 - !signbit(d));
		return 2 - !signbit(d);
	}
	if (fabs(d) <= 9007199254740992.0 && d == floor(d)) {
		char digits[24], *p = decimal(digits + sizeof(digits),
		    (long long)d);

		len = (int)(digits + sizeof(digits) - p);
		memcpy(buf, p, (size_t)len);
		buf[len] = '\0';
		return len;
	}
	if ((len = fmt_short(buf, d)) > 0)
		return len;
	memcpy(&bits, &d, sizeof(bits));
	if ((bits & MANTISSA) != 0) {
		n = cdp_dtoa_shortest(d, digits, &point);
		return fmt_digits(buf, d < 0, digits, n, point,
		    fabs(d) < DBL_MIN || n > 15 ? n : 15);
	}
	/*
	 * A power of two: the gap to the double below is half the gap above,
	 * and the nearest 16 digits may not read back where 17 do.  From 15
	 * significant digits, as every normal double with a short form has
	 * them; subnormals have fewer digits of precision, so they start
	 * from one (5e-324).
	 */
	first = fabs(d) < DBL_MIN ? 1 : 15;
	for (prec = first; prec <= 17; prec++) {
		len = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return trim_exponent(buf, len);
}

bool
cdp_looks_utf16(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
	    (u[0] == 0xFE && u[1] == 0xFF)))
		return true;
	/* "{\"" or "a," as UTF-16LE or BE: NULs on one side, none on the
	 * other. */
	if (n < 4)
		return false;
	return (u[0] != 0 && u[1] == 0 && u[2] != 0 && u[3] == 0) ||
	    (u[0] == 0 && u[1] != 0 && u[2] == 0 && u[3] != 0);
}

/* Writer: every field starts with '{' or ',', so end() only closes. */

void
cdp_recw_begin(struct cdp_recw *w)
{
	cdp_buf_reset(&w->b);
	w->n = 0;
}

void
cdp_recw_next(struct cdp_recw *w)
{
	w->n = 0;
}

int
cdp_recw_end(struct cdp_recw *w)
{
	if (w->n == 0)
		return cdp_buf_add(&w->b, "{}\n", 3);
	return cdp_buf_add(&w->b, "}\n", 2);
}

void
cdp_recw_free(struct cdp_recw *w)
{
	cdp_buf_free(&w->b);
	w->n = 0;
}

/* Keys this long or shorter are tried as plain ASCII first. */
#define KEY_PLAIN	64

/* Whether u[0..n) holds no byte cdp_json_quote() must look at: eight at
 * a time, the last eight overlapping. */
static inline bool
key_plain(const unsigned char *u, size_t n)
{
	uint64_t w, m = 0;

	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (is_special[u[i]])
				return false;
		return true;
	}
	for (size_t i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, u + i, 8);
		m |= special_mask(w);
	}
	memcpy(&w, u + n - 8, 8);
	return ((m | special_mask(w)) & HIGHS) == 0;
}

/*
 * Write the separator and the quoted, escaped key with its colon.  A
 * program's own keys ("rfm_first") are short printable ASCII: copied
 * between quotes at once, without cdp_json_quote()'s set-up.
 */
static int
put_key(struct cdp_recw *w, const char *key, size_t klen)
{
	char *o;

	if (klen <= KEY_PLAIN && key_plain((const unsigned char *)key, klen)) {
		if (w->b.cap - w->b.len <= klen + 4 &&
		    cdp_buf_reserve(&w->b, klen + 4) == -1)
			return -1;
		o = w->b.p + w->b.len;
		o[0] = w->n++ == 0 ? '{' : ',';
		o[1] = '"';
		if (klen > 0)
			memcpy(o + 2, key, klen);
		o[klen + 2] = '"';
		o[klen + 3] = ':';
		o[klen + 4] = '\0';
		w->b.len += klen + 4;
		return 0;
	}
	if (cdp_buf_addc(&w->b, w->n++ == 0 ? '{' : ',') == -1 ||
	    cdp_json_quote(&w->b, key, klen) == -1)
		return -1;
	return cdp_buf_addc(&w->b, ':');
}

/*
 * Append f's value exactly as in the input, whitespace inside nested
 * values included (DESIGN: fields a program does not own pass through
 * byte for byte).  The one exception: a value whose whitespace breaks the
 * line (a JSON-array element read by cdp-ingest may span lines; a raw CR
 * or LF can only be whitespace, strings cannot hold one) is written
 * without its whitespace, as a record is one line.
 */
static int
put_value(struct cdp_recw *w, const struct cdp_rec *r,
    const struct cdp_field *f)
{
	const char *s = r->p + f->voff;
	size_t i, n = f->vlen;
	char *o;
	int in = 0;

	if ((f->flags & CDP_F_SPACE) == 0 || (memchr(s, '\n', n) == NULL &&
	    memchr(s, '\r', n) == NULL))
		return cdp_buf_add(&w->b, s, n);
	if (cdp_buf_reserve(&w->b, n) == -1)
		return -1;
	o = w->b.p + w->b.len;
	for (i = 0; i < n; i++) {
		if (in) {
			*o++ = s[i];
			if (s[i] == '\\')
				*o++ = s[++i];
			else if (s[i] == '"')
				in = 0;
		} else if (!is_ws[(unsigned char)s[i]]) {
			*o++ = s[i];
			in = s[i] == '"';
		}
	}
	w->b.len = (size_t)(o - w->b.p);
	w->b.p[w->b.len] = '\0';
	return 0;
}

int
cdp_recw_field(struct cdp_recw *w, const struct cdp_rec *r,
    const struct cdp_field *f)
{
	/* f is a field of r's line, which r still holds. */
	assert(f->koff + (size_t)f->klen < r->len &&
	    f->voff + (size_t)f->vlen <= r->len);
	if (cdp_buf_reserve(&w->b, f->klen + f->vlen + 4) == -1)
		return -1;
	w->b.p[w->b.len++] = w->n++ == 0 ? '{' : ',';
	w->b.p[w->b.len++] = '"';
	memcpy(w->b.p + w->b.len, r->p + f->koff, f->klen);
	w->b.len += f->klen;
	w->b.p[w->b.len++] = '"';
	w->b.p[w->b.len++] = ':';
	return put_value(w, r, f);
}

/* The end of r's fields when the line holds them as the writer would
 * write them: '{', then "KEY":VALUE with ',' between, no whitespace
 * outside the values nor inside them.  0 when it does not. */
static size_t
compact_end(const struct cdp_rec *r)
{
	const char *p = r->p;
	size_t at = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct cdp_field *f = &r->f[i];
		size_t k = f->koff;

		if (k != at + 2 || p[at] != (i == 0 ? '{' : ',') ||
		    p[k - 1] != '"' || p[k + f->klen] != '"' ||
		    p[k + f->klen + 1] != ':' || f->voff != k + f->klen + 2 ||
		    (f->flags & CDP_F_SPACE) != 0)
			return 0;
		at = (size_t)f->voff + f->vlen;
	}
	return at;
}

size_t
cdp_rec_compact_end(const struct cdp_rec *r)
{
	return r->n > 0 ? compact_end(r) : 0;
}

int
cdp_recw_fields(struct cdp_recw *w, const struct cdp_rec *r)
{
	size_t end = w->n == 0 && r->n > 0 ? compact_end(r) : 0;

	if (end > 0) {
		w->n = r->n;
		return cdp_buf_add(&w->b, r->p, end);
	}
	for (size_t i = 0; i < r->n; i++)
		if (cdp_recw_field(w, r, &r->f[i]) == -1)
			return -1;
	return 0;
}

int
cdp_recw_field_as(struct cdp_recw *w, const char *key, size_t klen,
    const struct cdp_rec *r, const struct cdp_field *f)
{
	if (put_key(w, key, klen) == -1)
		return -1;
	return put_value(w, r, f);
}

int
cdp_recw_str(struct cdp_recw *w, const char *key, size_t klen,
    const char *s, size_t n)
{
	if (put_key(w, key, klen) == -1)
		return -1;
	return cdp_json_quote(&w->b, s, n);
}

/* The values of cdp_recw_num() and cdp_recw_int(), and of their
 * quoted-key forms, after the key. */
static int
put_num(struct cdp_recw *w, double d)
{
	char buf[32];
	int n;

	if ((n = cdp_fmt_double(buf, d)) < 0)
		return -1;
	return cdp_buf_add(&w->b, buf, (size_t)n);
}

static int
put_int(struct cdp_recw *w, long long v)
{
	char buf[24], *q = decimal(buf + sizeof(buf), v);

	return cdp_buf_add(&w->b, q, (size_t)(buf + sizeof(buf) - q));
}

int
cdp_recw_num(struct cdp_recw *w, const char *key, size_t klen, double d)
{
	/* a NaN or infinity writes nothing, not even the key */
	if (!isfinite(d))
		return -1;
	return put_key(w, key, klen) == -1 ? -1 : put_num(w, d);
}

int
cdp_recw_int(struct cdp_recw *w, const char *key, size_t klen, long long v)
{
	return put_key(w, key, klen) == -1 ? -1 : put_int(w, v);
}

int
cdp_recw_bool(struct cdp_recw *w, const char *key, size_t klen, bool v)
{
	return cdp_recw_raw(w, key, klen, v ? "true" : "false", v ? 4 : 5);
}

int
cdp_recw_null(struct cdp_recw *w, const char *key, size_t klen)
{
	return cdp_recw_raw(w, key, klen, "null", 4);
}

int
cdp_recw_raw(struct cdp_recw *w, const char *key, size_t klen,
    const char *json, size_t n)
{
	if (put_key(w, key, klen) == -1)
		return -1;
	return cdp_buf_add(&w->b, json, n);
}

/* The separator and a key quoted already, with its colon. */
static int
put_qkey(struct cdp_recw *w, const char *qkey, size_t qklen)
{
	if (w->b.cap - w->b.len <= qklen + 2 &&
	    cdp_buf_reserve(&w->b, qklen + 2) == -1)
		return -1;
	w->b.p[w->b.len++] = w->n++ == 0 ? '{' : ',';
	memcpy(w->b.p + w->b.len, qkey, qklen);
	w->b.len += qklen;
	w->b.p[w->b.len++] = ':';
	w->b.p[w->b.len] = '\0';
	return 0;
}

int
cdp_recw_qstr(struct cdp_recw *w, const char *qkey, size_t qklen,
    const char *s, size_t n)
{
	if (put_qkey(w, qkey, qklen) == -1)
		return -1;
	return cdp_json_quote(&w->b, s, n);
}

int
cdp_recw_qraw(struct cdp_recw *w, const char *qkey, size_t qklen,
    const char *json, size_t n)
{
	if (put_qkey(w, qkey, qklen) == -1)
		return -1;
	return cdp_buf_add(&w->b, json, n);
}

int
cdp_recw_qint(struct cdp_recw *w, const char *qkey, size_t qklen,
    long long v)
{
	return put_qkey(w, qkey, qklen) == -1 ? -1 : put_int(w, v);
}

int
cdp_recw_qnum(struct cdp_recw *w, const char *qkey, size_t qklen, double d)
{
	if (!isfinite(d))
		return -1;
	return put_qkey(w, qkey, qklen) == -1 ? -1 : put_num(w, d);
}

int
cdp_recw_qplain(struct cdp_recw *w, const char *qkey, size_t qklen,
    const char *s, size_t n)
{
	char *o;

	if (put_qkey(w, qkey, qklen) == -1 || (w->b.cap - w->b.len <= n + 2 &&
	    cdp_buf_reserve(&w->b, n + 2) == -1))
		return -1;
	o = w->b.p + w->b.len;
	*o++ = '"';
	if (n > 0)
		memcpy(o, s, n);
	o[n] = '"';
	o[n + 1] = '\0';
	w->b.len += n + 2;
	return 0;
}
