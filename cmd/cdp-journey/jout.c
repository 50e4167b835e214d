/* jout.c - what cdp-journey writes of a profile: its decision records
 * (OUTPUT FIELDS), its state line (STATE FILE), and with --follow its
 * state kept in memory between ticks (the same numbers the state loader
 * keeps, appended to the pool; a checkpoint compacts them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "diag.h"
#include "journey.h"
#include "xalloc.h"

static int
cmp_chsend(const void *x, const void *y)
{
	const struct chsend *a = x, *b = y;

	if (a->ch != b->ch)
		return a->ch - b->ch;
	return (a->t > b->t) - (a->t < b->t);
}


static int
cmp_out(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c;

	if (a->send_at != b->send_at)
		return a->send_at < b->send_at ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	if (a->trig != b->trig)
		return a->trig < b->trig ? -1 : 1;
	return (a->reason > b->reason) - (a->reason < b->reason);
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

/* A share as a JSON number, rounded to 12 decimals so that the float
 * noise of 1 - (1 - u)(1 - h) does not show. */
static void
add_share(struct cdp_buf *b, double v)
{
	char num[40];
	int n = cdp_fmt_double(num, round(v * 1e12) / 1e12);

	if (cdp_buf_add(b, num, (size_t)n) == -1)
		cdp_oom(0);
}

/* One decision record (see cdp-journey(1), OUTPUT FIELDS) onto b. */
static void
add_decision(struct cdp_buf *b, const struct dec *d, const struct cand *c)
{
	static const char *const arms[] = { "\"treatment\"", "\"holdout\"",
	    "\"holdout\"" };
	const struct journey *j = &d->r->j;
	const struct j_action *a = &j->act[c->act];
	const double u = d->r->opt->universal;

	add(b, "{\"profile_id\":");
	add_id(b, d->r, d->p);
	add(b, ",\"journey\":");
	add_q(b, j->name);
	add(b, ",\"stage\":");
	add_q(b, j->st[a->stage].name);
	add(b, ",\"action\":");
	add_q(b, a->name);
	if (c->var >= 0) {
		add(b, ",\"variant\":");
		add_q(b, a->var[c->var].name);
		add(b, ",\"variant_share\":");
		add_share(b, a->var[c->var].share);
	}
	add(b, ",\"channel\":");
	add_q(b, j_channels[c->ch]);
	add(b, ",\"template\":");
	add_q(b, c->var >= 0 ? a->var[c->var].tmpl : a->tmpl);
	add(b, ",\"send_at\":\"");
	j_fmt_time(b, c->send_at);
	add(b, "\",\"reason\":");
	add_q(b, j_reasons[c->reason]);
	add(b, ",\"arm\":");
	add(b, arms[d->arm]);
	if (d->arm != ARM_TREATMENT)
		add(b, d->arm == ARM_JOURNEY ? ",\"holdout\":\"journey\"" :
		    ",\"holdout\":\"universal\"");
	/* What the lift report's sample ratio check compares the arms
	 * with: held out of every journey or of this one. */
	if (u > 0 || j->holdout > 0) {
		add(b, ",\"holdout_share\":");
		add_share(b, 1 - (1 - u) * (1 - j->holdout));
	}
	add(b, is_sent(d, c) ? ",\"sent\":true}\n" : ",\"sent\":false}\n");
}

/* The decisions of the profile onto out (the sends; in a dry run every
 * decision and every pending one) and onto log (every decision), in the
 * order of OUTPUT FIELDS; either may be NULL. */
void
jo_decisions(struct dec *d, struct cdp_buf *out, struct cdp_buf *log)
{
	const bool dry = d->r->opt->dry_run;

	if (d->nc > 1)
		qsort(d->c, d->nc, sizeof(*d->c), cmp_out);
	for (size_t i = 0; i < d->nc; i++) {
		const struct cand *c = &d->c[i];

		if (out != NULL && (dry || is_sent(d, c)))
			add_decision(out, d, c);
		if (log != NULL && c->st != C_PENDING)
			add_decision(log, d, c);
	}
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
keep_from(const struct j_run *r)
{
	double keep = 30 * 86400.0;

	for (int c = 0; c < J_NCHAN; c++)
		if (r->opt->cap[c].n >= 0 && r->opt->cap[c].period > keep)
			keep = r->opt->cap[c].period;
	return r->as_of - keep;
}

/* The consent of records without time, and the latest stated by an
 * event, kept apart: a new profile record replaces the one, never the
 * other (an event is newer than any profile record). */
static void
state_consent(struct dec *d, struct cdp_buf *b)
{
	int n = 0;

	add(b, ",\"consent\":{");
	for (int c = 0; c < J_NCHAN; c++)
		if (d->p->consent[c] != 0) {
			add(b, n++ ? ",\"" : "\"");
			add(b, j_channels[c]);
			add(b, d->p->consent[c] == 1 ? "\":true" : "\":false");
		}
	add(b, "}");
	n = 0;
	for (int c = 0; c < J_NCHAN; c++) {
		double at;
		int v = dec_consent_when(d, c, d->r->as_of, &at);

		if (at == -INFINITY)
			continue;
		add(b, n++ ? ",\"" : ",\"consent_timed\":{\"");
		add(b, j_channels[c]);
		add(b, "\":[");
		add_time(b, at);
		add(b, v == 1 ? ",true]" : ",false]");
	}
	if (n > 0)
		add(b, "}");
}

static void
state_channels(struct dec *d, struct cdp_buf *b)
{
	double from = keep_from(d->r);
	int n = 0;

	add(b, ",\"channels\":{");
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
	add(b, "}");
}

static void
state_pending(struct dec *d, struct cdp_buf *b)
{
	const struct journey *j = &d->r->j;
	int n = 0;

	add(b, ",\"pending\":[");
	for (size_t i = 0; i < d->nc; i++) {
		const struct cand *c = &d->c[i];

		if (c->st != C_PENDING)
			continue;
		add(b, n++ ? ",{\"action\":" : "{\"action\":");
		add_q(b, j->act[c->act].name);
		add(b, ",\"trigger\":");
		add_time(b, c->trig);
		if (c->entered > -INFINITY) {
			add(b, ",\"entered\":");
			add_time(b, c->entered);
		}
		if (c->gdue > c->due) {
			add(b, ",\"decide_at\":");
			add_time(b, c->gdue);
		}
		add(b, "}");
	}
	add(b, "]");
}

/* The profile's state line (see STATE FILE) onto b. */
void
jo_state_line(struct dec *d, struct cdp_buf *b)
{
	const struct j_run *r = d->r;
	const struct journey *j = &r->j;
	int n = 0;

	if (d->ncs > 1)
		qsort(d->cs, d->ncs, sizeof(*d->cs), cmp_chsend);
	add(b, "{\"profile_id\":");
	add_id(b, r, d->p);
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
	if (d->entered > -INFINITY) {
		add(b, ",\"entered\":");
		add_time(b, d->entered);
	}
	state_consent(d, b);
	if (d->p->tz >= 0) {
		add(b, ",\"tz\":");
		add_q(b, r->tzname[d->p->tz]);
	}
	add(b, ",\"sent\":{");
	for (int a = 0; a < j->nact; a++)
		if (!isnan(d->sent[a])) {
			add(b, n++ ? "," : "");
			add_q(b, j->act[a].name);
			add(b, ":");
			add_time(b, d->sent[a]);
		}
	add(b, "}");
	state_channels(d, b);
	state_pending(d, b);
	add(b, "}\n");
}


/* Where n numbers of a state go: in place at *off when they fit in the
 * have there (a state seen before), else at the end of the pool; none
 * (J_NONE) when n is 0 and none may be. */
static double *
room(struct j_run *r, uint32_t *off, size_t n, size_t have, bool opt)
{
	if (opt && n == 0) {
		*off = J_NONE;
		return NULL;
	}
	if (*off == J_NONE || n > have) {
		*off = (uint32_t)r->npool;
		for (size_t i = 0; i < n; i++)
			j_pool_push(r, 0);
	}
	return r->pool + *off;
}

/* Keep the profile's new state in memory, over its old numbers where
 * they fit (a compaction drops those left behind).  A profile that was
 * never sent anything, or whose consent no event stated, keeps no
 * numbers for that. */
void
jo_save(struct dec *d)
{
	struct j_run *r = d->r;
	struct j_profile *p = &r->prof[d->p - r->prof];
	double from = keep_from(r), ct[2 * J_NCHAN], *v;
	size_t nch = 0, npend = 0, nsent = 0, nct = 0;
	struct j_pstate *ps, old = { .sent0 = J_NONE, .ch0 = J_NONE,
	    .pend0 = J_NONE, .ct0 = J_NONE };

	for (int c = 0; c < J_NCHAN; c++) {
		int x = dec_consent_when(d, c, r->as_of, &ct[2 * c]);

		ct[2 * c + 1] = ct[2 * c] == -INFINITY ? 0 : x;
		nct += ct[2 * c] > -INFINITY;
	}
	for (int a = 0; a < r->j.nact; a++)
		nsent += !isnan(d->sent[a]);
	for (size_t i = 0; i < d->ncs; i++)
		nch += d->cs[i].t > from;
	for (size_t i = 0; i < d->nc; i++)
		npend += d->c[i].st == C_PENDING;
	if (nch > UINT16_MAX || npend > UINT16_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "a profile with more than %u "
		    "sends or pending decisions to keep", UINT16_MAX);
	if (p->state < 0) {
		cdp_xgrow((void **)&r->ps, &r->capps, r->nps + 1,
		    sizeof(*r->ps));
		p->state = (int32_t)r->nps++;
	} else
		old = r->ps[p->state];
	ps = &r->ps[p->state];
	*ps = (struct j_pstate){ .stage = (int8_t)d->stage,
	    .cursor = d->cursor, .entered = d->entered, .sent0 = old.sent0,
	    .ch0 = old.ch0, .pend0 = old.pend0, .ct0 = old.ct0,
	    .nch = (uint16_t)nch, .npend = (uint16_t)npend };
	/* room() may move the pool: one range at a time. */
	if ((v = room(r, &ps->sent0, nsent > 0 ? (size_t)r->j.nact : 0,
	    (size_t)r->j.nact, true)) != NULL)
		memcpy(v, d->sent, (size_t)r->j.nact * sizeof(double));
	v = room(r, &ps->ch0, 2 * nch, 2 * (size_t)old.nch, false);
	for (size_t i = 0; i < d->ncs; i++)
		if (d->cs[i].t > from) {
			*v++ = d->cs[i].ch;
			*v++ = d->cs[i].t;
		}
	v = room(r, &ps->pend0, 4 * npend, 4 * (size_t)old.npend, false);
	for (size_t i = 0; i < d->nc; i++)
		if (d->c[i].st == C_PENDING) {
			*v++ = d->c[i].act;
			*v++ = d->c[i].trig;
			*v++ = d->c[i].entered;
			*v++ = d->c[i].gdue > d->c[i].due ? d->c[i].gdue :
			    -INFINITY;
		}
	if ((v = room(r, &ps->ct0, nct > 0 ? 2 * J_NCHAN : 0, 2 * J_NCHAN,
	    true)) != NULL)
		memcpy(v, ct, sizeof(ct));
}
