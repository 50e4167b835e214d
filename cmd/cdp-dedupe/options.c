/* options.c - cdp-dedupe's command line into struct dedupe_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "diag.h"

static const char usage[] =
"usage: cdp-dedupe [options] --key F[,F...] [FILE...]\n"
"       cdp-dedupe [options] --block K[,K...] --fuzzy F:METHOD[,...]\n"
"                  [FILE...]\n"
"Drop or mark duplicate NDJSON records: equal --key values after\n"
"normalization, or similar --fuzzy fields within a --block.\n"
"\n"
"  -k, --key F,...           fields whose normalized values make the key\n"
"      --block K1,K2,...     fuzzy mode: compare only records equal on every\n"
"                            key (FIELD, prefix(FIELD,N), soundex(FIELD),\n"
"                            nysiis(FIELD), year(FIELD)); repeat for more\n"
"  -z, --fuzzy F:METHOD,...  fuzzy mode: duplicates meet every condition,\n"
"                            METHOD one of exact, jw(T), lev(K), soundex,\n"
"                            nysiis, jw_nysiis(T), date(DAYS), num(TOL);\n"
"                            F1+F2:name_swap(T), LAT+LON:geo(KM); several\n"
"                            joined by |; jw>=T and lev<=K are jw(T), lev(K)\n"
CDP_BLOCK_USAGE
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
CDP_THREADS_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_KEEP = CDP_OPT_PRIVATE,
	OPT_MAX_BLOCK,
	OPT_REPLACE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
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

/* --key: a list of field names, each given once. */
static void
add_key(struct dedupe_opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	int n = list(arg, items, "--key");

	if (opt->nkey > 0)
		cdp_usage_die(usage, "--key: give the fields once, as a list");
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0)
				cdp_usage_die(usage, "--key: \"%s\" named "
				    "twice", items[i]);
		set_field(&opt->key[i], items[i]);
	}
	opt->nkey = n;
}

/* The number of block field name in opt->bfield, added when new. */
static int
block_field(struct dedupe_opts *opt, const char *name)
{
	for (int i = 0; i < opt->nbfield; i++)
		if (strcmp(opt->bfield[i].name, name) == 0)
			return i;
	if (opt->nbfield == MAXFIELDS)
		cdp_usage_die(usage, "--block: more than %d fields",
		    MAXFIELDS);
	set_field(&opt->bfield[opt->nbfield], name);
	return opt->nbfield++;
}

/* --block K1,K2,...: one more rule. */
static void
add_block(struct dedupe_opts *opt, const char *arg)
{
	struct cdp_block_rule *r;
	struct cdp_err err;

	if (opt->nrules == MAXRULES)
		cdp_usage_die(usage, "--block: more than %d rules", MAXRULES);
	r = &opt->rules[opt->nrules];
	if (cdp_block_rule_parse(r, arg, &err) == -1)
		cdp_usage_die(usage, "--block: %s", err.msg);
	opt->nrules++;
	for (int i = 0; i < r->nkeys; i++)
		r->keys[i].col = block_field(opt, r->keys[i].field);
}

/* --fuzzy F:METHOD,... (commas inside a method's parentheses are its;
 * F may be F1+F2 for a method of two fields). */
static void
add_fuzzy(struct dedupe_opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	int n = cdp_cmp_split(arg, items, MAXFIELDS);

	if (n == -1)
		cdp_usage_die(usage, "--fuzzy: empty item, unbalanced "
		    "parentheses or too many items");
	for (int i = 0; i < n; i++) {
		char *colon = strrchr(items[i], ':'), *cols[CDP_CMP_MAX_COLS];
		struct cdp_err err;
		struct fuzzy *z;
		int nc;

		if (opt->nfuzzy == MAXFIELDS)
			cdp_usage_die(usage, "--fuzzy: too many conditions");
		z = &opt->fuzzy[opt->nfuzzy++];
		if (colon == NULL || colon == items[i])
			cdp_usage_die(usage, "--fuzzy: expected FIELD:METHOD");
		*colon++ = '\0';
		if (cdp_cmp_parse(&z->cmp, colon, &err) == -1)
			cdp_usage_die(usage, "--fuzzy: %s: %s (or jw>=T, "
			    "lev<=K)", items[i], err.msg);
		if ((nc = cdp_cmp_fields(items[i], cols)) != z->cmp.ncols)
			cdp_usage_die(usage, "--fuzzy: %s: expected %s",
			    colon, z->cmp.ncols == 1 ? "one field" :
			    "two fields, F1+F2");
		for (int k = 0; k < nc; k++)
			set_field(&z->f[k], cols[k]);
		z->slot = opt->nslots;
		opt->nslots += nc;
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
		add_block(opt, arg);
		*block = true;
		break;
	case 'k':
		add_key(opt, arg);
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
		if (cdp_parse_long(arg, 2, CDP_BLOCK_MAX_LIMIT,
		    &opt->max_block) == -1)
			cdp_usage_die(usage, "--max-block: expected a whole "
			    "number from 2 to %d", CDP_BLOCK_MAX_LIMIT);
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

	*opt = (struct dedupe_opts){ .max_block = CDP_BLOCK_MAX_DEFAULT };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "b:k:mn:z:",
	    longopts, old_short)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt, &block);
	opt->ctx.default_country = opt->common.default_country;
	opt->ctx.date_order = opt->common.date_order;
	key = opt->nkey > 0;
	if (!key && !block)
		cdp_usage_die(usage, "give --key, or --block with --fuzzy");
	if (key && block)
		cdp_usage_die(usage, "--key and --block exclude each other");
	if (block != (opt->nfuzzy > 0))
		cdp_usage_die(usage, block ? "--block needs --fuzzy" :
		    "--fuzzy needs --block (and no --key)");
	for (int i = 0; i < opt->nkey; i++)
		norm_of(opt, &opt->key[i]);
	for (int i = 0; i < opt->nfuzzy; i++)
		for (int k = 0; k < opt->fuzzy[i].cmp.ncols; k++)
			norm_of(opt, &opt->fuzzy[i].f[k]);
	for (int i = 0; i < opt->nbfield; i++)
		norm_of(opt, &opt->bfield[i]);
	if (opt->keep == KEEP_NEWEST)
		norm_of(opt, &opt->newest);
	return optind;
}

void
free_options(struct dedupe_opts *opt)
{
	for (int i = 0; i < opt->nrules; i++)
		cdp_block_rule_free(&opt->rules[i]);
}
