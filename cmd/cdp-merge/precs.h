/*
 * precs.h - a part's records as --emit-links found them, for its
 * --apply-map: which values (as tokens) each good record has, so that
 * the apply looks numbers up instead of parsing, normalising and hashing
 * every identifier again.
 *
 * Written only for --part K/N of a named regular file, as J/r0/recs-PART
 * beside the emit's buckets; the apply of --apply-map J/rR reads
 * J/r0/recs-PART when it is there (else it finds the values itself, as
 * before).  The file names the input's size and modification time: an
 * apply of a changed input exits 65.  Binary, in this machine's byte
 * order (checked), a format of this version of cdp-merge for its own
 * phases.
 */
#ifndef MERGE_PRECS_H
#define MERGE_PRECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "keymap.h"

/* The line numbers (in the part) of the good records, in order; the
 * high bit set for a plain line (precs_line()). */
struct precs_lines {
	uint32_t	*line;
	size_t		 n, cap;
};

#define PRECS_PLAIN	UINT32_C(0x80000000)

/*
 * Record the good record on line lineno of the part; plain when the line
 * is its fields in the writer's form and its '}' (cdp_rec_compact_end())
 * and it has no profile_id: the apply then writes the line as it is, with
 * the id added.  Exits 65 past 2^31 - 1 lines.
 */
void	precs_line(struct precs_lines *pl, long lineno, bool plain);

/*
 * --emit-links --part K/N of file: write OUT/recs-PART (OUT the emit's
 * folder) from ix (its records and their nodes), tok (each node's token)
 * and pl.  Exits 73 or 74 when it cannot.
 */
void	precs_write(const struct index *ix, const struct cdp_key128 *tok,
	    const struct precs_lines *pl, const char *file, const char *part,
	    const char *fp);

/* A part's records, read back (mapped). */
struct precs {
	const uint32_t	*line;	/* good record k on line line[k] */
	const uint32_t	*off;	/* record k: edges[off[k]..off[k + 1]) */
	const uint32_t	*edges;	/* node numbers */
	const unsigned char *tok;	/* node i's token: 16 bytes at 16 i */
	size_t		 nrecs, nnodes, nedges;
	size_t		 cur;	/* the next record to look for */
	void		*map;
	size_t		 maplen;
};

/*
 * --apply-map DIR --part K/N of file: map DIR/../r0/recs-PART into *pr.
 * Returns 1, or 0 when there is no such file (pr untouched).  Exits 65
 * when the file is not one of this join (fp), of this part, or the input
 * is not as the emit read it (its size or modification time changed).
 */
int	precs_open(struct precs *pr, const char *dir, const char *file,
	    const char *part, const char *fp);

/* The good record on line lineno (lines asked in increasing order), or
 * -1 when the emit did not take it. */
long	precs_find(struct precs *pr, long lineno);

/* Whether good record r's line is plain (precs_line()). */
bool	precs_plain(const struct precs *pr, size_t r);

/* Node i's token. */
struct cdp_key128 precs_tok(const struct precs *pr, uint32_t i);

void	precs_close(struct precs *pr);

#endif
