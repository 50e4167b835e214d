/* jtime.c - durations, times as ISO text, and quiet hours in a
 * profile's time zone through the system tz database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journey.h"
#include "timeval.h"
#include "xalloc.h"

int
j_parse_time(const char *s, size_t n, struct cdp_buf *tmp, double *secs)
{
	const char *why;

	return cdp_time_parse(s, n, tmp, secs, &why);
}

/* UTC as 2026-03-29T06:00:00Z; milliseconds only when there are some. */
void
j_fmt_time(struct cdp_buf *b, double t)
{
	double whole = floor(t);
	time_t tt = (time_t)whole;
	long ms = lround((t - whole) * 1000);
	struct tm tm;

	if (ms == 1000) {
		tt++;
		ms = 0;
	}
	gmtime_r(&tt, &tm);
	if (cdp_buf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) == -1)
		cdp_oom(0);
	if (ms != 0 && cdp_buf_addf(b, ".%03ld", ms) == -1)
		cdp_oom(0);
	if (cdp_buf_addc(b, 'Z') == -1)
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
