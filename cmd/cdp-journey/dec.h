/*
 * dec.h - what decide.c (the decisions) and jout.c (their records, the
 * state lines, the state kept in memory) share: a profile's candidates
 * and the scratch of the profile being decided.
 */
#ifndef DEC_H
#define DEC_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "journey.h"

/* Reasons a decision is sent (before R_FIRST_SKIP) or not; the order of
 * the rest is the order of the skip.* counts of --stats. */
enum reason { R_ENTRY, R_TRIGGER, R_QUIET, R_SEND_TIME, R_NO_CONSENT,
	R_CAPPED, R_SUPPRESSED, R_ALREADY_SENT, R_NOT_BEST, R_CANCELLED,
	R_PENDING, R_HOLDOUT, R_STALE, R_BEFORE_START, R_NO_REENTRY,
	R_REENTRY_GAP, R_EXITED, R_NREASON };
#define R_FIRST_SKIP	R_NO_CONSENT

extern const char *const j_reasons[R_NREASON];

/* Where a candidate is: to be decided, waiting for a later run, decided
 * (cancelled), or only listed (it could never be sent). */
enum { C_OPEN, C_PENDING, C_DONE, C_LISTED };

enum { ARM_TREATMENT, ARM_JOURNEY, ARM_UNIVERSAL };

struct cand {
	int		 act;
	int		 var;		/* variant, -1: none */
	int		 ch;		/* channel (of the variant) */
	int		 reason;
	int		 stage;		/* the action's */
	int		 kind;		/* -1: competes; a step: its action */
	double		 trig;		/* trigger time */
	double		 entered;	/* the entry it belongs to */
	double		 due;		/* when it can be decided */
	double		 gdue;		/* when its group can be */
	double		 gmin;		/* ... at the earliest (state) */
	double		 send_at;
	double		 score;
	double		 prio;
	const char	*name;		/* the action's, for ordering */
	int		 st;		/* C_* */
	bool		 won;		/* its group's choice (sent or held) */
};

struct chsend {
	int	ch;
	double	t;
};

/* Scratch of one profile, reused from profile to profile. */
struct dec {
	struct j_run		*r;
	const struct j_profile	*p;
	const struct j_event	*ev;
	size_t			 nev;
	double			*sent;
	struct chsend		*cs;
	size_t			 ncs, capcs;
	struct cand		*c;
	size_t			 nc, capc;
	int			 stage;
	int			 arm;		/* ARM_* */
	double			 cursor;
	double			 entered;	/* its last entry */
	double			 start;		/* events before act not */
	bool			 listing;	/* write what is not sent */
	bool			 live;		/* --follow: one tick of many */
	struct cdp_buf		 zone;		/* the zone TZ is set to */
	char			*hsalt;		/* of the holdout hash */
	char			**vsalt;	/* of each action's variants */
};

/* Sent: its group's choice, for a profile not held out. */
static inline bool
is_sent(const struct dec *d, const struct cand *c)
{
	return c->won && d->arm == ARM_TREATMENT;
}

/* decide.c */
int	dec_consent_when(const struct dec *d, int ch, double x, double *at);
void	dec_load(struct dec *d);

/* jout.c: records and state of the profile in d */
void	jo_decisions(struct dec *d, struct cdp_buf *out, struct cdp_buf *log);
void	jo_state_line(struct dec *d, struct cdp_buf *b);
void	jo_save(struct dec *d);

#endif
