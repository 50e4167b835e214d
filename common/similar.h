/*
 * similar.h - string similarity on Unicode code points for fuzzy
 * matching: Jaro-Winkler, Levenshtein with an early stop, and UTF-8 to
 * code points.
 */
#ifndef CDP_SIMILAR_H
#define CDP_SIMILAR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Jaro-Winkler similarity of a[0..na) and b[0..nb), in [0, 1]: the Jaro
 * similarity raised for a common prefix of up to 4 code points with the
 * standard scale 0.1.  Two empty strings are 1, one empty string 0.
 * Needs no allocation for strings up to 256 code points (longer ones
 * allocate; then -1 on allocation failure).
 */
double	cdp_sim_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b,
	    size_t nb);

/*
 * Levenshtein distance (insert, delete, substitute, each cost 1) of
 * a[0..na) and b[0..nb).  With max != SIZE_MAX the work stops as soon as
 * the distance must exceed max, and max + 1 is returned.  Returns
 * SIZE_MAX on allocation failure (only for strings over 256 code points).
 */
size_t	cdp_sim_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
	    size_t nb, size_t max);

/*
 * Append the code points of the UTF-8 text s[0..n) to out, as uint32_t
 * values (out->len grows by 4 a code point).  An invalid sequence becomes
 * U+FFFD.  Returns the number of code points, or -1 on allocation failure.
 */
long	cdp_utf8_to_cps(const char *s, size_t n, struct cdp_buf *out);

#endif
