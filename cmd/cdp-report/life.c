/*
 * life.c - subscription lifecycles (life.h): reading lifecycle events,
 * ordering them per customer without a comparison sort (a counting sort
 * by customer, then each customer's few events by time), and the state
 * machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "life.h"

static const char *const kind_name[LK_N] = { "signup", "renew", "pause",
	"resume", "cancel", "reactivate" };

void
life_opts_init(struct life_opts *o)
{
	*o = (struct life_opts){ .by = "profile_id", .event = "event" };
	for (int k = 0; k < LK_N; k++) {
		o->names[k][0] = kind_name[k];
		o->nnames[k] = 1;
	}
}

void
life_opts_free(struct life_opts *o)
{
	for (int i = 0; i < o->nbufs; i++)
		free(o->bufs[i]);
	o->nbufs = 0;
}

int
life_opts_names(struct life_opts *o, const char *arg, const char **why)
{
	bool set[LK_N] = { false };
	char *s, *tok, *save = NULL;

	if (o->nbufs == LK_N * LIFE_MAXNAMES) {
		*why = "--names: given too often";
		return -1;
	}
	/* Every --names text stays alive: the names point into it. */
	s = o->bufs[o->nbufs++] = cdp_xstrdup(arg);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int k;

		if (eq == NULL || eq[1] == '\0') {
			*why = "--names: expected KIND=NAME[,KIND=NAME...]";
			return -1;
		}
		*eq = '\0';
		for (k = 0; k < LK_N; k++)
			if (strcmp(tok, kind_name[k]) == 0)
				break;
		if (k == LK_N) {
			*why = "--names: a KIND is signup, renew, pause, resume, "
			    "cancel or reactivate";
			return -1;
		}
		if (!set[k]) {
			o->nnames[k] = 0;
			set[k] = true;
		}
		if (o->nnames[k] == LIFE_MAXNAMES) {
			*why = "--names: at most 8 names a kind";
			return -1;
		}
		o->names[k][o->nnames[k]++] = eq + 1;
	}
	return 0;
}

void
life_init(struct life *l, const struct life_opts *o)
{
	*l = (struct life){ .opt = o, .tmax = -1e300 };
	if ((l->custmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
}

void
life_free(struct life *l)
{
	cdp_keymap_free(l->custmap);
	free(l->ev);
	free(l->order);
	free(l->first);
	cdp_buf_free(&l->key);
	cdp_buf_free(&l->str);
	cdp_buf_free(&l->tmp[0]);
	cdp_buf_free(&l->tmp[1]);
}

/* The kind of event name s[0..n), or -1. */
static int
kind_of(const struct life_opts *o, const char *s, size_t n)
{
	for (int k = 0; k < LK_N; k++)
		for (int i = 0; i < o->nnames[k]; i++)
			if (strlen(o->names[k][i]) == n &&
			    memcmp(o->names[k][i], s, n) == 0)
				return k;
	return -1;
}

/* The customer of rec, numbered; 1 when it has none, -1 when it is not
 * a string or a number. */
static int
customer(struct life *l, struct cdp_rec *rec, uint32_t *ix)
{
	const struct cdp_field *f = cdp_rec_find(rec, l->opt->by,
	    strlen(l->opt->by));
	const char *s;
	size_t n;
	uint64_t *v;
	int added;

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type == CDP_NUMBER) {
		s = rec->p + f->voff;
		n = f->vlen;
	} else if (f->type != CDP_STRING || cdp_rec_str(rec, f, &l->str, &s,
	    &n) == -1)
		return -1;
	cdp_buf_reset(&l->key);
	if (cdp_buf_addc(&l->key, f->type == CDP_NUMBER ? 'n' : 's') == -1 ||
	    cdp_buf_add(&l->key, s, n) == -1)
		cdp_oom(0);
	if ((v = cdp_keymap_put(l->custmap, cdp_key128_of(l->key.p,
	    l->key.len), l->ncust, &added)) == NULL)
		cdp_oom(0);
	if (added && ++l->ncust == UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many customers");
	*ix = (uint32_t)*v;
	return 0;
}

int
life_read(struct life *l, struct cdp_rec *rec, const char **why)
{
	const struct life_opts *o = l->opt;
	const struct cdp_field *f = cdp_rec_find(rec, o->event,
	    strlen(o->event)), *m;
	struct life_ev e = { 0 };
	const char *s;
	size_t n;
	int k, rc;

	if (f == NULL || f->type != CDP_STRING ||
	    cdp_rec_str(rec, f, &l->str, &s, &n) == -1 ||
	    (k = kind_of(o, s, n)) < 0)
		return 1;
	e.kind = (uint8_t)k;
	if ((rc = report_time(rec, o->time, l->tmp, &e.t, why)) != 0) {
		if (rc == 1) {
			snprintf(l->why, sizeof(l->why), "lifecycle event "
			    "without a time ('%s')", o->time);
			*why = l->why;
		}
		return -1;
	}
	if (o->mrr != NULL && (m = cdp_rec_find(rec, o->mrr,
	    strlen(o->mrr))) != NULL && m->type != CDP_NULL) {
		if (m->type != CDP_NUMBER || cdp_rec_num(rec, m, &e.mrr) == -1
		    || e.mrr < 0) {
			snprintf(l->why, sizeof(l->why), "MRR field '%s' is not "
			    "a number of 0 or more", o->mrr);
			*why = l->why;
			return -1;
		}
		e.has_mrr = true;
	}
	if ((rc = customer(l, rec, &e.cust)) != 0) {
		if (rc == 1)
			return 1;
		snprintf(l->why, sizeof(l->why), "customer field '%s' is not "
		    "a string or a number", o->by);
		*why = l->why;
		return -1;
	}
	if (l->nev == l->capev) {
		l->capev = l->capev ? 2 * l->capev : 4096;
		l->ev = cdp_xreallocarray(l->ev, l->capev, sizeof(*l->ev));
	}
	l->ev[l->nev++] = e;
	if (e.t > l->tmax)
		l->tmax = e.t;
	return 0;
}

void
life_order(struct life *l)
{
	size_t *pos;

	l->first = cdp_xcalloc((size_t)l->ncust + 2, sizeof(*l->first));
	l->order = cdp_xcalloc(l->nev + 1, sizeof(*l->order));
	/* Counting sort by customer keeps input order within one. */
	for (size_t i = 0; i < l->nev; i++)
		l->first[l->ev[i].cust + 1]++;
	for (uint32_t c = 0; c < l->ncust; c++)
		l->first[c + 1] += l->first[c];
	pos = cdp_xcalloc((size_t)l->ncust + 1, sizeof(*pos));
	memcpy(pos, l->first, (size_t)l->ncust * sizeof(*pos));
	for (size_t i = 0; i < l->nev; i++)
		l->order[pos[l->ev[i].cust]++] = (uint32_t)i;
	free(pos);
	/* Then each customer's events by time: an insertion sort, as they
	 * come mostly in order; stable, so equal times keep input order. */
	for (uint32_t c = 0; c < l->ncust; c++)
		for (size_t i = l->first[c] + 1; i < l->first[c + 1]; i++) {
			uint32_t e = l->order[i];
			size_t j = i;

			while (j > l->first[c] &&
			    l->ev[l->order[j - 1]].t > l->ev[e].t) {
				l->order[j] = l->order[j - 1];
				j--;
			}
			l->order[j] = e;
		}
}

/* The state event e leads to from state s (s itself when it does not
 * apply there). */
static enum life_state
next_state(enum life_state s, enum life_kind k)
{
	switch (k) {
	case LK_SIGNUP:
	case LK_RENEW:
	case LK_REACTIVATE:
		/* A renewal or signup of a customer not active (data that
		 * starts mid-life, a return) makes it active. */
		return LS_ACTIVE;
	case LK_RESUME:
		return s == LS_PAUSED || s == LS_CANCELLED ? LS_ACTIVE : s;
	case LK_PAUSE:
		return s == LS_ACTIVE ? LS_PAUSED : s;
	case LK_CANCEL:
		return s == LS_ACTIVE || s == LS_PAUSED ? LS_CANCELLED : s;
	default:
		return s;
	}
}

void
life_walk(struct life *l, uint32_t c,
    void (*fn)(void *ctx, const struct life_step *s), void *ctx)
{
	enum life_state st = LS_NONE;
	double mrr = 0;
	bool ever = false;

	for (size_t i = l->first[c]; i < l->first[c + 1]; i++) {
		const struct life_ev *e = &l->ev[l->order[i]];
		struct life_step s = { .cust = c, .t = e->t, .from = st,
		    .mrr_from = st == LS_ACTIVE ? mrr : 0 };
		bool applies;

		s.to = next_state(st, (enum life_kind)e->kind);
		/* An amount updates the plan whenever the event applies:
		 * a renewal at a new price is expansion or contraction. */
		applies = s.to != st || (st == LS_ACTIVE &&
		    (e->kind == LK_RENEW || e->kind == LK_SIGNUP ||
		    e->kind == LK_REACTIVATE || e->kind == LK_RESUME));
		if (applies && e->has_mrr)
			mrr = e->mrr;
		if (!applies)
			l->ignored++;
		s.first_active = s.to == LS_ACTIVE && !ever;
		ever |= s.to == LS_ACTIVE;
		st = s.to;
		s.mrr_to = st == LS_ACTIVE ? mrr : 0;
		fn(ctx, &s);
	}
}
