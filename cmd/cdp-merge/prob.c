/*
 * prob.c - cdp-merge --probabilistic, the linker: the values kept per
 * record, candidate pairs from the blocker, their levels, the estimation
 * of u (random pairs), m (EM per training rule) and the prior, and the
 * scores of the pairs, term frequencies included.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "compare.h"
#include "diag.h"
#include "fieldseen.h"
#include "keymap.h"
#include "norm.h"
#include "prob.h"
#include "rand.h"
#include "xalloc.h"

#define RANDOM_PAIRS	1000000	/* pairs drawn for u */
#define EM_TOL		1e-6	/* largest parameter change at convergence */
#define FLOOR		0.5	/* pairs added to every level of m */
#define MIN_SUPPORT	5	/* expected matches a level needs to be
				 * held to the order of levels */

/* Distinct level patterns and how many pairs had each. */
struct patset {
	struct cdp_keymap	*map;	/* pattern -> number */
	uint64_t		*pat;
	double			*n;
	size_t			 len, cap;
};

/* One EM fit on the pairs of a training rule (for --train-only). */
struct session {
	int		rule;
	size_t		pairs;
	double		matches;	/* expected */
	int		iterations;
	bool		converged;
};

struct prob {
	struct prob_spec	 spec;	/* the options' copy, fitted here */
	struct prob_spec	*s;	/* &spec */
	int			 nf;
	struct cdp_buf		 vals;	/* values, record after record */
	uint64_t		*voff;	/* value f of record k: [k * nf + f] */
	size_t			 nrecs, vcap;
	struct cdp_buf		 refs;	/* "src:line" of each record */
	uint64_t		*roff;
	size_t			 rcap;
	uint32_t		*src;	/* --link-only: source of each record */
	size_t			 scap;
	struct cdp_keymap	*srcs;	/* source value -> number */
	uint32_t		 nsrcs;
	uint32_t		*oldid;	/* prior id of each old record */
	size_t			 nold, ocap;
	struct cdp_buf		 tmp;	/* scratch */
	struct cdp_cmp_scratch	 cs;
	struct cdp_fieldseen	 seen;	/* spellings of fields on no record */
	/* candidate pairs and their patterns */
	uint64_t		*cand;
	uint32_t		*cpat;	/* number in pats */
	size_t			 ncand, ccap;
	struct patset		 pats;
	double			*pw;	/* weight of each pattern */
	/* term frequencies: per tf comparison, value -> records */
	struct cdp_keymap	*tf[PROB_MAX_CMP];
	double			 tfn[PROB_MAX_CMP];	/* records with one */
	/* the fit */
	struct session		 sess[PROB_MAX_RULES];
	int			 nsess;
	size_t			 drawn;	/* random pairs for u */
	const char		*prior_from;
	double			 prior_pairs;	/* matches it counted */
	/* accepted pairs */
	uint64_t		*match;
	double			*mw;
	size_t			 nmatch;
	unsigned long long	 skipped;	/* blocks over --max-block */
};

struct prob *
prob_new(const struct prob_spec *s)
{
	struct prob *p = cdp_xcalloc(1, sizeof(*p));

	/* The strings stay the options': only numbers change here. */
	p->spec = *s;
	p->s = &p->spec;
	p->nf = s->nfields;
	if ((p->srcs = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	cdp_fieldseen_init(&p->seen, false);
	for (int f = 0; f < p->nf; f++)
		cdp_fieldseen_add(&p->seen, s->fields[f], strlen(s->fields[f]));
	return p;
}

static void
patset_free(struct patset *ps)
{
	cdp_keymap_free(ps->map);
	free(ps->pat);
	free(ps->n);
	*ps = (struct patset){ 0 };
}

void
prob_free(struct prob *p)
{
	if (p == NULL)
		return;
	cdp_buf_free(&p->vals);
	cdp_buf_free(&p->refs);
	cdp_buf_free(&p->tmp);
	cdp_cmp_scratch_free(&p->cs);
	cdp_keymap_free(p->srcs);
	cdp_fieldseen_free(&p->seen);
	for (int c = 0; c < PROB_MAX_CMP; c++)
		cdp_keymap_free(p->tf[c]);
	patset_free(&p->pats);
	free(p->voff);
	free(p->roff);
	free(p->src);
	free(p->oldid);
	free(p->cand);
	free(p->cpat);
	free(p->pw);
	free(p->match);
	free(p->mw);
	free(p);
}

/* p grown to hold need items of size (capacity *cap). */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (cdp_grow(&p, cap, need, size) == -1)
		cdp_oom(need * size);
	return p;
}

static void
buf_oom(int rc)
{
	if (rc != 0)
		cdp_oom(0);
}

/* --- keeping the values ------------------------------------------------ */

static void
add_value(struct prob *p, const char *s, size_t n)
{
	size_t at = p->vals.len;

	cdp_trim(&s, &n);
	buf_oom(cdp_buf_add(&p->vals, s, n));
	/* ASCII case does not make two values differ. */
	for (size_t i = at; i < p->vals.len; i++)
		if (p->vals.p[i] >= 'A' && p->vals.p[i] <= 'Z')
			p->vals.p[i] += 32;
}

/* Record k's provenance: "src:line", or "#N" without both. */
static void
add_ref(struct prob *p, struct cdp_rec *rec, size_t k)
{
	const struct cdp_field *src = cdp_rec_find(rec, "_src", 4);
	const struct cdp_field *line = cdp_rec_find(rec, "_line", 5);
	const char *s;
	size_t n;

	if (src != NULL && src->type == CDP_STRING && line != NULL) {
		buf_oom(cdp_rec_str(rec, src, &p->tmp, &s, &n));
		buf_oom(cdp_buf_add(&p->refs, s, n) |
		    cdp_buf_addc(&p->refs, ':') |
		    cdp_buf_add(&p->refs, rec->p + line->voff, line->vlen));
	} else {
		buf_oom(cdp_buf_addf(&p->refs, "#%zu", k + 1));
	}
}

/* --link-only: the number of record k's source (its field's text; a
 * record without one is of the source ""). */
static void
add_source(struct prob *p, struct cdp_rec *rec, size_t k)
{
	const char *name = p->s->link_only, *s = "";
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	size_t n = 0;
	uint64_t *v;
	int added;

	if (f != NULL && f->type == CDP_STRING)
		buf_oom(cdp_rec_str(rec, f, &p->tmp, &s, &n));
	else if (f != NULL && f->type != CDP_NULL) {
		s = rec->p + f->voff;
		n = f->vlen;
	}
	if ((v = cdp_keymap_put(p->srcs, cdp_key128_of(s, n), p->nsrcs,
	    &added)) == NULL)
		cdp_oom(0);
	p->nsrcs += added;
	p->src = grow(p->src, &p->scap, k + 1, sizeof(*p->src));
	p->src[k] = (uint32_t)*v;
}

int
prob_add(struct prob *p, struct cdp_rec *rec, const char **why)
{
	size_t k = p->nrecs, base = k * (size_t)p->nf;

	if (k >= UINT32_MAX - 1)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many records to link");
	p->voff = grow(p->voff, &p->vcap, base + (size_t)p->nf + 1,
	    sizeof(*p->voff));
	p->roff = grow(p->roff, &p->rcap, k + 2, sizeof(*p->roff));
	p->roff[k] = p->refs.len;
	for (int f = 0; f < p->nf; f++) {
		const char *name = p->s->fields[f], *s;
		const struct cdp_field *fd = cdp_rec_find(rec, name,
		    strlen(name));
		size_t n;

		p->voff[base + (size_t)f] = p->vals.len;
		if (fd == NULL || fd->type == CDP_NULL)
			continue;
		if (fd->type == CDP_OBJECT || fd->type == CDP_ARRAY) {
			*why = "a compared or blocking field must be a "
			    "string, a number or a boolean";
			p->vals.len = p->voff[base];
			return -1;
		}
		if (fd->type == CDP_STRING) {
			buf_oom(cdp_rec_str(rec, fd, &p->tmp, &s, &n));
		} else {
			s = rec->p + fd->voff;
			n = fd->vlen;
		}
		add_value(p, s, n);
	}
	p->voff[base + (size_t)p->nf] = p->vals.len;
	add_ref(p, rec, k);
	p->roff[k + 1] = p->refs.len;
	if (p->s->link_only != NULL)
		add_source(p, rec, k);
	cdp_fieldseen_record(&p->seen, rec);
	p->nrecs++;
	return 0;
}

void
prob_drop_last(struct prob *p)
{
	if (p->nrecs == 0)
		return;
	p->nrecs--;
	p->vals.len = p->voff[p->nrecs * (size_t)p->nf];
	p->refs.len = p->roff[p->nrecs];
}

void
prob_mark_old(struct prob *p, uint32_t id)
{
	p->oldid = grow(p->oldid, &p->ocap, p->nold + 1, sizeof(*p->oldid));
	p->oldid[p->nold++] = id;
}

size_t
prob_nold(const struct prob *p)
{
	return p->nold;
}

uint32_t
prob_old_id(const struct prob *p, size_t k)
{
	return p->oldid[k];
}

/* Value f of record k (n == 0 when missing). */
static struct cdp_cmp_val
val(const struct prob *p, size_t k, int f)
{
	size_t i = k * (size_t)p->nf + (size_t)f;
	struct cdp_cmp_val v = { "", p->voff[i + 1] - p->voff[i] };

	if (v.n > 0)
		v.s = p->vals.p + p->voff[i];
	return v;
}

const char *
prob_ref(const struct prob *p, size_t k, size_t *n)
{
	*n = p->roff[k + 1] - p->roff[k];
	return p->refs.p + p->roff[k];
}

/* Whether records i and j may be a pair at all: not two of a previous
 * run (linked then), not two of one source under --link-only. */
static bool
comparable(const struct prob *p, uint32_t i, uint32_t j)
{
	if (i < p->nold && j < p->nold)
		return false;
	return p->src == NULL || p->src[i] != p->src[j];
}

/* --- levels and patterns ---------------------------------------------- */

/* The level of comparison c for records i and j. */
static int
level(struct prob *p, int c, size_t i, size_t j)
{
	const struct cmp *cp = &p->s->cmps[c];
	struct cdp_cmp_val a[CDP_CMP_MAX_COLS], b[CDP_CMP_MAX_COLS];

	for (int k = 0; k < cp->cmp.ncols; k++) {
		a[k] = val(p, i, cp->col[k]);
		b[k] = val(p, j, cp->col[k]);
	}
	return cdp_cmp_level(&cp->cmp, a, b, &p->cs);
}

/* The levels of records i and j, 3 bits a comparison. */
static uint64_t
pattern(struct prob *p, size_t i, size_t j)
{
	uint64_t pat = 0;

	for (int c = 0; c < p->s->ncmps; c++)
		pat |= (uint64_t)level(p, c, i, j) << (3 * c);
	return pat;
}

static int
level_at(uint64_t pat, int c)
{
	return (int)(pat >> (3 * c) & 7);
}

/* The number of pattern pat in ps (added, with n pairs more). */
static uint32_t
patset_add(struct patset *ps, uint64_t pat, double n)
{
	uint64_t *v;
	int added;

	if (ps->map == NULL && (ps->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if ((v = cdp_keymap_put(ps->map, cdp_key128_of(&pat, sizeof(pat)),
	    ps->len, &added)) == NULL)
		cdp_oom(0);
	if (added) {
		size_t cap = ps->cap;

		ps->pat = grow(ps->pat, &cap, ps->len + 1, sizeof(*ps->pat));
		ps->n = grow(ps->n, &ps->cap, ps->len + 1, sizeof(*ps->n));
		ps->pat[ps->len] = pat;
		ps->n[ps->len++] = 0;
	}
	ps->n[*v] += n;
	return (uint32_t)*v;
}

/* --- candidate pairs -------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The blocks of records under rules[0..n) (nkeys values each). */
static struct cdp_blocker *
blocks(struct prob *p, const struct cdp_block_rule *rules, int n)
{
	struct cdp_blocker *b = cdp_blocker_new(rules, n, p->s->max_block);

	for (size_t k = 0; k < p->nrecs; k++)
		for (int r = 0; r < n; r++) {
			const struct cdp_block_rule *rule = &rules[r];
			struct cdp_cmp_val v[CDP_BLOCK_MAX_KEYS];
			struct cdp_key128 key;

			for (int i = 0; i < rule->nkeys; i++)
				v[i] = val(p, k, rule->keys[i].col);
			if (cdp_block_key(rule, v, &p->tmp, &key))
				cdp_blocker_add(b, r, (uint32_t)k, key);
		}
	cdp_blocker_close(b, p->nrecs);
	return b;
}

static void
add_pair(void *ctx, uint32_t i, uint32_t j)
{
	struct prob *p = ctx;

	if (!comparable(p, i, j))
		return;
	p->cand = grow(p->cand, &p->ccap, p->ncand + 1, sizeof(*p->cand));
	p->cand[p->ncand++] = (uint64_t)i << 32 | j;
}

/* Candidate pairs of every rule into p->cand, sorted, each once, and
 * their patterns. */
static void
candidates(struct prob *p)
{
	struct cdp_blocker *b = blocks(p, p->s->block.r, p->s->block.n);

	cdp_blocker_pairs(b, add_pair, p);
	cdp_blocker_warn(b);
	p->skipped = cdp_blocker_oversized(b);
	cdp_blocker_free(b);
	if (p->ncand > 0)
		qsort(p->cand, p->ncand, sizeof(*p->cand), cmp_u64);
	p->cpat = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->cpat));
	for (size_t t = 0; t < p->ncand; t++)
		p->cpat[t] = patset_add(&p->pats, pattern(p, (size_t)(p->cand[t]
		    >> 32), (size_t)(p->cand[t] & 0xffffffffu)), 1);
}

/* --- u: random pairs ---------------------------------------------------- */

/* The levels of records i and j counted into cnt. */
static void
count_levels(struct prob *p, size_t i, size_t j,
    double cnt[][PROB_MAX_LEVELS + 1])
{
	if (i == j || (p->src != NULL && p->src[i] == p->src[j]))
		return;
	p->drawn++;
	for (int c = 0; c < p->s->ncmps; c++)
		cnt[c][level(p, c, i, j)]++;
}

/*
 * u from pairs drawn at random (fixed by --seed), or from every pair
 * when there are no more than RANDOM_PAIRS: nearly all of them are not
 * matches, and unlike blocked pairs they do not agree more often on the
 * blocked fields, so u is fitted once here and held fixed.  A level no
 * pair reached counts one pair (Laplace), so it never weighs infinitely.
 */
static void
estimate_u(struct prob *p)
{
	double cnt[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
	double n = (double)p->nrecs;
	uint64_t st = p->s->seed;
	size_t tries = 0;

	if (n * (n - 1) / 2 <= RANDOM_PAIRS) {
		for (size_t i = 0; i < p->nrecs; i++)
			for (size_t j = i + 1; j < p->nrecs; j++)
				count_levels(p, i, j, cnt);
	} else {
		while (p->drawn < RANDOM_PAIRS && tries++ < 4 *
		    (size_t)RANDOM_PAIRS)
			count_levels(p, cdp_rand_below(&st, p->nrecs),
			    cdp_rand_below(&st, p->nrecs), cnt);
	}
	for (int c = 0; c < p->s->ncmps; c++) {
		struct cmp *cp = &p->s->cmps[c];
		double tot = 0;

		for (int l = 1; l <= cp->cmp.nlev; l++)
			tot += cnt[c][l];
		for (int l = 1; l <= cp->cmp.nlev; l++)
			cp->u[l] = (cnt[c][l] + 1) / (tot + cp->cmp.nlev);
	}
}

/* --- m: EM on the pairs of each training rule ---------------------------- */

/* m before the fit: agreement likely for a match, "else" rare. */
static void
start_m(const struct cmp *cp, double *m)
{
	int mid = cp->cmp.nlev - 2;

	m[1] = mid > 0 ? 0.75 : 0.95;
	for (int l = 2; l < cp->cmp.nlev; l++)
		m[l] = 0.2 / mid;
	m[cp->cmp.nlev] = 0.05;
}

/* Whether comparison c reads a field that rule r keys on: all its
 * training pairs agree there, so it says nothing about m. */
static bool
blocked_on(const struct cmp *cp, const struct cdp_block_rule *r)
{
	for (int i = 0; i < r->nkeys; i++)
		for (int k = 0; k < cp->cmp.ncols; k++)
			if (r->keys[i].col == cp->col[k])
				return true;
	return false;
}

/* log of the Bayes factor of pattern pat over the comparisons used. */
static double
log_bf(const struct prob *p, uint64_t pat, const bool *use,
    double m[][PROB_MAX_LEVELS + 1])
{
	double w = 0;

	for (int c = 0; c < p->s->ncmps; c++) {
		int l = level_at(pat, c);

		if (use[c] && l > 0)
			w += log(m[c][l]) - log(p->s->cmps[c].u[l]);
	}
	return w;
}

struct fit {
	double	m[PROB_MAX_CMP][PROB_MAX_LEVELS + 1];
	bool	use[PROB_MAX_CMP];
	double	lambda;
	int	iterations;
	bool	converged;
};

/* One M step from the E step's sums; returns the largest change. */
static double
m_step(const struct prob *p, struct fit *f, double sm[][PROB_MAX_LEVELS + 1])
{
	double delta = 0;

	for (int c = 0; c < p->s->ncmps; c++) {
		int nlev = p->s->cmps[c].cmp.nlev;
		double am = 0;

		if (!f->use[c])
			continue;
		for (int l = 1; l <= nlev; l++)
			am += sm[c][l];
		for (int l = 1; l <= nlev; l++) {
			double m = (sm[c][l] + FLOOR) / (am + FLOOR * nlev);

			delta = fmax(delta, fabs(m - f->m[c][l]));
			f->m[c][l] = m;
		}
	}
	return delta;
}

/*
 * Expectation-maximisation of m and the share of matches over the
 * patterns of ps, u held fixed: the E step gives each pattern its
 * probability of being a match, the M step the shares of the levels among
 * matches.  FLOOR pairs in every level keep one that no match reached
 * from weighing minus infinity.
 */
static void
em(const struct prob *p, const struct patset *ps, struct fit *f)
{
	f->lambda = 0.01;
	for (f->iterations = 1; f->iterations <= p->s->max_iter;
	    f->iterations++) {
		double sm[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
		double tm = 0, tot = 0, delta, nl;

		for (size_t q = 0; q < ps->len; q++) {
			double lo = log(f->lambda / (1 - f->lambda)) +
			    log_bf(p, ps->pat[q], f->use, f->m);
			double w = 1 / (1 + exp(-lo)) * ps->n[q];

			tm += w;
			tot += ps->n[q];
			for (int c = 0; c < p->s->ncmps; c++)
				sm[c][level_at(ps->pat[q], c)] += w;
		}
		delta = m_step(p, f, sm);
		nl = fmin(fmax(tot > 0 ? tm / tot : f->lambda, 1e-9),
		    1 - 1e-9);
		delta = fmax(delta, fabs(nl - f->lambda));
		f->lambda = nl;
		if (delta < EM_TOL) {
			f->converged = true;
			return;
		}
	}
	f->iterations = (int)p->s->max_iter;
}

struct collect {
	struct prob	*p;
	struct patset	*ps;
	size_t		 n;
};

static void
session_pair(void *ctx, uint32_t i, uint32_t j)
{
	struct collect *c = ctx;

	if (!comparable(c->p, i, j))
		return;
	patset_add(c->ps, pattern(c->p, i, j), 1);
	c->n++;
}

/* The fit on the pairs of training rule r, added to the sums of m. */
static void
session(struct prob *p, int r, double sum[][PROB_MAX_LEVELS + 1],
    double *wsum)
{
	const struct cdp_block_rule *rule = &p->s->train.r[r];
	struct cdp_blocker *b = blocks(p, rule, 1);
	struct patset ps = { 0 };
	struct collect col = { p, &ps, 0 };
	struct session *ss = &p->sess[p->nsess++];
	struct fit f = { .lambda = 0 };
	double matches;

	cdp_blocker_pairs(b, session_pair, &col);
	cdp_blocker_free(b);
	for (int c = 0; c < p->s->ncmps; c++) {
		f.use[c] = !blocked_on(&p->s->cmps[c], rule);
		start_m(&p->s->cmps[c], f.m[c]);
	}
	*ss = (struct session){ .rule = r, .pairs = col.n };
	if (col.n > 0)
		em(p, &ps, &f);
	else
		f.converged = true;
	matches = f.lambda * (double)col.n;
	ss->matches = matches;
	ss->iterations = f.iterations;
	ss->converged = f.converged;
	/* Rules are weighed by the matches they found. */
	for (int c = 0; c < p->s->ncmps && matches > 0; c++)
		if (f.use[c]) {
			for (int l = 1; l <= p->s->cmps[c].cmp.nlev; l++)
				sum[c][l] += matches * f.m[c][l];
			wsum[c] += matches;
		}
	patset_free(&ps);
}

static void
estimate_m(struct prob *p)
{
	double sum[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
	double wsum[PROB_MAX_CMP] = { 0 };

	for (int r = 0; r < p->s->train.n; r++)
		session(p, r, sum, wsum);
	for (int c = 0; c < p->s->ncmps; c++) {
		struct cmp *cp = &p->s->cmps[c];

		if (wsum[c] <= 0)
			cdp_die(EX_DATAERR, NULL, 0, "comparison \"%s\": no "
			    "training pairs to fit m on (every --train-block "
			    "rule keys on its fields or finds no match)",
			    cp->name);
		for (int l = 1; l <= cp->cmp.nlev; l++)
			cp->m[l] = sum[c][l] / wsum[c];
	}
}

/* --- the prior ------------------------------------------------------------ */

struct counter {
	struct prob	*p;
	double		 n;
};

static void
count_pair(void *ctx, uint32_t i, uint32_t j)
{
	struct counter *c = ctx;

	c->n += comparable(c->p, i, j);
}

/* Pairs of records that may be compared (all, or across sources). */
static double
all_pairs(const struct prob *p)
{
	double n = (double)p->nrecs, same = 0;
	double *per;

	if (p->src == NULL)
		return n * (n - 1) / 2;
	per = cdp_xcalloc(p->nsrcs, sizeof(*per));
	for (size_t k = 0; k < p->nrecs; k++)
		per[p->src[k]]++;
	for (uint32_t s = 0; s < p->nsrcs; s++)
		same += per[s] * (per[s] - 1) / 2;
	free(per);
	return n * (n - 1) / 2 - same;
}

/*
 * The prior: the probability that two records drawn at random match.
 * With --prior-rule, the pairs agreeing on a deterministic rule (divided
 * by --prior-recall); else the matches EM expects among the candidate
 * pairs, m and u held.  Either way over all the pairs that may be
 * compared, since u is of random pairs too.
 */
static void
estimate_prior(struct prob *p)
{
	double total = all_pairs(p), matches;

	if (p->s->prior_rules.n > 0) {
		struct cdp_blocker *b = blocks(p, p->s->prior_rules.r,
		    p->s->prior_rules.n);
		struct counter c = { p, 0 };

		cdp_blocker_pairs(b, count_pair, &c);
		cdp_blocker_warn(b);
		cdp_blocker_free(b);
		matches = c.n / p->s->prior_recall;
		p->prior_from = "rules";
	} else {
		struct fit f = { .lambda = 0 };

		for (int c = 0; c < p->s->ncmps; c++) {
			f.use[c] = true;
			memcpy(f.m[c], p->s->cmps[c].m, sizeof(f.m[c]));
		}
		/* m fixed: only the share of matches moves. */
		f.lambda = 0.01;
		for (int it = 0; it < p->s->max_iter; it++) {
			double tm = 0, nl;

			for (size_t q = 0; q < p->pats.len; q++)
				tm += p->pats.n[q] / (1 + exp(-(log(f.lambda /
				    (1 - f.lambda)) + log_bf(p,
				    p->pats.pat[q], f.use, f.m))));
			nl = fmin(fmax(p->ncand ? tm / (double)p->ncand :
			    f.lambda, 1e-12), 1 - 1e-9);
			if (fabs(nl - f.lambda) < EM_TOL * f.lambda) {
				f.lambda = nl;
				break;
			}
			f.lambda = nl;
		}
		matches = f.lambda * (double)p->ncand;
		p->prior_from = "candidates";
	}
	p->prior_pairs = matches;
	p->s->prior = total > 0 ? matches / total : 0.5;
	p->s->prior = fmin(fmax(p->s->prior, 1e-12), 0.5);
}

/* --- checks ------------------------------------------------------------- */

static bool
on_some_record(const struct prob *p, int f)
{
	for (size_t k = 0; k < p->nrecs; k++)
		if (val(p, k, f).n > 0)
			return true;
	return p->nrecs == 0;
}

/*
 * A compared field on no record at all is surely a misspelt name: stop.
 * A blocking rule with such a field gives no pairs: say so.
 */
static void
check_present(struct prob *p)
{
	for (int c = 0; c < p->s->ncmps; c++)
		for (int k = 0; k < p->s->cmps[c].cmp.ncols; k++) {
			int f = p->s->cmps[c].col[k];

			if (!on_some_record(p, f)) {
				cdp_fieldseen_hint(&p->seen, p->s->fields[f],
				    &p->tmp);
				cdp_die(EX_USAGE, NULL, 0, "--compare: field "
				    "\"%s\" is on no record%s",
				    p->s->fields[f], p->tmp.p);
			}
		}
	for (int r = 0; r < p->s->block.n; r++)
		for (int i = 0; i < p->s->block.r[r].nkeys; i++) {
			int f = p->s->block.r[r].keys[i].col;

			if (on_some_record(p, f))
				continue;
			cdp_fieldseen_hint(&p->seen, p->s->fields[f], &p->tmp);
			cdp_warn(NULL, 0, "--block %s: field \"%s\" is on no "
			    "record%s: the rule gives no pairs",
			    p->s->block.r[r].text, p->s->fields[f], p->tmp.p);
		}
}

static double
weight_of(const struct cmp *cp, int l)
{
	return l == 0 ? 0 : log2(cp->m[l] / cp->u[l]);
}

/*
 * Whether level l of cp is reached by enough of the matches the fit
 * expects to have a weight that means something: a level no match
 * reaches (dates with one digit off, in data where no one mistypes a
 * digit) has only the floor of m, and its order against the others is
 * noise, not an inversion.  A model read from --settings is checked
 * whole.
 */
static bool
supported(const struct prob *p, const struct cmp *cp, int l)
{
	return p->prior_pairs <= 0 || cp->m[l] * p->prior_pairs >=
	    MIN_SUPPORT;
}

/* Levels a and b (a closer) of cp in the wrong order: 65, or a warning
 * with --allow-nonmonotone. */
static void
inverted(const struct prob *p, const struct cmp *cp, int a, int b)
{
	struct cdp_buf na = { 0 }, nb = { 0 };

	cdp_cmp_level_name(&cp->cmp, a, &na);
	cdp_cmp_level_name(&cp->cmp, b, &nb);
	if (!p->s->allow_nonmonotone)
		cdp_die(EX_DATAERR, NULL, 0, "comparison \"%s\": level %s "
		    "outweighs the closer %s (%.2f > %.2f bits); "
		    "--allow-nonmonotone uses the model as it is", cp->name,
		    nb.p, na.p, weight_of(cp, b), weight_of(cp, a));
	cdp_warn(NULL, 0, "comparison \"%s\": level %s outweighs the closer "
	    "%s (%.2f > %.2f bits): used as it is", cp->name, nb.p, na.p,
	    weight_of(cp, b), weight_of(cp, a));
	cdp_buf_free(&na);
	cdp_buf_free(&nb);
}

/*
 * A level that weighs more than a closer level of its comparison is a
 * model turned upside down (blocking on a dominant value can do it to
 * EM): refuse it unless --allow-nonmonotone.
 */
static void
check_monotone(const struct prob *p)
{
	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];

		for (int a = 1; a <= cp->cmp.nlev; a++)
			for (int b = a + 1; b <= cp->cmp.nlev; b++)
				if (cdp_cmp_closer(&cp->cmp, a, b) &&
				    weight_of(cp, b) > weight_of(cp, a) +
				    1e-9 && supported(p, cp, a) &&
				    supported(p, cp, b))
					inverted(p, cp, a, b);
	}
}

static void
check_converged(const struct prob *p)
{
	for (int i = 0; i < p->nsess; i++) {
		if (p->sess[i].converged)
			continue;
		if (!p->s->allow_nonconverged)
			cdp_die(EX_DATAERR, NULL, 0, "the fit did not converge "
			    "in %ld iterations (--max-iter); "
			    "--allow-nonconverged takes the parameters as they "
			    "are", p->s->max_iter);
		cdp_warn(NULL, 0, "the fit did not converge in %ld "
		    "iterations: parameters used as they are",
		    p->s->max_iter);
		return;
	}
}

/* --- term frequencies ---------------------------------------------------- */

/* Per --tf comparison, how many records have each value. */
static void
count_terms(struct prob *p)
{
	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];

		if (!cp->tf)
			continue;
		if ((p->tf[c] = cdp_keymap_new()) == NULL)
			cdp_oom(0);
		for (size_t k = 0; k < p->nrecs; k++) {
			struct cdp_cmp_val v = val(p, k, cp->col[0]);
			uint64_t *n;
			int added;

			if (v.n == 0)
				continue;
			if ((n = cdp_keymap_put(p->tf[c], cdp_key128_of(v.s,
			    v.n), 0, &added)) == NULL)
				cdp_oom(0);
			(*n)++;
			p->tfn[c]++;
		}
	}
}

/*
 * The term-frequency adjustment (bits) of comparison c for records i and
 * j at exact: u of the exact level is the share of random pairs that
 * agree on any value, u of this value is the share of records with it;
 * "Davies" is common, "Zelenko" rare, and the weight says so.
 */
static double
tf_bits(const struct prob *p, int c, size_t i)
{
	const struct cmp *cp = &p->s->cmps[c];
	struct cdp_cmp_val v = val(p, i, cp->col[0]);
	uint64_t *n = cdp_keymap_get(p->tf[c], cdp_key128_of(v.s, v.n));
	double u = n != NULL ? (double)*n / p->tfn[c] : 1 / p->tfn[c];

	return log2(cp->u[1] / u);
}

/* --- scores ------------------------------------------------------------ */

static double
probability(double w)
{
	return 1 / (1 + exp2(-w));
}

double
prob_prior_weight(const struct prob *p)
{
	return log2(p->s->prior / (1 - p->s->prior));
}

/* The weight of candidate t: its pattern's, tf adjustments in. */
static double
pair_weight(const struct prob *p, size_t t)
{
	uint64_t pat = p->pats.pat[p->cpat[t]];
	double w = p->pw[p->cpat[t]];

	for (int c = 0; c < p->s->ncmps; c++)
		if (p->tf[c] != NULL && level_at(pat, c) == 1)
			w += tf_bits(p, c, (size_t)(p->cand[t] >> 32));
	return w;
}

/* An accepted pair in the order of --one-to-one. */
struct ranked {
	double		w;
	uint64_t	pair;
	size_t		t;	/* its place in p->match */
};

/* Heaviest first; ties in (i, j) order. */
static int
by_weight(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return (x->pair > y->pair) - (x->pair < y->pair);
}

/* The key of "record i has a link to source src". */
static struct cdp_key128
link_key(uint32_t i, uint32_t src)
{
	uint64_t k[2] = { i, src };

	return cdp_key128_of(k, sizeof(k));
}

/*
 * --one-to-one: each record keeps at most one link to each other source,
 * the heaviest first; the others are dropped.  The kept pairs stay in
 * (i, j) order.
 */
static void
one_to_one(struct prob *p)
{
	struct cdp_keymap *m = cdp_keymap_new();
	struct ranked *r = cdp_xreallocarray(NULL, p->nmatch, sizeof(*r));
	bool *keep = cdp_xcalloc(p->nmatch, sizeof(*keep));
	size_t n = 0;

	if (m == NULL)
		cdp_oom(0);
	for (size_t t = 0; t < p->nmatch; t++)
		r[t] = (struct ranked){ p->mw[t], p->match[t], t };
	if (p->nmatch > 0)
		qsort(r, p->nmatch, sizeof(*r), by_weight);
	for (size_t q = 0; q < p->nmatch; q++) {
		uint32_t i = (uint32_t)(r[q].pair >> 32);
		uint32_t j = (uint32_t)(r[q].pair & 0xffffffffu);
		struct cdp_key128 a = link_key(i, p->src[j]);
		struct cdp_key128 b = link_key(j, p->src[i]);
		int added;

		if (cdp_keymap_get(m, a) != NULL || cdp_keymap_get(m, b) != NULL)
			continue;
		if (cdp_keymap_put(m, a, 0, &added) == NULL ||
		    cdp_keymap_put(m, b, 0, &added) == NULL)
			cdp_oom(0);
		keep[r[q].t] = true;
	}
	for (size_t t = 0; t < p->nmatch; t++)
		if (keep[t]) {
			p->match[n] = p->match[t];
			p->mw[n++] = p->mw[t];
		}
	p->nmatch = n;
	cdp_keymap_free(m);
	free(r);
	free(keep);
}

/* Each pattern's weight, and the term frequencies: once, before any
 * pair is accepted. */
static void
weigh(struct prob *p)
{
	p->pw = cdp_xreallocarray(NULL, p->pats.len, sizeof(*p->pw));
	for (size_t q = 0; q < p->pats.len; q++) {
		double w = prob_prior_weight(p);

		for (int c = 0; c < p->s->ncmps; c++)
			w += weight_of(&p->s->cmps[c], level_at(p->pats.pat[q],
			    c));
		p->pw[q] = w;
	}
	count_terms(p);
	p->match = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->match));
	p->mw = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->mw));
}

void
prob_accept(struct prob *p, double threshold, const uint64_t **pairs,
    const double **weights, size_t *npairs)
{
	p->nmatch = 0;
	for (size_t t = 0; t < p->ncand; t++) {
		double w = pair_weight(p, t);

		if (probability(w) >= threshold) {
			p->match[p->nmatch] = p->cand[t];
			p->mw[p->nmatch++] = w;
		}
	}
	if (p->s->one_to_one)
		one_to_one(p);
	*pairs = p->match;
	*weights = p->mw;
	*npairs = p->nmatch;
}

void
prob_link(struct prob *p, const uint64_t **pairs, const double **weights,
    size_t *npairs)
{
	check_present(p);
	candidates(p);
	if (p->s->prior < 0 && p->nrecs < 2) {
		/* Nothing to link and nothing to fit: the first guesses. */
		for (int c = 0; c < p->s->ncmps; c++)
			start_m(&p->s->cmps[c], p->s->cmps[c].m);
		estimate_u(p);
		p->s->prior = 0.5;
		p->prior_from = "none";
	} else if (p->s->prior < 0) {
		estimate_u(p);
		estimate_m(p);
		check_converged(p);
		estimate_prior(p);
		check_monotone(p);
	} else {
		check_monotone(p);
	}
	*pairs = NULL;
	*weights = NULL;
	*npairs = 0;
	if (p->s->train_only)
		return;
	weigh(p);
	prob_accept(p, p->s->threshold, pairs, weights, npairs);
}

/* --- output -------------------------------------------------------------- */

const struct prob_spec *
prob_model(const struct prob *p)
{
	return p->s;
}

size_t
prob_npairs(const struct prob *p)
{
	return p->ncand;
}

void
prob_pair_at(const struct prob *p, size_t t, struct prob_pair *out)
{
	uint64_t pat = p->pats.pat[p->cpat[t]];

	out->i = (uint32_t)(p->cand[t] >> 32);
	out->j = (uint32_t)(p->cand[t] & 0xffffffffu);
	out->weight = prob_prior_weight(p);
	for (int c = 0; c < p->s->ncmps; c++) {
		out->level[c] = level_at(pat, c);
		out->tf[c] = p->tf[c] != NULL && out->level[c] == 1 ?
		    tf_bits(p, c, out->i) : 0;
		out->cweight[c] = weight_of(&p->s->cmps[c], out->level[c]) +
		    out->tf[c];
		out->weight += out->cweight[c];
	}
	out->probability = probability(out->weight);
}

double
prob_level_weight(const struct prob *p, int c, int l)
{
	return weight_of(&p->s->cmps[c], l);
}

static void
addf(struct cdp_buf *b, const char *fmt, double v)
{
	buf_oom(cdp_buf_addf(b, fmt, v));
}

static void
adds(struct cdp_buf *b, const char *s)
{
	buf_oom(cdp_buf_adds(b, s));
}

static void
quote(struct cdp_buf *b, const char *s)
{
	buf_oom(cdp_json_quote(b, s, strlen(s)));
}

static void
rules_json(const struct rules *r, struct cdp_buf *b)
{
	adds(b, "[");
	for (int i = 0; i < r->n; i++) {
		if (i > 0)
			adds(b, ",");
		quote(b, r->r[i].text);
	}
	adds(b, "]");
}

static void
compare_json(const struct cmp *cp, struct cdp_buf *b)
{
	adds(b, "{\"field\":");
	quote(b, cp->name);
	adds(b, ",\"method\":");
	quote(b, cp->method);
	if (cp->tf)
		adds(b, ",\"tf\":true");
	adds(b, ",\"levels\":[");
	for (int l = 1; l <= cp->cmp.nlev; l++) {
		adds(b, l > 1 ? ",{\"level\":\"" : "{\"level\":\"");
		cdp_cmp_level_name(&cp->cmp, l, b);
		addf(b, "\",\"m\":%.6g", cp->m[l]);
		addf(b, ",\"u\":%.6g", cp->u[l]);
		addf(b, ",\"bayes_factor\":%.6g", cp->m[l] / cp->u[l]);
		addf(b, ",\"weight\":%.4f}", weight_of(cp, l));
	}
	adds(b, "]}");
}

/* How the fit went: the random pairs, each training rule's EM. */
static void
fit_json(const struct prob *p, struct cdp_buf *b)
{
	int iterations = 0;
	bool converged = true;

	buf_oom(cdp_buf_addf(b, ",\"prior_from\":\"%s\",\"prior_matches\":"
	    "%.6g,\"random_pairs\":%zu,\"sessions\":[", p->prior_from,
	    p->prior_pairs, p->drawn));
	for (int i = 0; i < p->nsess; i++) {
		const struct session *ss = &p->sess[i];

		adds(b, i > 0 ? ",{\"block\":" : "{\"block\":");
		quote(b, p->s->train.r[ss->rule].text);
		buf_oom(cdp_buf_addf(b, ",\"pairs\":%zu,\"matches\":%.6g,"
		    "\"iterations\":%d,\"converged\":%s}", ss->pairs,
		    ss->matches, ss->iterations, ss->converged ? "true" :
		    "false"));
		iterations = ss->iterations > iterations ? ss->iterations :
		    iterations;
		converged = converged && ss->converged;
	}
	buf_oom(cdp_buf_addf(b, "],\"iterations\":%d,\"converged\":%s",
	    iterations, converged ? "true" : "false"));
}

void
prob_settings_json(const struct prob *p, struct cdp_buf *b)
{
	const struct prob_spec *s = p->s;

	adds(b, "{\"blocks\":");
	rules_json(&s->block, b);
	adds(b, ",\"compare\":[");
	for (int c = 0; c < s->ncmps; c++) {
		if (c > 0)
			adds(b, ",");
		compare_json(&s->cmps[c], b);
	}
	addf(b, "],\"prior\":%.6g", s->prior);
	addf(b, ",\"threshold\":%g", s->threshold);
	buf_oom(cdp_buf_addf(b, ",\"pairs\":%zu,\"patterns\":%zu", p->ncand,
	    p->pats.len));
	if (p->prior_from != NULL) {
		adds(b, ",\"train_blocks\":");
		rules_json(&s->train, b);
		fit_json(p, b);
	}
	adds(b, "}\n");
}

unsigned long long
prob_skipped_blocks(const struct prob *p)
{
	return p->skipped;
}
