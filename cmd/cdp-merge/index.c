/*
 * index.c - cdp-merge's first pass and resolution: identifiers of each
 * record into a compact index, then union-find over identifier values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "idvals.h"
#include "index.h"
#include "lines.h"
#include "norm.h"
#include "pid.h"
#include "xalloc.h"

static struct cdp_key128
lower_key(struct cdp_buf *low, const char *s, size_t n)
{
	cdp_buf_reset(low);
	if (cdp_buf_reserve(low, n) == -1)
		cdp_oom(0);
	for (size_t i = 0; i < n; i++)
		low->p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
	low->len = n;
	return cdp_key128_of(low->p, n);
}

static void
ignore_add(struct index *ix, const char *s, size_t n)
{
	int added;

	cdp_trim(&s, &n);
	if (cdp_keymap_put(ix->ignore, lower_key(&ix->low, s, n), 0,
	    &added) == NULL)
		cdp_oom(0);
	if (n < 64)
		ix->ignore_len |= (uint64_t)1 << n;
	else
		ix->ignore_long = true;
}

static void
load_ignore(struct index *ix, const char *path)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	if ((in = cdp_lines_open(path, 0, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1)
		ignore_add(ix, l.p, l.len);
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	cdp_lines_close(in);
}

void
index_init(struct index *ix, const struct merge_opts *opt, bool record_links)
{
	struct cdp_err err;

	*ix = (struct index){ .opt = opt, .record_links = record_links };
	ix->ctx.default_country = opt->common.default_country;
	ix->ctx.date_order = opt->common.date_order;
	if ((ix->map = cdp_keymap_new()) == NULL ||
	    (ix->sets = cdp_keymap_new()) == NULL ||
	    (ix->ignore = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (int i = 0; i < opt->nids; i++)
		if (cdp_norm_ctx_prepare(&ix->ctx, opt->ids[i].norm,
		    &err) == -1)
			cdp_die_err(&err, NULL, 0);
	if (opt->default_ignore)
		for (size_t i = 0; merge_default_ignore[i] != NULL; i++)
			ignore_add(ix, merge_default_ignore[i],
			    strlen(merge_default_ignore[i]));
	if (opt->ignore_file != NULL)
		load_ignore(ix, opt->ignore_file);
}

void
index_free(struct index *ix)
{
	pidkey_free(ix->pk);
	free(ix->pidh);
	free(ix->pidset);
	cdp_keymap_free(ix->map);
	cdp_keymap_free(ix->sets);
	cdp_keymap_free(ix->ignore);
	cdp_norm_ctx_free(&ix->ctx);
	free(ix->nodes);
	free(ix->off);
	free(ix->edges);
	free(ix->good);
	free(ix->minnode);
	free(ix->keep);
	free(ix->rkey);
	free(ix->linked);
	free(ix->minrec);
	free(ix->weight);
	cdp_keymap_free(ix->prior.ids);
	cdp_keymap_free(ix->prior.keys);
	cdp_keymap_free(ix->prior.amb);
	cdp_buf_free(&ix->prior.text);
	free(ix->prior.off);
	free(ix->prior.count);
	free(ix->prior.of_rec);
	uf_free(&ix->uf);
	cdp_buf_free(&ix->arena);
	cdp_buf_free(&ix->val);
	cdp_buf_free(&ix->norm);
	cdp_buf_free(&ix->low);
	cdp_buf_free(&ix->msg);
	cdp_buf_free(&ix->vals);
}

/* The profile id of a record named by its record key h. */
static void
id_of_key(const struct index *ix, struct cdp_key128 h,
    char out[PROFILE_ID_SIZE])
{
	pid_text(pid_of_key(ix->pk, h), out);
}

/*
 * A record with no linking identifier is its own profile, named by its
 * whole text (which holds its _src and _line when it has them): two
 * records get one id only when they are the same bytes.
 */
static struct cdp_key128
record_key(struct index *ix, struct cdp_rec *rec)
{
	(void)ix;
	return cdp_key128_of(rec->p, rec->len);
}

struct cdp_key128
index_record_key(struct cdp_rec *rec)
{
	return record_key(NULL, rec);
}

void
index_reserve(struct index *ix, size_t n)
{
	if (cdp_keymap_reserve(ix->map, n) == -1)
		cdp_oom(n * 30);
}

/* Whether s[0..n) is on the ignore list.  Only a value as long as one on
 * the list can be: the others are not lowered and hashed (a tenth of the
 * emit's and apply's time on identifier-rich records). */
static bool
ignored(struct index *ix, const char *s, size_t n)
{
	if (n < 64 ? (ix->ignore_len >> n & 1) == 0 : !ix->ignore_long)
		return false;
	return cdp_keymap_get(ix->ignore, lower_key(&ix->low, s, n)) != NULL;
}

/* "field "NAME": WHY" in ix->msg. */
static const char *
field_why(struct index *ix, const struct idfield *f, const char *why)
{
	cdp_buf_reset(&ix->msg);
	if (cdp_buf_adds(&ix->msg, "field ") == -1 ||
	    cdp_json_quote(&ix->msg, f->name, f->nlen) == -1 ||
	    cdp_buf_addf(&ix->msg, ": %s", why) == -1)
		cdp_oom(0);
	return ix->msg.p;
}

/* The key of value s[0..n) of field i: field name, NUL, value, so that
 * email "x" and customer_id "x" differ. */
static struct cdp_key128
key_of(struct index *ix, int i, const char *s, size_t n)
{
	const struct idfield *f = &ix->opt->ids[i];
	struct cdp_buf *k = &ix->low;

	cdp_buf_reset(k);
	if (cdp_buf_add(k, f->name, f->nlen + 1) == -1 ||
	    cdp_buf_add(k, s, n) == -1)
		cdp_oom(0);
	return cdp_key128_of(k->p, k->len);
}

/* The node of value s[0..n) of field i (key h), created when new. */
static uint32_t
node_of_key(struct index *ix, struct cdp_key128 h, int i, const char *s,
    size_t n)
{
	uint64_t *v;
	int added;

	v = cdp_keymap_put(ix->map, h, ix->nnodes, &added);
	if (v == NULL)
		cdp_oom(0);
	if (added) {
		if (ix->nnodes >= NO_NODE || n > UINT32_MAX)
			cdp_die(EX_SOFTWARE, NULL, 0, "too many identifiers");
		cdp_xgrow((void **)&ix->nodes, &ix->ncap, ix->nnodes + 1,
		    sizeof(*ix->nodes));
		ix->nodes[ix->nnodes++] = (struct node){
		    .aoff = ix->arena.len, .alen = (uint32_t)n,
		    .field = (uint8_t)i };
		if (cdp_buf_add(&ix->arena, s, n) == -1)
			cdp_oom(0);
	}
	return (uint32_t)*v;
}

/* The node of value s[0..n) of field i, created when new. */
static uint32_t
node_of(struct index *ix, int i, const char *s, size_t n)
{
	return node_of_key(ix, key_of(ix, i, s, n), i, s, n);
}

void
index_line(struct index *ix, bool good)
{
	size_t seq = ix->nlines++;

	cdp_xgrow((void **)&ix->good, &ix->gcap, seq / 8 + 1, 1);
	if (seq % 8 == 0)
		ix->good[seq / 8] = 0;
	if (good)
		ix->good[seq / 8] |= (uint8_t)(1u << (seq % 8));
}

bool
index_good(const struct index *ix, size_t seq)
{
	return seq < ix->nlines && (ix->good[seq / 8] >> (seq % 8) & 1);
}

/*
 * One identifier value s[0..n) of --ids field i: trimmed, checked
 * against the ignore list, normalised and added to ids[] (or its key to
 * keys[]) unless the record has it already.  Returns 0, or -1 (*why).
 */
static int
id_value(struct index *ix, int i, const char *s, size_t n, uint32_t *ids,
    struct cdp_key128 *keys, struct cdp_buf *vals, int *k, const char **why)
{
	const struct idfield *idf = &ix->opt->ids[i];
	const char *w;

	cdp_trim(&s, &n);
	if (n == 0)
		return 0;
	if (ignored(ix, s, n)) {
		ix->ignored += keys == NULL || vals != NULL;
		return 0;
	}
	cdp_buf_reset(&ix->norm);
	if (cdp_norm_apply(&ix->ctx, idf->norm, s, n, &ix->norm, &w) == -1) {
		*why = field_why(ix, idf, w);
		return -1;
	}
	if (ix->norm.len == 0 || ignored(ix, ix->norm.p, ix->norm.len)) {
		ix->ignored += keys == NULL || vals != NULL;
		return 0;
	}
	if (keys != NULL) {
		struct cdp_key128 key = key_of(ix, i, ix->norm.p, ix->norm.len);

		for (int j = 0; j < *k; j++)
			if (keys[j].hi == key.hi && keys[j].lo == key.lo)
				return 0;
		if (*k == MAX_IDS)
			goto many;
		keys[(*k)++] = key;
		if (vals != NULL) {
			struct idval v = { key, (uint32_t)ix->norm.len,
			    (uint8_t)i };

			if (cdp_buf_add(vals, &v, sizeof(v)) == -1 ||
			    cdp_buf_add(vals, ix->norm.p, ix->norm.len) == -1)
				cdp_oom(0);
		}
	} else {
		uint32_t node = node_of(ix, i, ix->norm.p, ix->norm.len);

		for (int j = 0; j < *k; j++)
			if (ids[j] == node)
				return 0;
		if (*k == MAX_IDS)
			goto many;
		ids[(*k)++] = node;
	}
	return 0;
many:
	*why = field_why(ix, idf, "more than 64 identifier values in one "
	    "record");
	return -1;
}

/*
 * The record's nodes into ids[] (or, with keys non-NULL, only their keys
 * into keys[], adding nothing); returns their count or -1 (bad).  A field
 * may hold one value or an array of them, and `_ids.F` adds more
 * (common/idvals.h).
 */
static int
record_ids(struct index *ix, struct cdp_rec *rec, uint32_t *ids,
    struct cdp_key128 *keys, struct cdp_buf *vals, const char **why)
{
	const struct merge_opts *opt = ix->opt;
	int k = 0;

	for (int i = 0; i < opt->nids; i++) {
		const struct idfield *idf = &opt->ids[i];
		struct cdp_idvals it;
		const char *s, *w;
		size_t n;
		int rc;

		cdp_idvals_start(&it, rec, idf->name, idf->nlen, true);
		while ((rc = cdp_idvals_next(&it, &ix->val, &s, &n, &w)) == 1)
			if (id_value(ix, i, s, n, ids, keys, vals, &k,
			    why) == -1)
				return -1;
		if (rc == -2)
			cdp_oom(0);
		if (rc == -1) {
			*why = field_why(ix, idf, w);
			return -1;
		}
	}
	return k;
}

int
index_record_ids(struct index *ix, struct cdp_rec *rec, uint32_t *ids,
    struct cdp_key128 *keys, const char **why)
{
	return record_ids(ix, rec, ids, keys, NULL, why);
}

int
index_record_values(struct index *ix, struct cdp_rec *rec,
    struct cdp_buf *vals, const char **why)
{
	struct cdp_key128 keys[MAX_IDS];

	return record_ids(ix, rec, NULL, keys, vals, why);
}

void
index_add_nodes(struct index *ix, const char *vals, size_t len)
{
	const char *end = vals + len;
	struct idval v;

	while (vals < end) {
		memcpy(&v, vals, sizeof(v));
		vals += sizeof(v);
		(void)node_of_key(ix, v.key, v.field, vals, v.n);
		vals += v.n;
	}
}

/*
 * Whether no earlier record had exactly the identifiers ids[0..k): the
 * degree of a value counts distinct sets, so that the hundred events of
 * one customer do not make her email a "super node", while a placeholder
 * typed by many different people still is one.
 */
static bool
new_set(struct index *ix, const uint32_t *ids, int k)
{
	uint32_t set[MAX_IDS];
	int added;

	for (int i = 0; i < k; i++) {
		int j = i;

		for (; j > 0 && set[j - 1] > ids[i]; j--)
			set[j] = set[j - 1];
		set[j] = ids[i];
	}
	if (k > 0 && cdp_keymap_put(ix->sets, cdp_key128_of(set,
	    (size_t)k * sizeof(*set)), 0, &added) == NULL)
		cdp_oom(0);
	return k > 0 && added;
}

static void	add_edges(struct index *, const uint32_t *, int);

/*
 * The record's values are found first and their nodes looked up after,
 * so that the look-ups (each a cache miss in a large map) wait for
 * memory together, not one after another: a fifth of --emit-links' time
 * was those misses.  A bad record adds the nodes of the values before
 * its bad one, as when each was added as found.
 */
int
index_add(struct index *ix, struct cdp_rec *rec, uint32_t ids[MAX_IDS],
    const char **why)
{
	struct cdp_key128 keys[MAX_IDS];
	struct idval v;
	const char *p;
	int k;

	cdp_buf_reset(&ix->vals);
	if ((k = record_ids(ix, rec, NULL, keys, &ix->vals, why)) == -1) {
		index_add_nodes(ix, ix->vals.p, ix->vals.len);
		return -1;
	}
	for (int j = 0; j < k; j++)
		cdp_keymap_prefetch(ix->map, keys[j]);
	p = ix->vals.p;
	for (int j = 0; j < k; j++) {
		memcpy(&v, p, sizeof(v));
		p += sizeof(v);
		ids[j] = node_of_key(ix, v.key, v.field, p, v.n);
		p += v.n;
	}
	if (ix->record_links) {
		cdp_xgrow((void **)&ix->rkey, &ix->rkcap, ix->nrecs + 1,
		    sizeof(*ix->rkey));
		ix->rkey[ix->nrecs] = record_key(ix, rec);
	}
	add_edges(ix, ids, k);
	return k;
}

void
index_add_values(struct index *ix, const char *vals, int k,
    struct cdp_key128 rkey, uint32_t ids[MAX_IDS])
{
	struct idval v;

	for (int j = 0; j < k; j++) {
		memcpy(&v, vals, sizeof(v));
		vals += sizeof(v);
		ids[j] = node_of_key(ix, v.key, v.field, vals, v.n);
		vals += v.n;
	}
	if (ix->record_links) {
		cdp_xgrow((void **)&ix->rkey, &ix->rkcap, ix->nrecs + 1,
		    sizeof(*ix->rkey));
		ix->rkey[ix->nrecs] = rkey;
	}
	add_edges(ix, ids, k);
}

/* Record number nrecs has the nodes ids[0..k). */
static void
add_edges(struct index *ix, const uint32_t *ids, int k)
{
	if (ix->nedges + (size_t)k > UINT32_MAX || ix->nrecs + 2 > UINT32_MAX)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many records");
	cdp_xgrow((void **)&ix->off, &ix->rcap, ix->nrecs + 2,
	    sizeof(*ix->off));
	cdp_xgrow((void **)&ix->edges, &ix->ecap, ix->nedges + (size_t)k,
	    sizeof(*ix->edges));
	ix->off[ix->nrecs] = (uint32_t)ix->nedges;
	for (int i = 0; i < k; i++)
		ix->edges[ix->nedges++] = ids[i];
	/* --emit-links counts degrees in the join, over all parts. */
	if (!ix->opt->emit_links && new_set(ix, ids, k))
		for (int i = 0; i < k; i++)
			ix->nodes[ids[i]].count++;
	ix->off[++ix->nrecs] = (uint32_t)ix->nedges;
}

void
index_add_set(struct index *ix, const uint32_t *ids, int k, uint64_t n)
{
	cdp_xgrow((void **)&ix->weight, &ix->wcap, ix->nrecs + 1,
	    sizeof(*ix->weight));
	ix->weight[ix->nrecs] = n;
	add_edges(ix, ids, k);
}

uint32_t
index_node(struct index *ix, int field, const char *s, size_t n)
{
	return node_of(ix, field, s, n);
}

struct cdp_key128
index_value_key(struct index *ix, int field, const char *s, size_t n)
{
	return key_of(ix, field, s, n);
}

void
index_own_id(struct index *ix, struct cdp_rec *rec, char out[PROFILE_ID_SIZE])
{
	id_of_key(ix, record_key(ix, rec), out);
}

bool
index_linking(const struct index *ix, uint32_t node)
{
	return ix->nodes[node].count <= (unsigned long)ix->opt->max_degree;
}

/* Byte order of (field name, value): a < b. */
bool
index_node_less(const struct index *ix, uint32_t a, uint32_t b)
{
	const struct node *x = &ix->nodes[a], *y = &ix->nodes[b];
	int c = strcmp(ix->opt->ids[x->field].name,
	    ix->opt->ids[y->field].name);
	size_t n = x->alen < y->alen ? x->alen : y->alen;

	if (c != 0)
		return c < 0;
	c = memcmp(ix->arena.p + x->aoff, ix->arena.p + y->aoff, n);
	return c != 0 ? c < 0 : x->alen < y->alen;
}

/* The first linking node of record k, or NO_NODE. */
static uint32_t
first_link(const struct index *ix, size_t k)
{
	for (uint32_t e = ix->off[k]; e < ix->off[k + 1]; e++)
		if (index_linking(ix, ix->edges[e]))
			return ix->edges[e];
	return NO_NODE;
}

#define MAX_WARN	20	/* --max-degree warnings without --verbose */

static void
warn_degree(const struct index *ix, uint32_t i)
{
	const struct node *nd = &ix->nodes[i];
	const char *field = ix->opt->ids[nd->field].name;

	if (cdp_diag_verbose())
		cdp_warn(NULL, 0, "field \"%s\": value \"%.*s\" is on %u "
		    "records with different identifiers (over --max-degree "
		    "%ld): not linked", field, (int)nd->alen,
		    ix->arena.p + nd->aoff, nd->count, ix->opt->max_degree);
	else if (ix->over_degree <= MAX_WARN)
		cdp_warn(NULL, 0, "field \"%s\": a value is on %u records "
		    "with different identifiers (over --max-degree %ld): not "
		    "linked", field, nd->count, ix->opt->max_degree);
}

/* The 128 bits of the profile id named by node i. */
static struct cdp_key128
id_of_node(struct index *ix, uint32_t i)
{
	const struct node *nd = &ix->nodes[i];
	const struct idfield *f = &ix->opt->ids[nd->field];
	struct cdp_buf *k = &ix->low;

	/* Field name, NUL, value: as the node's key. */
	cdp_buf_reset(k);
	if (cdp_buf_add(k, f->name, f->nlen + 1) == -1 ||
	    cdp_buf_add(k, ix->arena.p + nd->aoff, nd->alen) == -1)
		cdp_oom(0);
	return pid_of_bytes(ix->pk, k->p, k->len);
}

void
index_count(struct index *ix)
{
	uint64_t *recs = cdp_xcalloc(ix->nelem ? ix->nelem : 1, sizeof(*recs));

	for (size_t k = 0; k < ix->nrecs; k++) {
		uint32_t r = index_root(ix, k);
		/* --join-links: a record is a set of n records. */
		uint64_t n = ix->weight != NULL ? ix->weight[k] : 1;

		if (r == NO_NODE) {
			ix->unlinked += n;
		} else {
			if (recs[r] == 0)
				ix->clusters++;
			recs[r] += n;
		}
	}
	for (size_t i = 0; i < ix->nelem && ix->opt->max_cluster > 0; i++) {
		char id[PROFILE_ID_SIZE];

		if (recs[i] <= (unsigned long)ix->opt->max_cluster)
			continue;
		index_root_id(ix, (uint32_t)i, id);
		cdp_warn(NULL, 0, "profile %s has %llu records (over "
		    "--max-cluster %ld)", id, (unsigned long long)recs[i],
		    ix->opt->max_cluster);
	}
	free(recs);
}

uint32_t
index_record_elem(const struct index *ix, size_t k)
{
	return (uint32_t)(ix->nnodes + k);
}

uint32_t
index_prior_elem(const struct index *ix, uint32_t q)
{
	return (uint32_t)(ix->nnodes + ix->nrecs + q);
}

uint32_t
index_find(struct index *ix, uint32_t elem)
{
	return uf_find(&ix->uf, elem);
}

void
index_join(struct index *ix, uint32_t a, uint32_t b)
{
	uf_union(&ix->uf, a, b);
}

void
index_link_ids(struct index *ix)
{
	/* The hash maps are not needed any more: give their memory back. */
	cdp_keymap_free(ix->map);
	cdp_keymap_free(ix->sets);
	ix->map = ix->sets = NULL;
	ix->nelem = ix->nnodes + (ix->record_links ? ix->nrecs +
	    ix->prior.n : 0);
	if (ix->nelem >= NO_NODE)
		cdp_die(EX_SOFTWARE, NULL, 0, "too many records");
	if (uf_init(&ix->uf, ix->nelem) == -1)
		cdp_oom(0);
	for (size_t k = 0; k < ix->nrecs; k++) {
		uint32_t a = first_link(ix, k);

		for (uint32_t e = ix->off[k]; a != NO_NODE &&
		    e < ix->off[k + 1]; e++)
			if (index_linking(ix, ix->edges[e]))
				uf_union(&ix->uf, a, ix->edges[e]);
		/* A record is an element of its own, joined to its ids. */
		if (ix->record_links && a != NO_NODE)
			uf_union(&ix->uf, a, index_record_elem(ix, k));
	}
}

/*
 * Record links: a record is linked when its element is not alone; the
 * first record of each cluster names a cluster without identifiers.
 */
static void
record_roots(struct index *ix)
{
	uint32_t *n = cdp_xcalloc(ix->nelem, sizeof(*n));

	ix->linked = cdp_xcalloc(ix->nrecs, 1);
	ix->minrec = cdp_xreallocarray(NULL, ix->nelem, sizeof(*ix->minrec));
	for (size_t i = 0; i < ix->nelem; i++) {
		n[uf_find(&ix->uf, (uint32_t)i)]++;
		ix->minrec[i] = NO_NODE;
	}
	for (size_t k = 0; k < ix->nrecs; k++) {
		uint32_t r = uf_find(&ix->uf, index_record_elem(ix, k));

		ix->linked[k] = n[r] > 1;
		if (ix->minrec[r] == NO_NODE)
			ix->minrec[r] = (uint32_t)k;
	}
	free(n);
}

void
index_finish(struct index *ix)
{
	ix->minnode = cdp_xreallocarray(NULL, ix->nelem, sizeof(*ix->minnode));
	if (ix->record_links)
		record_roots(ix);
	for (size_t i = 0; i < ix->nelem; i++)
		ix->minnode[i] = NO_NODE;
	for (uint32_t i = 0; i < ix->nnodes; i++) {
		uint32_t r, *m;

		if (!index_linking(ix, i)) {
			ix->over_degree++;
			warn_degree(ix, i);
			continue;
		}
		r = uf_find(&ix->uf, i);
		m = &ix->minnode[r];
		if (*m == NO_NODE || index_node_less(ix, i, *m))
			*m = i;
	}
	if (ix->over_degree > MAX_WARN && !cdp_diag_verbose())
		cdp_warn(NULL, 0, "%llu more values over --max-degree not "
		    "linked (all with --verbose)",
		    ix->over_degree - MAX_WARN);
}

void
index_resolve(struct index *ix)
{
	index_link_ids(ix);
	index_finish(ix);
}

bool
index_root_less(const struct index *ix, uint32_t a, uint32_t b)
{
	uint32_t x = ix->minnode[a], y = ix->minnode[b];

	if (x != NO_NODE && y != NO_NODE)
		return index_node_less(ix, x, y);
	if (x != NO_NODE || y != NO_NODE)
		return x != NO_NODE;
	x = ix->minrec != NULL ? ix->minrec[a] : NO_NODE;
	y = ix->minrec != NULL ? ix->minrec[b] : NO_NODE;
	return x < y;
}

uint32_t
index_root(struct index *ix, size_t k)
{
	uint32_t n;

	if (ix->record_links)
		return ix->linked[k] ? uf_find(&ix->uf, (uint32_t)(ix->nnodes +
		    k)) : NO_NODE;
	n = first_link(ix, k);
	return n == NO_NODE ? NO_NODE : uf_find(&ix->uf, n);
}

struct cdp_key128
index_node_key(struct index *ix, uint32_t i)
{
	const struct node *nd = &ix->nodes[i];

	return key_of(ix, nd->field, ix->arena.p + nd->aoff, nd->alen);
}

void
index_profile(struct index *ix, size_t k, struct cdp_rec *rec,
    const char *carried, char out[PROFILE_ID_SIZE])
{
	uint32_t r = index_root(ix, k);

	if (r == NO_NODE && carried != NULL)
		snprintf(out, PROFILE_ID_SIZE, "%s", carried);
	else if (r == NO_NODE)
		id_of_key(ix, record_key(ix, rec), out);
	else
		index_root_id(ix, r, out);
}

/* The 128 bits of the id of the cluster of root, made when new. */
static struct cdp_key128
root_hash(struct index *ix, uint32_t root)
{
	struct cdp_key128 h;

	/* Unkeyed, a hash costs less than the memory to keep it. */
	if (ix->pk == NULL)
		return ix->minnode[root] != NO_NODE ?
		    id_of_node(ix, ix->minnode[root]) :
		    ix->rkey[ix->minrec[root]];
	if (ix->pidh == NULL) {
		ix->pidh = cdp_xreallocarray(NULL, ix->nelem ? ix->nelem : 1,
		    sizeof(*ix->pidh));
		ix->pidset = cdp_xcalloc((ix->nelem + 7) / 8 + 1, 1);
	}
	if (ix->pidset[root / 8] & 1u << root % 8)
		return ix->pidh[root];
	h = ix->minnode[root] != NO_NODE ? id_of_node(ix, ix->minnode[root]) :
	    pid_of_key(ix->pk, ix->rkey[ix->minrec[root]]);
	ix->pidh[root] = h;
	ix->pidset[root / 8] |= (uint8_t)(1u << root % 8);
	return h;
}

void
index_root_id(struct index *ix, uint32_t root, char out[PROFILE_ID_SIZE])
{
	if (ix->keep != NULL && ix->keep[root] != NO_NODE)
		snprintf(out, PROFILE_ID_SIZE, "%s", ix->prior.text.p +
		    ix->prior.off[ix->keep[root]]);
	else
		pid_text(root_hash(ix, root), out);
}

void
index_explain(struct index *ix, size_t k, struct cdp_buf *out)
{
	cdp_buf_reset(out);
	cdp_buf_addc(out, '[');
	for (uint32_t e = ix->off[k]; e < ix->off[k + 1]; e++) {
		const struct node *nd = &ix->nodes[ix->edges[e]];
		const struct idfield *f = &ix->opt->ids[nd->field];

		if (e > ix->off[k])
			cdp_buf_addc(out, ',');
		if (cdp_buf_adds(out, "{\"field\":") == -1 ||
		    cdp_json_quote(out, f->name, f->nlen) == -1 ||
		    cdp_buf_adds(out, ",\"value\":") == -1 ||
		    cdp_json_quote(out, ix->arena.p + nd->aoff, nd->alen) ==
		    -1 || cdp_buf_addf(out, ",\"degree\":%u,\"links\":%s}",
		    nd->count, index_linking(ix, ix->edges[e]) ? "true" :
		    "false") == -1)
			cdp_oom(0);
	}
	if (cdp_buf_addc(out, ']') == -1)
		cdp_oom(0);
}
