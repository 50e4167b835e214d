/*
 * input.c - opening an input, reading ahead for the sniffers, and the
 * decoding steps its first bytes call for (decode.c does the work).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "input.h"
#include "sniff.h"
#include "xalloc.h"

#define FIRST_BYTES	4096	/* looked at for magic bytes and BOMs */

static void
open_file(struct input *in, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		in->name = "<stdin>";
		in->file = STDIN_FILENO;
		return;
	}
	in->name = path;
	if ((in->file = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	if (fstat(in->file, &st) == 0 && S_ISDIR(st.st_mode))
		cdp_die(EX_NOINPUT, path, 0, "is a directory");
}

static size_t
count_lines(const char *p, size_t n)
{
	size_t k = 0;

	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p)));
	    p++)
		k++;
	return k;
}

void
input_peek(struct input *in, size_t lines, size_t max)
{
	ssize_t k;

	if (in->cap < max) {
		in->pre = cdp_xreallocarray(in->pre, max, 1);
		in->cap = max;
	}
	while (!in->eof && in->len < max &&
	    count_lines(in->pre, in->len) < lines) {
		k = read(in->fd, in->pre + in->len, max - in->len);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			cdp_die(EX_IOERR, in->name, 0, "read error: %s",
			    strerror(errno));
		if (k == 0)
			in->eof = true;
		in->len += (size_t)k;
	}
}

/* Put step kind between the input read so far and the reader. */
static void
add_step(struct input *in, enum decode_kind kind, const char *from)
{
	struct cdp_err err;
	struct decode *d;

	d = decode_start(kind, in->fd, in->pre, in->len, from, &err);
	if (d == NULL)
		cdp_die_err(&err, in->name, 0);
	in->step[in->nstep++] = d;
	in->fd = decode_fd(d);
	in->len = 0;
	in->eof = false;
	input_peek(in, 1, FIRST_BYTES);
}

static bool
starts(const struct input *in, const char *bytes, size_t n)
{
	return in->len >= n && memcmp(in->pre, bytes, n) == 0;
}

/* The Unicode encoding a byte order mark names, or NULL. */
static const char *
bom_encoding(const struct input *in, const char **shown)
{
	if (starts(in, "\xff\xfe\0\0", 4) || starts(in, "\0\0\xfe\xff", 4)) {
		*shown = in->pre[0] == '\0' ? "UTF-32BE" : "UTF-32LE";
		return "UTF-32";
	}
	if (starts(in, "\xff\xfe", 2) || starts(in, "\xfe\xff", 2)) {
		*shown = in->pre[0] == '\xfe' ? "UTF-16BE" : "UTF-16LE";
		return "UTF-16";
	}
	return NULL;
}

static bool
is_utf8_name(const char *s)
{
	return strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0;
}

/* Workbooks are not text: say what to do instead of reading bytes. */
static void
not_a_workbook(const struct input *in)
{
	if (starts(in, "PK\3\4", 4))
		cdp_die(EX_DATAERR, in->name, 0, "a ZIP archive (an .xlsx "
		    "workbook?): save the sheet as CSV first");
	if (starts(in, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		cdp_die(EX_DATAERR, in->name, 0, "an OLE2 file (an .xls "
		    "workbook?): save the sheet as CSV first");
}

void
input_open(struct input *in, const char *path, const char *encoding)
{
	enum decode_kind kind;
	const char *from, *shown;
	bool le;

	*in = (struct input){ .file = -1 };
	open_file(in, path);
	in->fd = in->file;
	input_peek(in, 1, FIRST_BYTES);
	if (decode_magic(in->pre, in->len, &kind)) {
		in->compression = kind == DECODE_GZIP ? "gzip" : "zstd";
		add_step(in, kind, NULL);
	}
	not_a_workbook(in);
	if (encoding != NULL && !is_utf8_name(encoding)) {
		in->encoding = encoding;
		add_step(in, DECODE_ICONV, encoding);
	} else if (encoding == NULL &&
	    (from = bom_encoding(in, &shown)) != NULL) {
		in->encoding = shown;
		add_step(in, DECODE_ICONV, from);
	} else if (encoding == NULL && sniff_utf16(in->pre, in->len, &le)) {
		cdp_die(EX_DATAERR, in->name, 0, "NUL bytes at every other "
		    "position: UTF-16 without BOM? give --encoding %s",
		    le ? "utf-16le" : "utf-16be");
	}
}

off_t
input_offset(const struct input *in, off_t reader_offset)
{
	return in->nstep > 0 ? decode_consumed(in->step[0]) : reader_offset;
}

bool
input_failed(const struct input *in)
{
	for (int i = 0; i < in->nstep; i++)
		if (decode_failed(in->step[i]))
			return true;
	return false;
}

void
input_close(struct input *in)
{
	struct cdp_err err, first = { 0 };
	bool failed = false;

	/* The first step's error is the cause; later ones follow from it. */
	for (int i = in->nstep - 1; i >= 0; i--)
		if (decode_finish(in->step[i], &err) == -1) {
			first = err;
			failed = true;
		}
	in->nstep = 0;
	if (failed)
		cdp_die_err(&first, in->name, 0);
	if (in->file != STDIN_FILENO && in->file != -1)
		close(in->file);
	free(in->pre);
	*in = (struct input){ .file = -1 };
}
