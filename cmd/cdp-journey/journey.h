/*
 * journey.h - what the parts of cdp-journey share: the journey (stages,
 * actions, sequences of steps, variants, compiled conditions), the
 * options, the events and profiles read from the input, and the state
 * carried from one run to the next.
 */
#ifndef JOURNEY_H
#define JOURNEY_H

#include <stdbool.h>
#include <stdint.h>

#include "acct.h"
#include "buf.h"
#include "expr.h"
#include "keymap.h"
#include "opts.h"
#include "out.h"

#define J_MAXEXPR	64	/* conditions of one journey: bits of an event */
#define J_NCHAN		4

enum { CH_EMAIL, CH_SMS, CH_PUSH, CH_ADS };
extern const char *const j_channels[J_NCHAN];

/* How a profile may come back into the journey (the file's "reentry"). */
enum j_reentry {
	J_RE_AFTER_EXIT,	/* default: after an exit, never back a stage */
	J_RE_NEVER,		/* once in a profile's life */
	J_RE_GAP		/* again, at least gap after its last entry */
};

/* A weighted variant of an action: its own template, maybe channel. */
struct j_variant {
	char	*name;
	char	*tmpl;
	int	 channel;
	double	 share;		/* its "weight", 0 to 1 */
	double	 upto;		/* cumulative share: taken when u < upto */
};

struct j_action {
	char		*name;
	char		*tmpl;
	int		 channel;
	int		 stage;
	double		 priority;
	int		 when;		/* expression number, -1: on entering */
	int		 unless;	/* expression number, -1: none */
	double		 wait;		/* seconds after the trigger */
	double		 within;	/* the unless window, seconds */
	double		 repeat;	/* least gap between two sends; <0: once */
	int		 score;		/* --score expression number, -1: none */
	int		 seq;		/* its sequence when a step, else -1 */
	struct j_variant *var;
	int		 nvar;
};

struct j_stage {
	char	*name;
	int	 entry;		/* expression number, -1: any event */
	int	 exit;		/* expression number, -1: none */
};

/* A top-level field that the journey's conditions read. */
struct j_field {
	char	*name;
	size_t	 len;
	char	*rule;		/* the first condition naming it */
	long	 line;		/* its line in the journey file, 0: unknown */
	bool	 seen;		/* in some record of the run */
};

struct journey {
	char		*name;		/* "name", else the file's base name */
	struct j_stage	*st;
	int		 nst;
	struct j_action	*act;
	int		 nact;
	int		 nseq;
	struct cdp_expr	*ex[J_MAXEXPR];	/* evaluated on every event */
	int		 nex;
	uint64_t	 conds;		/* bits of ex[] that are rules (the
					 * others rank actions, --score) */
	int		 exit;		/* journey-wide exit, -1: none */
	double		 start;		/* "start", -INFINITY: none */
	enum j_reentry	 reentry;
	double		 gap;		/* J_RE_GAP: least time between entries */
	double		 holdout;	/* share held out, 0 to 1 */
	char		*holdout_key;	/* salt of the holdout hash */
	struct j_field	*fld;
	int		 nfld;
};

struct j_cap {
	int	 n;		/* sends allowed ... */
	double	 period;	/* ... in any window this long */
};

struct journey_opts {
	struct cdp_common_opts	 common;
	const char		*journey;
	const char		*state;
	const char		*state_out;
	const char		*id_map;	/* --id-map FILE */
	const char		*log;		/* --log FILE */
	const char		*suppress;
	const char		*profile;	/* --profile FIELD */
	const char		*time;		/* --time FIELD */
	const char		*score;		/* --score FIELD */
	const char		*send_time;	/* --send-time PREFIX */
	const char		*default_tz;
	const char		*seed;		/* --seed TEXT */
	double			 as_of;		/* epoch seconds */
	double			 since;		/* --since, -INFINITY: none */
	double			 max_age;	/* --max-age, INFINITY: none */
	double			 send_window;	/* --send-window */
	double			 universal;	/* --universal-holdout share */
	struct j_cap		 cap[J_NCHAN];	/* n < 0: no cap */
	int			 quiet_from;	/* minutes; -1: no quiet hours */
	int			 quiet_to;
	bool			 dry_run;
	bool			 strict;
	/* --follow */
	bool			 follow;
	bool			 wall;		/* --clock wall (else event) */
	bool			 fsync;		/* --fsync always (else never) */
	bool			 as_of_given;
	double			 lateness;	/* --max-lateness */
	double			 ckpt_interval;	/* --checkpoint-interval */
	double			 stats_every;	/* --stats-every, 0: none */
	unsigned long		 ckpt_every;	/* --checkpoint-every events */
	unsigned long		 max_pending;	/* --max-pending */
};

/*
 * One event of the input: its profile, time, the conditions of the
 * journey it meets (bit i: expression i is true), and the consent it
 * states (cset: channels it names, cval: those granted).  The events of
 * a profile keep their input order among equal times.
 */
struct j_event {
	uint32_t	prof;
	uint8_t		cset, cval;
	double		t;
	uint64_t	bits;
};

/* Consent of a channel: 0 unknown, 1 granted, 2 refused.  Widest fields
 * first, and what only an option needs kept apart: a million profiles
 * live at once with --follow. */
struct j_profile {
	double		tztime;		/* time of the tz */
	uint32_t	idoff, idlen;	/* id text in the run's id arena */
	int32_t		tz;		/* zone number, -1: --default-tz */
	uint32_t	pfoff, pflen;	/* fields the rules read, see input.c */
	int32_t		state;		/* entry in the state file, -1: none */
	/* Its events after grouping; with --follow, the tick it is in and
	 * its place there. */
	uint32_t	ev0, nev;
	uint8_t		consent[J_NCHAN];	/* from records without time
						 * (or the state's) */
	bool		idstr;		/* the id is a JSON string */
	bool		suppressed;
	bool		ctimed;		/* some event of it states consent */
};

/* A profile's best time to send (--send-time), one per profile. */
struct j_sendtime {
	double		t;		/* time of the record that said it */
	int32_t		tz;		/* zone of the hour, -1: the profile's */
	int8_t		hour, wday;	/* local hour, ISO weekday; -1: none */
};

/* A profile's line of the state file, kept compactly until decided: its
 * numbers are in the pool, at offsets (J_NONE: none at all). */
#define J_NONE	UINT32_MAX
struct j_pstate {
	double		 cursor;	/* events up to here were decided */
	double		 entered;	/* its last entry, -INFINITY: never */
	uint32_t	 sent0;		/* nact last-send times (NaN: never) */
	uint32_t	 ch0;		/* channel sends: (channel, time) */
	uint32_t	 pend0;		/* pending: (action, trigger, entry,
					 * group time) */
	uint32_t	 ct0;		/* consent from events of earlier runs:
					 * (time, 1 granted / 2 refused) per
					 * channel, time -INFINITY: none */
	uint16_t	 nch, npend;
	int8_t		 stage;		/* -1: not in the journey */
};

/* An event whose rules must be evaluated again with the profile's fields
 * (it lacks a field they read): its text, as "key":value pairs. */
struct j_defer {
	size_t		ev;
	uint32_t	off, len;
};

struct j_run {
	const struct journey_opts *opt;
	struct journey		 j;
	struct cdp_keymap	*ids;		/* profile id -> number */
	struct cdp_buf		 idtext;	/* ids, one after the other */
	struct j_profile	*prof;
	size_t			 nprof, capprof;
	struct j_event		*ev;
	size_t			 nev, capev;
	struct j_pstate		*ps;
	size_t			 nps, capps;
	double			*pool;		/* state numbers */
	size_t			 npool, cappool;
	char			**tzname;	/* zones seen */
	size_t			 ntz, captz;
	struct cdp_keymap	*tzmap;
	struct cdp_keymap	*suppress;
	struct cdp_expr		*consent[J_NCHAN];
	double			*score;		/* nprof x nact when --score */
	size_t			 capscore;
	struct j_sendtime	*st;		/* nprof when --send-time */
	size_t			 capst;
	struct cdp_buf		 ptext;		/* profiles' rule fields */
	struct cdp_buf		 dtext;		/* deferred events' fields */
	struct j_defer		*defer;
	size_t			 ndefer, capdefer;
	struct cdp_buf		 key, tmp;
	struct cdp_buf		 bad_time;	/* "bad time in FIELD" */
	struct cdp_buf		 st_hour, st_wday, st_tz; /* --send-time's */
	struct cdp_acct		 acct;
	double			 as_of;		/* now: --as-of, or a tick's */
	double			 horizon;	/* later events are not read */
	double			 ckpt_as_of;	/* the state's checkpoint: its */
	long long		 ckpt_log;	/* time and log size, or -1 */
	uint64_t		 seed;		/* of --seed */
	unsigned long long	 nstage[J_MAXEXPR + 1];
	unsigned long long	 nskip[32];
	unsigned long long	 nsent;
};

/* journey file (jfile.c): load and check; returns 0, or -1 with err set
 * (EX_NOINPUT, EX_DATAERR "PATH[:LINE]: reason"); j_free() it either way */
int	j_load(struct journey *j, const char *path, const char *score,
	    double as_of, struct cdp_err *err);
void	j_free(struct journey *j);
int	j_stage_of(const struct journey *j, const char *name);
int	j_action_of(const struct journey *j, const char *name);

/* shares and times (jtime.c); durations are cdp_duration_parse() of
 * timeval.h */
int	j_parse_share(const char *s, double *share);
int	j_parse_time(const char *s, size_t n, struct cdp_buf *tmp,
	    double *secs);
void	j_fmt_time(struct cdp_buf *b, double t);
int	j_tz_valid(const char *name);
double	j_quiet(double t, const char *tz, int from, int to,
	    struct cdp_buf *cur, bool *moved);
double	j_send_time(double t, const char *tz, int hour, int wday,
	    double window, struct cdp_buf *cur);

/* input (input.c) */
void	j_read_input(struct j_run *r, char **files, int nfiles);
uint32_t j_profile_of(struct j_run *r, const char *s, size_t n, bool str);

/*
 * One record (--follow reads them itself, after j_input_init() once): a
 * profile record's attributes are taken, an event is appended to r->ev.
 * Returns 0 (used), 1 (skipped: no profile id, or after r->horizon), or
 * -1 with *why (a bad record).
 * j_judge_deferred() then judges the events of r->ev that lacked a field
 * their rules read, with their profiles' fields.
 */
void	j_input_init(struct j_run *r);
int	j_record(struct j_run *r, struct cdp_rec *rec, const char **why);
void	j_judge_deferred(struct j_run *r);

/* state (state.c): the state file, with the states of the ids that
 * id_map (NULL: none) says joined others folded into theirs;
 * j_pool_compact() drops the numbers of states that --follow replaced */
void	j_state_load(struct j_run *r, const char *path, const char *id_map);
void	j_pool_push(struct j_run *r, double v);
void	j_pool_compact(struct j_run *r);

/* --follow (follow.c): read, decide and write as events arrive */
void	j_follow(struct j_run *r, char **files, int nfiles);

/* assignment by keyed hash (decide.c): a number in [0, 1) */
double	j_unit_hash(uint64_t seed, const char *salt, const char *id,
	    size_t idlen);

/* decisions (decide.c): decide every profile at r->as_of, write the
 * decisions, the log and the state (any of them may be NULL) */
void	j_decide_all(struct j_run *r, struct cdp_out *out,
	    struct cdp_out *log, struct cdp_out *state);
void	j_stats_tail(const struct j_run *r, struct cdp_buf *b);
/* Sort profile numbers v[0..n) by their ids, bytewise (as outputs are). */
void	j_sort_ids(uint32_t *v, size_t n, const struct j_run *r);

/*
 * One profile at a time (--follow).  A struct dec is the scratch of the
 * profile being decided (listing: keep the decisions that are never
 * sent, for the log).  j_decide_one() decides profile idx at r->as_of
 * over its new events ev[0..nev) (in time order), appends its decision
 * records to out (the sends) and log (every decision), keeps its new
 * state in the pool, and returns when it has a decision due next
 * (INFINITY: none).  j_state_line() appends its state line, from the
 * pool, to b, and returns the same.
 */
struct dec;
struct dec *j_dec_new(struct j_run *r, bool listing);
void	j_dec_free(struct dec *d);
double	j_decide_one(struct dec *d, uint32_t idx, const struct j_event *ev,
	    size_t nev, struct cdp_buf *out, struct cdp_buf *log);
double	j_state_line(struct dec *d, uint32_t idx, struct cdp_buf *b);

/* The command line (options.c): exits 64 on misuse; returns the index
 * of the first FILE in argv. */
int	parse_options(int argc, char *argv[], struct journey_opts *o);

/* The whole run over files[0..nfiles) (stdin when none) (run.c):
 * returns the exit status; fatal errors exit through cdp_die(). */
int	journey_run(const struct journey_opts *opt, char **files, int nfiles);

#endif
