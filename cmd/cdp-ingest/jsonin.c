/*
 * jsonin.c - the elements of one top-level JSON array, found by scanning
 * (strings, escapes, nesting) without building a tree.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "lines.h"

#include "jsonin.h"

/* Bytes per read(2); the unit driver overrides it to cross blocks. */
#ifndef JSONIN_BLOCK
#define JSONIN_BLOCK	((size_t)256 << 10)
#endif

static const unsigned char jsonin_bom[3] = { 0xef, 0xbb, 0xbf };

enum jstate {
	J_START,	/* before '[' */
	J_FIRST,	/* after '[': an element or ']' */
	J_NEXT,		/* after ',': an element */
	J_AFTER,	/* after an element: ',' or ']' */
	J_DONE,		/* after ']': only whitespace */
	J_END,
	J_ERR
};

struct jsonin {
	int		 fd;
	size_t		 max;		/* cap on one element */
	char		*blk;		/* read block */
	size_t		 cap, pos, end;
	size_t		 rdsz;		/* bytes asked of each read(2) */
	off_t		 base;		/* input offset of blk[0] */
	off_t		 nread;		/* bytes read from fd, with pre */
	bool		 eof;
	bool		 end_nl;	/* the input read so far ends a line */
	long		 line;		/* line of blk[pos] */
	off_t		 crlf_at;	/* offset of an LF that ends a CRLF */
	enum jstate	 state;
	long		 errline;
	struct cdp_err	 saved;		/* the error, repeated on later calls */
	struct cdp_buf	 el;		/* an element longer than the block */
	bool		 el_long;
	/* where the scan of the current element stands */
	int		 depth;
	bool		 instr, esc;
};

/* CR, LF and CRLF each end one line; at is the byte's input offset. */
static void
newline(struct jsonin *j, char ch, off_t at)
{
	if (ch == '\r') {
		j->line++;
		j->crlf_at = at + 1;
	} else if (at != j->crlf_at)
		j->line++;
}

static int
read_more(struct jsonin *j, size_t at, struct cdp_err *err)
{
	size_t room = j->cap - at;
	ssize_t r;

	do
		r = read(j->fd, j->blk + at, room < j->rdsz ? room : j->rdsz);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		cdp_err_set(err, EX_IOERR, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (r == 0)
		j->eof = true;
	j->nread += r;
	j->end = at + (size_t)r;
	return r > 0;
}

/* Next block, once blk[pos..end) is used up: 1, 0 at the end, -1. */
static int
next_block(struct jsonin *j, struct cdp_err *err)
{
	if (j->end > 0)
		j->end_nl = j->blk[j->end - 1] == '\n' ||
		    j->blk[j->end - 1] == '\r';
	j->base += (off_t)j->end;
	j->pos = j->end = 0;
	if (j->eof)
		return 0;
	return read_more(j, 0, err);
}

/* The next byte that is not JSON whitespace; -1 at the end, -2 error. */
static int
skip_space(struct jsonin *j, struct cdp_err *err)
{
	int r;

	for (;;) {
		for (; j->pos < j->end; j->pos++) {
			char ch = j->blk[j->pos];

			if (ch == '\n' || ch == '\r')
				newline(j, ch, j->base + (off_t)j->pos);
			else if (ch != ' ' && ch != '\t')
				return (unsigned char)ch;
		}
		if ((r = next_block(j, err)) != 1)
			return r == 0 ? -1 : -2;
	}
}

/* The line where the input ended, not counting a final line end. */
static long
eof_line(const struct jsonin *j)
{
	return j->end_nl && j->line > 1 ? j->line - 1 : j->line;
}

static int
fail(struct jsonin *j, struct cdp_err *err, int code, long line,
    const char *msg)
{
	j->state = J_ERR;
	j->errline = line;
	cdp_err_set(&j->saved, code, "%s", msg);
	if (err != NULL)
		*err = j->saved;
	return -1;
}

/*
 * Scan an object, array or string from blk[pos]; the state carries over
 * block ends.  Returns true with pos just past the closing byte.
 */
static bool
scan_value(struct jsonin *j)
{
	const char *b = j->blk;
	size_t i = j->pos, n = j->end;
	int depth = j->depth;
	bool instr = j->instr, esc = j->esc, done = false;
	char ch;

	while (i < n) {
		ch = b[i++];
		if (instr) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"') {
				instr = false;
				if (depth == 0) {
					done = true;
					break;
				}
				continue;
			}
			/* Raw line ends in a string are invalid but still
			 * lines: count them so later numbers stay right. */
			if (ch == '\n' || ch == '\r')
				newline(j, ch, j->base + (off_t)i - 1);
			continue;
		}
		if (ch == '"')
			instr = true;
		else if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']') {
			if (--depth == 0) {
				done = true;
				break;
			}
		} else if (ch == '\n' || ch == '\r')
			newline(j, ch, j->base + (off_t)i - 1);
	}
	j->pos = i;
	j->depth = depth;
	j->instr = instr;
	j->esc = esc;
	return done;
}

/* Scan a number or literal up to ',', ']' or whitespace (not taken). */
static bool
scan_scalar(struct jsonin *j)
{
	const char *b = j->blk;
	size_t i = j->pos;

	for (; i < j->end; i++)
		if (b[i] == ',' || b[i] == ']' || b[i] == ' ' ||
		    b[i] == '\t' || b[i] == '\n' || b[i] == '\r')
			break;
	j->pos = i;
	return i < j->end;
}

/* Copy an element's bytes while it is below the cap; note when not. */
static int
keep(struct jsonin *j, const char *p, size_t n)
{
	size_t room = j->max - j->el.len;

	if (n > room) {
		n = room;
		j->el_long = true;
	}
	return cdp_buf_add(&j->el, p, n);
}

/*
 * The element starting at blk[pos].  It is returned in place when it
 * ends in this block, or gathered in j->el (up to max bytes) otherwise.
 */
static int
read_element(struct jsonin *j, struct cdp_line *el, struct cdp_err *err)
{
	char first = j->blk[j->pos];
	bool scalar = first != '{' && first != '[' && first != '"';
	bool spanning = false, done;
	size_t start = j->pos;
	struct cdp_err e;
	int r;

	el->lineno = j->line;
	el->too_long = false;
	j->depth = 0;
	j->instr = j->esc = false;
	cdp_buf_reset(&j->el);
	j->el_long = false;
	for (;;) {
		done = scalar ? scan_scalar(j) : scan_value(j);
		if (done && !spanning) {
			el->p = j->blk + start;
			el->len = j->pos - start;
			if (el->len > j->max) {
				el->len = j->max;
				el->too_long = true;
			}
			return 1;
		}
		if (keep(j, j->blk + start, j->pos - start) == -1)
			return fail(j, err, EX_OSERR, 0, "out of memory");
		if (done)
			break;
		spanning = true;
		if ((r = next_block(j, &e)) == -1)
			return fail(j, err, e.code, 0, e.msg);
		if (r == 0)
			return fail(j, err, EX_DATAERR, el->lineno,
			    "unexpected end of input");
		start = 0;
	}
	el->p = j->el.p;
	el->len = j->el.len;
	el->too_long = j->el_long;
	return 1;
}

struct jsonin *
jsonin_open(int fd, const char *name, const char *pre, size_t prelen,
    size_t max_bytes, struct cdp_err *err)
{
	struct jsonin *j;

	(void)name;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto nomem;
	j->cap = prelen > JSONIN_BLOCK ? prelen : JSONIN_BLOCK;
	if (j->cap < 2 * sizeof(jsonin_bom))
		j->cap = 2 * sizeof(jsonin_bom);
	if ((j->blk = malloc(j->cap)) == NULL)
		goto nomem;
	if (prelen > 0)
		memcpy(j->blk, pre, prelen);
	j->end = prelen;
	j->nread = (off_t)prelen;
	j->rdsz = JSONIN_BLOCK;
	j->fd = fd;
	j->max = max_bytes ? max_bytes : CDP_MAX_RECORD_BYTES;
	j->line = 1;
	j->crlf_at = -1;
	j->state = J_START;
	return j;
nomem:
	cdp_err_set(err, EX_OSERR, "out of memory");
	jsonin_close(j);
	return NULL;
}

/* Drop a UTF-8 BOM, which may come split over short reads of a pipe. */
static int
skip_bom(struct jsonin *j, struct cdp_err *err)
{
	while (!j->eof && j->end - j->pos < sizeof(jsonin_bom) &&
	    memcmp(j->blk + j->pos, jsonin_bom, j->end - j->pos) == 0)
		if (read_more(j, j->end, err) == -1)
			return -1;
	if (j->end - j->pos >= sizeof(jsonin_bom) &&
	    memcmp(j->blk + j->pos, jsonin_bom, sizeof(jsonin_bom)) == 0)
		j->pos += sizeof(jsonin_bom);
	return 0;
}

int
jsonin_next(struct jsonin *j, struct cdp_line *el, struct cdp_err *err)
{
	struct cdp_err e;
	int ch;

	for (;;) {
		if (j->state == J_ERR) {
			if (err != NULL)
				*err = j->saved;
			return -1;
		}
		if (j->state == J_END)
			return 0;
		if (j->state == J_START && skip_bom(j, &e) == -1)
			return fail(j, err, e.code, 0, e.msg);
		if ((ch = skip_space(j, &e)) == -2)
			return fail(j, err, e.code, 0, e.msg);
		if (ch == -1 && j->state != J_DONE)
			return fail(j, err, EX_DATAERR, eof_line(j),
			    "unexpected end of input");
		switch (j->state) {
		case J_START:
			if (ch != '[')
				return fail(j, err, EX_DATAERR, j->line,
				    "not a JSON array");
			j->pos++;
			j->state = J_FIRST;
			break;
		case J_FIRST:
		case J_NEXT:
			if (ch == ']' && j->state == J_FIRST) {
				j->pos++;
				j->state = J_DONE;
				break;
			}
			if (ch == ',' || ch == ']')
				return fail(j, err, EX_DATAERR, j->line,
				    "expected a value");
			j->state = J_AFTER;
			return read_element(j, el, err);
		case J_AFTER:
			if (ch != ',' && ch != ']')
				return fail(j, err, EX_DATAERR, j->line,
				    "expected ',' or ']'");
			j->pos++;
			j->state = ch == ',' ? J_NEXT : J_DONE;
			break;
		case J_DONE:
			if (ch != -1)
				return fail(j, err, EX_DATAERR, j->line,
				    "trailing data after the array");
			j->state = J_END;
			return 0;
		default:
			return 0;
		}
	}
}

long
jsonin_errline(const struct jsonin *j)
{
	return j->errline;
}

off_t
jsonin_offset(const struct jsonin *j)
{
	return j->nread;
}

void
jsonin_set_read_size(struct jsonin *j, size_t n)
{
	j->rdsz = n;
}

size_t
jsonin_held(const struct jsonin *j)
{
	return j->el.cap;
}

void
jsonin_close(struct jsonin *j)
{
	if (j == NULL)
		return;
	free(j->blk);
	cdp_buf_free(&j->el);
	free(j);
}
