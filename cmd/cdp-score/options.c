/* options.c - cdp-score's subcommand and options into struct score_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "score.h"

static const char usage[] =
"usage: cdp-score rfm [options] [FILE...]\n"
"       cdp-score clv [options] [FILE...]\n"
"       cdp-score model --model FILE [options] [FILE...]\n"
"       cdp-score points --rules FILE [options] [FILE...]\n"
"Score customers from transaction records (rfm, clv: one output record per\n"
"customer, in id order), or score each record (model, points: fields\n"
"added to every record).\n"
"\n"
"rfm, clv:\n"
"      --id F                customer id field (default customer_id)\n"
"      --time F              transaction date or datetime (default ts)\n"
"      --amount F            transaction amount (default revenue)\n"
"      --as-of DATE          \"now\" (default: the latest transaction day)\n"
"      --annotate            write every input record with its customer's\n"
"                            scores added, not one record per customer\n"
CDP_THREADS_USAGE
"clv:\n"
"      --calibration-end DATE  last day of the fitting period (default\n"
"                            --as-of)\n"
"      --holdout-end DATE    compare predicted and actual purchases after\n"
"                            --calibration-end up to DATE\n"
"      --time-unit UNIT      day or week (default week)\n"
"      --horizon N           prediction span in time units (default 52)\n"
"      --discount-rate R     discount rate per time unit (default 0)\n"
"      --model M             bg-nbd (default) or pareto-nbd\n"
"      --fit-only            print the fitted parameters as JSON\n"
"      --summary             write each customer's x, t_x, T and mean repeat\n"
"                            spend (for a fit over many parts)\n"
"      --from-summary        the inputs are --summary records; with\n"
"                            --fit-only, fit from them\n"
"      --params FILE         use saved parameters instead of fitting\n"
"model:\n"
"      --model FILE          the linear or logistic model (JSON)\n"
"points:\n"
"      --rules FILE          the point rules (JSON)\n"
"      --as-of DATE          \"now\" for days_since() and decay\n"
"model, points:\n"
"      --unbuffered          write each record out at once (live streams)\n"
"common:\n"
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
"      --rejects FILE        write bad records to FILE and go on\n"
"      --stats               print the record account on stderr at the end\n"
"      --progress, --no-progress\n"
"                            progress bar on stderr while reading (default:\n"
"                            on a terminal for inputs over 64 MB)\n"
"      --max-record-bytes N  longest record accepted (default 64M)\n"
"      --verbose             messages may quote values (personal data)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

enum {
	OPT_AMOUNT = CDP_OPT_PRIVATE,
	OPT_ANNOTATE,
	OPT_CAL_END,
	OPT_DISCOUNT,
	OPT_FIT_ONLY,
	OPT_FROM_SUMMARY,
	OPT_SUMMARY,
	OPT_HOLDOUT_END,
	OPT_HORIZON,
	OPT_ID,
	OPT_MODEL,
	OPT_PARAMS,
	OPT_RULES,
	OPT_TIME,
	OPT_TIME_UNIT
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
	CDP_AS_OF_LONGOPT,
	{ "amount", required_argument, NULL, OPT_AMOUNT },
	{ "annotate", no_argument, NULL, OPT_ANNOTATE },
	{ "calibration-end", required_argument, NULL, OPT_CAL_END },
	{ "discount-rate", required_argument, NULL, OPT_DISCOUNT },
	{ "fit-only", no_argument, NULL, OPT_FIT_ONLY },
	{ "from-summary", no_argument, NULL, OPT_FROM_SUMMARY },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "holdout-end", required_argument, NULL, OPT_HOLDOUT_END },
	{ "horizon", required_argument, NULL, OPT_HORIZON },
	{ "id", required_argument, NULL, OPT_ID },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "params", required_argument, NULL, OPT_PARAMS },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	{ NULL, 0, NULL, 0 }
};

static double
number(const char *arg, const char *o, double min)
{
	double d;

	if (cdp_parse_double(arg, &d) == -1 || d < min)
		cdp_usage_die(usage, "%s: expected a number of at least %g",
		    o, min);
	return d;
}

/* The subcommands that take option ch, as a bit set of 1 << CMD_*. */
static unsigned
option_cmds(int ch)
{
	switch (ch) {
	case OPT_AMOUNT:
	case OPT_ANNOTATE:
	case OPT_ID:
	case OPT_TIME:
		return 1u << CMD_RFM | 1u << CMD_CLV;
	case OPT_MODEL:
		return 1u << CMD_CLV | 1u << CMD_MODEL;
	case OPT_RULES:
		return 1u << CMD_POINTS;
	default:
		return 1u << CMD_CLV;
	}
}

#define NAME_(id, name, run)	[CMD_##id] = #name,
static const char *const names[CMD_COUNT] = { SCORE_CMDS(NAME_) };
#undef NAME_
/* "cdp-score rfm": the command named in usage errors. */
#define FULL_(id, name, run)	[CMD_##id] = "cdp-score " #name,
static const char *const full_names[CMD_COUNT] = { SCORE_CMDS(FULL_) };
#undef FULL_

/* The names of the subcommands in set cmds (bits 1 << CMD_*), as
 * "a, b" then last and the final one, in a static buffer. */
static const char *
cmd_list(unsigned cmds, const char *last)
{
	static char who[256];
	size_t len = 0;
	int left = 0;

	for (int i = 0; i < CMD_COUNT; i++)
		left += (cmds >> i) & 1;
	who[0] = '\0';
	for (int i = 0; i < CMD_COUNT; i++) {
		if ((cmds & 1u << i) == 0)
			continue;
		len += (size_t)snprintf(who + len, sizeof(who) - len, "%s%s",
		    len == 0 ? "" : left == 1 ? last : ", ", names[i]);
		left--;
	}
	return who;
}

static void
private_option(int ch, char *arg, struct score_opts *opt)
{
	unsigned cmds = option_cmds(ch);

	if ((cmds & 1u << opt->cmd) == 0)
		cdp_usage_die(usage, "that option belongs to cdp-score %s",
		    cmd_list(cmds, " and "));
	if (ch == OPT_MODEL && opt->cmd == CMD_MODEL) {
		opt->model_file = arg;
		return;
	}
	switch (ch) {
	case OPT_AMOUNT:
		opt->amount = cdp_opt_field(arg, "--amount", usage);
		break;
	case OPT_ANNOTATE:
		opt->annotate = true;
		break;
	case OPT_HOLDOUT_END:
		if (cdp_parse_iso_date(arg, &opt->holdout_end) == -1)
			cdp_usage_die(usage, "--holdout-end: not a date "
			    "YYYY-MM-DD");
		opt->has_holdout = true;
		break;
	case OPT_CAL_END:
		if (cdp_parse_iso_date(arg, &opt->cal_end) == -1)
			cdp_usage_die(usage, "--calibration-end: not a date "
			    "YYYY-MM-DD");
		opt->has_cal_end = true;
		break;
	case OPT_DISCOUNT:
		opt->discount = number(arg, "--discount-rate", 0);
		break;
	case OPT_FIT_ONLY:
		opt->fit_only = true;
		break;
	case OPT_FROM_SUMMARY:
		opt->from_summary = true;
		break;
	case OPT_SUMMARY:
		opt->summary = true;
		break;
	case OPT_HORIZON:
		opt->horizon = number(arg, "--horizon", 0);
		break;
	case OPT_ID:
		opt->id = cdp_opt_field(arg, "--id", usage);
		break;
	case OPT_MODEL:
		if (strcmp(arg, "bg-nbd") == 0)
			opt->model = MODEL_BGNBD;
		else if (strcmp(arg, "pareto-nbd") == 0)
			opt->model = MODEL_PARETO;
		else
			cdp_usage_die(usage, "--model: expected bg-nbd or "
			    "pareto-nbd");
		break;
	case OPT_PARAMS:
		opt->params = arg;
		break;
	case OPT_RULES:
		opt->rules = arg;
		break;
	case OPT_TIME:
		opt->time = cdp_opt_field(arg, "--time", usage);
		break;
	case OPT_TIME_UNIT:
		if (strcmp(arg, "day") == 0)
			opt->unit = 1;
		else if (strcmp(arg, "week") == 0)
			opt->unit = 7;
		else
			cdp_usage_die(usage, "--time-unit: expected day or "
			    "week");
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

int
parse_options(int argc, char *argv[], struct score_opts *opt)
{
	int ch;

	*opt = (struct score_opts){ .id = "customer_id", .time = "ts",
	    .amount = "revenue", .unit = 7, .horizon = 52 };
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		cdp_opt_common('h', NULL, &opt->common, usage);
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0))
		cdp_opt_common('V', NULL, &opt->common, usage);
	if (argc < 2 || argv[1][0] == '-')
		cdp_usage_die(usage, "expected a subcommand first: %s",
		    cmd_list((1u << CMD_COUNT) - 1, " or "));
	for (opt->cmd = 0; opt->cmd < CMD_COUNT; opt->cmd++)
		if (strcmp(argv[1], names[opt->cmd]) == 0)
			break;
	if (opt->cmd == CMD_COUNT)
		cdp_usage_die(usage, "unknown subcommand \"%s\" (%s)", argv[1],
		    cmd_list((1u << CMD_COUNT) - 1, " or "));
	/* Usage errors name the subcommand too. */
	cdp_diag_command(full_names[opt->cmd]);
	/* Options follow the subcommand: parse argv[1..] as its own line. */
	while ((ch = cdp_getopt(argc - 1, argv + 1, CDP_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt);
	if (opt->common.as_of != NULL) {
		(void)cdp_parse_iso_date(opt->common.as_of, &opt->as_of);
		opt->has_as_of = true;
	}
	if (opt->cmd == CMD_MODEL && opt->model_file == NULL)
		cdp_usage_die(usage, "model needs --model FILE");
	if (opt->cmd == CMD_POINTS && opt->rules == NULL)
		cdp_usage_die(usage, "points needs --rules FILE");
	if (opt->common.unbuffered && opt->cmd != CMD_MODEL &&
	    opt->cmd != CMD_POINTS)
		cdp_usage_die(usage, "--unbuffered: rfm and clv write only "
		    "after reading everything");
	if (opt->cmd == CMD_MODEL && opt->has_as_of)
		cdp_usage_die(usage, "--as-of: model has no use for it");
	if (opt->fit_only && opt->annotate)
		cdp_usage_die(usage, "--fit-only and --annotate exclude each "
		    "other");
	if (opt->has_holdout && !opt->has_cal_end)
		cdp_usage_die(usage, "--holdout-end needs --calibration-end");
	if (opt->has_holdout && opt->holdout_end <= opt->cal_end)
		cdp_usage_die(usage, "--holdout-end must be after "
		    "--calibration-end");
	if (opt->summary && (opt->fit_only || opt->annotate ||
	    opt->params != NULL || opt->has_holdout || opt->from_summary))
		cdp_usage_die(usage, "--summary takes none of --fit-only, "
		    "--annotate, --params, --holdout-end, --from-summary");
	/* Every part must measure T to the same day. */
	if (opt->summary && !opt->has_cal_end && !opt->has_as_of)
		cdp_usage_die(usage, "--summary needs --calibration-end or "
		    "--as-of");
	if (opt->from_summary && !opt->fit_only)
		cdp_usage_die(usage, "--from-summary needs --fit-only");
	if (opt->from_summary && opt->has_holdout)
		cdp_usage_die(usage, "--from-summary and --holdout-end "
		    "exclude each other");
	if (opt->fit_only && opt->params != NULL)
		cdp_usage_die(usage, "--fit-only and --params exclude each "
		    "other");
	if (strcmp(opt->id, opt->time) == 0 ||
	    strcmp(opt->id, opt->amount) == 0 ||
	    strcmp(opt->time, opt->amount) == 0)
		cdp_usage_die(usage, "--id, --time and --amount must name "
		    "three different fields");
	return optind + 1;
}
