/* options.c - cdp-export's command line into struct export_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xalloc.h"
#include "export.h"

static const char usage[] =
"usage: cdp-export --platform google|meta|generic [options] [FILE...]\n"
"Write an audience file (CSV or NDJSON) from NDJSON profile records (files\n"
"or stdin): the selected identifiers of consenting profiles, normalised\n"
"and SHA-256 hashed as the platform's customer-match upload expects.\n"
"\n"
"      --platform NAME       google, meta or generic\n"
"      --fields LIST         columns NAME[=PATH][:KIND],... (default\n"
"                            email,phone; KIND for generic only)\n"
"      --consent PATH        export only records where PATH is true\n"
"                            (default consent.ads for google and meta)\n"
"      --no-consent-filter   export every record\n"
"      --no-hash             write normalised values in clear\n"
"  -f, --format FMT          csv (default) or ndjson\n"
CDP_NORM_USAGE
CDP_UNBUFFERED_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_CONSENT = CDP_OPT_PRIVATE,
	OPT_NO_CONSENT,
	OPT_NO_HASH
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_UNBUFFERED_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "consent", required_argument, NULL, OPT_CONSENT },
	{ "fields", required_argument, NULL, 'c' },
	{ "format", required_argument, NULL, 'f' },
	{ "no-consent-filter", no_argument, NULL, OPT_NO_CONSENT },
	{ "no-hash", no_argument, NULL, OPT_NO_HASH },
	{ "platform", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'c', "fields" },
	{ 'p', "platform" },
	{ 0, NULL }
};

#define MAX_FIELDS	64

/* An identifier: [A-Za-z_][A-Za-z0-9_]*, as a step of an expression path. */
static bool
ident_ok(const char *s, size_t n)
{
	if (n == 0 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/*
 * A source path: a key without '.' is looked up at the top level as
 * written; a dotted path must be identifiers joined by '.' and is
 * compiled as an expression path, which walks nested objects.
 */
static void
set_src(struct src *sr, const char *path, const char *opt)
{
	struct cdp_expr_err e;
	const char *p, *dot;

	if (*path == '\0')
		cdp_usage_die(usage, "%s: empty field path", opt);
	sr->path = cdp_xstrdup(path);
	sr->expr = NULL;
	if (strchr(path, '.') == NULL)
		return;
	for (p = path;; p = dot + 1) {
		dot = strchr(p, '.');
		if (!ident_ok(p, dot ? (size_t)(dot - p) : strlen(p)))
			cdp_usage_die(usage, "%s: bad field path \"%s\" "
			    "(names of letters, digits and _ joined by .)",
			    opt, path);
		if (dot == NULL)
			break;
	}
	if ((sr->expr = cdp_expr_compile(path, strlen(path), NULL,
	    &e)) == NULL)
		cdp_die(e.line == 0 ? EX_OSERR : EX_USAGE, NULL, 0,
		    "%s: %s: %s", opt, path, e.msg);
}

/* The ":KIND" suffix of a generic column, cut off item in place. */
static enum cdp_norm_kind
cut_kind(struct export_opts *opt, char *item, bool *explicit)
{
	char *colon = strrchr(item, ':');
	enum cdp_norm_kind k = CDP_N_NONE;

	*explicit = colon != NULL;
	if (colon == NULL)
		return CDP_N_NONE;
	if (opt->platform != P_GENERIC)
		cdp_usage_die(usage, "--fields: \"%s\": a KIND is for "
		    "--platform generic only", item);
	if (cdp_norm_kind_parse(colon + 1, &k) == -1)
		cdp_usage_die(usage, "--fields: unknown kind \"%s\" "
		    "(one of %s)", colon + 1, cdp_norm_kind_names());
	*colon = '\0';
	return k;
}

static void
add_col(struct export_opts *opt, char *item)
{
	struct col *c = &opt->cols[opt->ncols];
	const char *header, *path;
	char *eq;
	bool explicit;

	c->norm = cut_kind(opt, item, &explicit);
	path = item;
	if ((eq = strchr(item, '=')) != NULL) {
		*eq = '\0';
		path = eq + 1;
	}
	if (*item == '\0')
		cdp_usage_die(usage, "--fields: empty column name");
	if (opt->platform == P_GENERIC) {
		c->kind = K_GENERIC;
		c->hashable = true;
		c->hash = opt->hash;
		header = item;
		/* As cdp-ingest --hash does: a bare name that is a kind
		 * ("email", "phone") is normalised as that kind. */
		if (!explicit && cdp_norm_kind_parse(item, &c->norm) == -1)
			c->norm = CDP_N_NONE;
		if (c->norm == CDP_N_COUNTRY)
			opt->need_countries = true;
	} else {
		if (platform_col(opt->platform, item, &header, &c->kind,
		    &c->hash) == -1)
			cdp_usage_die(usage, "--fields: unknown column \"%s\" "
			    "for this platform (one of %s)", item,
			    platform_col_names(opt->platform));
		c->hashable = c->hash;
		c->hash = c->hash && opt->hash;
		if (c->kind == K_COUNTRY)
			opt->need_countries = true;
	}
	for (size_t i = 0; i < opt->ncols; i++)
		if (strcmp(opt->cols[i].header, header) == 0)
			cdp_usage_die(usage, "--fields: column \"%s\" given "
			    "twice", item);
	c->header = cdp_xstrdup(header);
	set_src(&c->src, path, "--fields");
	opt->ncols++;
}

static void
set_fields(struct export_opts *opt, const char *list)
{
	char *copy = cdp_xstrdup(list), *items[MAX_FIELDS];
	int n = cdp_split_list(copy, items, MAX_FIELDS);

	if (n <= 0)
		cdp_usage_die(usage, "--fields: expected a list of at most %d "
		    "names with no empty item", MAX_FIELDS);
	opt->cols = cdp_xcalloc((size_t)n, sizeof(*opt->cols));
	for (int i = 0; i < n; i++)
		add_col(opt, items[i]);
	free(copy);
}

static enum platform
parse_platform(const char *s)
{
	if (strcmp(s, "google") == 0)
		return P_GOOGLE;
	if (strcmp(s, "meta") == 0)
		return P_META;
	if (strcmp(s, "generic") == 0)
		return P_GENERIC;
	cdp_usage_die(usage, "--platform: unknown platform \"%s\" (google, "
	    "meta or generic)", s);
}

/* Settle what depends on several options once they are all read. */
static void
finish(struct export_opts *opt, const char *platform, const char *fields,
    const char *consent, bool no_consent)
{
	if (platform == NULL)
		cdp_usage_die(usage, "--platform is required");
	opt->platform = parse_platform(platform);
	if (consent != NULL && no_consent)
		cdp_usage_die(usage, "--consent and --no-consent-filter "
		    "exclude each other");
	if (consent == NULL && !no_consent) {
		/* A messaging list has no one channel to default to. */
		if (opt->platform == P_GENERIC)
			cdp_usage_die(usage, "--platform generic needs "
			    "--consent PATH or --no-consent-filter");
		consent = "consent.ads";
	}
	if (consent != NULL)
		set_src(&opt->consent, consent, "--consent");
	set_fields(opt, fields != NULL ? fields : "email,phone");
}

int
parse_options(int argc, char *argv[], struct export_opts *opt)
{
	const char *platform = NULL, *fields = NULL, *consent = NULL;
	bool no_consent = false;
	int ch;

	memset(opt, 0, sizeof(*opt));
	opt->hash = true;
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "c:f:p:",
	    longopts, old_short)) != -1) {
		switch (ch) {
		case 'c':
			fields = optarg;
			break;
		case 'p':
			platform = optarg;
			break;
		case OPT_CONSENT:
			consent = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				opt->format = F_CSV;
			else if (strcmp(optarg, "ndjson") == 0)
				opt->format = F_NDJSON;
			else
				cdp_usage_die(usage, "--format: unknown format "
				    "\"%s\" (csv or ndjson)", optarg);
			break;
		case OPT_NO_CONSENT:
			no_consent = true;
			break;
		case OPT_NO_HASH:
			opt->hash = false;
			break;
		default:
			(void)cdp_opt_common(ch, optarg, &opt->common, usage);
			break;
		}
	}
	finish(opt, platform, fields, consent, no_consent);
	return optind;
}

static void
free_src(struct src *sr)
{
	free(sr->path);
	cdp_expr_free(sr->expr);
}

void
free_options(struct export_opts *opt)
{
	for (size_t i = 0; i < opt->ncols; i++) {
		free(opt->cols[i].header);
		free_src(&opt->cols[i].src);
		cdp_buf_free(&opt->cols[i].raw);
		cdp_buf_free(&opt->cols[i].out);
	}
	free(opt->cols);
	free_src(&opt->consent);
}
