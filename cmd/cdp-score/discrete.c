/*
 * discrete.c - the discrete-time models of cdp-score: BG/BB for repeat
 * transactions at discrete opportunities (Fader, Hardie & Shang 2010)
 * and the shifted-beta-geometric model of contract renewals (Fader &
 * Hardie 2007), with DERL (Fader & Hardie 2010).
 */
#include <math.h>

#include "models.h"
#include "modelsi.h"

/* ---- BG/BB --------------------------------------------------------- */

/*
 * The two parts of one customer's likelihood (FHS 2010, eq. 5): alive
 * through all n opportunities, and dead after opportunity t_x + i for
 * some i in 0..n-t_x-1; as logarithms.
 */
static void
bgbb_parts(const double *q, const struct rfx *c, double *alive,
    double *all)
{
	double al = q[0], be = q[1], ga = q[2], de = q[3];
	double x = c->x, tx = c->tx, n = c->T;
	double lab = lbeta(al, be), lgd = lbeta(ga, de), sum;

	*alive = lbeta(al + x, be + n - x) - lab + lbeta(ga, de + n) - lgd;
	sum = *alive;
	for (double i = 0; i < n - tx; i++)
		sum = logsumexp(sum, lbeta(al + x, be + tx - x + i) - lab +
		    lbeta(ga + 1, de + tx + i) - lgd);
	*all = sum;
}

/* d/da of ln B(a+u, b+v) - ln B(a, b), and d/db (into *db). */
static double
dlbeta(double a, double b, double u, double v, double *db)
{
	double s = psi(a + b + u + v), s0 = psi(a + b);

	*db = psi(b + v) - s - psi(b) + s0;
	return psi(a + u) - s - psi(a) + s0;
}

/*
 * The log-likelihood and, unless g is NULL, its gradient: each row is
 * the log of a sum of terms B(al+x, be+y)/B(al,be) B(ga+c, de+e)/B(ga,de)
 * (alive through n: y = n-x, c = 0, e = n; dead after t_x + i: y =
 * t_x-x+i, c = 1, e = t_x+i), so its gradient is the terms' gradients
 * weighted by their shares of the sum.
 */
static double
bgbb_ll(const struct rfx_rows *d, const double *p, double *g)
{
	double al = p[0], be = p[1], ga = p[2], de = p[3], ll = 0;
	double lab = lbeta(al, be), lgd = lbeta(ga, de);

	if (g != NULL)
		g[0] = g[1] = g[2] = g[3] = 0;
	for (size_t r = 0; r < d->n; r++) {
		const struct rfx *c = &d->row[r];
		double x = c->x, tx = c->tx, n = c->T, all, alive;
		double gr[4] = { 0 };

		bgbb_parts(p, c, &alive, &all);
		ll += c->w * all;
		if (g == NULL)
			continue;
		for (double i = -1; i < n - tx; i++) {
			/* i = -1: alive through n; else dead after t_x + i */
			double y = i < 0 ? n - x : tx - x + i;
			double cc = i < 0 ? 0 : 1, e = i < 0 ? n : tx + i;
			double t = lbeta(al + x, be + y) - lab +
			    lbeta(ga + cc, de + e) - lgd, w = exp(t - all);
			double da, db, dg, dd;

			da = dlbeta(al, be, x, y, &db);
			dg = dlbeta(ga, de, cc, e, &dd);
			gr[0] += w * da;
			gr[1] += w * db;
			gr[2] += w * dg;
			gr[3] += w * dd;
		}
		for (int j = 0; j < 4; j++)
			g[j] += c->w * gr[j];
	}
	return ll;
}

/* ---- shifted-beta-geometric ---------------------------------------- */

/*
 * A subscription that ended in period t has probability B(g+1, d+t-1) /
 * B(g, d); one still active after t periods, B(g, d+t) / B(g, d).
 */
static double
sbg_ll(const struct rfx_rows *d, const double *p, double *g)
{
	double ga = p[0], de = p[1], ll = 0, lb = lbeta(ga, de);
	double pgd = psi(ga + de), pd = psi(de), pg = psi(ga);

	if (g != NULL)
		g[0] = g[1] = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct rfx *c = &d->row[i];
		double t = c->T, w = c->w, pt = psi(ga + de + t);

		if (c->x > 0) {
			ll += w * (lbeta(ga + 1, de + t - 1) - lb);
			if (g == NULL)
				continue;
			g[0] += w * (psi(ga + 1) - pt - pg + pgd);
			g[1] += w * (psi(de + t - 1) - pt - pd + pgd);
		} else {
			ll += w * (lbeta(ga, de + t) - lb);
			if (g == NULL)
				continue;
			g[0] += w * (pgd - pt);
			g[1] += w * (psi(de + t) - pt - pd + pgd);
		}
	}
	return ll;
}

double
discrete_ll(enum model_kind kind, const struct rfx_rows *d, const double *p,
    double *g)
{
	return kind == M_SBG ? sbg_ll(d, p, g) : bgbb_ll(d, p, g);
}

/* P(active at opportunity n + 1) (FHS 2010, eq. 11). */
double
discrete_palive(enum model_kind kind, const double *q, const struct rfx *c)
{
	double alive, all;

	if (kind != M_BGBB)
		return NAN;
	bgbb_parts(q, c, &alive, &all);
	return exp(alive - all + lbeta(q[2], q[3] + c->T + 1) -
	    lbeta(q[2], q[3] + c->T));
}

/*
 * Expected purchases in the next t opportunities: alive through n
 * (posterior share of the likelihood), then p ~ Beta(alpha+x, beta+n-x)
 * at each opportunity reached, theta ~ Beta(gamma, delta+n) deciding
 * how many are (FHS 2010, eq. 13, as its finite sum).
 */
double
discrete_expected(enum model_kind kind, const double *q, const struct rfx *c,
    double t)
{
	double al = q[0], be = q[1], ga = q[2], de = q[3];
	double x = c->x, n = c->T, alive, all, sum = 0;

	if (kind != M_BGBB || t <= 0)
		return kind == M_BGBB ? 0 : NAN;
	bgbb_parts(q, c, &alive, &all);
	for (double k = 1; k <= t; k++)
		sum += exp(lbeta(ga, de + n + k) - lbeta(ga, de + n));
	return exp(alive - all) * (al + x) / (al + be + n) * sum;
}

/*
 * No purchase in the next t opportunities: for one alive through n, it
 * dies at the start of opportunity k having bought nothing before, or
 * survives all t buying nothing; each term is a product of Beta
 * expectations under the independent posteriors of p and theta.
 */
double
discrete_p_none(enum model_kind kind, const double *q, const struct rfx *c,
    double t)
{
	double al = q[0] + c->x, be = q[1] + c->T - c->x;
	double ga = q[2], de = q[3] + c->T, alive, all, pa, none;
	double lp = lbeta(al, be), lt = lbeta(ga, de);

	if (kind != M_BGBB)
		return NAN;
	if (t <= 0)
		return 1;
	bgbb_parts(q, c, &alive, &all);
	pa = exp(alive - all);
	none = exp(lbeta(ga, de + t) - lt + lbeta(al, be + t) - lp);
	for (double k = 1; k <= t; k++)
		none += exp(lbeta(ga + 1, de + k - 1) - lt +
		    lbeta(al, be + k - 1) - lp);
	return 1 - pa + pa * none;
}

/* ---- sBG per subscriber -------------------------------------------- */

double
sbg_churn(const double *q, double k)
{
	return q[0] / (q[0] + q[1] + k);
}

double
sbg_survival(const double *q, double t)
{
	return exp(lbeta(q[0], q[1] + t) - lbeta(q[0], q[1]));
}

/*
 * DERL (Fader & Hardie 2010, eq. 6) for a subscriber with k renewals
 * behind them, just before the next renewal decision:
 *	S(k+1) / S(k) 2F1(1, delta+k+1; gamma+delta+k+1; 1/(1+d)),
 * the payments still expected, each discounted by (1+d) per period.
 * Without discounting it is finite only for gamma > 1 (Gauss's sum).
 */
double
sbg_derl(const double *q, double k, double d)
{
	double ga = q[0], de = q[1], head;

	head = exp(lbeta(ga, de + k + 1) - lbeta(ga, de + k));
	if (d > 0)
		return head * model_hyp2f1(1, de + k + 1, ga + de + k + 1,
		    1 / (1 + d));
	if (!(ga > 1))
		return INFINITY;
	/* 2F1(a, b; c; 1) = G(c) G(c-a-b) / (G(c-a) G(c-b)) */
	return head * exp(lgamma(ga + de + k + 1) + lgamma(ga - 1) -
	    lgamma(ga + de + k) - lgamma(ga));
}
