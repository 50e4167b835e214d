/*
 * norm_date.c - dates and datetimes in the many ways people write them,
 * to ISO 8601.  Ambiguous numeric dates are refused rather than guessed,
 * and so are two-digit years: no century is made up.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "norm.h"

#define DATE_MAX_TOKENS	5

struct ymd {
	int	y, m, d;
};

struct hms {
	int		 h, mi, s;
	const char	*frac;		/* fraction digits as written */
	size_t		 nfrac;
	char		 zone[7];	/* "", "Z" or "+HH:MM" */
};

/* A number or a word of a date, and the separators before it. */
struct dtok {
	const char	*p;
	size_t		 len;
	const char	*sep;
	size_t		 nsep;
	int		 val;		/* numbers only */
	bool		 word;
	bool		 ordinal;	/* "4th" */
};

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};

static const char *const day_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday"
};

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_sep(int c)
{
	return is_blank(c) || c == ',' || c == '/' || c == '-' || c == '.';
}

static bool
all_digits(const char *s, size_t n)
{
	while (n-- > 0)
		if (!is_digit(*s++))
			return false;
	return true;
}

/* Case-insensitive: does s (length n) equal the lower-case word w? */
static bool
word_is(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || (s[i] | 0x20) != w[i])
			return false;
	return w[n] == '\0';
}

/* Does s equal the first n letters of w, with n == 3 or all of w? */
static bool
word_abbrev(const char *s, size_t n, const char *w)
{
	size_t i, wl = strlen(w);

	if (n != 3 && n != wl)
		return false;
	for (i = 0; i < n; i++)
		if ((s[i] | 0x20) != w[i])
			return false;
	return true;
}

/* Month 1-12 of an English month name or abbreviation, or 0. */
static int
month_lookup(const char *s, size_t n)
{
	int i;

	if (word_is(s, n, "sept"))
		return 9;
	for (i = 0; i < 12; i++)
		if (word_abbrev(s, n, month_names[i]))
			return i + 1;
	return 0;
}

/* Day of week 0-6 (Sunday first) of an English day name, or -1. */
static int
weekday_lookup(const char *s, size_t n)
{
	int i;

	if (word_is(s, n, "tues"))
		return 2;
	if (word_is(s, n, "thur") || word_is(s, n, "thurs"))
		return 4;
	for (i = 0; i < 7; i++)
		if (word_abbrev(s, n, day_names[i]))
			return i;
	return -1;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* Day of week, 0 = Sunday, in the proleptic Gregorian calendar. */
static int
day_of_week(int y, int m, int d)
{
	static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static const char *
date_check(const struct ymd *d)
{
	if (d->y < 1)
		return "not a date";
	if (d->m < 1 || d->m > 12)
		return "no such month";
	if (d->d < 1 || d->d > days_in_month(d->y, d->m))
		return "no such day";
	return NULL;
}

static int
num(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/*
 * Split s into numbers and words.  Separators are blanks and , / - .;
 * a number may carry an ordinal suffix ("4th").
 */
static int
tokenize(const char *s, size_t n, struct dtok *t, size_t *nt)
{
	size_t i = 0, sep;

	*nt = 0;
	while (i < n) {
		sep = i;
		while (i < n && is_sep(s[i]))
			i++;
		if (i == n || *nt == DATE_MAX_TOKENS || (*nt == 0 && i > 0))
			return -1;
		memset(&t[*nt], 0, sizeof(t[*nt]));
		t[*nt].sep = s + sep;
		t[*nt].nsep = i - sep;
		t[*nt].p = s + i;
		if (is_digit(s[i])) {
			while (i < n && is_digit(s[i]))
				i++;
			t[*nt].len = (size_t)(s + i - t[*nt].p);
			if (t[*nt].len > 4)
				return -1;
			t[*nt].val = num(t[*nt].p, t[*nt].len);
			if (i + 1 < n && (word_is(s + i, 2, "st") ||
			    word_is(s + i, 2, "nd") ||
			    word_is(s + i, 2, "rd") ||
			    word_is(s + i, 2, "th")) &&
			    (i + 2 == n || !is_alpha(s[i + 2]))) {
				t[*nt].ordinal = true;
				i += 2;
			}
		} else if (is_alpha(s[i])) {
			while (i < n && is_alpha(s[i]))
				i++;
			t[*nt].len = (size_t)(s + i - t[*nt].p);
			t[*nt].word = true;
		} else
			return -1;
		if (i < n && !is_sep(s[i]))
			return -1;
		(*nt)++;
	}
	return 0;
}

/*
 * Day and month of a numeric date a/b/yyyy in the given order.  In
 * auto order a day above 12 settles it, and a == b needs no settling.
 */
static const char *
numeric_order(int a, int b, enum cdp_date_order order, struct ymd *d)
{
	switch (order) {
	case CDP_DATE_YMD:
		return "date not in year-month-day order";
	case CDP_DATE_DMY:
		d->d = a;
		d->m = b;
		return NULL;
	case CDP_DATE_MDY:
		d->m = a;
		d->d = b;
		return NULL;
	case CDP_DATE_AUTO:
		break;
	}
	if (a == 0 || b == 0)
		return "no such day";
	if (a == b || (a > 12 && b <= 12)) {
		d->d = a;
		d->m = b;
	} else if (b > 12 && a <= 12) {
		d->m = a;
		d->d = b;
	} else if (a <= 12 && b <= 12)
		return "ambiguous day and month: give --date-format";
	else
		return "no such month";
	return NULL;
}

static const char *
date_numeric(const struct dtok *t, enum cdp_date_order order, struct ymd *d)
{
	if (t[1].nsep != 1 || t[2].nsep != 1 || t[1].sep[0] != t[2].sep[0] ||
	    strchr("/-.", t[1].sep[0]) == NULL || t[0].ordinal ||
	    t[1].ordinal || t[2].ordinal)
		return "not a date";
	if (t[0].len == 4 && t[1].len <= 2 && t[2].len <= 2) {
		d->y = t[0].val;
		d->m = t[1].val;
		d->d = t[2].val;
		return NULL;
	}
	if (t[0].len > 2 || t[1].len > 2)
		return "not a date";
	if (t[2].len <= 2)
		return "two-digit year";
	if (t[2].len != 4)
		return "not a date";
	d->y = t[2].val;
	return numeric_order(t[0].val, t[1].val, order, d);
}

/* A date with a month name: "4 Mar 2025", "March 4, 2025", "2025-Mar-04". */
static const char *
date_named(const struct dtok *t, int wi, struct ymd *d)
{
	const struct dtok *day, *year;

	if (wi == 1 && t[0].len == 4 && !t[0].ordinal) {
		year = &t[0];
		day = &t[2];
	} else if (wi == 1) {
		day = &t[0];
		year = &t[2];
	} else if (wi == 0) {
		day = &t[1];
		year = &t[2];
	} else
		return "not a date";
	if ((d->m = month_lookup(t[wi].p, t[wi].len)) == 0 ||
	    day->word || day->len > 2 || year->word || year->ordinal)
		return "not a date";
	if (year->len <= 2)
		return "two-digit year";
	if (year->len != 4)
		return "not a date";
	d->y = year->val;
	d->d = day->val;
	return NULL;
}

/* Parse the date part s (trimmed); *why on error. */
static int
parse_date(const char *s, size_t n, enum cdp_date_order order, struct ymd *d,
    const char **why)
{
	struct dtok tok[DATE_MAX_TOKENS], *t = tok;
	size_t nt, i, words = 0;
	int wd = -1, wi = 0;

	if (n == 0) {
		*why = "empty date";
		return -1;
	}
	if (n == 8 && all_digits(s, n)) {
		d->y = num(s, 4);
		d->m = num(s + 4, 2);
		d->d = num(s + 6, 2);
	} else {
		if (tokenize(s, n, tok, &nt) == -1)
			goto bad;
		if (nt > 0 && t[0].word &&
		    (wd = weekday_lookup(t[0].p, t[0].len)) >= 0) {
			t++;
			nt--;
		}
		if (nt != 3)
			goto bad;
		for (i = 0; i < 3; i++)
			if (t[i].word) {
				words++;
				wi = (int)i;
			}
		if (words > 1)
			goto bad;
		*why = words == 0 ? date_numeric(t, order, d) :
		    date_named(t, wi, d);
		if (*why != NULL)
			return -1;
	}
	if ((*why = date_check(d)) != NULL)
		return -1;
	if (wd >= 0 && wd != day_of_week(d->y, d->m, d->d)) {
		*why = "day of week does not match the date";
		return -1;
	}
	return 0;
bad:
	*why = "not a date";
	return -1;
}

/* Read exactly k digits at s[*i]; -1 when they are not there. */
static int
digits(const char *s, size_t n, size_t *i, size_t k)
{
	size_t j;

	for (j = 0; j < k; j++)
		if (*i + j >= n || !is_digit(s[*i + j]))
			return -1;
	*i += k;
	return num(s + *i - k, k);
}

/* "am", "pm", "a.m.", "p.m.": 1 for pm, 0 for am, -1 for neither. */
static int
meridiem(const char *s, size_t n, size_t *i)
{
	size_t j = *i;
	int pm;

	if (j >= n || ((s[j] | 0x20) != 'a' && (s[j] | 0x20) != 'p'))
		return -1;
	pm = (s[j] | 0x20) == 'p';
	if (j + 1 < n && (s[j + 1] | 0x20) == 'm')
		j += 2;
	else if (j + 3 < n && s[j + 1] == '.' && (s[j + 2] | 0x20) == 'm' &&
	    s[j + 3] == '.')
		j += 4;
	else
		return -1;
	if (j < n && is_alpha(s[j]))
		return -1;
	*i = j;
	return pm;
}

/* Zone: Z, UTC, GMT, +HH:MM, +HHMM, +HH, or UTC/GMT with an offset. */
static const char *
parse_zone(const char *s, size_t n, size_t i, struct hms *t)
{
	int sign, h, m = 0;
	bool named = false;

	t->zone[0] = '\0';
	if (i == n)
		return NULL;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
		memcpy(t->zone, "Z", 2);
		return NULL;
	}
	if (n - i >= 3 && (word_is(s + i, 3, "utc") ||
	    word_is(s + i, 3, "gmt"))) {
		memcpy(t->zone, "Z", 2);
		named = true;
		if ((i += 3) == n)
			return NULL;
	}
	if (s[i] != '+' && s[i] != '-')
		return is_alpha(s[i]) ? "unknown time zone" : "not a time";
	sign = s[i++];
	if ((h = digits(s, n, &i, 2)) < 0 &&
	    (!named || (h = digits(s, n, &i, 1)) < 0))
		return "not a time";
	if (i < n && s[i] == ':')
		i++;
	if ((i < n || s[i - 1] == ':') && (m = digits(s, n, &i, 2)) < 0)
		return "not a time";
	if (i != n)
		return "not a time";
	if (h > 14 || m > 59)
		return "bad time zone offset";
	t->zone[0] = (char)sign;
	t->zone[1] = (char)('0' + h / 10);
	t->zone[2] = (char)('0' + h % 10);
	t->zone[3] = ':';
	t->zone[4] = (char)('0' + m / 10);
	t->zone[5] = (char)('0' + m % 10);
	t->zone[6] = '\0';
	return NULL;
}

/* HH:MM[:SS[.frac]], or HHMM[SS[.frac]] after "T"; then AM/PM, zone. */
static const char *
parse_time(const char *s, size_t n, struct hms *t)
{
	size_t i = 0, f;
	int pm;

	memset(t, 0, sizeof(*t));
	if (n > 1 && s[1] == ':')
		t->h = digits(s, n, &i, 1);
	else
		t->h = digits(s, n, &i, 2);
	if (t->h < 0)
		return "not a time";
	if (i < n && s[i] == ':') {
		i++;
		if ((t->mi = digits(s, n, &i, 2)) < 0)
			return "not a time";
		if (i < n && s[i] == ':') {
			i++;
			t->s = digits(s, n, &i, 2);
		}
	} else if ((t->mi = digits(s, n, &i, 2)) < 0)
		return "not a time";
	else if (i + 1 < n && is_digit(s[i]))
		t->s = digits(s, n, &i, 2);
	if (t->s < 0)
		return "not a time";
	if (i + 1 < n && (s[i] == '.' || s[i] == ',') && is_digit(s[i + 1])) {
		f = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		t->frac = s + f;
		if ((t->nfrac = i - f) > 9)
			return "not a time";
	}
	while (i < n && is_blank(s[i]))
		i++;
	if ((pm = meridiem(s, n, &i)) >= 0) {
		if (t->h < 1 || t->h > 12)
			return "no such time";
		t->h = t->h % 12 + (pm ? 12 : 0);
		while (i < n && is_blank(s[i]))
			i++;
	}
	if (t->h > 23 || t->mi > 59 || t->s > 59)
		return "no such time";
	return parse_zone(s, n, i, t);
}

/*
 * Split s into its date part and time part (*tn == 0 when there is no
 * time).  The time starts after a "T" between digits, or at the one or
 * two digits before the first ":" when a blank or comma precedes them.
 */
static void
split_datetime(const char *s, size_t n, size_t *dn, const char **t,
    size_t *tn)
{
	const char *c;
	size_t i, j;

	*dn = n;
	*tn = 0;
	for (i = 1; i + 1 < n; i++)
		if ((s[i] == 'T' || s[i] == 't') && is_digit(s[i - 1]) &&
		    is_digit(s[i + 1])) {
			*dn = i;
			*t = s + i + 1;
			*tn = n - i - 1;
			return;
		}
	if ((c = memchr(s, ':', n)) == NULL)
		return;
	for (i = j = (size_t)(c - s); j > 0 && is_digit(s[j - 1]); j--)
		;
	if (i - j < 1 || i - j > 2 || j == 0 ||
	    (!is_blank(s[j - 1]) && s[j - 1] != ','))
		return;
	*t = s + j;
	*tn = n - j;
	while (j > 0 && (is_blank(s[j - 1]) || s[j - 1] == ','))
		j--;
	*dn = j;
}

static char *
put(char *w, int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		w[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return w + width;
}

static int
put_date(struct cdp_buf *out, const struct ymd *d, const char **why)
{
	char *w;

	if (cdp_buf_reserve(out, 10) == -1) {
		*why = "out of memory";
		return -1;
	}
	w = out->p + out->len;
	w = put(w, d->y, 4);
	*w++ = '-';
	w = put(w, d->m, 2);
	*w++ = '-';
	w = put(w, d->d, 2);
	*w = '\0';
	out->len += 10;
	return 0;
}

/* Parse "dmy", "mdy", "ymd" or "auto" (any case).  Returns 0, or -1. */
int
cdp_date_order_parse(const char *s, enum cdp_date_order *out)
{
	static const char *const names[] = { "auto", "dmy", "mdy", "ymd" };
	static const enum cdp_date_order orders[] = {
		CDP_DATE_AUTO, CDP_DATE_DMY, CDP_DATE_MDY, CDP_DATE_YMD
	};
	size_t i;

	for (i = 0; i < 4 && s != NULL; i++)
		if (word_is(s, strlen(s), names[i])) {
			*out = orders[i];
			return 0;
		}
	return -1;
}

/*
 * Date to "YYYY-MM-DD" (see norm.h), appended to out.  On error out is
 * unchanged and *why is "empty date", "not a date", "two-digit year",
 * "ambiguous day and month: give --date-format", "date not in
 * year-month-day order", "no such month", "no such day", "day of week
 * does not match the date", "date has a time part" or "out of memory".
 */
int
cdp_norm_date(const char *s, size_t n, enum cdp_date_order order,
    struct cdp_buf *out, const char **why)
{
	struct ymd d;
	const char *t;
	size_t dn, tn;

	cdp_trim(&s, &n);
	split_datetime(s, n, &dn, &t, &tn);
	if (parse_date(s, dn, order, &d, why) == -1)
		return -1;
	if (tn > 0) {
		*why = "date has a time part";
		return -1;
	}
	return put_date(out, &d, why);
}

/*
 * Datetime to ISO 8601 (see norm.h), appended to out.  On error out is
 * unchanged and *why is a reason of cdp_norm_date() or "not a time",
 * "no such time", "unknown time zone" or "bad time zone offset".
 */
int
cdp_norm_datetime(const char *s, size_t n, enum cdp_date_order order,
    struct cdp_buf *out, const char **why)
{
	struct ymd d;
	struct hms tm;
	const char *t;
	size_t dn, tn, start = out->len;
	char *w;

	cdp_trim(&s, &n);
	split_datetime(s, n, &dn, &t, &tn);
	if (parse_date(s, dn, order, &d, why) == -1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (tn > 0 && (*why = parse_time(t, tn, &tm)) != NULL)
		return -1;
	if (put_date(out, &d, why) == -1)
		return -1;
	if (cdp_buf_reserve(out, 10 + tm.nfrac + 6) == -1) {
		out->len = start;
		out->p[start] = '\0';
		*why = "out of memory";
		return -1;
	}
	w = out->p + out->len;
	*w++ = 'T';
	w = put(w, tm.h, 2);
	*w++ = ':';
	w = put(w, tm.mi, 2);
	*w++ = ':';
	w = put(w, tm.s, 2);
	if (tm.nfrac > 0) {
		*w++ = '.';
		memcpy(w, tm.frac, tm.nfrac);
		w += tm.nfrac;
	}
	memcpy(w, tm.zone, strlen(tm.zone) + 1);
	out->len = (size_t)(w - out->p) + strlen(tm.zone);
	return 0;
}
