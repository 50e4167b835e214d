/*
 * test_score_models.c - cdp-score's likelihood gradients against central
 * differences of the likelihood (every model, with covariates too), and
 * the Pareto/NBD likelihood (series and quadrature) against one written
 * here from GSL's 2F1, at parameters on either side of alpha = beta and
 * where z nears 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_hyperg.h>

#include "check.h"
#include "../../cmd/cdp-score/models.h"

/* Customers like CDNOW's, with a few extremes: many repeats, the last on
 * the last day, a new customer; group 1 has the covariate set. */
#define C(x_, t_, T_, z_, g_) \
	{ .x = x_, .tx = t_, .T = T_, .zbar = z_, .w = 1, .g = g_ }
static const struct rfx customers[] = {
	C(0, 0, 38.86, 0, 0), C(0, 0, 27, 0, 1),
	C(1, 1.71, 38.86, 11.77, 0), C(2, 30.43, 38.86, 22.35, 1),
	C(5, 20, 30, 40.5, 0), C(7, 29, 29, 9, 1),
	C(15, 35.5, 36, 18, 0), C(29, 37, 38, 75.2, 1),
	C(200, 70, 78, 30, 0), C(0, 0, 0.5, 0, 1),
	C(3, 0.3, 0.4, 2.5, 0), C(4, 38.8, 38.86, 20, 1),
};
#define NCUST	(sizeof(customers) / sizeof(customers[0]))

/* The gradient of model kind at p against central differences on ln p
 * (on p itself for the covariate effects, from np0 on). */
static void
check_point(enum model_kind kind, const struct rfx_rows *d, const double *p,
    int np, int np0, const char *what)
{
	double g[MODEL_MAXP], ll = model_ll_grad(kind, d, p, g);
	double ref = model_ll(kind, d, p);

	CHECK(fabs(ll - ref) <= 1e-10 * fabs(ref), "%s: ll %.17g, want %.17g",
	    what, ll, ref);
	for (int i = 0; i < np; i++) {
		double q[MODEL_MAXP], h = 1e-5, lp, lm, num;

		for (int j = 0; j < np; j++)
			q[j] = p[j];
		q[i] = i < np0 ? p[i] * exp(h) : p[i] + h;
		lp = model_ll(kind, d, q);
		q[i] = i < np0 ? p[i] * exp(-h) : p[i] - h;
		lm = model_ll(kind, d, q);
		num = (lp - lm) / (2 * h) / (i < np0 ? p[i] : 1);
		CHECK(fabs(g[i] - num) <= 1e-6 * (1 + fabs(num)),
		    "%s: d/dp%d analytic %.12g, numeric %.12g", what, i, g[i],
		    num);
	}
}

/*
 * One customer's Pareto/NBD log-likelihood from the closed form with
 * GSL's 2F1 (Fader & Hardie 2005, eq. 22), as the program once computed
 * it: an evaluation independent of the series and of the quadrature.
 */
static double
pareto_ref(const double *p, const struct rfx *c)
{
	double r = p[0], al = p[1], s = p[2], be = p[3], x = c->x;
	double k = r + s + x, m = al >= be ? al : be;
	double b = al >= be ? s + 1 : r + x, d = fabs(al - be);
	double f1 = gsl_sf_hyperg_2F1(k, b, k + 1, d / (m + c->tx)) /
	    pow(m + c->tx, k);
	double f2 = gsl_sf_hyperg_2F1(k, b, k + 1, d / (m + c->T)) /
	    pow(m + c->T, k);
	double L = 1 / (pow(al + c->T, r + x) * pow(be + c->T, s)) +
	    s / k * (f1 - f2);

	return lgamma(r + x) - lgamma(r) + r * log(al) + s * log(be) + log(L);
}

static void
check_pareto_value(const struct rfx_rows *d, const double *p,
    const char *what)
{
	double ref = 0, ll = model_ll(M_PARETO, d, p);

	for (size_t i = 0; i < d->n; i++)
		ref += d->row[i].w * pareto_ref(p, &d->row[i]);
	CHECK(fabs(ll - ref) <= 1e-9 * fabs(ref), "%s: ll %.15g, 2F1 %.15g",
	    what, ll, ref);
}

int
main(void)
{
	static const struct { double p[4]; const char *what; } pareto[] = {
		{ { 0.553, 10.578, 0.606, 11.669 }, "pareto, alpha < beta" },
		{ { 0.8, 12, 0.4, 5 }, "pareto, alpha > beta" },
		{ { 1.5, 7, 2.5, 7 }, "pareto, alpha = beta" },
		{ { 0.3, 40, 0.9, 1.5 }, "pareto, z near 1: quadrature" },
		{ { 2, 0.5, 0.2, 3 }, "pareto, small alpha" },
		{ { 0.9, 4.3, 2400, 34000 }, "pareto, huge s and beta" },
		{ { 0.5, 0.01, 0.7, 900 }, "pareto, beta far above alpha" },
	};
	static const double zc[] = { 0, 1 };	/* group 0, group 1 */
	struct rfx_rows d, cov, spend, sbg, bb;
	struct rfx z[NCUST], s[4], b[4];
	size_t m = 0;

	gsl_set_error_handler_off();
	if (rfx_rows_make(&d, customers, NCUST, NULL, 0) == -1 ||
	    rfx_rows_make(&cov, customers, NCUST, zc, 1) == -1)
		return 2;
	for (size_t i = 0; i < NCUST; i++)
		if (customers[i].x > 0)
			z[m++] = (struct rfx){ .x = customers[i].x,
			    .zbar = customers[i].zbar, .w = 1 };
	if (rfx_rows_make(&spend, z, m, NULL, 0) == -1)
		return 2;
	/* sBG: churned in periods 1 and 3, still there after 2 and 5 */
	s[0] = (struct rfx){ .x = 1, .T = 1, .w = 40 };
	s[1] = (struct rfx){ .x = 1, .T = 3, .w = 12 };
	s[2] = (struct rfx){ .x = 0, .T = 2, .w = 7 };
	s[3] = (struct rfx){ .x = 0, .T = 5, .w = 30 };
	if (rfx_rows_make(&sbg, s, 4, NULL, 0) == -1)
		return 2;
	/* BG/BB: x purchases, the last at t_x, of n = T opportunities */
	b[0] = (struct rfx){ .x = 0, .tx = 0, .T = 6, .w = 3464 };
	b[1] = (struct rfx){ .x = 1, .tx = 1, .T = 6, .w = 1091 };
	b[2] = (struct rfx){ .x = 3, .tx = 5, .T = 6, .w = 120 };
	b[3] = (struct rfx){ .x = 6, .tx = 6, .T = 6, .w = 400 };
	if (rfx_rows_make(&bb, b, 4, NULL, 0) == -1)
		return 2;
	for (size_t i = 0; i < sizeof(pareto) / sizeof(pareto[0]); i++) {
		check_point(M_PARETO, &d, pareto[i].p, 4, 4, pareto[i].what);
		check_pareto_value(&d, pareto[i].p, pareto[i].what);
	}
	check_point(M_BGNBD, &d, (double[]){ 0.243, 4.414, 0.793, 2.426 }, 4,
	    4, "bg-nbd");
	check_point(M_MBGNBD, &d, (double[]){ 0.525, 6.183, 0.891, 1.614 }, 4,
	    4, "mbg-nbd");
	check_point(M_BGNBD, &cov, (double[]){ 0.243, 4.414, 0.793, 2.426,
	    0.3, -0.2 }, 6, 4, "bg-nbd, covariate");
	check_point(M_MBGNBD, &cov, (double[]){ 0.525, 6.183, 0.891, 1.614,
	    -0.4, 0.5 }, 6, 4, "mbg-nbd, covariate");
	check_point(M_PARETO, &cov, (double[]){ 0.553, 10.578, 0.606, 11.669,
	    0.25, 0.6 }, 6, 4, "pareto, covariate");
	check_point(M_GAMMA, &spend, (double[]){ 6.25, 3.74, 15.44 }, 3, 3,
	    "gamma-gamma");
	check_point(M_SBG, &sbg, (double[]){ 0.704, 1.182 }, 2, 2, "sbg");
	check_point(M_BGBB, &bb, (double[]){ 1.204, 0.750, 0.657, 2.783 }, 4,
	    4, "bg-bb");
	rfx_rows_free(&d);
	rfx_rows_free(&cov);
	rfx_rows_free(&spend);
	rfx_rows_free(&sbg);
	rfx_rows_free(&bb);
	return CHECK_DONE();
}
