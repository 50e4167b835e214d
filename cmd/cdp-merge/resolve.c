/*
 * resolve.c - records linked to records: the identifier links make
 * groups that nothing splits, the linker's pairs link groups, the
 * clustering cuts chains, and the kept links are joined in the index.
 * --truth runs the same at several thresholds against the right answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "keymap.h"
#include "resolve.h"
#include "uf.h"
#include "xalloc.h"

/* Thresholds of the --truth table (and --threshold when not one). */
static const double levels[] = { 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999 };

void
resolve_truth(struct resolve *rs, struct cdp_rec *rec)
{
	const char *name = rs->opt->truth, *s;
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	struct cdp_buf tmp = { 0 };
	uint64_t h = 0;
	size_t n;

	if (f != NULL && (f->type == CDP_STRING || f->type == CDP_NUMBER)) {
		if (f->type == CDP_STRING) {
			if (cdp_rec_str(rec, f, &tmp, &s, &n) == -1)
				cdp_oom(0);
		} else {
			s = rec->p + f->voff;
			n = f->vlen;
		}
		/* 0 is "no truth": a hash of 0 becomes 1. */
		h = cdp_key128_of(s, n).lo;
		h += h == 0;
	}
	if (cdp_grow((void **)&rs->truth, &rs->tcap, rs->ntruth + 1,
	    sizeof(*rs->truth)) == -1)
		cdp_oom(0);
	rs->truth[rs->ntruth++] = h;
	cdp_buf_free(&tmp);
}

/* --- groups ------------------------------------------------------------- */

/* The group of element e (its identifier cluster), numbered when new. */
static uint32_t
group(struct resolve *rs, uint32_t e)
{
	struct groups *g = &rs->g;
	uint32_t root = index_find(rs->ix, e);

	if (g->of[root] != NO_NODE)
		return g->of[root];
	if (cdp_grow((void **)&g->elem, &g->cap, g->n + 1,
	    sizeof(*g->elem)) == -1)
		cdp_oom(0);
	g->elem[g->n] = root;
	return g->of[root] = (uint32_t)g->n++;
}

/* Every record and prior id in its group, with the records it holds. */
static void
make_groups(struct resolve *rs)
{
	struct index *ix = rs->ix;
	struct groups *g = &rs->g;
	size_t nold = prob_nold(rs->lk);

	g->of = cdp_xreallocarray(NULL, ix->nelem, sizeof(*g->of));
	memset(g->of, 0xff, (ix->nelem ? ix->nelem : 1) * sizeof(*g->of));
	for (size_t k = 0; k < ix->nrecs; k++)
		(void)group(rs, index_record_elem(ix, k));
	for (size_t k = 0; k < nold; k++)
		(void)group(rs, index_prior_elem(ix, prob_old_id(rs->lk, k)));
	g->records = cdp_xcalloc(g->n, sizeof(*g->records));
	for (size_t k = 0; k < ix->nrecs; k++)
		g->records[group(rs, index_record_elem(ix, k))]++;
	for (uint32_t q = 0; q < ix->prior.n && nold > 0; q++)
		if (g->of[index_find(ix, index_prior_elem(ix, q))] != NO_NODE)
			g->records[group(rs, index_prior_elem(ix, q))] +=
			    ix->prior.count[q];
}

/* The element of linker record k: a prior id's, or a record's. */
static uint32_t
elem_of(struct resolve *rs, uint32_t k)
{
	size_t nold = prob_nold(rs->lk);

	if (k < nold)
		return index_prior_elem(rs->ix, prob_old_id(rs->lk, k));
	return index_record_elem(rs->ix, k - nold);
}

/* The accepted pairs as links between groups (inside one, none). */
static struct cluster_link *
links_of(struct resolve *rs, const uint64_t *pairs, const double *w,
    size_t n, size_t *nl, size_t **from)
{
	struct cluster_link *l = cdp_xreallocarray(NULL, n, sizeof(*l));

	*from = cdp_xreallocarray(NULL, n, sizeof(**from));
	*nl = 0;
	for (size_t t = 0; t < n; t++) {
		uint32_t a = group(rs, elem_of(rs, (uint32_t)(pairs[t] >> 32)));
		uint32_t b = group(rs, elem_of(rs, (uint32_t)(pairs[t] &
		    0xffffffffu)));

		if (a == b)
			continue;
		(*from)[*nl] = t;
		l[(*nl)++] = (struct cluster_link){ a, b, 1 / (1 +
		    exp2(-w[t])) };
	}
	return l;
}

/* The pairs accepted at threshold (and their weights), clustered into
 * rs->cl; returns the links (and in *from each one's pair) for the
 * caller to join. */
static struct cluster_link *
cluster_at(struct resolve *rs, double threshold, const uint64_t **pairs,
    const double **w, size_t *nl, size_t **from)
{
	size_t n;
	struct cluster_link *l;

	prob_accept(rs->lk, threshold, pairs, w, &n);
	l = links_of(rs, *pairs, *w, n, nl, from);
	cluster_result_free(&rs->cl);
	cluster_split(rs->g.n, rs->g.records, l, *nl, rs->opt->split_below,
	    rs->opt->max_cluster, &rs->cl);
	rs->matched = n;
	return l;
}

/* A kept link of a record of a previous run, for the id map. */
struct oldlink {
	uint32_t	q;	/* the prior id */
	uint64_t	pair;	/* of the linker */
	double		w;
};

static int
by_id(const void *x, const void *y)
{
	const struct oldlink *a = x, *b = y;

	if (a->q != b->q)
		return a->q < b->q ? -1 : 1;
	return (a->pair > b->pair) - (a->pair < b->pair);
}

/* Kept pair (i, j) of weight w, remembered under the prior ids of its
 * records of a previous run. */
static void
remember(struct resolve *rs, uint64_t pair, double w)
{
	uint32_t k[2] = { (uint32_t)(pair >> 32), (uint32_t)(pair &
	    0xffffffffu) };

	for (int i = 0; i < 2; i++) {
		if (k[i] >= prob_nold(rs->lk))
			continue;
		if (cdp_grow((void **)&rs->old, &rs->ocap, rs->nold + 1,
		    sizeof(*rs->old)) == -1)
			cdp_oom(0);
		rs->old[rs->nold++] = (struct oldlink){ prob_old_id(rs->lk,
		    k[i]), pair, w };
	}
}

void
resolve_links(struct resolve *rs)
{
	const uint64_t *pairs;
	const double *w;
	struct cluster_link *l;
	size_t n, nl, *from;

	index_link_ids(rs->ix);
	if (rs->lk == NULL) {
		index_finish(rs->ix);
		return;
	}
	prob_link(rs->lk, &pairs, &w, &n);
	make_groups(rs);
	if (!rs->opt->prob.train_only && rs->opt->truth == NULL) {
		l = cluster_at(rs, rs->opt->prob.threshold, &pairs, &w, &nl,
		    &from);
		for (size_t t = 0; t < nl; t++) {
			if (!rs->cl.keep[t])
				continue;
			index_join(rs->ix, rs->g.elem[l[t].a],
			    rs->g.elem[l[t].b]);
			remember(rs, pairs[from[t]], w[from[t]]);
			rs->kept++;
		}
		if (rs->nold > 0)
			qsort(rs->old, rs->nold, sizeof(*rs->old), by_id);
		free(l);
		free(from);
	}
	index_finish(rs->ix);
}

/* The id map's links of prior id q: its records' kept links. */
static void
ledger_links(void *ctx, uint32_t q, struct cdp_buf *out)
{
	struct resolve *rs = ctx;
	size_t lo = 0, hi = rs->nold;
	int rc = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rs->old[mid].q < q)
			lo = mid + 1;
		else
			hi = mid;
	}
	rc |= cdp_buf_adds(out, ",\"links\":[");
	for (size_t i = lo; i < rs->nold && rs->old[i].q == q; i++) {
		const char *r;
		size_t len;

		rc |= cdp_buf_adds(out, i > lo ? ",{\"a\":" : "{\"a\":");
		r = prob_ref(rs->lk, (size_t)(rs->old[i].pair >> 32), &len);
		rc |= cdp_json_quote(out, r, len);
		rc |= cdp_buf_adds(out, ",\"b\":");
		r = prob_ref(rs->lk, (size_t)(rs->old[i].pair & 0xffffffffu),
		    &len);
		rc |= cdp_json_quote(out, r, len);
		rc |= cdp_buf_addf(out, ",\"weight\":%.4f}", rs->old[i].w);
	}
	rc |= cdp_buf_addc(out, ']');
	if (rc != 0)
		cdp_oom(0);
}

const struct prior_ledger *
resolve_ledger(struct resolve *rs)
{
	rs->ledger = (struct prior_ledger){ ledger_links, rs };
	return rs->lk != NULL ? &rs->ledger : NULL;
}

void
resolve_part_id(struct resolve *rs, size_t i, char out[PROFILE_ID_SIZE])
{
	uint32_t e = rs->g.elem[rs->cl.parts[i].rep];

	index_root_id(rs->ix, index_find(rs->ix, e), out);
}

/* --- --truth ----------------------------------------------------------- */

/* Records by cluster and by entity at one threshold. */
struct tally {
	struct cdp_keymap	*ent;	/* truth -> entity number */
	struct cdp_keymap	*both;	/* (cluster, entity) -> records */
	uint64_t		*nc, *ne;	/* records per cluster, entity */
	uint32_t		*first;	/* per cluster: its first entity */
	bool			*mixed;	/* per cluster: more than one */
	size_t			 nent, ecap;
	double			 pred, truth, correct, clusters;
};

/* Record k of truth t (0: none) is in cluster c. */
static void
count(struct tally *y, size_t k, uint32_t c, uint64_t t)
{
	uint64_t key[2] = { t, t == 0 ? k : 0 }, pair[2], *v;
	uint32_t e;
	int added;

	if ((v = cdp_keymap_put(y->ent, cdp_key128_of(key, sizeof(key)),
	    y->nent, &added)) == NULL)
		cdp_oom(0);
	if (added) {
		if (cdp_grow((void **)&y->ne, &y->ecap, y->nent + 1,
		    sizeof(*y->ne)) == -1)
			cdp_oom(0);
		y->ne[y->nent++] = 0;
	}
	e = (uint32_t)*v;
	pair[0] = c;
	pair[1] = e;
	if ((v = cdp_keymap_put(y->both, cdp_key128_of(pair, sizeof(pair)),
	    0, &added)) == NULL)
		cdp_oom(0);
	/* The n-th record of a set makes n - 1 more pairs in it. */
	y->correct += (double)(*v)++;
	y->truth += (double)y->ne[e]++;
	y->pred += (double)y->nc[c];
	y->clusters += y->nc[c]++ == 0;
	if (y->nc[c] == 1)
		y->first[c] = e;
	else if (y->first[c] != e)
		y->mixed[c] = true;
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 1;
}

static double
f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

/* The records' clusters at threshold, against their truth, as a line. */
static void
evaluate_at(struct resolve *rs, double threshold, struct cdp_buf *b)
{
	struct tally y = { 0 };
	struct uf u = { 0 };
	const uint64_t *p;
	struct cluster_link *l;
	const double *w;
	size_t nl, *from;
	double exact = 0, pp, pr, cp, cr;

	l = cluster_at(rs, threshold, &p, &w, &nl, &from);
	if (uf_init(&u, rs->g.n) == -1 || (y.ent = cdp_keymap_new()) ==
	    NULL || (y.both = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (size_t t = 0; t < nl; t++)
		if (rs->cl.keep[t])
			uf_union(&u, l[t].a, l[t].b);
	y.nc = cdp_xcalloc(rs->g.n, sizeof(*y.nc));
	y.first = cdp_xcalloc(rs->g.n, sizeof(*y.first));
	y.mixed = cdp_xcalloc(rs->g.n, sizeof(*y.mixed));
	for (size_t k = 0; k < rs->ix->nrecs; k++)
		count(&y, k, uf_find(&u, group(rs, index_record_elem(rs->ix,
		    k))), rs->truth[k]);
	for (size_t c = 0; c < rs->g.n; c++)
		exact += y.nc[c] > 0 && !y.mixed[c] && y.nc[c] ==
		    y.ne[y.first[c]];
	pp = ratio(y.correct, y.pred);
	pr = ratio(y.correct, y.truth);
	cp = ratio(exact, y.clusters);
	cr = ratio(exact, (double)y.nent);
	if (cdp_buf_addf(b, "{\"threshold\":%g,\"pairs\":%.0f,"
	    "\"predicted\":%.0f,\"correct\":%.0f,\"precision\":%.4f,"
	    "\"recall\":%.4f,\"f1\":%.4f,\"entities\":%zu,"
	    "\"clusters\":%.0f,\"exact_clusters\":%.0f,"
	    "\"cluster_precision\":%.4f,\"cluster_recall\":%.4f,"
	    "\"cluster_f1\":%.4f,\"links_cut\":%llu}\n", threshold, y.truth,
	    y.pred, y.correct, pp, pr, f1(pp, pr), y.nent, y.clusters, exact,
	    cp, cr, f1(cp, cr), rs->cl.cut) == -1)
		cdp_oom(0);
	cdp_keymap_free(y.ent);
	cdp_keymap_free(y.both);
	free(y.nc);
	free(y.ne);
	free(y.first);
	free(y.mixed);
	uf_free(&u);
	free(l);
	free(from);
}

unsigned long long
resolve_evaluate(struct resolve *rs, struct cdp_out *out)
{
	size_t n = sizeof(levels) / sizeof(levels[0]);
	double t = rs->opt->prob.threshold;
	unsigned long long lines = 0;
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	bool given = false;

	for (size_t i = 0; i <= n; i++) {
		/* --threshold comes in its place among the others. */
		if (!given && (i == n || t <= levels[i])) {
			evaluate_at(rs, t, &b);
			given = true;
			lines++;
		}
		if (i < n && t != levels[i]) {
			evaluate_at(rs, levels[i], &b);
			lines++;
		}
	}
	if (cdp_out_write(out, b.p, b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
	return lines;
}

void
resolve_free(struct resolve *rs)
{
	free(rs->truth);
	free(rs->old);
	free(rs->g.of);
	free(rs->g.elem);
	free(rs->g.records);
	cluster_result_free(&rs->cl);
}
