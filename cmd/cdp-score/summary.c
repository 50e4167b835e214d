/*
 * summary.c - clv and churn --from-summary: records of x, t_x, T (or n)
 * and zbar, as --summary writes them or as published data sets hold
 * them, checked row by row; fitted (--fit-only) or each written back
 * with its scores.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "clv.h"
#include "diag.h"
#include "each.h"
#include "keymap.h"
#include "out.h"
#include "record.h"
#include "xalloc.h"

/* The summaries read, and the lines to write back. */
struct summaries {
	const struct score_opts	*opt;
	struct rfx		*c;
	size_t			 n, cap;
	struct cdp_buf		 lines;		/* accepted records, each
						   NUL-terminated */
	size_t			*off;
	size_t			 offcap;
	const char		*owned[SCORE_MAXOWNED];
	int			 nowned;
	struct covdict		 dict[MODEL_MAXCOV];
	uint32_t		*cv;
	size_t			 cvcap;
	struct cdp_buf		 why, s;
};

/* Number field name of rec into *v: -1 when missing, not a number or
 * below 0; absent optional fields give def. */
static int
num(struct cdp_rec *rec, const char *name, bool optional, double def,
    double *v)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));

	if (f == NULL && optional) {
		*v = def;
		return 0;
	}
	return f == NULL || cdp_rec_num(rec, f, v) == -1 || !isfinite(*v) ?
	    -1 : 0;
}

/* The rule a summary row breaks, or NULL. */
static const char *
broken(const struct score_opts *opt, const struct rfx *r)
{
	bool bb = opt->model == M_BGBB;

	if (r->x != floor(r->x) || r->x < 0)
		return "x is not a whole number of at least 0";
	if (r->tx < 0 || r->T < 0)
		return bb ? "t_x or n below 0" : "t_x or T below 0";
	if (bb && (r->T != floor(r->T) || r->tx != floor(r->tx)))
		return "t_x and n must be whole numbers of opportunities";
	if (bb && r->x > r->T)
		return "x > n: more purchases than opportunities";
	if (r->tx > r->T)
		return bb ? "t_x > n: the last purchase after the last "
		    "opportunity" : "t_x > T: the last purchase after the "
		    "end of the period";
	if (r->x == 0 && r->tx != 0)
		return "t_x is not 0 although x is 0";
	if (bb && r->x > r->tx)
		return "x > t_x: more purchases than opportunities up to the "
		    "last";
	if (r->zbar < 0)
		return "zbar below 0: Gamma-Gamma needs positive amounts";
	if (!(r->w > 0))
		return "count is not a positive number";
	return NULL;
}

/* The covariate values of rec; -1 with *why when one is missing. */
static int
covariates(struct summaries *S, struct cdp_rec *rec, const char **why)
{
	const struct score_opts *opt = S->opt;

	if (cdp_grow((void **)&S->cv, &S->cvcap, (S->n + 1) *
	    (size_t)opt->ncov, sizeof(*S->cv)) == -1)
		cdp_oom(0);
	for (int k = 0; k < opt->ncov; k++) {
		const struct cdp_field *f = cdp_rec_find(rec, opt->cov[k],
		    strlen(opt->cov[k]));
		struct covdict *d = &S->dict[k];
		const char *s;
		size_t n;
		uint64_t *slot;
		int added;

		if (f == NULL || (f->type != CDP_NUMBER &&
		    (f->type != CDP_STRING || cdp_rec_str(rec, f, &S->s, &s,
		    &n) == -1))) {
			cdp_buf_reset(&S->why);
			if (cdp_buf_adds(&S->why, "field ") == -1 ||
			    cdp_json_quote(&S->why, opt->cov[k],
			    strlen(opt->cov[k])) == -1 ||
			    cdp_buf_adds(&S->why, ": a covariate, missing or "
			    "not a string or number") == -1)
				cdp_oom(0);
			*why = S->why.p;
			return -1;
		}
		if (f->type == CDP_NUMBER) {
			s = rec->p + f->voff;
			n = f->vlen;
		}
		slot = cdp_keymap_put(d->map, cdp_key128_of(s, n), d->n,
		    &added);
		if (slot == NULL)
			cdp_oom(0);
		if (added) {
			if (cdp_grow((void **)&d->off, &d->cap, d->n + 1,
			    sizeof(*d->off)) == -1 ||
			    cdp_buf_add(&d->text, s, n) == -1)
				cdp_oom(0);
			d->off[d->n] = d->text.len - n;
			if (cdp_buf_addc(&d->text, '\0') == -1)
				cdp_oom(0);
			d->numeric = (d->n == 0 || d->numeric) &&
			    f->type == CDP_NUMBER;
			d->n++;
		}
		S->cv[S->n * (size_t)opt->ncov + (size_t)k] =
		    (uint32_t)*slot + 1;
	}
	return 0;
}

static int
one_summary(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct summaries *S = ctx;
	const struct score_opts *opt = S->opt;
	bool bb = opt->model == M_BGBB;
	struct rfx r = { 0 };

	if (num(rec, "x", false, 0, &r.x) == -1 ||
	    num(rec, "t_x", false, 0, &r.tx) == -1 ||
	    num(rec, bb ? "n" : "T", false, 0, &r.T) == -1 ||
	    num(rec, "zbar", true, 0, &r.zbar) == -1 ||
	    num(rec, "count", true, 1, &r.w) == -1) {
		*why = bb ? "not a summary record (x, t_x and n numbers; "
		    "count optional)" : "not a summary record (x, t_x and T "
		    "numbers; zbar and count optional)";
		return -1;
	}
	if ((*why = broken(opt, &r)) != NULL)
		return -1;
	for (int j = 0; j < S->nowned && !opt->fit_only; j++)
		if (!opt->replace && cdp_rec_find(rec, S->owned[j],
		    strlen(S->owned[j])) != NULL) {
			*why = score_exists(&S->why, S->owned[j]);
			return -1;
		}
	if (covariates(S, rec, why) == -1)
		return -1;
	if (cdp_grow((void **)&S->c, &S->cap, S->n + 1, sizeof(*S->c)) == -1)
		cdp_oom(0);
	S->c[S->n++] = r;
	if (opt->fit_only)
		return 0;
	/* kept to be written back with the scores */
	if (cdp_grow((void **)&S->off, &S->offcap, S->n, sizeof(*S->off)) ==
	    -1)
		cdp_oom(0);
	S->off[S->n - 1] = S->lines.len;
	if (cdp_buf_add(&S->lines, at->line->p, at->line->len) == -1 ||
	    cdp_buf_addc(&S->lines, '\0') == -1)
		cdp_oom(0);
	return 0;
}

/* Each kept summary record with its scores appended. */
static unsigned long long
write_back(struct summaries *S, struct clv *C, struct cdp_out *out)
{
	const char *names[SCORE_MAXOWNED];
	int nn = clv_field_names(C, names);
	struct cdp_rec rec = { 0 };
	struct cdp_recw w = { 0 };
	struct cdp_err err;

	for (size_t i = 0; i < S->n; i++) {
		const char *line = S->lines.p + S->off[i];

		if (cdp_rec_parse(&rec, line, strlen(line), &err) == -1)
			cdp_die_err(&err, NULL, 0);
		cdp_recw_begin(&w);
		for (size_t j = 0; j < rec.n; j++) {
			const struct cdp_field *f = &rec.f[j];

			if (!score_owned(&rec, f, names, nn) &&
			    cdp_recw_field(&w, &rec, f) == -1)
				cdp_oom(0);
		}
		clv_add_fields(C, &w, i);
		score_write(&w, out);
	}
	cdp_rec_free(&rec);
	cdp_recw_free(&w);
	return S->n;
}

int
summary_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct summaries S = { .opt = opt };
	struct clv C = { .opt = opt };
	struct cdp_acct acct;
	struct cdp_out *out;
	struct cdp_err err;
	unsigned long long n = 1;

	C.has_spend = opt->spend == SPEND_GAMMA && opt->cmd == CMD_CLV;
	C.f.kind = opt->model;
	S.nowned = clv_field_names(&C, S.owned);
	for (int k = 0; k < opt->ncov; k++)
		if ((S.dict[k].map = cdp_keymap_new()) == NULL)
			cdp_oom(0);
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.aggregating = true;
	cdp_each(files, nfiles, &opt->common, &acct, one_summary, &S);
	C.c = S.c;
	C.n = S.n;
	design_make(&C.D, S.dict, opt->cov, opt->ncov, S.cv, S.n);
	for (size_t i = 0; i < S.n && C.D.g != NULL; i++)
		C.c[i].g = C.D.g[i];
	if (opt->params != NULL)
		clv_load_params(&C, opt->params);
	else
		clv_fit(&C);
	if (opt->fit_only) {
		clv_print_fit(out, &C);
	} else {
		if (opt->intervals)
			clv_intervals(&C);
		n = write_back(&S, &C, out);
	}
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "output";
	acct.extra[0].n = n;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	for (int k = 0; k < opt->ncov; k++) {
		cdp_keymap_free(S.dict[k].map);
		cdp_buf_free(&S.dict[k].text);
		free(S.dict[k].off);
	}
	design_free(&C.D);
	free(C.iv);
	free(S.c);
	free(S.cv);
	free(S.off);
	cdp_buf_free(&S.lines);
	cdp_buf_free(&S.why);
	cdp_buf_free(&S.s);
	return 0;
}
