/*
 * prob.c - cdp-merge --probabilistic: the values kept per record,
 * candidate pairs from the blocking rules, comparison levels, the EM fit
 * of m, u and the prior, and the scores of the pairs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "keymap.h"
#include "merge.h"
#include "out.h"
#include "phonetic.h"
#include "prob.h"
#include "similar.h"
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
	struct cdp_buf		 tmp, ca, cb;	/* scratch */
	/* after prob_link() */
	uint64_t		*cand;	/* candidate pairs, sorted */
	size_t			 ncand;
	uint64_t		*pats;	/* distinct level patterns, sorted */
	double			*pcount;	/* pairs of each pattern */
	size_t			 npats;
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
	cdp_buf_free(&p->ca);
	cdp_buf_free(&p->cb);
	free(p->voff);
	free(p->roff);
	free(p->cand);
	free(p->pats);
	free(p->pcount);
	free(p);
}

/* --- keeping the values ------------------------------------------------ */

static void
add_value(struct prob *p, const char *s, size_t n)
{
	size_t at = p->vals.len;

	cdp_trim(&s, &n);
	if (cdp_buf_add(&p->vals, s, n) == -1)
		cdp_oom(0);
	/* ASCII case does not make two values differ. */
	for (size_t i = at; i < p->vals.len; i++)
		if (p->vals.p[i] >= 'A' && p->vals.p[i] <= 'Z')
			p->vals.p[i] += 32;
}

int
prob_add(struct prob *p, struct cdp_rec *rec, const char **why)
{
	const struct cdp_field *src = cdp_rec_find(rec, "_src", 4);
	const struct cdp_field *line = cdp_rec_find(rec, "_line", 5);
	size_t k = p->nrecs, base = k * (size_t)p->nf;
	int rc = 0;

	cdp_xgrow((void **)&p->voff, &p->vcap, base + (size_t)p->nf + 1,
	    sizeof(*p->voff));
	cdp_xgrow((void **)&p->roff, &p->rcap, k + 2, sizeof(*p->roff));
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
			if (cdp_rec_str(rec, fd, &p->tmp, &s, &n) == -1)
				cdp_oom(0);
		} else {
			s = rec->p + fd->voff;
			n = fd->vlen;
		}
		add_value(p, s, n);
	}
	p->voff[base + (size_t)p->nf] = p->vals.len;
	if (src != NULL && src->type == CDP_STRING && line != NULL) {
		const char *s;
		size_t n;

		if (cdp_rec_str(rec, src, &p->tmp, &s, &n) == -1)
			cdp_oom(0);
		rc = cdp_buf_add(&p->refs, s, n) |
		    cdp_buf_addc(&p->refs, ':') |
		    cdp_buf_add(&p->refs, rec->p + line->voff, line->vlen);
	} else {
		rc = cdp_buf_addf(&p->refs, "#%zu", k + 1);
	}
	if (rc != 0)
		cdp_oom(0);
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

static const char *
val(const struct prob *p, size_t k, int f, size_t *n)
{
	size_t i = k * (size_t)p->nf + (size_t)f;

	*n = p->voff[i + 1] - p->voff[i];
	return *n > 0 ? p->vals.p + p->voff[i] : "";
}

static const char *
ref(const struct prob *p, size_t k, size_t *n)
{
	*n = p->roff[k + 1] - p->roff[k];
	return p->refs.p + p->roff[k];
}

/* --- blocking ------------------------------------------------------------ */

/* The year of a date "YYYY-MM-DD" or "YYYYMMDD..." as 4 bytes, or -1. */
static int
year_of(const char *s, size_t n)
{
	if (n < 4)
		return -1;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return 0;
}

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

/*
 * The block key of record k under rule r: its keys' texts, each followed
 * by a NUL, hashed.  False when a key is null (the record is in no block
 * of the rule).
 */
static bool
block_key(struct prob *p, const struct brule *r, size_t k, uint64_t *h)
{
	struct cdp_buf *b = &p->tmp;

	cdp_buf_reset(b);
	for (int i = 0; i < r->nkeys; i++) {
		const struct bkey *key = &r->keys[i];
		size_t n;
		const char *s = val(p, k, key->field, &n);
		char sx[5];

		if (n == 0)
			return false;
		switch (key->fn) {
		case K_VALUE:
			break;
		case K_PREFIX:
			n = prefix_bytes(s, n, key->n);
			break;
		case K_SOUNDEX:
			if (cdp_soundex(s, n, sx) == -1)
				return false;
			s = sx;
			n = 4;
			break;
		case K_YEAR:
			if (year_of(s, n) == -1)
				return false;
			n = 4;
			break;
		}
		if (cdp_buf_add(b, s, n) == -1 || cdp_buf_addc(b, '\0') == -1)
			cdp_oom(0);
	}
	*h = cdp_key128_of(b->p, b->len).lo;
	return true;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* (hash, record) for sorting records into blocks. */
struct hk {
	uint64_t	h;
	uint32_t	k;
};

static int
cmp_hk(const void *a, const void *b)
{
	const struct hk *x = a, *y = b;

	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->k > y->k) - (x->k < y->k);
}

/* Sort a[0..n) and keep each value once; returns the new count.  Done
 * after each rule, so that the list stays short between rules. */
static size_t
sort_unique(uint64_t *a, size_t n)
{
	size_t w = 0;

	if (n == 0)
		return 0;
	qsort(a, n, sizeof(*a), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || a[w - 1] != a[i])
			a[w++] = a[i];
	return w;
}

/* Candidate pairs of every rule into p->cand, sorted, each once. */
static void
candidates(struct prob *p)
{
	struct hk *v = cdp_xcalloc(p->nrecs, sizeof(*v));
	size_t cap = 0, n = 0;

	for (int r = 0; r < p->s->nrules; r++) {
		size_t nv = 0;

		for (size_t k = 0; k < p->nrecs; k++)
			if (block_key(p, &p->s->rules[r], k, &v[nv].h))
				v[nv++].k = (uint32_t)k;
		qsort(v, nv, sizeof(*v), cmp_hk);
		for (size_t a = 0, b; a < nv; a = b) {
			for (b = a + 1; b < nv && v[b].h == v[a].h; b++)
				;
			if (b - a > (size_t)p->s->max_block) {
				p->skipped++;
				continue;
			}
			cdp_xgrow((void **)&p->cand, &cap, n + (b - a) *
			    (b - a - 1) / 2, sizeof(*p->cand));
			for (size_t i = a; i < b; i++)
				for (size_t j = i + 1; j < b; j++)
					p->cand[n++] = (uint64_t)v[i].k << 32 |
					    v[j].k;
		}
		n = sort_unique(p->cand, n);
	}
	p->ncand = n;
	free(v);
	if (p->skipped > 0)
		cdp_warn(NULL, 0, "%llu blocks over --max-block %ld records "
		    "skipped: their pairs are not compared", p->skipped,
		    p->s->max_block);
}

/* --- comparisons --------------------------------------------------------- */

struct date {
	int	y, m, d;
	long	days;
};

static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DD" or "YYYYMMDD" (a time after it is ignored); -1 else. */
static int
parse_date(const char *s, size_t n, struct date *out)
{
	char iso[11];

	if (n >= 10 && s[4] == '-' && s[7] == '-') {
		memcpy(iso, s, 10);
	} else if (n == 8) {
		for (int i = 0; i < 8; i++)
			if (s[i] < '0' || s[i] > '9')
				return -1;
		memcpy(iso, s, 4);
		iso[4] = '-';
		memcpy(iso + 5, s + 4, 2);
		iso[7] = '-';
		memcpy(iso + 8, s + 6, 2);
	} else {
		return -1;
	}
	iso[10] = '\0';
	if (cdp_parse_iso_date(iso, &out->days) == -1)
		return -1;
	out->y = two(iso) * 100 + two(iso + 2);
	out->m = two(iso + 5);
	out->d = two(iso + 8);
	return 0;
}

static int
parse_num(struct prob *p, const char *s, size_t n, double *v)
{
	cdp_buf_reset(&p->tmp);
	if (cdp_buf_add(&p->tmp, s, n) == -1 || cdp_buf_addc(&p->tmp, '\0') ==
	    -1)
		cdp_oom(0);
	return cdp_parse_double(p->tmp.p, v);
}

/* The level (1..nlev) of two non-empty, different values. */
static int
level_of(struct prob *p, const struct cmp *c, const char *a, size_t na,
    const char *b, size_t nb)
{
	struct date da, db;
	double x, y, sim;
	long la, lb;
	size_t d;

	switch (c->kind) {
	case C_EXACT:
		break;
	case C_JW:
	case C_LEV:
		cdp_buf_reset(&p->ca);
		cdp_buf_reset(&p->cb);
		if ((la = cdp_utf8_to_cps(a, na, &p->ca)) == -1 ||
		    (lb = cdp_utf8_to_cps(b, nb, &p->cb)) == -1)
			cdp_oom(0);
		if (c->kind == C_JW) {
			sim = cdp_sim_jaro_winkler((uint32_t *)(void *)p->ca.p,
			    (size_t)la, (uint32_t *)(void *)p->cb.p,
			    (size_t)lb);
			if (sim < 0)
				cdp_oom(0);
			for (int i = 0; i < c->nt; i++)
				if (sim >= c->t[i])
					return 2 + i;
			break;
		}
		d = cdp_sim_levenshtein((uint32_t *)(void *)p->ca.p,
		    (size_t)la, (uint32_t *)(void *)p->cb.p, (size_t)lb,
		    (size_t)c->t[c->nt - 1]);
		if (d == SIZE_MAX)
			cdp_oom(0);
		for (int i = 0; i < c->nt; i++)
			if ((double)d <= c->t[i])
				return 2 + i;
		break;
	case C_DATE:
		if (parse_date(a, na, &da) == -1 || parse_date(b, nb,
		    &db) == -1)
			break;
		if (da.days == db.days)
			return 1;
		if (da.y == db.y && da.m == db.d && da.d == db.m)
			return 2;
		if (da.y == db.y && da.m == db.m)
			return 3;
		if (labs(da.days - db.days) <= (long)c->t[0])
			return 4;
		break;
	case C_NUM:
		if (parse_num(p, a, na, &x) == -1 || parse_num(p, b, nb,
		    &y) == -1)
			break;
		if (x == y)
			return 1;
		if (fabs(x - y) <= c->t[0])
			return 2;
		break;
	}
	return c->nlev;
}

/* The levels of records i and j, 3 bits a comparison. */
static uint64_t
pattern(struct prob *p, size_t i, size_t j)
{
	uint64_t pat = 0;

	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];
		size_t na, nb;
		const char *a = val(p, i, cp->field, &na);
		const char *b = val(p, j, cp->field, &nb);
		uint64_t l;

		if (na == 0 || nb == 0)
			l = 0;
		else if (na == nb && memcmp(a, b, na) == 0)
			l = 1;
		else
			l = (uint64_t)level_of(p, cp, a, na, b, nb);
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

		for (int l = 1; l <= cp->nlev; l++)
			tot += cnt[c][l];
		for (int l = 1; l <= cp->nlev; l++)
			cp->u[l] = (cnt[c][l] + 1) / (tot + cp->nlev);
	}
}

/* m before the fit: agreement likely for a match, "else" rare. */
static void
start_m(struct prob *p)
{
	for (int c = 0; c < p->s->ncmps; c++) {
		struct cmp *cp = &p->s->cmps[c];
		int mid = cp->nlev - 2;

		cp->m[1] = mid > 0 ? 0.75 : 0.95;
		for (int l = 2; l < cp->nlev; l++)
			cp->m[l] = 0.2 / mid;
		cp->m[cp->nlev] = 0.05;
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

/* Distinct level patterns of the candidates into p->pats with their
 * counts; returns each candidate's pattern, in p->cand's order. */
static uint64_t *
count_patterns(struct prob *p)
{
	uint64_t *pat = cdp_xcalloc(p->ncand, sizeof(*pat));
	uint64_t *sorted = cdp_xcalloc(p->ncand, sizeof(*sorted));
	size_t n = 0;

	for (size_t t = 0; t < p->ncand; t++)
		sorted[t] = pat[t] = pattern(p, (size_t)(p->cand[t] >> 32),
		    (size_t)(p->cand[t] & 0xffffffffu));
	qsort(sorted, p->ncand, sizeof(*sorted), cmp_u64);
	for (size_t t = 0; t < p->ncand; t++)
		if (n == 0 || sorted[n - 1] != sorted[t])
			sorted[n++] = sorted[t];
	p->pcount = cdp_xcalloc(n ? n : 1, sizeof(*p->pcount));
	for (size_t t = 0; t < p->ncand; t++)
		p->pcount[pattern_index_of(sorted, n, pat[t])]++;
	p->pats = sorted;
	p->npats = n;
	return pat;
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

			for (int l = 1; l <= cp->nlev; l++) {
				am += sm[c][l];
				au += su[c][l];
			}
			for (int l = 1; l <= cp->nlev && am > 0 && au > 0;
			    l++) {
				double m = (sm[c][l] + FLOOR) / (am + FLOOR *
				    cp->nlev);
				double u = (su[c][l] + FLOOR) / (au + FLOOR *
				    cp->nlev);

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

/* --- names, scores, output --------------------------------------------- */

/* The name of level l (1..nlev) of c into b (appended). */
static void
level_name(const struct cmp *c, int l, struct cdp_buf *b)
{
	int rc = 0;

	if (l == 1)
		rc = cdp_buf_adds(b, "exact");
	else if (l == c->nlev)
		rc = cdp_buf_adds(b, "else");
	else if (c->kind == C_JW)
		rc = cdp_buf_addf(b, "jw>=%g", c->t[l - 2]);
	else if (c->kind == C_LEV)
		rc = cdp_buf_addf(b, "lev<=%g", c->t[l - 2]);
	else if (c->kind == C_NUM)
		rc = cdp_buf_addf(b, "diff<=%g", c->t[0]);
	else if (l == 2)
		rc = cdp_buf_adds(b, "day_month_swapped");
	else if (l == 3)
		rc = cdp_buf_adds(b, "same_year_month");
	else
		rc = cdp_buf_addf(b, "days<=%g", c->t[0]);
	if (rc == -1)
		cdp_oom(0);
}

static void
addf(struct cdp_buf *b, const char *fmt, double v)
{
	if (cdp_buf_addf(b, fmt, v) == -1)
		cdp_oom(0);
}

static void
adds(struct cdp_buf *b, const char *s)
{
	if (cdp_buf_adds(b, s) == -1)
		cdp_oom(0);
}

static void
quote(struct cdp_buf *b, const char *s, size_t n)
{
	if (cdp_json_quote(b, s, n) == -1)
		cdp_oom(0);
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
		for (int l = 1; l <= cp->nlev; l++) {
			adds(b, l > 1 ? ",{\"level\":\"" : "{\"level\":\"");
			level_name(cp, l, b);
			addf(b, "\",\"m\":%.6g", cp->m[l]);
			addf(b, ",\"u\":%.6g", cp->u[l]);
			addf(b, ",\"bayes_factor\":%.6g", cp->m[l] / cp->u[l]);
			addf(b, ",\"weight\":%.4f}", log2(cp->m[l] / cp->u[l]));
		}
		adds(b, "]}");
	}
	addf(b, "],\"prior\":%.6g", s->prior);
	addf(b, ",\"threshold\":%g", s->threshold);
	if (cdp_buf_addf(b, ",\"pairs\":%zu,\"patterns\":%zu", p->ncand,
	    p->npats) == -1 || (p->iterations > 0 && cdp_buf_addf(b,
	    ",\"iterations\":%d,\"converged\":%s", p->iterations,
	    p->converged ? "true" : "false") == -1))
		cdp_oom(0);
	adds(b, "}\n");
}

/* The match weight (log2 of the posterior odds) of a pattern. */
static double
weight(const struct prob *p, uint64_t pat)
{
	double lambda = p->s->prior;

	return (log(lambda / (1 - lambda)) + log_bf(p, pat)) / log(2);
}

/* One --explain line: the pair, its score, each field's level and weight. */
static void
explain_pair(struct prob *p, struct cdp_out *o, uint64_t pair, uint64_t pat,
    double w, double prob)
{
	struct cdp_buf *b = &p->tmp;
	struct cdp_err err;
	size_t i = (size_t)(pair >> 32), j = (size_t)(pair & 0xffffffffu), n;
	const char *r;

	cdp_buf_reset(b);
	r = ref(p, i, &n);
	adds(b, "{\"a\":");
	quote(b, r, n);
	r = ref(p, j, &n);
	adds(b, ",\"b\":");
	quote(b, r, n);
	addf(b, ",\"probability\":%.6g", prob);
	addf(b, ",\"weight\":%.4f", w);
	adds(b, prob >= p->s->threshold ? ",\"match\":true" :
	    ",\"match\":false");
	addf(b, ",\"prior_weight\":%.4f,\"fields\":{",
	    log2(p->s->prior / (1 - p->s->prior)));
	for (int c = 0; c < p->s->ncmps; c++) {
		const struct cmp *cp = &p->s->cmps[c];
		const char *f = p->s->fields[cp->field];
		int l = level_at(pat, c);

		if (c > 0)
			adds(b, ",");
		quote(b, f, strlen(f));
		adds(b, ":{\"level\":\"");
		if (l == 0)
			adds(b, "null");
		else
			level_name(cp, l, b);
		addf(b, "\",\"weight\":%.4f}", l == 0 ? 0 :
		    log2(cp->m[l] / cp->u[l]));
	}
	adds(b, "}}\n");
	if (cdp_out_write(o, b->p, b->len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static bool
on_some_record(const struct prob *p, int f)
{
	size_t n;

	for (size_t k = 0; k < p->nrecs; k++) {
		val(p, k, f, &n);
		if (n > 0)
			return true;
	}
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
			int f = p->s->rules[r].keys[i].field;

			if (!on_some_record(p, f))
				cdp_warn(NULL, 0, "--block %s: field \"%s\" is "
				    "on no record: the rule gives no pairs",
				    p->s->rules[r].text, p->s->fields[f]);
		}
}

void
prob_link(struct prob *p, uint64_t **pairs, size_t *npairs)
{
	struct cdp_out *ex = NULL;
	struct cdp_err err;
	uint64_t *pat;
	double *pw;
	size_t n = 0;

	check_present(p);
	candidates(p);
	pat = count_patterns(p);
	if (p->s->prior < 0) {
		start_u(p);
		start_m(p);
		fit(p);
		if (!p->converged && !p->s->allow_nonconverged)
			cdp_die(EX_DATAERR, NULL, 0, "the fit did not converge "
			    "in %ld iterations (--max-iter); "
			    "--allow-nonconverged takes the parameters as they "
			    "are", p->s->max_iter);
		if (!p->converged)
			cdp_warn(NULL, 0, "the fit did not converge in %ld "
			    "iterations: parameters used as they are",
			    p->s->max_iter);
	}
	*pairs = NULL;
	*npairs = 0;
	if (p->s->train_only) {
		free(pat);
		return;
	}
	pw = cdp_xmalloc((p->npats ? p->npats : 1) * sizeof(*pw));
	for (size_t q = 0; q < p->npats; q++)
		pw[q] = weight(p, p->pats[q]);
	if (p->s->explain != NULL && (ex = cdp_out_open(p->s->explain,
	    &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	/* Accepted pairs go to the front of cand, in order. */
	for (size_t t = 0; t < p->ncand; t++) {
		double w = pw[pattern_index_of(p->pats, p->npats, pat[t])];
		double prob = 1 / (1 + exp2(-w));

		if (ex != NULL)
			explain_pair(p, ex, p->cand[t], pat[t], w, prob);
		if (prob >= p->s->threshold)
			p->cand[n++] = p->cand[t];
	}
	if (cdp_out_close(ex, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	free(pw);
	free(pat);
	*pairs = p->cand;
	*npairs = n;
}

unsigned long long
prob_candidates(const struct prob *p)
{
	return p->ncand;
}

unsigned long long
prob_skipped_blocks(const struct prob *p)
{
	return p->skipped;
}
