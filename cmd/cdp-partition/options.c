/* options.c - cdp-partition's command line into struct opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "partition.h"
#include "xalloc.h"

static const char usage[] =
"usage: cdp-partition --key F[,F...][|G...] --parts N -o DIR [options] [FILE...]\n"
"Split NDJSON records (files or stdin) into DIR/part-000.ndjson ... by a\n"
"stable hash of their normalised key, with DIR/manifest.json last.\n"
"\n"
"  -k, --key F,...[|G,...]   fields whose normalized values make the key\n"
"                            (as cdp-dedupe --key makes it); after a |, the\n"
"                            key of a record without the one before\n"
"      --parts N             number of parts, 1 to 1024\n"
"  -o, --output DIR          the folder of the parts (made when missing;\n"
"                            an existing one must be empty)\n"
"      --clean               replace the parts and manifest of an earlier\n"
"                            run in DIR (nothing else may be there)\n"
"      --spread              records without any key: by a hash of the\n"
"                            whole record, not all in part 000\n"
"      --normalize F[:KIND],...\n"
"                            normalise F as KIND (a bare F is its own KIND)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
"      --rejects FILE        write bad records to FILE and go on\n"
"      --stats               print the record account on stderr at the end\n"
"      --progress, --no-progress\n"
"                            progress bar on stderr (default: on a terminal\n"
"                            for inputs over 64 MB)\n"
"      --max-record-bytes N  longest record accepted (default 64M)\n"
"      --verbose             messages may quote values (personal data)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

enum {
	OPT_CLEAN = CDP_OPT_PRIVATE,
	OPT_NORMALIZE,
	OPT_SPREAD
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_NORM_LONGOPTS,
	{ "clean", no_argument, NULL, OPT_CLEAN },
	{ "key", required_argument, NULL, 'k' },
	{ "normalize", required_argument, NULL, OPT_NORMALIZE },
	{ "parts", required_argument, NULL, 'n' },
	{ "spread", no_argument, NULL, OPT_SPREAD },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'n', "parts" },
	{ 0, NULL }
};

/* A comma list into items[]: every item non-empty, at most max. */
static int
list(char *arg, char **items, int max, const char *o)
{
	int n = cdp_split_list(arg, items, max);

	if (n == -1)
		cdp_usage_die(usage, "%s: empty item or too many items", o);
	return n;
}

static void
add_normalize(struct opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	struct cdp_err err;
	int n;

	if (opt->nnorm_text == MAXFIELDS)
		cdp_usage_die(usage, "--normalize: too many fields");
	opt->norm_text[opt->nnorm_text++] = cdp_xstrdup(arg);
	n = list(arg, items, MAXFIELDS, "--normalize");
	for (int i = 0; i < n; i++) {
		if (opt->nnorms == MAXFIELDS)
			cdp_usage_die(usage, "--normalize: too many fields");
		if (cdp_norm_item_parse(items[i], "--normalize", false,
		    &opt->norms[opt->nnorms].name,
		    &opt->norms[opt->nnorms].kind, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		opt->nnorms++;
	}
}

/* --key F,G|H: alternatives separated by '|', each a field list. */
static void
add_key(struct opts *opt, char *arg)
{
	char *alts[MAXALTS + 1], *p = arg;
	int nalts = 0;

	if (opt->nalts > 0)
		cdp_usage_die(usage, "--key: give the fields once, as a list");
	opt->key_text = cdp_xstrdup(arg);
	for (;;) {
		char *bar = strchr(p, '|');

		if (nalts == MAXALTS)
			cdp_usage_die(usage, "--key: more than %d "
			    "alternatives", MAXALTS);
		alts[nalts++] = p;
		if (bar == NULL)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	for (int a = 0; a < nalts; a++) {
		char *items[MAXFIELDS];
		int n = list(alts[a], items, MAXFIELDS, "--key");

		for (int i = 0; i < n; i++)
			opt->alts[a].key[i] = (struct cdp_keyfield){
			    .name = items[i], .nlen = strlen(items[i]) };
		opt->alts[a].nkey = n;
	}
	opt->nalts = nalts;
}

int
parse_options(int argc, char **argv, struct opts *opt)
{
	int ch;

	*opt = (struct opts){ .parts = 0 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "k:n:",
	    longopts, old_short)) != -1) {
		if (cdp_opt_common(ch, optarg, &opt->common, usage))
			continue;
		switch (ch) {
		case 'k':
			add_key(opt, optarg);
			break;
		case 'n':
			if (cdp_parse_long(optarg, 1, MAXPARTS, &opt->parts)
			    == -1)
				cdp_usage_die(usage, "--parts: expected a "
				    "number from 1 to %d", MAXPARTS);
			break;
		case OPT_CLEAN:
			opt->clean = true;
			break;
		case OPT_NORMALIZE:
			add_normalize(opt, optarg);
			break;
		case OPT_SPREAD:
			opt->spread = true;
			break;
		default:
			cdp_usage_die(usage, "internal: option %d not handled",
			    ch);
		}
	}
	if (opt->nalts == 0)
		cdp_usage_die(usage, "--key is required");
	if (opt->parts == 0)
		cdp_usage_die(usage, "--parts is required");
	if (opt->common.output == NULL || strcmp(opt->common.output, "-") == 0)
		cdp_usage_die(usage, "-o DIR is required: the parts are files");
	/* The last --normalize of a field wins, in every alternative. */
	for (int a = 0; a < opt->nalts; a++)
		for (int k = 0; k < opt->alts[a].nkey; k++)
			for (int i = 0; i < opt->nnorms; i++)
				if (strcmp(opt->norms[i].name,
				    opt->alts[a].key[k].name) == 0)
					opt->alts[a].key[k].norm =
					    opt->norms[i].kind;
	return optind;
}

void
free_options(struct opts *opt)
{
	free((char *)opt->key_text);
	for (int i = 0; i < opt->nnorm_text; i++)
		free((char *)opt->norm_text[i]);
}
