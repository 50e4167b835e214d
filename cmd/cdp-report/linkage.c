/*
 * linkage.c - cdp-report linkage: what an analyst reads of a record
 * linkage (cdp-merge --probabilistic).  The input holds any of what
 * cdp-merge writes about one: the model (--train-only, one line), the
 * scored pairs and clusters (--pairs), the evaluation by threshold
 * (--truth); each line is known by its fields.  The report shows the
 * model's levels (match weight, m and u, as Splink draws them), a
 * histogram of the pairs' match weights, a waterfall for each pair asked
 * for, precision, recall and F1 by threshold, and the clusters by size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "each.h"
#include "xalloc.h"
#include "report.h"

#define MAXPAIRS	16
#define QUARTER		4	/* fine bins per bit */
#define MAXW		10000	/* |weight| of a pair, bits */
#define NFINE		(2 * MAXW * QUARTER + 1)
#define AUTOBINS	40	/* at most this many bins by default */

static const char usage[] =
"usage: cdp-report linkage [--pair A,B]... [--bin-width BITS] [options]\n"
"                          [FILE...]\n"
"A record linkage read as charts: FILEs hold what cdp-merge --probabilistic\n"
"writes, in any mix: the model (--train-only), the scored pairs and the\n"
"clusters (--pairs FILE), the evaluation by threshold (--truth).\n"
"      --pair A,B            a waterfall of the weights of the pair of\n"
"                            records A and B (as the pairs file names\n"
"                            them); repeatable\n"
"      --bin-width BITS      the histogram's bins (a multiple of 0.25;\n"
"                            default: the smallest of 0.25, 0.5, 1, 2, 5,\n"
"                            10, ... giving at most 40 bins)\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum { OPT_PAIR = REPORT_OPT_PRIVATE, OPT_BIN_WIDTH };

static const struct option longopts[] = {
	{ "bin-width", required_argument, NULL, OPT_BIN_WIDTH },
	{ "pair", required_argument, NULL, OPT_PAIR },
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* The clusters of one size. */
struct csize {
	double		 records;
	uint64_t	 clusters, bridged;
	double		 min_density, min_weakest;
};

struct linkage {
	struct report_opts	 ro;
	const char		*want[MAXPAIRS];	/* --pair */
	int			 nwant;
	double			 binw;		/* --bin-width, 0: chosen */
	json_t			*model;
	json_t			*pair[MAXPAIRS];	/* found, or NULL */
	json_t			*evals;		/* evaluation lines */
	uint64_t		*fine;		/* pairs per quarter bit */
	uint64_t		*fine_links;
	long			 fmin, fmax;	/* bins seen */
	struct csize		*cs;
	size_t			 ncs;
	struct cdp_buf		 s1, s2, ab;
	char			 why[160];
	/* --stats */
	unsigned long long	 models, pairs, clusters, thresholds;
};

/* ---- options ---- */

static void
parse_options(int argc, char **argv, struct linkage *l)
{
	int ch;

	report_opts_init(&l->ro, "linkage");
	while ((ch = getopt_long(argc, argv, REPORT_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (report_opt(ch, optarg, &l->ro, usage))
			continue;
		switch (ch) {
		case OPT_PAIR:
			if (l->nwant == MAXPAIRS)
				cdp_usage_die(usage, "--pair: at most %d",
				    MAXPAIRS);
			if (strchr(optarg, ',') == NULL)
				cdp_usage_die(usage, "--pair: expected A,B, "
				    "two records as the pairs file names them");
			l->want[l->nwant++] = optarg;
			break;
		case OPT_BIN_WIDTH:
			if (cdp_parse_double(optarg, &l->binw) == -1 ||
			    !(l->binw > 0 && l->binw <= 1000) ||
			    l->binw * QUARTER != nearbyint(l->binw * QUARTER))
				cdp_usage_die(usage, "--bin-width: expected a "
				    "multiple of 0.25 from 0.25 to 1000");
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	report_opts_done(&l->ro, usage);
}

/* ---- reading ---- */

/* Set *why to "FIELD: REASON" (l->why). */
static int
bad(struct linkage *l, const char **why, const char *field,
    const char *reason)
{
	snprintf(l->why, sizeof(l->why), "%s: %s", field, reason);
	*why = l->why;
	return -1;
}

static bool
is_share(const json_t *v)
{
	return json_is_number(v) && json_number_value(v) >= 0 &&
	    json_number_value(v) <= 1;
}

/* A fitted model: every level with its m, u and weight. */
static int
model(struct linkage *l, json_t *j, const char **why)
{
	const json_t *cmp = json_object_get(j, "compare"), *c, *lv, *x;
	size_t i, k;

	if (l->model != NULL)
		return bad(l, why, "compare", "a second model");
	if (!json_is_number(json_object_get(j, "prior")) ||
	    !(json_number_value(json_object_get(j, "prior")) > 0 &&
	    json_number_value(json_object_get(j, "prior")) < 1))
		return bad(l, why, "prior", "not a share above 0 and below 1 "
		    "(a model fitted by cdp-merge --train-only has one)");
	if (!json_is_array(cmp) || json_array_size(cmp) == 0)
		return bad(l, why, "compare", "not a list of comparisons");
	json_array_foreach(cmp, i, c) {
		if (!json_is_string(json_object_get(c, "field")) ||
		    !json_is_array(json_object_get(c, "levels")))
			return bad(l, why, "compare", "a comparison without "
			    "field and levels");
		json_array_foreach(json_object_get(c, "levels"), k, lv)
			if (!json_is_string(json_object_get(lv, "level")) ||
			    !is_share(json_object_get(lv, "m")) ||
			    !is_share(json_object_get(lv, "u")) ||
			    !json_is_number(json_object_get(lv, "weight")))
				return bad(l, why, "compare", "a level without "
				    "its m, u and weight (fit the model "
				    "first)");
		x = json_object_get(c, "method");
		if (x != NULL && !json_is_string(x))
			return bad(l, why, "method", "not a string");
	}
	l->model = json_incref(j);
	l->models++;
	return 0;
}

/* An evaluation line: threshold, precision, recall and F1 at least. */
static int
evaluation(struct linkage *l, json_t *j, const char **why)
{
	static const char *const need[] = { "precision", "recall", "f1" };
	double t = json_number_value(json_object_get(j, "threshold"));
	const json_t *e;
	size_t i;

	if (!json_is_number(json_object_get(j, "threshold")) ||
	    !(t > 0 && t <= 1))
		return bad(l, why, "threshold", "not a probability above 0 "
		    "and at most 1");
	for (size_t n = 0; n < sizeof(need) / sizeof(need[0]); n++)
		if (!is_share(json_object_get(j, need[n])))
			return bad(l, why, need[n], "not a share from 0 to 1");
	json_array_foreach(l->evals, i, e)
		if (json_number_value(json_object_get(e, "threshold")) == t)
			return bad(l, why, "threshold", "given twice");
	if (json_array_append(l->evals, j) == -1)
		cdp_oom(0);
	l->thresholds++;
	return 0;
}

static int
integer(const json_t *j, const char *name, json_int_t min)
{
	const json_t *v = json_object_get(j, name);

	return json_is_integer(v) && json_integer_value(v) >= min;
}

/* A cluster line: counted by its size. */
static int
cluster(struct linkage *l, json_t *j, const char **why)
{
	double rec, dens, weak;
	struct csize *c = NULL;

	if (!integer(j, "records", 1))
		return bad(l, why, "records", "not a count");
	if (!integer(j, "bridges", 0))
		return bad(l, why, "bridges", "not a count");
	if (!is_share(json_object_get(j, "density")))
		return bad(l, why, "density", "not a share from 0 to 1");
	if (!is_share(json_object_get(j, "weakest_path")))
		return bad(l, why, "weakest_path", "not a probability");
	rec = (double)json_integer_value(json_object_get(j, "records"));
	dens = json_number_value(json_object_get(j, "density"));
	weak = json_number_value(json_object_get(j, "weakest_path"));
	for (size_t i = 0; i < l->ncs && c == NULL; i++)
		if (l->cs[i].records == rec)
			c = &l->cs[i];
	if (c == NULL) {
		l->cs = cdp_xreallocarray(l->cs, l->ncs + 1, sizeof(*l->cs));
		c = &l->cs[l->ncs++];
		*c = (struct csize){ .records = rec, .min_density = dens,
		    .min_weakest = weak };
	}
	c->clusters++;
	c->bridged += json_integer_value(json_object_get(j, "bridges")) > 0;
	c->min_density = dens < c->min_density ? dens : c->min_density;
	c->min_weakest = weak < c->min_weakest ? weak : c->min_weakest;
	l->clusters++;
	return 0;
}

/* The field's string, or NULL. */
static const char *
string_of(struct cdp_rec *rec, const char *name, struct cdp_buf *b,
    size_t *n)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;

	if (f == NULL || f->type != CDP_STRING ||
	    cdp_rec_str(rec, f, b, &s, n) == -1)
		return NULL;
	return s;
}

/* Is the pair a, b the --pair "A,B" or "B,A" w? */
static bool
same_pair(struct linkage *l, const char *w, const char *a, size_t na,
    const char *b, size_t nb)
{
	for (int turn = 0; turn < 2; turn++) {
		cdp_buf_reset(&l->ab);
		if (cdp_buf_add(&l->ab, turn ? b : a, turn ? nb : na) == -1 ||
		    cdp_buf_addc(&l->ab, ',') == -1 ||
		    cdp_buf_add(&l->ab, turn ? a : b, turn ? na : nb) == -1)
			cdp_oom(0);
		if (strlen(w) == l->ab.len && memcmp(w, l->ab.p, l->ab.len) ==
		    0)
			return true;
	}
	return false;
}

/* A pair asked for: its weights, kept for the waterfall. */
static int
keep_pair(struct linkage *l, struct cdp_rec *rec, int i, const char **why)
{
	json_error_t jerr;
	json_t *j = json_loadb(rec->p, rec->len, 0, &jerr), *f;
	const char *key;
	int rc = 0;

	if (j == NULL)
		cdp_oom(0);	/* the record layer validated the line */
	if (l->pair[i] != NULL)
		rc = bad(l, why, "a", "the pair asked for twice in the input");
	else if (!json_is_number(json_object_get(j, "prior_weight")))
		rc = bad(l, why, "prior_weight", "not a number");
	else if (!json_is_number(json_object_get(j, "probability")))
		rc = bad(l, why, "probability", "not a number");
	else if (!json_is_object(json_object_get(j, "fields")))
		rc = bad(l, why, "fields", "not an object");
	else
		json_object_foreach(json_object_get(j, "fields"), key, f)
			if (!json_is_string(json_object_get(f, "level")) ||
			    !json_is_number(json_object_get(f, "weight")) ||
			    (json_object_get(f, "tf") != NULL &&
			    !json_is_number(json_object_get(f, "tf")))) {
				rc = bad(l, why, "fields", "a field without "
				    "its level and weight");
				break;
			}
	if (rc == 0)
		l->pair[i] = json_incref(j);
	json_decref(j);
	return rc;
}

/* A scored pair: its weight into the histogram; a waterfall if asked. */
static int
pair(struct linkage *l, struct cdp_rec *rec, const char **why)
{
	const struct cdp_field *w = cdp_rec_find(rec, "weight", 6);
	const struct cdp_field *m = cdp_rec_find(rec, "match", 5);
	const char *a, *b;
	size_t na, nb;
	double v;
	long bin;

	if ((a = string_of(rec, "a", &l->s1, &na)) == NULL ||
	    (b = string_of(rec, "b", &l->s2, &nb)) == NULL)
		return bad(l, why, "a", "a pair's records are not strings");
	if (w == NULL || cdp_rec_num(rec, w, &v) == -1 || fabs(v) > MAXW)
		return bad(l, why, "weight", "not a number from -10000 to "
		    "10000");
	if (m == NULL || (m->type != CDP_TRUE && m->type != CDP_FALSE))
		return bad(l, why, "match", "not true or false");
	for (int i = 0; i < l->nwant; i++)
		if (same_pair(l, l->want[i], a, na, b, nb) &&
		    keep_pair(l, rec, i, why) == -1)
			return -1;
	bin = (long)floor(v * QUARTER) + MAXW * QUARTER;
	if (bin >= NFINE)	/* the weight 10000 itself */
		bin = NFINE - 1;
	if (l->pairs == 0 || bin < l->fmin)
		l->fmin = bin;
	if (l->pairs == 0 || bin > l->fmax)
		l->fmax = bin;
	l->fine[bin]++;
	l->fine_links[bin] += m->type == CDP_TRUE;
	l->pairs++;
	return 0;
}

/* Each line by its fields: a cluster, a pair, an evaluation, a model. */
static int
on_line(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct linkage *l = ctx;
	json_error_t jerr;
	json_t *j;
	int rc;

	(void)at;
	if (cdp_rec_find(rec, "a", 1) != NULL && cdp_rec_find(rec, "b", 1) !=
	    NULL && cdp_rec_find(rec, "cluster", 7) == NULL)
		return pair(l, rec, why);
	if (cdp_rec_find(rec, "cluster", 7) == NULL &&
	    cdp_rec_find(rec, "threshold", 9) == NULL &&
	    cdp_rec_find(rec, "compare", 7) == NULL) {
		*why = "not a model, pair, cluster or evaluation line of "
		    "cdp-merge";
		return -1;
	}
	if ((j = json_loadb(rec->p, rec->len, 0, &jerr)) == NULL)
		cdp_oom(0);
	if (json_object_get(j, "cluster") != NULL)
		rc = cluster(l, j, why);
	else if (json_object_get(j, "compare") != NULL)
		rc = model(l, j, why);
	else
		rc = evaluation(l, j, why);
	json_decref(j);
	return rc;
}

/* ---- the tables ---- */

static void
str(struct rtable *t, size_t r, int c, const char *s)
{
	if (s != NULL)
		rtable_str(t, r, c, s, strlen(s));
}

/* A JSON value as a cell: numbers as numbers, strings as text, lists of
 * strings joined by "; ", anything else as its JSON text. */
static void
cell_of(struct rtable *t, size_t r, int c, const json_t *v)
{
	struct cdp_buf b = { 0 };
	const json_t *e;
	char *s;
	size_t i;

	if (json_is_integer(v))
		rtable_int(t, r, c, (double)json_integer_value(v));
	else if (json_is_number(v))
		rtable_num(t, r, c, json_number_value(v));
	else if (json_is_string(v))
		str(t, r, c, json_string_value(v));
	else if (json_is_array(v) && json_array_size(v) > 0 &&
	    json_is_string(json_array_get(v, 0))) {
		json_array_foreach(v, i, e)
			if ((i > 0 && cdp_buf_adds(&b, "; ") == -1) ||
			    cdp_buf_adds(&b, json_is_string(e) ?
			    json_string_value(e) : "?") == -1)
				cdp_oom(0);
		rtable_str(t, r, c, b.p, b.len);
		cdp_buf_free(&b);
	} else if (v != NULL && !json_is_null(v)) {
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			cdp_oom(0);
		rtable_json(t, r, c, s, strlen(s));
		free(s);
	}
}

/* The model's figures: one row, a tile per number. */
static void
model_table(const struct linkage *l, struct rtable *t)
{
	static const char *const keys[] = { "prior", "threshold", "pairs",
	    "patterns", "random_pairs", "prior_matches", "iterations",
	    "converged", "prior_from", "blocks", "train_blocks" };
	size_t r;
	int c = 0;

	rtable_init(t, "model", "the model");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(l->model, keys[i]) != NULL)
			rtable_col(t, keys[i], -1);
	r = rtable_row(t);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(l->model, keys[i]) != NULL)
			cell_of(t, r, c++, json_object_get(l->model, keys[i]));
}

enum { MW_CMP, MW_METHOD, MW_LEVEL, MW_M, MW_U, MW_BF, MW_W, MW_TF };

/* The levels: the prior first, then each comparison's levels. */
static void
weights_table(const struct linkage *l, struct rtable *t)
{
	static const char *const cols[] = { "comparison", "method", "level",
	    "m", "u", "bayes_factor", "weight", "tf" };
	const json_t *c, *lv;
	double prior = json_number_value(json_object_get(l->model, "prior"));
	size_t i, k, r;

	rtable_init(t, "match_weights", "match weight of each level");
	for (size_t n = 0; n < sizeof(cols) / sizeof(cols[0]); n++)
		rtable_col(t, cols[n], -1);
	r = rtable_row(t);
	str(t, r, MW_CMP, "prior");
	str(t, r, MW_LEVEL, "prior");
	rtable_num(t, r, MW_BF, prior / (1 - prior));
	rtable_num(t, r, MW_W, log2(prior / (1 - prior)));
	json_array_foreach(json_object_get(l->model, "compare"), i, c) {
		bool tf = json_is_true(json_object_get(c, "tf"));

		json_array_foreach(json_object_get(c, "levels"), k, lv) {
			const char *name = json_string_value(
			    json_object_get(lv, "level"));

			r = rtable_row(t);
			cell_of(t, r, MW_CMP, json_object_get(c, "field"));
			cell_of(t, r, MW_METHOD, json_object_get(c, "method"));
			str(t, r, MW_LEVEL, name);
			cell_of(t, r, MW_M, json_object_get(lv, "m"));
			cell_of(t, r, MW_U, json_object_get(lv, "u"));
			cell_of(t, r, MW_BF, json_object_get(lv,
			    "bayes_factor"));
			cell_of(t, r, MW_W, json_object_get(lv, "weight"));
			/* Term frequencies weigh exact agreement value by
			 * value. */
			if (tf && strcmp(name, "exact") == 0)
				rtable_json(t, r, MW_TF, "true", 4);
		}
	}
}

/* The EM fit of each training rule. */
static void
sessions_table(const struct linkage *l, struct rtable *t)
{
	static const char *const keys[] = { "block", "pairs", "matches",
	    "iterations", "converged" };
	const json_t *s;
	size_t i, r;

	rtable_init(t, "sessions", "the fit of each training rule");
	for (size_t n = 0; n < sizeof(keys) / sizeof(keys[0]); n++)
		rtable_col(t, keys[n], -1);
	json_array_foreach(json_object_get(l->model, "sessions"), i, s) {
		r = rtable_row(t);
		for (size_t n = 0; n < sizeof(keys) / sizeof(keys[0]); n++)
			cell_of(t, r, (int)n, json_object_get(s, keys[n]));
	}
}

/* The bin width: --bin-width, else the smallest of 0.25, 0.5, 1, 2, 5,
 * 10, ... giving at most AUTOBINS bins. */
static double
bin_width(const struct linkage *l)
{
	static const double w[] = { 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200,
	    500, 1000, 2000, 5000, 10000 };
	/* The first and the last quarter bit that hold a pair. */
	double lo = (double)l->fmin / QUARTER - MAXW;
	double hi = (double)l->fmax / QUARTER - MAXW;
	size_t i;

	if (l->binw > 0)
		return l->binw;
	for (i = 0; i + 1 < sizeof(w) / sizeof(w[0]); i++)
		if (floor(hi / w[i]) - floor(lo / w[i]) + 1 <= AUTOBINS)
			break;
	return w[i];
}

/* The pairs by match weight, in bins of equal width from a multiple of
 * it: every bin from the lowest to the highest weight, empty or not. */
static void
histogram_table(const struct linkage *l, struct rtable *t)
{
	double w = bin_width(l);
	long per = (long)nearbyint(w * QUARTER);
	long first = (long)floor(((double)l->fmin / QUARTER - MAXW) / w);
	long last = (long)floor(((double)l->fmax / QUARTER - MAXW) / w);

	rtable_init(t, "weights", "match weight of the candidate pairs");
	rtable_col(t, "weight_from", -1);
	rtable_col(t, "weight_to", -1);
	rtable_col(t, "pairs", -1);
	rtable_col(t, "links", -1);
	for (long b = first; b <= last; b++) {
		size_t r = rtable_row(t);
		uint64_t n = 0, x = 0;
		long f0 = b * per + MAXW * QUARTER;

		for (long f = f0 < 0 ? 0 : f0; f < f0 + per && f < NFINE; f++) {
			n += l->fine[f];
			x += l->fine_links[f];
		}
		rtable_num(t, r, 0, (double)b * w);
		rtable_num(t, r, 1, (double)(b + 1) * w);
		rtable_int(t, r, 2, (double)n);
		rtable_int(t, r, 3, (double)x);
	}
}

static double
probability(double w)
{
	return 1 / (1 + exp2(-w));
}

enum { WF_STEP, WF_LEVEL, WF_W, WF_TF, WF_CUM, WF_P };

/* A pair's weights added up: the prior, each field, the total. */
static void
waterfall_table(const json_t *j, int n, struct rtable *t)
{
	static const char *const cols[] = { "step", "level", "weight", "tf",
	    "cumulative", "probability" };
	const json_t *f, *tf;
	const char *key;
	double cum = json_number_value(json_object_get(j, "prior_weight"));
	char name[32], title[300];
	size_t r;

	snprintf(name, sizeof(name), n == 0 ? "waterfall" : "waterfall_%d",
	    n + 1);
	snprintf(title, sizeof(title), "waterfall of the pair %s and %s",
	    json_string_value(json_object_get(j, "a")),
	    json_string_value(json_object_get(j, "b")));
	rtable_init(t, name, title);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		rtable_col(t, cols[c], -1);
	r = rtable_row(t);
	str(t, r, WF_STEP, "prior");
	rtable_num(t, r, WF_W, cum);
	rtable_num(t, r, WF_CUM, cum);
	rtable_num(t, r, WF_P, probability(cum));
	json_object_foreach(json_object_get(j, "fields"), key, f) {
		double w = json_number_value(json_object_get(f, "weight"));

		r = rtable_row(t);
		str(t, r, WF_STEP, key);
		cell_of(t, r, WF_LEVEL, json_object_get(f, "level"));
		rtable_num(t, r, WF_W, w);
		if ((tf = json_object_get(f, "tf")) != NULL)
			rtable_num(t, r, WF_TF, json_number_value(tf));
		cum += w;
		rtable_num(t, r, WF_CUM, cum);
		rtable_num(t, r, WF_P, probability(cum));
	}
	/* The total as cdp-merge wrote it (the fields' weights are
	 * rounded to 4 decimals, so their sum may differ in the last). */
	r = rtable_row(t);
	str(t, r, WF_STEP, "match weight");
	str(t, r, WF_LEVEL, json_is_true(json_object_get(j, "match")) ?
	    "link" : "no link");
	cell_of(t, r, WF_W, json_object_get(j, "weight"));
	cell_of(t, r, WF_CUM, json_object_get(j, "weight"));
	cell_of(t, r, WF_P, json_object_get(j, "probability"));
}

static int
cmp_threshold(const void *a, const void *b)
{
	double x = json_number_value(json_object_get(*(json_t *const *)a,
	    "threshold"));
	double y = json_number_value(json_object_get(*(json_t *const *)b,
	    "threshold"));

	return (x > y) - (x < y);
}

/* Precision, recall and F1 by threshold, pairwise and by cluster. */
static void
thresholds_table(const struct linkage *l, struct rtable *t)
{
	static const char *const keys[] = { "threshold", "threshold_weight",
	    "precision", "recall", "f1", "cluster_precision",
	    "cluster_recall", "cluster_f1", "pairs", "predicted", "correct",
	    "entities", "clusters", "exact_clusters", "links_cut" };
	size_t n = json_array_size(l->evals), i;
	json_t **e = cdp_xcalloc(n + 1, sizeof(*e));
	int col[sizeof(keys) / sizeof(keys[0])];

	rtable_init(t, "thresholds", "precision, recall and F1 by threshold");
	for (i = 0; i < n; i++)
		e[i] = json_array_get(l->evals, i);
	qsort(e, n, sizeof(*e), cmp_threshold);
	/* A column for each figure some line has. */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		col[k] = -1;
		for (i = 0; i < n && col[k] < 0; i++)
			if (k == 1 || json_object_get(e[i], keys[k]) != NULL)
				col[k] = rtable_col(t, keys[k], -1);
	}
	for (i = 0; i < n; i++) {
		size_t r = rtable_row(t);
		double th = json_number_value(json_object_get(e[i],
		    "threshold"));

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (k == 1 && th < 1)
				rtable_num(t, r, col[k], log2(th / (1 - th)));
			else if (col[k] >= 0 && k != 1)
				cell_of(t, r, col[k], json_object_get(e[i],
				    keys[k]));
	}
	free(e);
}

static int
cmp_csize(const void *a, const void *b)
{
	const struct csize *x = a, *y = b;

	return (x->records > y->records) - (x->records < y->records);
}

/* The clusters by their number of records. */
static void
clusters_table(struct linkage *l, struct rtable *t)
{
	rtable_init(t, "clusters", "clusters of two groups or more, by size");
	rtable_col(t, "records", -1);
	rtable_col(t, "clusters", -1);
	rtable_col(t, "with_bridges", -1);
	rtable_col(t, "min_density", -1);
	rtable_col(t, "min_weakest_path", -1);
	if (l->ncs > 0)
		qsort(l->cs, l->ncs, sizeof(*l->cs), cmp_csize);
	for (size_t i = 0; i < l->ncs; i++) {
		size_t r = rtable_row(t);

		rtable_int(t, r, 0, l->cs[i].records);
		rtable_int(t, r, 1, (double)l->cs[i].clusters);
		rtable_int(t, r, 2, (double)l->cs[i].bridged);
		rtable_num(t, r, 3, l->cs[i].min_density);
		rtable_num(t, r, 4, l->cs[i].min_weakest);
	}
}

/* ---- charts, for this command and cdp-report page ---- */

/* The columns of names[0..n), all present: their indices into cols. */
static bool
has(const struct rtable *t, const char *const *names, int n, int *cols)
{
	for (int i = 0; i < n; i++)
		if ((cols[i] = rtable_find(t, names[i])) < 0)
			return false;
	return true;
}

bool
linkage_chart(struct rtable *t)
{
	static const char *const lv[] = { "comparison", "level", "weight",
	    "m", "u" };
	static const char *const hist[] = { "weight_from", "weight_to",
	    "pairs" };
	static const char *const wf[] = { "step", "level", "weight",
	    "cumulative" };
	static const char *const ev[] = { "threshold", "precision", "recall",
	    "f1", "cluster_precision", "cluster_recall", "cluster_f1" };
	int c[7];

	if (has(t, lv, 5, c)) {
		t->chart = CHART_LEVELS;
		t->aux = c[0];
		t->label = c[1];
		t->value = c[2];
		t->series[0] = c[3];
		t->series[1] = c[4];
		t->nseries = 2;
		t->hi = rtable_find(t, "tf");
		t->unit = "match weight, bits: log2(m/u)";
	} else if (has(t, hist, 3, c)) {
		t->chart = CHART_HISTOGRAM;
		t->lo = c[0];
		t->hi = c[1];
		t->value = c[2];
		t->nseries = 0;
		if ((t->series[0] = rtable_find(t, "links")) >= 0)
			t->nseries = 1;
		t->unit = "match weight, bits";
	} else if (has(t, wf, 4, c)) {
		t->chart = CHART_WATERFALL;
		t->label = c[0];
		t->aux = c[1];
		t->value = c[2];
		t->hi = c[3];
		t->unit = "match weight, bits";
	} else if (has(t, ev, 4, c)) {
		t->chart = CHART_LINES;
		t->label = c[0];
		if ((t->value = rtable_find(t, "threshold_weight")) < 0)
			t->value = c[0];
		t->nseries = 0;
		for (int i = 1; i < 7; i++)
			if ((c[i] = rtable_find(t, ev[i])) >= 0)
				t->series[t->nseries++] = c[i];
		t->nsolid = 3;
		t->unit = "threshold (placed by its match weight, "
		    "log2(t/(1 - t)))";
	} else if (t->ncols >= 2 && strcmp(t->cols[0].name, "prior") == 0 &&
	    strcmp(t->cols[1].name, "threshold") == 0 && t->nrows == 1) {
		t->chart = CHART_KPI;
	} else if (t->ncols >= 2 && strcmp(t->cols[0].name, "records") == 0 &&
	    strcmp(t->cols[1].name, "clusters") == 0) {
		t->chart = CHART_BAR;
		t->label = 0;
		t->value = 1;
		t->unit = "clusters, by their number of records";
	} else if (t->ncols >= 2 && strcmp(t->cols[0].name, "block") == 0 &&
	    strcmp(t->cols[1].name, "pairs") == 0) {
		t->chart = CHART_BAR;	/* the pairs each rule fitted on */
		t->label = 0;
		t->value = 1;
	} else
		return false;
	return true;
}

/* ---- the command ---- */

int
linkage_main(int argc, char **argv)
{
	struct linkage l = { 0 };
	struct cdp_acct acct;
	struct rtable t[6 + MAXPAIRS], *tp[6 + MAXPAIRS];
	size_t n = 0;

	parse_options(argc, argv, &l);
	l.fine = cdp_xcalloc(NFINE, sizeof(*l.fine));
	l.fine_links = cdp_xcalloc(NFINE, sizeof(*l.fine_links));
	if ((l.evals = json_array()) == NULL)
		cdp_oom(0);
	report_acct_open(&l.ro, &acct);
	cdp_each(argv + optind, argc - optind, &l.ro.common, &acct, on_line,
	    &l);
	for (int i = 0; i < l.nwant; i++)
		if (l.pair[i] == NULL)
			cdp_die(EX_DATAERR, NULL, 0, "--pair %s: no such pair "
			    "in the input", l.want[i]);
	if (l.model != NULL) {
		model_table(&l, &t[n++]);
		weights_table(&l, &t[n++]);
		if (json_array_size(json_object_get(l.model, "sessions")) > 0)
			sessions_table(&l, &t[n++]);
	}
	if (l.pairs > 0)
		histogram_table(&l, &t[n++]);
	if (l.thresholds > 0)
		thresholds_table(&l, &t[n++]);
	for (int i = 0; i < l.nwant; i++)
		waterfall_table(l.pair[i], i, &t[n++]);
	if (l.ncs > 0)
		clusters_table(&l, &t[n++]);
	for (size_t i = 0; i < n; i++) {
		(void)linkage_chart(&t[i]);
		tp[i] = &t[i];
	}
	report_write(&l.ro, tp, n);
	acct.extra[0].name = "models";
	acct.extra[0].n = l.models;
	acct.extra[1].name = "pairs";
	acct.extra[1].n = l.pairs;
	acct.extra[2].name = "clusters";
	acct.extra[2].n = l.clusters;
	acct.extra[3].name = "thresholds";
	acct.extra[3].n = l.thresholds;
	report_acct_close(&l.ro, &acct);
	for (size_t i = 0; i < n; i++)
		rtable_free(&t[i]);
	for (int i = 0; i < l.nwant; i++)
		json_decref(l.pair[i]);
	json_decref(l.model);
	json_decref(l.evals);
	free(l.fine);
	free(l.fine_links);
	free(l.cs);
	cdp_buf_free(&l.s1);
	cdp_buf_free(&l.s2);
	cdp_buf_free(&l.ab);
	return 0;
}
