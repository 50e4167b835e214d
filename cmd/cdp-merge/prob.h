/*
 * prob.h - cdp-merge --probabilistic: Fellegi-Sunter record linkage.
 * Blocking rules give candidate pairs, each pair is compared field by
 * field into small level codes, expectation-maximisation fits the m and
 * u probabilities of every level and the prior match probability, and
 * the pairs whose match probability reaches --threshold are joined.
 */
#ifndef MERGE_PROB_H
#define MERGE_PROB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"
#include "record.h"

#define PROB_MAX_FIELDS	32	/* distinct fields in blocks and compares */
#define PROB_MAX_RULES	16	/* --block */
#define PROB_MAX_KEYS	8	/* keys in one --block rule */
#define PROB_MAX_CMP	16	/* --compare items */
#define PROB_MAX_LEVELS	6	/* levels of one comparison, null excluded */

enum key_fn {
	K_VALUE,	/* the field's value */
	K_PREFIX,	/* its first n code points */
	K_SOUNDEX,	/* American Soundex of its letters */
	K_YEAR		/* the year of a date */
};

struct bkey {
	int		field;	/* in prob_spec.fields */
	enum key_fn	fn;
	int		n;	/* K_PREFIX */
};

/* One --block rule: the keys, all equal for a pair to be a candidate. */
struct brule {
	struct bkey	keys[PROB_MAX_KEYS];
	int		nkeys;
	char		*text;	/* as given, for --train-only */
};

enum cmp_kind {
	C_EXACT,	/* exact, else */
	C_JW,		/* exact, jw >= t[0], jw >= t[1], ..., else */
	C_LEV,		/* exact, lev <= t[0], lev <= t[1], ..., else */
	C_DATE,		/* exact, day/month swapped, year-month, within t[0] days, else */
	C_NUM		/* exact, within t[0], else */
};

/*
 * One --compare item.  Level 0 is null (either value missing: weight 0);
 * levels 1..nlev are from the closest to "else".  m and u are fitted or
 * read from --settings.
 */
struct cmp {
	int		field;
	enum cmp_kind	kind;
	double		t[PROB_MAX_LEVELS];
	int		nt;
	int		nlev;
	char		*method;	/* "jw(0.94,0.88)" */
	double		m[PROB_MAX_LEVELS + 1], u[PROB_MAX_LEVELS + 1];
	bool		have_mu;	/* from --settings */
};

struct prob_spec {
	char		*fields[PROB_MAX_FIELDS];
	int		 nfields;
	struct brule	 rules[PROB_MAX_RULES];
	int		 nrules;
	struct cmp	 cmps[PROB_MAX_CMP];
	int		 ncmps;
	double		 prior;		/* lambda; < 0 until fitted or read */
	double		 threshold;	/* --threshold, default 0.9 */
	bool		 threshold_set;
	long		 max_block;	/* --max-block, default 5000 */
	unsigned long	 seed;		/* --seed, default 1 */
	long		 max_iter;	/* --max-iter, default 200 */
	bool		 allow_nonconverged;
	bool		 train_only;
	const char	*explain;	/* --explain FILE */
	const char	*settings;	/* --settings FILE */
};

/*
 * The spec's parts from the command line and --settings.  Each returns
 * 0, or -1 with err (EX_USAGE and the reason, EX_NOINPUT when the
 * settings file cannot be opened); what was added before an error stays
 * in s, freed by prob_spec_free().
 */

/* Parse a --block argument into s. */
int	prob_add_block(struct prob_spec *s, const char *arg,
	    struct cdp_err *err);

/* Parse a --compare argument (comma list of FIELD:METHOD). */
int	prob_add_compare(struct prob_spec *s, const char *arg,
	    struct cdp_err *err);

/* Read --settings FILE into s (before the command line's --block and
 * --threshold, which win); a reason is "PATH:LINE: why". */
int	prob_load_settings(struct prob_spec *s, const char *path,
	    struct cdp_err *err);

/* Check the spec is complete. */
int	prob_check(struct prob_spec *s, struct cdp_err *err);

void	prob_spec_free(struct prob_spec *s);

/* The values of every record kept for linkage. */
struct prob;

/* A store for the spec s (copied: the fit writes its m, u and prior
 * into the copy). */
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
 * Link: candidate pairs, comparisons, fit (unless the settings gave every
 * parameter), scores, --explain.  Exits 64 when a compared field is on no
 * record, 65 when EM does not converge (unless allowed).  Then *pairs
 * holds the accepted pairs (i << 32 | j, i < j; memory of p) and *npairs
 * their count; none with --train-only.
 */
void	prob_link(struct prob *p, uint64_t **pairs, size_t *npairs);

/* Write the fitted settings as JSON (one object and a newline) to b. */
void	prob_settings_json(const struct prob *p, struct cdp_buf *b);

/* Candidate pairs, blocks skipped over --max-block. */
unsigned long long prob_candidates(const struct prob *p);
unsigned long long prob_skipped_blocks(const struct prob *p);

#endif
