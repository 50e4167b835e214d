/*
 * times.c - epoch numbers to ISO 8601, and local times placed in a zone
 * of the tz database through mktime() with TZ set once for the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "norm.h"
#include "timeval.h"
#include "times.h"

#define MIN_SECS	(-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define MAX_SECS	253402300799LL		/* 9999-12-31T23:59:59Z */

int
tz_use(const char *name)
{
	if (setenv("TZ", name, 1) == -1)
		return -1;
	tzset();
	return 0;
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

int
epoch_unit_of(const char *s, size_t n)
{
	const char *dot;

	cdp_trim(&s, &n);
	if (all_digits(s, n))
		return n == 10 ? EPOCH_S : n == 13 ? EPOCH_MS :
		    n == 16 ? EPOCH_US : -1;
	dot = memchr(s, '.', n);
	if (dot != NULL && dot - s == 10 && all_digits(s, 10) &&
	    n - 11 >= 1 && n - 11 <= 9 && all_digits(dot + 1, n - 11))
		return EPOCH_S;
	return -1;
}

/* Append "YYYY-MM-DDTHH:MM:SS" of secs since the epoch (in range). */
static int
put_civil(struct cdp_buf *out, long long secs)
{
	long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	long rem = (long)(secs - days * 86400);
	int y, m, d;

	cdp_time_civil((long)days, &y, &m, &d);
	return cdp_buf_addf(out, "%04d-%02d-%02dT%02ld:%02ld:%02ld", y, m, d,
	    rem / 3600, rem / 60 % 60, rem % 60);
}

static const long long pow10s[] = { 1, 10, 100, 1000, 10000, 100000,
	1000000, 10000000, 100000000, 1000000000 };

int
epoch_iso(const char *s, size_t n, int unit, struct cdp_buf *out,
    const char **why)
{
	long long v = 0, secs, frac = 0;
	size_t i = 0, fdigits = 0;
	bool neg;

	cdp_trim(&s, &n);
	neg = n > 0 && s[0] == '-';
	i = neg;
	*why = "not an epoch time";
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v >= 100000000000000000LL)
			return -1;	/* over 18 digits: no time */
		v = v * 10 + (s[i] - '0');
	}
	if (i == (size_t)neg)
		return -1;
	if (i < n && s[i] == '.' && unit == EPOCH_S) {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && fdigits < 9;
		    i++, fdigits++)
			frac = frac * 10 + (s[i] - '0');
		if (fdigits == 0)
			return -1;
	}
	if (i != n)
		return -1;
	if (unit != EPOCH_S) {
		fdigits = (size_t)unit;
		frac = v % pow10s[unit];
		v /= pow10s[unit];
	}
	secs = neg ? -v : v;
	/* A negative time with a fraction lies before the whole second. */
	if (neg && frac != 0) {
		secs--;
		frac = pow10s[fdigits] - frac;
	}
	if (secs < MIN_SECS || secs > MAX_SECS) {
		*why = "epoch time out of range";
		return -1;
	}
	*why = "out of memory";
	if (put_civil(out, secs) == -1 || (frac != 0 &&
	    cdp_buf_addf(out, ".%0*lld", (int)fdigits, frac) == -1) ||
	    cdp_buf_addc(out, 'Z') == -1)
		return -1;
	return 0;
}

/* The parts of a normalised datetime. */
struct dt {
	int		 y, mo, d, h, mi, s;
	const char	*frac;		/* ".123", or "" */
	size_t		 fraclen;
	bool		 zoned;
	long		 offset;	/* seconds east of UTC */
};

static int
num(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Split iso (as cdp_norm_datetime() writes it) into *t; -1 if not. */
static int
split_iso(const char *p, size_t n, struct dt *t)
{
	size_t i = 19;

	if (n < 19 || p[4] != '-' || p[10] != 'T')
		return -1;
	*t = (struct dt){ .y = num(p, 4), .mo = num(p + 5, 2),
	    .d = num(p + 8, 2), .h = num(p + 11, 2), .mi = num(p + 14, 2),
	    .s = num(p + 17, 2), .frac = "" };
	if (i < n && p[i] == '.') {
		t->frac = p + i;
		while (++i < n && p[i] >= '0' && p[i] <= '9')
			;
		t->fraclen = (size_t)(p + i - t->frac);
	}
	if (i < n && p[i] == 'Z' && i + 1 == n) {
		t->zoned = true;
	} else if (i + 6 == n && (p[i] == '+' || p[i] == '-') &&
	    p[i + 3] == ':') {
		t->zoned = true;
		t->offset = (num(p + i + 1, 2) * 60L + num(p + i + 4, 2)) * 60;
		if (p[i] == '-')
			t->offset = -t->offset;
	} else if (i != n) {
		return -1;
	}
	return 0;
}

/* The fields of t read as UTC, in seconds since the epoch. */
static long long
as_utc(const struct dt *t)
{
	return (long long)cdp_time_days(t->y, t->mo, t->d) * 86400 +
	    t->h * 3600LL + t->mi * 60LL + t->s;
}

/*
 * The instant the local time t names in the zone of tz_use(): tried as
 * standard and as summer time, keeping the readings that give t back,
 * the earlier when both do.  -1 when none does (a clock change skips t).
 */
static int
local_instant(const struct dt *t, long long *at)
{
	bool found = false;
	struct tm tm, back;
	time_t r;

	for (int dst = 1; dst >= 0; dst--) {
		tm = (struct tm){ .tm_year = t->y - 1900, .tm_mon = t->mo - 1,
		    .tm_mday = t->d, .tm_hour = t->h, .tm_min = t->mi,
		    .tm_sec = t->s, .tm_isdst = dst };
		r = mktime(&tm);
		if (localtime_r(&r, &back) == NULL ||
		    back.tm_year != t->y - 1900 || back.tm_mon != t->mo - 1 ||
		    back.tm_mday != t->d || back.tm_hour != t->h ||
		    back.tm_min != t->mi || back.tm_sec != t->s)
			continue;
		if (!found || (long long)r < *at)
			*at = (long long)r;
		found = true;
	}
	return found ? 0 : -1;
}

static int
put_zoned(struct cdp_buf *out, long long secs, const struct dt *t,
    bool utc, long offset)
{
	long a = offset < 0 ? -offset : offset;

	if (put_civil(out, utc ? secs : secs + offset) == -1 ||
	    cdp_buf_add(out, t->frac, t->fraclen) == -1)
		return -1;
	if (utc)
		return cdp_buf_addc(out, 'Z');
	return cdp_buf_addf(out, "%c%02ld:%02ld", offset < 0 ? '-' : '+',
	    a / 3600, a / 60 % 60);
}

int
tz_adjust(const char *iso, size_t n, bool tz, bool utc, struct cdp_buf *out,
    const char **why)
{
	struct dt t;
	long long at = 0;

	if (split_iso(iso, n, &t) == -1 || (t.zoned && !utc) ||
	    (!t.zoned && !tz && !utc)) {
		*why = "out of memory";
		return cdp_buf_add(out, iso, n);
	}
	if (t.zoned) {
		at = as_utc(&t) - t.offset;
	} else if (!tz) {
		*why = "time has no zone: give --tz";
		return -1;
	} else if (local_instant(&t, &at) == -1) {
		*why = "time does not exist in the --tz zone (clock change)";
		return -1;
	}
	if (at < MIN_SECS || at > MAX_SECS) {
		*why = "datetime out of range";
		return -1;
	}
	*why = "out of memory";
	return put_zoned(out, at, &t, utc, (long)(as_utc(&t) - at));
}
