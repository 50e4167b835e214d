/*
 * expr.h - the rule expression language of cdp-segment (and of the other
 * programs that take conditions): a hand-written parser compiles the text
 * once to a tree, which is evaluated per record against the spans of a
 * struct cdp_rec with no allocation once its buffers have grown.
 */
#ifndef CDP_EXPR_H
#define CDP_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

/* A compiled expression (opaque); cdp_expr_free() releases it. */
struct cdp_expr;

/* What the expression may use, given at compile time. */
struct cdp_expr_opts {
	bool	has_as_of;	/* days_since()/days_until() allowed */
	long	as_of;		/* --as-of, in days since 1970-01-01 */
};

/*
 * A compile error: line and column (1-based, columns count characters)
 * of the place, and what was expected there, e.g. "expected ')'".
 * Programs print it as "prog: --where:LINE:COL: MSG".
 */
struct cdp_expr_err {
	int	line;
	int	col;
	char	msg[160];
};

/* Kinds of value an expression yields (enum cdp_val.type). */
enum cdp_vtype {
	CDP_V_NULL,	/* a JSON null, a missing field, an unknown result */
	CDP_V_BOOL,
	CDP_V_NUM,
	CDP_V_STR,	/* s/n: UTF-8 text, unescaped */
	CDP_V_ARR,	/* s/n: the array's JSON text */
	CDP_V_OBJ	/* s/n: the object's JSON text */
};

/*
 * A value.  s points into the record's line or into a buffer of the
 * expression: valid until the next evaluation or the next parse.
 */
struct cdp_val {
	enum cdp_vtype	 type;
	bool		 b;
	double		 num;
	const char	*s;
	size_t		 n;
	/* CDP_V_NUM from a record or a literal: its JSON text, so that two
	 * numbers one double cannot tell apart (20-digit ids) never compare
	 * equal; NULL for a computed number. */
	const char	*ntext;
	size_t		 nn;
};

/*
 * Compile src[0..len) (UTF-8).  Returns a new expression, or NULL with
 * *err filled (a syntax error, an unknown function, days_since() without
 * opts->has_as_of, a bad regex; line/col point at it).  Allocation
 * failure gives NULL with line 0 and msg "out of memory".  opts may be
 * NULL (no --as-of).
 */
struct cdp_expr *cdp_expr_compile(const char *src, size_t len,
	    const struct cdp_expr_opts *opts, struct cdp_expr_err *err);

/* Release e; NULL is a no-op. */
void	cdp_expr_free(struct cdp_expr *e);

/*
 * A copy of e to evaluate in another thread (an expression keeps
 * scratch space and regex match data of its own).  Returns a new
 * expression, or NULL when out of memory.
 */
struct cdp_expr *cdp_expr_clone(const struct cdp_expr *e);

/*
 * Evaluate e against record r (parsed by cdp_rec_parse()).  Returns 0
 * with *out set, or -1 with *why set to a static reason when the record
 * cannot be evaluated: "regex limit" (a match, depth or heap limit was
 * hit), "number out of range" (a number that is not a finite double),
 * "days_since: not a date", "out of memory".  Such a record is bad data.
 */
int	cdp_expr_eval(struct cdp_expr *e, struct cdp_rec *r,
	    struct cdp_val *out, const char **why);

/*
 * Evaluate e as a condition: returns 1 when it yields true, 0 when it
 * yields anything else (false, null, a non-boolean), or -1 as above.
 */
int	cdp_expr_test(struct cdp_expr *e, struct cdp_rec *r,
	    const char **why);

/*
 * The top-level field names e reads, one per call, in the order they are
 * written (a name read twice comes twice): start with *pos = 0; returns 1
 * with the unescaped name in *key and *klen (owned by e), or 0 after the
 * last.  Programs use it to tell a user which fields a rule needs.
 */
int	cdp_expr_field_next(const struct cdp_expr *e, int *pos,
	    const char **key, size_t *klen);

#endif
