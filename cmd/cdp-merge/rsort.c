/* rsort.c - least-significant-digit radix sort of struct rkey. */
#include <stdlib.h>
#include <string.h>

#include "rsort.h"
#include "xalloc.h"

#define DIGIT	16
#define SMALL	64	/* below this, insertion sort */

static int
less(const struct rkey *a, const struct rkey *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi;
	if (a->lo != b->lo)
		return a->lo < b->lo;
	return a->v < b->v;
}

static void
insertion(struct rkey *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rkey x = a[i];
		size_t j = i;

		for (; j > 0 && less(&x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

static int
cmp(const void *x, const void *y)
{
	const struct rkey *a = x, *b = y;

	return less(a, b) ? -1 : less(b, a);
}

void
rsort(struct rkey *a, size_t n)
{
	struct rkey *tmp, *src = a, *dst;
	size_t *count;

	if (n < SMALL) {
		insertion(a, n);
		return;
	}
	tmp = cdp_xmalloc(n * sizeof(*tmp));
	count = cdp_xmalloc(((size_t)1 << DIGIT) * sizeof(*count));
	dst = tmp;
	/* Four stable passes of 16 bits over hi, lowest first. */
	for (int shift = 0; shift < 64; shift += DIGIT) {
		size_t sum = 0;

		memset(count, 0, ((size_t)1 << DIGIT) * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i].hi >> shift) & 0xffff]++;
		for (size_t d = 0; d < ((size_t)1 << DIGIT); d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].hi >> shift) & 0xffff]++] = src[i];
		{
			struct rkey *t = src;

			src = dst;
			dst = t;
		}
	}
	/* An even number of passes: the result is back in a. */
	free(tmp);
	free(count);
	/* Equal high words (equal keys, or rare collisions): by lo, v. */
	for (size_t b = 0, e; b < n; b = e) {
		for (e = b + 1; e < n && a[e].hi == a[b].hi; e++)
			continue;
		if (e - b < SMALL)
			insertion(a + b, e - b);
		else
			qsort(a + b, e - b, sizeof(*a), cmp);
	}
}
