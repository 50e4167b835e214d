/* sort.c - qsort with a context; see sort.h. */
#define _GNU_SOURCE		/* qsort_r() */
#include <stdlib.h>

#include "sort.h"

void
cdp_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *, void *), void *ctx)
{
	qsort_r(base, n, size, cmp, ctx);
}
