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
#include "record.h"
#include "xalloc.h"

struct run {
	const struct join_opts	*opt;
	struct table		 t;
	struct keyer		 k;
	struct cdp_out		*out;
	struct cdp_acct		 acct;
	struct cdp_recw		 w;
	struct cdp_buf		 line, why;
	const struct cdp_field	**found;	/* per attached field */
	size_t			 fcap;
	unsigned long long	 matched, unkeyed;
};

static void
put(struct run *r, const char *p, size_t n)
{
	struct cdp_err err;

	if (cdp_out_write(r->out, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* The record as it came. */
static void
write_as_is(struct run *r, const struct cdp_each_at *at)
{
	put(r, at->line->p, at->line->len);
	put(r, "\n", 1);
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
	cdp_buf_reset(&r->line);
	if (cdp_buf_add(&r->line, p, n) == -1 ||
	    (rec->n > 0 && cdp_buf_addc(&r->line, ',') == -1) ||
	    cdp_buf_add(&r->line, entry_frag(e), e->fraglen) == -1 ||
	    cdp_buf_add(&r->line, "}\n", 2) == -1)
		cdp_oom(0);
	put(r, r->line.p, r->line.len);
}

/* --replace: the record's fields in order, those e has taking e's value,
 * then e's other fields. */
static void
write_replaced(struct run *r, const struct cdp_rec *rec, const struct entry *e)
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
	put(r, r->w.b.p, r->w.b.len);
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
	} else if ((e = table_find(&r->t, &keys)) != NULL) {
		r->matched++;
		if (opt->how == HOW_ANTI)
			return 1;
		if ((n = collisions(r, rec, e, why)) == -1)
			return -1;
		if (n > 0)
			write_replaced(r, rec, e);
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
	    r->t.records, r->t.unkeyed, r->t.keys, r->t.ambiguous };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		r->acct.extra[i].name = names[i];
		r->acct.extra[i].n = n[i];
	}
}

int
join_run(const struct join_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_err err;

	check_table(opt);
	r.k.ctx.default_country = opt->common.default_country;
	r.k.ctx.date_order = opt->common.date_order;
	for (int i = 0; i < opt->nkey; i++)
		if (cdp_norm_ctx_prepare(&r.k.ctx, opt->skey[i].norm,
		    &err) == -1)
			cdp_die_err(&err, NULL, 0);
	r.k.kr.ctx = &r.k.ctx;
	table_load(&r.t, opt, &r.k);
	if (cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1 ||
	    (r.out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	cdp_each(files, nfiles, &opt->common, &r.acct, one, &r);
	if (cdp_out_close(r.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	set_stats(&r);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	table_free(&r.t);
	cdp_keyer_free(&r.k.kr);
	cdp_norm_ctx_free(&r.k.ctx);
	cdp_buf_free(&r.k.val);
	cdp_buf_free(&r.k.tmp);
	cdp_buf_free(&r.k.msg);
	cdp_recw_free(&r.w);
	cdp_buf_free(&r.line);
	cdp_buf_free(&r.why);
	free(r.found);
	return 0;
}
