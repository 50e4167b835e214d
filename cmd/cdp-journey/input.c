/* input.c - read events and profile records: group them by profile, keep
 * per event only its time, which journey rules it meets and the consent
 * it states, and per profile the attributes the guards need (consent,
 * time zone, scores, send time, suppression) and the fields its rules
 * read.  A rule sees the event's fields and, for a field the event lacks,
 * the profile's (its records without a time). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "idvals.h"
#include "journey.h"
#include "xalloc.h"

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
	if (r->opt->send_time != NULL) {
		cdp_xgrow((void **)&r->st, &r->capst, r->nprof + 1,
		    sizeof(*r->st));
		r->st[r->nprof] = (struct j_sendtime){ .t = -INFINITY,
		    .tz = -1, .hour = -1, .wday = -1 };
	}
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

/* An integer field from lo to hi into *v (-1 when absent or null). */
static int
small_int(struct cdp_rec *rec, const struct cdp_buf *name, int lo, int hi,
    int *v)
{
	const struct cdp_field *f = cdp_rec_find(rec, name->p, name->len);
	double x;

	*v = -1;
	if (f == NULL || f->type == CDP_NULL)
		return 0;
	if (cdp_rec_num(rec, f, &x) == -1 || x != floor(x) || x < lo ||
	    x > hi)
		return -1;
	*v = (int)x;
	return 0;
}

/* A zone field of rec into *z (-1 when absent or null). */
static int
zone_field(struct j_run *r, struct cdp_rec *rec, const char *name, size_t n,
    int *z, const char **why)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, n);
	const char *s;
	size_t len;

	*z = -1;
	if (f == NULL || f->type == CDP_NULL)
		return 0;
	if (cdp_rec_str(rec, f, &r->tmp, &s, &len) == -1) {
		*why = "tz is not a string";
		return -1;
	}
	return (*z = zone_of(r, s, len, why)) == -1 ? -1 : 0;
}

/* --send-time: the profile's best local hour and weekday (ISO: Monday
 * 1), in the zone they were learnt in (PREFIX_tz) if it says. */
static int
send_time(struct j_run *r, struct cdp_rec *rec, struct j_sendtime *p,
    double t, const char **why)
{
	int h, d, z;

	if (small_int(rec, &r->st_hour, 0, 23, &h) == -1) {
		*why = "send-time hour is not a whole number from 0 to 23";
		return -1;
	}
	if (small_int(rec, &r->st_wday, 1, 7, &d) == -1) {
		*why = "send-time weekday is not a whole number from 1 to 7";
		return -1;
	}
	if (zone_field(r, rec, r->st_tz.p, r->st_tz.len, &z, why) == -1)
		return -1;
	if ((h >= 0 || d >= 0) && t >= p->t) {
		p->hour = (int8_t)h;
		p->wday = (int8_t)d;
		p->tz = z;
		p->t = t;
	}
	return 0;
}

static int
zone(struct j_run *r, struct cdp_rec *rec, struct j_profile *p, double t,
    const char **why)
{
	int z;

	if (zone_field(r, rec, "tz", 2, &z, why) == -1)
		return -1;
	if (z >= 0 && t >= p->tztime) {
		p->tz = z;
		p->tztime = t;
	}
	return 0;
}

/* Consent of a record: of the profile when it has no time (a later such
 * record wins), else of the event at that time (*e). */
static int
consent(struct j_run *r, struct cdp_rec *rec, struct j_profile *p,
    struct j_event *e, const char **why)
{
	struct cdp_val v;

	for (int c = 0; c < J_NCHAN; c++) {
		uint8_t val;

		if (cdp_expr_eval(r->consent[c], rec, &v, why) == -1)
			return -1;
		if (v.type == CDP_V_NULL)
			continue;
		val = v.type == CDP_V_BOOL && v.b ? 1 : 2;
		if (e == NULL)
			p->consent[c] = val;
		else {
			e->cset |= (uint8_t)(1u << c);
			if (val == 1)
				e->cval |= (uint8_t)(1u << c);
			p->ctimed = true;
		}
	}
	return 0;
}

/* Zone, send time, scores and suppression from one record at time t: a
 * later record wins, a record without time loses to any event. */
static int
attributes(struct j_run *r, struct cdp_rec *rec, struct j_profile *p,
    uint32_t idx, double t, const char **why)
{
	const struct cdp_field *f;
	struct cdp_val v;
	const char *s;
	size_t n;

	if (zone(r, rec, p, t, why) == -1)
		return -1;
	if (r->opt->send_time != NULL &&
	    send_time(r, rec, &r->st[idx], t, why) == -1)
		return -1;
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

/* The record's time: -INFINITY when it has none (a profile record), or
 * when it is a profile of cdp-merge --profiles (it has _records): the
 * time there is a survivor of its events', no event of its own. */
static int
time_of(struct j_run *r, struct cdp_rec *rec, double *t, const char **why)
{
	const char *name = r->opt->time, *s;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	size_t n;

	*t = -INFINITY;
	if (f == NULL || f->type == CDP_NULL ||
	    cdp_rec_find(rec, "_records", 8) != NULL)
		return 0;
	if (f->type == CDP_NUMBER && cdp_rec_num(rec, f, t) == 0)
		return 0;
	if (f->type == CDP_STRING && cdp_rec_str(rec, f, &r->tmp, &s,
	    &n) == 0 && j_parse_time(s, n, &r->key, t) == 0)
		return 0;
	*why = r->bad_time.p;
	return -1;
}

/* The rules an event meets, as bits of the journey's expressions. */
static int
rule_bits(struct j_run *r, struct cdp_rec *rec, uint64_t *bits,
    const char **why)
{
	*bits = 0;
	for (int i = 0; i < r->j.nex; i++) {
		int k;

		if (!(r->j.conds & (UINT64_C(1) << i)))
			continue;
		if ((k = cdp_expr_test(r->j.ex[i], rec, why)) == -1)
			return -1;
		if (k)
			*bits |= UINT64_C(1) << i;
	}
	return 0;
}

/* Append the rules' fields that rec holds to b as "key":value pairs;
 * mark them seen.  Returns how many of them rec lacks. */
static int
rule_fields(struct j_run *r, struct cdp_rec *rec, struct cdp_buf *b)
{
	int missing = 0;

	for (int i = 0; i < r->j.nfld; i++) {
		struct j_field *fl = &r->j.fld[i];
		const struct cdp_field *f = cdp_rec_find(rec, fl->name,
		    fl->len);

		if (f == NULL) {
			missing++;
			continue;
		}
		fl->seen = true;
		if ((b->len > 0 && cdp_buf_addc(b, ',') == -1) ||
		    cdp_json_quote(b, fl->name, fl->len) == -1 ||
		    cdp_buf_addc(b, ':') == -1 ||
		    cdp_buf_add(b, rec->p + f->voff, f->vlen) == -1)
			cdp_oom(0);
	}
	return missing;
}

/*
 * A profile record's rule fields replace the profile's, field by field
 * (a field it lacks keeps the earlier record's value).
 */
static void
profile_fields(struct j_run *r, struct cdp_rec *rec, struct j_profile *p)
{
	struct cdp_buf *b = &r->tmp;
	struct cdp_rec old = { 0 };
	struct cdp_err err;

	cdp_buf_reset(b);
	if (rule_fields(r, rec, b) == r->j.nfld && p->pflen == 0)
		return;
	if (p->pflen > 0) {
		cdp_buf_reset(&r->key);
		if (cdp_buf_addc(&r->key, '{') == -1 ||
		    cdp_buf_add(&r->key, r->ptext.p + p->pfoff, p->pflen) ==
		    -1 || cdp_buf_addc(&r->key, '}') == -1)
			cdp_oom(0);
		if (cdp_rec_parse(&old, r->key.p, r->key.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		for (size_t i = 0; i < old.n; i++) {
			const struct cdp_field *f = &old.f[i];

			if (cdp_rec_find(rec, old.p + f->koff, f->klen) != NULL)
				continue;
			if ((b->len > 0 && cdp_buf_addc(b, ',') == -1) ||
			    cdp_buf_addc(b, '"') == -1 ||
			    cdp_buf_add(b, old.p + f->koff, f->klen) == -1 ||
			    cdp_buf_adds(b, "\":") == -1 ||
			    cdp_buf_add(b, old.p + f->voff, f->vlen) == -1)
				cdp_oom(0);
		}
		cdp_rec_free(&old);
	}
	if (r->ptext.len + b->len > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "profile fields too large");
	p->pfoff = (uint32_t)r->ptext.len;
	p->pflen = (uint32_t)b->len;
	if (cdp_buf_add(&r->ptext, b->p, b->len) == -1)
		cdp_oom(0);
}

/* An event that lacks a field its rules read keeps the fields it has,
 * to be judged again with the profile's once every record is in. */
static void
defer(struct j_run *r, struct cdp_rec *rec)
{
	struct cdp_buf *b = &r->tmp;

	cdp_buf_reset(b);
	if (rule_fields(r, rec, b) == 0)
		return;
	if (r->dtext.len + b->len > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many events to keep");
	cdp_xgrow((void **)&r->defer, &r->capdefer, r->ndefer + 1,
	    sizeof(*r->defer));
	r->defer[r->ndefer++] = (struct j_defer){ r->nev,
	    (uint32_t)r->dtext.len, (uint32_t)b->len };
	if (cdp_buf_add(&r->dtext, b->p, b->len) == -1)
		cdp_oom(0);
}

/* The profile id of rec into *s and *n (*str: a JSON string): a string
 * or number, or the first of an array of them (a profile of cdp-merge);
 * 1: none (skip), -1: bad. */
static int
id_of(struct j_run *r, struct cdp_rec *rec, const char **s, size_t *n,
    bool *str, const char **why)
{
	const char *name = r->opt->profile;
	struct cdp_idvals it;

	cdp_idvals_start(&it, rec, name, strlen(name), false);
	switch (cdp_idvals_next(&it, &r->tmp, s, n, why)) {
	case -2:
		cdp_oom(0);
		break;
	case -1:
		*why = "profile id is not a string or number";
		return -1;
	case 0:
		return 1;
	}
	*str = it.str;
	return *n == 0;
}

int
j_record(struct j_run *r, struct cdp_rec *rec, const char **why)
{
	const char *name = r->opt->profile, *s;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	struct j_event e = { 0 };
	uint32_t idx;
	size_t n;
	bool str;
	int rc;

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	/* The time first: its text goes through r->tmp, as the id's may. */
	if (time_of(r, rec, &e.t, why) == -1)
		return -1;
	if ((rc = id_of(r, rec, &s, &n, &str, why)) != 0)
		return rc;
	/* Events after --as-of have not happened yet for this run (but
	 * they show that the fields the rules read exist). */
	if (e.t > r->horizon) {
		cdp_buf_reset(&r->key);
		(void)rule_fields(r, rec, &r->key);
		return 1;
	}
	/* The rules first: a record they refuse changes no profile. */
	if (e.t > -INFINITY && rule_bits(r, rec, &e.bits, why) == -1)
		return -1;
	/* s may point into r->tmp, which the lookup below keeps intact. */
	idx = j_profile_of(r, s, n, str);
	e.prof = idx;
	if (consent(r, rec, &r->prof[idx], e.t > -INFINITY ? &e : NULL,
	    why) == -1 ||
	    attributes(r, rec, &r->prof[idx], idx, e.t, why) == -1)
		return -1;
	if (e.t == -INFINITY) {
		if (r->j.nfld > 0)
			profile_fields(r, rec, &r->prof[idx]);
		return 0;
	}
	if (r->j.nfld > 0)
		defer(r, rec);
	cdp_xgrow((void **)&r->ev, &r->capev, r->nev + 1,
	    sizeof(*r->ev));
	r->ev[r->nev++] = e;
	return 0;
}

static int
one_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	(void)at;
	return j_record(ctx, rec, why);
}

/* The rules of deferred events, with their profiles' fields added. */
void
j_judge_deferred(struct j_run *r)
{
	struct cdp_rec ev = { 0 }, pf = { 0 }, all = { 0 };
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	const char *why;

	for (size_t i = 0; i < r->ndefer; i++) {
		const struct j_defer *d = &r->defer[i];
		struct j_event *e = &r->ev[d->ev];
		const struct j_profile *p = &r->prof[e->prof];

		if (p->pflen == 0)
			continue;
		cdp_buf_reset(&b);
		if (cdp_buf_addc(&b, '{') == -1 ||
		    cdp_buf_add(&b, r->dtext.p + d->off, d->len) == -1 ||
		    cdp_buf_addc(&b, '}') == -1)
			cdp_oom(0);
		cdp_buf_reset(&r->key);
		if (cdp_buf_addc(&r->key, '{') == -1 ||
		    cdp_buf_add(&r->key, r->ptext.p + p->pfoff, p->pflen) ==
		    -1 || cdp_buf_addc(&r->key, '}') == -1)
			cdp_oom(0);
		if (cdp_rec_parse(&ev, b.p, b.len, &err) == -1 ||
		    cdp_rec_parse(&pf, r->key.p, r->key.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		b.len--;	/* the event's '}': the profile's fields follow */
		for (size_t k = 0; k < pf.n; k++) {
			const struct cdp_field *f = &pf.f[k];

			if (cdp_rec_find(&ev, pf.p + f->koff, f->klen) != NULL)
				continue;
			if ((b.len > 1 && cdp_buf_addc(&b, ',') == -1) ||
			    cdp_buf_addc(&b, '"') == -1 ||
			    cdp_buf_add(&b, pf.p + f->koff, f->klen) == -1 ||
			    cdp_buf_adds(&b, "\":") == -1 ||
			    cdp_buf_add(&b, pf.p + f->voff, f->vlen) == -1)
				cdp_oom(0);
		}
		if (cdp_buf_addc(&b, '}') == -1)
			cdp_oom(0);
		if (cdp_rec_parse(&all, b.p, b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		if (rule_bits(r, &all, &e->bits, &why) == -1)
			cdp_die(EX_DATAERR, NULL, 0, "a rule on a profile's "
			    "fields: %s", why);
	}
	cdp_rec_free(&ev);
	cdp_rec_free(&pf);
	cdp_rec_free(&all);
	cdp_buf_free(&b);
	free(r->defer);
	r->defer = NULL;
	r->ndefer = r->capdefer = 0;
	cdp_buf_free(&r->dtext);
}

/* A rule that names a field no record of the run has reads nothing: say
 * so (--strict: stop).  Not on an empty input. */
static void
unseen_fields(const struct j_run *r)
{
	bool any = false;

	if (r->acct.read == 0)
		return;
	for (int i = 0; i < r->j.nfld; i++) {
		const struct j_field *f = &r->j.fld[i];

		if (f->seen)
			continue;
		cdp_warn(r->opt->journey, f->line, "%s: no record has field "
		    "\"%s\"", f->rule, f->name);
		any = true;
	}
	if (any && r->opt->strict)
		cdp_die(EX_DATAERR, NULL, 0, "a rule reads a field that no "
		    "record has (--strict)");
}

/* Sort the events ev[0..n) by time, keeping the order of equal times
 * (a merge sort through tmp; most profiles' events come in order). */
static void
sort_by_time(struct j_event *ev, struct j_event *tmp, size_t n)
{
	size_t h = n / 2, i = 0, k = h, o = 0;

	if (n < 2)
		return;
	sort_by_time(ev, tmp, h);
	sort_by_time(ev + h, tmp, n - h);
	if (ev[h - 1].t <= ev[h].t)
		return;
	while (i < h && k < n)
		tmp[o++] = ev[k].t < ev[i].t ? ev[k++] : ev[i++];
	while (i < h)
		tmp[o++] = ev[i++];
	while (k < n)
		tmp[o++] = ev[k++];
	memcpy(ev, tmp, n * sizeof(*ev));
}

void
j_input_init(struct j_run *r)
{
	if (cdp_buf_addf(&r->bad_time, "bad time in %s", r->opt->time) == -1)
		cdp_oom(0);
	if (r->opt->send_time != NULL &&
	    (cdp_buf_addf(&r->st_hour, "%s_hour", r->opt->send_time) == -1 ||
	    cdp_buf_addf(&r->st_wday, "%s_weekday", r->opt->send_time) == -1 ||
	    cdp_buf_addf(&r->st_tz, "%s_tz", r->opt->send_time) == -1))
		cdp_oom(0);
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

	j_input_init(r);
	cdp_each(files, nfiles, &r->opt->common, &r->acct, one_record, r);
	unseen_fields(r);
	j_judge_deferred(r);
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
	/* The old array is the merge sort's scratch. */
	for (size_t i = 0; i < r->nprof; i++)
		sort_by_time(sorted + r->prof[i].ev0, r->ev, r->prof[i].nev);
	free(r->ev);
	r->ev = sorted;
	r->capev = r->nev;
}
