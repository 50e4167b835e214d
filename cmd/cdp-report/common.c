/* common.c - the options and record account every cdp-report command
 * shares. */
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
	*ro = (struct report_opts){ .cmd = cmd, .time = "ts" };
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
	return cdp_time_parse(s, n, &tmp[1], secs, why);
}
