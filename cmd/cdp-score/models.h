/*
 * models.h - the customer-base models of cdp-score clv: BG/NBD (Fader,
 * Hardie & Lee 2005), Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
 * and Gamma-Gamma spend (Fader, Hardie & Lee 2005; Fader & Hardie 2013),
 * fitted by maximum likelihood with GSL's BFGS on log parameters.
 */
#ifndef MODELS_H
#define MODELS_H

#include <stdbool.h>
#include <stddef.h>

/* The summary of one customer: x repeat purchases, the last at t_x,
 * observed for T time units; zbar the mean spend of the repeats. */
struct rfx {
	double	x, tx, T, zbar;
};

/* Distinct (x, t_x, T) rows with their counts: the likelihood is a sum
 * over these, so customers who look alike cost one term. */
struct rfx_rows {
	struct rfx	*row;
	double		*w;
	size_t		 n;
	int		 maxx;
	double		 total;		/* sum of w */
};

enum model_kind { M_BGNBD, M_PARETO, M_GAMMA };

/* A fitted (or loaded) model. */
struct fit {
	enum model_kind	kind;
	double		p[4];	/* bg-nbd r, alpha, a, b; pareto r, alpha,
				   s, beta; gamma-gamma p, q, v */
	int		np;
	double		ll;	/* log-likelihood at p */
	double		customers;
	bool		converged;
	int		iterations;	/* of the best start */
	int		starts, starts_ok;
	char		why[128];	/* when not converged */
};

/* Build the distinct rows of c[0..n) (x, t_x, T; zbar ignored).
 * Returns 0, or -1 when out of memory. */
int	rfx_rows_make(struct rfx_rows *d, const struct rfx *c, size_t n);
void	rfx_rows_free(struct rfx_rows *d);

/* Fit model kind to d by maximum likelihood from several starting
 * points; for M_GAMMA d holds the customers' (x, zbar) with x > 0.
 * Fills f; f->converged is false (and f->why says why) on failure. */
void	model_fit(enum model_kind kind, const struct rfx_rows *d,
	    struct fit *f);

/* Log-likelihood of the whole data at parameters p. */
double	model_ll(enum model_kind kind, const struct rfx_rows *d,
	    const double *p);

/* The same and, unless g is NULL, its gradient by each parameter in
 * g[0..np): analytic (Pareto/NBD: by a series, numeric for a customer
 * where it converges too slowly; model_ll() uses GSL's 2F1 for it). */
double	model_ll_grad(enum model_kind kind, const struct rfx_rows *d,
	    const double *p, double *g);

/* Per customer, under a BG/NBD or Pareto/NBD fit: the probability the
 * customer is still active at T, and the expected number of purchases
 * in (T, T + t]. */
double	model_palive(const struct fit *f, const struct rfx *c);
double	model_expected(const struct fit *f, const struct rfx *c, double t);

/* Gamma-Gamma: expected mean spend of a customer with x repeats of mean
 * zbar (the population mean p v / (q - 1) when x is 0). */
double	gg_expected_spend(const double *p, double x, double zbar);

#endif
