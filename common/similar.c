/*
 * similar.c - Jaro-Winkler and Levenshtein on code point arrays, written
 * here (no Debian library offers them), and a small UTF-8 decoder.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "similar.h"

#define SMALL	256	/* strings up to this many code points use the stack */

double
cdp_sim_jaro_winkler(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb)
{
	bool sa[SMALL], sb[SMALL], *ma = sa, *mb = sb;
	size_t win, m = 0, t = 0, k = 0, prefix = 0;
	double jaro;

	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	if (na > SMALL || nb > SMALL) {
		ma = calloc(na, 1);
		mb = calloc(nb, 1);
		if (ma == NULL || mb == NULL) {
			free(ma);
			free(mb);
			return -1.0;
		}
	} else {
		memset(sa, 0, na);
		memset(sb, 0, nb);
	}
	/* Matches: equal code points no further apart than the window. */
	win = (na > nb ? na : nb) / 2;
	win = win > 0 ? win - 1 : 0;
	for (size_t i = 0; i < na; i++) {
		size_t lo = i > win ? i - win : 0;
		size_t hi = i + win + 1 < nb ? i + win + 1 : nb;

		for (size_t j = lo; j < hi; j++)
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = true;
				m++;
				break;
			}
	}
	/* Transpositions: matched code points out of order, halved. */
	for (size_t i = 0; m > 0 && i < na; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		t += a[i] != b[k++];
	}
	if (ma != sa) {
		free(ma);
		free(mb);
	}
	if (m == 0)
		return 0.0;
	jaro = ((double)m / na + (double)m / nb +
	    ((double)m - t / 2.0) / m) / 3.0;
	while (prefix < 4 && prefix < na && prefix < nb &&
	    a[prefix] == b[prefix])
		prefix++;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

size_t
cdp_sim_levenshtein(const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb, size_t max)
{
	size_t small[SMALL + 1], *row = small, d;

	/* The distance is at least the difference of the lengths. */
	if (max != SIZE_MAX && (na > nb ? na - nb : nb - na) > max)
		return max + 1;
	if (nb > SMALL && (row = malloc((nb + 1) * sizeof(*row))) == NULL)
		return SIZE_MAX;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0], best;

		row[0] = best = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		/* Every later row is at least this row's minimum. */
		if (max != SIZE_MAX && best > max) {
			if (row != small)
				free(row);
			return max + 1;
		}
	}
	d = row[nb];
	if (row != small)
		free(row);
	return max != SIZE_MAX && d > max ? max + 1 : d;
}

/* Decode one UTF-8 sequence at s[0..n): the code point, *len its bytes;
 * U+FFFD with *len 1 for an invalid one (overlong, surrogate, cut). */
static uint32_t
decode(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t c = s[0], min;
	size_t k;

	*len = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0xfffd;
	}
	if (k >= n)
		return 0xfffd;
	for (size_t i = 1; i <= k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0xfffd;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	*len = k + 1;
	return c;
}

long
cdp_utf8_to_cps(const char *s, size_t n, struct cdp_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	long count = 0;

	for (size_t i = 0, len; i < n; i += len, count++) {
		uint32_t c = decode(p + i, n - i, &len);

		if (cdp_buf_add(out, &c, sizeof(c)) == -1)
			return -1;
	}
	return count;
}
