/*
 * profiles.h - cdp-merge --profiles: one unified record per person, each
 * field chosen by its survivorship rule.
 */
#ifndef MERGE_PROFILES_H
#define MERGE_PROFILES_H

#include <stdint.h>

#include "acct.h"
#include "index.h"
#include "out.h"

/*
 * Write one profile per person of ix (resolved) to out, profiles in the
 * order of their first record.  Record k of the index is the line at
 * roff[k] of the file fd (ending before roff[k + 1], or end for the
 * last).  Counts written and merged in acct.  Exits on failure.
 */
void	profiles_write(struct index *ix, int fd, const uint64_t *roff,
	    uint64_t end, struct cdp_out *out, struct cdp_acct *acct);

#endif
