/*
 * cluster.c - links into clusters that do not chain: a maximum spanning
 * forest taken strongest link first, each join refused when it would
 * make a path weaker than --split-below or a cluster larger than
 * --max-cluster; then each cluster's density and bridges (Tarjan).
 * Path strength is a product of probabilities: a chain of 0.95 links is
 * weaker the longer it is, which is what chaining is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "uf.h"
#include "xalloc.h"

#define NONE	UINT32_MAX

/* A link between two groups, a < b, parallel links merged. */
struct edge {
	uint32_t	a, b;
	double		len;	/* -log p: path lengths add */
	bool		tree, kept;
};

/* The kept links as adjacency lists (both directions). */
struct graph {
	uint32_t	*head;	/* per group: first arc, NONE */
	uint32_t	*next, *to;	/* per arc */
	double		*len;
	size_t		 n, cap;
};

struct work {
	size_t		 ng;
	struct edge	*e;
	size_t		 ne;
	struct graph	 g;
	uint32_t	*stamp;	/* DFS visits */
	uint32_t	 round;
	uint32_t	*stack;
	double		*dist;
};

static int
by_pair(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static int
by_strength(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return by_pair(x, y);
}

/* The links as edges a < b, one per pair of groups (the strongest). */
static void
edges_of(struct work *w, const struct cluster_link *links, size_t n)
{
	size_t k = 0;

	w->e = cdp_xreallocarray(NULL, n, sizeof(*w->e));
	for (size_t t = 0; t < n; t++) {
		uint32_t a = links[t].a, b = links[t].b;
		double p = fmax(links[t].p, 1e-300);

		w->e[t] = (struct edge){ a < b ? a : b, a < b ? b : a,
		    -log(p), false, false };
	}
	if (n > 0)
		qsort(w->e, n, sizeof(*w->e), by_pair);
	for (size_t t = 0; t < n; t++)
		if (k == 0 || w->e[k - 1].a != w->e[t].a ||
		    w->e[k - 1].b != w->e[t].b)
			w->e[k++] = w->e[t];
	w->ne = k;
	if (k > 0)
		qsort(w->e, k, sizeof(*w->e), by_strength);
}

static void
arc(struct graph *g, uint32_t from, uint32_t to, double len)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 1024;
		g->next = cdp_xreallocarray(g->next, g->cap, sizeof(*g->next));
		g->to = cdp_xreallocarray(g->to, g->cap, sizeof(*g->to));
		g->len = cdp_xreallocarray(g->len, g->cap, sizeof(*g->len));
	}
	g->next[g->n] = g->head[from];
	g->to[g->n] = to;
	g->len[g->n] = len;
	g->head[from] = (uint32_t)g->n++;
}

/*
 * The longest path (sum of -log p) from v over the tree arcs so far, and
 * in *far the group at its end.  Iterative DFS: a tree has one path to
 * each group, so distances are final when first reached.
 */
static double
longest(struct work *w, uint32_t v, uint32_t *far)
{
	size_t sp = 0;
	double best = 0;

	w->round++;
	w->stamp[v] = w->round;
	w->dist[v] = 0;
	w->stack[sp++] = v;
	*far = v;
	while (sp > 0) {
		uint32_t x = w->stack[--sp];

		if (w->dist[x] > best) {
			best = w->dist[x];
			*far = x;
		}
		for (uint32_t a = w->g.head[x]; a != NONE; a = w->g.next[a]) {
			uint32_t y = w->g.to[a];

			if (w->stamp[y] == w->round)
				continue;
			w->stamp[y] = w->round;
			w->dist[y] = w->dist[x] + w->g.len[a];
			w->stack[sp++] = y;
		}
	}
	return best;
}

/* Take the forest's links strongest first, unless a limit says no. */
static void
agglomerate(struct work *w, const uint64_t *records, double split_below,
    long max_cluster, struct cluster_result *res)
{
	struct uf forest = { 0 }, parts = { 0 };
	uint64_t *rec = cdp_xreallocarray(NULL, w->ng, sizeof(*rec));
	double limit = split_below > 0 ? -log(split_below) : INFINITY;

	if (uf_init(&forest, w->ng) == -1 || uf_init(&parts, w->ng) == -1)
		cdp_oom(0);
	memcpy(rec, records, w->ng * sizeof(*rec));
	for (size_t t = 0; t < w->ne; t++) {
		struct edge *e = &w->e[t];
		uint32_t ra, rb, far;

		if (uf_find(&forest, e->a) == uf_find(&forest, e->b))
			continue;
		uf_union(&forest, e->a, e->b);
		e->tree = true;
		ra = uf_find(&parts, e->a);
		rb = uf_find(&parts, e->b);
		if ((max_cluster > 0 && rec[ra] + rec[rb] >
		    (uint64_t)max_cluster) || (split_below > 0 &&
		    longest(w, e->a, &far) + e->len + longest(w, e->b, &far) >
		    limit + 1e-12)) {
			res->cut++;
			continue;
		}
		uf_union(&parts, ra, rb);
		rec[uf_find(&parts, ra)] = rec[ra] + rec[rb];
		arc(&w->g, e->a, e->b, e->len);
		arc(&w->g, e->b, e->a, e->len);
		e->kept = true;
	}
	/* A link inside a cluster is kept too (it cuts nothing). */
	for (size_t t = 0; t < w->ne; t++)
		if (!w->e[t].tree && uf_find(&parts, w->e[t].a) ==
		    uf_find(&parts, w->e[t].b))
			w->e[t].kept = true;
	uf_free(&forest);
	uf_free(&parts);
	free(rec);
}

struct tarjan {
	uint32_t	*disc, *low, *parent_arc, *it;
	uint32_t	 time;
};

/* Bridges of the component of v in the graph of kept links (arcs of
 * kept non-tree links added first), counted per component root. */
static unsigned
bridges_from(struct work *w, struct graph *g, struct tarjan *t, uint32_t v)
{
	size_t sp = 0;
	unsigned n = 0;

	t->disc[v] = t->low[v] = ++t->time;
	t->parent_arc[v] = NONE;
	t->it[v] = g->head[v];
	w->stack[sp++] = v;
	while (sp > 0) {
		uint32_t x = w->stack[sp - 1], a = t->it[x];

		if (a != NONE) {
			uint32_t y = g->to[a];

			t->it[x] = g->next[a];
			/* The arc back to the parent is arc ^ 1. */
			if ((a ^ 1) == t->parent_arc[x])
				continue;
			if (t->disc[y] != 0) {
				if (t->disc[y] < t->low[x])
					t->low[x] = t->disc[y];
				continue;
			}
			t->disc[y] = t->low[y] = ++t->time;
			t->parent_arc[y] = a;
			t->it[y] = g->head[y];
			w->stack[sp++] = y;
			continue;
		}
		sp--;
		if (t->parent_arc[x] != NONE) {
			uint32_t p = g->to[t->parent_arc[x] ^ 1];

			if (t->low[x] < t->low[p])
				t->low[p] = t->low[x];
			n += t->low[x] > t->disc[p];
		}
	}
	return n;
}

/* A new cluster part found from group v: its bridges and its weakest
 * path, the forest's diameter.  Returns its number. */
static uint32_t
new_part(struct work *w, struct graph *all, struct tarjan *t, uint32_t v,
    struct cluster_result *res, size_t *cap)
{
	struct cluster_part *cp;
	uint32_t far;

	if (res->nparts == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		res->parts = cdp_xreallocarray(res->parts, *cap,
		    sizeof(*res->parts));
	}
	cp = &res->parts[res->nparts];
	*cp = (struct cluster_part){ .rep = v };
	cp->bridges = bridges_from(w, all, t, v);
	(void)longest(w, v, &far);
	cp->weakest = exp(-longest(w, far, &far));
	res->bridges += cp->bridges;
	return (uint32_t)res->nparts++;
}

static void
tarjan_free(struct tarjan *t)
{
	free(t->disc);
	free(t->low);
	free(t->parent_arc);
	free(t->it);
}

/* Every cluster of two groups or more: its measures. */
static void
measure(struct work *w, const uint64_t *records, struct cluster_result *res)
{
	struct graph all = { 0 };
	struct tarjan t = { 0 };
	struct uf parts = { 0 };
	uint32_t *part = cdp_xreallocarray(NULL, w->ng, sizeof(*part));
	size_t cap = 0;

	all.head = cdp_xreallocarray(NULL, w->ng, sizeof(*all.head));
	memset(all.head, 0xff, w->ng * sizeof(*all.head));
	memset(part, 0xff, w->ng * sizeof(*part));
	if (uf_init(&parts, w->ng) == -1)
		cdp_oom(0);
	for (size_t k = 0; k < w->ne; k++)
		if (w->e[k].kept) {
			arc(&all, w->e[k].a, w->e[k].b, w->e[k].len);
			arc(&all, w->e[k].b, w->e[k].a, w->e[k].len);
			uf_union(&parts, w->e[k].a, w->e[k].b);
		}
	t.disc = cdp_xcalloc(w->ng, sizeof(*t.disc));
	t.low = cdp_xcalloc(w->ng, sizeof(*t.low));
	t.parent_arc = cdp_xcalloc(w->ng, sizeof(*t.parent_arc));
	t.it = cdp_xcalloc(w->ng, sizeof(*t.it));
	for (uint32_t v = 0; v < w->ng; v++) {
		uint32_t r = uf_find(&parts, v);

		if (all.head[v] == NONE)
			continue;
		if (part[r] == NONE)
			part[r] = new_part(w, &all, &t, v, res, &cap);
		res->parts[part[r]].groups++;
		res->parts[part[r]].records += records[v];
	}
	for (size_t k = 0; k < w->ne; k++)
		if (w->e[k].kept)
			res->parts[part[uf_find(&parts, w->e[k].a)]].links++;
	for (size_t i = 0; i < res->nparts; i++) {
		struct cluster_part *cp = &res->parts[i];
		double g = cp->groups;

		cp->density = cp->links / (g * (g - 1) / 2);
		if (cp->records > res->largest)
			res->largest = cp->records;
	}
	free(all.head);
	free(all.next);
	free(all.to);
	free(all.len);
	tarjan_free(&t);
	free(part);
	uf_free(&parts);
}

static int
by_ends(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

/* Each link kept when its pair of groups is. */
static void
keep_links(struct work *w, const struct cluster_link *links, size_t n,
    struct cluster_result *res)
{
	res->keep = cdp_xcalloc(n, sizeof(*res->keep));
	if (w->ne == 0)
		return;
	qsort(w->e, w->ne, sizeof(*w->e), by_ends);
	for (size_t t = 0; t < n; t++) {
		struct edge key = { .a = links[t].a < links[t].b ? links[t].a :
		    links[t].b, .b = links[t].a < links[t].b ? links[t].b :
		    links[t].a };
		const struct edge *e = bsearch(&key, w->e, w->ne,
		    sizeof(*w->e), by_ends);

		res->keep[t] = e != NULL && e->kept;
	}
}

void
cluster_split(size_t ngroups, const uint64_t *records,
    const struct cluster_link *links, size_t n, double split_below,
    long max_cluster, struct cluster_result *res)
{
	struct work w = { .ng = ngroups };

	*res = (struct cluster_result){ 0 };
	w.g.head = cdp_xreallocarray(NULL, ngroups, sizeof(*w.g.head));
	memset(w.g.head, 0xff, (ngroups ? ngroups : 1) * sizeof(*w.g.head));
	w.stamp = cdp_xcalloc(ngroups, sizeof(*w.stamp));
	w.stack = cdp_xreallocarray(NULL, ngroups, sizeof(*w.stack));
	w.dist = cdp_xreallocarray(NULL, ngroups, sizeof(*w.dist));
	edges_of(&w, links, n);
	agglomerate(&w, records, split_below, max_cluster, res);
	measure(&w, records, res);
	keep_links(&w, links, n, res);
	free(w.e);
	free(w.g.head);
	free(w.g.next);
	free(w.g.to);
	free(w.g.len);
	free(w.stamp);
	free(w.stack);
	free(w.dist);
}

void
cluster_result_free(struct cluster_result *res)
{
	free(res->keep);
	free(res->parts);
	*res = (struct cluster_result){ 0 };
}
