/*
 * jfile.h - the files cdp-merge's phases over partitions hand each other.
 *
 * A join folder holds one folder per round; in it, "to-B" holds what
 * bucket B reads next: one file from each sender (a part at --emit-links,
 * a bucket in the rounds) and the bucket's own "keep-" files, which it
 * carries from round to round.  Every file starts with a header line
 *
 *   #cdp-merge-join TAB 3 TAB PHASE TAB BUCKETS TAB FROM TAB OPTS TAB
 *   SETTLED TAB PRIOR TAB GATHER TAB COUNT
 *
 * then lines of TAB-separated fields, the first a letter naming the kind.
 * A format of this version of cdp-merge for its own phases, not an
 * interface.
 */
#ifndef MERGE_JFILE_H
#define MERGE_JFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keymap.h"
#include "out.h"

#define JF_MAXB		256	/* --buckets at most */
#define JF_MAXFIELDS	12
#define JF_NAMEMAX	128	/* a part's name */

/* A file's header. */
struct jhead {
	char	phase[16];	/* what the sender ran */
	int	buckets;
	char	from[JF_NAMEMAX];	/* a part's name or a bucket number */
	char	opts[17];	/* options_print() of the sender */
	bool	settled;	/* a round whose input was a star forest */
	bool	prior;		/* --emit-prior files took part */
	bool	gather;		/* all edges sent to bucket 0 */
	unsigned long long count;	/* deg: the bucket's linking values */
};

/* One line split at its TABs: f[i][0..n[i]). */
struct jline {
	const char	*f[JF_MAXFIELDS];
	size_t		 n[JF_MAXFIELDS];
	int		 nf;
	const char	*file;	/* for messages */
	long		 lineno;
	const struct jhead *head;
};

/* The bucket of a token or set hash: the same on every machine. */
int	jf_bucket(struct cdp_key128 k, int buckets);

/* The bucket of a profile id's text. */
int	jf_bucket_text(const char *s, size_t n, int buckets);

/* Whether s is a part's name: [A-Za-z0-9][A-Za-z0-9._-]*, shorter than
 * JF_NAMEMAX. */
bool	jf_name_ok(const char *s);

/*
 * Writers: files opened with jf_open() are written through common/out
 * (a temporary renamed by jf_close()).  jf_head() formats a header line.
 */
struct jf {
	struct cdp_out	*o;
	unsigned long long lines;
};

/* Make folder path and its parents.  Exits 73 when it cannot. */
void	jf_mkdir(const char *path);

/* Open dir/name (dir made), write the header h.  Exits on failure. */
void	jf_open(struct jf *f, const char *dir, const char *name,
	    const struct jhead *h);

/* Append the line in b (a newline added).  Exits on a write error. */
void	jf_put(struct jf *f, const struct cdp_buf *b);

/* Close and rename into place; a NULL o is a no-op.  Exits on error. */
void	jf_close(struct jf *f);

/*
 * The bucket files of one sender: dir/to-B/name for B in
 * [0, h->buckets), opened at once so that every bucket hears from every
 * sender, even with nothing to say.
 */
struct jfset {
	struct jf	*f;
	int		 n;
	unsigned long long lines;
};

void	jfset_open(struct jfset *s, const char *dir, const char *name,
	    const struct jhead *h);
void	jfset_put(struct jfset *s, int bucket, const struct cdp_buf *b);
void	jfset_close(struct jfset *s);

/*
 * The files of folder dir, sorted by name; hidden ones (temporaries) are
 * left out.  Returns their number and the names in *names (free with
 * jf_names_free()).  Exits 66 when dir cannot be read.
 */
size_t	jf_list(const char *dir, char ***names);
void	jf_names_free(char **names, size_t n);

/*
 * Read file path: its header into *h (checked: a join file, this version,
 * opts equal to want when want is non-NULL), then fn(ctx, line) for every
 * line after it; fn returns 0, or -1 with *why to stop with 65.  Returns
 * the lines read after the header.  Exits 66 or 65 on a bad file.
 */
unsigned long long jf_read(const char *path, const char *want, struct jhead *h,
	    int (*fn)(void *ctx, const struct jline *l, const char **why),
	    void *ctx);

/* Only the header of path into *h; exits like jf_read(). */
void	jf_read_head(const char *path, const char *want, struct jhead *h);

/* Field i of l as a key (key_text()), or exits 65 naming the line. */
struct cdp_key128 jl_key(const struct jline *l, int i);

/* Field i of l as a whole number, or exits 65. */
uint64_t jl_num(const struct jline *l, int i);

/* Exit 65 with "FILE:LINE: bad join file: what". */
_Noreturn void jl_bad(const struct jline *l, const char *what);

/* Append fields to b: a key (key_text()), a number, text, a TAB. */
void	jb_key(struct cdp_buf *b, struct cdp_key128 k);
void	jb_num(struct cdp_buf *b, uint64_t v);
void	jb_str(struct cdp_buf *b, const char *s, size_t n);
void	jb_tab(struct cdp_buf *b);

#endif
