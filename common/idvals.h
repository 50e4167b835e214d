/*
 * idvals.h - the values of an identifier field, one shape for every
 * program: a string or number is one identifier, an array of them (a
 * profile's identifiers, `cdp-merge --rule F=all`) is a list, and
 * `_ids.F` (`cdp-merge --all-ids`) adds the other values a profile had.
 * Programs that match on identifiers (cdp-merge, cdp-join) use them all;
 * programs that group by one (cdp-dedupe, cdp-partition, cdp-score,
 * cdp-journey, cdp-export) use the first.
 */
#ifndef CDP_IDVALS_H
#define CDP_IDVALS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "record.h"

/*
 * Iterator over the identifier values of one field of a parsed record.
 * Zero it or let cdp_idvals_start() set it; it borrows the record, which
 * must stay parsed while it is used.
 */
struct cdp_idvals {
	const struct cdp_rec	*rec;
	const struct cdp_field	*f;	/* the field itself, NULL when done */
	const char		*p, *end;	/* the array being read */
	size_t			 pos;		/* cdp_span_next()'s place */
	const char		*sub, *subend;	/* _ids.F still to read */
	bool			 in_array;
	bool			 str;	/* the last value was a string */
};

/*
 * Start on field name[0..nlen) of rec; with ids true, `_ids.NAME` is read
 * after the field's own values.
 */
void	cdp_idvals_start(struct cdp_idvals *it, const struct cdp_rec *rec,
	    const char *name, size_t nlen, bool ids);

/*
 * The next value: its text in *s and *n (a string unescaped into scratch
 * when it has escapes, a number by its exact value written plainly into
 * scratch, cdp_num_key(): 1.0 is 1), not trimmed.  Nulls are
 * skipped.  Returns 1 with a value, 0 at the end, -1 when a value cannot
 * be an identifier (true, false, an object, an array inside the array;
 * *why is a static reason), -2 when memory runs out.
 */
int	cdp_idvals_next(struct cdp_idvals *it, struct cdp_buf *scratch,
	    const char **s, size_t *n, const char **why);

/*
 * The first identifier value of field name of rec (not of `_ids`), as
 * cdp_idvals_next() gives it: 1, 0 (missing, null or an empty array),
 * -1 (*why) or -2.
 */
int	cdp_idvals_first(const struct cdp_rec *rec, const char *name,
	    size_t nlen, struct cdp_buf *scratch, const char **s, size_t *n,
	    const char **why);

#endif
