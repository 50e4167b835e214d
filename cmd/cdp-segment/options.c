/* options.c - cdp-segment's command line into struct segment_opts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "segment.h"

static const char usage[] =
"usage: cdp-segment [options] [FILE...]\n"
"Filter NDJSON records (files or stdin) with rule expressions and add the\n"
"names of the segments they match to their \"segments\" array.\n"
"\n"
"  -w, --where EXPR          keep only records where EXPR is true\n"
"                            (repeatable: every one must be true)\n"
"  -d, --define NAME=EXPR    segment NAME holds the records where EXPR is\n"
"                            true (repeatable, tried in order)\n"
"  -r, --rules FILE          segments from a JSON list of\n"
"                            {\"name\": NAME, \"when\": EXPR}\n"
"      --first-match         a record gets only the first segment it matches\n"
"      --else NAME           the segment of records that match no other\n"
"      --split DIR           write DIR/NAME.ndjson per segment, not stdout\n"
"      --replace             replace the \"segments\" an input has (else a\n"
"                            list of names is added to, anything else bad)\n"
"      --as-of DATE          the day days_since() and days_until() count\n"
"                            from (YYYY-MM-DD)\n"
CDP_UNBUFFERED_USAGE
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

/* --where, --define and --rules in command-line order, compiled after
 * the loop (when --as-of is known). */
struct pending {
	int	 ch;
	char	*arg;
};

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	if ((p = realloc(p, n * size)) == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	return d;
}

/* A name for a message, in JSON quotes: control characters escaped, so
 * a name from a rules file cannot drive the terminal. */
static const char *
quoted(const char *s)
{
	static struct cdp_buf q;

	cdp_buf_reset(&q);
	if (cdp_json_quote(&q, s, strlen(s)) == -1 ||
	    cdp_buf_addc(&q, '\0') == -1)
		cdp_die(EX_OSERR, NULL, 0, "out of memory");
	return q.p;
}

/* A name that may become a file name: [A-Za-z0-9][A-Za-z0-9._-]*. */
static bool
file_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == strlen(s);
}

/* Compile src; on an error exit with code, naming the place as where. */
static struct cdp_expr *
compile(const struct segment_opts *opt, const char *src, size_t len,
    int code, const char *where)
{
	struct cdp_expr_opts eo = { .has_as_of = opt->common.as_of != NULL };
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if (eo.has_as_of)
		(void)cdp_parse_iso_date(opt->common.as_of, &eo.as_of);
	if ((e = cdp_expr_compile(src, len, &eo, &err)) != NULL)
		return e;
	if (err.line == 0)
		cdp_die(EX_OSERR, NULL, 0, "%s", err.msg);
	cdp_die(code, NULL, 0, "%s:%d:%d: %s", where, err.line, err.col,
	    err.msg);
}

static void
add_seg(struct segment_opts *opt, const char *name, struct cdp_expr *e)
{
	opt->segs = xreallocarray(opt->segs, (size_t)opt->nsegs + 1,
	    sizeof(*opt->segs));
	opt->segs[opt->nsegs++] = (struct seg){ .name = xstrdup(name),
	    .when = e };
}

static void
add_define(struct segment_opts *opt, char *arg)
{
	char *eq = strchr(arg, '='), where[300];

	if (eq == NULL || eq == arg)
		cdp_usage_die(usage, "--define: expected NAME=EXPR");
	*eq = '\0';
	snprintf(where, sizeof(where), "--define %s", arg);
	add_seg(opt, arg, compile(opt, eq + 1, strlen(eq + 1), EX_USAGE,
	    where));
}

/* One {"name": …, "when": …} of a rules file. */
static void
add_rule(struct segment_opts *opt, const char *path, size_t i, json_t *r)
{
	json_t *name = json_object_get(r, "name");	/* borrowed */
	json_t *when = json_object_get(r, "when");	/* borrowed */
	const char *key;
	char where[600];
	json_t *v;

	if (!json_is_object(r))
		cdp_die(EX_DATAERR, path, 0, "rule %zu: not an object", i + 1);
	json_object_foreach(r, key, v)
		if (strcmp(key, "name") != 0 && strcmp(key, "when") != 0 &&
		    strcmp(key, "description") != 0)
			cdp_die(EX_DATAERR, path, 0, "rule %zu: unknown key "
			    "\"%s\" (name, when, description)", i + 1, key);
	if (!json_is_string(name) || json_string_length(name) == 0 ||
	    strlen(json_string_value(name)) != json_string_length(name))
		cdp_die(EX_DATAERR, path, 0, "rule %zu: \"name\" must be a "
		    "non-empty string", i + 1);
	if (!json_is_string(when))
		cdp_die(EX_DATAERR, path, 0, "rule %zu: \"when\" must be a "
		    "string", i + 1);
	snprintf(where, sizeof(where), "%s: %s: when", path,
	    json_string_value(name));
	add_seg(opt, json_string_value(name), compile(opt,
	    json_string_value(when), json_string_length(when), EX_DATAERR,
	    where));
}

static void
load_rules(struct segment_opts *opt, const char *path)
{
	json_error_t jerr;
	json_t *root, *r;
	size_t i;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (root == NULL)
		cdp_die(EX_DATAERR, path, jerr.line, "%s", jerr.text);
	if (!json_is_array(root))
		cdp_die(EX_DATAERR, path, 0, "expected a JSON list of "
		    "{\"name\": ..., \"when\": ...}");
	json_array_foreach(root, i, r)
		add_rule(opt, path, i, r);
	json_decref(root);
}

/* Names: unique, and usable as file names under --split. */
static void
check_names(const struct segment_opts *opt)
{
	for (int i = 0; i <= opt->nsegs; i++) {
		const char *n = i < opt->nsegs ? opt->segs[i].name :
		    opt->else_name;

		if (n == NULL)
			continue;
		if (opt->split != NULL && !file_name_ok(n))
			cdp_usage_die(usage, "--split: segment name %s is not "
			    "a file name ([A-Za-z0-9][A-Za-z0-9._-]*)",
			    quoted(n));
		for (int j = 0; j < i; j++)
			if (strcmp(opt->segs[j].name, n) == 0)
				cdp_usage_die(usage, "segment %s defined twice",
				    quoted(n));
	}
}

static void
finish(struct segment_opts *opt, struct pending *todo, int ntodo)
{
	for (int i = 0; i < ntodo; i++) {
		char *a = todo[i].arg;

		if (todo[i].ch == 'w') {
			opt->where = xreallocarray(opt->where,
			    (size_t)opt->nwhere + 1, sizeof(*opt->where));
			opt->where[opt->nwhere++] = compile(opt, a, strlen(a),
			    EX_USAGE, "--where");
		} else if (todo[i].ch == 'd') {
			add_define(opt, a);
		} else {
			load_rules(opt, a);
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
	check_names(opt);
}

int
parse_options(int argc, char *argv[], struct segment_opts *opt)
{
	struct pending *todo = NULL;
	int ch, ntodo = 0;

	*opt = (struct segment_opts){ 0 };
	while ((ch = getopt_long(argc, argv, CDP_COMMON_SHORTOPTS "d:r:w:",
	    longopts, NULL)) != -1) {
		if (cdp_opt_common(ch, optarg, &opt->common, usage))
			continue;
		switch (ch) {
		case 'd':
		case 'r':
		case 'w':
			todo = xreallocarray(todo, (size_t)ntodo + 1,
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
