/*
 * csvin.c - CSV and TSV rows pulled one at a time out of libcsv's push
 * parser, each with the physical line where it starts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#include "buf.h"
#include "diag.h"
#include "lines.h"
#include "record.h"

#include "csvin.h"

/* Bytes per read(2); the unit driver overrides it to cross blocks. */
#ifndef CSVIN_BLOCK
#define CSVIN_BLOCK	((size_t)256 << 10)
#endif
/* libcsv grows its field buffer by this much at first, then doubles. */
#define CSVIN_GROW	((size_t)64 << 10)

#define BAD_NUL		"NUL byte in field"
#define BAD_QUOTE	"unterminated quoted field"
#define BAD_LONG	"row longer than --max-record-bytes"

static const unsigned char csvin_bom[3] = { 0xef, 0xbb, 0xbf };

/*
 * The input is handed to libcsv in pieces that end at a CR or LF byte (or
 * at the end of a read block), so every row end libcsv reports comes from
 * the last byte of the current piece.  We count lines on the raw bytes,
 * which makes a row's line exact whatever is quoted, and at most one row
 * completes per piece, so the "queue" of finished rows holds one row.
 */
struct csvin {
	int		  fd;
	struct csv_parser p;
	unsigned char	  opts;
	char		  delim;
	size_t		  max;		/* cap on one row, in input bytes */
	size_t		  grow;		/* libcsv's current growth step */

	char		 *blk;		/* read block */
	size_t		  cap, pos, end;
	size_t		  rdsz;		/* bytes asked of each read(2) */
	size_t		  lf_at, cr_at;	/* next LF/CR at or after pos, or end;
					   SIZE_MAX when not yet searched */
	bool		  started, eof, finished;
	bool		  mem;		/* blk is the caller's (csvin_open_mem) */
	bool		  fast;		/* split unquoted lines here, not in
					   libcsv (CDP_CSV=libcsv: never) */
	int		(*space)(unsigned char);	/* bytes to trim */
	size_t		  q_at;		/* next '"' at or after pos, or end;
					   SIZE_MAX when not yet searched */
	off_t		  nread;	/* bytes read from fd, with pre */
	off_t		  fed;		/* bytes given to libcsv (no BOM) */
	off_t		  nul_end;	/* fed offset past the last block
					   that holds a NUL byte */
	long		  line;		/* line of the next byte to feed */
	bool		  prev_cr;	/* the last byte fed was CR */
	long		  line_next;	/* line and offset just past the */
	off_t		  off_next;	/* piece being parsed */

	/* The row being built: fields in one arena, NUL after each. */
	struct cdp_buf	  arena;
	size_t		 *foff, *flen;
	const char	**fp;
	size_t		  nf, fcap;
	size_t		  rowbytes;	/* kept: field bytes + 1 each */
	long		  row_line;	/* where the next row starts */
	off_t		  row_off;
	const char	 *bad;
	bool		  too_long, unterminated, nomem;
	bool		  ready;	/* a complete row waits */
	bool		  utf8;		/* its fields are known valid UTF-8 */
	bool		  plain;	/* and printable ASCII but '"', '\\' */
	long		  ready_line;
};

/* Space functions: which bytes libcsv may trim around unquoted fields. */
static int
space_none(unsigned char ch)
{
	(void)ch;
	return 0;
}

static int
space_csv(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* A tab is the TSV delimiter, never a space to trim. */
static int
space_tsv(unsigned char ch)
{
	return ch == ' ';
}

/* Nor is a space when it separates the fields. */
static int
space_ssv(unsigned char ch)
{
	return ch == '\t';
}

static int
grow_fields(struct csvin *c)
{
	size_t cap = c->fcap ? c->fcap * 2 : 32;
	size_t *off, *len;
	const char **fp;

	if (cap > SIZE_MAX / sizeof(*off))
		return -1;
	if ((off = realloc(c->foff, cap * sizeof(*off))) == NULL)
		return -1;
	c->foff = off;
	if ((len = realloc(c->flen, cap * sizeof(*len))) == NULL)
		return -1;
	c->flen = len;
	if ((fp = realloc(c->fp, cap * sizeof(*fp))) == NULL)
		return -1;
	c->fp = fp;
	c->fcap = cap;
	return 0;
}

static void
push_field(struct csvin *c, const void *s, size_t len)
{
	if ((c->nf == c->fcap && grow_fields(c) == -1) ||
	    (c->arena.cap - c->arena.len < len + 2 &&
	    cdp_buf_reserve(&c->arena, len + 1) == -1)) {
		c->nomem = true;
		return;
	}
	if (len > 0)
		memcpy(c->arena.p + c->arena.len, s, len);
	c->foff[c->nf] = c->arena.len;
	c->flen[c->nf++] = len;
	c->arena.len += len + 1;
	c->arena.p[c->arena.len - 1] = '\0';
	c->arena.p[c->arena.len] = '\0';
	c->rowbytes += len + 1;
}

/*
 * The row went over the cap while holding field s (len bytes, possibly a
 * prefix of it): keep what fits, so that the kept prefix is the same
 * however the input was cut into blocks.
 */
static void
row_too_long(struct csvin *c, const void *s, size_t len)
{
	size_t room = c->max - c->rowbytes;

	if (room > 1)
		push_field(c, s, len < room - 1 ? len : room - 1);
	c->too_long = true;
}

/* libcsv's field callback: keep the field, up to the row's byte cap. */
static void
on_field(void *s, size_t len, void *data)
{
	struct csvin *c = data;

	if (c->too_long || c->nomem)
		return;
	/* A field costs its bytes and one for its delimiter. */
	if (len >= c->max - c->rowbytes) {
		row_too_long(c, s, len);
		return;
	}
	/* A NUL can only be field data; look for it when one was read. */
	if (c->bad == NULL && c->nul_end > c->row_off &&
	    memchr(s, '\0', len) != NULL)
		c->bad = BAD_NUL;
	push_field(c, s, len);
}

/*
 * A row of one unquoted field made of spaces and tabs is a blank line:
 * libcsv trims it away with --trim, and without it the field spans the
 * whole line (a quoted field would be two bytes shorter than its line).
 */
static bool
blank_row(const struct csvin *c, off_t rawlen)
{
	const char *s = c->arena.p;

	if (c->nf != 1 || (off_t)c->flen[0] != rawlen)
		return false;
	for (size_t i = 0; i < c->flen[0]; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static void
clear_row(struct csvin *c)
{
	c->nf = 0;
	c->rowbytes = 0;
	cdp_buf_reset(&c->arena);
	c->bad = NULL;
	c->ready = false;
	c->utf8 = c->plain = false;
}

/*
 * libcsv's row callback.  ch is the CR or LF that ended the row, the last
 * byte of the piece, or -1 at the end of input.  With CSV_REPALL_NL an
 * empty line (or the LF of a CRLF) comes as a row without fields.
 */
static void
on_row(int ch, void *data)
{
	struct csvin *c = data;
	off_t rawlen = (ch == -1 ? c->off_next : c->off_next - 1) - c->row_off;

	if (c->nomem)
		return;
	if (!c->too_long && !c->unterminated &&
	    (c->nf == 0 || blank_row(c, rawlen)))
		clear_row(c);
	else {
		if ((uintmax_t)rawlen > c->max)
			c->too_long = true;
		if (c->too_long)
			c->bad = BAD_LONG;
		if (c->unterminated)
			c->bad = BAD_QUOTE;
		c->too_long = false;
		c->ready = true;
		c->ready_line = c->row_line;
	}
	c->row_line = c->line_next;
	c->row_off = c->off_next;
}

/*
 * After a piece, bound memory: once the row in progress passes the cap,
 * keep what fits of the field libcsv is building and from then on let
 * libcsv only track quoting.  Shrinking entry_pos (with spaces 0, so that
 * its "entry_pos -= spaces + 1" stays >= 0) drops the bytes it holds;
 * this relies on libcsv 3's public struct csv_parser.
 */
static void
bound_row(struct csvin *c)
{
	struct csv_parser *p = &c->p;
	size_t sure;

	/*
	 * Of the bytes libcsv holds, trailing spaces and a closing quote may
	 * still be cut: judge on the rest, so that the verdict and the kept
	 * prefix match those of on_field().  Only a run of spaces longer
	 * than the cap is cut short here.
	 */
	sure = p->entry_pos > p->spaces ? p->entry_pos - p->spaces - 1 : 0;
	if (!c->too_long && (sure >= c->max - c->rowbytes ||
	    p->spaces >= c->max))
		row_too_long(c, p->entry_buf, sure);
	if (c->too_long) {
		if (p->entry_pos > 1)
			p->entry_pos = 1;
		p->spaces = 0;
	}
	/* libcsv grows by a fixed step: double it to keep growth linear. */
	if (csv_get_buffer_size(p) > c->grow) {
		c->grow = csv_get_buffer_size(p);
		csv_set_blk_size(p, c->grow);
	}
}

static size_t
find_byte(const char *b, size_t from, size_t end, char ch)
{
	const char *q = memchr(b + from, ch, end - from);

	return q != NULL ? (size_t)(q - b) : end;
}

/* Field d[i..e) of the row, its ends trimmed, ended by a NUL. */
static inline int
keep_field(struct csvin *c, char *d, size_t i, size_t e)
{
	int (*sp)(unsigned char) = c->space;

	if (sp != space_none) {
		while (i < e && sp((unsigned char)d[i]))
			i++;
		while (e > i && sp((unsigned char)d[e - 1]))
			e--;
	}
	if (c->nf == c->fcap && grow_fields(c) == -1)
		return -1;
	c->foff[c->nf] = i;
	c->flen[c->nf++] = e - i;
	c->rowbytes += e - i + 1;
	d[e] = '\0';
	return 0;
}

/*
 * libcsv's reading of a whole line s[0..n) with no quote in it, from the
 * start of a row: the fields the delimiters split, each without the
 * bytes c->space() trims at its ends; no field at all when every byte
 * is one to trim (an empty line, or spaces under --trim).  The line is
 * copied once into the arena (with room for a vector load past its
 * end), each field ended by a NUL written over its delimiter or first
 * trimmed byte.  A line that could go over the row cap goes to
 * on_field() field by field, which keeps its prefix.
 */
static int
fast_row(struct csvin *c, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *q;
	size_t a, e, i;
	char *d;

	for (a = 0; a < n && c->space(u[a]); a++)
		;
	if (a == n)
		return 0;
	/* Fields and their NULs take at most n + 1 bytes of the cap. */
	if (n + 1 >= c->max) {
		i = 0;
		do {
			q = memchr(s + i, c->delim, n - i);
			e = q != NULL ? (size_t)(q - s) : n;
			for (a = i; a < e && c->space(u[a]); a++)
				;
			while (e > a && c->space(u[e - 1]))
				e--;
			on_field((void *)(s + a), e - a, c);
			i = q != NULL ? (size_t)(q - s) + 1 : n;
		} while (q != NULL);
		return c->nomem ? -1 : 0;
	}
	if (cdp_buf_reserve(&c->arena, n + 17) == -1)
		return -1;
	d = c->arena.p;
	memcpy(d, s, n);
	d[n] = d[n + 1] = '\0';
	c->arena.len = n + 1;
	if (c->nul_end > c->row_off && memchr(s, '\0', n) != NULL)
		c->bad = BAD_NUL;
	/* Split at ASCII bytes, a valid line has valid fields. */
	c->utf8 = cdp_utf8_valid(s, n);
	i = 0;
#if defined(__SSE2__) && defined(__GNUC__)
	{
		const __m128i dl = _mm_set1_epi8(c->delim);
		const __m128i bs = _mm_set1_epi8('\\');
		const __m128i c20 = _mm_set1_epi8(0x20);
		__m128i x, at;
		unsigned bits, esc = 0, keep;

		for (size_t p = 0; p < n; p += 16) {
			x = _mm_loadu_si128((const __m128i *)(const void *)
			    (d + p));
			at = _mm_cmpeq_epi8(x, dl);
			bits = (unsigned)_mm_movemask_epi8(at);
			/* Signed, below 0x20 is a control or not ASCII. */
			keep = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(at,
			    _mm_or_si128(_mm_cmpeq_epi8(x, bs),
			    _mm_cmplt_epi8(x, c20))));
			if (n - p < 16) {
				bits &= (1u << (n - p)) - 1;
				keep &= (1u << (n - p)) - 1;
			}
			esc |= keep;
			for (; bits != 0; bits &= bits - 1) {
				e = p + (size_t)__builtin_ctz(bits);
				if (keep_field(c, d, i, e) == -1)
					return -1;
				i = e + 1;
			}
		}
		c->plain = esc == 0;
	}
#else
	while ((q = memchr(d + i, c->delim, n - i)) != NULL) {
		e = (size_t)(q - d);
		if (keep_field(c, d, i, e) == -1)
			return -1;
		i = e + 1;
	}
#endif
	return keep_field(c, d, i, n);
}

/*
 * Whether the line from pos to the terminator at t can skip libcsv: it
 * starts a row (libcsv's state is that of a row not begun, 0 in libcsv 3)
 * and holds no quote character.
 */
static bool
can_split(struct csvin *c, size_t t)
{
	if (!c->fast || c->p.pstate != 0 || c->p.entry_pos != 0 || c->nf != 0)
		return false;
	if (c->q_at == SIZE_MAX || c->q_at < c->pos)
		c->q_at = find_byte(c->blk, c->pos, c->end, '"');
	return c->q_at > t;
}

/* Parse the next piece of the block: up to a CR or LF, or to its end. */
static int
feed_piece(struct csvin *c)
{
	const char *b = c->blk;
	size_t t, n;

	if (c->lf_at == SIZE_MAX || c->lf_at < c->pos)
		c->lf_at = find_byte(b, c->pos, c->end, '\n');
	if (c->cr_at == SIZE_MAX || c->cr_at < c->pos)
		c->cr_at = find_byte(b, c->pos, c->end, '\r');
	t = c->lf_at < c->cr_at ? c->lf_at : c->cr_at;
	n = t < c->end ? t - c->pos + 1 : c->end - c->pos;
	/* CR, LF and CRLF end a line; the LF of a CRLF is a piece alone. */
	c->line_next = c->line;
	if (t < c->end && !(b[t] == '\n' && n == 1 && c->prev_cr))
		c->line_next++;
	c->off_next = c->fed + (off_t)n;
	if (t < c->end && can_split(c, t)) {
		if (fast_row(c, b + c->pos, t - c->pos) == -1)
			return -1;
		on_row((unsigned char)b[t], c);
	} else if (csv_parse(&c->p, b + c->pos, n, on_field, on_row, c) !=
	    n || c->nomem)
		return -1;
	c->prev_cr = b[c->pos + n - 1] == '\r';
	c->pos += n;
	c->line = c->line_next;
	c->fed = c->off_next;
	if (!c->ready)
		bound_row(c);
	return 0;
}

static ssize_t
read_into(struct csvin *c, char *dst, size_t n, struct cdp_err *err)
{
	ssize_t r;

	do
		r = read(c->fd, dst, n);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		cdp_err_set(err, EX_IOERR, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (r == 0)
		c->eof = true;
	c->nread += r;
	return r;
}

static void
note_nul(struct csvin *c)
{
	if (memchr(c->blk + c->pos, '\0', c->end - c->pos) != NULL)
		c->nul_end = c->fed + (off_t)(c->end - c->pos);
}

static int
fill_block(struct csvin *c, struct cdp_err *err)
{
	ssize_t r;

	c->pos = c->end = 0;
	c->lf_at = c->cr_at = c->q_at = SIZE_MAX;
	if ((r = read_into(c, c->blk, c->rdsz, err)) == -1)
		return -1;
	c->end = (size_t)r;
	note_nul(c);
	return 0;
}

/* Drop a UTF-8 BOM, which may come split over short reads of a pipe. */
static int
start_input(struct csvin *c, struct cdp_err *err)
{
	ssize_t r;
	size_t room;

	while (!c->eof && c->end - c->pos < sizeof(csvin_bom) &&
	    memcmp(c->blk + c->pos, csvin_bom, c->end - c->pos) == 0) {
		room = c->cap - c->end;
		if ((r = read_into(c, c->blk + c->end,
		    room < c->rdsz ? room : c->rdsz, err)) == -1)
			return -1;
		c->end += (size_t)r;
	}
	if (c->end - c->pos >= sizeof(csvin_bom) &&
	    memcmp(c->blk + c->pos, csvin_bom, sizeof(csvin_bom)) == 0)
		c->pos += sizeof(csvin_bom);
	note_nul(c);
	c->started = true;
	return 0;
}

/*
 * End of input: flush the last row.  csv_fini() reports an open quote
 * only in strict mode, which would also reject stray quotes in unquoted
 * fields, so strict mode is turned on for this one call; if it fails,
 * the row is flushed again without it and marked.
 */
static int
finish_input(struct csvin *c)
{
	c->line_next = c->line;
	c->off_next = c->fed;
	csv_set_opts(&c->p, c->opts | CSV_STRICT | CSV_STRICT_FINI);
	if (csv_fini(&c->p, on_field, on_row, c) == -1 &&
	    csv_error(&c->p) == CSV_EPARSE) {
		c->unterminated = true;
		csv_set_opts(&c->p, c->opts);
		csv_fini(&c->p, on_field, on_row, c);
	}
	c->finished = true;
	return c->nomem ? -1 : 0;
}

struct csvin *
csvin_open(int fd, const char *name, const char *pre, size_t prelen,
    char delim, bool trim, size_t max_row_bytes, struct cdp_err *err)
{
	struct csvin *c;
	const char *e;

	(void)name;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->cap = prelen > CSVIN_BLOCK ? prelen : CSVIN_BLOCK;
	if (c->cap < 2 * sizeof(csvin_bom))
		c->cap = 2 * sizeof(csvin_bom);
	if ((c->blk = malloc(c->cap)) == NULL)
		goto nomem;
	if (prelen > 0)
		memcpy(c->blk, pre, prelen);
	c->end = prelen;
	c->nread = (off_t)prelen;
	c->rdsz = CSVIN_BLOCK;
	c->lf_at = c->cr_at = c->q_at = SIZE_MAX;
	c->fd = fd;
	c->delim = delim;
	c->max = max_row_bytes ? max_row_bytes : CDP_MAX_RECORD_BYTES;
	c->line = c->row_line = 1;
	c->opts = CSV_REPALL_NL;
	if (csv_init(&c->p, c->opts) != 0)
		goto nomem;
	csv_set_delim(&c->p, (unsigned char)delim);
	c->space = !trim ? space_none : delim == '\t' ? space_tsv :
	    delim == ' ' ? space_ssv : space_csv;
	csv_set_space_func(&c->p, c->space);
	c->fast = (e = getenv("CDP_CSV")) == NULL || strcmp(e, "libcsv") != 0;
	c->grow = CSVIN_GROW;
	csv_set_blk_size(&c->p, c->grow);
	return c;
nomem:
	cdp_err_set(err, EX_OSERR, "out of memory");
	csvin_close(c);
	return NULL;
}

struct csvin *
csvin_open_mem(const char *p, size_t n, char delim, bool trim,
    size_t max_row_bytes, struct cdp_err *err)
{
	struct csvin *c;

	if ((c = csvin_open(-1, NULL, NULL, 0, delim, trim, max_row_bytes,
	    err)) == NULL)
		return NULL;
	free(c->blk);
	c->blk = (char *)p;
	c->mem = true;
	c->cap = c->end = n;
	c->nread = (off_t)n;
	c->eof = true;
	c->started = true;
	note_nul(c);
	return c;
}

void
csvin_first_line(struct csvin *c, long line)
{
	c->line = c->row_line = line;
}

int
csvin_next(struct csvin *c, struct csv_row *row, struct cdp_err *err)
{
	if (c->ready)
		clear_row(c);
	if (!c->started && start_input(c, err) == -1)
		return -1;
	while (!c->ready) {
		if (c->pos < c->end) {
			if (feed_piece(c) == -1)
				goto nomem;
		} else if (!c->eof) {
			if (fill_block(c, err) == -1)
				return -1;
		} else if (!c->finished) {
			if (finish_input(c) == -1)
				goto nomem;
		} else
			return 0;
	}
	for (size_t i = 0; i < c->nf; i++)
		c->fp[i] = c->arena.p + c->foff[i];
	row->n = c->nf;
	row->f = c->fp;
	row->len = c->flen;
	row->line = c->ready_line;
	row->bad = c->bad;
	row->utf8 = c->utf8;
	row->plain = c->plain;
	return 1;
nomem:
	cdp_err_set(err, EX_OSERR, "out of memory");
	return -1;
}

static bool
needs_quotes(const char *s, size_t n, char delim)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			return true;
	return false;
}

int
csvin_raw(const struct csvin *c, const struct csv_row *row,
    struct cdp_buf *out)
{
	const char *s, *q;
	size_t n;

	/* Text even for a row of no fields. */
	if (cdp_buf_add(out, "", 0) == -1)
		return -1;
	for (size_t i = 0; i < row->n; i++) {
		s = row->f[i];
		n = row->len[i];
		if (i > 0 && cdp_buf_addc(out, c->delim) == -1)
			return -1;
		if (!needs_quotes(s, n, c->delim)) {
			if (cdp_buf_add(out, s, n) == -1)
				return -1;
			continue;
		}
		if (cdp_buf_addc(out, '"') == -1)
			return -1;
		/* RFC 4180: a quote inside a quoted field is doubled. */
		while ((q = memchr(s, '"', n)) != NULL) {
			if (cdp_buf_add(out, s, (size_t)(q - s) + 1) == -1 ||
			    cdp_buf_addc(out, '"') == -1)
				return -1;
			n -= (size_t)(q - s) + 1;
			s = q + 1;
		}
		if (cdp_buf_add(out, s, n) == -1 ||
		    cdp_buf_addc(out, '"') == -1)
			return -1;
	}
	return 0;
}

off_t
csvin_offset(const struct csvin *c)
{
	return c->nread;
}

void
csvin_set_read_size(struct csvin *c, size_t n)
{
	c->rdsz = n;
}

void
csvin_force_libcsv(struct csvin *c)
{
	c->fast = false;
}

size_t
csvin_held(const struct csvin *c)
{
	return csv_get_buffer_size((struct csv_parser *)&c->p) + c->arena.cap;
}

void
csvin_close(struct csvin *c)
{
	if (c == NULL)
		return;
	csv_free(&c->p);
	if (!c->mem)
		free(c->blk);
	cdp_buf_free(&c->arena);
	free(c->foff);
	free(c->flen);
	free(c->fp);
	free(c);
}
