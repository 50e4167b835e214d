/*
 * fmt.h - what the human formats (table, markdown, html) share: cell text
 * with its percent sign, and a sanitiser that keeps control characters
 * and broken UTF-8 away from terminals and documents.
 */
#ifndef REPORT_FMT_H
#define REPORT_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "report.h"

/*
 * Append the text of cell (row, col) as people read it: rcell_text(),
 * then "%" after a number of a percent column.  Returns 0, or -1 when
 * memory runs out.
 */
int	fmt_cell(const struct rtable *t, size_t row, int col,
	    struct cdp_buf *b);

/* True when column col holds numbers only (nulls aside), at least one. */
bool	fmt_numcol(const struct rtable *t, int col);

/*
 * Append s[0..n) to b with every character that could act on a terminal
 * or a document shown as a visible escape: \n \r \t, other C0 and C1
 * controls, DEL, line and paragraph separators and the bidirectional
 * embeddings, overrides and isolates as \uXXXX; a byte that is not part
 * of valid UTF-8 becomes U+FFFD.  With md, line breaks become <br> and
 * Markdown's active characters get a backslash.  Returns the display
 * width (in terminal columns) of what was appended, or -1 when memory
 * runs out.
 */
long	fmt_safe(struct cdp_buf *b, const char *s, size_t n, bool md);

/*
 * The length in bytes of the longest start of the valid UTF-8 text
 * s[0..n) that is at most w columns wide.  *width gets its width.
 */
size_t	fmt_fit(const char *s, size_t n, size_t w, size_t *width);

#endif
