/*
 * consent.c - a profile's consent to a channel at a time, from the events
 * of the run and what the state kept, for the decisions (decide.c) and
 * the state lines (jout.c); and the names of the decisions' reasons.
 */
#include <math.h>

#include "dec.h"
#include "journey.h"

const char *const j_reasons[R_NREASON] = { "entry", "trigger",
	"quiet_hours", "send_time", "no_consent", "capped", "suppressed",
	"already_sent", "not_best", "cancelled", "pending", "holdout", "stale",
	"before_start", "no_reentry", "reentry_gap", "exited" };

/*
 * Consent of channel ch at time x, as *at says it: the latest event at or
 * before x that states it (of this run, or the one the state kept from
 * earlier runs), else the profile's records without time.  *at: when it
 * was stated, -INFINITY for the latter.
 */
int
dec_consent_when(const struct dec *d, int ch, double x, double *at)
{
	const struct j_profile *p = d->p;
	int v = 0;

	*at = -INFINITY;
	if (p->ctimed)
		for (size_t k = d->nev; k-- > 0;)
			if (d->ev[k].t <= x && (d->ev[k].cset & (1u << ch))) {
				*at = d->ev[k].t;
				v = d->ev[k].cval & (1u << ch) ? 1 : 2;
				break;
			}
	if (p->state >= 0 && d->r->ps[p->state].ct0 != J_NONE) {
		const double *ct = &d->r->pool[d->r->ps[p->state].ct0 + 2 * ch];

		if (ct[0] <= x && ct[0] > *at) {
			*at = ct[0];
			v = (int)ct[1];
		}
	}
	return v != 0 ? v : p->consent[ch];
}
