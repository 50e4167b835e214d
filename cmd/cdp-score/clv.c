/*
 * clv.c - cdp-score clv and churn from transactions: summarise each
 * customer's calibration period (x, t_x, T, mean repeat spend; periods
 * for BG/BB), fit or load the models, and write per customer P(alive),
 * expected purchases, spend and discounted CLV, or the churn scores.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "clv.h"
#include "diag.h"
#include "out.h"
#include "record.h"
#include "xalloc.h"

/*
 * The calibration summary of every customer: x distinct purchase days
 * after the first, t_x and T in time units from the first purchase day,
 * zbar the mean amount per repeat purchase day (the first day's amount
 * left out, as the Gamma-Gamma model wants).  BG/BB counts periods: x
 * distinct periods after the first, the last t_x after it, n = T
 * opportunities up to the calibration end's period.
 */
static struct rfx *
summarise(const struct custtab *t, const struct score_opts *opt,
    long cal_end)
{
	struct rfx *c = cdp_xreallocarray(NULL, t->n ? t->n : 1, sizeof(*c));
	bool bb = opt->model == M_BGBB;
	double unit = bb ? 1 : opt->unit;
	long end = bb ? period_of(cal_end, opt->period) : cal_end;

	for (size_t i = 0; i < t->n; i++) {
		const struct cust *k = &t->c[i];
		double x = k->days - 1.0;

		/* seen only in the holdout: marked x < 0, in no fit */
		if (k->n == 0) {
			c[i] = (struct rfx){ .x = -1 };
			continue;
		}
		c[i] = (struct rfx){ .x = x,
		    .tx = x > 0 ? (k->last - k->first) / unit : 0,
		    .T = (end - k->first) / unit,
		    .zbar = x > 0 ? custtab_round(t, k->rest_sum) / x : 0 };
	}
	return c;
}

/* Sum the holdout's predicted and actual purchases over the customers
 * of the fit. */
static void
compare_holdout(struct clv *C, struct holdout *h)
{
	const struct score_opts *opt = C->opt;
	double q[MODEL_MAXP];

	*h = (struct holdout){ .len = opt->model == M_BGBB ?
	    period_of(opt->holdout_end, opt->period) -
	    period_of(opt->cal_end, opt->period) :
	    (opt->holdout_end - opt->cal_end) / opt->unit };
	for (size_t i = 0; i < C->n; i++) {
		const struct rfx *c = &C->c[i];
		double e, a;

		if (c->x < 0)
			continue;
		model_indiv(C->f.kind, C->f.nz, C->f.p, C->D.nz ? C->D.z +
		    (size_t)c->g * C->D.nz : NULL, q);
		e = model_expected(C->f.kind, q, c, h->len);
		if (!isfinite(e))
			clv_undefined(C, q, "clv_holdout_expected");
		a = C->hold[i];
		h->customers++;
		h->actual += C->hold[i];
		h->expected += e;
		h->abserr += fabs(e - a);
	}
	C->h = h;
}

/* With --stats, the holdout comparison as a second line on stderr. */
static void
print_holdout(const struct holdout *h)
{
	struct cdp_buf b = { 0 };

	if (cdp_buf_addc(&b, '{') == -1)
		cdp_oom(0);
	holdout_json(&b, h);
	if (cdp_buf_adds(&b, "}\n") == -1)
		cdp_oom(0);
	fputs(b.p, stderr);
	cdp_buf_free(&b);
}

/*
 * Cancellations in the data: customers whose being alive is known, not
 * latent, which the models of repeat buying ignore.  Without --force
 * that is an error pointing at the sBG model.
 */
static void
check_cancels(const struct score_opts *opt, const struct custtab *t)
{
	if (t->cancels == 0 || opt->model == M_BGBB)
		return;
	if (!opt->force)
		cdp_die(EX_DATAERR, NULL, 0, "%llu cancellation record%s "
		    "(field \"%s\"): subscriptions that end say when a "
		    "customer left, which %s treats as unknown; fit "
		    "subscriptions with --model sbg, or --force to fit "
		    "anyway", t->cancels, t->cancels == 1 ? "" : "s",
		    opt->status, model_name(opt->model));
	cdp_warn(NULL, 0, "%llu cancellation record%s (field \"%s\") "
	    "ignored by %s (--force); --model sbg fits subscriptions",
	    t->cancels, t->cancels == 1 ? "" : "s", opt->status,
	    model_name(opt->model));
}

static bool
in_fit(void *st, size_t i)
{
	const struct clv *C = st;

	return C->c[i].x >= 0;
}

/* --summary: the four numbers (BG/BB: x, t_x, n) and the covariates. */
static void
summary_fields(void *st, struct cdp_recw *w, size_t i)
{
	const struct clv *C = st;
	const struct rfx *r = &C->c[i];
	const struct custtab *t = C->t;
	int rc;

	rc = cdp_recw_int(w, "x", 1, (long long)r->x);
	if (rc == 0 && C->opt->model == M_BGBB)
		rc = cdp_recw_int(w, "t_x", 3, (long long)r->tx) |
		    cdp_recw_int(w, "n", 1, (long long)r->T);
	else if (rc == 0)
		rc = cdp_recw_num(w, "t_x", 3, r->tx) |
		    cdp_recw_num(w, "T", 1, r->T);
	rc |= cdp_recw_num(w, "zbar", 4, r->zbar);
	for (int k = 0; k < t->ncov && rc == 0; k++) {
		const struct covdict *d = &t->dict[k];
		const char *v = d->text.p + d->off[t->cv[i * (size_t)t->ncov +
		    (size_t)k] - 1];

		rc = d->numeric ? cdp_recw_raw(w, C->opt->cov[k],
		    strlen(C->opt->cov[k]), v, strlen(v)) :
		    cdp_recw_str(w, C->opt->cov[k], strlen(C->opt->cov[k]), v,
		    strlen(v));
	}
	if (rc != 0)
		cdp_oom(0);
}

/* Fit or load, then write what was asked. */
static unsigned long long
write_out(struct clv *C, struct custtab *t, struct cdp_out *out)
{
	const struct score_opts *opt = C->opt;
	const char *names[SCORE_MAXOWNED];
	int nn;

	if (opt->summary)
		return custtab_write(t, opt, out, in_fit, summary_fields, C);
	if (opt->params != NULL)
		clv_load_params(C, opt->params);
	else
		clv_fit(C);
	if (opt->has_holdout)
		compare_holdout(C, C->h);
	if (opt->fit_only) {
		clv_print_fit(out, C);
		return 1;
	}
	if (opt->intervals)
		clv_intervals(C);
	nn = clv_field_names(C, names);
	if (!opt->annotate)
		return custtab_write(t, opt, out, NULL, clv_add_fields, C);
	custtab_annotate(t, opt, out, names, nn, clv_add_fields, C);
	return t->acct.read - t->acct.rejected;
}

int
clv_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct custtab t;
	struct holdout h;
	struct clv C = { .opt = opt, .t = &t, .h = &h };
	const char *names[SCORE_MAXOWNED];
	struct cdp_out *out;
	struct cdp_err err;
	uint32_t *hold;
	unsigned long long n;
	long cal_end;

	/* GSL's default handler aborts; the models check and fall back */
	gsl_set_error_handler_off();
	if (opt->model == M_SBG)
		return sbg_run(opt, files, nfiles);
	if (opt->from_summary)
		return summary_run(opt, files, nfiles);
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	/* the fields every customer gets, for --annotate's collisions:
	 * known from the options alone (spend assumed) */
	C.has_spend = opt->spend == SPEND_GAMMA && opt->cmd == CMD_CLV;
	C.f.kind = opt->model;
	custtab_load(&t, opt, files, nfiles, names,
	    clv_field_names(&C, names));
	check_cancels(opt, &t);
	cal_end = opt->has_cal_end ? opt->cal_end : opt->has_as_of ?
	    opt->as_of : t.maxday;
	C.c = summarise(&t, opt, cal_end);
	C.n = t.n;
	hold = cdp_xreallocarray(NULL, t.n ? t.n : 1, sizeof(*hold));
	for (size_t i = 0; i < t.n; i++)
		hold[i] = t.c[i].hold_days;
	C.hold = hold;
	design_make(&C.D, t.dict, opt->cov, t.ncov, t.cv, t.n);
	for (size_t i = 0; i < t.n && C.D.g != NULL; i++)
		C.c[i].g = C.D.g[i];
	if (!opt->has_holdout)
		C.h = NULL;
	n = write_out(&C, &t, out);
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	custtab_finish(&t, opt, n);
	if (opt->common.stats && C.h != NULL)
		print_holdout(C.h);
	free(C.c);
	free(C.iv);
	free(hold);
	design_free(&C.D);
	custtab_free(&t);
	return 0;
}
