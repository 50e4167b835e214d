/*
 * models.c - likelihoods, gradients, fits and per-customer expectations
 * of the BG/NBD, Pareto/NBD and Gamma-Gamma models (formulas in
 * man/cdp-score.1 with their references).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>

#include "xalloc.h"

#include "models.h"

#define MAX_ITER	2000
#define GRAD_TOL	1e-9	/* on the mean log-likelihood per customer */

/* ---- data ---------------------------------------------------------- */

static int
by_rfx(const void *a, const void *b)
{
	const struct rfx *x = a, *y = b;

	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	if (x->tx != y->tx)
		return x->tx < y->tx ? -1 : 1;
	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	if (x->zbar != y->zbar)
		return x->zbar < y->zbar ? -1 : 1;
	return 0;
}

int
rfx_rows_make(struct rfx_rows *d, const struct rfx *c, size_t n)
{
	struct rfx *s = malloc((n ? n : 1) * sizeof(*s));

	*d = (struct rfx_rows){ 0 };
	d->w = malloc((n ? n : 1) * sizeof(*d->w));
	if (s == NULL || d->w == NULL) {
		free(s);
		free(d->w);
		return -1;
	}
	memcpy(s, c, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_rfx);
	for (size_t i = 0; i < n; i++) {
		if (d->n > 0 && by_rfx(&s[d->n - 1], &s[i]) == 0) {
			d->w[d->n - 1] += 1;
		} else {
			s[d->n] = s[i];
			d->w[d->n++] = 1;
		}
		if ((int)s[i].x > d->maxx)
			d->maxx = (int)s[i].x;
	}
	d->row = s;
	d->total = (double)n;
	return 0;
}

void
rfx_rows_free(struct rfx_rows *d)
{
	free(d->row);
	free(d->w);
	*d = (struct rfx_rows){ 0 };
}

/* ---- helpers ------------------------------------------------------- */

static double
lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static double
psi(double x)
{
	return gsl_sf_psi(x);
}

/* log(e^a + e^b) without overflow. */
static double
logsumexp(double a, double b)
{
	double m = a > b ? a : b;

	if (m == -INFINITY)
		return m;
	return m + log(exp(a - m) + exp(b - m));
}

/*
 * Gauss's 2F1(a, b; c; z) for 0 <= z < 1: GSL's, and when GSL gives up
 * (it refuses some negative c - a - b), the power series, which converges
 * for |z| < 1.
 */
static double
hyp2f1(double a, double b, double c, double z)
{
	gsl_sf_result r;
	double term = 1, sum = 1;

	if (gsl_sf_hyperg_2F1_e(a, b, c, z, &r) == GSL_SUCCESS &&
	    isfinite(r.val))
		return r.val;
	for (int n = 0; n < 1000000; n++) {
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
		sum += term;
		if (fabs(term) < 1e-16 * fabs(sum))
			break;
	}
	return sum;
}

/* ---- BG/NBD -------------------------------------------------------- */

/*
 * Terms of the BG/NBD likelihood that depend on x only (Fader, Hardie &
 * Lee 2005, eq. 6), with their derivatives by r, alpha, a and b.
 */
struct bg_x {
	double	A, dAr;		/* ln G(r+x)/G(r) + r ln alpha; d/dr */
	double	c1, c1a, c1b;	/* ln B(a,b+x)/B(a,b); d/da, d/db */
	double	c2, c2a, c2b;	/* ln B(a+1,b+x-1)/B(a,b) (x > 0) */
};

static void
bg_x_terms(const double *p, int x, struct bg_x *t, bool grad)
{
	double r = p[0], al = p[1], a = p[2], b = p[3];
	double lb = lbeta(a, b);

	t->A = lgamma(r + x) - lgamma(r) + r * log(al);
	t->c1 = lbeta(a, b + x) - lb;
	t->c2 = x > 0 ? lbeta(a + 1, b + x - 1) - lb : -INFINITY;
	if (!grad)
		return;
	t->dAr = psi(r + x) - psi(r) + log(al);
	t->c1a = psi(a + b) - psi(a + b + x);
	t->c1b = psi(b + x) - psi(a + b + x) - psi(b) + psi(a + b);
	if (x > 0) {
		t->c2a = psi(a + 1) - psi(a) + psi(a + b) - psi(a + b + x);
		t->c2b = psi(b + x - 1) - psi(b) + psi(a + b) -
		    psi(a + b + x);
	}
}

/* Log-likelihood of d at p; with g non-NULL also its gradient. */
static double
bg_ll(const struct rfx_rows *d, const double *p, double *g)
{
	struct bg_x *xt = cdp_xcalloc((size_t)d->maxx + 1, sizeof(*xt));
	double r = p[0], al = p[1], ll = 0;
	int have = -1;

	if (g != NULL)
		g[0] = g[1] = g[2] = g[3] = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct rfx *c = &d->row[i];
		int x = (int)c->x;
		struct bg_x *t = &xt[x];
		double l1, l2, lT, lt, li, w1, w2;

		/* rows come sorted by x: compute each x's terms once */
		for (; have < x; have++)
			bg_x_terms(p, have + 1, &xt[have + 1], g != NULL);
		lT = log(al + c->T);
		lt = log(al + c->tx);
		l1 = t->c1 - (r + x) * lT;
		l2 = x > 0 ? t->c2 - (r + x) * lt : -INFINITY;
		li = logsumexp(l1, l2);
		ll += d->w[i] * (t->A + li);
		if (g == NULL)
			continue;
		w1 = exp(l1 - li);
		w2 = x > 0 ? exp(l2 - li) : 0;
		g[0] += d->w[i] * (t->dAr - w1 * lT - w2 * lt);
		g[1] += d->w[i] * (r / al - (r + x) * (w1 / (al + c->T) +
		    w2 / (al + c->tx)));
		g[2] += d->w[i] * (w1 * t->c1a + (x > 0 ? w2 * t->c2a : 0));
		g[3] += d->w[i] * (w1 * t->c1b + (x > 0 ? w2 * t->c2b : 0));
	}
	free(xt);
	return ll;
}

/* ---- Pareto/NBD ---------------------------------------------------- */

/*
 * ln of the Pareto/NBD likelihood's bracket term A0 (Fader & Hardie 2005,
 * "A note on deriving the Pareto/NBD model", eq. 22), or -INFINITY when
 * t_x = T.
 */
static double
pareto_lnA0(const double *p, const struct rfx *c)
{
	double r = p[0], al = p[1], s = p[2], be = p[3];
	double x = c->x, k = r + s + x, l1, l2, m, bb;

	if (al >= be) {
		m = al;
		bb = s + 1;
	} else {
		m = be;
		bb = r + x;
	}
	l1 = log(hyp2f1(k, bb, k + 1, fabs(al - be) / (m + c->tx))) -
	    k * log(m + c->tx);
	l2 = log(hyp2f1(k, bb, k + 1, fabs(al - be) / (m + c->T))) -
	    k * log(m + c->T);
	if (!(l1 > l2))
		return -INFINITY;
	return l1 + log1p(-exp(l2 - l1));
}

static double
pareto_ll1(const double *p, const struct rfx *c)
{
	double r = p[0], al = p[1], s = p[2], be = p[3], x = c->x;
	double head = lgamma(r + x) - lgamma(r) + r * log(al) + s * log(be);
	double t1 = -(r + x) * log(al + c->T) - s * log(be + c->T);
	double t2 = log(s / (r + s + x)) + pareto_lnA0(p, c);

	return head + logsumexp(t1, t2);
}

static double
pareto_ll(const struct rfx_rows *d, const double *p)
{
	double ll = 0;

	for (size_t i = 0; i < d->n; i++)
		ll += d->w[i] * pareto_ll1(p, &d->row[i]);
	return ll;
}

/*
 * The analytic gradient.  The likelihood's second term is s times
 *	I = integral over [t_x, T] of (alpha + y)^-(r+x) (beta + y)^-(s+1) dy
 * (= A0 / (r+s+x)).  With m the larger rate, d = |alpha - beta|,
 * z = d / (m + y), k = r+s+x and q the exponent of the smaller rate's
 * factor (s+1 when alpha >= beta, else r+x), expanding that factor in
 * z gives the integral from y to infinity as
 *	J(y) = (m + y)^-k sum_n (q)_n / n! z^n / (k + n),
 * which is differentiated term by term: by k (through (m+y)^-k too), by q
 * (d/dq (q)_n = (q)_n H_n, H_n = sum_{j<n} 1/(q+j)), by m and by the
 * smaller rate (through d).  I = J(t_x) - J(T).
 */
struct pn_sums {
	double	s0;	/* J (m+y)^k */
	double	sk;	/* dJ/dk (m+y)^k */
	double	sq;	/* the (q)_n part of dJ/dq (m+y)^k */
	double	sm;	/* dJ/dm (m+y)^(k+1) */
	double	so;	/* dJ/d(the smaller rate) (m+y)^(k+1) */
};

/*
 * The sums at y.  Returns 0, or -1 when z is too near 1 for the series
 * to converge in reasonable time (the caller then differentiates
 * numerically).
 */
static int
pn_sums(double k, double q, double m, double d, double y, struct pn_sums *S)
{
	double z = d / (m + y), L = log(m + y);
	double u = 1, uprev = 0, h = 0;	/* u = (q)_n / n! z^n */

	*S = (struct pn_sums){ 0 };
	if (!(z <= 0.9))
		return -1;
	for (int n = 0; n < 4000; n++) {
		double kn = k + n, v = n > 0 ? uprev * (q + n - 1) : 0;
		double t0 = u / kn, tk = u * (L / kn + 1 / (kn * kn));

		S->s0 += t0;
		S->sk -= tk;
		S->sq += t0 * h;
		S->sm += v / kn - u;
		S->so -= v / kn;
		/* every sum is at least s0 in size or made of terms below
		 * it: stop once this term is lost in s0 */
		if (n > 0 && (t0 * (1 + h) + tk + u + v / kn) <
		    1e-17 * S->s0)
			return 0;
		h += 1 / (q + n);
		uprev = u;
		u *= (q + n) / (n + 1) * z;
	}
	return -1;
}

/*
 * One row's log-likelihood and, unless g is NULL, in g[4] its gradient
 * by r, alpha, s and beta.  Returns -1 (nothing set) when the series
 * cannot be used.
 */
static int
pareto_ll1_grad(const double *p, const struct rfx *c, double *ll,
    double *g)
{
	double r = p[0], al = p[1], s = p[2], be = p[3], x = c->x;
	double k = r + s + x, m, q, d, rho, Ih, Ik, Iq, Im, Io;
	double lE1, lI, lse, w1, w2, dIr, dIs, dIa, dIb;
	struct pn_sums A, B;
	bool abig = al >= be;

	m = abig ? al : be;
	q = abig ? s + 1 : r + x;
	d = fabs(al - be);
	if (pn_sums(k, q, m, d, c->tx, &A) == -1 ||
	    pn_sums(k, q, m, d, c->T, &B) == -1)
		return -1;
	/* all relative to (m + t_x)^-k, which would underflow for large k */
	rho = exp(-k * log((m + c->T) / (m + c->tx)));
	Ih = A.s0 - rho * B.s0;
	Ik = A.sk - rho * B.sk;
	Iq = (A.sk + A.sq) - rho * (B.sk + B.sq);
	Im = A.sm / (m + c->tx) - rho * B.sm / (m + c->T);
	Io = A.so / (m + c->tx) - rho * B.so / (m + c->T);
	lE1 = -(r + x) * log(al + c->T) - s * log(be + c->T);
	lI = Ih > 0 ? log(s) - k * log(m + c->tx) + log(Ih) : -INFINITY;
	lse = logsumexp(lE1, lI);
	*ll = lgamma(r + x) - lgamma(r) + r * log(al) + s * log(be) + lse;
	if (g == NULL)
		return 0;
	w1 = exp(lE1 - lse);
	w2 = Ih > 0 ? exp(lI - lse) : 0;
	if (w2 > 0) {
		/* d ln I: r and s reach I through k, and one of them
		 * through q too */
		dIr = (abig ? Ik : Iq) / Ih;
		dIs = (abig ? Iq : Ik) / Ih;
		dIa = (abig ? Im : Io) / Ih;
		dIb = (abig ? Io : Im) / Ih;
	} else {
		dIr = dIs = dIa = dIb = 0;
	}
	g[0] = psi(r + x) - psi(r) + log(al) - w1 * log(al + c->T) +
	    w2 * dIr;
	g[1] = r / al - w1 * (r + x) / (al + c->T) + w2 * dIa;
	g[2] = log(be) - w1 * log(be + c->T) + w2 * (1 / s + dIs);
	g[3] = s / be - w1 * s / (be + c->T) + w2 * dIb;
	return 0;
}

/* The gradient g[4] of one row's likelihood by central differences on
 * ln p: smooth and well scaled. */
static void
pareto_row_numeric(const double *p, const struct rfx *c, double *g)
{
	const double h = 1e-6;

	for (int j = 0; j < 4; j++) {
		double pp[4], lp, lm;

		memcpy(pp, p, sizeof(pp));
		pp[j] = exp(log(p[j]) + h);
		lp = pareto_ll1(pp, c);
		pp[j] = exp(log(p[j]) - h);
		lm = pareto_ll1(pp, c);
		g[j] = (lp - lm) / (2 * h) / p[j];
	}
}

/*
 * Log-likelihood of d at p by the series and, unless g is NULL, its
 * gradient g[4]: analytic, or for a row whose series would converge too
 * slowly, 2F1 from GSL and central differences on ln p.
 */
static double
pareto_ll_grad(const struct rfx_rows *d, const double *p, double *g)
{
	double ll = 0;

	if (g != NULL)
		g[0] = g[1] = g[2] = g[3] = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct rfx *c = &d->row[i];
		double l1, g1[4];

		if (pareto_ll1_grad(p, c, &l1, g ? g1 : NULL) == -1) {
			l1 = pareto_ll1(p, c);
			if (g != NULL)
				pareto_row_numeric(p, c, g1);
		}
		ll += d->w[i] * l1;
		for (int j = 0; g != NULL && j < 4; j++)
			g[j] += d->w[i] * g1[j];
	}
	return ll;
}

/* ---- Gamma-Gamma --------------------------------------------------- */

/* Log-likelihood of the mean spends (Fader & Hardie 2013, eq. 3). */
static double
gg_ll(const struct rfx_rows *d, const double *p, double *g)
{
	double P = p[0], q = p[1], v = p[2], ll = 0;
	double lgq = lgamma(q), psq = psi(q), lv = log(v);
	double x = -1, px = 0, lgx = 0, psa = 0, psx = 0, lx = 0;

	if (g != NULL)
		g[0] = g[1] = g[2] = 0;
	for (size_t i = 0; i < d->n; i++) {
		double z = d->row[i].zbar, w = d->w[i], lvz, lz = log(z);

		/* rows come sorted by x: the gamma terms change with x only */
		if (d->row[i].x != x) {
			x = d->row[i].x;
			px = P * x;
			lx = log(x);
			lgx = lgamma(px + q) - lgamma(px) - lgq;
			if (g != NULL) {
				psa = psi(px + q);
				psx = psa - psi(px);
			}
		}
		lvz = log(v + x * z);
		ll += w * (lgx + q * lv + (px - 1) * lz + px * lx -
		    (px + q) * lvz);
		if (g == NULL)
			continue;
		g[0] += w * x * (psx + lz + lx - lvz);
		g[1] += w * (psa - psq + lv - lvz);
		g[2] += w * (q / v - (px + q) / (v + x * z));
	}
	return ll;
}

double
model_ll(enum model_kind kind, const struct rfx_rows *d, const double *p)
{
	switch (kind) {
	case M_BGNBD:
		return bg_ll(d, p, NULL);
	case M_PARETO:
		return pareto_ll(d, p);
	default:
		return gg_ll(d, p, NULL);
	}
}

double
model_ll_grad(enum model_kind kind, const struct rfx_rows *d,
    const double *p, double *g)
{
	switch (kind) {
	case M_BGNBD:
		return bg_ll(d, p, g);
	case M_PARETO:
		return pareto_ll_grad(d, p, g);
	default:
		return gg_ll(d, p, g);
	}
}

/* ---- fitting ------------------------------------------------------- */

struct objective {
	enum model_kind		 kind;
	const struct rfx_rows	*d;
	int			 np;
};

static int
params_of(const gsl_vector *u, int np, double *p)
{
	for (int i = 0; i < np; i++) {
		double ui = gsl_vector_get(u, i);

		/* keep exp() finite: far outside any sensible model */
		if (!(ui > -30 && ui < 30))
			return -1;
		p[i] = exp(ui);
	}
	return 0;
}

/* The minimised function: minus the mean log-likelihood, of u = ln p. */
static double
obj_f(const gsl_vector *u, void *arg)
{
	const struct objective *o = arg;
	double p[4], ll;

	if (params_of(u, o->np, p) == -1)
		return GSL_POSINF;
	ll = model_ll(o->kind, o->d, p);
	return isfinite(ll) ? -ll / o->d->total : GSL_POSINF;
}

static void
obj_fdf(const gsl_vector *u, void *arg, double *f, gsl_vector *g)
{
	const struct objective *o = arg;
	double p[4], gp[4], ll;

	gsl_vector_set_zero(g);
	if (params_of(u, o->np, p) == -1) {
		*f = GSL_POSINF;
		return;
	}
	ll = model_ll_grad(o->kind, o->d, p, gp);
	*f = isfinite(ll) ? -ll / o->d->total : GSL_POSINF;
	/* d/du = p d/dp */
	for (int i = 0; i < o->np; i++)
		gsl_vector_set(g, i, -gp[i] * p[i] / o->d->total);
}

static void
obj_df(const gsl_vector *u, void *arg, gsl_vector *g)
{
	double f;

	obj_fdf(u, arg, &f, g);
}

/* One BFGS run from start p0.  Returns 0 when the gradient test passed. */
static int
fit_from(struct objective *o, const double *p0, double *p, double *ll,
    int *iter, const char **why)
{
	gsl_multimin_function_fdf fdf = { obj_f, obj_df, obj_fdf,
	    (size_t)o->np, o };
	gsl_multimin_fdfminimizer *s;
	gsl_vector *u = gsl_vector_alloc((size_t)o->np);
	int status = GSL_CONTINUE, k;

	s = gsl_multimin_fdfminimizer_alloc(
	    gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)o->np);
	if (u == NULL || s == NULL) {
		*why = "out of memory";
		gsl_vector_free(u);
		gsl_multimin_fdfminimizer_free(s);
		return -1;
	}
	for (int i = 0; i < o->np; i++)
		gsl_vector_set(u, i, log(p0[i]));
	gsl_multimin_fdfminimizer_set(s, &fdf, u, 0.1, 0.1);
	*why = "iteration limit reached";
	for (k = 1; k <= MAX_ITER && status == GSL_CONTINUE; k++) {
		int rc = gsl_multimin_fdfminimizer_iterate(s);

		status = gsl_multimin_test_gradient(s->gradient, GRAD_TOL);
		if (rc != GSL_SUCCESS && status == GSL_CONTINUE) {
			/* no further progress: accept a near-flat gradient */
			status = gsl_multimin_test_gradient(s->gradient,
			    1e-6) == GSL_SUCCESS ? GSL_SUCCESS : rc;
			*why = "the line search made no progress";
		}
	}
	*iter = k - 1;
	(void)params_of(s->x, o->np, p);
	*ll = -s->f * o->d->total;
	if (!isfinite(*ll)) {
		status = GSL_EDOM;
		*why = "the likelihood is not finite";
	}
	gsl_vector_free(u);
	gsl_multimin_fdfminimizer_free(s);
	return status == GSL_SUCCESS ? 0 : -1;
}

void
model_fit(enum model_kind kind, const struct rfx_rows *d, struct fit *f)
{
	/* starting points: unit values, then spread out in each direction */
	static const double starts[][4] = {
		{ 1, 1, 1, 1 }, { 0.5, 5, 0.5, 2 }, { 2, 20, 2, 10 },
		{ 0.1, 1, 0.1, 0.5 },
	};
	struct objective o = { kind, d, kind == M_GAMMA ? 3 : 4 };
	const char *why = "no customers";

	*f = (struct fit){ .kind = kind, .np = o.np, .customers = d->total,
	    .ll = -INFINITY };
	gsl_set_error_handler_off();
	for (size_t i = 0; d->n > 0 && i < sizeof(starts) / sizeof(starts[0]);
	    i++) {
		double p[4], ll;
		int iter;

		f->starts++;
		if (fit_from(&o, starts[i], p, &ll, &iter, &why) == -1)
			continue;
		f->starts_ok++;
		if (ll > f->ll) {
			memcpy(f->p, p, sizeof(p));
			f->ll = ll;
			f->iterations = iter;
		}
	}
	f->converged = f->starts_ok > 0;
	if (!f->converged)
		snprintf(f->why, sizeof(f->why), "%s", why);
}

/* ---- per customer -------------------------------------------------- */

double
model_palive(const struct fit *f, const struct rfx *c)
{
	const double *p = f->p;
	double r = p[0], al = p[1], x = c->x;

	if (f->kind == M_PARETO) {
		double s = p[2], be = p[3];
		double l = log(s / (r + s + x)) + pareto_lnA0(p, c) +
		    (r + x) * log(al + c->T) + s * log(be + c->T);

		return 1 / (1 + exp(l));
	}
	if (x == 0)
		return 1;
	/* FHL 2005 eq. 11 */
	return 1 / (1 + p[2] / (p[3] + x - 1) *
	    exp((r + x) * log((al + c->T) / (al + c->tx))));
}

double
model_expected(const struct fit *f, const struct rfx *c, double t)
{
	const double *p = f->p;
	double r = p[0], al = p[1], x = c->x;

	if (t <= 0)
		return 0;
	if (f->kind == M_PARETO) {
		double s = p[2], be = p[3];

		/* Schmittlein, Morrison & Colombo 1987; s = 1 is the limit */
		double tail = fabs(s - 1) < 1e-9 ?
		    log((be + c->T + t) / (be + c->T)) :
		    (1 - pow((be + c->T) / (be + c->T + t), s - 1)) / (s - 1);

		return (r + x) * (be + c->T) / (al + c->T) * tail *
		    model_palive(f, c);
	} else {
		double a = p[2], b = p[3];
		double z = t / (al + c->T + t);
		double num = 1 - exp((r + x) * log((al + c->T) /
		    (al + c->T + t))) * hyp2f1(r + x, b + x, a + b + x - 1, z);
		double den = 1 + (x > 0 ? a / (b + x - 1) *
		    exp((r + x) * log((al + c->T) / (al + c->tx))) : 0);

		/* FHL 2005 eq. 10 */
		return (a + b + x - 1) / (a - 1) * num / den;
	}
}

double
gg_expected_spend(const double *p, double x, double zbar)
{
	double P = p[0], q = p[1], v = p[2];

	/* Fader & Hardie 2013, eq. 5: a weighted mean of the population
	 * mean and the customer's own */
	return (q - 1) / (P * x + q - 1) * (v * P / (q - 1)) +
	    P * x / (P * x + q - 1) * zbar;
}
