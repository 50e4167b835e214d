/* options.c - cdp-segment's command line into struct segment_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "segment.h"

static const char usage[] =
"usage: cdp-segment [options] [FILE...]\n"
"Filter NDJSON records (files or stdin) with rule expressions and add the\n"
"names of the segments they match to their \"segments\" array.\n"
"\n"
"      --where EXPR          keep only records where EXPR is true\n"
"                            (repeatable: every one must be true)\n"
"  -d, --define NAME=EXPR    segment NAME holds the records where EXPR is\n"
"                            true (repeatable, tried in order)\n"
"      --rules FILE          segments from a JSON list of\n"
"                            {\"name\": NAME, \"when\": EXPR}\n"
"      --first-match         a record gets only the first segment it matches\n"
"      --else NAME           the segment of records that match no other\n"
"      --split DIR           write DIR/NAME.ndjson per segment, not stdout\n"
"      --replace             replace the \"segments\" an input has (else a\n"
"                            list of names is added to, anything else bad)\n"
"      --as-of DATE          the day days_since() and days_until() count\n"
"                            from (YYYY-MM-DD)\n"
CDP_UNBUFFERED_USAGE
CDP_THREADS_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_ELSE = CDP_OPT_PRIVATE,
	OPT_FIRST_MATCH,
	OPT_REPLACE,
	OPT_SPLIT
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
	CDP_AS_OF_LONGOPT,
	{ "define", required_argument, NULL, 'd' },
	{ "else", required_argument, NULL, OPT_ELSE },
	{ "first-match", no_argument, NULL, OPT_FIRST_MATCH },
	{ "rules", required_argument, NULL, 'r' },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "split", required_argument, NULL, OPT_SPLIT },
	{ "where", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'r', "rules" },
	{ 'w', "where" },
	{ 0, NULL }
};

/* --where, --define and --rules in command-line order, compiled after
 * the loop (when --as-of is known). */
struct pending {
	int	 ch;
	char	*arg;
};

/* Compile src; on an error exit with code, naming the place as where. */
static struct cdp_expr *
compile(const struct segment_opts *opt, const char *src, size_t len,
    int code, const char *where)
{
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if ((e = seg_compile(opt, src, len, &err)) != NULL)
		return e;
	if (err.line == 0)
		cdp_die(EX_OSERR, NULL, 0, "%s", err.msg);
	cdp_die(code, NULL, 0, "%s:%d:%d: %s", where, err.line, err.col,
	    err.msg);
}

static void
add_define(struct segment_opts *opt, char *arg)
{
	char *eq = strchr(arg, '='), where[300];

	if (eq == NULL || eq == arg)
		cdp_usage_die(usage, "--define: expected NAME=EXPR");
	*eq = '\0';
	snprintf(where, sizeof(where), "--define %s", arg);
	seg_add(opt, arg, compile(opt, eq + 1, strlen(eq + 1), EX_USAGE,
	    where));
}

static void
finish(struct segment_opts *opt, struct pending *todo, int ntodo)
{
	struct cdp_err err;

	for (int i = 0; i < ntodo; i++) {
		char *a = todo[i].arg;

		if (todo[i].ch == 'w') {
			opt->where = cdp_xreallocarray(opt->where,
			    (size_t)opt->nwhere + 1, sizeof(*opt->where));
			opt->where[opt->nwhere++] = compile(opt, a, strlen(a),
			    EX_USAGE, "--where");
		} else if (todo[i].ch == 'd') {
			add_define(opt, a);
		} else if (seg_rules_load(opt, a, &err) == -1) {
			cdp_die_err(&err, NULL, 0);
		}
	}
	if (opt->else_name != NULL && *opt->else_name == '\0')
		cdp_usage_die(usage, "--else: empty name");
	if (opt->nsegs == 0 && opt->else_name != NULL)
		cdp_usage_die(usage, "--else needs --define or --rules");
	if (opt->nsegs == 0 && opt->first_match)
		cdp_usage_die(usage, "--first-match needs --define or --rules");
	if (opt->split != NULL && opt->nsegs == 0)
		cdp_usage_die(usage, "--split needs --define or --rules");
	if (opt->split != NULL && opt->common.output != NULL)
		cdp_usage_die(usage, "--split and --output exclude each other");
	if (opt->split != NULL && *opt->split == '\0')
		cdp_usage_die(usage, "--split: empty folder name");
	if (seg_names_check(opt, &err) == -1)
		cdp_usage_die(usage, "%s", err.msg);
}

int
parse_options(int argc, char *argv[], struct segment_opts *opt)
{
	struct pending *todo = NULL;
	int ch, ntodo = 0;

	*opt = (struct segment_opts){ 0 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "d:r:w:",
	    longopts, old_short)) != -1) {
		if (cdp_opt_common(ch, optarg, &opt->common, usage))
			continue;
		switch (ch) {
		case 'd':
		case 'r':
		case 'w':
			todo = cdp_xreallocarray(todo, (size_t)ntodo + 1,
			    sizeof(*todo));
			todo[ntodo++] = (struct pending){ ch, optarg };
			break;
		case OPT_ELSE:
			opt->else_name = optarg;
			break;
		case OPT_REPLACE:
			opt->replace = true;
			break;
		case OPT_FIRST_MATCH:
			opt->first_match = true;
			break;
		case OPT_SPLIT:
			opt->split = optarg;
			break;
		default:
			cdp_usage_die(usage, "internal: option %d not handled",
			    ch);
		}
	}
	finish(opt, todo, ntodo);
	free(todo);
	return optind;
}

void
free_options(struct segment_opts *opt)
{
	for (int i = 0; i < opt->nwhere; i++)
		cdp_expr_free(opt->where[i]);
	for (int i = 0; i < opt->nsegs; i++) {
		cdp_expr_free(opt->segs[i].when);
		free(opt->segs[i].name);
	}
	free(opt->where);
	free(opt->segs);
}
