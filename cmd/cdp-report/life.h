/*
 * life.h - subscription lifecycles, shared by cdp-report subscriptions and
 * cohort --since-first: lifecycle events (signup, renew, pause, resume,
 * cancel, reactivate; their names in the data set by --names) read into
 * compact records, put in time order per customer, and walked through
 * the state machine that makes active periods of them.
 */
#ifndef LIFE_H
#define LIFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "report.h"

enum life_kind { LK_SIGNUP, LK_RENEW, LK_PAUSE, LK_RESUME, LK_CANCEL,
	LK_REACTIVATE, LK_N };

/* A customer's state between events. */
enum life_state { LS_NONE, LS_ACTIVE, LS_PAUSED, LS_CANCELLED };

#define LIFE_MAXNAMES	8	/* names of one kind */

struct life_opts {
	const char	*by;		/* --by-profile, default profile_id */
	const char	*event;		/* --event FIELD, default event */
	const char	*time;		/* --time FIELD */
	const char	*mrr;		/* --mrr FIELD, or NULL */
	const char	*names[LK_N][LIFE_MAXNAMES];
	int		 nnames[LK_N];
	char		*bufs[LK_N * LIFE_MAXNAMES];	/* --names copies */
	int		 nbufs;
};

/*
 * An event, its customer known by the 64-bit hash of its id (type byte
 * and text; two of n ids collide with probability about n^2 / 2^65, 3e-8
 * for a million customers): grouping is sorting, no table of customers.
 */
struct life_ev {
	uint64_t	cust;
	double		t;
	double		mrr;
	uint8_t		kind;
	bool		has_mrr;
};

struct life {
	const struct life_opts	*opt;
	uint32_t		 ncust;		/* after life_order */
	struct life_ev		*ev;		/* in input order */
	size_t			 nev, capev;
	uint32_t		*order;		/* life_order: event indexes
						   by customer, then time */
	size_t			*first;		/* customer c: order[first[c]
						   .. first[c + 1]) */
	double			 tmax;		/* latest event time */
	struct cdp_buf		 key, str, tmp[2];
	char			 why[200];
	unsigned long long	 ignored;	/* events that do not apply in
						   the customer's state */
};

/* Defaults: every kind named as itself, field "event". */
void	life_opts_init(struct life_opts *o);
void	life_opts_free(struct life_opts *o);

/*
 * --names KIND=NAME[,KIND=NAME...]: the event names (repeatable per
 * kind) that mean each kind.  Returns 0, or -1 with *why.
 */
int	life_opts_names(struct life_opts *o, const char *arg, const char **why);

void	life_init(struct life *l, const struct life_opts *o);
void	life_free(struct life *l);

/*
 * Read record rec: 0 when it is a lifecycle event (kept), 1 when not (no
 * customer, another event), -1 with *why when it is bad (no time, an MRR
 * that is not a number).
 */
int	life_read(struct life *l, struct cdp_rec *rec, const char **why);

/* Put the events in time order per customer (ties: input order) and
 * number the customers 0, 1, ... (in no meaningful order). */
void	life_order(struct life *l);

/* A customer's change of state at time t, with its MRR before and after
 * (a paused or cancelled customer's MRR counts as 0). */
struct life_step {
	uint32_t	 cust;
	double		 t;
	enum life_state	 from, to;
	double		 mrr_from, mrr_to;
	bool		 first_active;	/* the customer's first activation */
};

/*
 * Walk customer c's events through the state machine (see
 * cdp-report(1), subscriptions), calling fn for each event with the
 * state it leaves and reaches.  Events that do not apply (a pause of a
 * customer not active, a cancel of one not subscribed) are counted in
 * l->ignored and still passed to fn, changing nothing.
 */
void	life_walk(struct life *l, uint32_t c,
	    void (*fn)(void *ctx, const struct life_step *s), void *ctx);

#endif
