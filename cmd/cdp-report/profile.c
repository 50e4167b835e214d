/*
 * profile.c - cdp-report profile: a data-quality view of every top-level
 * field, in the order fields first appear.
 *
 * Per field: records that have it non-null, records where it is null or
 * missing, the mix of types, distinct values, min/max, mean of numbers and
 * the 10 most frequent values.  Distinct values and their counts are kept
 * exactly up to PROF_EXACT values a field; past that a field switches to a
 * HyperLogLog (agg_hll.c) for distinct and a space-saving sketch of
 * PROF_SKETCH counters (Metwally, Agrawal, El Abbadi 2005) for the top
 * values, so memory per field stays bounded whatever the input.
 *
 * --partial writes each field's state as NDJSON and --merge combines such
 * files; while every field stays exact the merged result equals one run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agg.h"
#include "diag.h"
#include "each.h"
#include "par.h"
#include "sort.h"
#include "xalloc.h"
#include "report.h"

#define PROF_EXACT	65536	/* distinct values kept exactly */
#define PROF_SKETCH	1000	/* space-saving counters past that */
#define PROF_TOP	10

static const char usage[] =
"usage: cdp-report profile [options] [FILE...]\n"
"Per top-level field: count, nulls, types, distinct, min/max, mean, top 10.\n"
"      --partial             write the mergeable state as NDJSON instead\n"
"      --merge               read --partial files instead of records\n"
CDP_THREADS_USAGE
REPORT_USAGE
CDP_COMMON_USAGE;

enum { OPT_PARTIAL = REPORT_OPT_PRIVATE, OPT_MERGE };

static const struct option longopts[] = {
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	CDP_COMMON_LONGOPTS,
	CDP_THREADS_LONGOPT,
	REPORT_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

enum { T_STR, T_NUM, T_BOOL, T_ARR, T_OBJ, NTYPES };
static const char *const tname[NTYPES] = { "string", "number", "bool",
	"array", "object" };

/* A value and how often it was seen; its JSON text is in the field's
 * arena.  err: how much count may overstate (space-saving only). */
struct item {
	struct cdp_key128	h;
	uint64_t		count, err;
	size_t			off, len;
	size_t			pos;	/* sketch: place in the heap */
};

struct mval {
	bool		has;
	uint8_t		t;
	double		num;
	struct cdp_buf	s;
};

struct pfield {
	char		*name;
	size_t		 nlen;
	uint64_t	 count, types[NTYPES], nnum;
	struct ksum	 sum;
	struct mval	 min, max;
	bool		 exact;
	struct hset	 set;		/* value hash -> index in items */
	struct item	*items;
	size_t		 nitems, icap;
	size_t		*heap;		/* sketch: items by count, least first */
	struct cdp_buf	 arena;
	size_t		 compact_at;	/* arena size to look again at */
	uint8_t		*hll;		/* past PROF_EXACT */
	/* A parallel run's lane: where the field first came (block,
	 * line, place in the record), for the order of the fields. */
	uint64_t	 seq;
	long		 line;
	size_t		 pos;
};

struct prof {
	struct report_opts	 ro;
	bool			 partial, merge, header;
	struct pfield		*f;
	size_t			 nf, fcap;
	struct hset		 names;		/* name hash -> index in f */
	size_t			*cache;		/* record position -> field */
	size_t			 ccap;
	uint64_t		 records;
	struct cdp_buf		 scratch, tmp, key;
	int			 nlanes;	/* a parallel run's */
};

static void	free_all(struct prof *p);

static void
parse_options(int argc, char **argv, struct prof *p)
{
	int ch;

	report_opts_init(&p->ro, "profile");
	while ((ch = cdp_getopt(argc, argv, REPORT_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == OPT_PARTIAL)
			p->partial = true;
		else if (ch == OPT_MERGE)
			p->merge = true;
		else
			report_opt(ch, optarg, &p->ro, usage);
	}
	report_opts_done(&p->ro, usage);
}

/* The field named s[0..n), added when new. */
static size_t
field_of(struct prof *p, const char *s, size_t n)
{
	int added;
	uint32_t *v = hset_put(&p->names, cdp_key128_of(s, n),
	    (uint32_t)p->nf, &added);
	struct pfield *f;

	if (v == NULL)
		cdp_oom(0);
	if (!added)
		return *v;
	cdp_xgrow((void **)&p->f, &p->fcap, p->nf + 1, sizeof(*p->f));
	f = &p->f[p->nf];
	*f = (struct pfield){ .exact = true, .nlen = n };
	f->name = cdp_xmalloc(n + 1);
	memcpy(f->name, s, n);
	f->name[n] = '\0';
	return p->nf++;
}

/* ---- min and max ---- */

static void
mval_take(struct mval *m, const struct aval *v, int sign)
{
	if (v->t != AV_NUM && v->t != AV_STR)
		return;
	if (m->has) {
		struct aval cur = { .t = m->t, .num = m->num, .s = m->s.p,
		    .n = m->s.len };

		if (cur.s == NULL)
			cur.s = "";
		if (agg_cmp(v, &cur) * sign >= 0)
			return;
	}
	m->has = true;
	m->t = v->t;
	m->num = v->num;
	cdp_buf_reset(&m->s);
	if (v->t == AV_STR && cdp_buf_add(&m->s, v->s, v->n) == -1)
		cdp_oom(0);
}

/* ---- the space-saving sketch: a min-heap of counters ---- */

static bool
less(const struct pfield *f, size_t a, size_t b)
{
	return f->items[f->heap[a]].count < f->items[f->heap[b]].count;
}

static void
heap_swap(struct pfield *f, size_t a, size_t b)
{
	size_t t = f->heap[a];

	f->heap[a] = f->heap[b];
	f->heap[b] = t;
	f->items[f->heap[a]].pos = a;
	f->items[f->heap[b]].pos = b;
}

/* A counter grew: move it down towards the larger ones. */
static void
sift_down(struct pfield *f, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < f->nitems && less(f, l, m))
			m = l;
		if (r < f->nitems && less(f, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(f, i, m);
		i = m;
	}
}

static void
item_text(struct pfield *f, struct item *it, const char *s, size_t n)
{
	it->off = f->arena.len;
	it->len = n;
	if (cdp_buf_add(&f->arena, s, n) == -1)
		cdp_oom(0);
}

/* Replaced counters leave their text behind: copy the live texts to a
 * fresh arena once the dead ones dominate.  The live texts are added up
 * only when the arena has grown past 1 MB and four times what they
 * were the last time (once a replacement, that sum of a thousand
 * counters was half of a profile's time). */
static void
arena_compact(struct pfield *f)
{
	struct cdp_buf b = { 0 };
	size_t live = 0;

	if (f->arena.len < (1u << 20) || f->arena.len < f->compact_at)
		return;
	for (size_t i = 0; i < f->nitems; i++)
		live += f->items[i].len;
	if (f->arena.len < 4 * live) {
		f->compact_at = 4 * live;
		return;
	}
	for (size_t i = 0; i < f->nitems; i++) {
		struct item *it = &f->items[i];
		size_t off = b.len;

		if (cdp_buf_add(&b, f->arena.p + it->off, it->len) == -1)
			cdp_oom(0);
		it->off = off;
	}
	cdp_buf_free(&f->arena);
	f->arena = b;
}

/* Count value h (JSON text s) w times in the sketch. */
static void
sketch_add(struct pfield *f, struct cdp_key128 h, const char *s, size_t n,
    uint64_t w, uint64_t err)
{
	uint32_t *v = hset_get(&f->set, h);
	struct item *it;
	int added;

	if (v != NULL) {
		it = &f->items[*v];
		it->count += w;
		it->err += err;
		sift_down(f, it->pos);
		return;
	}
	/* Not monitored: it takes over the smallest counter, whose count
	 * becomes its possible overestimate. */
	it = &f->items[f->heap[0]];
	hset_del(&f->set, it->h);
	it->h = h;
	it->err = it->count + err;
	it->count += w;
	item_text(f, it, s, n);
	if (hset_put(&f->set, h, (uint32_t)f->heap[0], &added) == NULL)
		cdp_oom(0);
	sift_down(f, 0);
	arena_compact(f);
}

/* Items by count, most first, then by text (the arena of the pfield at
 * ctx). */
static int
cmp_items(const void *a, const void *b, void *ctx)
{
	const struct pfield *f = ctx;
	const struct item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = memcmp(f->arena.p + x->off, f->arena.p + y->off, n);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Past PROF_EXACT: every hash so far into the HyperLogLog, the largest
 * counts into the sketch. */
static void
to_sketch(struct pfield *f)
{
	struct cdp_buf b = { 0 };
	int added;

	f->hll = cdp_xcalloc(HLL_M, 1);
	/* The sketch fills its PROF_SKETCH counters in place: a field
	 * that turns approximate with fewer items (a merge starting from
	 * an approximate partial) needs room for them all. */
	cdp_xgrow((void **)&f->items, &f->icap, PROF_SKETCH,
	    sizeof(*f->items));
	for (size_t i = 0; i < f->nitems; i++)
		hll_add(f->hll, f->items[i].h.lo);
	cdp_sort(f->items, f->nitems, sizeof(*f->items), cmp_items, f);
	if (f->nitems > PROF_SKETCH)
		f->nitems = PROF_SKETCH;
	hset_free(&f->set);
	f->heap = cdp_xmalloc(PROF_SKETCH * sizeof(*f->heap));
	for (size_t i = 0; i < f->nitems; i++) {
		struct item *it = &f->items[i];
		size_t off = b.len;

		if (cdp_buf_add(&b, f->arena.p + it->off, it->len) == -1 ||
		    hset_put(&f->set, it->h, (uint32_t)i, &added) == NULL)
			cdp_oom(0);
		it->off = off;
		it->pos = i;
		f->heap[i] = i;
	}
	cdp_buf_free(&f->arena);
	f->arena = b;
	for (size_t i = f->nitems / 2 + 1; i-- > 0;)
		sift_down(f, i);
	f->exact = false;
}

/* Count value h (JSON text s) w times, with err of possible overcount. */
static void
count_value(struct pfield *f, struct cdp_key128 h, const char *s, size_t n,
    uint64_t w, uint64_t err)
{
	uint32_t *v;
	int added;

	if (f->exact) {
		if ((v = hset_put(&f->set, h, (uint32_t)f->nitems, &added))
		    == NULL)
			cdp_oom(0);
		if (!added) {
			f->items[*v].count += w;
			f->items[*v].err += err;
			return;
		}
		if (f->nitems < PROF_EXACT) {
			cdp_xgrow((void **)&f->items, &f->icap,
			    f->nitems + 1, sizeof(*f->items));
			f->items[f->nitems] = (struct item){ .h = h,
			    .count = w, .err = err };
			item_text(f, &f->items[f->nitems++], s, n);
			return;
		}
		hset_del(&f->set, h);
		to_sketch(f);
	}
	hll_add(f->hll, h.lo);
	if (f->nitems < PROF_SKETCH && hset_get(&f->set, h) == NULL) {
		/* A sketch made in a merge may have room (a value it
		 * monitors already is counted by sketch_add). */
		struct item *it = &f->items[f->nitems];

		*it = (struct item){ .h = h, .count = w, .err = err,
		    .pos = f->nitems };
		item_text(f, it, s, n);
		f->heap[f->nitems] = f->nitems;
		if (hset_put(&f->set, h, (uint32_t)f->nitems++, &added)
		    == NULL)
			cdp_oom(0);
		for (size_t i = it->pos; i > 0 && less(f, i, (i - 1) / 2);
		    i = (i - 1) / 2)
			heap_swap(f, i, (i - 1) / 2);
		return;
	}
	sketch_add(f, h, s, n, w, err);
}

/* ---- records ---- */

/* Count value v (not null) of hash h and JSON text json[0..jn) in f. */
static void
take_hashed(struct pfield *f, const struct aval *v, struct cdp_key128 h,
    const char *json, size_t jn)
{
	static const uint8_t slot[] = { [AV_FALSE] = T_BOOL,
	    [AV_TRUE] = T_BOOL, [AV_NUM] = T_NUM, [AV_STR] = T_STR,
	    [AV_ARR] = T_ARR, [AV_OBJ] = T_OBJ };

	f->count++;
	f->types[slot[v->t]]++;
	if (v->t == AV_NUM) {
		ksum_add(&f->sum, v->num);
		f->nnum++;
	}
	mval_take(&f->min, v, 1);
	mval_take(&f->max, v, -1);
	count_value(f, h, json, jn, 1, 0);
}

/* v's hash and its JSON text in p->tmp. */
static struct cdp_key128
value_key(struct prof *p, const struct aval *v)
{
	struct cdp_key128 h = agg_hash(v, &p->tmp);

	cdp_buf_reset(&p->tmp);
	if (agg_json_add(&p->tmp, v) == -1)
		cdp_oom(0);
	return h;
}

static void
take(struct prof *p, struct pfield *f, const struct aval *v)
{
	struct cdp_key128 h;

	if (v->t == AV_NULL)
		return;
	h = value_key(p, v);
	take_hashed(f, v, h, p->tmp.p, p->tmp.len);
}

/* The one way a valid record can fail: check before counting. */
static int
check_numbers(struct cdp_rec *rec, const char **why)
{
	double x;

	for (size_t i = 0; i < rec->n; i++)
		if (rec->f[i].type == CDP_NUMBER &&
		    cdp_rec_num(rec, &rec->f[i], &x) == -1) {
			*why = "number out of range";
			return -1;
		}
	return 0;
}

/* The unescaped key of field fl of rec: *k, *kn (maybe in p->key). */
static void
key_of(struct prof *p, const struct cdp_rec *rec, const struct cdp_field *fl,
    const char **k, size_t *kn)
{
	*k = rec->p + fl->koff;
	*kn = fl->klen;
	if (fl->flags & CDP_F_KEYESC) {
		cdp_buf_reset(&p->key);
		if (cdp_json_unescape(*k, *kn, &p->key) == -1)
			cdp_oom(0);
		*k = p->key.p;
		*kn = p->key.len;
	}
}

/*
 * The field named k[0..kn), at place i of its record.  Records mostly
 * repeat their layout: the field seen at this place last time is tried
 * before the name is hashed.
 */
static size_t
field_at(struct prof *p, size_t i, const char *k, size_t kn)
{
	size_t fi;

	if (i >= p->ccap) {
		size_t old = p->ccap;

		cdp_xgrow((void **)&p->cache, &p->ccap, i + 1,
		    sizeof(*p->cache));
		for (size_t j = old; j < p->ccap; j++)
			p->cache[j] = SIZE_MAX;	/* no field yet */
	}
	fi = p->cache[i];
	if (fi >= p->nf || p->f[fi].nlen != kn ||
	    memcmp(p->f[fi].name, k, kn) != 0)
		p->cache[i] = fi = field_of(p, k, kn);
	return fi;
}

static int
on_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct prof *p = ctx;

	(void)at;
	if (check_numbers(rec, why) == -1)
		return -1;
	p->records++;
	for (size_t i = 0; i < rec->n; i++) {
		const struct cdp_field *fl = &rec->f[i];
		const char *k;
		size_t kn, fi;
		struct aval v;

		key_of(p, rec, fl, &k, &kn);
		fi = field_at(p, i, k, kn);
		(void)agg_val(rec, fl, &p->scratch, &v);
		take(p, &p->f[fi], &v);
	}
	return 0;
}

/* ---- parallel runs (par.h) ----
 *
 * Threads check records and take each field's value, hash and JSON
 * text; the lane of the field's name counts them, so that every field
 * sees its values in input order (the sketch past PROF_EXACT too) as one
 * thread would.  The lanes' fields are disjoint: at the end they are put
 * in the order the fields first came.
 */

struct pitem {
	struct cdp_key128	h;	/* the value's */
	double			num;
	long			line;
	uint32_t		pos, klen, slen, jlen;
	uint8_t			t;
};

static int
par_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct prof *p = ctx;
	int rc = 0;

	if (check_numbers(rec, why) == -1)
		return -1;
	p->records++;
	for (size_t i = 0; i < rec->n; i++) {
		const struct cdp_field *fl = &rec->f[i];
		struct pitem it = { .line = at->line->lineno,
		    .pos = (uint32_t)i };
		struct cdp_buf *b;
		const char *k;
		size_t kn;
		struct aval v;

		key_of(p, rec, fl, &k, &kn);
		(void)agg_val(rec, fl, &p->scratch, &v);
		if (v.t == AV_NULL)
			it.h = (struct cdp_key128){ 0, 0 };
		else
			it.h = value_key(p, &v);
		it.t = v.t;
		it.num = v.num;
		it.klen = (uint32_t)kn;
		it.slen = v.t == AV_STR ? (uint32_t)v.n : 0;
		it.jlen = v.t == AV_NULL ? 0 : (uint32_t)p->tmp.len;
		b = &at->blk->lane[cdp_key128_of(k, kn).hi %
		    (uint64_t)p->nlanes];
		rc |= cdp_buf_add(b, &it, sizeof(it));
		rc |= cdp_buf_add(b, k, kn);
		rc |= cdp_buf_add(b, v.s, it.slen);
		rc |= cdp_buf_add(b, p->tmp.p, it.jlen);
	}
	if (rc != 0)
		cdp_oom(0);
	return 0;
}

static void
par_lane(void *lctx, struct cdp_par_block *b, int lane)
{
	struct prof *p = lctx;
	const char *s = b->lane[lane].p, *end = s + b->lane[lane].len;
	struct pitem it;

	while (s < end) {
		struct aval v;
		struct pfield *f;
		size_t fi, nf = p->nf;

		memcpy(&it, s, sizeof(it));
		s += sizeof(it);
		fi = field_at(p, it.pos, s, it.klen);
		f = &p->f[fi];
		if (p->nf > nf) {
			f->seq = b->seq;
			f->line = it.line;
			f->pos = it.pos;
		}
		s += it.klen;
		v = (struct aval){ .t = it.t, .num = it.num, .s = s,
		    .n = it.slen };
		s += it.slen;
		if (it.t != AV_NULL)
			take_hashed(f, &v, it.h, s, it.jlen);
		s += it.jlen;
	}
}

static int
by_first(const void *a, const void *b)
{
	const struct pfield *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void
run_parallel(struct prof *p, char **files, int nfiles, int threads,
    struct cdp_acct *acct, struct cdp_par_info *info)
{
	struct prof *w = cdp_xcalloc((size_t)threads, sizeof(*w));
	struct prof *l = cdp_xcalloc((size_t)threads, sizeof(*l));
	void **wctx = cdp_xcalloc((size_t)threads, sizeof(*wctx));
	void **lctx = cdp_xcalloc((size_t)threads, sizeof(*lctx));
	struct cdp_par_prog prog = { .record = par_record, .ctx = wctx,
	    .nlanes = threads, .lane = par_lane, .lctx = lctx };

	for (int i = 0; i < threads; i++) {
		w[i].nlanes = threads;
		wctx[i] = &w[i];
		lctx[i] = &l[i];
	}
	cdp_par_run(&prog, files, nfiles, threads, &p->ro.common, acct, info);
	for (int i = 0; i < threads; i++) {
		p->records += w[i].records;
		cdp_xgrow((void **)&p->f, &p->fcap, p->nf + l[i].nf + 1,
		    sizeof(*p->f));
		if (l[i].nf > 0)	/* a lane given no field has no array */
			memcpy(p->f + p->nf, l[i].f,
			    l[i].nf * sizeof(*p->f));
		p->nf += l[i].nf;
		l[i].nf = 0;
		free_all(&w[i]);
		free_all(&l[i]);
	}
	qsort(p->f, p->nf, sizeof(*p->f), by_first);
	free(w);
	free(l);
	free(wctx);
	free(lctx);
}

/* ---- partial files ---- */

static void
add_mval(struct cdp_buf *b, const struct mval *m)
{
	struct aval v = { .t = m->t, .num = m->num, .s = m->s.p,
	    .n = m->s.len };

	if (!m->has) {
		if (cdp_buf_adds(b, "null") == -1)
			cdp_oom(0);
		return;
	}
	if (v.s == NULL)
		v.s = "";
	if (agg_json_add(b, &v) == -1)
		cdp_oom(0);
}

static void
partial_field(const struct pfield *f, struct cdp_buf *b)
{
	int rc = cdp_buf_adds(b, "{\"field\":");

	rc |= cdp_json_quote(b, f->name, f->nlen);
	rc |= cdp_buf_addf(b, ",\"count\":%llu,\"types\":[",
	    (unsigned long long)f->count);
	for (int t = 0; t < NTYPES; t++)
		rc |= cdp_buf_addf(b, "%s%llu", t ? "," : "",
		    (unsigned long long)f->types[t]);
	rc |= cdp_buf_addf(b, "],\"sum\":[%llu,", (unsigned long long)f->nnum);
	report_num(b, f->sum.s);
	rc |= cdp_buf_addc(b, ',');
	report_num(b, f->sum.c);
	rc |= cdp_buf_adds(b, "],\"min\":");
	add_mval(b, &f->min);
	rc |= cdp_buf_adds(b, ",\"max\":");
	add_mval(b, &f->max);
	rc |= cdp_buf_addf(b, ",\"exact\":%s", f->exact ? "true" : "false");
	if (!f->exact) {
		rc |= cdp_buf_adds(b, ",\"hll\":\"");
		rc |= hex_add(b, f->hll, HLL_M);
		rc |= cdp_buf_addc(b, '"');
	}
	rc |= cdp_buf_adds(b, ",\"items\":[");
	for (size_t i = 0; i < f->nitems; i++) {
		const struct item *it = &f->items[i];

		rc |= cdp_buf_adds(b, i ? ",[\"" : "[\"");
		rc |= key_hex_add(b, it->h);
		rc |= cdp_buf_addf(b, "\",%llu,%llu,",
		    (unsigned long long)it->count,
		    (unsigned long long)it->err);
		/* The value's JSON text as a string, so that it merges
		 * back byte for byte. */
		rc |= cdp_json_quote(b, f->arena.p + it->off, it->len);
		rc |= cdp_buf_addc(b, ']');
	}
	if (rc != 0 || cdp_buf_adds(b, "]}\n") == -1)
		cdp_oom(0);
}

static void
write_partial(struct prof *p)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;
	struct cdp_out *o = cdp_out_open(p->ro.common.output, &err);

	if (o == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_buf_addf(&b, "{\"_partial\":\"cdp-report profile\","
	    "\"version\":1,\"records\":%llu}\n",
	    (unsigned long long)p->records) == -1)
		cdp_oom(0);
	for (size_t i = 0; i <= p->nf; i++) {
		if (i < p->nf)
			partial_field(&p->f[i], &b);
		if ((b.len > 65536 || i == p->nf) &&
		    cdp_out_write(o, b.p, b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
		if (b.len > 65536)
			cdp_buf_reset(&b);
	}
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

static bool
is_count(const json_t *j)
{
	return json_is_integer(j) && json_integer_value(j) >= 0;
}

/* Is j a well-formed field line?  (Checked whole before any use.) */
static bool
field_ok(const json_t *j)
{
	const json_t *types = json_object_get(j, "types");
	const json_t *sum = json_object_get(j, "sum");
	const json_t *items = json_object_get(j, "items");
	const json_t *exact = json_object_get(j, "exact");
	const json_t *hll = json_object_get(j, "hll");
	uint8_t reg[1];

	(void)reg;
	if (!json_is_string(json_object_get(j, "field")) ||
	    !is_count(json_object_get(j, "count")) ||
	    !json_is_array(types) || json_array_size(types) != NTYPES ||
	    !json_is_array(sum) || json_array_size(sum) != 3 ||
	    !is_count(json_array_get(sum, 0)) ||
	    !json_is_number(json_array_get(sum, 1)) ||
	    !json_is_number(json_array_get(sum, 2)) ||
	    !json_is_boolean(exact) || !json_is_array(items))
		return false;
	for (int t = 0; t < NTYPES; t++)
		if (!is_count(json_array_get(types, (size_t)t)))
			return false;
	if (!json_is_true(exact) && (!json_is_string(hll) ||
	    json_string_length(hll) != 2 * HLL_M))
		return false;
	for (size_t i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);
		struct cdp_key128 h;

		if (!json_is_array(it) || json_array_size(it) != 4 ||
		    !json_is_string(json_array_get(it, 0)) ||
		    key_hex_get(json_string_value(json_array_get(it, 0)),
		    json_string_length(json_array_get(it, 0)), &h) == -1 ||
		    !is_count(json_array_get(it, 1)) ||
		    !is_count(json_array_get(it, 2)) ||
		    !json_is_string(json_array_get(it, 3)))
			return false;
	}
	return true;
}

static void
merge_mval(struct mval *m, const json_t *j, int sign)
{
	struct aval v;

	agg_val_json(j, &v);
	mval_take(m, &v, sign);
}

/*
 * Count the items of a partial (checked by field_ok) into f.  A full
 * sketch in the partial did not monitor the values it lacks, and each
 * of those may have occurred there up to its smallest count times: the
 * values f holds that the partial lacks gain that much in count and in
 * error, so that every count stays an upper bound and count - error a
 * lower one (the merge of Agarwal et al. 2012, "Mergeable summaries").
 */
static void
merge_items(struct pfield *f, const json_t *items, bool exact)
{
	size_t n = json_array_size(items);
	struct hset seen = { 0 };
	uint64_t least = UINT64_MAX;
	int added;

	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(items, i);
		const json_t *hx = json_array_get(it, 0);
		const json_t *val = json_array_get(it, 3);
		uint64_t w = (uint64_t)json_integer_value(json_array_get(it,
		    1));
		struct cdp_key128 h;

		(void)key_hex_get(json_string_value(hx),
		    json_string_length(hx), &h);
		if (w < least)
			least = w;
		if (!exact && n >= PROF_SKETCH &&
		    hset_put(&seen, h, 0, &added) == NULL)
			cdp_oom(0);
		count_value(f, h, json_string_value(val),
		    json_string_length(val), w,
		    (uint64_t)json_integer_value(json_array_get(it, 2)));
	}
	if (!exact && n >= PROF_SKETCH && !f->exact) {
		for (size_t i = 0; i < f->nitems; i++)
			if (hset_get(&seen, f->items[i].h) == NULL) {
				f->items[i].count += least;
				f->items[i].err += least;
			}
		for (size_t i = f->nitems / 2 + 1; i-- > 0;)
			sift_down(f, i);
	}
	hset_free(&seen);
}

static int
merge_field(struct prof *p, const json_t *j)
{
	const json_t *items = json_object_get(j, "items");
	const json_t *sum = json_object_get(j, "sum");
	const json_t *name = json_object_get(j, "field");
	struct pfield *f;
	uint8_t *reg;
	size_t fi;

	if (!field_ok(j))
		return -1;
	/* field_of may move p->f: index it after the call. */
	fi = field_of(p, json_string_value(name), json_string_length(name));
	f = &p->f[fi];
	if (!json_is_true(json_object_get(j, "exact"))) {
		const json_t *hll = json_object_get(j, "hll");

		reg = cdp_xmalloc(HLL_M);
		if (hex_get(json_string_value(hll), json_string_length(hll),
		    reg, HLL_M) == -1) {
			free(reg);
			return -1;
		}
		if (f->exact)
			to_sketch(f);
		for (uint32_t i = 0; i < HLL_M; i++)
			if (reg[i] > f->hll[i])
				f->hll[i] = reg[i];
		free(reg);
	}
	f->count += (uint64_t)json_integer_value(json_object_get(j, "count"));
	for (int t = 0; t < NTYPES; t++)
		f->types[t] += (uint64_t)json_integer_value(json_array_get(
		    json_object_get(j, "types"), (size_t)t));
	f->nnum += (uint64_t)json_integer_value(json_array_get(sum, 0));
	ksum_add(&f->sum, json_number_value(json_array_get(sum, 1)));
	ksum_add(&f->sum, json_number_value(json_array_get(sum, 2)));
	merge_mval(&f->min, json_object_get(j, "min"), 1);
	merge_mval(&f->max, json_object_get(j, "max"), -1);
	merge_items(f, items, json_is_true(json_object_get(j, "exact")));
	return 0;
}

static int
on_partial(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct prof *p = ctx;
	json_error_t jerr;
	json_t *j = json_loadb(rec->p, rec->len, 0, &jerr);
	const json_t *kind;
	int rc = 0;

	if (j == NULL) {
		*why = "not a partial line";
		return -1;
	}
	if ((kind = json_object_get(j, "_partial")) != NULL) {
		const json_t *n = json_object_get(j, "records");

		if (!json_is_string(kind) || strcmp(json_string_value(kind),
		    "cdp-report profile") != 0 ||
		    json_integer_value(json_object_get(j, "version")) != 1 ||
		    !is_count(n)) {
			json_decref(j);
			cdp_die(EX_DATAERR, at->file, at->line->lineno,
			    "not a partial of cdp-report profile (version 1)");
		}
		p->records += (uint64_t)json_integer_value(n);
		p->header = true;
	} else if (!p->header) {
		json_decref(j);
		cdp_die(EX_DATAERR, at->file, at->line->lineno,
		    "field state before the partial's header line");
	} else if (merge_field(p, j) == -1) {
		*why = "not a partial line of cdp-report profile";
		rc = -1;
	}
	json_decref(j);
	return rc;
}

/* ---- the table ---- */

static void
cell_mval(struct rtable *t, size_t row, int col, const struct mval *m)
{
	if (!m->has)
		return;
	if (m->t == AV_NUM)
		rtable_num(t, row, col, m->num);
	else
		rtable_str(t, row, col, m->s.p != NULL ? m->s.p : "",
		    m->s.len);
}

static void
cell_bool(struct rtable *t, size_t row, int col, bool v)
{
	rtable_json(t, row, col, v ? "true" : "false", v ? 4 : 5);
}

static void
table_row(struct prof *p, struct rtable *t, struct pfield *f)
{
	size_t row = rtable_row(t), ntop;
	struct cdp_buf *b = &p->tmp;
	int c = 0;

	rtable_str(t, row, c++, f->name, f->nlen);
	rtable_int(t, row, c++, (double)f->count);
	rtable_int(t, row, c++, (double)(p->records - f->count));
	for (int k = 0; k < NTYPES; k++)
		rtable_int(t, row, c++, (double)f->types[k]);
	if (f->exact)
		rtable_int(t, row, c++, (double)f->nitems);
	else
		rtable_int(t, row, c++, (double)(uint64_t)(hll_estimate(
		    f->hll) + 0.5));
	cell_bool(t, row, c++, f->exact);
	cell_mval(t, row, c++, &f->min);
	cell_mval(t, row, c++, &f->max);
	if (f->nnum > 0)
		rtable_num(t, row, c, (f->sum.s + f->sum.c) /
		    (double)f->nnum);
	c++;
	/* The heap no longer matters: the items may be sorted now. */
	cdp_sort(f->items, f->nitems, sizeof(*f->items), cmp_items, f);
	ntop = f->nitems < PROF_TOP ? f->nitems : PROF_TOP;
	cdp_buf_reset(b);
	if (cdp_buf_addc(b, '[') == -1)
		cdp_oom(0);
	for (size_t i = 0; i < ntop; i++) {
		const struct item *it = &f->items[i];

		if (cdp_buf_adds(b, i ? ",{\"value\":" : "{\"value\":") == -1 ||
		    cdp_buf_add(b, f->arena.p + it->off, it->len) == -1 ||
		    cdp_buf_addf(b, ",\"count\":%llu",
		    (unsigned long long)it->count) == -1 ||
		    (!f->exact && cdp_buf_addf(b, ",\"error\":%llu",
		    (unsigned long long)it->err) == -1) ||
		    cdp_buf_addc(b, '}') == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(b, ']') == -1)
		cdp_oom(0);
	rtable_json(t, row, c++, b->p, b->len);
	cell_bool(t, row, c++, f->exact);
}

static void
write_table(struct prof *p)
{
	static const char *const cols[] = { "field", "count", "nulls" };
	static const char *const tail[] = { "distinct", "distinct_exact",
	    "min", "max", "mean", "top", "top_exact" };
	struct rtable t, *tp = &t;

	rtable_init(&t, "profile", "fields");
	for (size_t i = 0; i < 3; i++)
		rtable_col(&t, cols[i], -1);
	for (int k = 0; k < NTYPES; k++)
		rtable_col(&t, tname[k], -1);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		rtable_col(&t, tail[i], -1);
	/* min and max are values of the field, as found. */
	t.cols[3 + NTYPES + 2].key = t.cols[3 + NTYPES + 3].key = true;
	for (size_t i = 0; i < p->nf; i++)
		table_row(p, &t, &p->f[i]);
	report_write(&p->ro, &tp, 1);
	rtable_free(&t);
}

static void
free_all(struct prof *p)
{
	for (size_t i = 0; i < p->nf; i++) {
		struct pfield *f = &p->f[i];

		free(f->name);
		cdp_buf_free(&f->min.s);
		cdp_buf_free(&f->max.s);
		hset_free(&f->set);
		free(f->items);
		free(f->heap);
		cdp_buf_free(&f->arena);
		free(f->hll);
	}
	free(p->f);
	free(p->cache);
	hset_free(&p->names);
	cdp_buf_free(&p->scratch);
	cdp_buf_free(&p->tmp);
	cdp_buf_free(&p->key);
}

int
profile_main(int argc, char **argv)
{
	struct prof p = { 0 };
	struct cdp_acct acct = { 0 };
	struct cdp_par_info info = { 0 };
	int threads;

	parse_options(argc, argv, &p);
	report_acct_open(&p.ro, &acct);
	threads = p.merge ? 1 : cdp_par_threads(&p.ro.common, &info.asked);
	if (threads > 1)
		run_parallel(&p, argv + optind, argc - optind, threads, &acct,
		    &info);
	else
		cdp_each(argv + optind, argc - optind, &p.ro.common, &acct,
		    p.merge ? on_partial : on_record, &p);
	if (p.partial)
		write_partial(&p);
	else
		write_table(&p);
	cdp_par_account(&info, &acct);
	report_acct_close(&p.ro, &acct);
	free_all(&p);
	return 0;
}
