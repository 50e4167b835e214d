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
#include "par.h"
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
CDP_THREADS_USAGE
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_BY_PROFILE = REPORT_OPT_PRIVATE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_THREADS_LONGOPT,
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
	struct cdp_expr		*steps[MAX_STEPS];	/* opt's, or copies */
	int			 nlanes;	/* a parallel run's */
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

/*
 * The steps record rec matches (*mask), its profile's key (f->prof.key)
 * and its time (*t): 0; 1 when it matches no step or has no profile
 * (counted, dropped); -1 with *why when it is bad.
 */
static int
check(struct funnel *f, struct cdp_rec *rec, uint32_t *mask, double *t,
    const char **why)
{
	const struct funnel_opts *opt = f->opt;
	int rc;

	*mask = 0;
	for (int k = 0; k < opt->nsteps; k++) {
		if ((rc = cdp_expr_test(f->steps[k], rec, why)) == -1)
			return -1;
		if (rc == 1)
			*mask |= UINT32_C(1) << k;
	}
	if (*mask == 0) {
		f->no_step++;
		return 1;
	}
	if (evprof_key(&f->prof, rec, opt->by) == 0) {
		f->no_profile++;
		return 1;
	}
	if ((rc = report_time(rec, opt->ro.time, f->tmp, t, why)) != 0) {
		if (rc == 1) {
			*why = f->missing;
		} else {
			snprintf(f->why, sizeof(f->why), "%s: %s",
			    opt->ro.time, *why);
			*why = f->why;
		}
		return -1;
	}
	return 0;
}

/* An event of profile idx (seq: input order within the run or lane). */
static void
add_event(struct funnel *f, double t, uint32_t idx, uint32_t mask)
{
	cdp_xgrow((void **)&f->ev, &f->cap, f->nev + 1, sizeof(*f->ev));
	f->ev[f->nev++] = (struct fev){ .t = t, .seq = f->seq++,
	    .prof = idx, .mask = mask };
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct funnel *f = ctx;
	uint32_t mask, idx;
	double t;
	int rc, added;

	(void)at;
	if ((rc = check(f, rec, &mask, &t, why)) != 0)
		return rc;
	idx = evprof_index(&f->prof, cdp_key128_of(f->prof.key.p,
	    f->prof.key.len), &added);
	add_event(f, t, idx, mask);
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

/* Walk every profile of f into tl; returns how many there are. */
static unsigned long long
walk_all(struct funnel *f, struct tally *tl)
{
	unsigned long long nprof = 0;
	size_t i, j;

	if (f->nev > 0)
		qsort(f->ev, f->nev, sizeof(*f->ev), cmp_fev);
	for (i = 0; i < f->nev; i = j) {
		for (j = i + 1; j < f->nev && f->ev[j].prof == f->ev[i].prof;
		    j++)
			;
		walk(f->opt, f->ev + i, j - i, tl);
		nprof++;
	}
	return nprof;
}

/* Write the table of tl. */
static void
report(const struct funnel_opts *opt, struct tally *tl)
{
	struct rtable t, *tp = &t;

	fill(opt, tl, &t);
	report_write(&opt->ro, &tp, 1);
	rtable_free(&t);
	for (int k = 0; k < opt->nsteps; k++)
		free(tl[k].dur);
}

static void
funnel_free(struct funnel *f)
{
	free(f->ev);
	evprof_free(&f->prof);
	cdp_buf_free(&f->tmp[0]);
	cdp_buf_free(&f->tmp[1]);
}

/* ---- parallel runs (par.h) ----
 *
 * Threads test the steps and read the profile and time of each record;
 * the lane of the profile's key numbers the profiles it holds and keeps
 * their events in input order.  The walk is per profile: the lanes'
 * walks add up to one thread's.
 */

struct fitem {
	double		t;
	uint32_t	mask;
	uint32_t	klen;
};

static int
par_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct funnel *f = ctx;
	struct fitem it;
	struct cdp_buf *b;
	int rc;

	if ((rc = check(f, rec, &it.mask, &it.t, why)) != 0)
		return rc;
	it.klen = (uint32_t)f->prof.key.len;
	b = &at->blk->lane[cdp_key128_of(f->prof.key.p, f->prof.key.len).hi %
	    (uint64_t)f->nlanes];
	if (cdp_buf_add(b, &it, sizeof(it)) == -1 ||
	    cdp_buf_add(b, f->prof.key.p, it.klen) == -1)
		cdp_oom(0);
	return 0;
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct funnel *f = lctx;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	struct fitem it;
	int added;

	while (p < end) {
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		add_event(f, it.t, evprof_index(&f->prof, cdp_key128_of(p,
		    it.klen), &added), it.mask);
		p += it.klen;
	}
}

/* The records on threads, each profile's events in one lane; returns
 * the profiles with events. */
static unsigned long long
run_parallel(struct funnel *f, char **files, int nfiles, int threads,
    struct cdp_acct *acct, struct cdp_par_info *info, struct tally *tl)
{
	struct funnel *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct funnel *l = cdp_xcalloc((size_t)threads, sizeof(*l));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .record = par_record, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx };
	unsigned long long nprof = 0;

	for (int i = 0; i < threads; i++) {
		w[i] = l[i] = (struct funnel){ .opt = f->opt, .nlanes = threads };
		memcpy(w[i].missing, f->missing, sizeof(f->missing));
		for (int k = 0; k < f->opt->nsteps; k++)
			if ((w[i].steps[k] = cdp_expr_clone(f->steps[k])) ==
			    NULL)
				cdp_oom(0);
		evprof_init(&w[i].prof);
		evprof_init(&l[i].prof);
		wctx[i] = &w[i];
		lctx[i] = &l[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &f->opt->ro.common, acct,
	    info);
	for (int i = 0; i < threads; i++) {
		f->no_step += w[i].no_step;
		f->no_profile += w[i].no_profile;
		nprof += walk_all(&l[i], tl);
		for (int k = 0; k < f->opt->nsteps; k++)
			cdp_expr_free(w[i].steps[k]);
		funnel_free(&w[i]);
		funnel_free(&l[i]);
	}
	free(w);
	free(l);
	free(wctx);
	free(lctx);
	return nprof;
}

int
funnel_main(int argc, char **argv)
{
	struct funnel_opts opt;
	struct funnel f;
	struct cdp_acct a;
	struct cdp_par_info info = { 0 };
	struct tally tl[MAX_STEPS] = { { 0 } };
	unsigned long long nprof;
	int threads;

	parse_options(argc, argv, &opt);
	f = (struct funnel){ .opt = &opt };
	for (int k = 0; k < opt.nsteps; k++)
		f.steps[k] = opt.steps[k].e;
	snprintf(f.missing, sizeof(f.missing), "no time field \"%s\"",
	    opt.ro.time);
	evprof_init(&f.prof);
	report_acct_open(&opt.ro, &a);
	threads = cdp_par_threads(&opt.ro.common, &info.asked);
	if (threads > 1)
		nprof = run_parallel(&f, argv + optind, argc - optind, threads,
		    &a, &info, tl);
	else {
		cdp_each(argv + optind, argc - optind, &opt.ro.common, &a,
		    on_record, &f);
		nprof = walk_all(&f, tl);
	}
	report(&opt, tl);
	a.extra[0].name = "no_step";
	a.extra[0].n = f.no_step;
	a.extra[1].name = "no_profile";
	a.extra[1].n = f.no_profile;
	a.extra[2].name = "profiles";
	a.extra[2].n = nprof;
	cdp_par_account(&info, &a);
	report_acct_close(&opt.ro, &a);
	for (int k = 0; k < opt.nsteps; k++)
		cdp_expr_free(opt.steps[k].e);
	funnel_free(&f);
	return 0;
}
