/*
 * attr_out.h - the tables cdp-report attribution prints: the credit per
 * channel of every model (with intervals, removal effects, the positions
 * of the ordered Shapley value, the removal effects of sequences), or
 * the distinct paths.
 */
#ifndef ATTR_OUT_H
#define ATTR_OUT_H

#include "attr.h"

/* The channel names: channel i is names + off[i], i < n, in name order. */
struct attr_names {
	const char	*names;
	const size_t	*off;
	size_t		 n;
};

/* What the credit table shows. */
struct attr_show {
	struct attr_model	*models;	/* credited (attr_run) */
	size_t			 nmodels;
	bool			 value;		/* --value given */
	long			 reps;		/* --bootstrap, 0 = none */
	const char *const	*seqs;		/* --remove-sequence as given */
	int			 nseq;
};

/* Write the credit tables of s (the models' boot arrays are sorted). */
void	attr_credit_write(const struct report_opts *ro,
	    const struct attr_data *d, const struct attr_names *nm,
	    const struct attr_show *s);

/* Write the table of distinct paths (--paths). */
void	attr_paths_write(const struct report_opts *ro,
	    const struct attr_data *d, const struct attr_names *nm,
	    bool value);

#endif
