/*
 * fuzzy.c - fuzzy mode: records kept compactly (block id, compared
 * fields' match keys as code points in one arena), compared pairwise
 * within each block, and joined by a small union-find.
 */
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "diag.h"
#include "norm.h"
#include "similar.h"
#include "xalloc.h"

#define MISSING	UINT32_MAX
#define MAXWARN	10	/* oversized blocks named one by one */

struct fz {
	const struct dedupe_opts *opt;
	struct cdp_keymap	*blocks;	/* block key hash -> block id */
	uint32_t		 nblocks;
	/* per kept record (index i, in record order) */
	uint64_t		*seq;
	uint32_t		*block;
	double			*score;
	uint64_t		*srcline;
	uint32_t		*off, *len;	/* [i * nfuzzy + k] */
	size_t			 n, cap;
	struct cdp_buf		 cps;		/* uint32_t code points */
	struct cdp_buf		 val, mk;
	uint32_t		*parent;	/* union-find */
};

struct fz *
fz_new(const struct dedupe_opts *opt)
{
	struct fz *z = cdp_xcalloc(1, sizeof(*z));

	if ((z->blocks = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	z->opt = opt;
	return z;
}

void
fz_free(struct fz *z)
{
	if (z == NULL)
		return;
	cdp_keymap_free(z->blocks);
	free(z->seq);
	free(z->block);
	free(z->score);
	free(z->srcline);
	free(z->off);
	free(z->len);
	free(z->parent);
	cdp_buf_free(&z->cps);
	cdp_buf_free(&z->val);
	cdp_buf_free(&z->mk);
	free(z);
}

static void
reserve(struct fz *z)
{
	size_t nf = (size_t)z->opt->nfuzzy, c;

	if (z->n < z->cap)
		return;
	c = z->cap ? z->cap * 2 : 1024;
	if (c > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "fuzzy mode: too many records");
	z->seq = cdp_xreallocarray(z->seq, c, sizeof(*z->seq));
	z->block = cdp_xreallocarray(z->block, c, sizeof(*z->block));
	z->score = cdp_xreallocarray(z->score, c, sizeof(*z->score));
	z->srcline = cdp_xreallocarray(z->srcline, c, sizeof(*z->srcline));
	z->off = cdp_xreallocarray(z->off, c * nf, sizeof(*z->off));
	z->len = cdp_xreallocarray(z->len, c * nf, sizeof(*z->len));
	z->cap = c;
}

int
fz_add(struct fz *z, struct run *r, uint64_t seq, struct cdp_key128 block,
    double score, uint64_t srcline, const char **why)
{
	size_t nf = (size_t)z->opt->nfuzzy, mark = z->cps.len, i = z->n;
	const char *reason;
	uint64_t *v;
	int added;

	reserve(z);
	for (size_t k = 0; k < nf; k++) {
		int rc = run_field(r, &z->opt->fuzzy[k].f, &z->val, why);
		long n;

		if (rc == -1) {
			/* Forget the code points of the fields before. */
			z->cps.len = mark;
			if (z->cps.cap > 0)
				z->cps.p[mark] = '\0';
			return -1;
		}
		z->off[i * nf + k] = (uint32_t)(z->cps.len / sizeof(uint32_t));
		z->len[i * nf + k] = MISSING;
		cdp_buf_reset(&z->mk);
		/* Compare match keys: case and accents folded (a value
		 * with no letters or digits has none and counts as absent). */
		if (rc == 0 || cdp_norm_key(z->val.p, z->val.len, &z->mk,
		    &reason) == -1 || z->mk.len == 0)
			continue;
		if ((n = cdp_utf8_to_cps(z->mk.p, z->mk.len, &z->cps)) == -1)
			cdp_oom(0);
		if (z->cps.len / sizeof(uint32_t) > UINT32_MAX)
			cdp_die(EX_SOFTWARE, NULL, 0, "fuzzy mode: too much "
			    "text to compare");
		z->len[i * nf + k] = (uint32_t)n;
	}
	if ((v = cdp_keymap_put(z->blocks, block, z->nblocks, &added)) == NULL)
		cdp_oom(0);
	z->nblocks += added;
	z->block[i] = (uint32_t)*v;
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

/* Do records i and j meet every --fuzzy condition? */
static bool
similar(const struct fz *z, uint32_t i, uint32_t j)
{
	size_t nf = (size_t)z->opt->nfuzzy;
	const uint32_t *cp = (const uint32_t *)z->cps.p;

	for (size_t k = 0; k < nf; k++) {
		const struct fuzzy *c = &z->opt->fuzzy[k];
		uint32_t la = z->len[i * nf + k], lb = z->len[j * nf + k];
		const uint32_t *a = cp + z->off[i * nf + k];
		const uint32_t *b = cp + z->off[j * nf + k];

		if (la == MISSING || lb == MISSING)
			return false;
		if (c->cmp == CMP_JW) {
			/* A hair of slack: 0.92 must accept 0.91999... */
			if (cdp_sim_jaro_winkler(a, la, b, lb) <
			    c->min_jw - 1e-9)
				return false;
		} else if (cdp_sim_levenshtein(a, la, b, lb, c->max_lev) >
		    c->max_lev) {
			return false;
		}
	}
	return true;
}

/* Records of each block, contiguous and in record order: counting sort
 * into *order, block b at order[start[b]..start[b + 1]). */
static uint32_t *
by_block(const struct fz *z, uint32_t **order)
{
	uint32_t *start = cdp_xcalloc((size_t)z->nblocks + 1, sizeof(*start));
	uint32_t *at = cdp_xcalloc((size_t)z->nblocks + 1, sizeof(*at));

	*order = cdp_xcalloc(z->n, sizeof(**order));
	for (size_t i = 0; i < z->n; i++)
		start[z->block[i] + 1]++;
	for (uint32_t b = 0; b < z->nblocks; b++)
		start[b + 1] += start[b];
	memcpy(at, start, ((size_t)z->nblocks + 1) * sizeof(*at));
	for (size_t i = 0; i < z->n; i++)
		(*order)[at[z->block[i]]++] = (uint32_t)i;
	free(at);
	return start;
}

unsigned long long
fz_resolve(struct fz *z, struct run *r)
{
	uint32_t *order, *start = by_block(z, &order), *gid;
	unsigned long long oversized = 0;

	z->parent = cdp_xreallocarray(NULL, z->n ? z->n : 1,
	    sizeof(*z->parent));
	for (size_t i = 0; i < z->n; i++)
		z->parent[i] = (uint32_t)i;
	for (uint32_t b = 0; b < z->nblocks; b++) {
		uint32_t lo = start[b], hi = start[b + 1];

		if (hi - lo > (uint32_t)z->opt->max_block) {
			/* Quadratic work: say so, and leave the block alone. */
			if (oversized++ < MAXWARN)
				cdp_warn(NULL, 0, "a block of %u records is "
				    "larger than --max-block %ld: left unmerged",
				    hi - lo, z->opt->max_block);
			continue;
		}
		for (uint32_t x = lo; x < hi; x++)
			for (uint32_t y = x + 1; y < hi; y++)
				if (find(z->parent, order[x]) !=
				    find(z->parent, order[y]) &&
				    similar(z, order[x], order[y]))
					join(z->parent, order[x], order[y]);
	}
	if (oversized > MAXWARN)
		cdp_warn(NULL, 0, "%llu more blocks larger than --max-block "
		    "%ld left unmerged", oversized - MAXWARN,
		    z->opt->max_block);
	/* Groups in record order: each set's first record opens it. */
	gid = order;
	for (size_t i = 0; i < z->n; i++) {
		uint32_t root = find(z->parent, (uint32_t)i);

		if (root == i)
			gid[i] = run_new_group(r);
		run_offer(r, z->seq[i], gid[root], z->score[i],
		    z->srcline[i]);
	}
	free(order);
	free(start);
	return oversized;
}
