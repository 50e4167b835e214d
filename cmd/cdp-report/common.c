/* common.c - the options and record account every cdp-report command
 * shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "record.h"
#include "timeval.h"
#include "xalloc.h"
#include "report.h"

void
report_opts_init(struct report_opts *ro, const char *cmd)
{
	*ro = (struct report_opts){ .cmd = cmd, .time = "ts", .precision = -1 };
}

int
report_opt(int ch, const char *arg, struct report_opts *ro,
    const char *usage)
{
	switch (ch) {
	case 'f':
	case REPORT_OPT_FORMAT:
		if ((ro->format = report_format_named(arg)) == NULL) {
			struct cdp_buf b = { 0 };

			report_format_list(&b);
			cdp_usage_die(usage, "--format: expected %s", b.p);
		}
		return 1;
	case REPORT_OPT_TITLE:
		ro->title = arg;
		return 1;
	case REPORT_OPT_TIME:
		ro->time = cdp_opt_field(arg, "--time", usage);
		return 1;
	case REPORT_OPT_SKIP_NONNUMERIC:
		ro->skip_nonnumeric = true;
		return 1;
	case REPORT_OPT_PRECISION: {
		long n;

		if (cdp_parse_long(arg, 0, 15, &n) == -1)
			cdp_usage_die(usage, "--precision: expected a number "
			    "of decimals from 0 to 15");
		ro->precision = (int)n;
		return 1;
	}
	default:
		return cdp_opt_common(ch, arg, &ro->common, usage);
	}
}

void
report_opts_done(struct report_opts *ro, const char *usage)
{
	const char *o = ro->common.output;

	(void)usage;
	if (ro->format != NULL)
		return;
	if (o != NULL && strcmp(o, "-") != 0)
		ro->format = report_format_of_file(o);
	else if (isatty(STDOUT_FILENO))
		ro->format = report_format_named("table");
	if (ro->format == NULL)
		ro->format = report_format_named("ndjson");
}

void
report_acct_open(const struct report_opts *ro, struct cdp_acct *a)
{
	struct cdp_err err;

	if (cdp_acct_open(a, ro->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	a->aggregating = true;
}

void
report_acct_close(const struct report_opts *ro, struct cdp_acct *a)
{
	struct cdp_err err;

	if (cdp_acct_close(a, ro->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

int
report_parse_duration(const char *s, double *secs)
{
	return cdp_duration_parse(s, secs) == 0 && *secs > 0 ? 0 : -1;
}

/* Two digits at s, or -1. */
static int
two(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
 * The common shape YYYY-MM-DDTHH:MM:SSZ (what cdp-ingest writes) read
 * straight, without the general parser: 0 with *secs, or -1 when s is
 * another shape (the general parser then decides, so results are the
 * same either way).
 */
static int
fast_utc(const char *s, size_t n, double *secs)
{
	int y1, y2, mo, d, h, mi, se;

	if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    (y1 = two(s)) < 0 || (y2 = two(s + 2)) < 0 ||
	    (mo = two(s + 5)) < 1 || mo > 12 || (d = two(s + 8)) < 1 ||
	    d > 28 || (h = two(s + 11)) < 0 || h > 23 ||
	    (mi = two(s + 14)) < 0 || mi > 59 || (se = two(s + 17)) < 0 ||
	    se > 59)
		return -1;
	/* Days 29 to 31 and leap seconds go the long way, which knows
	 * the months' lengths. */
	*secs = (double)cdp_time_days(y1 * 100 + y2, mo, d) * 86400 +
	    h * 3600 + mi * 60 + se;
	return 0;
}

int
report_time(struct cdp_rec *rec, const char *name, struct cdp_buf tmp[2],
    double *secs, const char **why)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type == CDP_NUMBER) {
		if (cdp_rec_num(rec, f, secs) == -1) {
			*why = "time out of range";
			return -1;
		}
		return 0;
	}
	if (f->type != CDP_STRING || cdp_rec_str(rec, f, &tmp[0], &s, &n)
	    == -1) {
		*why = "time is not a string or a number";
		return -1;
	}
	if (fast_utc(s, n, secs) == 0)
		return 0;
	return cdp_time_parse(s, n, &tmp[1], secs, why);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
report_quantile(const double *x, size_t n, double p)
{
	double h = (double)(n - 1) * p, lo = floor(h);
	size_t i = (size_t)lo;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - lo) * (x[i + 1] - x[i]);
}

void
report_interval(double *x, size_t n, double *lo, double *hi)
{
	qsort(x, n, sizeof(*x), cmp_double);
	*lo = report_quantile(x, n, 0.025);
	*hi = report_quantile(x, n, 0.975);
}

int
report_id(struct cdp_rec *rec, const char *name, struct cdp_buf *str,
    struct cdp_buf *key)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;
	size_t n;

	if (f == NULL || f->type == CDP_NULL)
		return 1;
	if (f->type == CDP_NUMBER) {
		s = rec->p + f->voff;
		n = f->vlen;
	} else if (f->type != CDP_STRING || cdp_rec_str(rec, f, str, &s, &n)
	    == -1)
		return -1;
	cdp_buf_reset(key);
	if (cdp_buf_addc(key, f->type == CDP_NUMBER ? 'n' : 's') == -1 ||
	    cdp_buf_add(key, s, n) == -1)
		cdp_oom(0);
	return 0;
}
