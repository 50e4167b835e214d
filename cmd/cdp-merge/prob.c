/*
 * prob.c - cdp-merge --probabilistic, the linker: the values kept per
 * record, candidate pairs from the blocker, their levels, the EM fit of
 * m, u and the prior, and the scores of the pairs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "compare.h"
#include "diag.h"
#include "norm.h"
#include "prob.h"
#include "xalloc.h"

#define RANDOM_PAIRS	1000000	/* pairs drawn to start u */
#define EM_TOL		1e-6	/* largest parameter change at convergence */
#define FLOOR		0.5	/* pairs added to every level (see fit()) */

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
	struct cdp_buf		 tmp;	/* scratch */
	struct cdp_cmp_scratch	 cs;
	/* after prob_link() */
	uint64_t		*cand;	/* candidate pairs, sorted */
	size_t			 ncand, ccap;
	uint64_t		*cpat;	/* each candidate's pattern */
	uint64_t		*pats;	/* distinct level patterns, sorted */
	double			*pcount;	/* pairs of each pattern */
	double			*pw;	/* weight of each pattern */
	size_t			 npats;
	uint64_t		*match;	/* accepted pairs */
	size_t			 nmatch;
	unsigned long long	 skipped;	/* blocks over --max-block */
	int			 iterations;
	bool			 converged;
};

struct prob *
prob_new(const struct prob_spec *s)
{
	struct prob *p = cdp_xcalloc(1, sizeof(*p));

	/* The strings stay the options': only numbers change here. */
	p->spec = *s;
	p->s = &p->spec;
	p->nf = s->nfields;
	return p;
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
	free(p->voff);
	free(p->roff);
	free(p->cand);
	free(p->cpat);
	free(p->pats);
	free(p->pcount);
	free(p->pw);
	free(p->match);
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

int
prob_add(struct prob *p, struct cdp_rec *rec, const char **why)
{
	size_t k = p->nrecs, base = k * (size_t)p->nf;

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

/* Value f of record k (n == 0 when missing). */
static struct cdp_cmp_val
val(const struct prob *p, size_t k, int f)
{
	size_t i = k * (size_t)p->nf + (size_t)f;
	struct cdp_cmp_val v = { p->vals.p, p->voff[i + 1] - p->voff[i] };

	v.s = v.n > 0 ? p->vals.p + p->voff[i] : "";
	return v;
}

const char *
prob_ref(const struct prob *p, size_t k, size_t *n)
{
	*n = p->roff[k + 1] - p->roff[k];
	return p->refs.p + p->roff[k];
}

/* --- candidate pairs -------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
add_pair(void *ctx, uint32_t i, uint32_t j)
{
	struct prob *p = ctx;

	p->cand = grow(p->cand, &p->ccap, p->ncand + 1, sizeof(*p->cand));
	p->cand[p->ncand++] = (uint64_t)i << 32 | j;
}

/* Candidate pairs of every rule into p->cand, sorted, each once. */
static void
candidates(struct prob *p)
{
	const struct prob_spec *s = p->s;
	struct cdp_blocker *b = cdp_blocker_new(s->rules, s->nrules,
	    s->max_block);

	for (size_t k = 0; k < p->nrecs; k++)
		for (int r = 0; r < s->nrules; r++) {
			const struct cdp_block_rule *rule = &s->rules[r];
			struct cdp_cmp_val v[CDP_BLOCK_MAX_KEYS];
			struct cdp_key128 key;

			for (int i = 0; i < rule->nkeys; i++)
				v[i] = val(p, k, rule->keys[i].col);
			if (cdp_block_key(rule, v, &p->tmp, &key))
				cdp_blocker_add(b, r, (uint32_t)k, key);
		}
	cdp_blocker_close(b, p->nrecs);
	cdp_blocker_pairs(b, add_pair, p);
	cdp_blocker_warn(b);
	p->skipped = cdp_blocker_oversized(b);
	cdp_blocker_free(b);
	if (p->ncand > 0)
		qsort(p->cand, p->ncand, sizeof(*p->cand), cmp_u64);
}

/* --- comparisons --------------------------------------------------------- */

/* The levels of records i and j, 3 bits a comparison. */
static uint64_t
pattern(struct prob *p, size_t i, size_t j)
{
	uint64_t pat = 0;

	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];
		uint64_t l = (uint64_t)cdp_cmp_level(&cp->cmp,
		    val(p, i, cp->field), val(p, j, cp->field), &p->cs);

		pat |= l << (3 * c);
	}
	return pat;
}

static int
level_at(uint64_t pat, int c)
{
	return (int)(pat >> (3 * c) & 7);
}

/* --- the fit ------------------------------------------------------------ */

static uint64_t
splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * u from pairs drawn at random (nearly all of them are not matches): the
 * share of each level among the pairs where neither value is null.
 */
static void
start_u(struct prob *p)
{
	double cnt[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
	uint64_t st = p->s->seed;
	size_t draws = RANDOM_PAIRS;

	if (p->nrecs < 2)
		draws = 0;
	for (size_t t = 0; t < draws; t++) {
		size_t i = splitmix(&st) % p->nrecs, j = splitmix(&st) %
		    p->nrecs;
		uint64_t pat;

		if (i == j)
			continue;
		pat = pattern(p, i, j);
		for (int c = 0; c < p->s->ncmps; c++)
			cnt[c][level_at(pat, c)]++;
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

/* m before the fit: agreement likely for a match, "else" rare. */
static void
start_m(struct prob *p)
{
	for (int c = 0; c < p->s->ncmps; c++) {
		struct cmp *cp = &p->s->cmps[c];
		int mid = cp->cmp.nlev - 2;

		cp->m[1] = mid > 0 ? 0.75 : 0.95;
		for (int l = 2; l < cp->cmp.nlev; l++)
			cp->m[l] = 0.2 / mid;
		cp->m[cp->cmp.nlev] = 0.05;
	}
}

/* The place of pat in the sorted distinct patterns pats[0..n). */
static size_t
pattern_index_of(const uint64_t *pats, size_t n, uint64_t pat)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pats[mid] <= pat)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Each candidate's pattern into p->cpat, and the distinct patterns into
 * p->pats with their counts. */
static void
count_patterns(struct prob *p)
{
	size_t n = 0;

	p->cpat = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->cpat));
	p->pats = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->pats));
	for (size_t t = 0; t < p->ncand; t++)
		p->pats[t] = p->cpat[t] = pattern(p, (size_t)(p->cand[t] >>
		    32), (size_t)(p->cand[t] & 0xffffffffu));
	qsort(p->pats, p->ncand, sizeof(*p->pats), cmp_u64);
	for (size_t t = 0; t < p->ncand; t++)
		if (n == 0 || p->pats[n - 1] != p->pats[t])
			p->pats[n++] = p->pats[t];
	p->pcount = cdp_xcalloc(n, sizeof(*p->pcount));
	for (size_t t = 0; t < p->ncand; t++)
		p->pcount[pattern_index_of(p->pats, n, p->cpat[t])]++;
	p->npats = n;
}

/* log(m / u) summed over the levels of pattern pat (null adds 0). */
static double
log_bf(const struct prob *p, uint64_t pat)
{
	double w = 0;

	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];
		int l = level_at(pat, c);

		if (l > 0)
			w += log(cp->m[l]) - log(cp->u[l]);
	}
	return w;
}

/*
 * Expectation-maximisation over the distinct patterns: the E step gives
 * each pattern its probability of being a match, the M step the shares of
 * the levels among matches (m) and non-matches (u) and the prior.
 * u is refitted rather than kept from the random pairs: blocking makes
 * the candidate non-matches agree more often than random pairs on the
 * blocked fields (surname under soundex(surname)), and u must describe
 * the pairs that are scored.  FLOOR pairs added to every level keep a
 * level that no pair of one class reached from weighing infinitely.
 */
static void
fit(struct prob *p)
{
	int nc = p->s->ncmps;
	double lambda = 0.01;

	for (p->iterations = 1; p->iterations <= p->s->max_iter;
	    p->iterations++) {
		double sm[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
		double su[PROB_MAX_CMP][PROB_MAX_LEVELS + 1] = { { 0 } };
		double tm = 0, tot = 0, delta = 0, nl;

		for (size_t q = 0; q < p->npats; q++) {
			double lo = log(lambda / (1 - lambda)) +
			    log_bf(p, p->pats[q]);
			double w = 1 / (1 + exp(-lo)), n = p->pcount[q];

			tm += w * n;
			tot += n;
			for (int c = 0; c < nc; c++) {
				int l = level_at(p->pats[q], c);

				sm[c][l] += w * n;
				su[c][l] += (1 - w) * n;
			}
		}
		for (int c = 0; c < nc; c++) {
			struct cmp *cp = &p->s->cmps[c];
			double am = 0, au = 0;

			for (int l = 1; l <= cp->cmp.nlev; l++) {
				am += sm[c][l];
				au += su[c][l];
			}
			for (int l = 1; l <= cp->cmp.nlev && am > 0 && au > 0;
			    l++) {
				double m = (sm[c][l] + FLOOR) / (am + FLOOR *
				    cp->cmp.nlev);
				double u = (su[c][l] + FLOOR) / (au + FLOOR *
				    cp->cmp.nlev);

				delta = fmax(delta, fabs(m - cp->m[l]));
				delta = fmax(delta, fabs(u - cp->u[l]));
				cp->m[l] = m;
				cp->u[l] = u;
			}
		}
		nl = tot > 0 ? tm / tot : lambda;
		nl = fmin(fmax(nl, 1e-9), 1 - 1e-9);
		delta = fmax(delta, fabs(nl - lambda));
		lambda = nl;
		if (delta < EM_TOL) {
			p->converged = true;
			break;
		}
	}
	if (p->iterations > p->s->max_iter)
		p->iterations = (int)p->s->max_iter;
	p->s->prior = lambda;
}

/* --- scores and output --------------------------------------------- */

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
quote(struct cdp_buf *b, const char *s, size_t n)
{
	buf_oom(cdp_json_quote(b, s, n));
}

void
prob_settings_json(const struct prob *p, struct cdp_buf *b)
{
	const struct prob_spec *s = p->s;

	adds(b, "{\"blocks\":[");
	for (int r = 0; r < s->nrules; r++) {
		if (r > 0)
			adds(b, ",");
		quote(b, s->rules[r].text, strlen(s->rules[r].text));
	}
	adds(b, "],\"compare\":[");
	for (int c = 0; c < s->ncmps; c++) {
		const struct cmp *cp = &s->cmps[c];
		const char *f = s->fields[cp->field];

		adds(b, c > 0 ? ",{\"field\":" : "{\"field\":");
		quote(b, f, strlen(f));
		adds(b, ",\"method\":");
		quote(b, cp->method, strlen(cp->method));
		adds(b, ",\"levels\":[");
		for (int l = 1; l <= cp->cmp.nlev; l++) {
			adds(b, l > 1 ? ",{\"level\":\"" : "{\"level\":\"");
			cdp_cmp_level_name(&cp->cmp, l, b);
			addf(b, "\",\"m\":%.6g", cp->m[l]);
			addf(b, ",\"u\":%.6g", cp->u[l]);
			addf(b, ",\"bayes_factor\":%.6g", cp->m[l] / cp->u[l]);
			addf(b, ",\"weight\":%.4f}", log2(cp->m[l] / cp->u[l]));
		}
		adds(b, "]}");
	}
	addf(b, "],\"prior\":%.6g", s->prior);
	addf(b, ",\"threshold\":%g", s->threshold);
	buf_oom(cdp_buf_addf(b, ",\"pairs\":%zu,\"patterns\":%zu", p->ncand,
	    p->npats));
	if (p->iterations > 0)
		buf_oom(cdp_buf_addf(b, ",\"iterations\":%d,\"converged\":%s",
		    p->iterations, p->converged ? "true" : "false"));
	adds(b, "}\n");
}

/* The match weight (log2 of the posterior odds) of a pattern. */
static double
weight(const struct prob *p, uint64_t pat)
{
	double lambda = p->s->prior;

	return (log(lambda / (1 - lambda)) + log_bf(p, pat)) / log(2);
}

static double
probability(double w)
{
	return 1 / (1 + exp2(-w));
}

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
	uint64_t pat = p->cpat[t];

	out->i = (uint32_t)(p->cand[t] >> 32);
	out->j = (uint32_t)(p->cand[t] & 0xffffffffu);
	out->weight = p->pw[pattern_index_of(p->pats, p->npats, pat)];
	out->probability = probability(out->weight);
	for (int c = 0; c < p->s->ncmps; c++)
		out->level[c] = level_at(pat, c);
}

double
prob_level_weight(const struct prob *p, int c, int l)
{
	const struct cmp *cp = &p->s->cmps[c];

	return l == 0 ? 0 : log2(cp->m[l] / cp->u[l]);
}

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
		if (!on_some_record(p, p->s->cmps[c].field))
			cdp_die(EX_USAGE, NULL, 0, "--compare: field \"%s\" is "
			    "on no record", p->s->fields[p->s->cmps[c].field]);
	for (int r = 0; r < p->s->nrules; r++)
		for (int i = 0; i < p->s->rules[r].nkeys; i++) {
			int f = p->s->rules[r].keys[i].col;

			if (!on_some_record(p, f))
				cdp_warn(NULL, 0, "--block %s: field \"%s\" is "
				    "on no record: the rule gives no pairs",
				    p->s->rules[r].text, p->s->fields[f]);
		}
}

/* Fit m, u and the prior, unless the settings gave them. */
static void
estimate(struct prob *p)
{
	if (p->s->prior >= 0)
		return;
	start_u(p);
	start_m(p);
	fit(p);
	if (!p->converged && !p->s->allow_nonconverged)
		cdp_die(EX_DATAERR, NULL, 0, "the fit did not converge in %ld "
		    "iterations (--max-iter); --allow-nonconverged takes the "
		    "parameters as they are", p->s->max_iter);
	if (!p->converged)
		cdp_warn(NULL, 0, "the fit did not converge in %ld "
		    "iterations: parameters used as they are",
		    p->s->max_iter);
}

void
prob_link(struct prob *p, const uint64_t **pairs, size_t *npairs)
{
	check_present(p);
	candidates(p);
	count_patterns(p);
	estimate(p);
	*pairs = NULL;
	*npairs = 0;
	if (p->s->train_only)
		return;
	p->pw = cdp_xreallocarray(NULL, p->npats, sizeof(*p->pw));
	for (size_t q = 0; q < p->npats; q++)
		p->pw[q] = weight(p, p->pats[q]);
	p->match = cdp_xreallocarray(NULL, p->ncand, sizeof(*p->match));
	for (size_t t = 0; t < p->ncand; t++)
		if (probability(p->pw[pattern_index_of(p->pats, p->npats,
		    p->cpat[t])]) >= p->s->threshold)
			p->match[p->nmatch++] = p->cand[t];
	*pairs = p->match;
	*npairs = p->nmatch;
}

unsigned long long
prob_skipped_blocks(const struct prob *p)
{
	return p->skipped;
}
