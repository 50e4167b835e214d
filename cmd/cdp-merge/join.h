/*
 * join.h - what the rounds of cdp-merge's join share (job.c); join.c
 * runs a round and the connected components, name.c names the clusters.
 */
#ifndef MERGE_JOIN_H
#define MERGE_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "index.h"
#include "jfile.h"
#include "merge.h"
#include "token.h"

/* A hash table from 64-bit ids to 32-bit numbers (open addressing; an
 * id and its number side by side, one cache line for both). */
struct umap {
	struct uslot {
		uint64_t	k;	/* id + 1; 0 is an empty slot */
		uint32_t	v;
	}		*s;
	size_t		 cap, n;
};

/* The number stored for id, inserted as v when absent (*added set);
 * valid until the next insertion. */
uint32_t *umap_put(struct umap *m, uint64_t id, uint32_t v, bool *added);
uint32_t *umap_get(const struct umap *m, uint64_t id);
/* A hint that id is looked up soon: its slot starts loading into the
 * cache (the tables of a round are far larger than it). */
void	umap_prefetch(const struct umap *m, uint64_t id);
void	umap_free(struct umap *m);
/* Room for n ids in all, so that filling the table to n moves none of
 * them again (doubling from empty moves every id once more on the way,
 * over fresh pages). */
void	umap_reserve(struct umap *m, size_t n);

/* One round for one bucket. */
struct job {
	const struct merge_opts	*opt;
	struct tokens		*t;
	struct pidkey		*pk;	/* --id-key-file, NULL */
	char			 fp[17];
	const char		*in;	/* DIR/to-B */
	const char		*out;	/* -o: the next round's folder */
	int			 me, nb;	/* bucket B, buckets */
	char			 phase[16];	/* this round's */
	bool			 prior;	/* --emit-prior took part */
	bool			 gather_in;	/* the edges all came here */
	bool			 gather_out;	/* send them all to bucket 0 */
	unsigned long long	 total;	/* the senders' counts added */
	unsigned long long	 count;	/* this round's, for the header */
	char			**files;	/* in's files, sorted */
	size_t			 nfiles;
	bool			*consumed;	/* keep- files not carried on */
	struct jfset		 fs;	/* to the next round's buckets */
	bool			 fs_open;
	struct cdp_buf		 line, v1, v2;
	struct cdp_acct		 acct;	/* lines read ("used"), --stats */
	int			 nextra;
};

/* Whether a round's file is one the bucket carries (keep-). */
bool	job_is_keep(const char *name);

/* j->in/name into b. */
void	job_path(const struct job *j, const char *name, struct cdp_buf *b);

/* The number B of "B" (a bucket below JF_MAXB, no leading zero), or -1. */
int	job_bucket_number(const char *s);

/* Read every message file of the round (not keep- files) through fn. */
void	job_read(struct job *j, int (*fn)(void *, const struct jline *,
	    const char **), void *ctx);

/* Read the keep- file name (all starting so when it ends with '*')
 * through fn, and do not carry it on; false when the round has none. */
bool	job_keep(struct job *j, const char *name,
	    int (*fn)(void *, const struct jline *, const char **), void *ctx);

/* Open the next round's bucket files (header settled as given). */
void	job_open(struct job *j, bool settled);

/* Send the line in j->line to bucket b of the next round. */
void	job_send(struct job *j, int b);

/* Open this bucket's keep- file name for the next round. */
void	job_keep_open(struct job *j, struct jf *f, const char *name);

/* A count for --stats. */
void	job_count(struct job *j, const char *name, unsigned long long n);

/*
 * The value of a sealed name (name[0..n) of token tok, --ids field
 * field) into out; exits 65 when it does not open (another key).
 */
void	job_value(struct job *j, struct cdp_key128 tok, int field,
	    const char *name, size_t n, struct cdp_buf *out);

/* Byte order of (field name, value) as one process orders identifiers:
 * < 0, 0, > 0. */
int	job_cmp(const struct job *j, int fa, const struct cdp_buf *a, int fb,
	    const struct cdp_buf *b);

/* The profile id of identifier (field, value): "p_" and 32 hex digits. */
void	job_pid(const struct job *j, int field, const struct cdp_buf *value,
	    char out[PROFILE_ID_SIZE]);

/* The naming rounds (name.c). */
void	name1(struct job *j);
void	name2(struct job *j);
void	name3(struct job *j);
void	name4(struct job *j);
void	name5(struct job *j);

#endif
