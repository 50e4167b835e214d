/*
 * cluster.h - cdp-merge --probabilistic: clusters that do not chain.
 * The links the linker accepted join groups of records (the records an
 * identifier already joined, never split); a cluster whose weakest path
 * is below --split-below, or that has more than --max-cluster records,
 * is cut at its weakest links.  Each cluster's size, density and bridges
 * are measured for --stats and --explain.
 */
#ifndef MERGE_CLUSTER_H
#define MERGE_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A link between groups a and b (a != b) with its match probability. */
struct cluster_link {
	uint32_t	a, b;
	double		p;
};

/* A cluster of two groups or more, after the cuts. */
struct cluster_part {
	uint32_t	rep;	/* one of its groups */
	uint64_t	records;
	uint32_t	groups;
	uint32_t	links;	/* pairs of its groups linked */
	uint32_t	bridges;	/* links whose loss would split it */
	double		density;	/* links / pairs of groups */
	double		weakest;	/* weakest path: product of the
					 * probabilities on its tree */
};

struct cluster_result {
	bool			*keep;	/* per link: kept */
	struct cluster_part	*parts;
	size_t			 nparts;
	unsigned long long	 cut;	/* links cut */
	unsigned long long	 bridges;
	uint64_t		 largest;	/* records */
};

/*
 * Cluster groups 0..ngroups-1 (group g holds records[g] records) by
 * links[0..n): a maximum spanning forest of the links is built and its
 * links taken strongest first, each unless the cluster it makes would
 * have a path weaker than split_below (the product of the probabilities
 * along the forest; 0: no limit) or more than max_cluster records (0:
 * no limit).  Links inside a cluster are kept too.  Fills res (free it
 * with cluster_result_free()); exits 71 when out of memory.
 */
void	cluster_split(size_t ngroups, const uint64_t *records,
	    const struct cluster_link *links, size_t n, double split_below,
	    long max_cluster, struct cluster_result *res);

void	cluster_result_free(struct cluster_result *res);

#endif
