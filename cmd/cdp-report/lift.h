/*
 * lift.h - the parts of cdp-report lift: lift.c reads decisions and
 * outcomes and joins them into groups (journey, action, variant, arm);
 * lift_stats.c holds the statistics and writes the tables.
 */
#ifndef LIFT_H
#define LIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define LIFT_MAXSHARES	32

struct lift_opts {
	struct report_opts	 ro;
	const char		*profile;	/* --by-profile */
	const char		*outcome;	/* --outcome EXPR */
	const char		*value;		/* --value FIELD, or NULL */
	double			 window;	/* seconds */
	long			 boot;		/* --bootstrap */
	unsigned long		 seed;
	struct {
		const char	*journey;	/* NULL: every journey */
		double		 share;
	}			 shares[LIFT_MAXSHARES];
	int			 nshares;
};

/* The profiles of one journey, action, variant and arm. */
struct lift_group {
	char		*journey, *action, *variant;	/* variant: NULL */
	bool		 holdout;
	uint64_t	 n, x;		/* profiles, converted */
	double		 revenue;
	double		*rev;		/* the revenues that are not 0 */
	size_t		 nrev, caprev;
	/* The shares its decisions say were assigned (cdp-journey's
	 * holdout_share and variant_share): NAN when none said, -1 when
	 * two said different ones. */
	double		 hshare, vshare;
};

/* Share s, said by one decision of g, joins *have (see hshare). */
void	lift_share_take(double *have, double s);

/* One profile: converted or not, with its revenue. */
void	lift_group_take(struct lift_group *g, bool converted, double revenue);
void	lift_group_free(struct lift_group *g);

/* Write the tables "lift" and "arms" of groups g[0..n) (sorted here). */
void	lift_report(const struct lift_opts *o, struct lift_group *g,
	    size_t n);

/* ---- statistics (z is the normal quantile, 1.96 for 95%) ---- */

/* Wilson's score interval for x of n (n > 0). */
void	lift_wilson(double x, double n, double z, double *lo, double *hi);

/*
 * Newcombe's hybrid score interval (his method 10, 1998) for the
 * difference p1 - p0 of x1/n1 and x0/n0, from the Wilson intervals of
 * each proportion.
 */
void	lift_newcombe(double x1, double n1, double x0, double n0, double z,
	    double *lo, double *hi);

/* Two-sided p-value of the pooled z test of x1/n1 = x0/n0. */
double	lift_p_value(double x1, double n1, double x0, double n0);

/*
 * The smallest difference of proportions a two-sided test at level
 * alpha finds with the given power, for arms of n1 and n0 and a rate p.
 */
double	lift_mde(double p, double n1, double n0, double alpha, double power);

/* Chi-square p-value (1 degree of freedom) of nt treated and nh held out
 * profiles when a share of them was to be held out. */
double	lift_srm_p(double nt, double nh, double share);

/* Chi-square p-value (k - 1 degrees of freedom) of counts n[0..k)
 * against the shares p[0..k) (adding up to 1), k >= 2. */
double	lift_gof_p(const double *n, const double *p, int k);

#endif
