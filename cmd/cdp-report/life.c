/*
 * life.c - subscription lifecycles (life.h): reading lifecycle events,
 * ordering them per customer without a comparison sort (a radix sort on
 * the customers' hashes, then each customer's few events by time), and
 * the state machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "keymap.h"
#include "xalloc.h"
#include "life.h"

#define LIFE_AHEAD	16	/* events prefetched ahead of the walk */

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
}

void
life_free(struct life *l)
{
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

/* The customer of rec, hashed; 1 when it has none, -1 when it is not a
 * string or a number. */
static int
customer(struct life *l, struct cdp_rec *rec, uint64_t *h)
{
	int rc = report_id(rec, l->opt->by, &l->str, &l->key);

	if (rc == 0)
		*h = cdp_key128_of(l->key.p, l->key.len).lo;
	return rc;
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

/* (top 32 bits of a customer's hash, event index) for the radix sort. */
struct pair {
	uint32_t	key, ix;
};

/* Stable LSD radix sort of p[0..n) by key, 16 bits a pass. */
static void
radix(struct pair *p, size_t n)
{
	struct pair *tmp = cdp_xcalloc(n + 1, sizeof(*tmp)), *a = p, *b = tmp;
	size_t *cnt = cdp_xcalloc(65536 + 1, sizeof(*cnt));

	for (int shift = 0; shift < 32; shift += 16) {
		memset(cnt, 0, (65536 + 1) * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[((a[i].key >> shift) & 0xffff) + 1]++;
		for (size_t d = 0; d < 65536; d++)
			cnt[d + 1] += cnt[d];
		for (size_t i = 0; i < n; i++)
			b[cnt[(a[i].key >> shift) & 0xffff]++] = a[i];
		a = b;
		b = a == p ? tmp : p;
	}
	/* Two passes: the result is back in p. */
	free(cnt);
	free(tmp);
}

/*
 * Stable insertion sort of the indexes o[a..b) by after() on their
 * events: runs that are short and mostly in order already.  (The events
 * stay where they are: reading them through the indexes makes loads the
 * processor overlaps, where moving them in place would chain them.)
 */
static void
insertion(const struct life_ev *ev, uint32_t *o, size_t a, size_t b,
    bool (*after)(const struct life_ev *, const struct life_ev *))
{
	for (size_t i = a + 1; i < b; i++) {
		uint32_t e = o[i];
		size_t j = i;

		while (j > a && after(&ev[o[j - 1]], &ev[e])) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = e;
	}
}

static bool
time_after(const struct life_ev *x, const struct life_ev *y)
{
	return x->t > y->t;
}

static bool
cust_after(const struct life_ev *x, const struct life_ev *y)
{
	return x->cust > y->cust;
}

/* Stable merge sort of the indexes o[a..b) by time, for a long run out
 * of order (insertion would take its square). */
static void
merge_sort(const struct life_ev *ev, uint32_t *o, size_t a, size_t b,
    uint32_t *tmp)
{
	size_t m = a + (b - a) / 2, i = a, j = m, k = a;

	if (b - a < 2)
		return;
	merge_sort(ev, o, a, m, tmp);
	merge_sort(ev, o, m, b, tmp);
	while (i < m || j < b)
		tmp[k++] = j >= b || (i < m && ev[o[i]].t <= ev[o[j]].t) ?
		    o[i++] : o[j++];
	memcpy(o + a, tmp + a, (b - a) * sizeof(*o));
}

/* A customer's events o[a..b) in time order, stably. */
static void
by_time(const struct life_ev *ev, uint32_t *o, size_t a, size_t b)
{
	uint32_t *tmp;
	size_t i;

	for (i = a + 1; i < b && ev[o[i - 1]].t <= ev[o[i]].t; i++)
		;
	if (i >= b)
		return;		/* in order already: the common case */
	if (b - a <= 64) {
		insertion(ev, o, a, b, time_after);
		return;
	}
	tmp = cdp_xcalloc(b, sizeof(*tmp));
	merge_sort(ev, o, a, b, tmp);
	free(tmp);
}

void
life_order(struct life *l)
{
	struct pair *p = cdp_xcalloc(l->nev + 1, sizeof(*p));
	const struct life_ev *ev = l->ev;
	uint32_t *o;
	size_t cap = 0;

	if (l->nev >= UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many lifecycle events");
	for (size_t i = 0; i < l->nev; i++)
		p[i] = (struct pair){ (uint32_t)(ev[i].cust >> 32),
		    (uint32_t)i };
	radix(p, l->nev);
	o = l->order = cdp_xcalloc(l->nev + 1, sizeof(*o));
	for (size_t i = 0; i < l->nev; i++)
		o[i] = p[i].ix;
	free(p);
	/* Equal top halves of different hashes are rare: order such a run
	 * by the whole hash (stable: input order within a customer); then
	 * each customer's events by time (stable: equal times keep input
	 * order). */
	for (size_t i = 0, j; i < l->nev; i = j) {
		for (j = i + 1; j < l->nev && ev[o[j]].cust >> 32 ==
		    ev[o[i]].cust >> 32; j++)
			if (j + LIFE_AHEAD < l->nev)
				__builtin_prefetch(&ev[o[j + LIFE_AHEAD]]);
		if (j - i > 1)
			insertion(ev, o, i, j, cust_after);
	}
	for (size_t i = 0, j; i < l->nev; i = j) {
		for (j = i + 1; j < l->nev && ev[o[j]].cust == ev[o[i]].cust;
		    j++)
			if (j + LIFE_AHEAD < l->nev)
				__builtin_prefetch(&ev[o[j + LIFE_AHEAD]]);
		if (l->ncust + 1 >= cap) {
			cap = cap ? 2 * cap : 1024;
			l->first = cdp_xreallocarray(l->first, cap,
			    sizeof(*l->first));
		}
		l->first[l->ncust++] = i;
		by_time(ev, o, i, j);
	}
	if (l->first == NULL)
		l->first = cdp_xcalloc(1, sizeof(*l->first));
	l->first[l->ncust] = l->nev;
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

		/* The events are read out of place: ask for the ones a few
		 * steps on (this customer's or the next ones') early. */
		if (i + LIFE_AHEAD < l->nev)
			__builtin_prefetch(&l->ev[l->order[i + LIFE_AHEAD]]);
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
