/*
 * jsonin.h - the elements of one top-level JSON array, streamed: each
 * element's text and the line where it starts, without building a tree.
 */
#ifndef JSONIN_H
#define JSONIN_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"
#include "lines.h"

struct jsonin;

/*
 * Read a JSON array from fd (not closed); pre[0..prelen) were already
 * read and come first.  A UTF-8 BOM is skipped.  max_bytes caps one
 * element.  Returns a new reader, or NULL with err set.
 */
struct jsonin *jsonin_open(int fd, const char *name, const char *pre,
	    size_t prelen, size_t max_bytes, struct cdp_err *err);

/*
 * The next element: 1 with el->p/len its exact text (may span lines),
 * el->lineno the line where it starts, el->too_long when it exceeded
 * max_bytes (then skipped to its end, p/len a prefix).  0 after the
 * closing ']' (only whitespace may follow).  -1 with err set when the
 * input is not a JSON array or its structure breaks (EX_DATAERR, message
 * naming the line: "expected ',' or ']'"), or on a read error (EX_IOERR).
 * The element itself is not validated here: cdp_rec_parse() does it.
 */
int	jsonin_next(struct jsonin *j, struct cdp_line *el, struct cdp_err *err);

/* Line number the last error refers to. */
long	jsonin_errline(const struct jsonin *j);

/* Bytes read so far (for progress). */
off_t	jsonin_offset(const struct jsonin *j);

/* For tests: the bytes asked of each read(2) (256 KB unless set). */
void	jsonin_set_read_size(struct jsonin *j, size_t n);

/* For tests: the bytes held for an element longer than the read block,
 * which the element cap bounds. */
size_t	jsonin_held(const struct jsonin *j);

/* Free the reader; NULL is a no-op. */
void	jsonin_close(struct jsonin *j);

#endif
