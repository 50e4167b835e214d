/*
 * run.c - cdp-dedupe's passes: the key of each record, the streaming run
 * of --keep first, and the two-pass runs (other --keep rules, fuzzy)
 * that decide every group first and then write the survivors.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dedupe.h"
#include "diag.h"
#include "par.h"
#include "xalloc.h"

/* "field "NAME": reason", for messages. */
static const char *
field_msg(struct run *r, const struct cdp_keyfield *kf, const char *reason)
{
	const char *m = cdp_key_reason(&r->keyer, kf, reason);

	if (m == NULL)
		cdp_oom(0);
	return m;
}

/* The key of r->rec into r->keyer.key: 1 keyed, 0 a field is missing,
 * -1 bad (*why). */
static int
make_key(struct run *r, const char **why)
{
	int rc = cdp_key_make(&r->keyer, &r->rec, r->opt->key, r->opt->nkey,
	    &r->val, why);

	if (rc == -2)
		cdp_oom(0);
	return rc;
}

/* Seconds since 1970 of a normalised datetime "YYYY-MM-DDTHH:MM:SS..."
 * with an optional fraction and zone (none is taken as UTC). */
static int
epoch_of(const char *s, size_t n, double *out)
{
	char day[11];
	long days;
	double t;
	size_t i = 19;

	if (n < 19 || s[10] != 'T')
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (cdp_parse_iso_date(day, &days) == -1)
		return -1;
	t = days * 86400.0 + ((s[11] - '0') * 10 + (s[12] - '0')) * 3600.0 +
	    ((s[14] - '0') * 10 + (s[15] - '0')) * 60.0 +
	    (s[17] - '0') * 10 + (s[18] - '0');
	if (i < n && s[i] == '.') {
		double scale = 0.1;

		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			t += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i + 6 == n && (s[i] == '+' || s[i] == '-')) {
		double off = ((s[i + 1] - '0') * 10 + (s[i + 2] - '0')) *
		    3600.0 + ((s[i + 4] - '0') * 10 + (s[i + 5] - '0')) * 60.0;

		t += s[i] == '+' ? -off : off;
	}
	*out = t;
	return 0;
}

/* --keep newest:F: the time of F (-inf when absent), or -1 if bad. */
static int
newest_score(struct run *r, double *score, const char **why)
{
	const struct cdp_keyfield *kf = &r->opt->newest;
	const struct cdp_field *f = cdp_rec_find(&r->rec, kf->name, kf->nlen);
	const char *s, *reason;
	size_t n;

	*score = -INFINITY;
	if (f == NULL || f->type == CDP_NULL)
		return 0;
	if (f->type == CDP_NUMBER) {
		if (cdp_rec_num(&r->rec, f, score) == 0)
			return 0;
		*why = field_msg(r, kf, "number out of range");
		return -1;
	}
	if (f->type != CDP_STRING) {
		*why = field_msg(r, kf, "not a date, datetime or number");
		return -1;
	}
	if (cdp_rec_str(&r->rec, f, &r->tmp, &s, &n) == -1)
		cdp_oom(0);
	cdp_trim(&s, &n);
	if (n == 0)
		return 0;
	cdp_buf_reset(&r->val);
	if (cdp_norm_datetime(s, n, r->ctx.date_order, &r->val,
	    &reason) == -1) {
		*why = field_msg(r, kf, reason);
		return -1;
	}
	if (epoch_of(r->val.p, r->val.len, score) == -1) {
		*why = field_msg(r, kf, "not a date or datetime");
		return -1;
	}
	return 0;
}

static bool
is_own(const char *k, size_t n)
{
	return (n == 4 && memcmp(k, "_src", 4) == 0) ||
	    (n == 5 && memcmp(k, "_line", 5) == 0) ||
	    (n == 7 && memcmp(k, "_dup_of", 7) == 0);
}

/* --keep most-complete: fields with a value other than null, "", [] or
 * {}, leaving out _src, _line and _dup_of. */
static double
complete_score(const struct cdp_rec *rec)
{
	double n = 0;

	for (size_t i = 0; i < rec->n; i++) {
		const struct cdp_field *f = &rec->f[i];

		if (f->type == CDP_NULL || (f->vlen == 2 &&
		    (f->type == CDP_STRING || f->type == CDP_OBJECT ||
		    f->type == CDP_ARRAY)))
			continue;
		n += !is_own(rec->p + f->koff, f->klen);
	}
	return n;
}

/* The interned id of _src name s[0..n). */
static uint64_t
src_id(struct run *r, const char *s, size_t n)
{
	uint64_t *v;
	int added;

	if (r->nsrc > 0 && strlen(r->srctab.p + r->srcoff[r->nsrc - 1]) == n &&
	    memcmp(r->srctab.p + r->srcoff[r->nsrc - 1], s, n) == 0)
		return r->nsrc - 1;
	if ((v = cdp_keymap_put(r->srcs, cdp_key128_of(s, n), r->nsrc,
	    &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return *v;
	if (r->nsrc >= ((uint64_t)1 << (64 - LINE_BITS)))
		cdp_die(EX_SOFTWARE, NULL, 0, "more than %llu _src names",
		    1ULL << (64 - LINE_BITS));
	cdp_xgrow((void **)&r->srcoff, &r->srccap, r->nsrc + 1,
	    sizeof(*r->srcoff));
	r->srcoff[r->nsrc] = (uint32_t)r->srctab.len;
	if (cdp_buf_add(&r->srctab, s, n) == -1 ||
	    cdp_buf_addc(&r->srctab, '\0') == -1)
		cdp_oom(0);
	return r->nsrc++;
}

/* The record's _src (*s, *n) and _line; the input's name and line when
 * the record has none. */
static uint64_t
provenance(struct run *r, const char **s, size_t *n)
{
	const struct cdp_field *f = cdp_rec_find(&r->rec, "_src", 4);
	double d;
	uint64_t line = (uint64_t)r->lineno;

	*s = r->file;
	*n = strlen(*s);
	if (f != NULL && f->type == CDP_STRING &&
	    cdp_rec_str(&r->rec, f, &r->tmp, s, n) == -1)
		cdp_oom(0);
	if (f == NULL || f->type != CDP_STRING) {
		*s = r->file;
		*n = strlen(*s);
	}
	f = cdp_rec_find(&r->rec, "_line", 5);
	if (f != NULL && cdp_rec_num(&r->rec, f, &d) == 0 && d >= 0 &&
	    d < (double)((uint64_t)1 << LINE_BITS) && d == floor(d))
		line = (uint64_t)d;
	return line;
}

/* The record's _src and _line packed in 64 bits; the input's name and
 * line when the record has none. */
static uint64_t
srcline_of(struct run *r)
{
	const char *s;
	size_t n;
	uint64_t line = provenance(r, &s, &n);

	return src_id(r, s, n) << LINE_BITS | line;
}

static void
die_err(const struct cdp_err *err)
{
	cdp_die_err(err, NULL, 0);
}

/*
 * The survivor line p[0..n) as written (*p, *n, no newline): --mark
 * --replace takes away the _dup_of an earlier run gave it.
 */
static void
raw_text(struct run *r, const char **p, size_t *n)
{
	const struct cdp_field *old;
	struct cdp_err err;
	int rc = 0;

	if (!r->opt->mark || !r->opt->replace)
		return;
	if (cdp_rec_parse(&r->rec, *p, *n, &err) == -1)
		die_err(&err);
	if ((old = cdp_rec_find(&r->rec, "_dup_of", 7)) == NULL)
		return;
	cdp_recw_begin(&r->w);
	for (size_t i = 0; i < r->rec.n && rc == 0; i++)
		if (&r->rec.f[i] != old)
			rc = cdp_recw_field(&r->w, &r->rec, &r->rec.f[i]);
	if (rc == -1 || cdp_recw_end(&r->w) == -1)
		cdp_oom(0);
	*p = r->w.b.p;
	*n = r->w.b.len - 1;
}

static void
write_raw(struct run *r, const char *p, size_t n)
{
	struct cdp_err err;

	raw_text(r, &p, &n);
	if (cdp_out_write(r->out, p, n, &err) == -1 ||
	    cdp_out_write(r->out, "\n", 1, &err) == -1)
		die_err(&err);
	r->acct.written++;
}

/* r->rec with _dup_of set to mark[0..n), in r->w (newline included). */
static void
marked_text(struct run *r, const char *mark, size_t n)
{
	const struct cdp_field *old = cdp_rec_find(&r->rec, "_dup_of", 7);
	int rc = 0;

	cdp_recw_begin(&r->w);
	for (size_t i = 0; i < r->rec.n && rc == 0; i++)
		if (&r->rec.f[i] != old)
			rc = cdp_recw_field(&r->w, &r->rec, &r->rec.f[i]);
	if (rc == -1 || cdp_recw_str(&r->w, "_dup_of", 7, mark, n) == -1 ||
	    cdp_recw_end(&r->w) == -1)
		cdp_oom(0);
}

/* The survivor srcline of r's interned names as "SRC:LINE" in r->val. */
static void
mark_of(struct run *r, uint64_t srcline)
{
	uint64_t id = srcline >> LINE_BITS;

	cdp_buf_reset(&r->val);
	if (cdp_buf_addf(&r->val, "%s:%llu", r->srctab.p + r->srcoff[id],
	    (unsigned long long)(srcline & (((uint64_t)1 << LINE_BITS) - 1)))
	    == -1)
		cdp_oom(0);
}

/* Write r->rec with _dup_of set to the survivor srcline. */
static void
write_marked(struct run *r, uint64_t srcline)
{
	struct cdp_err err;

	mark_of(r, srcline);
	marked_text(r, r->val.p, r->val.len);
	if (cdp_out_write(r->out, r->w.b.p, r->w.b.len, &err) == -1)
		die_err(&err);
	r->acct.written++;
	(*r->marked)++;
}

static void
reject(struct run *r, const char *why, const char *raw, size_t rawlen)
{
	struct cdp_err err;

	if (cdp_acct_reject(&r->acct, r->file, r->lineno, why, raw, rawlen,
	    &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? r->file : NULL,
		    r->lineno);
}

/* A record with a key (r->keyer.key, or fuzzy mode's block keys) and
 * its --keep score. */
static void
keyed(struct run *r, const struct cdp_line *l, uint64_t seq, double score)
{
	uint64_t srcline = r->opt->mark ? srcline_of(r) : 0, *v;
	struct cdp_key128 k;
	const char *why;
	int added;

	if (r->fz != NULL) {
		if (fz_add(r->fz, r, seq, score, srcline, &why) == -1)
			reject(r, why, l->p, l->len);
		else
			r->grp[seq] = 0;	/* fz_resolve() decides */
		return;
	}
	k = cdp_key128_of(r->keyer.key.p, r->keyer.key.len);
	v = cdp_keymap_put(r->map[(k.hi >> 32) % NSHARDS], k,
	    r->two_pass ? r->ngroups : srcline, &added);
	if (v == NULL)
		cdp_oom(0);
	if (r->two_pass) {
		if (added)
			run_new_group(r);
		run_offer(r, seq, (uint32_t)*v, score, srcline);
	} else if (added) {
		write_raw(r, l->p, l->len);
	} else if (r->opt->mark) {
		write_marked(r, *v);
	} else {
		r->acct.merged++;
	}
}

/* Pass one over a record (the streaming run's only pass). */
static void
first_pass(struct run *r, const struct cdp_line *l)
{
	const struct dedupe_opts *opt = r->opt;
	struct cdp_err err;
	const char *why;
	double score = 0;
	uint64_t seq = r->seq++;
	int rc;

	r->acct.read++;
	r->lineno = l->lineno;
	if (r->two_pass) {
		cdp_xgrow((void **)&r->grp, &r->grpcap, seq + 1,
		    sizeof(*r->grp));
		r->grp[seq] = GRP_REJECTED;
	}
	if (l->too_long) {
		reject(r, "record longer than --max-record-bytes", l->p,
		    l->len);
		return;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			die_err(&err);
		reject(r, err.msg, l->p, l->len);
		return;
	}
	if (opt->mark && !opt->replace &&
	    cdp_rec_find(&r->rec, "_dup_of", 7) != NULL) {
		reject(r, "field \"_dup_of\" already exists", l->p, l->len);
		return;
	}
	rc = r->fz != NULL ? fz_keys(r->fz, r, &why) : make_key(r, &why);
	if (rc == 1 && (opt->keep == KEEP_NEWEST ?
	    newest_score(r, &score, &why) : 0) == -1)
		rc = -1;
	if (rc == -1) {
		reject(r, why, l->p, l->len);
		return;
	}
	cdp_fieldseen_record(&r->seen, &r->rec);
	if (rc == 0) {
		(*r->unkeyed)++;
		if (r->two_pass)
			r->grp[seq] = GRP_UNKEYED;
		else
			write_raw(r, l->p, l->len);
		return;
	}
	if (opt->keep == KEEP_COMPLETE)
		score = complete_score(&r->rec);
	keyed(r, l, seq, score);
}

/* Pass two over a record of a two-pass run: write survivors, unkeyed
 * records and (--mark) duplicates. */
static void
second_pass(struct run *r, const struct cdp_line *l)
{
	uint64_t seq = r->seq++;
	uint32_t g;
	struct cdp_err err;

	if (seq >= r->ngrp)
		cdp_die(EX_SOFTWARE, r->file, l->lineno,
		    "input changed between passes");
	if ((g = r->grp[seq]) == GRP_REJECTED)
		return;
	if (g == GRP_UNKEYED || r->groups[g].best == seq) {
		write_raw(r, l->p, l->len);
		return;
	}
	if (!r->opt->mark) {
		r->acct.merged++;
		return;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1)
		cdp_die(EX_SOFTWARE, r->file, l->lineno,
		    "input changed between passes");
	write_marked(r, r->groups[g].srcline);
}

/* A temporary file for a copy of an input that cannot be read twice:
 * unlinked at once, so nothing is left behind. */
static int
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	struct cdp_buf path = { 0 };
	int fd;

	if (cdp_buf_addf(&path, "%s/cdp-dedupe.XXXXXX", dir && *dir ? dir :
	    "/tmp") == -1)
		cdp_oom(0);
	if ((fd = mkstemp(path.p)) == -1)
		cdp_die(EX_CANTCREAT, path.p, 0, "cannot create: %s",
		    strerror(errno));
	unlink(path.p);
	cdp_buf_free(&path);
	return fd;
}

static void
spool_write(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			cdp_die(EX_IOERR, NULL, 0, "temporary file: write "
			    "error: %s", strerror(errno));
		p += k;
		n -= (size_t)k;
	}
}

/* How pass 2 finds an input again. */
struct again {
	int	spool;	/* a copy (not a regular file), or -1 */
	off_t	start;	/* where a regular standard input started */
};

/* The descriptor of path for pass 1 or 2 ("-" is stdin). */
static int
open_input(struct run *r, const char *path, int pass, struct again *a)
{
	struct stat st;
	int fd;

	r->file = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (pass == 2 && a->spool != -1) {
		fd = a->spool;
		a->start = 0;
	} else if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY)) == -1) {
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	}
	if (pass == 1 && r->two_pass) {
		/* Standard input may be a file: read it again from here. */
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (a->start = lseek(fd, 0, SEEK_CUR)) == -1)
			a->spool = spool_open();
	}
	if (pass == 2 && (fd == a->spool || fd == STDIN_FILENO) &&
	    lseek(fd, a->start, SEEK_SET) == -1)
		cdp_die(EX_IOERR, r->file, 0, "cannot read again: %s",
		    strerror(errno));
	return fd;
}

/*
 * One input.  Pass 1 reads it, copying it to a temporary file first
 * when it is not a regular file and a second pass will come; pass 2
 * reads the file again or the copy.
 */
static void
run_input(struct run *r, const char *path, int pass, struct again *a)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	struct cdp_buf copy = { 0 };
	int fd = open_input(r, path, pass, a), rc;

	if ((in = cdp_lines_open_fd(fd, r->file, NULL, 0,
	    r->opt->common.max_record_bytes, &err)) == NULL)
		cdp_die_err(&err, r->file, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		if (pass == 2) {
			second_pass(r, &l);
			continue;
		}
		first_pass(r, &l);
		cdp_progress_update(r->prog, r->acct.read,
		    r->done + cdp_lines_offset(in));
		if (a->spool != -1) {
			/* A cut line is rejected: keep a non-blank stand-in. */
			cdp_buf_reset(&copy);
			if (cdp_buf_add(&copy, l.too_long ? "-" : l.p,
			    l.too_long ? 1 : l.len) == -1 ||
			    cdp_buf_addc(&copy, '\n') == -1)
				cdp_oom(0);
			spool_write(a->spool, copy.p, copy.len);
		}
	}
	if (rc == -1)
		cdp_die_err(&err, r->file, 0);
	r->done += cdp_lines_offset(in);
	cdp_lines_close(in);
	cdp_buf_free(&copy);
	if (fd != STDIN_FILENO && fd != a->spool)
		close(fd);
}

/* The key fields (fuzzy: the --block fields), to be told when no
 * record has one (fieldseen.h). */
static void
key_watch(struct cdp_fieldseen *fs, const struct dedupe_opts *opt)
{
	cdp_fieldseen_init(fs, false);
	for (int i = 0; i < opt->nkey; i++)
		cdp_fieldseen_add(fs, opt->key[i].name, opt->key[i].nlen);
	for (int i = 0; i < opt->nbfield; i++)
		cdp_fieldseen_add(fs, opt->bfield[i].name, opt->bfield[i].nlen);
}

/*
 * After the first pass: warn of key fields no record has.  Only a
 * warning: a part of cdp-partition -k 'email|phone' may hold no email at
 * all, and such records pass through by design (cdp-dedupe(1)).
 */
static void
key_check(struct run *r)
{
	(void)cdp_fieldseen_report(&r->seen, false);
	cdp_fieldseen_free(&r->seen);
}

static void
prepare(struct run *r, const struct dedupe_opts *opt)
{
	struct cdp_err err;

	r->ctx = opt->ctx;
	r->keyer.ctx = &r->ctx;
	key_watch(&r->seen, opt);
	for (int i = 0; i < opt->nkey; i++)
		if (cdp_norm_ctx_prepare(&r->ctx, opt->key[i].norm, &err) == -1)
			die_err(&err);
	for (int i = 0; i < opt->nfuzzy; i++)
		for (int k = 0; k < opt->fuzzy[i].cmp.ncols; k++)
			if (cdp_norm_ctx_prepare(&r->ctx,
			    opt->fuzzy[i].f[k].norm, &err) == -1)
				die_err(&err);
	for (int i = 0; i < opt->nbfield; i++)
		if (cdp_norm_ctx_prepare(&r->ctx, opt->bfield[i].norm,
		    &err) == -1)
			die_err(&err);
	if (cdp_acct_open(&r->acct, opt->common.rejects, &err) == -1 ||
	    (r->out = cdp_out_open(opt->common.output, &err)) == NULL)
		die_err(&err);
	cdp_out_line_mode(r->out, opt->common.unbuffered);
	if (r->acct.rejects != NULL)
		cdp_out_line_mode(r->acct.rejects, opt->common.unbuffered);
	r->acct.merging = true;
	r->acct.extra[0].name = "unkeyed";
	r->unkeyed = &r->acct.extra[0].n;
	r->acct.extra[1].name = opt->mark ? "marked" : NULL;
	r->marked = &r->acct.extra[1].n;
	if (opt->nfuzzy > 0)
		r->acct.extra[opt->mark ? 2 : 1].name = "oversized_blocks";
}

static void
finish(struct run *r)
{
	struct cdp_err err;

	if (cdp_out_close(r->out, &err) == -1)
		die_err(&err);
	if (cdp_acct_close(&r->acct, r->opt->common.stats, &err) == -1)
		die_err(&err);
	cdp_norm_ctx_free(&r->ctx);
	for (int i = 0; i < NSHARDS; i++)
		cdp_keymap_free(r->map[i]);
	cdp_keymap_free(r->srcs);
	cdp_rec_free(&r->rec);
	cdp_recw_free(&r->w);
	cdp_keyer_free(&r->keyer);
	cdp_buf_free(&r->val);
	cdp_buf_free(&r->tmp);
	cdp_buf_free(&r->srctab);
	free(r->srcoff);
	free(r->grp);
	free(r->groups);
	fz_free(r->fz);
}

/* ---- parallel runs (par.h), --keep first ----
 *
 * Threads parse the records of a block and make their keys; the lane a
 * key hashes to (its part of the key space) tells first from duplicate
 * in input order, as the one map of one thread does; then a thread
 * writes the block's records in order.
 */

enum { E_UNKEYED, E_KEYED, E_REJECT };

/* A record of a block.  Rejects wait for the block's writing thread
 * too, so that they come after the records written before them. */
struct dentry {
	size_t		off, len;	/* its line in the block */
	uint32_t	kind;
	uint32_t	idx;		/* E_KEYED: its number in the block;
					   E_REJECT: its reason in why */
	long		line;
};

/* A keyed record for its lane (with --mark, then its _src bytes). */
struct ditem {
	struct cdp_key128	k;
	uint64_t		line;
	uint32_t		idx, srclen;
};

/* Where a duplicate's _dup_of text is: in marks[lane]. */
struct dmark {
	uint32_t	lane;
	size_t		off, len;
};

/* A block's records and what the lanes decided (the block's user). */
struct dblock {
	struct dentry	*e;
	size_t		 ne, ecap;
	uint8_t		*dup;		/* per keyed record */
	struct dmark	*mark;
	size_t		 nkeyed, cap;
	struct cdp_buf	 why;		/* reasons, NUL after each */
	struct cdp_buf	*marks;		/* per lane */
	int		 nlanes;
};

static void
dblock_free(void *p)
{
	struct dblock *d = p;

	for (int i = 0; i < d->nlanes; i++)
		cdp_buf_free(&d->marks[i]);
	free(d->marks);
	cdp_buf_free(&d->why);
	free(d->e);
	free(d->dup);
	free(d->mark);
	free(d);
}

/* Record entry e of block b's dblock d. */
static void
add_entry(struct dblock *d, struct cdp_par_block *b,
    const struct cdp_line *l, uint32_t kind, uint32_t idx)
{
	cdp_xgrow((void **)&d->e, &d->ecap, d->ne + 1, sizeof(*d->e));
	d->e[d->ne++] = (struct dentry){ (size_t)(l->p - b->p), l->len, kind,
	    idx, l->lineno };
}

static void
par_reject(struct dblock *d, struct cdp_par_block *b,
    const struct cdp_line *l, const char *why)
{
	add_entry(d, b, l, E_REJECT, (uint32_t)d->why.len);
	if (cdp_buf_add(&d->why, why, strlen(why) + 1) == -1)
		cdp_oom(0);
}

static void
par_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	struct run *r = ctx;
	struct dblock *d = b->user;
	struct cdp_err err;
	struct ditem it;
	struct cdp_buf *lb;
	const char *why, *src = NULL;
	size_t srclen = 0;
	int rc;

	b->n.read++;
	r->lineno = l->lineno;
	if (l->too_long) {
		par_reject(d, b, l, "record longer than --max-record-bytes");
		return;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			die_err(&err);
		par_reject(d, b, l, err.msg);
		return;
	}
	if (r->opt->mark && !r->opt->replace &&
	    cdp_rec_find(&r->rec, "_dup_of", 7) != NULL) {
		par_reject(d, b, l, "field \"_dup_of\" already exists");
		return;
	}
	if ((rc = make_key(r, &why)) == -1) {
		par_reject(d, b, l, why);
		return;
	}
	cdp_fieldseen_record(&r->seen, &r->rec);
	add_entry(d, b, l, rc == 0 ? E_UNKEYED : E_KEYED,
	    (uint32_t)d->nkeyed);
	if (rc == 0) {
		(*r->unkeyed)++;
		return;
	}
	it = (struct ditem){ .k = cdp_key128_of(r->keyer.key.p,
	    r->keyer.key.len), .idx = (uint32_t)d->nkeyed++ };
	if (r->opt->mark) {
		it.line = provenance(r, &src, &srclen);
		it.srclen = (uint32_t)srclen;
	}
	lb = &b->lane[it.k.lo % (uint64_t)d->nlanes];
	if (cdp_buf_add(lb, &it, sizeof(it)) == -1 ||
	    cdp_buf_add(lb, src, srclen) == -1)
		cdp_oom(0);
}

static void
par_block(void *ctx, struct cdp_par_block *b)
{
	struct run *r = ctx;
	struct dblock *d = b->user;

	if (d == NULL) {
		d = b->user = cdp_xcalloc(1, sizeof(*d));
		d->nlanes = r->nlanes;
		d->marks = cdp_xcalloc((size_t)d->nlanes, sizeof(*d->marks));
	}
	d->ne = d->nkeyed = 0;
	cdp_buf_reset(&d->why);
	for (int i = 0; i < d->nlanes; i++)
		cdp_buf_reset(&d->marks[i]);
	r->file = b->file;
	cdp_par_lines(b, r->opt->common.max_record_bytes ?
	    r->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES, par_line,
	    r);
	/* Room for the lanes' verdicts, before they run. */
	if (d->nkeyed > d->cap) {
		free(d->dup);
		free(d->mark);
		d->cap = d->nkeyed;
		d->dup = cdp_xcalloc(d->cap, sizeof(*d->dup));
		d->mark = cdp_xcalloc(d->cap, sizeof(*d->mark));
	}
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct run *r = lctx;
	struct dblock *d = b->user;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	struct cdp_buf *m = &d->marks[lane];
	struct ditem it;
	uint64_t srcline, *v;
	int added;

	while (p < end) {
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		srcline = r->opt->mark ? src_id(r, p, it.srclen) << LINE_BITS |
		    it.line : 0;
		p += it.srclen;
		if ((v = cdp_keymap_put(r->map[(it.k.hi >> 32) % NSHARDS],
		    it.k, srcline, &added)) == NULL)
			cdp_oom(0);
		d->dup[it.idx] = !added;
		if (added || !r->opt->mark)
			continue;
		mark_of(r, *v);
		d->mark[it.idx] = (struct dmark){ (uint32_t)lane, m->len,
		    r->val.len };
		if (cdp_buf_add(m, r->val.p, r->val.len) == -1)
			cdp_oom(0);
	}
}

/* A thread writes the block's records, in order, as the lanes said. */
static void
par_finish(void *ctx, struct cdp_par_block *b)
{
	struct run *r = ctx;
	struct dblock *d = b->user;
	struct cdp_err err;

	for (size_t i = 0; i < d->ne; i++) {
		const struct dentry *e = &d->e[i];
		const char *p = b->p + e->off;
		size_t n = e->len;

		if (e->kind == E_REJECT)
			cdp_par_reject(b, e->line, d->why.p + e->idx, p, n);
		else if (e->kind == E_UNKEYED || !d->dup[e->idx]) {
			raw_text(r, &p, &n);
			cdp_par_put(b, 0, p, n);
			cdp_par_put(b, 0, "\n", 1);
			b->n.written++;
		} else if (r->opt->mark) {
			const struct dmark *mk = &d->mark[e->idx];

			if (cdp_rec_parse(&r->rec, p, n, &err) == -1)
				die_err(&err);
			marked_text(r, d->marks[mk->lane].p + mk->off, mk->len);
			cdp_par_put(b, 0, r->w.b.p, r->w.b.len);
			b->n.written++;
			(*r->marked)++;
		} else
			b->n.merged++;
	}
}

/* The maps of the keys and _src names seen: the one thread's, or a
 * lane's (a worker thread, which only makes keys, has none). */
static void
make_maps(struct run *r)
{
	for (int i = 0; i < NSHARDS; i++)
		if ((r->map[i] = cdp_keymap_new()) == NULL)
			cdp_oom(0);
	if ((r->srcs = cdp_keymap_new()) == NULL)
		cdp_oom(0);
}

/* A thread's or a lane's run: the options, and keys or maps of its own. */
static void
par_state(struct run *w, const struct run *r, int nlanes, bool lane)
{
	struct cdp_err err;

	*w = (struct run){ .opt = r->opt, .ctx = r->opt->ctx,
	    .nlanes = nlanes };
	w->keyer.ctx = &w->ctx;
	key_watch(&w->seen, r->opt);
	w->unkeyed = &w->nunkeyed;
	w->marked = &w->nmarked;
	for (int i = 0; i < r->opt->nkey; i++)
		if (cdp_norm_ctx_prepare(&w->ctx, r->opt->key[i].norm,
		    &err) == -1)
			die_err(&err);
	if (lane)
		make_maps(w);
}

static void
par_state_free(struct run *w)
{
	cdp_norm_ctx_free(&w->ctx);
	for (int i = 0; i < NSHARDS; i++)
		cdp_keymap_free(w->map[i]);
	cdp_keymap_free(w->srcs);
	cdp_rec_free(&w->rec);
	cdp_recw_free(&w->w);
	cdp_keyer_free(&w->keyer);
	cdp_buf_free(&w->val);
	cdp_buf_free(&w->tmp);
	cdp_buf_free(&w->srctab);
	free(w->srcoff);
	cdp_fieldseen_free(&w->seen);
}

static void
run_parallel(struct run *r, char **files, int nfiles, int threads,
    struct cdp_par_info *info)
{
	struct run *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct run *l = cdp_xcalloc((size_t)threads, sizeof(*l));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .block = par_block, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx,
	    .finish = par_finish, .outs = &r->out, .nouts = 1,
	    .user_free = dblock_free };

	for (int i = 0; i < threads; i++) {
		par_state(&w[i], r, threads, false);
		par_state(&l[i], r, threads, true);
		wctx[i] = &w[i];
		lctx[i] = &l[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &r->opt->common, &r->acct,
	    info);
	for (int i = 0; i < threads; i++) {
		*r->unkeyed += w[i].nunkeyed;
		*r->marked += w[i].nmarked;
		cdp_fieldseen_merge(&r->seen, &w[i].seen);
		par_state_free(&w[i]);
		par_state_free(&l[i]);
	}
	free(w);
	free(l);
	free(wctx);
	free(lctx);
}

int
dedupe_run(struct dedupe_opts *opt, char **files, int nfiles)
{
	struct cdp_progress prog;
	struct run r = { .opt = opt, .prog = &prog };
	struct cdp_par_info info = { 0 };
	struct again *again;
	struct cdp_err err;
	const char *bad;
	off_t total;
	int threads = cdp_par_threads(&opt->common, &info.asked);

	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.two_pass = opt->keep != KEEP_FIRST || opt->nfuzzy > 0;
	if (opt->nfuzzy > 0)
		r.fz = fz_new(opt);
	prepare(&r, opt);
	if (!r.two_pass && threads > 1) {
		run_parallel(&r, files, nfiles, threads, &info);
		key_check(&r);
		cdp_par_account(&info, &r.acct);
		finish(&r);
		return 0;
	}
	make_maps(&r);
	cdp_progress_start(&prog, opt->common.progress, total);
	again = cdp_xcalloc((size_t)nfiles, sizeof(*again));
	for (int i = 0; i < nfiles; i++) {
		again[i].spool = -1;
		run_input(&r, files[i], 1, &again[i]);
	}
	cdp_progress_end(&prog);
	key_check(&r);
	if (r.two_pass) {
		r.ngrp = r.seq;
		if (r.fz != NULL)
			r.acct.extra[opt->mark ? 2 : 1].n =
			    fz_resolve(r.fz, &r);
		r.seq = 0;
		for (int i = 0; i < nfiles; i++)
			run_input(&r, files[i], 2, &again[i]);
	}
	for (int i = 0; i < nfiles; i++)
		if (again[i].spool != -1)
			close(again[i].spool);
	free(again);
	finish(&r);
	return 0;
}
