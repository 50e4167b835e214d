/* test_timeval.c - time fields as epoch seconds, and back to dates. */
#include <math.h>
#include <string.h>

#include "timeval.h"
#include "check.h"

static double
secs_of(const char *s, const char **why)
{
	static struct cdp_buf tmp;
	double v = NAN;

	*why = NULL;
	if (s == NULL) {
		cdp_buf_free(&tmp);
		return 0;
	}
	if (cdp_time_parse(s, strlen(s), &tmp, &v, why) == -1)
		return NAN;
	return v;
}

int
main(void)
{
	const char *why;
	int y, m, d;

	CHECK(secs_of("1970-01-01", &why) == 0, "epoch date");
	CHECK(secs_of("1970-01-01T00:00:01Z", &why) == 1, "one second");
	CHECK(secs_of("2025-03-04T10:20:30Z", &why) == 1741083630, "utc");
	CHECK(secs_of("2025-03-04T10:20:30", &why) == 1741083630,
	    "no zone is utc");
	CHECK(secs_of("2025-03-04T12:20:30+02:00", &why) == 1741083630,
	    "east of utc");
	CHECK(secs_of("2025-03-04T05:20:30-05:00", &why) == 1741083630,
	    "west of utc");
	CHECK(secs_of("2025-03-04 10:20:30.25", &why) == 1741083630.25,
	    "fraction");
	CHECK(secs_of("1969-12-31T23:59:59Z", &why) == -1, "before 1970");
	CHECK(secs_of("4 Mar 2025", &why) == 1741046400, "month name");
	CHECK(isnan(secs_of("2025-02-30", &why)) && why != NULL, "no such day");
	CHECK(isnan(secs_of("soon", &why)) && why != NULL, "not a time");
	CHECK(isnan(secs_of("", &why)) && why != NULL, "empty");
	(void)secs_of(NULL, &why);

	CHECK(cdp_time_day(-1) == -1, "day floors");
	CHECK(cdp_time_day(86399.9) == 0, "last second of day 0");
	cdp_time_civil(0, &y, &m, &d);
	CHECK(y == 1970 && m == 1 && d == 1, "civil epoch");
	cdp_time_civil(20151, &y, &m, &d);
	CHECK(y == 2025 && m == 3 && d == 4, "civil 2025-03-04");
	cdp_time_civil(11016, &y, &m, &d);
	CHECK(y == 2000 && m == 2 && d == 29, "leap day");
	cdp_time_civil(-1, &y, &m, &d);
	CHECK(y == 1969 && m == 12 && d == 31, "day before epoch");
	CHECK(cdp_time_days(1970, 1, 1) == 0, "days of epoch");
	CHECK(cdp_time_days(2025, 3, 4) == 20151, "days of 2025-03-04");
	CHECK(cdp_time_days(1969, 12, 31) == -1, "days before epoch");
	CHECK(cdp_time_days(2025, 2, 29) == cdp_time_days(2025, 3, 1),
	    "a day past the month counts on");
	cdp_time_isoweek(cdp_time_days(2027, 1, 1), &y, &m);
	CHECK(y == 2026 && m == 53, "2027-01-01 is 2026-W53");
	cdp_time_isoweek(cdp_time_days(2024, 12, 30), &y, &m);
	CHECK(y == 2025 && m == 1, "2024-12-30 is 2025-W01");
	cdp_time_isoweek(cdp_time_days(2026, 3, 1), &y, &m);
	CHECK(y == 2026 && m == 9, "2026-03-01 is 2026-W09");
	cdp_time_isoweek(cdp_time_days(1969, 12, 29), &y, &m);
	CHECK(y == 1970 && m == 1, "1969-12-29 is 1970-W01");

	/* one duration grammar for report and journey */
	{
		static const struct {
			const char	*s;
			double		 secs;	/* -1: refused */
		} dur[] = {
			{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "30m", 1800 },
			{ "2h", 7200 }, { "1.5h", 5400 }, { "7d", 604800 },
			{ "1w", 604800 }, { "0.5d", 43200 }, { "0s", 0 },
			{ "36600d", 36600 * 86400.0 }, { "36601d", -1 },
			{ "", -1 }, { "h", -1 }, { "-1d", -1 }, { "+1d", -1 },
			{ "1x", -1 }, { "1dd", -1 }, { "1 d", -1 }, { "1.d", -1 },
			{ ".5d", -1 }, { "1e3", -1 }, { "inf", -1 }, { "nan", -1 },
			{ "0x10", -1 }, { "1D", -1 },
		};
		double v;

		for (size_t i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
			int rc = cdp_duration_parse(dur[i].s, &v);

			if (dur[i].secs < 0)
				CHECK(rc == -1, "duration \"%s\" refused",
				    dur[i].s);
			else
				CHECK(rc == 0 && v == dur[i].secs,
				    "duration \"%s\": rc %d, %g", dur[i].s, rc,
				    rc == 0 ? v : 0);
		}
	}
	return CHECK_DONE();
}
