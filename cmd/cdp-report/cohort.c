/*
 * cohort.c - cdp-report cohort: a retention matrix.  Profiles fall into
 * cohorts (a value such as month(signup), or the period of their first
 * activity); each cell counts the profiles of a cohort active k periods
 * after the cohort's start.  Kept per profile: 12 bytes; per activity: 8
 * bytes, only when the profile's period changes.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "par.h"
#include "events_prof.h"
#include "keymap.h"
#include "life.h"
#include "report.h"
#include "timeval.h"
#include "xalloc.h"

static const char usage[] =
"usage: cdp-report cohort [options] [FILE...]\n"
"Retention: per cohort, the profiles active in each period after its start.\n"
"\n"
"      --cohort EXPR         a profile's cohort: the value of EXPR at its\n"
"                            first record where it is not null, such as\n"
"                            month(signup) (default: the period of the\n"
"                            profile's first activity)\n"
"      --activity EXPR       the records that count as activity (default:\n"
"                            every record)\n"
"      --period UNIT         day, week (ISO, from Monday) or month (default)\n"
"      --by-profile FIELD    the field naming the profile (default profile_id)\n"
"      --since-first         subscriptions: the cohort is each customer's\n"
"                            signup period, and active means inside an\n"
"                            active subscription (from lifecycle events)\n"
"      --event FIELD         --since-first: the event name field (default\n"
"                            event)\n"
"      --names KIND=NAME,... --since-first: the names of signup, renew,\n"
"                            pause, resume, cancel and reactivate events\n"
"      --as-of DATE          the day days_since() counts from (YYYY-MM-DD)\n"
CDP_THREADS_USAGE
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_BY_PROFILE = REPORT_OPT_PRIVATE,
	OPT_EVENT,
	OPT_NAMES,
	OPT_SINCE_FIRST
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	CDP_AS_OF_LONGOPT,
	{ "activity", required_argument, NULL, 'a' },
	{ "by-profile", required_argument, NULL, OPT_BY_PROFILE },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "names", required_argument, NULL, OPT_NAMES },
	{ "since-first", no_argument, NULL, OPT_SINCE_FIRST },
	CDP_THREADS_LONGOPT,
	{ "cohort", required_argument, NULL, 'c' },
	{ "period", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'a', "activity" },
	{ 'c', "cohort" },
	{ 'p', "period" },
	{ 0, NULL }
};

struct cohort_opts {
	struct report_opts	 ro;
	const char		*cohort_src, *activity_src;
	struct cdp_expr		*cohort, *activity;	/* NULL: see usage */
	enum period		 period;
	const char		*by;
	bool			 since_first;	/* --since-first */
	bool			 life_opts;	/* --event or --names given */
	struct life_opts	 life;
};

#define NONE	INT32_MAX	/* no period */

struct cprof {
	int32_t	cohort;		/* index in c->co, or -1 */
	int32_t	first;		/* first active period, or NONE */
	int32_t	last;		/* last period stored in c->act */
};

struct act {
	uint32_t	prof;
	int32_t		period;
};

struct cgroup {
	size_t		off, len;	/* label in c->labels */
	int32_t		start;		/* period 0, or NONE: undated */
	unsigned long	size;
};

struct cohort {
	struct cohort_opts	*opt;
	struct evprof		 prof;
	struct cprof		*p;
	size_t			 pcap;
	struct act		*act;
	size_t			 nact, acap;
	struct cgroup		*co;
	size_t			 nco, cocap;
	struct cdp_keymap	*comap;		/* label -> index in co */
	struct cdp_buf		 labels, lab, tmp[2];
	int32_t			 maxperiod;	/* latest active period */
	char			 missing[300], why[400];
	unsigned long long	 no_profile;
	/* --since-first: the lifecycles, and the span being walked. */
	struct life		 life;
	double			 since;		/* active since, or -1 */
	double			 end;		/* the input's end */
	/* a parallel run: a thread's own copies of the expressions */
	struct cdp_expr		*cohort, *activity;
	int			 nlanes;
};

/* ---- periods ---- */

static bool
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The first day of a cohort label that is a date: YYYY, YYYY-MM,
 * YYYY-Www (ISO week), or YYYY-MM-DD alone or starting a date-time.
 * Returns 0 with *day, or -1 when the label is not a date.
 */
static int
label_day(const char *s, size_t n, long *day)
{
	char tmp[11];
	long y, w, jan4;

	if (n < 4 || !digits(s, 4))
		return -1;
	/* Digits counted here, not by strtol(): a label need not end with
	 * a NUL (labels are joined in one buffer). */
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	if (n == 4) {
		*day = cdp_time_days(y, 1, 1);
		return 0;
	}
	if (n == 8 && s[4] == '-' && s[5] == 'W' && digits(s + 6, 2)) {
		w = (s[6] - '0') * 10 + (s[7] - '0');
		if (w < 1 || w > 53)
			return -1;
		jan4 = cdp_time_days(y, 1, 4);	/* always in week 1 */
		*day = jan4 - (((jan4 % 7) + 7 + 3) % 7) + (w - 1) * 7;
		return 0;
	}
	if (n == 7 && s[4] == '-' && digits(s + 5, 2)) {
		memcpy(tmp, s, 7);
		memcpy(tmp + 7, "-01", 4);
		return cdp_parse_iso_date(tmp, day);
	}
	if (n < 10 || (n > 10 && s[10] != 'T' && s[10] != ' '))
		return -1;
	memcpy(tmp, s, 10);
	tmp[10] = '\0';
	return cdp_parse_iso_date(tmp, day);
}

/* ---- reading ---- */

static void
parse_options(int argc, char **argv, struct cohort_opts *opt)
{
	const char *why;
	int ch;

	*opt = (struct cohort_opts){ .by = "profile_id", .period = P_MONTH };
	life_opts_init(&opt->life);
	report_opts_init(&opt->ro, "cohort");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS "a:c:p:",
	    longopts, old_short)) != -1) {
		if (report_opt(ch, optarg, &opt->ro, usage))
			continue;
		switch (ch) {
		case 'a':
			opt->activity_src = optarg;
			break;
		case 'c':
			opt->cohort_src = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "day") == 0)
				opt->period = P_DAY;
			else if (strcmp(optarg, "week") == 0)
				opt->period = P_WEEK;
			else if (strcmp(optarg, "month") == 0)
				opt->period = P_MONTH;
			else
				cdp_usage_die(usage, "--period: expected day, "
				    "week or month");
			break;
		case OPT_BY_PROFILE:
			opt->by = cdp_opt_field(optarg, "--by-profile", usage);
			break;
		case OPT_EVENT:
			if (*optarg == '\0')
				cdp_usage_die(usage, "--event: empty field name");
			opt->life.event = optarg;
			opt->life_opts = true;
			break;
		case OPT_NAMES:
			if (life_opts_names(&opt->life, optarg, &why) == -1)
				cdp_usage_die(usage, "%s", why);
			opt->life_opts = true;
			break;
		case OPT_SINCE_FIRST:
			opt->since_first = true;
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	if (opt->since_first && (opt->cohort_src != NULL ||
	    opt->activity_src != NULL))
		cdp_usage_die(usage, "--since-first makes the cohorts and the "
		    "activity: no --cohort or --activity with it");
	if (opt->life_opts && !opt->since_first)
		cdp_usage_die(usage, "--event and --names go with --since-first");
	opt->life.by = opt->by;
	opt->life.time = opt->ro.time;
	report_opts_done(&opt->ro, usage);
	if (opt->cohort_src != NULL)
		opt->cohort = events_compile(&opt->ro, opt->cohort_src,
		    "--cohort");
	if (opt->activity_src != NULL)
		opt->activity = events_compile(&opt->ro, opt->activity_src,
		    "--activity");
}

/* The cohort labelled s[0..n), added when new. */
static int32_t
cohort_of(struct cohort *c, const char *s, size_t n)
{
	uint64_t *v;
	long day;
	int added;

	if ((v = cdp_keymap_put(c->comap, cdp_key128_of(s, n), c->nco,
	    &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return (int32_t)*v;
	if (c->nco == INT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many cohorts");
	cdp_xgrow((void **)&c->co, &c->cocap, c->nco + 1, sizeof(*c->co));
	c->co[c->nco] = (struct cgroup){ .off = c->labels.len, .len = n,
	    .start = label_day(s, n, &day) == 0 ?
	    events_period(c->opt->period, day) : NONE };
	if (cdp_buf_add(&c->labels, s, n) == -1)
		cdp_oom(0);
	return (int32_t)c->nco++;
}

/* A cohort value as its label into b: text as is, other values as
 * JSON. */
static void
cohort_label(const struct cdp_val *v, struct cdp_buf *b)
{
	char num[40];
	int n, rc;

	cdp_buf_reset(b);
	switch (v->type) {
	case CDP_V_STR:
	case CDP_V_ARR:
	case CDP_V_OBJ:
		rc = cdp_buf_add(b, v->s, v->n);
		break;
	case CDP_V_BOOL:
		rc = cdp_buf_adds(b, v->b ? "true" : "false");
		break;
	default:
		n = cdp_fmt_double(num, v->num);
		rc = cdp_buf_add(b, num, n < 0 ? 0 : (size_t)n);
		break;
	}
	if (rc == -1)
		cdp_oom(0);
}

static int32_t
cohort_val(struct cohort *c, const struct cdp_val *v)
{
	cohort_label(v, &c->lab);
	return cohort_of(c, c->lab.p, c->lab.len);
}

static struct cprof *
prof_at(struct cohort *c, uint32_t idx, int added)
{
	if (added) {
		cdp_xgrow((void **)&c->p, &c->pcap, (size_t)idx + 1,
		    sizeof(*c->p));
		c->p[idx] = (struct cprof){ .cohort = -1, .first = NONE,
		    .last = NONE };
	}
	return &c->p[idx];
}

/* Profile p (number idx) active in period per: one activity per period
 * change, and its first period and the report's last kept. */
static void
active_in(struct cohort *c, struct cprof *p, uint32_t idx, int32_t per)
{
	if (per != p->last) {
		cdp_xgrow((void **)&c->act, &c->acap, c->nact + 1,
		    sizeof(*c->act));
		c->act[c->nact++] = (struct act){ idx, per };
		p->last = per;
	}
	if (p->first == NONE || per < p->first)
		p->first = per;
	if (c->maxperiod == NONE || per > c->maxperiod)
		c->maxperiod = per;
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct cohort *c = ctx;
	const struct cohort_opts *opt = c->opt;
	struct cdp_val v = { .type = CDP_V_NULL };
	struct cprof *p;
	uint32_t idx;
	double t;
	int rc, added, active = 1;

	(void)at;
	if (evprof_of(&c->prof, rec, opt->by, &idx, &added) == 0) {
		c->no_profile++;
		return 1;
	}
	p = prof_at(c, idx, added);
	/* Everything that can reject the record comes first: a rejected
	 * record must leave no trace in the result. */
	if (opt->activity != NULL &&
	    (active = cdp_expr_test(c->activity, rec, why)) == -1)
		return -1;
	if (opt->cohort != NULL && p->cohort == -1 &&
	    cdp_expr_eval(c->cohort, rec, &v, why) == -1)
		return -1;
	if (active) {
		if ((rc = report_time(rec, opt->ro.time, c->tmp, &t, why))
		    != 0) {
			if (rc == 1) {
				*why = c->missing;
			} else {
				snprintf(c->why, sizeof(c->why), "%s: %s",
				    opt->ro.time, *why);
				*why = c->why;
			}
			return -1;
		}
		active_in(c, p, idx, events_period(opt->period,
		    cdp_time_day(t)));
	}
	if (v.type != CDP_V_NULL)
		p->cohort = cohort_val(c, &v);
	return active || v.type != CDP_V_NULL ? 0 : 1;
}

/* ---- --since-first ---- */

static int
on_life(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct cohort *c = ctx;
	int rc;

	(void)at;
	if ((rc = life_read(&c->life, rec, why)) == 1)
		c->no_profile += cdp_rec_find(rec, c->opt->by,
		    strlen(c->opt->by)) == NULL;
	return rc;
}

static void
add_act(struct cohort *c, uint32_t prof, int32_t per)
{
	if (cdp_grow((void **)&c->act, &c->acap, c->nact + 1,
	    sizeof(*c->act)) == -1)
		cdp_oom(0);
	c->act[c->nact++] = (struct act){ prof, per };
}

/* An active span of customer cu from t1 to t2 (t2 excluded, but a span
 * always holds the period it starts in): active in each period it
 * touches. */
static void
span(struct cohort *c, uint32_t cu, double t1, double t2)
{
	enum period u = c->opt->period;
	int32_t a = events_period(u, cdp_time_day(t1));
	int32_t b = t2 > t1 ? events_period(u, cdp_time_day(t2 - 1e-3)) : a;
	struct cprof *p = &c->p[cu];

	for (int32_t k = a; k <= b; k++)
		if (k != p->last) {
			add_act(c, cu, k);
			p->last = k;
		}
	if (p->first == NONE || a < p->first)
		p->first = a;
	if (c->maxperiod == NONE || b > c->maxperiod)
		c->maxperiod = b;
}

static void
on_step(void *ctx, const struct life_step *st)
{
	struct cohort *c = ctx;

	if (st->to == LS_ACTIVE && c->since < 0)
		c->since = st->t;
	else if (st->to != LS_ACTIVE && c->since >= 0) {
		span(c, st->cust, c->since, st->t);
		c->since = -1;
	}
}

/*
 * The customers' active spans from their lifecycle events, as activity:
 * a customer's first active period is its cohort (its signup), and a
 * span still open at the end of the input (or at --as-of) runs to it.
 */
static void
since_first(struct cohort *c)
{
	long day;

	life_order(&c->life);
	c->end = c->life.tmax;
	if (c->opt->ro.common.as_of != NULL &&
	    cdp_parse_iso_date(c->opt->ro.common.as_of, &day) == 0)
		c->end = (double)(day + 1) * 86400;
	c->p = cdp_xcalloc((size_t)c->life.ncust + 1, sizeof(*c->p));
	c->prof.n = c->life.ncust;
	for (uint32_t cu = 0; cu < c->life.ncust; cu++) {
		c->p[cu] = (struct cprof){ .cohort = -1, .first = NONE,
		    .last = NONE };
		c->since = -1;
		life_walk(&c->life, cu, on_step, c);
		if (c->since >= 0)
			span(c, cu, c->since, c->end > c->since ? c->end :
			    c->since);
	}
}

/* ---- the matrix ---- */

static int
cmp_act(const void *a, const void *b)
{
	const struct act *x = a, *y = b;

	if (x->prof != y->prof)
		return x->prof < y->prof ? -1 : 1;
	return (x->period > y->period) - (x->period < y->period);
}

/* A cohort's label, for sorting. */
struct lab {
	const char	*s;
	size_t		 n;
	int32_t		 i;
};

static int
cmp_label(const void *a, const void *b)
{
	const struct lab *x = a, *y = b;
	int d = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	if (d != 0)
		return d;
	return (x->n > y->n) - (x->n < y->n);
}

/* The cohorts' indexes in the order of their labels (bytes). */
static int32_t *
sorted(const struct cohort *c)
{
	struct lab *l = cdp_xcalloc(c->nco + 1, sizeof(*l));
	int32_t *order = cdp_xcalloc(c->nco + 1, sizeof(*order));

	for (size_t i = 0; i < c->nco; i++)
		l[i] = (struct lab){ c->labels.p + c->co[i].off,
		    c->co[i].len, (int32_t)i };
	qsort(l, c->nco, sizeof(*l), cmp_label);
	for (size_t i = 0; i < c->nco; i++)
		order[i] = l[i].i;
	free(l);
	return order;
}

/*
 * Give every profile its cohort (from its first activity when there is
 * no --cohort) and count the cohorts' sizes.  Returns the number of
 * active profiles without a cohort.
 */
static unsigned long long
assign(struct cohort *c)
{
	unsigned long long none = 0;

	for (uint32_t i = 0; i < c->prof.n; i++) {
		struct cprof *p = &c->p[i];

		if (c->opt->cohort == NULL && p->first != NONE) {
			events_period_label(c->opt->period, p->first, &c->lab);
			p->cohort = cohort_of(c, c->lab.p, c->lab.len);
		}
		if (p->cohort >= 0)
			c->co[p->cohort].size++;
		else if (p->first != NONE)
			none++;
	}
	return none;
}

/* Period 0 of profile p: its cohort's date, else its first activity. */
static int32_t
start_of(const struct cohort *c, const struct cprof *p)
{
	int32_t s = c->co[p->cohort].start;

	return s != NONE ? s : p->first;
}

/* cnt[cohort * (*nk) + k]: distinct profiles of the cohort active in
 * period k; *nk is the number of periods shown (at least 1). */
static unsigned long *
tally(struct cohort *c, size_t *nk)
{
	unsigned long *cnt;
	size_t n = 1, i;

	if (c->nact > 0)
		qsort(c->act, c->nact, sizeof(*c->act), cmp_act);
	for (i = 0; i < c->nact; i++) {
		const struct cprof *p = &c->p[c->act[i].prof];
		long k;

		if (p->cohort < 0)
			continue;
		k = (long)c->act[i].period - start_of(c, p);
		if (k >= 0 && (size_t)k + 1 > n)
			n = (size_t)k + 1;
	}
	cnt = cdp_xcalloc(c->nco * n + 1, sizeof(*cnt));
	for (i = 0; i < c->nact; i++) {
		const struct act *a = &c->act[i];
		const struct cprof *p = &c->p[a->prof];
		long k;

		if (p->cohort < 0 || (i > 0 && a->prof == a[-1].prof &&
		    a->period == a[-1].period))
			continue;
		/* activity before the cohort's start is not retention */
		if ((k = (long)a->period - start_of(c, p)) >= 0)
			cnt[(size_t)p->cohort * n + (size_t)k]++;
	}
	*nk = n;
	return cnt;
}

static void
columns(struct rtable *t, size_t nk, int digits)
{
	char name[32];

	rtable_col(t, "cohort", -1);
	rtable_col(t, "size", -1);
	for (size_t k = 0; k < nk; k++) {
		int col;

		snprintf(name, sizeof(name), "p%zu", k);
		col = rtable_col(t, name, digits);
		t->cols[col].percent = digits >= 0;
	}
}

static void
fill(struct cohort *c, const int32_t *order, const unsigned long *cnt,
    size_t nk, struct rtable *t, struct rtable *pct)
{
	rtable_init(t, "retention", "active profiles per period");
	rtable_init(pct, "retention_pct", "active profiles per period, "
	    "percent of the cohort");
	pct->chart = CHART_HEATMAP;
	pct->label = 0;
	pct->heat_first = 2;
	/* Period 0 holds every active profile by definition (100% for a
	 * cohort of first activity): the colours are set by the others. */
	pct->heat_scale = 3;
	pct->unit = "periods after the cohort's start (percent of the cohort)";
	columns(t, nk, -1);
	columns(pct, nk, 1);
	for (size_t i = 0; i < c->nco; i++) {
		const struct cgroup *g = &c->co[order[i]];
		size_t r = rtable_row(t);

		(void)rtable_row(pct);
		rtable_str(t, r, 0, c->labels.p + g->off, g->len);
		rtable_str(pct, r, 0, c->labels.p + g->off, g->len);
		rtable_int(t, r, 1, (double)g->size);
		rtable_int(pct, r, 1, (double)g->size);
		for (size_t k = 0; k < nk; k++) {
			double v = (double)cnt[(size_t)order[i] * nk + k];

			/* A dated cohort's periods after the last activity
			 * seen are not observed yet: empty, not zero. */
			if (g->start != NONE && (c->maxperiod == NONE ||
			    (long)g->start + (long)k > c->maxperiod))
				continue;
			rtable_int(t, r, (int)k + 2, v);
			if (g->size > 0)
				rtable_num(pct, r, (int)k + 2,
				    100.0 * v / (double)g->size);
		}
	}
}

/* ---- parallel runs (par.h) ----
 *
 * Threads read each record's profile, activity, cohort value and time;
 * the lane of the profile applies them in input order exactly as
 * on_record() does (what is rejected depends on the profile: its cohort
 * is read until it has one), and counts its profiles, cohorts and
 * activity.  The lanes' tallies are joined by cohort label at the end.
 */

enum { CV_NONE, CV_ERR, CV_VAL };

/* A record for its profile's lane, then the profile key, the cohort
 * label, the reason of the activity's or the cohort's error, the reason
 * of the time's. */
struct citem {
	double		t;
	size_t		off, len;	/* the line in the block */
	long		line;
	uint32_t	klen, clen, wlen, tlen;
	uint8_t		active, act_err, cv, time_err;
};

static int
par_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct cohort *c = ctx;
	const struct cohort_opts *opt = c->opt;
	struct cdp_val v = { .type = CDP_V_NULL };
	struct citem it = { .off = (size_t)(at->line->p - at->blk->p),
	    .len = at->line->len, .line = at->line->lineno, .active = 1 };
	const char *w = "", *tw = "", *e = "";
	struct cdp_buf *b;
	int rc;

	if (evprof_key(&c->prof, rec, opt->by) == 0) {
		c->no_profile++;
		return 1;
	}
	cdp_buf_reset(&c->lab);
	if (opt->activity != NULL &&
	    (rc = cdp_expr_test(c->activity, rec, &e)) != -1)
		it.active = (uint8_t)rc;
	else if (opt->activity != NULL) {
		it.act_err = 1;
		w = e;
	}
	if (!it.act_err && opt->cohort != NULL) {
		if (cdp_expr_eval(c->cohort, rec, &v, &e) == -1) {
			it.cv = CV_ERR;
			w = e;
		} else if (v.type != CDP_V_NULL) {
			it.cv = CV_VAL;
			cohort_label(&v, &c->lab);
		}
	}
	if (!it.act_err && it.active &&
	    (rc = report_time(rec, opt->ro.time, c->tmp, &it.t, &e)) != 0) {
		it.time_err = 1;
		if (rc == 1)
			tw = c->missing;
		else {
			snprintf(c->why, sizeof(c->why), "%s: %s",
			    opt->ro.time, e);
			tw = c->why;
		}
	}
	it.klen = (uint32_t)c->prof.key.len;
	it.clen = it.cv == CV_VAL ? (uint32_t)c->lab.len : 0;
	it.wlen = (uint32_t)strlen(w);
	it.tlen = (uint32_t)strlen(tw);
	b = &at->blk->lane[cdp_key128_of(c->prof.key.p, c->prof.key.len).hi %
	    (uint64_t)c->nlanes];
	if (cdp_buf_add(b, &it, sizeof(it)) == -1 ||
	    cdp_buf_add(b, c->prof.key.p, it.klen) == -1 ||
	    cdp_buf_add(b, c->lab.p, it.clen) == -1 ||
	    cdp_buf_add(b, w, it.wlen) == -1 ||
	    cdp_buf_add(b, tw, it.tlen) == -1)
		cdp_oom(0);
	(void)why;
	return 2;
}

/* One record in its lane, as on_record() takes it. */
static void
lane_record(struct cohort *c, struct cdp_par_block *b, int lane,
    const struct citem *it, const char *key, const char *label,
    const char *why)
{
	const struct cohort_opts *opt = c->opt;
	char w[512];
	struct cprof *p;
	uint32_t idx;
	int added;
	bool cohort = false;

	idx = evprof_index(&c->prof, cdp_key128_of(key, it->klen), &added);
	p = prof_at(c, idx, added);
	if (it->act_err || (opt->cohort != NULL && p->cohort == -1 &&
	    it->cv == CV_ERR))
		snprintf(w, sizeof(w), "%.*s", (int)it->wlen, why);
	else if (it->active && it->time_err)
		snprintf(w, sizeof(w), "%.*s", (int)it->tlen, why + it->wlen);
	else
		w[0] = '\0';
	if (w[0] != '\0') {
		cdp_par_lane_reject(b, lane, it->line, w, b->p + it->off,
		    it->len);
		return;
	}
	if (it->active) {
		active_in(c, p, idx, events_period(opt->period,
		    cdp_time_day(it->t)));
	}
	/* The cohort is read while the profile has none. */
	if (p->cohort == -1 && it->cv == CV_VAL) {
		p->cohort = cohort_of(c, label, it->clen);
		cohort = true;
	}
	if (it->active || cohort)
		b->lane_n[lane].written++;
	else
		b->lane_n[lane].dropped++;
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct cohort *c = lctx;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len;
	struct citem it;

	while (p < end) {
		const char *key, *label, *why;

		memcpy(&it, p, sizeof(it));
		key = p + sizeof(it);
		label = key + it.klen;
		why = label + it.clen;
		lane_record(c, b, lane, &it, key, label, why);
		p = why + it.wlen + it.tlen;
	}
}

static void	cohort_free(struct cohort *c);
static unsigned long long assign(struct cohort *c);
static unsigned long *tally(struct cohort *c, size_t *nk);

/*
 * The lanes' cohorts into c by label (sizes, and each lane's counts per
 * period since the cohort's start into *cnt, *nk periods wide).
 * Returns the active profiles without a cohort.
 */
static unsigned long long
join_lanes(struct cohort *c, struct cohort *l, int nlanes,
    unsigned long **cnt, size_t *nk)
{
	unsigned long **lc = cdp_xcalloc((size_t)nlanes, sizeof(*lc));
	size_t *lk = cdp_xcalloc((size_t)nlanes, sizeof(*lk));
	unsigned long long none = 0;
	size_t n = 1;

	for (int i = 0; i < nlanes; i++) {
		none += assign(&l[i]);
		lc[i] = tally(&l[i], &lk[i]);
		if (lk[i] > n)
			n = lk[i];
		if (l[i].maxperiod != NONE && (c->maxperiod == NONE ||
		    l[i].maxperiod > c->maxperiod))
			c->maxperiod = l[i].maxperiod;
		for (size_t g = 0; g < l[i].nco; g++)
			(void)cohort_of(c, l[i].labels.p + l[i].co[g].off,
			    l[i].co[g].len);
	}
	*cnt = cdp_xcalloc(c->nco * n + 1, sizeof(**cnt));
	for (int i = 0; i < nlanes; i++) {
		for (size_t g = 0; g < l[i].nco; g++) {
			int32_t m = cohort_of(c, l[i].labels.p +
			    l[i].co[g].off, l[i].co[g].len);

			c->co[m].size += l[i].co[g].size;
			for (size_t k = 0; k < lk[i]; k++)
				(*cnt)[(size_t)m * n + k] +=
				    lc[i][g * lk[i] + k];
		}
		free(lc[i]);
	}
	free(lc);
	free(lk);
	*nk = n;
	return none;
}

static unsigned long long
run_parallel(struct cohort *c, char **files, int nfiles, int threads,
    struct cdp_acct *acct, struct cdp_par_info *info, unsigned long **cnt,
    size_t *nk)
{
	const struct cohort_opts *opt = c->opt;
	struct cohort *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct cohort *l = cdp_xcalloc((size_t)threads, sizeof(*l));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .record = par_record, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx };
	unsigned long long none;

	for (int i = 0; i < threads; i++) {
		w[i] = (struct cohort){ .opt = c->opt, .nlanes = threads };
		l[i] = (struct cohort){ .opt = c->opt, .maxperiod = NONE };
		memcpy(w[i].missing, c->missing, sizeof(c->missing));
		if ((opt->cohort != NULL && (w[i].cohort =
		    cdp_expr_clone(opt->cohort)) == NULL) ||
		    (opt->activity != NULL && (w[i].activity =
		    cdp_expr_clone(opt->activity)) == NULL) ||
		    (l[i].comap = cdp_keymap_new()) == NULL)
			cdp_oom(0);
		evprof_init(&w[i].prof);
		evprof_init(&l[i].prof);
		wctx[i] = &w[i];
		lctx[i] = &l[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &opt->ro.common, acct,
	    info);
	none = join_lanes(c, l, threads, cnt, nk);
	for (int i = 0; i < threads; i++) {
		c->no_profile += w[i].no_profile;
		cdp_expr_free(w[i].cohort);
		cdp_expr_free(w[i].activity);
		cohort_free(&w[i]);
		cohort_free(&l[i]);
	}
	free(w);
	free(l);
	free(wctx);
	free(lctx);
	return none;
}

static void
cohort_free(struct cohort *c)
{
	cdp_keymap_free(c->comap);
	evprof_free(&c->prof);
	free(c->p);
	free(c->act);
	free(c->co);
	cdp_buf_free(&c->labels);
	cdp_buf_free(&c->lab);
	cdp_buf_free(&c->tmp[0]);
	cdp_buf_free(&c->tmp[1]);
}

int
cohort_main(int argc, char **argv)
{
	struct cohort_opts opt;
	struct cohort c;
	struct cdp_acct a;
	struct rtable t[2], *tp[2] = { &t[0], &t[1] };
	struct cdp_par_info info = { 0 };
	unsigned long *cnt;
	int32_t *order;
	size_t nk;
	int threads;

	parse_options(argc, argv, &opt);
	c = (struct cohort){ .opt = &opt, .maxperiod = NONE,
	    .comap = cdp_keymap_new(), .cohort = opt.cohort,
	    .activity = opt.activity };
	if (c.comap == NULL)
		cdp_oom(0);
	snprintf(c.missing, sizeof(c.missing), "no time field \"%s\"",
	    opt.ro.time);
	evprof_init(&c.prof);
	life_init(&c.life, &opt.life);
	report_acct_open(&opt.ro, &a);
	threads = opt.since_first ? 1 : cdp_par_threads(&opt.ro.common,
	    &info.asked);
	if (threads > 1)
		a.extra[1].n = run_parallel(&c, argv + optind, argc - optind,
		    threads, &a, &info, &cnt, &nk);
	else {
		cdp_each(argv + optind, argc - optind, &opt.ro.common, &a,
		    opt.since_first ? on_life : on_record, &c);
		if (opt.since_first)
			since_first(&c);
		a.extra[1].n = assign(&c);
		cnt = tally(&c, &nk);
	}
	a.extra[0].name = "no_profile";
	a.extra[0].n = c.no_profile;
	a.extra[1].name = "no_cohort";
	order = sorted(&c);
	fill(&c, order, cnt, nk, &t[0], &t[1]);
	report_write(&opt.ro, tp, 2);
	cdp_par_account(&info, &a);
	report_acct_close(&opt.ro, &a);
	rtable_free(&t[0]);
	rtable_free(&t[1]);
	free(order);
	free(cnt);
	cdp_expr_free(opt.cohort);
	cdp_expr_free(opt.activity);
	cdp_keymap_free(c.comap);
	evprof_free(&c.prof);
	life_free(&c.life);
	life_opts_free(&opt.life);
	free(c.p);
	free(c.act);
	free(c.co);
	cdp_buf_free(&c.labels);
	cdp_buf_free(&c.lab);
	cdp_buf_free(&c.tmp[0]);
	cdp_buf_free(&c.tmp[1]);
	return 0;
}
