/*
 * attribution.c - cdp-report attribution: cut each path id's events, in
 * time order, into journeys of touchpoints that end in a conversion (or
 * stay open), credit them with every model asked for (attr_*.c), and
 * print the credit per channel, or the paths.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "each.h"
#include "expr.h"
#include "keymap.h"
#include "xalloc.h"
#include "attr.h"
#include "attr_out.h"

static const char usage[] =
"usage: cdp-report attribution --conversion EXPR [options] [FILE...]\n"
"Credit per channel for the touchpoint paths that end in a conversion.\n"
"\n"
"      --conversion EXPR     a record where EXPR is true is a conversion:\n"
"                            it ends its path id's current path\n"
"      --path-id FIELD       whose path a record belongs to (default\n"
"                            profile_id)\n"
"      --channel FIELD       a record with a non-null FIELD is a touchpoint\n"
"                            (default channel)\n"
"      --value FIELD         the conversion's value (a number; missing or\n"
"                            null is 0)\n"
"      --model LIST          first, last, linear, time-decay[:HALF_LIFE],\n"
"                            position[:FIRST,MIDDLE,LAST], markov[:K],\n"
"                            shapley[:count], shapley-ordered[:count]\n"
"                            (repeatable or comma-separated; default last;\n"
"                            time-decay:7d, position:40,20,40, markov:1)\n"
"      --lookback DURATION   drop touchpoints older than DURATION before\n"
"                            the conversion (e.g. 30d)\n"
"      --touch-types FIELD[:VALUE,...]\n"
"                            touchpoints whose FIELD is one of the VALUEs\n"
"                            (default impression,view) are impressions,\n"
"                            the others clicks\n"
"      --view-through DURATION\n"
"                            drop impressions older than DURATION before\n"
"                            the conversion (needs --touch-types)\n"
"      --remove-sequence SEQ the removal effect of a channel sequence such\n"
"                            as 'email > search' (markov:K, K >= its\n"
"                            length; repeatable)\n"
"      --bootstrap N         95% intervals from N resamplings of the paths\n"
"      --seed N              the resampling's seed (default 1)\n"
"      --paths               print the paths (conversions, value, nulls)\n"
"                            instead of the credit\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_BOOTSTRAP = REPORT_OPT_PRIVATE,
	OPT_CHANNEL,
	OPT_LOOKBACK,
	OPT_PATH_ID,
	OPT_PATHS,
	OPT_REMOVE_SEQ,
	OPT_SEED,
	OPT_TOUCH_TYPES,
	OPT_VALUE,
	OPT_VIEW_THROUGH
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "conversion", required_argument, NULL, 'c' },
	{ "lookback", required_argument, NULL, OPT_LOOKBACK },
	{ "model", required_argument, NULL, 'm' },
	{ "path-id", required_argument, NULL, OPT_PATH_ID },
	{ "paths", no_argument, NULL, OPT_PATHS },
	{ "remove-sequence", required_argument, NULL, OPT_REMOVE_SEQ },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "touch-types", required_argument, NULL, OPT_TOUCH_TYPES },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "view-through", required_argument, NULL, OPT_VIEW_THROUGH },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'c', "conversion" },
	{ 'm', "model" },
	{ 0, NULL }
};

#define MAX_MODELS	16
#define MAX_IMPR	16
#define NO_CHANNEL	UINT32_MAX

struct attr_opts {
	struct report_opts	 ro;
	const char		*path_id;
	const char		*channel;
	const char		*value;		/* NULL: no value columns */
	const char		*conversion;
	double			 lookback;	/* seconds; 0 = none */
	double			 view_through;	/* seconds; 0 = none */
	char			*type_field;	/* --touch-types FIELD */
	char			*impr[MAX_IMPR];	/* its impression values */
	int			 nimpr;
	char			 dflt_impr[16];	/* the default VALUEs */
	char			*seqs[ATTR_MAX_SEQ];	/* --remove-sequence */
	int			 nseq;
	long			 bootstrap;
	unsigned long		 seed;
	bool			 paths;
	struct attr_model	 models[MAX_MODELS];
	size_t			 nmodels;
};

/* One event kept for the end: a touchpoint, a conversion or both. */
struct event {
	uint32_t	path;		/* path id index */
	uint32_t	ch;		/* channel index or NO_CHANNEL */
	uint64_t	seq;		/* input order, for ties in time */
	double		t;
	double		value;
	bool		conv;
	bool		impression;
};

struct ctx {
	const struct attr_opts	*opt;
	struct cdp_expr		*conv;
	struct cdp_keymap	*path_ix;
	uint32_t		 npaths;
	struct cdp_keymap	*ch_ix;
	struct cdp_buf		 names;		/* channel names, NUL-ended */
	size_t			*name_off;
	size_t			 nch, capch;
	struct event		*ev;
	size_t			 nev, capev;
	struct cdp_buf		 key, tmp[2], str;
	char			 no_time[300], bad_ch[300], bad_id[300];
	char			 bad_value[300];
	/* --stats */
	unsigned long long	 touches, converted, nulls, unattributed;
	unsigned long long	 impressions;
};

/* ---- options ---- */

static void
add_model(struct attr_opts *opt, struct attr_model *m)
{
	attr_model_name(m);
	for (size_t i = 0; i < opt->nmodels; i++)
		if (strcmp(opt->models[i].name, m->name) == 0)
			cdp_usage_die(usage, "--model: %s given twice",
			    m->name);
	if (opt->nmodels == MAX_MODELS)
		cdp_usage_die(usage, "--model: at most %d models",
		    MAX_MODELS);
	opt->models[opt->nmodels++] = *m;
}

/* position:FIRST,MIDDLE,LAST in percent, from the strings s[0..3). */
static void
position_shares(struct attr_model *m, char **s)
{
	double sum = 0;

	for (int i = 0; i < 3; i++) {
		if (cdp_parse_double(s[i], &m->share[i]) == -1 ||
		    m->share[i] < 0)
			cdp_usage_die(usage, "--model: position: expected "
			    "three percentages such as 40,20,40");
		sum += m->share[i];
	}
	if (fabs(sum - 100) > 1e-9)
		cdp_usage_die(usage, "--model: position: the shares must add "
		    "up to 100");
	for (int i = 0; i < 3; i++)
		m->share[i] /= 100;
}

/*
 * The argument of a model: *i is the item holding it (position: takes
 * the two items after it too).
 */
static void
model_arg(struct attr_model *m, enum attr_arg k, char *arg, char **tok,
    int n, int *i)
{
	long order;

	switch (k) {
	case ATTR_ARG_HALF_LIFE:
		if (report_parse_duration(arg, &m->half_life) == -1)
			cdp_usage_die(usage, "--model: time-decay: bad "
			    "half-life '%s' (e.g. 7d)", arg);
		break;
	case ATTR_ARG_SHARES:
		if (*i + 2 >= n)
			cdp_usage_die(usage, "--model: position: expected "
			    "three percentages such as 40,20,40");
		position_shares(m, (char *[]){ arg, tok[*i + 1],
		    tok[*i + 2] });
		*i += 2;
		break;
	case ATTR_ARG_ORDER:
		if (cdp_parse_long(arg, 1, ATTR_MAX_ORDER, &order) == -1)
			cdp_usage_die(usage, "--model: markov: the order is "
			    "1 to %d, not '%s'", ATTR_MAX_ORDER, arg);
		m->order = (int)order;
		break;
	case ATTR_ARG_WORTH:
		if (strcmp(arg, "count") == 0)
			m->count = true;
		else if (strcmp(arg, "rate") != 0)
			cdp_usage_die(usage, "--model: shapley: expected "
			    "rate or count, not '%s'", arg);
		break;
	default:
		cdp_usage_die(usage, "--model: %s takes no argument",
		    attr_kind_name(m->kind));
	}
}

/* One --model argument: a comma list, where position: takes three. */
static void
parse_models(struct attr_opts *opt, char *arg)
{
	char *tok[32];
	int n = cdp_split_list(arg, tok, 32);

	if (n <= 0)
		cdp_usage_die(usage, "--model: expected a list of models");
	for (int i = 0; i < n; i++) {
		struct attr_model m = { .half_life = 7 * 86400.0,
		    .share = { 0.4, 0.2, 0.4 }, .order = 1 };
		char *colon = strchr(tok[i], ':');
		enum attr_arg arg;

		if (colon != NULL)
			*colon++ = '\0';
		if (attr_kind_parse(tok[i], &m.kind, &arg) == -1) {
			struct cdp_buf b = { 0 };

			attr_kind_list(&b);
			cdp_usage_die(usage, "--model: unknown model '%s' (%s)",
			    tok[i], b.p);
		}
		if (colon != NULL)
			model_arg(&m, arg, colon, tok, n, &i);
		add_model(opt, &m);
	}
}

/* --touch-types FIELD[:VALUE,...] */
static void
parse_touch_types(struct attr_opts *opt, char *arg)
{
	char *colon = strchr(arg, ':');

	snprintf(opt->dflt_impr, sizeof(opt->dflt_impr), "impression,view");
	if (colon != NULL)
		*colon++ = '\0';
	if (*arg == '\0')
		cdp_usage_die(usage, "--touch-types: empty field name");
	opt->type_field = arg;
	if ((opt->nimpr = cdp_split_list(colon != NULL ? colon : opt->dflt_impr,
	    opt->impr, MAX_IMPR)) <= 0)
		cdp_usage_die(usage, "--touch-types: expected FIELD or "
		    "FIELD:VALUE,... (up to %d values)", MAX_IMPR);
}

static void
parse_one(struct attr_opts *opt, int ch, char *arg)
{
	long n;

	switch (ch) {
	case 'c':
		opt->conversion = arg;
		break;
	case 'm':
		parse_models(opt, arg);
		break;
	case OPT_BOOTSTRAP:
		if (cdp_parse_long(arg, 2, 100000, &n) == -1)
			cdp_usage_die(usage, "--bootstrap: expected a number "
			    "of resamplings from 2 to 100000");
		opt->bootstrap = n;
		break;
	case OPT_CHANNEL:
		opt->channel = arg;
		break;
	case OPT_LOOKBACK:
		if (report_parse_duration(arg, &opt->lookback) == -1)
			cdp_usage_die(usage, "--lookback: expected a "
			    "duration such as 30d");
		break;
	case OPT_PATH_ID:
		opt->path_id = arg;
		break;
	case OPT_PATHS:
		opt->paths = true;
		break;
	case OPT_REMOVE_SEQ:
		if (opt->nseq == ATTR_MAX_SEQ)
			cdp_usage_die(usage, "--remove-sequence: at most %d",
			    ATTR_MAX_SEQ);
		opt->seqs[opt->nseq++] = arg;
		break;
	case OPT_SEED:
		if (cdp_parse_long(arg, 0, 4294967295L, &n) == -1)
			cdp_usage_die(usage, "--seed: expected a number from "
			    "0 to 4294967295");
		opt->seed = (unsigned long)n;
		break;
	case OPT_TOUCH_TYPES:
		parse_touch_types(opt, arg);
		break;
	case OPT_VALUE:
		opt->value = arg;
		break;
	case OPT_VIEW_THROUGH:
		if (report_parse_duration(arg, &opt->view_through) == -1)
			cdp_usage_die(usage, "--view-through: expected a "
			    "duration such as 1d");
		break;
	default:
		cdp_usage_die(usage, "unexpected option");
	}
}

/*
 * Split --remove-sequence SEQ ("a > b", spaces around > optional) into
 * at most max channel names, NUL-ended in place; returns how many, or -1
 * when a name is empty or there are too many.
 */
static int
split_sequence(char *s, char **names, int max)
{
	int n = 0;
	char *gt;

	do {
		size_t len;

		if ((gt = strchr(s, '>')) != NULL)
			*gt = '\0';
		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			s[--len] = '\0';
		if (len == 0 || n == max)
			return -1;
		names[n++] = s;
		s = gt != NULL ? gt + 1 : s;
	} while (gt != NULL);
	return n;
}

/* The order of the highest Markov model, 0 without one. */
static int
markov_order(const struct attr_opts *opt)
{
	int k = 0;

	for (size_t i = 0; i < opt->nmodels; i++)
		if (opt->models[i].kind == ATTR_MARKOV &&
		    opt->models[i].order > k)
			k = opt->models[i].order;
	return k;
}

static int
parse_options(int argc, char **argv, struct attr_opts *opt)
{
	int ch;

	*opt = (struct attr_opts){ .path_id = "profile_id",
	    .channel = "channel", .seed = 1 };
	report_opts_init(&opt->ro, "attribution");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS "c:m:",
	    longopts, old_short)) != -1)
		if (!report_opt(ch, optarg, &opt->ro, usage))
			parse_one(opt, ch, optarg);
	if (opt->conversion == NULL)
		cdp_usage_die(usage, "--conversion is required");
	if (*opt->path_id == '\0' || *opt->channel == '\0' ||
	    (opt->value != NULL && *opt->value == '\0'))
		cdp_usage_die(usage, "empty field name");
	if (opt->view_through > 0 && opt->type_field == NULL)
		cdp_usage_die(usage, "--view-through needs --touch-types to "
		    "tell impressions from clicks");
	if (opt->nmodels == 0)
		add_model(opt, &(struct attr_model){ .kind = ATTR_LAST });
	if (opt->nseq > 0 && markov_order(opt) == 0)
		cdp_usage_die(usage, "--remove-sequence needs a markov "
		    "model");
	for (int i = 0; i < opt->nseq; i++) {
		char *copy = cdp_xstrdup(opt->seqs[i]), *names[ATTR_MAX_ORDER];

		if (split_sequence(copy, names, markov_order(opt)) == -1)
			cdp_usage_die(usage, "--remove-sequence: '%s': "
			    "expected 1 to %d channels (the highest markov "
			    "order) between '>'", opt->seqs[i],
			    markov_order(opt));
		free(copy);
	}
	if (opt->paths && (opt->bootstrap > 0 || opt->nseq > 0))
		cdp_usage_die(usage, "--paths prints no credit: no "
		    "--bootstrap or --remove-sequence with it");
	report_opts_done(&opt->ro, usage);
	return optind;
}

static struct cdp_expr *
compile_conversion(const char *src)
{
	struct cdp_expr_err err;
	struct cdp_expr *e;

	if ((e = cdp_expr_compile(src, strlen(src), NULL, &err)) != NULL)
		return e;
	if (err.line == 0)
		cdp_oom(0);
	cdp_die(EX_USAGE, NULL, 0, "--conversion:%d:%d: %s", err.line,
	    err.col, err.msg);
}

/* ---- reading ---- */

/* The index of key[0..n) in map m, a new one (*count) when absent. */
static uint32_t
intern(struct cdp_keymap *m, const char *key, size_t n, uint32_t count,
    int *added)
{
	uint64_t *v = cdp_keymap_put(m, cdp_key128_of(key, n), count, added);

	if (v == NULL)
		cdp_oom(0);
	return (uint32_t)*v;
}

/*
 * The text of field f (a string unescaped, a number as written) after a
 * one-byte type tag into c->key.  Returns 0, or -1 for other types.
 */
static int
key_text(struct ctx *c, struct cdp_rec *rec, const struct cdp_field *f)
{
	const char *s;
	size_t n;

	cdp_buf_reset(&c->key);
	if (f->type == CDP_NUMBER) {
		s = rec->p + f->voff;
		n = f->vlen;
	} else if (f->type != CDP_STRING ||
	    cdp_rec_str(rec, f, &c->str, &s, &n) == -1) {
		return -1;
	}
	if (cdp_buf_addc(&c->key, f->type == CDP_NUMBER ? 'n' : 's') == -1 ||
	    cdp_buf_add(&c->key, s, n) == -1)
		cdp_oom(0);
	return 0;
}

static uint32_t
channel_of(struct ctx *c)
{
	int added;
	/* Keyed by the text alone: channel 7 and "7" are one channel. */
	uint32_t ix = intern(c->ch_ix, c->key.p + 1, c->key.len - 1,
	    (uint32_t)c->nch, &added);

	if (!added)
		return ix;
	if (c->nch >= UINT32_MAX - 1 || cdp_grow((void **)&c->name_off,
	    &c->capch, c->nch + 1, sizeof(*c->name_off)) == -1)
		cdp_oom(0);
	c->name_off[c->nch++] = c->names.len;
	if (cdp_buf_add(&c->names, c->key.p + 1, c->key.len - 1) == -1 ||
	    cdp_buf_addc(&c->names, '\0') == -1)
		cdp_oom(0);
	return ix;
}

/* The value of conversion rec: 0 ok, 1 skip, -1 reject. */
static int
conv_value(struct ctx *c, struct cdp_rec *rec, double *v, const char **why)
{
	const struct cdp_field *f;

	*v = 0;
	if (c->opt->value == NULL || (f = cdp_rec_find(rec, c->opt->value,
	    strlen(c->opt->value))) == NULL || f->type == CDP_NULL)
		return 0;
	if (f->type == CDP_NUMBER) {
		if (cdp_rec_num(rec, f, v) == 0)
			return 0;
		*why = "value out of range";
		return -1;
	}
	if (c->opt->ro.skip_nonnumeric)
		return 1;
	*why = c->bad_value;
	return -1;
}

/* Is touchpoint rec an impression (--touch-types)? */
static bool
impression(struct ctx *c, struct cdp_rec *rec)
{
	const struct attr_opts *opt = c->opt;
	const struct cdp_field *f;
	const char *s;
	size_t n;

	if (opt->type_field == NULL || (f = cdp_rec_find(rec,
	    opt->type_field, strlen(opt->type_field))) == NULL ||
	    f->type != CDP_STRING || cdp_rec_str(rec, f, &c->str, &s, &n)
	    == -1)
		return false;
	for (int i = 0; i < opt->nimpr; i++)
		if (strlen(opt->impr[i]) == n && memcmp(opt->impr[i], s, n)
		    == 0)
			return true;
	return false;
}

static int
one(void *arg, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct ctx *c = arg;
	const struct attr_opts *opt = c->opt;
	const struct cdp_field *id, *chf;
	struct event e = { .ch = NO_CHANNEL, .seq = c->nev };
	int rc, added;

	(void)at;
	if ((rc = cdp_expr_test(c->conv, rec, why)) == -1)
		return -1;
	e.conv = rc == 1;
	chf = cdp_rec_find(rec, opt->channel, strlen(opt->channel));
	if ((chf == NULL || chf->type == CDP_NULL) && !e.conv)
		return 1;	/* neither touchpoint nor conversion */
	id = cdp_rec_find(rec, opt->path_id, strlen(opt->path_id));
	if (id == NULL || id->type == CDP_NULL)
		return 1;
	if (id->type != CDP_STRING && id->type != CDP_NUMBER) {
		*why = c->bad_id;
		return -1;
	}
	if ((rc = report_time(rec, opt->ro.time, c->tmp, &e.t, why)) != 0) {
		if (rc == 1)
			*why = c->no_time;
		return -1;
	}
	if (e.conv && (rc = conv_value(c, rec, &e.value, why)) != 0)
		return rc;
	if (chf != NULL && chf->type != CDP_NULL) {
		if (key_text(c, rec, chf) == -1) {
			*why = c->bad_ch;
			return -1;
		}
		e.ch = channel_of(c);
		e.impression = impression(c, rec);
	}
	if (key_text(c, rec, id) == -1) {
		*why = c->bad_id;
		return -1;
	}
	e.path = intern(c->path_ix, c->key.p, c->key.len, c->npaths, &added);
	if (added && ++c->npaths == UINT32_MAX)
		cdp_oom(0);
	if (e.ch != NO_CHANNEL) {
		c->touches++;
		c->impressions += e.impression;
	}
	if (cdp_grow((void **)&c->ev, &c->capev, c->nev + 1, sizeof(*c->ev))
	    == -1)
		cdp_oom(0);
	c->ev[c->nev++] = e;
	return 0;
}

/* ---- cutting paths ---- */

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->path != y->path)
		return x->path < y->path ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static const char *
ch_name(const struct ctx *c, uint32_t i)
{
	return c->names.p + c->name_off[i];
}

struct named {
	const char	*name;
	uint32_t	 ix;
};

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
	    ((const struct named *)b)->name);
}

/*
 * Renumber the channels in name order, so that tables come out sorted
 * and never depend on the order of the input.
 */
static void
sort_channels(struct ctx *c)
{
	struct named *order = cdp_xcalloc(c->nch + 1, sizeof(*order));
	uint32_t *rank = cdp_xcalloc(c->nch + 1, sizeof(*rank));
	size_t *off = cdp_xcalloc(c->nch + 1, sizeof(*off));

	for (uint32_t i = 0; i < c->nch; i++)
		order[i] = (struct named){ ch_name(c, i), i };
	qsort(order, c->nch, sizeof(*order), cmp_name);
	for (uint32_t i = 0; i < c->nch; i++) {
		rank[order[i].ix] = i;
		off[i] = c->name_off[order[i].ix];
	}
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i].ch != NO_CHANNEL)
			c->ev[i].ch = rank[c->ev[i].ch];
	if (c->nch > 0)
		memcpy(c->name_off, off, c->nch * sizeof(*off));
	free(order);
	free(rank);
	free(off);
}

/* Is touch k (at time tk) of a path converting at time t too old? */
static bool
too_old(const struct attr_opts *opt, const struct event *k, double t)
{
	double window = k->impression && opt->view_through > 0 ?
	    opt->view_through : opt->lookback;

	return window > 0 && t - k->t > window;
}

/*
 * Walk the events in path id and time order: touchpoints gather, a
 * conversion closes the journey (its own channel, if any, as the last
 * touch; touches older than --lookback, impressions older than
 * --view-through, dropped), and what is still open at the end of a path
 * id is a null journey.
 */
static void
cut_paths(struct ctx *c, struct attr_data *d)
{
	const struct event **open = NULL;
	size_t n = 0, cap = 0;

	d->nch = c->nch;
	if (c->nev > 0)
		qsort(c->ev, c->nev, sizeof(*c->ev), cmp_event);
	for (size_t i = 0; i < c->nev; i++) {
		const struct event *e = &c->ev[i];
		struct attr_journey j = { .off = d->ntouch };

		if (e->ch != NO_CHANNEL) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				open = cdp_xreallocarray(open, cap,
				    sizeof(*open));
			}
			open[n++] = e;
		}
		if (e->conv) {
			for (size_t k = 0; k < n; k++)
				if (!too_old(c->opt, open[k], e->t))
					attr_data_touch(d, open[k]->ch,
					    open[k]->t);
			j.n = (uint32_t)(d->ntouch - j.off);
			j.converted = true;
			j.tconv = e->t;
			j.value = e->value;
			if (j.n == 0)
				c->unattributed++;
			else
				c->converted++;
			attr_data_journey(d, &j);
			n = 0;
		}
		if (n > 0 && (i + 1 == c->nev || c->ev[i + 1].path != e->path)) {
			for (size_t k = 0; k < n; k++)
				attr_data_touch(d, open[k]->ch, open[k]->t);
			j.n = (uint32_t)n;
			c->nulls++;
			attr_data_journey(d, &j);
			n = 0;
		}
	}
	free(open);
}

/*
 * --remove-sequence: each one's channels by name into d.  A channel no
 * record has makes a sequence that never occurs (removal effect 0).
 */
static void
resolve_sequences(struct ctx *c, struct attr_data *d)
{
	const struct attr_opts *opt = c->opt;

	for (int i = 0; i < opt->nseq; i++) {
		char *s = cdp_xstrdup(opt->seqs[i]), *names[ATTR_MAX_ORDER];
		int n = split_sequence(s, names, ATTR_MAX_ORDER);

		for (int k = 0; k < n; k++) {
			/* Numbered in name order now (sort_channels). */
			d->seq[i][k] = NO_CHANNEL;
			for (uint32_t ch = 0; ch < c->nch; ch++)
				if (strcmp(ch_name(c, ch), names[k]) == 0)
					d->seq[i][k] = ch;
		}
		d->seqlen[i] = n;
		free(s);
	}
	d->nseq = opt->nseq;
}

/* ---- the command ---- */

static void
ctx_init(struct ctx *c, const struct attr_opts *opt)
{
	*c = (struct ctx){ .opt = opt };
	c->conv = compile_conversion(opt->conversion);
	if ((c->path_ix = cdp_keymap_new()) == NULL ||
	    (c->ch_ix = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	snprintf(c->no_time, sizeof(c->no_time), "no time in field '%s'",
	    opt->ro.time);
	snprintf(c->bad_ch, sizeof(c->bad_ch), "channel field '%s' is not "
	    "a string or a number", opt->channel);
	snprintf(c->bad_id, sizeof(c->bad_id), "path id field '%s' is not "
	    "a string or a number", opt->path_id);
	snprintf(c->bad_value, sizeof(c->bad_value), "value field '%s' is "
	    "not a number", opt->value != NULL ? opt->value : "");
}

static void
ctx_free(struct ctx *c)
{
	cdp_expr_free(c->conv);
	cdp_keymap_free(c->path_ix);
	cdp_keymap_free(c->ch_ix);
	cdp_buf_free(&c->names);
	free(c->name_off);
	free(c->ev);
	cdp_buf_free(&c->key);
	cdp_buf_free(&c->tmp[0]);
	cdp_buf_free(&c->tmp[1]);
	cdp_buf_free(&c->str);
}

static void
stats(const struct ctx *c, struct cdp_acct *acct)
{
	acct->extra[0].name = "paths_converted";
	acct->extra[0].n = c->converted;
	acct->extra[1].name = "paths_null";
	acct->extra[1].n = c->nulls;
	acct->extra[2].name = "touchpoints";
	acct->extra[2].n = c->touches;
	acct->extra[3].name = "unattributed";
	acct->extra[3].n = c->unattributed;
	if (c->opt->type_field != NULL) {
		acct->extra[4].name = "impressions";
		acct->extra[4].n = c->impressions;
	}
}

/* Credit the journeys (and resample them) with every model. */
static void
credit(struct attr_opts *opt, const struct attr_data *d,
    struct attr_totals *tot)
{
	const char *why;

	for (size_t i = 0; i < opt->nmodels; i++)
		attr_model_alloc(&opt->models[i], d->nch);
	if (attr_run(d, NULL, opt->models, opt->nmodels, tot, &why) == -1 ||
	    (opt->bootstrap > 0 && attr_bootstrap(d, opt->models,
	    opt->nmodels, opt->bootstrap, opt->seed, &why) == -1))
		cdp_die(EX_DATAERR, NULL, 0, "%s", why);
}

int
attribution_main(int argc, char **argv)
{
	struct attr_opts opt;
	struct attr_data d = { 0 };
	struct attr_totals tot;
	struct attr_names names;
	struct cdp_acct acct;
	struct ctx c;
	int nargs = parse_options(argc, argv, &opt);

	ctx_init(&c, &opt);
	report_acct_open(&opt.ro, &acct);
	cdp_each(argv + nargs, argc - nargs, &opt.ro.common, &acct, one, &c);
	sort_channels(&c);
	cut_paths(&c, &d);
	resolve_sequences(&c, &d);
	names = (struct attr_names){ .names = c.names.p, .off = c.name_off,
	    .n = c.nch };
	if (opt.paths) {
		attr_paths_write(&opt.ro, &d, &names, opt.value != NULL);
	} else {
		credit(&opt, &d, &tot);
		attr_credit_write(&opt.ro, &d, &names, &(struct attr_show){
		    .models = opt.models, .nmodels = opt.nmodels,
		    .value = opt.value != NULL, .reps = opt.bootstrap,
		    .seqs = (const char *const *)opt.seqs,
		    .nseq = opt.nseq });
	}
	stats(&c, &acct);
	report_acct_close(&opt.ro, &acct);
	for (size_t i = 0; i < opt.nmodels; i++)
		attr_model_free(&opt.models[i]);
	attr_data_free(&d);
	ctx_free(&c);
	return 0;
}
