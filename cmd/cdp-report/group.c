/*
 * group.c - cdp-report group: KPIs per group of records.
 *
 * A group is the tuple of its --by values; its key bytes (agg.h) hash to
 * 128 bits, and a keymap from that hash to the group's number finds its
 * state.  Each group holds one small state per aggregate (struct ast) and
 * one list of numbers per field that a quantile reads, so memory grows
 * with the groups (and with the values a quantile or distinct has to
 * keep), never with the records.
 *
 * --partial writes that state as NDJSON and --merge reads it back, so
 * shards of the input can be aggregated apart and combined into the same
 * result as one run.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agg.h"
#include "diag.h"
#include "each.h"
#include "par.h"
#include "sort.h"
#include "span.h"
#include "xalloc.h"
#include "report.h"

#define MAXBY	16
#define MAXAGG	64

static const char usage[] =
"usage: cdp-report group [--by F[,F...]] [--agg AGG[,AGG...]] [options]\n"
"                        [FILE...]\n"
"KPIs per group of records: one row per distinct --by tuple, sorted.\n"
"      --by FIELDS           group by these fields (none: one total row)\n"
"      --agg AGGS            count, sum:F, avg:F, min:F, max:F, distinct:F,\n"
"                            pN:F (N in 0..100, e.g. p50:F, p95:F),\n"
"                            first:F, last:F (default count)\n"
"      --allow-missing       an aggregate of a field no record has gives\n"
"                            empty cells instead of stopping the run\n"
"      --currency FIELD      the field naming a record's currency (default\n"
"                            F_currency, else _currency): sums, means and\n"
"                            percentiles refuse to mix currencies in one\n"
"                            group\n"
"      --whole-arrays        an array groups as one value (its JSON text),\n"
"                            not once under each of its elements\n"
"      --partial             write the mergeable state as NDJSON instead\n"
"      --merge               read --partial files instead of records\n"
CDP_THREADS_USAGE
REPORT_USAGE
CDP_COMMON_USAGE;

enum { OPT_PARTIAL = REPORT_OPT_PRIVATE, OPT_MERGE, OPT_ALLOW_MISSING,
	OPT_CURRENCY, OPT_WHOLE_ARRAYS };

static const struct option longopts[] = {
	{ "agg", required_argument, NULL, 'a' },
	{ "allow-missing", no_argument, NULL, OPT_ALLOW_MISSING },
	{ "by", required_argument, NULL, 'b' },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "whole-arrays", no_argument, NULL, OPT_WHOLE_ARRAYS },
	CDP_COMMON_LONGOPTS,
	CDP_THREADS_LONGOPT,
	REPORT_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'a', "agg" },
	{ 'b', "by" },
	{ 0, NULL }
};

enum akind { A_COUNT, A_SUM, A_AVG, A_MIN, A_MAX, A_DISTINCT, A_PCT,
	A_FIRST, A_LAST, A_VALUES };

static const char *const kname[] = { "count", "sum", "avg", "min", "max",
	"distinct", "p", "first", "last", "values" };

struct aspec {
	enum akind	 kind;
	int		 fld;	/* index in g->fld, -1 for count */
	int		 q;	/* A_PCT: its list (index in the states) */
	double		 p;	/* A_PCT: 0..1 */
	char		*spec;	/* "sum:revenue", as in partial headers */
	char		*col;	/* "sum_revenue" */
};

/* A value a group holds: min, max, first, last. */
struct hval {
	uint8_t		t;
	double		num;
	struct cdp_buf	s;
};

/* One aggregate's state in one group. */
struct ast {
	uint64_t	n;	/* values taken (count: records) */
	uint8_t		dec;	/* sum: the most decimals of its terms, or
				   DEC_NONE */
	union {
		struct ksum	 k;
		struct hval	 v;
		struct hset	 set;
		struct {
			double	*x;
			size_t	 cap;
			bool	 sorted;
		}		 q;
	} u;
};

/* A field the aggregates read, fetched once per record. */
struct afld {
	char		*name;
	size_t		 namelen;
	bool		 numeric;	/* sum, avg or pN reads it */
	char		*curfield;	/* "F_currency", its currency field
					   unless --currency */
	size_t		 curfieldlen;
	char		*notnum;	/* "F: not a number" */
	struct cdp_buf	 scratch;
	struct aval	 v;
	bool		 skip;		/* this record's value is not a number */
	bool		 has;		/* this record has the field */
	uint64_t	 present;	/* records that have the field */
	bool		 present_known;	/* false: a merged partial did not
					   say (an older version) */
};

/* The values a record gives one --by field: the key bytes of each
 * (agg_key_add), distinct, in e[0..n). */
struct byvals {
	struct cdp_buf	 k;
	size_t		*off;		/* where each starts in k */
	struct kspan {
		const char	*p;
		size_t		 n;
	}		*e;
	size_t		 n, cap, ecap;
};

struct grp {
	struct report_opts	 ro;
	bool			 partial, merge;
	bool			 whole_arrays;	/* --whole-arrays */
	struct byvals		 bv[MAXBY];
	char			*bylist, *agglist;	/* as given */
	const char		*by[MAXBY];
	size_t			 bylen[MAXBY];
	int			 nby;
	struct aspec		 agg[MAXAGG];
	int			 nagg;
	int			 nst;	/* nagg + quantile lists */
	struct afld		 fld[MAXAGG];
	int			 nfld;
	struct cdp_keymap	*map;
	struct cdp_buf		 keys;	/* every group's key bytes */
	struct cdp_buf		 kb, tmp, cur;	/* scratch */
	size_t			*koff;	/* per group: its key in keys */
	size_t			 kcap;
	struct ast		*st;	/* ngroups * nst */
	size_t			 stcap;
	size_t			 ngroups;
	unsigned long long	 nonnumeric;
	bool			 allow_missing;	/* --allow-missing */
	const char		*currency;	/* --currency FIELD */
	size_t			 dcurlen;	/* strlen(curfield_name(nfld)) */
	bool			 money;		/* a sum, mean or percentile */
	uint64_t		 records;	/* used (merged: in the partials) */
	/* Currencies seen: value key bytes -> 1, 2, ... (0: none), their
	 * JSON text for messages; per group the one it holds. */
	struct cdp_keymap	*curmap;
	struct cdp_buf		 curtext;
	size_t			*curoff;
	size_t			 ncur, curcap;
	uint32_t		*gcur;
	const char		**gcurfield;	/* the field it came from */
	size_t			 gcurcap;
	char			**curfields;	/* those named by partials */
	size_t			 ncurfields;
	bool			 header;	/* --merge: seen one */
	char			*notpart;	/* partial mismatch message */
	/* A parallel run's lane: the block it folds (for failures), and
	 * the groups of the hashes it saw last (lane_group()). */
	struct cdp_par_block	*blk;
	int			 nlanes;
	struct lslot {
		struct cdp_key128	h;
		size_t			grp;	/* + 1; 0: empty */
	}			*lcache;
};

static int
field_of(struct grp *g, const char *name, bool numeric)
{
	int i;

	for (i = 0; i < g->nfld; i++)
		if (strcmp(g->fld[i].name, name) == 0)
			break;
	if (i == g->nfld) {
		struct cdp_buf b = { 0 }, c = { 0 };
		if (cdp_buf_addf(&b, "%s: not a number", name) == -1 ||
		    cdp_buf_addf(&c, "%s_currency", name) == -1)
			cdp_oom(0);
		g->fld[i] = (struct afld){ .name = cdp_xstrdup(name),
		    .namelen = strlen(name), .notnum = b.p, .curfield = c.p,
		    .curfieldlen = c.len, .present_known = true };
		g->nfld++;
	}
	g->fld[i].numeric |= numeric;
	return i;
}

static void
parse_agg(struct grp *g, char *item)
{
	struct aspec *a = &g->agg[g->nagg];
	char *colon = strchr(item, ':'), *f = NULL;
	struct cdp_buf col = { 0 }, spec = { 0 };
	long pct;
	int k;

	if (colon != NULL) {
		*colon = '\0';
		f = colon + 1;
	}
	for (k = 0; k <= A_LAST; k++)
		if (k != A_PCT && strcmp(item, kname[k]) == 0)
			break;
	if (k > A_LAST && item[0] == 'p' && item[1] != '\0' &&
	    cdp_parse_long(item + 1, 0, 100, &pct) == 0) {
		k = A_PCT;
		a->p = (double)pct / 100;
	}
	if (k > A_LAST)
		cdp_usage_die(usage, "--agg: unknown aggregate '%s'", item);
	if (k == A_COUNT && f != NULL)
		cdp_usage_die(usage, "--agg: count takes no field");
	if (k != A_COUNT && (f == NULL || *f == '\0'))
		cdp_usage_die(usage, "--agg: %s needs a field, as %s:FIELD",
		    item, item);
	a->kind = (enum akind)k;
	a->fld = f == NULL ? -1 : field_of(g, f,
	    k == A_SUM || k == A_AVG || k == A_PCT);
	if (cdp_buf_adds(&col, item) == -1 ||
	    (f != NULL && cdp_buf_addf(&col, "_%s", f) == -1) ||
	    cdp_buf_adds(&spec, item) == -1 ||
	    (f != NULL && cdp_buf_addf(&spec, ":%s", f) == -1))
		cdp_oom(0);
	for (int i = 0; i < g->nagg; i++)
		if (strcmp(g->agg[i].spec, spec.p) == 0)
			cdp_usage_die(usage, "--agg: %s given twice", spec.p);
	a->spec = spec.p;
	a->col = col.p;
	g->nagg++;
}

/* Quantiles of one field share one list of its numbers. */
static void
plan_lists(struct grp *g)
{
	g->nst = g->nagg;
	for (int i = 0; i < g->nagg; i++) {
		if (g->agg[i].kind != A_PCT)
			continue;
		g->agg[i].q = -1;
		for (int j = g->nagg; j < g->nst; j++)
			if (g->agg[j].fld == g->agg[i].fld)
				g->agg[i].q = j;
		if (g->agg[i].q == -1) {
			if (g->nst == MAXAGG)
				cdp_usage_die(usage, "--agg: too many");
			g->agg[g->nst] = (struct aspec){ .kind = A_VALUES,
			    .fld = g->agg[i].fld };
			g->agg[i].q = g->nst++;
		}
	}
}

static void
parse_options(int argc, char **argv, struct grp *g)
{
	char *items[MAXAGG];
	int ch, n;

	report_opts_init(&g->ro, "group");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS "a:b:",
	    longopts, old_short)) != -1) {
		switch (ch) {
		case 'a':
			g->agglist = optarg;
			break;
		case 'b':
			g->bylist = optarg;
			break;
		case OPT_PARTIAL:
			g->partial = true;
			break;
		case OPT_MERGE:
			g->merge = true;
			break;
		case OPT_ALLOW_MISSING:
			g->allow_missing = true;
			break;
		case OPT_WHOLE_ARRAYS:
			g->whole_arrays = true;
			break;
		case OPT_CURRENCY:
			if (*optarg == '\0')
				cdp_usage_die(usage, "--currency: empty field "
				    "name");
			g->currency = optarg;
			break;
		default:
			report_opt(ch, optarg, &g->ro, usage);
			if (ch == '?' || ch == 0)
				cdp_usage_die(usage, "bad option");
			break;
		}
	}
	if (g->bylist != NULL) {
		char *s = cdp_xstrdup(g->bylist);

		if ((n = cdp_split_list(s, (char **)g->by, MAXBY)) < 0)
			cdp_usage_die(usage, "--by: expected up to %d field "
			    "names separated by commas", MAXBY);
		g->nby = n;
		for (int i = 0; i < n; i++) {
			g->bylen[i] = strlen(g->by[i]);
			for (int j = 0; j < i; j++)
				if (strcmp(g->by[i], g->by[j]) == 0)
					cdp_usage_die(usage, "--by: %s given "
					    "twice", g->by[i]);
		}
	}
	{
		char *s = cdp_xstrdup(g->agglist != NULL ? g->agglist :
		    "count");

		if ((n = cdp_split_list(s, items, MAXAGG / 2)) < 0)
			cdp_usage_die(usage, "--agg: expected up to %d "
			    "aggregates separated by commas", MAXAGG / 2);
		for (int i = 0; i < n; i++)
			parse_agg(g, items[i]);
		free(s);
	}
	for (int i = 0; i < g->nby; i++)
		for (int j = 0; j < g->nagg; j++)
			if (strcmp(g->agg[j].col, g->by[i]) == 0)
				cdp_usage_die(usage, "column %s is both a "
				    "group and an aggregate", g->by[i]);
	plan_lists(g);
	for (int i = 0; i < g->nagg; i++)
		g->money |= g->agg[i].kind == A_SUM ||
		    g->agg[i].kind == A_AVG || g->agg[i].kind == A_PCT;
	report_opts_done(&g->ro, usage);
}

/* ---- state ---- */

/*
 * The decimals of a sum: the most of its terms (the digits after the
 * point of 12.50 and 0.1e1 alike: 2 and 0), DEC_NONE when a term has more
 * than DEC_MAX or only its double is known (a partial before them).  A
 * sum of amounts in cents is then written in cents, without the float
 * noise of its binary terms (3247.18, not 3247.1800000000003).
 */
#define DEC_MAX		15
#define DEC_NONE	UINT8_MAX

static uint8_t
dec_max(uint8_t a, uint8_t b)
{
	return a == DEC_NONE || b == DEC_NONE ? DEC_NONE : a > b ? a : b;
}

/* The decimals of number v, from its canonical text [-]D[.DDD]eE. */
static uint8_t
decimals(const struct aval *v)
{
	const char *e, *dot, *p, *end = v->s + v->n;
	long frac, exp = 0;

	if (v->n == 0)
		return DEC_NONE;
	if ((e = memchr(v->s, 'e', v->n)) == NULL)
		return 0;	/* "0" */
	dot = memchr(v->s, '.', (size_t)(e - v->s));
	frac = dot != NULL ? e - dot - 1 : 0;
	/* The exponent, within the text (it is not NUL-terminated). */
	for (p = e + 1 + (e + 1 < end && e[1] == '-'); p < end &&
	    *p >= '0' && *p <= '9' && exp <= DEC_MAX * 100; p++)
		exp = exp * 10 + (*p - '0');
	frac += e + 1 < end && e[1] == '-' ? exp : -exp;
	return frac <= 0 ? 0 : frac > DEC_MAX ? DEC_NONE : (uint8_t)frac;
}

/* Sum x rounded to its terms' decimals dec, when a double holds every
 * such number of its size (below 2^53 units of the last decimal). */
static double
sum_round(double x, uint8_t dec)
{
	char buf[64];

	if (dec == DEC_NONE || !isfinite(x) ||
	    fabs(x) * pow(10, dec) >= 9007199254740992.0)
		return x;
	snprintf(buf, sizeof(buf), "%.*f", dec, x);
	x = strtod(buf, NULL);
	return x == 0 ? 0 : x;
}

static struct ast *
states(struct grp *g, size_t grp)
{
	return &g->st[grp * (size_t)g->nst];
}

/* The group of key bytes key[0..n) (hash h), made when new. */
static size_t
group_of(struct grp *g, struct cdp_key128 h, const char *key, size_t n)
{
	uint64_t *v;
	int added;
	size_t k = g->ngroups;

	if ((v = cdp_keymap_put(g->map, h, k, &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return (size_t)*v;
	if (cdp_grow((void **)&g->koff, &g->kcap, k + 1,
	    sizeof(*g->koff)) == -1 ||
	    cdp_grow((void **)&g->st, &g->stcap, (k + 1) * (size_t)g->nst,
	    sizeof(*g->st)) == -1)
		cdp_oom(0);
	g->koff[k] = g->keys.len;
	if (cdp_buf_add(&g->keys, key, n) == -1)
		cdp_oom(0);
	memset(states(g, k), 0, (size_t)g->nst * sizeof(*g->st));
	g->ngroups++;
	return k;
}

/* The group of the key bytes in g->kb. */
static size_t
group_of_kb(struct grp *g)
{
	return group_of(g, cdp_key128_of(g->kb.p, g->kb.len), g->kb.p,
	    g->kb.len);
}

static void
hval_set(struct hval *h, const struct aval *v)
{
	h->t = v->t;
	h->num = v->num;
	cdp_buf_reset(&h->s);
	if ((v->t == AV_STR || v->t >= AV_ARR) &&
	    cdp_buf_add(&h->s, v->s, v->n) == -1)
		cdp_oom(0);
}

static void
hval_get(const struct hval *h, struct aval *v)
{
	*v = (struct aval){ .t = h->t, .num = h->num, .s = h->s.p,
	    .n = h->s.len };
	if (v->s == NULL)
		v->s = "";
}

/* Fold value v into min/max/first/last state s. */
static void
take_value(struct ast *s, enum akind kind, const struct aval *v)
{
	struct aval cur;

	if (v->t == AV_NULL)
		return;
	if (kind == A_MIN || kind == A_MAX) {
		/* Only numbers and strings have an order worth
		 * reporting; booleans, arrays and objects are left out. */
		if (v->t != AV_NUM && v->t != AV_STR)
			return;
		if (s->n > 0) {
			int c;

			hval_get(&s->u.v, &cur);
			c = agg_cmp(v, &cur);
			if (kind == A_MIN ? c >= 0 : c <= 0)
				return;
		}
	} else if (kind == A_FIRST && s->n > 0)
		return;
	hval_set(&s->u.v, v);
	s->n = 1;
}

static void
take_number(struct ast *s, double x)
{
	if (s->n == s->u.q.cap && cdp_grow((void **)&s->u.q.x, &s->u.q.cap,
	    s->n + 1, sizeof(double)) == -1)
		cdp_oom(0);
	s->u.q.x[s->n++] = x;
	s->u.q.sorted = false;
}

static void
take_hash(struct ast *s, struct cdp_key128 h)
{
	int added;

	if (hset_put(&s->u.set, h, 0, &added) == NULL)
		cdp_oom(0);
	s->n = s->u.set.n;
}

/* ---- currencies ---- */

/* The number of currency text s[0..n) (JSON), 1, 2, ... */
static uint32_t
currency_id(struct grp *g, const char *s, size_t n)
{
	uint64_t *v;
	int added;

	if (g->curmap == NULL && (g->curmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if ((v = cdp_keymap_put(g->curmap, cdp_key128_of(s, n), g->ncur + 1,
	    &added)) == NULL)
		cdp_oom(0);
	if (added) {
		if (cdp_grow((void **)&g->curoff, &g->curcap, g->ncur + 2,
		    sizeof(*g->curoff)) == -1)
			cdp_oom(0);
		g->curoff[++g->ncur] = g->curtext.len;
		if (cdp_buf_add(&g->curtext, s, n) == -1 ||
		    cdp_buf_addc(&g->curtext, '\0') == -1)
			cdp_oom(0);
	}
	return (uint32_t)*v;
}

static const char *
currency_text(const struct grp *g, uint32_t id)
{
	return g->curtext.p + g->curoff[id];
}

/* The first sum, mean or percentile, for messages. */
static const char *
money_spec(const struct grp *g)
{
	for (int i = 0; i < g->nagg; i++)
		if (g->agg[i].kind == A_SUM || g->agg[i].kind == A_AVG ||
		    g->agg[i].kind == A_PCT)
			return g->agg[i].spec;
	return "";
}

/*
 * Group grp takes currency id (0: none), named by the record's (or
 * partial's) field: a group holds amounts of one currency at most, or the
 * run stops (65) at file:line (line 0: a merged partial).
 */
static void
take_currency(struct grp *g, size_t grp, uint32_t id, const char *field,
    const char *file, long line)
{
	size_t old = g->gcurcap;

	if (id == 0)
		return;
	if (grp >= g->gcurcap) {
		if (cdp_grow((void **)&g->gcur, &g->gcurcap, grp + 1,
		    sizeof(*g->gcur)) == -1)
			cdp_oom(0);
		memset(g->gcur + old, 0, (g->gcurcap - old) *
		    sizeof(*g->gcur));
		g->gcurfield = cdp_xreallocarray(g->gcurfield, g->gcurcap,
		    sizeof(*g->gcurfield));
	}
	if (g->gcur[grp] == 0) {
		g->gcur[grp] = id;
		g->gcurfield[grp] = field;
		return;
	}
	if (g->gcur[grp] == id)
		return;
	cdp_buf_reset(&g->tmp);
	if (cdp_buf_addf(&g->tmp, "%s would mix amounts in %s and %s in one "
	    "group: add %s to --by, or keep one currency", money_spec(g),
	    currency_text(g, g->gcur[grp]), currency_text(g, id), field) == -1)
		cdp_oom(0);
	if (g->blk != NULL)
		cdp_par_fail(g->blk, line, EX_DATAERR, g->tmp.p);
	else
		cdp_die(EX_DATAERR, file, line, "%s", g->tmp.p);
}

/* The currency field name a partial gives (interned), or the one of
 * partials older than that: --currency, else _currency. */
static const char *
partial_curfield(struct grp *g, const json_t *name)
{
	const char *s = json_string_value(name);

	if (s == NULL)
		return g->currency != NULL ? g->currency : "_currency";
	for (size_t i = 0; i < g->ncurfields; i++)
		if (strcmp(g->curfields[i], s) == 0)
			return g->curfields[i];
	g->curfields = cdp_xreallocarray(g->curfields, g->ncurfields + 1,
	    sizeof(*g->curfields));
	return g->curfields[g->ncurfields++] = cdp_xstrdup(s);
}

/* The name of currency field n of a record's list (record_currency):
 * amount n's F_currency, or --currency or _currency for n = nfld. */
static const char *
curfield_name(const struct grp *g, uint32_t n)
{
	if (n < (uint32_t)g->nfld)
		return g->fld[n].curfield;
	return g->currency != NULL ? g->currency : "_currency";
}

/*
 * A record that gives a sum, mean or percentile a number: the currency
 * of each such amount, if the record names one, into g->cur as a list of
 * (field number, length, JSON text); false if none.  The currency of F
 * is in --currency, else in F_currency (as cdp-ingest --types F:money
 * writes it), else in _currency.
 */
static bool
record_currency(struct grp *g, struct cdp_rec *rec)
{
	cdp_buf_reset(&g->cur);
	if (g->dcurlen == 0)
		g->dcurlen = strlen(curfield_name(g, (uint32_t)g->nfld));
	for (int i = 0; i < g->nfld; i++) {
		const struct afld *a = &g->fld[i];
		const struct cdp_field *f = NULL;
		uint32_t n = (uint32_t)g->nfld, len;
		struct aval v;

		if (!a->numeric || a->v.t != AV_NUM)
			continue;
		if (g->currency == NULL && (f = cdp_rec_find(rec, a->curfield,
		    a->curfieldlen)) != NULL && f->type != CDP_NULL)
			n = (uint32_t)i;
		else
			f = cdp_rec_find(rec, curfield_name(g, n),
			    g->dcurlen);
		if (f == NULL || f->type == CDP_NULL)
			continue;
		(void)agg_val(rec, f, &g->tmp, &v);
		cdp_buf_reset(&g->kb);
		if (agg_json_add(&g->kb, &v) == -1)
			cdp_oom(0);
		len = (uint32_t)g->kb.len;
		if (cdp_buf_add(&g->cur, &n, sizeof(n)) == -1 ||
		    cdp_buf_add(&g->cur, &len, sizeof(len)) == -1 ||
		    cdp_buf_add(&g->cur, g->kb.p, g->kb.len) == -1)
			cdp_oom(0);
	}
	return g->cur.len > 0;
}

/* Group grp takes each currency of a record_currency() list. */
static void
take_currencies(struct grp *g, size_t grp, const char *p, size_t n,
    const char *file, long line)
{
	const char *end = p + n;

	while (p < end) {
		uint32_t k, len;

		memcpy(&k, p, sizeof(k));
		memcpy(&len, p + sizeof(k), sizeof(len));
		p += sizeof(k) + sizeof(len);
		take_currency(g, grp, currency_id(g, p, len),
		    curfield_name(g, k), file, line);
		p += len;
	}
}

/* ---- records ---- */

static void
by_add(struct byvals *b, const struct aval *v)
{
	if (cdp_grow((void **)&b->off, &b->cap, b->n + 1,
	    sizeof(*b->off)) == -1)
		cdp_oom(0);
	b->off[b->n++] = b->k.len;
	if (agg_key_add(&b->k, v) == -1)
		cdp_oom(0);
}

static int
cmp_kspan(const void *x, const void *y)
{
	const struct kspan *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);

	if (c != 0)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

/* The values of b as spans, each once (a record counts once in a
 * group, however often an array names it). */
static void
by_distinct(struct byvals *b)
{
	size_t k = 0;

	if (b->ecap < b->cap) {
		b->e = cdp_xreallocarray(b->e, b->cap, sizeof(*b->e));
		b->ecap = b->cap;
	}
	for (size_t i = 0; i < b->n; i++)
		b->e[i] = (struct kspan){ b->k.p + b->off[i],
		    (i + 1 < b->n ? b->off[i + 1] : b->k.len) - b->off[i] };
	if (b->n < 2)
		return;
	qsort(b->e, b->n, sizeof(*b->e), cmp_kspan);
	for (size_t i = 1; i < b->n; i++)
		if (cmp_kspan(&b->e[i], &b->e[k]) != 0)
			b->e[++k] = b->e[i];
	b->n = k + 1;
}

/*
 * The values --by field i takes in rec: its value, or each element of an
 * array (unless --whole-arrays), an empty array grouping as null as a
 * missing field does.  Returns 0, or -1 when a number does not fit a
 * double.
 */
static int
by_values(struct grp *g, struct cdp_rec *rec, int i)
{
	struct byvals *b = &g->bv[i];
	const struct cdp_field *f = cdp_rec_find(rec, g->by[i],
	    g->bylen[i]);
	const char *e;
	size_t pos = 0, len;
	struct aval v;

	cdp_buf_reset(&b->k);
	b->n = 0;
	if (f == NULL || f->type != CDP_ARRAY || g->whole_arrays) {
		if (agg_val(rec, f, &g->tmp, &v) == -1)
			return -1;
		by_add(b, &v);
	} else {
		while (cdp_span_next(rec->p + f->voff, f->vlen, &pos, &e,
		    &len) == 1) {
			if (agg_elem_val(rec, e, len, &g->tmp, &v) == -1)
				return -1;
			by_add(b, &v);
		}
		if (b->n == 0) {
			v = (struct aval){ .t = AV_NULL };
			by_add(b, &v);
		}
	}
	by_distinct(b);
	return 0;
}

static void
byvals_free(struct grp *g)
{
	for (int i = 0; i < g->nby; i++) {
		cdp_buf_free(&g->bv[i].k);
		free(g->bv[i].off);
		free(g->bv[i].e);
	}
}

/*
 * Check record rec and take the values of its --by fields (g->bv) and of
 * the fields the aggregates read (g->fld[].v): 0, or -1 with *why.
 * Every check comes first: a rejected record leaves no trace.
 */
static int
prepare(struct grp *g, struct cdp_rec *rec, const char **why)
{
	for (int i = 0; i < g->nfld; i++) {
		struct afld *f = &g->fld[i];
		const struct cdp_field *fl = cdp_rec_find(rec, f->name,
		    f->namelen);

		f->has = fl != NULL;
		if (agg_val(rec, fl, &f->scratch, &f->v) == -1) {
			*why = "number out of range";
			return -1;
		}
		f->skip = f->numeric && f->v.t != AV_NUM &&
		    f->v.t != AV_NULL;
		if (f->skip && !g->ro.skip_nonnumeric) {
			*why = f->notnum;
			return -1;
		}
	}
	for (int i = 0; i < g->nby; i++)
		if (by_values(g, rec, i) == -1) {
			*why = "number out of range";
			return -1;
		}
	for (int i = 0; i < g->nfld; i++) {
		g->nonnumeric += g->fld[i].skip;
		g->fld[i].present += g->fld[i].has;
	}
	g->records++;
	return 0;
}

/*
 * Every combination of the --by fields' values prepare() took is a group
 * of the record: ix counts through them like an odometer, from all zero;
 * key_of() gives combination ix's key (one field's value as it is, more
 * joined in g->kb), next_key() moves on to the
 * next, false after the last.
 */
static bool
next_key(struct grp *g, size_t ix[MAXBY])
{
	int i;

	for (i = g->nby - 1; i >= 0 && ++ix[i] == g->bv[i].n; i--)
		ix[i] = 0;
	return i >= 0;
}

static struct kspan
key_of(struct grp *g, const size_t ix[MAXBY])
{
	if (g->nby == 1)
		return g->bv[0].e[ix[0]];
	cdp_buf_reset(&g->kb);
	for (int i = 0; i < g->nby; i++)
		if (cdp_buf_add(&g->kb, g->bv[i].e[ix[i]].p,
		    g->bv[i].e[ix[i]].n) == -1)
			cdp_oom(0);
	return (struct kspan){ g->kb.p, g->kb.len };
}

/* Fold the values in g->fld[].v into group grp. */
static void
fold(struct grp *g, size_t grp)
{
	struct ast *st = states(g, grp);

	for (int i = 0; i < g->nst; i++) {
		const struct aspec *a = &g->agg[i];
		struct afld *f = a->fld >= 0 ? &g->fld[a->fld] : NULL;

		switch (a->kind) {
		case A_COUNT:
			st[i].n++;
			break;
		case A_SUM:
		case A_AVG:
			if (f->v.t == AV_NUM) {
				ksum_add(&st[i].u.k, f->v.num);
				st[i].n++;
				if (a->kind == A_SUM)
					st[i].dec = dec_max(st[i].dec,
					    decimals(&f->v));
			}
			break;
		case A_VALUES:
			if (f->v.t == AV_NUM)
				take_number(&st[i], f->v.num);
			break;
		case A_DISTINCT:
			if (f->v.t != AV_NULL)
				take_hash(&st[i], agg_hash(&f->v, &g->tmp));
			break;
		case A_PCT:
			break;
		default:
			take_value(&st[i], a->kind, &f->v);
			break;
		}
	}
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct grp *g = ctx;
	size_t ix[MAXBY];
	struct kspan k;
	bool cur;
	size_t grp;

	if (prepare(g, rec, why) == -1)
		return -1;
	cur = g->money && record_currency(g, rec);
	for (int i = 0; i < g->nby; i++)
		ix[i] = 0;
	do {
		k = key_of(g, ix);
		grp = group_of(g, cdp_key128_of(k.p, k.n), k.p, k.n);
		if (cur)
			take_currencies(g, grp, g->cur.p, g->cur.len,
			    at->file, at->line->lineno);
		fold(g, grp);
	} while (next_key(g, ix));
	return 0;
}

/* ---- partial files ---- */

static void
add_list(struct cdp_buf *b, const char *const *s, int n, size_t stride)
{
	for (int i = 0; i < n; i++) {
		const char *x = *(const char *const *)(const void *)
		    ((const char *)s + (size_t)i * stride);

		if ((i > 0 && cdp_buf_addc(b, ',') == -1) ||
		    cdp_json_quote(b, x, strlen(x)) == -1)
			cdp_oom(0);
	}
}

static void
partial_header(struct grp *g, struct cdp_buf *b)
{
	if (cdp_buf_adds(b, "{\"_partial\":\"cdp-report group\","
	    "\"version\":1,\"by\":[") == -1)
		cdp_oom(0);
	add_list(b, g->by, g->nby, sizeof(g->by[0]));
	if (cdp_buf_addf(b, "],\"arrays\":\"%s\",\"agg\":[",
	    g->whole_arrays ? "whole" : "each") == -1)
		cdp_oom(0);
	add_list(b, (const char *const *)&g->agg[0].spec, g->nagg,
	    sizeof(g->agg[0]));
	/* How many records had each field, for the merge's check that
	 * some record has it. */
	if (cdp_buf_addf(b, "],\"records\":%llu,\"present\":{",
	    (unsigned long long)g->records) == -1)
		cdp_oom(0);
	for (int i = 0; i < g->nfld; i++)
		if ((i > 0 && cdp_buf_addc(b, ',') == -1) ||
		    cdp_json_quote(b, g->fld[i].name,
		    strlen(g->fld[i].name)) == -1 ||
		    cdp_buf_addf(b, ":%llu",
		    (unsigned long long)g->fld[i].present) == -1)
			cdp_oom(0);
	if (cdp_buf_adds(b, "}}\n") == -1)
		cdp_oom(0);
}

/* A value in a partial: arrays and objects as {"json":TEXT}, so that
 * they merge back byte for byte, and numbers no double holds (20-digit
 * ids) as {"num":CANON}, their exact value (cdp_num_canon()). */
static int
partial_val(struct cdp_buf *b, const struct aval *v)
{
	size_t at = b->len;

	if (v->t == AV_NUM) {
		struct aval d = { .t = AV_NUM, .num = v->num };
		size_t n;

		if (agg_json_add(b, v) == -1)
			return -1;
		n = b->len - at;
		if (agg_json_add(b, &d) == -1)
			return -1;
		/* Exact as a double: the plain number. */
		if (b->len - at - n == n && memcmp(b->p + at, b->p + at + n,
		    n) == 0) {
			b->len = at + n;
			return 0;
		}
		b->len = at;
		if (cdp_buf_adds(b, "{\"num\":") == -1 ||
		    cdp_json_quote(b, v->s, v->n) == -1)
			return -1;
		return cdp_buf_addc(b, '}');
	}
	if (v->t != AV_ARR && v->t != AV_OBJ)
		return agg_json_add(b, v);
	if (cdp_buf_adds(b, "{\"json\":") == -1 ||
	    cdp_json_quote(b, v->s, v->n) == -1)
		return -1;
	return cdp_buf_addc(b, '}');
}

/* The value partial_val() wrote as e.  Returns 0, or -1 when e is not
 * one. */
static int
merged_val(const json_t *e, struct aval *v)
{
	const json_t *text = json_object_get(e, "json");
	const json_t *num = json_object_get(e, "num");

	if (json_is_array(e))
		return -1;
	if (!json_is_object(e)) {
		agg_val_json(e, v);
		return 0;
	}
	if (json_is_string(num) && json_object_size(e) == 1) {
		char *end;

		*v = (struct aval){ .t = AV_NUM, .s = json_string_value(num),
		    .n = json_string_length(num) };
		v->num = strtod(v->s, &end);
		/* Only the text partial_val() writes: a canonical number. */
		return v->n > 0 && *end == '\0' && isfinite(v->num) ? 0 : -1;
	}
	if (!json_is_string(text) || json_string_length(text) == 0)
		return -1;
	*v = (struct aval){ .t = json_string_value(text)[0] == '[' ?
	    AV_ARR : AV_OBJ, .s = json_string_value(text),
	    .n = json_string_length(text) };
	return 0;
}

static void
partial_group(struct grp *g, size_t grp, struct cdp_buf *b)
{
	const char *p = g->keys.p + g->koff[grp];
	struct ast *st = states(g, grp);
	struct aval v;
	int rc = cdp_buf_adds(b, "{\"key\":[");

	for (int i = 0; i < g->nby && rc == 0; i++) {
		agg_key_next(&p, &v);
		if (i > 0)
			rc |= cdp_buf_addc(b, ',');
		rc |= partial_val(b, &v);
	}
	rc |= cdp_buf_adds(b, "],\"st\":[");
	for (int i = 0; i < g->nst && rc == 0; i++) {
		struct ast *s = &st[i];

		if (i > 0)
			rc |= cdp_buf_addc(b, ',');
		switch (g->agg[i].kind) {
		case A_COUNT:
			rc |= cdp_buf_addf(b, "%llu",
			    (unsigned long long)s->n);
			break;
		case A_SUM:
		case A_AVG:
			rc |= cdp_buf_addf(b, "[%llu,",
			    (unsigned long long)s->n);
			report_num(b, s->u.k.s);
			rc |= cdp_buf_addc(b, ',');
			report_num(b, s->u.k.c);
			if (g->agg[i].kind == A_SUM && s->dec != DEC_NONE)
				rc |= cdp_buf_addf(b, ",%u", s->dec);
			else if (g->agg[i].kind == A_SUM)
				rc |= cdp_buf_adds(b, ",null");
			rc |= cdp_buf_addc(b, ']');
			break;
		case A_DISTINCT:
			rc |= cdp_buf_addc(b, '[');
			for (size_t j = 0, k = 0; j < s->u.set.cap; j++) {
				const struct hslot *h = &s->u.set.s[j];

				if (h->lo == 0 && h->hi == 0)
					continue;
				rc |= cdp_buf_adds(b, k++ ? ",\"" : "\"");
				rc |= key_hex_add(b, (struct cdp_key128){
				    h->lo, h->hi });
				rc |= cdp_buf_addc(b, '"');
			}
			rc |= cdp_buf_addc(b, ']');
			break;
		case A_VALUES:
			rc |= cdp_buf_addc(b, '[');
			for (size_t j = 0; j < s->n; j++) {
				if (j > 0)
					rc |= cdp_buf_addc(b, ',');
				report_num(b, s->u.q.x[j]);
			}
			rc |= cdp_buf_addc(b, ']');
			break;
		case A_PCT:
			rc |= cdp_buf_adds(b, "null");
			break;
		default:
			if (s->n == 0) {
				rc |= cdp_buf_adds(b, "null");
				break;
			}
			hval_get(&s->u.v, &v);
			rc |= partial_val(b, &v);
			break;
		}
	}
	rc |= cdp_buf_addc(b, ']');
	if (grp < g->gcurcap && g->gcur[grp] != 0) {
		const char *c = currency_text(g, g->gcur[grp]);

		const char *f = g->gcurfield[grp];

		rc |= cdp_buf_adds(b, ",\"cur\":");
		rc |= cdp_json_quote(b, c, strlen(c));
		rc |= cdp_buf_adds(b, ",\"curfield\":");
		rc |= cdp_json_quote(b, f, strlen(f));
	}
	if (rc != 0 || cdp_buf_adds(b, "}\n") == -1)
		cdp_oom(0);
}

/* Does JSON array j hold exactly the strings s[0..n) (with stride)? */
static bool
same_list(const json_t *j, const char *const *s, int n, size_t stride)
{
	if (!json_is_array(j) || json_array_size(j) != (size_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		const char *x = *(const char *const *)(const void *)
		    ((const char *)s + (size_t)i * stride);
		const json_t *e = json_array_get(j, (size_t)i);

		if (!json_is_string(e) || strcmp(json_string_value(e), x) != 0)
			return false;
	}
	return true;
}

static void
check_header(struct grp *g, const json_t *j, const struct cdp_each_at *at)
{
	const json_t *kind = json_object_get(j, "_partial");
	const json_t *arrays = json_object_get(j, "arrays");

	if (!json_is_string(kind) ||
	    strcmp(json_string_value(kind), "cdp-report group") != 0 ||
	    json_integer_value(json_object_get(j, "version")) != 1)
		cdp_die(EX_DATAERR, at->file, at->line->lineno,
		    "not a partial of cdp-report group (version 1)");
	if (!same_list(json_object_get(j, "by"), g->by, g->nby,
	    sizeof(g->by[0])) ||
	    !same_list(json_object_get(j, "agg"),
	    (const char *const *)&g->agg[0].spec, g->nagg,
	    sizeof(g->agg[0])))
		cdp_die(EX_DATAERR, at->file, at->line->lineno,
		    "partial made with another --by or --agg; merge with "
		    "the same --by and --agg, in the same order");
	/* Partials older than "arrays" grouped whole arrays, and say
	 * nothing: they merge with either. */
	if (arrays != NULL && (!json_is_string(arrays) ||
	    strcmp(json_string_value(arrays), g->whole_arrays ? "whole" :
	    "each") != 0))
		cdp_die(EX_DATAERR, at->file, at->line->lineno,
		    "partial made %s --whole-arrays; merge with the same",
		    g->whole_arrays ? "without" : "with");
	g->header = true;
	g->records += (uint64_t)json_integer_value(json_object_get(j,
	    "records"));
	for (int i = 0; i < g->nfld; i++) {
		const json_t *n = json_object_get(json_object_get(j,
		    "present"), g->fld[i].name);

		if (json_is_integer(n) && json_integer_value(n) >= 0)
			g->fld[i].present += (uint64_t)json_integer_value(n);
		else
			g->fld[i].present_known = false;
	}
}

static int
merge_group(struct grp *g, const json_t *j, const struct cdp_each_at *at)
{
	const json_t *key = json_object_get(j, "key");
	const json_t *sts = json_object_get(j, "st");
	const json_t *cur = json_object_get(j, "cur");
	const json_t *curfield = json_object_get(j, "curfield");
	struct aval v;
	struct ast *st;
	size_t grp;

	if (!json_is_array(key) || json_array_size(key) != (size_t)g->nby ||
	    !json_is_array(sts) || json_array_size(sts) != (size_t)g->nst ||
	    (cur != NULL && !json_is_string(cur)) ||
	    (curfield != NULL && !json_is_string(curfield)))
		return -1;
	/* Check every state before touching the group. */
	for (int i = 0; i < g->nst; i++) {
		const json_t *e = json_array_get(sts, (size_t)i);

		switch (g->agg[i].kind) {
		case A_COUNT:
			if (!json_is_integer(e) || json_integer_value(e) < 0)
				return -1;
			break;
		case A_SUM:
		case A_AVG:
			if (!json_is_array(e) || json_array_size(e) < 3 ||
			    json_array_size(e) > 3 + (g->agg[i].kind ==
			    A_SUM) || !json_is_integer(json_array_get(e, 0)) ||
			    !json_is_number(json_array_get(e, 1)) ||
			    !json_is_number(json_array_get(e, 2)))
				return -1;
			/* A sum's decimals: absent in partials before them. */
			if (json_array_size(e) == 4 && !json_is_null(
			    json_array_get(e, 3)) && (!json_is_integer(
			    json_array_get(e, 3)) || json_integer_value(
			    json_array_get(e, 3)) < 0 || json_integer_value(
			    json_array_get(e, 3)) > DEC_MAX))
				return -1;
			break;
		case A_DISTINCT:
		case A_VALUES:
			if (!json_is_array(e))
				return -1;
			for (size_t k = 0; k < json_array_size(e); k++) {
				const json_t *x = json_array_get(e, k);
				struct cdp_key128 h;

				if (g->agg[i].kind == A_VALUES ?
				    !json_is_number(x) : (!json_is_string(x) ||
				    key_hex_get(json_string_value(x),
				    json_string_length(x), &h) == -1))
					return -1;
			}
			break;
		case A_PCT:
			break;
		default:
			if (merged_val(e, &v) == -1)
				return -1;
			break;
		}
	}
	cdp_buf_reset(&g->kb);
	for (int i = 0; i < g->nby; i++) {
		const json_t *e = json_array_get(key, (size_t)i);

		if (merged_val(e, &v) == -1)
			return -1;
		if (agg_key_add(&g->kb, &v) == -1)
			cdp_oom(0);
	}
	grp = group_of_kb(g);
	if (cur != NULL)
		take_currency(g, grp, currency_id(g, json_string_value(cur),
		    json_string_length(cur)), partial_curfield(g, curfield),
		    at->file, at->line->lineno);
	st = states(g, grp);
	for (int i = 0; i < g->nst; i++) {
		const json_t *e = json_array_get(sts, (size_t)i);
		struct ast *s = &st[i];

		switch (g->agg[i].kind) {
		case A_COUNT:
			s->n += (uint64_t)json_integer_value(e);
			break;
		case A_SUM:
		case A_AVG:
			s->n += (uint64_t)json_integer_value(
			    json_array_get(e, 0));
			ksum_add(&s->u.k, json_number_value(
			    json_array_get(e, 1)));
			ksum_add(&s->u.k, json_number_value(
			    json_array_get(e, 2)));
			if (g->agg[i].kind == A_SUM)
				s->dec = dec_max(s->dec, json_is_integer(
				    json_array_get(e, 3)) ? (uint8_t)
				    json_integer_value(json_array_get(e, 3)) :
				    DEC_NONE);
			break;
		case A_DISTINCT:
			for (size_t k = 0; k < json_array_size(e); k++) {
				const json_t *x = json_array_get(e, k);
				struct cdp_key128 h;

				(void)key_hex_get(json_string_value(x),
				    json_string_length(x), &h);
				take_hash(s, h);
			}
			break;
		case A_VALUES:
			for (size_t k = 0; k < json_array_size(e); k++)
				take_number(s, json_number_value(
				    json_array_get(e, k)));
			break;
		case A_PCT:
			break;
		default:
			(void)merged_val(e, &v);
			take_value(s, g->agg[i].kind, &v);
			break;
		}
	}
	return 0;
}

static int
on_partial(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct grp *g = ctx;
	json_error_t jerr;
	json_t *j = json_loadb(rec->p, rec->len, 0, &jerr);
	int rc = 0;

	if (j == NULL) {
		*why = "not a partial line";
		return -1;
	}
	if (json_object_get(j, "_partial") != NULL)
		check_header(g, j, at);
	else if (!g->header) {
		json_decref(j);
		cdp_die(EX_DATAERR, at->file, at->line->lineno,
		    "group state before the partial's header line");
	} else if (merge_group(g, j, at) == -1) {
		*why = "not a partial line of this --by and --agg";
		rc = -1;
	}
	json_decref(j);
	return rc;
}

/* ---- parallel runs (par.h) ----
 *
 * Threads check records and take their keys and values (prepare); each
 * record then goes to the lane of its group's hash, where fold() sees
 * the records of that group in input order, as one thread would.  The
 * lanes' groups are disjoint and become the run's groups at the end.
 */

/* An item of a lane: a record's group and values, then its bytes (the
 * key, the currency text, each field's string). */
struct gitem {
	struct cdp_key128	h;
	long			line;
	uint32_t		klen, curlen;
};

struct gval {
	uint8_t		t;
	double		num;
	uint32_t	n;
};

/* A copy of g's settings with counts, scratch and groups of its own. */
static struct grp *
grp_copy(const struct grp *g)
{
	/* on cache lines of its own: a thread counts in it per record */
	size_t size = (sizeof(struct grp) + 127) / 128 * 128;
	struct grp *c = aligned_alloc(128, size);

	if (c == NULL)
		cdp_oom(size);

	*c = *g;
	c->map = NULL;
	c->keys = c->kb = c->tmp = c->cur = c->curtext = (struct cdp_buf){ 0 };
	c->koff = NULL;
	c->st = NULL;
	c->kcap = c->stcap = c->ngroups = 0;
	c->curmap = NULL;
	c->curoff = NULL;
	c->gcur = NULL;
	c->gcurfield = NULL;
	c->curfields = NULL;
	c->ncur = c->curcap = c->gcurcap = c->ncurfields = 0;
	c->records = c->nonnumeric = 0;
	c->lcache = NULL;
	memset(c->bv, 0, sizeof(c->bv));
	for (int i = 0; i < g->nfld; i++) {
		c->fld[i].scratch = (struct cdp_buf){ 0 };
		c->fld[i].present = 0;
	}
	if ((c->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	return c;
}

/* Free a copy: its own parts only (its groups were taken over). */
static void
grp_copy_free(struct grp *c)
{
	for (int i = 0; i < c->nfld; i++)
		cdp_buf_free(&c->fld[i].scratch);
	byvals_free(c);
	cdp_keymap_free(c->map);
	cdp_keymap_free(c->curmap);
	cdp_buf_free(&c->keys);
	cdp_buf_free(&c->kb);
	cdp_buf_free(&c->tmp);
	cdp_buf_free(&c->cur);
	cdp_buf_free(&c->curtext);
	free(c->koff);
	free(c->st);
	free(c->curoff);
	free(c->gcur);
	free(c->gcurfield);
	free(c->lcache);
	free(c);
}

/* The values prepare() took, for the group of key k (and the record's
 * currency, curlen bytes of g->cur), to that group's lane: the item, each
 * field's gval, then the bytes, written in place after one reserve (and
 * a gval field by field: stored whole from a struct on the stack, the
 * copy waited for its three stores). */
static void
to_lane(struct grp *g, const struct cdp_each_at *at, struct kspan k,
    uint32_t curlen)
{
	struct gitem it;
	struct cdp_buf *b;
	size_t need = sizeof(it) + (size_t)g->nfld * sizeof(struct gval) +
	    k.n + curlen;
	char *d;

	for (int i = 0; i < g->nfld; i++)
		if (g->fld[i].v.t >= AV_NUM)
			need += g->fld[i].v.n;
	it.h = cdp_key128_of(k.p, k.n);
	it.line = at->line->lineno;
	it.klen = (uint32_t)k.n;
	it.curlen = curlen;
	/* the hash's top 32 bits scaled to the lanes: a multiply, where a
	 * remainder divided for every record */
	b = &at->blk->lane[(it.h.hi >> 32) * (uint64_t)g->nlanes >> 32];
	if (b->cap - b->len <= need && cdp_buf_reserve(b, need) == -1)
		cdp_oom(0);
	d = b->p + b->len;
	memcpy(d, &it, sizeof(it));
	d += sizeof(it);
	for (int i = 0; i < g->nfld; i++, d += sizeof(struct gval)) {
		const struct aval *v = &g->fld[i].v;
		uint8_t t = (uint8_t)v->t;
		/* A number's exact text travels too: distinct tells
		 * apart numbers one double cannot. */
		uint32_t n = v->t < AV_NUM ? 0 : (uint32_t)v->n;

		memcpy(d + offsetof(struct gval, t), &t, sizeof(t));
		memcpy(d + offsetof(struct gval, num), &v->num,
		    sizeof(v->num));
		memcpy(d + offsetof(struct gval, n), &n, sizeof(n));
	}
	/* (no key without --by, no currency: p may be NULL) */
	if (k.n > 0)
		memcpy(d, k.p, k.n);
	d += k.n;
	if (curlen > 0)
		memcpy(d, g->cur.p, curlen);
	d += curlen;
	for (int i = 0; i < g->nfld; i++)
		if (g->fld[i].v.t >= AV_NUM) {
			memcpy(d, g->fld[i].v.s, g->fld[i].v.n);
			d += g->fld[i].v.n;
		}
	b->len = (size_t)(d - b->p);
	b->p[b->len] = '\0';
}

/* A worker's record: checked and handed, once for each of its groups,
 * to the group's lane. */
static int
par_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct grp *g = ctx;
	size_t ix[MAXBY];
	uint32_t curlen;

	if (prepare(g, rec, why) == -1)
		return -1;
	curlen = g->money && record_currency(g, rec) ?
	    (uint32_t)g->cur.len : 0;
	for (int i = 0; i < g->nby; i++)
		ix[i] = 0;
	do
		to_lane(g, at, key_of(g, ix), curlen);
	while (next_key(g, ix));
	return 0;
}

/*
 * The group of hash h (key key[0..n)) in lane g: a direct-mapped cache
 * in front of group_of(), whose map probe costs a few times more, for the
 * few groups that most group-bys have.
 */
#define LCACHE	64

static size_t
lane_group(struct grp *g, struct cdp_key128 h, const char *key, size_t n)
{
	struct lslot *c = &g->lcache[h.lo % LCACHE];

	if (c->grp == 0 || c->h.lo != h.lo || c->h.hi != h.hi) {
		c->h = h;
		c->grp = group_of(g, h, key, n) + 1;
	}
	return c->grp - 1;
}

/* A lane: its items of block b folded in input order. */
static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct grp *g = lctx;
	const char *p = b->lane[lane].p, *end = p + b->lane[lane].len, *s;
	struct gitem it;
	size_t grp;

	g->blk = b;
	while (p < end) {
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		s = p + (size_t)g->nfld * sizeof(struct gval);
		grp = lane_group(g, it.h, s, it.klen);
		s += it.klen;
		if (it.curlen > 0)
			take_currencies(g, grp, s, it.curlen, b->file,
			    it.line);
		s += it.curlen;
		for (int i = 0; i < g->nfld; i++) {
			struct gval gv;

			memcpy(&gv, p + (size_t)i * sizeof(gv), sizeof(gv));
			g->fld[i].v = (struct aval){ .t = gv.t, .num = gv.num,
			    .s = s, .n = gv.n };
			s += gv.n;
		}
		fold(g, grp);
		p = s;
	}
	g->blk = NULL;
}

/* Take over lane l's groups into g (keys, states, currencies). */
static void
adopt_groups(struct grp *g, struct grp *l)
{
	for (size_t n = 0; n < l->ngroups; n++) {
		const char *key = l->keys.p + l->koff[n];
		size_t klen = (n + 1 < l->ngroups ? l->koff[n + 1] :
		    l->keys.len) - l->koff[n];
		size_t k = group_of(g, cdp_key128_of(key, klen), key, klen);

		memcpy(states(g, k), states(l, n), (size_t)g->nst *
		    sizeof(*g->st));
		if (n < l->gcurcap && l->gcur[n] != 0) {
			const char *c = currency_text(l, l->gcur[n]);

			take_currency(g, k, currency_id(g, c, strlen(c)),
			    l->gcurfield[n], NULL, 0);
		}
	}
	l->ngroups = 0;
}

/* The records on threads; lanes as many as threads. */
static void
run_parallel(struct grp *g, char **files, int nfiles, int threads,
    struct cdp_acct *acct, struct cdp_par_info *info)
{
	struct grp **w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct grp **l = cdp_xcalloc((size_t)threads, sizeof(*l));
	struct cdp_par_prog prog = { .record = par_record, .ctx = (void **)w,
	    .nlanes = threads, .lane = par_lane, .lctx = (void **)l,
	    .block_lines = true };

	g->nlanes = threads;
	for (int i = 0; i < threads; i++) {
		w[i] = grp_copy(g);
		l[i] = grp_copy(g);
		l[i]->lcache = cdp_xcalloc(LCACHE, sizeof(*l[i]->lcache));
	}
	cdp_par_run(&prog, files, nfiles, threads, &g->ro.common, acct, info);
	for (int i = 0; i < threads; i++) {
		g->records += w[i]->records;
		g->nonnumeric += w[i]->nonnumeric;
		for (int k = 0; k < g->nfld; k++)
			g->fld[k].present += w[i]->fld[k].present;
		adopt_groups(g, l[i]);
		grp_copy_free(w[i]);
		grp_copy_free(l[i]);
	}
	free(w);
	free(l);
}

/* ---- output ---- */

/* Groups a and b (indexes into the grp at ctx) by their keys. */
static int
cmp_groups(const void *a, const void *b, void *ctx)
{
	const struct grp *g = ctx;
	const char *p = g->keys.p + g->koff[*(const size_t *)a];
	const char *q = g->keys.p + g->koff[*(const size_t *)b];
	struct aval x, y;
	int c;

	for (int i = 0; i < g->nby; i++) {
		agg_key_next(&p, &x);
		agg_key_next(&q, &y);
		if ((c = agg_cmp(&x, &y)) != 0)
			return c;
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
cell_value(struct rtable *t, size_t row, int col, const struct aval *v,
    struct cdp_buf *tmp)
{
	switch (v->t) {
	case AV_NULL:
		break;
	case AV_NUM: {
		/* A number no double holds is printed exactly, as JSON. */
		struct aval d = { .t = AV_NUM, .num = v->num };
		size_t n;

		cdp_buf_reset(tmp);
		if (agg_json_add(tmp, v) == -1)
			cdp_oom(0);
		n = tmp->len;
		if (agg_json_add(tmp, &d) == -1)
			cdp_oom(0);
		if (tmp->len - n != n || memcmp(tmp->p, tmp->p + n, n) != 0)
			rtable_json(t, row, col, tmp->p, n);
		else
			rtable_num(t, row, col, v->num);
		break;
	}
	case AV_STR:
		rtable_str(t, row, col, v->s, v->n);
		break;
	default:
		cdp_buf_reset(tmp);
		if (agg_json_add(tmp, v) == -1)
			cdp_oom(0);
		rtable_json(t, row, col, tmp->p, tmp->len);
		break;
	}
}

static void
table_row(struct grp *g, struct rtable *t, size_t grp)
{
	const char *p = g->keys.p + g->koff[grp];
	struct ast *st = states(g, grp);
	size_t row = rtable_row(t);
	struct aval v;

	for (int i = 0; i < g->nby; i++) {
		agg_key_next(&p, &v);
		cell_value(t, row, i, &v, &g->tmp);
	}
	for (int i = 0; i < g->nagg; i++) {
		struct ast *s = &st[i], *q;
		int col = g->nby + i;

		switch (g->agg[i].kind) {
		case A_COUNT:
			rtable_int(t, row, col, (double)s->n);
			break;
		case A_DISTINCT:
			rtable_int(t, row, col, (double)s->u.set.n);
			break;
		case A_SUM:
			if (s->n > 0)
				rtable_num(t, row, col, sum_round(s->u.k.s +
				    s->u.k.c, s->dec));
			break;
		case A_AVG:
			if (s->n > 0)
				rtable_num(t, row, col,
				    (s->u.k.s + s->u.k.c) / (double)s->n);
			break;
		case A_PCT:
			q = &st[g->agg[i].q];
			if (q->n == 0)
				break;
			if (!q->u.q.sorted) {
				qsort(q->u.q.x, q->n, sizeof(double),
				    cmp_double);
				q->u.q.sorted = true;
			}
			rtable_num(t, row, col, report_quantile(q->u.q.x, q->n,
			    g->agg[i].p));
			break;
		default:
			if (s->n > 0) {
				hval_get(&s->u.v, &v);
				cell_value(t, row, col, &v, &g->tmp);
			}
			break;
		}
	}
}

static void
write_partial(struct grp *g, const size_t *order)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	struct cdp_out *o = cdp_out_open(g->ro.common.output, &err);

	if (o == NULL)
		cdp_die_err(&err, NULL, 0);
	partial_header(g, &b);
	for (size_t i = 0; i < g->ngroups; i++) {
		partial_group(g, order[i], &b);
		if (b.len > 65536 || i + 1 == g->ngroups) {
			if (cdp_out_write(o, b.p, b.len, &err) == -1)
				cdp_die_err(&err, NULL, 0);
			cdp_buf_reset(&b);
		}
	}
	if ((b.len > 0 && cdp_out_write(o, b.p, b.len, &err) == -1) ||
	    cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

static void
write_table(struct grp *g, const size_t *order)
{
	struct rtable t;
	struct rtable *tp = &t;
	struct cdp_buf title = { 0 };

	if (cdp_buf_adds(&title, g->agg[0].col) == -1 ||
	    (g->nby > 0 && cdp_buf_addf(&title, " by %s", g->bylist) == -1))
		cdp_oom(0);
	rtable_init(&t, "group", title.p);
	for (int i = 0; i < g->nby; i++) {
		int c = rtable_col(&t, g->by[i], -1);

		t.cols[c].key = true;
	}
	for (int i = 0; i < g->nagg; i++)
		rtable_col(&t, g->agg[i].col, -1);
	if (g->nby == 1) {
		t.chart = CHART_BAR;
		t.label = 0;
		t.value = 1;
	} else if (g->nby == 0)
		t.chart = CHART_KPI;	/* the totals as tiles */
	for (size_t i = 0; i < g->ngroups; i++)
		table_row(g, &t, order[i]);
	report_write(&g->ro, &tp, 1);
	rtable_free(&t);
	cdp_buf_free(&title);
}

static void
free_all(struct grp *g)
{
	for (size_t n = 0; n < g->ngroups; n++) {
		struct ast *st = states(g, n);

		for (int i = 0; i < g->nst; i++)
			switch (g->agg[i].kind) {
			case A_DISTINCT:
				hset_free(&st[i].u.set);
				break;
			case A_VALUES:
				free(st[i].u.q.x);
				break;
			case A_MIN:
			case A_MAX:
			case A_FIRST:
			case A_LAST:
				cdp_buf_free(&st[i].u.v.s);
				break;
			default:
				break;
			}
	}
	for (int i = 0; i < g->nagg; i++) {
		free(g->agg[i].spec);
		free(g->agg[i].col);
	}
	for (int i = 0; i < g->nfld; i++) {
		free(g->fld[i].name);
		free(g->fld[i].notnum);
		free(g->fld[i].curfield);
		cdp_buf_free(&g->fld[i].scratch);
	}
	if (g->nby > 0)
		free((void *)g->by[0]);
	byvals_free(g);
	cdp_keymap_free(g->map);
	cdp_keymap_free(g->curmap);
	cdp_buf_free(&g->curtext);
	cdp_buf_free(&g->cur);
	free(g->curoff);
	free(g->gcur);
	free(g->gcurfield);
	for (size_t i = 0; i < g->ncurfields; i++)
		free(g->curfields[i]);
	free(g->curfields);
	cdp_buf_free(&g->keys);
	cdp_buf_free(&g->kb);
	cdp_buf_free(&g->tmp);
	free(g->koff);
	free(g->st);
}

/*
 * An aggregate of a field that no record has is a typo more often than
 * a fact (sum:revnue): stop (65) unless --allow-missing.  Not for empty
 * input, and not when a merged partial did not count its fields.
 */
static void
check_missing(const struct grp *g)
{
	if (g->records == 0)
		return;
	for (int i = 0; i < g->nagg; i++) {
		const struct afld *f;

		if (g->agg[i].fld < 0)
			continue;
		f = &g->fld[g->agg[i].fld];
		if (f->present_known && f->present == 0)
			cdp_die(EX_DATAERR, NULL, 0, "--agg %s: no record has "
			    "field %s (--allow-missing gives empty cells)",
			    g->agg[i].spec, f->name);
	}
}

int
group_main(int argc, char **argv)
{
	struct grp g = { 0 };
	struct cdp_acct acct = { 0 };
	struct cdp_par_info info = { 0 };
	size_t *order;
	int threads;

	parse_options(argc, argv, &g);
	if ((g.map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	report_acct_open(&g.ro, &acct);
	threads = g.merge ? 1 : cdp_par_threads(&g.ro.common, &info.asked);
	if (threads > 1)
		run_parallel(&g, argv + optind, argc - optind, threads, &acct,
		    &info);
	else
		cdp_each(argv + optind, argc - optind, &g.ro.common, &acct,
		    g.merge ? on_partial : on_record, &g);
	/* No --by: one total row, even over no records. */
	if (g.nby == 0 && g.ngroups == 0 && !g.merge) {
		cdp_buf_reset(&g.kb);
		(void)group_of_kb(&g);
	}
	if (g.nby == 0 && g.ngroups == 0 && g.merge)
		(void)group_of_kb(&g);
	if (!g.partial && !g.allow_missing)
		check_missing(&g);
	order = cdp_xmalloc((g.ngroups + 1) * sizeof(*order));
	for (size_t i = 0; i < g.ngroups; i++)
		order[i] = i;
	cdp_sort(order, g.ngroups, sizeof(*order), cmp_groups, &g);
	if (g.partial)
		write_partial(&g, order);
	else
		write_table(&g, order);
	if (g.ro.skip_nonnumeric) {
		acct.extra[0].name = "nonnumeric";
		acct.extra[0].n = g.nonnumeric;
	}
	cdp_par_account(&info, &acct);
	report_acct_close(&g.ro, &acct);
	free(order);
	free_all(&g);
	return 0;
}
