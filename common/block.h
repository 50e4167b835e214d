/*
 * block.h - blocking for record comparison, shared by cdp-merge
 * --probabilistic and cdp-dedupe --fuzzy: rules of keys (FIELD,
 * prefix(FIELD,N), soundex(FIELD), nysiis(FIELD), year(FIELD)), the key
 * of a record under a rule, and the candidate pairs: records with equal
 * keys under some rule, each pair once, blocks over --max-block left out.
 */
#ifndef CDP_BLOCK_H
#define CDP_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compare.h"
#include "diag.h"
#include "keymap.h"

#define CDP_BLOCK_MAX_KEYS	8	/* keys in one rule */
#define CDP_BLOCK_MAX_DEFAULT	1000	/* --max-block */
#define CDP_BLOCK_MAX_LIMIT	1000000	/* largest --max-block */
#define CDP_BLOCK_USAGE \
"      --max-block N         skip blocks of more than N records (1000)\n"

enum cdp_block_fn {
	CDP_BLOCK_VALUE,	/* the field's value */
	CDP_BLOCK_PREFIX,	/* its first n code points */
	CDP_BLOCK_SOUNDEX,	/* American Soundex of its letters */
	CDP_BLOCK_NYSIIS,	/* NYSIIS key of its letters */
	CDP_BLOCK_YEAR		/* the first four digits of a date */
};

struct cdp_block_key {
	char			*field;	/* its name (owned) */
	enum cdp_block_fn	 fn;
	int			 n;	/* CDP_BLOCK_PREFIX */
	int			 col;	/* the caller's number of the field */
};

/* One rule: records equal on every key are candidates. */
struct cdp_block_rule {
	struct cdp_block_key	 keys[CDP_BLOCK_MAX_KEYS];
	int			 nkeys;
	char			*text;	/* as given (owned) */
};

/*
 * Parse a rule "K1,K2,..." into r (col of every key 0).  Returns 0, or -1
 * with err (EX_USAGE, the message without the option's name) and r
 * freed.  Release r with cdp_block_rule_free().
 */
int	cdp_block_rule_parse(struct cdp_block_rule *r, const char *text,
	    struct cdp_err *err);

/* Free what r holds; a zeroed rule is a no-op. */
void	cdp_block_rule_free(struct cdp_block_rule *r);

/*
 * The key of a record under r, whose keys' values are v[0..r->nkeys),
 * into *key (scratch is the caller's).  False when a key is null (an
 * empty value, a phonetic key of no letter, a year of no four digits): the
 * record is in no block of the rule.  Exits 71 when memory runs out.
 */
bool	cdp_block_key(const struct cdp_block_rule *r,
	    const struct cdp_cmp_val *v, struct cdp_buf *scratch,
	    struct cdp_key128 *key);

/* The records of every block of every rule. */
struct cdp_blocker;

/* A blocker for rules[0..nrules) (kept by pointer: they must outlive
 * it) and blocks of at most max_block records.  Exits 71 when out of
 * memory, as every function here. */
struct cdp_blocker *cdp_blocker_new(const struct cdp_block_rule *rules,
	    int nrules, long max_block);

/* Record rec has key under rule number rule. */
void	cdp_blocker_add(struct cdp_blocker *b, int rule, uint32_t rec,
	    struct cdp_key128 key);

/* Close the blocks of records 0..nrecs-1 (every rec added is below). */
void	cdp_blocker_close(struct cdp_blocker *b, size_t nrecs);

/*
 * Call fn(ctx, i, j) once for every candidate pair, i < j: rule after
 * rule, block after block, in record order within a block; a pair that an
 * earlier rule gave is not given again.  After cdp_blocker_close().
 */
void	cdp_blocker_pairs(const struct cdp_blocker *b,
	    void (*fn)(void *ctx, uint32_t i, uint32_t j), void *ctx);

/* The number of blocks over max_block (their pairs are not given). */
unsigned long long cdp_blocker_oversized(const struct cdp_blocker *b);

/* Warn on stderr about the blocks over max_block: the first ten one by
 * one, then a count. */
void	cdp_blocker_warn(const struct cdp_blocker *b);

/* Free b; NULL is a no-op. */
void	cdp_blocker_free(struct cdp_blocker *b);

#endif
