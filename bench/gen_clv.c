/*
 * gen_clv.c - simulated customers of the buy-till-you-die models with
 * known parameters, for cdp-score's tests and benchmarks: transactions
 * (or their calibration summaries) from BG/NBD, modified BG/NBD,
 * Pareto/NBD and Gamma-Gamma spend, discrete-time BG/BB, and
 * subscriptions under the shifted-beta-geometric model.  The same seed
 * gives the same output on every machine (GSL's MT19937).
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "diag.h"
#include "opts.h"
#include "timeval.h"

static const char usage_text[] =
"usage: gen_clv [-m MODEL] [-p P1,P2,...] [-g p,q,v] [-n CUSTOMERS]\n"
"               [-s SEED] [-f tx|summary] [--start DATE] [--acquire DAYS]\n"
"               [--days DAYS] [--unit DAYS] [--periods N]\n"
"               [--covariate G1,G2] [--cancel-events]\n"
"MODEL: bg-nbd (default), mbg-nbd, pareto-nbd, bg-bb, sbg\n";

enum model { BG, MBG, PARETO, BGBB, SBG };

struct gen {
	enum model	 model;
	double		 p[4];		/* the model's parameters */
	double		 g[3];		/* Gamma-Gamma p, q, v */
	double		 cov[2];	/* covariate effects (transaction,
					   lifetime); z is 0 or 1 */
	bool		 has_cov;
	long		 n;
	unsigned long	 seed;
	bool		 summary;
	long		 start;		/* first acquisition day */
	long		 acquire;	/* days over which customers arrive */
	long		 days;		/* observed days from start */
	double		 unit;		/* days per time unit */
	int		 periods;	/* bg-bb opportunities, sbg periods */
	bool		 cancel_events;	/* bg-nbd data with cancel events */
	gsl_rng		*rng;
};

static void
day_str(long day, char *buf)
{
	int y, m, d;

	cdp_time_civil(day, &y, &m, &d);
	snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

/* A Gamma(shape, rate) draw. */
static double
gamma_rate(gsl_rng *r, double shape, double rate)
{
	return gsl_ran_gamma(r, shape, 1 / rate);
}

static void
tx_line(const struct gen *G, long id, long day, double amount, int z)
{
	char d[11];

	day_str(day, d);
	printf("{\"customer_id\":\"c%07ld\",\"ts\":\"%s\",\"revenue\":%.2f",
	    id, d, amount);
	if (G->has_cov)
		printf(",\"channel\":\"%s\"", z ? "web" : "store");
	fputs("}\n", stdout);
}

/*
 * One customer of a continuous-time model: the first purchase on day
 * first, then repeat purchases while alive up to the end day.  Writes
 * the transactions, or with -f summary the exact (x, t_x, T, zbar) in
 * time units, without rounding to days.
 */
static void
continuous(struct gen *G, long id)
{
	gsl_rng *r = G->rng;
	long first = G->start + (long)(gsl_rng_uniform(r) * G->acquire);
	long end = G->start + G->days - 1;
	double T = (end - first) / G->unit, t = 0, tx = 0, sum = 0;
	int z = G->has_cov ? (int)gsl_rng_uniform_int(r, 2) : 0;
	double al = G->p[1], a2 = G->p[2], b2 = G->p[3];
	double lam, p = 0, mu = 0, life = INFINITY, nu, amt;
	long x = 0;
	bool dropped = false;

	if (z) {
		al *= exp(-G->cov[0]);
		if (G->model == PARETO)
			b2 *= exp(-G->cov[1]);
		else {
			a2 *= exp(G->cov[1]);
			b2 *= exp(G->cov[1]);
		}
	}
	lam = gamma_rate(r, G->p[0], al);
	if (G->model == PARETO) {
		mu = gamma_rate(r, a2, b2);
		life = gsl_ran_exponential(r, 1 / mu);
	} else {
		p = gsl_ran_beta(r, a2, b2);
	}
	nu = gamma_rate(r, G->g[1], G->g[2]);
	amt = gamma_rate(r, G->g[0], nu);
	if (!G->summary)
		tx_line(G, id, first, amt, z);
	/* the modified BG/NBD can drop out at the first purchase too */
	if (G->model == MBG && gsl_rng_uniform(r) < p)
		life = 0;
	for (;;) {
		t += gsl_ran_exponential(r, 1 / lam);
		if (t > T || t > life)
			break;
		amt = gamma_rate(r, G->g[0], nu);
		x++;
		tx = t;
		sum += amt;
		if (!G->summary)
			tx_line(G, id, first + (long)floor(t * G->unit), amt,
			    z);
		if (G->model != PARETO && gsl_rng_uniform(r) < p) {
			dropped = true;
			break;
		}
	}
	/* the day after the last purchase, a dropout says so */
	if (G->cancel_events && dropped && !G->summary &&
	    first + (long)floor(tx * G->unit) < end) {
		char d[11];

		day_str(first + (long)floor(tx * G->unit) + 1, d);
		printf("{\"customer_id\":\"c%07ld\",\"ts\":\"%s\","
		    "\"event\":\"cancel\"}\n", id, d);
	}
	if (G->summary) {
		printf("{\"customer_id\":\"c%07ld\",\"x\":%ld,\"t_x\":%.17g,"
		    "\"T\":%.17g,\"zbar\":%.17g", id, x, tx, T,
		    x > 0 ? sum / x : 0);
		if (G->has_cov)
			printf(",\"channel\":\"%s\"", z ? "web" : "store");
		fputs("}\n", stdout);
	}
}

/*
 * A donor of the discrete-time BG/BB: a purchase in period 0, then at
 * each of the opportunities 1..periods alive with probability 1 - theta
 * (checked first) and buying with probability p while alive.  Periods
 * are years from the start day.
 */
static void
discrete(struct gen *G, long id)
{
	gsl_rng *r = G->rng;
	double p = gsl_ran_beta(r, G->p[0], G->p[1]);
	double th = gsl_ran_beta(r, G->p[2], G->p[3]);
	int y, m, d, x = 0, tx = 0;

	cdp_time_civil(G->start, &y, &m, &d);
	if (!G->summary)
		tx_line(G, id, G->start, 1, 0);
	for (int t = 1; t <= G->periods; t++) {
		if (gsl_rng_uniform(r) < th)
			break;
		if (gsl_rng_uniform(r) >= p)
			continue;
		x++;
		tx = t;
		if (!G->summary)
			tx_line(G, id, cdp_time_days(y + t, m, d), 1, 0);
	}
	if (G->summary)
		printf("{\"customer_id\":\"c%07ld\",\"x\":%d,\"t_x\":%d,"
		    "\"n\":%d}\n", id, x, tx, G->periods);
}

/*
 * A subscriber of the shifted-beta-geometric model: starts on a day of
 * the acquisition window, renews every --unit days while each renewal
 * survives churn probability theta; "cancel" is the day the subscription
 * ends when that is before the end of the data.
 */
static void
subscriber(struct gen *G, long id)
{
	gsl_rng *r = G->rng;
	double th = gsl_ran_beta(r, G->p[0], G->p[1]);
	long start = G->start + (long)(gsl_rng_uniform(r) * G->acquire);
	long end = G->start + G->days - 1, k;
	char d[11], c[11];

	for (k = 1; start + (long)(k * G->unit) <= end; k++)
		if (gsl_rng_uniform(r) < th)
			break;
	day_str(start, d);
	printf("{\"customer_id\":\"c%07ld\",\"start\":\"%s\",\"mrr\":%.2f",
	    id, d, 10 + 10 * floor(gsl_rng_uniform(r) * 3));
	if (start + (long)(k * G->unit) <= end) {
		day_str(start + (long)(k * G->unit), c);
		printf(",\"cancel\":\"%s\"", c);
	}
	fputs("}\n", stdout);
}

static void
numbers(const char *arg, double *v, int n, const char *what)
{
	char *s = strdup(arg), *it[4];

	if (s == NULL || cdp_split_list(s, it, 4) != n)
		cdp_die(EX_USAGE, NULL, 0, "%s: expected %d numbers", what, n);
	for (int i = 0; i < n; i++)
		if (cdp_parse_double(it[i], &v[i]) == -1)
			cdp_die(EX_USAGE, NULL, 0, "%s: not a number", what);
	free(s);
}

static long
whole(const char *arg, long min)
{
	long v;

	if (cdp_parse_long(arg, min, 1L << 40, &v) == -1)
		cdp_die(EX_USAGE, NULL, 0, "%s: expected a whole number of at "
		    "least %ld", arg, min);
	return v;
}

static const struct {
	const char	*name;
	enum model	 m;
	int		 np;
	double		 p[4];
} models[] = {
	/* Fader, Hardie & Lee's CDNOW fits; Fader, Hardie & Shang's donors */
	{ "bg-nbd", BG, 4, { 0.243, 4.414, 0.793, 2.426 } },
	{ "mbg-nbd", MBG, 4, { 0.525, 6.183, 0.891, 1.614 } },
	{ "pareto-nbd", PARETO, 4, { 0.553, 10.578, 0.606, 11.669 } },
	{ "bg-bb", BGBB, 4, { 1.204, 0.750, 0.657, 2.783 } },
	{ "sbg", SBG, 2, { 0.704, 1.182 } },
};

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "acquire", required_argument, NULL, 'A' },
		{ "cancel-events", no_argument, NULL, 'C' },
		{ "covariate", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'D' },
		{ "periods", required_argument, NULL, 'P' },
		{ "start", required_argument, NULL, 'S' },
		{ "unit", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen G = { .g = { 6.25, 3.74, 15.44 }, .n = 1000, .seed = 1,
	    .acquire = 84, .days = 273, .unit = 7, .periods = 6 };
	const char *params = NULL;
	size_t k = 0;
	int ch;

	cdp_diag_init("gen_clv");
	(void)cdp_parse_iso_date("1997-01-01", &G.start);
	while ((ch = getopt_long(argc, argv, "m:p:g:n:s:f:", lo, NULL)) != -1)
		switch (ch) {
		case 'm':
			for (k = 0; k < sizeof(models) / sizeof(models[0]); k++)
				if (strcmp(optarg, models[k].name) == 0)
					break;
			if (k == sizeof(models) / sizeof(models[0]))
				cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
			break;
		case 'p': params = optarg; break;
		case 'g': numbers(optarg, G.g, 3, "-g"); break;
		case 'n': G.n = whole(optarg, 0); break;
		case 's': G.seed = (unsigned long)whole(optarg, 0); break;
		case 'f':
			if (strcmp(optarg, "summary") != 0 &&
			    strcmp(optarg, "tx") != 0)
				cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
			G.summary = strcmp(optarg, "summary") == 0;
			break;
		case 'A': G.acquire = whole(optarg, 1); break;
		case 'C': G.cancel_events = true; break;
		case 'c':
			numbers(optarg, G.cov, 2, "--covariate");
			G.has_cov = true;
			break;
		case 'D': G.days = whole(optarg, 1); break;
		case 'P': G.periods = (int)whole(optarg, 1); break;
		case 'S':
			if (cdp_parse_iso_date(optarg, &G.start) == -1)
				cdp_die(EX_USAGE, NULL, 0, "--start: not a date");
			break;
		case 'U':
			if (cdp_parse_double(optarg, &G.unit) == -1 ||
			    !(G.unit > 0))
				cdp_die(EX_USAGE, NULL, 0, "--unit: not a "
				    "positive number");
			break;
		default:
			cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
		}
	if (optind != argc)
		cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
	G.model = models[k].m;
	memcpy(G.p, models[k].p, sizeof(G.p));
	if (params != NULL)
		numbers(params, G.p, models[k].np, "-p");
	G.rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (G.rng == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	gsl_rng_set(G.rng, G.seed);
	for (long i = 1; i <= G.n; i++)
		if (G.model == BGBB)
			discrete(&G, i);
		else if (G.model == SBG)
			subscriber(&G, i);
		else
			continuous(&G, i);
	gsl_rng_free(G.rng);
	if (fflush(stdout) == EOF || ferror(stdout))
		cdp_die(EX_IOERR, NULL, 0, "stdout: write error");
	return 0;
}
