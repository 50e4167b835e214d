/*
 * name.c - the last rounds of cdp-merge's join: each cluster named as one
 * process names it, and the map written in one slice per part.
 *
 *   name1  each value goes to the bucket of its cluster (the centre of
 *          its star) with its sealed name, parts, records and claim;
 *   name2  a cluster is named after its smallest identifier in byte
 *          order; without --emit-prior the slices are written here;
 *   name3  (with earlier ids) per earlier id: which cluster keeps it
 *          (prior.c's rules: the oldest id of a cluster, and of the
 *          clusters that keep one id, the one with the smallest
 *          identifier), and where an id that no one keeps went;
 *   name4  each cluster's final id, its values' slices, the id map's
 *          lines to bucket 0;
 *   name5  the id map (bucket 0) and the slices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "join.h"
#include "out.h"
#include "record.h"
#include "rsort.h"
#include "xalloc.h"

/* Lines held this many steps before their look-ups in tables far larger
 * than the cache, the slots fetched meanwhile. */
#define AHEAD	16

/* --- slices of the map ------------------------------------------------- */

/*
 * A slice's text is written out when it reaches this size, its file
 * opened then: the buffer is used again, not grown by reallocation over
 * fresh pages (a fifth of name2), and a bucket has no more files open
 * than its slices' bytes over this.
 */
#define SLICE_FLUSH	((size_t)1 << 20)

/* The parts' names (keep-parts) and what each part's slice gets. */
struct slices {
	char		**name;
	struct cdp_buf	*text;
	struct cdp_buf	*last;	/* the id of its file's last line */
	struct jf	*f;	/* its file, once opened (f.o non-NULL) */
	size_t		 n, cap;
	unsigned long long lines;
};

static int
slices_line(void *ctx, const struct jline *l, const char **why)
{
	struct slices *s = ctx;

	if (l->nf != 2 || l->n[0] != 1 || l->f[0][0] != 'P') {
		*why = "expected P NAME";
		return -1;
	}
	cdp_xgrow((void **)&s->name, &s->cap, s->n + 1, sizeof(*s->name));
	s->name[s->n++] = cdp_xstrndup(l->f[1], l->n[1]);
	return 0;
}

static void
slices_load(struct job *j, struct slices *s)
{
	if (!job_keep(j, "keep-parts", slices_line, s))
		cdp_die(EX_DATAERR, j->in, 0, "no keep-parts: not a join "
		    "folder");
	s->text = cdp_xcalloc(s->n ? s->n : 1, sizeof(*s->text));
	s->last = cdp_xcalloc(s->n ? s->n : 1, sizeof(*s->last));
	s->f = cdp_xcalloc(s->n ? s->n : 1, sizeof(*s->f));
}

/* Part i's text so far into OUT/map-PART/from-B (opened when it is
 * not). */
static void
slices_flush(struct job *j, struct slices *s, size_t i)
{
	struct cdp_err err;

	if (s->f[i].o == NULL) {
		struct jhead h = { .buckets = j->nb, .prior = j->prior };
		struct cdp_buf d = { 0 };
		char name[32];

		snprintf(h.phase, sizeof(h.phase), "map");
		snprintf(h.from, sizeof(h.from), "%d", j->me);
		memcpy(h.opts, j->fp, sizeof(h.opts));
		snprintf(name, sizeof(name), "from-%d", j->me);
		if (cdp_buf_addf(&d, "%s/map-%s", j->out, s->name[i]) == -1)
			cdp_oom(0);
		jf_open(&s->f[i], d.p, name, &h);
		cdp_buf_free(&d);
	}
	if (s->text[i].len > 0 && cdp_out_write(s->f[i].o, s->text[i].p,
	    s->text[i].len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_reset(&s->text[i]);
}

/*
 * TOKEN TAB ID into the slice of every part in the list parts[0..n): the
 * parts' numbers in the order of keep-parts (deg writes them so).  A
 * cluster's values come one after another, so that a slice's line whose id
 * is its file's previous line's is TOKEN alone (a slice of the 5M
 * identifier-rich events has three lines an id: 40% of its bytes).
 */
static void
slices_add(struct job *j, struct slices *s, const char *parts, size_t n,
    const char *tok, const char *pid, size_t pn)
{
	for (size_t b = 0, e; b < n; b = e + 1) {
		struct cdp_buf *t;
		size_t p = 0;

		for (e = b; e < n && parts[e] >= '0' && parts[e] <= '9' &&
		    p < s->n; e++)
			p = p * 10 + (size_t)(parts[e] - '0');
		if (e == b || p >= s->n || (e < n && parts[e] != ','))
			cdp_die(EX_DATAERR, j->in, 0, "a part the join does "
			    "not know");
		t = &s->text[p];
		jb_str(t, tok, TOKEN_TEXT);
		if (s->last[p].len != pn || memcmp(s->last[p].p, pid, pn) != 0) {
			jb_tab(t);
			jb_str(t, pid, pn);
			cdp_buf_reset(&s->last[p]);
			jb_str(&s->last[p], pid, pn);
		}
		jb_str(t, "\n", 1);
		s->lines++;
		if (t->len >= SLICE_FLUSH)
			slices_flush(j, s, p);
	}
}

/* OUT/map-PART/from-B for every part, then OUT/done. */
static void
slices_write(struct job *j, struct slices *s)
{
	struct cdp_buf d = { 0 };
	struct cdp_err err;
	struct cdp_out *o;

	for (size_t i = 0; i < s->n; i++) {
		slices_flush(j, s, i);
		jf_close(&s->f[i]);
	}
	jf_mkdir(j->out);
	if (cdp_buf_addf(&d, "%s/done", j->out) == -1)
		cdp_oom(0);
	if ((o = cdp_out_open(d.p, &err)) == NULL ||
	    cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	job_count(j, "map", s->lines);
	for (size_t i = 0; i < s->n; i++) {
		free(s->name[i]);
		cdp_buf_free(&s->text[i]);
		cdp_buf_free(&s->last[i]);
	}
	free(s->name);
	free(s->text);
	free(s->last);
	free(s->f);
	cdp_buf_free(&d);
}

/* --- name1: each value to its cluster's bucket ------------------------- */

struct n1 {
	struct job	*j;
	struct umap	 centre;	/* leaf -> index in cval */
	uint64_t	*cval;
	size_t		 nc, ccap;
	struct umap	 weight;	/* value -> index in wval */
	uint64_t	*wval;
	size_t		 nw, wcap;
	struct cdp_keymap *claim;	/* token -> index in clm */
	struct { uint64_t off, count; uint32_t len; } *clm;
	size_t		 ncl, clcap;
	struct cdp_buf	 ctext;
	/* S lines read, sent AHEAD lines later (their look-ups fetched) */
	struct n1s {
		uint64_t		id;
		struct cdp_key128	tok;
		struct cdp_buf		rest;	/* TOKEN .. PARTS, TABs in */
	}		 ring[AHEAD];
	size_t		 nring, head;
};

static void
n1_put(struct umap *m, uint64_t **val, size_t *n, size_t *cap, uint64_t k,
    uint64_t v, bool add)
{
	bool added;
	uint32_t *i = umap_put(m, k, (uint32_t)*n, &added);

	if (added) {
		cdp_xgrow((void **)val, cap, *n + 1, sizeof(**val));
		(*val)[(*n)++] = add ? 0 : v;
	} else if (!add && (*val)[*i] != v) {
		/* Two buckets may send one edge; two centres cannot be. */
		cdp_die(EX_DATAERR, NULL, 0, "bad join file: a value with "
		    "two centres");
	}
	if (add)
		(*val)[*i] += v;
}

/* The settled graph: E CENTRE LEAF. */
static int
n1_edge(void *ctx, const struct jline *l, const char **why)
{
	struct n1 *n = ctx;
	uint64_t a, b;

	if (l->nf != 3 || l->n[0] != 1 || l->f[0][0] != 'e') {
		*why = "expected e A B";
		return -1;
	}
	a = jl_num(l, 1);
	b = jl_num(l, 2);
	if (b % (uint64_t)n->j->nb == (uint64_t)n->j->me)
		n1_put(&n->centre, &n->cval, &n->nc, &n->ccap, b, a, false);
	return 0;
}

static int
n1_weight(void *ctx, const struct jline *l, const char **why)
{
	struct n1 *n = ctx;

	if (l->nf != 3 || l->n[0] != 1 || l->f[0][0] != 'W') {
		*why = "expected W VALUE RECORDS";
		return -1;
	}
	n1_put(&n->weight, &n->wval, &n->nw, &n->wcap, jl_num(l, 1),
	    jl_num(l, 2), true);
	return 0;
}

static int
n1_claim(void *ctx, const struct jline *l, const char **why)
{
	struct n1 *n = ctx;
	int added;

	if (l->nf != 4 || l->n[0] != 1 || l->f[0][0] != 'K') {
		*why = "expected K TOKEN ID RECORDS";
		return -1;
	}
	if (cdp_keymap_put(n->claim, jl_key(l, 1), n->ncl, &added) == NULL)
		cdp_oom(0);
	cdp_xgrow((void **)&n->clm, &n->clcap, n->ncl + 1, sizeof(*n->clm));
	n->clm[n->ncl].off = n->ctext.len;
	n->clm[n->ncl].len = (uint32_t)l->n[2];
	n->clm[n->ncl++].count = jl_num(l, 3);
	jb_str(&n->ctext, l->f[2], l->n[2]);
	return 0;
}

/* The oldest S line of the ring: N CENTRE TOKEN FIELD NAME PARTS RECORDS
 * ID ID_RECORDS (ID empty without a claim) to the centre's bucket. */
static void
n1_send(struct n1 *n)
{
	struct n1s *r = &n->ring[n->head];
	struct job *j = n->j;
	uint32_t *i;
	uint64_t *k, c;

	c = (i = umap_get(&n->centre, r->id)) != NULL ? n->cval[*i] : r->id;
	cdp_buf_reset(&j->line);
	jb_str(&j->line, "N\t", 2);
	jb_num(&j->line, c);
	jb_tab(&j->line);
	jb_str(&j->line, r->rest.p, r->rest.len);
	jb_tab(&j->line);
	jb_num(&j->line, (i = umap_get(&n->weight, r->id)) != NULL ?
	    n->wval[*i] : 0);
	jb_tab(&j->line);
	k = cdp_keymap_get(n->claim, r->tok);
	if (k != NULL)
		jb_str(&j->line, n->ctext.p + n->clm[*k].off, n->clm[*k].len);
	jb_tab(&j->line);
	jb_num(&j->line, k != NULL ? n->clm[*k].count : 0);
	job_send(j, (int)(c % (uint64_t)j->nb));
	n->head = (n->head + 1) % AHEAD;
	n->nring--;
}

/* S VALUE TOKEN FIELD NAME PARTS: into the ring, its value's centre and
 * weight fetched meanwhile (tables far larger than the cache). */
static int
n1_static(void *ctx, const struct jline *l, const char **why)
{
	struct n1 *n = ctx;
	struct n1s *r;

	if (l->nf != 6 || l->n[0] != 1 || l->f[0][0] != 'S') {
		*why = "expected S VALUE TOKEN FIELD NAME PARTS";
		return -1;
	}
	if (n->nring == AHEAD)
		n1_send(n);
	r = &n->ring[(n->head + n->nring++) % AHEAD];
	r->id = jl_num(l, 1);
	r->tok = jl_key(l, 2);
	cdp_buf_reset(&r->rest);
	/* Fields 2 to 5 as they stand, one after another in the line. */
	jb_str(&r->rest, l->f[2], (size_t)(l->f[5] + l->n[5] - l->f[2]));
	umap_prefetch(&n->centre, r->id);
	umap_prefetch(&n->weight, r->id);
	return 0;
}

void
name1(struct job *j)
{
	struct n1 n = { .j = j };

	if ((n.claim = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	job_read(j, n1_edge, &n);
	job_keep(j, "keep-weights", n1_weight, &n);
	job_keep(j, "keep-claims", n1_claim, &n);
	job_open(j, false);
	if (!job_keep(j, "keep-static", n1_static, &n))
		cdp_die(EX_DATAERR, j->in, 0, "no keep-static: not a join "
		    "folder");
	while (n.nring > 0)
		n1_send(&n);
	for (size_t i = 0; i < AHEAD; i++)
		cdp_buf_free(&n.ring[i].rest);
	umap_free(&n.centre);
	umap_free(&n.weight);
	free(n.cval);
	free(n.wval);
	free(n.clm);
	cdp_keymap_free(n.claim);
	cdp_buf_free(&n.ctext);
}

/* --- name2: each cluster's name ---------------------------------------- */

/* A value of a cluster; texts in the arena. */
struct nmem {
	uint64_t		c;
	struct cdp_key128	tok;
	uint64_t		name, parts, pid, weight, count;
	uint32_t		nlen, plen, pidlen, field;
};

struct n2 {
	struct job	*j;
	struct nmem	*m;
	size_t		 n, cap;
	struct cdp_buf	 text;
	struct cdp_keymap *sent;	/* (cluster, id) told to the id */
};

static int
n2_line(void *ctx, const struct jline *l, const char **why)
{
	struct n2 *s = ctx;
	struct nmem *m;

	if (l->nf != 9 || l->n[0] != 1 || l->f[0][0] != 'N') {
		*why = "expected N CENTRE TOKEN FIELD NAME PARTS RECORDS ID "
		    "RECORDS";
		return -1;
	}
	cdp_xgrow((void **)&s->m, &s->cap, s->n + 1, sizeof(*s->m));
	m = &s->m[s->n++];
	m->c = jl_num(l, 1);
	m->tok = jl_key(l, 2);
	if ((m->field = (uint32_t)jl_num(l, 3)) >= (uint32_t)s->j->opt->nids)
		jl_bad(l, "field number out of range");
	m->name = s->text.len;
	m->nlen = (uint32_t)l->n[4];
	jb_str(&s->text, l->f[4], l->n[4]);
	m->parts = s->text.len;
	m->plen = (uint32_t)l->n[5];
	jb_str(&s->text, l->f[5], l->n[5]);
	m->weight = jl_num(l, 6);
	m->pid = s->text.len;
	m->pidlen = (uint32_t)l->n[7];
	jb_str(&s->text, l->f[7], l->n[7]);
	m->count = jl_num(l, 8);
	return 0;
}

static int
cmp_nmem(const void *x, const void *y)
{
	const struct nmem *a = x, *b = y;

	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	return key_cmp(&a->tok, &b->tok);
}

/*
 * The members in cmp_nmem() order (equal ones as they came): a radix
 * sort by cluster and the token's high word, then the rare runs alike in
 * both by the whole token (qsort() of the members was a sixth of name2).
 */
static void
n2_sort(struct n2 *s)
{
	struct rkey *k = cdp_xmalloc((s->n ? s->n : 1) * sizeof(*k));
	struct nmem *m = cdp_xmalloc((s->n ? s->n : 1) * sizeof(*m));

	for (size_t i = 0; i < s->n; i++)
		k[i] = (struct rkey){ s->m[i].c, s->m[i].tok.hi, i };
	rsort(k, s->n);
	for (size_t i = 0; i < s->n; i++)
		m[i] = s->m[k[i].v];
	for (size_t b = 0, e; b < s->n; b = e) {
		for (e = b + 1; e < s->n && m[e].c == m[b].c &&
		    m[e].tok.hi == m[b].tok.hi; e++)
			continue;
		/* Insertion sort: stable, and such runs are short. */
		for (size_t i = b + 1; i < e; i++) {
			struct nmem x = m[i];
			size_t y = i;

			for (; y > b && cmp_nmem(&x, &m[y - 1]) < 0; y--)
				m[y] = m[y - 1];
			m[y] = x;
		}
	}
	free(k);
	free(s->m);
	s->m = m;
	s->cap = s->n;
}

/* The smallest identifier of members m[0..n): its index; its value in
 * j->v1. */
static size_t
smallest(struct job *j, const struct n2 *s, const struct nmem *m, size_t n)
{
	size_t best = 0;

	job_value(j, m[0].tok, (int)m[0].field, s->text.p + m[0].name,
	    m[0].nlen, &j->v1);
	for (size_t i = 1; i < n; i++) {
		job_value(j, m[i].tok, (int)m[i].field, s->text.p + m[i].name,
		    m[i].nlen, &j->v2);
		if (job_cmp(j, (int)m[i].field, &j->v2, (int)m[best].field,
		    &j->v1) < 0) {
			struct cdp_buf t = j->v1;

			j->v1 = j->v2;
			j->v2 = t;
			best = i;
		}
	}
	return best;
}

static void
warn_cluster(const struct job *j, const char *pid, size_t pn,
    uint64_t records)
{
	if (j->opt->max_cluster > 0 && records >
	    (uint64_t)j->opt->max_cluster)
		cdp_warn(NULL, 0, "profile %.*s has %llu records (over "
		    "--max-cluster %ld)", (int)pn, pid,
		    (unsigned long long)records, j->opt->max_cluster);
}

/* An earlier id older than another (prior.c's older()): more records,
 * then the smaller id in byte order.  Ids are escaped text. */
static bool
older(struct job *j, const char *a, size_t an, uint64_t ac, const char *b,
    size_t bn, uint64_t bc)
{
	if (ac != bc)
		return ac > bc;
	if (name_unescape(&j->v1, a, an) == -1 ||
	    name_unescape(&j->v2, b, bn) == -1)
		cdp_die(EX_DATAERR, j->in, 0, "bad join file: a bad id");
	return strcmp(j->v1.p, j->v2.p) < 0;
}

/*
 * With earlier ids: the cluster into keep-cluster (Q CENTRE NAME KEPT
 * RECORDS, then M CENTRE TOKEN PARTS per value), and K ID CENTRE TOKEN
 * FIELD NAME KEEPS to the bucket of each id its values claim.
 */
static void
n2_prior(struct job *j, const struct n2 *s, const struct nmem *m, size_t n,
    size_t min, const char *pid, uint64_t records, struct jf *keep)
{
	const struct nmem *k = NULL;

	for (size_t i = 0; i < n; i++)
		if (m[i].pidlen > 0 && (k == NULL || older(j, s->text.p +
		    m[i].pid, m[i].pidlen, m[i].count, s->text.p + k->pid,
		    k->pidlen, k->count)))
			k = &m[i];
	cdp_buf_reset(&j->line);
	jb_str(&j->line, "Q\t", 2);
	jb_num(&j->line, m[0].c);
	jb_tab(&j->line);
	jb_str(&j->line, pid, strlen(pid));
	jb_tab(&j->line);
	if (k != NULL)
		jb_str(&j->line, s->text.p + k->pid, k->pidlen);
	jb_tab(&j->line);
	jb_num(&j->line, records);
	jf_put(keep, &j->line);
	for (size_t i = 0; i < n; i++) {
		struct cdp_key128 once;
		int added = 0;

		cdp_buf_reset(&j->line);
		jb_str(&j->line, "M\t", 2);
		jb_num(&j->line, m[i].c);
		jb_tab(&j->line);
		jb_key(&j->line, m[i].tok);
		jb_tab(&j->line);
		jb_str(&j->line, s->text.p + m[i].parts, m[i].plen);
		jf_put(keep, &j->line);
		if (m[i].pidlen == 0)
			continue;
		/* Each id once per cluster: (cluster, id) pairs seen. */
		once = cdp_key128_of(s->text.p + m[i].pid, m[i].pidlen);
		once.hi ^= m[0].c * UINT64_C(0x9e3779b97f4a7c15);
		if (cdp_keymap_put(s->sent, once, 0, &added) == NULL)
			cdp_oom(0);
		if (!added)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "K\t", 2);
		jb_str(&j->line, s->text.p + m[i].pid, m[i].pidlen);
		jb_tab(&j->line);
		jb_num(&j->line, m[0].c);
		jb_tab(&j->line);
		jb_key(&j->line, m[min].tok);
		jb_tab(&j->line);
		jb_num(&j->line, m[min].field);
		jb_tab(&j->line);
		jb_str(&j->line, s->text.p + m[min].name, m[min].nlen);
		jb_tab(&j->line);
		jb_num(&j->line, k != NULL && k->pidlen == m[i].pidlen &&
		    memcmp(s->text.p + k->pid, s->text.p + m[i].pid,
		    k->pidlen) == 0);
		job_send(j, jf_bucket_text(s->text.p + m[i].pid, m[i].pidlen,
		    j->nb));
	}
}

void
name2(struct job *j)
{
	struct n2 s = { .j = j };
	struct slices sl = { 0 };
	struct jf keep = { 0 };
	unsigned long long clusters = 0;

	job_read(j, n2_line, &s);
	n2_sort(&s);
	if (j->prior) {
		job_open(j, false);
		job_keep_open(j, &keep, "keep-cluster");
		if ((s.sent = cdp_keymap_new()) == NULL)
			cdp_oom(0);
	} else {
		slices_load(j, &sl);
	}
	for (size_t b = 0, e; b < s.n; b = e) {
		char pid[PROFILE_ID_SIZE], tok[TOKEN_TEXT];
		uint64_t records = 0;
		size_t min;

		for (e = b; e < s.n && s.m[e].c == s.m[b].c; e++)
			records += s.m[e].weight;
		min = smallest(j, &s, s.m + b, e - b);
		job_pid(j, (int)s.m[b + min].field, &j->v1, pid);
		clusters++;
		if (j->prior) {
			n2_prior(j, &s, s.m + b, e - b, min, pid, records,
			    &keep);
			continue;
		}
		warn_cluster(j, pid, strlen(pid), records);
		for (size_t i = b; i < e; i++) {
			key_text(s.m[i].tok, tok);
			slices_add(j, &sl, s.text.p + s.m[i].parts,
			    s.m[i].plen, tok, pid, strlen(pid));
		}
	}
	job_count(j, "clusters", clusters);
	if (j->prior)
		jf_close(&keep);
	else
		slices_write(j, &sl);
	free(s.m);
	cdp_keymap_free(s.sent);
	cdp_buf_free(&s.text);
}

/* --- name3: who keeps each earlier id ---------------------------------- */

struct kline {
	const char		*idp;	/* the id's text, once all are read */
	uint64_t		c, id, name;
	struct cdp_key128	tok;
	uint32_t		idlen, nlen, field;
	bool			keeps;
};

struct n3 {
	struct job	*j;
	struct kline	*k;
	size_t		 n, cap;
	struct cdp_buf	 text;
};

static int
n3_line(void *ctx, const struct jline *l, const char **why)
{
	struct n3 *s = ctx;
	struct kline *k;

	if (l->nf != 7 || l->n[0] != 1 || l->f[0][0] != 'K') {
		*why = "expected K ID CENTRE TOKEN FIELD NAME KEEPS";
		return -1;
	}
	cdp_xgrow((void **)&s->k, &s->cap, s->n + 1, sizeof(*s->k));
	k = &s->k[s->n++];
	k->id = s->text.len;
	k->idlen = (uint32_t)l->n[1];
	jb_str(&s->text, l->f[1], l->n[1]);
	k->c = jl_num(l, 2);
	k->tok = jl_key(l, 3);
	if ((k->field = (uint32_t)jl_num(l, 4)) >= (uint32_t)s->j->opt->nids)
		jl_bad(l, "field number out of range");
	k->name = s->text.len;
	k->nlen = (uint32_t)l->n[5];
	jb_str(&s->text, l->f[5], l->n[5]);
	k->keeps = jl_num(l, 6) != 0;
	return 0;
}

static int
cmp_kline(const void *x, const void *y)
{
	const struct kline *a = x, *b = y;
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c = memcmp(a->idp, b->idp, n);

	if (c != 0 || a->idlen != b->idlen)
		return c != 0 ? c : (a->idlen > b->idlen) - (a->idlen <
		    b->idlen);
	return (a->c > b->c) - (a->c < b->c);
}

/* Whether cluster a's smallest identifier is below b's. */
static bool
n3_less(struct job *j, const struct n3 *s, const struct kline *a,
    const struct kline *b)
{
	job_value(j, a->tok, (int)a->field, s->text.p + a->name, a->nlen,
	    &j->v1);
	job_value(j, b->tok, (int)b->field, s->text.p + b->name, b->nlen,
	    &j->v2);
	return job_cmp(j, (int)a->field, &j->v1, (int)b->field, &j->v2) < 0;
}

void
name3(struct job *j)
{
	struct n3 s = { .j = j };
	unsigned long long kept = 0, gone = 0, split = 0;

	job_read(j, n3_line, &s);
	for (size_t i = 0; i < s.n; i++)
		s.k[i].idp = s.text.p + s.k[i].id;
	if (s.n > 0)
		qsort(s.k, s.n, sizeof(*s.k), cmp_kline);
	job_open(j, false);
	for (size_t b = 0, e; b < s.n; b = e) {
		const struct kline *owner = NULL, *to = NULL;

		for (e = b; e < s.n && s.k[e].idlen == s.k[b].idlen &&
		    memcmp(s.text.p + s.k[e].id, s.text.p + s.k[b].id,
		    s.k[b].idlen) == 0; e++) {
			if (s.k[e].keeps && (owner == NULL || n3_less(j, &s,
			    &s.k[e], owner)))
				owner = &s.k[e];
			if (to == NULL || n3_less(j, &s, &s.k[e], to))
				to = &s.k[e];
		}
		/* O: the cluster keeps the id; I: it names the id map's
		 * line for an id no cluster keeps. */
		cdp_buf_reset(&j->line);
		jb_str(&j->line, owner != NULL ? "O\t" : "I\t", 2);
		jb_num(&j->line, (owner != NULL ? owner : to)->c);
		jb_tab(&j->line);
		jb_str(&j->line, s.text.p + s.k[b].id, s.k[b].idlen);
		job_send(j, (int)((owner != NULL ? owner : to)->c %
		    (uint64_t)j->nb));
		kept += owner != NULL;
		gone += owner == NULL;
		/* S: a cluster that has records of an id another keeps
		 * (split), once per cluster. */
		for (size_t i = b; owner != NULL && i < e; i++) {
			if (s.k[i].c == owner->c || (i > b && s.k[i].c ==
			    s.k[i - 1].c))
				continue;
			cdp_buf_reset(&j->line);
			jb_str(&j->line, "S\t", 2);
			jb_num(&j->line, s.k[i].c);
			jb_tab(&j->line);
			jb_str(&j->line, s.text.p + s.k[i].id, s.k[i].idlen);
			job_send(j, (int)(s.k[i].c % (uint64_t)j->nb));
			split++;
		}
	}
	job_count(j, "kept", kept);
	job_count(j, "gone", gone);
	job_count(j, "split", split);
	free(s.k);
	cdp_buf_free(&s.text);
}

/* --- name4: final ids -------------------------------------------------- */

struct n4 {
	struct job	*j;
	struct umap	 own;	/* centre -> index in oid */
	struct { uint64_t off; uint32_t len; } *oid, *req;
	uint64_t	*rc;	/* I and S: the centres asked */
	bool		*rs;	/* S: a split */
	size_t		 no, ocap, nr, rcap, rccap, rscap;
	struct cdp_buf	 text;
	/* the cluster being read from keep-cluster */
	uint64_t	 c;
	struct cdp_buf	 final;
	struct umap	 finals;	/* centre -> offset in ftext */
	uint64_t	*foff;
	size_t		 nf, fcap;
	struct cdp_buf	 ftext;
	struct jf	 map;
};

static int
n4_msg(void *ctx, const struct jline *l, const char **why)
{
	struct n4 *s = ctx;
	bool o = l->n[0] == 1 && l->f[0][0] == 'O', added;

	if (l->nf != 3 || l->n[0] != 1 || (!o && l->f[0][0] != 'I' &&
	    l->f[0][0] != 'S')) {
		*why = "expected O, I or S CENTRE ID";
		return -1;
	}
	if (o) {
		uint32_t *v = umap_put(&s->own, jl_num(l, 1), (uint32_t)s->no,
		    &added);

		if (!added) {
			*why = "a cluster that keeps two ids";
			return -1;
		}
		cdp_xgrow((void **)&s->oid, &s->ocap, s->no + 1,
		    sizeof(*s->oid));
		s->oid[*v].off = s->text.len;
		s->oid[s->no++].len = (uint32_t)l->n[2];
	} else {
		cdp_xgrow((void **)&s->req, &s->rcap, s->nr + 1,
		    sizeof(*s->req));
		cdp_xgrow((void **)&s->rc, &s->rccap, s->nr + 1,
		    sizeof(*s->rc));
		cdp_xgrow((void **)&s->rs, &s->rscap, s->nr + 1,
		    sizeof(*s->rs));
		s->rs[s->nr] = l->f[0][0] == 'S';
		s->rc[s->nr] = jl_num(l, 1);
		s->req[s->nr].off = s->text.len;
		s->req[s->nr++].len = (uint32_t)l->n[2];
	}
	jb_str(&s->text, l->f[2], l->n[2]);
	return 0;
}

/* Q CENTRE NAME KEPT RECORDS: the final id; M CENTRE TOKEN PARTS: the
 * value's slices, as R PART TOKEN ID lines of keep-map. */
static int
n4_cluster(void *ctx, const struct jline *l, const char **why)
{
	struct n4 *s = ctx;
	struct job *j = s->j;

	if (l->n[0] == 1 && l->f[0][0] == 'Q' && l->nf == 5) {
		uint32_t *o;
		bool added;

		s->c = jl_num(l, 1);
		o = umap_get(&s->own, s->c);
		cdp_buf_reset(&s->final);
		if (o != NULL && l->n[3] == s->oid[*o].len && memcmp(l->f[3],
		    s->text.p + s->oid[*o].off, l->n[3]) == 0)
			jb_str(&s->final, l->f[3], l->n[3]);
		else
			jb_str(&s->final, l->f[2], l->n[2]);
		if (name_unescape(&j->v1, s->final.p, s->final.len) == -1)
			jl_bad(l, "bad id");
		warn_cluster(j, j->v1.p, j->v1.len, jl_num(l, 4));
		umap_put(&s->finals, s->c, (uint32_t)s->nf, &added);
		cdp_xgrow((void **)&s->foff, &s->fcap, s->nf + 1,
		    sizeof(*s->foff));
		s->foff[s->nf++] = s->ftext.len;
		jb_str(&s->ftext, s->final.p, s->final.len + 1);
		return 0;
	}
	if (l->n[0] != 1 || l->f[0][0] != 'M' || l->nf != 4 ||
	    jl_num(l, 1) != s->c) {
		*why = "expected Q or M lines";
		return -1;
	}
	for (size_t b = 0, e; b < l->n[3]; b = e + 1) {
		for (e = b; e < l->n[3] && l->f[3][e] != ','; e++)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "R\t", 2);
		jb_str(&j->line, l->f[3] + b, e - b);
		jb_tab(&j->line);
		jb_str(&j->line, l->f[2], l->n[2]);
		jb_tab(&j->line);
		jb_str(&j->line, s->final.p, s->final.len);
		jf_put(&s->map, &j->line);
	}
	return 0;
}

void
name4(struct job *j)
{
	struct n4 s = { .j = j };

	job_read(j, n4_msg, &s);
	job_open(j, false);
	job_keep_open(j, &s.map, "keep-map");
	if (!job_keep(j, "keep-cluster", n4_cluster, &s))
		cdp_die(EX_DATAERR, j->in, 0, "no keep-cluster: not a join "
		    "folder");
	jf_close(&s.map);
	/* D ID FINAL KIND: an id that went (m), and the id of the cluster
	 * that has its smallest identifier now, or a cluster that had
	 * records of an id another keeps (s); bucket 0 writes the id map. */
	for (size_t i = 0; i < s.nr; i++) {
		uint32_t *f = umap_get(&s.finals, s.rc[i]);

		if (f == NULL)
			cdp_die(EX_DATAERR, j->in, 0, "bad join file: an id "
			    "map line for a cluster of another bucket");
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "D\t", 2);
		jb_str(&j->line, s.text.p + s.req[i].off, s.req[i].len);
		jb_tab(&j->line);
		jb_str(&j->line, s.ftext.p + s.foff[*f],
		    strlen(s.ftext.p + s.foff[*f]));
		jb_str(&j->line, s.rs[i] ? "\ts" : "\tm", 2);
		job_send(j, 0);
	}
	job_count(j, "id_map", s.nr);
	umap_free(&s.own);
	umap_free(&s.finals);
	free(s.oid);
	free(s.req);
	free(s.rc);
	free(s.rs);
	free(s.foff);
	cdp_buf_free(&s.text);
	cdp_buf_free(&s.final);
	cdp_buf_free(&s.ftext);
}

/* --- name5: the id map and the slices ---------------------------------- */

/* An id map line; the texts are offsets until all are read. */
struct dline {
	uint64_t	 from, to;
	const char	*fp, *tp;
	bool		 split;
};

struct n5 {
	struct job	*j;
	struct slices	 sl;
	struct dline	*d;
	size_t		 nd, dcap;
	struct cdp_buf	 text;	/* unescaped, NUL-terminated */
};

static int
n5_map(void *ctx, const struct jline *l, const char **why)
{
	struct n5 *s = ctx;

	if (l->nf != 4 || l->n[0] != 1 || l->f[0][0] != 'R' ||
	    l->n[2] != TOKEN_TEXT) {
		*why = "expected R PART TOKEN ID";
		return -1;
	}
	slices_add(s->j, &s->sl, l->f[1], l->n[1], l->f[2], l->f[3],
	    l->n[3]);
	return 0;
}

static void
n5_text(struct n5 *s, const struct jline *l, int i)
{
	if (name_unescape(&s->j->v1, l->f[i], l->n[i]) == -1)
		jl_bad(l, "bad id");
	jb_str(&s->text, s->j->v1.p, s->j->v1.len + 1);
}

static int
n5_idmap(void *ctx, const struct jline *l, const char **why)
{
	struct n5 *s = ctx;

	if (l->nf != 4 || l->n[0] != 1 || l->f[0][0] != 'D' ||
	    l->n[3] != 1 || (l->f[3][0] != 'm' && l->f[3][0] != 's')) {
		*why = "expected D FROM TO m|s";
		return -1;
	}
	cdp_xgrow((void **)&s->d, &s->dcap, s->nd + 1, sizeof(*s->d));
	s->d[s->nd].split = l->f[3][0] == 's';
	s->d[s->nd].from = s->text.len;
	n5_text(s, l, 1);
	s->d[s->nd++].to = s->text.len;
	n5_text(s, l, 2);
	return 0;
}

/* As one process orders its ledger: by old id, merges first, new id. */
static int
cmp_from(const void *x, const void *y)
{
	const struct dline *a = x, *b = y;
	int c = strcmp(a->fp, b->fp);

	if (c != 0)
		return c;
	if (a->split != b->split)
		return a->split - b->split;
	return strcmp(a->tp, b->tp);
}

/* OUT/id-map.ndjson: {"event":"merge"|"split","from":OLD,"to":NEW}
 * sorted and written once each, as one process's --id-map. */
static void
n5_write_idmap(struct job *j, struct n5 *s)
{
	struct cdp_buf path = { 0 }, line = { 0 };
	struct cdp_out *o;
	struct cdp_err err;

	for (size_t i = 0; i < s->nd; i++) {
		s->d[i].fp = s->text.p + s->d[i].from;
		s->d[i].tp = s->text.p + s->d[i].to;
	}
	if (s->nd > 0)
		qsort(s->d, s->nd, sizeof(*s->d), cmp_from);
	jf_mkdir(j->out);
	if (cdp_buf_addf(&path, "%s/id-map.ndjson", j->out) == -1)
		cdp_oom(0);
	if ((o = cdp_out_open(path.p, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	for (size_t i = 0; i < s->nd; i++) {
		const char *from = s->d[i].fp, *to = s->d[i].tp;

		if (i > 0 && cmp_from(&s->d[i - 1], &s->d[i]) == 0)
			continue;
		cdp_buf_reset(&line);
		if (cdp_buf_addf(&line, "{\"event\":\"%s\",\"from\":",
		    s->d[i].split ? "split" : "merge") == -1 ||
		    cdp_json_quote(&line, from, strlen(from)) == -1 ||
		    cdp_buf_adds(&line, ",\"to\":") == -1 ||
		    cdp_json_quote(&line, to, strlen(to)) == -1 ||
		    cdp_buf_adds(&line, "}\n") == -1)
			cdp_oom(0);
		if (cdp_out_write(o, line.p, line.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	}
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	job_count(j, "id_map", s->nd);
	cdp_buf_free(&path);
	cdp_buf_free(&line);
}

void
name5(struct job *j)
{
	struct n5 s = { .j = j };

	slices_load(j, &s.sl);
	job_read(j, n5_idmap, &s);
	if (s.nd > 0 && j->me != 0)
		cdp_die(EX_DATAERR, j->in, 0, "bad join file: id map lines "
		    "outside bucket 0");
	if (!job_keep(j, "keep-map", n5_map, &s))
		cdp_die(EX_DATAERR, j->in, 0, "no keep-map: not a join "
		    "folder");
	if (j->me == 0)
		n5_write_idmap(j, &s);
	slices_write(j, &s.sl);
	free(s.d);
	cdp_buf_free(&s.text);
}
