/*
 * segment.h - cdp-segment's options and its run: filter records with
 * --where and tag them with the segments whose rules they match.
 */
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stdbool.h>

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

/* Read files[0..nfiles) (stdin when none) and write the records.
 * Returns the exit status; fatal errors exit through cdp_die(). */
int	segment_run(const struct segment_opts *opt, char **files, int nfiles);

#endif
