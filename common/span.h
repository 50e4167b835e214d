/*
 * span.h - the record layer's walk inside a value span: the JSON text of
 * a field's value (or a part of one) that cdp_rec_parse() has validated,
 * read in place with no checks beyond its end.  The expression language
 * follows paths through nested values with it; aggregates compare nested
 * values by their compact text.
 */
#ifndef CDP_SPAN_H
#define CDP_SPAN_H

#include <stddef.h>

#include "buf.h"
#include "record.h"

/* The type of the value whose text starts at p. */
enum cdp_type cdp_span_type(const char *p);

/*
 * Step through the elements of the array a[0..n).  Start with *pos = 0;
 * returns 1 with the next element's text in *p and *len, or 0 after the
 * last one.
 */
int	cdp_span_next(const char *a, size_t n, size_t *pos, const char **p,
	    size_t *len);

/* Element idx (from 0) of the array a[0..n): 1 with *p and *len, or 0. */
int	cdp_span_index(const char *a, size_t n, long idx, const char **p,
	    size_t *len);

/*
 * The member key[0..klen) (unescaped text) of the object o[0..n): 1 with
 * its value's text in *p and *len, 0 when absent, -1 when memory runs
 * out.  tmp is scratch space for keys written with escapes.
 */
int	cdp_span_member(const char *o, size_t n, const char *key, size_t klen,
	    struct cdp_buf *tmp, const char **p, size_t *len);

/* The number of elements of the array, or members of the object, s[0..n). */
size_t	cdp_span_count(const char *s, size_t n);

/*
 * The text s[0..n) without the whitespace outside its strings, into b
 * (replacing what b held): one text per value, so nested values compare
 * and print alike however they were spaced.  Returns 0, or -1 when memory
 * runs out.
 */
int	cdp_span_compact(const char *s, size_t n, struct cdp_buf *b);

#endif
