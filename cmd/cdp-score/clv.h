/*
 * clv.h - what the parts of cdp-score clv and churn share: the
 * covariate design, the fitted models of a run, and the functions that
 * fit, print, load and apply them.
 */
#ifndef CLV_H
#define CLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models.h"
#include "score.h"

struct cdp_out;
struct cdp_recw;

/*
 * Time-invariant covariates as columns: a field whose values are all
 * JSON numbers is one column; any other field one 0/1 column per value
 * but the first in byte order (the reference level), named
 * "field=value".  Customers with the same values share a group.
 */
struct design {
	int		 nz;
	char		*name[MODEL_MAXCOV];
	double		*z;		/* ngroups x nz */
	size_t		 ngroups;
	unsigned	*g;		/* per customer */
};

/*
 * The design of n customers whose value ids (+1) of the nf fields are
 * cv[i * nf + k], from dictionaries dict[0..nf).  Exits 65 when the
 * columns are too many or a value is not a finite number.
 */
void	design_make(struct design *D, const struct covdict *dict,
	    char *const *fields, int nf, const uint32_t *cv, size_t n);
void	design_free(struct design *D);

/* Predicted against actual repeat purchases in the holdout period. */
struct holdout {
	double			len;	/* in time units */
	unsigned long long	customers;
	unsigned long long	actual;	/* purchase days */
	double			expected;
	double			abserr;	/* sum |expected - actual| */
};

/* One run of clv or churn. */
struct clv {
	const struct score_opts	*opt;
	struct fit		 f;		/* the purchase model */
	struct fit		 g;		/* the spend model */
	bool			 has_spend;
	char			 spend_why[240];	/* why not */
	struct rfx		*c;	/* per customer; x < 0: not in it */
	size_t			 n;
	const uint32_t		*hold;	/* holdout purchases, or NULL */
	struct design		 D;
	double			*iv;	/* --intervals: 4 per customer */
	struct holdout		*h;	/* NULL: no holdout */
	const struct custtab	*t;	/* NULL: from summaries */
};

/*
 * Fit the purchase model (and the spend model unless --spend-model
 * none) to C->c[0..n): exits 65 with the reason when the data cannot
 * identify the model or the fit does not converge (a warning and the
 * best point with --allow-nonconverged); a spend model that fails is a
 * warning, and the run goes on without spend (C->has_spend false).
 */
void	clv_fit(struct clv *C);

/* --params FILE into C->f and C->g (exits 65/66 on a bad file). */
void	clv_load_params(struct clv *C, const char *path);

/* The parameters of f (no covariates) as an unclosed JSON object. */
void	clv_fit_json(struct cdp_buf *b, const struct fit *f);

/* The parameters as one JSON line (--fit-only). */
void	clv_print_fit(struct cdp_out *out, const struct clv *C);

/* The names of the fields a customer gets in this run, in order, into
 * names[0..SCORE_MAXOWNED); returns their count. */
int	clv_field_names(const struct clv *C, const char **names);

/* Append customer i's fields to w (a callback of custtab_write() and
 * custtab_annotate()). */
void	clv_add_fields(void *st, struct cdp_recw *w, size_t i);

/* --intervals: 90% intervals of expected purchases and value per
 * customer from draws of the parameters (C->iv). */
void	clv_intervals(struct clv *C);

/* Exit 65: prediction name is undefined at a customer's own parameters
 * q (see clvout.c). */
_Noreturn void clv_undefined(const struct clv *C, const double *q,
	    const char *name);

/* The fit from --summary records (clv and churn --from-summary). */
int	summary_run(const struct score_opts *opt, char **files, int nfiles);

/* clv and churn --model sbg. */
int	sbg_run(const struct score_opts *opt, char **files, int nfiles);

/* Number text of v for JSON into b after ",\"key\":" (exits on OOM). */
void	json_num(struct cdp_buf *b, const char *key, double v);
/* "holdout":{customers, length, actual, expected, mae} onto b. */
void	holdout_json(struct cdp_buf *b, const struct holdout *h);

#endif
