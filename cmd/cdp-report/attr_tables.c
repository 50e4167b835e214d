/*
 * attr_tables.c - the tables of cdp-report attribution (attr_out.h): the
 * credit per channel with every model side by side, and the paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "xalloc.h"
#include "attr_out.h"

#define MAXTABLES	(2 + 16)

static const char *
ch_name(const struct attr_names *nm, uint32_t c)
{
	return nm->names + nm->off[c];
}

static int
col(struct rtable *t, const char *model, const char *what, int digits)
{
	char name[96];

	snprintf(name, sizeof(name), "%s%s%s", model, *model ? "_" : "",
	    what);
	return rtable_col(t, name, digits);
}

/* Column of the removal effect of a Markov model: "removal_effect" for
 * the first order (as before orders existed), "markov2_removal_effect"
 * for the others. */
static int
re_col(struct rtable *t, const struct attr_model *m)
{
	int c = col(t, m->order > 1 ? m->name : "", "removal_effect", -1);

	t->cols[c].ratio = true;
	return c;
}

/* The credit table: a row per channel, the models' columns in order. */
static void
credit_table(struct rtable *t, const struct attr_data *d,
    const struct attr_names *nm, const struct attr_show *s)
{
	int c[16][5];

	rtable_init(t, "attribution", "conversions credited per channel");
	t->chart = CHART_GROUPED;
	t->unit = "conversions";
	rtable_col(t, "channel", -1);
	for (size_t k = 0; k < s->nmodels; k++) {
		const struct attr_model *m = &s->models[k];

		c[k][0] = col(t, m->name, "conversions", -1);
		if (t->nseries < RT_MAXSERIES)
			t->series[t->nseries++] = c[k][0];
		c[k][1] = s->reps > 0 ? col(t, m->name, "conversions_lo", -1) :
		    -1;
		c[k][2] = s->reps > 0 ? col(t, m->name, "conversions_hi", -1) :
		    -1;
		c[k][3] = s->value ? col(t, m->name, "value", -1) : -1;
		c[k][4] = m->kind == ATTR_MARKOV ? re_col(t, m) : -1;
	}
	for (uint32_t ch = 0; ch < d->nch; ch++) {
		size_t r = rtable_row(t);
		const char *name = ch_name(nm, ch);

		rtable_str(t, r, 0, name, strlen(name));
		for (size_t k = 0; k < s->nmodels; k++) {
			const struct attr_model *m = &s->models[k];
			double lo, hi;

			rtable_num(t, r, c[k][0], attr_round(m->conv[ch]));
			if (c[k][1] >= 0) {
				double *x = cdp_xcalloc((size_t)s->reps,
				    sizeof(*x));

				for (long i = 0; i < s->reps; i++)
					x[i] = m->boot[(size_t)i * d->nch + ch];
				report_interval(x, (size_t)s->reps, &lo, &hi);
				rtable_num(t, r, c[k][1], attr_round(lo));
				rtable_num(t, r, c[k][2], attr_round(hi));
				free(x);
			}
			if (c[k][3] >= 0)
				rtable_num(t, r, c[k][3],
				    attr_round(m->value[ch]));
			if (c[k][4] >= 0)
				rtable_num(t, r, c[k][4], attr_round(m->re[ch]));
		}
	}
}

/* --remove-sequence: a row per sequence, a column per Markov model. */
static void
sequence_table(struct rtable *t, const struct attr_data *d,
    const struct attr_show *s)
{
	int c[16];

	rtable_init(t, "sequences", "removal effects of channel sequences");
	rtable_col(t, "sequence", -1);
	for (size_t k = 0; k < s->nmodels; k++)
		c[k] = s->models[k].kind == ATTR_MARKOV ?
		    re_col(t, &s->models[k]) : -1;
	for (int i = 0; i < s->nseq; i++) {
		size_t r = rtable_row(t);

		rtable_str(t, r, 0, s->seqs[i], strlen(s->seqs[i]));
		for (size_t k = 0; k < s->nmodels; k++)
			/* A sequence longer than the order cannot be seen
			 * by that chain: an empty cell. */
			if (c[k] >= 0 && d->seqlen[i] <= s->models[k].order)
				rtable_num(t, r, c[k],
				    attr_round(s->models[k].seq_re[i]));
	}
}

/* shapley-ordered: a row per channel, its credit by the place in the
 * journey's first touches where the channel came (10: 10th or later). */
static void
position_table(struct rtable *t, const struct attr_data *d,
    const struct attr_names *nm, const struct attr_model *m)
{
	char name[96], title[128];

	snprintf(name, sizeof(name), "%s_positions", m->name);
	snprintf(title, sizeof(title), "%s: conversions by the channel's "
	    "place in the journey", m->name);
	rtable_init(t, name, title);
	t->chart = CHART_NONE;
	rtable_col(t, "channel", -1);
	for (int i = 1; i <= ATTR_MAX_POSITIONS; i++) {
		snprintf(name, sizeof(name), i < ATTR_MAX_POSITIONS ?
		    "place_%d" : "place_%d_or_later", i);
		rtable_col(t, name, -1);
	}
	for (uint32_t ch = 0; ch < d->nch; ch++) {
		size_t r = rtable_row(t);
		const char *n = ch_name(nm, ch);

		rtable_str(t, r, 0, n, strlen(n));
		for (int i = 0; i < ATTR_MAX_POSITIONS; i++)
			rtable_num(t, r, 1 + i, attr_round(m->pos[ch *
			    ATTR_MAX_POSITIONS + (size_t)i]));
	}
}

void
attr_credit_write(const struct report_opts *ro, const struct attr_data *d,
    const struct attr_names *nm, const struct attr_show *s)
{
	struct rtable tables[MAXTABLES], *tp[MAXTABLES];
	size_t n = 0;

	credit_table(&tables[n++], d, nm, s);
	if (s->nseq > 0)
		sequence_table(&tables[n++], d, s);
	for (size_t k = 0; k < s->nmodels && n < MAXTABLES; k++)
		if (s->models[k].kind == ATTR_SHAPLEY_ORDERED)
			position_table(&tables[n++], d, nm, &s->models[k]);
	for (size_t i = 0; i < n; i++)
		tp[i] = &tables[i];
	report_write(ro, tp, n);
	for (size_t i = 0; i < n; i++)
		rtable_free(&tables[i]);
}

/* ---- --paths ---- */

struct prow {
	const uint32_t	*ch;
	uint32_t	 n;
	double		 conv, value, nulls;
};

static int
cmp_prow(const void *a, const void *b)
{
	const struct prow *x = a, *y = b;
	uint32_t n = x->n < y->n ? x->n : y->n;

	if (x->conv != y->conv)
		return x->conv > y->conv ? -1 : 1;
	/* Channels are numbered in name order: comparing numbers compares
	 * the names, as the path strings would. */
	for (uint32_t i = 0; i < n; i++)
		if (x->ch[i] != y->ch[i])
			return x->ch[i] < y->ch[i] ? -1 : 1;
	return (x->n > y->n) - (x->n < y->n);
}

void
attr_paths_write(const struct report_opts *ro, const struct attr_data *d,
    const struct attr_names *nm, bool value)
{
	struct cdp_keymap *ix = cdp_keymap_new();
	struct prow *rows = cdp_xcalloc(d->nj + 1, sizeof(*rows));
	struct cdp_buf s = { 0 };
	struct rtable t, *tp = &t;
	size_t nrows = 0;
	int vcol = -1, ncol;

	if (ix == NULL)
		cdp_oom(0);
	for (size_t i = 0; i < d->nj; i++) {
		const struct attr_journey *j = &d->j[i];
		const uint32_t *ch = d->ch + j->off;
		uint64_t *v;
		int added;

		if (j->n == 0)
			continue;
		if ((v = cdp_keymap_put(ix, cdp_key128_of(ch, j->n *
		    sizeof(*ch)), nrows, &added)) == NULL)
			cdp_oom(0);
		if (added)
			rows[nrows++] = (struct prow){ .ch = ch, .n = j->n };
		if (j->converted) {
			rows[*v].conv += 1;
			rows[*v].value += j->value;
		} else
			rows[*v].nulls += 1;
	}
	if (nrows > 0)
		qsort(rows, nrows, sizeof(*rows), cmp_prow);
	rtable_init(&t, "paths", "touchpoint paths");
	rtable_col(&t, "path", -1);
	rtable_col(&t, "conversions", -1);
	if (value)
		vcol = rtable_col(&t, "value", -1);
	ncol = rtable_col(&t, "nulls", -1);
	for (size_t i = 0; i < nrows; i++) {
		size_t r = rtable_row(&t);

		cdp_buf_reset(&s);
		for (uint32_t k = 0; k < rows[i].n; k++)
			if ((k > 0 && cdp_buf_adds(&s, " > ") == -1) ||
			    cdp_buf_adds(&s, ch_name(nm, rows[i].ch[k])) == -1)
				cdp_oom(0);
		rtable_str(&t, r, 0, s.p != NULL ? s.p : "", s.len);
		rtable_int(&t, r, 1, rows[i].conv);
		if (vcol >= 0)
			rtable_num(&t, r, vcol, attr_round(rows[i].value));
		rtable_int(&t, r, ncol, rows[i].nulls);
	}
	report_write(ro, &tp, 1);
	rtable_free(&t);
	cdp_buf_free(&s);
	cdp_keymap_free(ix);
	free(rows);
}
