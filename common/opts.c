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

#include "acct.h"
#include "diag.h"
#include "opts.h"
#include "out.h"
#include "progress.h"
#include "timeval.h"

/* The line after every usage error, as coreutils prints it. */
static _Noreturn void
try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    cdp_diag_cmd());
	fflush(NULL);
	_exit(EX_USAGE);
}

void
cdp_usage_die(const char *usage, const char *fmt, ...)
{
	va_list ap;

	(void)usage;
	fprintf(stderr, "%s: ", cdp_diag_cmd());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	try_help();
}

/* An output named on the command line is claimed at once, so that one
 * clashing with another is refused before any input is read. */
static void
plan(const char *role, const char *path)
{
	struct cdp_err err;

	if (cdp_out_plan(role, path, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* --progress[=bar|lines[:SECONDS]] */
static void
progress_mode(const char *arg, struct cdp_common_opts *c, const char *usage)
{
	long secs = 10;

	c->progress = 1;
	if (arg == NULL || strcmp(arg, "bar") == 0)
		return;
	if (strncmp(arg, "lines", 5) != 0 || (arg[5] != '\0' &&
	    (arg[5] != ':' ||
	    cdp_parse_long(arg + 6, 1, 86400, &secs) == -1)))
		cdp_usage_die(usage, "--progress: expected bar, lines or "
		    "lines:SECONDS (1 to 86400)");
	cdp_progress_lines((int)secs);
}

const char *
cdp_opt_field(const char *arg, const char *opt, const char *usage)
{
	if (*arg == '\0')
		cdp_usage_die(usage, "%s: empty field name", opt);
	return arg;
}

int
cdp_opt_common(int ch, const char *arg, struct cdp_common_opts *c,
    const char *usage)
{
	long days, n;

	switch (ch) {
	case 'h':
		fputs(usage, stdout);
		fputs(CDP_RUN_USAGE, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR);
	case 'V':
		printf("%s (cdpipe) %s\n", cdp_diag_prog(), CDP_VERSION);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR);
	case 'o':
		c->output = arg;
		plan("-o", arg);
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
		progress_mode(arg, c, usage);
		return 1;
	case CDP_OPT_MAX_MEMORY:
		if (cdp_parse_size(arg, &c->max_memory) == -1)
			cdp_usage_die(usage, "--max-memory: not a size (such as "
			    "512M or 4G)");
		cdp_mem_limit(c->max_memory);
		return 1;
	case CDP_OPT_RUN_ID:
		if (!cdp_stats_run_id_ok(arg))
			cdp_usage_die(usage, "--run-id: 1 to 128 letters, digits "
			    "and . _ : + @ / -");
		c->run_id = arg;
		cdp_stats_config(c->stats_file, c->run_id);
		return 1;
	case CDP_OPT_STATS_FILE:
		c->stats_file = arg;
		c->stats = true;
		plan("--stats-file", arg);
		cdp_stats_config(c->stats_file, c->run_id);
		return 1;
	case CDP_OPT_REJECTS:
		c->rejects = arg;
		plan("--rejects", arg);
		return 1;
	case CDP_OPT_STATS:
		c->stats = true;
		return 1;
	case CDP_OPT_THREADS:
		if (cdp_parse_long(arg, 1, 64, &n) == -1)
			cdp_usage_die(usage, "--threads: expected a number "
			    "from 1 to 64");
		c->threads = (int)n;
		return 1;
	case CDP_OPT_UNBUFFERED:
		c->unbuffered = true;
		return 1;
	case CDP_OPT_VERBOSE:
		c->verbose = true;
		cdp_diag_set_verbose(true);
		return 1;
	case '?':
	case ':':
		/* cdp_getopt() has said what was wrong. */
		try_help();
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

/*
 * getopt_long()'s complaint in its own words (and coreutils'), but named
 * after cdp_diag_cmd() ("cdp-score rfm") rather than argv[0], which may
 * be a path or a bare subcommand.
 */
static void
getopt_complaint(int argc, char *const argv[], const char *shortopts)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] :
	    "";
	const char *cmd = cdp_diag_cmd();

	if (strncmp(arg, "--", 2) == 0 && optopt == 0)
		fprintf(stderr, "%s: unrecognized option '%s'\n", cmd, arg);
	else if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') != NULL)
		fprintf(stderr, "%s: option '%.*s' doesn't allow an argument\n",
		    cmd, (int)strcspn(arg, "="), arg);
	else if (strncmp(arg, "--", 2) == 0)
		fprintf(stderr, "%s: option '%s' requires an argument\n", cmd,
		    arg);
	else if (optopt != 0 && strchr(shortopts, optopt) != NULL)
		fprintf(stderr, "%s: option requires an argument -- '%c'\n",
		    cmd, optopt);
	else
		fprintf(stderr, "%s: invalid option -- '%c'\n", cmd, optopt);
}

int
cdp_getopt(int argc, char *const argv[], const char *shortopts,
    const struct option *longopts, const struct cdp_old_short *old)
{
	int li = -1, ch;

	opterr = 0;
	ch = getopt_long(argc, argv, shortopts, longopts, &li);
	if (ch == '?')
		getopt_complaint(argc, argv, shortopts);

	/* getopt_long() sets li only when a long option matched. */
	for (; ch != -1 && li == -1 && old != NULL && old->ch != 0; old++)
		if (old->ch == ch) {
			cdp_warn(NULL, 0, "-%c is deprecated and goes in %s: "
			    "write --%s", ch, CDP_OLD_SHORT_UNTIL, old->name);
			break;
		}
	return ch;
}
