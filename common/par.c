/*
 * par.c - parallel blocks: the main thread reads and writes, worker
 * threads parse, fold lanes and finish blocks.  See par.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "lines.h"
#include "mapin.h"
#include "par.h"
#include "progress.h"
#include "record.h"
#include "simd.h"
#include "xalloc.h"

#define STAGE_READ	((size_t)256 << 10)	/* bytes per read(2) */
#define NONE		SIZE_MAX
#define WORKER_STACK	((size_t)2 << 20)	/* under --max-memory */
/* Written pages of a mapped input are given back this many at a time, as
 * cdp_lines does: each madvise() interrupts the workers' CPUs to flush
 * their TLBs (a block's worth at a time, 1.5% of a run's CPU went to it). */
#define DROP_STEP	((size_t)1 << 20)

enum state { FREE, READ, PARSING, PARSED, FINISHING, DONE };

struct par;

/* A block with what the engine keeps of it (b first: a block is its
 * slot). */
struct slot {
	/* its own cache lines: a worker counts in b for every record */
	_Alignas(128) struct cdp_par_block b;
	struct par		*par;
	enum state		 st;
	char			*buf;
	size_t			 cap;
	/* the mapped input the block is of (rd_map()), or NULL; in_map: the
	 * block is read in place there */
	const char		*map;
	size_t			 mapsize;
	bool			 in_map;
	int			 lanes_done;
	size_t			*evp;	/* writing: where each event list is */
	off_t			 end;	/* input bytes used after it */
	long			 line0;	/* the input's first line number */
	long			 fail_line;	/* from a lane; LONG_MAX: none */
	int			 fail_code;
	char			*fail_msg;
};

/* An event of a block: its header, then why and raw bytes. */
enum { EV_REJECT, EV_NOTE, EV_FAIL };

struct event {
	int			kind;
	int			code;
	long			line;
	size_t			off;	/* channel 0's length then */
	struct cdp_par_count	n;	/* the block's counts then */
	size_t			why_len, raw_len;
};

/* Where the reader is in the current input. */
struct reader {
	struct cdp_par_input	 in;
	bool			 open;	/* in holds an input being read */
	bool			 eof;	/* its descriptor is drained */
	bool			 started;	/* BOM checked */
	bool			 skipping;	/* dropping a too long line */
	char			*stage;
	size_t			 cap, pos, end;
	const char		*pre;	/* in.pre not yet staged */
	size_t			 prelen;
	off_t			 used;	/* bytes of fd taken out of stage */
	long			 line;	/* line number of stage[pos] */
	int			 input;
	int			 nfile;	/* next of files[] to open */
	bool			 first;	/* the next block is the input's
					   first */
	/* stage[pos, scan) was searched: its last LF ends at lastnl (lines),
	 * or leaves libcsv in cstate (CSV) */
	size_t			 scan, lastnl;
	int			 cstate;
	int			 ninputs;
	size_t			 target;	/* bytes wanted per block */
	uint64_t		 rnd;	/* CDP_PAR_BLOCK=rand:SEED */
	/* the input mapped (map != NULL): stage is map, its buffer kept in
	 * own while the input lasts */
	char			*map;
	size_t			 mapsize;
	char			*own;
	bool			 nomap;	/* --max-memory */
};

struct par {
	const struct cdp_par_prog *prog;
	const struct cdp_common_opts *c;
	struct cdp_acct		*acct;
	struct cdp_par_info	*info;
	char			**files;
	int			 nfiles;
	size_t			 max;	/* --max-record-bytes */
	int			 nthreads;
	struct slot		*slots;
	size_t			 nslots;
	uint64_t		 nread;	/* blocks read */
	uint64_t		 nwritten;	/* blocks written */
	bool			 input_done;
	uint64_t		*lane_next;
	bool			*lane_busy;
	bool			 stop;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work, main;
	struct reader		 rd;
	struct cdp_progress	 progress;
	struct cdp_progress	*bar;	/* progress, or the program's */
	off_t			 done;	/* bytes of the finished inputs */
	/* the mapped input whose pages written blocks gave back, and up to
	 * where (main thread) */
	const char		*drop_map;
	size_t			 drop_to;
	/* block_lines: the line number of the next block written, unless it
	 * starts an input (main thread) */
	long			 wline;
	bool			 block_lines;
};

/*
 * Workers' own state, each on cache lines of its own: a worker writes its
 * record's index for every line, and a neighbour sharing a line would
 * have it taken away each time (it cost the threads half as much again
 * as one thread's work).  128 bytes: a line and the one fetched with it.
 */
struct worker {
	_Alignas(128) struct par *par;
	int			 id;
	struct cdp_rec		 rec;
	pthread_t		 th;
};

/*
 * Under --max-memory the blocks in flight may take a quarter of the limit:
 * fewer threads when more would not fit (each adds two blocks of about
 * four times the block size and a stack, the run two blocks more), one
 * thread's code when two do not.
 */
static int
mem_threads(const struct cdp_common_opts *c, int n)
{
	size_t slot = 4 * CDP_PAR_BLOCK, room = c->max_memory / 4;

	if (c->max_memory == 0)
		return n;
	while (n >= 2 && (size_t)n * (2 * slot + WORKER_STACK) + 2 * slot >
	    room)
		n--;
	return n;
}

int
cdp_par_threads(const struct cdp_common_opts *c, bool *asked)
{
	const char *e = getenv("CDP_THREADS");
	long n;

	*asked = false;
	if (c->unbuffered)
		return 1;
	if (c->threads > 0) {
		*asked = true;
		return mem_threads(c, c->threads);
	}
	if (e != NULL && *e != '\0') {
		if (cdp_parse_long(e, 1, CDP_PAR_MAXTHREADS, &n) == -1)
			cdp_die(EX_USAGE, NULL, 0, "CDP_THREADS: expected a "
			    "number from 1 to %d", CDP_PAR_MAXTHREADS);
		*asked = true;
		return mem_threads(c, (int)n);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return mem_threads(c, n < 1 ? 1 : n > CDP_PAR_MAXTHREADS ?
	    CDP_PAR_MAXTHREADS : (int)n);
}

/* ---- block contents ---- */

void
cdp_par_put(struct cdp_par_block *b, int chan, const void *p, size_t n)
{
	if (cdp_buf_add(&b->out[chan], p, n) == -1)
		cdp_oom(n);
}

static void
add_event(struct cdp_par_block *b, int kind, int code, long line,
    const char *why, size_t wn, const char *raw, size_t rn)
{
	struct event e = { kind, code, line, b->out ? b->out[0].len : 0,
	    b->n, wn, rn };

	if (cdp_buf_add(&b->ev, &e, sizeof(e)) == -1 ||
	    cdp_buf_add(&b->ev, why, wn) == -1 ||
	    cdp_buf_add(&b->ev, raw, rn) == -1)
		cdp_oom(0);
}

void
cdp_par_reject(struct cdp_par_block *b, long line, const char *why,
    const char *raw, size_t rawlen)
{
	add_event(b, EV_REJECT, EX_DATAERR, line, why, strlen(why), raw,
	    rawlen);
}

void
cdp_par_lane_reject(struct cdp_par_block *b, int lane, long line,
    const char *why, const char *raw, size_t rawlen)
{
	struct event e = { EV_REJECT, EX_DATAERR, line, NONE, b->n,
	    strlen(why), rawlen };
	struct cdp_buf *eb = &b->lev[lane];

	if (cdp_buf_add(eb, &e, sizeof(e)) == -1 ||
	    cdp_buf_add(eb, why, e.why_len) == -1 ||
	    cdp_buf_add(eb, raw, rawlen) == -1)
		cdp_oom(0);
}

void
cdp_par_note(struct cdp_par_block *b, const char *text, size_t n)
{
	add_event(b, EV_NOTE, 0, 0, "", 0, text, n);
}

void
cdp_par_fail(struct cdp_par_block *b, long line, int code, const char *msg)
{
	struct slot *s = (struct slot *)(void *)b;

	pthread_mutex_lock(&s->par->mu);
	if (s->st == PARSING) {
		/* The block's own worker: in order with its rejects. */
		add_event(b, EV_FAIL, code, line, msg, strlen(msg), "", 0);
	} else if (line < s->fail_line) {
		/* A lane: the earliest line of any lane wins. */
		free(s->fail_msg);
		s->fail_msg = cdp_xstrdup(msg);
		s->fail_line = line;
		s->fail_code = code;
	}
	pthread_mutex_unlock(&s->par->mu);
}

void
cdp_par_account(const struct cdp_par_info *info, struct cdp_acct *a)
{
	int i = 0;

	if (!info->asked || info->threads < 2)
		return;
	while (i < CDP_ACCT_MAXEXTRA - 3 && a->extra[i].name != NULL)
		i++;
	a->extra[i].name = "threads";
	a->extra[i++].n = (unsigned long long)info->threads;
	a->extra[i].name = "blocks";
	a->extra[i++].n = info->blocks;
	a->extra[i].name = "block_bytes";
	a->extra[i].n = info->bytes;
}

/* ---- the reader (main thread) ---- */

static void
rd_consume(struct reader *r, size_t n)
{
	r->pos += n;
	r->used += (off_t)n;
	r->scan = r->pos;
	r->lastnl = NONE;
	r->cstate = 0;
}

/*
 * Read more of the input after the staged bytes, about more bytes (a
 * block's worth, so that a block leaves little to carry to the next);
 * sets eof at its end.  One byte of room is always left after them.
 */
static void
rd_fill(struct par *par, size_t more)
{
	struct reader *r = &par->rd;
	size_t n;
	ssize_t k;

	if (r->pos > 0) {
		memmove(r->stage, r->stage + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->scan -= r->pos;
		if (r->lastnl != NONE)
			r->lastnl -= r->pos;
		r->pos = 0;
	}
	if (more < STAGE_READ)
		more = STAGE_READ;
	if (r->cap - r->end <= more) {
		r->cap = r->end + more + STAGE_READ;
		r->stage = cdp_xreallocarray(r->stage, r->cap, 1);
	}
	if (r->prelen > 0) {
		n = r->prelen < more ? r->prelen : more;
		memcpy(r->stage + r->end, r->pre, n);
		r->pre += n;
		r->prelen -= n;
		r->end += n;
		return;
	}
	do
		k = read(r->in.fd, r->stage + r->end, more);
	while (k == -1 && errno == EINTR);
	if (k == -1)
		cdp_die(EX_IOERR, r->in.name, 0, "read error: %s",
		    strerror(errno));
	if (k == 0)
		r->eof = true;
	r->end += (size_t)k;
}

/*
 * Map a regular input file of size bytes (not under --max-memory, which
 * caps the address space; see cdp_map_input()): its blocks are then read
 * in place, without read(2)'s copy on the main thread.
 */
static void
rd_map(struct par *par, int fd, off_t size, const char *path)
{
	struct reader *r = &par->rd;

	if (r->nomap ||
	    (r->map = (char *)(uintptr_t)cdp_map_input(fd, size, 1, path)) ==
	    NULL)
		return;
	r->mapsize = (size_t)size;
}

/* The default inputs: files[] opened as cdp_lines_open() does. */
static int
rd_open_file(struct par *par, struct cdp_par_input *in)
{
	const char *path;
	struct stat st;
	int fd;

	if (par->rd.nfile >= par->nfiles)
		return 0;
	path = par->files[par->rd.nfile++];
	*in = (struct cdp_par_input){ .fd = STDIN_FILENO, .name = "<stdin>",
	    .line = 1, .bom = true };
	if (strcmp(path, "-") == 0)
		return 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	if (fstat(fd, &st) == -1)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode))
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(EISDIR));
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	in->fd = fd;
	in->name = path;
	if (S_ISREG(st.st_mode))
		rd_map(par, fd, st.st_size, path);
	return 1;
}

/* The size of the next block: CDP_PAR_BLOCK, or the test knob. */
static size_t
rd_target(struct reader *r)
{
	if (r->rnd == 0)
		return r->target;
	r->rnd ^= r->rnd << 13;
	r->rnd ^= r->rnd >> 7;
	r->rnd ^= r->rnd << 17;
	return 1 + (size_t)(r->rnd % r->target);
}

/*
 * CSV: libcsv's quoting, only as far as it decides where rows end (its
 * csv_parse() states, with the spaces it trims before a quote).  A CR
 * or LF ends a row unless a quoted field is open.
 */
enum { C_NONE, C_PLAIN, C_QUOTED, C_CLOSED, C_CLOSED_SP };

static bool
csv_space(char delim, bool trim, unsigned char c)
{
	if (!trim)
		return false;
	if (delim == '\t')
		return c == ' ';
	if (delim == ' ')
		return c == '\t';
	return c == ' ' || c == '\t';
}

/*
 * The state after s[k, p) from state q (C_NONE or C_PLAIN), when no quote
 * lies there: that of the last byte that is not a space trimmed before
 * a field (a delimiter, CR or LF: C_NONE; anything else: C_PLAIN), or q.
 */
static int
csv_unquoted(const unsigned char *s, size_t k, size_t p, char delim,
    bool trim, int q)
{
	unsigned char d = (unsigned char)delim;

	while (p > k) {
		unsigned c = s[--p];

		if (csv_space(delim, trim, (unsigned char)c) && c != d)
			continue;
		return c == d || c == '\r' || c == '\n' ? C_NONE : C_PLAIN;
	}
	return q;
}

/*
 * Scan s[*i, end) from state *st: the place after the first LF at or
 * after want that ends a row, or 0 (*i and *st then where it stopped).
 * Outside quotes, only the next quote can open one: up to it, the first
 * LF at or after want ends a row, and the state at the quote follows
 * from the bytes just before it.
 */
static size_t
csv_scan(const unsigned char *s, size_t *i, size_t end, size_t want,
    char delim, bool trim, int *st)
{
	unsigned char d = (unsigned char)delim;
	size_t k = *i, p, from;
	const unsigned char *lf;
	int q = *st;

	for (; k < end; k++) {
		unsigned c;

		if (q == C_NONE || q == C_PLAIN) {
			lf = memchr(s + k, '"', end - k);
			p = lf != NULL ? (size_t)(lf - s) : end;
			from = k > want ? k : want;
			if (from < p && (lf = memchr(s + from, '\n',
			    p - from)) != NULL) {
				*i = (size_t)(lf - s) + 1;
				*st = C_NONE;
				return *i;
			}
			q = csv_unquoted(s, k, p, delim, trim, q);
			if ((k = p) == end)
				break;
		}
		c = s[k];
		if (q == C_QUOTED) {
			const void *p = memchr(s + k, '"', end - k);

			if (p == NULL) {
				k = end;
				break;
			}
			k = (size_t)((const unsigned char *)p - s);
			q = C_CLOSED;
			continue;
		}
		if (c == '\r' || c == '\n') {
			q = C_NONE;
			if (c == '\n' && k >= want) {
				*i = k + 1;
				*st = q;
				return k + 1;
			}
			continue;
		}
		switch (q) {
		case C_NONE:
			if (csv_space(delim, trim, (unsigned char)c) && c != d)
				break;
			q = c == d ? C_NONE : c == '"' ? C_QUOTED : C_PLAIN;
			break;
		case C_PLAIN:
			if (c == d)
				q = C_NONE;
			break;
		default:	/* a quote closed the field, or doubled it */
			if (c == d)
				q = C_NONE;
			else if (csv_space(delim, trim, (unsigned char)c))
				q = C_CLOSED_SP;
			else if (c == '"' && q == C_CLOSED_SP)
				q = C_CLOSED;
			else
				q = C_QUOTED;
			break;
		}
	}
	*i = k;
	*st = q;
	return 0;
}

size_t
cdp_par_csv_row_end(const char *p, size_t n, char delim, bool trim)
{
	size_t i = 0;
	int st = C_NONE;

	return csv_scan((const unsigned char *)p, &i, n, 0, delim, trim, &st);
}

/* The first row end at or after want in the staged bytes, or 0. */
static size_t
csv_cut(struct par *par, size_t want)
{
	struct reader *r = &par->rd;

	return csv_scan((const unsigned char *)r->stage, &r->scan, r->end, want,
	    par->prog->csv, par->prog->csv_trim, &r->cstate);
}

long
cdp_par_count_lines(const char *p, size_t n, bool csv)
{
	enum cdp_simd level = cdp_simd_cpu();
	size_t lf = cdp_simd_count(level, p, n, '\n'), cr;
	const char *q, *end = p + n;

	if (!csv || (cr = cdp_simd_count(level, p, n, '\r')) == 0)
		return (long)lf;
	for (q = p; (q = memchr(q, '\r', (size_t)(end - q))) != NULL; q++)
		if (q + 1 < end && q[1] == '\n')
			cr--;
	return (long)(lf + cr);
}

/*
 * The n staged bytes at pos into slot s as its block.  The stage itself
 * becomes the block (no copy of the input) and the slot's old buffer the
 * stage, with the bytes after the block; a line cut short is copied.
 */
static void
rd_take(struct par *par, struct slot *s, size_t n, bool cut)
{
	struct reader *r = &par->rd;
	size_t rest = r->end - r->pos - n, cap;
	char *old;

	s->b.len = n;
	s->b.cut = cut;
	s->b.line = par->block_lines ? 1 : r->line;
	s->line0 = r->line;
	s->b.file = r->in.name;
	s->b.src = r->in.src != NULL ? r->in.src : r->in.name;
	s->b.input = r->input;
	s->b.first = r->first;
	r->first = false;
	s->map = r->map;
	s->mapsize = r->mapsize;
	/* the last block is copied, as from read(2), and NUL-terminated */
	s->in_map = r->map != NULL && !cut &&
	    r->pos + n + CDP_MAP_TAIL <= r->end;
	if (s->in_map) {
		/* read in place: the input's bytes go on after it */
		s->b.p = r->stage + r->pos;
		r->pos += n;
		r->scan = r->pos;
		r->lastnl = NONE;
		r->cstate = 0;
		return;
	}
	if (cut || r->map != NULL) {
		if (s->cap < n + 1) {
			free(s->buf);
			s->cap = n + 1;
			s->buf = cdp_xmalloc(s->cap);
		}
		if (n > 0)
			memcpy(s->buf, r->stage + r->pos, n);
		s->buf[n] = '\0';
		s->b.p = s->buf;
		r->pos += n;
		r->scan = r->pos;
		r->lastnl = NONE;
		if (!cut)
			r->cstate = 0;
		return;
	}
	cap = rest + r->target + 2 * STAGE_READ;
	old = s->buf;
	if (s->cap < cap) {
		free(old);
		old = cdp_xmalloc(cap);
	} else
		cap = s->cap;
	memcpy(old, r->stage + r->pos + n, rest);
	s->buf = r->stage;
	s->cap = r->cap;
	s->b.p = s->buf + r->pos;
	s->buf[r->pos + n] = '\0';
	r->stage = old;
	r->cap = cap;
	r->pos = r->scan = 0;
	r->end = rest;
	r->lastnl = NONE;
	r->cstate = 0;
}

/* The place after the last LF in stage[from, to), or NONE. */
static size_t
last_lf(const char *stage, size_t from, size_t to)
{
	while (to > from)
		if (stage[--to] == '\n')
			return to + 1;
	return NONE;
}

/*
 * Lines: the place after the first LF at or after want, or 0 when more
 * bytes are needed.  A line that grows past the cap with no end in
 * sight is given as its first bytes alone (the lines before it first),
 * and the rest dropped, as cdp_lines does: *cut is set then.
 */
static size_t
lines_cut(struct par *par, size_t want, bool *cut)
{
	struct reader *r = &par->rd;
	size_t from = r->scan > want ? r->scan : want, last;
	const char *nl;

	if (from < r->end && (nl = memchr(r->stage + from, '\n',
	    r->end - from)) != NULL)
		return (size_t)(nl - r->stage) + 1;
	if ((last = last_lf(r->stage, r->scan, r->end)) != NONE)
		r->lastnl = last;
	r->scan = r->end;
	if (r->lastnl == NONE && r->end - r->pos >= par->max + 2) {
		*cut = true;
		return r->pos + par->max;
	}
	if (r->lastnl != NONE && r->end - r->lastnl >= par->max + 2)
		return r->lastnl;
	return 0;
}

/* The next block of the current input into slot s (empty when the input
 * is drained: every input ends with a block marked last). */
static void
rd_cut(struct par *par, struct slot *s)
{
	struct reader *r = &par->rd;
	size_t want = r->pos + rd_target(r) - 1, at = 0, n;
	bool cut = false;
	const char *nl;
	long lines;

	for (;;) {
		if (r->skipping) {
			/* The rest of a line given cut short. */
			nl = memchr(r->stage + r->pos, '\n', r->end - r->pos);
			rd_consume(r, nl != NULL ? (size_t)(nl - r->stage) + 1 -
			    r->pos : r->end - r->pos);
			r->skipping = nl == NULL;
			want = r->pos + rd_target(r) - 1;
			if (!r->skipping)
				continue;
		} else if ((at = par->prog->csv ? csv_cut(par, want) :
		    lines_cut(par, want, &cut)) != 0)
			break;
		if (r->eof) {
			at = r->end;
			break;
		}
		want -= r->pos;
		rd_fill(par, want + 1 > r->end - r->pos ?
		    want + 1 - (r->end - r->pos) + 4096 : STAGE_READ);
		want += r->pos;
	}
	n = at - r->pos;
	/* (with block_lines, r->line stays the input's first line) */
	lines = cut ? 1 : par->block_lines ? 0 :
	    cdp_par_count_lines(r->stage + r->pos, n, par->prog->csv != 0);
	r->used += (off_t)n;
	rd_take(par, s, n, cut);
	r->line += lines;
	r->skipping = cut;
	s->b.last = !cut && r->eof && r->pos == r->end;
}

/* Start the next input; 0 when there is none. */
static int
rd_next_input(struct par *par)
{
	struct reader *r = &par->rd;
	int got;

	got = par->prog->next != NULL ? par->prog->next(par->prog->shared,
	    &r->in) : rd_open_file(par, &r->in);
	if (!got)
		return 0;
	r->input = r->ninputs++;
	r->open = true;
	r->eof = r->skipping = r->started = false;
	r->pos = r->end = r->scan = 0;
	r->lastnl = NONE;
	r->cstate = 0;
	r->pre = r->in.pre;
	r->prelen = r->in.prelen;
	r->used = 0;
	r->line = r->in.line > 0 ? r->in.line : 1;
	r->first = true;
	if (r->map != NULL) {
		/* the whole file is staged: its bytes are the stage */
		r->own = r->stage;
		r->stage = r->map;
		r->end = r->mapsize;
		r->eof = true;
	}
	return 1;
}

/* The next block into slot s: 1, or 0 after the last input. */
static int
rd_block(struct par *par, struct slot *s)
{
	struct reader *r = &par->rd;

	if (!r->open && !rd_next_input(par))
		return 0;
	if (!r->started) {
		while (r->end - r->pos < 3 && !r->eof)
			rd_fill(par, r->target);
		if (r->in.bom && r->end - r->pos >= 3 &&
		    memcmp(r->stage + r->pos, "\xEF\xBB\xBF", 3) == 0)
			rd_consume(r, 3);
		r->started = true;
	}
	rd_cut(par, s);
	s->end = r->used;
	if (s->b.last) {
		/* Close what cdp_par_run() opened; prog->done() closes the
		 * program's inputs once the block is written. */
		if (par->prog->next == NULL && r->in.fd != STDIN_FILENO)
			close(r->in.fd);
		r->open = false;
		if (r->map != NULL) {
			/* the slots keep the mapping until written */
			r->stage = r->own;
			r->own = NULL;
			r->map = NULL;
			r->pos = r->end = r->scan = 0;
		}
	}
	return 1;
}

/* ---- workers ---- */

static bool
blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* One line of an NDJSON block, as cdp_each() takes it. */
static void
one_record(struct worker *w, struct cdp_par_block *b,
    const struct cdp_each_at *at)
{
	const struct cdp_line *l = at->line;
	const char *why = "record longer than --max-record-bytes";
	struct cdp_err err;
	int rc;

	b->n.read++;
	if (l->too_long) {
		cdp_par_reject(b, l->lineno, why, l->p, l->len);
		return;
	}
	if (cdp_rec_parse(&w->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		cdp_par_reject(b, l->lineno, err.msg, l->p, l->len);
		return;
	}
	why = "rejected";
	rc = w->par->prog->record(w->par->prog->ctx[w->id], &w->rec, at, &why);
	if (rc == 0)
		b->n.written++;
	else if (rc == 1)
		b->n.dropped++;
	else if (rc == -1)
		cdp_par_reject(b, l->lineno, why, l->p, l->len);
}

void
cdp_par_lines(struct cdp_par_block *b, size_t max,
    void (*fn)(void *ctx, struct cdp_par_block *b, const struct cdp_line *l),
    void *ctx)
{
	const char *p = b->p, *end = p + b->len, *q, *nl;
	struct cdp_line l;
	long line = b->line;
	size_t len;
	bool avx2 = cdp_simd_best() >= CDP_SIMD_AVX2;

	if (b->cut) {
		l = (struct cdp_line){ p, b->len, line, true };
		b->nlines = 1;
		fn(ctx, b, &l);
		return;
	}
	for (; p < end; line++) {
		q = p;
		if ((nl = cdp_lines_newline(avx2, p, (size_t)(end - p))) !=
		    NULL) {
			len = (size_t)(nl - p);
			p = nl + 1;
			if (len > 0 && q[len - 1] == '\r')
				len--;
		} else {
			len = (size_t)(end - p);
			p = end;
		}
		if ((len == 0 || q[0] != '{') && blank(q, len))
			continue;
		l = (struct cdp_line){ q, len > max ? max : len, line,
		    len > max };
		fn(ctx, b, &l);
	}
	b->nlines = line - b->line;
}

static void
record_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	struct cdp_each_at at = { b->file, l, b };

	one_record(ctx, b, &at);
}

/* Reset what a worker made of the slot's last block. */
static void
slot_reset(struct par *par, struct slot *s)
{
	const struct cdp_par_prog *prog = par->prog;

	s->b.n = (struct cdp_par_count){ 0 };
	s->b.nlines = 0;
	cdp_buf_reset(&s->b.ev);
	for (int i = 0; i < prog->nouts; i++)
		cdp_buf_reset(&s->b.out[i]);
	for (int i = 0; i < prog->nlanes; i++) {
		cdp_buf_reset(&s->b.lane[i]);
		cdp_buf_reset(&s->b.lev[i]);
		s->b.lane_n[i] = (struct cdp_par_count){ 0 };
	}
	s->lanes_done = 0;
	s->fail_line = LONG_MAX;
	free(s->fail_msg);
	s->fail_msg = NULL;
}

enum task { T_NONE, T_PARSE, T_LANE, T_FINISH };

/* A task for a worker (under the lock): lanes first, they keep order. */
static enum task
pick(struct par *par, struct slot **sp, int *lane)
{
	const struct cdp_par_prog *prog = par->prog;
	struct slot *s;

	for (int i = 0; i < prog->nlanes; i++) {
		uint64_t q = par->lane_next[i];

		if (par->lane_busy[i] || q >= par->nread)
			continue;
		s = &par->slots[q % par->nslots];
		if (s->st != PARSED)
			continue;
		par->lane_busy[i] = true;
		*sp = s;
		*lane = i;
		return T_LANE;
	}
	for (uint64_t q = par->nwritten; q < par->nread; q++) {
		s = &par->slots[q % par->nslots];
		if (s->st == PARSED && prog->finish != NULL &&
		    s->lanes_done == prog->nlanes) {
			s->st = FINISHING;
			*sp = s;
			return T_FINISH;
		}
	}
	for (uint64_t q = par->nwritten; q < par->nread; q++) {
		s = &par->slots[q % par->nslots];
		if (s->st == READ) {
			s->st = PARSING;
			*sp = s;
			return T_PARSE;
		}
	}
	return T_NONE;
}

/* After a task (under the lock): the block's next state. */
static void
advance(struct par *par, struct slot *s)
{
	const struct cdp_par_prog *prog = par->prog;

	if (s->lanes_done < prog->nlanes)
		s->st = PARSED;
	else if (prog->finish != NULL && s->st != FINISHING)
		s->st = PARSED;
	else
		s->st = DONE;
	if (s->st == DONE)
		pthread_cond_signal(&par->main);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct par *par = w->par;
	const struct cdp_par_prog *prog = par->prog;
	struct slot *s;
	enum task t;
	int lane = 0;

	pthread_mutex_lock(&par->mu);
	for (;;) {
		if ((t = pick(par, &s, &lane)) == T_NONE) {
			if (par->stop)
				break;
			pthread_cond_wait(&par->work, &par->mu);
			continue;
		}
		pthread_mutex_unlock(&par->mu);
		if (t == T_PARSE) {
			if (prog->block != NULL)
				prog->block(prog->ctx[w->id], &s->b);
			else
				cdp_par_lines(&s->b, par->max, record_line, w);
		} else if (t == T_LANE)
			prog->lane(prog->lctx[lane], &s->b, lane);
		else
			prog->finish(prog->ctx[w->id], &s->b);
		pthread_mutex_lock(&par->mu);
		if (t == T_LANE) {
			par->lane_busy[lane] = false;
			par->lane_next[lane]++;
			s->lanes_done++;
		}
		advance(par, s);
		pthread_cond_broadcast(&par->work);
	}
	pthread_mutex_unlock(&par->mu);
	return NULL;
}

/* ---- the writer (main thread) ---- */

/*
 * A block of a mapped input is written: give back the pages before it,
 * DROP_STEP bytes or more at a time (they stay in the page cache, so the
 * resident size stays that of the blocks in flight and a step); the
 * input's last block unmaps it.
 */
static void
map_release(struct par *par, struct slot *s)
{
	size_t to;

	if (par->drop_map != s->map) {
		par->drop_map = s->map;
		par->drop_to = 0;
	}
	if (s->b.last) {
		cdp_map_free(s->map, s->mapsize);
		par->drop_map = NULL;
	} else if (s->in_map) {
		to = (size_t)(s->b.p + s->b.len - s->map);
		if (to >= par->drop_to + DROP_STEP) {
			cdp_map_drop(s->map, par->drop_to, to);
			par->drop_to = to;
		}
	}
	s->map = NULL;
	s->in_map = false;
}

static void
put_out(struct cdp_out *o, const char *p, size_t n)
{
	struct cdp_err err;

	if (n > 0 && o != NULL && cdp_out_write(o, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static void
set_counts(struct cdp_acct *a, const struct cdp_par_count *base,
    const struct cdp_par_count *n)
{
	a->read = base->read + n->read;
	a->written = base->written + n->written;
	a->dropped = base->dropped + n->dropped;
	a->merged = base->merged + n->merged;
}

/* The input's line number of line line of block s (0: none). */
static long
line_of(const struct par *par, const struct slot *s, long line)
{
	if (!par->block_lines || line <= 0)
		return line;
	return line - 1 + (s->b.first ? s->line0 : par->wline);
}

static _Noreturn void
lane_fail(const struct par *par, struct slot *s)
{
	long line = line_of(par, s, s->fail_line);

	cdp_die(s->fail_code, line > 0 ? s->b.file : NULL, line, "%s",
	    s->fail_msg);
}

/*
 * Of the block's events (its parsing's, then each lane's), the source of
 * the next one in input order: 0 the parsing, i + 1 lane i; -1 when none
 * is left.  Each source's events are in line order already.
 */
static int
next_event(struct slot *s, int nlanes)
{
	const struct cdp_par_block *b = &s->b;
	long best = LONG_MAX;
	int from = -1;

	for (int i = 0; i <= nlanes; i++) {
		const struct cdp_buf *eb = i == 0 ? &b->ev : &b->lev[i - 1];
		struct event e;

		if (s->evp[i] >= eb->len)
			continue;
		memcpy(&e, eb->p + s->evp[i], sizeof(e));
		if (from == -1 || e.line < best) {
			best = e.line;
			from = i;
		}
	}
	return from;
}

/* Write block s: its output and events in input order, its counts. */
static void
write_block(struct par *par, struct slot *s)
{
	const struct cdp_par_prog *prog = par->prog;
	struct cdp_par_block *b = &s->b;
	struct cdp_acct *a = par->acct;
	struct cdp_par_count base = { a->read, a->written, a->dropped,
	    a->merged };
	struct cdp_buf why = { 0 };
	const char *ev;
	struct cdp_err err;
	size_t done = 0, k = 0;
	struct event e;
	off_t used;
	int from;

	if (prog->check != NULL)
		prog->check(prog->shared, b);
	for (int i = 0; i <= prog->nlanes; i++)
		s->evp[i] = 0;
	while ((from = next_event(s, prog->nlanes)) >= 0) {
		struct cdp_buf *eb = from == 0 ? &b->ev : &b->lev[from - 1];

		ev = eb->p + s->evp[from];
		memcpy(&e, ev, sizeof(e));
		ev += sizeof(e);
		s->evp[from] += sizeof(e) + e.why_len + e.raw_len;
		if (s->fail_line != LONG_MAX && e.line > s->fail_line)
			lane_fail(par, s);
		e.line = line_of(par, s, e.line);
		if (prog->nouts > 0 && e.off != NONE) {
			put_out(prog->outs[0], b->out[0].p + done, e.off - done);
			done = e.off;
		}
		set_counts(a, &base, &e.n);
		cdp_buf_reset(&why);
		if (cdp_buf_add(&why, ev, e.why_len) == -1)
			cdp_oom(0);
		ev += e.why_len;
		if (e.kind == EV_REJECT) {
			if (cdp_acct_reject(a, b->src, e.line, why.p, ev,
			    e.raw_len, &err) == -1)
				cdp_die_err(&err, err.code == EX_DATAERR ?
				    b->file : NULL, e.line);
			if (prog->rejected != NULL)
				prog->rejected(prog->shared, b, k, why.p);
			k++;
		} else if (e.kind == EV_NOTE)
			put_out(a->rejects, ev, e.raw_len);
		else
			cdp_die(e.code, e.line > 0 ? b->file : NULL, e.line,
			    "%s", why.p);
		ev += e.raw_len;
	}
	if (s->fail_line != LONG_MAX)
		lane_fail(par, s);
	if (par->block_lines)
		par->wline = line_of(par, s, 1) + b->nlines;
	cdp_buf_free(&why);
	for (int i = 0; i < prog->nouts; i++)
		put_out(prog->outs[i], b->out[i].p + (i ? 0 : done),
		    b->out[i].len - (i ? 0 : done));
	for (int i = 0; i < prog->nlanes; i++) {
		b->n.written += b->lane_n[i].written;
		b->n.dropped += b->lane_n[i].dropped;
		b->n.merged += b->lane_n[i].merged;
	}
	set_counts(a, &base, &b->n);
	used = prog->offset != NULL ? prog->offset(prog->shared, b->input,
	    s->end) : s->end;
	cdp_progress_update(par->bar, a->read, par->done + used);
	if (b->last)
		par->done += used;
	if (prog->written != NULL)
		prog->written(prog->shared, b);
	if (b->last && prog->done != NULL)
		prog->done(prog->shared, b->input);
	if (s->map != NULL)
		map_release(par, s);
}

/* ---- the run ---- */

/*
 * Bytes the blocks hold (for --stats): the stage, every slot's input and
 * what its block made.  No buffer ever shrinks during a run (a slot's
 * input only trades places with a larger stage), so the sum at the end,
 * with the workers stopped, is the most they held at any time.
 */
static size_t
held(const struct par *par)
{
	const struct cdp_par_prog *prog = par->prog;
	size_t n = par->rd.cap;

	for (size_t i = 0; i < par->nslots; i++) {
		const struct slot *s = &par->slots[i];

		n += s->cap + s->b.ev.cap;
		for (int k = 0; k < prog->nouts; k++)
			n += s->b.out[k].cap;
		for (int k = 0; k < prog->nlanes; k++)
			n += s->b.lane[k].cap + s->b.lev[k].cap;
	}
	return n;
}

/* The main thread: write what is done in order, read while a slot is
 * free, until every block is written. */
static void
main_loop(struct par *par)
{
	struct slot *s;

	pthread_mutex_lock(&par->mu);
	for (;;) {
		s = &par->slots[par->nwritten % par->nslots];
		if (par->nwritten < par->nread && s->st == DONE) {
			pthread_mutex_unlock(&par->mu);
			write_block(par, s);
			pthread_mutex_lock(&par->mu);
			s->st = FREE;
			par->nwritten++;
			continue;
		}
		if (!par->input_done && par->nread - par->nwritten <
		    par->nslots) {
			s = &par->slots[par->nread % par->nslots];
			pthread_mutex_unlock(&par->mu);
			slot_reset(par, s);
			if (rd_block(par, s)) {
				s->b.seq = par->nread;
				pthread_mutex_lock(&par->mu);
				s->st = READ;
				par->nread++;
				pthread_cond_broadcast(&par->work);
			} else {
				pthread_mutex_lock(&par->mu);
				par->input_done = true;
			}
			continue;
		}
		if (par->input_done && par->nwritten == par->nread)
			break;
		pthread_cond_wait(&par->main, &par->mu);
	}
	par->stop = true;
	pthread_cond_broadcast(&par->work);
	pthread_mutex_unlock(&par->mu);
}

/*
 * Start up to n workers, and return how many started.  Under --max-memory
 * the address space is capped (cdp_mem_limit()): their stacks are kept
 * small, and when the cap leaves room for fewer threads the run goes on
 * with those (the output does not depend on their number); with none the
 * run is out of memory.
 */
static int
start_workers(struct par *par, struct worker *w, int n, bool capped)
{
	pthread_attr_t attr;
	int i;

	if (pthread_attr_init(&attr) != 0 || (capped &&
	    pthread_attr_setstacksize(&attr, WORKER_STACK) != 0))
		cdp_die(EX_OSERR, NULL, 0, "cannot start threads");
	for (i = 0; i < n; i++) {
		w[i].par = par;
		w[i].id = i;
		if (pthread_create(&w[i].th, &attr, worker_main, &w[i]) != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (i == 0)
		cdp_oom(0);
	return i;
}

/* CDP_PAR_BLOCK: bytes per block ("64K"), or "rand:SEED" for sizes
 * drawn from 1 to 4096 bytes: a test knob (cdpipe(7)). */
static void
block_knob(struct reader *r)
{
	const char *e = getenv("CDP_PAR_BLOCK");
	long seed;

	r->target = CDP_PAR_BLOCK;
	r->rnd = 0;
	if (e == NULL || *e == '\0')
		return;
	if (strncmp(e, "rand:", 5) == 0 &&
	    cdp_parse_long(e + 5, 1, LONG_MAX, &seed) == 0) {
		r->target = 4096;
		r->rnd = (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1;
		return;
	}
	if (cdp_parse_size(e, &r->target) == -1)
		cdp_die(EX_USAGE, NULL, 0, "CDP_PAR_BLOCK: expected a size "
		    "(as 64K) or rand:SEED");
}

void
cdp_par_run(const struct cdp_par_prog *prog, char **files, int nfiles,
    int threads, const struct cdp_common_opts *c, struct cdp_acct *acct,
    struct cdp_par_info *info)
{
	struct par par = { .prog = prog, .c = c, .acct = acct, .info = info };
	struct worker *w;
	struct cdp_err err;
	const char *bad;
	off_t total = -1;

	if (prog->next == NULL &&
	    cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	par.files = files;
	par.nfiles = nfiles;
	par.max = c->max_record_bytes ? c->max_record_bytes :
	    CDP_MAX_RECORD_BYTES;
	par.nthreads = threads;
	par.block_lines = prog->block_lines && prog->csv == 0;
	par.nslots = 2 * (size_t)threads + 2;
	info->threads = threads;
	block_knob(&par.rd);
	if (c->max_memory != 0)
		par.rd.nomap = true;	/* the address space is capped */
	if ((par.slots = aligned_alloc(_Alignof(struct slot), par.nslots *
	    sizeof(*par.slots))) == NULL)
		cdp_oom(par.nslots * sizeof(*par.slots));
	memset(par.slots, 0, par.nslots * sizeof(*par.slots));
	for (size_t i = 0; i < par.nslots; i++) {
		struct slot *s = &par.slots[i];

		s->par = &par;
		s->fail_line = LONG_MAX;
		s->b.out = cdp_xcalloc((size_t)prog->nouts + 1,
		    sizeof(*s->b.out));
		s->b.lane = cdp_xcalloc((size_t)prog->nlanes + 1,
		    sizeof(*s->b.lane));
		s->b.lev = cdp_xcalloc((size_t)prog->nlanes + 1,
		    sizeof(*s->b.lev));
		s->b.lane_n = cdp_xcalloc((size_t)prog->nlanes + 1,
		    sizeof(*s->b.lane_n));
		s->evp = cdp_xcalloc((size_t)prog->nlanes + 2,
		    sizeof(*s->evp));
	}
	par.lane_next = cdp_xcalloc((size_t)prog->nlanes + 1,
	    sizeof(*par.lane_next));
	par.lane_busy = cdp_xcalloc((size_t)prog->nlanes + 1,
	    sizeof(*par.lane_busy));
	if (pthread_mutex_init(&par.mu, NULL) != 0 ||
	    pthread_cond_init(&par.work, NULL) != 0 ||
	    pthread_cond_init(&par.main, NULL) != 0)
		cdp_die(EX_OSERR, NULL, 0, "cannot start threads");
	par.bar = prog->progress != NULL ? prog->progress : &par.progress;
	par.done = prog->progress_base;
	if (prog->progress == NULL)
		cdp_progress_start(&par.progress, c->progress, total);
	if ((w = aligned_alloc(_Alignof(struct worker), (size_t)threads *
	    sizeof(*w))) == NULL)
		cdp_oom((size_t)threads * sizeof(*w));
	memset(w, 0, (size_t)threads * sizeof(*w));
	threads = start_workers(&par, w, threads, c->max_memory != 0);
	par.nthreads = threads;
	info->threads = threads;
	main_loop(&par);
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		cdp_rec_free(&w[i].rec);
	}
	if (prog->progress == NULL)
		cdp_progress_end(&par.progress);
	info->blocks = par.nread;
	info->bytes = held(&par);
	for (size_t i = 0; i < par.nslots; i++) {
		struct slot *s = &par.slots[i];

		free(s->buf);
		free(s->fail_msg);
		cdp_buf_free(&s->b.ev);
		for (int k = 0; k < prog->nouts; k++)
			cdp_buf_free(&s->b.out[k]);
		for (int k = 0; k < prog->nlanes; k++) {
			cdp_buf_free(&s->b.lane[k]);
			cdp_buf_free(&s->b.lev[k]);
		}
		free(s->b.out);
		free(s->b.lane);
		free(s->b.lev);
		free(s->b.lane_n);
		free(s->evp);
		if (s->b.user != NULL && prog->user_free != NULL)
			prog->user_free(s->b.user);
	}
	info->done = par.done;
	free(par.slots);
	free(par.lane_next);
	free(par.lane_busy);
	free(par.rd.stage);
	free(w);
	pthread_mutex_destroy(&par.mu);
	pthread_cond_destroy(&par.work);
	pthread_cond_destroy(&par.main);
}
