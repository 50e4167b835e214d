/*
 * lift.c - cdp-report lift: does a journey work?  Decision records of
 * cdp-journey (arm treatment or holdout) joined with outcome events: per
 * journey, action, variant and arm the profiles, conversions within a
 * window after the decision and revenue; per treated variant its lift
 * over the journey action's holdout, with the intervals and tests that
 * make it honest (lift_stats.c), and a warning when the arms are too
 * small or their sizes are not those assigned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "events_prof.h"
#include "expr.h"
#include "keymap.h"
#include "xalloc.h"
#include "lift.h"

static const char usage[] =
"usage: cdp-report lift --outcome EXPR [options] [FILE...]\n"
"Lift of journeys over their holdouts: FILEs hold cdp-journey's decision\n"
"records (with an \"arm\" field) and the outcome events, in any order.\n"
"\n"
"      --outcome EXPR        an event where EXPR is true is an outcome\n"
"      --window DURATION     it counts for a decision up to DURATION after\n"
"                            the decision's send_at (default 7d)\n"
"      --value FIELD         the outcome's revenue (a number)\n"
"      --by-profile FIELD    the field naming the profile (default\n"
"                            profile_id)\n"
"      --holdout-share [JOURNEY=]SHARE\n"
"                            the holdout asked for (like 10%), for the\n"
"                            sample ratio check (default: the decisions'\n"
"                            holdout_share); repeatable\n"
"      --bootstrap N         resamplings for the revenue interval (default\n"
"                            1000)\n"
"      --seed N              the resampling's seed (default 1)\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_BOOTSTRAP = REPORT_OPT_PRIVATE,
	OPT_BY_PROFILE,
	OPT_HOLDOUT_SHARE,
	OPT_OUTCOME,
	OPT_SEED,
	OPT_VALUE,
	OPT_WINDOW
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "by-profile", required_argument, NULL, OPT_BY_PROFILE },
	{ "holdout-share", required_argument, NULL, OPT_HOLDOUT_SHARE },
	{ "outcome", required_argument, NULL, OPT_OUTCOME },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ NULL, 0, NULL, 0 }
};

#define NONE	UINT32_MAX

/* Profiles are known by the 128-bit hash of their id (type byte and
 * text): joining is sorting, no table of profiles is kept. */
struct decision {
	struct cdp_key128 prof;
	uint32_t	group;
	double		t;
};

struct outcome {
	struct cdp_key128 prof;
	double		t, value;
};

struct lift {
	struct lift_opts	 opt;
	struct cdp_expr		*outcome;
	struct cdp_keymap	*groupmap;
	struct lift_group	*g;
	size_t			 ng, capg;
	struct decision		*d;
	size_t			 nd, capd;
	struct outcome		*o;
	size_t			 no, capo;
	struct cdp_buf		 key, str, tmp[2];
	char			 why[200];
	/* --stats */
	unsigned long long	 decisions, not_sent, outcomes, unmatched;
};

/* ---- options ---- */

/* A share: "10%" or 0.1, in [0, 1). */
static int
parse_share(const char *s, double *v)
{
	char buf[64];
	size_t n = strlen(s);
	bool pct = n > 0 && s[n - 1] == '%';

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if (pct)
		buf[n - 1] = '\0';
	if (cdp_parse_double(buf, v) == -1)
		return -1;
	if (pct)
		*v /= 100;
	return *v > 0 && *v < 1 ? 0 : -1;
}

static void
holdout_share(struct lift_opts *o, char *arg)
{
	char *eq = strrchr(arg, '=');
	double v;

	if (o->nshares == LIFT_MAXSHARES)
		cdp_usage_die(usage, "--holdout-share: at most %d",
		    LIFT_MAXSHARES);
	if (eq != NULL)
		*eq++ = '\0';
	if (parse_share(eq != NULL ? eq : arg, &v) == -1 ||
	    (eq != NULL && *arg == '\0'))
		cdp_usage_die(usage, "--holdout-share: expected [JOURNEY=]SHARE "
		    "with a share above 0 and below 100%% (like 10%%)");
	o->shares[o->nshares].journey = eq != NULL ? arg : NULL;
	o->shares[o->nshares++].share = v;
}

static void
parse_options(int argc, char **argv, struct lift_opts *o)
{
	int ch;
	long n;

	*o = (struct lift_opts){ .profile = "profile_id", .window = 7 * 86400.0,
	    .boot = 1000, .seed = 1 };
	report_opts_init(&o->ro, "lift");
	while ((ch = getopt_long(argc, argv, REPORT_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (report_opt(ch, optarg, &o->ro, usage))
			continue;
		switch (ch) {
		case OPT_OUTCOME:
			o->outcome = optarg;
			break;
		case OPT_WINDOW:
			if (report_parse_duration(optarg, &o->window) == -1)
				cdp_usage_die(usage, "--window: expected a "
				    "duration such as 7d");
			break;
		case OPT_BOOTSTRAP:
			if (cdp_parse_long(optarg, 100, 1000000, &n) == -1)
				cdp_usage_die(usage, "--bootstrap: expected a "
				    "number of resamplings from 100 to 1000000");
			o->boot = n;
			break;
		case OPT_BY_PROFILE:
			o->profile = optarg;
			break;
		case OPT_HOLDOUT_SHARE:
			holdout_share(o, optarg);
			break;
		case OPT_SEED:
			if (cdp_parse_long(optarg, 0, 4294967295L, &n) == -1)
				cdp_usage_die(usage, "--seed: expected a number "
				    "from 0 to 4294967295");
			o->seed = (unsigned long)n;
			break;
		case OPT_VALUE:
			o->value = optarg;
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	if (o->outcome == NULL)
		cdp_usage_die(usage, "--outcome is required");
	if (*o->profile == '\0' || (o->value != NULL && *o->value == '\0'))
		cdp_usage_die(usage, "empty field name");
	report_opts_done(&o->ro, usage);
}

/* ---- reading ---- */

/* The text of string field name of rec into *s, n; 1 when missing or
 * null, -1 when not a string. */
static int
str_field(struct lift *l, struct cdp_rec *rec, const char *name,
    struct cdp_buf *b, const char **s, size_t *n)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type != CDP_STRING || cdp_rec_str(rec, f, b, s, n) == -1)
		return -1;
	(void)l;
	return 0;
}

/* The profile of rec (its hash); -1 with *why when it is not a string
 * or a number, 1 when it has none. */
static int
profile_of(struct lift *l, struct cdp_rec *rec, struct cdp_key128 *k,
    const char **why)
{
	int rc = report_id(rec, l->opt.profile, &l->str, &l->key);

	if (rc == 0)
		*k = cdp_key128_of(l->key.p, l->key.len);
	else if (rc == -1) {
		snprintf(l->why, sizeof(l->why), "profile field '%s' is not a "
		    "string or a number", l->opt.profile);
		*why = l->why;
	}
	return rc;
}

/* The group of journey, action, variant (NULL: none) and arm. */
static uint32_t
group_of(struct lift *l, const char *j, const char *a, const char *v,
    bool holdout)
{
	uint64_t *ix;
	int added;

	cdp_buf_reset(&l->key);
	if (cdp_buf_add(&l->key, j, strlen(j) + 1) == -1 ||
	    cdp_buf_add(&l->key, a, strlen(a) + 1) == -1 ||
	    cdp_buf_addc(&l->key, v != NULL) == -1 ||
	    (v != NULL && cdp_buf_add(&l->key, v, strlen(v) + 1) == -1) ||
	    cdp_buf_addc(&l->key, holdout) == -1)
		cdp_oom(0);
	if ((ix = cdp_keymap_put(l->groupmap, cdp_key128_of(l->key.p,
	    l->key.len), l->ng, &added)) == NULL)
		cdp_oom(0);
	if (added) {
		if (l->ng == l->capg) {
			l->capg = l->capg ? 2 * l->capg : 16;
			l->g = cdp_xreallocarray(l->g, l->capg, sizeof(*l->g));
		}
		l->g[l->ng++] = (struct lift_group){ .journey =
		    cdp_xstrdup(j), .action = cdp_xstrdup(a), .variant =
		    v != NULL ? cdp_xstrdup(v) : NULL, .holdout = holdout,
		    .hshare = NAN, .vshare = NAN };
	}
	return (uint32_t)*ix;
}

/* Would held-out decision rec have been sent?  Its reason is "holdout"
 * then (a missing reason is taken as one). */
static bool
holdout_reason(struct lift *l, struct cdp_rec *rec)
{
	const char *s;
	size_t n;

	if (str_field(l, rec, "reason", &l->str, &s, &n) != 0)
		return true;
	return n == 7 && memcmp(s, "holdout", 7) == 0;
}

/* Copy field name's string (required) into *out; 0, or -1 with
 * l->why. */
static int
need_str(struct lift *l, struct cdp_rec *rec, const char *name,
    struct cdp_buf *b, const char **out)
{
	const char *s;
	size_t n;

	if (str_field(l, rec, name, b, &s, &n) != 0 ||
	    memchr(s, '\0', n) != NULL) {
		snprintf(l->why, sizeof(l->why), "decision without a string "
		    "field '%s'", name);
		return -1;
	}
	cdp_buf_reset(b);
	if (cdp_buf_add(b, s, n) == -1 || cdp_buf_addc(b, '\0') == -1)
		cdp_oom(0);
	b->len--;
	*out = b->p;
	return 0;
}

/* The share in field name of rec: 0 with *v, 1 when missing or null
 * (*v NAN), -1 with l->why when not a number above 0 and at most 1. */
static int
share_field(struct lift *l, struct cdp_rec *rec, const char *name,
    double *v)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));

	*v = NAN;
	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type != CDP_NUMBER || cdp_rec_num(rec, f, v) == -1 ||
	    !(*v > 0 && *v <= 1)) {
		snprintf(l->why, sizeof(l->why), "%s is not a share above 0 "
		    "and at most 1", name);
		return -1;
	}
	return 0;
}

/* A decision record: 0 used, 1 skipped (not sent), -1 bad. */
static int
decision(struct lift *l, struct cdp_rec *rec, const char **why)
{
	struct cdp_buf b[4] = { 0 };
	const char *j, *a, *arm, *s;
	char *v = NULL;
	const struct cdp_field *sent;
	struct decision d;
	double hshare, vshare;
	size_t n;
	int rc = -1, prc;
	bool held;

	*why = l->why;
	if (need_str(l, rec, "journey", &b[0], &j) == -1 ||
	    need_str(l, rec, "action", &b[1], &a) == -1 ||
	    need_str(l, rec, "arm", &b[2], &arm) == -1)
		goto out;
	if (strcmp(arm, "treatment") != 0 && strcmp(arm, "holdout") != 0) {
		snprintf(l->why, sizeof(l->why), "arm is neither treatment "
		    "nor holdout");
		goto out;
	}
	if ((prc = str_field(l, rec, "variant", &b[3], &s, &n)) == -1 ||
	    (prc == 0 && memchr(s, '\0', n) != NULL)) {
		snprintf(l->why, sizeof(l->why), "variant is not a string");
		goto out;
	}
	if (prc == 0)
		v = cdp_xstrndup(s, n);
	if (share_field(l, rec, "holdout_share", &hshare) == -1 ||
	    share_field(l, rec, "variant_share", &vshare) == -1)
		goto out;
	sent = cdp_rec_find(rec, "sent", 4);
	if (sent == NULL || (sent->type != CDP_TRUE &&
	    sent->type != CDP_FALSE)) {
		snprintf(l->why, sizeof(l->why), "decision without a boolean "
		    "field 'sent'");
		goto out;
	}
	if ((prc = report_time(rec, "send_at", l->tmp, &d.t, why)) != 0) {
		if (prc == 1)
			snprintf(l->why, sizeof(l->why), "decision without "
			    "send_at");
		if (prc == 1)
			*why = l->why;
		goto out;
	}
	if ((prc = profile_of(l, rec, &d.prof, why)) != 0) {
		if (prc == 1) {
			snprintf(l->why, sizeof(l->why), "decision without "
			    "a profile ('%s')", l->opt.profile);
			*why = l->why;
		}
		goto out;
	}
	l->decisions++;
	/* A treated decision that was not sent (consent, caps, quiet
	 * hours) treated nobody; a held-out one is what would have been
	 * sent, so it is the control -- when its reason says so: held
	 * out without consent or over a cap, it would not have been sent
	 * either. */
	held = strcmp(arm, "holdout") == 0;
	if (held ? !holdout_reason(l, rec) : sent->type == CDP_FALSE) {
		l->not_sent++;
		rc = 1;
		goto out;
	}
	d.group = group_of(l, j, a, v, held);
	if (!isnan(hshare))
		lift_share_take(&l->g[d.group].hshare, hshare);
	if (!isnan(vshare))
		lift_share_take(&l->g[d.group].vshare, vshare);
	if (l->nd == l->capd) {
		l->capd = l->capd ? 2 * l->capd : 1024;
		l->d = cdp_xreallocarray(l->d, l->capd, sizeof(*l->d));
	}
	l->d[l->nd++] = d;
	rc = 0;
out:
	for (int i = 0; i < 4; i++)
		cdp_buf_free(&b[i]);
	free(v);
	return rc;
}

/* An outcome event: 0 used, -1 bad (no time, a value that is not a
 * number). */
static int
outcome(struct lift *l, struct cdp_rec *rec, const char **why)
{
	struct outcome o = { .value = 0 };
	const struct cdp_field *f;
	int rc;

	if ((rc = profile_of(l, rec, &o.prof, why)) != 0)
		return rc;
	if ((rc = report_time(rec, l->opt.ro.time, l->tmp, &o.t, why)) != 0) {
		if (rc == 1) {
			snprintf(l->why, sizeof(l->why), "outcome without a "
			    "time ('%s')", l->opt.ro.time);
			*why = l->why;
		}
		return -1;
	}
	if (l->opt.value != NULL && (f = cdp_rec_find(rec, l->opt.value,
	    strlen(l->opt.value))) != NULL && f->type != CDP_NULL) {
		if (f->type != CDP_NUMBER || cdp_rec_num(rec, f, &o.value)
		    == -1) {
			snprintf(l->why, sizeof(l->why), "value field '%s' is "
			    "not a number", l->opt.value);
			*why = l->why;
			return -1;
		}
	}
	l->outcomes++;
	if (l->no == l->capo) {
		l->capo = l->capo ? 2 * l->capo : 1024;
		l->o = cdp_xreallocarray(l->o, l->capo, sizeof(*l->o));
	}
	l->o[l->no++] = o;
	return 0;
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct lift *l = ctx;
	int rc;

	(void)at;
	if (cdp_rec_find(rec, "arm", 3) != NULL)
		return decision(l, rec, why);
	if ((rc = cdp_expr_test(l->outcome, rec, why)) == -1)
		return -1;
	return rc == 1 ? outcome(l, rec, why) : 1;
}

/* ---- joining ---- */

static int
cmp_key(struct cdp_key128 a, struct cdp_key128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return (a.lo > b.lo) - (a.lo < b.lo);
}

static int
cmp_decision(const void *a, const void *b)
{
	const struct decision *x = a, *y = b;
	int c;

	if ((c = cmp_key(x->prof, y->prof)) != 0)
		return c;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->t > y->t) - (x->t < y->t);
}

static int
cmp_outcome(const void *a, const void *b)
{
	const struct outcome *x = a, *y = b;
	int c;

	if ((c = cmp_key(x->prof, y->prof)) != 0)
		return c;
	return (x->t > y->t) - (x->t < y->t);
}

/* Decision d against its profile's outcomes o[0..n), in time order. */
static void
decide(struct lift *l, const struct decision *d, const struct outcome *o,
    size_t n)
{
	double rev = 0;
	bool conv = false;

	for (size_t k = 0; k < n && o[k].t <= d->t + l->opt.window; k++)
		if (o[k].t >= d->t) {
			conv = true;
			rev += o[k].value;
		}
	lift_group_take(&l->g[d->group], conv, rev);
}

/*
 * Each profile's first decision in each group decides: it converted
 * when one of its outcomes falls in [send_at, send_at + window], and
 * its revenue is the value of those outcomes.  Both sides sorted by
 * profile, they are merged in one pass; outcomes of a profile that no
 * decision names are counted, never joined.
 */
static void
join(struct lift *l)
{
	size_t k = 0;

	if (l->nd > 0)
		qsort(l->d, l->nd, sizeof(*l->d), cmp_decision);
	if (l->no > 0)
		qsort(l->o, l->no, sizeof(*l->o), cmp_outcome);
	for (size_t i = 0, j; i < l->nd; i = j) {
		struct cdp_key128 p = l->d[i].prof;
		size_t k1;

		for (j = i + 1; j < l->nd && cmp_key(l->d[j].prof, p) == 0;
		    j++)
			;
		for (; k < l->no && cmp_key(l->o[k].prof, p) < 0; k++)
			l->unmatched++;
		for (k1 = k; k1 < l->no && cmp_key(l->o[k1].prof, p) == 0;
		    k1++)
			;
		for (size_t m = i; m < j; m++)
			if (m == i || l->d[m].group != l->d[m - 1].group)
				decide(l, &l->d[m], l->o + k, k1 - k);
		k = k1;
	}
	l->unmatched += l->no - k;
}

/* ---- the command ---- */

static void
lift_free(struct lift *l)
{
	for (size_t i = 0; i < l->ng; i++)
		lift_group_free(&l->g[i]);
	free(l->g);
	free(l->d);
	free(l->o);
	cdp_keymap_free(l->groupmap);
	cdp_expr_free(l->outcome);
	cdp_buf_free(&l->key);
	cdp_buf_free(&l->str);
	cdp_buf_free(&l->tmp[0]);
	cdp_buf_free(&l->tmp[1]);
}

int
lift_main(int argc, char **argv)
{
	struct lift l = { 0 };
	struct cdp_acct acct;

	parse_options(argc, argv, &l.opt);
	l.outcome = events_compile(&l.opt.ro, l.opt.outcome, "--outcome");
	if ((l.groupmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	report_acct_open(&l.opt.ro, &acct);
	cdp_each(argv + optind, argc - optind, &l.opt.ro.common, &acct,
	    on_record, &l);
	join(&l);
	lift_report(&l.opt, l.g, l.ng);
	acct.extra[0].name = "decisions";
	acct.extra[0].n = l.decisions;
	acct.extra[1].name = "not_sent";
	acct.extra[1].n = l.not_sent;
	acct.extra[2].name = "outcomes";
	acct.extra[2].n = l.outcomes;
	acct.extra[3].name = "outcomes_unmatched";
	acct.extra[3].n = l.unmatched;
	report_acct_close(&l.opt.ro, &acct);
	lift_free(&l);
	return 0;
}
