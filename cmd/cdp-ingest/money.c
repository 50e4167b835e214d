/*
 * money.c - amounts with decimal commas, group separators, signs in
 * every place people put them, and currencies by symbol or ISO 4217 code.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonload.h"
#include "money.h"
#include "norm.h"

#define MAX_DIGITS	40	/* more is no amount */

struct money_codes {
	char	(*code)[4];
	size_t	  n;
};

/*
 * Symbols that name one currency.  Where one symbol ends another ("$" in
 * "US$") the longer comes first.  The ISO codes themselves are read from
 * iso-codes; only the symbols, which it lacks, are listed here.
 */
static const struct {
	const char	*sym;
	char		 code[4];
} symbols[] = {
	{ "US$", "USD" }, { "CA$", "CAD" }, { "C$", "CAD" },
	{ "AU$", "AUD" }, { "A$", "AUD" }, { "NZ$", "NZD" },
	{ "HK$", "HKD" }, { "S$", "SGD" }, { "R$", "BRL" },
	{ "Mex$", "MXN" },
	{ "\xe2\x82\xac", "EUR" },		/* € */
	{ "\xc2\xa3", "GBP" },			/* £ */
	{ "z\xc5\x82", "PLN" },			/* zł */
	{ "Z\xc5\x81", "PLN" },			/* ZŁ */
	{ "\xe2\x82\xb9", "INR" },		/* ₹ */
	{ "\xe2\x82\xbd", "RUB" },		/* ₽ */
	{ "\xe2\x82\xba", "TRY" },		/* ₺ */
	{ "\xe2\x82\xb4", "UAH" },		/* ₴ */
	{ "\xe2\x82\xa9", "KRW" },		/* ₩ */
	{ "\xe2\x82\xaa", "ILS" },		/* ₪ */
	{ "\xe2\x82\xab", "VND" },		/* ₫ */
	{ "\xe0\xb8\xbf", "THB" },		/* ฿ */
	{ "\xe2\x82\xb1", "PHP" },		/* ₱ */
	{ "\xe2\x82\xa6", "NGN" },		/* ₦ */
	{ "K\xc4\x8d", "CZK" },			/* Kč */
	{ "Ft", "HUF" },
	{ "lei", "RON" },
};

/* Symbols several currencies use, and the codes each may stand for. */
static const struct {
	const char	*sym;
	const char	*can;
} ambiguous[] = {
	{ "$", "USD CAD AUD NZD MXN SGD HKD ARS CLP COP TWD" },
	{ "\xc2\xa5", "JPY CNY" },		/* ¥ */
	{ "\xef\xbf\xa5", "JPY CNY" },		/* ￥ */
	{ "kr.", "DKK SEK NOK ISK" },
	{ "kr", "SEK NOK DKK ISK" },
};

#define NSYM	(sizeof(symbols) / sizeof(symbols[0]))
#define NAMB	(sizeof(ambiguous) / sizeof(ambiguous[0]))

static int
code_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 3);
}

struct money_codes *
money_load(const char *path, struct cdp_err *err)
{
	struct money_codes *c;
	json_t *doc, *list, *e;
	const char *a3;
	size_t i;

	if (path == NULL)
		path = ISO4217_PATH;
	if ((doc = cdp_json_load(path, err)) == NULL) {
		err->code = err->code == EX_OSERR ? EX_OSERR : EX_OSFILE;
		return NULL;
	}
	list = json_object_get(doc, "4217");
	if (!json_is_array(list) || (c = calloc(1, sizeof(*c))) == NULL ||
	    (c->code = calloc(json_array_size(list) + 1,
	    sizeof(*c->code))) == NULL) {
		cdp_err_set(err, json_is_array(list) ? EX_OSERR : EX_OSFILE,
		    json_is_array(list) ? "out of memory" :
		    "%s: not the iso-codes ISO 4217 table", path);
		json_decref(doc);
		return NULL;
	}
	json_array_foreach(list, i, e) {
		a3 = json_string_value(json_object_get(e, "alpha_3"));
		if (a3 != NULL && strlen(a3) == 3)
			memcpy(c->code[c->n++], a3, 4);
	}
	json_decref(doc);
	qsort(c->code, c->n, sizeof(*c->code), code_cmp);
	return c;
}

void
money_free(struct money_codes *c)
{
	if (c == NULL)
		return;
	free(c->code);
	free(c);
}

bool
money_known(const struct money_codes *c, const char *code)
{
	return c != NULL && bsearch(code, c->code, c->n, sizeof(*c->code),
	    code_cmp) != NULL;
}

/* The text being taken apart: s[0..n), shrinking from both ends. */
struct amount {
	const char	*s;
	size_t		 n;
	bool		 neg, sign;
	char		 cur[4];
	const char	*why;
};

/* Length of the space (ASCII, no-break, thin, narrow) at s, or 0. */
static size_t
space_at(const char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '\t'))
		return 1;
	if (n >= 2 && memcmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (n >= 3 && (memcmp(s, "\xe2\x80\xaf", 3) == 0 ||
	    memcmp(s, "\xe2\x80\x89", 3) == 0))
		return 3;
	return 0;
}

/* A space ending at s[n), or 0. */
static size_t
space_before(const char *s, size_t n)
{
	for (size_t k = 3; k >= 1; k--)
		if (n >= k && space_at(s + n - k, k) == k)
			return k;
	return 0;
}

/* A minus sign at s (ASCII or U+2212), its length or 0. */
static size_t
minus_at(const char *s, size_t n)
{
	if (n >= 1 && s[0] == '-')
		return 1;
	if (n >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0)
		return 3;
	return 0;
}

static bool
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
set_currency(struct amount *a, const char *code)
{
	if (a->cur[0] != '\0') {
		a->why = "not an amount";
		return -1;
	}
	memcpy(a->cur, code, 4);
	return 0;
}

/* An ambiguous symbol: deflt when it is one the symbol may mean. */
static int
set_ambiguous(struct amount *a, const char *can, const char *deflt)
{
	if (deflt == NULL || strlen(deflt) != 3 || strstr(can, deflt) == NULL) {
		a->why = "ambiguous currency symbol: give --default-currency";
		return -1;
	}
	return set_currency(a, deflt);
}

/* Three ASCII letters standing alone: an ISO 4217 code. */
static int
set_code(struct amount *a, const struct money_codes *c, const char *p)
{
	char code[4];

	for (int i = 0; i < 3; i++)
		code[i] = (char)(p[i] & ~0x20);
	code[3] = '\0';
	if (!money_known(c, code)) {
		a->why = "unknown currency";
		return -1;
	}
	return set_currency(a, code);
}

/*
 * Take a currency off the front (front) or back of a; returns its length
 * in bytes, 0 when there is none, -1 on error (a->why set).
 */
static long
take_currency(struct amount *a, const struct money_codes *c,
    const char *deflt, bool front)
{
	const char *s = a->s;
	size_t n = a->n, k;

	for (size_t i = 0; i < NSYM; i++) {
		k = strlen(symbols[i].sym);
		if (n >= k && memcmp(front ? s : s + n - k, symbols[i].sym,
		    k) == 0)
			return set_currency(a, symbols[i].code) == -1 ? -1 :
			    (long)k;
	}
	for (size_t i = 0; i < NAMB; i++) {
		k = strlen(ambiguous[i].sym);
		if (n >= k && memcmp(front ? s : s + n - k, ambiguous[i].sym,
		    k) == 0)
			return set_ambiguous(a, ambiguous[i].can, deflt) ==
			    -1 ? -1 : (long)k;
	}
	if (n >= 3 && front && is_alpha(s[0]) && is_alpha(s[1]) &&
	    is_alpha(s[2]) && (n == 3 || !is_alpha(s[3])))
		return set_code(a, c, s) == -1 ? -1 : 3;
	if (n >= 3 && !front && is_alpha(s[n - 1]) && is_alpha(s[n - 2]) &&
	    is_alpha(s[n - 3]) && (n == 3 || !is_alpha(s[n - 4])))
		return set_code(a, c, s + n - 3) == -1 ? -1 : 3;
	return 0;
}

static int
set_sign(struct amount *a)
{
	if (a->sign) {
		a->why = "not an amount";
		return -1;
	}
	a->sign = true;
	return 0;
}

/*
 * Strip signs, currencies and spaces from both ends, so that a holds the
 * number alone.  Returns 0, or -1 with a->why.
 */
static int
strip_ends(struct amount *a, const struct money_codes *c, const char *deflt)
{
	size_t k;
	long cl;

	while (a->n > 0) {
		if ((k = space_at(a->s, a->n)) > 0) {
			;
		} else if (a->s[0] == '+' || minus_at(a->s, a->n) > 0) {
			if (set_sign(a) == -1)
				return -1;
			a->neg = a->s[0] != '+';
			k = a->neg ? minus_at(a->s, a->n) : 1;
		} else if ((cl = take_currency(a, c, deflt, true)) < 0) {
			return -1;
		} else if ((k = (size_t)cl) == 0) {
			break;
		}
		a->s += k;
		a->n -= k;
	}
	while (a->n > 0) {
		if ((k = space_before(a->s, a->n)) > 0) {
			;
		} else if (a->s[a->n - 1] == '-') {
			if (set_sign(a) == -1)
				return -1;
			a->neg = true;
			k = 1;
		} else if ((cl = take_currency(a, c, deflt, false)) < 0) {
			return -1;
		} else if ((k = (size_t)cl) == 0) {
			break;
		}
		a->n -= k;
	}
	return 0;
}

/* A group separator or decimal mark at s: its kind and length. */
static size_t
mark_at(const char *s, size_t n, char *kind)
{
	size_t k;

	if (s[0] == '.' || s[0] == ',' || s[0] == '\'') {
		*kind = s[0];
		return 1;
	}
	if (n >= 3 && memcmp(s, "\xe2\x80\x99", 3) == 0) {
		*kind = '\'';
		return 3;
	}
	if ((k = space_at(s, n)) > 0) {
		*kind = ' ';
		return k;
	}
	return 0;
}

/* The digit runs of the number and the mark after each. */
struct runs {
	const char	*d[MAX_DIGITS];
	size_t		 len[MAX_DIGITS];
	char		 mark[MAX_DIGITS];	/* after run i; 0 at the end */
	size_t		 n, digits, dots, commas;
};

static int
split_runs(const char *s, size_t n, struct runs *r, const char **why)
{
	size_t i = 0, k;
	char kind;

	*r = (struct runs){ .n = 0 };
	*why = "not an amount";
	while (i < n) {
		if (r->n == MAX_DIGITS)
			return -1;
		r->d[r->n] = s + i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		r->len[r->n] = (size_t)(s + i - r->d[r->n]);
		r->digits += r->len[r->n];
		if (r->len[r->n] == 0 || r->digits > MAX_DIGITS) {
			*why = r->digits > MAX_DIGITS ? "amount out of range" :
			    "not an amount";
			return -1;
		}
		r->n++;
		if (i == n)
			break;
		if ((k = mark_at(s + i, n - i, &kind)) == 0 || i + k == n)
			return -1;
		r->mark[r->n - 1] = kind;
		r->dots += kind == '.';
		r->commas += kind == ',';
		i += k;
	}
	return r->n > 0 ? 0 : -1;
}

/*
 * Which run starts the decimals (0 when none): see money_parse() for
 * the rules.  -1 when the marks make no number.
 */
static long
decimal_run(const struct runs *r, unsigned flags)
{
	size_t last = r->n - 1;
	char m;

	if (r->n == 1)
		return 0;
	m = r->mark[last - 1];
	if (m != '.' && m != ',')
		return 0;
	if (r->dots > 0 && r->commas > 0)
		return (m == '.' ? r->dots : r->commas) == 1 ? (long)last : -1;
	if (r->dots + r->commas > 1)
		return 0;	/* "1.234.567": groups only */
	/* Not three digits, "0,123", or groups of another kind before. */
	if (r->len[last] != 3 || (last == 1 && r->len[0] == 1 &&
	    r->d[0][0] == '0') || (last >= 2 && r->mark[last - 2] != m))
		return (long)last;
	if (m == ',')
		return flags & MONEY_DECIMAL_COMMA ? (long)last : 0;
	return flags & MONEY_DECIMAL_COMMA ? 0 : (long)last;
}

/* Check the groups before run dec (or all): 1-3 digits, then 3 each,
 * separated by one kind of mark. */
static bool
groups_ok(const struct runs *r, size_t end)
{
	char g = end > 1 ? r->mark[0] : 0;

	if (end > 1 && r->len[0] > 3)
		return false;
	for (size_t i = 1; i < end; i++)
		if (r->len[i] != 3 || r->mark[i - 1] != g)
			return false;
	return true;
}

static int
write_number(const struct runs *r, size_t dec, bool neg, struct cdp_buf *out)
{
	size_t end = dec ? dec : r->n;
	bool zero = true, lead = true;

	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->len[i]; j++)
			zero &= r->d[i][j] == '0';
	if (neg && !zero && cdp_buf_addc(out, '-') == -1)
		return -1;
	for (size_t i = 0; i < end; i++)
		for (size_t j = 0; j < r->len[i]; j++) {
			if (lead && r->d[i][j] == '0' &&
			    !(i == end - 1 && j == r->len[i] - 1))
				continue;
			lead = false;
			if (cdp_buf_addc(out, r->d[i][j]) == -1)
				return -1;
		}
	if (dec && (cdp_buf_addc(out, '.') == -1 ||
	    cdp_buf_add(out, r->d[dec], r->len[dec]) == -1))
		return -1;
	return 0;
}

int
money_parse(const struct money_codes *c, const char *s, size_t n,
    unsigned flags, const char *deflt, struct cdp_buf *out, char cur[4],
    const char **why)
{
	struct amount a = { .s = s, .n = n };
	struct runs r;
	long dec;

	cdp_trim(&a.s, &a.n);
	if (a.n >= 2 && a.s[0] == '(' && a.s[a.n - 1] == ')') {
		a.neg = a.sign = true;
		a.s++;
		a.n -= 2;
	}
	if (strip_ends(&a, c, deflt) == -1) {
		*why = a.why;
		return -1;
	}
	if ((flags & MONEY_NO_CURRENCY) && a.cur[0] != '\0') {
		*why = "not a number";
		return -1;
	}
	if (split_runs(a.s, a.n, &r, why) == -1)
		return -1;
	if ((dec = decimal_run(&r, flags)) == -1 ||
	    !groups_ok(&r, dec > 0 ? (size_t)dec : r.n) ||
	    (dec > 0 && dec != (long)r.n - 1)) {
		*why = flags & MONEY_NO_CURRENCY ? "not a number" :
		    "not an amount";
		return -1;
	}
	if (write_number(&r, (size_t)dec, a.neg, out) == -1) {
		*why = "out of memory";
		return -1;
	}
	memcpy(cur, a.cur, 4);
	return 0;
}
