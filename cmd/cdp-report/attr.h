/*
 * attr.h - the parts of cdp-report attribution: the models asked for,
 * the journeys cut from the events, and the credit each model gives the
 * channels.  attribution.c reads, cuts and prints; attr_models.c holds
 * the heuristic rules, the runs over weighted journeys and the
 * bootstrap; attr_markov.c the k-order Markov chain; attr_shapley.c the
 * Shapley values.
 */
#ifndef ATTR_H
#define ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "report.h"

/*
 * The models, one row each: the enum constant's suffix, the name --model
 * spells, the prefix of its columns, the argument after its ':' (enum
 * attr_arg) and the function that credits the channels (attr_models.c;
 * the rules of the heuristic ones are in its weights()).  Adding a model
 * is a row here, its credit, a test and the man page: the enum, the
 * parse of --model, the column names and the messages come from the rows.
 */
#define ATTR_MODELS(X)							\
	X(FIRST,	"first",	"first",	NONE,	attr_credit_rule) \
	X(LAST,		"last",		"last",		NONE,	attr_credit_rule) \
	X(LINEAR,	"linear",	"linear",	NONE,	attr_credit_rule) \
	X(DECAY,	"time-decay",	"time_decay",	HALF_LIFE, attr_credit_rule) \
	X(POSITION,	"position",	"position",	SHARES,	attr_credit_rule) \
	X(MARKOV,	"markov",	"markov",	ORDER,	attr_credit_markov) \
	X(SHAPLEY,	"shapley",	"shapley",	WORTH,	attr_credit_shapley) \
	X(SHAPLEY_ORDERED, "shapley-ordered", "shapley_ordered", WORTH,	\
	    attr_credit_shapley)

#define ATTR_KIND_ENUM_(id, name, column, arg, credit)	ATTR_##id,
enum attr_kind { ATTR_MODELS(ATTR_KIND_ENUM_) ATTR_NKINDS };
#undef ATTR_KIND_ENUM_

/* What a model takes after "NAME:" in --model. */
enum attr_arg {
	ATTR_ARG_NONE,
	ATTR_ARG_HALF_LIFE,	/* time-decay:7d */
	ATTR_ARG_SHARES,	/* position:40,20,40 */
	ATTR_ARG_ORDER,		/* markov:2 */
	ATTR_ARG_WORTH		/* shapley:count */
};

#define ATTR_MAX_ORDER		4	/* markov:K, K in 1..4 */
#define ATTR_MAX_STATES		2000	/* states of a k-order chain */
#define ATTR_MAX_SHAPLEY_CH	64	/* channels of a Shapley model */
#define ATTR_MAX_POSITIONS	10	/* shapley-ordered: positions shown */
#define ATTR_MAX_SEQ		16	/* --remove-sequence given */

struct attr_model {
	enum attr_kind	 kind;
	double		 half_life;	/* ATTR_DECAY, seconds */
	double		 share[3];	/* ATTR_POSITION: first, middle, last
					   as fractions summing to 1 */
	int		 order;		/* ATTR_MARKOV: k */
	bool		 count;		/* ATTR_SHAPLEY*: worth = counts */
	char		 name[32];	/* column prefix: "markov2", ... */
	/* The credit per channel (nch each): conversions and value. */
	double		*conv;
	double		*value;
	double		*re;		/* markov: removal effect per channel */
	double		*seq_re;	/* markov: per --remove-sequence */
	double		*pos;		/* shapley-ordered: nch x
					   ATTR_MAX_POSITIONS conversions */
	double		*boot;		/* --bootstrap: reps x nch conv */
	void		*prep;		/* what a model keeps between runs
					   over the same journeys */
};

/*
 * The journeys: each one a run of touches (channel indexes and times, in
 * time order) that ends in a conversion or stays open when the input
 * ends.  A conversion with no touch left is kept too (n == 0): it counts
 * as unattributed and is resampled with the others.
 */
struct attr_journey {
	size_t		 off;		/* touches: ch[off..off+n) */
	uint32_t	 n;
	bool		 converted;
	double		 tconv;
	double		 value;
};

struct attr_data {
	size_t			 nch;
	uint32_t		*ch;
	double			*t;
	size_t			 ntouch, captouch;
	struct attr_journey	*j;
	size_t			 nj, capj;
	/* --remove-sequence: channel indexes (NO channel: UINT32_MAX). */
	uint32_t		 seq[ATTR_MAX_SEQ][ATTR_MAX_ORDER];
	int			 seqlen[ATTR_MAX_SEQ];
	int			 nseq;
};

/* What a run over weighted journeys adds up. */
struct attr_totals {
	double	conversions;	/* attributed: converted with a touch */
	double	value;
};

/* The name of a kind in column names ("time_decay"). */
const char *attr_kind_name(enum attr_kind k);

/*
 * The kind --model calls name into *k and the argument it takes into
 * *arg.  Returns 0, or -1 for an unknown name.
 */
int	attr_kind_parse(const char *name, enum attr_kind *k,
	    enum attr_arg *arg);

/* "first, last, ..., shapley-ordered" (the --model names) into b. */
void	attr_kind_list(struct cdp_buf *b);

/* Set m->name from its kind and parameters ("markov2", "shapley_count"). */
void	attr_model_name(struct attr_model *m);

/* Allocate m's result arrays for nch channels; free them (and m->prep). */
void	attr_model_alloc(struct attr_model *m, size_t nch);
void	attr_model_free(struct attr_model *m);

/* Add a touch or a journey to d; exits 71 when memory runs out. */
void	attr_data_touch(struct attr_data *d, uint32_t ch, double t);
void	attr_data_journey(struct attr_data *d, const struct attr_journey *j);
void	attr_data_free(struct attr_data *d);

/*
 * Credit every journey of d, journey i with weight w[i] (NULL: 1 each),
 * with the nmodels models into out[k].conv, .value (and .re, .seq_re,
 * .pos where the model has them), arrays of d->nch zeroed first; *tot
 * gets the weighted attributed conversions and value.  out[k] may be
 * models[k] itself.  Returns 0, or -1 with *why when a model cannot be
 * computed (too many states or channels, a singular chain).
 */
int	attr_run(const struct attr_data *d, const double *w,
	    struct attr_model *models, size_t nmodels,
	    struct attr_totals *tot, const char **why);

/*
 * --bootstrap: reps resamplings of the journeys (with replacement, from
 * a Mersenne Twister seeded with seed), each credited by every model;
 * the conversions of replicate r for channel c land in models[k].boot[r
 * * nch + c].  Returns 0, or -1 with *why as attr_run().
 */
int	attr_bootstrap(const struct attr_data *d, struct attr_model *models,
	    size_t nmodels, long reps, unsigned long seed, const char **why);

/* ---- the models' own files ---- */

/*
 * Markov chain of order m->order over the journeys (weights w): removal
 * effects per channel into re, per --remove-sequence into seq_re, and
 * the credit (removal effects normalised to tot) into conv and value.
 */
int	attr_markov(const struct attr_data *d, const double *w,
	    struct attr_model *m, const struct attr_totals *tot,
	    double *conv, double *value, double *re, double *seq_re,
	    const char **why);

/* Shapley values of m (simplified, ordered; rates or counts) into conv,
 * value and, for the ordered one, pos. */
int	attr_shapley(const struct attr_data *d, const double *w,
	    struct attr_model *m, const struct attr_totals *tot,
	    double *conv, double *value, double *pos, const char **why);

/*
 * The credits of ATTR_MODELS: model m over the journeys of d (weights w,
 * NULL: 1 each) into m->conv, m->value (and m->re, m->seq_re, m->pos
 * where the model has them), arrays of d->nch zeroed before; tot holds
 * the weighted attributed totals.  Return 0, or -1 with *why.
 */
struct attr_totals;
int	attr_credit_rule(const struct attr_data *d, const double *w,
	    struct attr_model *m, const struct attr_totals *tot,
	    const char **why);
int	attr_credit_markov(const struct attr_data *d, const double *w,
	    struct attr_model *m, const struct attr_totals *tot,
	    const char **why);
int	attr_credit_shapley(const struct attr_data *d, const double *w,
	    struct attr_model *m, const struct attr_totals *tot,
	    const char **why);

/* Free what attr_markov() and attr_shapley() keep in m->prep. */
void	attr_markov_prep_free(void *prep);
void	attr_shapley_prep_free(void *prep);

/* A credit rounded to 1e-9, so that float noise never shows in output. */
double	attr_round(double v);

#endif
