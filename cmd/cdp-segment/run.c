/*
 * run.c - cdp-segment's main loop: read NDJSON records, apply --where,
 * evaluate the segments in order and write each record to stdout or to
 * the --split files of its segments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "lines.h"
#include "out.h"
#include "par.h"
#include "record.h"
#include "span.h"
#include "xalloc.h"
#include "segment.h"

#define SEG_KEY		"segments"
#define SEG_KEYLEN	(sizeof(SEG_KEY) - 1)

/* Everything one run holds; in a parallel run, each thread has a copy
 * of its own (counts, scratch and compiled rules). */
struct run {
	const struct segment_opts *opt;
	struct cdp_expr		**where;	/* opt's, or copies */
	struct cdp_expr		**when;		/* per segment */
	struct cdp_out		*out;	/* stdout or -o; NULL with --split */
	struct cdp_out		**files; /* --split: one per segment */
	unsigned long long	*counts; /* records per segment */
	int			*hit;	/* segments the record matched */
	int			 nall;	/* segments, --else included */
	struct cdp_acct		 acct;
	struct cdp_rec		*rec;	/* the record being read */
	struct cdp_recw		 w;
	struct cdp_buf		 arr;	/* the new "segments" value */
	struct cdp_buf		 tmp;
};

static const char *
seg_name(const struct run *r, int i)
{
	return i < r->opt->nsegs ? r->opt->segs[i].name : r->opt->else_name;
}

/* Write to o, or in a parallel run to channel chan of the block. */
static void
put(struct cdp_out *o, const struct cdp_each_at *at, int chan,
    const char *p, size_t n)
{
	struct cdp_err err;

	if (at->blk != NULL)
		cdp_par_put(at->blk, chan, p, n);
	else if (cdp_out_write(o, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Is the JSON string text s (quotes included) the name nm? */
static bool
same_name(struct run *r, const char *s, size_t n, const char *nm)
{
	cdp_buf_reset(&r->tmp);
	if (cdp_buf_reserve(&r->tmp, 1) == -1 ||
	    cdp_json_unescape(s + 1, n - 2, &r->tmp) == -1)
		cdp_oom(0);
	return r->tmp.len == strlen(nm) && memcmp(r->tmp.p, nm,
	    r->tmp.len) == 0;
}

/*
 * The new "segments" array in r->arr: the old entries as written, then
 * the names matched now that are not there yet.  Returns how many names
 * were added.
 */
static int
build_array(struct run *r, const struct cdp_field *f, int nhit)
{
	const char *p;
	size_t pos = 0, len;
	int added = 0;
	bool first = true;

	cdp_buf_reset(&r->arr);
	if (cdp_buf_addc(&r->arr, '[') == -1)
		cdp_oom(0);
	while (f != NULL && f->type == CDP_ARRAY && cdp_span_next(
	    r->rec->p + f->voff, f->vlen, &pos, &p, &len)) {
		for (int k = 0; k < nhit; k++)
			if (r->hit[k] >= 0 && *p == '"' &&
			    same_name(r, p, len, seg_name(r, r->hit[k])))
				r->hit[k] = -1 - r->hit[k];	/* there */
		if ((!first && cdp_buf_addc(&r->arr, ',') == -1) ||
		    cdp_buf_add(&r->arr, p, len) == -1)
			cdp_oom(0);
		first = false;
	}
	for (int k = 0; k < nhit; k++) {
		const char *nm;

		if (r->hit[k] < 0) {
			r->hit[k] = -1 - r->hit[k];
			continue;
		}
		nm = seg_name(r, r->hit[k]);
		if ((!first && cdp_buf_addc(&r->arr, ',') == -1) ||
		    cdp_json_quote(&r->arr, nm, strlen(nm)) == -1)
			cdp_oom(0);
		first = false;
		added++;
	}
	if (cdp_buf_addc(&r->arr, ']') == -1)
		cdp_oom(0);
	return added;
}

/* Whether field f is null or an array of strings (segment names). */
static bool
names(struct run *r, const struct cdp_field *f)
{
	const char *p;
	size_t pos = 0, len;

	if (f->type == CDP_NULL)
		return true;
	if (f->type != CDP_ARRAY)
		return false;
	while (cdp_span_next(r->rec->p + f->voff, f->vlen, &pos, &p,
	    &len))
		if (*p != '"')
			return false;
	return true;
}

/* The record with "segments" replaced in place, or added at the end. */
static void
rewrite(struct run *r, const struct cdp_field *seg)
{
	struct cdp_recw *w = &r->w;
	int rc = 0;

	cdp_recw_begin(w);
	for (size_t i = 0; i < r->rec->n && rc == 0; i++) {
		if (&r->rec->f[i] == seg)
			rc = cdp_recw_raw(w, SEG_KEY, SEG_KEYLEN, r->arr.p,
			    r->arr.len);
		else
			rc = cdp_recw_field(w, r->rec, &r->rec->f[i]);
	}
	if (rc == 0 && seg == NULL)
		rc = cdp_recw_raw(w, SEG_KEY, SEG_KEYLEN, r->arr.p, r->arr.len);
	if (rc == -1 || cdp_recw_end(w) == -1)
		cdp_oom(0);
}

/*
 * The segments record r->rec belongs to, in r->hit.  Returns how many,
 * or -1 with *why when a rule cannot be evaluated.
 */
static int
match(struct run *r, const char **why)
{
	const struct segment_opts *opt = r->opt;
	int nhit = 0, rc;

	for (int i = 0; i < opt->nsegs; i++) {
		if ((rc = cdp_expr_test(r->when[i], r->rec, why)) == -1)
			return -1;
		if (rc == 1) {
			r->hit[nhit++] = i;
			if (opt->first_match)
				break;
		}
	}
	if (nhit == 0 && opt->else_name != NULL)
		r->hit[nhit++] = opt->nsegs;
	return nhit;
}

/* Write the record (p[0..n), no newline) where its segments say. */
static void
write_segments(struct run *r, const struct cdp_each_at *at, int nhit,
    const char *p, size_t n)
{
	for (int k = 0; k < nhit; k++)
		r->counts[r->hit[k]]++;
	if (r->files == NULL) {
		put(r->out, at, 0, p, n);
		put(r->out, at, 0, "\n", 1);
	}
	for (int k = 0; r->files != NULL && k < nhit; k++) {
		put(r->files[r->hit[k]], at, r->hit[k], p, n);
		put(r->files[r->hit[k]], at, r->hit[k], "\n", 1);
	}
}

/*
 * One parsed record (cdp_each's callback): 0 when written, 1 when
 * dropped (by --where, or with --split in no segment), -1 when bad.
 */
static int
record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	const struct cdp_field *seg;
	const char *p = at->line->p;
	size_t n = at->line->len;
	int nhit, rc;

	r->rec = rec;
	for (int i = 0; i < r->opt->nwhere; i++) {
		if ((rc = cdp_expr_test(r->where[i], rec, why)) == -1)
			return -1;
		if (rc == 0)
			return 1;
	}
	if (r->nall == 0) {
		put(r->out, at, 0, p, n);
		put(r->out, at, 0, "\n", 1);
		return 0;
	}
	if ((nhit = match(r, why)) == -1)
		return -1;
	seg = cdp_rec_find(rec, SEG_KEY, SEG_KEYLEN);
	/* An array of names is an earlier run's, added to; anything else
	 * is not ours to overwrite, unless --replace. */
	if (seg != NULL && !r->opt->replace && !names(r, seg)) {
		*why = "field \"segments\" already exists";
		return -1;
	}
	/* A record that gains nothing is copied as it came. */
	if (build_array(r, r->opt->replace ? NULL : seg, nhit) > 0 ||
	    seg == NULL || seg->type == CDP_NULL || r->opt->replace) {
		rewrite(r, seg);
		p = r->w.b.p;
		n = r->w.b.len - 1;
	}
	write_segments(r, at, nhit, p, n);
	return r->files != NULL && nhit == 0;
}

/* --split: the folder (made when missing) and one file per segment. */
static void
open_split(struct run *r)
{
	const char *dir = r->opt->split;
	struct cdp_err err;
	struct cdp_buf path = { 0 };

	if (mkdir(dir, 0777) == -1 && errno != EEXIST)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot create: %s",
		    strerror(errno));
	r->files = cdp_xcalloc((size_t)r->nall, sizeof(*r->files));
	for (int i = 0; i < r->nall; i++) {
		cdp_buf_reset(&path);
		if (cdp_buf_addf(&path, "%s/%s.ndjson", dir,
		    seg_name(r, i)) == -1)
			cdp_oom(0);
		if ((r->files[i] = cdp_out_open(path.p, &err)) == NULL)
			cdp_die_err(&err, NULL, 0);
		cdp_out_line_mode(r->files[i], r->opt->common.unbuffered);
	}
	cdp_buf_free(&path);
}

static void
close_outputs(struct run *r)
{
	struct cdp_err err;

	if (cdp_out_close(r->out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r->out = NULL;
	for (int i = 0; r->files != NULL && i < r->nall; i++) {
		if (cdp_out_close(r->files[i], &err) == -1)
			cdp_die_err(&err, NULL, 0);
		r->files[i] = NULL;
	}
}

/* --stats: the account, then "segment.NAME": records for each segment
 * (in their order, --else last), keeping the line flat (DESIGN.md). */
static void
print_stats(struct run *r)
{
	struct cdp_buf *b = &r->tmp;
	struct cdp_err err;
	int rc;

	cdp_buf_reset(b);
	rc = cdp_buf_addf(b, "{\"read\":%llu,\"written\":%llu,"
	    "\"rejected\":%llu,\"dropped\":%llu",
	    r->acct.read, r->acct.written, r->acct.rejected, r->acct.dropped);
	for (int i = 0; i < r->nall && rc == 0; i++) {
		const char *nm = seg_name(r, i);
		size_t at = b->len;

		/* The name is quoted whole, then "segment." slipped in. */
		if (cdp_buf_addc(b, ',') == -1 ||
		    cdp_json_quote(b, nm, strlen(nm)) == -1 ||
		    cdp_buf_addf(b, ":%llu", r->counts[i]) == -1 ||
		    cdp_buf_reserve(b, 8) == -1)
			rc = -1;
		else {
			memmove(b->p + at + 10, b->p + at + 2,
			    b->len - at - 2 + 1);
			memcpy(b->p + at + 2, "segment.", 8);
			b->len += 8;
		}
	}
	for (int i = 0; i < CDP_ACCT_MAXEXTRA && r->acct.extra[i].name &&
	    rc == 0; i++)
		rc = cdp_buf_addf(b, ",\"%s\":%llu", r->acct.extra[i].name,
		    r->acct.extra[i].n);
	if (rc == -1)
		cdp_oom(0);
	if (cdp_stats_emit(b, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* A thread's copy of r: its own rules, counts and scratch. */
static void
worker_init(struct run *w, const struct run *r)
{
	const struct segment_opts *opt = r->opt;

	*w = (struct run){ .opt = opt, .out = r->out, .files = r->files,
	    .nall = r->nall };
	w->where = cdp_xcalloc((size_t)opt->nwhere + 1, sizeof(*w->where));
	w->when = cdp_xcalloc((size_t)opt->nsegs + 1, sizeof(*w->when));
	for (int i = 0; i < opt->nwhere; i++)
		if ((w->where[i] = cdp_expr_clone(opt->where[i])) == NULL)
			cdp_oom(0);
	for (int i = 0; i < opt->nsegs; i++)
		if ((w->when[i] = cdp_expr_clone(opt->segs[i].when)) == NULL)
			cdp_oom(0);
	w->counts = cdp_xcalloc((size_t)r->nall + 1, sizeof(*w->counts));
	w->hit = cdp_xcalloc((size_t)r->nall + 1, sizeof(*w->hit));
}

static void
worker_free(struct run *w)
{
	for (int i = 0; i < w->opt->nwhere; i++)
		cdp_expr_free(w->where[i]);
	for (int i = 0; i < w->opt->nsegs; i++)
		cdp_expr_free(w->when[i]);
	free(w->where);
	free(w->when);
	free(w->counts);
	free(w->hit);
	cdp_recw_free(&w->w);
	cdp_buf_free(&w->arr);
	cdp_buf_free(&w->tmp);
}

/* The records in parallel blocks, written in input order (par.h). */
static void
run_parallel(struct run *r, char **files, int nfiles, int threads,
    struct cdp_par_info *info)
{
	struct run *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	void **ctx = cdp_xcalloc((size_t)threads, sizeof(*ctx));
	struct cdp_par_prog prog = { .record = record, .ctx = ctx,
	    .outs = r->files != NULL ? r->files : &r->out,
	    .nouts = r->files != NULL ? r->nall : 1, .block_lines = true };

	for (int i = 0; i < threads; i++) {
		worker_init(&w[i], r);
		ctx[i] = &w[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &r->opt->common, &r->acct,
	    info);
	for (int i = 0; i < threads; i++) {
		for (int k = 0; k < r->nall; k++)
			r->counts[k] += w[i].counts[k];
		worker_free(&w[i]);
	}
	free(w);
	free(ctx);
}

int
segment_run(const struct segment_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_par_info info = { 0 };
	struct cdp_err err;
	const char *bad;
	off_t total;
	int threads = cdp_par_threads(&opt->common, &info.asked);

	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.nall = opt->nsegs + (opt->else_name != NULL);
	r.where = opt->where;
	r.when = cdp_xcalloc((size_t)opt->nsegs + 1, sizeof(*r.when));
	for (int i = 0; i < opt->nsegs; i++)
		r.when[i] = opt->segs[i].when;
	r.counts = cdp_xcalloc((size_t)r.nall + 1, sizeof(*r.counts));
	r.hit = cdp_xcalloc((size_t)r.nall + 1, sizeof(*r.hit));
	if (opt->split != NULL)
		open_split(&r);
	else if ((r.out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	else
		cdp_out_line_mode(r.out, opt->common.unbuffered);
	if (cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (r.acct.rejects != NULL)
		cdp_out_line_mode(r.acct.rejects, opt->common.unbuffered);
	if (threads > 1)
		run_parallel(&r, files, nfiles, threads, &info);
	else
		cdp_each(files, nfiles, &opt->common, &r.acct, record, &r);
	close_outputs(&r);
	if (cdp_acct_close(&r.acct, false, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_par_account(&info, &r.acct);
	if (opt->common.stats)
		print_stats(&r);
	cdp_recw_free(&r.w);
	cdp_buf_free(&r.arr);
	cdp_buf_free(&r.tmp);
	free(r.files);
	free(r.counts);
	free(r.hit);
	free(r.when);
	return 0;
}
