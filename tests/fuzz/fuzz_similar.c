/*
 * fuzz_similar.c - UTF-8 to code points, Jaro-Winkler and Levenshtein on
 * two strings split at the first NUL byte of the input: the similarity
 * stays in [0, 1] (1 for equal strings), the distance is symmetric, bounded by
 * the longer length, and the early-stop variant agrees with the full one.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "similar.h"

#include "fuzz.h"

static struct cdp_buf	 ab, bb;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, '\0', size);
	size_t na, nb, alen, d, d2, lim, longer;
	const uint32_t *a, *b;
	double s;

	alen = sep != NULL ? (size_t)(sep - data) : size / 2;
	cdp_buf_reset(&ab);
	cdp_buf_reset(&bb);
	FUZZ_CHECK(cdp_utf8_to_cps((const char *)data, alen, &ab) >= 0);
	if (sep != NULL)
		alen++;
	FUZZ_CHECK(cdp_utf8_to_cps((const char *)data + alen, size - alen,
	    &bb) >= 0);
	FUZZ_CHECK(ab.len % 4 == 0 && bb.len % 4 == 0);
	a = (const uint32_t *)(void *)ab.p;
	b = (const uint32_t *)(void *)bb.p;
	na = ab.len / 4;
	nb = bb.len / 4;

	s = cdp_sim_jaro_winkler(a, na, b, nb);
	FUZZ_CHECK(s >= 0.0 && s <= 1.0);
	if (na == nb && (na == 0 || memcmp(a, b, na * 4) == 0))
		FUZZ_CHECK(s == 1.0);

	d = cdp_sim_levenshtein(a, na, b, nb, SIZE_MAX);
	longer = na > nb ? na : nb;
	FUZZ_CHECK(d <= longer);
	FUZZ_CHECK(d >= (na > nb ? na - nb : nb - na));
	FUZZ_CHECK(cdp_sim_levenshtein(b, nb, a, na, SIZE_MAX) == d);
	lim = size % 7;
	d2 = cdp_sim_levenshtein(a, na, b, nb, lim);
	FUZZ_CHECK(d2 == (d > lim ? lim + 1 : d));
	return 0;
}
