/* decide.c - walk each profile's events in time order through the
 * journey's stages, collect the actions they trigger, decide each group of
 * competing actions once all of it is due (so that the decisions do not
 * depend on how often the program runs), apply the guards (history,
 * suppression, once/repeat, consent, send time, quiet hours, caps) and the
 * holdout, and write the decisions, the decision log and the state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "dec.h"
#include "diag.h"
#include "xalloc.h"
#include "journey.h"

/* XXH3 of salt, a NUL and the id under the run's seed, as a number in
 * [0, 1): the same on every machine, in every run, in any input order. */
double
j_unit_hash(uint64_t seed, const char *salt, const char *id, size_t idlen)
{
	char small[512], *p = small;
	size_t n = strlen(salt) + 1;
	uint64_t h;

	if (n + idlen > sizeof(small))
		p = cdp_xmalloc(n + idlen);
	memcpy(p, salt, n);
	memcpy(p + n, id, idlen);
	h = XXH3_64bits_withSeed(p, n + idlen, seed);
	if (p != small)
		free(p);
	/* The top 53 bits: every double in [0, 1) they make is exact. */
	return (double)(h >> 11) * 0x1p-53;
}

static double
profile_hash(const struct dec *d, const char *salt)
{
	return j_unit_hash(d->r->seed, salt, d->r->idtext.p + d->p->idoff,
	    d->p->idlen);
}

/* The profile's arm: the universal holdout first, then the journey's. */
static int
arm_of(const struct dec *d)
{
	const struct j_run *r = d->r;

	if (r->opt->universal > 0 &&
	    profile_hash(d, "universal") < r->opt->universal)
		return ARM_UNIVERSAL;
	if (r->j.holdout > 0 && profile_hash(d, d->hsalt) < r->j.holdout)
		return ARM_JOURNEY;
	return ARM_TREATMENT;
}

/* The variant of action act for this profile, sticky by hash. */
static int
variant_of(const struct dec *d, int act)
{
	const struct j_action *a = &d->r->j.act[act];
	double u;
	int k;

	if (a->nvar == 0)
		return -1;
	u = profile_hash(d, d->vsalt[act]);
	for (k = 0; k < a->nvar - 1 && u >= a->var[k].upto; k++)
		;
	return k;
}

/* The salts of the hashes: "holdout:KEY", "variant:JOURNEY:ACTION". */
static void
salts(struct dec *d)
{
	const struct journey *j = &d->r->j;
	struct cdp_buf b = { 0 };

	if (cdp_buf_addf(&b, "holdout:%s", j->holdout_key) == -1)
		cdp_oom(0);
	d->hsalt = b.p;
	d->vsalt = cdp_xcalloc((size_t)j->nact + 1, sizeof(*d->vsalt));
	for (int a = 0; a < j->nact; a++) {
		b = (struct cdp_buf){ 0 };
		if (cdp_buf_addf(&b, "variant:%s:%s", j->name,
		    j->act[a].name) == -1)
			cdp_oom(0);
		d->vsalt[a] = b.p;
	}
}

static struct cand *
push(struct dec *d, int act, double trig, double entered)
{
	const struct j_action *a = &d->r->j.act[act];
	struct cand *c;

	cdp_xgrow((void **)&d->c, &d->capc, d->nc + 1, sizeof(*d->c));
	c = &d->c[d->nc++];
	*c = (struct cand){ .act = act, .trig = trig, .entered = entered,
	    .reason = a->when >= 0 ? R_TRIGGER : R_ENTRY, .score = -INFINITY,
	    .prio = a->priority, .name = a->name, .ch = a->channel,
	    .stage = a->stage,
	    .kind = a->seq >= 0 ? act : -1, .var = variant_of(d, act) };
	if (c->var >= 0)
		c->ch = a->var[c->var].channel;
	c->due = trig + (a->unless >= 0 && a->within > a->wait ? a->within :
	    a->wait);
	c->gdue = c->gmin = c->due;
	c->send_at = c->due;
	return c;
}

/* A decision that can never be sent, counted; written to the dry run
 * and the log only. */
static void
listed(struct dec *d, int act, double trig, int reason)
{
	d->r->nskip[reason]++;
	if (d->listing) {
		struct cand *c = push(d, act, trig, d->entered);

		c->st = C_LISTED;
		c->reason = reason;
	}
}

/* A candidate; gmin: its group's time as an earlier run knew it. */
static void
new_cand(struct dec *d, int act, double trig, double entered, double gmin)
{
	struct cand *c;

	if (trig < d->start)
		listed(d, act, trig, R_BEFORE_START);
	else if ((c = push(d, act, trig, entered))->gmin < gmin)
		c->gmin = gmin;
}

#define MEETS(b, x)	((x) >= 0 && ((b) & (UINT64_C(1) << (x))))

/* The actions of stage s that event b fires: those with a "when" it
 * meets, and those without one when it enters the stage. */
static void
fire(struct dec *d, int s, uint64_t b, double t, bool entering)
{
	const struct journey *j = &d->r->j;

	for (int a = 0; a < j->nact; a++) {
		const struct j_action *ac = &j->act[a];

		if (ac->stage == s && (ac->when >= 0 ? MEETS(b, ac->when) :
		    entering))
			new_cand(d, a, t, d->entered, -INFINITY);
	}
}

/* The re-entry into stage s that the journey's rule refuses at t: list
 * what it would have fired (a stage it is in fires its "when" actions
 * anyway). */
static void
refuse(struct dec *d, int s, uint64_t b, double t)
{
	const struct journey *j = &d->r->j;
	int why = j->reentry == J_RE_GAP ? R_REENTRY_GAP : R_NO_REENTRY;

	for (int a = 0; a < j->nact; a++) {
		const struct j_action *ac = &j->act[a];

		if (ac->stage != s || (ac->when >= 0 && (s == d->stage ||
		    !MEETS(b, ac->when))))
			continue;
		listed(d, a, t, why);
	}
}

/* May the profile, which entered before, enter again at t? */
static bool
may_reenter(const struct dec *d, double t)
{
	const struct journey *j = &d->r->j;

	if (d->entered == -INFINITY)
		return true;
	if (j->reentry == J_RE_NEVER)
		return false;
	return j->reentry != J_RE_GAP || t - d->entered >= j->gap;
}

/* The stage an event may take a profile in no stage into: -1 none. */
static int
first_entry(const struct journey *j, uint64_t b)
{
	for (int s = 0; s < j->nst; s++)
		if (j->st[s].entry < 0 || MEETS(b, j->st[s].entry))
			return s;
	return -1;
}

/* Stage moves and triggers of event e: exits, entries (forward, and
 * back or again when the journey's re-entry rule allows), actions. */
static void
step(struct dec *d, const struct j_event *e)
{
	const struct journey *j = &d->r->j;
	uint64_t b = e->bits;
	int s, to = -1;

	if (d->stage >= 0 && (MEETS(b, j->exit) ||
	    MEETS(b, j->st[d->stage].exit))) {
		d->stage = -1;
		return;
	}
	if (d->stage < 0) {
		if ((s = first_entry(j, b)) < 0)
			return;
		if (!may_reenter(d, e->t)) {
			refuse(d, s, b, e->t);
			return;
		}
		to = s;
	} else {
		for (s = d->stage + 1; s < j->nst && to < 0; s++)
			if (MEETS(b, j->st[s].entry))
				to = s;
		for (s = 0; s <= d->stage && to < 0; s++)
			if (!MEETS(b, j->st[s].entry))
				continue;
			else if (j->reentry == J_RE_GAP &&
			    may_reenter(d, e->t))
				to = s;
			else {
				if (s < d->stage || j->reentry == J_RE_GAP)
					refuse(d, s, b, e->t);
				break;
			}
		if (to >= 0 && to <= d->stage)
			d->stage = -1;	/* a new entry, below */
	}
	if (to >= 0) {
		if (d->stage < 0)
			d->entered = e->t;
		d->stage = to;
	}
	fire(d, d->stage, b, e->t, to >= 0);
}

/*
 * A candidate's window: an event of the profile in (trigger, trigger +
 * within] that meets "unless" cancels it, one in (trigger, due] that
 * meets the journey's exit ends it.
 */
static void
window(struct dec *d, struct cand *c)
{
	const struct journey *j = &d->r->j;
	const struct j_action *a = &j->act[c->act];

	for (size_t i = 0; i < d->nev && d->ev[i].t <= c->due; i++) {
		const struct j_event *e = &d->ev[i];

		if (e->t <= c->trig)
			continue;
		if (a->unless >= 0 && e->t <= c->trig + a->within &&
		    MEETS(e->bits, a->unless)) {
			c->reason = R_CANCELLED;
			c->st = C_DONE;
			return;
		}
		if (MEETS(e->bits, j->exit)) {
			c->reason = R_EXITED;
			c->st = C_DONE;
			return;
		}
	}
}

static int
consent_at(const struct dec *d, int ch, double x)
{
	double at;

	return dec_consent_when(d, ch, x, &at);
}

/* May one more send on channel ch at x keep every window of the cap? */
static bool
cap_ok(const struct dec *d, int ch, double x)
{
	const struct j_cap *cap = &d->r->opt->cap[ch];

	if (cap->n < 0)
		return true;
	/* The fullest window holding x starts at x or at an earlier send. */
	for (size_t i = 0; i <= d->ncs; i++) {
		double a = i < d->ncs ? d->cs[i].t : x;
		int n = 1;

		if (i < d->ncs && (d->cs[i].ch != ch || a > x ||
		    a <= x - cap->period))
			continue;
		for (size_t k = 0; k < d->ncs; k++)
			if (d->cs[k].ch == ch && d->cs[k].t >= a &&
			    d->cs[k].t < a + cap->period)
				n++;
		if (n > cap->n)
			return false;
	}
	return true;
}

/* Send time, then quiet hours: where the message goes out. */
static void
move(struct dec *d, struct cand *c)
{
	const struct journey_opts *o = d->r->opt;
	const char *tz = d->p->tz >= 0 ? d->r->tzname[d->p->tz] :
	    o->default_tz;
	double x;
	bool moved;

	if (o->send_time != NULL && d->r->st[d->p - d->r->prof].hour >= 0) {
		const struct j_sendtime *st = &d->r->st[d->p - d->r->prof];

		x = j_send_time(c->send_at, st->tz >= 0 ?
		    d->r->tzname[st->tz] : tz, st->hour, st->wday,
		    o->send_window, &d->zone);
		if (x != c->send_at)
			c->reason = R_SEND_TIME;
		c->send_at = x;
	}
	if (o->quiet_from >= 0) {
		c->send_at = j_quiet(c->send_at, tz, o->quiet_from, o->quiet_to,
		    &d->zone, &moved);
		if (moved)
			c->reason = R_QUIET;
	}
}

/* The guards, for a candidate whose group has no choice yet, decided at
 * the group's time; a passing one is the choice (sent, or held out). */
static void
guards(struct dec *d, struct cand *c)
{
	const struct j_run *r = d->r;
	const struct j_action *a = &r->j.act[c->act];
	double last = d->sent[c->act];
	bool once;

	/* Alternatives compete for one slot, at the latest of their times. */
	c->send_at = c->gdue;
	if (c->gdue < r->as_of - r->opt->max_age) {
		c->reason = R_STALE;
		return;
	}
	if (d->p->suppressed) {
		c->reason = R_SUPPRESSED;
		return;
	}
	/* Without repeat: once per profile, or per entry when the journey
	 * lets profiles enter again after a gap. */
	once = r->j.reentry != J_RE_GAP || last >= c->entered;
	if (!isnan(last) && (a->repeat < 0 ? once :
	    c->send_at - last < a->repeat)) {
		c->reason = R_ALREADY_SENT;
		return;
	}
	/* Consent at the decision's time, and still now: a withdrawal
	 * before the run that sends it wins (the one way the schedule may
	 * change what is sent: for the law, not for the journey). */
	if (consent_at(d, c->ch, c->gdue) != 1 ||
	    consent_at(d, c->ch, r->as_of) != 1) {
		c->reason = R_NO_CONSENT;
		return;
	}
	move(d, c);
	if (!cap_ok(d, c->ch, c->send_at)) {
		c->reason = R_CAPPED;
		return;
	}
	/* A held-out profile goes through the journey as if sent, so that
	 * the arms stay alike; only the message is not sent. */
	cdp_xgrow((void **)&d->cs, &d->capcs, d->ncs + 1,
	    sizeof(*d->cs));
	d->cs[d->ncs++] = (struct chsend){ c->ch, c->send_at };
	if (isnan(last) || c->send_at > last)
		d->sent[c->act] = c->send_at;
	c->won = true;
	if (d->arm != ARM_TREATMENT)
		c->reason = R_HOLDOUT;
}

/* Candidates of one trigger time and stage compete, but steps never. */
static int
cmp_group(const struct cand *a, const struct cand *b)
{
	if (a->trig != b->trig)
		return a->trig < b->trig ? -1 : 1;
	if (a->stage != b->stage)
		return a->stage < b->stage ? -1 : 1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

static int
cmp_by_group(const void *x, const void *y)
{
	return cmp_group(x, y);
}

/* Groups in the order they are decided; in a group, the order of next
 * best action: priority, score, name. */
static int
cmp_decide(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c;

	if (a->gdue != b->gdue)
		return a->gdue < b->gdue ? -1 : 1;
	if ((c = cmp_group(a, b)) != 0)
		return c;
	if (a->prio != b->prio)
		return a->prio > b->prio ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return (a->st > b->st) - (a->st < b->st);
}

/*
 * Each group's time: the latest due of all its members, those cancelled
 * on the way too (else a group could move before one that an earlier run
 * decided), and never earlier than an earlier run said.  Candidates only
 * listed are no members.
 */
static void
group_times(struct dec *d)
{
	size_t g0 = 0;

	qsort(d->c, d->nc, sizeof(*d->c), cmp_by_group);
	for (size_t i = 1; i <= d->nc; i++) {
		double g = -INFINITY;

		if (i < d->nc && cmp_group(&d->c[i], &d->c[g0]) == 0)
			continue;
		for (size_t k = g0; k < i; k++)
			if (d->c[k].st != C_LISTED)
				g = fmax(g, fmax(d->c[k].due, d->c[k].gmin));
		for (size_t k = g0; k < i; k++)
			d->c[k].gdue = d->c[k].st == C_LISTED ? d->c[k].due : g;
		g0 = i;
	}
}

/*
 * Next best action: a group is decided when all of it is due (so one run
 * late or many runs on time choose alike); in each, the first candidate
 * in order (priority, score, name) that passes the guards is the choice,
 * and the others are not_best.
 */
static void
resolve(struct dec *d, uint32_t idx)
{
	const struct j_run *r = d->r;
	size_t g0 = 0;
	bool won = false;

	for (size_t i = 0; r->score != NULL && i < d->nc; i++) {
		double s = r->score[idx * (size_t)r->j.nact + d->c[i].act];

		d->c[i].score = isnan(s) ? -INFINITY : s;
	}
	group_times(d);
	qsort(d->c, d->nc, sizeof(*d->c), cmp_decide);
	for (size_t i = 0; i < d->nc; i++) {
		struct cand *c = &d->c[i];

		if (c->st != C_OPEN)
			continue;
		if (d->c[g0].st != C_OPEN || c->gdue != d->c[g0].gdue ||
		    cmp_group(c, &d->c[g0]) != 0) {
			g0 = i;
			won = false;
		}
		if (c->gdue > r->as_of) {
			c->st = C_PENDING;
			c->reason = R_PENDING;
		} else if (won) {
			c->send_at = c->gdue;
			c->reason = R_NOT_BEST;
		}
		else {
			guards(d, c);
			won = c->won;
		}
	}
}

/* Load the profile's state into d: stage, entry, cursor, sends, and the
 * candidates still pending from earlier runs. */
void
dec_load(struct dec *d)
{
	struct j_run *r = d->r;
	const struct j_pstate *ps = d->p->state >= 0 ? &r->ps[d->p->state] :
	    NULL;

	d->nc = d->ncs = 0;
	d->stage = ps != NULL ? ps->stage : -1;
	d->cursor = ps != NULL ? ps->cursor : -INFINITY;
	d->entered = ps != NULL ? ps->entered : -INFINITY;
	for (int a = 0; a < r->j.nact; a++)
		d->sent[a] = ps != NULL && ps->sent0 != J_NONE ?
		    r->pool[ps->sent0 + a] : NAN;
	if (ps == NULL)
		return;
	cdp_xgrow((void **)&d->cs, &d->capcs, ps->nch + 1,
	    sizeof(*d->cs));
	for (uint32_t i = 0; i < ps->nch; i++)
		d->cs[d->ncs++] = (struct chsend){
		    (int)r->pool[ps->ch0 + 2 * i], r->pool[ps->ch0 + 2 * i + 1] };
	for (uint32_t i = 0; i < ps->npend; i++) {
		const double *v = &r->pool[ps->pend0 + 4 * i];

		new_cand(d, (int)v[0], v[1], v[2], v[3]);
	}
}

static void
count(struct dec *d)
{
	struct j_run *r = d->r;

	for (size_t i = 0; i < d->nc; i++) {
		const struct cand *c = &d->c[i];

		/* --follow counts what waits now, not at every tick. */
		if (c->st == C_LISTED || (d->live && c->st == C_PENDING))
			continue;
		if (is_sent(d, c))
			r->nsent++;
		else
			r->nskip[c->reason]++;
	}
}

/* Decide profile idx at r->as_of over its events ev[0..nev) of this run
 * (in time order): load its state, walk the events, decide. */
static void
decide(struct dec *d, uint32_t idx, const struct j_event *ev, size_t nev)
{
	double from;

	d->p = &d->r->prof[idx];
	d->ev = ev;
	d->nev = nev;
	dec_load(d);
	/* Events after the cursor of earlier runs are walked, all of those
	 * of one time too (a view and a cart in the same second). */
	from = d->cursor;
	for (size_t i = 0; i < d->nev; i++)
		if (d->ev[i].t > from) {
			step(d, &d->ev[i]);
			d->cursor = d->ev[i].t;
		}
	for (size_t i = 0; i < d->nc; i++)
		if (d->c[i].st == C_OPEN)
			window(d, &d->c[i]);
	d->arm = d->nc > 0 ? arm_of(d) : ARM_TREATMENT;
	if (d->nc > 0)
		resolve(d, idx);
	count(d);
}

static int
cmp_id(const void *x, const void *y, const struct j_run *r)
{
	const struct j_profile *a = &r->prof[*(const uint32_t *)x];
	const struct j_profile *b = &r->prof[*(const uint32_t *)y];
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c = memcmp(r->idtext.p + a->idoff, r->idtext.p + b->idoff, n);

	if (c != 0)
		return c;
	if (a->idlen != b->idlen)
		return a->idlen < b->idlen ? -1 : 1;
	return (int)a->idstr - (int)b->idstr;
}

/* Sort profile numbers by id (a merge sort: qsort has no context). */
static void
sort_ids(uint32_t *v, uint32_t *tmp, size_t n, const struct j_run *r)
{
	size_t h = n / 2, i = 0, k = h, o = 0;

	if (n < 2)
		return;
	sort_ids(v, tmp, h, r);
	sort_ids(v + h, tmp, n - h, r);
	while (i < h && k < n)
		tmp[o++] = cmp_id(&v[k], &v[i], r) < 0 ? v[k++] : v[i++];
	while (i < h)
		tmp[o++] = v[i++];
	while (k < n)
		tmp[o++] = v[k++];
	memcpy(v, tmp, n * sizeof(*v));
}

struct dec *
j_dec_new(struct j_run *r, bool listing)
{
	struct dec *d = cdp_xcalloc(1, sizeof(*d));

	*d = (struct dec){ .r = r, .listing = listing,
	    .start = r->opt->since > -INFINITY ? r->opt->since : r->j.start };
	d->sent = cdp_xcalloc((size_t)r->j.nact + 1, sizeof(double));
	salts(d);
	return d;
}

void
j_dec_free(struct dec *d)
{
	if (d == NULL)
		return;
	free(d->sent);
	free(d->cs);
	free(d->c);
	cdp_buf_free(&d->zone);
	for (int a = 0; a < d->r->j.nact; a++)
		free(d->vsalt[a]);
	free(d->vsalt);
	free(d->hsalt);
	free(d);
}

static void
put(struct cdp_out *o, struct cdp_buf *b)
{
	struct cdp_err err;

	if (o != NULL && b->len > 0 && cdp_out_write(o, b->p, b->len,
	    &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_reset(b);
}

void
j_sort_ids(uint32_t *v, size_t n, const struct j_run *r)
{
	uint32_t *tmp = cdp_xcalloc(n + 1, sizeof(*tmp));

	sort_ids(v, tmp, n, r);
	free(tmp);
}

void
j_decide_all(struct j_run *r, struct cdp_out *out, struct cdp_out *log,
    struct cdp_out *st)
{
	struct dec *d = j_dec_new(r, r->opt->dry_run || log != NULL);
	uint32_t *order = cdp_xcalloc(r->nprof + 1, sizeof(*order));
	struct cdp_buf ob = { 0 }, lb = { 0 }, sb = { 0 };

	for (size_t i = 0; i < r->nprof; i++)
		order[i] = (uint32_t)i;
	j_sort_ids(order, r->nprof, r);
	for (size_t i = 0; i < r->nprof; i++) {
		const struct j_profile *p = &r->prof[order[i]];

		decide(d, order[i], r->ev + p->ev0, p->nev);
		r->nstage[d->stage + 1]++;
		jo_decisions(d, &ob, log != NULL ? &lb : NULL);
		put(out, &ob);
		put(log, &lb);
		if (st != NULL) {
			jo_state_line(d, &sb);
			put(st, &sb);
		}
	}
	free(order);
	cdp_buf_free(&ob);
	cdp_buf_free(&lb);
	cdp_buf_free(&sb);
	j_dec_free(d);
}

/* The earliest time a pending candidate of d may be decided. */
static double
next_due(const struct dec *d)
{
	double next = INFINITY;

	for (size_t i = 0; i < d->nc; i++)
		if (d->c[i].st == C_PENDING && d->c[i].gdue < next)
			next = d->c[i].gdue;
	return next;
}

double
j_decide_one(struct dec *d, uint32_t idx, const struct j_event *ev,
    size_t nev, struct cdp_buf *out, struct cdp_buf *log)
{
	d->live = true;
	decide(d, idx, ev, nev);
	jo_decisions(d, out, log);
	jo_save(d);
	return next_due(d);
}

double
j_state_line(struct dec *d, uint32_t idx, struct cdp_buf *b)
{
	d->p = &d->r->prof[idx];
	d->nev = 0;
	dec_load(d);
	/* What the state keeps is pending, as the run that kept it said. */
	for (size_t i = 0; i < d->nc; i++) {
		d->c[i].st = C_PENDING;
		d->c[i].gdue = fmax(d->c[i].due, d->c[i].gmin);
	}
	jo_state_line(d, b);
	return next_due(d);
}

/* The counts of --stats after the record account: profiles per stage
 * at the end of the run, decisions sent, the others per reason. */
void
j_stats_tail(const struct j_run *r, struct cdp_buf *b)
{
	if (cdp_buf_addf(b, ",\"profiles\":%zu,\"sent\":%llu", r->nprof,
	    r->nsent) == -1)
		cdp_oom(0);
	for (int s = -1; s < r->j.nst; s++)
		if (cdp_buf_addf(b, ",\"stage.%s\":%llu", s < 0 ? "none" :
		    r->j.st[s].name, r->nstage[s + 1]) == -1)
			cdp_oom(0);
	for (int k = R_FIRST_SKIP; k < R_NREASON; k++)
		if (cdp_buf_addf(b, ",\"skip.%s\":%llu", j_reasons[k],
		    r->nskip[k]) == -1)
			cdp_oom(0);
}
