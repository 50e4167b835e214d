/*
 * sendtime.c - cdp-score sendtime: each profile's best hour of the day
 * and day of the week to send, from the local times of their own
 * engagement events, shrunk toward the population's pattern by an
 * empirical-Bayes Dirichlet-multinomial estimate.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "hash.h"
#include "keymap.h"
#include "out.h"
#include "record.h"
#include "score.h"
#include "timeval.h"
#include "xalloc.h"

/* One profile: its engagement counts per local hour and weekday. */
struct prof {
	uint64_t	idoff;
	uint32_t	idlen;
	uint8_t		idnum;
	uint32_t	tz;		/* zone id + 1 of the latest event */
	double		tzt;		/* that event's time */
	uint32_t	n;
	uint32_t	hour[24];
	uint32_t	wday[7];	/* Monday first */
};

struct st {
	const struct score_opts	*opt;
	struct prof		*p;
	size_t			 n, cap;
	struct cdp_buf		 ids, key, s, tmp, why;
	struct cdp_keymap	*map;		/* id -> profile */
	/* zones: names, and (zone, UTC hour) -> offset in seconds + 1 */
	struct cdp_buf		 zones;		/* NUL-terminated names */
	size_t			*zoff;
	size_t			 nz, zcap;
	struct cdp_keymap	*zmap;
	struct cdp_keymap	*offsets;
	uint32_t		 cur;		/* zone TZ is set to, + 1 */
	uint32_t		 def;		/* --default-tz id + 1, 0: UTC */
};

/* ---- time zones ---------------------------------------------------- */

/* Whether the system tz database has zone name (glibc would take an
 * unknown one for UTC without a word). */
static bool
zone_known(const char *name)
{
	const char *dir = getenv("TZDIR");
	struct cdp_buf path = { 0 };
	bool ok;

	if (strcmp(name, "UTC") == 0)
		return true;
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/_+-") != strlen(name))
		return false;
	if (cdp_buf_addf(&path, "%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name) == -1)
		cdp_oom(0);
	ok = access(path.p, R_OK) == 0;
	cdp_buf_free(&path);
	return ok;
}

/* The id + 1 of zone name[0..n), added on first sight; 0 when the tz
 * database does not have it. */
static uint32_t
zone_id(struct st *S, const char *name, size_t n)
{
	uint64_t *slot = cdp_keymap_get(S->zmap, cdp_key128_of(name, n));
	int added;

	if (slot != NULL)
		return (uint32_t)*slot + 1;
	cdp_buf_reset(&S->tmp);
	if (cdp_buf_add(&S->tmp, name, n) == -1)
		cdp_oom(0);
	if (strlen(S->tmp.p) != n || !zone_known(S->tmp.p))
		return 0;
	if ((slot = cdp_keymap_put(S->zmap, cdp_key128_of(name, n), S->nz,
	    &added)) == NULL || cdp_grow((void **)&S->zoff, &S->zcap,
	    S->nz + 1, sizeof(*S->zoff)) == -1)
		cdp_oom(0);
	S->zoff[S->nz] = S->zones.len;
	if (cdp_buf_add(&S->zones, name, n) == -1 ||
	    cdp_buf_addc(&S->zones, '\0') == -1)
		cdp_oom(0);
	return (uint32_t)S->nz++ + 1;
}

/*
 * The local time of t in zone z (id + 1; 0 is UTC) as hour and ISO
 * weekday index (Monday 0).  Offsets change at most on the hour, so one
 * is looked up per zone and UTC hour, and TZ is switched only then.
 */
static void
local(struct st *S, uint32_t z, double t, int *hour, int *wday)
{
	long h = (long)floor(t / 3600), off = 0;
	int64_t kv[2] = { z, h };
	struct cdp_key128 k = cdp_key128_of(kv, sizeof(kv));
	uint64_t *slot;
	int added;
	long day, secs;

	if (z != 0 && (slot = cdp_keymap_get(S->offsets, k)) != NULL) {
		off = (long)*slot - 1000000;
	} else if (z != 0) {
		time_t tt = (time_t)(h * 3600);
		struct tm lt;

		if (S->cur != z) {
			if (setenv("TZ", S->zones.p + S->zoff[z - 1], 1) == -1)
				cdp_oom(0);
			tzset();
			S->cur = z;
		}
		if (localtime_r(&tt, &lt) != NULL)
			off = lt.tm_gmtoff;
		if ((slot = cdp_keymap_put(S->offsets, k, (uint64_t)(off +
		    1000000), &added)) == NULL)
			cdp_oom(0);
	}
	secs = (long)floor(t) + off;
	day = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	*hour = (int)((secs - day * 86400) / 3600);
	/* 1970-01-01 was a Thursday: index 3 from Monday */
	*wday = (int)(((day % 7) + 7 + 3) % 7);
}

/* ---- reading ------------------------------------------------------- */

static struct prof *
profile(struct st *S, const char *id, size_t n, bool num)
{
	uint64_t *slot;
	int added;
	struct prof *p;

	cdp_buf_reset(&S->key);
	if (cdp_buf_addc(&S->key, num ? 'n' : 's') == -1 ||
	    cdp_buf_add(&S->key, id, n) == -1)
		cdp_oom(0);
	slot = cdp_keymap_put(S->map, cdp_key128_of(S->key.p, S->key.len),
	    S->n, &added);
	if (slot == NULL)
		cdp_oom(0);
	if (!added)
		return &S->p[*slot];
	if (cdp_grow((void **)&S->p, &S->cap, S->n + 1, sizeof(*S->p)) == -1)
		cdp_oom(0);
	p = &S->p[S->n++];
	*p = (struct prof){ .idoff = S->ids.len, .idlen = (uint32_t)n,
	    .idnum = num, .tzt = -INFINITY };
	if (cdp_buf_add(&S->ids, id, n) == -1)
		cdp_oom(0);
	return p;
}

/* Whether string field name of rec is one of list[0..n). */
static bool
one_of(struct st *S, struct cdp_rec *rec, const char *name, char *const *list,
    int n)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;
	size_t len;

	if (f == NULL || f->type != CDP_STRING || cdp_rec_str(rec, f, &S->s,
	    &s, &len) == -1)
		return false;
	for (int i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return true;
	return false;
}

/* The field reason "field "NAME": what" in S->why. */
static const char *
reason(struct st *S, const char *name, const char *what)
{
	cdp_buf_reset(&S->why);
	if (cdp_buf_adds(&S->why, "field ") == -1 ||
	    cdp_json_quote(&S->why, name, strlen(name)) == -1 ||
	    cdp_buf_addf(&S->why, ": %s", what) == -1)
		cdp_oom(0);
	return S->why.p;
}

/* The event's time: a datetime (a date alone has no hour). */
static int
event_time(struct st *S, struct cdp_rec *rec, double *t, const char **why)
{
	const char *name = S->opt->time, *s, *r;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	size_t n;

	if (f == NULL || f->type == CDP_NULL) {
		*why = reason(S, name, "missing");
		return -1;
	}
	if (f->type != CDP_STRING || cdp_rec_str(rec, f, &S->s, &s, &n) ==
	    -1 || cdp_time_parse(s, n, &S->tmp, t, &r) == -1) {
		*why = reason(S, name, "not a datetime");
		return -1;
	}
	if (n <= 10) {
		*why = reason(S, name, "a date without a time of day");
		return -1;
	}
	return 0;
}

static int
one_event(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct st *S = ctx;
	const struct score_opts *opt = S->opt;
	const struct cdp_field *f, *z;
	const char *id, *zs;
	size_t idn, zn;
	struct prof *p;
	uint32_t zone = S->def;
	double t;
	int h, d;

	(void)at;
	f = cdp_rec_find(rec, opt->id, strlen(opt->id));
	if (f == NULL || f->type == CDP_NULL ||
	    !one_of(S, rec, opt->event, opt->events, opt->nevents))
		return 1;
	if (f->type == CDP_NUMBER) {
		id = rec->p + f->voff;
		idn = f->vlen;
	} else if (f->type != CDP_STRING || cdp_rec_str(rec, f, &S->key,
	    &id, &idn) == -1) {
		*why = reason(S, opt->id, "not a string or number");
		return -1;
	} else if (idn == 0) {
		return 1;
	}
	if (event_time(S, rec, &t, why) == -1)
		return -1;
	z = cdp_rec_find(rec, opt->tz, strlen(opt->tz));
	if (z != NULL && z->type != CDP_NULL) {
		if (z->type != CDP_STRING || cdp_rec_str(rec, z, &S->s, &zs,
		    &zn) == -1 || (zone = zone_id(S, zs, zn)) == 0) {
			*why = reason(S, opt->tz, "not a time zone of the tz "
			    "database");
			return -1;
		}
	}
	/* the id text may sit in S->key: copy it before profile() */
	cdp_buf_reset(&S->tmp);
	if (cdp_buf_add(&S->tmp, id, idn) == -1)
		cdp_oom(0);
	p = profile(S, S->tmp.p, idn, f->type == CDP_NUMBER);
	local(S, zone, t, &h, &d);
	p->hour[h]++;
	p->wday[d]++;
	p->n++;
	if (t >= p->tzt && zone != 0) {
		p->tz = zone;
		p->tzt = t;
	}
	return 0;
}

/* ---- the estimate -------------------------------------------------- */

/*
 * The Dirichlet-multinomial log-likelihood of the profiles' counts over
 * k categories (field off of struct prof) with prior mean pi and
 * concentration a; categories with no count add nothing.
 */
static double
dm_ll(const struct st *S, size_t off, int k, const double *pi, double a)
{
	double ll = 0;

	for (size_t i = 0; i < S->n; i++) {
		const uint32_t *c = (const uint32_t *)((const char *)&S->p[i] +
		    off);

		ll += lgamma(a) - lgamma(a + S->p[i].n);
		for (int j = 0; j < k; j++)
			if (c[j] > 0)
				ll += lgamma(c[j] + a * pi[j]) -
				    lgamma(a * pi[j]);
	}
	return ll;
}

/*
 * The prior: pi the population's share of each category (all events
 * pooled, a half event added to each so none is 0), and the
 * concentration a that maximises the marginal likelihood, by golden
 * section on ln a in [ln 0.01, ln 10000].  a is how many events of the
 * population's pattern a profile's own counts are weighed against.
 */
static double
prior(const struct st *S, size_t off, int k, double *pi)
{
	double total = 0, lo = log(0.01), hi = log(10000), g = 0.6180339887;
	double x1, x2, f1, f2;

	for (int j = 0; j < k; j++)
		pi[j] = 0.5;
	for (size_t i = 0; i < S->n; i++) {
		const uint32_t *c = (const uint32_t *)((const char *)&S->p[i] +
		    off);

		for (int j = 0; j < k; j++)
			pi[j] += c[j];
	}
	for (int j = 0; j < k; j++)
		total += pi[j];
	for (int j = 0; j < k; j++)
		pi[j] /= total;
	x1 = hi - g * (hi - lo);
	x2 = lo + g * (hi - lo);
	f1 = dm_ll(S, off, k, pi, exp(x1));
	f2 = dm_ll(S, off, k, pi, exp(x2));
	for (int it = 0; it < 60 && hi - lo > 1e-6; it++) {
		if (f1 >= f2) {
			hi = x2;
			x2 = x1;
			f2 = f1;
			x1 = hi - g * (hi - lo);
			f1 = dm_ll(S, off, k, pi, exp(x1));
		} else {
			lo = x1;
			x1 = x2;
			f1 = f2;
			x2 = lo + g * (hi - lo);
			f2 = dm_ll(S, off, k, pi, exp(x2));
		}
	}
	return exp((lo + hi) / 2);
}

/*
 * The best category of counts c[0..k): the largest posterior mean
 * (c_j + a pi_j) / (n + a), smoothed over its circular neighbours with
 * weights 1/4, 1/2, 1/4 (a preferred hour spreads onto the hours beside
 * it); ties go to the earliest.
 */
static int
best(const uint32_t *c, int k, const double *pi, double a)
{
	double m[24], s, top = -1;
	int arg = 0;

	for (int j = 0; j < k; j++)
		m[j] = c[j] + a * pi[j];
	for (int j = 0; j < k; j++) {
		s = m[(j + k - 1) % k] / 4 + m[j] / 2 + m[(j + 1) % k] / 4;
		if (s > top + 1e-12 * top) {
			top = s;
			arg = j;
		}
	}
	return arg;
}

/* ---- output -------------------------------------------------------- */

static unsigned long long
write_profiles(struct st *S, struct cdp_out *out)
{
	double pih[24], piw[7], ah, aw;
	struct idref *o = cdp_xreallocarray(NULL, S->n ? S->n : 1,
	    sizeof(*o));
	struct cdp_recw w = { 0 };
	struct cdp_err err;
	const char *id = S->opt->id;

	ah = prior(S, offsetof(struct prof, hour), 24, pih);
	aw = prior(S, offsetof(struct prof, wday), 7, piw);
	for (size_t i = 0; i < S->n; i++)
		o[i] = (struct idref){ S->ids.p + S->p[i].idoff,
		    S->p[i].idlen, i, S->p[i].idnum };
	qsort(o, S->n, sizeof(*o), score_by_id);
	for (size_t k = 0; k < S->n; k++) {
		const struct prof *p = &S->p[o[k].ix];
		int rc;

		cdp_recw_begin(&w);
		rc = p->idnum ? cdp_recw_raw(&w, id, strlen(id), o[k].p,
		    o[k].len) : cdp_recw_str(&w, id, strlen(id), o[k].p,
		    o[k].len);
		rc |= cdp_recw_int(&w, "sendtime_hour", 13, best(p->hour, 24,
		    pih, ah));
		rc |= cdp_recw_int(&w, "sendtime_weekday", 16, 1 +
		    best(p->wday, 7, piw, aw));
		rc |= cdp_recw_int(&w, "sendtime_events", 15, p->n);
		if (p->tz != 0) {
			const char *z = S->zones.p + S->zoff[p->tz - 1];

			rc |= cdp_recw_str(&w, "sendtime_tz", 11, z, strlen(z));
		}
		if (rc != 0 || cdp_recw_end(&w) == -1)
			cdp_oom(0);
		if (cdp_out_write(out, w.b.p, w.b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	}
	cdp_recw_free(&w);
	free(o);
	return S->n;
}

int
sendtime_run(const struct score_opts *opt, char **files, int nfiles)
{
	struct st S = { .opt = opt };
	struct cdp_acct acct;
	struct cdp_out *out;
	struct cdp_err err;
	unsigned long long n;

	if ((S.map = cdp_keymap_new()) == NULL ||
	    (S.zmap = cdp_keymap_new()) == NULL ||
	    (S.offsets = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if (opt->default_tz != NULL &&
	    (S.def = zone_id(&S, opt->default_tz, strlen(opt->default_tz))) ==
	    0)
		cdp_die(EX_USAGE, NULL, 0, "--default-tz: \"%s\" is not a time "
		    "zone of the tz database", opt->default_tz);
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.aggregating = true;
	cdp_each(files, nfiles, &opt->common, &acct, one_event, &S);
	n = write_profiles(&S, out);
	if (cdp_out_close(out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "output";
	acct.extra[0].n = n;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_keymap_free(S.map);
	cdp_keymap_free(S.zmap);
	cdp_keymap_free(S.offsets);
	free(S.p);
	free(S.zoff);
	cdp_buf_free(&S.ids);
	cdp_buf_free(&S.key);
	cdp_buf_free(&S.s);
	cdp_buf_free(&S.tmp);
	cdp_buf_free(&S.why);
	cdp_buf_free(&S.zones);
	return 0;
}
