/*
 * index.h - the compact index of cdp-merge's first pass: one node per
 * distinct (field, normalised value), each record's list of nodes, and
 * after resolve() the profile of every record.  No JSON is kept.
 */
#ifndef MERGE_INDEX_H
#define MERGE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "buf.h"
#include "keymap.h"
#include "merge.h"
#include "record.h"
#include "uf.h"

#define NO_NODE	UINT32_MAX
#define PROFILE_ID_SIZE	65	/* longest profile id, NUL included */

/* Profile ids of a previous run (--prior). */
struct prior {
	struct cdp_keymap	*ids;	/* hash(id) -> prior number */
	struct cdp_keymap	*keys;	/* identifier key -> number, AMBIG */
	struct cdp_buf		 text;	/* the ids, each NUL-terminated */
	uint64_t		*off;	/* id number i at text.p + off[i] */
	uint32_t		*count;	/* records it had */
	size_t			 n, cap;
	/* profile_id carried by the input records (prior.c) */
	uint32_t		*of_rec;	/* per record: id number, NO_NODE */
	size_t			 nrec, rcap;
	uint32_t		 pending;	/* the record being added */
};

/* One identifier value; its bytes are arena.p[aoff..aoff+alen). */
struct node {
	uint64_t	aoff;
	uint32_t	alen;
	uint32_t	count;	/* degree: distinct identifier sets with it */
	uint8_t		field;	/* index in opt->ids */
};

struct index {
	const struct merge_opts	*opt;
	struct cdp_keymap	*map;	/* hash(field, value) -> node */
	struct cdp_keymap	*sets;	/* hash(sorted nodes of a record) */
	struct cdp_keymap	*ignore;	/* hash(lowercase value) */
	struct node		*nodes;
	size_t			 nnodes, ncap;
	struct cdp_buf		 arena;
	uint32_t		*off;	/* record k: edges[off[k]..off[k+1]) */
	uint32_t		*edges;
	size_t			 nrecs, rcap, nedges, ecap;
	uint8_t			*good;	/* bit per non-blank line */
	size_t			 nlines, gcap;
	struct cdp_norm_ctx	 ctx;
	struct cdp_buf		 val, norm, low, msg;
	unsigned long long	 ignored;	/* values ignored */
	/* after resolve() */
	struct uf		 uf;
	uint32_t		*minnode;	/* per root: smallest node */
	unsigned long long	 clusters;	/* of linked records */
	unsigned long long	 unlinked;	/* records, each its own */
	unsigned long long	 over_degree;	/* values not linking */
	struct prior		 prior;
	uint32_t		*keep;	/* per root: prior id kept, NO_NODE */
	/*
	 * --probabilistic: the union-find has one more element per record
	 * (nnodes + k), joined to the record's nodes and to the records it
	 * matched.  A cluster without identifier is named after its first
	 * record's own key.
	 */
	struct prob		*prob;
	size_t			 nelem;	/* elements of uf */
	struct cdp_key128	*rkey;	/* per record: its own key */
	size_t			 rkcap;
	uint8_t			*linked;	/* per record: in a cluster */
	uint32_t		*minrec;	/* per root: first record */
	uint64_t		*weight;	/* --join-links: per set, records */
	size_t			 wcap;
};

/* Set up ix for opt: load the ignore list.  Exits on failure. */
void	index_init(struct index *ix, const struct merge_opts *opt);
void	index_free(struct index *ix);

/*
 * Pass 1 for one non-blank line: parse rec from line, take its
 * identifiers and add them.  Returns 0 for a good record, or -1 with the
 * reason in *why (static or in ix->msg) for a bad one.  Either way the
 * line's good bit is set or cleared.  Exits on allocation failure.
 */
int	index_add(struct index *ix, struct cdp_rec *rec, const char *p,
	    size_t len, bool too_long, const char **why);

/*
 * --join-links: one more "record", an identifier set ids[0..k) (nodes
 * from index_node()) that n records of a partition had.
 */
void	index_add_set(struct index *ix, const uint32_t *ids, int k,
	    uint64_t n);

/* The node of normalised value s[0..n) of --ids field number field,
 * created when new. */
uint32_t index_node(struct index *ix, int field, const char *s, size_t n);

/* The hash key of that node (as index_node_key() gives it). */
struct cdp_key128 index_value_key(struct index *ix, int field, const char *s,
	    size_t n);

/* The profile id of a record with no linking identifier. */
void	index_own_id(struct index *ix, struct cdp_rec *rec,
	    char out[PROFILE_ID_SIZE]);

/* True when non-blank line number seq (0-based, all inputs) was good. */
bool	index_good(const struct index *ix, size_t seq);

/*
 * Join the records: union the nodes of each record that are not over
 * --max-degree, warn about those that are, and with --probabilistic the
 * records of the matched pairs[0..npairs) (i << 32 | j); find each
 * cluster's smallest identifier.
 */
void	index_resolve(struct index *ix, const uint64_t *pairs,
	    size_t npairs);

/* Count clusters and unlinked records; warn about clusters over
 * --max-cluster.  After index_resolve() (and prior_apply()). */
void	index_count(struct index *ix);

/*
 * The identifier keys of parsed record rec into keys[] (MAX_IDS room),
 * as index_add() would find them, adding nothing.  Returns the count, or
 * -1 with the reason in *why.
 */
int	index_record_ids(struct index *ix, struct cdp_rec *rec, uint32_t *ids,
	    struct cdp_key128 *keys, const char **why);

/* Whether node i links (its degree is at most --max-degree). */
bool	index_linking(const struct index *ix, uint32_t i);

/* Byte order of the nodes' (field name, value). */
bool	index_node_less(const struct index *ix, uint32_t a, uint32_t b);

/* The hash key of node i (as index_record_ids() gives it). */
struct cdp_key128 index_node_key(struct index *ix, uint32_t i);

/* The root node of good record k's cluster, or NO_NODE when the record
 * has no linking identifier (it is a profile of its own). */
uint32_t index_root(struct index *ix, size_t k);

/*
 * The profile id (at most PROFILE_ID_SIZE bytes with the NUL: "p_" and 32
 * hex digits, or the id a --prior run gave the cluster) of
 * good record k, whose parsed form is rec (used for records without a
 * linking identifier).
 */
void	index_profile(struct index *ix, size_t k, struct cdp_rec *rec,
	    char out[PROFILE_ID_SIZE]);

/* The profile id of the cluster whose root node is root. */
void	index_root_id(struct index *ix, uint32_t root,
	    char out[PROFILE_ID_SIZE]);

/*
 * For --explain: good record k's identifiers as a JSON array in out,
 * [{"field":F,"value":NORMALISED,"degree":N,"links":BOOL},...].
 */
void	index_explain(struct index *ix, size_t k, struct cdp_buf *out);

#endif
