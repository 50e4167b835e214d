/*
 * score.h - cdp-score's options, the per-customer transaction table that
 * rfm and clv share, the record-wise loop of model and points, and the
 * entry points of each subcommand.
 */
#ifndef SCORE_H
#define SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acct.h"
#include "buf.h"
#include "keymap.h"
#include "opts.h"
#include "par.h"

struct cdp_rec;
struct cdp_recw;
struct cdp_out;
struct dayset;

#include "models.h"

/*
 * The subcommands, one row each: the enum constant's suffix, the name
 * and the function that runs it (a *_run() below).  Adding a subcommand
 * is a row here, its run function, its options (options.c), a test and
 * the man page; the dispatch and the messages come from the rows.
 * churn is clv's fit with other fields.
 */
#define SCORE_CMDS(X)							\
	X(RFM,		rfm,		rfm_run)			\
	X(CLV,		clv,		clv_run)			\
	X(CHURN,	churn,		clv_run)			\
	X(SENDTIME,	sendtime,	sendtime_run)			\
	X(MODEL,	model,		model_run)			\
	X(POINTS,	points,		points_run)

#define SCORE_CMD_ENUM_(id, name, run)	CMD_##id,
enum score_cmd { SCORE_CMDS(SCORE_CMD_ENUM_) CMD_COUNT };
#undef SCORE_CMD_ENUM_
enum spend_model { SPEND_GAMMA, SPEND_NONE };
/* The period of bg-bb opportunities and sbg renewals. */
enum period { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH, PERIOD_YEAR };

#define SCORE_MAXLIST	16	/* values of --cancelled, --events */

struct score_opts {
	struct cdp_common_opts	 common;
	enum score_cmd		 cmd;
	const char		*id;		/* --id, default customer_id */
	const char		*time;		/* --time, default ts */
	const char		*amount;	/* --amount, default revenue */
	const char		*currency;	/* --currency FIELD, or NULL:
						   AMOUNT_currency, _currency */
	const char		*rates;		/* --rates FILE */
	long			 as_of;		/* days since 1970 */
	bool			 has_as_of;
	long			 cal_end;	/* --calibration-end, days */
	bool			 has_cal_end;
	long			 holdout_end;	/* --holdout-end, days */
	bool			 has_holdout;
	bool			 annotate;	/* rfm, clv --annotate */
	bool			 replace;	/* --replace: own fields may
						   overwrite the input's */
	double			 unit;		/* days per time unit */
	double			 horizon;	/* in time units */
	bool			 has_horizon;
	double			 discount;	/* per time unit */
	enum model_kind		 model;
	enum spend_model	 spend;
	bool			 fit_only;
	bool			 summary;	/* clv --summary */
	bool			 from_summary;	/* clv --from-summary */
	const char		*params;	/* --params FILE */
	bool			 allow_nonconverged;
	struct fit_limits	 limits;	/* --max-iter, --max-fit-seconds */
	long			 intervals;	/* --intervals N, 0: none */
	unsigned long		 seed;		/* --seed */
	char			*cov[MODEL_MAXCOV];	/* --covariates */
	int			 ncov;
	enum period		 period;	/* bg-bb, sbg */
	bool			 has_period;
	const char		*start;		/* sbg --start F */
	const char		*cancel;	/* sbg --cancel F */
	long			 holdout_periods;	/* sbg summaries */
	const char		*status;	/* --status-field F */
	char			*cancelled[SCORE_MAXLIST];	/* values */
	int			 ncancelled;
	bool			 exclude_cancelled;	/* rfm */
	bool			 force;		/* clv on cancellations */
	const char		*event;		/* sendtime --event-field */
	char			*events[SCORE_MAXLIST];	/* --events */
	int			 nevents;
	const char		*tz;		/* sendtime --tz-field */
	const char		*default_tz;	/* sendtime --default-tz */
	const char		*model_file;	/* model --model FILE */
	const char		*rules;		/* points --rules FILE */
};

/* One customer: what rfm and clv need, 80 bytes whatever the input
 * size.  With bg-bb "days" are periods (--period). */
struct cust {
	uint64_t	idoff;		/* id text in the table's arena */
	uint32_t	idlen;
	uint8_t		idnum;		/* the id was a JSON number */
	uint8_t		status;		/* STATUS_*: the latest status */
	uint16_t	cur;		/* currency id + 1 (custtab's
					   curs), 0: none named */
	int32_t		first;		/* days since 1970 */
	int32_t		last;
	int32_t		sday;		/* day of that status */
	uint32_t	n;		/* transactions */
	uint32_t	days;		/* distinct purchase days (clv) */
	double		sum, comp;	/* total, Neumaier compensation */
	double		first_sum;	/* amount on the first day (clv) */
	double		rest_sum;	/* amount on the later days (clv) */
	uint32_t	hold_n;		/* transactions in the holdout */
	uint32_t	hold_days;	/* distinct days among them */
};

enum { STATUS_NONE, STATUS_ACTIVE, STATUS_CANCELLED };

/* The values one covariate field takes, each text once. */
struct covdict {
	struct cdp_keymap	*map;	/* hash of the text -> value id */
	struct cdp_buf		 text;	/* the texts, NUL-terminated */
	size_t			*off;	/* value id -> offset in text */
	size_t			 n, cap;
	bool			 numeric;	/* every value a JSON number */
};

/* An input kept open for the second pass of --annotate. */
struct score_input {
	int		 fd;
	off_t		 start;		/* where its records begin */
	const char	*name;		/* for messages */
};

/*
 * Every customer of a run, and the record account.  With a holdout, a
 * customer seen only after the calibration end has n == 0: it is in no
 * fit and no output, and its records count as skipped.
 */
struct custtab {
	struct cust		*c;
	size_t			 n, cap;
	struct cdp_buf		 ids;
	struct cdp_keymap	*map;	/* id hash -> index in c */
	struct dayset		*days;		/* (customer, day) seen: clv */
	struct cdp_keymap	*overflow;	/* records rejected for an
						   overflowing total */
	long			 maxday;	/* latest day kept */
	int			 decimals;	/* most decimals in an amount,
						   -1 after an exponent */
	struct cdp_acct		 acct;	/* aggregating: used, skipped */
	struct score_input	*in;	/* --annotate: the inputs */
	int			 nin;
	unsigned long long	 cancels;	/* status records saying so */
	int			 period;	/* bg-bb: days become periods */
	struct covdict		 curs;	/* the currencies, as JSON text */
	/* --covariates: per customer and field, the value id + 1 (0:
	 * none yet) and its day: the value of the first day counts */
	int			 ncov;
	struct covdict		 dict[MODEL_MAXCOV];
	uint32_t		*cv;
	int32_t			*cvday;
	struct cdp_par_info	 par;	/* a parallel load's threads */
	struct rates		*rates;	/* --rates, or NULL */
};

/*
 * --rates FILE (rates.c): {"base": CODE, "rates": {CODE: RATE, ...},
 * "dated": {DAY: {CODE: RATE, ...}, ...}}, an amount in CODE counting
 * RATE times in the base currency (the rate of the latest DAY on or before
 * the amount's, else the one of "rates").
 */
struct rates;

/* The rates of path, or NULL with err set (the file's line named). */
struct rates *rates_load(const char *path, struct cdp_err *err);
void	rates_free(struct rates *r);

/* The rate on day (days since 1970) of the currency whose JSON text is
 * cur[0..n) into *rate (the base's is 1) and its decimals into *dec (-1:
 * too many to round to).  Returns 0; -1 when the file does not name the
 * currency, -2 when it has no rate for it on that day. */
int	rates_find(const struct rates *r, const char *cur, size_t n,
	    long day, double *rate, int *dec);

/* The base currency's JSON text (NUL-terminated), its length in *n. */
const char *rates_base(const struct rates *r, size_t *n);

/* The index of day in periods p (enum period): day, Monday-based week,
 * month or year, counted from 1970. */
long	period_of(long day, int p);

/*
 * Read every transaction of files[0..nfiles) (stdin when nfiles is 0)
 * into t: records without the id field are skipped, as are transactions
 * after the cut-off (opt->as_of for rfm, the calibration end for clv, or
 * the holdout end, whose later transactions count apart); bad dates and
 * amounts are rejected (to --rejects, else exit 65).  With --annotate,
 * keeps every input open for custtab_annotate(), spooling those that
 * cannot be read twice (standard input, pipes) to an unlinked temporary
 * file, and rejects a transaction that already has one of the fields
 * owned[0..nowned) the second pass will add (unless --replace).  Exits on
 * errors.
 */
void	custtab_load(struct custtab *t, const struct score_opts *opt,
	    char **files, int nfiles, const char *const *owned, int nowned);
void	custtab_free(struct custtab *t);

/*
 * The second pass of --annotate: every record of the inputs that was not
 * rejected in custtab_load() is written to out, its fields copied but
 * those named in owned[0..nowned), then, when it is a transaction of a
 * customer in t, fields() appends that customer's (index i) scores.
 * Records the first pass skipped or rejected are not counted again.
 * Exits on errors.
 */
#define SCORE_MAXOWNED	16	/* fields() appends at most this many */
void	custtab_annotate(struct custtab *t, const struct score_opts *opt,
	    struct cdp_out *out, const char *const *owned, int nowned,
	    void (*fields)(void *st, struct cdp_recw *w, size_t i), void *st);

/*
 * Indexes of the customers in id order (bytes), leaving out those with
 * no transaction before the cut-off; their number in *n.  Caller frees.
 */
size_t	*custtab_sorted(const struct custtab *t, size_t *n);

/* An id for sorting: its text, its index and whether it is a number;
 * score_by_id orders them by bytes, then length, then kind. */
struct idref {
	const char	*p;
	size_t		 len;
	size_t		 ix;
	int		 num;
};
int	score_by_id(const void *a, const void *b);

/* A 64-bit key and what it belongs to; score_radix_sort orders a[0..n)
 * by k (unsigned) through tmp[0..n), in linear time. */
struct score_key {
	uint64_t	k;
	size_t		ix;
};
void	score_radix_sort(struct score_key *a, struct score_key *tmp,
	    size_t n);

/* The JSON text of customer c's currency, NUL-terminated, or NULL when
 * none of its amounts named one. */
const char *cust_currency(const struct custtab *t, const struct cust *c);

/* The total amount of customer c (rounded as custtab_round()). */
double	cust_total(const struct custtab *t, const struct cust *c);

/*
 * v rounded to the most decimals any amount was written with: a sum of
 * amounts like 27.53 is then 247.83, not 247.82999999999998.  Returns v
 * unchanged when an amount had an exponent or v is too large for it.
 */
double	custtab_round(const struct custtab *t, double v);

/* "YYYY-MM-DD" of days since 1970-01-01; buf needs 11 bytes. */
void	day_text(long days, char *buf);

/*
 * One record per customer in id order, for those keep (NULL: all)
 * accepts: the id field, then what fields(st, w, i) adds for customer i.
 * Returns how many were written; exits on errors.
 */
size_t	custtab_write(const struct custtab *t, const struct score_opts *opt,
	    struct cdp_out *out, bool (*keep)(void *, size_t),
	    void (*fields)(void *, struct cdp_recw *, size_t), void *st);

/*
 * custtab_write() without keep, formatting on the threads of the load
 * (t->par.threads): fields must only read st and t.  The same bytes.
 * order[0..n) is custtab_sorted()'s, which the call frees.
 */
size_t	custtab_write_threads(const struct custtab *t,
	    const struct score_opts *opt, struct cdp_out *out, size_t *order,
	    size_t n, void (*fields)(void *, struct cdp_recw *, size_t),
	    void *st);

/* Close the account: rename --rejects into place and, with --stats,
 * print the aggregating account and the "output" count on stderr. */
void	custtab_finish(struct custtab *t, const struct score_opts *opt,
	    unsigned long long output);

/*
 * The calendar day of the date or datetime text s[0..n) (time and zone
 * are not used), in days since 1970-01-01.  tmp is scratch space.
 * Returns 0, or -1 with a static reason in *why.
 */
int	parse_day(const char *s, size_t n, struct cdp_buf *tmp, long *day,
	    const char **why);


/*
 * A record-wise subcommand for stream_run(): the names of the fields it
 * writes (an input field of such a name is dropped, so the new value
 * replaces it at the end), and score(), which appends those fields of
 * record r to w.  score() returns 1 when it appended them, 0 to pass the
 * record on unchanged, or -1 with a reason in *why (valid until the next
 * call) for a bad record; it exits on allocation failure.
 */
struct stream_scorer {
	const char *const	*owned;
	int			 nowned;
	int			(*score)(void *st, struct cdp_rec *r,
				    struct cdp_recw *w, const char **why);
	void			(*free)(void *st);	/* releases st */
	void			*st;
};

/* Score every record of files[0..nfiles) (stdin when nfiles is 0) to
 * the output; bad records to --rejects or exit 65.  Exits on errors. */
int	stream_run(const struct score_opts *opt, const struct stream_scorer *sc,
	    char **files, int nfiles);

/*
 * The reason of a record that already has output field name:
 * field "NAME" already exists, built in b (returned as b->p).  Exits on
 * allocation failure.
 */
const char *score_exists(struct cdp_buf *b, const char *name);
struct cdp_field;
struct cdp_rec;
struct cdp_recw;
struct cdp_out;
/* Whether field f of rec is named one of names[0..n). */
bool	score_owned(const struct cdp_rec *rec, const struct cdp_field *f,
	    const char *const *names, int n);
/* End record w and write it to out (errors are fatal). */
void	score_write(struct cdp_recw *w, struct cdp_out *out);

/*
 * The scorer of cdp-score model, from the model file path, or of points,
 * from the rules file path (decay needs opt's --as-of), into *sc; free it
 * with sc->free(sc->st).  Returns 0; or -1 with err: 66 when the file
 * cannot be opened, 65 "PATH:LINE: reason" for a bad file, 64 for a
 * setting the command line does not allow.
 */
struct cdp_err;
int	model_load(struct stream_scorer *sc, const char *path,
	    struct cdp_err *err);
int	points_load(struct stream_scorer *sc, const struct score_opts *opt,
	    const char *path, struct cdp_err *err);

int	rfm_run(const struct score_opts *opt, char **files, int nfiles);
int	clv_run(const struct score_opts *opt, char **files, int nfiles);
int	sendtime_run(const struct score_opts *opt, char **files, int nfiles);
int	model_run(const struct score_opts *opt, char **files, int nfiles);
int	points_run(const struct score_opts *opt, char **files, int nfiles);

int	parse_options(int argc, char *argv[], struct score_opts *opt);

#endif
