/*
 * cdp-report - the numbers an analyst takes to a meeting, from NDJSON
 * records: a profile of the fields, grouped KPIs, funnels, cohort
 * retention and multi-touch attribution, as tables, CSV, NDJSON, Markdown
 * or one self-contained HTML page with charts.
 */
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "report.h"

static const char usage[] =
"usage: cdp-report COMMAND [options] [FILE...]\n"
"Report on NDJSON records (files or stdin).\n"
"\n"
"commands:\n"
"  profile       per field: count, nulls, types, distinct, min/max, mean, top\n"
"  group         KPIs per group: --by FIELDS --agg count,sum:F,avg:F,...\n"
"  funnel        step conversion per profile: --steps EXPR... --within 7d\n"
"  cohort        retention matrix: --cohort EXPR --activity EXPR --period\n"
"  attribution   credit per channel for converting touchpoint paths\n"
"  lift          journeys' lift over their holdouts, with intervals\n"
"  linkage       a record linkage's model, pair weights and evaluation\n"
"  page          one html dashboard of several reports' ndjson\n"
"  subscriptions subscribers, churn, MRR and revenue retention per period\n"
"\n"
"'cdp-report COMMAND --help' lists the options of a command.\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

static const struct {
	const char	*name;
	const char	*full;	/* in usage errors */
	int		(*main)(int, char **);
} cmds[] = {
	{ "attribution", "cdp-report attribution", attribution_main },
	{ "cohort", "cdp-report cohort", cohort_main },
	{ "funnel", "cdp-report funnel", funnel_main },
	{ "group", "cdp-report group", group_main },
	{ "lift", "cdp-report lift", lift_main },
	{ "linkage", "cdp-report linkage", linkage_main },
	{ "page", "cdp-report page", page_main },
	{ "profile", "cdp-report profile", profile_main },
	{ "subscriptions", "cdp-report subscriptions", subscriptions_main },
};

int
main(int argc, char *argv[])
{
	cdp_diag_init("cdp-report");
	if (argc < 2)
		cdp_usage_die(usage, "missing command");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("cdp-report (cdpipe) %s\n", CDP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			/* Usage errors name the subcommand too. */
			cdp_diag_command(cmds[i].full);
			return cmds[i].main(argc - 1, argv + 1);
		}
	cdp_usage_die(usage, "unknown command \"%s\"", argv[1]);
}
