/*
 * lines.h - reads a file or stdin as physical lines with exact line
 * numbers, in large blocks with no allocation per line, and checks that
 * inputs open before any output.  Used by every program that reads NDJSON.
 */
#ifndef CDP_LINES_H
#define CDP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

#define CDP_MAX_RECORD_BYTES	((size_t)64 << 20)	/* default cap */

struct cdp_lines;

/*
 * One non-blank line.  p/len exclude the "\n" and a "\r" before it; p is
 * valid until the next cdp_lines_next() call.  lineno is the physical
 * line number (1-based).  A line longer than the cap is returned with
 * too_long set and only its first bytes in p/len (the rest is skipped),
 * so the caller can reject it and go on.
 */
struct cdp_line {
	const char	*p;
	size_t		 len;
	long		 lineno;
	bool		 too_long;
};

/*
 * Open path for reading ("-" or NULL is standard input, named "<stdin>"
 * in messages).  max_bytes caps one line (0 = CDP_MAX_RECORD_BYTES).
 * Returns a new reader, or NULL with err set (EX_NOINPUT when the file
 * cannot be opened, EX_USAGE when it is also an output of the run, see
 * cdp_out_check_input(), EX_OSERR on allocation failure).
 */
struct cdp_lines *cdp_lines_open(const char *path, size_t max_bytes,
	    struct cdp_err *err);

/*
 * Like cdp_lines_open() on an open descriptor fd named name, which the
 * reader does not close.  pre[0..prelen) are bytes already read from fd
 * (format sniffing) and are read first; they are copied.
 */
struct cdp_lines *cdp_lines_open_fd(int fd, const char *name,
	    const char *pre, size_t prelen, size_t max_bytes,
	    struct cdp_err *err);

/*
 * Check that every one of files[0..nfiles) can be opened for reading and
 * is not a directory, before a program writes anything ("-" is standard
 * input and passes).  Each file is opened and closed again; files stay
 * the caller's.  Returns 0 with *total the sum of their sizes, or -1 in
 * *total when one is not a regular file (standard input, a pipe): for
 * progress bars.  At the first file that fails returns -1 with *bad that
 * name (borrowed from files) and err set to EX_NOINPUT and "cannot open:
 * <reason>" or "is a directory"; report it with cdp_die_err(err, *bad, 0).
 * Each input is claimed (cdp_out_check_input()): one that is also an
 * output of the run is EX_USAGE ("is also the -o file F"), *bad being
 * "<stdin>" for standard input.
 */
int	cdp_lines_check(char *const files[], int nfiles, off_t *total,
	    const char **bad, struct cdp_err *err);

/*
 * The inputs of a program: *files[0..*nfiles), or standard input ("-",
 * put in *files and *nfiles) when there are none, checked as
 * cdp_lines_check() does.  Returns as cdp_lines_check().
 */
int	cdp_lines_inputs(char ***files, int *nfiles, off_t *total,
	    const char **bad, struct cdp_err *err);

/*
 * The next line that is not blank (empty or only spaces, tabs and CR),
 * skipping a UTF-8 byte order mark at the start of the input.  Returns 1
 * with *out filled, 0 at end of input, -1 on a read error (err set,
 * EX_IOERR).  A last line without "\n" is still a line.
 */
int	cdp_lines_next(struct cdp_lines *l, struct cdp_line *out,
	    struct cdp_err *err);

/*
 * Read only part k of n (1 <= k <= n) of the regular file l was opened on,
 * before any line is read: the lines that start in the k-th n-th of its
 * bytes, where a line starts at offset 0 and after each newline.  The n
 * parts hold every line once; line numbers count from the part's first
 * line, and the name in messages becomes "NAME[K/N]".  Returns 0, or -1
 * with err set (EX_USAGE: not a regular file or
 * already read from; EX_IOERR).
 */
int	cdp_lines_part(struct cdp_lines *l, long k, long n, struct cdp_err *err);

/* The name for messages: the path, or "<stdin>". */
const char *cdp_lines_name(const struct cdp_lines *l);

/* Bytes consumed so far, and the input's size (-1 when not a regular
 * file); for progress bars. */
off_t	cdp_lines_offset(const struct cdp_lines *l);
off_t	cdp_lines_size(const struct cdp_lines *l);

/* Close (standard input is left open) and free; NULL is a no-op. */
/*
 * The input offsets the reader reads from and up to: 0 and the file's
 * size, or the part's bounds after cdp_lines_part(); to is -1 when the
 * size is unknown (a pipe).  Progress over a part counts from from.
 */
off_t	cdp_lines_from(const struct cdp_lines *l);
off_t	cdp_lines_to(const struct cdp_lines *l);

void	cdp_lines_close(struct cdp_lines *l);

/*
 * The first '\n' of p[0..n), or NULL; with avx2 (the CPU has it and
 * CDP_SIMD allows it: cdp_simd_best()) 64 bytes a step, which for lines of
 * a few hundred bytes beats memchr's set-up.  Reads only p[0..n).
 */
const char *cdp_lines_newline(bool avx2, const char *p, size_t n);

#endif
