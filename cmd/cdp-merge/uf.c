/* uf.c - union-find with path compression and union by rank. */
#include <assert.h>
#include <stdlib.h>

#include "uf.h"

int
uf_init(struct uf *u, size_t n)
{
	u->n = n;
	u->parent = malloc((n ? n : 1) * sizeof(*u->parent));
	u->rank = calloc(n ? n : 1, sizeof(*u->rank));
	if (u->parent == NULL || u->rank == NULL) {
		uf_free(u);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		u->parent[i] = (uint32_t)i;
	return 0;
}

uint32_t
uf_find(struct uf *u, uint32_t x)
{
	uint32_t root = x;

	assert(x < u->n);
	while (u->parent[root] != root)
		root = u->parent[root];
	/* Second walk: point every element on the path at the root. */
	while (u->parent[x] != root) {
		uint32_t next = u->parent[x];

		u->parent[x] = root;
		x = next;
	}
	return root;
}

void
uf_union(struct uf *u, uint32_t a, uint32_t b)
{
	a = uf_find(u, a);
	b = uf_find(u, b);
	if (a == b)
		return;
	/* By rank, a tree of rank r holds 2^r elements at least. */
	assert(u->rank[a] < 32 && u->rank[b] < 32);
	if (u->rank[a] < u->rank[b]) {
		uint32_t t = a;

		a = b;
		b = t;
	}
	u->parent[b] = a;
	if (u->rank[a] == u->rank[b])
		u->rank[a]++;
}

void
uf_free(struct uf *u)
{
	free(u->parent);
	free(u->rank);
	u->parent = NULL;
	u->rank = NULL;
	u->n = 0;
}
