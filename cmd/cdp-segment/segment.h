/*
 * segment.h - cdp-segment's options and its run: filter records with
 * --where and tag them with the segments whose rules they match.
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stdbool.h>

#include "diag.h"
#include "expr.h"
#include "opts.h"

/* A named segment and its compiled rule (both owned by the options). */
struct seg {
	char		*name;
	struct cdp_expr	*when;
};

struct segment_opts {
	struct cdp_common_opts	 common;
	struct cdp_expr		**where;	/* all must be true */
	int			 nwhere;
	struct seg		*segs;		/* in order, without --else */
	int			 nsegs;
	const char		*else_name;	/* --else */
	const char		*split;		/* --split DIR */
	bool			 first_match;
	bool			 replace;	/* --replace: input "segments" */
};

/*
 * Parse the command line into *opt, compiling every expression and
 * loading --rules.  Returns the index of the first FILE in argv.  Exits
 * 64 on misuse or a bad expression, 66/65 on an unreadable or bad rules
 * file.
 */
int	parse_options(int argc, char *argv[], struct segment_opts *opt);

/* Release what parse_options() allocated. */
void	free_options(struct segment_opts *opt);

/*
 * Compile the expression src[0..len) with opt's --as-of.  Returns a new
 * expression, or NULL with err (err->line 0: out of memory).
 */
struct cdp_expr *seg_compile(const struct segment_opts *opt,
	    const char *src, size_t len, struct cdp_expr_err *err);

/* Append segment name (copied) with its rule e (taken over) to opt. */
void	seg_add(struct segment_opts *opt, const char *name,
	    struct cdp_expr *e);

/*
 * Append the segments of the --rules file path to opt.  Returns 0; or -1
 * with err: 66 when it cannot be opened, 65 "PATH:LINE: reason" for a
 * bad file.  The segments appended before an error stay in opt, freed by
 * free_options().
 */
int	seg_rules_load(struct segment_opts *opt, const char *path,
	    struct cdp_err *err);

/*
 * Segment names (--else included) are unique and, with --split, file
 * names.  Returns 0, or -1 with err (EX_USAGE).
 */
int	seg_names_check(const struct segment_opts *opt, struct cdp_err *err);

/* Read files[0..nfiles) (stdin when none) and write the records.
 * Returns the exit status; fatal errors exit through cdp_die(). */
int	segment_run(const struct segment_opts *opt, char **files, int nfiles);

#endif
