/* decide.c - walk each profile's events in time order through the
 * journey's stages, collect the actions they trigger, apply the guards
 * (suppression, once/repeat, consent, quiet hours, caps) and next best
 * action, and write the decisions and the profile's new state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "journey.h"

enum reason { R_ENTRY, R_TRIGGER, R_QUIET, R_NO_CONSENT, R_CAPPED,
	R_SUPPRESSED, R_ALREADY_SENT, R_NOT_BEST, R_CANCELLED, R_PENDING,
	R_NREASON };
#define R_FIRST_SKIP	R_NO_CONSENT

static const char *const reasons[R_NREASON] = { "entry", "trigger",
	"quiet_hours", "no_consent", "capped", "suppressed", "already_sent",
	"not_best", "cancelled", "pending" };

struct cand {
	int	act;
	int	reason;
	double	trig;
	double	send_at;
	double	score;
	double	prio;
	const char *name;	/* the action's, for ordering */
	size_t	group;		/* candidates of one trigger compete */
	bool	due;		/* to be decided now */
};

struct chsend {
	int	ch;
	double	t;
};

/* Scratch of one profile, reused from profile to profile. */
struct dec {
	struct j_run	*r;
	double		*sent;
	struct chsend	*cs;
	size_t		 ncs, capcs;
	struct cand	*c;
	size_t		 nc, capc;
	size_t		 capsent;
	int		 stage;
	double		 cursor;
	struct cdp_buf	 line;
	struct cdp_buf	 zone;		/* the zone TZ is set to */
};

static struct cand *
new_cand(struct dec *d, int act, double trig, size_t group)
{
	const struct j_action *a = &d->r->j.act[act];
	struct cand *c;

	cdp_xgrow((void **)&d->c, &d->capc, d->nc + 1, sizeof(*d->c));
	c = &d->c[d->nc++];
	*c = (struct cand){ .act = act, .trig = trig, .group = group,
	    .reason = a->when >= 0 ? R_TRIGGER : R_ENTRY, .score = -INFINITY,
	    .prio = a->priority, .name = a->name };
	c->send_at = trig + (a->unless >= 0 && a->within > a->wait ?
	    a->within : a->wait);
	return c;
}

/*
 * The "unless" window of an action triggered at trig: an event of the
 * profile in (trig, trig + within] meeting the condition cancels it; with
 * none, it waits while the window is still open at --as-of.
 */
static void
check_unless(struct dec *d, struct cand *c, const struct j_event *ev,
    size_t nev)
{
	const struct j_action *a = &d->r->j.act[c->act];
	uint64_t bit;

	c->due = true;
	if (a->unless < 0)
		return;
	bit = UINT64_C(1) << a->unless;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].t > c->trig && ev[i].t <= c->trig + a->within &&
		    (ev[i].bits & bit)) {
			c->reason = R_CANCELLED;
			c->due = false;
			return;
		}
	if (d->r->opt->as_of < c->trig + a->within) {
		c->reason = R_PENDING;
		c->due = false;
	}
}

/* Stage moves and triggers of one event (number i of the profile). */
static void
step(struct dec *d, const struct j_event *ev, size_t nev, size_t i)
{
	const struct journey *j = &d->r->j;
	uint64_t b = ev[i].bits;
	bool entered = false;

#define MEETS(x)	((x) >= 0 && (b & (UINT64_C(1) << (x))))
	if (d->stage >= 0 && MEETS(j->st[d->stage].exit)) {
		d->stage = -1;
		return;
	}
	if (d->stage < 0) {
		for (int s = 0; s < j->nst && !entered; s++)
			if (j->st[s].entry < 0 || MEETS(j->st[s].entry)) {
				d->stage = s;
				entered = true;
			}
	} else {
		for (int s = d->stage + 1; s < j->nst && !entered; s++)
			if (MEETS(j->st[s].entry)) {
				d->stage = s;
				entered = true;
			}
	}
	if (d->stage < 0)
		return;
	for (int a = 0; a < j->nact; a++) {
		const struct j_action *ac = &j->act[a];

		if (ac->stage != d->stage ||
		    !(ac->when >= 0 ? MEETS(ac->when) : entered))
			continue;
		check_unless(d, new_cand(d, a, ev[i].t, i), ev, nev);
	}
#undef MEETS
}

static int
cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->trig != b->trig)
		return a->trig < b->trig ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->prio != b->prio)
		return a->prio > b->prio ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->name, b->name);
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

/* The guards, for a candidate whose group has no winner yet. */
static bool
guards(struct dec *d, const struct j_profile *p, struct cand *c)
{
	const struct journey_opts *o = d->r->opt;
	const struct j_action *a = &d->r->j.act[c->act];
	double last = d->sent[c->act];
	bool moved;

	if (p->suppressed) {
		c->reason = R_SUPPRESSED;
		return false;
	}
	if (!isnan(last) && (a->repeat < 0 || c->send_at - last < a->repeat)) {
		c->reason = R_ALREADY_SENT;
		return false;
	}
	if (p->consent[a->channel] != 1) {
		c->reason = R_NO_CONSENT;
		return false;
	}
	if (o->quiet_from >= 0) {
		c->send_at = j_quiet(c->send_at, p->tz >= 0 ?
		    d->r->tzname[p->tz] : o->default_tz, o->quiet_from,
		    o->quiet_to, &d->zone, &moved);
		if (moved)
			c->reason = R_QUIET;
	}
	if (!cap_ok(d, a->channel, c->send_at)) {
		c->reason = R_CAPPED;
		return false;
	}
	cdp_xgrow((void **)&d->cs, &d->capcs, d->ncs + 1,
	    sizeof(*d->cs));
	d->cs[d->ncs++] = (struct chsend){ a->channel, c->send_at };
	if (isnan(last) || c->send_at > last)
		d->sent[c->act] = c->send_at;
	return true;
}

/* Next best action: in each group, the first candidate in order
 * (priority, score, name) that passes the guards is sent. */
static void
resolve(struct dec *d, const struct j_profile *p, uint32_t idx)
{
	const struct journey *j = &d->r->j;
	size_t g0 = 0;

	for (size_t i = 0; i < d->nc; i++)
		if (d->r->score != NULL) {
			double s = d->r->score[idx * (size_t)j->nact +
			    d->c[i].act];

			d->c[i].score = isnan(s) ? -INFINITY : s;
		}
	if (d->nc > 1)
		qsort(d->c, d->nc, sizeof(*d->c), cmp_cand);
	for (size_t i = 0; i < d->nc; i++) {
		struct cand *c = &d->c[i];
		bool won = false;

		if (i > 0 && (c->trig != d->c[g0].trig ||
		    c->group != d->c[g0].group))
			g0 = i;
		if (!c->due)
			continue;
		for (size_t k = g0; k < i; k++)
			won |= d->c[k].due && d->c[k].reason < R_FIRST_SKIP;
		if (won)
			c->reason = R_NOT_BEST;
		else
			(void)guards(d, p, c);
	}
}

static int
cmp_out(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->send_at != b->send_at)
		return a->send_at < b->send_at ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void
add_id(struct cdp_buf *b, const struct j_run *r, const struct j_profile *p)
{
	const char *s = r->idtext.p + p->idoff;

	if ((p->idstr ? cdp_json_quote(b, s, p->idlen) :
	    cdp_buf_add(b, s, p->idlen)) == -1)
		cdp_oom(0);
}

static void
add_q(struct cdp_buf *b, const char *s)
{
	if (cdp_json_quote(b, s, strlen(s)) == -1)
		cdp_oom(0);
}

static void
add(struct cdp_buf *b, const char *s)
{
	if (cdp_buf_adds(b, s) == -1)
		cdp_oom(0);
}

static void
write_decisions(struct dec *d, const struct j_profile *p,
    struct cdp_out *out)
{
	const struct journey *j = &d->r->j;
	struct cdp_err err;

	if (d->nc > 1)
		qsort(d->c, d->nc, sizeof(*d->c), cmp_out);
	cdp_buf_reset(&d->line);
	for (size_t i = 0; i < d->nc; i++) {
		const struct cand *c = &d->c[i];
		const struct j_action *a = &j->act[c->act];
		bool sent = c->reason < R_FIRST_SKIP;

		if (!sent && !d->r->opt->dry_run)
			continue;
		add(&d->line, "{\"profile_id\":");
		add_id(&d->line, d->r, p);
		add(&d->line, ",\"stage\":");
		add_q(&d->line, j->st[a->stage].name);
		add(&d->line, ",\"action\":");
		add_q(&d->line, a->name);
		add(&d->line, ",\"channel\":");
		add_q(&d->line, j_channels[a->channel]);
		add(&d->line, ",\"template\":");
		add_q(&d->line, a->tmpl);
		add(&d->line, ",\"send_at\":\"");
		j_fmt_time(&d->line, c->send_at);
		add(&d->line, "\",\"reason\":");
		add_q(&d->line, reasons[c->reason]);
		if (d->r->opt->dry_run)
			add(&d->line, sent ? ",\"send\":true" : ",\"send\":false");
		add(&d->line, "}\n");
	}
	if (d->line.len > 0 && cdp_out_write(out, d->line.p, d->line.len,
	    &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static void
add_time(struct cdp_buf *b, double t)
{
	add(b, "\"");
	j_fmt_time(b, t);
	add(b, "\"");
}

/* Channel sends older than every cap window (and than 30 days) can
 * never count again: the state forgets them. */
static double
keep_from(const struct journey_opts *o)
{
	double keep = 30 * 86400.0;

	for (int c = 0; c < J_NCHAN; c++)
		if (o->cap[c].n >= 0 && o->cap[c].period > keep)
			keep = o->cap[c].period;
	return o->as_of - keep;
}

static void
write_state(struct dec *d, const struct j_profile *p, struct cdp_out *st)
{
	const struct j_run *r = d->r;
	const struct journey *j = &r->j;
	double from = keep_from(r->opt);
	struct cdp_buf *b = &d->line;
	struct cdp_err err;
	int n = 0;

	cdp_buf_reset(b);
	add(b, "{\"profile_id\":");
	add_id(b, r, p);
	add(b, ",\"stage\":");
	if (d->stage >= 0)
		add_q(b, j->st[d->stage].name);
	else
		add(b, "null");
	add(b, ",\"cursor\":");
	if (d->cursor > -INFINITY)
		add_time(b, d->cursor);
	else
		add(b, "null");
	add(b, ",\"consent\":{");
	for (int c = 0; c < J_NCHAN; c++)
		if (p->consent[c] != 0) {
			add(b, n++ ? ",\"" : "\"");
			add(b, j_channels[c]);
			add(b, p->consent[c] == 1 ? "\":true" : "\":false");
		}
	add(b, "}");
	if (p->tz >= 0) {
		add(b, ",\"tz\":");
		add_q(b, r->tzname[p->tz]);
	}
	add(b, ",\"sent\":{");
	n = 0;
	for (int a = 0; a < j->nact; a++)
		if (!isnan(d->sent[a])) {
			add(b, n++ ? "," : "");
			add_q(b, j->act[a].name);
			add(b, ":");
			add_time(b, d->sent[a]);
		}
	add(b, "},\"channels\":{");
	n = 0;
	for (int c = 0; c < J_NCHAN; c++) {
		int k = 0;

		for (size_t i = 0; i < d->ncs; i++) {
			if (d->cs[i].ch != c || d->cs[i].t <= from)
				continue;
			if (k++ == 0) {
				add(b, n++ ? ",\"" : "\"");
				add(b, j_channels[c]);
				add(b, "\":[");
			} else
				add(b, ",");
			add_time(b, d->cs[i].t);
		}
		if (k > 0)
			add(b, "]");
	}
	add(b, "},\"pending\":[");
	n = 0;
	for (size_t i = 0; i < d->nc; i++)
		if (d->c[i].reason == R_PENDING) {
			add(b, n++ ? ",{\"action\":" : "{\"action\":");
			add_q(b, j->act[d->c[i].act].name);
			add(b, ",\"trigger\":");
			add_time(b, d->c[i].trig);
			add(b, "}");
		}
	add(b, "]}\n");
	if (cdp_out_write(st, b->p, b->len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static int
cmp_chsend(const void *x, const void *y)
{
	const struct chsend *a = x, *b = y;

	if (a->ch != b->ch)
		return a->ch - b->ch;
	return (a->t > b->t) - (a->t < b->t);
}

/* Load the profile's state into d: stage, cursor, sends, pending. */
static void
load(struct dec *d, const struct j_profile *p, const struct j_event *ev,
    size_t nev)
{
	struct j_run *r = d->r;
	const struct j_pstate *ps = p->state >= 0 ? &r->ps[p->state] : NULL;

	d->nc = d->ncs = 0;
	d->stage = ps != NULL ? ps->stage : -1;
	d->cursor = ps != NULL ? ps->cursor : -INFINITY;
	for (int a = 0; a < r->j.nact; a++)
		d->sent[a] = ps != NULL ? r->pool[ps->sent0 + a] : NAN;
	if (ps == NULL)
		return;
	cdp_xgrow((void **)&d->cs, &d->capcs, ps->nch + 1,
	    sizeof(*d->cs));
	for (uint32_t i = 0; i < ps->nch; i++)
		d->cs[d->ncs++] = (struct chsend){
		    (int)r->pool[ps->ch0 + 2 * i], r->pool[ps->ch0 + 2 * i + 1] };
	/* Pending actions of earlier runs: those of one trigger compete
	 * again as one group (the events of this run come after them). */
	for (uint32_t i = 0; i < ps->npend; i++)
		check_unless(d, new_cand(d, (int)r->pool[ps->pend0 + 2 * i],
		    r->pool[ps->pend0 + 2 * i + 1], SIZE_MAX), ev, nev);
}

static void
decide(struct dec *d, uint32_t idx, struct cdp_out *out, struct cdp_out *st)
{
	struct j_run *r = d->r;
	const struct j_profile *p = &r->prof[idx];
	const struct j_event *ev = r->ev + p->ev0;

	load(d, p, ev, p->nev);
	for (size_t i = 0; i < p->nev; i++)
		if (ev[i].t > d->cursor) {
			step(d, ev, p->nev, i);
			d->cursor = ev[i].t;
		}
	resolve(d, p, idx);
	for (size_t i = 0; i < d->nc; i++)
		if (d->c[i].reason >= R_FIRST_SKIP)
			r->nskip[d->c[i].reason]++;
		else
			r->nsent++;
	r->nstage[d->stage + 1]++;
	write_decisions(d, p, out);
	if (st != NULL) {
		if (d->ncs > 1)
			qsort(d->cs, d->ncs, sizeof(*d->cs), cmp_chsend);
		write_state(d, p, st);
	}
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

void
j_decide_all(struct j_run *r, struct cdp_out *out, struct cdp_out *st)
{
	struct dec d = { .r = r };
	uint32_t *order, *tmp;

	order = cdp_xcalloc(r->nprof + 1, sizeof(*order));
	tmp = cdp_xcalloc(r->nprof + 1, sizeof(*tmp));
	d.sent = cdp_xcalloc((size_t)r->j.nact + 1, sizeof(double));
	for (size_t i = 0; i < r->nprof; i++)
		order[i] = (uint32_t)i;
	sort_ids(order, tmp, r->nprof, r);
	for (size_t i = 0; i < r->nprof; i++)
		decide(&d, order[i], out, st);
	free(order);
	free(tmp);
	free(d.sent);
	free(d.cs);
	free(d.c);
	cdp_buf_free(&d.line);
	cdp_buf_free(&d.zone);
}

/* The counts of --stats after the record account: profiles per stage
 * at the end of the run, decisions sent, skips per reason. */
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
		if (cdp_buf_addf(b, ",\"skip.%s\":%llu", reasons[k],
		    r->nskip[k]) == -1)
			cdp_oom(0);
}
