/*
 * attr_models.c - the credit of each attribution model: the heuristic
 * rules (first, last, linear, time decay, position) per converted path,
 * and the first-order Markov chain's removal effects over all paths.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

#include "keymap.h"
#include "xalloc.h"
#include "attr.h"

const char *
attr_kind_name(enum attr_kind k)
{
	static const char *const names[ATTR_NKINDS] = { "first", "last",
	    "linear", "time_decay", "position", "markov" };

	return names[k];
}

double
attr_round(double v)
{
	/* Past 1e6 the product would lose the fraction's low digits; the
	 * shortest form of such a sum is then left as it is. */
	if (!isfinite(v) || fabs(v) >= 1e6)
		return v;
	v = nearbyint(v * 1e9) / 1e9;
	return v == 0 ? 0 : v;	/* never -0 */
}

void
attr_acc_init(struct attr_acc *acc, size_t nch)
{
	acc->nch = nch;
	for (size_t i = 0; i < acc->nmodels; i++) {
		acc->models[i].conv = cdp_xcalloc(nch, sizeof(double));
		acc->models[i].value = cdp_xcalloc(nch, sizeof(double));
	}
	if (acc->markov)
		acc->trans = cdp_xcalloc((nch + 1) * (nch + 2), sizeof(double));
	if (acc->want_paths && (acc->path_ix = cdp_keymap_new()) == NULL)
		cdp_oom(0);
}

/*
 * The weights of model m over the n >= 1 touches of converted path p
 * into w[0..n); they sum to 1.
 */
static void
weights(const struct attr_model *m, const struct attr_path *p, double *w)
{
	size_t n = p->n;
	double sum = 0;

	memset(w, 0, n * sizeof(*w));
	switch (m->kind) {
	case ATTR_FIRST:
		w[0] = 1;
		break;
	case ATTR_LAST:
		w[n - 1] = 1;
		break;
	case ATTR_LINEAR:
		for (size_t i = 0; i < n; i++)
			w[i] = 1.0 / (double)n;
		break;
	case ATTR_DECAY:
		/* 2^(-(tconv - t)/h), scaled by 2^((tconv - tlast)/h) so
		 * that the latest touch weighs 1 and a path of old touches
		 * cannot underflow to a sum of zero; the scale cancels. */
		for (size_t i = 0; i < n; i++)
			sum += w[i] = exp2(-(p->t[n - 1] - p->t[i]) /
			    m->half_life);
		for (size_t i = 0; i < n; i++)
			w[i] /= sum;
		break;
	case ATTR_POSITION:
		if (n == 1) {
			w[0] = 1;
		} else if (n == 2) {
			/* No middle: the first and last shares, rescaled
			 * to the whole (halves when both are zero). */
			sum = m->share[0] + m->share[2];
			w[0] = sum > 0 ? m->share[0] / sum : 0.5;
			w[1] = sum > 0 ? m->share[2] / sum : 0.5;
		} else {
			w[0] = m->share[0];
			w[n - 1] = m->share[2];
			for (size_t i = 1; i < n - 1; i++)
				w[i] = m->share[1] / (double)(n - 2);
		}
		break;
	default:
		break;
	}
}

static void
count_transitions(struct attr_acc *acc, const struct attr_path *p)
{
	size_t cols = acc->nch + 2;

	acc->trans[p->ch[0]] += 1;	/* row 0: start */
	for (size_t i = 1; i < p->n; i++)
		acc->trans[(p->ch[i - 1] + 1) * cols + p->ch[i]] += 1;
	acc->trans[(p->ch[p->n - 1] + 1) * cols + acc->nch +
	    (p->converted ? 0 : 1)] += 1;
}

static void
add_path_row(struct attr_acc *acc, const struct attr_path *p)
{
	struct cdp_key128 k = cdp_key128_of(p->ch, p->n * sizeof(*p->ch));
	struct attr_pathrow *r;
	uint64_t *ix;
	int added;

	if ((ix = cdp_keymap_put(acc->path_ix, k, acc->nrows, &added))
	    == NULL)
		cdp_oom(0);
	if (added) {
		if (cdp_grow((void **)&acc->rows, &acc->caprows,
		    acc->nrows + 1, sizeof(*acc->rows)) == -1 ||
		    cdp_grow((void **)&acc->seq, &acc->capseq,
		    acc->nseq + p->n, sizeof(*acc->seq)) == -1)
			cdp_oom(0);
		acc->rows[acc->nrows++] = (struct attr_pathrow){
		    .off = acc->nseq, .n = p->n };
		memcpy(acc->seq + acc->nseq, p->ch, p->n * sizeof(*p->ch));
		acc->nseq += p->n;
	}
	r = &acc->rows[*ix];
	if (p->converted) {
		r->conv += 1;
		r->value += p->value;
	} else {
		r->nulls += 1;
	}
}

void
attr_acc_path(struct attr_acc *acc, const struct attr_path *p)
{
	if (p->n == 0)
		return;
	if (acc->markov)
		count_transitions(acc, p);
	if (acc->want_paths)
		add_path_row(acc, p);
	if (!p->converted)
		return;
	acc->conversions += 1;
	acc->value += p->value;
	cdp_xgrow((void **)&acc->w, &acc->capw, p->n, sizeof(*acc->w));
	for (size_t i = 0; i < acc->nmodels; i++) {
		struct attr_model *m = &acc->models[i];

		if (m->kind == ATTR_MARKOV)
			continue;
		weights(m, p, acc->w);
		for (size_t j = 0; j < p->n; j++) {
			m->conv[p->ch[j]] += acc->w[j];
			m->value[p->ch[j]] += acc->w[j] * p->value;
		}
	}
}

/*
 * The fundamental matrix N = (I - Q)^-1 of the transient states (start,
 * then the channels) into n, and the conversion probability from each
 * state x = N r, where Q and r are the transition probabilities among
 * transient states and into conversion.  A state with no way out (a
 * channel seen only in touches the lookback dropped) is taken to go to
 * null.  Returns 0, or -1 when the system is singular.
 */
static int
solve_chain(const struct attr_acc *acc, gsl_matrix *nmat, gsl_vector *x)
{
	size_t s = acc->nch + 1, cols = acc->nch + 2;
	gsl_matrix *a = gsl_matrix_calloc(s, s);
	gsl_vector *r = gsl_vector_calloc(s);
	gsl_permutation *perm = gsl_permutation_alloc(s);
	int sign, rc = -1;

	if (a == NULL || r == NULL || perm == NULL)
		cdp_oom(0);
	for (size_t i = 0; i < s; i++) {
		const double *row = acc->trans + i * cols;
		double sum = 0;

		for (size_t j = 0; j < cols; j++)
			sum += row[j];
		gsl_matrix_set(a, i, i, 1);
		if (sum == 0)
			continue;
		for (size_t j = 0; j < acc->nch; j++)
			if (row[j] != 0)
				gsl_matrix_set(a, i, j + 1,
				    gsl_matrix_get(a, i, j + 1) - row[j] / sum);
		gsl_vector_set(r, i, row[acc->nch] / sum);
	}
	if (gsl_linalg_LU_decomp(a, perm, &sign) != 0)
		goto out;
	for (size_t i = 0; i < s; i++)
		if (gsl_matrix_get(a, i, i) == 0)
			goto out;
	if (gsl_linalg_LU_invert(a, perm, nmat) != 0 ||
	    gsl_blas_dgemv(CblasNoTrans, 1, nmat, r, 0, x) != 0)
		goto out;
	rc = 0;
out:
	gsl_permutation_free(perm);
	gsl_vector_free(r);
	gsl_matrix_free(a);
	return rc;
}

int
attr_markov(struct attr_acc *acc, struct attr_model *m, double *re,
    const char **why)
{
	size_t s = acc->nch + 1;
	gsl_matrix *nmat;
	gsl_vector *x;
	double p, sum = 0;
	int rc = -1;

	memset(re, 0, acc->nch * sizeof(*re));
	if (acc->conversions == 0)
		return 0;
	gsl_set_error_handler_off();
	nmat = gsl_matrix_alloc(s, s);
	x = gsl_vector_alloc(s);
	if (nmat == NULL || x == NULL)
		cdp_oom(0);
	if (solve_chain(acc, nmat, x) == -1) {
		*why = "markov: the transition matrix is singular";
		goto out;
	}
	p = gsl_vector_get(x, 0);
	/*
	 * Removing channel c sends every transition into c to null.  A
	 * conversion from start either never visits c (it survives the
	 * removal) or first hits c and converts from there (lost), so
	 * P(conv without c) = P - h(c) x(c), with h(c) = N[start][c] /
	 * N[c][c] the probability of ever reaching c.  The removal effect
	 * 1 - P(conv without c) / P is then h(c) x(c) / P: one inverse
	 * instead of a solve per channel.
	 */
	for (size_t c = 0; c < acc->nch; c++) {
		double h = gsl_matrix_get(nmat, 0, c + 1) /
		    gsl_matrix_get(nmat, c + 1, c + 1);

		re[c] = p > 0 ? h * gsl_vector_get(x, c + 1) / p : 0;
		sum += re[c];
	}
	for (size_t c = 0; c < acc->nch; c++) {
		m->conv[c] = sum > 0 ? re[c] / sum * acc->conversions : 0;
		m->value[c] = sum > 0 ? re[c] / sum * acc->value : 0;
	}
	rc = 0;
out:
	gsl_vector_free(x);
	gsl_matrix_free(nmat);
	return rc;
}

void
attr_acc_free(struct attr_acc *acc)
{
	for (size_t i = 0; i < acc->nmodels; i++) {
		free(acc->models[i].conv);
		free(acc->models[i].value);
	}
	free(acc->trans);
	cdp_keymap_free(acc->path_ix);
	free(acc->rows);
	free(acc->seq);
	free(acc->w);
}
