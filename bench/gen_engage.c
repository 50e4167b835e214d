/*
 * gen_engage.c - simulated engagement events (opens, clicks, visits) of
 * profiles with a known preferred local hour and weekday, in their own
 * time zones, for cdp-score sendtime's tests: each event falls in the
 * preferred hour (give or take an hour's noise) with some probability,
 * else at any hour; on the preferred weekday with some probability, else
 * on any day.  The same seed gives the same events on every machine.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "diag.h"
#include "opts.h"
#include "timeval.h"

static const char usage_text[] =
"usage: gen_engage [-n PROFILES] [-s SEED] [-t TRUTH] [--start DATE]\n"
"                  [--days N] [--max-events N]\n";

static const char *const zones[] = { "UTC", "Europe/Berlin",
	"America/New_York", "Asia/Tokyo", "Australia/Sydney" };
static const char *const names[] = { "open", "click", "visit" };

/* The UTC time of local day (days since 1970) at hour:minute in TZ. */
static time_t
utc_of(long day, int hour, int minute)
{
	int y, m, d;
	struct tm t;

	cdp_time_civil(day, &y, &m, &d);
	t = (struct tm){ .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
	    .tm_hour = hour, .tm_min = minute, .tm_isdst = -1 };
	return mktime(&t);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "days", required_argument, NULL, 'D' },
		{ "max-events", required_argument, NULL, 'M' },
		{ "start", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	long n = 1000, days = 56, maxev = 30, start, seed = 1;
	const char *truth = NULL;
	FILE *tf = NULL;
	gsl_rng *r;
	int ch;

	cdp_diag_init("gen_engage");
	(void)cdp_parse_iso_date("2025-01-06", &start);
	while ((ch = getopt_long(argc, argv, "n:s:t:", lo, NULL)) != -1) {
		long v;

		if (ch == 't') {
			truth = optarg;
			continue;
		}
		if (ch == 'S') {
			if (cdp_parse_iso_date(optarg, &start) == -1)
				cdp_die(EX_USAGE, NULL, 0, "--start: not a date");
			continue;
		}
		if (strchr("nsDM", ch) == NULL || cdp_parse_long(optarg, 1,
		    100000000, &v) == -1)
			cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
		*(ch == 'n' ? &n : ch == 's' ? &seed : ch == 'D' ? &days :
		    &maxev) = v;
	}
	if (optind != argc)
		cdp_die(EX_USAGE, NULL, 0, "%s", usage_text);
	if (truth != NULL && (tf = fopen(truth, "w")) == NULL)
		cdp_die(EX_CANTCREAT, truth, 0, "cannot create");
	if ((r = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	gsl_rng_set(r, (unsigned long)seed);
	for (long i = 1; i <= n; i++) {
		const char *tz = zones[gsl_rng_uniform_int(r, 5)];
		int hour = 6 + (int)gsl_rng_uniform_int(r, 17);
		int wday = (int)gsl_rng_uniform_int(r, 7);	/* Monday 0 */
		long k = 1 + (long)gsl_rng_uniform_int(r, (unsigned long)maxev);

		setenv("TZ", tz, 1);
		tzset();
		for (long e = 0; e < k; e++) {
			long day = start + (long)gsl_rng_uniform_int(r,
			    (unsigned long)days);
			int h = (int)gsl_rng_uniform_int(r, 24);
			time_t t;
			struct tm u;
			char ts[32];

			/* start is a Monday: move day into its week's
			 * preferred weekday half the time */
			if (gsl_rng_uniform(r) < 0.5)
				day += wday - (day - start) % 7;
			if (gsl_rng_uniform(r) < 0.7)
				h = (hour + (int)lround(gsl_ran_gaussian(r,
				    0.7)) + 24) % 24;
			t = utc_of(day, h, (int)gsl_rng_uniform_int(r, 60));
			gmtime_r(&t, &u);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &u);
			printf("{\"customer_id\":\"p%06ld\",\"ts\":\"%s\","
			    "\"event\":\"%s\",\"tz\":\"%s\"}\n", i, ts,
			    names[gsl_rng_uniform_int(r, 3)], tz);
		}
		/* a purchase now and then, which is no engagement */
		if (gsl_rng_uniform(r) < 0.3)
			printf("{\"customer_id\":\"p%06ld\",\"ts\":\"2025-01-07"
			    "T03:00:00Z\",\"event\":\"purchase\",\"tz\":"
			    "\"%s\"}\n", i, tz);
		if (tf != NULL)
			fprintf(tf, "{\"customer_id\":\"p%06ld\",\"hour\":%d,"
			    "\"weekday\":%d,\"events\":%ld}\n", i, hour,
			    wday + 1, k);
	}
	gsl_rng_free(r);
	if ((tf != NULL && fclose(tf) == EOF) || fflush(stdout) == EOF ||
	    ferror(stdout))
		cdp_die(EX_IOERR, NULL, 0, "write error");
	return 0;
}
