/*
 * compare.h - comparisons of two records' values into levels, shared by
 * cdp-merge --probabilistic (a level per comparison, weighed by the model)
 * and cdp-dedupe --fuzzy (a condition met by every level but null and
 * "else").  Each method is one row of a table in compare.c: its name, how
 * its arguments parse, the level of two values and the name of a level.
 */
#ifndef CDP_COMPARE_H
#define CDP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define CDP_CMP_MAX_LEVELS	6	/* levels of a method, null excluded */
#define CDP_CMP_MAX_T		(CDP_CMP_MAX_LEVELS - 2)	/* thresholds */

struct cdp_cmp_method;

/*
 * A parsed method.  Level 0 is null (a value missing on either side),
 * level 1 exact (the same bytes), levels 2..nlev-1 the method's own from
 * the closest to the farthest, level nlev "else".
 */
struct cdp_cmp {
	const struct cdp_cmp_method	*method;	/* a row of the table */
	double				 t[CDP_CMP_MAX_T];	/* arguments */
	int				 nt;
	int				 nlev;
};

/* A value: bytes s[0..n); n == 0 is a missing value. */
struct cdp_cmp_val {
	const char	*s;
	size_t		 n;
};

/* Scratch space of comparisons: zero it to start, cdp_cmp_scratch_free()
 * at the end.  One per thread of comparisons. */
struct cdp_cmp_scratch {
	struct cdp_buf	 a, b;
};

/*
 * Parse text into c: a method of the table with its arguments
 * ("jw(0.94,0.88)", "lev(1,2)", "date(30)", "num(0.5)", "exact"), a bare
 * name for its default arguments ("jw", "lev", "date"), or a shorthand of
 * cdp-dedupe ("jw>=0.92" is jw(0.92), "lev<=2" is lev(2), "lev<=0" is
 * exact).  Returns 0, or -1 with err (EX_USAGE) listing the methods:
 * "expected exact, jw(T1,T2,...), ... or num(TOL)".
 */
int	cdp_cmp_parse(struct cdp_cmp *c, const char *text, struct cdp_err *err);

/*
 * The level (0..c->nlev) of values a and b, each trimmed by the caller.
 * Exits 71 when memory runs out (strings over 256 code points allocate).
 */
int	cdp_cmp_level(const struct cdp_cmp *c, struct cdp_cmp_val a,
	    struct cdp_cmp_val b, struct cdp_cmp_scratch *s);

/* Whether a level is agreement: neither null nor "else". */
bool	cdp_cmp_agrees(const struct cdp_cmp *c, int level);

/*
 * Append the name of level l (0..c->nlev) to out: "null", "exact",
 * "jw>=0.94", "day_month_swapped", ..., "else".  Exits 71 when memory
 * runs out.
 */
void	cdp_cmp_level_name(const struct cdp_cmp *c, int l, struct cdp_buf *out);

/*
 * Whether the method compares text (exact, jw, lev), so that a caller
 * folding case and accents for a match key may do so; dates and numbers
 * are compared as the values are written.
 */
bool	cdp_cmp_textual(const struct cdp_cmp *c);

void	cdp_cmp_scratch_free(struct cdp_cmp_scratch *s);

/*
 * Split s in place at the commas outside parentheses into items[0..max)
 * ("jw(0.9,0.8),lev(1)" is two items).  Returns the count, or -1 on an
 * empty item, unbalanced parentheses or more than max items.
 */
int	cdp_cmp_split(char *s, char **items, int max);

/*
 * "fn(ARGS)" as the whole of s: *args and *alen give ARGS.  False when s
 * is not a call of fn.
 */
bool	cdp_cmp_call(const char *s, const char *fn, const char **args,
	    size_t *alen);

/* Whether s[0..n) can name a field in method and rule texts: not empty,
 * none of "(),:" and no space. */
bool	cdp_cmp_field_ok(const char *s, size_t n);

#endif
