/* options.c - cdp-partition's command line into struct partition_opts. */
#include <string.h>

#include "diag.h"
#include "normkind.h"
#include "opts.h"
#include "partition.h"

static const char usage[] =
"usage: cdp-partition --key F[,F...] --parts N -o DIR [options] [FILE...]\n"
"Split NDJSON records (files or stdin) into DIR/part-000.ndjson ... by a\n"
"stable hash of their normalised key.\n"
"\n"
"  -k, --key F,...           fields whose normalized values make the key\n"
"                            (as cdp-dedupe --key makes it)\n"
"      --parts N             number of parts, 1 to 1024\n"
"  -o, --output DIR          the folder of the parts (made when missing)\n"
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
	OPT_NORMALIZE = CDP_OPT_PRIVATE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_NORM_LONGOPTS,
	{ "key", required_argument, NULL, 'k' },
	{ "normalize", required_argument, NULL, OPT_NORMALIZE },
	{ "parts", required_argument, NULL, 'n' },
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
add_normalize(struct partition_opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	struct cdp_err err;
	int n = list(arg, items, MAXFIELDS, "--normalize");

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

int
parse_options(int argc, char **argv, struct partition_opts *opt)
{
	char *items[MAXFIELDS];
	int ch, n;

	*opt = (struct partition_opts){ .parts = 0 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "k:n:",
	    longopts, old_short)) != -1) {
		if (cdp_opt_common(ch, optarg, &opt->common, usage))
			continue;
		switch (ch) {
		case 'k':
			if (opt->nkey > 0)
				cdp_usage_die(usage, "--key: give the fields "
				    "once, as a list");
			n = list(optarg, items, MAXFIELDS, "--key");
			for (int i = 0; i < n; i++)
				opt->key[i] = (struct cdp_keyfield){
				    .name = items[i],
				    .nlen = strlen(items[i]) };
			opt->nkey = n;
			break;
		case 'n':
			if (cdp_parse_long(optarg, 1, MAXPARTS, &opt->parts)
			    == -1)
				cdp_usage_die(usage, "--parts: expected a "
				    "number from 1 to %d", MAXPARTS);
			break;
		case OPT_NORMALIZE:
			add_normalize(opt, optarg);
			break;
		default:
			cdp_usage_die(usage, "internal: option %d not handled",
			    ch);
		}
	}
	if (opt->nkey == 0)
		cdp_usage_die(usage, "--key is required");
	if (opt->parts == 0)
		cdp_usage_die(usage, "--parts is required");
	if (opt->common.output == NULL || strcmp(opt->common.output, "-") == 0)
		cdp_usage_die(usage, "-o DIR is required: the parts are files");
	/* The last --normalize of a field wins. */
	for (int k = 0; k < opt->nkey; k++)
		for (int i = 0; i < opt->nnorms; i++)
			if (strcmp(opt->norms[i].name, opt->key[k].name) == 0)
				opt->key[k].norm = opt->norms[i].kind;
	return optind;
}
