/*
 * attribution.c - cdp-report attribution: cut each path id's events, in
 * time order, into touchpoint paths that end in a conversion (or stay
 * open), and print the credit per channel of each model, or the paths.
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
"                            position[:FIRST,MIDDLE,LAST], markov\n"
"                            (repeatable or comma-separated; default last;\n"
"                            time-decay:7d and position:40,20,40 by default)\n"
"      --lookback DURATION   drop touchpoints older than DURATION before\n"
"                            the conversion (e.g. 30d)\n"
"      --paths               print the paths (conversions, value, nulls)\n"
"                            instead of the credit\n"
REPORT_USAGE
CDP_COMMON_USAGE;

enum {
	OPT_CHANNEL = REPORT_OPT_PRIVATE,
	OPT_LOOKBACK,
	OPT_PATH_ID,
	OPT_PATHS,
	OPT_VALUE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	REPORT_LONGOPTS,
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "conversion", required_argument, NULL, 'c' },
	{ "lookback", required_argument, NULL, OPT_LOOKBACK },
	{ "model", required_argument, NULL, 'm' },
	{ "path-id", required_argument, NULL, OPT_PATH_ID },
	{ "paths", no_argument, NULL, OPT_PATHS },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'c', "conversion" },
	{ 'm', "model" },
	{ 0, NULL }
};

#define MAX_MODELS	ATTR_NKINDS
#define NO_CHANNEL	UINT32_MAX

struct attr_opts {
	struct report_opts	 ro;
	const char		*path_id;
	const char		*channel;
	const char		*value;		/* NULL: no value columns */
	const char		*conversion;
	double			 lookback;	/* seconds; 0 = none */
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
};

/* ---- options ---- */

static void
add_model(struct attr_opts *opt, const struct attr_model *m)
{
	for (size_t i = 0; i < opt->nmodels; i++)
		if (opt->models[i].kind == m->kind)
			cdp_usage_die(usage, "--model: %s given twice",
			    attr_kind_name(m->kind));
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

/* One --model argument: a comma list, where position: takes three. */
static void
parse_models(struct attr_opts *opt, char *arg)
{
	static const char *const plain[] = { "first", "last", "linear",
	    NULL, NULL, "markov" };
	char *tok[32];
	int n = cdp_split_list(arg, tok, 32);

	if (n <= 0)
		cdp_usage_die(usage, "--model: expected a list of models");
	for (int i = 0; i < n; i++) {
		struct attr_model m = { .half_life = 7 * 86400.0,
		    .share = { 0.4, 0.2, 0.4 } };
		char *colon = strchr(tok[i], ':');
		bool found = false;

		if (colon != NULL)
			*colon++ = '\0';
		for (int k = 0; k < ATTR_NKINDS; k++)
			if (plain[k] != NULL && strcmp(tok[i], plain[k]) == 0 &&
			    colon == NULL) {
				m.kind = (enum attr_kind)k;
				found = true;
			}
		if (!found && strcmp(tok[i], "time-decay") == 0) {
			m.kind = ATTR_DECAY;
			if (colon != NULL && report_parse_duration(colon,
			    &m.half_life) == -1)
				cdp_usage_die(usage, "--model: time-decay: bad "
				    "half-life '%s' (e.g. 7d)", colon);
			found = true;
		} else if (!found && strcmp(tok[i], "position") == 0) {
			m.kind = ATTR_POSITION;
			if (colon != NULL) {
				char *s[3] = { colon, NULL, NULL };

				if (i + 2 >= n)
					cdp_usage_die(usage, "--model: position: "
					    "expected three percentages such "
					    "as 40,20,40");
				s[1] = tok[++i];
				s[2] = tok[++i];
				position_shares(&m, s);
			}
			found = true;
		}
		if (!found)
			cdp_usage_die(usage, "--model: unknown model '%s' "
			    "(first, last, linear, time-decay, position, "
			    "markov)", tok[i]);
		add_model(opt, &m);
	}
}

static int
parse_options(int argc, char **argv, struct attr_opts *opt)
{
	int ch;

	*opt = (struct attr_opts){ .path_id = "profile_id",
	    .channel = "channel" };
	report_opts_init(&opt->ro, "attribution");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS "c:m:",
	    longopts, old_short)) != -1) {
		if (report_opt(ch, optarg, &opt->ro, usage))
			continue;
		switch (ch) {
		case 'c':
			opt->conversion = optarg;
			break;
		case 'm':
			parse_models(opt, optarg);
			break;
		case OPT_CHANNEL:
			opt->channel = optarg;
			break;
		case OPT_LOOKBACK:
			if (report_parse_duration(optarg, &opt->lookback) == -1)
				cdp_usage_die(usage, "--lookback: expected a "
				    "duration such as 30d");
			break;
		case OPT_PATH_ID:
			opt->path_id = optarg;
			break;
		case OPT_PATHS:
			opt->paths = true;
			break;
		case OPT_VALUE:
			opt->value = optarg;
			break;
		default:
			cdp_usage_die(usage, "unexpected option");
		}
	}
	if (opt->conversion == NULL)
		cdp_usage_die(usage, "--conversion is required");
	if (*opt->path_id == '\0' || *opt->channel == '\0' ||
	    (opt->value != NULL && *opt->value == '\0'))
		cdp_usage_die(usage, "empty field name");
	if (opt->nmodels == 0)
		add_model(opt, &(struct attr_model){ .kind = ATTR_LAST });
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

static int
one(void *arg, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct ctx *c = arg;
	const struct attr_opts *opt = c->opt;
	const struct cdp_field *id, *chf;
	struct event e = { .ch = NO_CHANNEL, .seq = c->nev };
	uint32_t ch = NO_CHANNEL;
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
		ch = channel_of(c);
	}
	if (key_text(c, rec, id) == -1) {
		*why = c->bad_id;
		return -1;
	}
	e.path = intern(c->path_ix, c->key.p, c->key.len, c->npaths, &added);
	if (added && ++c->npaths == UINT32_MAX)
		cdp_oom(0);
	e.ch = ch;
	if (ch != NO_CHANNEL)
		c->touches++;
	cdp_xgrow((void **)&c->ev, &c->capev, c->nev + 1, sizeof(*c->ev));
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

/*
 * Walk the events in path id and time order: touchpoints gather, a
 * conversion closes the path (its own channel, if any, as the last
 * touch; older touches than --lookback dropped), and what is still open
 * at the end of a path id is a null path.
 */
static void
cut_paths(struct ctx *c, struct attr_acc *acc)
{
	uint32_t *ch = NULL;
	double *t = NULL;
	size_t n = 0, cap = 0, capt = 0;

	if (c->nev > 0)
		qsort(c->ev, c->nev, sizeof(*c->ev), cmp_event);
	for (size_t i = 0; i < c->nev; i++) {
		const struct event *e = &c->ev[i];
		struct attr_path p = { 0 };
		size_t first = 0;

		if (e->ch != NO_CHANNEL) {
			if (cdp_grow((void **)&ch, &cap, n + 1, sizeof(*ch))
			    == -1 || cdp_grow((void **)&t, &capt, n + 1,
			    sizeof(*t)) == -1)
				cdp_oom(0);
			ch[n] = e->ch;
			t[n++] = e->t;
		}
		if (e->conv) {
			while (c->opt->lookback > 0 && first < n &&
			    e->t - t[first] > c->opt->lookback)
				first++;
			p = (struct attr_path){ .ch = ch + first,
			    .t = t + first, .n = n - first,
			    .converted = true, .tconv = e->t,
			    .value = e->value };
			if (p.n == 0)
				c->unattributed++;
			else
				c->converted++;
			attr_acc_path(acc, &p);
			n = 0;
		}
		if (n > 0 && (i + 1 == c->nev || c->ev[i + 1].path != e->path)) {
			p = (struct attr_path){ .ch = ch, .t = t, .n = n };
			c->nulls++;
			attr_acc_path(acc, &p);
			n = 0;
		}
	}
	free(ch);
	free(t);
}

/* ---- tables ---- */

static void
credit_table(const struct ctx *c, struct attr_acc *acc, struct rtable *t)
{
	double *re = cdp_xcalloc(c->nch + 1, sizeof(*re));
	int col[MAX_MODELS][3];
	char name[64];
	const char *why;

	rtable_init(t, "attribution", "conversions credited per channel");
	t->chart = CHART_BAR;
	rtable_col(t, "channel", -1);
	for (size_t i = 0; i < acc->nmodels; i++) {
		const char *k = attr_kind_name(acc->models[i].kind);

		snprintf(name, sizeof(name), "%s_conversions", k);
		col[i][0] = rtable_col(t, name, 4);
		snprintf(name, sizeof(name), "%s_value", k);
		col[i][1] = c->opt->value != NULL ? rtable_col(t, name, 2) : -1;
		col[i][2] = acc->models[i].kind == ATTR_MARKOV ?
		    rtable_col(t, "removal_effect", 4) : -1;
		if (acc->models[i].kind == ATTR_MARKOV &&
		    attr_markov(acc, &acc->models[i], re, &why) == -1)
			cdp_die(EX_DATAERR, NULL, 0, "%s", why);
	}
	for (uint32_t ch = 0; ch < c->nch; ch++) {
		size_t r = rtable_row(t);
		const char *s = ch_name(c, ch);

		rtable_str(t, r, 0, s, strlen(s));
		for (size_t i = 0; i < acc->nmodels; i++) {
			const struct attr_model *m = &acc->models[i];

			rtable_num(t, r, col[i][0], attr_round(m->conv[ch]));
			if (col[i][1] >= 0)
				rtable_num(t, r, col[i][1],
				    attr_round(m->value[ch]));
			if (col[i][2] >= 0)
				rtable_num(t, r, col[i][2], attr_round(re[ch]));
		}
	}
	free(re);
}

static int
cmp_pathrow(const void *a, const void *b)
{
	const struct attr_pathrow *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;

	if (x->conv != y->conv)
		return x->conv > y->conv ? -1 : 1;
	/* Channels are numbered in name order: comparing numbers compares
	 * the names, as the path strings would. */
	for (size_t i = 0; i < n; i++) {
		uint32_t p = x->ch[i], q = y->ch[i];

		if (p != q)
			return p < q ? -1 : 1;
	}
	return (x->n > y->n) - (x->n < y->n);
}

static void
paths_table(const struct ctx *c, struct attr_acc *acc, struct rtable *t)
{
	struct cdp_buf s = { 0 };
	int vcol = -1, ncol;

	rtable_init(t, "paths", "touchpoint paths");
	rtable_col(t, "path", -1);
	rtable_col(t, "conversions", -1);
	if (c->opt->value != NULL)
		vcol = rtable_col(t, "value", 2);
	ncol = rtable_col(t, "nulls", -1);
	/* seq grows no more: the rows may point into it now. */
	for (size_t i = 0; i < acc->nrows; i++)
		acc->rows[i].ch = acc->seq + acc->rows[i].off;
	if (acc->nrows > 0)
		qsort(acc->rows, acc->nrows, sizeof(*acc->rows),
		    cmp_pathrow);
	for (size_t i = 0; i < acc->nrows; i++) {
		const struct attr_pathrow *p = &acc->rows[i];
		size_t r = rtable_row(t);

		cdp_buf_reset(&s);
		for (size_t j = 0; j < p->n; j++)
			if ((j > 0 && cdp_buf_adds(&s, " > ") == -1) ||
			    cdp_buf_adds(&s, ch_name(c, p->ch[j]))
			    == -1)
				cdp_oom(0);
		rtable_str(t, r, 0, s.p != NULL ? s.p : "", s.len);
		rtable_int(t, r, 1, p->conv);
		if (vcol >= 0)
			rtable_num(t, r, vcol, attr_round(p->value));
		rtable_int(t, r, ncol, p->nulls);
	}
	cdp_buf_free(&s);
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

int
attribution_main(int argc, char **argv)
{
	struct attr_opts opt;
	struct attr_acc acc = { 0 };
	struct cdp_acct acct;
	struct rtable t, *tp = &t;
	struct ctx c;
	int nargs = parse_options(argc, argv, &opt);

	ctx_init(&c, &opt);
	report_acct_open(&opt.ro, &acct);
	cdp_each(argv + nargs, argc - nargs, &opt.ro.common, &acct, one, &c);
	sort_channels(&c);
	acc.models = opt.models;
	acc.nmodels = opt.nmodels;
	for (size_t i = 0; i < opt.nmodels; i++)
		acc.markov |= opt.models[i].kind == ATTR_MARKOV;
	acc.markov &= !opt.paths;
	acc.want_paths = opt.paths;
	if (acc.markov && c.nch > 2000)
		cdp_die(EX_DATAERR, NULL, 0, "markov: %zu channels, at most "
		    "2000", c.nch);
	attr_acc_init(&acc, c.nch);
	cut_paths(&c, &acc);
	if (opt.paths)
		paths_table(&c, &acc, &t);
	else
		credit_table(&c, &acc, &t);
	report_write(&opt.ro, &tp, 1);
	acct.extra[0].name = "paths_converted";
	acct.extra[0].n = c.converted;
	acct.extra[1].name = "paths_null";
	acct.extra[1].n = c.nulls;
	acct.extra[2].name = "touchpoints";
	acct.extra[2].n = c.touches;
	acct.extra[3].name = "unattributed";
	acct.extra[3].n = c.unattributed;
	report_acct_close(&opt.ro, &acct);
	rtable_free(&t);
	attr_acc_free(&acc);
	ctx_free(&c);
	return 0;
}
