/* cdp-journey - activation: walk each profile's events through the stages
 * of a journey and decide which message to send, when and on which
 * channel, under consent, frequency caps, quiet hours and suppression. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "journey.h"
#include "opts.h"
#include "timeval.h"
#include "xalloc.h"

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

static int
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

/* One profile id or email a line; emails are compared in lower case. */
static void
load_suppress(struct j_run *r, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int added;

	if ((r->suppress = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if ((fp = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	while ((n = getline(&line, &cap, fp)) != -1) {
		char *s = line + strspn(line, " \t");

		while (n > 0 && strchr(" \t\r\n", line[n - 1]) != NULL)
			line[--n] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strchr(s, '@') != NULL)
			for (char *p = s; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 32;
		if (cdp_keymap_put(r->suppress, cdp_key128_of(s, strlen(s)), 1,
		    &added) == NULL)
			cdp_oom(0);
	}
	free(line);
	fclose(fp);
}

static void
finish(struct j_run *r, struct cdp_out *out, struct cdp_out *st)
{
	struct cdp_err err;
	struct cdp_buf b = { 0 };

	if (cdp_out_close(out, &err) == -1 || cdp_out_close(st, &err) == -1 ||
	    cdp_acct_close(&r->acct, false, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (!r->opt->common.stats)
		return;
	if (cdp_buf_addf(&b, "{\"read\":%llu,\"used\":%llu,\"rejected\":%llu,"
	    "\"skipped\":%llu", r->acct.read, r->acct.written,
	    r->acct.rejected, r->acct.dropped) == -1)
		cdp_oom(0);
	j_stats_tail(r, &b);
	if (cdp_stats_emit(&b, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

static void
run_free(struct j_run *r)
{
	j_free(&r->j);
	cdp_keymap_free(r->ids);
	cdp_keymap_free(r->tzmap);
	cdp_keymap_free(r->suppress);
	for (size_t i = 0; i < r->ntz; i++)
		free(r->tzname[i]);
	for (int c = 0; c < J_NCHAN; c++)
		cdp_expr_free(r->consent[c]);
	free(r->tzname);
	free(r->prof);
	free(r->ev);
	free(r->ps);
	free(r->pool);
	free(r->score);
	cdp_buf_free(&r->idtext);
	cdp_buf_free(&r->key);
	cdp_buf_free(&r->tmp);
	cdp_buf_free(&r->bad_time);
}

int
main(int argc, char *argv[])
{
	static const char *const consent[J_NCHAN] = { "consent.email",
	    "consent.sms", "consent.push", "consent.ads" };
	struct journey_opts opt;
	struct j_run r = { .opt = &opt };
	struct cdp_out *out, *st = NULL;
	struct cdp_expr_err eerr;
	struct cdp_err err;
	int first;

	cdp_diag_init("cdp-journey");
	first = parse_options(argc, argv, &opt);
	if (j_load(&r.j, opt.journey, opt.score, opt.as_of, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if ((r.ids = cdp_keymap_new()) == NULL ||
	    (r.tzmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (int c = 0; c < J_NCHAN; c++)
		if ((r.consent[c] = cdp_expr_compile(consent[c],
		    strlen(consent[c]), NULL, &eerr)) == NULL)
			cdp_oom(0);
	if (opt.suppress != NULL)
		load_suppress(&r, opt.suppress);
	if (opt.state != NULL)
		j_state_load(&r, opt.state);
	if (cdp_acct_open(&r.acct, opt.common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r.acct.aggregating = true;
	/* Outputs open before any input is read: one that is also an input
	 * is refused first (cdp_out_open()). */
	if ((out = cdp_out_open(opt.common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (!opt.dry_run && (opt.state_out != NULL || opt.state != NULL)) {
		const char *path = opt.state_out ? opt.state_out : opt.state;

		if ((st = cdp_out_open(path, &err)) == NULL)
			cdp_die_err(&err, NULL, 0);
	}
	j_read_input(&r, argv + first, argc - first);
	for (size_t i = 0; r.suppress != NULL && i < r.nprof; i++)
		if (cdp_keymap_get(r.suppress, cdp_key128_of(r.idtext.p +
		    r.prof[i].idoff, r.prof[i].idlen)) != NULL)
			r.prof[i].suppressed = true;
	j_decide_all(&r, out, st);
	finish(&r, out, st);
	run_free(&r);
	return 0;
}
