/*
 * clvfit.c - the fit of cdp-score clv and churn, from transactions or
 * summaries alike: the purchase model on the customers' rows (refused
 * when the data cannot identify it, stopped or warned when it does not
 * converge), then the Gamma-Gamma spend model, whose failure leaves the
 * purchase model's results standing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "diag.h"
#include "xalloc.h"

/* The customers of the fit as rows; spend: those with repeats of
 * positive mean amount, for Gamma-Gamma. */
static void
rows(struct rfx_rows *d, const struct clv *C, bool spend)
{
	struct rfx *s = cdp_xreallocarray(NULL, C->n ? C->n : 1, sizeof(*s));
	size_t m = 0;

	for (size_t i = 0; i < C->n; i++) {
		const struct rfx *c = &C->c[i];

		if (c->x < 0)
			continue;
		/* zbar is no part of the purchase models: left out, customers
		 * alike in x, t_x and T share a row */
		if (!spend) {
			s[m] = *c;
			s[m++].zbar = 0;
		}
		else if (c->x > 0 && c->zbar > 0)
			s[m++] = (struct rfx){ .x = c->x, .zbar = c->zbar,
			    .w = c->w };
	}
	if (rfx_rows_make(d, s, m, spend ? NULL : C->D.z,
	    spend ? 0 : C->D.nz) == -1)
		cdp_oom(0);
	free(s);
}

/* Why data cannot identify the purchase model, or NULL. */
static const char *
degenerate(const struct rfx_rows *d, char *buf, size_t len)
{
	double repeat = 0;

	if (d->n == 0)
		return "no customers to fit";
	for (size_t i = 0; i < d->n; i++)
		if (d->row[i].x > 0)
			repeat += d->row[i].w;
	if (repeat > 0)
		return NULL;
	snprintf(buf, len, "every one of the %.0f customers bought only "
	    "once (x = 0): without a repeat purchase the purchase rate and "
	    "the dropout cannot be told apart, so the model cannot be "
	    "identified", d->total);
	return buf;
}

/* A fit that did not converge: 65, or with --allow-nonconverged a
 * warning. */
static void
unconverged(const struct score_opts *opt, const struct fit *f)
{
	if (!opt->allow_nonconverged)
		cdp_die(EX_DATAERR, NULL, 0, "%s: the fit did not converge: "
		    "%s; --allow-nonconverged uses the best parameters found",
		    model_name(f->kind), f->why);
	cdp_warn(NULL, 0, "%s: the fit did not converge (%s): the best "
	    "parameters found are used", model_name(f->kind), f->why);
}

/*
 * The spend model: Gamma-Gamma over the customers with repeats.  Its
 * failure leaves the purchase model's results standing: a warning, and
 * no spend fields.
 */
static void
fit_spend(struct clv *C)
{
	struct rfx_rows d;

	C->has_spend = false;
	if (C->opt->spend == SPEND_NONE) {
		snprintf(C->spend_why, sizeof(C->spend_why),
		    "--spend-model none");
		return;
	}
	rows(&d, C, true);
	if (d.n == 0) {
		snprintf(C->spend_why, sizeof(C->spend_why), "no customer "
		    "with repeat purchases of positive amount to fit");
	} else {
		model_fit(M_GAMMA, &d, &C->opt->limits, &C->g);
		if (!C->g.converged)
			snprintf(C->spend_why, sizeof(C->spend_why),
			    "the fit did not converge: %s", C->g.why);
		else if (!(C->g.p[1] > 1))
			snprintf(C->spend_why, sizeof(C->spend_why), "fitted "
			    "q is not above 1, so the mean spend is infinite");
		else
			C->has_spend = true;
	}
	rfx_rows_free(&d);
	if (!C->has_spend)
		cdp_warn(NULL, 0, "gamma-gamma: %s; the purchase model's "
		    "results are written without spend and value "
		    "(--spend-model none leaves spend out on purpose)",
		    C->spend_why);
}

void
clv_fit(struct clv *C)
{
	const struct score_opts *opt = C->opt;
	struct rfx_rows d;
	const char *why;
	char buf[200];

	rows(&d, C, false);
	if ((why = degenerate(&d, buf, sizeof(buf))) != NULL)
		cdp_die(EX_DATAERR, NULL, 0, "%s: %s", model_name(opt->model),
		    why);
	model_fit(opt->model, &d, &opt->limits, &C->f);
	rfx_rows_free(&d);
	if (!C->f.converged)
		unconverged(opt, &C->f);
	if (opt->cmd == CMD_CLV)
		fit_spend(C);
}
