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

struct pidkey;

/* Profile ids of a previous run (--prior). */
struct prior {
	struct cdp_keymap	*ids;	/* hash(id) -> prior number */
	struct cdp_keymap	*keys;	/* identifier key -> number, AMBIG */
	struct cdp_keymap	*amb;	/* an AMBIG key -> two of its numbers
					   (the first << 32), for --emit-links */
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
	/* --id-key-file (pid.h), owned; NULL for unkeyed ids.  Keyed, a
	 * cluster's id is made once (an HMAC) and kept per root. */
	struct pidkey		*pk;
	struct cdp_key128	*pidh;	/* per root: its id's 128 bits */
	uint8_t			*pidset;	/* per root: pidh[] is made */
	struct cdp_keymap	*map;	/* hash(field, value) -> node */
	struct cdp_keymap	*sets;	/* hash(sorted nodes of a record) */
	struct cdp_keymap	*ignore;	/* hash(lowercase value) */
	uint64_t		 ignore_len;	/* bit n: one is n bytes long */
	bool			 ignore_long;	/* one is 64 bytes or more */
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
	struct cdp_buf		 vals;	/* index_add(): a record's values */
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
	 * Record links (pairs of records and prior ids joined by the
	 * caller, as --probabilistic finds them): the union-find has one
	 * more element per record (nnodes + k) and per prior id (nnodes +
	 * nrecs + q), joined to the record's nodes and to what it is linked
	 * to.  A cluster without identifier is named after its first
	 * record's own key.
	 */
	bool			 record_links;
	size_t			 nelem;	/* elements of uf */
	struct cdp_key128	*rkey;	/* per record: its own key */
	size_t			 rkcap;
	uint8_t			*linked;	/* per record: in a cluster */
	uint32_t		*minrec;	/* per root: first record */
	uint64_t		*weight;	/* --join-links: per set, records */
	size_t			 wcap;
};

/*
 * Set up ix for opt: load the ignore list.  With record_links, records
 * may also be linked to each other by the pairs index_resolve() gets.
 * The caller that names profiles sets ix->pk (pidkey_of()), which
 * index_free() frees.  Exits on failure.
 */
void	index_init(struct index *ix, const struct merge_opts *opt,
	    bool record_links);
void	index_free(struct index *ix);

/* Room for n identifier values before they come (cdp_keymap_reserve()):
 * no rehash of the values on the way to n.  Exits when out of memory. */
void	index_reserve(struct index *ix, size_t n);

/*
 * Pass 1 for parsed record rec: take its identifiers and add them, the
 * nodes into ids.  Returns their count for a good record, or -1 with the
 * reason in *why (static or in ix->msg) for a bad one, adding nothing.
 * Exits on allocation failure.
 */
int	index_add(struct index *ix, struct cdp_rec *rec, uint32_t ids[MAX_IDS],
	    const char **why);

/* The next non-blank line (of all inputs) was good, or bad. */
void	index_line(struct index *ix, bool good);

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
 * Resolution in steps.  index_link_ids() joins the identifier values of
 * each record that are not over --max-degree (and, with record links,
 * the record to them); then the caller may join elements (records,
 * prior ids) with index_join(); index_finish() finds each cluster's
 * smallest identifier and warns about values over --max-degree.
 * index_resolve() is the two without links.
 */
void	index_link_ids(struct index *ix);
void	index_finish(struct index *ix);
void	index_resolve(struct index *ix);

/* With record links: the element of record k, of prior id number q. */
uint32_t index_record_elem(const struct index *ix, size_t k);
uint32_t index_prior_elem(const struct index *ix, uint32_t q);

/* The root of an element's cluster; join two elements' clusters. */
uint32_t index_find(struct index *ix, uint32_t elem);
void	index_join(struct index *ix, uint32_t a, uint32_t b);

/* The order of two roots by the clusters' smallest identifier (a cluster
 * with one before one without), then their first records. */
bool	index_root_less(const struct index *ix, uint32_t a, uint32_t b);

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

/*
 * index_add() in two steps, for threads (cdpipe(7) THREADS): the record's
 * distinct identifier values, normalised, appended to vals as struct
 * idval and their bytes (ix: a thread's copy, with scratch and counts of
 * its own), returning their count or -1 (*why); then, in input order,
 * index_add_values() makes their nodes (into ids, as index_add() hands
 * them back) and the record's edges (rkey: the record's key when
 * ix->record_links).
 */
struct idval {
	struct cdp_key128	key;
	uint32_t		n;
	uint8_t			field;
};

int	index_record_values(struct index *ix, struct cdp_rec *rec,
	    struct cdp_buf *vals, const char **why);
void	index_add_values(struct index *ix, const char *vals, int k,
	    struct cdp_key128 rkey, uint32_t ids[MAX_IDS]);

/* The nodes of the values vals[0..len) a bad record had before its bad
 * one (index_add() makes them too), and nothing else. */
void	index_add_nodes(struct index *ix, const char *vals, size_t len);

/* A record with no linking identifier is named by its whole text. */
struct cdp_key128 index_record_key(struct cdp_rec *rec);

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
 * linking identifier, with carried, the profile_id it carried from an
 * earlier run (prior_carried()), first).
 */
void	index_profile(struct index *ix, size_t k, struct cdp_rec *rec,
	    const char *carried, char out[PROFILE_ID_SIZE]);

/* The profile id of the cluster whose root node is root. */
void	index_root_id(struct index *ix, uint32_t root,
	    char out[PROFILE_ID_SIZE]);

/*
 * For --explain: good record k's identifiers as a JSON array in out,
 * [{"field":F,"value":NORMALISED,"degree":N,"links":BOOL},...].
 */
void	index_explain(struct index *ix, size_t k, struct cdp_buf *out);

#endif
