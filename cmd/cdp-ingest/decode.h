/*
 * decode.h - compressed and non-UTF-8 inputs as a plain UTF-8 byte stream:
 * gzip (zlib) and zstd (libzstd) told by their magic bytes, and any
 * encoding glibc's iconv knows (UTF-16 with a byte order mark, latin1,
 * cp1252, ...).  Each step runs in a thread that writes into a pipe, so
 * the CSV and JSON readers keep reading a file descriptor and decoding
 * overlaps parsing on a second core.
 */
#ifndef DECODE_H
#define DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

enum decode_kind {
	DECODE_GZIP,
	DECODE_ZSTD,
	DECODE_ICONV
};

struct decode;

/* The compression pre[0..n) starts with: 1 with *kind set, or 0. */
int	decode_magic(const char *pre, size_t n, enum decode_kind *kind);

/*
 * Start a step reading fd (not closed here), pre[0..prelen) first (copied).
 * For DECODE_ICONV, from is the encoding name for iconv_open(); a byte
 * sequence that is not valid in it becomes the byte 0xFF, which is never
 * valid UTF-8, so the row that holds it is a bad record at its own line.
 * Returns a new step, or NULL with err set (EX_OSERR, or EX_USAGE for an
 * encoding iconv does not know).
 */
struct decode *decode_start(enum decode_kind kind, int fd, const char *pre,
	    size_t prelen, const char *from, struct cdp_err *err);

/* The descriptor to read the decoded bytes from (owned by the step). */
int	decode_fd(const struct decode *d);

/* Bytes of the step's input used so far (for progress bars). */
off_t	decode_consumed(const struct decode *d);

/*
 * True once the step has failed (corrupt or cut compressed data, a read
 * error): the bytes read from decode_fd() end early.  Cheap; safe to call
 * for every record.
 */
bool	decode_failed(const struct decode *d);

/*
 * Wait for the step to end and free it; NULL is a no-op returning 0.
 * Returns 0, or -1 with err set when the step failed: EX_DATAERR
 * ("gzip: invalid compressed data", "zstd: input cut short"), EX_IOERR
 * on a read error, EX_OSERR when out of memory.
 */
int	decode_finish(struct decode *d, struct cdp_err *err);

/* Check that iconv can convert from name to UTF-8.  0 or -1. */
int	decode_encoding_known(const char *name);

#endif
