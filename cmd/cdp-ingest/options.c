/* options.c - cdp-ingest's command line into struct ingest_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "ingest.h"

static const char usage[] =
"usage: cdp-ingest [options] [FILE...]\n"
"Read CSV, TSV, NDJSON or JSON-array files (or stdin) and write normalized\n"
"NDJSON records with provenance (_src, _line).\n"
"\n"
"  -f, --format FMT          csv, tsv, ndjson or json (default: by name, then content)\n"
"      --source NAME         _src of the records (default: the file's base name)\n"
"      --map NEW=OLD,...     rename fields\n"
"      --only F,...          keep only these fields (names after --map)\n"
"  -t, --types F:TYPE,...    int, number, bool, date, datetime, string\n"
"  -n, --normalize F[:KIND],...\n"
"                            normalise F as KIND (a bare F is its own KIND)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
"      --require F[|F...]    at least one of these fields must be non-empty\n"
"      --match F=REGEX       the field must match the PCRE2 pattern\n"
"      --hash F[:KIND],...   replace by hex SHA-256 of the normalized value\n"
"      --hash-key-file FILE  HMAC-SHA256 with the key in FILE instead\n"
"      --trim                strip spaces around unquoted CSV fields\n"
"      --empty MODE          empty CSV cells: string (default), null, omit\n"
CDP_UNBUFFERED_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_EMPTY = CDP_OPT_PRIVATE,
	OPT_HASH,
	OPT_HASH_KEY_FILE,
	OPT_MATCH,
	OPT_ONLY,
	OPT_REQUIRE,
	OPT_TRIM
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "empty", required_argument, NULL, OPT_EMPTY },
	{ "format", required_argument, NULL, 'f' },
	{ "hash", required_argument, NULL, OPT_HASH },
	{ "hash-key-file", required_argument, NULL, OPT_HASH_KEY_FILE },
	{ "map", required_argument, NULL, 'm' },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "normalize", required_argument, NULL, 'n' },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "require", required_argument, NULL, OPT_REQUIRE },
	{ "source", required_argument, NULL, 's' },
	{ "trim", no_argument, NULL, OPT_TRIM },
	{ "types", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'm', "map" },
	{ 's', "source" },
	{ 0, NULL }
};

#define MAXLIST	256

static const struct {
	const char	*name;
	enum ftype	 type;
} type_names[] = {
	{ "bool", T_BOOL },
	{ "date", T_DATE },
	{ "datetime", T_DATETIME },
	{ "int", T_INT },
	{ "number", T_NUMBER },
	{ "string", T_STRING },
};

/* The spec for field name, created empty on first use. */
static struct fspec *
spec_for(struct ingest_opts *opt, const char *name)
{
	for (int i = 0; i < opt->nspecs; i++)
		if (strcmp(opt->specs[i].name, name) == 0)
			return &opt->specs[i];
	opt->specs = cdp_xreallocarray(opt->specs, (size_t)opt->nspecs + 1,
	    sizeof(*opt->specs));
	opt->specs[opt->nspecs] = (struct fspec){ .name = name,
	    .nlen = strlen(name) };
	return &opt->specs[opt->nspecs++];
}

/* Split "F:X" at the colon; *x is NULL when there is none. */
static void
split_colon(char *item, char **x)
{
	char *colon = strrchr(item, ':');

	*x = NULL;
	if (colon != NULL) {
		*colon = '\0';
		*x = colon + 1;
	}
}

static int
list(char *arg, char **items, const char *opt)
{
	int n = cdp_split_list(arg, items, MAXLIST);

	if (n == -1)
		cdp_usage_die(usage, "%s: empty item or too many items", opt);
	return n;
}

static void
add_types(struct ingest_opts *opt, char *arg)
{
	char *items[MAXLIST], *t;
	int n = list(arg, items, "--types");

	for (int i = 0; i < n; i++) {
		size_t k;

		split_colon(items[i], &t);
		for (k = 0; t != NULL && k < sizeof(type_names) /
		    sizeof(type_names[0]); k++)
			if (strcmp(type_names[k].name, t) == 0)
				break;
		if (t == NULL || *items[i] == '\0' ||
		    k == sizeof(type_names) / sizeof(type_names[0]))
			cdp_usage_die(usage, "--types: expected FIELD:TYPE "
			    "with TYPE int, number, bool, date, datetime or "
			    "string");
		spec_for(opt, items[i])->type = type_names[k].type;
	}
}

static void
add_norms(struct ingest_opts *opt, char *arg, bool hash)
{
	const char *o = hash ? "--hash" : "--normalize";
	char *items[MAXLIST];
	int n = list(arg, items, o);

	for (int i = 0; i < n; i++) {
		struct fspec *s;
		enum cdp_norm_kind kind;
		struct cdp_err err;
		char *name;

		/* --hash F of no kind hashes the trimmed value. */
		if (cdp_norm_item_parse(items[i], o, hash, &name, &kind,
		    &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		s = spec_for(opt, name);
		if (hash) {
			s->hash = true;
			s->hash_norm = kind;
		} else {
			s->norm = kind;
		}
	}
}

static void
add_map(struct ingest_opts *opt, char *arg)
{
	char *items[MAXLIST];
	int n = list(arg, items, "--map");

	for (int i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		struct rename *r;

		if (eq == NULL || eq == items[i] || eq[1] == '\0')
			cdp_usage_die(usage, "--map: expected NEW=OLD");
		*eq = '\0';
		for (int j = 0; j < opt->nrenames; j++)
			if (strcmp(opt->renames[j].from, eq + 1) == 0 ||
			    strcmp(opt->renames[j].to, items[i]) == 0)
				cdp_usage_die(usage, "--map: \"%s\" mapped "
				    "twice", strcmp(opt->renames[j].from,
				    eq + 1) == 0 ? eq + 1 : items[i]);
		opt->renames = cdp_xreallocarray(opt->renames,
		    (size_t)opt->nrenames + 1, sizeof(*opt->renames));
		r = &opt->renames[opt->nrenames++];
		r->to = items[i];
		r->tlen = strlen(r->to);
		r->from = eq + 1;
		r->flen = strlen(r->from);
	}
}

static void
add_match(struct ingest_opts *opt, char *arg)
{
	char *eq = strchr(arg, '=');
	struct fspec *s;
	int code;
	PCRE2_SIZE off;

	if (eq == NULL || eq == arg)
		cdp_usage_die(usage, "--match: expected FIELD=REGEX");
	*eq = '\0';
	s = spec_for(opt, arg);
	if (s->re != NULL)
		cdp_usage_die(usage, "--match: one pattern per field (\"%s\")",
		    arg);
	s->re = pcre2_compile((PCRE2_SPTR)(eq + 1), PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (s->re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(code, msg, sizeof(msg));
		cdp_usage_die(usage, "--match: %s: at offset %zu: %s", arg,
		    (size_t)off, (char *)msg);
	}
	/* JIT makes matching fast; without it the interpreter still works. */
	(void)pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE);
	s->re_text = eq + 1;
}

static void
add_require(struct ingest_opts *opt, char *arg)
{
	const char **group;
	int n = 1, k = 0;

	for (const char *p = arg; *p; p++)
		n += *p == '|';
	group = cdp_xcalloc((size_t)n + 1, sizeof(*group));
	for (char *tok = arg, *bar; tok != NULL; tok = bar) {
		if ((bar = strchr(tok, '|')) != NULL)
			*bar++ = '\0';
		if (*tok == '\0')
			cdp_usage_die(usage, "--require: empty field name");
		group[k++] = tok;
	}
	opt->require = cdp_xreallocarray(opt->require,
	    (size_t)opt->nrequire + 1, sizeof(*opt->require));
	opt->require[opt->nrequire++] = group;
}

static enum in_format
parse_format(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return FMT_CSV;
	if (strcmp(s, "tsv") == 0)
		return FMT_TSV;
	if (strcmp(s, "ndjson") == 0 || strcmp(s, "jsonl") == 0)
		return FMT_NDJSON;
	if (strcmp(s, "json") == 0)
		return FMT_JSON;
	cdp_usage_die(usage, "--format: expected csv, tsv, ndjson or json");
}

static void
private_option(int ch, char *arg, struct ingest_opts *opt)
{
	switch (ch) {
	case 'f':
		opt->format = parse_format(arg);
		break;
	case 'm':
		add_map(opt, arg);
		break;
	case 'n':
		add_norms(opt, arg, false);
		break;
	case 's':
		if (*arg == '\0')
			cdp_usage_die(usage, "--source: empty name");
		opt->sources = cdp_xreallocarray(opt->sources,
		    (size_t)opt->nsources + 1, sizeof(*opt->sources));
		opt->sources[opt->nsources++] = arg;
		break;
	case 't':
		add_types(opt, arg);
		break;
	case OPT_EMPTY:
		if (strcmp(arg, "string") == 0)
			opt->empty = EMPTY_STRING;
		else if (strcmp(arg, "null") == 0)
			opt->empty = EMPTY_NULL;
		else if (strcmp(arg, "omit") == 0)
			opt->empty = EMPTY_OMIT;
		else
			cdp_usage_die(usage, "--empty: expected string, null "
			    "or omit");
		break;
	case OPT_HASH:
		add_norms(opt, arg, true);
		break;
	case OPT_HASH_KEY_FILE:
		opt->hash_key_file = arg;
		break;
	case OPT_MATCH:
		add_match(opt, arg);
		break;
	case OPT_ONLY: {
		char *items[MAXLIST];
		int n = list(arg, items, "--only");

		opt->only = true;
		for (int i = 0; i < n; i++)
			spec_for(opt, items[i])->keep = true;
		break;
	}
	case OPT_REQUIRE:
		add_require(opt, arg);
		break;
	case OPT_TRIM:
		opt->trim = true;
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

int
parse_options(int argc, char *argv[], struct ingest_opts *opt)
{
	int ch;

	*opt = (struct ingest_opts){ .format = FMT_AUTO };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "f:m:n:s:t:",
	    longopts, old_short)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt);
	if (opt->hash_key_file != NULL) {
		bool any = false;

		for (int i = 0; i < opt->nspecs; i++)
			any |= opt->specs[i].hash;
		if (!any)
			cdp_usage_die(usage, "--hash-key-file needs --hash");
	}
	if (opt->nsources > 1 && opt->nsources != argc - optind)
		cdp_usage_die(usage, "--source: give one name, or one per "
		    "file (%d files)", argc - optind);
	return optind;
}

void
free_options(struct ingest_opts *opt)
{
	for (int i = 0; i < opt->nspecs; i++)
		pcre2_code_free(opt->specs[i].re);
	for (int i = 0; i < opt->nrequire; i++)
		free(opt->require[i]);
	free(opt->require);
	free(opt->specs);
	free(opt->renames);
	free(opt->sources);
}
