/*
 * csvin.h - CSV/TSV rows through libcsv, pulled one at a time, with the
 * physical line where each row starts.
 */
#ifndef CSVIN_H
#define CSVIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/*
 * One row.  f[i]/len[i] are the unquoted field values (not NUL-terminated
 * necessarily; valid until the next csvin_next()).  line is the physical
 * line where the row starts.  bad is NULL, or a static reason when the
 * row cannot be used ("NUL byte in field", "unterminated quoted field",
 * "row longer than --max-record-bytes"); raw/rawlen then hold as much of
 * the row as is known, re-joined as CSV text, for a rejects file.  utf8
 * is true when every field is known to be valid UTF-8, plain when they
 * are known to be printable ASCII other than '"' and '\\' (nothing to
 * escape in JSON); false: not known.
 */
struct csv_row {
	size_t		  n;
	const char	**f;
	const size_t	 *len;
	long		  line;
	const char	 *bad;
	bool		  utf8;
	bool		  plain;
};

struct csvin;

/*
 * Read CSV (delim ',' or another byte) or TSV (delim '\t') from fd, which is not closed.
 * pre[0..prelen) were already read from fd and come first.  A UTF-8 BOM at
 * the start is dropped.  Unquoted fields keep their spaces unless trim.
 * Returns a new reader, or NULL with err set.
 */
struct csvin *csvin_open(int fd, const char *name, const char *pre,
	    size_t prelen, char delim, bool trim, size_t max_row_bytes,
	    struct cdp_err *err);

/*
 * Rows of p[0..n) alone, not copied (it must outlive the reader): a block
 * of whole rows (par.h).  Nothing is read and no BOM dropped; the end of
 * p is the end of input.
 */
struct csvin *csvin_open_mem(const char *p, size_t n, char delim, bool trim,
	    size_t max_row_bytes, struct cdp_err *err);

/* Number the lines from line on (the input starts after skipped lines). */
void	csvin_first_line(struct csvin *c, long line);

/*
 * The next non-blank row: 1 with *row filled, 0 at end of input, -1 on a
 * read error (err set, EX_IOERR).
 */
int	csvin_next(struct csvin *c, struct csv_row *row, struct cdp_err *err);

/* Re-join row as CSV text into out (for rejects files); 0 or -1. */
struct cdp_buf;
int	csvin_raw(const struct csvin *c, const struct csv_row *row,
	    struct cdp_buf *out);

/* Bytes read so far (for progress). */
off_t	csvin_offset(const struct csvin *c);

/* For tests: the bytes asked of each read(2) (256 KB unless set). */
void	csvin_set_read_size(struct csvin *c, size_t n);

/* For tests: read every line through libcsv, as CDP_CSV=libcsv in the
 * environment does; before the first csvin_next(). */
void	csvin_force_libcsv(struct csvin *c);

/* For tests: the bytes held beside the read block (libcsv's buffer and
 * the row being built), which the row cap bounds. */
size_t	csvin_held(const struct csvin *c);

/* Free the reader; NULL is a no-op. */
void	csvin_close(struct csvin *c);

#endif
