/*
 * join.h - cdp-join's options, the keyed table it holds in memory, and
 * the key of a record as both sides make it.
 */
#ifndef JOIN_H
#define JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keymap.h"
#include "normkind.h"
#include "opts.h"
#include "reckey.h"

#define MAXKEY		16	/* fields of --key */
#define MAXFIELDS	256	/* names of --fields */

enum join_how {
	HOW_LEFT,	/* every stream record, with fields when matched */
	HOW_INNER,	/* matched stream records only */
	HOW_ANTI	/* unmatched stream records only, as they came */
};

enum table_format {
	TF_AUTO,
	TF_NDJSON,
	TF_CSV
};

struct join_opts {
	struct cdp_common_opts	 common;
	const char		*table;		/* the keyed file */
	enum table_format	 table_format;
	struct cdp_keyfield	 skey[MAXKEY];	/* --key, stream names */
	struct cdp_keyfield	 tkey[MAXKEY];	/* the table's names */
	int			 nkey;
	char			*fields[MAXFIELDS];	/* --fields */
	int			 nfields;
	const char		*prefix;	/* --prefix, "" when none */
	enum join_how		 how;
	bool			 replace;
};

/*
 * Parse the command line into *opt.  Returns the index of the first
 * stream FILE in argv (the table is the operand before it).  Exits 64 on
 * misuse.
 */
int	parse_options(int argc, char *argv[], struct join_opts *opt);

/*
 * The keys of a record, as both sides make them: with one --key field
 * every value of it (a string or number, or each of an array of them,
 * normalised), with several the one key cdp-dedupe makes of them (the
 * first value of each).
 */
struct keys {
	struct cdp_key128	 k[64];
	int			 n;
};

struct keyer {
	struct cdp_keyer	 kr;
	struct cdp_norm_ctx	 ctx;
	struct cdp_buf		 val, tmp, msg;
};

/*
 * The keys of rec over fields f[0..n) into out.  Returns 0 (out->n may
 * be 0: no key), or -1 with *why (valid until the next call) when a key
 * value is bad.  Exits on allocation failure.
 */
int	keys_of(struct keyer *k, struct cdp_rec *rec,
	    const struct cdp_keyfield *f, int n, struct keys *out,
	    const char **why);

/*
 * One table record's attached fields, in an arena: a header, the fields
 * as JSON text ("k":v,... with the --prefix applied), their unescaped
 * names, and each field's name and value span.
 */
struct entry {
	uint32_t	nf;	/* fields */
	uint32_t	fraglen;	/* bytes of the JSON text */
	uint32_t	keyslen;	/* bytes of the names */
};

struct field_at {
	uint32_t	koff, klen;	/* name, in the names */
	uint32_t	voff, vlen;	/* value, in the JSON text */
};

/* The table: keys to entries. */
struct table {
	struct cdp_keymap	*map;	/* key -> entry offset, AMBIG */
	struct cdp_buf		 arena;
	unsigned long long	 records, keys, ambiguous, unkeyed;
	/* Of every attached name: the bit of its length mod 64 and of its
	 * first byte, so that a record none of whose names has both
	 * collides with no entry (table_may_have()). */
	uint64_t		 lens, firsts[4];
};

/* Whether some entry of t may attach a field named k[0..n) (no escapes). */
static inline bool
table_may_have(const struct table *t, const char *k, size_t n)
{
	unsigned char c = n > 0 ? (unsigned char)k[0] : 0;

	return (t->lens >> (n & 63) & 1) && (t->firsts[c >> 6] >> (c & 63) & 1);
}

#define AMBIG	UINT64_MAX

/*
 * Load opt->table (NDJSON or CSV) into t.  Exits 66 when it cannot be
 * opened and 65 (naming its file and line) on a bad record or key.
 */
void	table_load(struct table *t, const struct join_opts *opt,
	    struct keyer *k);
void	table_free(struct table *t);

/* The entry for the first of keys that the table has once, or NULL. */
const struct entry *table_find(const struct table *t, const struct keys *k);

/* Pieces of an entry. */
const char *entry_frag(const struct entry *e);
const char *entry_names(const struct entry *e);
const struct field_at *entry_field(const struct entry *e, uint32_t i);

/* Run the join over the stream files[0..nfiles); returns the status. */
int	join_run(const struct join_opts *opt, char **files, int nfiles);

#endif
