/*
 * phase.h - what cdp-merge's phases over partitions share (links.c):
 * their tokens, the fingerprint of the options every phase must agree
 * on, and a part's name.
 */
#ifndef MERGE_PHASE_H
#define MERGE_PHASE_H

#include "jfile.h"
#include "merge.h"
#include "pid.h"
#include "token.h"

/* The tokens of --hash-key-file, or clear ones; exits on a bad key. */
struct tokens *phase_tokens(const struct merge_opts *opt);

/*
 * 16 hex digits of a hash of what the phases must take alike: --ids and
 * their normalisations, --default-country, --date-format, the ignored
 * values, --max-degree, --max-cluster, the key and the id key pk (NULL
 * without --id-key-file, which leaves the hash as it was before it).
 */
void	phase_fingerprint(const struct merge_opts *opt, const struct tokens *t,
	    const struct pidkey *pk, char out[17]);

/*
 * The part's name: --part, else the base name of the one input without
 * its last extension.  Exits 64 when there is none to take.
 */
const char *phase_part(const struct merge_opts *opt, char **files,
	    int nfiles, char buf[JF_NAMEMAX]);

#endif
