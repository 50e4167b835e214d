/* options.c - cdp-score's subcommand and options into struct score_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "score.h"

static const char usage[] =
"usage: cdp-score rfm [options] [FILE...]\n"
"       cdp-score clv [options] [FILE...]\n"
"       cdp-score churn [options] [FILE...]\n"
"       cdp-score sendtime [options] [FILE...]\n"
"       cdp-score model --model FILE [options] [FILE...]\n"
"       cdp-score points --rules FILE [options] [FILE...]\n"
"Score customers from transactions (rfm, clv, churn: a record per\n"
"customer, in id order), profiles from engagement events (sendtime), or\n"
"each record (model, points: fields added to every record).\n"
"\n"
"rfm, clv, churn, sendtime:\n"
"      --id F                customer id field (default customer_id)\n"
"      --time F              date or datetime field (default ts)\n"
"rfm, clv, churn:\n"
"      --amount F            transaction amount (default revenue)\n"
"      --currency FIELD      the field naming an amount's currency (default\n"
"                            F_currency, else _currency): one customer's\n"
"                            amounts must be in one currency\n"
"      --rates FILE          exchange rates into one base currency (JSON)\n"
"      --as-of DATE          \"now\" (default: the latest transaction day)\n"
"      --annotate            every input record with its scores added\n"
CDP_THREADS_USAGE
"      --status-field F      field saying a customer left (clv: event)\n"
"      --cancelled V,...     its values that say so (cancel,cancelled,\n"
"                            canceled)\n"
"rfm:\n"
"      --exclude-cancelled   leave out customers who left\n"
"clv, churn:\n"
"      --model M             bg-nbd, mbg-nbd, pareto-nbd, bg-bb or sbg\n"
"      --calibration-end DATE  last day of the fit (default --as-of)\n"
"      --holdout-end DATE    compare predictions up to DATE\n"
"      --time-unit UNIT      day or week (default week)\n"
"      --period P            bg-bb, sbg: day, week, month or year (year)\n"
"      --horizon N           time units or periods ahead (clv 52, churn 1)\n"
"      --fit-only            print the fitted parameters as JSON\n"
"      --summary             write each customer's summary\n"
"      --from-summary        the inputs are summary records\n"
"      --params FILE         use saved parameters instead of fitting\n"
"      --covariates F,...    time-invariant covariates of the fit\n"
"      --start F, --cancel F  sbg: first and last day (start, cancel)\n"
"      --holdout-periods N   sbg survival counts: compare the last N\n"
"      --allow-nonconverged  use the best parameters of a failed fit\n"
"      --max-iter N          optimiser iterations per start (2000)\n"
"      --max-fit-seconds S   time limit of the fit (120)\n"
"      --force               fit the data although they have cancellations\n"
"clv:\n"
"      --discount-rate R     per time unit or period (default 0)\n"
"      --spend-model M       gamma-gamma (default) or none\n"
"      --intervals N         90% intervals from N parameter draws\n"
"      --seed N              seed of those draws (default 1)\n"
"sendtime:\n"
"      --event-field F       event name field (default event)\n"
"      --events V,...        engagement events (open,click,visit)\n"
"      --tz-field F          time zone field (default tz)\n"
"      --default-tz ZONE     zone of events without one (default UTC)\n"
"model:\n"
"      --model FILE          the linear or logistic model (JSON)\n"
"points:\n"
"      --rules FILE          the point rules (JSON)\n"
"      --as-of DATE          \"now\" for days_since() and decay\n"
"model, points:\n"
"      --unbuffered          write each record out at once\n"
"all:\n"
"      --replace             replace input fields of the output's names\n"
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
"      --rejects FILE        write bad records to FILE and go on\n"
"      --stats               print the record account on stderr at the end\n"
"      --progress, --no-progress  progress bar on stderr (default: on a\n"
"                            terminal for inputs over 64 MB)\n"
"      --max-record-bytes N  longest record accepted (default 64M)\n"
"      --verbose             messages may quote values (personal data)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

enum {
	OPT_ALLOW_NONCONV = CDP_OPT_PRIVATE,
	OPT_AMOUNT,
	OPT_ANNOTATE,
	OPT_CAL_END,
	OPT_CANCEL,
	OPT_CANCELLED,
	OPT_COVARIATES,
	OPT_CURRENCY,
	OPT_DEFAULT_TZ,
	OPT_DISCOUNT,
	OPT_EVENT_FIELD,
	OPT_EVENTS,
	OPT_EXCLUDE_CANCELLED,
	OPT_FIT_ONLY,
	OPT_FORCE,
	OPT_FROM_SUMMARY,
	OPT_HOLDOUT_END,
	OPT_HOLDOUT_PERIODS,
	OPT_HORIZON,
	OPT_ID,
	OPT_INTERVALS,
	OPT_MAX_FIT_SECONDS,
	OPT_MAX_ITER,
	OPT_MODEL,
	OPT_PARAMS,
	OPT_PERIOD,
	OPT_RATES,
	OPT_REPLACE,
	OPT_RULES,
	OPT_SEED,
	OPT_SPEND_MODEL,
	OPT_START,
	OPT_STATUS_FIELD,
	OPT_SUMMARY,
	OPT_TIME,
	OPT_TIME_UNIT,
	OPT_TZ_FIELD
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
	CDP_AS_OF_LONGOPT,
	{ "allow-nonconverged", no_argument, NULL, OPT_ALLOW_NONCONV },
	{ "amount", required_argument, NULL, OPT_AMOUNT },
	{ "annotate", no_argument, NULL, OPT_ANNOTATE },
	{ "calibration-end", required_argument, NULL, OPT_CAL_END },
	{ "cancel", required_argument, NULL, OPT_CANCEL },
	{ "cancelled", required_argument, NULL, OPT_CANCELLED },
	{ "covariates", required_argument, NULL, OPT_COVARIATES },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "default-tz", required_argument, NULL, OPT_DEFAULT_TZ },
	{ "discount-rate", required_argument, NULL, OPT_DISCOUNT },
	{ "event-field", required_argument, NULL, OPT_EVENT_FIELD },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "exclude-cancelled", no_argument, NULL, OPT_EXCLUDE_CANCELLED },
	{ "fit-only", no_argument, NULL, OPT_FIT_ONLY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "from-summary", no_argument, NULL, OPT_FROM_SUMMARY },
	{ "holdout-end", required_argument, NULL, OPT_HOLDOUT_END },
	{ "holdout-periods", required_argument, NULL, OPT_HOLDOUT_PERIODS },
	{ "horizon", required_argument, NULL, OPT_HORIZON },
	{ "id", required_argument, NULL, OPT_ID },
	{ "intervals", required_argument, NULL, OPT_INTERVALS },
	{ "max-fit-seconds", required_argument, NULL, OPT_MAX_FIT_SECONDS },
	{ "max-iter", required_argument, NULL, OPT_MAX_ITER },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "params", required_argument, NULL, OPT_PARAMS },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "rates", required_argument, NULL, OPT_RATES },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "spend-model", required_argument, NULL, OPT_SPEND_MODEL },
	{ "start", required_argument, NULL, OPT_START },
	{ "status-field", required_argument, NULL, OPT_STATUS_FIELD },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "time-unit", required_argument, NULL, OPT_TIME_UNIT },
	{ "tz-field", required_argument, NULL, OPT_TZ_FIELD },
	{ NULL, 0, NULL, 0 }
};

#define NAME_(id, name, run)	[CMD_##id] = #name,
static const char *const cmd_names[CMD_COUNT] = { SCORE_CMDS(NAME_) };
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
		    len == 0 ? "" : left == 1 ? last : ", ", cmd_names[i]);
		left--;
	}
	return who;
}

#define BIT(c)	(1u << (c))
#define FITS	(BIT(CMD_CLV) | BIT(CMD_CHURN))
#define PERCUST	(BIT(CMD_RFM) | FITS)

/* The subcommands that take option ch, as a bit set of 1 << CMD_*. */
static unsigned
option_cmds(int ch)
{
	switch (ch) {
	case OPT_ID:
	case OPT_TIME:
		return PERCUST | BIT(CMD_SENDTIME);
	case OPT_AMOUNT:
	case OPT_ANNOTATE:
	case OPT_CURRENCY:
	case OPT_RATES:
	case OPT_CANCELLED:
	case OPT_STATUS_FIELD:
		return PERCUST;
	case OPT_EXCLUDE_CANCELLED:
		return BIT(CMD_RFM);
	case OPT_MODEL:
		return FITS | BIT(CMD_MODEL);
	case OPT_RULES:
		return BIT(CMD_POINTS);
	case OPT_REPLACE:
		return (1u << CMD_COUNT) - 1;
	case OPT_DISCOUNT:
	case OPT_INTERVALS:
	case OPT_SEED:
	case OPT_SPEND_MODEL:
		return BIT(CMD_CLV);
	case OPT_DEFAULT_TZ:
	case OPT_EVENT_FIELD:
	case OPT_EVENTS:
	case OPT_TZ_FIELD:
		return BIT(CMD_SENDTIME);
	default:
		return FITS;
	}
}

static double
number(const char *arg, const char *o, double min)
{
	double d;

	if (cdp_parse_double(arg, &d) == -1 || d < min)
		cdp_usage_die(usage, "%s: expected a number of at least %g",
		    o, min);
	return d;
}

static long
whole(const char *arg, const char *o, long min, long max)
{
	long v;

	if (cdp_parse_long(arg, min, max, &v) == -1)
		cdp_usage_die(usage, "%s: expected a whole number from %ld to "
		    "%ld", o, min, max);
	return v;
}

/*
 * A comma-separated list of at most max non-empty items into items, which
 * point into a copy of arg kept in *keep (static, so the copy lives as
 * long as the run; the copy of an earlier use of the option is freed).
 */
static int
list(const char *arg, const char *o, char **items, int max, char **keep)
{
	char *s = strdup(arg);
	int n;

	if (s == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	free(*keep);
	*keep = s;
	if ((n = cdp_split_list(s, items, max)) < 1)
		cdp_usage_die(usage, "%s: expected a list of at most %d "
		    "non-empty names", o, max);
	return n;
}

static void
model_option(const char *arg, struct score_opts *opt)
{
	static const struct { const char *name; enum model_kind k; } m[] = {
		{ "bg-nbd", M_BGNBD }, { "mbg-nbd", M_MBGNBD },
		{ "pareto-nbd", M_PARETO }, { "bg-bb", M_BGBB },
		{ "sbg", M_SBG },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(arg, m[i].name) == 0) {
			opt->model = m[i].k;
			return;
		}
	cdp_usage_die(usage, "--model: expected bg-nbd, mbg-nbd, pareto-nbd, "
	    "bg-bb or sbg");
}

static void
period_option(const char *arg, struct score_opts *opt)
{
	static const char *const p[] = { "day", "week", "month", "year" };

	for (int i = 0; i < 4; i++)
		if (strcmp(arg, p[i]) == 0) {
			opt->period = (enum period)i;
			opt->has_period = true;
			return;
		}
	cdp_usage_die(usage, "--period: expected day, week, month or year");
}

static void
date_option(const char *arg, const char *o, long *day, bool *has)
{
	if (cdp_parse_iso_date(arg, day) == -1)
		cdp_usage_die(usage, "%s: not a date YYYY-MM-DD", o);
	*has = true;
}

/* The options with a value of their own, by kind. */
static void
value_option(int ch, char *arg, struct score_opts *opt)
{
	static char *cancelled, *cov, *events;	/* the lists' copies */

	switch (ch) {
	case OPT_AMOUNT:
		opt->amount = cdp_opt_field(arg, "--amount", usage);
		break;
	case OPT_CURRENCY:
		opt->currency = cdp_opt_field(arg, "--currency", usage);
		break;
	case OPT_RATES:
		opt->rates = arg;
		break;
	case OPT_CANCEL:
		opt->cancel = cdp_opt_field(arg, "--cancel", usage);
		break;
	case OPT_EVENT_FIELD:
		opt->event = cdp_opt_field(arg, "--event-field", usage);
		break;
	case OPT_ID: opt->id = cdp_opt_field(arg, "--id", usage); break;
	case OPT_START:
		opt->start = cdp_opt_field(arg, "--start", usage);
		break;
	case OPT_STATUS_FIELD:
		opt->status = cdp_opt_field(arg, "--status-field", usage);
		break;
	case OPT_TIME: opt->time = cdp_opt_field(arg, "--time", usage); break;
	case OPT_TZ_FIELD:
		opt->tz = cdp_opt_field(arg, "--tz-field", usage);
		break;
	case OPT_DEFAULT_TZ: opt->default_tz = arg; break;
	case OPT_CANCELLED:
		opt->ncancelled = list(arg, "--cancelled", opt->cancelled,
		    SCORE_MAXLIST, &cancelled);
		break;
	case OPT_COVARIATES:
		opt->ncov = list(arg, "--covariates", opt->cov, MODEL_MAXCOV,
		    &cov);
		break;
	case OPT_EVENTS:
		opt->nevents = list(arg, "--events", opt->events,
		    SCORE_MAXLIST, &events);
		break;
	case OPT_DISCOUNT:
		opt->discount = number(arg, "--discount-rate", 0);
		break;
	case OPT_HORIZON:
		opt->horizon = number(arg, "--horizon", 0);
		opt->has_horizon = true;
		break;
	case OPT_MAX_FIT_SECONDS:
		opt->limits.max_seconds = number(arg, "--max-fit-seconds",
		    0.001);
		break;
	case OPT_MAX_ITER:
		opt->limits.max_iter = (int)whole(arg, "--max-iter", 1,
		    1000000);
		break;
	case OPT_INTERVALS:
		opt->intervals = whole(arg, "--intervals", 10, 100000);
		break;
	case OPT_SEED:
		opt->seed = (unsigned long)whole(arg, "--seed", 0,
		    4294967295L);
		break;
	case OPT_HOLDOUT_PERIODS:
		opt->holdout_periods = whole(arg, "--holdout-periods", 1,
		    100000);
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

static void
private_option(int ch, char *arg, struct score_opts *opt)
{
	unsigned cmds = option_cmds(ch);

	if ((cmds & BIT(opt->cmd)) == 0)
		cdp_usage_die(usage, "that option belongs to cdp-score %s",
		    cmd_list(cmds, " and "));
	switch (ch) {
	case OPT_ALLOW_NONCONV: opt->allow_nonconverged = true; break;
	case OPT_ANNOTATE: opt->annotate = true; break;
	case OPT_EXCLUDE_CANCELLED: opt->exclude_cancelled = true; break;
	case OPT_FIT_ONLY: opt->fit_only = true; break;
	case OPT_FORCE: opt->force = true; break;
	case OPT_FROM_SUMMARY: opt->from_summary = true; break;
	case OPT_REPLACE: opt->replace = true; break;
	case OPT_SUMMARY: opt->summary = true; break;
	case OPT_PARAMS: opt->params = arg; break;
	case OPT_RULES: opt->rules = arg; break;
	case OPT_CAL_END:
		date_option(arg, "--calibration-end", &opt->cal_end,
		    &opt->has_cal_end);
		break;
	case OPT_HOLDOUT_END:
		date_option(arg, "--holdout-end", &opt->holdout_end,
		    &opt->has_holdout);
		break;
	case OPT_MODEL:
		if (opt->cmd == CMD_MODEL)
			opt->model_file = arg;
		else
			model_option(arg, opt);
		break;
	case OPT_PERIOD:
		period_option(arg, opt);
		break;
	case OPT_SPEND_MODEL:
		if (strcmp(arg, "gamma-gamma") == 0)
			opt->spend = SPEND_GAMMA;
		else if (strcmp(arg, "none") == 0)
			opt->spend = SPEND_NONE;
		else
			cdp_usage_die(usage, "--spend-model: expected "
			    "gamma-gamma or none");
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
		value_option(ch, arg, opt);
	}
}

/* The subcommand in argv[1], or a usage error. */
static enum score_cmd
subcommand(int argc, char *argv[], struct score_opts *opt)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		cdp_opt_common('h', NULL, &opt->common, usage);
	if (argc > 1 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0))
		cdp_opt_common('V', NULL, &opt->common, usage);
	if (argc < 2 || argv[1][0] == '-')
		cdp_usage_die(usage, "expected a subcommand first: %s",
		    cmd_list((1u << CMD_COUNT) - 1, " or "));
	for (int i = 0; i < CMD_COUNT; i++)
		if (strcmp(argv[1], cmd_names[i]) == 0)
			return (enum score_cmd)i;
	cdp_usage_die(usage, "unknown subcommand \"%s\" (%s)", argv[1],
	    cmd_list((1u << CMD_COUNT) - 1, " or "));
}

/* Options that exclude or need each other, for clv and churn. */
static void
check_fit(const struct score_opts *opt)
{
	bool discrete = opt->model == M_BGBB || opt->model == M_SBG;

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
	if (opt->from_summary && (opt->has_holdout || opt->annotate))
		cdp_usage_die(usage, "--from-summary takes neither "
		    "--holdout-end nor --annotate");
	if (opt->fit_only && opt->params != NULL)
		cdp_usage_die(usage, "--fit-only and --params exclude each "
		    "other");
	if (opt->ncov > 0 && (discrete || opt->params != NULL))
		cdp_usage_die(usage, "--covariates: for bg-nbd, mbg-nbd and "
		    "pareto-nbd fits");
	if (opt->has_period && !discrete)
		cdp_usage_die(usage, "--period: for bg-bb and sbg");
	if ((opt->start || opt->cancel) && opt->model != M_SBG)
		cdp_usage_die(usage, "--start and --cancel: for sbg");
	if (opt->holdout_periods && !(opt->model == M_SBG &&
	    opt->from_summary))
		cdp_usage_die(usage, "--holdout-periods: for sbg with "
		    "--from-summary");
	if (opt->intervals && (opt->fit_only || opt->summary))
		cdp_usage_die(usage, "--intervals: per customer, not with "
		    "--fit-only or --summary");
	if (opt->model == M_SBG && opt->from_summary && !opt->fit_only)
		cdp_usage_die(usage, "--model sbg --from-summary needs "
		    "--fit-only (survival counts have no subscribers)");
	if ((opt->currency != NULL || opt->rates != NULL) &&
	    (opt->model == M_SBG || opt->from_summary ||
	    opt->cmd == CMD_CHURN || opt->spend == SPEND_NONE))
		cdp_usage_die(usage, "--%s: no amounts are added with churn, "
		    "--spend-model none, --model sbg or --from-summary",
		    opt->currency != NULL ? "currency" : "rates");
	if (opt->model == M_SBG && (opt->annotate || opt->has_holdout ||
	    opt->summary))
		cdp_usage_die(usage, "--model sbg takes none of --annotate, "
		    "--holdout-end, --summary");
}

static void
check(struct score_opts *opt)
{
	if (opt->cmd == CMD_MODEL && opt->model_file == NULL)
		cdp_usage_die(usage, "model needs --model FILE");
	if (opt->cmd == CMD_POINTS && opt->rules == NULL)
		cdp_usage_die(usage, "points needs --rules FILE");
	if (opt->common.unbuffered && opt->cmd != CMD_MODEL &&
	    opt->cmd != CMD_POINTS)
		cdp_usage_die(usage, "--unbuffered: %s writes only after "
		    "reading everything", cmd_names[opt->cmd]);
	if (opt->cmd == CMD_MODEL && opt->has_as_of)
		cdp_usage_die(usage, "--as-of: model has no use for it");
	if (opt->exclude_cancelled && opt->status == NULL)
		cdp_usage_die(usage, "--exclude-cancelled needs "
		    "--status-field");
	if (opt->cmd == CMD_CLV || opt->cmd == CMD_CHURN)
		check_fit(opt);
	if (strcmp(opt->id, opt->time) == 0 ||
	    strcmp(opt->id, opt->amount) == 0 ||
	    strcmp(opt->time, opt->amount) == 0)
		cdp_usage_die(usage, "--id, --time and --amount must name "
		    "three different fields");
	if (opt->currency != NULL && (strcmp(opt->currency, opt->id) == 0 ||
	    strcmp(opt->currency, opt->time) == 0 ||
	    strcmp(opt->currency, opt->amount) == 0))
		cdp_usage_die(usage, "--currency: must name a field other than "
		    "--id, --time and --amount");
}

int
parse_options(int argc, char *argv[], struct score_opts *opt)
{
	static char *cancelled[] = { "cancel", "cancelled", "canceled" };
	static char *events[] = { "open", "click", "visit" };
	int ch;

	*opt = (struct score_opts){ .id = "customer_id", .time = "ts",
	    .amount = "revenue", .unit = 7, .horizon = 52, .seed = 1,
	    .period = PERIOD_YEAR, .limits = { 2000, 120 }, .ncancelled = 3,
	    .event = "event", .nevents = 3, .tz = "tz" };
	memcpy(opt->cancelled, cancelled, sizeof(cancelled));
	memcpy(opt->events, events, sizeof(events));
	opt->cmd = subcommand(argc, argv, opt);
	if (opt->cmd == CMD_CHURN)
		opt->horizon = 1;
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
	/* clv and churn look for cancellations in "event" unless told */
	if (opt->status == NULL && (opt->cmd == CMD_CLV ||
	    opt->cmd == CMD_CHURN) && opt->model != M_SBG)
		opt->status = "event";
	check(opt);
	return optind + 1;
}
