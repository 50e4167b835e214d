/* input.c - read events and profile records: group them by profile, keep
 * per event only its time and which journey conditions it meets, and per
 * profile the attributes the guards need (consent, time zone, scores,
 * suppression). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "idvals.h"
#include "xalloc.h"
#include "journey.h"

/* The profile numbered for id s[0..n) (str: a JSON string), added when
 * new.  The key's first byte keeps the string "7" apart from 7. */
uint32_t
j_profile_of(struct j_run *r, const char *s, size_t n, bool str)
{
	struct j_profile *p;
	uint64_t *v;
	int added;

	cdp_buf_reset(&r->key);
	if (cdp_buf_addc(&r->key, str ? 's' : 'n') == -1 ||
	    cdp_buf_add(&r->key, s, n) == -1)
		cdp_oom(0);
	if ((v = cdp_keymap_put(r->ids, cdp_key128_of(r->key.p, r->key.len),
	    r->nprof, &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return (uint32_t)*v;
	if (r->nprof == UINT32_MAX - 1 || r->idtext.len + n > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many profiles");
	cdp_xgrow((void **)&r->prof, &r->capprof, r->nprof + 1,
	    sizeof(*r->prof));
	p = &r->prof[r->nprof];
	*p = (struct j_profile){ .idoff = (uint32_t)r->idtext.len,
	    .idlen = (uint32_t)n, .idstr = str, .tz = -1, .tztime = -INFINITY,
	    .state = -1 };
	for (int c = 0; c < J_NCHAN; c++)
		p->ctime[c] = -INFINITY;
	if (cdp_buf_add(&r->idtext, s, n) == -1)
		cdp_oom(0);
	if (r->opt->score != NULL) {
		size_t need = (r->nprof + 1) * (size_t)r->j.nact;

		cdp_xgrow((void **)&r->score, &r->capscore, need,
		    sizeof(double));
		for (int a = 0; a < r->j.nact; a++)
			r->score[r->nprof * (size_t)r->j.nact + a] = NAN;
	}
	return (uint32_t)r->nprof++;
}

/* The zone number of name, checked against the tz database once. */
static int
zone_of(struct j_run *r, const char *s, size_t n, const char **why)
{
	uint64_t *v;
	int added;
	char *name;

	if ((v = cdp_keymap_put(r->tzmap, cdp_key128_of(s, n), r->ntz,
	    &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return *v == UINT64_MAX ? (*why = "unknown time zone in tz",
		    -1) : (int)*v;
	name = cdp_xstrndup(s, n);
	if (strlen(name) != n || !j_tz_valid(name)) {
		free(name);
		*v = UINT64_MAX;
		*why = "unknown time zone in tz";
		return -1;
	}
	cdp_xgrow((void **)&r->tzname, &r->captz, r->ntz + 1,
	    sizeof(*r->tzname));
	r->tzname[r->ntz] = name;
	return (int)r->ntz++;
}

/* Consent, zone, scores and suppression from one record at time t: a
 * later record wins, a record without time loses to any event. */
static int
attributes(struct j_run *r, struct cdp_rec *rec, struct j_profile *p,
    uint32_t idx, double t, const char **why)
{
	const struct cdp_field *f;
	struct cdp_val v;
	const char *s;
	size_t n;

	if ((f = cdp_rec_find(rec, "tz", 2)) != NULL && f->type != CDP_NULL) {
		int z;

		if (cdp_rec_str(rec, f, &r->tmp, &s, &n) == -1) {
			*why = "tz is not a string";
			return -1;
		}
		if ((z = zone_of(r, s, n, why)) == -1)
			return -1;
		if (t >= p->tztime) {
			p->tz = z;
			p->tztime = t;
		}
	}
	for (int c = 0; c < J_NCHAN; c++) {
		if (cdp_expr_eval(r->consent[c], rec, &v, why) == -1)
			return -1;
		if (v.type == CDP_V_NULL || t < p->ctime[c])
			continue;
		p->consent[c] = v.type == CDP_V_BOOL && v.b ? 1 : 2;
		p->ctime[c] = t;
	}
	if (r->suppress != NULL && (f = cdp_rec_find(rec, "email", 5)) != NULL &&
	    f->type == CDP_STRING && cdp_rec_str(rec, f, &r->tmp, &s, &n) == 0) {
		/* Lists hold addresses in lower case. */
		cdp_buf_reset(&r->key);
		for (size_t i = 0; i < n; i++)
			if (cdp_buf_addc(&r->key, s[i] >= 'A' && s[i] <= 'Z' ?
			    s[i] + 32 : s[i]) == -1)
				cdp_oom(0);
		if (cdp_keymap_get(r->suppress,
		    cdp_key128_of(r->key.p, r->key.len)) != NULL)
			p->suppressed = true;
	}
	for (int a = 0; r->score != NULL && a < r->j.nact; a++) {
		if (cdp_expr_eval(r->j.ex[r->j.act[a].score], rec, &v,
		    why) == -1)
			return -1;
		if (v.type == CDP_V_NUM)
			r->score[idx * (size_t)r->j.nact + a] = v.num;
	}
	return 0;
}

/* The record's time: -INFINITY when it has none (a profile record). */
static int
time_of(struct j_run *r, struct cdp_rec *rec, double *t, const char **why)
{
	const char *name = r->opt->time, *s;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	size_t n;

	*t = -INFINITY;
	if (f == NULL || f->type == CDP_NULL)
		return 0;
	if (f->type == CDP_NUMBER && cdp_rec_num(rec, f, t) == 0)
		return 0;
	if (f->type == CDP_STRING && cdp_rec_str(rec, f, &r->tmp, &s,
	    &n) == 0 && j_parse_time(s, n, &r->key, t) == 0)
		return 0;
	*why = r->bad_time.p;
	return -1;
}

static int
one_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct j_run *r = ctx;
	const char *name = r->opt->profile, *s;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	struct cdp_idvals it;
	struct j_event *e;
	uint32_t idx;
	uint64_t bits = 0;
	double t;
	size_t n;

	(void)at;
	if (f == NULL || f->type == CDP_NULL)
		return 1;
	/* The time first: its text goes through r->tmp, as the id's may. */
	if (time_of(r, rec, &t, why) == -1)
		return -1;
	/* A string or number, or the first of an array of them. */
	cdp_idvals_start(&it, rec, name, strlen(name), false);
	switch (cdp_idvals_next(&it, &r->tmp, &s, &n, why)) {
	case -2:
		cdp_oom(0);
		break;
	case -1:
		*why = "profile id is not a string or number";
		return -1;
	case 0:
		return 1;
	}
	if (n == 0)
		return 1;
	/* Events after --as-of have not happened yet for this run. */
	if (t > r->opt->as_of)
		return 1;
	/* The conditions first: a record they refuse changes no profile. */
	for (int i = 0; t > -INFINITY && i < r->j.nex; i++) {
		int k = cdp_expr_test(r->j.ex[i], rec, why);

		if (k == -1)
			return -1;
		if (k)
			bits |= UINT64_C(1) << i;
	}
	/* s may point into r->tmp, which the lookup below keeps intact. */
	idx = j_profile_of(r, s, n, it.str);
	if (attributes(r, rec, &r->prof[idx], idx, t, why) == -1)
		return -1;
	if (t == -INFINITY)
		return 0;
	cdp_xgrow((void **)&r->ev, &r->capev, r->nev + 1,
	    sizeof(*r->ev));
	e = &r->ev[r->nev++];
	*e = (struct j_event){ .prof = idx, .seq = r->seq++, .t = t,
	    .bits = bits };
	return 0;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct j_event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Read every input, then group the events by profile (a counting sort,
 * stable) and order each profile's events by time, ties in input order.
 */
void
j_read_input(struct j_run *r, char **files, int nfiles)
{
	struct j_event *sorted;
	size_t at = 0;

	if (cdp_buf_addf(&r->bad_time, "bad time in %s", r->opt->time) == -1)
		cdp_oom(0);
	cdp_each(files, nfiles, &r->opt->common, &r->acct, one_record, r);
	for (size_t i = 0; i < r->nprof; i++)
		r->prof[i].nev = 0;
	for (size_t i = 0; i < r->nev; i++)
		r->prof[r->ev[i].prof].nev++;
	for (size_t i = 0; i < r->nprof; i++) {
		r->prof[i].ev0 = (uint32_t)at;
		at += r->prof[i].nev;
		r->prof[i].nev = 0;
	}
	if (r->nev == 0)
		return;
	sorted = cdp_xcalloc(r->nev, sizeof(*sorted));
	for (size_t i = 0; i < r->nev; i++) {
		struct j_profile *p = &r->prof[r->ev[i].prof];

		sorted[p->ev0 + p->nev++] = r->ev[i];
	}
	free(r->ev);
	r->ev = sorted;
	r->capev = r->nev;
	for (size_t i = 0; i < r->nprof; i++)
		qsort(r->ev + r->prof[i].ev0, r->prof[i].nev, sizeof(*r->ev),
		    cmp_event);
}
