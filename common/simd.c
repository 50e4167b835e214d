/*
 * simd.c - string masks, UTF-8 validation and byte counts with SSE2,
 * AVX2 or AVX-512 (chosen at run time), each beside the scalar form that
 * defines what it must compute.  See simd.h.
 */
#include <stdlib.h>
#include <string.h>

#include "simd.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86	1
#include <immintrin.h>
#else
#define HAVE_X86	0
#endif

#define EVERY	0xFFFFFFFFFFFFFFFFULL

enum cdp_simd
cdp_simd_cpu(void)
{
#if HAVE_X86
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi") ||
	    !__builtin_cpu_supports("popcnt") ||
	    !__builtin_cpu_supports("pclmul"))
		return CDP_SIMD_SSE2;
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("pclmul"))
		return CDP_SIMD_AVX512;
	return CDP_SIMD_AVX2;
#else
	return CDP_SIMD_SCALAR;
#endif
}

enum cdp_simd
cdp_simd_best(void)
{
	enum cdp_simd cpu = cdp_simd_cpu(), want = cpu;
	const char *e = getenv("CDP_SIMD");

	if (e == NULL)
		return cpu;
	if (strcmp(e, "scalar") == 0)
		want = CDP_SIMD_SCALAR;
	else if (strcmp(e, "sse2") == 0)
		want = CDP_SIMD_SSE2;
	else if (strcmp(e, "avx2") == 0)
		want = CDP_SIMD_AVX2;
	return want < cpu ? want : cpu;
}

const char *
cdp_simd_name(enum cdp_simd level)
{
	static const char *const names[] = { "scalar", "sse2", "avx2",
	    "avx512" };

	return names[level];
}

void
cdp_jsonmask_free(struct cdp_jsonmask *m)
{
	free(m->tok);
	free(m->bs);
	*m = (struct cdp_jsonmask){ 0 };
}

/* Room for nw words in each array: 0, or -1. */
static int
jsonmask_grow(struct cdp_jsonmask *m, size_t nw)
{
	size_t cap = nw < 16 ? 16 : nw + nw / 2;
	uint64_t *p;

	if ((p = realloc(m->tok, cap * sizeof(*p))) == NULL)
		return -1;
	m->tok = p;
	if ((p = realloc(m->bs, cap * sizeof(*p))) == NULL)
		return -1;
	m->bs = p;
	m->cap = cap;
	return 0;
}


static bool
is_op(unsigned c)
{
	return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' ||
	    c == ',';
}

/*
 * The reference: one byte at a time.  A byte is escaped when an odd run
 * of backslashes ends just before it, inside strings or not (outside,
 * the line is wrong anyway, and the vector paths cannot tell).
 */
static __attribute__((noinline)) int
jsonmask_scalar(const unsigned char *p, size_t n, struct cdp_jsonmask *m)
{
	bool esc = false, in = false, scalar = false;

	memset(m->tok, 0, m->nw * sizeof(*m->tok));
	memset(m->bs, 0, m->nw * sizeof(*m->bs));
	for (size_t i = 0; i < n; i++) {
		uint64_t bit = 1ULL << (i & 63);
		unsigned c = p[i];
		bool escaped = esc;

		esc = c == '\\' && !escaped;
		if (c == '\\') {
			m->bs[i >> 6] |= bit;
			m->any_bs = true;
		}
		m->any_hi |= c >= 0x80;
		if (c == '"' && !escaped) {
			m->tok[i >> 6] |= bit;
			in = !in;
			scalar = false;
		} else if (in) {
			if (c < 0x20)
				return 1;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			scalar = false;
		} else if (is_op(c)) {
			if (c != ':' && c != ',')
				m->tok[i >> 6] |= bit;
			scalar = false;
		} else {
			if (!scalar)
				m->tok[i >> 6] |= bit;
			scalar = true;
		}
	}
	return in ? 1 : 0;
}

/* Carried from one 64-byte word to the next. */
struct carry {
	bool	esc;	/* the next word's first byte is escaped */
	bool	in;	/* the next word starts inside a string */
	bool	scalar;	/* this word ends in a scalar byte */
};

/* Bytes escaped by the backslashes bs (c->esc: byte 0 is). */
static uint64_t
escaped_by(uint64_t bs, struct carry *c)
{
	uint64_t e = c->esc, b = bs;

	c->esc = false;
	while (b != 0) {
		unsigned i = (unsigned)__builtin_ctzll(b);

		b &= b - 1;
		if (e >> i & 1)
			continue;	/* an escaped backslash escapes nothing */
		if (i == 63)
			c->esc = true;
		else
			e |= 1ULL << (i + 1);
	}
	return e;
}

/* Each bit set when an odd number of bits of x are set at or below it. */
static inline uint64_t
prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/*
 * Word w's raw classes from a vector path (quotes, backslashes, control
 * characters, separators: whitespace and operators, and of those the
 * brackets, wherever they are; valid: the bits that are bytes of the
 * line): the escapes, the strings, then the tokens outside them.
 * Returns 0, or 1 when a control character is inside a string.
 */
static inline int
jsonmask_word(struct cdp_jsonmask *m, size_t w, uint64_t q, uint64_t bs,
    uint64_t ctl, uint64_t sep, uint64_t brk, uint64_t valid,
    struct carry *c)
{
	uint64_t in, out, sc;

	if (bs != 0 || c->esc) {
		q &= ~escaped_by(bs, c);
		m->any_bs |= bs != 0;
	}
	in = prefix_xor(q) ^ (c->in ? EVERY : 0);
	c->in = in >> 63;
	if ((ctl & in) != 0)
		return 1;
	out = ~(in | q) & valid;
	sc = out & ~sep;
	m->tok[w] = q | (brk & out) | (sc & ~(sc << 1 | (uint64_t)c->scalar));
	c->scalar = sc >> 63;
	m->bs[w] = bs & valid;
	return 0;
}

/*
 * Where word w of p[0..n) starts: in place when 64 bytes are left, else
 * the rest copied before spaces into buf, so no byte past the line is
 * read.  *valid gets the bits that are bytes of the line.
 */
static const unsigned char *
word_at(const unsigned char *p, size_t n, size_t w, unsigned char *buf,
    uint64_t *valid)
{
	size_t off = w * 64;

	if (n - off >= 64) {
		*valid = EVERY;
		return p + off;
	}
	*valid = (1ULL << (n - off)) - 1;
	memset(buf, ' ', 64);
	memcpy(buf, p + off, n - off);
	return buf;
}

#if HAVE_X86

#define SSE_MASK(v) ((uint64_t)(unsigned)_mm_movemask_epi8(v))

static __attribute__((noinline)) int
jsonmask_sse2(const unsigned char *p, size_t n, struct cdp_jsonmask *m)
{
	const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
	const __m128i low = _mm_set1_epi8(0x1F), x20 = _mm_set1_epi8(0x20);
	unsigned char buf[64];
	struct carry c = { false, false, false };
	uint64_t hi = 0, valid;

	for (size_t w = 0; w < m->nw; w++) {
		const unsigned char *s = word_at(p, n, w, buf, &valid);
		uint64_t q = 0, bs = 0, ctl = 0, sep = 0, brk = 0;

		for (int k = 0; k < 4; k++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
			    (s + 16 * k));
			/* '[' and '{', ']' and '}' differ in bit 5 alone */
			__m128i l = _mm_or_si128(v, x20);

			q |= SSE_MASK(_mm_cmpeq_epi8(v, quote)) << (16 * k);
			bs |= SSE_MASK(_mm_cmpeq_epi8(v, slash)) << (16 * k);
			ctl |= SSE_MASK(_mm_cmpeq_epi8(_mm_min_epu8(v, low), v))
			    << (16 * k);
			__m128i ws = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, x20),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
			__m128i b = _mm_or_si128(
			    _mm_cmpeq_epi8(l, _mm_set1_epi8('{')),
			    _mm_cmpeq_epi8(l, _mm_set1_epi8('}')));

			brk |= SSE_MASK(b) << (16 * k);
			sep |= SSE_MASK(_mm_or_si128(_mm_or_si128(ws, b),
			    _mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(':')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(','))))) << (16 * k);
			hi |= SSE_MASK(v);
		}
		if (jsonmask_word(m, w, q, bs, ctl, sep, brk, valid, &c))
			return 1;
	}
	m->any_hi = hi != 0;
	return c.in ? 1 : 0;
}

/* Class bits of the table lookups of AVX-512: a byte's class is the
 * table of its low nibble AND the table of its high nibble. */
#define K_COMMA	0x01	/* 0x2C */
#define K_COLON	0x02	/* 0x3A */
#define K_BRACK	0x04	/* 0x5B 0x5D 0x7B 0x7D */
#define K_SPACE	0x08	/* 0x20 */
#define K_CTLWS	0x10	/* 0x09 0x0A 0x0D */
#define K_OP	(K_COMMA | K_COLON | K_BRACK)
#define K_WS	(K_SPACE | K_CTLWS)

__attribute__((target("avx2,bmi,popcnt")))
static inline uint64_t
mask64(__m256i a, __m256i b)
{
	return (uint32_t)_mm256_movemask_epi8(a) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(b) << 32;
}

/* The raw classes of 64 bytes, wherever they are (in strings or not);
 * sep: whitespace and operators. */
struct raw64 {
	uint64_t	q, bs, ctl, sep, brk;
};

/*
 * The classes of the 32 bytes v by one table lookup each (after
 * Langdale and Lemire, "Parsing gigabytes of JSON per second", 2019):
 * the table, indexed by a byte's low nibble, holds the one byte of the
 * class with that nibble, and a byte is of the class when it equals its
 * entry (a byte >= 0x80 looks up 0 and equals nothing).  '[' and '{',
 * ']' and '}' differ in bit 5 alone, as do ':' and 0x1A, ',' and 0x0C:
 * operators are compared with bit 5 set, and the two control characters
 * taken out again; the brackets are the entries with bit 6.
 */
__attribute__((target("avx2,bmi,popcnt"), always_inline))
static inline void
classes_avx2(__m256i v, __m256i *q, __m256i *bs, __m256i *ctl, __m256i *sep,
    __m256i *brk, const bool exact)
{
#define WS_ROW	' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0
#define OP_ROW	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0
	const __m256i wst = _mm256_setr_epi8(WS_ROW, WS_ROW);
	const __m256i opt = _mm256_setr_epi8(OP_ROW, OP_ROW);
#undef WS_ROW
#undef OP_ROW
	__m256i t = _mm256_shuffle_epi8(opt, v), m;

	*q = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'));
	*bs = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'));
	m = _mm256_cmpeq_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), t);
	if (exact) {
		*ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v,
		    _mm256_set1_epi8(0x1F)), v);
		m = _mm256_andnot_si256(*ctl, m);
	}
	*sep = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(wst, v), v),
	    m);
	/* bit 7 of t + t is bit 6 of t: set for '{' and '}' alone */
	*brk = _mm256_and_si256(m, _mm256_add_epi8(t, t));
}

/*
 * Backslashes and control characters are rare: their masks are made
 * when the 64 bytes hold one.  The bytes >= 0x80 are gathered in *hi.
 * Unless exact, neither is looked for: the least byte is gathered in
 * *lo and the backslashes in *bsv instead, and r->ctl and r->bs are 0
 * (and r->sep wrong for 0x0C and 0x1A).
 */
__attribute__((target("avx2,bmi,popcnt"), always_inline))
static inline void
raw_avx2(const unsigned char *s, struct raw64 *r, __m256i *hi, __m256i *lo,
    __m256i *bsv, const bool exact)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);
	__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)
	    (s + 32));
	__m256i qa, qb, bsa, bsb, ca, cb, sa, sb, ka, kb;

	classes_avx2(a, &qa, &bsa, &ca, &sa, &ka, exact);
	classes_avx2(b, &qb, &bsb, &cb, &sb, &kb, exact);
	__m256i x;

	r->q = mask64(qa, qb);
	if (exact) {
		x = _mm256_or_si256(bsa, bsb);
		r->bs = _mm256_testz_si256(x, x) ? 0 : mask64(bsa, bsb);
		x = _mm256_or_si256(ca, cb);
		r->ctl = _mm256_testz_si256(x, x) ? 0 : mask64(ca, cb);
	} else {
		r->bs = r->ctl = 0;
		*bsv = _mm256_or_si256(*bsv, _mm256_or_si256(bsa, bsb));
		*lo = _mm256_min_epu8(*lo, _mm256_min_epu8(a, b));
	}
	r->sep = mask64(sa, sb);
	r->brk = mask64(ka, kb);
	*hi = _mm256_or_si256(*hi, _mm256_or_si256(a, b));
}

/* The string bits by one carry-less multiply instead of six shifts. */
__attribute__((target("avx2,bmi,popcnt,pclmul")))
static inline uint64_t
prefix_xor_clmul(uint64_t x)
{
	return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(
	    _mm_cvtsi64_si128((long long)x), _mm_set1_epi8((char)0xFF), 0));
}

/*
 * jsonmask_word() for the vector paths that have a carry-less multiply,
 * with the carries and the mask arrays in the caller's locals (stores to
 * the masks could alias the struct).  Returns nonzero when a control
 * character is inside a string.
 */
__attribute__((target("avx2,bmi,popcnt,pclmul"), always_inline))
static inline int
word_clmul(uint64_t *tok, uint64_t *bsm, size_t w, const struct raw64 *r,
    uint64_t valid, struct carry *c, uint64_t *in, uint64_t *anybs,
    const bool exact)
{
	uint64_t q = r->q, out, sc;

	if (exact && (r->bs != 0 || c->esc)) {
		q &= ~escaped_by(r->bs, c);
		*anybs |= r->bs;
	}
	*in = prefix_xor_clmul(q) ^ (uint64_t)-(int64_t)(*in >> 63);
	if ((r->ctl & *in) != 0)
		return 1;
	out = ~(*in | q) & valid;
	sc = out & ~r->sep;
	tok[w] = q | (r->brk & out) | (sc & ~(sc << 1 | (uint64_t)c->scalar));
	c->scalar = sc >> 63;
	bsm[w] = r->bs & valid;
	return 0;
}

/* Shift every class of r down by sh bits. */
static inline void
raw_shift(struct raw64 *r, unsigned sh)
{
	r->q >>= sh;
	r->bs >>= sh;
	r->ctl >>= sh;
	r->sep >>= sh;
	r->brk >>= sh;
}

/*
 * The last, partial word of a line of at least 64 bytes is classified
 * from the 64 bytes that end the line, its bits then shifted down into
 * place: no byte past the line is read, and none is copied.
 */
__attribute__((target("avx2,bmi,popcnt,pclmul"), always_inline))
static inline int
jsonmask_avx2_pass(const unsigned char *p, size_t n, struct cdp_jsonmask *m,
    const bool exact, bool *rare)
{
	unsigned char buf[64];
	struct carry c = { false, false, false };
	struct raw64 r;
	__m256i hi = _mm256_setzero_si256(), lo = _mm256_set1_epi8(-1);
	__m256i bsv = _mm256_setzero_si256();
	uint64_t in = 0, anybs = 0;
	uint64_t *tok = m->tok, *bsm = m->bs;
	size_t w, full = n / 64, rem = n % 64;

	for (w = 0; w < full; w++) {
		raw_avx2(p + 64 * w, &r, &hi, &lo, &bsv, exact);
		if (word_clmul(tok, bsm, w, &r, EVERY, &c, &in, &anybs,
		    exact))
			return 1;
	}
	/* m->nw is full + 1: the last word holds the rest, maybe none. */
	if (rem == 0) {
		tok[w] = bsm[w] = 0;
	} else {
		unsigned sh = (unsigned)(64 - rem);

		/* every byte of those 64 is of the line, or a space */
		if (full > 0)
			raw_avx2(p + n - 64, &r, &hi, &lo, &bsv, exact);
		else {
			memset(buf, ' ', sizeof(buf));
			memcpy(buf + sh, p, rem);
			raw_avx2(buf, &r, &hi, &lo, &bsv, exact);
		}
		raw_shift(&r, sh);
		if (word_clmul(tok, bsm, w, &r, EVERY >> sh, &c, &in, &anybs,
		    exact))
			return 1;
	}
	m->any_hi = _mm256_movemask_epi8(hi) != 0;
	m->any_bs = anybs != 0;
	if (!exact)
		*rare = !_mm256_testz_si256(bsv, bsv) ||
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(
		    lo, _mm256_set1_epi8(0x1F)), lo)) != 0;
	return in >> 63 ? 1 : 0;
}

/*
 * A line mostly holds no byte below 0x20 (compact JSON has no tab or
 * newline outside strings, and none may be in one) and no backslash: it
 * is classified without looking for them, and again, looking, when it
 * has one (the masks and answer are then the exact pass's alone).
 */
__attribute__((target("avx2,bmi,popcnt,pclmul")))
static int
jsonmask_avx2(const unsigned char *p, size_t n, struct cdp_jsonmask *m)
{
	bool rare = false;
	int rc = jsonmask_avx2_pass(p, n, m, false, &rare);

	if (rare)
		rc = jsonmask_avx2_pass(p, n, m, true, NULL);
	return rc;
}

/*
 * AVX-512 (BW): the classes of a whole word straight into mask
 * registers, and the last word loaded under a mask, so no byte past the
 * line is read and nothing is copied, even for lines shorter than 64
 * bytes (which AVX2 copies to a buffer); the string bits by one
 * carry-less multiply, as with AVX2.
 */
#define X512	"avx512f,avx512bw,avx2,bmi,popcnt,pclmul"

__attribute__((target(X512)))
static int
jsonmask_avx512(const unsigned char *p, size_t n, struct cdp_jsonmask *m)
{
#define LO_ROW	K_SPACE, 0, 0, 0, 0, 0, 0, 0, 0, K_CTLWS,		\
	K_COLON | K_CTLWS, K_BRACK, K_COMMA, K_BRACK | K_CTLWS, 0, 0
#define HI_ROW	K_CTLWS, 0, K_COMMA | K_SPACE, K_COLON, 0, K_BRACK, 0,	\
	K_BRACK, 0, 0, 0, 0, 0, 0, 0, 0
	const __m512i lo = _mm512_broadcast_i32x4(_mm_setr_epi8(LO_ROW));
	const __m512i hi = _mm512_broadcast_i32x4(_mm_setr_epi8(HI_ROW));
#undef LO_ROW
#undef HI_ROW
	const __m512i nib = _mm512_set1_epi8(0x0F);
	const __m512i quote = _mm512_set1_epi8('"');
	const __m512i slash = _mm512_set1_epi8('\\');
	const __m512i x20 = _mm512_set1_epi8(0x20);
	const __m512i ksep = _mm512_set1_epi8(K_WS | K_OP);
	const __m512i kbr = _mm512_set1_epi8(K_BRACK);
	struct carry c = { false, false, false };
	uint64_t anyhi = 0, anybs = 0, in = 0;
	/* In locals: the stores to the masks (uint64_t) could alias nw. */
	uint64_t *tok = m->tok, *bsm = m->bs;
	size_t nw = m->nw;

	for (size_t w = 0; w < nw; w++) {
		size_t off = w * 64;
		uint64_t valid = n - off >= 64 ? EVERY :
		    (1ULL << (n - off)) - 1;
		__m512i v = _mm512_maskz_loadu_epi8(valid, p + off);
		__m512i cls = _mm512_and_si512(_mm512_shuffle_epi8(lo,
		    _mm512_and_si512(v, nib)), _mm512_shuffle_epi8(hi,
		    _mm512_and_si512(_mm512_srli_epi16(v, 4), nib)));
		uint64_t q = _mm512_cmpeq_epi8_mask(v, quote);
		uint64_t bs = _mm512_cmpeq_epi8_mask(v, slash);
		uint64_t ctl = _mm512_mask_cmplt_epu8_mask(valid, v, x20);
		/* Classes wherever they are, so that only scalar operations
		 * wait for the string bits of the word before. */
		uint64_t sep = _mm512_test_epi8_mask(cls, ksep);
		uint64_t brk = _mm512_test_epi8_mask(cls, kbr);
		uint64_t out, sc;

		anyhi |= _mm512_movepi8_mask(v);
		if (bs != 0 || c.esc) {
			q &= ~escaped_by(bs, &c);
			anybs |= bs;
		}
		in = prefix_xor_clmul(q) ^ (c.in ? EVERY : 0);
		c.in = in >> 63;
		if ((ctl & in) != 0)
			return 1;
		out = ~(in | q) & valid;
		sc = out & ~sep;
		tok[w] = q | (brk & out) |
		    (sc & ~(sc << 1 | (uint64_t)c.scalar));
		c.scalar = sc >> 63;
		bsm[w] = bs;
	}
	m->any_hi = anyhi != 0;
	m->any_bs = anybs != 0;
	return c.in ? 1 : 0;
}

#endif /* HAVE_X86 */

/* cdp_jsonmask_build() once the arrays are too short. */
static __attribute__((noinline)) int
jsonmask_build_grown(enum cdp_simd level, const char *p, size_t n,
    struct cdp_jsonmask *m)
{
	if (jsonmask_grow(m, n / 64 + 1) == -1)
		return -1;
	return cdp_jsonmask_build(level, p, n, m);
}

int
cdp_jsonmask_build(enum cdp_simd level, const char *p, size_t n,
    struct cdp_jsonmask *m)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t nw = n / 64 + 1;

	/* the growing out of line: no registers are saved for it here */
	if (nw > m->cap)
		return jsonmask_build_grown(level, p, n, m);
	m->nw = nw;
	m->any_bs = m->any_hi = false;
	switch (level) {
#if HAVE_X86
	case CDP_SIMD_AVX512:
		return jsonmask_avx512(u, n, m);
	case CDP_SIMD_AVX2:
		return jsonmask_avx2(u, n, m);
	case CDP_SIMD_SSE2:
		return jsonmask_sse2(u, n, m);
#endif
	default:
		return jsonmask_scalar(u, n, m);
	}
}

/* ---- UTF-8 ---- */

/*
 * The reference: each sequence by the table of well-formed byte
 * sequences (Unicode 15, table 3-7), ASCII eight bytes at a time.
 */
static bool
utf8_scalar(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], lo = 0x80, hi = 0xBF, len;
		uint64_t w;

		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xC2 || c > 0xF4)
			return false;
		len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (n - i < len || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (unsigned k = 2; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

#if HAVE_X86

/*
 * AVX2: every pair of adjacent bytes is classified by three table
 * lookups (the high nibble of the first byte, its low nibble, the high
 * nibble of the second), each giving the set of errors the pair could
 * be; an error is a bit left in all three.  The bits (after Keiser and
 * Lemire, "Validating UTF-8 in less than one instruction per byte",
 * 2021):
 */
#define U_SHORT		0x01	/* a lead byte not followed by enough
				   continuation bytes */
#define U_LONG		0x02	/* ASCII followed by a continuation */
#define U_OVER3		0x04	/* E0 followed by 80..9F */
#define U_LARGE		0x08	/* F4 90.., F5.. and up: above U+10FFFF */
#define U_SURR		0x10	/* ED followed by A0..BF */
#define U_OVER2		0x20	/* C0 or C1 */
#define U_LARGE1000	0x40	/* F5.. followed by 80..8F; with F0: overlong */
#define U_OVER4		0x40
#define U_TWOCONT	(-0x80)	/* (bit 7) a continuation after one
				   that no lead byte of 3 or 4 bytes
				   two or three bytes back allows */
#define U_CARRY		(U_SHORT | U_LONG | U_TWOCONT)

/* The vector before cur shifted in by k bytes (prev's last k first). */
#define PREV(cur, prev, k) _mm256_alignr_epi8((cur),			\
	_mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (k))

__attribute__((target("avx2,bmi,popcnt")))
static inline __m256i
utf8_errors(__m256i cur, __m256i prev)
{
	const __m256i t1 = _mm256_setr_epi8(
	    U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG,
	    U_TWOCONT, U_TWOCONT, U_TWOCONT, U_TWOCONT,
	    U_SHORT | U_OVER2, U_SHORT, U_SHORT | U_OVER3 | U_SURR,
	    U_SHORT | U_LARGE | U_LARGE1000 | U_OVER4,
	    U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG, U_LONG,
	    U_TWOCONT, U_TWOCONT, U_TWOCONT, U_TWOCONT,
	    U_SHORT | U_OVER2, U_SHORT, U_SHORT | U_OVER3 | U_SURR,
	    U_SHORT | U_LARGE | U_LARGE1000 | U_OVER4);
#define L_ROW								\
	U_CARRY | U_OVER3 | U_OVER2 | U_OVER4, U_CARRY | U_OVER2,	\
	U_CARRY, U_CARRY, U_CARRY | U_LARGE,				\
	U_CARRY | U_LARGE | U_LARGE1000, U_CARRY | U_LARGE | U_LARGE1000, \
	U_CARRY | U_LARGE | U_LARGE1000, U_CARRY | U_LARGE | U_LARGE1000, \
	U_CARRY | U_LARGE | U_LARGE1000, U_CARRY | U_LARGE | U_LARGE1000, \
	U_CARRY | U_LARGE | U_LARGE1000, U_CARRY | U_LARGE | U_LARGE1000, \
	U_CARRY | U_LARGE | U_LARGE1000 | U_SURR,			\
	U_CARRY | U_LARGE | U_LARGE1000, U_CARRY | U_LARGE | U_LARGE1000
	const __m256i t2 = _mm256_setr_epi8(L_ROW, L_ROW);
#undef L_ROW
#define H_ROW								\
	U_SHORT, U_SHORT, U_SHORT, U_SHORT, U_SHORT, U_SHORT, U_SHORT,	\
	U_SHORT,							\
	U_LONG | U_OVER2 | U_TWOCONT | U_OVER3 | U_LARGE1000 | U_OVER4,	\
	U_LONG | U_OVER2 | U_TWOCONT | U_OVER3 | U_LARGE,		\
	U_LONG | U_OVER2 | U_TWOCONT | U_SURR | U_LARGE,		\
	U_LONG | U_OVER2 | U_TWOCONT | U_SURR | U_LARGE,		\
	U_SHORT, U_SHORT, U_SHORT, U_SHORT
	const __m256i t3 = _mm256_setr_epi8(H_ROW, H_ROW);
#undef H_ROW
	const __m256i nib = _mm256_set1_epi8(0x0F);
	__m256i p1 = PREV(cur, prev, 1), p2, p3, pair, must;

	pair = _mm256_and_si256(_mm256_and_si256(
	    _mm256_shuffle_epi8(t1, _mm256_and_si256(
	    _mm256_srli_epi16(p1, 4), nib)),
	    _mm256_shuffle_epi8(t2, _mm256_and_si256(p1, nib))),
	    _mm256_shuffle_epi8(t3, _mm256_and_si256(
	    _mm256_srli_epi16(cur, 4), nib)));
	/* Third and fourth bytes of 3- and 4-byte sequences: there two
	 * continuations in a row are right, and must be there. */
	p2 = PREV(cur, prev, 2);
	p3 = PREV(cur, prev, 3);
	must = _mm256_or_si256(
	    _mm256_subs_epu8(p2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
	    _mm256_subs_epu8(p3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
	must = _mm256_and_si256(must, _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must, pair);
}

/* Whether block v ends in a sequence the next block must finish: one
 * of its last three bytes leads a longer sequence than fits. */
__attribute__((target("avx2,bmi,popcnt")))
static inline bool
utf8_unfinished(__m256i v)
{
	const __m256i max = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, (char)(0xF0 - 1), (char)(0xE0 - 1),
	    (char)(0xC0 - 1));

	return _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_subs_epu8(v,
	    max), _mm256_setzero_si256())) != -1;
}

__attribute__((target("avx2,bmi,popcnt")))
static bool
utf8_avx2(const unsigned char *p, size_t n)
{
	__m256i prev = _mm256_setzero_si256(), err = prev, cur;
	unsigned char buf[32];
	bool open = false;	/* prev ends inside a sequence */
	size_t i;

	for (i = 0; n - i >= 32; i += 32) {
		cur = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		if (_mm256_movemask_epi8(cur) != 0 || open) {
			err = _mm256_or_si256(err, utf8_errors(cur, prev));
			open = utf8_unfinished(cur);
		}
		prev = cur;
	}
	/* The rest: in a line of 64 bytes or more, as the last 32 bytes
	 * after the 32 before them (bytes checked before are checked again,
	 * the same), else copied before zero bytes.  Then a block of zeros
	 * (ASCII) when it ends inside a sequence, which the end cuts: an
	 * error. */
	if (i < n && n >= 64) {
		cur = _mm256_loadu_si256((const __m256i *)(const void *)
		    (p + n - 32));
		if (_mm256_movemask_epi8(cur) != 0 || open) {
			prev = _mm256_loadu_si256((const __m256i *)
			    (const void *)(p + n - 64));
			err = _mm256_or_si256(err, utf8_errors(cur, prev));
			if (utf8_unfinished(cur))
				err = _mm256_or_si256(err, utf8_errors(
				    _mm256_setzero_si256(), cur));
		}
	} else if (i < n || open) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, p + i, n - i);
		cur = _mm256_loadu_si256((const __m256i *)(const void *)buf);
		err = _mm256_or_si256(err, utf8_errors(cur, prev));
		if (utf8_unfinished(cur))
			err = _mm256_or_si256(err, utf8_errors(
			    _mm256_setzero_si256(), cur));
	}
	return _mm256_testz_si256(err, err);
}

#endif /* HAVE_X86 */

bool
cdp_simd_utf8(enum cdp_simd level, const char *p, size_t n)
{
#if HAVE_X86
	if (level >= CDP_SIMD_AVX2)
		return utf8_avx2((const unsigned char *)p, n);
#endif
	(void)level;
	return utf8_scalar((const unsigned char *)p, n);
}

/* ---- counting ---- */

#if HAVE_X86

static size_t
count_sse2(const unsigned char *p, size_t n, char c)
{
	const __m128i v = _mm_set1_epi8(c);
	size_t i = 0, k = 0;

	for (; n - i >= 16; i += 16)
		k += (size_t)__builtin_popcount((unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)
		    (const void *)(p + i)), v)));
	for (; i < n; i++)
		k += p[i] == (unsigned char)c;
	return k;
}

__attribute__((target("avx2,bmi,popcnt")))
static size_t
count_avx2(const unsigned char *p, size_t n, char c)
{
	const __m256i v = _mm256_set1_epi8(c);
	size_t i = 0, k = 0;

	for (; n - i >= 64; i += 64) {
		uint64_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		    _mm256_loadu_si256((const __m256i *)(const void *)(p + i)),
		    v));
		uint64_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		    _mm256_loadu_si256((const __m256i *)(const void *)
		    (p + i + 32)), v));

		k += (size_t)__builtin_popcountll(a | b << 32);
	}
	for (; i < n; i++)
		k += p[i] == (unsigned char)c;
	return k;
}

#endif /* HAVE_X86 */

size_t
cdp_simd_count(enum cdp_simd level, const char *p, size_t n, char c)
{
	const unsigned char *u = (const unsigned char *)p;
	const char *at, *end = p + n;
	size_t k = 0;

	switch (level) {
#if HAVE_X86
	case CDP_SIMD_AVX512:
	case CDP_SIMD_AVX2:
		return count_avx2(u, n, c);
	case CDP_SIMD_SSE2:
		return count_sse2(u, n, c);
#endif
	default:
		while ((at = memchr(p, c, (size_t)(end - p))) != NULL) {
			k++;
			p = at + 1;
		}
		return k;
	}
}
