/*
 * steps.h - the steps one value goes through: type, normaliser, pattern
 * and hash, as a field's spec says.
 */
#ifndef STEPS_H
#define STEPS_H

#include "ingest.h"

/* True when spec gives the value anything to do. */
bool	steps_any(const struct fspec *spec);

/*
 * Run the steps of c's spec on its value; the result goes to w->vals and
 * c points at it.  For money, w->cur gets the currency ("" for none).
 * Returns 0, or -1 with *why "field "NAME": reason" (the value quoted
 * only with --verbose), c unchanged.
 */
int	steps_run(const struct ingest_opts *opt, struct plan_work *w,
	    struct cell *c, const char **why);

/* The value of c to work on: 0, or -1 for an object or array. */
struct val {
	const char	*s;
	size_t		 n;
	bool		 raw;	/* JSON text, not string contents */
};
int	cell_value(struct plan_work *w, const struct cell *c, struct val *v);

#endif
