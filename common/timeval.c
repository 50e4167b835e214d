/* timeval.c - time fields as epoch seconds; see timeval.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "norm.h"
#include "timeval.h"

static int
two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int
cdp_time_parse(const char *s, size_t n, struct cdp_buf *tmp, double *secs,
    const char **why)
{
	char date[11];
	const char *p, *end;
	double frac = 0, scale = 0.1;
	long day;
	int zone = 0;

	cdp_buf_reset(tmp);
	if (cdp_norm_datetime(s, n, CDP_DATE_AUTO, tmp, why) == -1)
		return -1;
	if (cdp_buf_addc(tmp, '\0') == -1) {
		*why = "out of memory";
		return -1;
	}
	/* "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]" */
	p = tmp->p;
	end = p + tmp->len - 1;
	if (end - p < 19 || p[10] != 'T') {
		*why = "not a date or time";
		return -1;
	}
	memcpy(date, p, 10);
	date[10] = '\0';
	if (cdp_parse_iso_date(date, &day) == -1) {
		*why = "not a date or time";
		return -1;
	}
	p += 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if ((*p == '+' || *p == '-') && end - p >= 6) {
		zone = two(p + 1) * 3600 + two(p + 4) * 60;
		if (*p == '-')
			zone = -zone;
	}
	p = tmp->p + 11;
	*secs = (double)day * 86400 + two(p) * 3600 + two(p + 3) * 60 +
	    two(p + 6) + frac - zone;
	return 0;
}

long
cdp_time_day(double secs)
{
	return (long)floor(secs / 86400);
}

void
cdp_time_civil(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

long
cdp_time_days(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
cdp_time_isoweek(long day, int *year, int *week)
{
	/* The Thursday of day's Monday-to-Sunday week names the ISO year;
	 * 1970-01-01 (day 0) was a Thursday. */
	long thu = day - (((day % 7) + 7 + 3) % 7) + 3;
	int m, d;

	cdp_time_civil(thu, year, &m, &d);
	*week = (int)((thu - cdp_time_days(*year, 1, 1)) / 7 + 1);
}

bool
cdp_tz_valid(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096];

	if (*name == '\0' || *name == '/' || strstr(name, "..") != NULL ||
	    strlen(name) > 200)
		return false;
	if (strcmp(name, "UTC") == 0)
		return true;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return false;
	snprintf(path, sizeof(path), "%s/%s",
	    dir != NULL && *dir != '\0' ? dir : "/usr/share/zoneinfo", name);
	return access(path, R_OK) == 0;
}

int
cdp_duration_parse(const char *s, double *secs)
{
	static const struct {
		char	unit;
		double	secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 },
	    { 'd', 86400 }, { 'w', 7 * 86400 } };
	size_t n = strspn(s, "0123456789"), i;
	double mult = 1, v;

	if (n == 0)
		return -1;
	if (s[n] == '.' && s[n + 1] >= '0' && s[n + 1] <= '9')
		n += 1 + strspn(s + n + 1, "0123456789");
	if (s[n] != '\0') {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (s[n] == units[i].unit)
				break;
		if (i == sizeof(units) / sizeof(units[0]) || s[n + 1] != '\0')
			return -1;
		mult = units[i].secs;
	}
	v = strtod(s, NULL) * mult;
	if (!(v <= 100 * 366 * 86400.0))
		return -1;
	*secs = v;
	return 0;
}

int
cdp_parse_iso_date(const char *s, long *days)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, leap;

	for (int i = 0; i < 10; i++) {
		int want_dash = i == 4 || i == 7;

		if (want_dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	if (s[10] != '\0')
		return -1;
	/* four digits, checked above: no atoi() (strtol's locale and
	 * sign handling cost more than the rest of the function) */
	y = ((s[0] - '0') * 10 + (s[1] - '0')) * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*days = cdp_time_days(y, m, d);
	return 0;
}
