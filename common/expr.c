/*
 * expr.c - rule expressions: a recursive-descent parser into a tree of
 * nodes, and an evaluator that reads record fields as spans of the line,
 * walking nested objects and arrays in the validated text.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "buf.h"
#include "expr.h"
#include "opts.h"
#include "record.h"
#include "span.h"
#include "timeval.h"

#define MATCH_LIMIT	1000000		/* backtracking steps per match */
#define HEAP_LIMIT	10000		/* backtracking memory, in KiB */
#define DEPTH_LIMIT	10000		/* nested backtracking frames */
#define MAX_NEST	200		/* parentheses, brackets, unary ops */
#define MAX_TREE	1000		/* tree depth: the evaluator stack */

enum op {
	N_LIT, N_PATH, N_LIST,
	N_NOT, N_NEG, N_AND, N_OR,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
	N_IN, N_MATCH,
	N_EXISTS, N_LEN, N_LOWER, N_UPPER, N_CONTAINS, N_COALESCE,
	N_DAYS_SINCE, N_DAYS_UNTIL,
	N_YEAR, N_MONTH, N_WEEK, N_DAY
};

/* One step of a field path: a key (unescaped, owned) or an index. */
struct step {
	char	*key;
	size_t	 klen;
	long	 idx;	/* -1 for a key step */
};

struct node {
	enum op		 op;
	int		*kid;	/* children, by index in e->nodes */
	int		 nkid;
	int		 depth;
	struct cdp_val	 lit;	/* N_LIT */
	struct step	*steps;	/* N_PATH */
	int		 nsteps;
	size_t		 hint;	/* N_PATH: where the field was last time */
	pcre2_code	*re;	/* N_MATCH */
	pcre2_match_data *md;
	struct cdp_buf	 buf;	/* text of a literal, or of a result */
};

struct cdp_expr {
	struct node		*nodes;
	int			 n, cap;
	int			 root;
	long			 as_of;
	pcre2_match_context	*mctx;
	struct cdp_buf		 kbuf;	/* an escaped nested key, unescaped */
};

struct parser {
	const char		*src, *p, *end;
	struct cdp_expr		*e;
	struct cdp_expr_err	*err;
	const struct cdp_expr_opts *opts;
	int			 nest;
};

static const struct {
	const char	*name;
	enum op		 op;
	int		 min, max;
} funcs[] = {
	{ "coalesce", N_COALESCE, 1, 64 },
	{ "contains", N_CONTAINS, 2, 2 },
	{ "days_since", N_DAYS_SINCE, 1, 1 },
	{ "days_until", N_DAYS_UNTIL, 1, 1 },
	{ "day", N_DAY, 1, 1 },
	{ "exists", N_EXISTS, 1, 1 },
	{ "len", N_LEN, 1, 1 },
	{ "lower", N_LOWER, 1, 1 },
	{ "month", N_MONTH, 1, 1 },
	{ "upper", N_UPPER, 1, 1 },
	{ "week", N_WEEK, 1, 1 },
	{ "year", N_YEAR, 1, 1 },
};

/* --- errors and tokens --------------------------------------------------- */

/* Set the error at position at (line and column in characters). */
static int
fail(struct parser *ps, const char *at, const char *fmt, const char *arg)
{
	int line = 1, col = 1;

	for (const char *q = ps->src; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xc0) != 0x80) {
			col++;
		}
	}
	ps->err->line = line;
	ps->err->col = col;
	snprintf(ps->err->msg, sizeof(ps->err->msg), fmt, arg);
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool
is_ident0(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(int c)
{
	return is_ident0(c) || (c >= '0' && c <= '9');
}

/* After spaces, consume tok if it comes next. */
static bool
accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, tok, n) != 0)
		return false;
	/* a keyword must not run into an identifier: "in" vs "index" */
	if (is_ident0(tok[0]) && ps->p + n < ps->end && is_ident(ps->p[n]))
		return false;
	ps->p += n;
	return true;
}

/*
 * Fail at ps->p with msg, or, where the word there is "exists" after a
 * field (a "x exists" written for "exists(x)"), with a hint naming the
 * function form.
 */
static int
fail_at_word(struct parser *ps, const char *msg)
{
	const char *w = ps->p, *f = ps->p;
	char hint[sizeof(ps->err->msg)];
	int n;

	if ((size_t)(ps->end - w) >= 6 && memcmp(w, "exists", 6) == 0 &&
	    (w + 6 == ps->end || !(isalnum((unsigned char)w[6]) ||
	    w[6] == '_'))) {
		while (f > ps->src && (f[-1] == ' ' || f[-1] == '\t'))
			f--;
		w = f;
		while (f > ps->src && (isalnum((unsigned char)f[-1]) ||
		    f[-1] == '_' || f[-1] == '.'))
			f--;
		if (f < w) {
			n = w - f < 24 ? (int)(w - f) : 24;
			snprintf(hint, sizeof(hint), "\"%.*s exists\" is not an "
			    "expression: did you mean exists(%.*s)? (and "
			    "!exists(%.*s) for a missing field)", n, f, n, f,
			    n, f);
			return fail(ps, f, "%s", hint);
		}
	}
	return fail(ps, ps->p, "%s", msg);
}

static int
expect(struct parser *ps, const char *tok, const char *msg)
{
	if (!accept(ps, tok))
		return fail_at_word(ps, msg);
	return 0;
}

/* --- nodes --------------------------------------------------------------- */

static int
oom(struct parser *ps)
{
	ps->err->line = 0;
	ps->err->col = 0;
	snprintf(ps->err->msg, sizeof(ps->err->msg), "out of memory");
	return -1;
}

static int
new_node(struct parser *ps, enum op op)
{
	struct cdp_expr *e = ps->e;

	if (e->n == e->cap) {
		int cap = e->cap ? e->cap * 2 : 16;
		struct node *nn = realloc(e->nodes, (size_t)cap * sizeof(*nn));

		if (nn == NULL)
			return oom(ps);
		e->nodes = nn;
		e->cap = cap;
	}
	e->nodes[e->n] = (struct node){ .op = op, .depth = 1 };
	return e->n++;
}

/* Append child k to node i (an index: nodes may move). */
static int
add_kid(struct parser *ps, int i, int k, const char *at)
{
	struct node *nd = &ps->e->nodes[i];
	int *kid = realloc(nd->kid, ((size_t)nd->nkid + 1) * sizeof(*kid));

	if (kid == NULL)
		return oom(ps);
	nd->kid = kid;
	kid[nd->nkid++] = k;
	if (ps->e->nodes[k].depth + 1 > nd->depth)
		nd->depth = ps->e->nodes[k].depth + 1;
	if (nd->depth > MAX_TREE)
		return fail(ps, at, "%s", "expression nested too deeply");
	return 0;
}

static int
binary(struct parser *ps, enum op op, int a, int b, const char *at)
{
	int i = new_node(ps, op);

	if (i == -1 || add_kid(ps, i, a, at) == -1 ||
	    add_kid(ps, i, b, at) == -1)
		return -1;
	return i;
}

static int
unary(struct parser *ps, enum op op, int a, const char *at)
{
	int i = new_node(ps, op);

	if (i == -1 || add_kid(ps, i, a, at) == -1)
		return -1;
	return i;
}

/* --- literals ------------------------------------------------------------ */

static int
hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * A JSON string literal at ps->p (the opening quote), unescaped into b.
 * The escapes are checked here so that cdp_json_unescape() may trust them.
 */
static int
string_lit(struct parser *ps, struct cdp_buf *b)
{
	const char *start = ps->p, *q = ps->p + 1;
	unsigned u, lo;

	for (;; q++) {
		if (q >= ps->end)
			return fail(ps, start, "%s", "unterminated string");
		if (*q == '"')
			break;
		if ((unsigned char)*q < 0x20)
			return fail(ps, q, "%s",
			    "control character in string: write \\n, \\t");
		if (*q != '\\')
			continue;
		q++;
		if (q < ps->end && strchr("\"\\/bfnrt", *q) != NULL &&
		    *q != '\0')
			continue;
		if (q >= ps->end || *q != 'u' || hex4(q + 1, ps->end, &u))
			return fail(ps, q - 1, "%s", "bad escape in string");
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(ps, q - 1, "%s", "lone surrogate escape");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (ps->end - q < 11 || q[5] != '\\' || q[6] != 'u' ||
			    hex4(q + 7, ps->end, &lo) || lo < 0xdc00 ||
			    lo > 0xdfff)
				return fail(ps, q - 1, "%s",
				    "lone surrogate escape");
			q += 6;
		}
		q += 4;
	}
	cdp_buf_reset(b);
	if (cdp_buf_reserve(b, 1) == -1 ||
	    cdp_json_unescape(start + 1, (size_t)(q - start - 1), b) == -1)
		return oom(ps);
	ps->p = q + 1;
	return 0;
}

static int
number_lit(struct parser *ps, double *out)
{
	const char *q = ps->p;
	char tmp[64];
	size_t n;

	while (q < ps->end && *q >= '0' && *q <= '9')
		q++;
	if (q + 1 < ps->end && *q == '.' && q[1] >= '0' && q[1] <= '9')
		for (q++; q < ps->end && *q >= '0' && *q <= '9'; q++)
			;
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		const char *x = q + 1;

		if (x < ps->end && (*x == '+' || *x == '-'))
			x++;
		if (x < ps->end && *x >= '0' && *x <= '9') {
			for (q = x; q < ps->end && *q >= '0' && *q <= '9'; q++)
				;
		}
	}
	if (q < ps->end && is_ident(*q))
		return fail(ps, q, "%s", "bad number");
	n = (size_t)(q - ps->p);
	if (n >= sizeof(tmp))
		return fail(ps, ps->p, "%s", "number too long");
	memcpy(tmp, ps->p, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	if (!isfinite(*out))
		return fail(ps, ps->p, "%s", "number out of range");
	ps->p = q;
	return 0;
}

/* --- paths, calls, regexes ----------------------------------------------- */

static int
add_step(struct parser *ps, int i, const char *key, size_t klen, long idx)
{
	struct node *nd = &ps->e->nodes[i];
	struct step *s = realloc(nd->steps, ((size_t)nd->nsteps + 1) *
	    sizeof(*s));

	if (s == NULL)
		return oom(ps);
	nd->steps = s;
	s = &s[nd->nsteps++];
	*s = (struct step){ .idx = idx };
	if (idx >= 0)
		return 0;
	if ((s->key = malloc(klen + 1)) == NULL)
		return oom(ps);
	memcpy(s->key, key, klen);
	s->key[klen] = '\0';
	s->klen = klen;
	return 0;
}

/* A key after '.': a name or a quoted string. */
static int
path_key(struct parser *ps, int i)
{
	const char *k = ps->p;
	struct cdp_buf b = { 0 };
	int rc;

	if (ps->p < ps->end && *ps->p == '"') {
		if (string_lit(ps, &b) == -1) {
			cdp_buf_free(&b);
			return -1;
		}
		rc = add_step(ps, i, b.p, b.len, -1);
		cdp_buf_free(&b);
		return rc;
	}
	if (ps->p >= ps->end || !is_ident0(*ps->p))
		return fail(ps, ps->p, "%s", "expected a field name");
	while (ps->p < ps->end && is_ident(*ps->p))
		ps->p++;
	return add_step(ps, i, k, (size_t)(ps->p - k), -1);
}

static int
path_index(struct parser *ps, int i)
{
	long idx = 0;

	ps->p++;	/* '[' */
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return fail(ps, ps->p, "%s", "expected an array index");
	for (; ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; ps->p++) {
		if (idx > 100000000)
			return fail(ps, ps->p, "%s", "array index too large");
		idx = idx * 10 + (*ps->p - '0');
	}
	if (ps->p >= ps->end || *ps->p != ']')
		return fail(ps, ps->p, "%s", "expected ']'");
	ps->p++;
	return add_step(ps, i, NULL, 0, idx);
}

/* A field path: name or .name or ."quoted", then .key and [N] steps. */
static int
path(struct parser *ps)
{
	int i = new_node(ps, N_PATH);

	if (i == -1)
		return -1;
	if (*ps->p == '.')
		ps->p++;
	if (path_key(ps, i) == -1)
		return -1;
	while (ps->p < ps->end && (*ps->p == '.' || *ps->p == '[')) {
		if (*ps->p == '[' ? path_index(ps, i) :
		    (ps->p++, path_key(ps, i)) == -1)
			return -1;
	}
	return i;
}

static int expr_or(struct parser *ps);

static int
call(struct parser *ps, const char *name, size_t n)
{
	size_t f;
	int i, a;
	const char *at;

	for (f = 0; f < sizeof(funcs) / sizeof(funcs[0]); f++)
		if (strlen(funcs[f].name) == n &&
		    memcmp(funcs[f].name, name, n) == 0)
			break;
	if (f == sizeof(funcs) / sizeof(funcs[0])) {
		char tmp[48];

		snprintf(tmp, sizeof(tmp), "%.*s", n < 40 ? (int)n : 40, name);
		return fail(ps, name, "unknown function %s()", tmp);
	}
	if ((funcs[f].op == N_DAYS_SINCE || funcs[f].op == N_DAYS_UNTIL) &&
	    (ps->opts == NULL || !ps->opts->has_as_of))
		return fail(ps, name, "%s() needs --as-of", funcs[f].name);
	if ((i = new_node(ps, funcs[f].op)) == -1)
		return -1;
	ps->p++;	/* '(' */
	if (!accept(ps, ")")) {
		do {
			skip_ws(ps);
			at = ps->p;
			if ((a = expr_or(ps)) == -1 ||
			    add_kid(ps, i, a, at) == -1)
				return -1;
			if (funcs[f].op == N_EXISTS &&
			    ps->e->nodes[a].op != N_PATH)
				return fail(ps, at, "%s",
				    "exists() takes a field path");
		} while (accept(ps, ","));
		if (expect(ps, ")", "expected ')'") == -1)
			return -1;
	}
	if (ps->e->nodes[i].nkid < funcs[f].min ||
	    ps->e->nodes[i].nkid > funcs[f].max)
		return fail(ps, name, "wrong number of arguments to %s()",
		    funcs[f].name);
	return i;
}

/* /regex/flags after =~, compiled now. */
static int
regex(struct parser *ps, int i)
{
	const char *start, *q;
	uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	struct node *nd;
	PCRE2_SIZE off;
	int code;

	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '/')
		return fail(ps, ps->p, "%s", "expected /regex/ after =~");
	start = ps->p + 1;
	for (q = start; q < ps->end && *q != '/'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end)
		return fail(ps, ps->p, "%s", "unterminated regex");
	for (ps->p = q + 1; ps->p < ps->end && is_ident(*ps->p); ps->p++) {
		switch (*ps->p) {
		case 'i': flags |= PCRE2_CASELESS; break;
		case 'm': flags |= PCRE2_MULTILINE; break;
		case 's': flags |= PCRE2_DOTALL; break;
		case 'x': flags |= PCRE2_EXTENDED; break;
		default:
			return fail(ps, ps->p, "%s",
			    "unknown regex flag (i, m, s, x)");
		}
	}
	nd = &ps->e->nodes[i];
	nd->re = pcre2_compile((PCRE2_SPTR)start, (PCRE2_SIZE)(q - start),
	    flags, &code, &off, NULL);
	if (nd->re == NULL) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return fail(ps, start + off, "regex: %s", (char *)msg);
	}
	/* JIT makes matching fast; without it the interpreter still works. */
	(void)pcre2_jit_compile(nd->re, PCRE2_JIT_COMPLETE);
	if ((nd->md = pcre2_match_data_create(1, NULL)) == NULL)
		return oom(ps);
	return 0;
}

/* --- grammar -------------------------------------------------------------- */

static int
list(struct parser *ps)
{
	int i = new_node(ps, N_LIST), a;
	const char *at;

	if (i == -1)
		return -1;
	ps->p++;	/* '[' */
	if (accept(ps, "]"))
		return i;
	do {
		skip_ws(ps);
		at = ps->p;
		if ((a = expr_or(ps)) == -1 || add_kid(ps, i, a, at) == -1)
			return -1;
	} while (accept(ps, ","));
	if (expect(ps, "]", "expected ']'") == -1)
		return -1;
	return i;
}

static int
literal(struct parser *ps, enum cdp_vtype t, bool b)
{
	int i = new_node(ps, N_LIT);

	if (i != -1)
		ps->e->nodes[i].lit = (struct cdp_val){ .type = t, .b = b };
	return i;
}

static int
primary(struct parser *ps)
{
	const char *at;
	struct node *nd;
	int i;

	skip_ws(ps);
	at = ps->p;
	if (at >= ps->end)
		return fail(ps, at, "%s", "expected a value");
	if (*at == '(') {
		ps->p++;
		if ((i = expr_or(ps)) == -1 ||
		    expect(ps, ")", "expected ')'") == -1)
			return -1;
		return i;
	}
	if (*at == '[')
		return fail(ps, at, "%s", "a list [...] goes after \"in\"");
	if (*at == '"') {
		if ((i = new_node(ps, N_LIT)) == -1 ||
		    string_lit(ps, &ps->e->nodes[i].buf) == -1)
			return -1;
		nd = &ps->e->nodes[i];
		nd->lit = (struct cdp_val){ .type = CDP_V_STR, .s = nd->buf.p,
		    .n = nd->buf.len };
		return i;
	}
	if (*at >= '0' && *at <= '9') {
		double d;

		if (number_lit(ps, &d) == -1 ||
		    (i = literal(ps, CDP_V_NUM, false)) == -1)
			return -1;
		nd = &ps->e->nodes[i];
		nd->lit.num = d;
		/* Its text, for exact equality (compare()). */
		if (cdp_buf_add(&nd->buf, at, (size_t)(ps->p - at)) == -1)
			return fail(ps, at, "%s", "out of memory");
		nd->lit.ntext = nd->buf.p;
		nd->lit.nn = nd->buf.len;
		return i;
	}
	if (*at == '.')
		return path(ps);
	if (!is_ident0(*at))
		return fail(ps, at, "%s", "expected a value");
	if (accept(ps, "true") || accept(ps, "false"))
		return literal(ps, CDP_V_BOOL, at[0] == 't');
	if (accept(ps, "null"))
		return literal(ps, CDP_V_NULL, false);
	for (ps->p = at; ps->p < ps->end && is_ident(*ps->p); ps->p++)
		;
	if (ps->p < ps->end && *ps->p == '(')
		return call(ps, at, (size_t)(ps->p - at));
	ps->p = at;
	return path(ps);
}

static int
unary_expr(struct parser *ps)
{
	const char *at;
	int a, i = -1;

	skip_ws(ps);
	at = ps->p;
	if (++ps->nest > MAX_NEST)
		return fail(ps, at, "%s", "expression nested too deeply");
	if (at < ps->end && *at == '!' && (at + 1 == ps->end || at[1] != '=')) {
		ps->p++;
		if ((a = unary_expr(ps)) != -1)
			i = unary(ps, N_NOT, a, at);
	} else if (at < ps->end && *at == '-') {
		ps->p++;
		if ((a = unary_expr(ps)) != -1)
			i = unary(ps, N_NEG, a, at);
	} else {
		i = primary(ps);
	}
	ps->nest--;
	return i;
}

static int
mul_expr(struct parser *ps)
{
	int a = unary_expr(ps), b;
	enum op op;
	const char *at;

	while (a != -1) {
		skip_ws(ps);
		at = ps->p;
		if (accept(ps, "*"))
			op = N_MUL;
		else if (accept(ps, "/"))
			op = N_DIV;
		else if (accept(ps, "%"))
			op = N_MOD;
		else
			break;
		if ((b = unary_expr(ps)) == -1)
			return -1;
		a = binary(ps, op, a, b, at);
	}
	return a;
}

static int
add_expr(struct parser *ps)
{
	int a = mul_expr(ps), b;
	enum op op;
	const char *at;

	while (a != -1) {
		skip_ws(ps);
		at = ps->p;
		if (accept(ps, "+"))
			op = N_ADD;
		else if (accept(ps, "-"))
			op = N_SUB;
		else
			break;
		if ((b = mul_expr(ps)) == -1)
			return -1;
		a = binary(ps, op, a, b, at);
	}
	return a;
}

static bool
is_null_lit(const struct parser *ps, int i)
{
	return ps->e->nodes[i].op == N_LIT &&
	    ps->e->nodes[i].lit.type == CDP_V_NULL;
}

static int
cmp_expr(struct parser *ps)
{
	static const struct {
		const char	*tok;
		enum op		 op;
	} ops[] = {
		{ "==", N_EQ }, { "!=", N_NE }, { "<=", N_LE }, { ">=", N_GE },
		{ "=~", N_MATCH }, { "<", N_LT }, { ">", N_GT }, { "in", N_IN },
	};
	int a = add_expr(ps), b, i;
	const char *at;
	size_t k;

	if (a == -1)
		return -1;
	skip_ws(ps);
	at = ps->p;
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (accept(ps, ops[k].tok))
			break;
	if (k == sizeof(ops) / sizeof(ops[0]))
		return a;
	if (ops[k].op == N_MATCH) {
		if ((i = unary(ps, N_MATCH, a, at)) == -1 ||
		    regex(ps, i) == -1)
			return -1;
	} else if (ops[k].op == N_IN && (skip_ws(ps), ps->p < ps->end &&
	    *ps->p == '[')) {
		if ((b = list(ps)) == -1 ||
		    (i = binary(ps, N_IN, a, b, at)) == -1)
			return -1;
	} else if ((b = add_expr(ps)) == -1 ||
	    (i = binary(ps, ops[k].op, a, b, at)) == -1) {
		return -1;
	} else if (is_null_lit(ps, a) || is_null_lit(ps, b)) {
		/* SQL's trap, caught: such a comparison is never true */
		return fail(ps, at, "%s", "a comparison with null is null, "
		    "never true: use exists()");
	}
	skip_ws(ps);
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (accept(ps, ops[k].tok))
			return fail(ps, at, "%s", "comparisons do not chain: "
			    "join them with &&");
	return i;
}

/* a && b && ... and a || b || ... are one node with many children. */
static int
chain(struct parser *ps, const char *tok, enum op op, int (*sub)(struct
    parser *))
{
	int a = sub(ps), i = -1, b;
	const char *at;

	while (a != -1) {
		skip_ws(ps);
		at = ps->p;
		if (!accept(ps, tok))
			break;
		if (i == -1 && ((i = new_node(ps, op)) == -1 ||
		    add_kid(ps, i, a, at) == -1))
			return -1;
		if ((b = sub(ps)) == -1 || add_kid(ps, i, b, at) == -1)
			return -1;
	}
	return a == -1 ? -1 : i != -1 ? i : a;
}

static int
expr_and(struct parser *ps)
{
	return chain(ps, "&&", N_AND, cmp_expr);
}

static int
expr_or(struct parser *ps)
{
	return chain(ps, "||", N_OR, expr_and);
}

struct cdp_expr *
cdp_expr_compile(const char *src, size_t len, const struct cdp_expr_opts *opts,
    struct cdp_expr_err *err)
{
	struct cdp_expr *e = calloc(1, sizeof(*e));
	struct parser ps = { .src = src, .p = src, .end = src + len, .e = e,
	    .err = err, .opts = opts };

	*err = (struct cdp_expr_err){ 0 };
	if (e == NULL) {
		oom(&ps);
		return NULL;
	}
	e->as_of = opts != NULL ? opts->as_of : 0;
	if (!cdp_utf8_valid(src, len)) {
		fail(&ps, src, "%s", "invalid UTF-8");
		goto bad;
	}
	if ((e->root = expr_or(&ps)) == -1)
		goto bad;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		if (ps.p[0] == ')')
			fail(&ps, ps.p, "%s", "unbalanced ')'");
		else
			fail_at_word(&ps, "expected an operator or the end");
		goto bad;
	}
	if ((e->mctx = pcre2_match_context_create(NULL)) == NULL) {
		oom(&ps);
		goto bad;
	}
	pcre2_set_match_limit(e->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(e->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(e->mctx, HEAP_LIMIT);
	return e;
bad:
	cdp_expr_free(e);
	return NULL;
}

void
cdp_expr_free(struct cdp_expr *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->n; i++) {
		struct node *nd = &e->nodes[i];

		for (int k = 0; k < nd->nsteps; k++)
			free(nd->steps[k].key);
		free(nd->steps);
		free(nd->kid);
		pcre2_code_free(nd->re);
		pcre2_match_data_free(nd->md);
		cdp_buf_free(&nd->buf);
	}
	free(e->nodes);
	pcre2_match_context_free(e->mctx);
	cdp_buf_free(&e->kbuf);
	free(e);
}

/* Copy node nd of an expression into c (zeroed); 0, or -1 out of memory. */
static int
clone_node(struct node *c, const struct node *nd)
{
	c->op = nd->op;
	c->nkid = nd->nkid;
	c->depth = nd->depth;
	c->lit = nd->lit;
	if (nd->nkid > 0) {
		if ((c->kid = malloc((size_t)nd->nkid * sizeof(*c->kid))) ==
		    NULL)
			return -1;
		memcpy(c->kid, nd->kid, (size_t)nd->nkid * sizeof(*c->kid));
	}
	if (nd->nsteps > 0 && (c->steps = calloc((size_t)nd->nsteps,
	    sizeof(*c->steps))) == NULL)
		return -1;
	for (int k = 0; k < nd->nsteps; k++) {
		c->steps[k] = nd->steps[k];
		c->nsteps = k + 1;
		if (nd->steps[k].key != NULL && (c->steps[k].key =
		    malloc(nd->steps[k].klen + 1)) == NULL)
			return -1;
		if (nd->steps[k].key != NULL)
			memcpy(c->steps[k].key, nd->steps[k].key,
			    nd->steps[k].klen + 1);
	}
	if (nd->re != NULL) {
		if ((c->re = pcre2_code_copy(nd->re)) == NULL ||
		    (c->md = pcre2_match_data_create(1, NULL)) == NULL)
			return -1;
		(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
	}
	/* A string literal's text is in buf; other nodes use it as
	 * scratch, which a copy starts without. */
	if (nd->op == N_LIT && nd->lit.type == CDP_V_STR) {
		if (cdp_buf_add(&c->buf, nd->buf.p ? nd->buf.p : "",
		    nd->buf.len) == -1)
			return -1;
		c->lit.s = c->buf.p;
	}
	return 0;
}

struct cdp_expr *
cdp_expr_clone(const struct cdp_expr *e)
{
	struct cdp_expr *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->root = e->root;
	c->as_of = e->as_of;
	if ((c->mctx = pcre2_match_context_copy(e->mctx)) == NULL ||
	    (c->nodes = calloc((size_t)e->n + 1, sizeof(*c->nodes))) == NULL)
		goto bad;
	c->cap = e->n + 1;
	for (int i = 0; i < e->n; i++) {
		c->n = i + 1;
		if (clone_node(&c->nodes[i], &e->nodes[i]) == -1)
			goto bad;
	}
	return c;
bad:
	cdp_expr_free(c);
	return NULL;
}

/* --- paths through nested values (span.h) ------------------------------- */

/* A JSON span and its type: what a path leads to. */
struct span {
	const char	*p;
	size_t		 n;
	enum cdp_type	 type;
	bool		 noesc;	/* a string known to hold no escapes */
};

/* Step st of a path from the value at s: 1 found (s moved there), 0 not,
 * -1 out of memory. */
static int
step(struct cdp_expr *e, struct span *s, const struct step *st)
{
	const char *p;
	size_t n;
	int rc;

	if (st->idx >= 0)
		rc = s->type == CDP_ARRAY ? cdp_span_index(s->p, s->n, st->idx,
		    &p, &n) : 0;
	else
		rc = s->type == CDP_OBJECT ? cdp_span_member(s->p, s->n,
		    st->key, st->klen, &e->kbuf, &p, &n) : 0;
	if (rc == 1)
		*s = (struct span){ .p = p, .n = n, .type = cdp_span_type(p) };
	return rc;
}

/* Where path node nd leads in r: 1 found, 0 missing, -1 out of memory. */
static int
lookup(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct span *s)
{
	const struct step *st = &nd->steps[0];
	const struct cdp_field *f = NULL;

	/* Records of one stream mostly share a layout: try last time's slot. */
	if (nd->hint < r->n) {
		f = &r->f[nd->hint];
		if ((f->flags & CDP_F_KEYESC) || f->klen != st->klen ||
		    memcmp(r->p + f->koff, st->key, st->klen) != 0)
			f = NULL;
	}
	if (f == NULL) {
		if ((f = cdp_rec_find(r, st->key, st->klen)) == NULL)
			return 0;
		nd->hint = (size_t)(f - r->f);
	}
	*s = (struct span){ .p = r->p + f->voff, .n = f->vlen,
	    .type = f->type, .noesc = !(f->flags & CDP_F_VALESC) };
	for (int k = 1; k < nd->nsteps; k++) {
		int rc = step(e, s, &nd->steps[k]);

		if (rc != 1)
			return rc;
	}
	return 1;
}

/* The value of span s; strings with escapes are unescaped into b. */
static int
span_val(const struct span *s, struct cdp_buf *b, struct cdp_val *v,
    const char **why)
{
	char tmp[64];
	const char *num = tmp;

	*v = (struct cdp_val){ .type = CDP_V_NULL };
	switch (s->type) {
	case CDP_NULL:
		return 0;
	case CDP_TRUE:
	case CDP_FALSE:
		v->type = CDP_V_BOOL;
		v->b = s->type == CDP_TRUE;
		return 0;
	case CDP_STRING:
		v->type = CDP_V_STR;
		v->s = s->p + 1;
		v->n = s->n - 2;
		if (s->noesc || memchr(v->s, '\\', v->n) == NULL)
			return 0;
		cdp_buf_reset(b);
		if (cdp_buf_reserve(b, 1) == -1 ||
		    cdp_json_unescape(v->s, v->n, b) == -1) {
			*why = "out of memory";
			return -1;
		}
		v->s = b->p;
		v->n = b->len;
		return 0;
	case CDP_NUMBER:
		if (s->n < sizeof(tmp)) {
			memcpy(tmp, s->p, s->n);
			tmp[s->n] = '\0';
		} else {
			cdp_buf_reset(b);
			if (cdp_buf_add(b, s->p, s->n) == -1) {
				*why = "out of memory";
				return -1;
			}
			num = b->p;
		}
		v->type = CDP_V_NUM;
		v->num = strtod(num, NULL);
		if (!isfinite(v->num)) {
			*why = "number out of range";
			return -1;
		}
		v->ntext = s->p;
		v->nn = s->n;
		return 0;
	default:
		v->type = s->type == CDP_ARRAY ? CDP_V_ARR : CDP_V_OBJ;
		v->s = s->p;
		v->n = s->n;
		return 0;
	}
}

/* --- evaluation ---------------------------------------------------------- */

static int ev(struct cdp_expr *e, int i, struct cdp_rec *r,
	    struct cdp_val *v, const char **why);

/*
 * Compare a with b: sets *c (<0, 0, >0) and returns true when they are
 * of one kind that compares; arrays, objects and booleans compare only
 * for equality (JSON text as written, false before true).
 */
/* True when JSON number text s[0..n) is an integer written without a
 * fraction or exponent. */
static bool
plain_int(const char *s, size_t n)
{
	return n > 0 && memchr(s, '.', n) == NULL && memchr(s, 'e', n) ==
	    NULL && memchr(s, 'E', n) == NULL;
}

/*
 * Order two numbers whose doubles are equal by their exact values, when
 * both have their text: 12345678901234567890 < 12345678901234567891.
 * Integers below 2^53 need no look at the text.
 */
static int
exact_cmp(const struct cdp_val *a, const struct cdp_val *b)
{
	struct cdp_buf x = { 0 }, y = { 0 };
	int c = 0;

	if (a->ntext == NULL || b->ntext == NULL || (a->nn == b->nn &&
	    memcmp(a->ntext, b->ntext, a->nn) == 0))
		return 0;
	if (fabs(a->num) < 9007199254740992.0 && plain_int(a->ntext, a->nn) &&
	    plain_int(b->ntext, b->nn))
		return 0;
	if (cdp_num_canon(a->ntext, a->nn, &x) == 0 &&
	    cdp_num_canon(b->ntext, b->nn, &y) == 0)
		c = cdp_num_canon_cmp(x.p, x.len, y.p, y.len);
	cdp_buf_free(&x);
	cdp_buf_free(&y);
	return c;
}

static bool
compare(const struct cdp_val *a, const struct cdp_val *b, int *c)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CDP_V_NUM:
		*c = a->num < b->num ? -1 : a->num > b->num;
		if (*c == 0)
			*c = exact_cmp(a, b);
		return true;
	case CDP_V_BOOL:
		*c = (int)a->b - (int)b->b;
		return true;
	case CDP_V_NULL:
		*c = 0;
		return true;
	default:
		*c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
		if (*c == 0)
			*c = a->n < b->n ? -1 : a->n > b->n;
		return true;
	}
}

static bool
equal(const struct cdp_val *a, const struct cdp_val *b)
{
	int c;

	return compare(a, b, &c) && c == 0;
}

static void
set_bool(struct cdp_val *v, bool b)
{
	*v = (struct cdp_val){ .type = CDP_V_BOOL, .b = b };
}

static void
set_num(struct cdp_val *v, double d)
{
	if (isfinite(d))
		*v = (struct cdp_val){ .type = CDP_V_NUM, .num = d };
	else
		*v = (struct cdp_val){ .type = CDP_V_NULL };
}

static int
ev_cmp(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct cdp_val a, b;
	enum op op = nd->op;
	int c;

	if (ev(e, nd->kid[0], r, &a, why) == -1 ||
	    ev(e, nd->kid[1], r, &b, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	if (a.type == CDP_V_NULL || b.type == CDP_V_NULL)
		return 0;
	if (!compare(&a, &b, &c)) {
		if (op == N_EQ || op == N_NE)
			set_bool(v, op == N_NE);
		return 0;
	}
	switch (op) {
	case N_EQ: set_bool(v, c == 0); break;
	case N_NE: set_bool(v, c != 0); break;
	default:
		/* only numbers and strings have an order */
		if (a.type != CDP_V_NUM && a.type != CDP_V_STR)
			break;
		set_bool(v, op == N_LT ? c < 0 : op == N_LE ? c <= 0 :
		    op == N_GT ? c > 0 : c >= 0);
	}
	return 0;
}

static int
ev_arith(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct cdp_val a, b;

	if (ev(e, nd->kid[0], r, &a, why) == -1 ||
	    ev(e, nd->kid[1], r, &b, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	if (a.type != CDP_V_NUM || b.type != CDP_V_NUM)
		return 0;
	switch (nd->op) {
	case N_ADD: set_num(v, a.num + b.num); break;
	case N_SUB: set_num(v, a.num - b.num); break;
	case N_MUL: set_num(v, a.num * b.num); break;
	case N_DIV:
		if (b.num != 0)
			set_num(v, a.num / b.num);
		break;
	default:
		if (b.num != 0)
			set_num(v, fmod(a.num, b.num));
		break;
	}
	return 0;
}

/* Kleene logic: false wins && (true wins ||), else null makes null. */
static int
ev_logic(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	bool decisive = nd->op == N_OR, unknown = false;
	struct cdp_val a;

	for (int k = 0; k < nd->nkid; k++) {
		if (ev(e, nd->kid[k], r, &a, why) == -1)
			return -1;
		if (a.type != CDP_V_BOOL)
			unknown = true;
		else if (a.b == decisive) {
			set_bool(v, decisive);
			return 0;
		}
	}
	if (unknown)
		*v = (struct cdp_val){ .type = CDP_V_NULL };
	else
		set_bool(v, !decisive);
	return 0;
}

/* Is x an element of the JSON array text arr?  Elements go through b. */
static int
in_array(const struct cdp_val *x, const struct cdp_val *arr,
    struct cdp_buf *b, bool *found, const char **why)
{
	struct span s;
	struct cdp_val y;
	size_t pos = 0;

	*found = false;
	while (cdp_span_next(arr->s, arr->n, &pos, &s.p, &s.n)) {
		s.type = cdp_span_type(s.p);
		s.noesc = false;
		if (span_val(&s, b, &y, why) == -1)
			return -1;
		if (equal(x, &y)) {
			*found = true;
			return 0;
		}
	}
	return 0;
}

static int
ev_in(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct node *list = &e->nodes[nd->kid[1]];
	struct cdp_val x, y;
	bool found = false;

	if (ev(e, nd->kid[0], r, &x, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	if (x.type == CDP_V_NULL)
		return 0;
	if (list->op == N_LIST) {
		for (int k = 0; k < list->nkid && !found; k++) {
			if (ev(e, list->kid[k], r, &y, why) == -1)
				return -1;
			found = equal(&x, &y);
		}
		set_bool(v, found);
		return 0;
	}
	if (ev(e, nd->kid[1], r, &y, why) == -1)
		return -1;
	if (y.type != CDP_V_ARR)
		return 0;
	if (in_array(&x, &y, &nd->buf, &found, why) == -1)
		return -1;
	set_bool(v, found);
	return 0;
}

static int
ev_match(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct cdp_val a;
	int rc;

	if (ev(e, nd->kid[0], r, &a, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	if (a.type != CDP_V_STR)
		return 0;
	/* Record text and our own results are valid UTF-8 already. */
	rc = pcre2_match(nd->re, (PCRE2_SPTR)(a.n ? a.s : ""), a.n, 0,
	    PCRE2_NO_UTF_CHECK, nd->md, e->mctx);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
		set_bool(v, rc >= 0);
		return 0;
	}
	*why = rc == PCRE2_ERROR_NOMEMORY ? "out of memory" : "regex limit";
	return -1;
}

/* lower()/upper(): Unicode simple case mapping through utf8proc. */
static int
ev_case(struct node *nd, const struct cdp_val *a, struct cdp_val *v,
    const char **why)
{
	const uint8_t *p = (const uint8_t *)a->s, *end = p + a->n;
	struct cdp_buf *b = &nd->buf;

	cdp_buf_reset(b);
	if (cdp_buf_reserve(b, a->n + 4) == -1)
		goto nomem;
	while (p < end) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(p, end - p, &c);
		uint8_t out[4];

		if (k <= 0)
			break;	/* cannot happen: the text is valid */
		p += k;
		c = nd->op == N_LOWER ? utf8proc_tolower(c) :
		    utf8proc_toupper(c);
		k = utf8proc_encode_char(c, out);
		if (cdp_buf_add(b, out, (size_t)k) == -1)
			goto nomem;
	}
	*v = (struct cdp_val){ .type = CDP_V_STR, .s = b->p, .n = b->len };
	return 0;
nomem:
	*why = "out of memory";
	return -1;
}

/* Characters of a string, elements of an array, members of an object. */
static void
ev_len(const struct cdp_val *a, struct cdp_val *v)
{
	double n = 0;

	if (a->type == CDP_V_STR) {
		for (size_t i = 0; i < a->n; i++)
			n += ((unsigned char)a->s[i] & 0xc0) != 0x80;
		set_num(v, n);
		return;
	}
	if (a->type != CDP_V_ARR && a->type != CDP_V_OBJ) {
		*v = (struct cdp_val){ .type = CDP_V_NULL };
		return;
	}
	set_num(v, (double)cdp_span_count(a->s, a->n));
}

/* days_since()/days_until(): a date YYYY-MM-DD, alone or starting a
 * datetime (the calendar date as written, whatever the zone). */
static int
ev_days(struct cdp_expr *e, struct node *nd, const struct cdp_val *a,
    struct cdp_val *v, const char **why)
{
	char tmp[11];
	long d;

	if (a->type == CDP_V_NULL || (a->type == CDP_V_STR && a->n == 0)) {
		*v = (struct cdp_val){ .type = CDP_V_NULL };
		return 0;
	}
	if (a->type != CDP_V_STR || a->n < 10 ||
	    (a->n > 10 && a->s[10] != 'T' && a->s[10] != ' '))
		goto bad;
	memcpy(tmp, a->s, 10);
	tmp[10] = '\0';
	if (cdp_parse_iso_date(tmp, &d) == -1)
		goto bad;
	set_num(v, (double)(nd->op == N_DAYS_SINCE ? e->as_of - d :
	    d - e->as_of));
	return 0;
bad:
	*why = nd->op == N_DAYS_SINCE ? "days_since: not a date" :
	    "days_until: not a date";
	return -1;
}

/*
 * year()/month()/week()/day(): the calendar period of a date YYYY-MM-DD,
 * alone or starting a datetime (as written, like days_since()), as text
 * that sorts in time order: "2026", "2026-03", the ISO 8601 week
 * "2026-W09" (weeks start on Monday; week 1 holds the year's first
 * Thursday), "2026-03-01".
 */
static int
ev_period(struct node *nd, const struct cdp_val *a, struct cdp_val *v,
    const char **why)
{
	static const char *const bad[] = { "year: not a date",
	    "month: not a date", "week: not a date", "day: not a date" };
	char tmp[16];
	long d;
	int y, m, dd, wy, wk, n;

	if (a->type == CDP_V_NULL || (a->type == CDP_V_STR && a->n == 0)) {
		*v = (struct cdp_val){ .type = CDP_V_NULL };
		return 0;
	}
	if (a->type != CDP_V_STR || a->n < 10 ||
	    (a->n > 10 && a->s[10] != 'T' && a->s[10] != ' '))
		goto fail;
	memcpy(tmp, a->s, 10);
	tmp[10] = '\0';
	if (cdp_parse_iso_date(tmp, &d) == -1)
		goto fail;
	cdp_time_civil(d, &y, &m, &dd);
	switch (nd->op) {
	case N_YEAR:
		n = snprintf(tmp, sizeof(tmp), "%04d", y);
		break;
	case N_MONTH:
		n = snprintf(tmp, sizeof(tmp), "%04d-%02d", y, m);
		break;
	case N_WEEK:
		cdp_time_isoweek(d, &wy, &wk);
		n = snprintf(tmp, sizeof(tmp), "%04d-W%02d", wy, wk);
		break;
	default:
		n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, dd);
		break;
	}
	cdp_buf_reset(&nd->buf);
	if (cdp_buf_add(&nd->buf, tmp, (size_t)n) == -1) {
		*why = "out of memory";
		return -1;
	}
	*v = (struct cdp_val){ .type = CDP_V_STR, .s = nd->buf.p,
	    .n = nd->buf.len };
	return 0;
fail:
	*why = bad[nd->op - N_YEAR];
	return -1;
}

/* Does s[0..n) contain t[0..m)?  (memmem is not in POSIX.) */
static bool
has_sub(const char *s, size_t n, const char *t, size_t m)
{
	const char *p = s, *end = s + n;

	if (m == 0)
		return true;
	while (m <= (size_t)(end - p) &&
	    (p = memchr(p, t[0], (size_t)(end - p) - m + 1)) != NULL) {
		if (memcmp(p, t, m) == 0)
			return true;
		p++;
	}
	return false;
}

static int
ev_contains(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct cdp_val a, b;
	bool found;

	if (ev(e, nd->kid[0], r, &a, why) == -1 ||
	    ev(e, nd->kid[1], r, &b, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	if (b.type == CDP_V_NULL)
		return 0;
	if (a.type == CDP_V_STR && b.type == CDP_V_STR) {
		set_bool(v, has_sub(a.s, a.n, b.s, b.n));
		return 0;
	}
	if (a.type != CDP_V_ARR)
		return 0;
	if (in_array(&b, &a, &nd->buf, &found, why) == -1)
		return -1;
	set_bool(v, found);
	return 0;
}

/* Functions of one argument, evaluated first. */
static int
ev_func1(struct cdp_expr *e, struct node *nd, struct cdp_rec *r,
    struct cdp_val *v, const char **why)
{
	struct cdp_val a;

	if (ev(e, nd->kid[0], r, &a, why) == -1)
		return -1;
	*v = (struct cdp_val){ .type = CDP_V_NULL };
	switch (nd->op) {
	case N_LEN:
		ev_len(&a, v);
		return 0;
	case N_LOWER:
	case N_UPPER:
		return a.type == CDP_V_STR ? ev_case(nd, &a, v, why) : 0;
	case N_YEAR:
	case N_MONTH:
	case N_WEEK:
	case N_DAY:
		return ev_period(nd, &a, v, why);
	default:
		return ev_days(e, nd, &a, v, why);
	}
}

static int
ev(struct cdp_expr *e, int i, struct cdp_rec *r, struct cdp_val *v,
    const char **why)
{
	struct node *nd = &e->nodes[i];
	struct span s;
	int rc;

	switch (nd->op) {
	case N_LIT:
		*v = nd->lit;
		return 0;
	case N_PATH:
	case N_EXISTS:
		if (nd->op == N_EXISTS)
			nd = &e->nodes[nd->kid[0]];
		if ((rc = lookup(e, nd, r, &s)) == -1) {
			*why = "out of memory";
			return -1;
		}
		if (e->nodes[i].op == N_EXISTS) {
			set_bool(v, rc == 1 && s.type != CDP_NULL);
			return 0;
		}
		if (rc == 0) {
			*v = (struct cdp_val){ .type = CDP_V_NULL };
			return 0;
		}
		return span_val(&s, &nd->buf, v, why);
	case N_LIST:
		/* a list is a value only inside "in"; alone it is unknown */
		*v = (struct cdp_val){ .type = CDP_V_NULL };
		return 0;
	case N_NOT:
	case N_NEG:
		if (ev(e, nd->kid[0], r, v, why) == -1)
			return -1;
		if (nd->op == N_NOT && v->type == CDP_V_BOOL)
			v->b = !v->b;
		else if (nd->op == N_NEG && v->type == CDP_V_NUM)
			v->num = -v->num;
		else
			*v = (struct cdp_val){ .type = CDP_V_NULL };
		return 0;
	case N_AND:
	case N_OR:
		return ev_logic(e, nd, r, v, why);
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE:
		return ev_cmp(e, nd, r, v, why);
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD:
		return ev_arith(e, nd, r, v, why);
	case N_IN:
		return ev_in(e, nd, r, v, why);
	case N_MATCH:
		return ev_match(e, nd, r, v, why);
	case N_CONTAINS:
		return ev_contains(e, nd, r, v, why);
	case N_COALESCE:
		for (int k = 0; k < nd->nkid; k++) {
			if (ev(e, nd->kid[k], r, v, why) == -1)
				return -1;
			if (v->type != CDP_V_NULL)
				return 0;
		}
		return 0;
	default:
		return ev_func1(e, nd, r, v, why);
	}
}

int
cdp_expr_field_next(const struct cdp_expr *e, int *pos, const char **key,
    size_t *klen)
{
	for (; *pos < e->n; (*pos)++) {
		const struct node *nd = &e->nodes[*pos];

		if (nd->op == N_PATH && nd->nsteps > 0 &&
		    nd->steps[0].idx < 0) {
			*key = nd->steps[0].key;
			*klen = nd->steps[0].klen;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}

int
cdp_expr_eval(struct cdp_expr *e, struct cdp_rec *r, struct cdp_val *out,
    const char **why)
{
	return ev(e, e->root, r, out, why);
}

int
cdp_expr_test(struct cdp_expr *e, struct cdp_rec *r, const char **why)
{
	struct cdp_val v;

	if (ev(e, e->root, r, &v, why) == -1)
		return -1;
	return v.type == CDP_V_BOOL && v.b;
}
