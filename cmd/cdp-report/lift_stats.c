/*
 * lift_stats.c - the statistics of cdp-report lift and its tables: Wilson
 * intervals for each arm's conversion rate, Newcombe's interval for the
 * difference of two rates, the two-proportion z test, the minimum
 * detectable effect at 80% power, a sample ratio check (chi-square) and a
 * bootstrap interval for the difference in revenue per profile.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "diag.h"
#include "keymap.h"
#include "xalloc.h"
#include "lift.h"

/* Below this chi-square p-value the arms' sizes are not chance. */
#define SRM_ALPHA	0.001
/* Fewer converted or unconverted profiles in an arm than this, and the
 * normal approximations behind the p-value and the MDE are rough. */
#define SMALL_CELL	5

/* Keep a revenue that is not 0, for the bootstrap. */
static void
push_rev(struct lift_group *g, double revenue)
{
	if (g->nrev == g->caprev) {
		g->caprev = g->caprev ? 2 * g->caprev : 64;
		g->rev = cdp_xreallocarray(g->rev, g->caprev, sizeof(*g->rev));
	}
	g->rev[g->nrev++] = revenue;
}

void
lift_group_take(struct lift_group *g, bool converted, double revenue)
{
	g->n++;
	g->x += converted;
	g->revenue += revenue;
	if (revenue != 0)
		push_rev(g, revenue);
}

void
lift_share_take(double *have, double s)
{
	/* Shares are written rounded to 12 decimals. */
	if (isnan(*have))
		*have = s;
	else if (*have >= 0 && fabs(*have - s) > 1e-9)
		*have = -1;
}

void
lift_group_free(struct lift_group *g)
{
	free(g->journey);
	free(g->action);
	free(g->variant);
	free(g->rev);
}

/* ---- statistics ---- */

void
lift_wilson(double x, double n, double z, double *lo, double *hi)
{
	double p = x / n, z2 = z * z, d = 1 + z2 / n;
	double c = p + z2 / (2 * n);
	double h = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n));

	*lo = (c - h) / d;
	*hi = (c + h) / d;
	/* x = 0 and x = n give exact ends; rounding must not move them. */
	if (x == 0)
		*lo = 0;
	if (x == n)
		*hi = 1;
}

void
lift_newcombe(double x1, double n1, double x0, double n0, double z,
    double *lo, double *hi)
{
	double p1 = x1 / n1, p0 = x0 / n0, l1, u1, l0, u0;

	lift_wilson(x1, n1, z, &l1, &u1);
	lift_wilson(x0, n0, z, &l0, &u0);
	*lo = p1 - p0 - sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0));
	*hi = p1 - p0 + sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0));
}

double
lift_p_value(double x1, double n1, double x0, double n0)
{
	double p = (x1 + x0) / (n1 + n0);
	double se = sqrt(p * (1 - p) * (1 / n1 + 1 / n0));

	if (!(se > 0))
		return x1 / n1 == x0 / n0 ? 1 : 0;
	return 2 * gsl_cdf_ugaussian_Q(fabs(x1 / n1 - x0 / n0) / se);
}

double
lift_mde(double p, double n1, double n0, double alpha, double power)
{
	return (gsl_cdf_ugaussian_Pinv(1 - alpha / 2) +
	    gsl_cdf_ugaussian_Pinv(power)) * sqrt(p * (1 - p) *
	    (1 / n1 + 1 / n0));
}

double
lift_srm_p(double nt, double nh, double share)
{
	double n = nt + nh, et = n * (1 - share), eh = n * share;

	if (!(n > 0))
		return 1;
	return gsl_cdf_chisq_Q((nt - et) * (nt - et) / et +
	    (nh - eh) * (nh - eh) / eh, 1);
}

double
lift_gof_p(const double *n, const double *p, int k)
{
	double total = 0, chi = 0;

	for (int i = 0; i < k; i++)
		total += n[i];
	if (!(total > 0))
		return 1;
	for (int i = 0; i < k; i++) {
		double e = total * p[i];

		chi += (n[i] - e) * (n[i] - e) / e;
	}
	return gsl_cdf_chisq_Q(chi, k - 1);
}

/* ---- the tables ---- */

static int
cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct lift_group *x = a, *y = b;
	int c;

	if ((c = strcmp(x->journey, y->journey)) != 0 ||
	    (c = strcmp(x->action, y->action)) != 0 ||
	    (c = cmp_str(x->variant, y->variant)) != 0)
		return c;
	return (x->holdout < y->holdout) - (x->holdout > y->holdout);
}

static bool
same_action(const struct lift_group *a, const struct lift_group *b)
{
	return strcmp(a->journey, b->journey) == 0 &&
	    strcmp(a->action, b->action) == 0;
}

/*
 * o->boot resampled means of revenue per profile of arm g, into mean[]:
 * each resample draws g->n profiles with replacement.  Of n profiles k
 * have revenue, so a resample holds Binomial(n, k/n) of them, then that
 * many revenues drawn from the k: the same distribution as drawing all
 * n, in time k instead of n.  The generator is GSL's taus2, seeded with
 * --seed and the arm's name, so that a row's interval does not depend
 * on the rows before it.  An index is a 32-bit draw times k over 2^32
 * (a bias under k / 2^32).
 */
static void
resample(const struct lift_opts *o, const struct lift_group *g,
    const char *name, double *mean)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
	struct cdp_key128 k = cdp_key128_of(name, strlen(name));

	if (rng == NULL)
		cdp_oom(0);
	gsl_rng_set(rng, (unsigned long)(o->seed ^ (k.lo & 0xffffffffu)));
	for (long b = 0; b < o->boot; b++) {
		unsigned int m = g->nrev == 0 ? 0 : gsl_ran_binomial(rng,
		    (double)g->nrev / (double)g->n, (unsigned int)g->n);
		double sum = 0;

		for (unsigned int i = 0; i < m; i++)
			sum += g->rev[(uint64_t)gsl_rng_get(rng) *
			    g->nrev >> 32];
		mean[b] = sum / (double)g->n;
	}
	gsl_rng_free(rng);
}

/* The bootstrap interval of revenue per profile of t minus the held-out
 * arm's resampled means hm[]: each arm resampled on its own. */
static void
revenue_interval(const struct lift_opts *o, const struct lift_group *t,
    const double *hm, double *lo, double *hi)
{
	double *d = cdp_xcalloc((size_t)o->boot, sizeof(*d));
	char name[512];

	snprintf(name, sizeof(name), "%s\037%s\037%s", t->journey, t->action,
	    t->variant != NULL ? t->variant : "");
	resample(o, t, name, d);
	for (long b = 0; b < o->boot; b++)
		d[b] -= hm[b];
	report_interval(d, (size_t)o->boot, lo, hi);
	free(d);
}

/* A journey action: its holdout pooled over the variants, and how many
 * profiles it treated. */
struct pool {
	struct lift_group	 h;	/* journey, action borrowed */
	uint64_t		 treated;
	const char		*warn;	/* sample ratio mismatch, or NULL */
	char			 msg[512];
	double			*hmean;	/* --value: the holdout's resampled
					   means, shared by the variants */
};

static double
share_of(const struct lift_opts *o, const char *journey)
{
	double s = -1;

	for (int i = 0; i < o->nshares; i++)
		if (o->shares[i].journey == NULL && s < 0)
			s = o->shares[i].share;
	for (int i = 0; i < o->nshares; i++)
		if (o->shares[i].journey != NULL &&
		    strcmp(o->shares[i].journey, journey) == 0)
			s = o->shares[i].share;
	return s;
}

/* The holdout share of the action's decisions g[0..n): -1 when none
 * says, -2 when they differ. */
static double
said_share(const struct lift_group *g, size_t n)
{
	double s = NAN;

	for (size_t i = 0; i < n; i++)
		if (!isnan(g[i].hshare))
			lift_share_take(&s, g[i].hshare);
	return isnan(s) ? -1 : s < 0 ? -2 : s;
}

/* Append "; " (when p->msg has text) and a message to p->msg. */
static void
note(struct pool *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct pool *p, const char *fmt, ...)
{
	size_t len = strlen(p->msg);
	va_list ap;

	if (len > 0 && len + 2 < sizeof(p->msg)) {
		memcpy(p->msg + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(p->msg + len, sizeof(p->msg) - len, fmt, ap);
	va_end(ap);
	p->warn = p->msg;
}

/*
 * The treated variants of an action (g[0..n), sorted) against the shares
 * their decisions say were assigned: a chi-square test of k - 1 degrees
 * of freedom, the variants no treated profile got pooled as one more
 * count of 0.  Not when a variant's share is unknown.
 */
static void
variant_check(const struct lift_group *g, size_t n, struct pool *p)
{
	double cnt[65], sh[65], sum = 0, total = 0, pv;
	int k = 0;
	char list[256];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (g[i].holdout || g[i].variant == NULL)
			continue;
		if (isnan(g[i].vshare) || k == 64)
			return;
		if (g[i].vshare < 0) {
			note(p, "variant shares differ between decisions: "
			    "no sample ratio check of the variants");
			return;
		}
		cnt[k] = (double)g[i].n;
		sh[k++] = g[i].vshare;
		sum += g[i].vshare;
		total += (double)g[i].n;
	}
	if (sum < 1 - 1e-9) {
		cnt[k] = 0;
		sh[k++] = 1 - sum;
	}
	if (k < 2 || (pv = lift_gof_p(cnt, sh, k)) >= SRM_ALPHA)
		return;
	list[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < sizeof(list); i++)
		if (!g[i].holdout && g[i].variant != NULL)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s%s %.4g%% (%.4g%%)", len > 0 ? ", " : "",
			    g[i].variant, 100 * (double)g[i].n / total,
			    100 * g[i].vshare);
	note(p, "sample ratio mismatch between variants: %s of %.0f treated, "
	    "the shares asked for in brackets (chi-square p = %.2g)", list,
	    total, pv);
}

static void
pool(const struct lift_opts *o, const struct lift_group *g, size_t n,
    struct pool *p)
{
	double share, pv;

	*p = (struct pool){ .h = { .journey = g[0].journey,
	    .action = g[0].action, .holdout = true } };
	for (size_t i = 0; i < n; i++) {
		if (!g[i].holdout) {
			p->treated += g[i].n;
			continue;
		}
		p->h.n += g[i].n;
		p->h.x += g[i].x;
		p->h.revenue += g[i].revenue;
		for (size_t k = 0; k < g[i].nrev; k++)
			push_rev(&p->h, g[i].rev[k]);
	}
	if (o->value != NULL && p->h.n > 0) {
		char name[512];

		p->hmean = cdp_xcalloc((size_t)o->boot, sizeof(*p->hmean));
		snprintf(name, sizeof(name), "%s\037%s\037holdout",
		    g[0].journey, g[0].action);
		resample(o, &p->h, name, p->hmean);
	}
	/* The share asked for on the command line, else the one the
	 * decisions carry. */
	if ((share = share_of(o, g[0].journey)) < 0)
		share = said_share(g, n);
	if (share == -2)
		note(p, "holdout shares differ between decisions: no sample "
		    "ratio check of the holdout");
	else if (share > 0 && (pv = lift_srm_p((double)p->treated,
	    (double)p->h.n, share)) < SRM_ALPHA)
		note(p, "sample ratio mismatch: %llu treated and %llu held "
		    "out, %.4g%% asked for (chi-square p = %.2g)",
		    (unsigned long long)p->treated,
		    (unsigned long long)p->h.n, 100 * share, pv);
	variant_check(g, n, p);
	if (p->warn != NULL)
		cdp_warn(NULL, 0, "lift: %s / %s: %s", g[0].journey,
		    g[0].action, p->msg);
}

enum { L_CMP, L_J, L_A, L_V, L_N, L_HN, L_X, L_HX, L_RATE, L_HRATE, L_LIFT,
	L_LO, L_HI, L_REL, L_P, L_MDE, L_RPP, L_HRPP, L_RL, L_RLO, L_RHI,
	L_WARN, L_NCOLS };

static void
lift_columns(struct rtable *t, bool value)
{
	static const char *const names[L_NCOLS] = { "comparison", "journey",
	    "action", "variant", "profiles", "holdout_profiles", "conversions",
	    "holdout_conversions", "rate", "holdout_rate", "lift", "lift_lo",
	    "lift_hi", "relative_lift", "p_value", "mde",
	    "revenue_per_profile", "holdout_revenue_per_profile",
	    "revenue_lift", "revenue_lift_lo", "revenue_lift_hi", "warning" };

	rtable_init(t, "lift", "lift over the holdout, 95% intervals");
	t->chart = CHART_FOREST;
	t->unit = "difference in conversion rate, percentage points";
	for (int c = 0; c < L_NCOLS; c++)
		if (value || c < L_RPP || c > L_RHI)
			rtable_col(t, names[c], -1);
	t->cols[L_RATE].ratio = t->cols[L_HRATE].ratio = true;
	t->cols[L_REL].ratio = true;
	t->label = L_CMP;
	t->value = L_LIFT;
	t->lo = L_LO;
	t->hi = L_HI;
}

static void
str(struct rtable *t, size_t r, int c, const char *s)
{
	if (s != NULL)
		rtable_str(t, r, c, s, strlen(s));
}

/* A treated variant against its action's holdout. */
static void
lift_row(const struct lift_opts *o, struct rtable *t, const struct lift_group *g,
    const struct pool *p)
{
	size_t r = rtable_row(t);
	double n1 = (double)g->n, n0 = (double)p->h.n, x1 = (double)g->x,
	    x0 = (double)p->h.x, z = gsl_cdf_ugaussian_Pinv(0.975), lo, hi;
	char cmp[512];
	int wc = o->value != NULL ? L_WARN : L_WARN - 5;
	const char *warn = p->warn;

	snprintf(cmp, sizeof(cmp), "%s / %s%s%s", g->journey, g->action,
	    g->variant != NULL ? " / " : "", g->variant != NULL ?
	    g->variant : "");
	str(t, r, L_CMP, cmp);
	str(t, r, L_J, g->journey);
	str(t, r, L_A, g->action);
	str(t, r, L_V, g->variant);
	rtable_int(t, r, L_N, n1);
	rtable_int(t, r, L_HN, n0);
	rtable_int(t, r, L_X, x1);
	rtable_int(t, r, L_HX, x0);
	rtable_num(t, r, L_RATE, x1 / n1);
	if (o->value != NULL)
		rtable_num(t, r, L_RPP, g->revenue / n1);
	if (n0 == 0) {
		str(t, r, wc, warn != NULL ? warn : "no holdout");
		return;
	}
	rtable_num(t, r, L_HRATE, x0 / n0);
	lift_newcombe(x1, n1, x0, n0, z, &lo, &hi);
	rtable_num(t, r, L_LIFT, 100 * (x1 / n1 - x0 / n0));
	rtable_num(t, r, L_LO, 100 * lo);
	rtable_num(t, r, L_HI, 100 * hi);
	if (x0 > 0)
		rtable_num(t, r, L_REL, (x1 / n1) / (x0 / n0) - 1);
	rtable_num(t, r, L_P, lift_p_value(x1, n1, x0, n0));
	rtable_num(t, r, L_MDE, 100 * lift_mde((x1 + x0) / (n1 + n0), n1, n0,
	    0.05, 0.8));
	if (o->value != NULL) {
		rtable_num(t, r, L_HRPP, p->h.revenue / n0);
		rtable_num(t, r, L_RL, g->revenue / n1 - p->h.revenue / n0);
		revenue_interval(o, g, p->hmean, &lo, &hi);
		rtable_num(t, r, L_RLO, lo);
		rtable_num(t, r, L_RHI, hi);
	}
	if (warn == NULL && (x1 < SMALL_CELL || n1 - x1 < SMALL_CELL ||
	    x0 < SMALL_CELL || n0 - x0 < SMALL_CELL))
		warn = "small arms: fewer than 5 converted or unconverted "
		    "profiles in an arm";
	str(t, r, wc, warn);
}

enum { A_J, A_A, A_V, A_ARM, A_N, A_X, A_RATE, A_LO, A_HI, A_REV, A_RPP,
	A_NCOLS };

static void
arm_columns(struct rtable *t, bool value)
{
	static const char *const names[A_NCOLS] = { "journey", "action",
	    "variant", "arm", "profiles", "conversions", "rate", "rate_lo",
	    "rate_hi", "revenue", "revenue_per_profile" };

	rtable_init(t, "arms", "profiles, conversions and revenue per arm");
	for (int c = 0; c < A_NCOLS; c++)
		if (value || c < A_REV)
			rtable_col(t, names[c], -1);
	t->cols[A_RATE].ratio = t->cols[A_LO].ratio = true;
	t->cols[A_HI].ratio = true;
}

static void
arm_row(const struct lift_opts *o, struct rtable *t,
    const struct lift_group *g)
{
	size_t r = rtable_row(t);
	double lo, hi, n = (double)g->n;

	str(t, r, A_J, g->journey);
	str(t, r, A_A, g->action);
	str(t, r, A_V, g->variant);
	str(t, r, A_ARM, g->holdout ? "holdout" : "treatment");
	rtable_int(t, r, A_N, n);
	rtable_int(t, r, A_X, (double)g->x);
	rtable_num(t, r, A_RATE, (double)g->x / n);
	lift_wilson((double)g->x, n, gsl_cdf_ugaussian_Pinv(0.975), &lo, &hi);
	rtable_num(t, r, A_LO, lo);
	rtable_num(t, r, A_HI, hi);
	if (o->value != NULL) {
		rtable_num(t, r, A_REV, g->revenue);
		rtable_num(t, r, A_RPP, g->revenue / n);
	}
}

void
lift_report(const struct lift_opts *o, struct lift_group *g, size_t n)
{
	struct rtable t[2], *tp[2] = { &t[0], &t[1] };

	if (n > 0)
		qsort(g, n, sizeof(*g), cmp_group);
	lift_columns(&t[0], o->value != NULL);
	arm_columns(&t[1], o->value != NULL);
	for (size_t i = 0, end; i < n; i = end) {
		struct pool p;

		for (end = i + 1; end < n && same_action(&g[i], &g[end]);
		    end++)
			;
		pool(o, g + i, end - i, &p);
		for (size_t k = i; k < end; k++) {
			if (!g[k].holdout)
				lift_row(o, &t[0], &g[k], &p);
			arm_row(o, &t[1], &g[k]);
		}
		free(p.h.rev);
		free(p.hmean);
	}
	report_write(&o->ro, tp, 2);
	rtable_free(&t[0]);
	rtable_free(&t[1]);
}
