/*
 * sort.h - sorting with a context: the comparator gets a pointer of the
 * caller's, so no comparator reads a global.
 */
#ifndef CDP_SORT_H
#define CDP_SORT_H

#include <stddef.h>

/*
 * Sort base[0..n) (elements of size bytes) by cmp(a, b, ctx), as qsort()
 * does (not stable: break ties in cmp when the order matters).
 */
void	cdp_sort(void *base, size_t n, size_t size,
	    int (*cmp)(const void *, const void *, void *), void *ctx);

#endif
