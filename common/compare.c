/*
 * compare.c - the comparison methods (one table row each) and the
 * parsing of their text: a new method is a row, its three functions and
 * a test.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "opts.h"
#include "similar.h"
#include "xalloc.h"

/* JW values are sums of fractions: 0.92 must accept 0.91999... */
#define JW_SLACK	1e-9

struct cdp_cmp_method {
	const char	*name;
	const char	*syntax;	/* in messages */
	bool		 textual;	/* see cdp_cmp_textual() */
	/* Arguments args[0..alen) into c->t and c->nlev; args is NULL for
	 * the bare name.  Returns 0, or -1 when they are not valid. */
	int		(*parse)(struct cdp_cmp *c, const char *args,
			    size_t alen);
	/* The level of two present values that are not the same bytes. */
	int		(*level)(const struct cdp_cmp *c, struct cdp_cmp_val a,
			    struct cdp_cmp_val b, struct cdp_cmp_scratch *s);
	/* The name of a level between exact and "else". */
	int		(*level_name)(const struct cdp_cmp *c, int l,
			    struct cdp_buf *out);
};

/* --- arguments ---------------------------------------------------------- */

/*
 * The numbers "a,b,..." into c->t, each in [lo, hi]; strictly decreasing
 * with down (similarities), else increasing (distances).  -1 when bad.
 */
static int
numbers(struct cdp_cmp *c, const char *a, size_t an, double lo, double hi,
    bool down)
{
	char buf[128], *items[CDP_CMP_MAX_T];
	int n;

	if (an >= sizeof(buf))
		return -1;
	memcpy(buf, a, an);
	buf[an] = '\0';
	if ((n = cdp_split_list(buf, items, CDP_CMP_MAX_T)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		if (cdp_parse_double(items[i], &c->t[i]) == -1 ||
		    c->t[i] < lo || c->t[i] > hi)
			return -1;
		if (i > 0 && (down ? c->t[i] >= c->t[i - 1] :
		    c->t[i] <= c->t[i - 1]))
			return -1;
	}
	c->nt = n;
	return 0;
}

static void
defaults(struct cdp_cmp *c, double t0, double t1, int nt)
{
	c->t[0] = t0;
	c->t[1] = t1;
	c->nt = nt;
}

/* --- exact ---------------------------------------------------------------- */

static int
exact_parse(struct cdp_cmp *c, const char *args, size_t alen)
{
	(void)alen;
	c->nlev = 2;
	return args == NULL ? 0 : -1;
}

static int
exact_level(const struct cdp_cmp *c, struct cdp_cmp_val a,
    struct cdp_cmp_val b, struct cdp_cmp_scratch *s)
{
	(void)a;
	(void)b;
	(void)s;
	return c->nlev;
}

static int
no_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	(void)c;
	(void)l;
	(void)out;
	return -1;
}

/* --- Jaro-Winkler and Levenshtein on code points ------------------------- */

static int
jw_parse(struct cdp_cmp *c, const char *args, size_t alen)
{
	if (args == NULL)
		defaults(c, 0.94, 0.88, 2);
	else if (numbers(c, args, alen, 0, 1, true) == -1)
		return -1;
	c->nlev = c->nt + 2;
	return 0;
}

static int
lev_parse(struct cdp_cmp *c, const char *args, size_t alen)
{
	if (args == NULL)
		defaults(c, 1, 2, 2);
	else if (numbers(c, args, alen, 1, 1000, false) == -1)
		return -1;
	for (int i = 0; i < c->nt; i++)
		if (c->t[i] != floor(c->t[i]))
			return -1;
	c->nlev = c->nt + 2;
	return 0;
}

/* The code points of a and b into s->a and s->b; their counts. */
static void
code_points(struct cdp_cmp_val a, struct cdp_cmp_val b,
    struct cdp_cmp_scratch *s, size_t *na, size_t *nb)
{
	long la, lb;

	cdp_buf_reset(&s->a);
	cdp_buf_reset(&s->b);
	if ((la = cdp_utf8_to_cps(a.s, a.n, &s->a)) == -1 ||
	    (lb = cdp_utf8_to_cps(b.s, b.n, &s->b)) == -1)
		cdp_oom(0);
	*na = (size_t)la;
	*nb = (size_t)lb;
}

static int
jw_level(const struct cdp_cmp *c, struct cdp_cmp_val a, struct cdp_cmp_val b,
    struct cdp_cmp_scratch *s)
{
	size_t na, nb;
	double sim;

	code_points(a, b, s, &na, &nb);
	sim = cdp_sim_jaro_winkler((const uint32_t *)(void *)s->a.p, na,
	    (const uint32_t *)(void *)s->b.p, nb);
	if (sim < 0)
		cdp_oom(0);
	for (int i = 0; i < c->nt; i++)
		if (sim >= c->t[i] - JW_SLACK)
			return 2 + i;
	return c->nlev;
}

static int
lev_level(const struct cdp_cmp *c, struct cdp_cmp_val a,
    struct cdp_cmp_val b, struct cdp_cmp_scratch *s)
{
	size_t na, nb, d;

	code_points(a, b, s, &na, &nb);
	d = cdp_sim_levenshtein((const uint32_t *)(void *)s->a.p, na,
	    (const uint32_t *)(void *)s->b.p, nb, (size_t)c->t[c->nt - 1]);
	if (d == SIZE_MAX)
		cdp_oom(0);
	for (int i = 0; i < c->nt; i++)
		if ((double)d <= c->t[i])
			return 2 + i;
	return c->nlev;
}

static int
jw_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "jw>=%g", c->t[l - 2]);
}

static int
lev_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "lev<=%g", c->t[l - 2]);
}

/* --- dates ------------------------------------------------------------- */

struct date {
	int	y, m, d;
	long	days;
};

static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "YYYY-MM-DD" (a time after it is ignored) or "YYYYMMDD"; -1 else. */
static int
parse_date(struct cdp_cmp_val v, struct date *out)
{
	char iso[11];

	if (v.n >= 10 && v.s[4] == '-' && v.s[7] == '-') {
		memcpy(iso, v.s, 10);
	} else if (v.n == 8) {
		for (int i = 0; i < 8; i++)
			if (v.s[i] < '0' || v.s[i] > '9')
				return -1;
		memcpy(iso, v.s, 4);
		iso[4] = '-';
		memcpy(iso + 5, v.s + 4, 2);
		iso[7] = '-';
		memcpy(iso + 8, v.s + 6, 2);
	} else {
		return -1;
	}
	iso[10] = '\0';
	if (cdp_parse_iso_date(iso, &out->days) == -1)
		return -1;
	out->y = two(iso) * 100 + two(iso + 2);
	out->m = two(iso + 5);
	out->d = two(iso + 8);
	return 0;
}

static int
date_parse(struct cdp_cmp *c, const char *args, size_t alen)
{
	c->t[0] = 30;
	c->nt = 1;
	c->nlev = 5;
	return args == NULL || (numbers(c, args, alen, 1, 100000, false) ==
	    0 && c->nt == 1) ? 0 : -1;
}

static int
date_level(const struct cdp_cmp *c, struct cdp_cmp_val a,
    struct cdp_cmp_val b, struct cdp_cmp_scratch *s)
{
	struct date da, db;

	(void)s;
	if (parse_date(a, &da) == -1 || parse_date(b, &db) == -1)
		return c->nlev;
	if (da.days == db.days)
		return 1;
	if (da.y == db.y && da.m == db.d && da.d == db.m)
		return 2;
	if (da.y == db.y && da.m == db.m)
		return 3;
	if (labs(da.days - db.days) <= (long)c->t[0])
		return 4;
	return c->nlev;
}

static int
date_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	if (l == 2)
		return cdp_buf_adds(out, "day_month_swapped");
	if (l == 3)
		return cdp_buf_adds(out, "same_year_month");
	return cdp_buf_addf(out, "days<=%g", c->t[0]);
}

/* --- numbers -------------------------------------------------------------- */

static int
num_parse(struct cdp_cmp *c, const char *args, size_t alen)
{
	c->nlev = 3;
	return args != NULL && numbers(c, args, alen, 0, 1e300, false) == 0 &&
	    c->nt == 1 ? 0 : -1;
}

/* The number written in v (scratch in b); -1 when it is not one. */
static int
number_of(struct cdp_cmp_val v, struct cdp_buf *b, double *x)
{
	cdp_buf_reset(b);
	if (cdp_buf_add(b, v.s, v.n) == -1)
		cdp_oom(v.n + 1);
	return cdp_parse_double(b->p, x);
}

static int
num_level(const struct cdp_cmp *c, struct cdp_cmp_val a, struct cdp_cmp_val b,
    struct cdp_cmp_scratch *s)
{
	double x, y;

	if (number_of(a, &s->a, &x) == -1 || number_of(b, &s->a, &y) == -1)
		return c->nlev;
	if (x == y)
		return 1;
	return fabs(x - y) <= c->t[0] ? 2 : c->nlev;
}

static int
num_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	(void)l;
	return cdp_buf_addf(out, "diff<=%g", c->t[0]);
}

/* --- the table -------------------------------------------------------------- */

static const struct cdp_cmp_method methods[] = {
	{ "exact", "exact", true, exact_parse, exact_level, no_name },
	{ "jw", "jw(T1,T2,...)", true, jw_parse, jw_level, jw_name },
	{ "lev", "lev(K1,K2,...)", true, lev_parse, lev_level, lev_name },
	{ "date", "date(DAYS)", false, date_parse, date_level, date_name },
	{ "num", "num(TOL)", false, num_parse, num_level, num_name },
};

#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

bool
cdp_cmp_call(const char *s, const char *fn, const char **args, size_t *alen)
{
	size_t fl = strlen(fn), n = strlen(s);

	if (strncmp(s, fn, fl) != 0 || s[fl] != '(' || n < fl + 2 ||
	    s[n - 1] != ')')
		return false;
	*args = s + fl + 1;
	*alen = n - fl - 2;
	return true;
}

/* cdp-dedupe's "jw>=X" and "lev<=N" as method text in buf; false when
 * text is neither. */
static bool
shorthand(const char *text, char *buf, size_t size)
{
	long n;

	if (strncmp(text, "jw>=", 4) == 0 && strlen(text) + 1 < size) {
		snprintf(buf, size, "jw(%s)", text + 4);
		return true;
	}
	if (strncmp(text, "lev<=", 5) == 0 && strlen(text) + 1 < size) {
		/* Distance 0 is the exact level every method has. */
		if (cdp_parse_long(text + 5, 0, 0, &n) == 0)
			snprintf(buf, size, "exact");
		else
			snprintf(buf, size, "lev(%s)", text + 5);
		return true;
	}
	return false;
}

static int
unknown(struct cdp_err *err)
{
	char list[200] = "expected ";
	size_t at = strlen(list);

	for (size_t i = 0; i < NMETHODS; i++) {
		const char *sep = i == 0 ? "" : i + 1 == NMETHODS ? " or " :
		    ", ";

		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
		    sep, methods[i].syntax);
		if (at >= sizeof(list))
			break;
	}
	cdp_err_set(err, EX_USAGE, "%s", list);
	return -1;
}

int
cdp_cmp_parse(struct cdp_cmp *c, const char *text, struct cdp_err *err)
{
	char buf[160];
	const char *args;
	size_t alen;

	if (shorthand(text, buf, sizeof(buf)))
		text = buf;
	for (size_t i = 0; i < NMETHODS; i++) {
		const struct cdp_cmp_method *m = &methods[i];
		bool bare = strcmp(text, m->name) == 0;

		if (!bare && !cdp_cmp_call(text, m->name, &args, &alen))
			continue;
		*c = (struct cdp_cmp){ .method = m };
		if (m->parse(c, bare ? NULL : args, bare ? 0 : alen) == -1)
			break;
		return 0;
	}
	return unknown(err);
}

int
cdp_cmp_level(const struct cdp_cmp *c, struct cdp_cmp_val a,
    struct cdp_cmp_val b, struct cdp_cmp_scratch *s)
{
	if (a.n == 0 || b.n == 0)
		return 0;
	if (a.n == b.n && memcmp(a.s, b.s, a.n) == 0)
		return 1;
	return c->method->level(c, a, b, s);
}

bool
cdp_cmp_agrees(const struct cdp_cmp *c, int level)
{
	return level > 0 && level < c->nlev;
}

void
cdp_cmp_level_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	int rc;

	if (l == 0)
		rc = cdp_buf_adds(out, "null");
	else if (l == 1)
		rc = cdp_buf_adds(out, "exact");
	else if (l == c->nlev)
		rc = cdp_buf_adds(out, "else");
	else
		rc = c->method->level_name(c, l, out);
	if (rc == -1)
		cdp_oom(0);
}

bool
cdp_cmp_textual(const struct cdp_cmp *c)
{
	return c->method->textual;
}

void
cdp_cmp_scratch_free(struct cdp_cmp_scratch *s)
{
	cdp_buf_free(&s->a);
	cdp_buf_free(&s->b);
}

bool
cdp_cmp_field_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("(),: ", s[i]) != NULL)
			return false;
	return true;
}

int
cdp_cmp_split(char *s, char **items, int max)
{
	int n = 0, depth = 0;
	char *start = s;

	for (char *p = s;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			return -1;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			bool end = *p == '\0';

			if (p == start || n == max)
				return -1;
			*p = '\0';
			items[n++] = start;
			start = p + 1;
			if (end)
				break;
		}
	}
	return depth == 0 ? n : -1;
}
