/*
 * fuzzy.c - fuzzy mode: records kept compactly (compared values in one
 * arena), blocked by the shared blocker (common/block), their candidate
 * pairs compared by the shared comparisons (common/compare), duplicates
 * joined by a small union-find.
 */
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "diag.h"
#include "norm.h"
#include "xalloc.h"

#define MISSING	UINT32_MAX

struct fz {
	const struct dedupe_opts *opt;
	struct cdp_blocker	*blocker;
	/* fz_keys(): the current record's key under each rule */
	struct cdp_key128	 key[MAXRULES];
	bool			 has[MAXRULES];
	struct cdp_buf		 bval[MAXFIELDS];	/* block fields */
	/* per kept record (index i, in record order) */
	uint64_t		*seq;
	double			*score;
	uint64_t		*srcline;
	uint32_t		*off, *len;	/* [i * nslots + slot] */
	size_t			 n, cap;
	struct cdp_buf		 text;		/* compared values */
	struct cdp_buf		 val, mk, bkey;
	struct cdp_cmp_scratch	 cs;
	uint32_t		*parent;	/* union-find */
};

struct fz *
fz_new(const struct dedupe_opts *opt)
{
	struct fz *z = cdp_xcalloc(1, sizeof(*z));

	z->opt = opt;
	z->blocker = cdp_blocker_new(opt->rules, opt->nrules, opt->max_block);
	return z;
}

void
fz_free(struct fz *z)
{
	if (z == NULL)
		return;
	cdp_blocker_free(z->blocker);
	for (int i = 0; i < MAXFIELDS; i++)
		cdp_buf_free(&z->bval[i]);
	free(z->seq);
	free(z->score);
	free(z->srcline);
	free(z->off);
	free(z->len);
	free(z->parent);
	cdp_buf_free(&z->text);
	cdp_buf_free(&z->val);
	cdp_buf_free(&z->mk);
	cdp_buf_free(&z->bkey);
	cdp_cmp_scratch_free(&z->cs);
	free(z);
}

int
fz_keys(struct fz *z, struct run *r, const char **why)
{
	const struct dedupe_opts *opt = z->opt;
	bool some = false;

	for (int f = 0; f < opt->nbfield; f++)
		if (run_field(r, &opt->bfield[f], &z->bval[f], why) == -1)
			return -1;
	for (int i = 0; i < opt->nrules; i++) {
		const struct cdp_block_rule *rule = &opt->rules[i];
		struct cdp_cmp_val v[CDP_BLOCK_MAX_KEYS];

		for (int k = 0; k < rule->nkeys; k++) {
			const struct cdp_buf *b = &z->bval[rule->keys[k].col];

			v[k] = (struct cdp_cmp_val){ b->p, b->len };
		}
		z->has[i] = cdp_block_key(rule, v, &z->bkey, &z->key[i]);
		some = some || z->has[i];
	}
	return some;
}

static void
reserve(struct fz *z)
{
	size_t nf = (size_t)z->opt->nslots, c;

	if (z->n < z->cap)
		return;
	c = z->cap ? z->cap * 2 : 1024;
	if (c > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "fuzzy mode: too many records");
	z->seq = cdp_xreallocarray(z->seq, c, sizeof(*z->seq));
	z->score = cdp_xreallocarray(z->score, c, sizeof(*z->score));
	z->srcline = cdp_xreallocarray(z->srcline, c, sizeof(*z->srcline));
	z->off = cdp_xreallocarray(z->off, c * nf, sizeof(*z->off));
	z->len = cdp_xreallocarray(z->len, c * nf, sizeof(*z->len));
	z->cap = c;
}

/*
 * The value compared of field k into z->mk: text methods compare match
 * keys (case and accents folded; a value with no letter or digit has none
 * and counts as absent), dates and numbers the normalised value.
 */
static void
compared(struct fz *z, const struct fuzzy *c)
{
	const char *reason;

	cdp_buf_reset(&z->mk);
	if (!cdp_cmp_textual(&c->cmp)) {
		if (cdp_buf_add(&z->mk, z->val.p, z->val.len) == -1)
			cdp_oom(z->val.len);
	} else if (cdp_norm_key(z->val.p, z->val.len, &z->mk,
	    &reason) == -1) {
		cdp_buf_reset(&z->mk);
	}
}

/* Value k of condition c of r->rec into the arena as slot slot of
 * record i.  Returns 0, or -1 with *why for a bad record. */
static int
keep_value(struct fz *z, struct run *r, const struct fuzzy *c, int k,
    size_t at, const char **why)
{
	int rc = run_field(r, &c->f[k], &z->val, why);

	if (rc == -1)
		return -1;
	z->off[at] = (uint32_t)z->text.len;
	z->len[at] = MISSING;
	if (rc == 0)
		return 0;
	compared(z, c);
	if (z->mk.len == 0)
		return 0;
	if (z->text.len + z->mk.len > UINT32_MAX - 1)
		cdp_die(EX_SOFTWARE, NULL, 0, "fuzzy mode: too much text to "
		    "compare");
	if (cdp_buf_add(&z->text, z->mk.p, z->mk.len) == -1)
		cdp_oom(z->mk.len);
	z->len[at] = (uint32_t)z->mk.len;
	return 0;
}

int
fz_add(struct fz *z, struct run *r, uint64_t seq, double score,
    uint64_t srcline, const char **why)
{
	size_t ns = (size_t)z->opt->nslots, mark = z->text.len, i = z->n;

	reserve(z);
	for (int k = 0; k < z->opt->nfuzzy; k++) {
		const struct fuzzy *c = &z->opt->fuzzy[k];

		for (int col = 0; col < c->cmp.ncols; col++)
			if (keep_value(z, r, c, col, i * ns + (size_t)(c->slot +
			    col), why) == -1) {
				/* Forget the values of the fields before. */
				z->text.len = mark;
				return -1;
			}
	}
	for (int b = 0; b < z->opt->nrules; b++)
		if (z->has[b])
			cdp_blocker_add(z->blocker, b, (uint32_t)i, z->key[b]);
	z->seq[i] = seq;
	z->score[i] = score;
	z->srcline[i] = srcline;
	z->n++;
	return 0;
}

static uint32_t
find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];	/* path halving */
		i = parent[i];
	}
	return i;
}

/* Join the sets of i and j under the smaller index (deterministic). */
static void
join(uint32_t *parent, uint32_t i, uint32_t j)
{
	i = find(parent, i);
	j = find(parent, j);
	if (i < j)
		parent[j] = i;
	else if (j < i)
		parent[i] = j;
}

static struct cdp_cmp_val
value(const struct fz *z, uint32_t i, int slot)
{
	size_t at = i * (size_t)z->opt->nslots + (size_t)slot;
	uint32_t n = z->len[at];

	if (n == MISSING)
		return (struct cdp_cmp_val){ "", 0 };
	return (struct cdp_cmp_val){ z->text.p + z->off[at], n };
}

/* Do records i and j meet every --fuzzy condition? */
static bool
similar(struct fz *z, uint32_t i, uint32_t j)
{
	for (int k = 0; k < z->opt->nfuzzy; k++) {
		const struct fuzzy *c = &z->opt->fuzzy[k];
		struct cdp_cmp_val a[CDP_CMP_MAX_COLS], b[CDP_CMP_MAX_COLS];

		for (int col = 0; col < c->cmp.ncols; col++) {
			a[col] = value(z, i, c->slot + col);
			b[col] = value(z, j, c->slot + col);
		}
		if (!cdp_cmp_agrees(&c->cmp, cdp_cmp_level(&c->cmp, a, b,
		    &z->cs)))
			return false;
	}
	return true;
}

static void
pair(void *ctx, uint32_t i, uint32_t j)
{
	struct fz *z = ctx;

	if (find(z->parent, i) != find(z->parent, j) && similar(z, i, j))
		join(z->parent, i, j);
}

unsigned long long
fz_resolve(struct fz *z, struct run *r)
{
	uint32_t *gid;

	z->parent = cdp_xreallocarray(NULL, z->n, sizeof(*z->parent));
	for (size_t i = 0; i < z->n; i++)
		z->parent[i] = (uint32_t)i;
	cdp_blocker_close(z->blocker, z->n);
	cdp_blocker_pairs(z->blocker, pair, z);
	cdp_blocker_warn(z->blocker);
	/* Groups in record order: each set's first record opens it. */
	gid = cdp_xreallocarray(NULL, z->n, sizeof(*gid));
	for (size_t i = 0; i < z->n; i++) {
		uint32_t root = find(z->parent, (uint32_t)i);

		if (root == i)
			gid[i] = run_new_group(r);
		run_offer(r, z->seq[i], gid[root], z->score[i],
		    z->srcline[i]);
	}
	free(gid);
	return cdp_blocker_oversized(z->blocker);
}
