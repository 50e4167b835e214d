/*
 * group.c - the groups of cdp-dedupe's two-pass runs, which the key pass
 * (run.c) and the fuzzy blocks (fuzzy.c) both fill: a new group, a record
 * offered to one under the --keep rule, and a field's key text.
 */
#include <stdint.h>

#include "diag.h"
#include "xalloc.h"
#include "dedupe.h"

/* One field's normalised value into out: as cdp_key_field(). */
int
run_field(struct run *r, const struct cdp_keyfield *kf, struct cdp_buf *out,
    const char **why)
{
	int rc = cdp_key_field(&r->keyer, &r->rec, kf, out, why);

	if (rc == -2)
		cdp_oom(0);
	return rc;
}

uint32_t
run_new_group(struct run *r)
{
	if (r->ngroups == GRP_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many groups");
	cdp_xgrow((void **)&r->groups, &r->gcap, r->ngroups + 1,
	    sizeof(*r->groups));
	r->groups[r->ngroups] = (struct group){ .best = UINT64_MAX };
	return (uint32_t)r->ngroups++;
}

void
run_offer(struct run *r, uint64_t seq, uint32_t g, double score,
    uint64_t srcline)
{
	struct group *gr = &r->groups[g];
	bool win;

	/* Records come in input order, so ties keep the earlier one. */
	switch (r->opt->keep) {
	case KEEP_FIRST:
		win = gr->best == UINT64_MAX;
		break;
	case KEEP_LAST:
		win = true;
		break;
	default:
		win = gr->best == UINT64_MAX || score > gr->score;
		break;
	}
	if (win)
		*gr = (struct group){ seq, srcline, score };
	r->grp[seq] = g;
}
