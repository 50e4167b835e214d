/*
 * prior.c - profile ids of a previous run: which identifier carried
 * which id, which id each cluster keeps now, and the ids that went.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "lines.h"
#include "out.h"
#include "prior.h"
#include "record.h"
#include "xalloc.h"

#define AMBIG	UINT64_MAX	/* an identifier seen under two ids */

/* The number of prior id s[0..n), added when new. */
static uint32_t
prior_id(struct prior *p, const char *s, size_t n)
{
	uint64_t *v;
	int added;

	if ((v = cdp_keymap_put(p->ids, cdp_key128_of(s, n), p->n,
	    &added)) == NULL)
		cdp_oom(0);
	if (!added)
		return (uint32_t)*v;
	if (p->n + 1 > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;

		p->off = cdp_xreallocarray(p->off, cap, sizeof(*p->off));
		p->count = cdp_xreallocarray(p->count, cap, sizeof(*p->count));
		p->cap = cap;
	}
	p->off[p->n] = p->text.len;
	p->count[p->n] = 0;
	if (cdp_buf_add(&p->text, s, n) == -1 ||
	    cdp_buf_addc(&p->text, '\0') == -1)
		cdp_oom(0);
	return (uint32_t)p->n++;
}

/* The two maps, made on first use. */
static void
prior_maps(struct prior *p)
{
	if (p->ids == NULL && ((p->ids = cdp_keymap_new()) == NULL ||
	    (p->keys = cdp_keymap_new()) == NULL ||
	    (p->amb = cdp_keymap_new()) == NULL))
		cdp_oom(0);
}

/* Identifier key k was seen with prior id number id. */
static void
claim_key(struct prior *p, struct cdp_key128 k, uint32_t id)
{
	int added;
	uint64_t *v = cdp_keymap_put(p->keys, k, id, &added);

	if (v == NULL)
		cdp_oom(0);
	/* A value over --max-degree sat in many profiles: no use.  Two of
	 * its ids are kept for --emit-links, whose join decides it again
	 * over every part. */
	if (!added && *v != id && *v != AMBIG) {
		uint64_t *a = cdp_keymap_put(p->amb, k, *v << 32 | id, &added);

		if (a == NULL)
			cdp_oom(0);
		*v = AMBIG;
	}
}

struct retired;
static const char *current(const struct retired *, const char *, size_t *);

/* One record of the prior file (*id: its prior id number, after the
 * merges of --prior-map). */
static const char *
prior_record(struct index *ix, struct cdp_rec *rec, const char *line,
    size_t len, struct cdp_buf *scratch, struct cdp_err *err,
    const struct retired *retired, uint32_t *id)
{
	struct prior *p = &ix->prior;
	struct cdp_key128 keys[MAX_IDS];
	const struct cdp_field *f;
	const char *s, *why;
	size_t n;
	int k;

	if (cdp_rec_parse(rec, line, len, err) == -1)
		return err->msg;
	f = cdp_rec_find(rec, "profile_id", 10);
	if (f == NULL || cdp_rec_str(rec, f, scratch, &s, &n) == -1 ||
	    n == 0)
		return "no profile_id string";
	if (n >= PROFILE_ID_SIZE || memchr(s, '\0', n) != NULL)
		return "profile_id too long";
	s = current(retired, s, &n);
	*id = prior_id(p, s, n);
	p->count[*id]++;
	if ((k = index_record_ids(ix, rec, NULL, keys, &why)) == -1)
		return why;
	for (int i = 0; i < k; i++)
		claim_key(p, keys[i], *id);
	return NULL;
}

/* The ids merged into others by earlier runs: from -> to. */
struct retired {
	struct cdp_keymap	*map;	/* hash(from) -> offset of to */
	struct cdp_buf		 to;	/* the ids, each NUL-terminated */
};

/* A string field of rec, unescaped into b; NULL when it is none. */
static const char *
string_of(struct cdp_rec *rec, const char *name, struct cdp_buf *b,
    size_t *n)
{
	const struct cdp_field *f = cdp_rec_find(rec, name, strlen(name));
	const char *s;

	if (f == NULL || f->type != CDP_STRING || cdp_rec_str(rec, f, b, &s,
	    n) == -1 || *n == 0 || *n >= PROFILE_ID_SIZE)
		return NULL;
	return s;
}

/* --prior-map: the merges of the id maps in path. */
static void
load_retired(struct retired *r, const char *path)
{
	struct cdp_buf a = { 0 }, b = { 0 };
	struct cdp_rec rec = { 0 };
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	if ((r->map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if ((in = cdp_lines_open(path, 0, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		const struct cdp_field *ev;
		const char *from, *to;
		size_t nf, nt;
		int added;

		if (l.too_long || cdp_rec_parse(&rec, l.p, l.len, &err) == -1 ||
		    (from = string_of(&rec, "from", &a, &nf)) == NULL ||
		    (to = string_of(&rec, "to", &b, &nt)) == NULL)
			cdp_die(EX_DATAERR, path, l.lineno, "--prior-map: "
			    "expected {\"event\":...,\"from\":ID,\"to\":ID}");
		ev = cdp_rec_find(&rec, "event", 5);
		/* A split leaves the id where it was. */
		if (ev != NULL && ev->vlen == 7 && memcmp(rec.p + ev->voff,
		    "\"split\"", 7) == 0)
			continue;
		if (cdp_keymap_put(r->map, cdp_key128_of(from, nf), r->to.len,
		    &added) == NULL || cdp_buf_add(&r->to, to, nt) == -1 ||
		    cdp_buf_addc(&r->to, '\0') == -1)
			cdp_oom(0);
	}
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	cdp_lines_close(in);
	cdp_rec_free(&rec);
	cdp_buf_free(&a);
	cdp_buf_free(&b);
}

/* The id that id s[0..*n) has now, following the merges (a chain of at
 * most 64: an id map cannot loop, a hand-made file might). */
static const char *
current(const struct retired *r, const char *s, size_t *n)
{
	for (int hops = 0; r->map != NULL && hops < 64; hops++) {
		uint64_t *v = cdp_keymap_get(r->map, cdp_key128_of(s, *n));

		if (v == NULL)
			break;
		s = r->to.p + *v;
		*n = strlen(s);
	}
	return s;
}

void
prior_load(struct index *ix, const char *path, const char *map,
    const char *(*each)(void *, struct cdp_rec *, uint32_t), void *ctx)
{
	struct cdp_buf scratch = { 0 };
	struct cdp_rec rec = { 0 };
	struct retired retired = { 0 };
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	const char *why;
	uint32_t id;
	int rc;

	prior_maps(&ix->prior);
	if (map != NULL)
		load_retired(&retired, map);
	if ((in = cdp_lines_open(path, 0, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		if (l.too_long)
			cdp_die(EX_DATAERR, path, l.lineno, "--prior: record "
			    "too long");
		if ((why = prior_record(ix, &rec, l.p, l.len, &scratch, &err,
		    &retired, &id)) != NULL || (each != NULL && (why = each(ctx,
		    &rec, id)) != NULL))
			cdp_die(EX_DATAERR, path, l.lineno, "--prior: %s",
			    why);
	}
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	cdp_lines_close(in);
	cdp_rec_free(&rec);
	cdp_buf_free(&scratch);
	cdp_keymap_free(retired.map);
	cdp_buf_free(&retired.to);
}

/* Prior id a is older than b: it had more records; ties go to the
 * smaller id in byte order. */
static bool
older(const struct prior *p, uint32_t a, uint32_t b)
{
	if (p->count[a] != p->count[b])
		return p->count[a] > p->count[b];
	return strcmp(p->text.p + p->off[a], p->text.p + p->off[b]) < 0;
}

struct pair {
	uint32_t	pid, root;
};

/* A line of the id map: a prior id that went (merged into another
 * cluster's id) or that a part of its cluster lost (split). */
struct event {
	const char	*from;
	bool		 split;
	uint32_t	 q;	/* prior id number of from */
	char		 to[PROFILE_ID_SIZE];
};

static int
cmp_event(const void *x, const void *y)
{
	const struct event *a = x, *b = y;
	int c = strcmp(a->from, b->from);

	if (c != 0)
		return c;
	if (a->split != b->split)
		return a->split - b->split;
	return strcmp(a->to, b->to);
}

/* n entries of NO_NODE. */
static uint32_t *
fill(size_t n)
{
	uint32_t *a = cdp_xmalloc((n ? n : 1) * sizeof(*a));

	memset(a, 0xff, (n ? n : 1) * sizeof(*a));
	return a;
}

/* Cluster root claims prior id q: the pair is added to *pairs (n of
 * them, capacity *cap) and root keeps q if it is its oldest. */
static size_t
claim(struct index *ix, uint32_t q, uint32_t root, uint32_t *keep,
    struct pair **pairs, size_t n, size_t *cap)
{
	cdp_xgrow((void **)pairs, cap, n + 1, sizeof(**pairs));
	(*pairs)[n++] = (struct pair){ q, root };
	if (keep[root] == NO_NODE || older(&ix->prior, q, keep[root]))
		keep[root] = q;
	return n;
}

/* Each cluster's oldest prior id; the (prior id, cluster) pairs. */
static struct pair *
claims(struct index *ix, uint32_t *keep, size_t *npairs)
{
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0;

	for (uint32_t i = 0; i < ix->nnodes; i++) {
		uint64_t *v;
		uint32_t root;

		if (ix->prior.keys == NULL)
			break;
		if (!index_linking(ix, i) || (v = cdp_keymap_get(
		    ix->prior.keys, index_node_key(ix, i))) == NULL ||
		    *v == AMBIG)
			continue;
		root = uf_find(&ix->uf, i);
		n = claim(ix, (uint32_t)*v, root, keep, &pairs, n, &cap);
	}
	/* With record links, a prior id is an element too: the records a
	 * run linked to records of that id. */
	for (uint32_t q = 0; ix->record_links && q < ix->prior.n; q++)
		n = claim(ix, q, uf_find(&ix->uf, index_prior_elem(ix, q)), keep,
		    &pairs, n, &cap);
	*npairs = n;
	return pairs;
}

static void
write_map(struct cdp_out *o, const struct event *e, size_t n,
    const struct prior_ledger *ledger)
{
	struct cdp_buf line = { 0 };
	struct cdp_err err;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && cmp_event(&e[i - 1], &e[i]) == 0)
			continue;
		cdp_buf_reset(&line);
		if (cdp_buf_addf(&line, "{\"event\":\"%s\",\"from\":",
		    e[i].split ? "split" : "merge") == -1 ||
		    cdp_json_quote(&line, e[i].from, strlen(e[i].from)) ==
		    -1 || cdp_buf_adds(&line, ",\"to\":") == -1 ||
		    cdp_json_quote(&line, e[i].to, strlen(e[i].to)) == -1)
			cdp_oom(0);
		if (!e[i].split && ledger != NULL)
			ledger->links(ledger->ctx, e[i].q, &line);
		if (cdp_buf_adds(&line, "}\n") == -1)
			cdp_oom(0);
		if (cdp_out_write(o, line.p, line.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	}
	cdp_buf_free(&line);
}

/*
 * The id map: an id nobody keeps now maps to the cluster that holds the
 * smallest identifier among the ones it had (merge); a cluster that had
 * records of an id another cluster keeps is a split.  Returns the open
 * output.
 */
static struct cdp_out *
id_map(struct index *ix, const char *path, const uint32_t *owner,
    const struct pair *pairs, size_t npairs, const struct prior_ledger *ledger)
{
	uint32_t *to = fill(ix->prior.n);
	struct event *e = NULL;
	struct cdp_out *o;
	struct cdp_err err;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < npairs; i++) {
		uint32_t q = pairs[i].pid, r = pairs[i].root;

		if (owner[q] == NO_NODE && (to[q] == NO_NODE ||
		    index_root_less(ix, r, to[q])))
			to[q] = r;
		if (owner[q] == NO_NODE || owner[q] == r)
			continue;
		cdp_xgrow((void **)&e, &cap, n + 1, sizeof(*e));
		e[n] = (struct event){ ix->prior.text.p + ix->prior.off[q],
		    true, q, "" };
		index_root_id(ix, r, e[n++].to);
	}
	for (uint32_t q = 0; q < ix->prior.n; q++)
		if (to[q] != NO_NODE) {
			cdp_xgrow((void **)&e, &cap, n + 1, sizeof(*e));
			e[n] = (struct event){ ix->prior.text.p +
			    ix->prior.off[q], false, q, "" };
			index_root_id(ix, to[q], e[n++].to);
		}
	if (n > 0)
		qsort(e, n, sizeof(*e), cmp_event);
	if ((o = cdp_out_open(path, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	write_map(o, e, n, ledger);
	free(to);
	free(e);
	return o;
}

struct cdp_out *
prior_apply(struct index *ix, const char *idmap_path,
    const struct prior_ledger *ledger)
{
	uint32_t *keep = fill(ix->nelem), *owner = fill(ix->prior.n);
	struct cdp_out *o = NULL;
	size_t npairs;
	struct pair *pairs = claims(ix, keep, &npairs);

	/* A prior cluster that split now: its id stays with the part with
	 * the smallest identifier, the others get new ids. */
	for (uint32_t r = 0; r < ix->nelem; r++)
		if (keep[r] != NO_NODE && (owner[keep[r]] == NO_NODE ||
		    index_root_less(ix, r, owner[keep[r]])))
			owner[keep[r]] = r;
	for (uint32_t r = 0; r < ix->nelem; r++)
		if (keep[r] != NO_NODE && owner[keep[r]] != r)
			keep[r] = NO_NODE;
	ix->keep = keep;
	if (idmap_path != NULL)
		o = id_map(ix, idmap_path, owner, pairs, npairs, ledger);
	free(owner);
	free(pairs);
	return o;
}

int
prior_of_record(struct index *ix, struct cdp_rec *rec, const char **s,
    size_t *n, const char **why)
{
	const struct cdp_field *f;

	if (ix->opt->replace ||
	    (f = cdp_rec_find(rec, "profile_id", 10)) == NULL)
		return 0;
	/* Only a string cdp-merge could have written is its own field. */
	if (f->type != CDP_STRING || cdp_rec_str(rec, f, &ix->val, s,
	    n) == -1 || *n == 0 || *n >= PROFILE_ID_SIZE ||
	    memchr(*s, '\0', *n) != NULL) {
		*why = "field \"profile_id\" already exists";
		return -1;
	}
	return 1;
}

void
prior_pend(struct index *ix, const char *s, size_t n)
{
	struct prior *p = &ix->prior;

	p->pending = NO_NODE;
	if (s == NULL)
		return;
	prior_maps(p);
	p->pending = prior_id(p, s, n);
}

int
prior_carry(struct index *ix, struct cdp_rec *rec, const char **why)
{
	const char *s = NULL;
	size_t n = 0;
	int rc = prior_of_record(ix, rec, &s, &n, why);

	ix->prior.pending = NO_NODE;
	if (rc == 1)
		prior_pend(ix, s, n);
	return rc == -1 ? -1 : 0;
}

void
prior_carry_add(struct index *ix, const uint32_t *ids, int k)
{
	struct prior *p = &ix->prior;
	size_t rec = ix->nrecs - 1;

	if (p->pending == NO_NODE && p->of_rec == NULL)
		return;
	while (p->nrec < ix->nrecs) {
		cdp_xgrow((void **)&p->of_rec, &p->rcap, p->nrec + 1,
		    sizeof(*p->of_rec));
		p->of_rec[p->nrec++] = NO_NODE;
	}
	if ((p->of_rec[rec] = p->pending) == NO_NODE)
		return;
	p->count[p->pending]++;
	for (int i = 0; i < k; i++)
		claim_key(p, index_node_key(ix, ids[i]), p->pending);
}

int
prior_claims(const struct index *ix, struct cdp_key128 key, uint32_t id[2])
{
	const struct prior *p = &ix->prior;
	const uint64_t *v;

	if (p->keys == NULL || (v = cdp_keymap_get(p->keys, key)) == NULL)
		return 0;
	if (*v != AMBIG) {
		id[0] = (uint32_t)*v;
		return 1;
	}
	v = cdp_keymap_get(p->amb, key);
	id[0] = (uint32_t)(*v >> 32);
	id[1] = (uint32_t)*v;
	return 2;
}

uint32_t
prior_carried_num(const struct index *ix, size_t k)
{
	const struct prior *p = &ix->prior;

	return k < p->nrec ? p->of_rec[k] : NO_NODE;
}

const char *
prior_carried(const struct index *ix, size_t k)
{
	uint32_t c = prior_carried_num(ix, k);

	return c == NO_NODE ? NULL : ix->prior.text.p + ix->prior.off[c];
}
