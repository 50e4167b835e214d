/*
 * dedupe.h - cdp-dedupe's options, the key of a record, and the runs:
 * exact (streaming for --keep first, two passes otherwise) and fuzzy.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "block.h"
#include "buf.h"
#include "compare.h"
#include "fieldseen.h"
#include "keymap.h"
#include "lines.h"
#include "normkind.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "reckey.h"
#include "record.h"

enum keep { KEEP_FIRST, KEEP_LAST, KEEP_NEWEST, KEEP_COMPLETE };

/* One --fuzzy condition F:METHOD (or F1+F2:METHOD): met by a level of
 * agreement. */
struct fuzzy {
	struct cdp_keyfield	f[CDP_CMP_MAX_COLS];
	struct cdp_cmp		cmp;
	int			slot;	/* its first value among a record's */
};

#define MAXFIELDS	64
#define MAXRULES	16	/* --block rules */

struct dedupe_opts {
	struct cdp_common_opts	 common;
	struct cdp_keyfield	 key[MAXFIELDS];	/* --key */
	int			 nkey;
	/* --block rules; a key's col is its field in bfield */
	struct cdp_block_rule	 rules[MAXRULES];
	int			 nrules;
	struct cdp_keyfield	 bfield[MAXFIELDS];
	int			 nbfield;
	struct fuzzy		 fuzzy[MAXFIELDS];
	int			 nfuzzy;
	int			 nslots;	/* compared values a record */
	enum keep		 keep;
	struct cdp_keyfield	 newest;		/* --keep newest:F */
	bool			 mark;
	bool			 replace;	/* --replace: an input _dup_of */
	long			 max_block;
	struct cdp_norm_ctx	 ctx;	/* --default-country, --date-format */
	/* --normalize F:KIND, applied to F wherever it is named */
	struct {
		const char		*name;
		enum cdp_norm_kind	 kind;
	}			 norms[MAXFIELDS];
	int			 nnorms;
};

/* Parse the command line into opt; exits 64 on misuse.  Returns the
 * number of arguments consumed. */
int	parse_options(int argc, char *argv[], struct dedupe_opts *opt);

/* Free what parse_options() allocated. */
void	free_options(struct dedupe_opts *opt);

/* Run over files[0..nfiles) (stdin when none); returns the exit status. */
int	dedupe_run(struct dedupe_opts *opt, char **files, int nfiles);

/* Group of a record in two-pass runs, or what else it is. */
#define GRP_REJECTED	UINT32_MAX
#define GRP_UNKEYED	(UINT32_MAX - 1)
#define GRP_MAX		(UINT32_MAX - 2)

/* A group of duplicates in two-pass runs: its survivor so far. */
struct group {
	uint64_t	best;		/* record number of the survivor */
	uint64_t	srcline;	/* its _src:_line (src << 40 | line) */
	double		score;		/* newest: time, or field count */
};

#define LINE_BITS	40	/* _line bits of a srcline; _src id above */
#define NSHARDS		64

struct fz;

/* Everything one run holds. */
struct run {
	const struct dedupe_opts *opt;
	struct cdp_out		*out;
	struct cdp_acct		 acct;
	struct cdp_rec		 rec;
	struct cdp_recw		 w;
	struct cdp_norm_ctx	 ctx;
	struct cdp_keyer	 keyer;	/* keyer.key: the key or block */
	struct cdp_buf		 val;	/* one field's normalised value */
	struct cdp_buf		 tmp;
	/* Exact keys, in NSHARDS maps chosen by bits of the hash: each
	 * map doubles on its own, so growing never holds two copies of the
	 * whole table at once (peak memory stays near the table's size). */
	struct cdp_keymap	*map[NSHARDS];
	bool			 two_pass;
	/* _src names: interned, so a key costs 8 bytes of provenance */
	struct cdp_keymap	*srcs;
	struct cdp_buf		 srctab;	/* names, NUL-terminated */
	uint32_t		*srcoff;
	size_t			 nsrc, srccap;
	/* two-pass runs: the group of every record, and the groups */
	uint32_t		*grp;
	size_t			 ngrp, grpcap;
	struct group		*groups;
	size_t			 ngroups, gcap;
	uint64_t		 seq;	/* records (non-blank lines) so far */
	struct fz		*fz;
	struct cdp_progress	*prog;
	off_t			 done;	/* bytes of the inputs finished */
	unsigned long long	*unkeyed, *marked;
	unsigned long long	 nunkeyed, nmarked;	/* a thread's */
	int			 nlanes;	/* a parallel run's */
	struct cdp_fieldseen	 seen;	/* the key fields some record had */
	/* the current input */
	const char		*file;	/* name in messages */
	long			 lineno;
};

/*
 * The normalised text of field kf of r->rec into out (reset first): 1
 * when present, 0 when absent, null or empty; -1 with *why (valid until
 * the next call) for a bad record: an object or array, or a value its
 * normaliser refuses.  Numbers and booleans count by their JSON text.
 */
int	run_field(struct run *r, const struct cdp_keyfield *kf,
	    struct cdp_buf *out, const char **why);

/* A new group for two-pass runs (exits when out of memory). */
uint32_t run_new_group(struct run *r);

/* Put record seq in group g, which it may win by the --keep rule. */
void	run_offer(struct run *r, uint64_t seq, uint32_t g, double score,
	    uint64_t srcline);

/* Fuzzy mode (fuzzy.c).  A new state, or exits when out of memory. */
struct fz *fz_new(const struct dedupe_opts *opt);

/*
 * The block keys of r->rec under every --block rule, kept for fz_add().
 * Returns 1 when some rule gives a key, 0 when none does (the record is
 * unkeyed), -1 with *why for a bad record.
 */
int	fz_keys(struct fz *z, struct run *r, const char **why);

/*
 * Remember record seq (r->rec, after fz_keys()) in its blocks: its
 * compared values, score and provenance.  Returns 0, or -1 with *why for
 * a bad record (nothing kept then).
 */
int	fz_add(struct fz *z, struct run *r, uint64_t seq, double score,
	    uint64_t srcline, const char **why);

/*
 * Compare the candidate pairs of the blocks, join duplicates, and put
 * every record in its group through run_offer(), in record order.
 * Blocks over --max-block are reported and their pairs not compared.
 * Returns the number of such blocks.
 */
unsigned long long fz_resolve(struct fz *z, struct run *r);

/* Free the state; NULL is a no-op. */
void	fz_free(struct fz *z);

#endif
