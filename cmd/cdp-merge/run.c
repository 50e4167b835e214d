/*
 * run.c - cdp-merge's two passes: index every input (spilling the ones
 * that cannot be read twice to a temporary file), resolve, then read the
 * records again and write each with its profile_id.
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
#include "fieldseen.h"
#include "idvals.h"
#include "index.h"
#include "lines.h"
#include "merge.h"
#include "out.h"
#include "par.h"
#include "pid.h"
#include "precs.h"
#include "prior.h"
#include "progress.h"
#include "prob.h"
#include "profiles.h"
#include "record.h"
#include "resolve.h"
#include "xalloc.h"

/* One input and how the second pass finds it again. */
struct input {
	const char	*path;
	const char	*name;	/* in messages */
	int		 fd;	/* a parallel pass 1's, till its end */
	bool		 spilled;	/* a pipe: lines are in the spill file */
	size_t		 nlines;	/* non-blank lines in pass 1 */
};

struct run {
	const struct merge_opts	*opt;
	struct index		 ix;
	struct cdp_acct		 acct;
	struct cdp_out		*out;
	struct cdp_rec		 rec;
	struct cdp_recw		 w;
	struct input		*in;
	int			 nin;
	int			 spill;	/* fd of the spill file, or -1 */
	struct cdp_buf		 sbuf;	/* spill write buffer */
	uint64_t		 spos;	/* bytes spilled, buffered included */
	uint64_t		*roff;	/* --profiles: record k's place */
	size_t			 rcap;
	size_t			 seq;	/* non-blank lines so far */
	size_t			 k;	/* good records so far */
	struct cdp_buf		 ex;	/* --explain: one record's ids */
	struct cdp_progress	 prog;	/* drawn during the first pass */
	off_t			 done;	/* bytes of the inputs finished */
	struct prob		*lk;	/* --probabilistic: the linker */
	struct resolve		 rs;	/* links of records to records */
	struct cdp_err		 perr;	/* why a line did not parse */
	int			 next;	/* a parallel pass 1's next input */
	struct cdp_fieldseen	 seen;	/* the --ids fields some record had */
	struct cdp_par_info	 par;
	struct precs_lines	 plines;	/* --emit-links --part K/N */
};

#define SPILL_FLUSH	((size_t)1 << 20)

static void
spill_flush(struct run *r)
{
	size_t done = 0;

	while (done < r->sbuf.len) {
		ssize_t n = write(r->spill, r->sbuf.p + done,
		    r->sbuf.len - done);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			cdp_die(EX_IOERR, NULL, 0, "temporary file: %s",
			    strerror(errno));
		done += (size_t)n;
	}
	cdp_buf_reset(&r->sbuf);
}

/* A temporary file, removed at once so nothing is left behind. */
static int
spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	struct cdp_buf path = { 0 };
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (cdp_buf_addf(&path, "%s/cdp-merge.XXXXXX", dir) == -1)
		cdp_oom(0);
	if ((fd = mkstemp(path.p)) == -1)
		cdp_die(EX_CANTCREAT, path.p, 0, "cannot create temporary "
		    "file: %s", strerror(errno));
	unlink(path.p);
	cdp_buf_free(&path);
	return fd;
}

/*
 * Keep a line for the second pass.  A bad line is kept as "x": only its
 * place matters (the second pass skips it), and a placeholder cannot
 * turn blank as a cut too-long line might.
 */
static void
spill_line(struct run *r, const char *p, size_t n, bool good)
{
	if (!good) {
		p = "x";
		n = 1;
	}
	if (cdp_buf_add(&r->sbuf, p, n) == -1 || cdp_buf_addc(&r->sbuf,
	    '\n') == -1)
		cdp_oom(0);
	r->spos += n + 1;
	if (r->sbuf.len >= SPILL_FLUSH)
		spill_flush(r);
}

/* --profiles: spill a good record and remember where it starts. */
static void
keep_record(struct run *r, const char *p, size_t n)
{
	if (r->ix.nrecs + 1 > r->rcap) {
		size_t cap = r->rcap ? 2 * r->rcap : 1024;
		r->roff = cdp_xreallocarray(r->roff, cap, sizeof(*r->roff));
		r->rcap = cap;
	}
	/* index_add() has counted the record: it is number nrecs - 1. */
	r->roff[r->ix.nrecs - 1] = r->spos;
	spill_line(r, p, n, true);
}

static int
open_input(const char *path, const char **name, bool *regular)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0) {
		*name = "<stdin>";
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY)) == -1) {
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	} else {
		*name = path;
	}
	if (fstat(fd, &st) == -1)
		cdp_die(EX_NOINPUT, *name, 0, "cannot stat: %s",
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		cdp_die(EX_NOINPUT, *name, 0, "is a directory");
	*regular = S_ISREG(st.st_mode);
	return fd;
}

/* A bad record: its _src in the rejects file is the input's name. */
static void
reject(struct run *r, const struct input *in, const struct cdp_line *l,
    const char *why)
{
	struct cdp_err err;

	r->acct.read++;
	if (cdp_acct_reject(&r->acct, in->name, l->lineno, why, l->p, l->len,
	    &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? in->name : NULL,
		    l->lineno);
}

/* Whether field f is an array of strings (or nulls). */
static bool
strings(struct cdp_rec *rec, const struct cdp_field *f, struct cdp_buf *b)
{
	struct cdp_idvals it;
	const char *s, *why;
	size_t n;
	int rc;

	if (f->type != CDP_ARRAY)
		return false;
	cdp_idvals_start(&it, rec, "_sources", 8, false);
	while ((rc = cdp_idvals_next(&it, b, &s, &n, &why)) == 1)
		if (!it.str)
			return false;
	return rc == 0;
}

/* The fields --profiles writes, in an input record: 0, or -1 (*why). */
static int
owned_fields(struct index *ix, struct cdp_rec *rec, const char **why)
{
	const struct cdp_field *f;
	double d;

	if (ix->opt->profiles && !ix->opt->replace) {
		if ((f = cdp_rec_find(rec, "_records", 8)) != NULL &&
		    (cdp_rec_num(rec, f, &d) == -1 || d < 1 || d > 9e15 ||
		    d != (double)(long long)d)) {
			*why = "field \"_records\" already exists";
			return -1;
		}
		if ((f = cdp_rec_find(rec, "_sources", 8)) != NULL &&
		    !strings(rec, f, &ix->val)) {
			*why = "field \"_sources\" already exists";
			return -1;
		}
		if ((f = cdp_rec_find(rec, "_ids", 4)) != NULL &&
		    f->type != CDP_OBJECT) {
			*why = "field \"_ids\" already exists";
			return -1;
		}
	}
	return 0;
}

int
merge_owned(struct index *ix, struct cdp_rec *rec, const char **why)
{
	if (owned_fields(ix, rec, why) == -1)
		return -1;
	return prior_carry(ix, rec, why);
}

/*
 * Pass 1 for one non-blank line: parse it, hand it to the linker and to
 * the identifier index.  False with the reason in *why for a bad record,
 * which neither keeps.
 */
static bool
pass1_record(struct run *r, const struct cdp_line *l, const char **why)
{
	uint32_t ids[MAX_IDS];
	int k;

	if (l->too_long) {
		*why = "record longer than --max-record-bytes";
		return false;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &r->perr) == -1) {
		if (r->perr.code != EX_DATAERR)
			cdp_die_err(&r->perr, NULL, 0);
		*why = r->perr.msg;
		return false;
	}
	if (merge_owned(&r->ix, &r->rec, why) == -1 ||
	    (r->lk != NULL && prob_add(r->lk, &r->rec, why) == -1))
		return false;
	if ((k = index_add(&r->ix, &r->rec, ids, why)) == -1) {
		if (r->lk != NULL)
			prob_drop_last(r->lk);
		return false;
	}
	prior_carry_add(&r->ix, ids, k);
	cdp_fieldseen_record(&r->seen, &r->rec);
	if (r->opt->truth != NULL)
		resolve_truth(&r->rs, &r->rec);
	return true;
}

/* The good record r->rec of line l: is the line its fields in the
 * writer's form and its '}', with no profile_id (precs.h)? */
static bool
plain_line(struct run *r, const struct cdp_line *l)
{
	return l->len > 0 && l->p[l->len - 1] == '}' &&
	    cdp_rec_compact_end(&r->rec) + 1 == l->len &&
	    cdp_rec_find(&r->rec, "profile_id", 10) == NULL;
}

static void
pass1_input(struct run *r, struct input *in)
{
	struct cdp_lines *lr;
	struct cdp_line l;
	struct cdp_err err;
	bool regular;
	int fd = open_input(in->path, &in->name, &regular), rc;

	/* Standard input cannot be opened again, even when redirected
	 * from a file. */
	in->spilled = !regular || fd == STDIN_FILENO;
	/* --emit-links reads its inputs once. */
	if (r->opt->emit_links)
		in->spilled = false;
	if ((in->spilled || r->opt->profiles) && r->spill == -1)
		r->spill = spill_open();
	lr = cdp_lines_open_fd(fd, in->name, NULL, 0,
	    r->opt->common.max_record_bytes, &err);
	if (lr == NULL || (r->opt->part_n > 0 && cdp_lines_part(lr,
	    r->opt->part_k, r->opt->part_n, &err) == -1))
		cdp_die_err(&err, in->name, 0);
	/* --part: the bar goes over the part's bytes, not the file's */
	if (r->opt->part_n > 0)
		r->prog.total = cdp_lines_to(lr) - cdp_lines_from(lr);
	/* --part K/N: "FILE[K/N]" in messages, as lines count in the part. */
	in->name = cdp_lines_name(lr);
	while ((rc = cdp_lines_next(lr, &l, &err)) == 1) {
		const char *why;
		bool good = pass1_record(r, &l, &why);

		index_line(&r->ix, good);
		in->nlines++;
		if (r->opt->profiles && good)
			keep_record(r, l.p, l.len);
		else if (in->spilled && !r->opt->profiles)
			spill_line(r, l.p, l.len, good);
		if (good)
			r->acct.read++;
		else
			reject(r, in, &l, why);
		if (good && r->opt->emit_links && r->opt->part_n > 0)
			precs_line(&r->plines, l.lineno, plain_line(r, &l));
		cdp_progress_update(&r->prog, r->acct.read, r->done +
		    cdp_lines_offset(lr) - cdp_lines_from(lr));
	}
	r->done += cdp_lines_offset(lr) - cdp_lines_from(lr);
	if (rc == -1)
		cdp_die_err(&err, in->name, 0);
	cdp_lines_close(lr);
	in->name = strcmp(in->path, "-") == 0 ? "<stdin>" : in->path;
	if (fd != STDIN_FILENO)
		close(fd);
}

/* The --ids fields, to be told when no record has one (fieldseen.h). */
static void
ids_watch(struct cdp_fieldseen *fs, const struct merge_opts *opt)
{
	cdp_fieldseen_init(fs, true);
	for (int i = 0; i < opt->nids; i++)
		cdp_fieldseen_add(fs, opt->ids[i].name, opt->ids[i].nlen);
}

/* ---- a parallel first pass (par.h) ----
 *
 * Without --probabilistic and --truth, threads parse records and take
 * their identifiers, normalised; one lane, in input order, makes the
 * nodes and edges, keeps the lines the second pass needs and counts
 * good and bad lines, as one thread does.
 */

/* A non-blank line for the lane (then its values and carried id). */
struct mitem {
	struct cdp_key128	rkey;
	size_t			off, len;	/* the line in the block */
	size_t			vlen;	/* bytes of values */
	int			k;	/* values, or -1: a bad line */
	uint32_t		plen;
	bool			prior;	/* carries a profile_id */
};

struct mworker {
	const struct merge_opts	*opt;
	struct index		 ix;
	struct cdp_rec		 rec;
	struct cdp_buf		 vals;
	struct cdp_err		 perr;
	struct cdp_fieldseen	 seen;
};

/* Check line l and take its identifiers into w->vals: k >= 0, or -1
 * with *why. */
static int
par_check(struct mworker *w, const struct cdp_line *l, struct mitem *it,
    const char **pid, const char **why)
{
	size_t n = 0;
	int rc;

	if (l->too_long) {
		*why = "record longer than --max-record-bytes";
		return -1;
	}
	if (cdp_rec_parse(&w->rec, l->p, l->len, &w->perr) == -1) {
		if (w->perr.code != EX_DATAERR)
			cdp_die_err(&w->perr, NULL, 0);
		*why = w->perr.msg;
		return -1;
	}
	if (owned_fields(&w->ix, &w->rec, why) == -1 ||
	    (rc = prior_of_record(&w->ix, &w->rec, pid, &n, why)) == -1)
		return -1;
	it->prior = rc == 1;
	it->plen = (uint32_t)n;
	if (w->ix.record_links)
		it->rkey = index_record_key(&w->rec);
	if ((rc = index_record_values(&w->ix, &w->rec, &w->vals, why)) >= 0)
		cdp_fieldseen_record(&w->seen, &w->rec);
	return rc;
}

static void
par_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	struct mworker *w = ctx;
	struct mitem it = { .off = (size_t)(l->p - b->p), .len = l->len };
	const char *why, *pid = NULL;

	b->n.read++;
	cdp_buf_reset(&w->vals);
	if ((it.k = par_check(w, l, &it, &pid, &why)) == -1) {
		cdp_par_reject(b, l->lineno, why, l->p, l->len);
		it.prior = false;
		it.plen = 0;
	}
	it.vlen = w->vals.len;
	if (cdp_buf_add(&b->lane[0], &it, sizeof(it)) == -1 ||
	    cdp_buf_add(&b->lane[0], w->vals.p, w->vals.len) == -1 ||
	    (it.prior && cdp_buf_add(&b->lane[0], pid, it.plen) == -1))
		cdp_oom(0);
}

static void
par_block(void *ctx, struct cdp_par_block *b)
{
	struct mworker *w = ctx;

	cdp_par_lines(b, w->opt->common.max_record_bytes ?
	    w->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES, par_line,
	    w);
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct run *r = lctx;
	struct input *in = &r->in[b->input];
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	struct mitem it;

	while (p < end) {
		const char *vals, *line;
		bool good;

		memcpy(&it, p, sizeof(it));
		vals = p + sizeof(it);
		p = vals + it.vlen + it.plen;
		line = b->p + it.off;
		good = it.k >= 0;
		index_line(&r->ix, good);
		in->nlines++;
		if (good) {
			uint32_t ids[MAX_IDS];

			prior_pend(&r->ix, it.prior ? vals + it.vlen : NULL,
			    it.plen);
			index_add_values(&r->ix, vals, it.k, it.rkey, ids);
			prior_carry_add(&r->ix, ids, it.k);
		} else
			index_add_nodes(&r->ix, vals, it.vlen);
		if (r->opt->profiles && good)
			keep_record(r, line, it.len);
		else if (in->spilled && !r->opt->profiles)
			spill_line(r, line, it.len, good);
	}
}

/* The engine's inputs: each opened as pass1_input() opens it. */
static int
par_next(void *shared, struct cdp_par_input *pin)
{
	struct run *r = shared;
	struct input *in;
	bool regular;
	int fd;

	if (r->next >= r->nin)
		return 0;
	in = &r->in[r->next++];
	fd = open_input(in->path, &in->name, &regular);
	/* Standard input cannot be opened again, even when redirected
	 * from a file. */
	in->spilled = (!regular || fd == STDIN_FILENO) && !r->opt->emit_links;
	if ((in->spilled || r->opt->profiles) && r->spill == -1)
		r->spill = spill_open();
	in->fd = fd;
	*pin = (struct cdp_par_input){ .fd = fd, .name = in->name,
	    .line = 1, .bom = true };
	return 1;
}

static void
par_done(void *shared, int input)
{
	struct run *r = shared;

	if (r->in[input].fd != STDIN_FILENO)
		close(r->in[input].fd);
}

static void
pass1_parallel(struct run *r, int threads)
{
	struct mworker *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void *lctx[1] = { r };
	struct cdp_par_prog prog = { .block = par_block, .ctx = wctx,
	    .nlanes = 1, .lane = par_lane, .lctx = lctx, .shared = r,
	    .next = par_next, .done = par_done, .progress = &r->prog };

	for (int i = 0; i < threads; i++) {
		w[i].opt = r->opt;
		index_init(&w[i].ix, r->opt, r->ix.record_links);
		ids_watch(&w[i].seen, r->opt);
		wctx[i] = &w[i];
	}
	cdp_par_run(&prog, NULL, 0, threads, &r->opt->common, &r->acct,
	    &r->par);
	for (int i = 0; i < threads; i++) {
		r->ix.ignored += w[i].ix.ignored;
		cdp_fieldseen_merge(&r->seen, &w[i].seen);
		cdp_fieldseen_free(&w[i].seen);
		index_free(&w[i].ix);
		cdp_rec_free(&w[i].rec);
		cdp_buf_free(&w[i].vals);
	}
	free(w);
	free(wctx);
}

static void
write_record(struct run *r, const char *id)
{
	struct cdp_recw *w = &r->w;
	struct cdp_err err;

	merge_annotate(w, &r->rec, id);
	if (cdp_out_write(r->out, w->b.p, w->b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r->acct.written++;
}

/*
 * --explain: for a record of the profile, its provenance, its number
 * among the good records and its identifiers; others are dropped.
 */
static void
explain_record(struct run *r, const char *id, size_t k)
{
	const struct cdp_field *src = cdp_rec_find(&r->rec, "_src", 4);
	const struct cdp_field *line = cdp_rec_find(&r->rec, "_line", 5);
	struct cdp_recw *w = &r->w;
	struct cdp_err err;

	if (strcmp(id, r->opt->explain) != 0) {
		r->acct.dropped++;
		return;
	}
	index_explain(&r->ix, k, &r->ex);
	cdp_recw_begin(w);
	if (cdp_recw_str(w, "profile_id", 10, id, strlen(id)) == -1 ||
	    cdp_recw_int(w, "record", 6, (long long)k + 1) == -1 ||
	    (src != NULL && cdp_recw_field(w, &r->rec, src) == -1) ||
	    (line != NULL && cdp_recw_field(w, &r->rec, line) == -1) ||
	    cdp_recw_raw(w, "ids", 3, r->ex.p, r->ex.len) == -1 ||
	    cdp_recw_end(w) == -1)
		cdp_oom(0);
	if (cdp_out_write(r->out, w->b.p, w->b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r->acct.written++;
}

/* Second pass over one input's lines (from lr, at most in->nlines). */
static void
pass2_lines(struct run *r, const struct input *in, struct cdp_lines *lr)
{
	struct cdp_line l;
	struct cdp_err err;
	size_t left = in->nlines;
	int rc = 1;

	while (left > 0 && (rc = cdp_lines_next(lr, &l, &err)) == 1) {
		char id[PROFILE_ID_SIZE];

		left--;
		if (!index_good(&r->ix, r->seq++))
			continue;
		if (cdp_rec_parse(&r->rec, l.p, l.len, &err) == -1)
			cdp_die(EX_DATAERR, in->name, l.lineno, "input changed "
			    "between the two passes");
		index_profile(&r->ix, r->k, &r->rec,
		    prior_carried(&r->ix, r->k), id);
		if (r->opt->explain != NULL)
			explain_record(r, id, r->k);
		else
			write_record(r, id);
		r->k++;
	}
	if (rc == -1)
		cdp_die_err(&err, in->name, 0);
	if (left > 0)
		cdp_die(EX_DATAERR, in->name, 0, "input changed between the "
		    "two passes");
}

static void
pass2(struct run *r)
{
	struct cdp_lines *spill = NULL;
	struct cdp_err err;

	if (r->spill != -1) {
		spill_flush(r);
		if (lseek(r->spill, 0, SEEK_SET) == -1 ||
		    (spill = cdp_lines_open_fd(r->spill, "<temporary file>",
		    NULL, 0, r->opt->common.max_record_bytes, &err)) == NULL)
			cdp_die(EX_IOERR, NULL, 0, "temporary file: cannot "
			    "read back");
	}
	for (int i = 0; i < r->nin; i++) {
		const struct input *in = &r->in[i];
		struct cdp_lines *lr = spill;

		if (!in->spilled && (lr = cdp_lines_open(in->path,
		    r->opt->common.max_record_bytes, &err)) == NULL)
			cdp_die_err(&err, in->path, 0);
		pass2_lines(r, in, lr);
		if (!in->spilled)
			cdp_lines_close(lr);
	}
	cdp_lines_close(spill);
}

static void
set_stats(struct run *r)
{
	static const char *const names[] = { "clusters", "unlinked",
	    "ignored", "over_degree", "candidate_pairs", "matched_pairs",
	    "links_cut", "bridges", "largest_cluster" };
	unsigned long long n[] = { r->ix.clusters, r->ix.unlinked,
	    r->ix.ignored, r->ix.over_degree, 0, r->rs.matched,
	    r->rs.cl.cut, r->rs.cl.bridges, r->rs.cl.largest };
	size_t count = r->lk != NULL ? 9 : 4;

	if (r->lk != NULL)
		n[4] = prob_npairs(r->lk);
	for (size_t i = 0; i < count; i++) {
		r->acct.extra[i].name = names[i];
		r->acct.extra[i].n = n[i];
	}
}

/* --train-only: the fitted parameters instead of records (which are
 * all used for the fit, none written); --truth: the evaluation. */
static void
instead_of_records(struct run *r)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	if (r->opt->truth != NULL) {
		resolve_evaluate(&r->rs, r->out);
	} else {
		prob_settings_json(r->lk, &b);
		if (cdp_out_write(r->out, b.p, b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		cdp_buf_free(&b);
	}
	r->acct.dropped = r->acct.read - r->acct.rejected;
}

/* --prior with --probabilistic: each prior record to the linker too. */
static const char *
prior_to_linker(void *ctx, struct cdp_rec *rec, uint32_t id)
{
	struct run *r = ctx;
	const char *why;

	if (prob_add(r->lk, rec, &why) == -1)
		return why;
	prob_mark_old(r->lk, id);
	return NULL;
}

/* The inputs' total size for the progress bar, -1 when unknown. */
static off_t
input_bytes(char **files, int nfiles)
{
	off_t total = 0;

	for (int i = 0; i < nfiles; i++) {
		struct stat st;

		if (strcmp(files[i], "-") == 0 || stat(files[i], &st) == -1 ||
		    !S_ISREG(st.st_mode))
			return -1;
		total += st.st_size;
	}
	return total;
}

/*
 * --emit-links over a byte range (--part K/N): room for the range's
 * values before they come, one per EMIT_BYTES_PER_VALUE bytes (the
 * identifier-rich events of bench/run.sh have one per 194, so that at
 * 256 the map still grew twice, 7% of an emit), so that the map of
 * values is not rehashed on its way up; more values grow it as usual.
 * 24 bytes a slot, a quarter more slots: the room is a fifth of the
 * range's size.
 * Nothing when the size is unknown.
 */
#define EMIT_BYTES_PER_VALUE	160

static void
emit_reserve(struct run *r, char **files, int nfiles)
{
	off_t bytes;

	if (!r->opt->emit_links || r->opt->part_n <= 0 ||
	    (bytes = input_bytes(files, nfiles)) <= 0)
		return;
	index_reserve(&r->ix, (size_t)(bytes / r->opt->part_n /
	    EMIT_BYTES_PER_VALUE));
}

int
merge_run(const struct merge_opts *opt, char **files, int nfiles)
{
	static char *stdin_only[] = { "-" };
	struct run r = { .opt = opt, .spill = -1 };
	struct cdp_out *idmap = NULL;
	struct cdp_err err;
	int threads;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	/* No input may be an output of the run (64 before any reading). */
	for (int i = 0; i < nfiles; i++)
		if (cdp_out_check_input(files[i], &err) == -1)
			cdp_die_err(&err, strcmp(files[i], "-") == 0 ?
			    "<stdin>" : files[i], 0);
	r.in = cdp_xcalloc((size_t)nfiles, sizeof(*r.in));
	r.nin = nfiles;
	index_init(&r.ix, opt, opt->probabilistic);
	r.ix.pk = pidkey_of(opt);
	ids_watch(&r.seen, opt);
	if (opt->probabilistic)
		r.lk = prob_new(&opt->prob);
	r.rs = (struct resolve){ .opt = opt, .ix = &r.ix, .lk = r.lk };
	if (opt->prior != NULL)
		prior_load(&r.ix, opt->prior, opt->prior_map, r.lk != NULL ?
		    prior_to_linker : NULL, &r);
	/* --emit-links writes a folder of its own (links.c). */
	if ((!opt->emit_links && (r.out = cdp_out_open(opt->common.output,
	    &err)) == NULL) ||
	    cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_progress_start(&r.prog, opt->common.progress,
	    input_bytes(files, nfiles));
	emit_reserve(&r, files, nfiles);
	for (int i = 0; i < nfiles; i++)
		r.in[i].path = files[i];
	/* --part K/N reads its byte range in one thread. */
	threads = opt->probabilistic || opt->truth != NULL ||
	    opt->part_n > 0 ? 1 :
	    cdp_par_threads(&opt->common, &r.par.asked);
	if (threads > 1)
		pass1_parallel(&r, threads);
	else
		for (int i = 0; i < nfiles; i++)
			pass1_input(&r, &r.in[i]);
	cdp_progress_end(&r.prog);
	/* --ids no record has: a misspelt name, surely (cdp-merge(1));
	 * --probabilistic links by its model even so. */
	if (cdp_fieldseen_report(&r.seen, false) && !opt->allow_no_ids &&
	    !opt->probabilistic)
		cdp_die(EX_DATAERR, NULL, 0, "no record has any of the --ids "
		    "fields (%s)", cdp_fieldseen_names(&r.seen));
	cdp_fieldseen_free(&r.seen);
	if (opt->emit_links) {
		links_emit(&r.ix, &r.acct, files, nfiles, &r.plines);
		goto done;
	}
	resolve_links(&r.rs);
	/* Ids of a --prior run and ids the records carry are kept alike. */
	if (opt->prior != NULL || opt->id_map != NULL || r.ix.prior.n > 0)
		idmap = prior_apply(&r.ix, opt->id_map, resolve_ledger(&r.rs));
	index_count(&r.ix);
	if (opt->prob.explain != NULL)
		explain_write(&r.rs, opt->prob.explain);
	if (opt->probabilistic && (opt->prob.train_only ||
	    opt->truth != NULL)) {
		instead_of_records(&r);
	} else if (opt->profiles) {
		if (r.spill != -1)
			spill_flush(&r);
		r.acct.merging = true;
		profiles_write(&r.ix, r.spill, r.roff, r.spos, r.out,
		    &r.acct);
	} else {
		pass2(&r);
	}
	if (opt->explain != NULL && r.acct.written == 0)
		cdp_die(EX_DATAERR, NULL, 0, "--explain: no profile %s",
		    opt->explain);
done:
	if (cdp_out_close(r.out, &err) == -1 ||
	    cdp_out_close(idmap, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (!opt->emit_links)
		set_stats(&r);
	cdp_par_account(&r.par, &r.acct);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (r.spill != -1)
		close(r.spill);
	prob_free(r.lk);
	resolve_free(&r.rs);
	index_free(&r.ix);
	cdp_rec_free(&r.rec);
	cdp_recw_free(&r.w);
	cdp_buf_free(&r.sbuf);
	free(r.roff);
	free(r.plines.line);
	cdp_buf_free(&r.ex);
	free(r.in);
	return 0;
}
