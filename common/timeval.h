/*
 * timeval.h - a record's time field as seconds since 1970-01-01T00:00:00Z,
 * for the programs that order events in time (report funnel, cohort and
 * attribution; journey).
 */
#ifndef CDP_TIMEVAL_H
#define CDP_TIMEVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Parse s[0..n) (unescaped text of a JSON string) as a date or datetime in
 * any form cdp_norm_datetime() accepts; a time without a zone is taken as
 * UTC, a zone offset is applied.  tmp is scratch space.  Returns 0 with
 * *secs set (fractions kept), or -1 with *why set to a static reason.
 */
int	cdp_time_parse(const char *s, size_t n, struct cdp_buf *tmp,
	    double *secs, const char **why);

/*
 * The UTC calendar date of secs: days since 1970-01-01 (floor), and the
 * year, month (1-12) and day (1-31) of it.
 */
long	cdp_time_day(double secs);
void	cdp_time_civil(long day, int *y, int *m, int *d);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1-12;
 * d may run past the month's end: it counts on). */
long	cdp_time_days(long y, int m, int d);

/*
 * The ISO 8601 week of day: weeks start on Monday and week 1 holds the
 * year's first Thursday, so the week's year may differ from the date's
 * (2027-01-01 is in 2026-W53).
 */
void	cdp_time_isoweek(long day, int *year, int *week);

/*
 * Parse an ISO date YYYY-MM-DD that exists in the calendar into days since
 * 1970-01-01.  Returns 0, or -1.
 */
int	cdp_parse_iso_date(const char *s, long *days);

/*
 * True when name is a zone of the system's tz database, such as
 * "Europe/Berlin" or "UTC" (the folder is $TZDIR, else
 * /usr/share/zoneinfo).  glibc takes an unknown TZ for UTC without a
 * word, so the zone file is looked for; names with "..", a leading "/"
 * or other than letters, digits and "/_+-" are refused.
 */
bool	cdp_tz_valid(const char *name);

/*
 * A duration: a number (digits, with an optional fraction) and an
 * optional unit s, m, h, d or w ("90", "30m", "1.5h", "7d", "1w"); a
 * number alone is seconds.  At most 100 years.  Returns 0 with *secs
 * (0 or more), or -1.  The one grammar of every duration option and
 * setting (report --within, --lookback; journey waits and caps).
 */
int	cdp_duration_parse(const char *s, double *secs);

#endif
