/*
 * subs.c - cdp-report subscriptions: a subscription business per period.
 * Lifecycle events (life.c) make each customer's active, paused and
 * cancelled spans; per period: subscribers and paused ones at its end,
 * new, churned and reactivated customers, MRR at its end and how it moved
 * (new, expansion, contraction, churned, reactivation), and gross and net
 * revenue retention.  Every figure adds up: MRR at a period's end is the
 * previous end plus new, reactivation and expansion, less contraction and
 * churned MRR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "events_prof.h"
#include "timeval.h"
#include "xalloc.h"
#include "life.h"

#define MAXPERIODS	100000

static const char usage[] =
"usage: cdp-report subscriptions [options] [FILE...]\n"
"Subscribers, churn, MRR and revenue retention per period, from lifecycle\n"
"events (signup, renew, pause, resume, cancel, reactivate).\n"
"\n"
"      --period UNIT         day, week (ISO, from Monday) or month (default)\n"
"      --by-profile FIELD    the field naming the customer (default\n"
"                            profile_id)\n"
"      --event FIELD         the field naming the event (default event)\n"
"      --names KIND=NAME,... the event names of each kind (default the\n"
"                            kind's own name; repeatable)\n"
"      --mrr FIELD           the monthly recurring revenue a signup, renewal\n"
"                            or reactivation sets (default mrr)\n"
"      --as-of DATE          the last period is the one holding DATE\n"
"                            (default: the latest event's)\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum { OPT_BY_PROFILE = REPORT_OPT_PRIVATE, OPT_EVENT, OPT_NAMES, OPT_MRR,
	OPT_PERIOD };

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	CDP_AS_OF_LONGOPT,
	{ "by-profile", required_argument, NULL, OPT_BY_PROFILE },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "mrr", required_argument, NULL, OPT_MRR },
	{ "names", required_argument, NULL, OPT_NAMES },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ NULL, 0, NULL, 0 }
};

struct subs_opts {
	struct report_opts	 ro;
	struct life_opts	 life;
	enum period		 period;
};

/* Per period p (0 = the first): counts and MRR flows; the d* arrays are
 * differences (a span adds at its first period, takes off after its
 * last) summed into levels at the end. */
struct subs {
	const struct subs_opts	*opt;
	struct life		 life;
	int32_t			 p0, np;
	long long		*dact, *dpaused;
	double			*dmrr;
	unsigned long long	*newc, *churned, *react;
	double			*new_mrr, *exp, *contr, *churn_mrr, *react_mrr;
	/* The customer being walked: its current period, state and MRR at
	 * that period's start, and whether it was ever active before. */
	int32_t			 cur;
	enum life_state		 s0, s;
	double			 m0, m;
	bool			 ever0, ever, first_here;
	unsigned long long	 late;		/* events after --as-of */
};

/* ---- options ---- */

static void
parse_options(int argc, char **argv, struct subs_opts *o)
{
	const char *why;
	int ch;

	*o = (struct subs_opts){ .period = P_MONTH };
	life_opts_init(&o->life);
	o->life.mrr = "mrr";
	report_opts_init(&o->ro, "subscriptions");
	while ((ch = getopt_long(argc, argv, REPORT_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (report_opt(ch, optarg, &o->ro, usage))
			continue;
		switch (ch) {
		case OPT_PERIOD:
			if (strcmp(optarg, "day") == 0)
				o->period = P_DAY;
			else if (strcmp(optarg, "week") == 0)
				o->period = P_WEEK;
			else if (strcmp(optarg, "month") == 0)
				o->period = P_MONTH;
			else
				cdp_usage_die(usage, "--period: expected day, "
				    "week or month");
			break;
		case OPT_BY_PROFILE:
		case OPT_EVENT:
		case OPT_MRR:
			if (*optarg == '\0')
				cdp_usage_die(usage, "empty field name");
			if (ch == OPT_BY_PROFILE)
				o->life.by = optarg;
			else if (ch == OPT_EVENT)
				o->life.event = optarg;
			else
				o->life.mrr = optarg;
			break;
		case OPT_NAMES:
			if (life_opts_names(&o->life, optarg, &why) == -1)
				cdp_usage_die(usage, "%s", why);
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	o->life.time = o->ro.time;
	report_opts_done(&o->ro, usage);
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct subs *s = ctx;

	(void)at;
	return life_read(&s->life, rec, why);
}

/* ---- the periods ---- */

static int32_t
period_of(const struct subs *s, double t)
{
	return events_period(s->opt->period, cdp_time_day(t));
}

/* The range of periods: from the first event's to --as-of's (or the
 * latest event's). */
static void
periods(struct subs *s)
{
	double tmin = s->life.tmax;
	int32_t last;
	long n;

	for (size_t i = 0; i < s->life.nev; i++)
		if (s->life.ev[i].t < tmin)
			tmin = s->life.ev[i].t;
	s->p0 = s->life.nev > 0 ? period_of(s, tmin) : 0;
	last = s->life.nev > 0 ? period_of(s, s->life.tmax) : -1;
	if (s->opt->ro.common.as_of != NULL) {
		long day;

		(void)cdp_parse_iso_date(s->opt->ro.common.as_of, &day);
		last = events_period(s->opt->period, day);
		if (s->life.nev == 0)
			s->p0 = last;
	}
	n = s->life.nev > 0 || s->opt->ro.common.as_of != NULL ?
	    (long)last - s->p0 + 1 : 0;
	if (n < 0)
		n = 0;
	if (n > MAXPERIODS)
		cdp_die(EX_DATAERR, NULL, 0, "subscriptions: %ld periods, at "
		    "most %d (try a longer --period)", n, MAXPERIODS);
	s->np = (int32_t)n;
	s->dact = cdp_xcalloc((size_t)n + 2, sizeof(*s->dact));
	s->dpaused = cdp_xcalloc((size_t)n + 2, sizeof(*s->dpaused));
	s->dmrr = cdp_xcalloc((size_t)n + 2, sizeof(*s->dmrr));
	s->newc = cdp_xcalloc((size_t)n + 1, sizeof(*s->newc));
	s->churned = cdp_xcalloc((size_t)n + 1, sizeof(*s->churned));
	s->react = cdp_xcalloc((size_t)n + 1, sizeof(*s->react));
	s->new_mrr = cdp_xcalloc((size_t)n + 1, sizeof(double));
	s->exp = cdp_xcalloc((size_t)n + 1, sizeof(double));
	s->contr = cdp_xcalloc((size_t)n + 1, sizeof(double));
	s->churn_mrr = cdp_xcalloc((size_t)n + 1, sizeof(double));
	s->react_mrr = cdp_xcalloc((size_t)n + 1, sizeof(double));
}

/*
 * The customer's period s->cur is over: its state and MRR hold from
 * there to period end - 1; and its moves in the period, from the state
 * at the period's start to the state at its end.
 */
static void
close_period(struct subs *s, int32_t end)
{
	int32_t p = s->cur - s->p0;
	bool sub0 = s->s0 == LS_ACTIVE || s->s0 == LS_PAUSED;

	s->dact[p] += s->s == LS_ACTIVE;
	s->dact[end - s->p0] -= s->s == LS_ACTIVE;
	s->dpaused[p] += s->s == LS_PAUSED;
	s->dpaused[end - s->p0] -= s->s == LS_PAUSED;
	s->dmrr[p] += s->m;
	s->dmrr[end - s->p0] -= s->m;
	s->newc[p] += s->first_here;
	s->churned[p] += sub0 && s->s == LS_CANCELLED;
	s->react[p] += s->s0 == LS_CANCELLED && s->s == LS_ACTIVE;
	if (s->m0 > 0) {
		if (s->s == LS_CANCELLED)
			s->churn_mrr[p] += s->m0;
		else if (s->m > s->m0)
			s->exp[p] += s->m - s->m0;
		else
			s->contr[p] += s->m0 - s->m;
	} else if (s->m > 0) {
		if (s->ever0)
			s->react_mrr[p] += s->m;
		else
			s->new_mrr[p] += s->m;
	}
}

static void
on_step(void *ctx, const struct life_step *st)
{
	struct subs *s = ctx;
	int32_t per = period_of(s, st->t);

	if (per >= s->p0 + s->np) {
		s->late++;
		return;
	}
	if (per != s->cur) {
		if (s->cur != INT32_MIN)
			close_period(s, per);
		s->cur = per;
		s->s0 = s->s;
		s->m0 = s->m;
		s->ever0 = s->ever;
		s->first_here = false;
	}
	s->s = st->to;
	s->m = st->mrr_to;
	s->first_here |= st->first_active;
	s->ever |= st->to == LS_ACTIVE;
}

static void
walk(struct subs *s)
{
	for (uint32_t c = 0; c < s->life.ncust; c++) {
		s->cur = INT32_MIN;
		s->s = LS_NONE;
		s->m = 0;
		s->ever = false;
		life_walk(&s->life, c, on_step, s);
		if (s->cur != INT32_MIN)
			close_period(s, s->p0 + s->np);
	}
}

/* ---- the table ---- */

enum { C_PERIOD, C_SUBS, C_PAUSED, C_NEW, C_CHURNED, C_REACT, C_MRR,
	C_NEWMRR, C_EXP, C_CONTR, C_CHURNMRR, C_REACTMRR, C_GRR, C_NRR, NCOLS };

static void
table(struct subs *s, struct rtable *t)
{
	static const char *const names[NCOLS] = { "period", "subscribers",
	    "paused", "new", "churned", "reactivated", "mrr", "new_mrr",
	    "expansion_mrr", "contraction_mrr", "churned_mrr",
	    "reactivation_mrr", "grr", "nrr" };
	struct cdp_buf lab = { 0 };
	long long act = 0, paused = 0;
	double mrr = 0, prev = 0;

	rtable_init(t, "subscriptions", "subscriptions per period");
	for (int c = 0; c < NCOLS; c++)
		rtable_col(t, names[c], -1);
	t->cols[C_GRR].ratio = t->cols[C_NRR].ratio = true;
	t->chart = CHART_BAR;
	t->label = C_PERIOD;
	t->value = C_MRR;
	t->unit = "MRR at the period's end";
	for (int32_t p = 0; p < s->np; p++) {
		size_t r = rtable_row(t);

		act += s->dact[p];
		paused += s->dpaused[p];
		mrr += s->dmrr[p];
		events_period_label(s->opt->period, s->p0 + p, &lab);
		rtable_str(t, r, C_PERIOD, lab.p, lab.len);
		rtable_int(t, r, C_SUBS, (double)act);
		rtable_int(t, r, C_PAUSED, (double)paused);
		rtable_int(t, r, C_NEW, (double)s->newc[p]);
		rtable_int(t, r, C_CHURNED, (double)s->churned[p]);
		rtable_int(t, r, C_REACT, (double)s->react[p]);
		rtable_num(t, r, C_MRR, mrr);
		rtable_num(t, r, C_NEWMRR, s->new_mrr[p]);
		rtable_num(t, r, C_EXP, s->exp[p]);
		rtable_num(t, r, C_CONTR, s->contr[p]);
		rtable_num(t, r, C_CHURNMRR, s->churn_mrr[p]);
		rtable_num(t, r, C_REACTMRR, s->react_mrr[p]);
		/* Retention of the MRR the period started with: without
		 * one there is nothing to retain. */
		if (p > 0 && prev > 0) {
			rtable_num(t, r, C_GRR, (prev - s->churn_mrr[p] -
			    s->contr[p]) / prev);
			rtable_num(t, r, C_NRR, (prev - s->churn_mrr[p] -
			    s->contr[p] + s->exp[p]) / prev);
		}
		prev = mrr;
	}
	cdp_buf_free(&lab);
}

static void
subs_free(struct subs *s)
{
	life_free(&s->life);
	free(s->dact);
	free(s->dpaused);
	free(s->dmrr);
	free(s->newc);
	free(s->churned);
	free(s->react);
	free(s->new_mrr);
	free(s->exp);
	free(s->contr);
	free(s->churn_mrr);
	free(s->react_mrr);
}

int
subscriptions_main(int argc, char **argv)
{
	struct subs_opts opt;
	struct subs s = { .opt = &opt };
	struct cdp_acct acct;
	struct rtable t, *tp = &t;

	parse_options(argc, argv, &opt);
	life_init(&s.life, &opt.life);
	report_acct_open(&opt.ro, &acct);
	cdp_each(argv + optind, argc - optind, &opt.ro.common, &acct,
	    on_record, &s);
	life_order(&s.life);
	periods(&s);
	walk(&s);
	table(&s, &t);
	report_write(&opt.ro, &tp, 1);
	acct.extra[0].name = "customers";
	acct.extra[0].n = s.life.ncust;
	acct.extra[1].name = "lifecycle_ignored";
	acct.extra[1].n = s.life.ignored;
	acct.extra[2].name = "after_as_of";
	acct.extra[2].n = s.late;
	report_acct_close(&opt.ro, &acct);
	rtable_free(&t);
	subs_free(&s);
	life_opts_free(&opt.life);
	return 0;
}
