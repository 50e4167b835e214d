/*
 * run.c - cdp-join's stream: per record its keys, the table entry of the
 * first one the table has, and one output line with the entry's fields
 * spliced in before the closing brace (or put in place with --replace).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "join.h"
#include "out.h"
#include "par.h"
#include "record.h"
#include "xalloc.h"

/* A run, or in a parallel one a worker thread's: the table is shared and
 * only read. */
struct run {
	const struct join_opts	*opt;
	const struct table	*t;
	struct keyer		 k;
	struct cdp_out		*out;
	struct cdp_acct		 acct;
	struct cdp_recw		 w;
	struct cdp_buf		 why;
	const struct cdp_field	**found;	/* per attached field */
	size_t			 fcap;
	unsigned long long	 matched, unkeyed;
};

/* Write to the output, or in a parallel run to the record's block. */
static void
put(struct run *r, const struct cdp_each_at *at, const char *p, size_t n)
{
	struct cdp_err err;

	if (at->blk != NULL)
		cdp_par_put(at->blk, 0, p, n);
	else if (cdp_out_write(r->out, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* The record as it came. */
static void
write_as_is(struct run *r, const struct cdp_each_at *at)
{
	put(r, at, at->line->p, at->line->len);
	put(r, at, "\n", 1);
}

/* The record with e's fields before its closing brace: its own bytes are
 * copied as they are. */
static void
write_spliced(struct run *r, const struct cdp_rec *rec,
    const struct cdp_each_at *at, const struct entry *e)
{
	const char *p = at->line->p;
	size_t n = at->line->len;

	if (e->nf == 0) {
		write_as_is(r, at);
		return;
	}
	while (n > 0 && p[n - 1] != '}')
		n--;
	n--;
	/* in pieces: the output copies them once */
	put(r, at, p, n);
	if (rec->n > 0)
		put(r, at, ",", 1);
	put(r, at, entry_frag(e), e->fraglen);
	put(r, at, "}\n", 2);
}

/* --replace: the record's fields in order, those e has taking e's value,
 * then e's other fields. */
static void
write_replaced(struct run *r, const struct cdp_rec *rec,
    const struct cdp_each_at *at, const struct entry *e)
{
	const char *names = entry_names(e), *frag = entry_frag(e);
	int rc = 0;

	cdp_recw_begin(&r->w);
	for (size_t j = 0; j < rec->n && rc == 0; j++) {
		uint32_t i;

		for (i = 0; i < e->nf && r->found[i] != &rec->f[j]; i++)
			;
		if (i == e->nf) {
			rc = cdp_recw_field(&r->w, rec, &rec->f[j]);
		} else {
			const struct field_at *fa = entry_field(e, i);

			rc = cdp_recw_raw(&r->w, names + fa->koff, fa->klen,
			    frag + fa->voff, fa->vlen);
		}
	}
	for (uint32_t i = 0; i < e->nf && rc == 0; i++) {
		const struct field_at *fa = entry_field(e, i);

		if (r->found[i] == NULL)
			rc = cdp_recw_raw(&r->w, names + fa->koff, fa->klen,
			    frag + fa->voff, fa->vlen);
	}
	if (rc == -1 || cdp_recw_end(&r->w) == -1)
		cdp_oom(0);
	put(r, at, r->w.b.p, r->w.b.len);
}

/*
 * Which of e's fields the record has (r->found).  Returns how many, or
 * -1 with *why naming the first when that is an error (no --replace).
 */
static int
collisions(struct run *r, struct cdp_rec *rec, const struct entry *e,
    const char **why)
{
	const char *names = entry_names(e);
	int n = 0;
	size_t j;

	/* Mostly no name of the record is one the table attaches: a look
	 * at the record's names against the table's spares looking every
	 * attached name up in the record. */
	for (j = 0; j < rec->n; j++)
		if ((rec->f[j].flags & CDP_F_KEYESC) ||
		    table_may_have(r->t, rec->p + rec->f[j].koff,
		    rec->f[j].klen))
			break;
	if (j == rec->n)
		return 0;
	if (e->nf > r->fcap) {
		r->fcap = e->nf;
		r->found = cdp_xreallocarray(r->found, r->fcap,
		    sizeof(*r->found));
	}
	for (uint32_t i = 0; i < e->nf; i++) {
		const struct field_at *fa = entry_field(e, i);

		r->found[i] = cdp_rec_find(rec, names + fa->koff, fa->klen);
		if (r->found[i] == NULL)
			continue;
		if (!r->opt->replace) {
			cdp_buf_reset(&r->why);
			if (cdp_buf_adds(&r->why, "field ") == -1 ||
			    cdp_json_quote(&r->why, names + fa->koff,
			    fa->klen) == -1 ||
			    cdp_buf_adds(&r->why, " already exists") == -1)
				cdp_oom(0);
			*why = r->why.p;
			return -1;
		}
		n++;
	}
	return n;
}

/* One stream record (cdp_each's callback): 0 written, 1 dropped, -1 bad. */
static int
one(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	const struct join_opts *opt = r->opt;
	const struct entry *e;
	struct keys keys;
	int n;

	if (keys_of(&r->k, rec, opt->skey, opt->nkey, &keys, why) == -1)
		return -1;
	if (keys.n == 0) {
		r->unkeyed++;
	} else if ((e = table_find(r->t, &keys)) != NULL) {
		r->matched++;
		if (opt->how == HOW_ANTI)
			return 1;
		if ((n = collisions(r, rec, e, why)) == -1)
			return -1;
		if (n > 0)
			write_replaced(r, rec, at, e);
		else
			write_spliced(r, rec, at, e);
		return 0;
	}
	if (opt->how == HOW_INNER)
		return 1;
	write_as_is(r, at);
	return 0;
}

/* TABLE must not be an output: the same file would be read and
 * replaced. */
static void
check_table(const struct join_opts *opt)
{
	const char *outs[2] = { opt->common.output, opt->common.rejects };
	struct stat t, o;

	if (stat(opt->table, &t) == -1)
		return;	/* table_load() says why */
	for (int i = 0; i < 2; i++)
		if (outs[i] != NULL && strcmp(outs[i], "-") != 0 &&
		    stat(outs[i], &o) == 0 && o.st_dev == t.st_dev &&
		    o.st_ino == t.st_ino)
			cdp_die(EX_USAGE, outs[i], 0, "is TABLE: an output "
			    "must be another file");
}

static void
set_stats(struct run *r)
{
	static const char *const names[] = { "matched", "unkeyed",
	    "table_records", "table_unkeyed", "table_keys", "ambiguous_keys" };
	const unsigned long long n[] = { r->matched, r->unkeyed,
	    r->t->records, r->t->unkeyed, r->t->keys, r->t->ambiguous };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		r->acct.extra[i].name = names[i];
		r->acct.extra[i].n = n[i];
	}
}

/* A run's (or a worker's) own key maker and scratch, for opt and t. */
static void
run_init(struct run *r, const struct join_opts *opt, const struct table *t)
{
	struct cdp_err err;

	*r = (struct run){ .opt = opt, .t = t };
	r->k.ctx.default_country = opt->common.default_country;
	r->k.ctx.date_order = opt->common.date_order;
	for (int i = 0; i < opt->nkey; i++)
		if (cdp_norm_ctx_prepare(&r->k.ctx, opt->skey[i].norm,
		    &err) == -1)
			cdp_die_err(&err, NULL, 0);
	r->k.kr.ctx = &r->k.ctx;
}

static void
run_free(struct run *r)
{
	cdp_keyer_free(&r->k.kr);
	cdp_norm_ctx_free(&r->k.ctx);
	cdp_buf_free(&r->k.val);
	cdp_buf_free(&r->k.tmp);
	cdp_buf_free(&r->k.msg);
	cdp_recw_free(&r->w);
	cdp_buf_free(&r->why);
	free(r->found);
}

/* The stream in parallel blocks, written in input order (par.h). */
static void
run_parallel(struct run *r, char **files, int nfiles, int threads,
    struct cdp_par_info *info)
{
	struct run *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	void **ctx = cdp_xcalloc((size_t)threads, sizeof(*ctx));
	struct cdp_par_prog prog = { .record = one, .ctx = ctx,
	    .outs = &r->out, .nouts = 1, .block_lines = true };

	for (int i = 0; i < threads; i++) {
		run_init(&w[i], r->opt, r->t);
		ctx[i] = &w[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &r->opt->common, &r->acct,
	    info);
	for (int i = 0; i < threads; i++) {
		r->matched += w[i].matched;
		r->unkeyed += w[i].unkeyed;
		run_free(&w[i]);
	}
	free(w);
	free(ctx);
}

int
join_run(const struct join_opts *opt, char **files, int nfiles)
{
	struct run r;
	struct table t;
	struct cdp_par_info info = { 0 };
	struct cdp_err err;
	int threads = cdp_par_threads(&opt->common, &info.asked);

	check_table(opt);
	run_init(&r, opt, &t);
	table_load(&t, opt, &r.k);
	if (cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1 ||
	    (r.out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (threads > 1)
		run_parallel(&r, files, nfiles, threads, &info);
	else
		cdp_each(files, nfiles, &opt->common, &r.acct, one, &r);
	if (cdp_out_close(r.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	set_stats(&r);
	cdp_par_account(&info, &r.acct);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	table_free(&t);
	run_free(&r);
	return 0;
}
