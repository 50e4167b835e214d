/*
 * prior.h - cdp-merge --prior and --id-map: keep the profile ids of a
 * previous run when clusters grow or join, and list the ids that went.
 */
#ifndef MERGE_PRIOR_H
#define MERGE_PRIOR_H

#include "index.h"
#include "out.h"

/*
 * Read a previous annotate output (path): every record's profile_id and
 * its identifiers, found as the current options find them; with map
 * non-NULL (--prior-map, id maps of later runs), an id merged into
 * another since is read as that one.  With each non-NULL, also hand each
 * record and its prior id number to each(ctx, ...), which returns NULL
 * or why the record is bad.  Exits 66 when a file cannot be read and 65
 * on a bad record (no profile_id, an id longer than PROFILE_ID_SIZE - 1
 * bytes, bad JSON or identifiers) or id map line.
 */
void	prior_load(struct index *ix, const char *path, const char *map,
	    const char *(*each)(void *ctx, struct cdp_rec *rec, uint32_t id),
	    void *ctx);

/* What caused a merge of prior id q, appended to a line of the id map
 * (",\"links\":[...]"): the probabilistic links of its records. */
struct prior_ledger {
	void	 (*links)(void *ctx, uint32_t q, struct cdp_buf *out);
	void	 *ctx;
};

/*
 * After index_finish(): give each cluster the prior id it should keep
 * (ix->keep) and, with idmap_path non-NULL, write there the ledger: one
 * line {"event":"merge","from":OLD,"to":NEW} per prior id that is not
 * kept (with ledger non-NULL, and the links that caused it), one
 * {"event":"split","from":OLD,"to":NEW} per cluster that had records of
 * an id another cluster keeps; sorted by OLD.  Returns the id map, still
 * to be closed with cdp_out_close() (after the main output), or NULL
 * without idmap_path.
 */
struct cdp_out *prior_apply(struct index *ix, const char *idmap_path,
	    const struct prior_ledger *ledger);

/*
 * Pass 1, before the record's identifiers are added: a profile_id the
 * record carries (written by an earlier run) is noted, to be kept for
 * its cluster like a --prior id.  Returns 0, or -1 with *why when the
 * record holds a profile_id cdp-merge cannot have written (not a
 * non-empty string of at most PROFILE_ID_SIZE - 1 bytes); with --replace
 * nothing is carried.
 */
int	prior_carry(struct index *ix, struct cdp_rec *rec, const char **why);

/*
 * prior_carry() in two steps, for threads: the profile_id the record
 * carries (*s, *n, 1), none (0), or -1 with *why when it cannot be ours;
 * then, in input order, prior_pend() with it (NULL: none).
 */
int	prior_of_record(struct index *ix, struct cdp_rec *rec, const char **s,
	    size_t *n, const char **why);
void	prior_pend(struct index *ix, const char *s, size_t n);

/* After the record was added with nodes ids[0..k): its carried id
 * claims them. */
void	prior_carry_add(struct index *ix, const uint32_t *ids, int k);

/* The prior ids that carried identifier key (0, or 1 in id[0], or 2 in
 * id[0..1] when the key had several, two of them), for --emit-links. */
int	prior_claims(const struct index *ix, struct cdp_key128 key,
	    uint32_t id[2]);

/* The profile_id good record k carried, or NULL; its number, or
 * NO_NODE. */
const char *prior_carried(const struct index *ix, size_t k);
uint32_t prior_carried_num(const struct index *ix, size_t k);

#endif
