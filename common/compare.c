/*
 * compare.c - the comparison methods (one table row each), the parsing of
 * their text and the levels of joined methods: a new method is a row,
 * its three functions and a test.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "opts.h"
#include "phonetic.h"
#include "similar.h"
#include "xalloc.h"

/* JW values are sums of fractions: 0.92 must accept 0.91999... */
#define JW_SLACK	1e-9
#define EARTH_KM	6371.0088	/* mean radius (IUGG) */

struct cdp_cmp_method {
	const char	*name;
	const char	*syntax;	/* in messages */
	int		 ncols;		/* fields it reads */
	bool		 textual;	/* see cdp_cmp_textual() */
	bool		 ordered;	/* see cdp_cmp_closer() */
	/* Arguments args[0..alen) into p->t and p->nlev; args is NULL for
	 * the bare name.  Returns 0, or -1 when they are not valid. */
	int		(*parse)(struct cdp_cmp_part *p, const char *args,
			    size_t alen);
	/* The level (1..p->nlev) of two values that are present and not
	 * the same bytes; for two fields, also 0 when it is null. */
	int		(*level)(const struct cdp_cmp_part *p,
			    const struct cdp_cmp_val *a,
			    const struct cdp_cmp_val *b,
			    struct cdp_cmp_scratch *s);
	/* Append the name of one of its levels between exact and else. */
	int		(*level_name)(const struct cdp_cmp_part *p, int l,
			    struct cdp_buf *out);
};

/* --- arguments ---------------------------------------------------------- */

/*
 * The numbers "a,b,..." into p->t, each in [lo, hi]; strictly decreasing
 * with down (similarities), else increasing (distances).  -1 when bad.
 */
static int
numbers(struct cdp_cmp_part *p, const char *a, size_t an, double lo, double hi,
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
		if (cdp_parse_double(items[i], &p->t[i]) == -1 ||
		    p->t[i] < lo || p->t[i] > hi)
			return -1;
		if (i > 0 && (down ? p->t[i] >= p->t[i - 1] :
		    p->t[i] <= p->t[i - 1]))
			return -1;
	}
	p->nt = n;
	return 0;
}

/* Thresholds with defaults d0, d1 (nd of them) for the bare name: one
 * level each between exact and else. */
static int
thresholds(struct cdp_cmp_part *p, const char *args, size_t alen,
    const double d[2], int nd, double lo, double hi, bool down)
{
	if (args == NULL) {
		if (nd == 0)
			return -1;
		memcpy(p->t, d, 2 * sizeof(*d));
		p->nt = nd;
	} else if (numbers(p, args, alen, lo, hi, down) == -1) {
		return -1;
	}
	p->nlev = p->nt + 2;
	return 0;
}

/* The first threshold (of t[0..nt)) that value v reaches, as a level; or
 * p->nlev.  Similarities reach upwards (down), distances downwards. */
static int
reached(const struct cdp_cmp_part *p, double v, bool down)
{
	for (int i = 0; i < p->nt; i++)
		if (down ? v >= p->t[i] - JW_SLACK : v <= p->t[i])
			return 2 + i;
	return p->nlev;
}

static int
no_args(struct cdp_cmp_part *p, const char *args, size_t alen, int nlev)
{
	(void)alen;
	p->nlev = nlev;
	return args == NULL ? 0 : -1;
}

/* --- text ----------------------------------------------------------------- */

static int
exact_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return no_args(p, args, alen, 2);
}

static int
exact_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	(void)a;
	(void)b;
	(void)s;
	return p->nlev;
}

static int
no_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	(void)p;
	(void)l;
	(void)out;
	return -1;
}

/* Jaro-Winkler similarity of x and y (code points in s->a, s->b). */
static double
jw_of(struct cdp_cmp_val x, struct cdp_cmp_val y, struct cdp_cmp_scratch *s)
{
	long nx, ny;
	double sim;

	cdp_buf_reset(&s->a);
	cdp_buf_reset(&s->b);
	if ((nx = cdp_utf8_to_cps(x.s, x.n, &s->a)) == -1 ||
	    (ny = cdp_utf8_to_cps(y.s, y.n, &s->b)) == -1)
		cdp_oom(0);
	sim = cdp_sim_jaro_winkler((const uint32_t *)(void *)s->a.p,
	    (size_t)nx, (const uint32_t *)(void *)s->b.p, (size_t)ny);
	if (sim < 0)
		cdp_oom(0);
	return sim;
}

static int
jw_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return thresholds(p, args, alen, (const double[2]){ 0.94, 0.88 }, 2,
	    0, 1, true);
}

static int
jw_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	return reached(p, jw_of(a[0], b[0], s), true);
}

static int
jw_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "jw>=%g", p->t[l - 2]);
}

static int
lev_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	if (thresholds(p, args, alen, (const double[2]){ 1, 2 }, 2, 1, 1000,
	    false) == -1)
		return -1;
	for (int i = 0; i < p->nt; i++)
		if (p->t[i] != floor(p->t[i]))
			return -1;
	return 0;
}

static int
lev_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	long na, nb;
	size_t d;

	cdp_buf_reset(&s->a);
	cdp_buf_reset(&s->b);
	if ((na = cdp_utf8_to_cps(a->s, a->n, &s->a)) == -1 ||
	    (nb = cdp_utf8_to_cps(b->s, b->n, &s->b)) == -1)
		cdp_oom(0);
	d = cdp_sim_levenshtein((const uint32_t *)(void *)s->a.p, (size_t)na,
	    (const uint32_t *)(void *)s->b.p, (size_t)nb,
	    (size_t)p->t[p->nt - 1]);
	if (d == SIZE_MAX)
		cdp_oom(0);
	return reached(p, (double)d, false);
}

static int
lev_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "lev<=%g", p->t[l - 2]);
}

/* --- phonetic keys ------------------------------------------------------ */

static int
phonetic_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return no_args(p, args, alen, 3);
}

static int
soundex_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	char x[5], y[5];

	(void)s;
	if (cdp_soundex(a->s, a->n, x) == -1 || cdp_soundex(b->s, b->n,
	    y) == -1)
		return p->nlev;
	return strcmp(x, y) == 0 ? 2 : p->nlev;
}

static int
soundex_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	(void)p;
	(void)l;
	return cdp_buf_adds(out, "soundex");
}

static int
nysiis_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	char x[CDP_NYSIIS_SIZE], y[CDP_NYSIIS_SIZE];

	(void)s;
	if (cdp_nysiis(a->s, a->n, x) == -1 || cdp_nysiis(b->s, b->n,
	    y) == -1)
		return p->nlev;
	return strcmp(x, y) == 0 ? 2 : p->nlev;
}

static int
nysiis_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	(void)p;
	(void)l;
	return cdp_buf_adds(out, "nysiis");
}

static int
jw_nysiis_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return thresholds(p, args, alen, (const double[2]){ 0.9, 0 }, 1, 0,
	    1, true);
}

static int
jw_nysiis_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	char x[CDP_NYSIIS_SIZE], y[CDP_NYSIIS_SIZE];
	int nx, ny;

	if ((nx = cdp_nysiis(a->s, a->n, x)) == -1 ||
	    (ny = cdp_nysiis(b->s, b->n, y)) == -1)
		return p->nlev;
	return reached(p, jw_of((struct cdp_cmp_val){ x, (size_t)nx },
	    (struct cdp_cmp_val){ y, (size_t)ny }, s), true);
}

static int
jw_nysiis_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "jw_nysiis>=%g", p->t[l - 2]);
}

/* --- names in two fields ------------------------------------------------- */

enum {
	NS_SWAPPED = 2,		/* given and surname crossed */
	NS_JW,			/* both names similar, in either order */
	NS_ONE_MISSING,		/* one name equal, the other absent */
	NS_ONE_DIFFERS,		/* one name equal, the other different */
	NS_ONE_JW,		/* one name similar */
	NS_ELSE
};

static int
name_swap_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	if (thresholds(p, args, alen, (const double[2]){ 0.92, 0 }, 1, 0, 1,
	    true) == -1 || p->nt != 1)
		return -1;
	p->nlev = NS_ELSE;
	return 0;
}

static bool
same(struct cdp_cmp_val x, struct cdp_cmp_val y)
{
	return x.n > 0 && x.n == y.n && memcmp(x.s, y.s, x.n) == 0;
}

static bool
near(struct cdp_cmp_val x, struct cdp_cmp_val y, double t,
    struct cdp_cmp_scratch *s)
{
	return x.n > 0 && y.n > 0 && jw_of(x, y, s) >= t - JW_SLACK;
}

static int
name_swap_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	bool all = a[0].n && a[1].n && b[0].n && b[1].n, one = false;
	double t = p->t[0];

	if ((a[0].n == 0 && a[1].n == 0) || (b[0].n == 0 && b[1].n == 0))
		return 0;
	if (all && same(a[0], b[1]) && same(a[1], b[0]))
		return NS_SWAPPED;
	if (all && ((near(a[0], b[0], t, s) && near(a[1], b[1], t, s)) ||
	    (near(a[0], b[1], t, s) && near(a[1], b[0], t, s))))
		return NS_JW;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			one = one || same(a[i], b[j]);
	if (one)
		return all ? NS_ONE_DIFFERS : NS_ONE_MISSING;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (near(a[i], b[j], t, s))
				return NS_ONE_JW;
	return NS_ELSE;
}

static int
name_swap_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	switch (l) {
	case NS_SWAPPED:
		return cdp_buf_adds(out, "swapped");
	case NS_JW:
		return cdp_buf_addf(out, "jw>=%g", p->t[0]);
	case NS_ONE_MISSING:
		return cdp_buf_adds(out, "one_equal_other_missing");
	case NS_ONE_DIFFERS:
		return cdp_buf_adds(out, "one_equal_other_differs");
	default:
		return cdp_buf_addf(out, "one_jw>=%g", p->t[0]);
	}
}

/* --- dates ------------------------------------------------------------- */

enum {
	D_SWAPPED = 2,	/* day and month swapped */
	D_DIGITS,	/* one digit inserted, deleted or changed */
	D_DAYS,		/* within t[0] days */
	D_ELSE
};

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
parse_date(const struct cdp_cmp_val *v, struct date *out)
{
	char iso[11];

	if (v->n >= 10 && v->s[4] == '-' && v->s[7] == '-') {
		memcpy(iso, v->s, 10);
	} else if (v->n == 8) {
		for (int i = 0; i < 8; i++)
			if (v->s[i] < '0' || v->s[i] > '9')
				return -1;
		memcpy(iso, v->s, 4);
		iso[4] = '-';
		memcpy(iso + 5, v->s + 4, 2);
		iso[7] = '-';
		memcpy(iso + 8, v->s + 6, 2);
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

#define MAX_DIGITS	16

/* The digits of v (at most MAX_DIGITS) into d; their count. */
static size_t
digits(const struct cdp_cmp_val *v, uint32_t d[MAX_DIGITS])
{
	size_t n = 0;

	for (size_t i = 0; i < v->n && n < MAX_DIGITS; i++)
		if (v->s[i] >= '0' && v->s[i] <= '9')
			d[n++] = (uint32_t)v->s[i];
	return n;
}

/* Whether the digits of a and b (six at least each: a date, even one
 * that does not exist, such as a typed 1980-02-31) are one edit apart. */
static bool
digit_typo(const struct cdp_cmp_val *a, const struct cdp_cmp_val *b)
{
	uint32_t x[MAX_DIGITS], y[MAX_DIGITS];
	size_t nx = digits(a, x), ny = digits(b, y);

	return nx >= 6 && ny >= 6 && cdp_sim_levenshtein(x, nx, y, ny, 1) <= 1;
}

static int
date_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	p->t[0] = 30;
	p->nt = 1;
	p->nlev = D_ELSE;
	return args == NULL || (numbers(p, args, alen, 1, 100000, false) ==
	    0 && p->nt == 1) ? 0 : -1;
}

static int
date_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	struct date da, db;
	bool both;

	(void)s;
	both = parse_date(a, &da) == 0 && parse_date(b, &db) == 0;
	if (both && da.days == db.days)
		return 1;
	if (both && da.y == db.y && da.m == db.d && da.d == db.m)
		return D_SWAPPED;
	if (digit_typo(a, b))
		return D_DIGITS;
	if (both && labs(da.days - db.days) <= (long)p->t[0])
		return D_DAYS;
	return D_ELSE;
}

static int
date_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	if (l == D_SWAPPED)
		return cdp_buf_adds(out, "day_month_swapped");
	if (l == D_DIGITS)
		return cdp_buf_adds(out, "digits_lev<=1");
	return cdp_buf_addf(out, "days<=%g", p->t[0]);
}

/* --- numbers and places --------------------------------------------------- */

/* The number written in v (scratch in b); -1 when it is not one. */
static int
number_of(const struct cdp_cmp_val *v, struct cdp_buf *b, double *x)
{
	cdp_buf_reset(b);
	if (cdp_buf_add(b, v->s, v->n) == -1)
		cdp_oom(v->n + 1);
	return cdp_parse_double(b->p, x);
}

static int
num_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return thresholds(p, args, alen, (const double[2]){ 0, 0 }, 0, 0,
	    1e300, false);
}

static int
num_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	double x, y;

	if (number_of(a, &s->a, &x) == -1 || number_of(b, &s->a, &y) == -1)
		return p->nlev;
	if (x == y)
		return 1;
	return reached(p, fabs(x - y), false);
}

static int
num_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "diff<=%g", p->t[l - 2]);
}

static int
geo_parse(struct cdp_cmp_part *p, const char *args, size_t alen)
{
	return thresholds(p, args, alen, (const double[2]){ 0, 0 }, 0, 0,
	    20040, false);
}

static double
radians(double deg)
{
	return deg * 3.14159265358979323846 / 180;
}

/* Latitude and longitude in degrees from v[0], v[1]; -1 when they are
 * not numbers of the globe. */
static int
coords(const struct cdp_cmp_val *v, struct cdp_buf *b, double *lat, double *lon)
{
	if (number_of(&v[0], b, lat) == -1 || number_of(&v[1], b, lon) ==
	    -1 || fabs(*lat) > 90 || fabs(*lon) > 180)
		return -1;
	return 0;
}

static int
geo_level(const struct cdp_cmp_part *p, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	double la, oa, lb, ob, h;

	if (a[0].n == 0 || a[1].n == 0 || b[0].n == 0 || b[1].n == 0)
		return 0;
	if (coords(a, &s->a, &la, &oa) == -1 || coords(b, &s->a, &lb,
	    &ob) == -1)
		return p->nlev;
	/* Haversine: the great-circle distance on a sphere. */
	h = pow(sin(radians(lb - la) / 2), 2) + cos(radians(la)) *
	    cos(radians(lb)) * pow(sin(radians(ob - oa) / 2), 2);
	if (h == 0)
		return 1;
	return reached(p, 2 * EARTH_KM * asin(sqrt(fmin(h, 1))), false);
}

static int
geo_name(const struct cdp_cmp_part *p, int l, struct cdp_buf *out)
{
	return cdp_buf_addf(out, "km<=%g", p->t[l - 2]);
}

/* --- the table ---------------------------------------------------------- */

static const struct cdp_cmp_method methods[] = {
	{ "exact", "exact", 1, true, true, exact_parse, exact_level,
	    no_name },
	{ "jw", "jw(T1,T2,...)", 1, true, true, jw_parse, jw_level, jw_name },
	{ "lev", "lev(K1,K2,...)", 1, true, true, lev_parse, lev_level,
	    lev_name },
	{ "soundex", "soundex", 1, true, true, phonetic_parse, soundex_level,
	    soundex_name },
	{ "nysiis", "nysiis", 1, true, true, phonetic_parse, nysiis_level,
	    nysiis_name },
	{ "jw_nysiis", "jw_nysiis(T1,...)", 1, true, true, jw_nysiis_parse,
	    jw_nysiis_level, jw_nysiis_name },
	{ "name_swap", "name_swap(T)", 2, true, false, name_swap_parse,
	    name_swap_level, name_swap_name },
	{ "date", "date(DAYS)", 1, false, false, date_parse, date_level,
	    date_name },
	{ "num", "num(TOL1,...)", 1, false, true, num_parse, num_level,
	    num_name },
	{ "geo", "geo(KM1,...)", 2, false, true, geo_parse, geo_level,
	    geo_name },
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
	char list[256] = "expected ";
	size_t at = strlen(list);

	for (size_t i = 0; i < NMETHODS && at < sizeof(list); i++) {
		const char *sep = i == 0 ? "" : i + 1 == NMETHODS ? " or " :
		    ", ";

		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
		    sep, methods[i].syntax);
	}
	cdp_err_set(err, EX_USAGE, "%s", list);
	return -1;
}

/* One method text into p; -1 when it is none. */
static int
parse_part(struct cdp_cmp_part *p, const char *text)
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
		*p = (struct cdp_cmp_part){ .method = m };
		return m->parse(p, bare ? NULL : args, bare ? 0 : alen);
	}
	return -1;
}

int
cdp_cmp_parse(struct cdp_cmp *c, const char *text, struct cdp_err *err)
{
	char buf[256], *start = buf, *bar;

	if (strlen(text) >= sizeof(buf))
		return unknown(err);
	memcpy(buf, text, strlen(text) + 1);
	*c = (struct cdp_cmp){ .nlev = 2 };
	do {
		struct cdp_cmp_part *p;

		if ((bar = strchr(start, '|')) != NULL)
			*bar = '\0';
		if (c->nparts == CDP_CMP_MAX_PARTS) {
			cdp_err_set(err, EX_USAGE, "more than %d methods "
			    "joined by |", CDP_CMP_MAX_PARTS);
			return -1;
		}
		p = &c->part[c->nparts];
		if (parse_part(p, start) == -1)
			return unknown(err);
		if (c->nparts > 0 && p->method->ncols != c->ncols) {
			cdp_err_set(err, EX_USAGE, "methods joined by | must "
			    "read as many fields");
			return -1;
		}
		c->ncols = p->method->ncols;
		c->nlev += p->nlev - 2;
		c->nparts++;
		if (bar != NULL)
			start = bar + 1;
	} while (bar != NULL);
	if (c->nlev > CDP_CMP_MAX_LEVELS) {
		cdp_err_set(err, EX_USAGE, "more than %d levels",
		    CDP_CMP_MAX_LEVELS);
		return -1;
	}
	return 0;
}

/* Whether every field is present on both sides and the same bytes. */
static bool
all_same(const struct cdp_cmp *c, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b)
{
	for (int i = 0; i < c->ncols; i++)
		if (!same(a[i], b[i]))
			return false;
	return true;
}

int
cdp_cmp_level(const struct cdp_cmp *c, const struct cdp_cmp_val *a,
    const struct cdp_cmp_val *b, struct cdp_cmp_scratch *s)
{
	int base = 2;

	if (c->ncols == 1 && (a[0].n == 0 || b[0].n == 0))
		return 0;
	if (all_same(c, a, b))
		return 1;
	for (int i = 0; i < c->nparts; i++) {
		const struct cdp_cmp_part *p = &c->part[i];
		int l = p->method->level(p, a, b, s);

		/* A part's own levels follow the parts before it. */
		if (l <= 1)
			return l;
		if (l < p->nlev)
			return base + l - 2;
		base += p->nlev - 2;
	}
	return c->nlev;
}

bool
cdp_cmp_agrees(const struct cdp_cmp *c, int level)
{
	return level > 0 && level < c->nlev;
}

/* The part of level l (2..nlev-1) and its level there. */
static const struct cdp_cmp_part *
part_of(const struct cdp_cmp *c, int l, int *local)
{
	int base = 2;

	for (int i = 0; i < c->nparts; i++) {
		const struct cdp_cmp_part *p = &c->part[i];

		if (l < base + p->nlev - 2) {
			*local = l - base + 2;
			return p;
		}
		base += p->nlev - 2;
	}
	*local = 0;
	return NULL;
}

bool
cdp_cmp_closer(const struct cdp_cmp *c, int a, int b)
{
	int la, lb;
	const struct cdp_cmp_part *pa, *pb;

	if (a >= b || a < 1 || b > c->nlev)
		return false;
	if (b == c->nlev)
		return true;
	if (a == 1)
		return false;
	pa = part_of(c, a, &la);
	pb = part_of(c, b, &lb);
	return pa == pb && pa->method->ordered;
}

void
cdp_cmp_level_name(const struct cdp_cmp *c, int l, struct cdp_buf *out)
{
	const struct cdp_cmp_part *p;
	int local, rc;

	if (l == 0)
		rc = cdp_buf_adds(out, "null");
	else if (l == 1)
		rc = cdp_buf_adds(out, "exact");
	else if (l >= c->nlev)
		rc = cdp_buf_adds(out, "else");
	else if ((p = part_of(c, l, &local)) != NULL)
		rc = p->method->level_name(p, local, out);
	else
		rc = -1;
	if (rc == -1)
		cdp_oom(0);
}

bool
cdp_cmp_textual(const struct cdp_cmp *c)
{
	for (int i = 0; i < c->nparts; i++)
		if (!c->part[i].method->textual)
			return false;
	return true;
}

void
cdp_cmp_scratch_free(struct cdp_cmp_scratch *s)
{
	cdp_buf_free(&s->a);
	cdp_buf_free(&s->b);
	cdp_buf_free(&s->c);
	cdp_buf_free(&s->d);
}

bool
cdp_cmp_field_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("(),:+| ", s[i]) != NULL)
			return false;
	return true;
}

int
cdp_cmp_fields(char *s, char **cols)
{
	int n = 0;

	for (char *p = s;; p++)
		if (*p == '+' || *p == '\0') {
			bool end = *p == '\0';

			if (n == CDP_CMP_MAX_COLS || !cdp_cmp_field_ok(s,
			    (size_t)(p - s)))
				return -1;
			*p = '\0';
			cols[n++] = s;
			if (end)
				return n;
			s = p + 1;
		}
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
