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
 * created as a hidden temporary ".NAME.XXXXXX" beside path, locked
 * (flock) while the program runs, and only renamed to path by
 * cdp_out_close().  Temporaries of the same name that a killed run left
 * (regular, ours, unlocked, unchanged for 15 minutes) are removed first.  Returns a new handle, or NULL with err set
 * (EX_CANTCREAT; EX_USAGE when path is another output or an input, see
 * cdp_out_plan()).  SIGPIPE is ignored from here on: a closed pipe on
 * standard output ends the program quietly with status 0, after removing
 * every temporary file still open (the one exit in common/, so that every
 * program handles `| head` the same way).
 */
struct cdp_out *cdp_out_open(const char *path, struct cdp_err *err);

/*
 * Outputs are distinct from each other and from every input (DESIGN.md):
 * what is open at once, as an output closed lets go of its claim (a
 * checkpoint may be written again); inputs stay claimed for the run, and
 * the outputs named on the command line are claimed from the start.
 * compared by device and inode (and, for a file not made yet, by folder
 * and name), never by the text of the name, so a symbolic or hard link is
 * the same file.  Devices, FIFOs and paths under /dev (/dev/null,
 * /dev/stdout) are exempt.  cdp_out_open() checks the output it opens,
 * standard output included when it is a regular file.
 *
 * cdp_out_plan() claims an output named on the command line before it is
 * opened (role is the option, "-o" or "--rejects"), so that the clash is
 * found while parsing options; opening that very name later takes the
 * plan over.  A second plan of one role replaces the first.
 * cdp_out_check_input() claims an input (path, or standard input for "-"
 * or NULL) before it is read.  Both return 0, or -1 with err set
 * (EX_USAGE, 64) to "NAME: is also the input F" (or "the -o file F",
 * "the output F", "standard output"); for an input the message leaves
 * out "NAME: ", which its caller adds as for "cannot open".
 */
int	cdp_out_plan(const char *role, const char *path, struct cdp_err *err);
int	cdp_out_check_input(const char *path, struct cdp_err *err);

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
