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

#include "acct.h"
#include "buf.h"
#include "normkind.h"
#include "opts.h"
#include "out.h"
#include "record.h"

enum in_format { FMT_AUTO, FMT_CSV, FMT_TSV, FMT_NDJSON, FMT_JSON };
enum empty_mode { EMPTY_STRING, EMPTY_NULL, EMPTY_OMIT };

enum ftype { T_NONE, T_STRING, T_INT, T_NUMBER, T_BOOL, T_DATE, T_DATETIME };

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
};

struct rename {
	const char	*from, *to;
	size_t		 flen, tlen;
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
};

/* A field on its way to the output. */
struct cell {
	const char		*key;	/* output name (unescaped) */
	size_t			 klen;
	const struct cdp_field	*f;	/* JSON input: the field, else NULL */
	const char		*v;	/* CSV input value, or NULL when */
	size_t			 off;	/* computed: at plan_work.vals + off */
	size_t			 vlen;
	bool			 raw;	/* the value is JSON text */
	bool			 renamed;	/* key differs from f's key */
	const struct fspec	*spec;
};

/* Parse the command line into opt; exits 64 on misuse.  Returns the
 * number of arguments consumed. */
int	parse_options(int argc, char *argv[], struct ingest_opts *opt);

/* Free what parse_options() allocated. */
void	free_options(struct ingest_opts *opt);

/* The spec of output field key, or NULL. */
const struct fspec *plan_spec(const struct ingest_opts *opt, const char *key,
	    size_t klen);

/* The output name of input field key (after --map). */
void	plan_rename(const struct ingest_opts *opt, const char **key,
	    size_t *klen);

/* Per-run scratch for the plan (buffers, regex match data, HMAC key). */
struct plan_work {
	struct cdp_buf		 vals;	/* computed values, one arena */
	struct cdp_buf		 tmp;
	struct cdp_buf		 tmp2;
	struct cdp_buf		 key;	/* HMAC key, empty for plain SHA-256 */
	struct cdp_sha		*sha;	/* plain SHA-256: one for the run */
	struct cdp_buf		 msg;	/* reason of a bad record */
	struct cdp_norm_ctx	 ctx;	/* normalisers' options and tables */
	pcre2_match_data	*md;
	pcre2_match_context	*mctx;
	struct cdp_rec		*rec;	/* JSON input: for string access */
};

/* Load what the plan needs (country table, HMAC key, regex context).
 * Exits with a message on failure. */
void	plan_work_init(struct plan_work *w, const struct ingest_opts *opt);
void	plan_work_free(struct plan_work *w);

/*
 * Apply the plan to cells[0..*n): --only, --types, --normalize, --match,
 * --require, --hash, --empty.  Cells may be dropped (n shrinks) and values
 * replaced by computed ones in w->vals.  Returns 0, or -1 with a reason in
 * why (static or in w->tmp) for a bad record.
 */
int	plan_apply(const struct ingest_opts *opt, struct plan_work *w,
	    struct cell *cells, size_t *n, const char **why);

/* Run over the inputs; returns the exit status. */
int	ingest_run(const struct ingest_opts *opt, char **files, int nfiles);

#endif
