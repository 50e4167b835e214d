/*
 * uf.h - union-find (disjoint sets) over dense uint32 element numbers,
 * with path compression and union by rank.
 */
#ifndef MERGE_UF_H
#define MERGE_UF_H

#include <stddef.h>
#include <stdint.h>

struct uf {
	uint32_t	*parent;
	uint8_t		*rank;
	size_t		 n;
};

/* Make n singleton sets 0..n-1 in u.  Returns 0, or -1 when out of
 * memory (u is then empty and may be freed). */
int	uf_init(struct uf *u, size_t n);

/* The representative of x's set; compresses the path it walks. */
uint32_t uf_find(struct uf *u, uint32_t x);

/* Join the sets of a and b. */
void	uf_union(struct uf *u, uint32_t a, uint32_t b);

/* Release the arrays; a zeroed or freed struct is a no-op. */
void	uf_free(struct uf *u);

#endif
