/*
 * covar.c - time-invariant covariates of cdp-score clv and churn as a
 * design matrix: numbers as they are, other values dummy-coded against
 * a reference level, customers with the same values in one group.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "diag.h"
#include "hash.h"
#include "keymap.h"
#include "xalloc.h"

/* A dictionary's value ids in byte order of their text. */
struct level {
	const char	*text;
	uint32_t	 id;
};

static int
by_text(const void *a, const void *b)
{
	return strcmp(((const struct level *)a)->text,
	    ((const struct level *)b)->text);
}

/* Column of each value id of dict (-1: the reference level), the
 * columns added at D->nz with their names. */
static int *
columns(struct design *D, const struct covdict *dict, const char *field)
{
	int *col = cdp_xcalloc(dict->n ? dict->n : 1, sizeof(*col));
	struct level *lv;

	if (dict->numeric) {
		if (D->nz == MODEL_MAXCOV)
			goto many;
		D->name[D->nz++] = cdp_xstrdup(field);
		return col;
	}
	lv = cdp_xreallocarray(NULL, dict->n ? dict->n : 1, sizeof(*lv));
	for (size_t i = 0; i < dict->n; i++)
		lv[i] = (struct level){ dict->text.p + dict->off[i],
		    (uint32_t)i };
	qsort(lv, dict->n, sizeof(*lv), by_text);
	for (size_t i = 0; i < dict->n; i++) {
		struct cdp_buf b = { 0 };

		if (i == 0) {
			col[lv[i].id] = -1;
			continue;
		}
		if (D->nz == MODEL_MAXCOV)
			goto many;
		col[lv[i].id] = D->nz;
		if (cdp_buf_addf(&b, "%s=%s", field, lv[i].text) == -1)
			cdp_oom(0);
		D->name[D->nz++] = b.p;
	}
	free(lv);
	return col;
many:
	cdp_die(EX_DATAERR, NULL, 0, "--covariates: more than %d columns "
	    "(\"%s\" has %zu values, one column each but the first)",
	    MODEL_MAXCOV, field, dict->n);
}

/* A group's vector, for sorting. */
struct gvec {
	const double	*z;
	int		 nz;
	unsigned	 ix;
};

static int
by_vector(const void *a, const void *b)
{
	const struct gvec *x = a, *y = b;

	for (int k = 0; k < x->nz; k++)
		if (x->z[k] != y->z[k])
			return x->z[k] < y->z[k] ? -1 : 1;
	return 0;
}

/*
 * Number the groups in the order of their vectors, not of the customers
 * first seen in them: the likelihood sums groups in this order, so a fit
 * from transactions and one from their summaries (or from the input
 * shuffled) add the same terms in the same order.
 */
static void
order_groups(struct design *D, size_t n)
{
	size_t ng = D->ngroups ? D->ngroups : 1;
	struct gvec *v = cdp_xcalloc(ng, sizeof(*v));
	unsigned *rank = cdp_xcalloc(ng, sizeof(*rank));
	double *z = cdp_xcalloc(D->ngroups * (size_t)D->nz + 1, sizeof(*z));

	for (size_t i = 0; i < D->ngroups; i++)
		v[i] = (struct gvec){ D->z + i * (size_t)D->nz, D->nz,
		    (unsigned)i };
	qsort(v, D->ngroups, sizeof(*v), by_vector);
	for (size_t i = 0; i < D->ngroups; i++) {
		rank[v[i].ix] = (unsigned)i;
		if (D->nz > 0)
			memcpy(z + i * (size_t)D->nz, v[i].z, (size_t)D->nz *
			    sizeof(*z));
	}
	for (size_t i = 0; i < n; i++)
		D->g[i] = rank[D->g[i]];
	free(D->z);
	D->z = z;
	free(v);
	free(rank);
}

void
design_make(struct design *D, const struct covdict *dict, char *const *fields,
    int nf, const uint32_t *cv, size_t n)
{
	int *col[MODEL_MAXCOV], base[MODEL_MAXCOV];
	struct cdp_keymap *groups;
	size_t cap = 0;
	double row[MODEL_MAXCOV];

	*D = (struct design){ 0 };
	if (nf == 0)
		return;
	for (int k = 0; k < nf; k++) {
		base[k] = D->nz;
		col[k] = columns(D, &dict[k], fields[k]);
	}
	if ((groups = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	D->g = cdp_xreallocarray(NULL, n ? n : 1, sizeof(*D->g));
	for (size_t i = 0; i < n; i++) {
		uint64_t *slot;
		int added;

		memset(row, 0, sizeof(row));
		for (int k = 0; k < nf; k++) {
			uint32_t v = cv[i * (size_t)nf + (size_t)k];
			const char *txt;

			/* a customer not in the fit has no values */
			if (v-- == 0)
				continue;
			txt = dict[k].text.p + dict[k].off[v];
			if (dict[k].numeric) {
				if (cdp_parse_double(txt, &row[base[k]]) ==
				    -1)
					cdp_die(EX_DATAERR, NULL, 0,
					    "--covariates: \"%s\": %s is not "
					    "a finite number", fields[k], txt);
				continue;
			}
			if (col[k][v] >= 0)
				row[col[k][v]] = 1;
		}
		slot = cdp_keymap_put(groups, cdp_key128_of(row,
		    sizeof(row)), D->ngroups, &added);
		if (slot == NULL)
			cdp_oom(0);
		if (added) {
			if (cdp_grow((void **)&D->z, &cap, (D->ngroups + 1) *
			    (size_t)D->nz, sizeof(*D->z)) == -1)
				cdp_oom(0);
			if (D->nz > 0)
				memcpy(D->z + D->ngroups * (size_t)D->nz, row,
				    (size_t)D->nz * sizeof(*row));
			D->ngroups++;
		}
		D->g[i] = (unsigned)*slot;
	}
	cdp_keymap_free(groups);
	for (int k = 0; k < nf; k++)
		free(col[k]);
	order_groups(D, n);
}

void
design_free(struct design *D)
{
	for (int k = 0; k < D->nz; k++)
		free(D->name[k]);
	free(D->z);
	free(D->g);
	*D = (struct design){ 0 };
}
