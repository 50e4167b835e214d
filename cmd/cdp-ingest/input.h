/*
 * input.h - one input on its way to a reader: opened, read ahead for
 * sniffing, and decompressed and decoded to UTF-8 as its first bytes (or
 * --encoding) say.  Errors end the program with the file's name.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "decode.h"

struct input {
	const char	*name;		/* for messages: path or "<stdin>" */
	int		 file;		/* the opened input */
	int		 fd;		/* what the reader reads */
	char		*pre;		/* read ahead from fd, not yet used */
	size_t		 len, cap;
	bool		 eof;		/* fd has no more bytes */
	struct decode	*step[2];	/* decompression, then iconv */
	int		 nstep;
	const char	*compression;	/* "gzip", "zstd" or NULL */
	const char	*encoding;	/* when not UTF-8, for messages */
};

/*
 * Open path ("-" is standard input) and look at its first bytes: gzip or
 * zstd data is decompressed; then the text is converted to UTF-8 from
 * encoding (--encoding; NULL or "utf-8": none), or from UTF-16/UTF-32 when
 * it starts with their byte order mark.  Text that looks like UTF-16
 * without a byte order mark stops the program (65) with a hint.
 */
void	input_open(struct input *in, const char *path, const char *encoding);

/*
 * Read ahead until in->pre holds `lines` line ends, max bytes, or the
 * whole input.  The bytes stay in in->pre for the reader.
 */
void	input_peek(struct input *in, size_t lines, size_t max);

/* Bytes of the input file used, given the reader's offset on in->fd. */
off_t	input_offset(const struct input *in, off_t reader_offset);

/* True once a decoding step failed: the reader's bytes end early. */
bool	input_failed(const struct input *in);

/*
 * The reader is done: wait for the decoding steps, stop the program with
 * their error if one failed, close the input.
 */
void	input_close(struct input *in);

#endif
