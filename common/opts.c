/* opts.c - shared options and checked number parsing. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"
#include "out.h"
#include "timeval.h"

void
cdp_usage_die(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cdp_diag_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	fflush(NULL);
	_exit(EX_USAGE);
}

int
cdp_opt_common(int ch, const char *arg, struct cdp_common_opts *c,
    const char *usage)
{
	long days;

	switch (ch) {
	case 'h':
		fputs(usage, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR);
	case 'V':
		printf("%s (cdpipe) %s\n", cdp_diag_prog(), CDP_VERSION);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR);
	case 'o':
		c->output = arg;
		return 1;
	case CDP_OPT_AS_OF:
		if (cdp_parse_iso_date(arg, &days) == -1)
			cdp_usage_die(usage, "--as-of: not a date YYYY-MM-DD");
		c->as_of = arg;
		return 1;
	case CDP_OPT_DATE_FORMAT:
		if (cdp_date_order_parse(arg, &c->date_order) == -1)
			cdp_usage_die(usage, "--date-format: expected dmy, mdy "
			    "or ymd");
		return 1;
	case CDP_OPT_DEFAULT_COUNTRY:
		if (!cdp_phone_country_known(arg))
			cdp_usage_die(usage, "--default-country: unknown "
			    "country code \"%s\" (ISO 3166 alpha-2, e.g. PL)",
			    arg);
		c->default_country = arg;
		return 1;
	case CDP_OPT_MAX_RECORD_BYTES:
		if (cdp_parse_size(arg, &c->max_record_bytes) == -1)
			cdp_usage_die(usage, "--max-record-bytes: not a size");
		return 1;
	case CDP_OPT_NO_PROGRESS:
		c->progress = -1;
		return 1;
	case CDP_OPT_PROGRESS:
		c->progress = 1;
		return 1;
	case CDP_OPT_REJECTS:
		c->rejects = arg;
		return 1;
	case CDP_OPT_STATS:
		c->stats = true;
		return 1;
	case CDP_OPT_UNBUFFERED:
		c->unbuffered = true;
		cdp_out_line_mode(true);
		return 1;
	case CDP_OPT_VERBOSE:
		c->verbose = true;
		cdp_diag_set_verbose(true);
		return 1;
	case '?':
	case ':':
		/* getopt_long has printed what was wrong. */
		fputs(usage, stderr);
		exit(EX_USAGE);
	default:
		return 0;
	}
}

int
cdp_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	if (*s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cdp_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	if (*s == '\0')
		return -1;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
cdp_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
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
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*days = cdp_time_days(y, m, d);
	return 0;
}

int
cdp_split_list(char *s, char **items, int max)
{
	int n = 0;

	for (;;) {
		char *comma = strchr(s, ',');

		if (comma != NULL)
			*comma = '\0';
		if (*s == '\0' || n == max)
			return -1;
		items[n++] = s;
		if (comma == NULL)
			return n;
		s = comma + 1;
	}
}

int
cdp_getopt(int argc, char *const argv[], const char *shortopts,
    const struct option *longopts, const struct cdp_old_short *old)
{
	int li = -1, ch = getopt_long(argc, argv, shortopts, longopts, &li);

	/* getopt_long() sets li only when a long option matched. */
	for (; ch != -1 && li == -1 && old != NULL && old->ch != 0; old++)
		if (old->ch == ch) {
			cdp_warn(NULL, 0, "-%c is deprecated and goes in %s: "
			    "write --%s", ch, CDP_OLD_SHORT_UNTIL, old->name);
			break;
		}
	return ch;
}
