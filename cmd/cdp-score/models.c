/*
 * models.c - likelihoods, gradients and per-customer expectations of the
 * continuous-time models: BG/NBD, modified BG/NBD, Pareto/NBD (with
 * time-invariant covariates) and Gamma-Gamma (formulas in
 * man/cdp-score.1 with their references).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>

#include "models.h"
#include "modelsi.h"

/* ---- names --------------------------------------------------------- */

static const char *const names[][4] = {
	{ "r", "alpha", "a", "b" },
	{ "r", "alpha", "a", "b" },
	{ "r", "alpha", "s", "beta" },
	{ "p", "q", "v", NULL },
	{ "alpha", "beta", "gamma", "delta" },
	{ "gamma", "delta", NULL, NULL },
};

static const char *const kinds[] = { "bg-nbd", "mbg-nbd", "pareto-nbd",
	"gamma-gamma", "bg-bb", "sbg" };

int
model_nbase(enum model_kind kind)
{
	return kind == M_GAMMA ? 3 : kind == M_SBG ? 2 : 4;
}

const char *
model_param_name(enum model_kind kind, int i)
{
	return names[kind][i];
}

const char *
model_name(enum model_kind kind)
{
	return kinds[kind];
}

/* ---- data ---------------------------------------------------------- */

static struct pn_cache *pn_cache_new(const struct rfx_rows *d);
static void pn_cache_free(struct pn_cache *C);

int
rfx_cmp(const struct rfx *x, const struct rfx *y)
{
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
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

static int
by_rfx(const void *a, const void *b)
{
	return rfx_cmp(a, b);
}

/* qsort's order of doubles, ascending. */
int
model_by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The index of v in sorted tv[0..n). */
static unsigned
value_index(const double *tv, size_t n, double v)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (tv[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return (unsigned)lo;
}

/*
 * The distinct t_x and T of d's rows into d->tv, and each row's indexes
 * into it: a likelihood then takes log(alpha + t) once per distinct
 * time, not twice per row.
 */
static int
time_values(struct rfx_rows *d)
{
	double *tv = malloc((2 * d->n + 1) * sizeof(*tv));
	size_t m = 0;

	if (tv == NULL)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		tv[m++] = d->row[i].tx;
		tv[m++] = d->row[i].T;
	}
	qsort(tv, m, sizeof(*tv), model_by_double);
	d->ntv = 0;
	for (size_t i = 0; i < m; i++)
		if (d->ntv == 0 || tv[i] != tv[d->ntv - 1])
			tv[d->ntv++] = tv[i];
	for (size_t i = 0; i < d->n; i++) {
		d->row[i].itx = value_index(tv, d->ntv, d->row[i].tx);
		d->row[i].iT = value_index(tv, d->ntv, d->row[i].T);
	}
	d->tv = tv;
	return 0;
}

int
rfx_rows_make(struct rfx_rows *d, const struct rfx *c, size_t n,
    const double *z, int nz)
{
	struct rfx *s = malloc((n ? n : 1) * sizeof(*s));

	*d = (struct rfx_rows){ .z = z, .nz = nz };
	if (s == NULL)
		return -1;
	memcpy(s, c, n * sizeof(*s));
	qsort(s, n, sizeof(*s), by_rfx);
	for (size_t i = 0; i < n; i++) {
		double w = s[i].w > 0 ? s[i].w : 1;

		if (d->n > 0 && by_rfx(&s[d->n - 1], &s[i]) == 0) {
			s[d->n - 1].w += w;
		} else {
			s[d->n] = s[i];
			s[d->n++].w = w;
		}
		d->total += w;
		if (s[i].x > d->maxx)
			d->maxx = (int)s[i].x;
	}
	d->row = s;
	if (time_values(d) == -1 || (d->pn = pn_cache_new(d)) == NULL ||
	    (d->lz = malloc((d->n ? d->n : 1) * sizeof(*d->lz))) == NULL) {
		free(s);
		free(d->tv);
		pn_cache_free(d->pn);
		return -1;
	}
	/* a constant of every likelihood evaluation: taken once */
	for (size_t i = 0; i < d->n; i++)
		d->lz[i] = s[i].zbar > 0 ? log(s[i].zbar) : 0;
	return 0;
}

void
rfx_rows_free(struct rfx_rows *d)
{
	free(d->row);
	free(d->tv);
	free(d->lz);
	pn_cache_free(d->pn);
	*d = (struct rfx_rows){ 0 };
}


/* ---- covariates ---------------------------------------------------- */

void
model_indiv(enum model_kind kind, int nz, const double *p, const double *z,
    double *q)
{
	int nb = model_nbase(kind);
	double et = 0, el = 0;

	memcpy(q, p, (size_t)nb * sizeof(*q));
	if (z == NULL || nz == 0)
		return;
	for (int k = 0; k < nz; k++) {
		et += p[nb + k] * z[k];
		el += p[nb + nz + k] * z[k];
	}
	/* the rate's scale alpha shrinks with a positive effect (more
	 * purchases); Pareto/NBD's beta likewise (shorter lives), BG/NBD's
	 * a and b both grow with the lifetime effect */
	q[1] = p[1] * exp(-et);
	if (kind == M_PARETO) {
		q[3] = p[3] * exp(-el);
	} else {
		q[2] = p[2] * exp(el);
		q[3] = p[3] * exp(el);
	}
}

/*
 * Add the gradient dq[0..4) of one group's likelihood by its own
 * parameters q to g, the gradient by the parameters p (effects too).
 */
static void
chain(enum model_kind kind, int nz, const double *p, const double *q,
    const double *z, const double *dq, double *g)
{
	g[0] += dq[0];
	g[1] += dq[1] * q[1] / p[1];
	g[2] += dq[2] * q[2] / p[2];
	g[3] += dq[3] * q[3] / p[3];
	for (int k = 0; k < nz; k++) {
		g[4 + k] -= dq[1] * q[1] * z[k];
		if (kind == M_PARETO)
			g[4 + nz + k] -= dq[3] * q[3] * z[k];
		else
			g[4 + nz + k] += (dq[2] * q[2] + dq[3] * q[3]) *
			    z[k];
	}
}

/* ---- BG/NBD and modified BG/NBD ------------------------------------ */

/*
 * Terms of the likelihood that depend on x only (Fader, Hardie & Lee
 * 2005, eq. 6; the modified model, k = 1, may drop out at the first
 * purchase too, so its Beta terms count one dropout chance more), with
 * their derivatives by r, alpha, a and b.
 */
struct bg_x {
	double	A, dAr;		/* ln G(r+x)/G(r) + r ln alpha; d/dr */
	double	c1, c1a, c1b;	/* ln B(a,b+x+k)/B(a,b); d/da, d/db */
	double	c2, c2a, c2b;	/* ln B(a+1,b+x+k-1)/B(a,b) */
	bool	dead;		/* the second term exists */
};

static void
bg_x_terms(const double *q, int x, int k, struct bg_x *t, bool grad)
{
	double r = q[0], al = q[1], a = q[2], b = q[3];
	double lb = lbeta(a, b), bx = b + x + k;

	t->dead = x > 0 || k > 0;
	t->A = lgamma(r + x) - lgamma(r) + r * log(al);
	t->c1 = lbeta(a, bx) - lb;
	t->c2 = t->dead ? lbeta(a + 1, bx - 1) - lb : -INFINITY;
	if (!grad)
		return;
	t->dAr = psi(r + x) - psi(r) + log(al);
	t->c1a = psi(a + b) - psi(a + bx);
	t->c1b = psi(bx) - psi(a + bx) - psi(b) + psi(a + b);
	if (t->dead) {
		t->c2a = psi(a + 1) - psi(a) + psi(a + b) - psi(a + bx);
		t->c2b = psi(bx - 1) - psi(b) + psi(a + b) - psi(a + bx);
	}
}

/*
 * Log-likelihood of d at p; with g non-NULL also its gradient.  Per row
 * the two terms are combined through their ratio rho = e^(l2 - l1), so
 * that a row costs one exp and one log1p besides table lookups.
 */
static double
bg_ll(const struct rfx_rows *d, const double *p, double *g, int k)
{
	enum model_kind kind = k ? M_MBGNBD : M_BGNBD;
	struct bg_x *xt = malloc(((size_t)d->maxx + 1) * sizeof(*xt));
	double *lg = malloc((d->ntv ? d->ntv : 1) * sizeof(*lg));
	double *ig = malloc((d->ntv ? d->ntv : 1) * sizeof(*ig));
	double ll = 0, q[4], dq[4];
	const double *z = NULL;
	int have = -1;

	if (xt == NULL || lg == NULL || ig == NULL) {
		free(xt);
		free(lg);
		free(ig);
		return NAN;
	}
	if (g != NULL)
		memset(g, 0, (size_t)(4 + 2 * d->nz) * sizeof(*g));
	for (size_t i = 0; i < d->n; i++) {
		const struct rfx *c = &d->row[i];
		int x = (int)c->x;
		struct bg_x *t;
		double l1, lT, lt, li, w1, w2, r, al, rho, Tt, tt;

		/* a new covariate group: its own parameters, x terms and
		 * logarithms */
		if (i == 0 || c->g != d->row[i - 1].g) {
			if (i > 0 && g != NULL)
				chain(kind, d->nz, p, q, z, dq, g);
			z = d->nz ? d->z + (size_t)c->g * d->nz : NULL;
			model_indiv(kind, d->nz, p, z, q);
			memset(dq, 0, sizeof(dq));
			have = -1;
			for (size_t j = 0; j < d->ntv; j++) {
				lg[j] = log(q[1] + d->tv[j]);
				ig[j] = 1 / (q[1] + d->tv[j]);
			}
		}
		/* rows come sorted by x: compute each x's terms once */
		for (; have < x; have++)
			bg_x_terms(q, have + 1, k, &xt[have + 1], g != NULL);
		t = &xt[x];
		r = q[0];
		al = q[1];
		lT = lg[c->iT];
		lt = lg[c->itx];
		l1 = t->c1 - (r + x) * lT;
		rho = t->dead ? exp(t->c2 - t->c1 + (r + x) * (lT - lt)) : 0;
		li = l1 + log1p(rho);
		ll += c->w * (t->A + li);
		if (g == NULL)
			continue;
		w1 = 1 / (1 + rho);
		w2 = rho * w1;
		Tt = ig[c->iT];
		tt = ig[c->itx];
		dq[0] += c->w * (t->dAr - w1 * lT - w2 * lt);
		dq[1] += c->w * (r / al - (r + x) * (w1 * Tt + w2 * tt));
		dq[2] += c->w * (w1 * t->c1a + (t->dead ? w2 * t->c2a : 0));
		dq[3] += c->w * (w1 * t->c1b + (t->dead ? w2 * t->c2b : 0));
	}
	if (d->n > 0 && g != NULL)
		chain(kind, d->nz, p, q, z, dq, g);
	free(xt);
	free(lg);
	free(ig);
	return ll;
}

/* ---- Pareto/NBD ---------------------------------------------------- */

/*
 * The likelihood's second term is s times
 *	I = integral over [t_x, T] of (alpha + y)^-(r+x) (beta + y)^-(s+1) dy.
 * With m the larger rate, d = |alpha - beta|, z = d / (m + y), k = r+s+x
 * and q the exponent of the smaller rate's factor (s+1 when alpha >=
 * beta, else r+x), expanding that factor in z gives the integral from y
 * to infinity as
 *	J(y) = (m + y)^-k sum_n (q)_n / n! z^n / (k + n),
 * which is differentiated term by term: by k (through (m+y)^-k too), by q
 * (d/dq (q)_n = (q)_n H_n, H_n = sum_{j<n} 1/(q+j)), by m and by the
 * smaller rate (through d).  I = J(t_x) - J(T).  Where z at t_x is near
 * 1 the series would converge slowly; there I and its derivatives are
 * integrated numerically instead (pn_quad).
 */
struct pn_sums {
	double	s0;	/* J (m+y)^k */
	double	sk;	/* dJ/dk (m+y)^k */
	double	sq;	/* the (q)_n part of dJ/dq (m+y)^k */
	double	sm;	/* dJ/dm (m+y)^(k+1) */
	double	so;	/* dJ/d(the smaller rate) (m+y)^(k+1) */
};

#define PN_ZMAX		0.9	/* series up to here: ~350 terms at most */

/* The sums at y.  Returns 0, or -1 when they did not converge. */
static int
pn_sums(double k, double q, double m, double d, double y, struct pn_sums *S)
{
	double z = d / (m + y), L = log(m + y);
	double u = 1, uprev = 0, h = 0;	/* u = (q)_n / n! z^n */

	*S = (struct pn_sums){ 0 };
	for (int n = 0; n < 2000; n++) {
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
		    1e-16 * S->s0)
			return 0;
		h += 1 / (q + n);
		uprev = u;
		u *= (q + n) / (n + 1) * z;
	}
	return -1;
}

/* I and, relative to I, its derivatives by r, alpha, s and beta. */
struct pn_int {
	double	lnI;		/* -INFINITY when t_x = T */
	double	dr, da, ds, db;
};

/* Nodes and weights of 16-point Gauss-Legendre on [-1, 1] (half). */
static const double gl_x[8] = {
	0.0950125098376374, 0.2816035507792589, 0.4580167776572274,
	0.6178762444026438, 0.7554044083550030, 0.8656312023878318,
	0.9445750230732326, 0.9894009349916499 };
static const double gl_w[8] = {
	0.1894506104550685, 0.1826034150449236, 0.1691565193950025,
	0.1495959888165767, 0.1246289712555339, 0.0951585116824928,
	0.0622535239386479, 0.0271524594117541 };

/*
 * I by composite Gauss-Legendre in v = ln(o + y), o the smaller rate:
 * the integrand becomes a product of smooth power laws in v, and panels
 * no wider than 6 over the steepest slope of its log (and 2 at most)
 * keep each panel's 16-point rule exact to about 1e-15.  Integrals are taken relative to the integrand
 * at t_x so that nothing underflows; the derivatives come from the same
 * nodes (derivatives of the integrand under the integral sign).
 */
static void
pn_quad(double p, double qq, double al, double be, double tx, double T,
    struct pn_int *R)
{
	double o = al < be ? al : be;
	double v0 = log(o + tx), v1 = log(o + T), span = v1 - v0;
	/* |d/dv| of the log of the integrand is at most this over [t_x, T]:
	 * each factor's slope grows with y, the smaller rate's is its
	 * exponent */
	double steep = 1 + p * (o + T) / (al + T) + qq * (o + T) / (be + T);
	double width = steep > 3 ? 6 / steep : 2;
	double f0, S = 0, Sr = 0, Sa = 0, Ss = 0, Sb = 0;
	int panels;

	panels = (int)ceil(span / width);
	if (panels > 400)
		panels = 400;
	if (panels < 1)
		panels = 1;
	f0 = -p * log(al + tx) - qq * log(be + tx) + v0;
	for (int j = 0; j < panels; j++) {
		double a = v0 + span * j / panels, h = span / panels / 2;
		double c = a + h, part = 0;

		for (int i = 0; i < 16; i++) {
			double v = c + (i < 8 ? -gl_x[i] : gl_x[i - 8]) * h;
			double w = gl_w[i < 8 ? i : i - 8] * h;
			double ey = exp(v), y = ey - o;
			double la = log(al + y), lb = log(be + y);
			double f = exp(-p * la - qq * lb + v - f0) * w;

			part += f;
			Sr -= f * la;
			Sa -= f * p / (al + y);
			Ss -= f * lb;
			Sb -= f * qq / (be + y);
		}
		S += part;
		/* the integrand falls steadily: the rest is negligible */
		if (part < 1e-18 * S && j > 0)
			break;
	}
	R->lnI = S > 0 ? f0 + log(S) : -INFINITY;
	R->dr = S > 0 ? Sr / S : 0;
	R->da = S > 0 ? Sa / S : 0;
	R->ds = S > 0 ? Ss / S : 0;
	R->db = S > 0 ? Sb / S : 0;
}

/*
 * The sums of the rows of one likelihood evaluation at t_x and at T:
 * both are among the few distinct times of the data (struct rfx_rows's
 * tv), so the sums of one x at one time are computed once and kept in a
 * table keyed by x and the time's index, made with the rows.  gen tells
 * this evaluation's entries from earlier ones; a table half full stops
 * caching, not the sums.
 */
#define PN_SLOTS	262144
struct pn_cache {
	double		*la, *lb;	/* ln(alpha + t), ln(beta + t) at tv */
	uint64_t	*key;		/* (x << 32 | time index) + 1 */
	uint32_t	*gen;
	int8_t		*rc;
	struct pn_sums	*val;
	uint32_t	 now;		/* the generation of this pass */
	size_t		 n, mask;
	int		 shift;
};

/* A table for the rows of d: slots for twice their (x, time) pairs at
 * most, a power of two no larger than PN_SLOTS. */
static struct pn_cache *
pn_cache_new(const struct rfx_rows *d)
{
	struct pn_cache *C = calloc(1, sizeof(*C));
	double pairs = 2.0 * d->n < (double)d->ntv * (d->maxx + 1) ?
	    2.0 * d->n : (double)d->ntv * (d->maxx + 1);
	size_t slots = 64;

	if (C == NULL)
		return NULL;
	for (C->shift = 58; slots < 2 * pairs && slots < PN_SLOTS; slots *= 2)
		C->shift--;
	C->mask = slots - 1;
	C->la = malloc((d->ntv ? d->ntv : 1) * sizeof(*C->la));
	C->lb = malloc((d->ntv ? d->ntv : 1) * sizeof(*C->lb));
	C->key = malloc(slots * sizeof(*C->key));
	C->gen = calloc(slots, sizeof(*C->gen));
	C->rc = malloc(slots * sizeof(*C->rc));
	C->val = malloc(slots * sizeof(*C->val));
	if (C->key && C->gen && C->rc && C->val && C->la && C->lb)
		return C;
	pn_cache_free(C);
	return NULL;
}

static void
pn_cache_free(struct pn_cache *C)
{
	if (C == NULL)
		return;
	free(C->la);
	free(C->lb);
	free(C->key);
	free(C->gen);
	free(C->rc);
	free(C->val);
	free(C);
}

/* Forget every entry: the parameters are now q (d's times). */
static void
pn_cache_reset(struct pn_cache *C, const struct rfx_rows *d, const double *q)
{
	C->n = 0;
	/* a wrapped generation would find stale entries: clear them */
	if (++C->now == 0) {
		memset(C->gen, 0, (C->mask + 1) * sizeof(*C->gen));
		C->now = 1;
	}
	for (size_t j = 0; j < d->ntv; j++) {
		C->la[j] = log(q[1] + d->tv[j]);
		C->lb[j] = log(q[3] + d->tv[j]);
	}
}

/* The sums of x at time y (index iy in tv; k, q, m, d as pn_sums()
 * takes them), from the table when there. */
static int
pn_sums_at(struct pn_cache *C, double x, unsigned iy, double y, double k,
    double q, double m, double d, struct pn_sums *S)
{
	uint64_t key = ((uint64_t)x << 32 | iy) + 1;
	size_t i = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> C->shift) &
	    C->mask;
	int rc;

	for (; C->gen[i] == C->now; i = (i + 1) & C->mask)
		if (C->key[i] == key) {
			*S = C->val[i];
			return C->rc[i];
		}
	rc = pn_sums(k, q, m, d, y, S);
	/* a table at most half full keeps the probes short */
	if (2 * C->n <= C->mask) {
		C->gen[i] = C->now;
		C->key[i] = key;
		C->val[i] = *S;
		C->rc[i] = (int8_t)rc;
		C->n++;
	}
	return rc;
}

/* I of customer c under q, by the series or by quadrature; with cache
 * non-NULL the series' sums are shared among rows. */
static void
pn_integral(const double *q, const struct rfx *c, struct pn_int *R,
    struct pn_cache *cache)
{
	double r = q[0], al = q[1], s = q[2], be = q[3], x = c->x;
	double k = r + s + x, m, qq, d, rho, Ih, lmx, lmT;
	struct pn_sums A, B;
	bool abig = al >= be;

	*R = (struct pn_int){ .lnI = -INFINITY };
	if (!(c->T > c->tx))
		return;
	m = abig ? al : be;
	qq = abig ? s + 1 : r + x;
	d = fabs(al - be);
	if (d / (m + c->tx) > PN_ZMAX) {
		pn_quad(r + x, s + 1, al, be, c->tx, c->T, R);
		return;
	}
	if ((cache ? pn_sums_at(cache, x, c->itx, c->tx, k, qq, m, d, &A) :
	    pn_sums(k, qq, m, d, c->tx, &A)) == -1 ||
	    (cache ? pn_sums_at(cache, x, c->iT, c->T, k, qq, m, d, &B) :
	    pn_sums(k, qq, m, d, c->T, &B)) == -1) {
		pn_quad(r + x, s + 1, al, be, c->tx, c->T, R);
		return;
	}
	/* all relative to (m + t_x)^-k, which would underflow for large k */
	lmx = cache ? (abig ? cache->la : cache->lb)[c->itx] : log(m + c->tx);
	lmT = cache ? (abig ? cache->la : cache->lb)[c->iT] : log(m + c->T);
	rho = exp(-k * (lmT - lmx));
	Ih = A.s0 - rho * B.s0;
	/* J(t_x) - J(T) loses its digits when T is near t_x: integrate */
	if (!(Ih > 1e-6 * A.s0)) {
		pn_quad(r + x, s + 1, al, be, c->tx, c->T, R);
		return;
	}
	{
		double Ik = A.sk - rho * B.sk;
		double Iq = (A.sk + A.sq) - rho * (B.sk + B.sq);
		double Im = A.sm / (m + c->tx) - rho * B.sm / (m + c->T);
		double Io = A.so / (m + c->tx) - rho * B.so / (m + c->T);

		R->lnI = -k * lmx + log(Ih);
		/* r and s reach I through k, and one of them through q */
		R->dr = (abig ? Ik : Iq) / Ih;
		R->ds = (abig ? Iq : Ik) / Ih;
		R->da = (abig ? Im : Io) / Ih;
		R->db = (abig ? Io : Im) / Ih;
	}
}

/* What a row's likelihood takes from its x alone: computed once per x
 * (rows come sorted by x within a covariate group). */
struct pn_x {
	double	x;		/* NAN: none yet */
	double	lg, ps;		/* ln G(r+x)/G(r), psi(r+x) - psi(r) */
	double	lal, lbe, ls;	/* ln alpha, ln beta, ln s */
};

/* One row's log-likelihood and, unless dq is NULL, its gradient by the
 * customer's own r, alpha, s and beta (added, times w). */
static double
pareto_row(const double *q, const struct rfx *c, double *dq,
    struct pn_cache *cache, struct pn_x *X)
{
	double r = q[0], al = q[1], s = q[2], be = q[3], x = c->x;
	double lE1, lI, lse, w1, w2, ll, rho, laT, lbT;
	struct pn_int I;

	if (X->x != x) {
		X->x = x;
		X->lg = lgamma(r + x) - lgamma(r);
		X->ps = dq != NULL ? psi(r + x) - psi(r) : 0;
		X->lal = log(al);
		X->lbe = log(be);
		X->ls = log(s);
	}
	pn_integral(q, c, &I, cache);
	laT = cache->la[c->iT];
	lbT = cache->lb[c->iT];
	lE1 = -(r + x) * laT - s * lbT;
	lI = X->ls + I.lnI;
	/* the two terms through their ratio: one exp, one log1p */
	rho = I.lnI > -INFINITY ? exp(lI - lE1) : 0;
	lse = lE1 + log1p(rho);
	ll = X->lg + r * X->lal + s * X->lbe + lse;
	if (dq == NULL)
		return ll;
	w1 = 1 / (1 + rho);
	w2 = rho * w1;
	dq[0] += c->w * (X->ps + X->lal - w1 * laT + w2 * I.dr);
	dq[1] += c->w * (r / al - w1 * (r + x) / (al + c->T) + w2 * I.da);
	dq[2] += c->w * (X->lbe - w1 * lbT + w2 * (1 / s + I.ds));
	dq[3] += c->w * (s / be - w1 * s / (be + c->T) + w2 * I.db);
	return ll;
}

static double
pareto_ll(const struct rfx_rows *d, const double *p, double *g)
{
	double ll = 0, q[4], dq[4];
	const double *z = NULL;
	struct pn_x X = { .x = NAN };

	if (g != NULL)
		memset(g, 0, (size_t)(4 + 2 * d->nz) * sizeof(*g));
	for (size_t i = 0; i < d->n; i++) {
		const struct rfx *c = &d->row[i];

		if (i == 0 || c->g != d->row[i - 1].g) {
			if (i > 0 && g != NULL)
				chain(M_PARETO, d->nz, p, q, z, dq, g);
			z = d->nz ? d->z + (size_t)c->g * d->nz : NULL;
			model_indiv(M_PARETO, d->nz, p, z, q);
			memset(dq, 0, sizeof(dq));
			pn_cache_reset(d->pn, d, q);
			X.x = NAN;
		}
		ll += c->w * pareto_row(q, c, g != NULL ? dq : NULL, d->pn,
		    &X);
	}
	if (d->n > 0 && g != NULL)
		chain(M_PARETO, d->nz, p, q, z, dq, g);
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
		double z = d->row[i].zbar, w = d->row[i].w, lvz, lz = d->lz[i];

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
model_ll_grad(enum model_kind kind, const struct rfx_rows *d,
    const double *p, double *g)
{
	switch (kind) {
	case M_BGNBD:
		return bg_ll(d, p, g, 0);
	case M_MBGNBD:
		return bg_ll(d, p, g, 1);
	case M_PARETO:
		return pareto_ll(d, p, g);
	case M_GAMMA:
		return gg_ll(d, p, g);
	default:
		return discrete_ll(kind, d, p, g);
	}
}

double
model_ll(enum model_kind kind, const struct rfx_rows *d, const double *p)
{
	return model_ll_grad(kind, d, p, NULL);
}

/* ---- per customer -------------------------------------------------- */

double
model_palive(enum model_kind kind, const double *q, const struct rfx *c)
{
	double r = q[0], al = q[1], x = c->x;
	struct pn_int I;
	int k = kind == M_MBGNBD;

	switch (kind) {
	case M_PARETO:
		pn_integral(q, c, &I, NULL);
		if (I.lnI == -INFINITY)
			return 1;
		return 1 / (1 + exp(log(q[2]) + I.lnI + (r + x) *
		    log(al + c->T) + q[2] * log(q[3] + c->T)));
	case M_BGNBD:
	case M_MBGNBD:
		if (x == 0 && k == 0)
			return 1;
		/* FHL 2005 eq. 11; the modified model: b + x for b + x - 1 */
		return 1 / (1 + q[2] / (q[3] + x - 1 + k) *
		    exp((r + x) * log((al + c->T) / (al + c->tx))));
	default:
		return discrete_palive(kind, q, c);
	}
}

/* The relative error an expected number of purchases may carry; beyond
 * it the formula has lost its digits and gives no number. */
#define EXP_RELERR	1e-10

/*
 * The series that (BG/NBD, an active customer) the closed form equals by
 * Pfaff's transformation, 2F1(R, B; C; z) = (1 - z)^-R 2F1(R, C - B; C;
 * z / (z - 1)) with C - B = a - 1:
 *
 *   sum over n >= 1 of (-1)^(n+1) (R)_n (a)_(n-1) u^n / ((C + 1)_(n-1) n!)
 *
 * with u = t / (alpha + T): no division by a - 1 and no difference of
 * nearly equal numbers, but it converges only for u < 1.  NAN when it
 * does not, or when its rounding (each term's, relative n eps) passes
 * EXP_RELERR of the sum.
 */
static double
bg_series(double R, double a, double C, double u)
{
	double term = R * u, sum = term, err = fabs(term) * DBL_EPSILON;

	if (!(u < 1))
		return NAN;
	for (int n = 1; n < 100000; n++) {
		term *= -(R + n) * (a + n - 1) * u / ((C + n) * (n + 1));
		sum += term;
		err += fabs(term) * (4 * n + 1) * DBL_EPSILON;
		if (fabs(term) <= DBL_EPSILON * fabs(sum))
			return err <= EXP_RELERR * fabs(sum) ? sum : NAN;
	}
	return NAN;
}

/*
 * The same expectation as an integral with nothing subtracted: an active
 * customer buys at rate lambda until a purchase ends them, so it is R
 * times the integral over v in [0, t / A] of E[(1 + p v)^-(R+1)], p ~
 * Beta(a, B) (B = b + x + k), that mean being 2F1(R + 1, a; a + B; -v) =
 * (1 + v)^-(R+1) 2F1(R + 1, B; a + B; v / (1 + v)): a series of positive
 * terms, or where they overflow its Euler transform (1 + v)^-a 2F1(a + B
 * - R - 1, a; a + B; v / (1 + v)).  Integrated by GSL's adaptive Gauss-
 * Kronrod rule to EXP_RELERR; NAN when that or a 2F1 misses it.
 */
struct mean_power {
	double	R, a, B;
	bool	lost;		/* a 2F1 without its digits */
};

static double
mean_power(double v, void *arg)
{
	struct mean_power *m = arg;
	double P = exp(-(m->R + 1) * log1p(v)), F, e, w = v / (1 + v);

	F = hyp2f1_err(m->R + 1, m->B, m->a + m->B, w, &e);
	if (isfinite(P * F) && P * e <= EXP_RELERR * P * F)
		return P * F;
	P = exp(-m->a * log1p(v));
	F = hyp2f1_err(m->a + m->B - m->R - 1, m->a, m->a + m->B, w, &e);
	if (!(isfinite(P * F) && P * e <= EXP_RELERR * fabs(P * F)))
		m->lost = true;
	return P * F;
}

static double
bg_integral(double R, double a, double B, double u)
{
	struct mean_power m = { R, a, B, false };
	gsl_function fn = { mean_power, &m };
	gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
	double I, err;
	int rc;

	if (ws == NULL)
		return NAN;
	rc = gsl_integration_qag(&fn, 0, u, 0, EXP_RELERR, 200,
	    GSL_INTEG_GAUSS21, ws, &I, &err);
	gsl_integration_workspace_free(ws);
	return rc == GSL_SUCCESS && !m.lost ? R * I : NAN;
}

/*
 * BG/NBD's expected purchases in (T, T + t] of a customer active at T:
 * eq. 10 of Fader, Hardie & Lee 2005 over P(alive),
 *
 *   C / (a - 1) (1 - (A / (A + t))^R 2F1(R, B; C; t / (A + t)))
 *
 * with R = r + x, A = alpha + T, B = b + x + k, C = a + b + x - 1 + k (k
 * is 1 in the modified model).  Where a nears 0 or 1 or b grows (where a
 * fit that did not converge stops) the difference is of numbers equal to
 * more digits than they hold, and the series above stands in, or the
 * integral; NAN when none holds its digits.
 */
static double
bg_expected(const double *q, const struct rfx *c, double t, int k)
{
	double R = q[0] + c->x, A = q[1] + c->T, a = q[2];
	double C = a + q[3] + c->x - 1 + k, u = t / A;
	double P, F, Ferr, num, err;

	/* (A / (A + t))^R; log1p keeps the digits of t << A */
	P = exp(-R * log1p(u));
	F = hyp2f1_err(R, q[3] + c->x + k, C, t / (A + t), &Ferr);
	num = 1 - P * F;
	err = P * Ferr + fabs(P * F) * DBL_EPSILON * (2 + R * log1p(u));
	if (a != 1 && isfinite(num) && err <= EXP_RELERR * fabs(num))
		return C / (a - 1) * num;
	num = bg_series(R, a, C, u);
	return isfinite(num) ? num : bg_integral(R, a, q[3] + c->x + k, u);
}

/*
 * Expected purchases of an active customer are at least 0 and at most
 * the posterior mean rate's, R t / A (dropping out only takes purchases
 * away): e, or within rounding of the range its end, or NAN.
 */
static double
in_range(double e, double most)
{
	if (e >= 0 && e <= most)
		return e;
	if (e < 0 && e >= -1e-9 * most)
		return 0;
	if (e > most && e <= most * (1 + 1e-9))
		return most;
	return NAN;
}

double
model_expected(enum model_kind kind, const double *q, const struct rfx *c,
    double t)
{
	double R = q[0] + c->x, A = q[1] + c->T, s, B, L, z;
	int k = kind == M_MBGNBD;

	if (t <= 0)
		return 0;
	switch (kind) {
	case M_PARETO:
		s = q[2];
		B = q[3] + c->T;
		/* Schmittlein, Morrison & Colombo 1987: R / A times
		 * integral over [0, t] of (B / (B + v))^s dv, which is
		 * (1 - (B / (B + t))^(s-1)) / (s - 1) B, at s = 1 its limit
		 * ln(1 + t / B) B; expm1 and log1p keep the digits of s
		 * near 1 and of t << B */
		L = log1p(t / B);
		z = s == 1 ? L : -expm1(-(s - 1) * L) / (s - 1);
		return in_range(R / A * B * z, R * t / A) *
		    model_palive(kind, q, c);
	case M_BGNBD:
	case M_MBGNBD:
		return in_range(bg_expected(q, c, t, k), R * t / A) *
		    model_palive(kind, q, c);
	default:
		return discrete_expected(kind, q, c, t);
	}
}

/*
 * No purchase in (T, T + t]: an inactive customer buys nothing; an
 * active one of BG/NBD drops out only right after a purchase, so buys
 * nothing with E[e^(-lambda t)] over the posterior Gamma(r+x, alpha+T).
 * Under Pareto/NBD an active customer with rates lambda, mu buys nothing
 * with probability (mu + lambda e^-(lambda+mu)t) / (lambda + mu), whose
 * expectation over the posterior Gamma(r+x, alpha+T) x Gamma(s, beta+T)
 * is 1 - integral over [0, t] of R/(A+v) (A/(A+v))^R (B/(B+v))^S dv
 * (R = r+x, A = alpha+T, S = s, B = beta+T), integrated here with the
 * same Gauss-Legendre rule.
 */
double
model_p_none(enum model_kind kind, const double *q, const struct rfx *c,
    double t)
{
	double pa, R = q[0] + c->x, A = q[1] + c->T, sum = 0;

	if (t <= 0)
		return 1;
	pa = model_palive(kind, q, c);
	switch (kind) {
	case M_BGNBD:
	case M_MBGNBD:
		return 1 - pa + pa * exp(R * log(A / (A + t)));
	case M_PARETO: {
		double S = q[2], B = q[3] + c->T;
		int panels = 8;

		for (int j = 0; j < panels; j++) {
			double h = t / panels / 2, m = h * (2 * j + 1);

			for (int i = 0; i < 16; i++) {
				double v = m + (i < 8 ? -gl_x[i] :
				    gl_x[i - 8]) * h;

				sum += gl_w[i < 8 ? i : i - 8] * h * R /
				    (A + v) * exp(R * log(A / (A + v)) +
				    S * log(B / (B + v)));
			}
		}
		return 1 - pa + pa * (1 - sum);
	}
	default:
		return discrete_p_none(kind, q, c, t);
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
