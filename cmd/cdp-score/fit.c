/*
 * fit.c - maximum likelihood for every model of cdp-score: several
 * starting points, BFGS on the log parameters restarted through the
 * Nelder-Mead simplex where its line search stalls, limits on iterations
 * and time, a check for estimates that run off to 0 or infinity, and
 * standard errors from the Hessian.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "models.h"
#include "modelsi.h"

#define GRAD_TOL	1e-9	/* on the mean log-likelihood per customer */
#define GRAD_ACCEPT	1e-5	/* where rounding stops the line search */
#define EDGE		10	/* |ln p| beyond: a shape runs off */
#define EDGE_SCALE	20	/* the same for a scale (alpha, beta, v) */
#define EDGE_STALL	3	/* nearer by this where the search stalled */
#define CYCLES		4	/* BFGS, simplex, BFGS... per start */
#define SAMPLE_ROWS	2000	/* more distinct rows: starts on a sample */
#define SAMPLE_ITER	50	/* enough to rank the starts there */

/* ---- the objective ------------------------------------------------- */

/* What the optimiser minimises: minus the mean log-likelihood, of u (ln p
 * for the model's own parameters, the covariate effects as they are). */
struct objective {
	enum model_kind		 kind;
	const struct rfx_rows	*d;
	int			 nbase, np;
	double			 deadline;	/* CPU seconds of the process */
	bool			 late;
	long			 evals;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
params_of(const struct objective *o, const gsl_vector *u, double *p)
{
	for (int i = 0; i < o->np; i++) {
		double ui = gsl_vector_get(u, i);

		/* keep exp() finite: far outside any sensible model */
		if (!(ui > -30 && ui < 30))
			return -1;
		p[i] = i < o->nbase ? exp(ui) : ui;
	}
	return 0;
}

static double
obj_f(const gsl_vector *u, void *arg)
{
	struct objective *o = arg;
	double p[MODEL_MAXP], ll;

	o->evals++;
	if (params_of(o, u, p) == -1)
		return GSL_POSINF;
	ll = model_ll(o->kind, o->d, p);
	return isfinite(ll) ? -ll / o->d->total : GSL_POSINF;
}

static void
obj_fdf(const gsl_vector *u, void *arg, double *f, gsl_vector *g)
{
	struct objective *o = arg;
	double p[MODEL_MAXP], gp[MODEL_MAXP], ll;

	o->evals++;
	gsl_vector_set_zero(g);
	if (params_of(o, u, p) == -1) {
		*f = GSL_POSINF;
		return;
	}
	ll = model_ll_grad(o->kind, o->d, p, gp);
	*f = isfinite(ll) ? -ll / o->d->total : GSL_POSINF;
	/* d/du = p d/dp for the log parameters */
	for (int i = 0; i < o->np; i++)
		gsl_vector_set(g, i, -gp[i] * (i < o->nbase ? p[i] : 1) /
		    o->d->total);
}

static void
obj_df(const gsl_vector *u, void *arg, gsl_vector *g)
{
	double f;

	obj_fdf(u, arg, &f, g);
}

/* ---- one start ----------------------------------------------------- */

/* Where one start ended. */
struct run {
	double		u[MODEL_MAXP];
	double		f;		/* the objective there */
	double		gnorm;		/* its gradient's max norm */
	int		iter;
	const char	*why;		/* why it stopped short */
};

static double
max_norm(const gsl_vector *g)
{
	double m = 0;

	for (size_t i = 0; i < g->size; i++)
		if (fabs(gsl_vector_get(g, i)) > m)
			m = fabs(gsl_vector_get(g, i));
	return isfinite(m) ? m : INFINITY;
}

/* BFGS from u until the gradient test passes, the line search stalls,
 * or a limit is reached.  Returns the GSL status. */
static int
bfgs(struct objective *o, gsl_vector *u, int *iter, int max_iter,
    struct run *R)
{
	gsl_multimin_function_fdf fdf = { obj_f, obj_df, obj_fdf,
	    (size_t)o->np, o };
	gsl_multimin_fdfminimizer *s;
	int status = GSL_CONTINUE;

	s = gsl_multimin_fdfminimizer_alloc(
	    gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)o->np);
	if (s == NULL)
		return GSL_ENOMEM;
	gsl_multimin_fdfminimizer_set(s, &fdf, u, 0.1, 0.1);
	while (status == GSL_CONTINUE) {
		if (++*iter > max_iter) {
			R->why = "the iteration limit was reached";
			status = GSL_EMAXITER;
			break;
		}
		if (now() > o->deadline) {
			o->late = true;
			status = GSL_EMAXITER;
			break;
		}
		if (gsl_multimin_fdfminimizer_iterate(s) != GSL_SUCCESS) {
			status = GSL_ENOPROG;
			break;
		}
		status = gsl_multimin_test_gradient(s->gradient, GRAD_TOL);
	}
	gsl_vector_memcpy(u, s->x);
	R->f = s->f;
	R->gnorm = max_norm(s->gradient);
	gsl_multimin_fdfminimizer_free(s);
	return status;
}

/* The derivative-free simplex from u, for at most n iterations: it
 * walks where a stalled line search cannot. */
static void
simplex(struct objective *o, gsl_vector *u, int n)
{
	gsl_multimin_function fn = { obj_f, (size_t)o->np, o };
	gsl_multimin_fminimizer *s;
	gsl_vector *step = gsl_vector_alloc((size_t)o->np);

	s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2,
	    (size_t)o->np);
	if (s == NULL || step == NULL) {
		gsl_vector_free(step);
		gsl_multimin_fminimizer_free(s);
		return;
	}
	gsl_vector_set_all(step, 0.05);
	gsl_multimin_fminimizer_set(s, &fn, u, step);
	for (int k = 0; k < n && now() <= o->deadline; k++) {
		if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS ||
		    gsl_multimin_fminimizer_size(s) < 1e-9)
			break;
	}
	if (isfinite(s->fval))
		gsl_vector_memcpy(u, s->x);
	gsl_vector_free(step);
	gsl_multimin_fminimizer_free(s);
}

/*
 * One start: BFGS, and where its line search stalls short of a flat
 * gradient, the simplex and BFGS again, a few cycles.  Fills R.
 */
static void
one_start(struct objective *o, const double *u0, int max_iter, struct run *R)
{
	gsl_vector *u = gsl_vector_alloc((size_t)o->np);
	int status = GSL_CONTINUE;

	*R = (struct run){ .f = INFINITY, .gnorm = INFINITY,
	    .why = "out of memory" };
	if (u == NULL)
		return;
	for (int i = 0; i < o->np; i++)
		gsl_vector_set(u, i, u0[i]);
	for (int cycle = 0; cycle < CYCLES; cycle++) {
		R->why = NULL;
		status = bfgs(o, u, &R->iter, max_iter, R);
		if (status != GSL_ENOPROG || R->gnorm < GRAD_ACCEPT)
			break;
		R->why = "the line search made no progress";
		simplex(o, u, 200 * o->np);
	}
	for (int i = 0; i < o->np; i++)
		R->u[i] = gsl_vector_get(u, i);
	if (!isfinite(R->f))
		R->why = "the likelihood is not finite";
	else if (R->why == NULL && status != GSL_SUCCESS &&
	    R->gnorm >= GRAD_ACCEPT)
		R->why = "the gradient did not vanish";
	if (o->late)
		R->why = NULL;		/* said once, by the caller */
	gsl_vector_free(u);
}

/* ---- starting points ----------------------------------------------- */

/*
 * Fixed starting points in the model's own parameters, and one scaled to
 * the data: a purchase rate r / alpha of the mean x over the mean T, a
 * spend scale v of the mean zbar.
 */
static int
starts_of(enum model_kind kind, const struct rfx_rows *d, double st[][4])
{
	static const double cont[][4] = {
		{ 1, 1, 1, 1 }, { 0.5, 5, 0.5, 2 }, { 2, 20, 2, 10 },
		{ 0.1, 1, 0.1, 0.5 },
	};
	static const double gg[][4] = {
		{ 1, 1, 1 }, { 0.5, 5, 0.5 }, { 2, 20, 2 }, { 0.1, 1, 0.1 },
	};
	static const double bb[][4] = {
		{ 1, 1, 1, 1 }, { 0.5, 0.5, 0.5, 2 }, { 2, 2, 1, 3 },
		{ 0.2, 0.2, 0.2, 0.2 },
	};
	double mx = 0, mT = 0, mz = 0;
	int n = 4;

	memcpy(st, kind == M_GAMMA ? gg : kind >= M_BGBB ? bb : cont,
	    sizeof(cont));
	for (size_t i = 0; i < d->n; i++) {
		mx += d->row[i].w * d->row[i].x;
		mT += d->row[i].w * d->row[i].T;
		mz += d->row[i].w * d->row[i].zbar;
	}
	mx /= d->total;
	mT /= d->total;
	mz /= d->total;
	if (kind <= M_PARETO && mx > 0 && mT > 0) {
		st[n][0] = 1;
		st[n][1] = mT / mx;
		st[n][2] = 1;
		st[n][3] = kind == M_PARETO ? mT : 3;
		n++;
	} else if (kind == M_GAMMA && mz > 0) {
		st[n][0] = 2;
		st[n][1] = 3;
		st[n][2] = mz;
		n++;
	}
	return n;
}

/* ---- the fit ------------------------------------------------------- */

/* Whether parameter i of kind is a scale, whose size follows the units
 * of time or money: alpha, Pareto/NBD's beta, Gamma-Gamma's v. */
static bool
is_scale(enum model_kind kind, int i)
{
	return (kind <= M_PARETO && i == 1) || (kind == M_PARETO && i == 3) ||
	    (kind == M_GAMMA && i == 2);
}

/* Name the estimates that ran off (beyond e^(bound - less)), or return
 * false. */
static bool
at_edge(struct fit *f, const double *u, double less)
{
	size_t len = 0;

	for (int i = 0; i < f->np; i++) {
		double lim = (i >= f->nbase ? 20 : is_scale(f->kind, i) ?
		    EDGE_SCALE : EDGE) - less;

		if (fabs(u[i]) < lim)
			continue;
		if (len == 0)
			len = (size_t)snprintf(f->why, sizeof(f->why),
			    "the likelihood keeps growing as ");
		else if (len < sizeof(f->why))
			len += (size_t)snprintf(f->why + len,
			    sizeof(f->why) - len, " and ");
		if (len >= sizeof(f->why))
			break;
		if (i < f->nbase)
			len += (size_t)snprintf(f->why + len,
			    sizeof(f->why) - len, "%s goes to %s",
			    model_param_name(f->kind, i), u[i] > 0 ?
			    "infinity" : "0");
		else
			len += (size_t)snprintf(f->why + len,
			    sizeof(f->why) - len, "a covariate effect grows "
			    "without bound");
	}
	if (len > 0 && len < sizeof(f->why))
		snprintf(f->why + len, sizeof(f->why) - len, ": the data "
		    "do not identify the model (%s)", f->kind == M_GAMMA ?
		    "do the amounts vary?" : f->kind >= M_BGBB ? "too few "
		    "periods?" : "too short a period?");
	return len > 0;
}

/*
 * The best of the nst starts st[] on every k-th row of d (k chosen for
 * about SAMPLE_ROWS rows; a deterministic sample of the distinct
 * summaries, so the order of the input plays no part), into u.
 */
static void
sample_start(struct objective *o, const struct rfx_rows *d,
    double (*st)[4], int nst, const struct fit_limits *lim, double *u)
{
	struct rfx_rows sub = *d;
	struct objective so = *o;
	size_t k = d->n / SAMPLE_ROWS + 1, m = 0;
	double bestf = INFINITY;
	struct run R;

	sub.row = malloc((d->n / k + 1) * sizeof(*sub.row));
	sub.lz = malloc((d->n / k + 1) * sizeof(*sub.lz));
	memset(u, 0, MODEL_MAXP * sizeof(*u));
	for (int j = 0; j < o->nbase; j++)
		u[j] = log(st[0][j]);
	if (sub.row == NULL || sub.lz == NULL) {
		free(sub.row);
		free(sub.lz);
		return;
	}
	sub.total = 0;
	for (size_t i = 0; i < d->n; i += k) {
		sub.row[m] = d->row[i];
		sub.lz[m] = d->lz[i];
		sub.total += d->row[i].w;
		m++;
	}
	sub.n = m;
	so.d = &sub;
	for (int i = 0; i < nst && !so.late; i++) {
		double u0[MODEL_MAXP] = { 0 };

		for (int j = 0; j < o->nbase; j++)
			u0[j] = log(st[i][j]);
		one_start(&so, u0, SAMPLE_ITER < lim->max_iter ? SAMPLE_ITER :
		    lim->max_iter, &R);
		if (R.f < bestf) {
			bestf = R.f;
			memcpy(u, R.u, MODEL_MAXP * sizeof(*u));
		}
	}
	o->late = so.late;
	free(sub.row);
	free(sub.lz);
}

void
model_fit(enum model_kind kind, const struct rfx_rows *d,
    const struct fit_limits *lim, struct fit *f)
{
	struct objective o = { kind, d, model_nbase(kind), 0, 0, false, 0 };
	double st[5][4], best_u[MODEL_MAXP];
	struct run R, best = { .f = INFINITY }, conv = { .f = INFINITY };
	double conv_u[MODEL_MAXP];
	const char *why = "no customers";
	int nst;

	o.np = o.nbase + (kind <= M_PARETO ? 2 * d->nz : 0);
	o.deadline = now() + (lim->max_seconds > 0 ? lim->max_seconds :
	    INFINITY);
	*f = (struct fit){ .kind = kind, .nbase = o.nbase, .np = o.np,
	    .nz = kind <= M_PARETO ? d->nz : 0, .customers = d->total,
	    .ll = -INFINITY };
	for (int i = 0; i < MODEL_MAXP; i++)
		f->se[i] = NAN;
	gsl_set_error_handler_off();
	nst = d->n > 0 ? starts_of(kind, d, st) : 0;
	/* many rows: the starts race on a sample of them, and only the
	 * winner goes on to the whole data */
	if (d->n > SAMPLE_ROWS && nst > 0) {
		sample_start(&o, d, st, nst, lim, best_u);
		nst = 1;
	}
	for (int i = 0; i < nst && !o.late; i++) {
		double u0[MODEL_MAXP] = { 0 };

		for (int j = 0; j < o.nbase; j++)
			u0[j] = log(st[i][j]);
		if (d->n > SAMPLE_ROWS)
			memcpy(u0, best_u, sizeof(u0));
		f->starts++;
		one_start(&o, u0, lim->max_iter, &R);
		if (R.why != NULL)
			why = R.why;
		if (R.gnorm < GRAD_ACCEPT && R.f < INFINITY) {
			f->starts_ok++;
			if (R.f < conv.f) {
				conv = R;
				memcpy(conv_u, R.u, sizeof(conv_u));
			}
		}
		/* the best point found, converged or not */
		if (R.f < best.f || (best.f == INFINITY && i == 0)) {
			best = R;
			memcpy(best_u, R.u, sizeof(best_u));
		}
	}
	/* a start that stalled on a ridge where the likelihood barely
	 * rises (1e-8 per customer) does not beat one that converged */
	if (conv.f < INFINITY && conv.f - best.f <= 1e-8) {
		best = conv;
		memcpy(best_u, conv_u, sizeof(best_u));
	}
	for (int i = 0; i < o.np && nst > 0; i++)
		f->p[i] = i < o.nbase ? exp(best_u[i]) : best_u[i];
	f->ll = -best.f * d->total;
	f->iterations = best.iter;
	f->converged = nst > 0 && best.gnorm < GRAD_ACCEPT &&
	    isfinite(best.f);
	/* beyond the bounds, or still far out where the search stalled */
	if (nst > 0 && (at_edge(f, best_u, 0) || (!f->converged &&
	    !o.late && at_edge(f, best_u, EDGE_STALL)))) {
		f->converged = false;
	} else if (o.late) {
		f->converged = false;
		snprintf(f->why, sizeof(f->why), "the time limit of %g s was "
		    "reached", lim->max_seconds);
	} else if (!f->converged) {
		snprintf(f->why, sizeof(f->why), "%s", best.f < INFINITY &&
		    best.why != NULL ? best.why : why);
	}
	if (f->converged)
		model_hessian(d, f);
}

/* ---- standard errors ----------------------------------------------- */

/* The gradient of the total log-likelihood by u at u. */
static int
grad_u(const struct fit *f, const struct rfx_rows *d, const double *u,
    double *G)
{
	double p[MODEL_MAXP], g[MODEL_MAXP];

	for (int i = 0; i < f->np; i++)
		p[i] = i < f->nbase ? exp(u[i]) : u[i];
	if (!isfinite(model_ll_grad(f->kind, d, p, g)))
		return -1;
	for (int i = 0; i < f->np; i++)
		G[i] = g[i] * (i < f->nbase ? p[i] : 1);
	return 0;
}

/*
 * The observed information -H by central differences of the gradient on
 * u (step 1e-4), made symmetric, then inverted by Cholesky: the
 * covariance of u.  A matrix that is not positive definite (a flat
 * direction) leaves the standard errors unknown.
 */
void
model_hessian(const struct rfx_rows *d, struct fit *f)
{
	int n = f->np;
	double u[MODEL_MAXP], up[MODEL_MAXP], Gp[MODEL_MAXP],
	    Gm[MODEL_MAXP], h = 1e-4;
	gsl_matrix *I = gsl_matrix_alloc((size_t)n, (size_t)n);

	f->has_vcov = false;
	if (I == NULL)
		return;
	for (int i = 0; i < n; i++)
		u[i] = i < f->nbase ? log(f->p[i]) : f->p[i];
	for (int i = 0; i < n; i++) {
		memcpy(up, u, sizeof(up));
		up[i] = u[i] + h;
		if (grad_u(f, d, up, Gp) == -1)
			goto out;
		up[i] = u[i] - h;
		if (grad_u(f, d, up, Gm) == -1)
			goto out;
		for (int j = 0; j < n; j++)
			gsl_matrix_set(I, (size_t)i, (size_t)j,
			    -(Gp[j] - Gm[j]) / (2 * h));
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			double m = (gsl_matrix_get(I, (size_t)i, (size_t)j) +
			    gsl_matrix_get(I, (size_t)j, (size_t)i)) / 2;

			gsl_matrix_set(I, (size_t)i, (size_t)j, m);
			gsl_matrix_set(I, (size_t)j, (size_t)i, m);
		}
	if (gsl_linalg_cholesky_decomp1(I) != GSL_SUCCESS ||
	    gsl_linalg_cholesky_invert(I) != GSL_SUCCESS)
		goto out;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++)
			f->vcov[i * n + j] = gsl_matrix_get(I, (size_t)i,
			    (size_t)j);
		f->se[i] = sqrt(f->vcov[i * n + i]) * (i < f->nbase ?
		    f->p[i] : 1);
	}
	f->has_vcov = true;
out:
	gsl_matrix_free(I);
}
