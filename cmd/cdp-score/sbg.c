/*
 * sbg.c - clv and churn --model sbg: the shifted-beta-geometric model of
 * contract renewals (Fader & Hardie 2007), fitted to subscription
 * records (start, cancel) or to survival counts per period, with the
 * projected survival and retention, and per subscription the churn
 * probability and the discounted expected residual lifetime value
 * (Fader & Hardie 2010).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "clv.h"
#include "diag.h"
#include "each.h"
#include "out.h"
#include "record.h"
#include "timeval.h"
#include "xalloc.h"

/* One subscription, or one period's count from survival records. */
struct sub {
	long	start, end;	/* days; end: cancel, or -1 while active */
	double	amount;		/* NAN: none */
	size_t	line;		/* offset of its record in lines */
	double	k;		/* whole periods before the end */
	bool	cancelled;
	bool	counted;	/* in the fit (started by the end) */
};

struct subs {
	const struct score_opts	*opt;
	struct sub		*s;
	size_t			 n, cap;
	double			*active;	/* survival counts per period */
	size_t			 nperiods, pcap;
	long			 maxday;
	struct cdp_buf		 lines, tmp, why, str;
	const char		*owned[4];
	int			 nowned;
};

/* ---- periods ------------------------------------------------------- */

/*
 * Whole periods from day a to day b (b >= a): days and weeks by length,
 * months and years by the calendar (one month has passed on the same day
 * of the next month); with up, any part of a period counts as one.
 */
static double
periods(long a, long b, enum period p, bool up)
{
	int y1, m1, d1, y2, m2, d2;
	long whole, len = p == PERIOD_DAY ? 1 : 7, back;

	if (p == PERIOD_DAY || p == PERIOD_WEEK) {
		whole = (b - a) / len;
		return (double)whole + (up && (b - a) % len ? 1 : 0);
	}
	cdp_time_civil(a, &y1, &m1, &d1);
	cdp_time_civil(b, &y2, &m2, &d2);
	whole = p == PERIOD_MONTH ? (y2 * 12L + m2) - (y1 * 12L + m1) :
	    y2 - y1;
	if (p == PERIOD_YEAR && (m2 < m1 || (m2 == m1 && d2 < d1)))
		whole--;
	if (p == PERIOD_MONTH && d2 < d1)
		whole--;
	/* the day the whole periods end: anything after is a part */
	back = p == PERIOD_MONTH ? cdp_time_days(y1 + (m1 - 1 + whole) / 12,
	    (int)((m1 - 1 + whole) % 12) + 1, d1) :
	    cdp_time_days(y1 + whole, m1, d1);
	return (double)whole + (up && b > back ? 1 : 0);
}

/* ---- reading ------------------------------------------------------- */

/* The day of date field name of rec: 0, 1 when absent or null, -1 with
 * *why when not a date. */
static int
day_field(struct subs *S, struct cdp_rec *rec, const char *name, long *day,
    const char **why)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type != CDP_STRING || cdp_rec_str(rec, f, &S->str, &s, &n) ==
	    -1 || parse_day(s, n, &S->tmp, day, why) == -1) {
		cdp_buf_reset(&S->why);
		if (cdp_buf_adds(&S->why, "field ") == -1 ||
		    cdp_json_quote(&S->why, name, strlen(name)) == -1 ||
		    cdp_buf_adds(&S->why, ": not a date") == -1)
			cdp_oom(0);
		*why = S->why.p;
		return -1;
	}
	return 0;
}

static int
one_sub(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct subs *S = ctx;
	const struct score_opts *opt = S->opt;
	const struct cdp_field *a;
	struct sub s = { .end = -1, .amount = NAN };
	int rc;

	/* --start and --cancel name the fields, start and cancel unless */
	if ((rc = day_field(S, rec, opt->start ? opt->start : "start",
	    &s.start, why)) != 0) {
		if (rc == 1)
			*why = "no start day (--start)";
		return -1;
	}
	if ((rc = day_field(S, rec, opt->cancel ? opt->cancel : "cancel",
	    &s.end, why)) == -1)
		return -1;
	if (rc == 0 && s.end <= s.start) {
		*why = "the subscription ends on or before its start";
		return -1;
	}
	a = cdp_rec_find(rec, opt->amount, strlen(opt->amount));
	if (a != NULL && a->type != CDP_NULL && (cdp_rec_num(rec, a,
	    &s.amount) == -1 || !isfinite(s.amount) || s.amount < 0)) {
		*why = "the amount (--amount) is not a number of at least 0";
		return -1;
	}
	for (int j = 0; j < S->nowned && !opt->fit_only; j++)
		if (!opt->replace && cdp_rec_find(rec, S->owned[j],
		    strlen(S->owned[j])) != NULL) {
			*why = score_exists(&S->why, S->owned[j]);
			return -1;
		}
	if (s.start > S->maxday)
		S->maxday = s.start;
	if (s.end > S->maxday)
		S->maxday = s.end;
	s.line = S->lines.len;
	if (!opt->fit_only && (cdp_buf_add(&S->lines, at->line->p,
	    at->line->len) == -1 || cdp_buf_addc(&S->lines, '\0') == -1))
		cdp_oom(0);
	if (cdp_grow((void **)&S->s, &S->cap, S->n + 1, sizeof(*S->s)) == -1)
		cdp_oom(0);
	S->s[S->n++] = s;
	return 0;
}

/* Survival counts: period 0, 1, ... in order, never rising. */
static int
one_count(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct subs *S = ctx;
	const struct cdp_field *p = cdp_rec_find(rec, "period", 6);
	const struct cdp_field *a = cdp_rec_find(rec, "active", 6);
	double t, n;

	(void)at;
	if (p == NULL || a == NULL || cdp_rec_num(rec, p, &t) == -1 ||
	    cdp_rec_num(rec, a, &n) == -1 || !isfinite(n) || n < 0) {
		*why = "not a survival record (period and active: numbers, "
		    "active at least 0)";
		return -1;
	}
	if (t != (double)S->nperiods) {
		*why = S->nperiods == 0 ? "the periods must start at 0" :
		    "the periods must follow each other (0, 1, 2, ...)";
		return -1;
	}
	if (S->nperiods > 0 && n > S->active[S->nperiods - 1]) {
		*why = "active rises from the period before: survival "
		    "counts never rise";
		return -1;
	}
	if (cdp_grow((void **)&S->active, &S->pcap, S->nperiods + 1,
	    sizeof(*S->active)) == -1)
		cdp_oom(0);
	S->active[S->nperiods++] = n;
	return 0;
}

/* ---- the likelihood's rows ----------------------------------------- */

/* The survival counts of periods 0..last as rows: those who left in
 * each period, and those still there after the last. */
static size_t
count_rows(const struct subs *S, size_t last, struct rfx *r)
{
	size_t m = 0;

	for (size_t t = 1; t <= last; t++)
		if (S->active[t - 1] > S->active[t])
			r[m++] = (struct rfx){ .x = 1, .T = (double)t,
			    .w = S->active[t - 1] - S->active[t] };
	if (S->active[last] > 0)
		r[m++] = (struct rfx){ .x = 0, .T = (double)last,
		    .w = S->active[last] };
	return m;
}

/* Each subscription as a row, as of the calibration end: the periods it
 * lasted (a part counting whole) when it ended, else the whole periods
 * survived so far. */
static size_t
sub_rows(struct subs *S, long end, struct rfx *r)
{
	size_t m = 0;

	for (size_t i = 0; i < S->n; i++) {
		struct sub *s = &S->s[i];

		s->counted = s->start <= end;
		if (!s->counted)
			continue;
		s->cancelled = s->end >= 0 && s->end <= end;
		s->k = s->cancelled ? periods(s->start, s->end,
		    S->opt->period, true) : periods(s->start, end,
		    S->opt->period, false);
		r[m++] = (struct rfx){ .x = s->cancelled, .T = s->k, .w = 1 };
	}
	return m;
}

/* ---- output -------------------------------------------------------- */

/* The projected survival and retention per period, and the actual
 * ones from survival counts. */
static void
projection(struct cdp_buf *b, const struct subs *S, const double *q,
    size_t upto)
{
	if (cdp_buf_adds(b, ",\"projection\":[") == -1)
		cdp_oom(0);
	for (size_t t = 1; t <= upto; t++) {
		double st = sbg_survival(q, (double)t);

		if (cdp_buf_addf(b, "%s{\"period\":%zu", t > 1 ? "," : "",
		    t) == -1)
			cdp_oom(0);
		json_num(b, "survival", st);
		json_num(b, "retention", st / sbg_survival(q, t - 1.0));
		if (t < S->nperiods && S->active[0] > 0) {
			json_num(b, "actual_survival", S->active[t] /
			    S->active[0]);
			json_num(b, "actual_retention", S->active[t - 1] > 0 ?
			    S->active[t] / S->active[t - 1] : NAN);
		}
		if (cdp_buf_addc(b, '}') == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(b, ']') == -1)
		cdp_oom(0);
}

static void
print_sbg(struct cdp_out *out, const struct subs *S, const struct fit *f,
    size_t upto)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	clv_fit_json(&b, f);
	projection(&b, S, f->p, upto);
	if (cdp_buf_adds(&b, "}\n") == -1)
		cdp_oom(0);
	if (cdp_out_write(out, b.p, b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

/* The fields of subscription s under q. */
static void
sub_fields(const struct subs *S, const struct sub *s, const double *q,
    struct cdp_recw *w)
{
	const struct score_opts *opt = S->opt;
	int rc = 0;

	if (opt->cmd == CMD_CHURN) {
		double risk = s->cancelled ? 1 : sbg_churn(q, s->k);
		double none = s->cancelled ? 1 : 1 - sbg_survival(q, s->k +
		    opt->horizon) / sbg_survival(q, s->k);

		rc = cdp_recw_num(w, "churn_p_alive", 13, !s->cancelled) |
		    cdp_recw_num(w, "churn_risk", 10, risk) |
		    cdp_recw_num(w, "churn_p_no_purchase", 19, none);
	} else {
		double derl = s->cancelled ? 0 : sbg_derl(q, s->k,
		    opt->discount);

		rc = cdp_recw_int(w, "clv_periods", 11, (long long)s->k) |
		    cdp_recw_raw(w, "clv_active", 10, s->cancelled ? "false" :
		    "true", s->cancelled ? 5 : 4) |
		    cdp_recw_num(w, "clv_derl", 8, derl);
		if (rc == 0 && !isnan(s->amount))
			rc = cdp_recw_num(w, "clv_value", 9, derl * s->amount);
	}
	if (rc != 0)
		cdp_oom(0);
}

/* Each subscription record back, with its fields (none for one that
 * starts after the calibration end). */
static unsigned long long
write_subs(struct subs *S, const double *q, struct cdp_out *out)
{
	struct cdp_rec rec = { 0 };
	struct cdp_recw w = { 0 };
	struct cdp_err err;

	for (size_t i = 0; i < S->n; i++) {
		const char *line = S->lines.p + S->s[i].line;

		if (cdp_rec_parse(&rec, line, strlen(line), &err) == -1)
			cdp_die_err(&err, NULL, 0);
		cdp_recw_begin(&w);
		for (size_t j = 0; j < rec.n; j++) {
			const struct cdp_field *f = &rec.f[j];

			if ((!S->s[i].counted || !score_owned(&rec, f,
			    S->owned, S->nowned)) &&
			    cdp_recw_field(&w, &rec, f) == -1)
				cdp_oom(0);
		}
		if (S->s[i].counted)
			sub_fields(S, &S->s[i], q, &w);
		score_write(&w, out);
	}
	cdp_rec_free(&rec);
	cdp_recw_free(&w);
	return S->n;
}

/* ---- the run ------------------------------------------------------- */

static void
fit_rows(const struct score_opts *opt, struct rfx *r, size_t m,
    struct fit *f)
{
	struct rfx_rows d;
	double left = 0;

	if (rfx_rows_make(&d, r, m, NULL, 0) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < d.n; i++)
		left += d.row[i].x * d.row[i].w;
	if (d.n == 0)
		cdp_die(EX_DATAERR, NULL, 0, "sbg: no subscriptions to fit");
	if (left == 0)
		cdp_die(EX_DATAERR, NULL, 0, "sbg: no subscription ended: "
		    "with no churn the churn rate cannot be estimated");
	model_fit(M_SBG, &d, &opt->limits, f);
	rfx_rows_free(&d);
	if (!f->converged && !opt->allow_nonconverged)
		cdp_die(EX_DATAERR, NULL, 0, "sbg: the fit did not converge: "
		    "%s; --allow-nonconverged uses the best parameters found",
		    f->why);
	if (!f->converged)
		cdp_warn(NULL, 0, "sbg: the fit did not converge (%s): the "
		    "best parameters found are used", f->why);
}

int
sbg_run(const struct score_opts *opt, char **files, int nfiles)
{
	static const char *const clv_names[] = { "clv_periods", "clv_active",
		"clv_derl", "clv_value" };
	static const char *const churn_names[] = { "churn_p_alive",
		"churn_risk", "churn_p_no_purchase" };
	struct subs S = { .opt = opt, .maxday = -1000000000L };
	struct cdp_acct acct;
	struct cdp_out *out;
	struct cdp_err err;
	struct fit f;
	struct rfx *r;
	size_t m, last = 0;
	unsigned long long n = 1;

	S.nowned = opt->cmd == CMD_CHURN ? 3 : 4;
	memcpy(S.owned, opt->cmd == CMD_CHURN ? churn_names : clv_names,
	    (size_t)S.nowned * sizeof(*S.owned));
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.aggregating = true;
	cdp_each(files, nfiles, &opt->common, &acct, opt->from_summary ?
	    one_count : one_sub, &S);
	if (opt->from_summary) {
		if (S.nperiods < 2 + (size_t)opt->holdout_periods)
			cdp_die(EX_DATAERR, NULL, 0, "sbg: %zu periods of "
			    "survival counts; the fit needs two or more%s",
			    S.nperiods, opt->holdout_periods ? " besides the "
			    "holdout" : "");
		last = S.nperiods - 1 - (size_t)opt->holdout_periods;
		r = cdp_xreallocarray(NULL, last + 2, sizeof(*r));
		m = count_rows(&S, last, r);
		last = S.nperiods - 1;
	} else {
		long end = opt->has_cal_end ? opt->cal_end : opt->has_as_of ?
		    opt->as_of : S.maxday;

		r = cdp_xreallocarray(NULL, S.n ? S.n : 1, sizeof(*r));
		m = sub_rows(&S, end, r);
		for (size_t i = 0; i < m; i++)
			if (r[i].T > last)
				last = (size_t)r[i].T;
	}
	fit_rows(opt, r, m, &f);
	if (!opt->fit_only && opt->cmd == CMD_CLV && opt->discount == 0 &&
	    !(f.p[0] > 1))
		cdp_die(EX_DATAERR, NULL, 0, "sbg: gamma = %g is not above 1, "
		    "so without discounting the expected lifetime is "
		    "infinite: give --discount-rate (per period)", f.p[0]);
	if (opt->fit_only)
		print_sbg(out, &S, &f, opt->has_horizon && opt->horizon > last ?
		    (size_t)opt->horizon : last);
	else
		n = write_subs(&S, f.p, out);
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "output";
	acct.extra[0].n = n;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	free(r);
	free(S.s);
	free(S.active);
	cdp_buf_free(&S.lines);
	cdp_buf_free(&S.tmp);
	cdp_buf_free(&S.why);
	cdp_buf_free(&S.str);
	return 0;
}
