/*
 * block.c - blocking rules, block keys, and the candidate pairs of the
 * blocks: each rule's records sorted by key, a pair given once over all
 * the rules (an earlier rule that puts both records in one block has
 * given it already).
 */
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "opts.h"
#include "phonetic.h"
#include "xalloc.h"

#define NO_BLOCK	UINT32_MAX
#define MAX_WARN	10	/* oversized blocks named one by one */

/* --- rules -------------------------------------------------------------- */

static int
parse_key(struct cdp_block_key *k, const char *item, struct cdp_err *err)
{
	const char *a, *comma;
	size_t an;
	long v;

	*k = (struct cdp_block_key){ .fn = CDP_BLOCK_VALUE };
	if (cdp_cmp_call(item, "prefix", &a, &an)) {
		char num[32];

		comma = memchr(a, ',', an);
		if (comma == NULL || !cdp_cmp_field_ok(a, (size_t)(comma - a)) ||
		    (size_t)(a + an - comma - 1) >= sizeof(num)) {
			cdp_err_set(err, EX_USAGE, "%s: expected "
			    "prefix(FIELD,N)", item);
			return -1;
		}
		memcpy(num, comma + 1, (size_t)(a + an - comma - 1));
		num[a + an - comma - 1] = '\0';
		if (cdp_parse_long(num, 1, 100, &v) == -1) {
			cdp_err_set(err, EX_USAGE, "%s: N must be a whole "
			    "number from 1 to 100", item);
			return -1;
		}
		k->fn = CDP_BLOCK_PREFIX;
		k->n = (int)v;
		an = (size_t)(comma - a);
	} else if (cdp_cmp_call(item, "soundex", &a, &an)) {
		k->fn = CDP_BLOCK_SOUNDEX;
	} else if (cdp_cmp_call(item, "nysiis", &a, &an)) {
		k->fn = CDP_BLOCK_NYSIIS;
	} else if (cdp_cmp_call(item, "year", &a, &an)) {
		k->fn = CDP_BLOCK_YEAR;
	} else {
		a = item;
		an = strlen(item);
	}
	if (!cdp_cmp_field_ok(a, an)) {
		cdp_err_set(err, EX_USAGE, "%s: expected FIELD, "
		    "prefix(FIELD,N), soundex(FIELD), nysiis(FIELD) or "
		    "year(FIELD)", item);
		return -1;
	}
	k->field = cdp_xstrndup(a, an);
	return 0;
}

int
cdp_block_rule_parse(struct cdp_block_rule *r, const char *text,
    struct cdp_err *err)
{
	char *copy = cdp_xstrdup(text), *items[CDP_BLOCK_MAX_KEYS];
	int n = cdp_cmp_split(copy, items, CDP_BLOCK_MAX_KEYS);

	*r = (struct cdp_block_rule){ 0 };
	if (n == -1) {
		cdp_err_set(err, EX_USAGE, "empty key, unbalanced parentheses "
		    "or more than %d keys", CDP_BLOCK_MAX_KEYS);
		free(copy);
		return -1;
	}
	for (int i = 0; i < n; i++, r->nkeys++)
		if (parse_key(&r->keys[i], items[i], err) == -1) {
			cdp_block_rule_free(r);
			free(copy);
			return -1;
		}
	r->text = cdp_xstrdup(text);
	free(copy);
	return 0;
}

void
cdp_block_rule_free(struct cdp_block_rule *r)
{
	for (int i = 0; i < r->nkeys; i++)
		free(r->keys[i].field);
	free(r->text);
	*r = (struct cdp_block_rule){ 0 };
}

/* --- keys ------------------------------------------------------------- */

/* Bytes of the first n code points of s[0..len). */
static size_t
prefix_bytes(const char *s, size_t len, int n)
{
	size_t i = 0;

	for (int cp = 0; i < len && cp < n; cp++)
		for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

static bool
four_digits(const char *s, size_t n)
{
	if (n < 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
cdp_block_key(const struct cdp_block_rule *r, const struct cdp_cmp_val *v,
    struct cdp_buf *b, struct cdp_key128 *key)
{
	cdp_buf_reset(b);
	for (int i = 0; i < r->nkeys; i++) {
		const char *s = v[i].s;
		size_t n = v[i].n;
		uint32_t len;
		char code[CDP_NYSIIS_SIZE];
		int k;

		if (n == 0)
			return false;
		switch (r->keys[i].fn) {
		case CDP_BLOCK_VALUE:
			break;
		case CDP_BLOCK_PREFIX:
			n = prefix_bytes(s, n, r->keys[i].n);
			break;
		case CDP_BLOCK_SOUNDEX:
			if (cdp_soundex(s, n, code) == -1)
				return false;
			s = code;
			n = 4;
			break;
		case CDP_BLOCK_NYSIIS:
			if ((k = cdp_nysiis(s, n, code)) == -1)
				return false;
			s = code;
			n = (size_t)k;
			break;
		case CDP_BLOCK_YEAR:
			if (!four_digits(s, n))
				return false;
			n = 4;
			break;
		}
		/* A length before each value: ("ab","c") is not ("a","bc"). */
		len = (uint32_t)n;
		if (cdp_buf_add(b, &len, sizeof(len)) == -1 ||
		    cdp_buf_add(b, s, n) == -1)
			cdp_oom(n + sizeof(len));
	}
	*key = cdp_key128_of(b->p, b->len);
	return true;
}

/* --- blocks ----------------------------------------------------------- */

struct entry {
	struct cdp_key128	k;
	uint32_t		rec;
};

/* One rule's blocks. */
struct blocks {
	struct entry	*e;	/* until closed */
	size_t		 n, cap;
	uint32_t	*members;	/* records, block after block */
	size_t		*start;	/* block b: members[start[b]..start[b+1]) */
	uint32_t	 nblocks;
	uint32_t	*bid;	/* per record: its block, or NO_BLOCK */
};

struct cdp_blocker {
	const struct cdp_block_rule	*rules;
	int				 nrules;
	long				 max_block;
	struct blocks			*r;
	unsigned long long		 oversized;
	struct {
		int	rule;
		size_t	size;
	}				 first[MAX_WARN];
};

struct cdp_blocker *
cdp_blocker_new(const struct cdp_block_rule *rules, int nrules,
    long max_block)
{
	struct cdp_blocker *b = cdp_xcalloc(1, sizeof(*b));

	b->rules = rules;
	b->nrules = nrules;
	b->max_block = max_block;
	b->r = cdp_xcalloc((size_t)(nrules > 0 ? nrules : 1), sizeof(*b->r));
	return b;
}

void
cdp_blocker_add(struct cdp_blocker *b, int rule, uint32_t rec,
    struct cdp_key128 key)
{
	struct blocks *r = &b->r[rule];

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->e = cdp_xreallocarray(r->e, r->cap, sizeof(*r->e));
	}
	r->e[r->n++] = (struct entry){ key, rec };
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->k.hi != y->k.hi)
		return (x->k.hi > y->k.hi) - (x->k.hi < y->k.hi);
	if (x->k.lo != y->k.lo)
		return (x->k.lo > y->k.lo) - (x->k.lo < y->k.lo);
	return (x->rec > y->rec) - (x->rec < y->rec);
}

static bool
same_key(const struct entry *x, const struct entry *y)
{
	return x->k.hi == y->k.hi && x->k.lo == y->k.lo;
}

/* Rule number rule: its entries into blocks. */
static void
close_rule(struct cdp_blocker *b, int rule, size_t nrecs)
{
	struct blocks *r = &b->r[rule];
	size_t nb = 0, w = 0;

	if (r->n > 0)
		qsort(r->e, r->n, sizeof(*r->e), cmp_entry);
	r->members = cdp_xreallocarray(NULL, r->n, sizeof(*r->members));
	r->start = cdp_xreallocarray(NULL, r->n + 1, sizeof(*r->start));
	/* One at least: no record in any block must not write past it. */
	r->bid = cdp_xreallocarray(NULL, nrecs > 0 ? nrecs : 1,
	    sizeof(*r->bid));
	memset(r->bid, 0xff, (nrecs > 0 ? nrecs : 1) * sizeof(*r->bid));
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i + 1; j < r->n && same_key(&r->e[i], &r->e[j]); j++)
			;
		if (j - i > (size_t)b->max_block) {
			if (b->oversized < MAX_WARN) {
				b->first[b->oversized].rule = rule;
				b->first[b->oversized].size = j - i;
			}
			b->oversized++;
			continue;
		}
		r->start[nb] = w;
		for (size_t k = i; k < j; k++) {
			r->members[w++] = r->e[k].rec;
			r->bid[r->e[k].rec] = (uint32_t)nb;
		}
		r->start[++nb] = w;
	}
	r->nblocks = (uint32_t)nb;
	free(r->e);
	r->e = NULL;
}

void
cdp_blocker_close(struct cdp_blocker *b, size_t nrecs)
{
	for (int i = 0; i < b->nrules; i++)
		close_rule(b, i, nrecs);
}

/* Whether a rule before rule put records i and j in one block. */
static bool
seen(const struct cdp_blocker *b, int rule, uint32_t i, uint32_t j)
{
	for (int r = 0; r < rule; r++) {
		uint32_t x = b->r[r].bid[i];

		if (x != NO_BLOCK && x == b->r[r].bid[j])
			return true;
	}
	return false;
}

void
cdp_blocker_pairs(const struct cdp_blocker *b,
    void (*fn)(void *ctx, uint32_t i, uint32_t j), void *ctx)
{
	for (int rule = 0; rule < b->nrules; rule++) {
		const struct blocks *r = &b->r[rule];

		for (uint32_t k = 0; k < r->nblocks; k++)
			for (size_t x = r->start[k]; x < r->start[k + 1]; x++)
				for (size_t y = x + 1; y < r->start[k + 1];
				    y++) {
					uint32_t i = r->members[x];
					uint32_t j = r->members[y];

					if (!seen(b, rule, i, j))
						fn(ctx, i, j);
				}
	}
}

unsigned long long
cdp_blocker_oversized(const struct cdp_blocker *b)
{
	return b->oversized;
}

void
cdp_blocker_warn(const struct cdp_blocker *b)
{
	for (unsigned long long i = 0; i < b->oversized && i < MAX_WARN; i++)
		cdp_warn(NULL, 0, "--block %s: a block of %zu records is over "
		    "--max-block %ld: its pairs are not compared",
		    b->rules[b->first[i].rule].text, b->first[i].size,
		    b->max_block);
	if (b->oversized > MAX_WARN)
		cdp_warn(NULL, 0, "%llu more blocks over --max-block %ld: "
		    "their pairs are not compared", b->oversized - MAX_WARN,
		    b->max_block);
}

void
cdp_blocker_free(struct cdp_blocker *b)
{
	if (b == NULL)
		return;
	for (int i = 0; i < b->nrules; i++) {
		free(b->r[i].e);
		free(b->r[i].members);
		free(b->r[i].start);
		free(b->r[i].bid);
	}
	free(b->r);
	free(b);
}
