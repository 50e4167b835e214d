/*
 * modelsi.h - what the parts of cdp-score's model layer share among
 * themselves (models.c, discrete.c, fit.c); not for the subcommands.
 */
#ifndef MODELSI_H
#define MODELSI_H

#include "models.h"

/* ln B(a, b), digamma, and log(e^a + e^b) without overflow. */
double	lbeta(double a, double b);
double	psi(double x);
double	logsumexp(double a, double b);

/* model_hyp2f1(), with an estimate of its absolute error in *err. */
double	hyp2f1_err(double a, double b, double c, double z, double *err);

/* The discrete models (BG/BB, sBG): as model_ll_grad(), model_palive(),
 * model_expected() and model_p_none(). */
double	discrete_ll(enum model_kind kind, const struct rfx_rows *d,
	    const double *p, double *g);
double	discrete_palive(enum model_kind kind, const double *q,
	    const struct rfx *c);
double	discrete_expected(enum model_kind kind, const double *q,
	    const struct rfx *c, double t);
double	discrete_p_none(enum model_kind kind, const double *q,
	    const struct rfx *c, double t);

#endif
