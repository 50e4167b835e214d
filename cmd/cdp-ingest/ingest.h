/*
 * ingest.h - cdp-ingest's options and its plan: what happens to each
 * field of a record (rename, keep, type, normalise, check, hash).
 */
#ifndef INGEST_H
#define INGEST_H

#include <stdbool.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <jansson.h>

#include "acct.h"
#include "buf.h"
#include "normkind.h"
#include "opts.h"
#include "out.h"
#include "record.h"

enum in_format { FMT_AUTO, FMT_CSV, FMT_TSV, FMT_NDJSON, FMT_JSON };
enum empty_mode { EMPTY_STRING, EMPTY_NULL, EMPTY_OMIT };

enum ftype {
	T_NONE, T_STRING, T_INT, T_NUMBER, T_BOOL, T_DATE, T_DATETIME,
	T_MONEY, T_EPOCH_S, T_EPOCH_MS, T_EPOCH_US
};

/* The options that name a field, for the warning about names no record
 * has (struct fspec.named). */
enum {
	NAMED_TYPES = 0x01, NAMED_NORMALIZE = 0x02, NAMED_HASH = 0x04,
	NAMED_MATCH = 0x08, NAMED_ONLY = 0x10, NAMED_ON_BAD = 0x20,
	NAMED_DECIMAL = 0x40, NAMED_MAP_VALUES = 0x80
};

/* --on-bad-value: what a value that fails its type or normaliser does. */
enum bad_mode { BAD_DEFAULT, BAD_REJECT, BAD_NULL, BAD_KEEP };

/* One FROM=TO of --map-values; to NULL maps to JSON null. */
struct vmap {
	const char	*from, *to;
	size_t		 flen, tlen;
};

/* What to do with one (output) field name. */
struct fspec {
	const char	*name;
	size_t		 nlen;
	enum ftype	 type;
	enum cdp_norm_kind norm;
	bool		 hash;
	enum cdp_norm_kind hash_norm;	/* normaliser applied before hashing */
	bool		 keep;		/* named by --only */
	pcre2_code	*re;		/* --match, NULL if none */
	const char	*re_text;
	enum bad_mode	 on_bad;	/* --on-bad-value F:MODE */
	bool		 decimal_comma;	/* --decimal-comma=F */
	struct vmap	*vmap;		/* --map-values, in order */
	size_t		 nvmap;
	char		*cur_key;	/* T_MONEY: "NAME_currency" */
	size_t		 cur_klen;
	unsigned	 named;		/* OPT_* bits of the options naming it */
};

struct rename {
	const char	*from, *to;
	size_t		 flen, tlen;
	bool		 nested;	/* to is a dotted path */
};

/* --set and --default: a field and its value. */
struct setval {
	const char	*name, *val;
	size_t		 nlen, vlen;
};

struct ingest_opts {
	struct cdp_common_opts	 common;
	enum in_format		 format;
	enum empty_mode		 empty;
	bool			 trim;
	const char		*hash_key_file;
	const char		**sources;	/* --source, in order */
	int			 nsources;
	struct fspec		*specs;
	int			 nspecs;
	struct rename		*renames;
	int			 nrenames;
	bool			 only;		/* --only given */
	const char		***require;	/* groups of names, NULL-ended */
	int			 nrequire;
	int			 delimiter;	/* --delimiter, -1 sniffed */
	const char		*encoding;	/* --encoding, NULL: UTF-8 */
	enum bad_mode		 on_bad;	/* --on-bad-value MODE */
	bool			 rejects_warnings;
	double			 max_reject_rate;	/* percent */
	long			 max_rejects;	/* -1: no limit */
	bool			 decimal_comma;	/* every number and money */
	const char		*default_currency;
	const char		*tz;		/* --tz */
	bool			 utc;
	struct setval		*sets, *defaults;
	int			 nsets, ndefaults;
	const char		*country_field;
	bool			 strict;
	bool			 replace;
	bool			 nested;	/* some --map makes a path */
	json_t			*vmap_docs;	/* --map-values files */
};

/* The default of --max-reject-rate, in percent (see cdp-ingest(1)). */
#define DEFAULT_MAX_REJECT_RATE	50.0

/* A field on its way to the output. */
struct cell {
	const char		*key;	/* output name (unescaped) */
	size_t			 klen;
	const char		*qkey;	/* key quoted as JSON, or NULL */
	size_t			 qklen;
	const struct cdp_field	*f;	/* JSON input: the field, else NULL */
	const char		*v;	/* CSV input value, or NULL when */
	size_t			 off;	/* computed: at plan_work.vals + off */
	size_t			 vlen;
	bool			 raw;	/* the value is JSON text */
	bool			 renamed;	/* key differs from f's key */
	bool			 nested;	/* key is a path (--map a.b=) */
	bool			 made;	/* made here (NAME_currency) */
	bool			 done;	/* written inside a nested object */
	const struct fspec	*spec;
};

/* Parse the command line into opt; exits 64 on misuse.  Returns the
 * number of arguments consumed. */
int	parse_options(int argc, char *argv[], struct ingest_opts *opt);

/* Free what parse_options() allocated. */
void	free_options(struct ingest_opts *opt);

/* True when pred holds for the spec of any field. */
bool	any_spec(const struct ingest_opts *opt,
	    bool (*pred)(const struct fspec *));

struct money_codes;
struct cdp_keymap;

/* Per-run scratch and tallies of the plan. */
struct plan_work {
	struct cdp_buf		 vals;	/* computed values, one arena */
	struct cdp_buf		 tmp;
	struct cdp_buf		 tmp2;
	struct cdp_buf		 tmp3;
	struct cdp_buf		 key;	/* HMAC key, empty for plain SHA-256 */
	struct cdp_sha		*sha;	/* plain SHA-256: one for the run */
	struct cdp_buf		 msg;	/* reason of a bad record */
	struct cdp_buf		 warn;	/* reasons of bad values kept, NUL
					   after each */
	size_t			 nwarn;
	struct cdp_norm_ctx	 ctx;	/* normalisers' options and tables */
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	struct cdp_rec		*rec;	/* JSON input: for string access */
	struct cell		*a, *b;	/* the record between steps */
	size_t			 acap, bcap;
	struct money_codes	*codes;	/* ISO 4217, for money */
	struct cdp_keymap	*phones;	/* E.164 -> valid, a cache */
	char			 cur[4];	/* currency of the last amount */
	char			 country[3];	/* --country-field's value */
	const char		*country_why;	/* it is not a country */
	struct cdp_buf		 country_msg;	/* the reason why */
	/* Tallies for --stats and the warnings about unused names. */
	unsigned long long	*bad;	/* per spec: values nulled or kept */
	char			**bad_key;	/* "bad_values.NAME" or NULL */
	unsigned long long	 bad_total;
	int			 nspecs, nrequire;
	bool			*seen_spec, *seen_rename, *seen_set;
	bool			 seen_country;
	bool			**seen_require;
};

/*
 * The spec of output field key, or NULL; the field is noted as seen for
 * the warning about names no record has.
 */
const struct fspec *plan_spec(const struct ingest_opts *opt,
	    struct plan_work *w, const char *key, size_t klen);

/* The output name of input field key (after --map); *nested tells a
 * path. */
void	plan_rename(const struct ingest_opts *opt, struct plan_work *w,
	    const char **key, size_t *klen, bool *nested);

/* Load what the plan needs (country and currency tables, HMAC key,
 * regex context, time zone).  Exits with a message on failure. */
void	plan_work_init(struct plan_work *w, const struct ingest_opts *opt);
void	plan_work_free(struct plan_work *w);

/*
 * Apply the plan to cells[0..n): --only, --set, --default, --map-values,
 * --types, --normalize, --match, --hash, --on-bad-value, --require,
 * --empty.  *out and *nout receive the record's cells (in w->b); values may
 * be computed ones in w->vals.  Values made null or kept by
 * --on-bad-value are counted and their reasons left in w->warn.
 * Returns 0, or -1 with a reason in why (static or in w->msg) for a bad
 * record.
 */
int	plan_apply(const struct ingest_opts *opt, struct plan_work *w,
	    struct cell *cells, size_t n, struct cell **out, size_t *nout,
	    const char **why);

/*
 * Append the JSON text of c's value to b: a JSON input field's span, a
 * computed raw value, or a string quoted.  vals is w->vals.p.  0 or -1.
 */
int	cell_json(const struct cell *c, const struct cdp_rec *rec,
	    const char *vals, struct cdp_buf *b);

/*
 * Warn (or with --strict, exit 65) about option names no record had,
 * once every input was read.
 */
void	plan_check_names(const struct ingest_opts *opt,
	    const struct plan_work *w);

/* Set the per-field counts of bad values in the account (--stats). */
void	plan_stats(const struct ingest_opts *opt, const struct plan_work *w,
	    struct cdp_acct *acct);

/* Run over the inputs; returns the exit status. */
int	ingest_run(const struct ingest_opts *opt, char **files, int nfiles);

#endif
