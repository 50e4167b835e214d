/*
 * attr_models.c - the credit of each attribution model over weighted
 * journeys: the heuristic rules (first, last, linear, time decay,
 * position) per converted journey, the dispatch to the Markov and
 * Shapley files, and the bootstrap that reruns them all on resampled
 * journeys.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "xalloc.h"
#include "attr.h"

#define ROW_(id, name, column, arg, credit)				\
	[ATTR_##id] = { name, column, ATTR_ARG_##arg, credit },
static const struct {
	const char	*name;		/* as --model spells it */
	const char	*column;
	enum attr_arg	 arg;
	int		(*credit)(const struct attr_data *, const double *,
			    struct attr_model *, const struct attr_totals *,
			    const char **);
} kinds[ATTR_NKINDS] = {
	ATTR_MODELS(ROW_)
};
#undef ROW_

const char *
attr_kind_name(enum attr_kind k)
{
	return kinds[k].column;
}

int
attr_kind_parse(const char *name, enum attr_kind *k, enum attr_arg *arg)
{
	for (int i = 0; i < ATTR_NKINDS; i++)
		if (strcmp(kinds[i].name, name) == 0) {
			*k = (enum attr_kind)i;
			*arg = kinds[i].arg;
			return 0;
		}
	return -1;
}

void
attr_kind_list(struct cdp_buf *b)
{
	for (int i = 0; i < ATTR_NKINDS; i++)
		if (cdp_buf_addf(b, "%s%s", i == 0 ? "" : ", ",
		    kinds[i].name) == -1)
			cdp_oom(0);
}

void
attr_model_name(struct attr_model *m)
{
	const char *k = attr_kind_name(m->kind);

	if (m->kind == ATTR_MARKOV && m->order > 1)
		snprintf(m->name, sizeof(m->name), "%s%d", k, m->order);
	else if ((m->kind == ATTR_SHAPLEY || m->kind ==
	    ATTR_SHAPLEY_ORDERED) && m->count)
		snprintf(m->name, sizeof(m->name), "%s_count", k);
	else
		snprintf(m->name, sizeof(m->name), "%s", k);
}

void
attr_model_alloc(struct attr_model *m, size_t nch)
{
	m->conv = cdp_xcalloc(nch + 1, sizeof(double));
	m->value = cdp_xcalloc(nch + 1, sizeof(double));
	m->re = cdp_xcalloc(nch + 1, sizeof(double));
	m->seq_re = cdp_xcalloc(ATTR_MAX_SEQ, sizeof(double));
	m->pos = cdp_xcalloc((nch + 1) * ATTR_MAX_POSITIONS, sizeof(double));
}

/* The result arrays of m, not its prep (a bootstrap copy shares it). */
static void
free_results(struct attr_model *m)
{
	free(m->conv);
	free(m->value);
	free(m->re);
	free(m->seq_re);
	free(m->pos);
	free(m->boot);
}

void
attr_model_free(struct attr_model *m)
{
	free_results(m);
	if (m->kind == ATTR_MARKOV)
		attr_markov_prep_free(m->prep);
	else
		attr_shapley_prep_free(m->prep);
	m->prep = NULL;
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

/* ---- the journeys ---- */

void
attr_data_touch(struct attr_data *d, uint32_t ch, double t)
{
	if (d->ntouch == d->captouch) {
		d->captouch = d->captouch ? 2 * d->captouch : 1024;
		d->ch = cdp_xreallocarray(d->ch, d->captouch, sizeof(*d->ch));
		d->t = cdp_xreallocarray(d->t, d->captouch, sizeof(*d->t));
	}
	d->ch[d->ntouch] = ch;
	d->t[d->ntouch++] = t;
}

void
attr_data_journey(struct attr_data *d, const struct attr_journey *j)
{
	if (d->nj == d->capj) {
		d->capj = d->capj ? 2 * d->capj : 1024;
		d->j = cdp_xreallocarray(d->j, d->capj, sizeof(*d->j));
	}
	d->j[d->nj++] = *j;
}

void
attr_data_free(struct attr_data *d)
{
	free(d->ch);
	free(d->t);
	free(d->j);
	*d = (struct attr_data){ 0 };
}

/* ---- heuristic rules ---- */

/*
 * The weights of model m over the n >= 1 touches t[0..n) of a converted
 * journey into w[0..n); they sum to 1.
 */
static void
weights(const struct attr_model *m, const double *t, size_t n, double *w)
{
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
			sum += w[i] = exp2(-(t[n - 1] - t[i]) /
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

int
attr_credit_rule(const struct attr_data *d, const double *jw,
    struct attr_model *m, const struct attr_totals *tot, const char **why)
{
	double *w = NULL;
	size_t capw = 0;

	(void)tot;
	(void)why;
	for (size_t i = 0; i < d->nj; i++) {
		const struct attr_journey *j = &d->j[i];
		double k = jw != NULL ? jw[i] : 1;

		if (!j->converted || j->n == 0 || k == 0)
			continue;
		if (j->n > capw) {
			capw = j->n;
			w = cdp_xreallocarray(w, capw, sizeof(*w));
		}
		weights(m, d->t + j->off, j->n, w);
		for (uint32_t t = 0; t < j->n; t++) {
			uint32_t c = d->ch[j->off + t];

			m->conv[c] += k * w[t];
			m->value[c] += k * w[t] * j->value;
		}
	}
	free(w);
	return 0;
}

int
attr_credit_markov(const struct attr_data *d, const double *w,
    struct attr_model *m, const struct attr_totals *tot, const char **why)
{
	return attr_markov(d, w, m, tot, m->conv, m->value, m->re, m->seq_re,
	    why);
}

int
attr_credit_shapley(const struct attr_data *d, const double *w,
    struct attr_model *m, const struct attr_totals *tot, const char **why)
{
	return attr_shapley(d, w, m, tot, m->conv, m->value, m->pos, why);
}

int
attr_run(const struct attr_data *d, const double *w,
    struct attr_model *models, size_t nmodels, struct attr_totals *tot,
    const char **why)
{
	size_t nch = d->nch;
	int rc = 0;

	*tot = (struct attr_totals){ 0 };
	for (size_t i = 0; i < d->nj; i++)
		if (d->j[i].converted && d->j[i].n > 0) {
			tot->conversions += w != NULL ? w[i] : 1;
			tot->value += (w != NULL ? w[i] : 1) * d->j[i].value;
		}
	for (size_t k = 0; k < nmodels && rc == 0; k++) {
		struct attr_model *m = &models[k];

		memset(m->conv, 0, nch * sizeof(double));
		memset(m->value, 0, nch * sizeof(double));
		rc = kinds[m->kind].credit(d, w, m, tot, why);
	}
	return rc;
}

/* ---- the bootstrap ---- */

int
attr_bootstrap(const struct attr_data *d, struct attr_model *models,
    size_t nmodels, long reps, unsigned long seed, const char **why)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct attr_model *run = cdp_xcalloc(nmodels, sizeof(*run));
	double *w = cdp_xcalloc(d->nj + 1, sizeof(*w));
	size_t nch = d->nch;
	struct attr_totals tot;
	int rc = 0;

	if (rng == NULL)
		cdp_oom(0);
	gsl_rng_set(rng, seed);
	/* The replicates reuse one set of result arrays per model (and
	 * its prep); only the conversions are kept, in models[k].boot. */
	for (size_t k = 0; k < nmodels; k++) {
		run[k] = models[k];
		run[k].boot = NULL;
		attr_model_alloc(&run[k], nch);
		models[k].boot = cdp_xcalloc((size_t)reps * nch + 1,
		    sizeof(double));
	}
	for (long r = 0; r < reps && rc == 0; r++) {
		memset(w, 0, d->nj * sizeof(*w));
		for (size_t i = 0; i < d->nj; i++)
			w[gsl_rng_uniform_int(rng, d->nj)] += 1;
		rc = attr_run(d, w, run, nmodels, &tot, why);
		for (size_t k = 0; k < nmodels && rc == 0; k++)
			if (nch > 0)
				memcpy(models[k].boot + (size_t)r * nch,
				    run[k].conv, nch * sizeof(double));
	}
	for (size_t k = 0; k < nmodels; k++)
		free_results(&run[k]);
	free(run);
	free(w);
	gsl_rng_free(rng);
	return rc;
}
