/*
 * test_score_models.c - cdp-score's likelihood gradients against central
 * differences of the likelihood, and the Pareto/NBD series value against
 * the one from GSL's 2F1, at parameters on either side of alpha = beta.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "../../cmd/cdp-score/models.h"

/* Customers like CDNOW's, with a few extremes: many repeats, the last on
 * the last day, a new customer. */
static const struct rfx customers[] = {
	{ 0, 0, 38.86, 0 }, { 0, 0, 27, 0 }, { 1, 1.71, 38.86, 11.77 },
	{ 2, 30.43, 38.86, 22.35 }, { 5, 20, 30, 40.5 }, { 7, 29, 29, 9 },
	{ 15, 35.5, 36, 18 }, { 29, 37, 38, 75.2 }, { 200, 70, 78, 30 },
	{ 0, 0, 0.5, 0 }, { 3, 0.3, 0.4, 2.5 },
};

/* The gradient of model kind at p against central differences in ln p. */
static void
check_point(enum model_kind kind, const struct rfx_rows *d, const double *p,
    int np, const char *what)
{
	double g[4], ll = model_ll_grad(kind, d, p, g);
	double ref = model_ll(kind, d, p);

	CHECK(fabs(ll - ref) <= 1e-10 * fabs(ref), "%s: ll %.17g, want %.17g",
	    what, ll, ref);
	for (int i = 0; i < np; i++) {
		double q[4] = { p[0], p[1], p[2], p[3] }, h = 1e-5, lp, lm, num;

		q[i] = p[i] * exp(h);
		lp = model_ll(kind, d, q);
		q[i] = p[i] * exp(-h);
		lm = model_ll(kind, d, q);
		num = (lp - lm) / (2 * h) / p[i];
		CHECK(fabs(g[i] - num) <= 1e-6 * (1 + fabs(num)),
		    "%s: d/dp%d analytic %.12g, numeric %.12g", what, i, g[i],
		    num);
	}
}

int
main(void)
{
	static const struct { double p[4]; const char *what; } pareto[] = {
		{ { 0.553, 10.578, 0.606, 11.669 }, "pareto, alpha < beta" },
		{ { 0.8, 12, 0.4, 5 }, "pareto, alpha > beta" },
		{ { 1.5, 7, 2.5, 7 }, "pareto, alpha = beta" },
		{ { 0.3, 40, 0.9, 1.5 }, "pareto, series too slow" },
		{ { 2, 0.5, 0.2, 3 }, "pareto, small alpha" },
	};
	struct rfx_rows d, spend;
	size_t n = sizeof(customers) / sizeof(customers[0]);
	struct rfx z[sizeof(customers) / sizeof(customers[0])];
	size_t m = 0;

	if (rfx_rows_make(&d, customers, n) == -1)
		return 2;
	for (size_t i = 0; i < n; i++)
		if (customers[i].x > 0)
			z[m++] = (struct rfx){ customers[i].x, 0, 0,
			    customers[i].zbar };
	if (rfx_rows_make(&spend, z, m) == -1)
		return 2;
	for (size_t i = 0; i < sizeof(pareto) / sizeof(pareto[0]); i++)
		check_point(M_PARETO, &d, pareto[i].p, 4, pareto[i].what);
	check_point(M_BGNBD, &d, (double[]){ 0.243, 4.414, 0.793, 2.426 }, 4,
	    "bg-nbd");
	check_point(M_GAMMA, &spend, (double[]){ 6.25, 3.74, 15.44, 0 }, 3,
	    "gamma-gamma");
	rfx_rows_free(&d);
	rfx_rows_free(&spend);
	return CHECK_DONE();
}
