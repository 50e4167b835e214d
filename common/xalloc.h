/*
 * xalloc.h - allocation that cannot fail: the one failure idiom of cdpipe
 * (like git's wrapper.c and OpenBSD's reallocarray + err).  On failure each
 * function prints "prog: out of memory (N bytes requested)" with the
 * program's hint, and exits 71 (EX_OSERR) through cdp_die(), so temporary
 * output files are removed.  This is the one place in common/ besides
 * cdp_die() itself that exits: a caller that can recover from a failed
 * allocation uses malloc() and checks it.
 */
#ifndef CDP_XALLOC_H
#define CDP_XALLOC_H

#include <stddef.h>

/* malloc(n); n == 0 allocates one byte, so the result is never NULL. */
void	*cdp_xmalloc(size_t n);

/* calloc(n, size), the product checked for overflow. */
void	*cdp_xcalloc(size_t n, size_t size);

/*
 * realloc(p, n * size), the product checked for overflow.  The old p is
 * dead after the call; p may be NULL.
 */
void	*cdp_xreallocarray(void *p, size_t n, size_t size);

/*
 * cdp_grow() (buf.h) that cannot fail: *p (capacity *cap elements of size
 * bytes) holds at least need elements afterwards.  The old *p is dead
 * after a move.
 */
void	 cdp_xgrow(void **p, size_t *cap, size_t need, size_t size);

/* A new copy of s (s must not be NULL). */
char	*cdp_xstrdup(const char *s);

/* A new copy of the n bytes of s, NUL-terminated. */
char	*cdp_xstrndup(const char *s, size_t n);

/*
 * Exit 71 with "out of memory", naming n bytes when n > 0 (the size of the
 * request that failed), the records read so far and the --max-memory
 * limit when there is one (cdp_mem_context()), then the hint of
 * cdp_oom_hint() (both in progress.h, with the memory guard).  For
 * callers whose library reported the failure (jansson, libcsv, a cdp_buf
 * returning -1).
 */
_Noreturn void cdp_oom(size_t n);

#endif
