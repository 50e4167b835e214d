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

#define CDP_CMP_MAX_LEVELS	7	/* levels of a comparison, null excluded */
#define CDP_CMP_MAX_T		4	/* arguments of a method */
#define CDP_CMP_MAX_PARTS	4	/* methods joined by '|' */
#define CDP_CMP_MAX_COLS	2	/* fields a method reads */

struct cdp_cmp_method;

/* One method of a comparison and its arguments. */
struct cdp_cmp_part {
	const struct cdp_cmp_method	*method;	/* a row of the table */
	double				 t[CDP_CMP_MAX_T];
	int				 nt;
	int				 nlev;	/* its own levels, exact..else */
};

/*
 * A parsed comparison: one method, or several ("jw(0.94)|nysiis|lev(2)")
 * whose levels follow each other.  Level 0 is null (a value missing),
 * level 1 exact (the same bytes in every field), then each method's own
 * levels in order, from the closest to the farthest, and last, level
 * nlev, "else".
 */
struct cdp_cmp {
	struct cdp_cmp_part	 part[CDP_CMP_MAX_PARTS];
	int			 nparts;
	int			 nlev;
	int			 ncols;	/* fields compared: 1, or 2 (name_swap,
					 * geo) */
};

/* A value: bytes s[0..n); n == 0 is a missing value. */
struct cdp_cmp_val {
	const char	*s;
	size_t		 n;
};

/* Scratch space of comparisons: zero it to start, cdp_cmp_scratch_free()
 * at the end.  One per thread of comparisons. */
struct cdp_cmp_scratch {
	struct cdp_buf	 a, b, c, d;
};

/*
 * Parse text into c: methods of the table joined by '|', each with its
 * arguments ("jw(0.94,0.88)", "lev(1,2)", "date(30)", "num(0.5)",
 * "exact", "nysiis", "name_swap(0.9)", "geo(1,10)"), a bare name for its
 * default arguments ("jw", "lev", "date"), or a shorthand of cdp-dedupe
 * ("jw>=0.92" is jw(0.92), "lev<=2" is lev(2), "lev<=0" is exact).
 * Returns 0, or -1 with err (EX_USAGE): "expected exact, jw(T1,T2,...),
 * ... or geo(KM1,...)" for an unknown method, or why the methods cannot
 * be joined.
 */
int	cdp_cmp_parse(struct cdp_cmp *c, const char *text, struct cdp_err *err);

/*
 * The level (0..c->nlev) of values a[0..c->ncols) and b[0..c->ncols),
 * each trimmed by the caller.  Exits 71 when memory runs out (strings
 * over 256 code points allocate).
 */
int	cdp_cmp_level(const struct cdp_cmp *c, const struct cdp_cmp_val *a,
	    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s);

/* Whether a level is agreement: neither null nor "else". */
bool	cdp_cmp_agrees(const struct cdp_cmp *c, int level);

/*
 * Whether level a is declared closer than level b (1 <= a < b <= nlev),
 * so that a model must weigh a at least as much as b: every level is
 * closer than "else", and of the levels of one method that orders them
 * (the thresholds of jw, lev, jw_nysiis, num, geo) the earlier one.
 * Exact is not compared with the levels in between: agreement by chance
 * on a common value ("Smith") is frequent among non-matches, so near
 * misses may rightly weigh more (--tf weighs exact by the value).  The
 * levels of date and name_swap, and of methods joined by '|', are
 * alternatives.
 */
bool	cdp_cmp_closer(const struct cdp_cmp *c, int a, int b);

/*
 * Append the name of level l (0..c->nlev) to out: "null", "exact",
 * "jw>=0.94", "day_month_swapped", ..., "else".  Exits 71 when memory
 * runs out.
 */
void	cdp_cmp_level_name(const struct cdp_cmp *c, int l, struct cdp_buf *out);

/*
 * Whether the comparison reads text (exact, jw, lev, soundex, nysiis,
 * jw_nysiis, name_swap), so that a caller folding case and accents for a
 * match key may do so; dates, numbers and coordinates are compared as
 * the values are written.
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
 * none of "(),:+|" and no space. */
bool	cdp_cmp_field_ok(const char *s, size_t n);

/*
 * The fields "F" or "F1+F2" of a comparison: pointers into s (modified:
 * the '+' becomes a NUL) in cols[0..CDP_CMP_MAX_COLS).  Returns the
 * count, or -1 when a name is not a field name or there are too many.
 */
int	cdp_cmp_fields(char *s, char **cols);

#endif
