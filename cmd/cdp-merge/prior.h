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
 * its identifiers, found as the current options find them.  Exits 66
 * when path cannot be read and 65 on a bad record (no profile_id, an id
 * longer than PROFILE_ID_SIZE - 1 bytes, bad JSON or identifiers).
 */
void	prior_load(struct index *ix, const char *path);

/*
 * After index_resolve(): give each cluster the prior id it should keep
 * (ix->keep) and, with idmap_path non-NULL, write there one line
 * {"from":OLD,"to":NEW} per prior id that is not kept, sorted by OLD.
 * Returns the id map, still to be closed with cdp_out_close() (after the
 * main output), or NULL without idmap_path.
 */
struct cdp_out *prior_apply(struct index *ix, const char *idmap_path);

/*
 * Pass 1, before the record's identifiers are added: a profile_id the
 * record carries (written by an earlier run) is noted, to be kept for
 * its cluster like a --prior id.  Returns 0, or -1 with *why when the
 * record holds a profile_id cdp-merge cannot have written (not a
 * non-empty string of at most PROFILE_ID_SIZE - 1 bytes); with --replace
 * or --emit-links nothing is carried.
 */
int	prior_carry(struct index *ix, struct cdp_rec *rec, const char **why);

/* After the record was added with nodes ids[0..k): its carried id
 * claims them. */
void	prior_carry_add(struct index *ix, const uint32_t *ids, int k);

/* The profile_id good record k carried, or NULL; its number, or
 * NO_NODE. */
const char *prior_carried(const struct index *ix, size_t k);
uint32_t prior_carried_num(const struct index *ix, size_t k);

#endif
