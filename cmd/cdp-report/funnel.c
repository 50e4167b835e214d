/*
 * funnel.c - cdp-report funnel: how many profiles take the steps of a
 * funnel in order, within a window counted from the first step, and how
 * long each step takes.  Only the events that match a step are kept, as
 * 24 bytes each, and sorted per profile at the end.
 */
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "xalloc.h"
#include "events_prof.h"
#include "report.h"

#define MAX_STEPS	32	/* a step is a bit of struct fev.mask */

static const char usage[] =
"usage: cdp-report funnel [options] [FILE...] --steps [NAME=]EXPR... [-- FILE...]\n"
"Count the profiles that take the steps of a funnel in order.\n"
"\n"
"      --steps EXPR...       the steps, in order: this argument and every\n"
"                            following one that does not start with '-'\n"
"                            (repeatable; NAME=EXPR names a step); put FILE\n"
"                            arguments before --steps or after --\n"
"      --within DURATION     a profile must reach each step within DURATION\n"
"                            of reaching the first (7d, 12h, 30m, 90s, 2w;\n"
"                            default: no limit)\n"
"      --by-profile FIELD    the field naming the profile (default profile_id)\n"
"      --as-of DATE          the day days_since() counts from (YYYY-MM-DD)\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_BY_PROFILE = REPORT_OPT_PRIVATE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	CDP_AS_OF_LONGOPT,
	{ "by-profile", required_argument, NULL, OPT_BY_PROFILE },
	{ "steps", required_argument, NULL, 's' },
	{ "within", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 's', "steps" },
	{ 'w', "within" },
	{ 0, NULL }
};

struct step {
	const char	*name;	/* NAME of NAME=EXPR, else the expression */
	size_t		 nlen;
	const char	*src;	/* the expression */
	struct cdp_expr	*e;
};

struct funnel_opts {
	struct report_opts	 ro;
	struct step		 steps[MAX_STEPS];
	int			 nsteps;
	double			 within;	/* seconds; 0: no limit */
	const char		*by;		/* --by-profile */
};

/* An event that matches at least one step. */
struct fev {
	double		t;
	uint64_t	seq;	/* input order, for ties in time */
	uint32_t	prof;
	uint32_t	mask;	/* bit k: matches step k */
};

struct funnel {
	struct funnel_opts	*opt;
	struct evprof		 prof;
	struct fev		*ev;
	size_t			 nev, cap;
	uint64_t		 seq;
	struct cdp_buf		 tmp[2];
	char			 missing[300];	/* reject reasons */
	char			 why[400];
	unsigned long long	 no_step, no_profile;
};

/*
 * NAME=EXPR: a name of letters, digits, spaces, '_', '.', '-' or
 * non-ASCII characters before a lone '='.  An expression never starts
 * like that ("a = 1" does not parse), so the two cannot be confused.
 */
static void
split_step(struct step *st, const char *arg)
{
	const char *p = arg;

	while (*p != '\0' && (strchr("_.- ", *p) != NULL ||
	    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || (unsigned char)*p >= 0x80))
		p++;
	if (p > arg && arg[0] != ' ' && p[0] == '=' && p[1] != '=') {
		st->name = arg;
		st->nlen = (size_t)(p - arg);
		while (st->nlen > 0 && arg[st->nlen - 1] == ' ')
			st->nlen--;
		st->src = p + 1;
	} else {
		st->name = arg;
		st->nlen = strlen(arg);
		st->src = arg;
	}
}

static void
add_step(struct funnel_opts *opt, const char *arg)
{
	struct stat sb;

	if (opt->nsteps == MAX_STEPS)
		cdp_usage_die(usage, "--steps: at most %d steps", MAX_STEPS);
	/* A file name after the steps would otherwise be taken as a field
	 * path: a step nobody can reach, and a silent wrong report. */
	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode))
		cdp_usage_die(usage, "--steps: '%s' is a file: put FILE "
		    "arguments before --steps or after --", arg);
	split_step(&opt->steps[opt->nsteps++], arg);
}

static void
parse_options(int argc, char **argv, struct funnel_opts *opt)
{
	char where[32];
	int ch;

	*opt = (struct funnel_opts){ .by = "profile_id" };
	report_opts_init(&opt->ro, "funnel");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS "s:w:",
	    longopts, old_short)) != -1) {
		if (report_opt(ch, optarg, &opt->ro, usage))
			continue;
		switch (ch) {
		case 's':
			add_step(opt, optarg);
			/* The following words are steps too, up to the next
			 * option: getopt_long() carries on after them. */
			while (optind < argc && argv[optind][0] != '-')
				add_step(opt, argv[optind++]);
			break;
		case 'w':
			if (report_parse_duration(optarg, &opt->within) == -1)
				cdp_usage_die(usage, "--within: expected a "
				    "duration such as 7d, 12h, 30m or 90s");
			break;
		case OPT_BY_PROFILE:
			opt->by = cdp_opt_field(optarg, "--by-profile", usage);
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	if (opt->nsteps == 0)
		cdp_usage_die(usage, "--steps: at least one step is needed");
	report_opts_done(&opt->ro, usage);
	for (int k = 0; k < opt->nsteps; k++) {
		snprintf(where, sizeof(where), "--steps %d", k + 1);
		opt->steps[k].e = events_compile(&opt->ro, opt->steps[k].src,
		    where);
	}
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct funnel *f = ctx;
	const struct funnel_opts *opt = f->opt;
	uint32_t mask = 0, idx;
	double t;
	int rc, added;

	(void)at;
	for (int k = 0; k < opt->nsteps; k++) {
		if ((rc = cdp_expr_test(opt->steps[k].e, rec, why)) == -1)
			return -1;
		if (rc == 1)
			mask |= UINT32_C(1) << k;
	}
	if (mask == 0) {
		f->no_step++;
		return 1;
	}
	if (evprof_of(&f->prof, rec, opt->by, &idx, &added) == 0) {
		f->no_profile++;
		return 1;
	}
	if ((rc = report_time(rec, opt->ro.time, f->tmp, &t, why)) != 0) {
		if (rc == 1) {
			*why = f->missing;
		} else {
			snprintf(f->why, sizeof(f->why), "%s: %s",
			    opt->ro.time, *why);
			*why = f->why;
		}
		return -1;
	}
	cdp_xgrow((void **)&f->ev, &f->cap, f->nev + 1, sizeof(*f->ev));
	f->ev[f->nev++] = (struct fev){ .t = t, .seq = f->seq++,
	    .prof = idx, .mask = mask };
	return 0;
}

static int
cmp_fev(const void *a, const void *b)
{
	const struct fev *x = a, *y = b;

	if (x->prof != y->prof)
		return x->prof < y->prof ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Per step: profiles that reached it, and the time each took from the
 * step before. */
struct tally {
	unsigned long long	 n;
	double			*dur;
	size_t			 ndur, cap;
};

/*
 * Walk one profile's events ev[0..n), in time order: each event moves
 * the profile on by at most one step, to the next step it matches,
 * while within the window of the first step.
 */
static void
walk(const struct funnel_opts *opt, const struct fev *ev, size_t n,
    struct tally *tl)
{
	double first = 0, prev = 0;
	int k = 0;

	for (size_t i = 0; i < n && k < opt->nsteps; i++) {
		if (!(ev[i].mask & (UINT32_C(1) << k)))
			continue;
		if (k > 0 && opt->within > 0 && ev[i].t - first > opt->within)
			break;	/* every later event is later still */
		if (k == 0) {
			first = ev[i].t;
		} else {
			cdp_xgrow((void **)&tl[k].dur, &tl[k].cap,
			    tl[k].ndur + 1, sizeof(double));
			tl[k].dur[tl[k].ndur++] = ev[i].t - prev;
		}
		prev = ev[i].t;
		tl[k++].n++;
	}
}

static void
fill(const struct funnel_opts *opt, struct tally *tl, struct rtable *t)
{
	struct cdp_buf b = { 0 };
	int c_step, c_name, c_n, c_prev, c_first, c_secs, c_time;

	rtable_init(t, "funnel", "funnel");
	t->chart = CHART_FUNNEL;
	c_step = rtable_col(t, "step", -1);
	c_name = rtable_col(t, "name", -1);
	c_n = rtable_col(t, "profiles", -1);
	c_prev = rtable_col(t, "conversion_pct", 1);
	c_first = rtable_col(t, "overall_pct", 1);
	c_secs = rtable_col(t, "median_secs", 0);
	c_time = rtable_col(t, "median_time", -1);
	t->cols[c_prev].percent = t->cols[c_first].percent = true;
	t->label = c_name;
	t->value = c_n;
	for (int k = 0; k < opt->nsteps; k++) {
		size_t r = rtable_row(t);
		double med;

		rtable_int(t, r, c_step, k + 1);
		rtable_str(t, r, c_name, opt->steps[k].name,
		    opt->steps[k].nlen);
		rtable_int(t, r, c_n, (double)tl[k].n);
		if (k == 0 ? tl[0].n > 0 : tl[k - 1].n > 0)
			rtable_num(t, r, c_prev, 100.0 * (double)tl[k].n /
			    (double)(k == 0 ? tl[0].n : tl[k - 1].n));
		if (tl[0].n > 0)
			rtable_num(t, r, c_first, 100.0 * (double)tl[k].n /
			    (double)tl[0].n);
		if (k == 0 || tl[k].ndur == 0)
			continue;
		med = events_median(tl[k].dur, tl[k].ndur);
		rtable_num(t, r, c_secs, med);
		cdp_buf_reset(&b);
		events_duration(med, &b);
		rtable_str(t, r, c_time, b.p, b.len);
	}
	cdp_buf_free(&b);
}

/* Write the table; returns the number of profiles with events. */
static unsigned long long
report(struct funnel *f)
{
	const struct funnel_opts *opt = f->opt;
	struct tally tl[MAX_STEPS] = { { 0 } };
	struct rtable t, *tp = &t;
	unsigned long long nprof = 0;
	size_t i, j;

	if (f->nev > 0)
		qsort(f->ev, f->nev, sizeof(*f->ev), cmp_fev);
	for (i = 0; i < f->nev; i = j) {
		for (j = i + 1; j < f->nev && f->ev[j].prof == f->ev[i].prof;
		    j++)
			;
		walk(opt, f->ev + i, j - i, tl);
		nprof++;
	}
	fill(opt, tl, &t);
	report_write(&opt->ro, &tp, 1);
	rtable_free(&t);
	for (int k = 0; k < opt->nsteps; k++)
		free(tl[k].dur);
	return nprof;
}

int
funnel_main(int argc, char **argv)
{
	struct funnel_opts opt;
	struct funnel f;
	struct cdp_acct a;
	unsigned long long nprof;

	parse_options(argc, argv, &opt);
	f = (struct funnel){ .opt = &opt };
	snprintf(f.missing, sizeof(f.missing), "no time field \"%s\"",
	    opt.ro.time);
	evprof_init(&f.prof);
	report_acct_open(&opt.ro, &a);
	cdp_each(argv + optind, argc - optind, &opt.ro.common, &a, on_record,
	    &f);
	nprof = report(&f);
	a.extra[0].name = "no_step";
	a.extra[0].n = f.no_step;
	a.extra[1].name = "no_profile";
	a.extra[1].n = f.no_profile;
	a.extra[2].name = "profiles";
	a.extra[2].n = nprof;
	report_acct_close(&opt.ro, &a);
	for (int k = 0; k < opt.nsteps; k++)
		cdp_expr_free(opt.steps[k].e);
	free(f.ev);
	evprof_free(&f.prof);
	cdp_buf_free(&f.tmp[0]);
	cdp_buf_free(&f.tmp[1]);
	return 0;
}
