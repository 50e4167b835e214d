/*
 * out.h - buffered record output to stdout or to a file written through a
 * temporary file in the same folder and renamed on success, so a failed
 * run never leaves a partial file behind.
 */
#ifndef CDP_OUT_H
#define CDP_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct cdp_out;

/*
 * Open path for writing ("-" or NULL is standard output).  A file is
 * created as a hidden temporary beside path and only renamed to path by
 * cdp_out_close().  Returns a new handle, or NULL with err set
 * (EX_CANTCREAT).  SIGPIPE is ignored from here on: a closed pipe on
 * standard output ends the program quietly with status 0, after removing
 * every temporary file still open (the one exit in common/, so that every
 * program handles `| head` the same way).
 */
struct cdp_out *cdp_out_open(const char *path, struct cdp_err *err);

/*
 * Line mode (--unbuffered) of o: a write that ends with a newline is
 * flushed at once, so each record leaves as it is written.
 */
void	cdp_out_line_mode(struct cdp_out *o, bool on);

/* Append n bytes.  Returns 0, or -1 with err set (EX_IOERR). */
int	cdp_out_write(struct cdp_out *o, const void *p, size_t n,
	    struct cdp_err *err);

/*
 * Flush, close and (for a file) rename into place; frees o.  Returns 0,
 * or -1 with err set (EX_IOERR), in which case the temporary file is
 * removed.  NULL is a no-op returning 0.
 */
int	cdp_out_close(struct cdp_out *o, struct cdp_err *err);

/* Give up: remove the temporary file and free o.  NULL is a no-op. */
void	cdp_out_abort(struct cdp_out *o);

/*
 * Remove the temporary files of every handle still open, and write out
 * what is buffered for standard output and devices (records before a
 * fatal error are not lost).  Safe in a signal handler and in cdp_die()'s
 * exit hook, where cdp_out_open() installs it.
 */
void	cdp_out_cleanup(void);

#endif
