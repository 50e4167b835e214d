/* options.c - cdp-journey's command line into struct journey_opts. */
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "opts.h"
#include "timeval.h"
#include "journey.h"

static const char usage[] =
"usage: cdp-journey -j FILE --as-of TIME [options] [FILE ...]\n"
"  -j, --journey FILE        the journey: stages, entry/exit, actions\n"
"      --as-of TIME          now (a date or datetime; required)\n"
"      --state FILE          state of the previous run (read if it exists,\n"
"                            then rewritten atomically)\n"
"      --state-out FILE      write the new state here instead\n"
"      --profile FIELD       the profile id field (default profile_id)\n"
"      --time FIELD          the event time field (default ts)\n"
"      --cap CH:N/DUR,...    at most N sends on channel CH in any DUR\n"
"                            (e.g. email:2/7d,sms:1/7d)\n"
"      --quiet HH:MM-HH:MM   quiet hours in the profile's zone (field tz)\n"
"      --default-tz ZONE     zone of profiles without tz (default UTC)\n"
"      --suppress FILE       never send to these profile ids or emails\n"
"      --score FIELD         next best action: FIELD.<action> ranks ties\n"
"      --dry-run             print skipped decisions too; keep the state\n"
CDP_COMMON_USAGE;

enum {
	OPT_AS_OF = CDP_OPT_PRIVATE, OPT_CAP, OPT_DEFAULT_TZ, OPT_PROFILE,
	OPT_QUIET, OPT_SCORE, OPT_STATE, OPT_STATE_OUT, OPT_SUPPRESS,
	OPT_TIME
};

static const struct option longopts[] = {
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "default-tz", required_argument, NULL, OPT_DEFAULT_TZ },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "journey", required_argument, NULL, 'j' },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "quiet", required_argument, NULL, OPT_QUIET },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "state-out", required_argument, NULL, OPT_STATE_OUT },
	{ "suppress", required_argument, NULL, OPT_SUPPRESS },
	{ "time", required_argument, NULL, OPT_TIME },
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

int
parse_options(int argc, char *argv[], struct journey_opts *o)
{
	struct cdp_buf tmp = { 0 };
	const char *as_of = NULL;
	int ch;

	*o = (struct journey_opts){ .profile = "profile_id", .time = "ts",
	    .default_tz = "UTC", .quiet_from = -1, .quiet_to = -1 };
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
		case OPT_PROFILE: o->profile = optarg; break;
		case OPT_QUIET: parse_quiet(o, optarg); break;
		case OPT_SCORE: o->score = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_STATE_OUT: o->state_out = optarg; break;
		case OPT_SUPPRESS: o->suppress = optarg; break;
		case OPT_TIME: o->time = optarg; break;
		default:
			(void)cdp_opt_common(ch, optarg, &o->common, usage);
		}
	}
	if (o->journey == NULL)
		cdp_usage_die(usage, "--journey is required");
	if (as_of == NULL)
		cdp_usage_die(usage, "--as-of is required");
	if (j_parse_time(as_of, strlen(as_of), &tmp, &o->as_of) == -1)
		cdp_usage_die(usage, "--as-of: not a date or datetime");
	cdp_buf_free(&tmp);
	if (!j_tz_valid(o->default_tz))
		cdp_usage_die(usage, "--default-tz: unknown time zone");
	if (*o->profile == '\0' || *o->time == '\0' ||
	    (o->score != NULL && *o->score == '\0'))
		cdp_usage_die(usage, "empty field name");
	return optind;
}
