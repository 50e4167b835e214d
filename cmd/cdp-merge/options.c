/* options.c - cdp-merge's command line into struct merge_opts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "diag.h"
#include "merge.h"
#include "norm.h"
#include "opts.h"

#define MAX_PARTS	10000	/* --part K/N: N at most */

static const char usage[] =
"usage: cdp-merge --ids F,... [options] [FILE...]\n"
"       cdp-merge [--ids F,...] --probabilistic --block KEYS --compare F:M,...\n"
"                 [options] [FILE...]\n"
"Identity resolution: records sharing a normalised identifier value are one\n"
"person, given one profile_id.\n"
"\n"
"  -i, --ids F,...           identifier fields (email, phone, ...)\n"
"  -n, --normalize F[:KIND],...\n"
"                            normalise F as KIND (default: email and phone\n"
"                            by name, other ids trimmed)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
"      --max-degree N        a value on more than N distinct identifier\n"
"                            sets does not link (default 50)\n"
"      --max-cluster N       report profiles of more than N records\n"
"      --ignore-values FILE  placeholder values that never link (one a line),\n"
"                            instead of the built-in list\n"
"      --no-default-ignore   do not ignore the built-in placeholder list\n"
"      --annotate            write every record with profile_id (default)\n"
"      --profiles            write one unified profile per person instead\n"
"      --rule F=RULE         how --profiles picks field F: most_frequent\n"
"                            (default), most_recent:TIMEFIELD,\n"
"                            source_priority:S1,S2,..., longest or all\n"
"      --all-ids             --profiles: all values of the --ids under _ids\n"
"      --prior FILE          keep the profile ids of a previous annotate output\n"
"      --id-map FILE         the ledger of ids merged or split\n"
"      --prior-map FILE      id maps of runs since --prior was written\n"
"      --replace             new ids for records carrying a profile_id\n"
"      --id-key-file FILE    keyed profile ids (pseudonyms)\n"
"      --allow-no-ids        run on when no record has an --ids field\n"
"      --emit-links --emit-prior --join-links --apply-map DIR --buckets N\n"
"      --part --hash-key-file --clear-links --gather N: see cdp-merge(1)\n"
"      --explain ID          instead of records, show for each record of\n"
"                            profile ID the identifiers that linked it\n"
"Probabilistic matching (Fellegi-Sunter):\n"
"      --probabilistic       also join records whose match probability\n"
"                            reaches --threshold P (default 0.9)\n"
"      --block K1,K2,...     candidate pairs: equal on every key: FIELD,\n"
"                            prefix(F,N), soundex(F), nysiis(F), year(F)\n"
"      --compare F:M,...     compare F (or F1+F2) by M: exact, jw(T,...),\n"
"                            lev(K,...), soundex, nysiis, jw_nysiis(T,...),\n"
"                            name_swap(T), date(DAYS), num(TOL,...),\n"
"                            geo(KM,...), or several joined by |\n"
"      --tf F,...            weigh exact agreement on F by frequency\n"
"      --settings FILE       model of a --train-only run (no fit)\n"
"      --train-block K,..., --prior-rule K,... [--prior-recall R]\n"
"                            rules that fit m, that give the prior\n"
"      --split-below P       cut clusters with a path weaker than P\n"
"      --max-block N, --max-iter N, --seed N, --allow-nonconverged,\n"
"      --allow-nonmonotone   limits of the blocks and the fit\n"
"      --link-only F [--one-to-one]  pair records of two F values only\n"
"      --train-only          print the fitted model instead of records\n"
"      --truth FIELD         print precision, recall, F1 by threshold\n"
"      --pairs FILE          every scored pair and cluster to FILE\n"
"  -o, --output FILE         write to FILE (atomically)\n"
"      --rejects FILE        write bad records to FILE and go on\n"
"      --stats               print the record account on stderr at the end\n"
"      --progress, --no-progress  progress bar of pass 1\n"
"      --max-record-bytes N  longest record (default 64M)\n"
"      --threads N           worker threads (cdpipe(7) THREADS)\n"
"      --verbose             messages may quote values (personal data)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

enum {
	OPT_ALL_IDS = CDP_OPT_PRIVATE,
	OPT_EXPLAIN,
	OPT_PAIRS,
	OPT_REPLACE,
	OPT_ID_KEY_FILE,
	OPT_ID_MAP,
	OPT_IGNORE_VALUES,
	OPT_MAX_CLUSTER,
	OPT_MAX_DEGREE,
	OPT_NO_DEFAULT_IGNORE,
	OPT_PRIOR,
	OPT_PROBABILISTIC,
	OPT_BLOCK,
	OPT_COMPARE,
	OPT_SETTINGS,
	OPT_THRESHOLD,
	OPT_MAX_BLOCK,
	OPT_MAX_ITER,
	OPT_ALLOW_NONCONVERGED,
	OPT_SEED,
	OPT_TRAIN_ONLY,
	OPT_EMIT_LINKS,
	OPT_EMIT_PRIOR,
	OPT_JOIN_LINKS,
	OPT_APPLY_MAP,
	OPT_BUCKETS,
	OPT_PART,
	OPT_HASH_KEY_FILE,
	OPT_CLEAR_LINKS,
	OPT_GATHER,
	OPT_TF,
	OPT_TRAIN_BLOCK,
	OPT_PRIOR_RULE,
	OPT_PRIOR_RECALL,
	OPT_SPLIT_BELOW,
	OPT_ALLOW_NONMONOTONE,
	OPT_LINK_ONLY,
	OPT_ONE_TO_ONE,
	OPT_TRUTH,
	OPT_PRIOR_MAP,
	OPT_ALLOW_NO_IDS
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_THREADS_LONGOPT,
	CDP_NORM_LONGOPTS,
	{ "all-ids", no_argument, NULL, OPT_ALL_IDS },
	{ "allow-no-ids", no_argument, NULL, OPT_ALLOW_NO_IDS },
	{ "allow-nonconverged", no_argument, NULL, OPT_ALLOW_NONCONVERGED },
	{ "allow-nonmonotone", no_argument, NULL, OPT_ALLOW_NONMONOTONE },
	{ "annotate", no_argument, NULL, 'a' },
	{ "apply-map", required_argument, NULL, OPT_APPLY_MAP },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ "clear-links", no_argument, NULL, OPT_CLEAR_LINKS },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "emit-links", no_argument, NULL, OPT_EMIT_LINKS },
	{ "emit-prior", no_argument, NULL, OPT_EMIT_PRIOR },
	{ "gather", required_argument, NULL, OPT_GATHER },
	{ "hash-key-file", required_argument, NULL, OPT_HASH_KEY_FILE },
	{ "join-links", no_argument, NULL, OPT_JOIN_LINKS },
	{ "link-only", required_argument, NULL, OPT_LINK_ONLY },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "max-iter", required_argument, NULL, OPT_MAX_ITER },
	{ "one-to-one", no_argument, NULL, OPT_ONE_TO_ONE },
	{ "prior-recall", required_argument, NULL, OPT_PRIOR_RECALL },
	{ "prior-rule", required_argument, NULL, OPT_PRIOR_RULE },
	{ "probabilistic", no_argument, NULL, OPT_PROBABILISTIC },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "settings", required_argument, NULL, OPT_SETTINGS },
	{ "split-below", required_argument, NULL, OPT_SPLIT_BELOW },
	{ "tf", required_argument, NULL, OPT_TF },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "train-block", required_argument, NULL, OPT_TRAIN_BLOCK },
	{ "train-only", no_argument, NULL, OPT_TRAIN_ONLY },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "id-key-file", required_argument, NULL, OPT_ID_KEY_FILE },
	{ "id-map", required_argument, NULL, OPT_ID_MAP },
	{ "ids", required_argument, NULL, 'i' },
	{ "ignore-values", required_argument, NULL, OPT_IGNORE_VALUES },
	{ "max-cluster", required_argument, NULL, OPT_MAX_CLUSTER },
	{ "max-degree", required_argument, NULL, OPT_MAX_DEGREE },
	{ "no-default-ignore", no_argument, NULL, OPT_NO_DEFAULT_IGNORE },
	{ "normalize", required_argument, NULL, 'n' },
	{ "pairs", required_argument, NULL, OPT_PAIRS },
	{ "part", required_argument, NULL, OPT_PART },
	{ "prior", required_argument, NULL, OPT_PRIOR },
	{ "prior-map", required_argument, NULL, OPT_PRIOR_MAP },
	{ "profiles", no_argument, NULL, 'p' },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "rule", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'a', "annotate" },
	{ 'p', "profiles" },
	{ 'r', "rule" },
	{ 0, NULL }
};

/*
 * Placeholders people type into forms when they will not give a real
 * value.  Compared with the trimmed, ASCII-lowercased value before and
 * after normalisation.  Listed in cdp-merge(1): keep the two in step.
 */
const char *const merge_default_ignore[] = {
	"-", ".", "?", "0", "n/a", "na", "none", "null", "nil",
	"unknown", "undefined", "test", "xxx",
	"test@test.com", "test@example.com", "noemail@noemail.com",
	"no@email.com", "none@none.com", "email@email.com",
	"0000000000", "00000000000", "1111111111", "1234567890",
	"9999999999", "+10000000000",
	NULL
};

#define MAXLIST	256

/* Normalisations given before --ids name fields not yet known: keep
 * them and apply after parsing. */
struct pending {
	char	*name;
	enum cdp_norm_kind kind;
};

static void
add_ids(struct merge_opts *opt, char *arg)
{
	char *items[MAX_IDS];
	int n = cdp_split_list(arg, items, MAX_IDS);

	if (n == -1)
		cdp_usage_die(usage, "--ids: empty item or more than %d items",
		    MAX_IDS);
	for (int i = 0; i < n; i++) {
		struct idfield *f;

		for (int j = 0; j < opt->nids; j++)
			if (strcmp(opt->ids[j].name, items[i]) == 0)
				cdp_usage_die(usage, "--ids: \"%s\" given "
				    "twice", items[i]);
		if (opt->nids == MAX_IDS)
			cdp_usage_die(usage, "--ids: more than %d fields",
			    MAX_IDS);
		f = &opt->ids[opt->nids++];
		f->name = items[i];
		f->nlen = strlen(items[i]);
		if (strcmp(items[i], "email") == 0)
			f->norm = CDP_N_EMAIL;
		else if (strcmp(items[i], "phone") == 0)
			f->norm = CDP_N_PHONE;
		else
			f->norm = CDP_N_NONE;
	}
}

static int
add_norms(char *arg, struct pending *pend, int npend)
{
	char *items[MAXLIST];
	int n = cdp_split_list(arg, items, MAXLIST);

	if (n == -1)
		cdp_usage_die(usage, "--normalize: empty item or too many "
		    "items");
	for (int i = 0; i < n; i++) {
		enum cdp_norm_kind kind;
		struct cdp_err err;
		char *name;

		if (cdp_norm_item_parse(items[i], "--normalize", false, &name,
		    &kind, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		if (npend == MAXLIST)
			cdp_usage_die(usage, "--normalize: too many items");
		pend[npend++] = (struct pending){ name, kind };
	}
	return npend;
}

static void
add_rule(struct merge_opts *opt, char *arg)
{
	char *eq = strchr(arg, '='), *colon;
	struct rule *r;

	if (eq == NULL || eq == arg)
		cdp_usage_die(usage, "--rule: expected FIELD=RULE");
	*eq++ = '\0';
	for (int i = 0; i < opt->nrules; i++)
		if (strcmp(opt->rules[i].field, arg) == 0)
			cdp_usage_die(usage, "--rule: \"%s\" given twice", arg);
	if (opt->nrules == MAX_RULES)
		cdp_usage_die(usage, "--rule: more than %d rules", MAX_RULES);
	r = &opt->rules[opt->nrules++];
	*r = (struct rule){ .field = arg, .flen = strlen(arg) };
	if ((colon = strchr(eq, ':')) != NULL)
		*colon++ = '\0';
	if (strcmp(eq, "most_frequent") == 0 && colon == NULL)
		r->kind = R_MOST_FREQUENT;
	else if (strcmp(eq, "longest") == 0 && colon == NULL)
		r->kind = R_LONGEST;
	else if (strcmp(eq, "all") == 0 && colon == NULL)
		r->kind = R_ALL;
	else if (strcmp(eq, "most_recent") == 0 && colon != NULL &&
	    *colon != '\0')
		r->kind = R_MOST_RECENT;
	else if (strcmp(eq, "source_priority") == 0 && colon != NULL)
		r->kind = R_SOURCE_PRIORITY;
	else
		cdp_usage_die(usage, "--rule: %s: expected most_frequent, "
		    "most_recent:FIELD, source_priority:S1,S2,..., longest "
		    "or all", arg);
	r->arg = colon;
	r->alen = colon ? strlen(colon) : 0;
	if (r->kind == R_SOURCE_PRIORITY &&
	    (r->nsrcs = cdp_split_list(colon, r->srcs, MAX_SOURCES)) == -1)
		cdp_usage_die(usage, "--rule: %s: empty source name or more "
		    "than %d sources", arg, MAX_SOURCES);
}

static long
number(const char *arg, const char *o, long min)
{
	long v;

	if (cdp_parse_long(arg, min, 0x7fffffffL, &v) == -1)
		cdp_usage_die(usage, "%s: expected a whole number from %ld",
		    o, min);
	return v;
}

/* A probability in (0, 1], or [0, 1] with zero. */
static double
probability(const char *arg, const char *o, bool zero)
{
	double v;

	if (cdp_parse_double(arg, &v) == -1 || v > 1 || v < 0 ||
	    (v == 0 && !zero))
		cdp_usage_die(usage, "%s: expected a probability from 0 to 1%s",
		    o, zero ? "" : ", not 0");
	return v;
}

/* --part K/N: a byte range of the one input instead of a name, its
 * slice named K-of-N. */
static void
part_range(struct merge_opts *opt, const char *arg)
{
	const char *slash = strchr(arg, '/');
	char k[24];

	opt->part_k = opt->part_n = 0;
	/* Else a name, which cannot hold a '/'. */
	if (slash == NULL || *arg < '0' || *arg > '9')
		return;
	if ((size_t)(slash - arg) >= sizeof(k))
		cdp_usage_die(usage, "--part: expected K/N, 1 <= K <= N <= "
		    "%d", MAX_PARTS);
	memcpy(k, arg, (size_t)(slash - arg));
	k[slash - arg] = '\0';
	if (cdp_parse_long(slash + 1, 1, MAX_PARTS, &opt->part_n) == -1 ||
	    cdp_parse_long(k, 1, opt->part_n, &opt->part_k) == -1)
		cdp_usage_die(usage, "--part: expected K/N, 1 <= K <= N <= "
		    "%d", MAX_PARTS);
	snprintf(opt->part_name, sizeof(opt->part_name), "%ld-of-%ld",
	    opt->part_k, opt->part_n);
	opt->part = opt->part_name;
}

static void	prob_option(int, char *, struct merge_opts *);

static void
private_option(int ch, char *arg, struct merge_opts *opt,
    struct pending *pend, int *npend)
{
	switch (ch) {
	case 'a':
		opt->profiles = false;
		break;
	case 'i':
		add_ids(opt, arg);
		break;
	case 'n':
		*npend = add_norms(arg, pend, *npend);
		break;
	case 'p':
		opt->profiles = true;
		break;
	case 'r':
		add_rule(opt, arg);
		break;
	case OPT_EXPLAIN:
		if (*arg == '\0')
			cdp_usage_die(usage, "--explain: empty profile id");
		opt->explain = arg;
		break;
	case OPT_ID_KEY_FILE:
		opt->id_key = arg;
		break;
	case OPT_ID_MAP:
		opt->id_map = arg;
		break;
	case OPT_ALL_IDS:
		opt->all_ids = true;
		break;
	case OPT_REPLACE:
		opt->replace = true;
		break;
	case OPT_ALLOW_NO_IDS:
		opt->allow_no_ids = true;
		break;
	case OPT_EMIT_LINKS:
		opt->emit_links = true;
		break;
	case OPT_EMIT_PRIOR:
		opt->emit_prior = true;
		break;
	case OPT_JOIN_LINKS:
		opt->join_links = true;
		break;
	case OPT_APPLY_MAP:
		opt->apply_map = arg;
		break;
	case OPT_BUCKETS:
		opt->buckets = number(arg, "--buckets", 1);
		if (opt->buckets > 256)
			cdp_usage_die(usage, "--buckets: at most 256");
		break;
	case OPT_PART:
		opt->part = arg;
		part_range(opt, arg);
		break;
	case OPT_HASH_KEY_FILE:
		opt->hash_key = arg;
		break;
	case OPT_CLEAR_LINKS:
		opt->clear_links = true;
		break;
	case OPT_GATHER:
		if (cdp_parse_long(arg, 0, 0x7fffffffL, &opt->gather) == -1)
			cdp_usage_die(usage, "--gather: expected a whole "
			    "number from 0");
		opt->gather_set = true;
		break;
	case OPT_PRIOR:
		opt->prior = arg;
		break;
	case OPT_PRIOR_MAP:
		opt->prior_map = arg;
		break;
	case OPT_IGNORE_VALUES:
		opt->ignore_file = arg;
		opt->default_ignore = false;
		break;
	case OPT_MAX_CLUSTER:
		opt->max_cluster = number(arg, "--max-cluster", 1);
		break;
	case OPT_MAX_DEGREE:
		opt->max_degree = number(arg, "--max-degree", 1);
		break;
	case OPT_NO_DEFAULT_IGNORE:
		opt->default_ignore = false;
		break;
	default:
		prob_option(ch, arg, opt);
	}
}

/* The first probabilistic option given, for "needs --probabilistic". */
static const char *prob_first;

static void
prob_option(int ch, char *arg, struct merge_opts *opt)
{
	struct prob_spec *s = &opt->prob;
	struct cdp_err err;

	if (prob_first == NULL && ch != OPT_PROBABILISTIC)
		for (const struct option *o = longopts; o->name != NULL; o++)
			if (o->val == ch)
				prob_first = o->name;
	switch (ch) {
	case OPT_PROBABILISTIC:
		opt->probabilistic = true;
		break;
	case OPT_BLOCK:
		if (prob_add_rule(s, &s->block, "--block", arg, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		break;
	case OPT_TRAIN_BLOCK:
		if (prob_add_rule(s, &s->train, "--train-block", arg,
		    &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		break;
	case OPT_PRIOR_RULE:
		if (prob_add_rule(s, &s->prior_rules, "--prior-rule", arg,
		    &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		break;
	case OPT_PRIOR_RECALL:
		s->prior_recall = probability(arg, "--prior-recall", false);
		break;
	case OPT_SPLIT_BELOW:
		opt->split_below = probability(arg, "--split-below", false);
		break;
	case OPT_TF:
		s->tf_list = arg;
		break;
	case OPT_ALLOW_NONMONOTONE:
		s->allow_nonmonotone = true;
		break;
	case OPT_LINK_ONLY:
		if (*arg == '\0')
			cdp_usage_die(usage, "--link-only: empty field name");
		s->link_only = arg;
		break;
	case OPT_ONE_TO_ONE:
		s->one_to_one = true;
		break;
	case OPT_TRUTH:
		if (*arg == '\0')
			cdp_usage_die(usage, "--truth: empty field name");
		opt->truth = arg;
		break;
	case OPT_COMPARE:
		if (prob_add_compare(s, arg, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		break;
	case OPT_SETTINGS:
		s->settings = arg;
		break;
	case OPT_THRESHOLD:
		s->threshold = probability(arg, "--threshold", true);
		s->threshold_set = true;
		break;
	case OPT_MAX_BLOCK:
		if (cdp_parse_long(arg, 2, CDP_BLOCK_MAX_LIMIT,
		    &s->max_block) == -1)
			cdp_usage_die(usage, "--max-block: expected a whole "
			    "number from 2 to %d", CDP_BLOCK_MAX_LIMIT);
		break;
	case OPT_MAX_ITER:
		s->max_iter = number(arg, "--max-iter", 1);
		break;
	case OPT_ALLOW_NONCONVERGED:
		s->allow_nonconverged = true;
		break;
	case OPT_SEED:
		s->seed = (unsigned long)number(arg, "--seed", 0);
		break;
	case OPT_TRAIN_ONLY:
		s->train_only = true;
		break;
	case OPT_PAIRS:
		s->explain = arg;
		break;
	default:
		cdp_usage_die(usage, "internal: option %d not handled", ch);
	}
}

/* The probabilistic options make sense together, or not at all. */
static void
check_prob(struct merge_opts *opt)
{
	struct prob_spec *s = &opt->prob;
	struct cdp_err err;

	if (!opt->probabilistic) {
		if (prob_first != NULL)
			cdp_usage_die(usage, "--%s needs --probabilistic",
			    prob_first);
		return;
	}
	if (s->settings != NULL && s->ncmps > 0)
		cdp_usage_die(usage, "--settings and --compare exclude each "
		    "other");
	if (s->settings != NULL && prob_load_settings(s, s->settings,
	    &err) == -1)
		cdp_usage_die(usage, "--settings: %s", err.msg);
	if (prob_check(s, &err) == -1)
		cdp_usage_die(usage, "%s", err.msg);
	if (s->train_only && opt->profiles)
		cdp_usage_die(usage, "--train-only and --profiles exclude "
		    "each other");
	if (s->train_only && s->explain != NULL)
		cdp_usage_die(usage, "--train-only and --pairs exclude each "
		    "other");
	if (s->one_to_one && s->link_only == NULL)
		cdp_usage_die(usage, "--one-to-one needs --link-only");
	if (s->prior_recall > 0 && s->prior_rules.n == 0)
		cdp_usage_die(usage, "--prior-recall needs --prior-rule");
	if (s->prior_recall == 0)
		s->prior_recall = 1;
	if (opt->truth != NULL && (s->train_only || opt->profiles))
		cdp_usage_die(usage, "--truth excludes --train-only and "
		    "--profiles");
}

/* The part's name must make a file name: [A-Za-z0-9][A-Za-z0-9._-]*. */
static bool
part_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 100 || !((*s >= 'a' && *s <= 'z') ||
	    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* The options that only a phase over partitions takes. */
static void
check_phase_only(const struct merge_opts *opt)
{
	const char *only = opt->gather_set ? "--gather" :
	    opt->buckets > 0 ? "--buckets" :
	    opt->part != NULL ? "--part" : opt->hash_key != NULL ?
	    "--hash-key-file" : opt->clear_links ? "--clear-links" : NULL;

	if (only != NULL)
		cdp_usage_die(usage, "%s needs --emit-links, --emit-prior, "
		    "--join-links or --apply-map", only);
}

/*
 * --emit-links, --emit-prior, --join-links and --apply-map: one at a
 * time, without the options of a one-process run they cannot honour, and
 * with what each needs: keyed hashes or --clear-links, a folder.
 */
static void
check_phases(const struct merge_opts *opt, int noperands)
{
	const char *phase = opt->emit_links ? "--emit-links" :
	    opt->emit_prior ? "--emit-prior" :
	    opt->join_links ? "--join-links" :
	    opt->apply_map != NULL ? "--apply-map" : NULL;

	if (phase == NULL) {
		check_phase_only(opt);
		return;
	}
	if (opt->emit_links + opt->emit_prior + opt->join_links +
	    (opt->apply_map != NULL) > 1)
		cdp_usage_die(usage, "--emit-links, --emit-prior, --join-links "
		    "and --apply-map exclude each other");
	if (opt->probabilistic || opt->profiles || opt->explain != NULL)
		cdp_usage_die(usage, "%s excludes --probabilistic, "
		    "--profiles and --explain", phase);
	if (opt->prior != NULL || opt->id_map != NULL)
		cdp_usage_die(usage, "%s: --prior and --id-map belong to one "
		    "process (over partitions: --emit-prior, and the join's "
		    "id-map.ndjson)", phase);
	if ((opt->hash_key != NULL) == opt->clear_links)
		cdp_usage_die(usage, "%s: give --hash-key-file FILE (keyed "
		    "hashes, the default) or --clear-links, not both or "
		    "neither", phase);
	if ((opt->emit_links || opt->emit_prior) != (opt->buckets > 0))
		cdp_usage_die(usage, opt->buckets > 0 ? "%s: --buckets belongs "
		    "to --emit-links and --emit-prior" : "%s needs --buckets",
		    phase);
	if ((opt->emit_links || opt->emit_prior || opt->join_links) &&
	    opt->common.output == NULL)
		cdp_usage_die(usage, "%s needs -o DIR, the join folder", phase);
	if (opt->join_links && noperands != 1)
		cdp_usage_die(usage, "--join-links: expected one operand, a "
		    "bucket folder DIR/to-B");
	if (opt->gather_set && !opt->join_links)
		cdp_usage_die(usage, "%s: --gather belongs to --join-links",
		    phase);
	if (opt->join_links && opt->part != NULL)
		cdp_usage_die(usage, "--join-links: --part belongs to the "
		    "parts' phases");
	if (opt->part_n > 0 && ((!opt->emit_links && opt->apply_map ==
	    NULL) || noperands != 1))
		cdp_usage_die(usage, "--part K/N: one input file of "
		    "--emit-links or --apply-map");
	if (opt->part != NULL && !part_name_ok(opt->part))
		cdp_usage_die(usage, "--part: expected a name of letters, "
		    "digits, '.', '_' and '-', starting with a letter or a "
		    "digit, or K/N");
}

int
parse_options(int argc, char *argv[], struct merge_opts *opt)
{
	struct pending pend[MAXLIST];
	int ch, npend = 0;

	*opt = (struct merge_opts){ .max_degree = 50,
	    .default_ignore = true, .gather = 4000000 };
	opt->prob = (struct prob_spec){ .prior = -1, .threshold = 0.9,
	    .max_block = CDP_BLOCK_MAX_DEFAULT, .seed = 1, .max_iter = 200 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "ai:n:pr:",
	    longopts, old_short)) != -1)
		if (!cdp_opt_common(ch, optarg, &opt->common, usage))
			private_option(ch, optarg, opt, pend, &npend);
	check_prob(opt);
	if (opt->nids == 0 && !opt->probabilistic)
		cdp_usage_die(usage, "--ids is required");
	if (opt->prior_map != NULL && opt->prior == NULL)
		cdp_usage_die(usage, "--prior-map needs --prior");
	if (opt->all_ids && !opt->profiles)
		cdp_usage_die(usage, "--all-ids needs --profiles");
	if (opt->explain != NULL && opt->profiles)
		cdp_usage_die(usage, "--explain and --profiles exclude each "
		    "other");
	if (opt->nrules > 0 && !opt->profiles)
		cdp_usage_die(usage, "--rule needs --profiles");
	check_phases(opt, argc - optind);
	for (int i = 0; i < npend; i++) {
		int j;

		for (j = 0; j < opt->nids; j++)
			if (strcmp(opt->ids[j].name, pend[i].name) == 0)
				break;
		if (j == opt->nids)
			cdp_usage_die(usage, "--normalize: \"%s\" is not one "
			    "of --ids", pend[i].name);
		opt->ids[j].norm = pend[i].kind;
	}
	return optind;
}

void
free_options(struct merge_opts *opt)
{
	prob_spec_free(&opt->prob);
}
