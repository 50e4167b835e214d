/*
 * prob.h - cdp-merge --probabilistic: Fellegi-Sunter record linkage, the
 * linker.  Blocking rules give candidate pairs (common/block), each pair
 * is compared into small level codes (common/compare); u comes from
 * random pairs and is held fixed, m is fitted by expectation-maximisation
 * on the pairs of each training rule, the prior from deterministic rules
 * or from the candidate pairs; the pairs whose match probability reaches
 * --threshold are handed to the resolver, as identifier links are.
 */
#ifndef MERGE_PROB_H
#define MERGE_PROB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block.h"
#include "buf.h"
#include "compare.h"
#include "record.h"

#define PROB_MAX_FIELDS	32	/* distinct fields in blocks and compares */
#define PROB_MAX_RULES	16	/* --block, --train-block, --prior-rule */
#define PROB_MAX_CMP	16	/* --compare items */
#define PROB_MAX_LEVELS	CDP_CMP_MAX_LEVELS

/*
 * One --compare item "F:METHOD" or "F1+F2:METHOD".  Level 0 is null
 * (weight 0); levels 1..nlev are from the closest to "else".  m and u are
 * fitted or read from --settings.
 */
struct cmp {
	int		col[CDP_CMP_MAX_COLS];	/* in prob_spec.fields */
	char		*name;	/* "F" or "F1+F2", as given */
	struct cdp_cmp	cmp;
	char		*method;	/* "jw(0.94,0.88)", as given */
	double		m[PROB_MAX_LEVELS + 1], u[PROB_MAX_LEVELS + 1];
	bool		have_mu;	/* from --settings */
	bool		tf;	/* --tf: term frequencies at exact */
};

/* A list of blocking rules; a key's col is its number in fields. */
struct rules {
	struct cdp_block_rule	r[PROB_MAX_RULES];
	int			n;
};

struct prob_spec {
	char		*fields[PROB_MAX_FIELDS];
	int		 nfields;
	struct rules	 block;		/* --block: candidate pairs */
	struct rules	 train;		/* --train-block: m (default block) */
	struct rules	 prior_rules;	/* --prior-rule: the prior */
	double		 prior_recall;	/* --prior-recall, default 1 */
	struct cmp	 cmps[PROB_MAX_CMP];
	int		 ncmps;
	char		*tf_list;	/* --tf F,... until prob_check() */
	double		 prior;		/* lambda; < 0 until fitted or read */
	double		 threshold;	/* --threshold, default 0.9 */
	bool		 threshold_set;
	long		 max_block;	/* --max-block */
	unsigned long	 seed;		/* --seed, default 1 */
	long		 max_iter;	/* --max-iter, default 200 */
	bool		 allow_nonconverged;
	bool		 allow_nonmonotone;
	bool		 train_only;
	const char	*link_only;	/* --link-only FIELD */
	bool		 one_to_one;	/* --one-to-one */
	const char	*explain;	/* --explain FILE */
	const char	*settings;	/* --settings FILE */
};

/*
 * The spec's parts from the command line and --settings.  Each returns
 * 0, or -1 with err (EX_USAGE and the reason, EX_NOINPUT when the
 * settings file cannot be opened); what was added before an error stays
 * in s, freed by prob_spec_free().
 */

/* Parse a --block (--train-block, --prior-rule: opt) argument into list,
 * its fields into s. */
int	prob_add_rule(struct prob_spec *s, struct rules *list, const char *opt,
	    const char *arg, struct cdp_err *err);

/* Parse a --compare argument (comma list of FIELD:METHOD). */
int	prob_add_compare(struct prob_spec *s, const char *arg,
	    struct cdp_err *err);

/* Read --settings FILE into s (before the command line's --block and
 * --threshold, which win); a reason is "PATH:LINE: why". */
int	prob_load_settings(struct prob_spec *s, const char *path,
	    struct cdp_err *err);

/* Check the spec is complete: --tf applied, training rules set. */
int	prob_check(struct prob_spec *s, struct cdp_err *err);

void	prob_spec_free(struct prob_spec *s);

/* The values of every record kept for linkage. */
struct prob;

/* A linker for the spec s (copied: the fit writes its m, u and prior
 * into the copy).  Exits 71 when out of memory, as every function here. */
struct prob *prob_new(const struct prob_spec *s);
void	prob_free(struct prob *p);

/*
 * Keep the fields of good record rec (number k, the next one).  Returns
 * 0, or -1 with *why set when a compared field has a type that cannot be
 * compared (an object or an array).
 */
int	prob_add(struct prob *p, struct cdp_rec *rec, const char **why);

/* Forget the last record added (it turned out bad). */
void	prob_drop_last(struct prob *p);

/*
 * The records added so far are of a previous run, the last one of prior
 * profile number id: pairs of two such records are never compared.  Call
 * after prob_add() for each record of the --prior file, before any other
 * record is added.
 */
void	prob_mark_old(struct prob *p, uint32_t id);

/* Records of a previous run (numbered 0..prob_nold()-1) and their ids. */
size_t	prob_nold(const struct prob *p);
uint32_t prob_old_id(const struct prob *p, size_t k);

/*
 * Link: candidate pairs, comparisons, fit (unless the settings gave every
 * parameter), scores.  Exits 64 when a compared field is on no record, 65
 * when EM does not converge or a level outweighs a closer one (unless
 * allowed).  Then *pairs holds the accepted pairs (i << 32 | j, i < j,
 * record numbers of the linker) and *weights their match weights (memory
 * of p), *npairs their count; none with --train-only.
 */
void	prob_link(struct prob *p, const uint64_t **pairs,
	    const double **weights, size_t *npairs);

/* After prob_link(): the pairs accepted at another threshold, as
 * prob_link() gives them (the memory is reused). */
void	prob_accept(struct prob *p, double threshold, const uint64_t **pairs,
	    const double **weights, size_t *npairs);

/* The model: the spec with m, u and the prior fitted (borrowed). */
const struct prob_spec *prob_model(const struct prob *p);

/* A scored candidate pair. */
struct prob_pair {
	uint32_t	i, j;	/* record numbers, i < j */
	double		weight;	/* match weight, bits */
	double		probability;
	int		level[PROB_MAX_CMP];	/* of each comparison */
	double		cweight[PROB_MAX_CMP];	/* their weights, tf in */
	double		tf[PROB_MAX_CMP];	/* of which tf adjustment */
};

/* The candidate pairs after prob_link(), in (i, j) order, and pair t. */
size_t	prob_npairs(const struct prob *p);
void	prob_pair_at(const struct prob *p, size_t t, struct prob_pair *out);

/* Record k's provenance "src:line" (or "#N"): *n bytes at the result. */
const char *prob_ref(const struct prob *p, size_t k, size_t *n);

/* The weight (bits) of level l of comparison c: 0 for null. */
double	prob_level_weight(const struct prob *p, int c, int l);

/* The weight (bits) of the prior: log2(lambda / (1 - lambda)). */
double	prob_prior_weight(const struct prob *p);

/* Write the fitted settings as JSON (one object and a newline) to b. */
void	prob_settings_json(const struct prob *p, struct cdp_buf *b);

/* Blocks skipped over --max-block. */
unsigned long long prob_skipped_blocks(const struct prob *p);

#endif
