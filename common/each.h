/*
 * each.h - the read loop of the programs that consume NDJSON records:
 * open every input before any output, read its lines, parse each as a
 * record, hand it to the program, and account for it (a record that does
 * not parse, is too long, or that the program refuses is rejected with
 * its file and line).  Progress bar included.
 */
#ifndef CDP_EACH_H
#define CDP_EACH_H

#include "acct.h"
#include "lines.h"
#include "opts.h"
#include "record.h"

struct cdp_par_block;

/*
 * Where the loop is, for the callback: the file's name in messages and
 * the record's raw line (p/len/lineno); in a parallel run (par.h) the
 * block the line is in, else NULL.
 */
struct cdp_each_at {
	const char		*file;
	const struct cdp_line	*line;
	struct cdp_par_block	*blk;
};

/*
 * The program's part: called once per parsed record.  Return 0 when the
 * record was used, 1 when it was skipped on purpose (counted as dropped),
 * or -1 with *why set to a static or long-lived reason to reject it.
 */
typedef int	(*cdp_each_fn)(void *ctx, struct cdp_rec *rec,
		    const struct cdp_each_at *at, const char **why);

/*
 * Read files[0..nfiles) (standard input when nfiles is 0) record by record
 * through fn.  acct must be open (cdp_acct_open); read, rejected and
 * dropped are counted here, and "written" counts the records fn used
 * (aggregating programs print it as "used", see cdp_acct).  Uses
 * c->max_record_bytes and c->progress.  Exits on an input that cannot be
 * opened (before fn is first called), on a read error, and on the first
 * rejected record when there is no --rejects file.
 */
void	cdp_each(char **files, int nfiles, const struct cdp_common_opts *c,
	    struct cdp_acct *acct, cdp_each_fn fn, void *ctx);

/*
 * Like cdp_each() on the one regular file file, reading only its part k of
 * n (cdp_lines_part()); exits 64 when file is not a regular file.
 */
void	cdp_each_part(const char *file, long k, long n,
	    const struct cdp_common_opts *c, struct cdp_acct *acct,
	    cdp_each_fn fn, void *ctx);

/*
 * A look at a line before it is parsed: return 1 when the line is used as
 * it is (counted as written, fn not called), 0 to parse it and call fn.
 * Lines over the cap are not shown.
 */
typedef int	(*cdp_each_raw_fn)(void *ctx, const struct cdp_each_at *at);

/* cdp_each_part() with raw shown each line first. */
void	cdp_each_part_raw(const char *file, long k, long n,
	    const struct cdp_common_opts *c, struct cdp_acct *acct,
	    cdp_each_raw_fn raw, cdp_each_fn fn, void *ctx);

#endif
