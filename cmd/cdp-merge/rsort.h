/*
 * rsort.h - sorting the join's large arrays by a 128-bit key: radix
 * passes over the high word, then the rare equal high words by the low
 * one.  Three to five times qsort()'s speed on millions of hashes.
 */
#ifndef MERGE_RSORT_H
#define MERGE_RSORT_H

#include <stddef.h>
#include <stdint.h>

/* A key and what it stands for (an index, an id, a count). */
struct rkey {
	uint64_t	hi, lo;
	uint64_t	v;
};

/* Sort a[0..n) by (hi, lo, v), ascending.  Exits when out of memory. */
void	rsort(struct rkey *a, size_t n);

#endif
