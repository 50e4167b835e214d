/*
 * attr_markov.c - the Markov chain model of order k: a journey's state
 * after each touch is its last k channels (fewer at its start), and the
 * chain of those states, with start, conversion and null, is solved
 * exactly: the fundamental matrix of the absorbing chain by one LU
 * decomposition, and the removal effect of each channel (or of a
 * sequence of channels) from it with a small solve per removal.  No
 * simulation, so the same input always gives the same figures.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

#include "diag.h"
#include "keymap.h"
#include "xalloc.h"
#include "attr.h"

#define NONE	UINT32_MAX

/*
 * The states of the journeys, found once and kept between runs (the
 * bootstrap reweighs the same journeys): state s (1-based; 0 is start)
 * holds the channels tuple[(s - 1) * k ..] padded with NONE, and touch i
 * of the journeys leaves its journey in state at[i].
 */
struct prep {
	int		 k;
	size_t		 nstates;
	uint32_t	*tuple;
	uint32_t	*at;
};

void
attr_markov_prep_free(void *p)
{
	struct prep *pr = p;

	if (pr == NULL)
		return;
	free(pr->tuple);
	free(pr->at);
	free(pr);
}

/* Find the states; past ATTR_MAX_STATES the run stops (65). */
static struct prep *
prepare(const struct attr_data *d, int k)
{
	struct prep *pr = cdp_xcalloc(1, sizeof(*pr));
	struct cdp_keymap *map = cdp_keymap_new();
	uint32_t key[ATTR_MAX_ORDER];
	size_t cap = 0;

	if (map == NULL)
		cdp_oom(0);
	pr->k = k;
	pr->at = cdp_xcalloc(d->ntouch + 1, sizeof(*pr->at));
	for (size_t i = 0; i < d->nj; i++) {
		const struct attr_journey *j = &d->j[i];

		for (uint32_t t = 0; t < j->n; t++) {
			uint32_t first = t + 1 >= (uint32_t)k ? t + 1 -
			    (uint32_t)k : 0;
			uint64_t *v;
			int added;

			for (int q = 0; q < k; q++)
				key[q] = first + (uint32_t)q <= t ?
				    d->ch[j->off + first + (uint32_t)q] : NONE;
			v = cdp_keymap_put(map, cdp_key128_of(key,
			    (size_t)k * sizeof(*key)), pr->nstates + 1,
			    &added);
			if (v == NULL)
				cdp_oom(0);
			if (added) {
				if (pr->nstates == cap) {
					cap = cap ? 2 * cap : 64;
					pr->tuple = cdp_xreallocarray(
					    pr->tuple, cap * (size_t)k,
					    sizeof(*pr->tuple));
				}
				memcpy(pr->tuple + pr->nstates * (size_t)k, key,
				    (size_t)k * sizeof(*key));
				pr->nstates++;
			}
			pr->at[j->off + t] = (uint32_t)*v;
		}
	}
	cdp_keymap_free(map);
	if (pr->nstates > ATTR_MAX_STATES)
		cdp_die(EX_DATAERR, NULL, 0, "markov:%d: %zu states, at most "
		    "%d (try a smaller order)", k, pr->nstates,
		    ATTR_MAX_STATES);
	return pr;
}

/*
 * I - Q over the transient states (start and the pr->nstates states)
 * into a, and the probabilities of converting in one step into r: a
 * transition's probability is its weighted count over the weighted
 * counts leaving its state.  A state with nothing leaving it (every
 * journey through it weighs 0) is taken to go to null.
 */
static void
build(const struct attr_data *d, const double *w, const struct prep *pr,
    gsl_matrix *a, gsl_vector *r)
{
	size_t s = pr->nstates + 1;
	double *out = cdp_xcalloc(s, sizeof(*out));

	gsl_matrix_set_zero(a);
	gsl_vector_set_zero(r);
	for (size_t i = 0; i < d->nj; i++) {
		const struct attr_journey *j = &d->j[i];
		double k = w != NULL ? w[i] : 1;
		size_t from = 0;

		if (j->n == 0 || k == 0)
			continue;
		for (uint32_t t = 0; t < j->n; t++) {
			size_t to = pr->at[j->off + t];

			*gsl_matrix_ptr(a, from, to) -= k;
			out[from] += k;
			from = to;
		}
		if (j->converted)
			*gsl_vector_ptr(r, from) += k;
		out[from] += k;
	}
	for (size_t i = 0; i < s; i++) {
		if (out[i] > 0) {
			for (size_t c = 0; c < s; c++)
				*gsl_matrix_ptr(a, i, c) /= out[i];
			*gsl_vector_ptr(r, i) /= out[i];
		}
		*gsl_matrix_ptr(a, i, i) += 1;
	}
	free(out);
}

/* Does state s (1-based) hold the run q[0..n) of channels? */
static bool
holds(const struct prep *pr, size_t s, const uint32_t *q, int n)
{
	const uint32_t *t = pr->tuple + (s - 1) * (size_t)pr->k;

	for (int i = 0; i + n <= pr->k; i++) {
		int m = 0;

		while (m < n && t[i + m] == q[m])
			m++;
		if (m == n)
			return true;
	}
	return false;
}

/*
 * The removal effect of the states holding q[0..n): with N the
 * fundamental matrix, x the conversion probabilities and R those
 * states, a conversion either never enters R (it survives) or enters it
 * first at some r and converts from there.  The probability h(r) of
 * entering R first at r satisfies N[start, R] = h N[R, R] (every visit
 * to R comes after that first entry), so P(without R) = P - h x(R) with
 * h x(R) = N[start, R] N[R, R]^-1 x(R): one solve of |R| unknowns.
 */
static int
removal(const struct prep *pr, const gsl_matrix *n, const gsl_vector *x,
    const uint32_t *q, int len, double *re)
{
	size_t *in = cdp_xcalloc(pr->nstates + 1, sizeof(*in)), m = 0;
	gsl_matrix *sub;
	gsl_vector *rhs, *y;
	gsl_permutation *perm;
	double p = gsl_vector_get(x, 0), h = 0;
	int sign, rc = -1;

	for (size_t s = 1; s <= pr->nstates; s++)
		if (holds(pr, s, q, len))
			in[m++] = s;
	*re = 0;
	if (m == 0 || !(p > 0)) {
		free(in);
		return 0;
	}
	sub = gsl_matrix_alloc(m, m);
	rhs = gsl_vector_alloc(m);
	y = gsl_vector_alloc(m);
	perm = gsl_permutation_alloc(m);
	if (sub == NULL || rhs == NULL || y == NULL || perm == NULL)
		cdp_oom(0);
	for (size_t i = 0; i < m; i++) {
		for (size_t j = 0; j < m; j++)
			gsl_matrix_set(sub, i, j, gsl_matrix_get(n, in[i],
			    in[j]));
		gsl_vector_set(rhs, i, gsl_vector_get(x, in[i]));
	}
	if (gsl_linalg_LU_decomp(sub, perm, &sign) == 0 &&
	    gsl_linalg_LU_solve(sub, perm, rhs, y) == 0) {
		for (size_t i = 0; i < m; i++)
			h += gsl_matrix_get(n, 0, in[i]) * gsl_vector_get(y, i);
		*re = h / p;
		rc = 0;
	}
	gsl_permutation_free(perm);
	gsl_vector_free(y);
	gsl_vector_free(rhs);
	gsl_matrix_free(sub);
	free(in);
	return rc;
}

/* N = (I - Q)^-1 into n and x = N r, from a = I - Q (destroyed). */
static int
solve(gsl_matrix *a, const gsl_vector *r, gsl_matrix *n, gsl_vector *x)
{
	gsl_permutation *perm = gsl_permutation_alloc(a->size1);
	int sign, rc = -1;

	if (perm == NULL)
		cdp_oom(0);
	if (gsl_linalg_LU_decomp(a, perm, &sign) != 0)
		goto out;
	for (size_t i = 0; i < a->size1; i++)
		if (gsl_matrix_get(a, i, i) == 0)
			goto out;
	if (gsl_linalg_LU_invert(a, perm, n) != 0 ||
	    gsl_linalg_LU_solve(a, perm, r, x) != 0)
		goto out;
	rc = 0;
out:
	gsl_permutation_free(perm);
	return rc;
}

int
attr_markov(const struct attr_data *d, const double *w,
    struct attr_model *m, const struct attr_totals *tot, double *conv,
    double *value, double *re, double *seq_re, const char **why)
{
	struct prep *pr = m->prep;
	gsl_matrix *a = NULL, *n = NULL;
	gsl_vector *r = NULL, *x = NULL;
	double sum = 0;
	int rc = -1;

	memset(re, 0, d->nch * sizeof(*re));
	memset(seq_re, 0, ATTR_MAX_SEQ * sizeof(*seq_re));
	if (pr == NULL)
		m->prep = pr = prepare(d, m->order);
	if (tot->conversions == 0)
		return 0;
	gsl_set_error_handler_off();
	a = gsl_matrix_alloc(pr->nstates + 1, pr->nstates + 1);
	n = gsl_matrix_alloc(pr->nstates + 1, pr->nstates + 1);
	r = gsl_vector_alloc(pr->nstates + 1);
	x = gsl_vector_alloc(pr->nstates + 1);
	if (a == NULL || n == NULL || r == NULL || x == NULL)
		cdp_oom(0);
	build(d, w, pr, a, r);
	if (solve(a, r, n, x) == -1)
		goto singular;
	for (uint32_t c = 0; c < d->nch; c++) {
		if (removal(pr, n, x, &c, 1, &re[c]) == -1)
			goto singular;
		sum += re[c];
	}
	for (int i = 0; i < d->nseq; i++)
		if (d->seqlen[i] <= pr->k && removal(pr, n, x, d->seq[i],
		    d->seqlen[i], &seq_re[i]) == -1)
			goto singular;
	for (size_t c = 0; c < d->nch; c++) {
		conv[c] = sum > 0 ? re[c] / sum * tot->conversions : 0;
		value[c] = sum > 0 ? re[c] / sum * tot->value : 0;
	}
	rc = 0;
	goto out;
singular:
	*why = "markov: the transition matrix is singular";
out:
	gsl_vector_free(x);
	gsl_vector_free(r);
	gsl_matrix_free(n);
	gsl_matrix_free(a);
	return rc;
}
