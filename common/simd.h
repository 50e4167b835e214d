/*
 * simd.h - byte classification with SSE2, AVX2 or AVX-512, chosen at
 * run time, for the record layer and the block reader: where a line's
 * strings start and end, UTF-8 validation in bulk, and byte counts.
 * Every function has a scalar form that the vector ones are tested
 * against (AVX-512 builds the token masks; UTF-8 and counts run as AVX2).
 */
#ifndef CDP_SIMD_H
#define CDP_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Instruction sets, weakest first. */
enum cdp_simd {
	CDP_SIMD_SCALAR,
	CDP_SIMD_SSE2,
	CDP_SIMD_AVX2,
	CDP_SIMD_AVX512	/* AVX-512 BW, for the token masks */
};

/*
 * The best level this CPU has, lowered (never raised) by the environment
 * variable CDP_SIMD=scalar|sse2|avx2|avx512, which tests use to run each
 * path on one machine.  Reads the environment: callers keep the result.
 */
enum cdp_simd cdp_simd_best(void);

/* The level of the CPU alone (no environment): cheap. */
enum cdp_simd cdp_simd_cpu(void);

/* "scalar", "sse2", "avx2" or "avx512". */
const char *cdp_simd_name(enum cdp_simd level);

/*
 * The tokens of a line of JSON, one bit per byte in 64-bit words (bit i
 * of word w is byte 64w + i).  Outside strings every byte is whitespace
 * (space, tab, LF, CR), an operator ({ } [ ] : ,), a double quote, or a
 * scalar byte (the rest: numbers, literals, junk).  tok marks every
 * double quote that no odd run of backslashes escapes (opening and
 * closing ones), every bracket outside strings, and the first byte of
 * each run of scalar bytes; so between two tokens outside strings there
 * is only whitespace, ':' and ','.  bs marks every backslash.  A zeroed
 * struct is empty; cdp_jsonmask_free() releases it.
 */
struct cdp_jsonmask {
	uint64_t	*tok;
	uint64_t	*bs;
	size_t		 nw;	/* words used (n / 64 + 1) */
	size_t		 cap;	/* words allocated (each array) */
	bool		 any_bs;	/* some backslash */
	bool		 any_hi;	/* some byte >= 0x80 */
};

/*
 * Classify p[0..n) at level (SCALAR is the reference the others are
 * tested against).  Returns 0; 1 when a control character (below 0x20)
 * lies inside a string or the line ends inside one (the line is then
 * not valid JSON, and the masks are not filled); -1 on allocation
 * failure.
 */
int	cdp_jsonmask_build(enum cdp_simd level, const char *p, size_t n,
	    struct cdp_jsonmask *m);

void	cdp_jsonmask_free(struct cdp_jsonmask *m);

/* True when p[0..n) is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), checked at level. */
bool	cdp_simd_utf8(enum cdp_simd level, const char *p, size_t n);

/* How many bytes of p[0..n) equal c, counted at level. */
size_t	cdp_simd_count(enum cdp_simd level, const char *p, size_t n, char c);

#endif
