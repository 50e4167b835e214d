/*
 * journey.h - what the parts of cdp-journey share: the journey (stages,
 * actions, compiled conditions), the options, the events and profiles read
 * from the input, and the state carried from one run to the next.
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

struct j_action {
	char	*name;
	char	*tmpl;
	int	 channel;
	int	 stage;
	double	 priority;
	int	 when;		/* expression number, -1: on entering the stage */
	int	 unless;	/* expression number, -1: none */
	double	 wait;		/* seconds after the trigger */
	double	 within;	/* the unless window, seconds */
	double	 repeat;	/* least gap between two sends; <0: once */
	int	 score;		/* --score expression number, -1: none */
};

struct j_stage {
	char	*name;
	int	 entry;		/* expression number, -1: any event */
	int	 exit;		/* expression number, -1: none */
};

struct journey {
	struct j_stage	*st;
	int		 nst;
	struct j_action	*act;
	int		 nact;
	struct cdp_expr	*ex[J_MAXEXPR];	/* evaluated on every event */
	int		 nex;
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
	const char		*suppress;
	const char		*profile;	/* --profile FIELD */
	const char		*time;		/* --time FIELD */
	const char		*score;		/* --score FIELD */
	const char		*default_tz;
	double			 as_of;		/* epoch seconds */
	struct j_cap		 cap[J_NCHAN];	/* n < 0: no cap */
	int			 quiet_from;	/* minutes; -1: no quiet hours */
	int			 quiet_to;
	bool			 dry_run;
};

/* One event of the input: its profile, input order, time, and the
 * conditions of the journey it meets (bit i: expression i is true). */
struct j_event {
	uint32_t	prof;
	uint32_t	seq;
	double		t;
	uint64_t	bits;
};

/* Consent of a channel: 0 unknown, 1 granted, 2 refused. */
struct j_profile {
	uint32_t	idoff, idlen;	/* id text in the run's id arena */
	bool		idstr;		/* the id is a JSON string */
	bool		suppressed;
	uint8_t		consent[J_NCHAN];
	double		ctime[J_NCHAN];	/* time of the record that said so */
	int32_t		tz;		/* zone number, -1: --default-tz */
	double		tztime;
	int32_t		state;		/* entry in the state file, -1: none */
	uint32_t	ev0, nev;	/* its events, after grouping */
};

/* A profile's line of the state file, kept compactly until decided. */
struct j_pstate {
	int		 stage;		/* -1: not in the journey */
	double		 cursor;	/* events up to here were decided */
	uint32_t	 sent0;		/* nact last-send times in pool */
	uint32_t	 ch0, nch;	/* channel sends: (channel, time) pairs */
	uint32_t	 pend0, npend;	/* pending: (action, trigger) pairs */
	long		 line;
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
	struct cdp_buf		 key, tmp;
	struct cdp_buf		 bad_time;	/* "bad time in FIELD" */
	struct cdp_acct		 acct;
	uint32_t		 seq;
	unsigned long long	 nstage[J_MAXEXPR + 1];
	unsigned long long	 nskip[16];
	unsigned long long	 nsent;
};

/*
 * journey file (jfile.c): load and check into *j.  Returns 0; or -1 with
 * err (66 cannot open, 65 "PATH:LINE: reason"), *j then empty.
 */
int	j_load(struct journey *j, const char *path, const char *score,
	    double as_of, struct cdp_err *err);
void	j_free(struct journey *j);
int	j_stage_of(const struct journey *j, const char *name);
int	j_action_of(const struct journey *j, const char *name);

/* times (jtime.c); durations are cdp_duration_parse() of timeval.h */
int	j_parse_time(const char *s, size_t n, struct cdp_buf *tmp,
	    double *secs);
void	j_fmt_time(struct cdp_buf *b, double t);
int	j_tz_valid(const char *name);
double	j_quiet(double t, const char *tz, int from, int to,
	    struct cdp_buf *cur, bool *moved);

/* input (input.c) */
void	j_read_input(struct j_run *r, char **files, int nfiles);
uint32_t j_profile_of(struct j_run *r, const char *s, size_t n, bool str);

/* state (state.c) */
void	j_state_load(struct j_run *r, const char *path);

/* decisions (decide.c): decide every profile, write decisions and state */
void	j_decide_all(struct j_run *r, struct cdp_out *out,
	    struct cdp_out *state);
void	j_stats_tail(const struct j_run *r, struct cdp_buf *b);

/* The command line (options.c): exits 64 on misuse; returns the index
 * of the first FILE in argv. */
int	parse_options(int argc, char *argv[], struct journey_opts *o);

/* The whole run over files[0..nfiles) (stdin when none) (run.c):
 * returns the exit status; fatal errors exit through cdp_die(). */
int	journey_run(const struct journey_opts *opt, char **files, int nfiles);

#endif
