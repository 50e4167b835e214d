/*
 * attr_shapley.c - Shapley values of the channels (the simplified Shapley
 * value of Zhao, Mahboobi and Bagheri, "Shapley Value Methods for
 * Attribution Modeling in Online Advertising", 2018).
 *
 * The players are the channels; a coalition S is worth v(S), the sum of
 * a(T) over the channel sets T within S that journeys were seen with,
 * where a(T) is the conversion rate of the journeys whose distinct
 * channels are exactly T (converted over all, null journeys included),
 * or with shapley:count their conversions.  Such a game is a sum of
 * unanimity games a(T) u_T, whose Shapley value gives a(T) / |T| to
 * each member of T, so phi(c) = sum over T holding c of a(T) / |T|:
 * exact, in time linear in the channel sets seen, where enumerating
 * coalitions would take 2^channels.  With counts the values add up to the
 * conversions (an even split of each conversion over its journey's
 * distinct channels); with rates they are scaled to the conversions.
 *
 * The ordered variant keeps the order in which a journey first touches
 * its channels: T is that sequence, and phi(c) is split by c's place in
 * it (the ordered Shapley value of the same paper).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "keymap.h"
#include "xalloc.h"
#include "attr.h"

#define NONE	UINT32_MAX

/*
 * The channel sets (or first-touch sequences) of the journeys, found
 * once: set s has len[s] channels seq[s * ATTR_MAX_SHAPLEY_CH ..], in
 * first-touch order; journey i has set at[i] (NONE without a touch).
 */
struct prep {
	size_t		 nsets;
	uint8_t		*seq;
	uint8_t		*len;
	uint32_t	*at;
};

void
attr_shapley_prep_free(void *p)
{
	struct prep *pr = p;

	if (pr == NULL)
		return;
	free(pr->seq);
	free(pr->len);
	free(pr->at);
	free(pr);
}

/* The distinct channels of journey j in first-touch order into q;
 * returns how many. */
static int
distinct(const struct attr_data *d, const struct attr_journey *j,
    uint8_t *q, uint64_t *mask)
{
	int n = 0;

	*mask = 0;
	for (uint32_t t = 0; t < j->n; t++) {
		uint32_t c = d->ch[j->off + t];

		if (*mask & (UINT64_C(1) << c))
			continue;
		*mask |= UINT64_C(1) << c;
		q[n++] = (uint8_t)c;
	}
	return n;
}

static struct prep *
prepare(const struct attr_data *d, bool ordered)
{
	struct prep *pr = cdp_xcalloc(1, sizeof(*pr));
	struct cdp_keymap *map = cdp_keymap_new();
	uint8_t q[ATTR_MAX_SHAPLEY_CH];
	size_t cap = 0;

	if (map == NULL)
		cdp_oom(0);
	pr->at = cdp_xcalloc(d->nj + 1, sizeof(*pr->at));
	for (size_t i = 0; i < d->nj; i++) {
		uint64_t mask, *v;
		int n, added;

		pr->at[i] = NONE;
		if (d->j[i].n == 0)
			continue;
		n = distinct(d, &d->j[i], q, &mask);
		v = cdp_keymap_put(map, ordered ? cdp_key128_of(q,
		    (size_t)n) : cdp_key128_of(&mask, sizeof(mask)),
		    pr->nsets, &added);
		if (v == NULL)
			cdp_oom(0);
		if (added) {
			if (pr->nsets == cap) {
				cap = cap ? 2 * cap : 64;
				pr->seq = cdp_xreallocarray(pr->seq, cap,
				    ATTR_MAX_SHAPLEY_CH);
				pr->len = cdp_xreallocarray(pr->len, cap, 1);
			}
			memcpy(pr->seq + pr->nsets * ATTR_MAX_SHAPLEY_CH, q,
			    (size_t)n);
			pr->len[pr->nsets++] = (uint8_t)n;
		}
		pr->at[i] = (uint32_t)*v;
	}
	cdp_keymap_free(map);
	return pr;
}

int
attr_shapley(const struct attr_data *d, const double *w,
    struct attr_model *m, const struct attr_totals *tot, double *conv,
    double *value, double *pos, const char **why)
{
	bool ordered = m->kind == ATTR_SHAPLEY_ORDERED;
	struct prep *pr = m->prep;
	double *cv, *all, *val, sum = 0, scale;

	(void)why;
	if (d->nch > ATTR_MAX_SHAPLEY_CH)
		cdp_die(EX_DATAERR, NULL, 0, "%s: %zu channels, at most %d",
		    m->name, d->nch, ATTR_MAX_SHAPLEY_CH);
	if (pr == NULL)
		m->prep = pr = prepare(d, ordered);
	if (ordered)
		memset(pos, 0, d->nch * ATTR_MAX_POSITIONS * sizeof(*pos));
	cv = cdp_xcalloc(pr->nsets + 1, sizeof(*cv));
	all = cdp_xcalloc(pr->nsets + 1, sizeof(*all));
	val = cdp_xcalloc(pr->nsets + 1, sizeof(*val));
	for (size_t i = 0; i < d->nj; i++) {
		double k = w != NULL ? w[i] : 1;
		uint32_t s = pr->at[i];

		if (s == NONE)
			continue;
		all[s] += k;
		if (d->j[i].converted) {
			cv[s] += k;
			val[s] += k * d->j[i].value;
		}
	}
	for (size_t s = 0; s < pr->nsets; s++) {
		const uint8_t *q = pr->seq + s * ATTR_MAX_SHAPLEY_CH;
		double a = m->count ? cv[s] : all[s] > 0 ? cv[s] / all[s] : 0;
		double n = pr->len[s];

		for (int i = 0; i < pr->len[s]; i++) {
			conv[q[i]] += a / n;
			if (m->count)
				value[q[i]] += val[s] / n;
			if (ordered)
				pos[q[i] * ATTR_MAX_POSITIONS + (i <
				    ATTR_MAX_POSITIONS ? i :
				    ATTR_MAX_POSITIONS - 1)] += a / n;
		}
		sum += a;
	}
	/* Rates: the values share out the conversions (and the value) in
	 * proportion; counts already add up to them. */
	if (!m->count) {
		scale = sum > 0 ? tot->conversions / sum : 0;
		for (size_t c = 0; c < d->nch; c++) {
			value[c] = sum > 0 ? conv[c] / sum * tot->value : 0;
			conv[c] *= scale;
		}
		if (ordered)
			for (size_t i = 0; i < d->nch * ATTR_MAX_POSITIONS; i++)
				pos[i] *= scale;
	}
	free(cv);
	free(all);
	free(val);
	return 0;
}
