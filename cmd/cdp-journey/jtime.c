/* jtime.c - durations, times as ISO text, and quiet hours in a
 * profile's time zone through the system tz database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journey.h"
#include "opts.h"
#include "timeval.h"
#include "xalloc.h"

/* "10%", "12.5%" or a fraction "0.1": a share from 0 to 1 (more is
 * refused by the caller, with its own words).  Returns 0, or -1. */
int
j_parse_share(const char *s, double *share)
{
	size_t n = strlen(s);
	char num[64];
	double v;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	if (num[n - 1] == '%')
		num[--n] = '\0';
	if (n == 0 || num[0] == '+' || num[0] == '-' ||
	    cdp_parse_double(num, &v) == -1 || v < 0)
		return -1;
	*share = s[strlen(s) - 1] == '%' ? v / 100 : v;
	return 0;
}

int
j_parse_time(const char *s, size_t n, struct cdp_buf *tmp, double *secs)
{
	const char *why;

	return cdp_time_parse(s, n, tmp, secs, &why);
}

/* n digits of v at p, zero-padded. */
static void
digits(char *p, int n, long v)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* UTC as 2026-03-29T06:00:00Z; milliseconds only when there are some.
 * Written by hand: this runs twice per decision and state line. */
void
j_fmt_time(struct cdp_buf *b, double t)
{
	double whole = floor(t);
	time_t tt = (time_t)whole;
	long ms = lround((t - whole) * 1000);
	char s[32];
	struct tm tm;
	size_t n = 19;

	if (ms == 1000) {
		tt++;
		ms = 0;
	}
	gmtime_r(&tt, &tm);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		if (cdp_buf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec) == -1)
			cdp_oom(0);
		n = 0;
	} else {
		memcpy(s, "0000-00-00T00:00:00", 19);
		digits(s, 4, tm.tm_year + 1900);
		digits(s + 5, 2, tm.tm_mon + 1);
		digits(s + 8, 2, tm.tm_mday);
		digits(s + 11, 2, tm.tm_hour);
		digits(s + 14, 2, tm.tm_min);
		digits(s + 17, 2, tm.tm_sec);
	}
	if (ms != 0) {
		s[n++] = '.';
		digits(s + n, 3, ms);
		n += 3;
	}
	s[n++] = 'Z';
	if (cdp_buf_add(b, s, n) == -1)
		cdp_oom(0);
}

/* An IANA zone name the system tz database holds (common/timeval.c). */
int
j_tz_valid(const char *name)
{
	return cdp_tz_valid(name);
}

/* Make tz the zone of localtime_r()/mktime(); cur holds the zone set
 * last, so that tzset() reads the database only on a change. */
static void
use_zone(const char *tz, struct cdp_buf *cur)
{
	if (cur->len > 0 && strcmp(cur->p, tz) == 0)
		return;
	cdp_buf_reset(cur);
	if (cdp_buf_adds(cur, tz) == -1 || setenv("TZ", tz, 1) == -1)
		cdp_oom(0);
	tzset();
}

/*
 * Quiet hours from..to (minutes after local midnight; to < from crosses
 * midnight).  A time inside them moves to the next local "to" o'clock,
 * found by mktime() on the local calendar so that a DST change between
 * the two is counted right.  cur: the zone cache of use_zone().  Returns
 * the time to send; *moved tells.
 */
double
j_quiet(double t, const char *tz, int from, int to, struct cdp_buf *cur,
    bool *moved)
{
	time_t tt = (time_t)floor(t), end;
	struct tm lt, e;
	int m;
	bool in;

	*moved = false;
	use_zone(tz, cur);
	if (localtime_r(&tt, &lt) == NULL)
		return t;
	m = lt.tm_hour * 60 + lt.tm_min;
	in = from < to ? m >= from && m < to : m >= from || m < to;
	if (!in)
		return t;
	e = (struct tm){ .tm_year = lt.tm_year, .tm_mon = lt.tm_mon,
	    .tm_mday = lt.tm_mday, .tm_hour = to / 60, .tm_min = to % 60,
	    .tm_isdst = -1 };
	if (from > to && m >= from)
		e.tm_mday++;
	if ((end = mktime(&e)) == (time_t)-1)
		return t;
	*moved = true;
	return (double)end;
}

/* The start of local hour h on the day days after lt's (DST counted by
 * mktime() on the local calendar). */
static double
hour_start(const struct tm *lt, int days, int h)
{
	struct tm e = { .tm_year = lt->tm_year, .tm_mon = lt->tm_mon,
	    .tm_mday = lt->tm_mday + days, .tm_hour = h, .tm_isdst = -1 };

	return (double)mktime(&e);
}

/* The ISO weekday (1 Monday .. 7 Sunday) of local time x. */
static int
iso_wday(double x)
{
	time_t tt = (time_t)floor(x);
	struct tm lt;

	if (localtime_r(&tt, &lt) == NULL)
		return -1;
	return lt.tm_wday == 0 ? 7 : lt.tm_wday;
}

/*
 * Send-time optimisation: the first moment from t on inside the
 * profile's best local hour h (0-23), on its best ISO weekday wday (1-7)
 * too when wday > 0 and such an hour comes within window; else within
 * the hour alone; else t when even that is further than window.  A time
 * already inside the hour stays.  cur: the zone cache of use_zone().
 */
double
j_send_time(double t, const char *tz, int h, int wday, double window,
    struct cdp_buf *cur)
{
	time_t tt = (time_t)floor(t);
	double best = INFINITY;
	struct tm lt;

	use_zone(tz, cur);
	if (localtime_r(&tt, &lt) == NULL)
		return t;
	for (int pass = wday > 0 ? 0 : 1; pass < 2 && isinf(best); pass++)
		for (int k = 0; k < 8 && isinf(best); k++) {
			double x = k == 0 && lt.tm_hour == h ? t :
			    hour_start(&lt, k, h);

			if (x < t || x - t > window)
				continue;
			if (pass == 0 && iso_wday(x) != wday)
				continue;
			best = x;
		}
	return isinf(best) ? t : best;
}
