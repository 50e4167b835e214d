/*
 * run.c - cdp-ingest's main loop: open each input, tell its format and
 * delimiter, turn its rows or objects into cells, apply the plan and
 * write records; the reject guard and the warnings at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csvin.h"
#include "diag.h"
#include "ingest.h"
#include "input.h"
#include "jsonin.h"
#include "keymap.h"
#include "lines.h"
#include "par.h"
#include "progress.h"
#include "sniff.h"
#include "xalloc.h"

#define SNIFF_MAX	((size_t)64 << 10)	/* bytes the sniffer may see */
#define MAX_REASONS	64	/* distinct reject reasons tallied */
#define TOP_REASONS	3	/* named when the guard stops a run */

/* A reject reason and how often it came (for the guard's message). */
struct reason {
	char			*text;
	unsigned long long	 n;
};

/* Everything one run holds. */
struct run {
	const struct ingest_opts *opt;
	struct cdp_out		*out;
	struct cdp_acct		 acct;
	struct plan_work	 work;
	struct cdp_recw		 w;
	struct cdp_rec		 rec;
	struct cdp_buf		 keys;	/* unescaped keys of a JSON record */
	struct cdp_buf		 raw;	/* a CSV row as text, for rejects */
	struct cdp_buf		 nest;	/* a nested object being built */
	struct cell		*cells;
	size_t			 ncap;
	struct cdp_progress	 prog;
	off_t			 done;	/* bytes of the inputs finished */
	bool			 plan;	/* anything to apply per field */
	bool			 saw;	/* a header or a record was read */
	struct reason		 reasons[MAX_REASONS];
	size_t			 nreasons;
	unsigned long long	 other;	/* rejects beyond MAX_REASONS kinds */
	/* the current input */
	struct input		 in;
	const char		*file;	/* name in messages */
	const char		*src;	/* _src value */
	size_t			 srclen;
	uintptr_t		 plo, phi;	/* a CSV row's fields, when
					   they need no escaping */
	const char		*qsrc;	/* the same quoted as JSON */
	size_t			 qsrclen;
	struct cdp_buf		 srcq;	/* (the main run's) */
	struct cdp_buf		 srcname;	/* "NAME/BASE" for --source */
	/* parallel runs (par.h): the block a worker is on, its tallies;
	 * the CSV columns every worker reads by; the input's blocks */
	struct cdp_par_block	*blk;
	struct tally		*tl;
	const struct column	*cols;
	size_t			 ncols;
	char			 delim;
	struct cdp_par_input	 pin;
	bool			 given;
	off_t			 hdr;	/* input bytes the header row took */
	int			 threads;
	struct run		*workers;
	void			**wctx;
	struct cdp_par_info	 info;
};

/*
 * What a block did to the --on-bad-value tallies: its counts, and a copy
 * of them at each of its rejects, so that --max-rejects stops with the
 * counts one thread would have had.
 */
struct tally {
	unsigned long long	*bad;
	unsigned long long	 total;
	unsigned long long	*snaps;	/* per reject: nspecs + 1 counts */
	size_t			 nsnaps, snapcap;
	int			 n;
};

static void	run_free(struct run *r);

static void
die_err(const struct cdp_err *err, const char *file, long line)
{
	cdp_die_err(err, file, line);
}

static struct cell *
cells_for(struct run *r, size_t n)
{
	if (cdp_grow((void **)&r->cells, &r->ncap, n, sizeof(*r->cells)) ==
	    -1)
		cdp_oom(0);
	return r->cells;
}

static bool
is_provenance(const char *k, size_t n)
{
	return (n == 4 && memcmp(k, "_src", 4) == 0) ||
	    (n == 5 && memcmp(k, "_line", 5) == 0);
}

/* A decoding step that failed ends the run with its own message (a
 * parallel run checks when the input is closed). */
static void
check_input(struct run *r)
{
	if (r->blk == NULL && input_failed(&r->in))
		input_close(&r->in);
}

/* A copy of the worker's tallies of its block so far, at a reject. */
static void
tally_snap(struct run *r)
{
	struct tally *t = r->tl;
	size_t k = (size_t)t->n + 1;

	cdp_xgrow((void **)&t->snaps, &t->snapcap, (t->nsnaps + 1) * k,
	    sizeof(*t->snaps));
	memcpy(t->snaps + t->nsnaps * k, r->work.bad, (size_t)t->n *
	    sizeof(*t->snaps));
	t->snaps[t->nsnaps * k + (size_t)t->n] = r->work.bad_total;
	t->nsnaps++;
}

/* Count reason, without the value --verbose appends. */
static void
tally(struct run *r, const char *why)
{
	const char *v = strstr(why, " (value ");
	size_t n = v != NULL ? (size_t)(v - why) : strlen(why);

	for (size_t i = 0; i < r->nreasons; i++)
		if (strlen(r->reasons[i].text) == n &&
		    memcmp(r->reasons[i].text, why, n) == 0) {
			r->reasons[i].n++;
			return;
		}
	if (r->nreasons == MAX_REASONS) {
		r->other++;
		return;
	}
	r->reasons[r->nreasons].text = cdp_xstrndup(why, n);
	r->reasons[r->nreasons++].n = 1;
}

/* The most frequent reasons, "reason (N), ..." into b. */
static void
top_reasons(const struct run *r, struct cdp_buf *b)
{
	bool used[MAX_REASONS] = { false };

	for (int k = 0; k < TOP_REASONS; k++) {
		size_t best = r->nreasons;

		for (size_t i = 0; i < r->nreasons; i++)
			if (!used[i] && (best == r->nreasons ||
			    r->reasons[i].n > r->reasons[best].n))
				best = i;
		if (best == r->nreasons)
			break;
		used[best] = true;
		if (cdp_buf_addf(b, "%s%s (%llu)", k ? "; " : "",
		    r->reasons[best].text, r->reasons[best].n) == -1)
			cdp_oom(0);
	}
}

/*
 * The reject guard fired: close the rejects file (kept, to show why),
 * print the account, and stop with 65 before the output is published.
 */
static _Noreturn void
guard_stop(struct run *r, const char *what)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	plan_stats(r->opt, &r->work, &r->acct);
	if (cdp_acct_close(&r->acct, r->opt->common.stats, &err) == -1)
		die_err(&err, NULL, 0);
	top_reasons(r, &b);
	cdp_die(EX_DATAERR, NULL, 0, "%s; most often: %s", what,
	    b.p != NULL ? b.p : "none");
}

/* --max-rejects: stop at the first reject past the limit. */
static void
guard_count(struct run *r)
{
	char what[160];

	if (r->opt->max_rejects < 0 ||
	    r->acct.rejected <= (unsigned long long)r->opt->max_rejects)
		return;
	snprintf(what, sizeof(what), "more than --max-rejects %ld: %llu "
	    "record%s rejected so far", r->opt->max_rejects,
	    r->acct.rejected, r->acct.rejected == 1 ? "" : "s");
	guard_stop(r, what);
}

/* --max-reject-rate, once every input was read. */
static void
guard_rate(struct run *r)
{
	char what[200];
	double rate;

	if (r->acct.read == 0 || r->acct.rejected == 0)
		return;
	rate = 100.0 * (double)r->acct.rejected / (double)r->acct.read;
	if (rate <= r->opt->max_reject_rate)
		return;
	snprintf(what, sizeof(what), "%llu of %llu records rejected (%.1f%%), "
	    "more than --max-reject-rate %g%%", r->acct.rejected,
	    r->acct.read, rate, r->opt->max_reject_rate);
	guard_stop(r, what);
}

/* A bad record: to the rejects file, or the end of the run. */
static void
reject(struct run *r, long line, const char *why, const char *raw,
    size_t rawlen)
{
	struct cdp_err err;

	check_input(r);
	if (r->blk != NULL) {
		r->blk->n.read++;
		tally_snap(r);
		cdp_par_reject(r->blk, line, why, raw, rawlen);
		return;
	}
	r->acct.read++;
	if (cdp_acct_reject(&r->acct, r->src, line, why, raw, rawlen,
	    &err) == -1)
		die_err(&err, err.code == EX_DATAERR ? r->file : NULL, line);
	tally(r, why);
	guard_count(r);
}

/* --rejects-warnings: a line per value made null or kept. */
static void
warnings(struct run *r, long line, const char *raw, size_t rawlen)
{
	const char *why = r->work.warn.p;
	struct cdp_buf *b = &r->nest;
	struct cdp_err err;

	for (size_t i = 0; i < r->work.nwarn; i++, why += strlen(why) + 1) {
		cdp_buf_reset(b);
		if (cdp_buf_adds(b, "{\"_warning\":") == -1 ||
		    cdp_json_quote(b, why, strlen(why)) == -1 ||
		    cdp_buf_adds(b, ",\"_src\":") == -1 ||
		    cdp_json_quote(b, r->src, r->srclen) == -1 ||
		    cdp_buf_addf(b, ",\"_line\":%ld,\"raw\":", line) == -1 ||
		    cdp_json_quote(b, raw, rawlen) == -1 ||
		    cdp_buf_adds(b, "}\n") == -1)
			cdp_oom(0);
		if (r->blk != NULL)
			cdp_par_note(r->blk, b->p, b->len);
		else if (cdp_out_write(r->acct.rejects, b->p, b->len,
		    &err) == -1)
			die_err(&err, NULL, 0);
	}
}

/*
 * The object of the nested cells c[i..n) under the path prefix of c[i]
 * (pl bytes long) into b; they are marked done.
 */
static int
nest_object(struct run *r, struct cell *c, size_t n, size_t i, size_t pl,
    struct cdp_buf *b)
{
	const char *ref = c[i].key, *rest, *dot;
	bool first = true;
	size_t rl;

	if (cdp_buf_addc(b, '{') == -1)
		return -1;
	for (size_t j = i; j < n; j++) {
		if (!c[j].nested || c[j].done || c[j].klen <= pl + 1 ||
		    memcmp(c[j].key, ref, pl) != 0 || c[j].key[pl] != '.')
			continue;
		rest = c[j].key + pl + 1;
		rl = c[j].klen - pl - 1;
		dot = memchr(rest, '.', rl);
		if ((!first && cdp_buf_addc(b, ',') == -1) ||
		    cdp_json_quote(b, rest, dot ? (size_t)(dot - rest) : rl) ==
		    -1 || cdp_buf_addc(b, ':') == -1)
			return -1;
		first = false;
		if (dot != NULL) {
			if (nest_object(r, c, n, j, (size_t)(dot - c[j].key),
			    b) == -1)
				return -1;
			continue;
		}
		c[j].done = true;
		if (cell_json(&c[j], &r->rec, r->work.vals.p, b) == -1)
			return -1;
	}
	return cdp_buf_addc(b, '}');
}

static int
write_cell(struct run *r, struct cell *c, size_t n, size_t i)
{
	struct cdp_recw *w = &r->w;
	const struct cell *ci = &c[i];
	const char *v = ci->v ? ci->v : r->work.vals.p + ci->off;
	size_t pl;

	if (ci->nested) {
		if (ci->done)
			return 0;
		pl = (size_t)((const char *)memchr(ci->key, '.', ci->klen) -
		    ci->key);
		cdp_buf_reset(&r->nest);
		return nest_object(r, c, n, i, pl, &r->nest) == -1 ? -1 :
		    cdp_recw_raw(w, ci->key, pl, r->nest.p, r->nest.len);
	}
	if (ci->f != NULL && !ci->renamed)
		return cdp_recw_field(w, &r->rec, ci->f);
	if (ci->f != NULL)
		return cdp_recw_field_as(w, ci->key, ci->klen, &r->rec, ci->f);
	if (ci->qkey != NULL && !ci->raw && (uintptr_t)v >= r->plo &&
	    (uintptr_t)v + ci->vlen <= r->phi)
		return cdp_recw_qplain(w, ci->qkey, ci->qklen, v, ci->vlen);
	if (ci->qkey != NULL)
		return ci->raw ? cdp_recw_qraw(w, ci->qkey, ci->qklen, v,
		    ci->vlen) : cdp_recw_qstr(w, ci->qkey, ci->qklen, v,
		    ci->vlen);
	if (ci->raw)
		return cdp_recw_raw(w, ci->key, ci->klen, v, ci->vlen);
	return cdp_recw_str(w, ci->key, ci->klen, v, ci->vlen);
}

/*
 * Apply the plan to cells[0..n) and write the record.  Returns 0, or -1
 * with the reason in *why when the record is bad (not yet counted).
 */
static int
emit(struct run *r, struct cell *cells, size_t n, long line,
    const char **why)
{
	struct cdp_recw *w = &r->w;
	struct cdp_err err;
	int rc = 0;

	check_input(r);
	r->work.nwarn = 0;
	if (r->plan && plan_apply(r->opt, &r->work, cells, n, &cells, &n,
	    why) == -1)
		return -1;
	cdp_recw_begin(w);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_cell(r, cells, n, i);
	if (rc == -1 ||
	    cdp_recw_qraw(w, "\"_src\"", 6, r->qsrc, r->qsrclen) == -1 ||
	    cdp_recw_int(w, "_line", 5, line) == -1 || cdp_recw_end(w) == -1)
		cdp_oom(0);
	if (r->blk != NULL) {
		r->blk->n.read++;
		cdp_par_put(r->blk, 0, w->b.p, w->b.len);
		r->blk->n.written++;
		return 0;
	}
	r->acct.read++;
	if (cdp_out_write(r->out, w->b.p, w->b.len, &err) == -1)
		die_err(&err, NULL, 0);
	r->acct.written++;
	return 0;
}

/* `field "K" already exists` in r->raw. */
static void
exists(struct run *r, const char *k, size_t kl)
{
	cdp_buf_reset(&r->raw);
	if (cdp_buf_adds(&r->raw, "field ") == -1 ||
	    cdp_json_quote(&r->raw, k, kl) == -1 ||
	    cdp_buf_adds(&r->raw, " already exists") == -1)
		cdp_oom(0);
}

/* Duplicate output keys after --map; returns the key or NULL. */
static const struct cell *
dup_key(const struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!cells[i].renamed)
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && cells[j].klen == cells[i].klen &&
			    memcmp(cells[j].key, cells[i].key,
			    cells[i].klen) == 0)
				return &cells[i];
	}
	return NULL;
}

/* A reason for invalid bytes in decoded input names the encoding. */
static const char *
decoded_reason(struct run *r, const char *why)
{
	if (r->in.encoding == NULL || strncmp(why, "invalid UTF-8", 13) != 0)
		return why;
	cdp_buf_reset(&r->work.msg);
	if (cdp_buf_addf(&r->work.msg, "bytes that are not %s",
	    r->in.encoding) == -1)
		cdp_oom(0);
	return r->work.msg.p;
}

/* The cells of one parsed JSON object; n receives their count. */
static struct cell *
json_cells(struct run *r, const struct cdp_line *l, size_t *n)
{
	struct cell *cells = cells_for(r, r->rec.n);
	bool nested;

	*n = 0;
	cdp_buf_reset(&r->keys);
	/* Room for every unescaped key up front: cells point into it. */
	if (cdp_buf_reserve(&r->keys, l->len) == -1)
		cdp_oom(l->len);
	for (size_t i = 0; i < r->rec.n; i++) {
		const struct cdp_field *f = &r->rec.f[i];
		const char *k = l->p + f->koff, *k0;
		size_t kl = f->klen, at = r->keys.len;

		if (f->flags & CDP_F_KEYESC) {
			if (cdp_json_unescape(k, kl, &r->keys) == -1)
				cdp_oom(0);
			k = r->keys.p + at;
			kl = r->keys.len - at;
		}
		k0 = k;
		plan_rename(r->opt, &r->work, &k, &kl, &nested);
		/* The provenance is ours: another one is kept only to be
		 * replaced on request. */
		if (is_provenance(k, kl)) {
			if (r->opt->replace)
				continue;
			exists(r, k, kl);
			return NULL;
		}
		cells[(*n)++] = (struct cell){ .key = k, .klen = kl, .f = f,
		    .renamed = k != k0, .nested = nested,
		    .spec = r->plan ? plan_spec(r->opt, &r->work, k, kl) :
		    NULL };
	}
	return cells;
}

/* One JSON object (an NDJSON line or an array element). */
static void
json_record(struct run *r, const struct cdp_line *l)
{
	struct cdp_err err;
	const struct cell *d;
	struct cell *cells;
	const char *why;
	size_t n;

	if (l->too_long) {
		reject(r, l->lineno, "record longer than --max-record-bytes",
		    l->p, l->len);
		return;
	}
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			die_err(&err, NULL, 0);
		reject(r, l->lineno, decoded_reason(r, err.msg), l->p, l->len);
		return;
	}
	r->saw = true;
	if ((cells = json_cells(r, l, &n)) == NULL) {
		reject(r, l->lineno, r->raw.p, l->p, l->len);
		return;
	}
	r->work.rec = &r->rec;
	if (r->opt->nrenames > 0 && (d = dup_key(cells, n)) != NULL) {
		cdp_buf_reset(&r->raw);
		cdp_buf_adds(&r->raw, "field appears twice after --map: ");
		cdp_json_quote(&r->raw, d->key, d->klen);
		reject(r, l->lineno, r->raw.p, l->p, l->len);
		return;
	}
	if (emit(r, cells, n, l->lineno, &why) == -1)
		reject(r, l->lineno, why, l->p, l->len);
	else if (r->work.nwarn > 0)
		warnings(r, l->lineno, l->p, l->len);
}

static void
progress(struct run *r, off_t at)
{
	cdp_progress_update(&r->prog, r->acct.read,
	    r->done + input_offset(&r->in, at));
}

static void
read_ndjson(struct run *r)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	in = cdp_lines_open_fd(r->in.fd, r->file, r->in.pre, r->in.len,
	    r->opt->common.max_record_bytes, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		json_record(r, &l);
		progress(r, cdp_lines_offset(in));
	}
	if (rc == -1)
		die_err(&err, r->file, 0);
	r->done += input_offset(&r->in, cdp_lines_offset(in));
	cdp_lines_close(in);
}

static void
read_json(struct run *r)
{
	struct jsonin *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	in = jsonin_open(r->in.fd, r->file, r->in.pre, r->in.len,
	    r->opt->common.max_record_bytes ? r->opt->common.max_record_bytes :
	    CDP_MAX_RECORD_BYTES, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	while ((rc = jsonin_next(in, &l, &err)) == 1) {
		json_record(r, &l);
		progress(r, jsonin_offset(in));
	}
	if (rc == -1) {
		check_input(r);
		die_err(&err, r->file, err.code == EX_DATAERR ?
		    jsonin_errline(in) : 0);
	}
	r->done += input_offset(&r->in, jsonin_offset(in));
	jsonin_close(in);
}

/* A CSV column: its output name and plan. */
struct column {
	const char		*key;
	size_t			 klen;
	const char		*qkey;	/* key quoted as JSON */
	size_t			 qklen;
	const struct fspec	*spec;
	bool			 skip;	/* _src or _line: replaced */
	bool			 nested;
};

/*
 * The first column of the names in seen with c's name, adding c as column
 * j when it is new (then j is returned).  By 128-bit hash, so a header of
 * 100,000 columns is checked in linear time.
 */
static size_t
first_named(struct cdp_keymap *seen, const struct column *c, size_t j)
{
	int added;
	uint64_t *v = cdp_keymap_put(seen, cdp_key128_of(c->key, c->klen),
	    (uint64_t)j, &added);

	if (v == NULL)
		cdp_oom(0);
	return (size_t)*v;
}

/*
 * Each output name quoted as JSON once, for every row: the quoted names
 * go after the array, in the same allocation.  Returns the array.
 */
static struct column *
quote_names(struct column *cols, size_t n)
{
	struct cdp_buf q = { 0 };
	size_t at = n * sizeof(*cols), off;

	for (size_t j = 0; j < n; j++) {
		cols[j].qklen = q.len;
		if (cdp_json_quote(&q, cols[j].key, cols[j].klen) == -1)
			cdp_oom(q.len);
		cols[j].qklen = q.len - cols[j].qklen;
	}
	cols = cdp_xreallocarray(cols, 1, at + q.len + 1);
	if (q.len > 0)
		memcpy((char *)cols + at, q.p, q.len);
	off = at;
	for (size_t j = 0; j < n; j++) {
		cols[j].qkey = (char *)cols + off;
		off += cols[j].qklen;
	}
	cdp_buf_free(&q);
	return cols;
}

/*
 * Check the header row and work out each column's output name.  Names
 * are copied to hdr (sized once, so the pointers stay valid).  Exits 65
 * on an empty or duplicate name: no record could be right after that.
 */
static struct column *
read_header(struct run *r, const struct csv_row *row, struct cdp_buf *hdr)
{
	struct column *cols;
	struct cdp_keymap *seen;
	size_t total = 0, i;

	if (row->bad != NULL)
		cdp_die(EX_DATAERR, r->file, row->line, "header: %s", row->bad);
	if ((seen = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t j = 0; j < row->n; j++)
		total += row->len[j];
	if (cdp_buf_reserve(hdr, total) == -1)
		cdp_oom(total);
	cols = cdp_xcalloc(row->n ? row->n : 1, sizeof(*cols));
	for (size_t j = 0; j < row->n; j++) {
		struct column *c = &cols[j];

		if (row->len[j] == 0)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "empty header name in column %zu", j + 1);
		if (!cdp_utf8_valid(row->f[j], row->len[j]))
			cdp_die(EX_DATAERR, r->file, row->line,
			    "%s in header column %zu", decoded_reason(r,
			    "invalid UTF-8"), j + 1);
		c->key = hdr->p + hdr->len;
		c->klen = row->len[j];
		cdp_buf_add(hdr, row->f[j], row->len[j]);
		if ((i = first_named(seen, c, j)) != j)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "duplicate header name \"%.*s\" in columns %zu "
			    "and %zu", (int)c->klen, c->key, i + 1, j + 1);
	}
	cdp_keymap_free(seen);
	if ((seen = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t j = 0; j < row->n; j++) {
		struct column *c = &cols[j];

		plan_rename(r->opt, &r->work, &c->key, &c->klen, &c->nested);
		c->skip = is_provenance(c->key, c->klen);
		if (c->skip && !r->opt->replace)
			cdp_die(EX_DATAERR, r->file, row->line, "field \"%.*s\" "
			    "already exists (a column; --replace drops it)",
			    (int)c->klen, c->key);
		c->spec = plan_spec(r->opt, &r->work, c->key, c->klen);
		/* A column names the field for a file with no rows too. */
		if (r->opt->country_field != NULL &&
		    strlen(r->opt->country_field) == c->klen &&
		    memcmp(r->opt->country_field, c->key, c->klen) == 0)
			r->work.seen_country = true;
		if (!c->skip && first_named(seen, c, j) != j)
			cdp_die(EX_DATAERR, r->file, row->line,
			    "--map: two columns named \"%.*s\"", (int)c->klen,
			    c->key);
	}
	cdp_keymap_free(seen);
	r->saw = true;
	return quote_names(cols, row->n);
}

/* A CSV row re-joined as text (rejects and warnings) in r->raw. */
static void
row_text(struct run *r, const struct csvin *in, const struct csv_row *row)
{
	cdp_buf_reset(&r->raw);
	if (csvin_raw(in, row, &r->raw) == -1)
		cdp_oom(0);
}

static void
reject_row(struct run *r, const struct csvin *in, const struct csv_row *row,
    const char *why)
{
	row_text(r, in, row);
	reject(r, row->line, why, r->raw.p ? r->raw.p : "", r->raw.len);
}

static void
csv_row(struct run *r, const struct csvin *in, const struct csv_row *row,
    const struct column *cols, size_t ncols)
{
	struct cell *cells = cells_for(r, ncols);
	const char *why;
	size_t n = 0;
	int rc;

	if (row->bad != NULL) {
		reject_row(r, in, row, row->bad);
		return;
	}
	if (row->n != ncols) {
		cdp_buf_reset(&r->work.msg);
		cdp_buf_addf(&r->work.msg, "row has %zu fields, header has %zu",
		    row->n, ncols);
		reject_row(r, in, row, r->work.msg.p ? r->work.msg.p :
		    "ragged row");
		return;
	}
	for (size_t j = 0; j < ncols; j++) {
		if (cols[j].skip)
			continue;
		if (!row->utf8 && !cdp_utf8_valid(row->f[j], row->len[j])) {
			cdp_buf_reset(&r->nest);
			cdp_buf_adds(&r->nest, "field ");
			cdp_json_quote(&r->nest, cols[j].key, cols[j].klen);
			cdp_buf_addf(&r->nest, ": %s", decoded_reason(r,
			    "invalid UTF-8"));
			reject_row(r, in, row, r->nest.p);
			return;
		}
		cells[n++] = (struct cell){ .key = cols[j].key,
		    .klen = cols[j].klen, .qkey = cols[j].qkey,
		    .qklen = cols[j].qklen, .v = row->f[j], .vlen = row->len[j],
		    .nested = cols[j].nested, .spec = cols[j].spec };
	}
	/* Values still in the row's fields are copied as they are. */
	if (row->plain) {
		r->plo = (uintptr_t)row->f[0];
		r->phi = (uintptr_t)(row->f[row->n - 1] + row->len[row->n - 1]);
	}
	rc = emit(r, cells, n, row->line, &why);
	r->plo = r->phi = 0;
	if (rc == -1) {
		reject_row(r, in, row, why);
	} else if (r->work.nwarn > 0) {
		row_text(r, in, row);
		warnings(r, row->line, r->raw.p, r->raw.len);
	}
}

static void
read_csv(struct run *r, char delim, long first_line)
{
	struct csvin *in;
	struct csv_row row;
	struct cdp_err err;
	struct cdp_buf hdr = { 0 };
	struct column *cols = NULL;
	size_t ncols = 0;
	int rc;

	in = csvin_open(r->in.fd, r->file, r->in.pre, r->in.len, delim,
	    r->opt->trim, r->opt->common.max_record_bytes ?
	    r->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES, &err);
	if (in == NULL)
		die_err(&err, r->file, 0);
	csvin_first_line(in, first_line);
	while ((rc = csvin_next(in, &row, &err)) == 1) {
		check_input(r);
		if (cols == NULL) {
			cols = read_header(r, &row, &hdr);
			ncols = row.n;
			continue;
		}
		csv_row(r, in, &row, cols, ncols);
		progress(r, csvin_offset(in));
	}
	if (rc == -1)
		die_err(&err, r->file, 0);
	r->done += input_offset(&r->in, csvin_offset(in));
	csvin_close(in);
	free(cols);
	cdp_buf_free(&hdr);
}

/* ---- parallel runs (par.h) ---- */

static void
tally_free(void *p)
{
	struct tally *t = p;

	free(t->bad);
	free(t->snaps);
	free(t);
}

/* A worker's run: its own plan state and scratch; made once a run. */
static void
workers_start(struct run *r)
{
	if (r->workers != NULL)
		return;
	r->workers = cdp_xcalloc((size_t)r->threads, sizeof(*r->workers));
	r->wctx = cdp_xcalloc((size_t)r->threads, sizeof(*r->wctx));
	for (int i = 0; i < r->threads; i++) {
		struct run *w = &r->workers[i];

		w->opt = r->opt;
		w->plan = r->plan;
		plan_work_init(&w->work, r->opt);
		r->wctx[i] = w;
	}
}

/* After every input: what workers saw joins the run's (the warnings
 * about names no record had), and the workers go. */
static void
workers_end(struct run *r)
{
	struct plan_work *m = &r->work;

	for (int i = 0; r->workers != NULL && i < r->threads; i++) {
		struct run *w = &r->workers[i];
		const struct plan_work *ww = &w->work;

		r->saw |= w->saw;
		m->seen_country |= ww->seen_country;
		for (int k = 0; k < r->opt->nspecs; k++)
			m->seen_spec[k] |= ww->seen_spec[k];
		for (int k = 0; k < r->opt->nrenames; k++)
			m->seen_rename[k] |= ww->seen_rename[k];
		for (int g = 0; g < r->opt->nrequire; g++)
			for (size_t k = 0; r->opt->require[g][k] != NULL; k++)
				m->seen_require[g][k] |= ww->seen_require[g][k];
		run_free(w);
	}
	free(r->workers);
	free(r->wctx);
	r->workers = NULL;
	r->wctx = NULL;
}

static void
json_line(void *ctx, struct cdp_par_block *b, const struct cdp_line *l)
{
	(void)b;
	json_record(ctx, l);
}

static void
csv_block(struct run *r, struct cdp_par_block *b)
{
	struct csvin *in;
	struct csv_row row;
	struct cdp_err err;
	int rc;

	in = csvin_open_mem(b->p, b->len, r->delim, r->opt->trim,
	    r->opt->common.max_record_bytes ? r->opt->common.max_record_bytes :
	    CDP_MAX_RECORD_BYTES, &err);
	if (in == NULL)
		die_err(&err, NULL, 0);
	csvin_first_line(in, b->line);
	while ((rc = csvin_next(in, &row, &err)) == 1)
		csv_row(r, in, &row, r->cols, r->ncols);
	if (rc == -1)
		die_err(&err, b->file, 0);
	csvin_close(in);
}

/* A worker's block: its records, with the tallies they made. */
static void
par_block(void *ctx, struct cdp_par_block *b)
{
	struct run *r = ctx;
	struct tally *t = b->user;
	size_t n = (size_t)r->opt->nspecs;

	if (t == NULL) {
		t = b->user = cdp_xcalloc(1, sizeof(*t));
		t->bad = cdp_xcalloc(n + 1, sizeof(*t->bad));
		t->n = (int)n;
	}
	t->nsnaps = 0;
	memset(r->work.bad, 0, (n + 1) * sizeof(*r->work.bad));
	r->work.bad_total = 0;
	r->blk = b;
	r->tl = t;
	if (r->cols != NULL)
		csv_block(r, b);
	else
		cdp_par_lines(b, r->opt->common.max_record_bytes ?
		    r->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES,
		    json_line, r);
	memcpy(t->bad, r->work.bad, (n + 1) * sizeof(*t->bad));
	t->total = r->work.bad_total;
	r->blk = NULL;
}

/* The writer: reject k of block b, in input order. */
static void
par_rejected(void *shared, struct cdp_par_block *b, size_t k,
    const char *why)
{
	struct run *r = shared;
	const struct tally *t = b->user;
	const unsigned long long *snap = t->snaps + k * (size_t)(t->n + 1);

	tally(r, why);
	if (r->opt->max_rejects < 0 ||
	    r->acct.rejected <= (unsigned long long)r->opt->max_rejects)
		return;
	/* Stopping here: the tallies as they were at this reject. */
	for (int i = 0; i < t->n; i++)
		r->work.bad[i] += snap[i];
	r->work.bad_total += snap[t->n];
	guard_count(r);
}

/* The writer, before block b: a decoding step that failed ends the run
 * with its own message, as check_input() does for one thread. */
static void
par_check(void *shared, struct cdp_par_block *b)
{
	struct run *r = shared;

	(void)b;
	if (input_failed(&r->in))
		input_close(&r->in);
}

static void
par_written(void *shared, struct cdp_par_block *b)
{
	struct run *r = shared;
	const struct tally *t = b->user;

	for (int i = 0; i < t->n; i++)
		r->work.bad[i] += t->bad[i];
	r->work.bad_total += t->total;
}

static int
par_next(void *shared, struct cdp_par_input *in)
{
	struct run *r = shared;

	if (r->given)
		return 0;
	r->given = true;
	*in = r->pin;
	return 1;
}

static off_t
par_offset(void *shared, int input, off_t off)
{
	struct run *r = shared;

	(void)input;
	return input_offset(&r->in, r->hdr + off);
}

/* The current input in parallel blocks from pre[at..] and its fd. */
static void
par_input(struct run *r, size_t at, long line, bool bom)
{
	struct cdp_par_prog prog = { .block = par_block, .ctx = r->wctx,
	    .rejected = par_rejected, .check = par_check,
	    .written = par_written, .shared = r,
	    .outs = &r->out, .nouts = 1, .next = par_next,
	    .offset = par_offset, .user_free = tally_free,
	    .progress = &r->prog, .progress_base = r->done,
	    .csv = r->cols != NULL ? r->delim : 0,
	    .csv_trim = r->opt->trim };

	for (int i = 0; i < r->threads; i++) {
		struct run *w = &r->workers[i];

		w->file = r->file;
		w->src = r->src;
		w->srclen = r->srclen;
		w->qsrc = r->qsrc;
		w->qsrclen = r->qsrclen;
		w->cols = r->cols;
		w->ncols = r->ncols;
		w->delim = r->delim;
		w->in.encoding = r->in.encoding;
	}
	r->pin = (struct cdp_par_input){ .fd = r->in.fd, .name = r->file,
	    .src = r->src, .pre = r->in.pre + at, .prelen = r->in.len - at,
	    .line = line, .bom = bom };
	r->hdr = (off_t)at;
	r->given = false;
	cdp_par_run(&prog, NULL, 0, r->threads, &r->opt->common, &r->acct,
	    &r->info);
	r->done = r->info.done;
}

static void
par_ndjson(struct run *r)
{
	workers_start(r);
	r->cols = NULL;
	par_input(r, 0, 1, true);
}

/*
 * CSV: the header row is read here, apart (the first row that is not
 * blank, after a BOM), so that any worker can parse any block after it.
 */
static void
par_csv(struct run *r, char delim, long first)
{
	struct input *in = &r->in;
	struct cdp_buf hdr = { 0 };
	struct csvin *c;
	struct csv_row row;
	struct cdp_err err;
	size_t start = 0, end = 0, k;
	int rc = 0;

	input_peek(in, 1, 3);
	if (in->len >= 3 && memcmp(in->pre, "\xef\xbb\xbf", 3) == 0)
		start = end = 3;
	while (rc != 1) {
		k = cdp_par_csv_row_end(in->pre + end, in->len - end, delim,
		    r->opt->trim);
		if (k == 0 && !in->eof) {
			input_peek(in, (size_t)-1, in->len + ((size_t)64 << 10));
			continue;
		}
		end = k != 0 ? end + k : in->len;
		if ((c = csvin_open_mem(in->pre + start, end - start, delim,
		    r->opt->trim, r->opt->common.max_record_bytes ?
		    r->opt->common.max_record_bytes : CDP_MAX_RECORD_BYTES,
		    &err)) == NULL)
			die_err(&err, NULL, 0);
		csvin_first_line(c, first);
		if ((rc = csvin_next(c, &row, &err)) == -1)
			die_err(&err, r->file, 0);
		if (rc == 1) {
			r->cols = read_header(r, &row, &hdr);
			r->ncols = row.n;
		}
		csvin_close(c);
		if (rc != 1 && end == in->len && in->eof)
			break;	/* no header: no rows either */
	}
	if (r->cols != NULL) {
		workers_start(r);
		r->delim = delim;
		par_input(r, end, first + cdp_par_count_lines(in->pre + start,
		    end - start, true), false);
	}
	free((void *)r->cols);
	r->cols = NULL;
	cdp_buf_free(&hdr);
}

/* The format a file name suggests, after a .gz or .zst suffix;
 * FMT_AUTO when it says nothing. */
static enum in_format
by_name(const char *path, bool *json_ext)
{
	static const struct {
		const char	*ext;
		enum in_format	 fmt;
	} exts[] = {
		{ ".csv", FMT_CSV }, { ".tsv", FMT_TSV }, { ".tab", FMT_TSV },
		{ ".ndjson", FMT_NDJSON }, { ".jsonl", FMT_NDJSON },
		{ ".ldjson", FMT_NDJSON },
	};
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n;

	if (dot != NULL && (strcasecmp(dot, ".gz") == 0 ||
	    strcasecmp(dot, ".zst") == 0 || strcasecmp(dot, ".zstd") == 0)) {
		n = (size_t)(dot - base);
		for (dot = NULL; n > 0; n--)
			if (base[n - 1] == '.') {
				dot = base + n - 1;
				break;
			}
	}
	n = dot != NULL ? strcspn(dot + 1, ".") + 1 : 0;
	*json_ext = dot != NULL && n == 5 && strncasecmp(dot, ".json", 5) == 0;
	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strlen(exts[i].ext) == n &&
		    strncasecmp(dot, exts[i].ext, n) == 0)
			return exts[i].fmt;
	return FMT_AUTO;
}

static const char *
show_delim(char d, char buf[8])
{
	if (d == '\t')
		return "tab";
	snprintf(buf, 8, "'%c'", d);
	return buf;
}

/*
 * Excel's "sep=;" first line names the delimiter for the file: it is
 * taken out of the input (with a BOM before it), and the header is line 2.
 * Returns the delimiter, or 0 when there is no such line.
 */
static char
excel_sep(struct run *r)
{
	struct input *in = &r->in;
	size_t b = in->len >= 3 && memcmp(in->pre, "\xef\xbb\xbf", 3) == 0 ?
	    3 : 0, end = b + 5;
	char d;

	if (in->len < end || strncasecmp(in->pre + b, "sep=", 4) != 0 ||
	    (end < in->len && in->pre[end] != '\n' && in->pre[end] != '\r'))
		return 0;
	d = in->pre[b + 4];
	if (d == '"' || d == '\n' || d == '\r')
		return 0;
	if (end < in->len && in->pre[end] == '\r')
		end++;
	if (end < in->len && in->pre[end] == '\n')
		end++;
	memmove(in->pre, in->pre + end, in->len - end);
	in->len -= end;
	return d;
}

/*
 * The delimiter of a CSV input: --delimiter, a "sep=" line, the format's
 * (given: tab for TSV), or sniffed.  *first_line is the header's line.
 */
static char
choose_delim(struct run *r, char given, long *first_line)
{
	struct sniff_delim s;
	char a[8], b[8], sep = excel_sep(r);

	*first_line = sep != 0 ? 2 : 1;
	if (r->opt->delimiter >= 0)
		return (char)r->opt->delimiter;
	if (sep != 0 && cdp_diag_verbose())
		cdp_warn(r->file, 0, "delimiter %s (from the sep= line)",
		    show_delim(sep, a));
	if (sep != 0)
		return sep;
	if (given != 0)
		return given;
	input_peek(&r->in, 4 * SNIFF_ROWS + 1, SNIFF_MAX);
	if (sniff_delimiter(r->in.pre, r->in.len, r->in.eof, &s) == -1)
		cdp_die(EX_DATAERR, r->file, 0, "cannot tell the delimiter: %s "
		    "and %s both split the header (%zu and %zu columns) and "
		    "fit %zu of %zu rows: give --delimiter",
		    show_delim(s.best.delim, a), show_delim(s.second.delim, b),
		    s.best.cols, s.second.cols, s.best.agree, s.rows);
	if (cdp_diag_verbose() && s.best.cols == 1)
		cdp_warn(r->file, 0, "one column: none of , ; tab | splits "
		    "the header");
	else if (cdp_diag_verbose())
		cdp_warn(r->file, 0, "delimiter %s (%zu columns; %zu of %zu "
		    "rows agree)", show_delim(s.best.delim, a), s.best.cols,
		    s.best.agree, s.rows);
	return s.best.delim;
}

static void
ingest_file(struct run *r, const char *path, const char *source)
{
	enum in_format fmt = r->opt->format;
	bool json_ext = false;
	const char *base = strrchr(path, '/');
	enum sniff_kind kind;
	long first;
	char d;

	input_open(&r->in, path, r->opt->encoding);
	r->file = r->in.name;
	if (cdp_diag_verbose() && (r->in.compression || r->in.encoding))
		cdp_warn(r->file, 0, "%s%s%s", r->in.compression ?
		    r->in.compression : "", r->in.compression &&
		    r->in.encoding ? ", " : "", r->in.encoding ?
		    r->in.encoding : "");
	r->src = source ? source :
	    strcmp(path, "-") == 0 ? "stdin" : base ? base + 1 : path;
	/* Two files under one --source stay apart: "pos/pos-day2.csv". */
	if (source != NULL && strcmp(path, "-") != 0) {
		cdp_buf_reset(&r->srcname);
		if (cdp_buf_addf(&r->srcname, "%s/%s", source, base ?
		    base + 1 : path) == -1)
			cdp_oom(0);
		r->src = r->srcname.p;
	}
	r->srclen = strlen(r->src);
	cdp_buf_reset(&r->srcq);
	if (cdp_json_quote(&r->srcq, r->src, r->srclen) == -1)
		cdp_oom(0);
	r->qsrc = r->srcq.p;
	r->qsrclen = r->srcq.len;
	if (fmt == FMT_AUTO && strcmp(path, "-") != 0)
		fmt = by_name(path, &json_ext);
	if (fmt == FMT_AUTO) {
		kind = sniff_kind(r->in.pre, r->in.len);
		fmt = kind == SNIFF_JSON ? FMT_JSON : kind == SNIFF_NDJSON ?
		    FMT_NDJSON : FMT_CSV;
		if (json_ext && fmt != FMT_NDJSON)
			fmt = FMT_JSON;
	}
	switch (fmt) {
	case FMT_NDJSON:
		if (r->threads > 1)
			par_ndjson(r);
		else
			read_ndjson(r);
		break;
	case FMT_JSON:
		read_json(r);
		break;
	default:
		d = choose_delim(r, fmt == FMT_TSV ? '\t' : 0, &first);
		if (r->threads > 1)
			par_csv(r, d, first);
		else
			read_csv(r, d, first);
		break;
	}
	input_close(&r->in);
}

static void
run_free(struct run *r)
{
	plan_work_free(&r->work);
	cdp_rec_free(&r->rec);
	cdp_recw_free(&r->w);
	cdp_buf_free(&r->keys);
	cdp_buf_free(&r->raw);
	cdp_buf_free(&r->nest);
	cdp_buf_free(&r->srcname);
	cdp_buf_free(&r->srcq);
	for (size_t i = 0; i < r->nreasons; i++)
		free(r->reasons[i].text);
	free(r->cells);
}

int
ingest_run(const struct ingest_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_err err;
	const char *bad;
	off_t total;

	/* Every input must open before anything is written. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.plan = opt->nspecs > 0 || opt->nrequire > 0 || opt->nsets > 0 ||
	    opt->ndefaults > 0 || opt->empty != EMPTY_STRING ||
	    opt->country_field != NULL || opt->nested;
	plan_work_init(&r.work, opt);
	r.threads = cdp_par_threads(&opt->common, &r.info.asked);
	if ((r.out = cdp_out_open(opt->common.output, &err)) == NULL ||
	    cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		die_err(&err, NULL, 0);
	cdp_out_line_mode(r.out, opt->common.unbuffered);
	if (r.acct.rejects != NULL)
		cdp_out_line_mode(r.acct.rejects, opt->common.unbuffered);
	cdp_progress_start(&r.prog, opt->common.progress, total);
	for (int i = 0; i < nfiles; i++)
		ingest_file(&r, files[i], opt->nsources == 0 ? NULL :
		    opt->sources[opt->nsources == 1 ? 0 : i]);
	cdp_progress_end(&r.prog);
	workers_end(&r);
	guard_rate(&r);
	if (r.saw)
		plan_check_names(opt, &r.work);
	if (cdp_out_close(r.out, &err) == -1)
		die_err(&err, NULL, 0);
	r.out = NULL;
	plan_stats(opt, &r.work, &r.acct);
	cdp_par_account(&r.info, &r.acct);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		die_err(&err, NULL, 0);
	run_free(&r);
	return 0;
}
