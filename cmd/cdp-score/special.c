/*
 * special.c - the special functions cdp-score's models share: ln B(a, b),
 * digamma, log(e^a + e^b) and Gauss's hypergeometric 2F1.
 */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>

#include "modelsi.h"

double
lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

double
psi(double x)
{
	return gsl_sf_psi(x);
}

double
logsumexp(double a, double b)
{
	double m = a > b ? a : b;

	if (m == -INFINITY)
		return m;
	return m + log(exp(a - m) + exp(b - m));
}

/* The power series of 2F1, at most 100,000 terms (z < 1 converges). */
static double
hyp2f1_series(double a, double b, double c, double z)
{
	double term = 1, sum = 1;

	for (int n = 0; n < 100000; n++) {
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		sum += term;
		if (fabs(term) < 1e-16 * fabs(sum))
			return sum;
	}
	return NAN;
}

/*
 * Gauss's 2F1(a, b; c; z) for 0 <= z < 1: GSL's, with its estimate of
 * the absolute error in *err.  GSL refuses some c - a - b near an integer
 * (its transformation to 1 - z divides by zero there); the function is
 * smooth in c, so the mean of its values at c -+ 1e-6 stands in (off by
 * 1e-12 relative), and last the power series (its error taken as that).
 */
double
hyp2f1_err(double a, double b, double c, double z, double *err)
{
	gsl_sf_result r, s;
	double v;

	if (gsl_sf_hyperg_2F1_e(a, b, c, z, &r) == GSL_SUCCESS &&
	    isfinite(r.val)) {
		*err = r.err;
		return r.val;
	}
	if (gsl_sf_hyperg_2F1_e(a, b, c - 1e-6, z, &r) == GSL_SUCCESS &&
	    gsl_sf_hyperg_2F1_e(a, b, c + 1e-6, z, &s) == GSL_SUCCESS &&
	    isfinite(r.val) && isfinite(s.val))
		v = (r.val + s.val) / 2;
	else
		v = hyp2f1_series(a, b, c, z);
	*err = 1e-12 * fabs(v);
	return v;
}

double
model_hyp2f1(double a, double b, double c, double z)
{
	double err;

	return hyp2f1_err(a, b, c, z, &err);
}
