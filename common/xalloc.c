/* xalloc.c - allocation that exits 71 on failure (see xalloc.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "progress.h"
#include "xalloc.h"

void
cdp_oom(size_t n)
{
	char size[48] = "", ctx[96];

	if (n > 0)
		snprintf(size, sizeof(size), " (%zu bytes requested)", n);
	/* How far the run got and the limit it met, when known. */
	cdp_mem_context(ctx, sizeof(ctx));
	cdp_die(EX_OSERR, NULL, 0, "out of memory%s%s; %s", size, ctx,
	    cdp_oom_hint_text());
}

void *
cdp_xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		cdp_oom(n);
	return p;
}

void *
cdp_xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		cdp_oom(size <= SIZE_MAX / n ? n * size : 0);
	return p;
}

void *
cdp_xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		cdp_oom(0);
	if (n * size == 0)
		n = size = 1;
	if ((q = realloc(p, n * size)) == NULL)
		cdp_oom(n * size);
	return q;
}

void
cdp_xgrow(void **p, size_t *cap, size_t need, size_t size)
{
	if (cdp_grow(p, cap, need, size) == -1)
		cdp_oom(size != 0 && need <= SIZE_MAX / size ? need * size : 0);
}

char *
cdp_xstrdup(const char *s)
{
	return cdp_xstrndup(s, strlen(s));
}

char *
cdp_xstrndup(const char *s, size_t n)
{
	char *d = cdp_xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
