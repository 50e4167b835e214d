/* buf.h - growable byte buffers, the one string builder of cdpipe. */
#ifndef CDP_BUF_H
#define CDP_BUF_H

#include <stddef.h>
#include <string.h>

/*
 * A byte buffer that grows on demand.  p is always NUL-terminated when
 * cap > 0 (the NUL is not counted in len), so p can be handed to C string
 * functions when the content has no NUL of its own.  A zeroed struct is an
 * empty buffer; cdp_buf_free() releases it and leaves it zeroed.
 */
struct cdp_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Make room for at least n more bytes.  Returns 0, or -1 (errno ENOMEM). */
int	cdp_buf_reserve(struct cdp_buf *b, size_t n);

/*
 * Append n bytes of s.  Returns 0, or -1 on allocation failure.  Inline:
 * the record writer calls it for every key and value.
 */
static inline int
cdp_buf_add(struct cdp_buf *b, const void *s, size_t n)
{
	if (b->cap - b->len <= n && cdp_buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Append the C string s.  Returns 0, or -1 on allocation failure. */
int	cdp_buf_adds(struct cdp_buf *b, const char *s);

/* Append one byte.  Returns 0, or -1 on allocation failure. */
static inline int
cdp_buf_addc(struct cdp_buf *b, int c)
{
	if (b->cap - b->len <= 1 && cdp_buf_reserve(b, 1) == -1)
		return -1;
	b->p[b->len++] = (char)c;
	b->p[b->len] = '\0';
	return 0;
}

/* Append printf-formatted text.  Returns 0, or -1 on failure. */
int	cdp_buf_addf(struct cdp_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Make the array *p (capacity *cap elements of size bytes) hold at least
 * need elements, doubling from 64; the old pointer is dead after a move.
 * Returns 0, or -1 on overflow or allocation failure (*p and *cap kept).
 */
int	cdp_grow(void **p, size_t *cap, size_t need, size_t size);

/* Empty the buffer, keeping its memory. */
void	cdp_buf_reset(struct cdp_buf *b);

/* Release the memory; the buffer is empty and usable afterwards. */
void	cdp_buf_free(struct cdp_buf *b);

#endif
