/* options.c - cdp-dedupe's command line into struct dedupe_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "diag.h"

static const char usage[] =
"usage: cdp-dedupe [options] --key F[,F...] [FILE...]\n"
"       cdp-dedupe [options] --block F[,F...] --fuzzy F:jw>=X|F:lev<=N[,...]\n"
"                  [FILE...]\n"
"Drop or mark duplicate NDJSON records: equal --key values after\n"
"normalization, or similar --fuzzy fields within a --block.\n"
"\n"
"  -k, --key F,...           fields whose normalized values make the key\n"
"      --block F,...         fuzzy mode: compare only records with equal F\n"
"  -z, --fuzzy F:jw>=X,F:lev<=N,...\n"
"                            fuzzy mode: duplicates meet every condition\n"
"                            (Jaro-Winkler at least X, Levenshtein at most N)\n"
"      --max-block N         larger blocks are reported, not merged (1000)\n"
"      --keep MODE           first (default), last, newest:FIELD or\n"
"                            most-complete: which record of a group stays\n"
"      --mark                keep every record; add _dup_of to duplicates\n"
"      --replace             with --mark: replace the _dup_of an input has\n"
"                            (else such a record is bad)\n"
"  -n, --normalize F[:KIND],...\n"
"                            normalise F as KIND (a bare F is its own KIND)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
CDP_UNBUFFERED_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_KEEP = CDP_OPT_PRIVATE,
	OPT_MAX_BLOCK,
	OPT_REPLACE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "block", required_argument, NULL, 'b' },
	{ "fuzzy", required_argument, NULL, 'z' },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "key", required_argument, NULL, 'k' },
	{ "mark", no_argument, NULL, 'm' },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "normalize", required_argument, NULL, 'n' },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'b', "block" },
	{ 'm', "mark" },
	{ 0, NULL }
};

static int
list(char *arg, char **items, const char *opt)
{
	int n = cdp_split_list(arg, items, MAXFIELDS);

	if (n == -1)
		cdp_usage_die(usage, "%s: empty item or too many items", opt);
	return n;
}

static void
set_field(struct cdp_keyfield *kf, const char *name)
{
	*kf = (struct cdp_keyfield){ .name = name, .nlen = strlen(name) };
}

/* --key and --block: a list of field names, each given once. */
static void
add_fields(struct dedupe_opts *opt, char *arg, const char *o)
{
	char *items[MAXFIELDS];
	int n = list(arg, items, o);

	if (opt->nkey > 0)
		cdp_usage_die(usage, "%s: give the fields once, as a list", o);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0)
				cdp_usage_die(usage, "%s: \"%s\" named twice",
				    o, items[i]);
		set_field(&opt->key[i], items[i]);
	}
	opt->nkey = n;
}

/* --fuzzy F:jw>=X or F:lev<=N, a list. */
static void
add_fuzzy(struct dedupe_opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	int n = list(arg, items, "--fuzzy");

	for (int i = 0; i < n; i++) {
		struct fuzzy *z;
		char *colon = strrchr(items[i], ':');
		long lev;

		if (opt->nfuzzy == MAXFIELDS)
			cdp_usage_die(usage, "--fuzzy: too many conditions");
		z = &opt->fuzzy[opt->nfuzzy++];
		if (colon == NULL || colon == items[i])
			cdp_usage_die(usage, "--fuzzy: expected FIELD:jw>=X "
			    "or FIELD:lev<=N");
		*colon++ = '\0';
		set_field(&z->f, items[i]);
		if (strncmp(colon, "jw>=", 4) == 0) {
			z->cmp = CMP_JW;
			if (cdp_parse_double(colon + 4, &z->min_jw) == -1 ||
			    z->min_jw < 0 || z->min_jw > 1)
				cdp_usage_die(usage, "--fuzzy: %s: jw>= needs "
				    "a number from 0 to 1", items[i]);
		} else if (strncmp(colon, "lev<=", 5) == 0) {
			z->cmp = CMP_LEV;
			if (cdp_parse_long(colon + 5, 0, 1000, &lev) == -1)
				cdp_usage_die(usage, "--fuzzy: %s: lev<= needs "
				    "a whole number from 0 to 1000", items[i]);
			z->max_lev = (size_t)lev;
		} else {
			cdp_usage_die(usage, "--fuzzy: %s: expected jw>=X or "
			    "lev<=N", items[i]);
		}
	}
}

/* --normalize F[:KIND],... spelled as in cdp-ingest. */
static void
add_norms(struct dedupe_opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	int n = list(arg, items, "--normalize");

	for (int i = 0; i < n; i++) {
		enum cdp_norm_kind kind;
		struct cdp_err err;
		char *name;

		if (cdp_norm_item_parse(items[i], "--normalize", false, &name,
		    &kind, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		if (opt->nnorms == MAXFIELDS)
			cdp_usage_die(usage, "--normalize: too many fields");
		opt->norms[opt->nnorms].name = name;
		opt->norms[opt->nnorms++].kind = kind;
	}
}

static void
parse_keep(struct dedupe_opts *opt, char *arg)
{
	if (strcmp(arg, "first") == 0)
		opt->keep = KEEP_FIRST;
	else if (strcmp(arg, "last") == 0)
		opt->keep = KEEP_LAST;
	else if (strcmp(arg, "most-complete") == 0)
		opt->keep = KEEP_COMPLETE;
	else if (strncmp(arg, "newest:", 7) == 0 && arg[7] != '\0') {
		opt->keep = KEEP_NEWEST;
		set_field(&opt->newest, arg + 7);
	} else
		cdp_usage_die(usage, "--keep: expected first, last, "
		    "newest:FIELD or most-complete");
}

static void
private_option(int ch, char *arg, struct dedupe_opts *opt, bool *block)
{
	switch (ch) {
	case 'b':
		add_fields(opt, arg, "--block");
		*block = true;
		break;
	case 'k':
		add_fields(opt, arg, "--key");
		break;
	case 'm':
		opt->mark = true;
		break;
	case OPT_REPLACE:
		opt->replace = true;
		break;
	case 'n':
		add_norms(opt, arg);
		break;
	case 'z':
		add_fuzzy(opt, arg);
		break;
	case OPT_KEEP:
		parse_keep(opt, arg);
		break;
	case OPT_MAX_BLOCK:
		if (cdp_parse_long(arg, 2, 1000000, &opt->max_block) == -1)
			cdp_usage_die(usage, "--max-block: expected a whole "
			    "number from 2 to 1000000");
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

/* The --normalize kind of name (the last one given wins). */
static void
norm_of(const struct dedupe_opts *opt, struct cdp_keyfield *kf)
{
	for (int i = 0; i < opt->nnorms; i++)
		if (strcmp(opt->norms[i].name, kf->name) == 0)
			kf->norm = opt->norms[i].kind;
}

int
parse_options(int argc, char *argv[], struct dedupe_opts *opt)
{
	bool block = false, key;
	int ch;

	*opt = (struct dedupe_opts){ .max_block = 1000 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "b:k:mn:z:",
	    longopts, old_short)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt, &block);
	opt->ctx.default_country = opt->common.default_country;
	opt->ctx.date_order = opt->common.date_order;
	key = opt->nkey > 0 && !block;
	if (!key && !block)
		cdp_usage_die(usage, "give --key, or --block with --fuzzy");
	if (block != (opt->nfuzzy > 0))
		cdp_usage_die(usage, block ? "--block needs --fuzzy" :
		    "--fuzzy needs --block (and no --key)");
	for (int i = 0; i < opt->nkey; i++)
		norm_of(opt, &opt->key[i]);
	for (int i = 0; i < opt->nfuzzy; i++)
		norm_of(opt, &opt->fuzzy[i].f);
	if (opt->keep == KEEP_NEWEST)
		norm_of(opt, &opt->newest);
	return optind;
}
