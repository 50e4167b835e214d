/*
 * models.h - the customer-base models of cdp-score: BG/NBD (Fader, Hardie
 * & Lee 2005), modified BG/NBD (Batislam, Denizel & Filiztekin 2007),
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987), Gamma-Gamma spend
 * (Fader & Hardie 2013), BG/BB (Fader, Hardie & Shang 2010) and the
 * shifted-beta-geometric (Fader & Hardie 2007); their likelihoods, the
 * maximum likelihood fit with its limits and standard errors, and the
 * per-customer expectations.
 */
#ifndef MODELS_H
#define MODELS_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_MAXCOV	8		/* covariates (0/1 or numbers) */
#define MODEL_MAXP	(4 + 2 * MODEL_MAXCOV)

struct pn_cache;

enum model_kind { M_BGNBD, M_MBGNBD, M_PARETO, M_GAMMA, M_BGBB, M_SBG };

/*
 * The summary of one customer (or w customers alike).  Continuous models:
 * x repeat purchases, the last at t_x, observed for T time units, zbar
 * the mean spend of the repeats.  BG/BB: x purchases in n = T
 * opportunities, the last at opportunity t_x.  sBG: T periods, x = 1 when
 * the subscription ended in period T, 0 when it was still active after T
 * periods.  w is the number of customers (0 is taken as 1); g the index
 * of the customer's covariate vector (see struct rfx_rows).
 */
struct rfx {
	double		x, tx, T, zbar, w;
	unsigned	g;
	unsigned	itx, iT;	/* rfx_rows: t_x and T in tv[] */
};

/*
 * Distinct rows with their counts, sorted by covariate group, then x,
 * t_x, T and zbar: the likelihood is a sum over them, so customers who
 * look alike cost one term.  z[g * nz .. g * nz + nz) is the covariate
 * vector of group g (NULL when nz is 0).
 */
struct rfx_rows {
	struct rfx	*row;
	size_t		 n;
	int		 maxx;
	double		 total;		/* sum of w */
	const double	*z;
	int		 nz;
	double		*tv;		/* the distinct t_x and T, sorted */
	size_t		 ntv;
	double		*lz;		/* log zbar of each row (0 when
					 * zbar is 0), for Gamma-Gamma */
	struct pn_cache	*pn;		/* Pareto/NBD's scratch */
};

/* Limits of one fit: optimiser iterations per start, and wall time. */
struct fit_limits {
	int	max_iter;
	double	max_seconds;
};

/*
 * A fitted (or loaded) model.  p holds the model's own parameters (see
 * model_param_name()), then with covariates nz effects on the purchase
 * rate and nz on the lifetime.  vcov is the covariance of the estimates
 * on the scale they were fitted on: ln p for the model's parameters, the
 * effects as they are.
 */
struct fit {
	enum model_kind	kind;
	int		nbase, nz, np;
	double		p[MODEL_MAXP];
	double		se[MODEL_MAXP];		/* of p; NAN: unknown */
	double		vcov[MODEL_MAXP * MODEL_MAXP];
	bool		has_vcov;
	double		ll;		/* log-likelihood at p */
	double		customers;
	bool		converged;
	int		iterations;	/* of the best start */
	int		starts, starts_ok;
	char		why[200];	/* when not converged */
};

/* The order of rows: covariate group, then x, t_x, T and zbar. */
int	rfx_cmp(const struct rfx *x, const struct rfx *y);

/* Build the distinct rows of c[0..n) (z, nz as in struct rfx_rows).
 * Returns 0, or -1 when out of memory. */
int	rfx_rows_make(struct rfx_rows *d, const struct rfx *c, size_t n,
	    const double *z, int nz);
void	rfx_rows_free(struct rfx_rows *d);
int	model_by_double(const void *a, const void *b);

/* The model's own parameter count and names ("r", "alpha", ...), and its
 * name on the command line ("bg-nbd"). */
int	model_nbase(enum model_kind kind);
const char *model_param_name(enum model_kind kind, int i);
const char *model_name(enum model_kind kind);

/*
 * Fit model kind to d by maximum likelihood from several starting
 * points, within lim: quasi-Newton (BFGS) with analytic gradients where
 * there are, restarted through the derivative-free simplex (Nelder-Mead)
 * where the line search stalls.  Fills f, with the standard errors from
 * the Hessian when the fit converged; f->converged is false and f->why
 * says why otherwise (f->p then holds the best point found).
 */
void	model_fit(enum model_kind kind, const struct rfx_rows *d,
	    const struct fit_limits *lim, struct fit *f);

/* Standard errors and covariance of f from the numerical Hessian of the
 * log-likelihood of d at f->p (f->has_vcov false when it is not
 * negative definite). */
void	model_hessian(const struct rfx_rows *d, struct fit *f);

/* Log-likelihood of d at parameters p (p[0..np), effects included) and,
 * unless g is NULL, its gradient by each of them. */
double	model_ll(enum model_kind kind, const struct rfx_rows *d,
	    const double *p);
double	model_ll_grad(enum model_kind kind, const struct rfx_rows *d,
	    const double *p, double *g);

/* The model's own parameters q[0..nbase) of a customer with covariate
 * vector z (NULL: none) under parameters p. */
void	model_indiv(enum model_kind kind, int nz, const double *p,
	    const double *z, double *q);

/*
 * Per customer c under a customer's own parameters q (model_indiv()):
 * the probability that they are still active at T (BG/BB: after the last
 * opportunity), the expected purchases in (T, T + t] (BG/BB: in the next
 * t opportunities), and the probability of no purchase in it.
 */
double	model_palive(enum model_kind kind, const double *q,
	    const struct rfx *c);
double	model_expected(enum model_kind kind, const double *q,
	    const struct rfx *c, double t);
double	model_p_none(enum model_kind kind, const double *q,
	    const struct rfx *c, double t);

/* Gamma-Gamma: expected mean spend of a customer with x repeats of mean
 * zbar (the population mean p v / (q - 1) when x is 0). */
double	gg_expected_spend(const double *p, double x, double zbar);

/*
 * Shifted-beta-geometric, for a subscriber who has renewed k times (is
 * in period k + 1): the probability of cancelling at the next renewal,
 * the survival S(t) of a new subscriber to period t, and the discounted
 * expected residual lifetime (Fader & Hardie 2010) in payments, at
 * discount rate d per period, counting the coming renewal's.
 */
double	sbg_churn(const double *q, double k);
double	sbg_survival(const double *q, double t);
double	sbg_derl(const double *q, double k, double d);

/* Gauss's 2F1(a, b; c; z) for 0 <= z < 1 (NAN when it cannot be had). */
double	model_hyp2f1(double a, double b, double c, double z);

#endif
