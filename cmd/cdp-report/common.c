/* common.c - the options and record account every cdp-report command
 * shares. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "report.h"

void
report_opts_init(struct report_opts *ro, const char *cmd)
{
	*ro = (struct report_opts){ .cmd = cmd, .format = FMT_AUTO,
	    .time = "ts" };
}

static const struct {
	const char	*name;
	enum report_fmt	 fmt;
} fmts[] = {
	{ "table", FMT_TABLE }, { "csv", FMT_CSV }, { "ndjson", FMT_NDJSON },
	{ "markdown", FMT_MARKDOWN }, { "html", FMT_HTML },
};

static const struct {
	const char	*ext;
	enum report_fmt	 fmt;
} exts[] = {
	{ ".csv", FMT_CSV }, { ".ndjson", FMT_NDJSON }, { ".jsonl", FMT_NDJSON },
	{ ".md", FMT_MARKDOWN }, { ".html", FMT_HTML }, { ".htm", FMT_HTML },
	{ ".txt", FMT_TABLE },
};

int
report_opt(int ch, const char *arg, struct report_opts *ro,
    const char *usage)
{
	switch (ch) {
	case 'f':
	case REPORT_OPT_FORMAT:
		for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
			if (strcmp(arg, fmts[i].name) == 0) {
				ro->format = fmts[i].fmt;
				return 1;
			}
		cdp_usage_die(usage, "--format: expected table, csv, ndjson, "
		    "markdown or html");
	case REPORT_OPT_TITLE:
		ro->title = arg;
		return 1;
	case REPORT_OPT_TIME:
		if (*arg == '\0')
			cdp_usage_die(usage, "--time: empty field name");
		ro->time = arg;
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
	size_t n;

	(void)usage;
	if (ro->format != FMT_AUTO)
		return;
	if (o != NULL && strcmp(o, "-") != 0) {
		n = strlen(o);
		for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
			size_t k = strlen(exts[i].ext);

			if (n > k && strcmp(o + n - k, exts[i].ext) == 0) {
				ro->format = exts[i].fmt;
				return;
			}
		}
		ro->format = FMT_NDJSON;
		return;
	}
	ro->format = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_NDJSON;
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

void
report_nomem(void)
{
	cdp_die(EX_OSERR, NULL, 0, "out of memory");
}
