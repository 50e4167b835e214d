/* options.c - cdp-journey's command line into struct journey_opts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "opts.h"
#include "timeval.h"
#include "journey.h"

static const char usage[] =
"usage: cdp-journey -j FILE --as-of TIME [options] [FILE ...]\n"
"       cdp-journey -j FILE --follow --state FILE --log FILE [options] [FILE]\n"
"  -j, --journey FILE        the journey: stages, entry/exit, actions\n"
"      --as-of TIME          now (a date or datetime; required)\n"
"      --state FILE          state of the previous run (read if it exists,\n"
"                            then rewritten atomically)\n"
"      --state-out FILE      write the new state here instead\n"
"      --id-map FILE         profile ids that joined others (cdp-merge\n"
"                            --id-map): their state follows them\n"
"      --log FILE            every decision of the run, sent or not\n"
"      --max-age DUR|none    never act on what was due longer ago (1d)\n"
"      --since TIME          events before TIME never act (as \"start\")\n"
"      --profile FIELD       the profile id field (default profile_id)\n"
"      --time FIELD          the event time field (default ts)\n"
"      --cap CH:N/DUR,...    at most N sends on channel CH in any DUR\n"
"                            (e.g. email:2/7d,sms:1/7d)\n"
"      --quiet HH:MM-HH:MM   quiet hours in the profile's zone (field tz)\n"
"      --default-tz ZONE     zone of profiles without tz (default UTC)\n"
"      --suppress FILE       never send to these profile ids or emails\n"
"      --score FIELD         next best action: FIELD.<action> ranks ties\n"
"      --send-time PREFIX    send in each profile's best local hour\n"
"                            (fields PREFIX_hour, PREFIX_weekday)\n"
"      --send-window DUR     wait at most this long for it (default 1d)\n"
"      --universal-holdout SHARE\n"
"                            hold out SHARE of all profiles (like 5%)\n"
"      --seed TEXT           key of the holdout and variant hashes\n"
"      --strict              a rule reading a field no record has is an\n"
"                            error, not a warning\n"
"      --dry-run             print every decision, pending ones too;\n"
"                            write no state and no log\n"
"      --follow              decide as events arrive, each when it is due\n"
"      --clock event|wall    --follow's now: the events' time (less\n"
"                            --max-lateness) or the wall clock (event)\n"
"      --max-lateness DUR    how late an event may come (default 0s)\n"
"      --checkpoint-every N  save the state every N events (100000) ...\n"
"      --checkpoint-interval DUR\n"
"                            ... or every DUR (default 30s)\n"
"      --stats-every DUR     print the stats line that often (also on\n"
"                            SIGUSR1)\n"
"      --max-pending N       stop above N pending decisions (10000000)\n"
"      --fsync always|never  sync the log before each send (always)\n"
CDP_COMMON_USAGE;

enum {
	OPT_AS_OF = CDP_OPT_PRIVATE, OPT_CAP, OPT_CKPT_EVERY,
	OPT_CKPT_INTERVAL, OPT_CLOCK, OPT_DEFAULT_TZ, OPT_FOLLOW, OPT_FSYNC,
	OPT_ID_MAP, OPT_LOG, OPT_MAX_AGE, OPT_MAX_LATENESS, OPT_MAX_PENDING,
	OPT_PROFILE, OPT_QUIET, OPT_SCORE, OPT_SEED, OPT_SEND_TIME,
	OPT_SEND_WINDOW, OPT_SINCE, OPT_STATE, OPT_STATE_OUT, OPT_STATS_EVERY,
	OPT_STRICT, OPT_SUPPRESS, OPT_TIME, OPT_UNIVERSAL
};

static const struct option longopts[] = {
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "checkpoint-every", required_argument, NULL, OPT_CKPT_EVERY },
	{ "checkpoint-interval", required_argument, NULL, OPT_CKPT_INTERVAL },
	{ "clock", required_argument, NULL, OPT_CLOCK },
	{ "default-tz", required_argument, NULL, OPT_DEFAULT_TZ },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "fsync", required_argument, NULL, OPT_FSYNC },
	{ "id-map", required_argument, NULL, OPT_ID_MAP },
	{ "journey", required_argument, NULL, 'j' },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "max-age", required_argument, NULL, OPT_MAX_AGE },
	{ "max-lateness", required_argument, NULL, OPT_MAX_LATENESS },
	{ "max-pending", required_argument, NULL, OPT_MAX_PENDING },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "quiet", required_argument, NULL, OPT_QUIET },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "send-time", required_argument, NULL, OPT_SEND_TIME },
	{ "send-window", required_argument, NULL, OPT_SEND_WINDOW },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "state-out", required_argument, NULL, OPT_STATE_OUT },
	{ "stats-every", required_argument, NULL, OPT_STATS_EVERY },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "suppress", required_argument, NULL, OPT_SUPPRESS },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "universal-holdout", required_argument, NULL, OPT_UNIVERSAL },
	CDP_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'n', "dry-run" },
	{ 0, NULL }
};

/* email:2/7d,sms:1/7d */
static void
parse_caps(struct journey_opts *o, char *arg)
{
	char *items[J_NCHAN * 2];
	int n = cdp_split_list(arg, items, J_NCHAN * 2);

	if (n < 0)
		cdp_usage_die(usage, "--cap: expected CHANNEL:N/DURATION,...");
	for (int i = 0; i < n; i++) {
		char *colon = strchr(items[i], ':'), *slash;
		long v;
		int c;

		if (colon == NULL || (slash = strchr(colon, '/')) == NULL)
			cdp_usage_die(usage, "--cap: expected CHANNEL:N/DURATION");
		*colon = *slash = '\0';
		for (c = 0; c < J_NCHAN && strcmp(items[i], j_channels[c]); c++)
			;
		if (c == J_NCHAN)
			cdp_usage_die(usage, "--cap: unknown channel");
		if (cdp_parse_long(colon + 1, 0, 1000000, &v) == -1 ||
		    cdp_duration_parse(slash + 1, &o->cap[c].period) == -1 ||
		    o->cap[c].period <= 0)
			cdp_usage_die(usage, "--cap: bad count or duration");
		o->cap[c].n = (int)v;
	}
}

static int
parse_hhmm(const char *s, const char *end)
{
	int h, m;

	if (end - s != 5 || s[2] != ':' || sscanf(s, "%2d:%2d", &h, &m) != 2 ||
	    h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

static void
parse_quiet(struct journey_opts *o, const char *arg)
{
	const char *dash = strchr(arg, '-');

	if (dash == NULL ||
	    (o->quiet_from = parse_hhmm(arg, dash)) < 0 ||
	    (o->quiet_to = parse_hhmm(dash + 1, dash + strlen(dash))) < 0 ||
	    o->quiet_from == o->quiet_to)
		cdp_usage_die(usage, "--quiet: expected HH:MM-HH:MM");
}

static double
parse_when(const char *opt, const char *arg)
{
	struct cdp_buf tmp = { 0 };
	double t;

	if (j_parse_time(arg, strlen(arg), &tmp, &t) == -1)
		cdp_usage_die(usage, "%s: not a date or datetime", opt);
	cdp_buf_free(&tmp);
	return t;
}

static double
parse_dur(const char *opt, const char *arg)
{
	double d;

	if (strcmp(opt, "--max-age") == 0 && strcmp(arg, "none") == 0)
		return INFINITY;
	if (cdp_duration_parse(arg, &d) == -1)
		cdp_usage_die(usage, "%s: expected a duration like 30m, 2h, "
		    "7d", opt);
	return d;
}

static double
parse_share(const char *arg)
{
	double v;

	if (j_parse_share(arg, &v) == -1)
		cdp_usage_die(usage, "--universal-holdout: expected a share "
		    "like 5%% or 0.05");
	if (v > 1)
		cdp_usage_die(usage, "--universal-holdout: share over 100%%");
	return v;
}

static unsigned long
parse_count(const char *opt, const char *arg)
{
	long v;

	if (cdp_parse_long(arg, 1, 2000000000L, &v) == -1)
		cdp_usage_die(usage, "%s: expected a whole number from 1", opt);
	return (unsigned long)v;
}

/* The options of --follow; 0 when ch is not one of them. */
static int
follow_option(int ch, const char *arg, struct journey_opts *o)
{
	switch (ch) {
	case OPT_FOLLOW: o->follow = true; break;
	case OPT_CLOCK:
		if (strcmp(arg, "wall") != 0 && strcmp(arg, "event") != 0)
			cdp_usage_die(usage, "--clock: expected event or wall");
		o->wall = strcmp(arg, "wall") == 0;
		break;
	case OPT_FSYNC:
		if (strcmp(arg, "always") != 0 && strcmp(arg, "never") != 0)
			cdp_usage_die(usage, "--fsync: expected always or never");
		o->fsync = strcmp(arg, "always") == 0;
		break;
	case OPT_MAX_LATENESS:
		o->lateness = parse_dur("--max-lateness", arg);
		break;
	case OPT_CKPT_INTERVAL:
		o->ckpt_interval = parse_dur("--checkpoint-interval", arg);
		break;
	case OPT_STATS_EVERY:
		o->stats_every = parse_dur("--stats-every", arg);
		break;
	case OPT_CKPT_EVERY:
		o->ckpt_every = parse_count("--checkpoint-every", arg);
		break;
	case OPT_MAX_PENDING:
		o->max_pending = parse_count("--max-pending", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* What --follow needs, and what it cannot do. */
static void
check_follow(const struct journey_opts *o, int ninputs)
{
	if (!o->follow) {
		if (o->wall || o->lateness > 0 || o->stats_every > 0)
			cdp_usage_die(usage, "--clock, --max-lateness and "
			    "--stats-every need --follow");
		if (o->id_map != NULL && o->state == NULL)
			cdp_usage_die(usage, "--id-map needs --state");
		return;
	}
	if (o->id_map != NULL)
		cdp_usage_die(usage, "--id-map is for runs in batch, not "
		    "--follow");
	if (o->state == NULL || o->log == NULL)
		cdp_usage_die(usage, "--follow needs --state and --log");
	if (o->dry_run || o->common.output != NULL)
		cdp_usage_die(usage, "--follow writes to standard output, "
		    "and cannot be a dry run");
	if (ninputs > 1)
		cdp_usage_die(usage, "--follow reads one input");
}

int
parse_options(int argc, char *argv[], struct journey_opts *o)
{
	const char *as_of = NULL;
	int ch;

	*o = (struct journey_opts){ .profile = "profile_id", .time = "ts",
	    .default_tz = "UTC", .quiet_from = -1, .quiet_to = -1,
	    .seed = "", .since = -INFINITY, .max_age = 86400,
	    .send_window = 86400, .fsync = true, .ckpt_every = 100000,
	    .ckpt_interval = 30, .max_pending = 10000000 };
	for (int c = 0; c < J_NCHAN; c++)
		o->cap[c].n = -1;
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "j:n",
	    longopts, old_short)) != -1) {
		switch (ch) {
		case 'j': o->journey = optarg; break;
		case 'n': o->dry_run = true; break;
		case OPT_AS_OF: as_of = optarg; break;
		case OPT_CAP: parse_caps(o, optarg); break;
		case OPT_DEFAULT_TZ: o->default_tz = optarg; break;
		case OPT_ID_MAP: o->id_map = optarg; break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_MAX_AGE:
			o->max_age = parse_dur("--max-age", optarg);
			break;
		case OPT_PROFILE: o->profile = optarg; break;
		case OPT_QUIET: parse_quiet(o, optarg); break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_SEED: o->seed = optarg; break;
		case OPT_SEND_TIME: o->send_time = optarg; break;
		case OPT_SEND_WINDOW:
			o->send_window = parse_dur("--send-window", optarg);
			break;
		case OPT_SINCE: o->since = parse_when("--since", optarg); break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_STATE_OUT: o->state_out = optarg; break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_SUPPRESS: o->suppress = optarg; break;
		case OPT_TIME: o->time = optarg; break;
		case OPT_UNIVERSAL: o->universal = parse_share(optarg); break;
		default:
			if (!follow_option(ch, optarg, o))
				(void)cdp_opt_common(ch, optarg, &o->common,
				    usage);
		}
	}
	if (o->journey == NULL)
		cdp_usage_die(usage, "--journey is required");
	check_follow(o, argc - optind);
	/* --follow's clock says now; --as-of is when the input ends. */
	if (as_of == NULL && !o->follow)
		cdp_usage_die(usage, "--as-of is required");
	o->as_of_given = as_of != NULL;
	o->as_of = as_of != NULL ? parse_when("--as-of", as_of) :
	    (double)time(NULL);
	if (!j_tz_valid(o->default_tz))
		cdp_usage_die(usage, "--default-tz: unknown time zone");
	if (*o->profile == '\0' || *o->time == '\0' ||
	    (o->score != NULL && *o->score == '\0') ||
	    (o->send_time != NULL && *o->send_time == '\0'))
		cdp_usage_die(usage, "empty field name");
	return optind;
}
