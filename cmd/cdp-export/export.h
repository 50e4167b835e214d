/*
 * export.h - cdp-export's options, the columns of each platform's
 * audience file, the per-column normalisers, and the run.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "expr.h"
#include "normkind.h"
#include "opts.h"
#include "record.h"

enum platform {
	P_GOOGLE,
	P_META,
	P_GENERIC
};

/* What a column holds, which decides how its value is normalised. */
enum col_kind {
	K_EMAIL,
	K_PHONE,
	K_FIRST_NAME,
	K_LAST_NAME,
	K_COUNTRY,
	K_ZIP,
	K_CITY,
	K_STATE,
	K_GENERIC	/* generic platform: a cdp_norm kind, or none */
};

/* How a cell is written: quoted or not in NDJSON, neutralised in CSV. */
enum cell_type {
	C_EMPTY,	/* no value: empty CSV cell, key left out in NDJSON */
	C_TEXT,		/* free text: formulas neutralised in CSV */
	C_SAFE,		/* a normalised code (E.164, ISO country) or a hash */
	C_NUM,		/* a JSON number, as written */
	C_JSON		/* true, false, an object or array, as JSON text */
};

/*
 * Where a value comes from: a top-level key (any text, looked up as is)
 * or a dotted path into nested objects (compiled as an expression).
 */
struct src {
	char		*path;		/* owned */
	struct cdp_expr	*expr;		/* NULL for a top-level key */
};

/* One output column. */
struct col {
	char			*header;	/* owned */
	struct src		 src;
	enum col_kind		 kind;
	enum cdp_norm_kind	 norm;		/* K_GENERIC only */
	bool			 hash;		/* SHA-256 of the value */
	bool			 hashable;	/* hashed unless --no-hash */
	/* per-record state, reused so that no record allocates */
	struct cdp_buf		 raw;		/* unescaped input */
	struct cdp_buf		 out;		/* the cell's text */
	enum cell_type		 type;
};

enum out_format {
	F_CSV,
	F_NDJSON
};

struct export_opts {
	struct cdp_common_opts	 common;
	enum platform		 platform;
	struct col		*cols;
	size_t			 ncols;
	struct src		 consent;	/* path NULL: no filter */
	enum out_format		 format;
	bool			 hash;		/* false with --no-hash */
	bool			 need_countries;
};

/*
 * Parse the command line into *opt.  Returns the index of the first FILE
 * in argv.  Exits 64 on misuse.
 */
int	parse_options(int argc, char *argv[], struct export_opts *opt);

/* Release what parse_options() allocated. */
void	free_options(struct export_opts *opt);

/*
 * The column of platform p named name ("email", "first_name", ...): its
 * header and kind, and whether the platform hashes it.  Returns 0, or -1
 * when p has no such column.
 */
int	platform_col(enum platform p, const char *name, const char **header,
	    enum col_kind *kind, bool *hash);

/* The column names platform p knows, for messages. */
const char *platform_col_names(enum platform p);

/* What the normalisers need: --default-country, the country table. */
struct norm_env {
	enum platform		 platform;
	struct cdp_norm_ctx	 ctx;
};

/*
 * Normalise the value s[0..n) of column c into c->out as platform env
 * wants it, and set c->type (C_TEXT or C_SAFE).  Returns 0, or -1 with
 * *why a static reason when the value does not normalise (the column is
 * left for the caller to empty).
 */
int	normalise(const struct norm_env *env, struct col *c, const char *s,
	    size_t n, const char **why);

/* True when s[0..n) is 64 hex digits: a SHA-256 made earlier. */
bool	is_sha256_hex(const char *s, size_t n);

/* Read files[0..nfiles) (stdin when none) and write the audience file.
 * Returns the exit status; fatal errors exit through cdp_die(). */
int	export_run(struct export_opts *opt, char **files, int nfiles);

#endif
