/* options.c - cdp-ingest's command line into struct ingest_opts. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decode.h"
#include "diag.h"
#include "ingest.h"
#include "jsonload.h"
#include "timeval.h"
#include "xalloc.h"

static const char usage[] =
"usage: cdp-ingest [options] [FILE...]\n"
"Read CSV, TSV, NDJSON or JSON-array files (or stdin), plain, gzip or zstd,\n"
"and write normalized NDJSON records with provenance (_src, _line).\n"
"\n"
"  -f, --format FMT          csv, tsv, ndjson or json (default: by name, then content)\n"
"      --delimiter C         CSV field separator: , ; tab | or any byte\n"
"                            (default: sniffed from the header and first rows)\n"
"      --encoding NAME       input encoding for iconv (latin1, cp1252, ...;\n"
"                            default UTF-8, or UTF-16 by its byte order mark)\n"
"      --source NAME         _src of the records: NAME/BASE of each file\n"
"                            (default: the file's base name)\n"
"      --map NEW=OLD,...     rename fields (a NEW with dots nests: consent.email)\n"
"      --only F,...          keep only these fields (names after --map)\n"
"      --set F=VALUE         add field F with VALUE to every record\n"
"      --default F=VALUE     F's value where it is missing or empty\n"
"      --map-values F:FROM=TO,...  or  F:@FILE\n"
"                            replace whole values of F before typing\n"
"  -t, --types F:TYPE,...    int, number, money, bool, date, datetime, epoch-s,\n"
"                            epoch-ms, epoch-us, string\n"
"      --decimal-comma[=F,...]\n"
"                            a comma is the decimal mark of numbers and money\n"
"      --default-currency CODE\n"
"                            currency of money written without one\n"
"      --tz ZONE             time zone of times written without one\n"
"      --utc                 write every time in UTC\n"
"  -n, --normalize F[:KIND],...\n"
"                            normalise F as KIND (a bare F is its own KIND)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
"      --country-field F     each record's country for its phone numbers\n"
"      --require F[|F...]    at least one of these fields must be non-empty\n"
"      --match F=REGEX       the field must match the PCRE2 pattern\n"
"      --hash F[:KIND],...   replace by hex SHA-256 of the normalized value\n"
"      --hash-key-file FILE  HMAC-SHA256 with the key in FILE instead\n"
"      --on-bad-value [F:]MODE,...\n"
"                            reject (default), null or keep a value that fails\n"
"                            its type, normalizer or pattern\n"
"      --rejects-warnings    list values made null or kept in --rejects too\n"
"      --max-reject-rate P   stop (65) when over P% of records are rejected\n"
"                            (default 50)\n"
"      --max-rejects N       stop (65) when over N records are rejected\n"
"      --replace             overwrite input fields named like fields made here\n"
"                            (_src, _line, F_currency; else the record is bad)\n"
"      --strict              an option naming a field no record has is an error\n"
"      --trim                strip spaces around unquoted CSV fields\n"
"      --empty MODE          empty CSV cells: string (default), null, omit\n"
CDP_UNBUFFERED_USAGE
CDP_THREADS_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_COUNTRY_FIELD = CDP_OPT_PRIVATE,
	OPT_DECIMAL_COMMA,
	OPT_DEFAULT,
	OPT_DEFAULT_CURRENCY,
	OPT_DELIMITER,
	OPT_EMPTY,
	OPT_ENCODING,
	OPT_HASH,
	OPT_HASH_KEY_FILE,
	OPT_MAP_VALUES,
	OPT_MATCH,
	OPT_MAX_REJECT_RATE,
	OPT_MAX_REJECTS,
	OPT_ON_BAD_VALUE,
	OPT_ONLY,
	OPT_REJECTS_WARNINGS,
	OPT_REPLACE,
	OPT_REQUIRE,
	OPT_SET,
	OPT_STRICT,
	OPT_TRIM,
	OPT_TZ,
	OPT_UTC
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_THREADS_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "country-field", required_argument, NULL, OPT_COUNTRY_FIELD },
	{ "decimal-comma", optional_argument, NULL, OPT_DECIMAL_COMMA },
	{ "default", required_argument, NULL, OPT_DEFAULT },
	{ "default-currency", required_argument, NULL, OPT_DEFAULT_CURRENCY },
	{ "delimiter", required_argument, NULL, OPT_DELIMITER },
	{ "empty", required_argument, NULL, OPT_EMPTY },
	{ "encoding", required_argument, NULL, OPT_ENCODING },
	{ "format", required_argument, NULL, 'f' },
	{ "hash", required_argument, NULL, OPT_HASH },
	{ "hash-key-file", required_argument, NULL, OPT_HASH_KEY_FILE },
	{ "map", required_argument, NULL, 'm' },
	{ "map-values", required_argument, NULL, OPT_MAP_VALUES },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "max-reject-rate", required_argument, NULL, OPT_MAX_REJECT_RATE },
	{ "max-rejects", required_argument, NULL, OPT_MAX_REJECTS },
	{ "normalize", required_argument, NULL, 'n' },
	{ "on-bad-value", required_argument, NULL, OPT_ON_BAD_VALUE },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "rejects-warnings", no_argument, NULL, OPT_REJECTS_WARNINGS },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "require", required_argument, NULL, OPT_REQUIRE },
	{ "set", required_argument, NULL, OPT_SET },
	{ "source", required_argument, NULL, 's' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "trim", no_argument, NULL, OPT_TRIM },
	{ "types", required_argument, NULL, 't' },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "utc", no_argument, NULL, OPT_UTC },
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
	{ "epoch-ms", T_EPOCH_MS },
	{ "epoch-s", T_EPOCH_S },
	{ "epoch-us", T_EPOCH_US },
	{ "int", T_INT },
	{ "money", T_MONEY },
	{ "number", T_NUMBER },
	{ "string", T_STRING },
};

#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

/* The spec for field name, created empty on first use. */
static struct fspec *
spec_for(struct ingest_opts *opt, const char *name, unsigned named)
{
	for (int i = 0; i < opt->nspecs; i++)
		if (strcmp(opt->specs[i].name, name) == 0) {
			opt->specs[i].named |= named;
			return &opt->specs[i];
		}
	opt->specs = cdp_xreallocarray(opt->specs, (size_t)opt->nspecs + 1,
	    sizeof(*opt->specs));
	opt->specs[opt->nspecs] = (struct fspec){ .name = name,
	    .nlen = strlen(name), .named = named };
	return &opt->specs[opt->nspecs++];
}

/* Split "F:X" at the last colon; *x is NULL when there is none. */
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
	struct fspec *s;

	for (int i = 0; i < n; i++) {
		size_t k;

		split_colon(items[i], &t);
		for (k = 0; t != NULL && k < NTYPES; k++)
			if (strcmp(type_names[k].name, t) == 0)
				break;
		if (t == NULL || *items[i] == '\0' || k == NTYPES)
			cdp_usage_die(usage, "--types: expected FIELD:TYPE "
			    "with TYPE int, number, money, bool, date, "
			    "datetime, epoch-s, epoch-ms, epoch-us or string");
		s = spec_for(opt, items[i], NAMED_TYPES);
		s->type = type_names[k].type;
		if (s->type == T_MONEY && s->cur_key == NULL) {
			s->cur_klen = s->nlen + sizeof("_currency") - 1;
			s->cur_key = cdp_xmalloc(s->cur_klen + 1);
			snprintf(s->cur_key, s->cur_klen + 1, "%s_currency",
			    s->name);
		}
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
		s = spec_for(opt, name, hash ? NAMED_HASH : NAMED_NORMALIZE);
		if (hash) {
			s->hash = true;
			s->hash_norm = kind;
		} else {
			s->norm = kind;
		}
	}
}

/* A --map target path: no empty part ("a..b", ".a", "a."). */
static bool
good_path(const char *s)
{
	size_t n = strlen(s);

	return s[0] != '.' && s[n - 1] != '.' && strstr(s, "..") == NULL;
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
		if (!good_path(items[i]))
			cdp_usage_die(usage, "--map: \"%s\": empty part in "
			    "the path", items[i]);
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
		r->nested = strchr(r->to, '.') != NULL;
		opt->nested |= r->nested;
	}
}

/* "a" as a target beside "a.b": one name cannot be a value and a path. */
static void
check_paths(const struct ingest_opts *opt)
{
	for (int i = 0; i < opt->nrenames; i++)
		for (int j = 0; j < opt->nrenames; j++) {
			const struct rename *a = &opt->renames[i];
			const struct rename *b = &opt->renames[j];

			if (b->nested && b->tlen > a->tlen &&
			    strncmp(b->to, a->to, a->tlen) == 0 &&
			    b->to[a->tlen] == '.')
				cdp_usage_die(usage, "--map: \"%s\" is both a "
				    "field and the path of \"%s\"", a->to,
				    b->to);
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
	s = spec_for(opt, arg, NAMED_MATCH);
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

static enum bad_mode
parse_bad_mode(const char *s)
{
	if (strcmp(s, "reject") == 0)
		return BAD_REJECT;
	if (strcmp(s, "null") == 0)
		return BAD_NULL;
	if (strcmp(s, "keep") == 0)
		return BAD_KEEP;
	cdp_usage_die(usage, "--on-bad-value: expected reject, null or keep "
	    "(or FIELD:MODE)");
}

static void
add_on_bad(struct ingest_opts *opt, char *arg)
{
	char *items[MAXLIST], *mode;
	int n = list(arg, items, "--on-bad-value");

	for (int i = 0; i < n; i++) {
		split_colon(items[i], &mode);
		if (mode == NULL)
			opt->on_bad = parse_bad_mode(items[i]);
		else if (*items[i] == '\0')
			cdp_usage_die(usage, "--on-bad-value: empty field "
			    "name");
		else
			spec_for(opt, items[i], NAMED_ON_BAD)->on_bad =
			    parse_bad_mode(mode);
	}
}

static void
add_vmap(struct fspec *s, const char *from, const char *to)
{
	struct vmap *m;

	for (size_t i = 0; i < s->nvmap; i++)
		if (strcmp(s->vmap[i].from, from) == 0)
			cdp_usage_die(usage, "--map-values: \"%s\" of field "
			    "\"%s\" mapped twice", from, s->name);
	s->vmap = cdp_xreallocarray(s->vmap, s->nvmap + 1, sizeof(*s->vmap));
	m = &s->vmap[s->nvmap++];
	m->from = from;
	m->flen = strlen(from);
	m->to = to;
	m->tlen = to != NULL ? strlen(to) : 0;
}

/* --map-values F:@FILE: a JSON object of FROM: TO (a string or null). */
static void
load_vmap(struct ingest_opts *opt, struct fspec *s, const char *path)
{
	struct cdp_err err;
	const char *key;
	json_t *doc, *v;

	if ((doc = cdp_json_load(path, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (!json_is_object(doc))
		cdp_die(EX_DATAERR, path, 0, "--map-values: expected a JSON "
		    "object of \"FROM\": \"TO\"");
	/* The documents live as long as opt: the strings are borrowed. */
	if (opt->vmap_docs == NULL && (opt->vmap_docs = json_array()) == NULL)
		cdp_oom(0);
	if (json_array_append_new(opt->vmap_docs, doc) == -1)
		cdp_oom(0);
	json_object_foreach(doc, key, v) {
		if (!json_is_string(v) && !json_is_null(v))
			cdp_die(EX_DATAERR, path, 0, "--map-values: the "
			    "value of \"%s\" is not a string or null", key);
		if (*key == '\0')
			cdp_die(EX_DATAERR, path, 0, "--map-values: an "
			    "empty value cannot be mapped (see --default)");
		add_vmap(s, key, json_is_null(v) ? NULL : json_string_value(v));
	}
}

static void
add_map_values(struct ingest_opts *opt, char *arg)
{
	char *colon = strchr(arg, ':'), *items[MAXLIST], *eq;
	struct fspec *s;
	int n;

	if (colon == NULL || colon == arg || colon[1] == '\0')
		cdp_usage_die(usage, "--map-values: expected "
		    "FIELD:FROM=TO,... or FIELD:@FILE");
	*colon = '\0';
	s = spec_for(opt, arg, NAMED_MAP_VALUES);
	if (colon[1] == '@') {
		load_vmap(opt, s, colon + 2);
		return;
	}
	n = list(colon + 1, items, "--map-values");
	for (int i = 0; i < n; i++) {
		if ((eq = strchr(items[i], '=')) == NULL || eq == items[i])
			cdp_usage_die(usage, "--map-values: expected FROM=TO "
			    "with a non-empty FROM");
		*eq = '\0';
		add_vmap(s, items[i], eq + 1);
	}
}

/* --set F=V and --default F=V into *v (*n of them). */
static void
add_setval(struct setval **v, int *n, char *arg, const char *o)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		cdp_usage_die(usage, "%s: expected FIELD=VALUE", o);
	*eq = '\0';
	for (int i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, arg) == 0)
			cdp_usage_die(usage, "%s: field \"%s\" given twice", o,
			    arg);
	if (strcmp(arg, "_src") == 0 || strcmp(arg, "_line") == 0)
		cdp_usage_die(usage, "%s: %s is the provenance", o, arg);
	*v = cdp_xreallocarray(*v, (size_t)*n + 1, sizeof(**v));
	(*v)[(*n)++] = (struct setval){ .name = arg, .nlen = strlen(arg),
	    .val = eq + 1, .vlen = strlen(eq + 1) };
}

static int
parse_delimiter(const char *s)
{
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		return '\t';
	if (strlen(s) != 1 || strchr("\"\r\n", s[0]) != NULL ||
	    (unsigned char)s[0] >= 0x80)
		cdp_usage_die(usage, "--delimiter: expected one ASCII byte "
		    "other than a quote or line end (or \"tab\")");
	return (unsigned char)s[0];
}

static double
parse_rate(const char *s)
{
	char buf[64];
	size_t n = strlen(s);
	double d;

	if (n > 0 && s[n - 1] == '%')
		n--;
	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (cdp_parse_double(buf, &d) == 0 && d >= 0 && d <= 100)
		return d;
bad:
	cdp_usage_die(usage, "--max-reject-rate: expected a percentage from "
	    "0 to 100, such as 5%%");
}

static void
add_decimal_comma(struct ingest_opts *opt, char *arg)
{
	char *items[MAXLIST];
	int n;

	if (arg == NULL) {
		opt->decimal_comma = true;
		return;
	}
	n = list(arg, items, "--decimal-comma");
	for (int i = 0; i < n; i++)
		spec_for(opt, items[i], NAMED_DECIMAL)->decimal_comma = true;
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
field_option(int ch, char *arg, struct ingest_opts *opt)
{
	switch (ch) {
	case OPT_COUNTRY_FIELD:
		if (*arg == '\0')
			cdp_usage_die(usage, "--country-field: empty name");
		opt->country_field = arg;
		break;
	case OPT_DECIMAL_COMMA:
		add_decimal_comma(opt, arg);
		break;
	case OPT_DEFAULT:
		add_setval(&opt->defaults, &opt->ndefaults, arg, "--default");
		break;
	case OPT_MAP_VALUES:
		add_map_values(opt, arg);
		break;
	case OPT_ON_BAD_VALUE:
		add_on_bad(opt, arg);
		break;
	case OPT_SET:
		add_setval(&opt->sets, &opt->nsets, arg, "--set");
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

static void
run_option(int ch, char *arg, struct ingest_opts *opt)
{
	long n;

	switch (ch) {
	case OPT_DEFAULT_CURRENCY:
		opt->default_currency = arg;
		break;
	case OPT_DELIMITER:
		opt->delimiter = parse_delimiter(arg);
		break;
	case OPT_ENCODING:
		if (decode_encoding_known(arg) == -1)
			cdp_usage_die(usage, "--encoding: iconv cannot read "
			    "\"%s\" (see iconv -l)", arg);
		opt->encoding = arg;
		break;
	case OPT_MAX_REJECT_RATE:
		opt->max_reject_rate = parse_rate(arg);
		break;
	case OPT_MAX_REJECTS:
		if (cdp_parse_long(arg, 0, LONG_MAX, &n) == -1)
			cdp_usage_die(usage, "--max-rejects: expected a "
			    "count of 0 or more");
		opt->max_rejects = n;
		break;
	case OPT_REJECTS_WARNINGS:
		opt->rejects_warnings = true;
		break;
	case OPT_REPLACE:
		opt->replace = true;
		break;
	case OPT_STRICT:
		opt->strict = true;
		break;
	case OPT_TZ:
		if (!cdp_tz_valid(arg))
			cdp_usage_die(usage, "--tz: \"%s\" is not a zone of "
			    "the tz database (such as Europe/Berlin)", arg);
		opt->tz = arg;
		break;
	case OPT_UTC:
		opt->utc = true;
		break;
	default:
		field_option(ch, arg, opt);
	}
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
		if (*arg == '\0' || strchr(arg, '/') != NULL)
			cdp_usage_die(usage, "--source: empty name or a name "
			    "with /");
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
			spec_for(opt, items[i], NAMED_ONLY)->keep = true;
		break;
	}
	case OPT_REQUIRE:
		add_require(opt, arg);
		break;
	case OPT_TRIM:
		opt->trim = true;
		break;
	default:
		run_option(ch, arg, opt);
	}
}

bool
any_spec(const struct ingest_opts *opt, bool (*pred)(const struct fspec *))
{
	for (int i = 0; i < opt->nspecs; i++)
		if (pred(&opt->specs[i]))
			return true;
	return false;
}

static bool
is_hashed(const struct fspec *s)
{
	return s->hash;
}

static bool
is_phone(const struct fspec *s)
{
	return s->norm == CDP_N_PHONE ||
	    (s->hash && s->norm == CDP_N_NONE && s->hash_norm == CDP_N_PHONE);
}

static bool
is_money(const struct fspec *s)
{
	return s->type == T_MONEY;
}

static bool
is_time(const struct fspec *s)
{
	return s->type == T_DATETIME || s->type >= T_EPOCH_S ||
	    s->norm == CDP_N_DATETIME;
}

/* Options that only make sense with others. */
static void
check_combinations(const struct ingest_opts *opt)
{
	if (opt->hash_key_file != NULL && !any_spec(opt, is_hashed))
		cdp_usage_die(usage, "--hash-key-file needs --hash");
	if (opt->rejects_warnings && opt->common.rejects == NULL)
		cdp_usage_die(usage, "--rejects-warnings needs --rejects");
	if (opt->country_field != NULL && !any_spec(opt, is_phone))
		cdp_usage_die(usage, "--country-field needs a phone field "
		    "(--normalize phone or --hash phone)");
	if (opt->default_currency != NULL && !any_spec(opt, is_money))
		cdp_usage_die(usage, "--default-currency needs a money field "
		    "(--types F:money)");
	if ((opt->tz != NULL || opt->utc) && !any_spec(opt, is_time))
		cdp_usage_die(usage, "--%s needs a datetime or epoch field",
		    opt->tz != NULL ? "tz" : "utc");
	for (int i = 0; i < opt->nspecs; i++)
		if (opt->specs[i].decimal_comma &&
		    opt->specs[i].type != T_NUMBER &&
		    opt->specs[i].type != T_MONEY)
			cdp_usage_die(usage, "--decimal-comma: field \"%s\" is "
			    "not typed number or money", opt->specs[i].name);
	check_paths(opt);
}

int
parse_options(int argc, char *argv[], struct ingest_opts *opt)
{
	int ch;

	*opt = (struct ingest_opts){ .format = FMT_AUTO, .delimiter = -1,
	    .max_reject_rate = DEFAULT_MAX_REJECT_RATE, .max_rejects = -1 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "f:m:n:s:t:",
	    longopts, old_short)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt);
	check_combinations(opt);
	if (opt->nsources > 1 && opt->nsources != argc - optind)
		cdp_usage_die(usage, "--source: give one name, or one per "
		    "file (%d files)", argc - optind);
	return optind;
}

void
free_options(struct ingest_opts *opt)
{
	for (int i = 0; i < opt->nspecs; i++) {
		pcre2_code_free(opt->specs[i].re);
		free(opt->specs[i].vmap);
		free(opt->specs[i].cur_key);
	}
	for (int i = 0; i < opt->nrequire; i++)
		free(opt->require[i]);
	free(opt->require);
	free(opt->specs);
	free(opt->renames);
	free(opt->sources);
	free(opt->sets);
	free(opt->defaults);
	json_decref(opt->vmap_docs);
}
