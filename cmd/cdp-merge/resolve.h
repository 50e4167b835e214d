/*
 * resolve.h - cdp-merge's resolution when records may link to records:
 * identifier links first, then the linker's accepted pairs, cut by the
 * clustering, joined in the index; and --truth, the evaluation of the
 * links against a field that holds the right answer.
 */
#ifndef MERGE_RESOLVE_H
#define MERGE_RESOLVE_H

#include <stdint.h>

#include "cluster.h"
#include "index.h"
#include "out.h"
#include "prior.h"
#include "prob.h"
#include "record.h"

struct oldlink;

/* Groups: the clusters of the identifier links, numbered densely. */
struct groups {
	uint32_t	*of;	/* per element root: its group, or NO_NODE */
	uint32_t	*elem;	/* per group: its root element */
	uint64_t	*records;	/* per group */
	size_t		 n, cap;
};

struct resolve {
	const struct merge_opts	*opt;
	struct index		*ix;
	struct prob		*lk;	/* the linker */
	uint64_t		*truth;	/* --truth: per record, 0 none */
	size_t			 ntruth, tcap;
	struct groups		 g;
	struct cluster_result	 cl;
	unsigned long long	 matched;	/* accepted pairs */
	unsigned long long	 kept;	/* of which joined */
	struct oldlink		*old;	/* kept links of prior records */
	size_t			 nold, ocap;
	struct prior_ledger	 ledger;
};

/*
 * --truth FIELD: remember the truth of parsed record rec, the next one
 * (a string or number; none makes the record an entity of its own).
 */
void	resolve_truth(struct resolve *rs, struct cdp_rec *rec);

/*
 * Link and resolve: identifier links, the linker's pairs (unless
 * --train-only or --truth), the clustering, the joins, then
 * index_finish().  Exits on failure.
 */
void	resolve_links(struct resolve *rs);

/* The ledger of the id map: the links that merged prior ids (NULL
 * without the linker). */
const struct prior_ledger *resolve_ledger(struct resolve *rs);

/* --truth: write one line per threshold to out; returns the lines. */
unsigned long long resolve_evaluate(struct resolve *rs, struct cdp_out *out);

/* The profile id of cluster part i of rs->cl (after prior_apply()). */
void	resolve_part_id(struct resolve *rs, size_t i,
	    char out[PROFILE_ID_SIZE]);

void	resolve_free(struct resolve *rs);

#endif
