/* options.c - cdp-join's command line into struct join_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "join.h"
#include "norm.h"

static const char usage[] =
"usage: cdp-join -k F[=G][,...] [options] TABLE [FILE...]\n"
"Attach to each NDJSON record of the stream (files or stdin) the fields\n"
"of the TABLE record (NDJSON or CSV, held in memory) with the same key.\n"
"\n"
"  -k, --key F[=G],...       key fields: F in the stream, G in TABLE (default\n"
"                            F); several fields make one key\n"
"  -n, --normalize F[:KIND],...\n"
"                            email, email-canonical, phone, name, key, date,\n"
"                            datetime, country (a bare F is its own KIND),\n"
"                            on both sides\n"
CDP_NORM_USAGE
"      --how HOW             left (default: every record, with fields when\n"
"                            matched), inner (matched only) or anti\n"
"                            (unmatched only, as they came)\n"
"      --fields F,...        the TABLE fields to attach (default: all but\n"
"                            its key fields, _src and _line)\n"
"      --prefix P            attach each field as P followed by its name\n"
"      --replace             an attached field the record has is replaced\n"
"                            (else the record is bad)\n"
"      --table-format FMT    ndjson or csv (default: by name, .csv is CSV)\n"
CDP_UNBUFFERED_USAGE
CDP_THREADS_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_FIELDS = CDP_OPT_PRIVATE,
	OPT_HOW,
	OPT_PREFIX,
	OPT_REPLACE,
	OPT_TABLE_FORMAT
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "fields", required_argument, NULL, OPT_FIELDS },
	{ "how", required_argument, NULL, OPT_HOW },
	{ "key", required_argument, NULL, 'k' },
	{ "normalize", required_argument, NULL, 'n' },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "table-format", required_argument, NULL, OPT_TABLE_FORMAT },
	{ NULL, 0, NULL, 0 }
};

#define MAXNORMS	64

struct norms {
	char			*name[MAXNORMS];
	enum cdp_norm_kind	 kind[MAXNORMS];
	int			 n;
};

static void
add_keys(struct join_opts *opt, char *arg)
{
	char *items[MAXKEY];
	int n = cdp_split_list(arg, items, MAXKEY);

	if (opt->nkey > 0)
		cdp_usage_die(usage, "--key: give the fields once, as a list");
	if (n == -1)
		cdp_usage_die(usage, "--key: empty item or more than %d fields",
		    MAXKEY);
	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '='), *t = items[i];

		if (eq != NULL) {
			*eq = '\0';
			t = eq + 1;
			if (*items[i] == '\0' || *t == '\0')
				cdp_usage_die(usage, "--key: expected F or "
				    "F=G, got an empty name");
		}
		opt->skey[i] = (struct cdp_keyfield){ .name = items[i],
		    .nlen = strlen(items[i]) };
		opt->tkey[i] = (struct cdp_keyfield){ .name = t,
		    .nlen = strlen(t) };
	}
	opt->nkey = n;
}

static void
add_norms(struct norms *nm, char *arg)
{
	char *items[MAXNORMS];
	int n = cdp_split_list(arg, items, MAXNORMS);

	if (n == -1)
		cdp_usage_die(usage, "--normalize: empty item or too many "
		    "items");
	for (int i = 0; i < n; i++) {
		struct cdp_err err;

		if (nm->n == MAXNORMS)
			cdp_usage_die(usage, "--normalize: too many items");
		if (cdp_norm_item_parse(items[i], "--normalize", false,
		    &nm->name[nm->n], &nm->kind[nm->n], &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		nm->n++;
	}
}

static void
private_option(int ch, char *arg, struct join_opts *opt, struct norms *nm)
{
	switch (ch) {
	case OPT_FIELDS:
		if (opt->nfields > 0)
			cdp_usage_die(usage, "--fields: give the names once, "
			    "as a list");
		if ((opt->nfields = cdp_split_list(arg, opt->fields,
		    MAXFIELDS)) == -1)
			cdp_usage_die(usage, "--fields: empty item or more "
			    "than %d names", MAXFIELDS);
		break;
	case 'k':
		add_keys(opt, arg);
		break;
	case 'n':
		add_norms(nm, arg);
		break;
	case OPT_HOW:
		if (strcmp(arg, "left") == 0)
			opt->how = HOW_LEFT;
		else if (strcmp(arg, "inner") == 0)
			opt->how = HOW_INNER;
		else if (strcmp(arg, "anti") == 0)
			opt->how = HOW_ANTI;
		else
			cdp_usage_die(usage, "--how: expected left, inner or "
			    "anti");
		break;
	case OPT_PREFIX:
		opt->prefix = arg;
		break;
	case OPT_REPLACE:
		opt->replace = true;
		break;
	case OPT_TABLE_FORMAT:
		if (strcmp(arg, "ndjson") == 0)
			opt->table_format = TF_NDJSON;
		else if (strcmp(arg, "csv") == 0)
			opt->table_format = TF_CSV;
		else
			cdp_usage_die(usage, "--table-format: expected ndjson "
			    "or csv");
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

int
parse_options(int argc, char *argv[], struct join_opts *opt)
{
	struct norms nm = { .n = 0 };
	int ch;

	*opt = (struct join_opts){ .prefix = "", .how = HOW_LEFT };
	while ((ch = getopt_long(argc, argv, CDP_COMMON_SHORTOPTS "k:n:",
	    longopts, NULL)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt, &nm);
	if (opt->nkey == 0)
		cdp_usage_die(usage, "--key is required");
	if (optind == argc)
		cdp_usage_die(usage, "the TABLE operand is required");
	opt->table = argv[optind++];
	if (strcmp(opt->table, "-") == 0)
		cdp_usage_die(usage, "TABLE cannot be standard input: the "
		    "stream is");
	if (opt->how == HOW_ANTI && (opt->nfields > 0 || *opt->prefix != '\0'))
		cdp_usage_die(usage, "--how anti attaches nothing: no --fields "
		    "or --prefix");
	/* A normaliser applies to a key field by its stream name; the last
	 * one given wins. */
	for (int i = 0; i < nm.n; i++) {
		int k;

		for (k = 0; k < opt->nkey; k++)
			if (strcmp(opt->skey[k].name, nm.name[i]) == 0)
				break;
		if (k == opt->nkey)
			cdp_usage_die(usage, "--normalize: \"%s\" is not a "
			    "--key field", nm.name[i]);
		opt->skey[k].norm = opt->tkey[k].norm = nm.kind[i];
	}
	return optind;
}
