/*
 * par.h - parallel blocks inside one process.  The main thread cuts the
 * inputs into large blocks of whole lines (whole rows for CSV, cut only
 * where no quoted field is open), worker threads parse and process the
 * blocks, and the main thread writes each block's output, rejects and
 * counts in input order: the result is the bytes one thread writes.
 *
 * Aggregators give each record's contribution to a lane chosen by its
 * key (a group, a customer, a field): lane i sees its items block after
 * block in input order, while the lanes run in parallel, so every key
 * folds its values in the order one thread would, and the lanes' states,
 * which hold disjoint keys, merge by union.
 *
 * Memory: at most 2 * threads + 2 blocks are in flight, each about
 * CDP_PAR_BLOCK bytes of input (more when one line is longer) and its
 * output.
 */
#ifndef CDP_PAR_H
#define CDP_PAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acct.h"
#include "buf.h"
#include "each.h"
#include "opts.h"
#include "out.h"
#include "progress.h"

#define CDP_PAR_BLOCK	((size_t)512 << 10)	/* input bytes per block */
#define CDP_PAR_MAXTHREADS	64

/* What the workers counted in a block; the writer adds it up in order. */
struct cdp_par_count {
	unsigned long long	read, written, dropped, merged;
};

/* One block of whole lines (or CSV rows) of one input. */
struct cdp_par_block {
	const char		*p;	/* the bytes; a line is cut short
					   only at the end of an input */
	size_t			 len;
	const char		*file;	/* the input's name in messages */
	const char		*src;	/* the _src of its rejects */
	int			 input;	/* its index */
	long			 line;	/* line number of p[0]; 1 with
					   prog->block_lines */
	long			 nlines;	/* the lines p holds, counted
					   by cdp_par_lines() */
	uint64_t		 seq;	/* place in input order, from 0 */
	bool			 cut;	/* p holds the first bytes of one line
					   longer than the cap: reject it */
	bool			 first, last;	/* of its input */
	struct cdp_par_count	 n;
	struct cdp_buf		*out;	/* output per channel */
	struct cdp_buf		*lane;	/* the program's items per lane */
	struct cdp_par_count	*lane_n;	/* per lane: what it decided of
					   the records it folded */
	struct cdp_buf		*lev;	/* private: per lane, its rejects */
	void			*user;	/* the program's, kept with the
					   block's slot from run to run */
	struct cdp_buf		 ev;	/* private: rejects, warnings,
					   failures in input order */
};

/* An input the reader reads: an open descriptor and what to call it. */
struct cdp_par_input {
	int		 fd;
	const char	*name;	/* in messages */
	const char	*src;	/* the _src of its rejects (NULL: name) */
	const char	*pre;	/* bytes already read from fd, read first */
	size_t		 prelen;
	long		 line;	/* the line number of its first byte */
	bool		 bom;	/* drop a UTF-8 BOM at its start */
};

struct cdp_par_prog {
	/* Per record of a block of NDJSON lines, on a worker thread, with
	 * that thread's ctx; returns as a cdp_each_fn does, or 2 when its
	 * lane decides (and counts it in b->lane_n).  at->blk is the block,
	 * for cdp_par_put() and the lanes. */
	cdp_each_fn	 record;
	/* Or per block (it reads b->p itself, and counts b->n.read). */
	void		(*block)(void *ctx, struct cdp_par_block *b);
	void		**ctx;		/* one per thread */
	/* Lane i folds b->lane[i] of every block in input order. */
	int		 nlanes;
	void		(*lane)(void *lctx, struct cdp_par_block *b, int i);
	void		**lctx;		/* one per lane */
	/* After the lanes of a block, on any worker (with its ctx). */
	void		(*finish)(void *ctx, struct cdp_par_block *b);
	/* In input order, before and after a block is written (before: a
	 * program may stop there, as cdp-ingest does when a decompressing
	 * thread failed). */
	void		(*check)(void *shared, struct cdp_par_block *b);
	void		(*written)(void *shared, struct cdp_par_block *b);
	/* After reject k of block b (0, 1, ... in the block) is written to
	 * the account, in input order (cdp-ingest's tally of reasons and
	 * --max-rejects). */
	void		(*rejected)(void *shared, struct cdp_par_block *b,
			    size_t k, const char *why);
	void		*shared;
	/* Channel i of every block is written to outs[i] (none: NULL). */
	struct cdp_out	**outs;
	int		 nouts;
	/* Inputs: next() opens the next one into *in (1), or says there is
	 * none left (0); done() is called with its index after its last
	 * block was written (its strings must live until then).  Without
	 * next(), the files of cdp_par_run() are opened as cdp_lines does. */
	int		(*next)(void *shared, struct cdp_par_input *in);
	void		(*done)(void *shared, int input);
	/* Bytes of input i's file used when the reader has read off bytes
	 * of it (progress; NULL: off itself). */
	off_t		(*offset)(void *shared, int input, off_t off);
	/* Frees a block's user pointer at the end of the run (NULL: none
	 * was set). */
	void		(*user_free)(void *user);
	/* A progress bar the program keeps over several runs (NULL: the
	 * run draws its own), and the input bytes done before this run. */
	struct cdp_progress *progress;
	off_t		 progress_base;
	/* CSV: cut only where no quoted field is open (delimiter, and
	 * whether spaces before a quote are trimmed as libcsv does); lines
	 * end at CR, LF or CRLF then, as cdp-ingest counts them. */
	char		 csv;
	bool		 csv_trim;
	/* NDJSON (no csv) walked with cdp_par_lines() (by record, or by a
	 * block function that calls it), whose line numbers go only to
	 * cdp_par_reject(), cdp_par_lane_reject() and cdp_par_fail(), or
	 * are compared within a block (with b->seq across blocks): lines
	 * are then numbered from 1 in each block, the workers count them,
	 * and the writer gives the messages the input's line numbers; the
	 * reader skips its pass over every byte counting newlines. */
	bool		 block_lines;
};

/* What a run used, for --stats. */
struct cdp_par_info {
	int		threads;
	bool		asked;		/* --threads or CDP_THREADS set it */
	size_t		blocks;		/* blocks the inputs were cut into
					   (at most 2 * threads + 2 in
					   flight) */
	size_t		bytes;		/* most bytes the blocks held:
					   inputs, outputs, lanes */
	off_t		done;		/* input bytes used at the end, with
					   prog->progress_base */
};

/*
 * The thread count for c: --threads, else the environment variable
 * CDP_THREADS, else the CPUs online; 1 with --unbuffered (a live stream
 * cannot wait for a block to fill).  *asked tells whether it was set.
 */
int	cdp_par_threads(const struct cdp_common_opts *c, bool *asked);

/*
 * Run prog over files[0..nfiles) (standard input when none; ignored
 * when prog->next is set) with threads workers, threads >= 2 (with 1,
 * programs keep their one-thread code).  The account acct gets every
 * count, and the rejects in input order; c gives --max-record-bytes and
 * --progress.  Exits on an input that cannot be opened (checked before
 * the first block), a read error, or a reject with no --rejects file.
 */
void	cdp_par_run(const struct cdp_par_prog *prog, char **files, int nfiles,
	    int threads, const struct cdp_common_opts *c,
	    struct cdp_acct *acct, struct cdp_par_info *info);

/*
 * The lines of block b as cdp_lines_next() gives them (blank lines
 * skipped, a CR before LF dropped, lines over max cut short with
 * too_long set), each to fn with ctx: for a program's block function.
 * Sets b->nlines.
 */
void	cdp_par_lines(struct cdp_par_block *b, size_t max,
	    void (*fn)(void *ctx, struct cdp_par_block *b,
	    const struct cdp_line *l), void *ctx);

/*
 * CSV (delimiter delim, trim as libcsv trims spaces before a quote): the
 * place after the first LF of p[0..n) that ends a row, or 0 when none
 * does.  For reading a header row apart.
 */
size_t	cdp_par_csv_row_end(const char *p, size_t n, char delim, bool trim);

/* The lines of p[0..n): LF ends one; for CSV a CR too, CRLF once. */
long	cdp_par_count_lines(const char *p, size_t n, bool csv);

/* Append output to channel chan of block b (exits out of memory). */
void	cdp_par_put(struct cdp_par_block *b, int chan, const void *p,
	    size_t n);

/*
 * Reject the record of line line of b (why and raw copied), to be
 * written in input order.  A record callback returns -1 instead.
 */
void	cdp_par_reject(struct cdp_par_block *b, long line, const char *why,
	    const char *raw, size_t rawlen);

/*
 * Lane lane rejects the record of line line of b (a lane that decides
 * what its records are, as cdp-report cohort's does): written in input
 * order with the rest.  The lane counts its other records in
 * b->lane_n[lane].
 */
void	cdp_par_lane_reject(struct cdp_par_block *b, int lane, long line,
	    const char *why, const char *raw, size_t rawlen);

/* A line for the rejects file, uncounted (cdp-ingest's warnings). */
void	cdp_par_note(struct cdp_par_block *b, const char *text, size_t n);

/*
 * Stop the run at line line of b (0: no line) with code and msg, when
 * the writer gets there: what comes before it is written first, as one
 * thread would have.  Lanes may call it on the same block at once; the
 * earliest line wins.
 */
void	cdp_par_fail(struct cdp_par_block *b, long line, int code,
	    const char *msg);

/* The --stats counts of info (threads, blocks, block_bytes) appended to
 * a's extra counts, when the thread count was asked for. */
void	cdp_par_account(const struct cdp_par_info *info, struct cdp_acct *a);

#endif
