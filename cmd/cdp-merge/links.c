/*
 * links.c - cdp-merge in two phases, for inputs split into partitions
 * that no one process should read whole:
 *
 *   --emit-links  per partition: each distinct identifier set of its
 *                 records, with how many records had it;
 *   --join-links  once: the union-find over all sets, written as the id
 *                 map, one line per linking identifier value;
 *   --apply-map   per partition: every record with the profile_id of its
 *                 first linking identifier in the map.
 *
 * A set, not a pair of values, is what a partition hands on: the degree
 * of a value (--max-degree) counts distinct sets over ALL partitions, so
 * only the join can tell which values link.  The sets carry the
 * normalised values themselves, not hashes, because a cluster is named
 * after its smallest identifier in byte order.
 */
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "index.h"
#include "lines.h"
#include "merge.h"
#include "out.h"
#include "prior.h"
#include "record.h"
#include "xalloc.h"

static void
write_buf(struct cdp_out *out, const struct cdp_buf *b)
{
	struct cdp_err err;

	if (cdp_out_write(out, b->p, b->len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* Node ids ids[0..k) sorted, so that a set has one key. */
static struct cdp_key128
set_key(const uint32_t *ids, int k)
{
	uint32_t set[MAX_IDS];

	for (int i = 0; i < k; i++) {
		int j = i;

		for (; j > 0 && set[j - 1] > ids[i]; j--)
			set[j] = set[j - 1];
		set[j] = ids[i];
	}
	return cdp_key128_of(set, (size_t)k * sizeof(*set));
}

void
links_emit(struct index *ix, struct cdp_out *out, struct cdp_acct *acct)
{
	struct cdp_keymap *seen = cdp_keymap_new();
	uint64_t *count = NULL;
	uint32_t *first = NULL;
	size_t nsets = 0, ccap = 0, fcap = 0;
	struct cdp_buf line = { 0 };

	if (seen == NULL)
		cdp_oom(0);
	/* Sets numbered in order of first record, so the output follows
	 * the input. */
	for (size_t k = 0; k < ix->nrecs; k++) {
		uint32_t b = ix->off[k], e = ix->off[k + 1];
		int added;
		uint64_t *v = cdp_keymap_put(seen, set_key(ix->edges + b,
		    (int)(e - b)), nsets, &added);

		if (v == NULL)
			cdp_oom(0);
		if (added) {
			cdp_xgrow((void **)&count, &ccap, nsets + 1,
			    sizeof(*count));
			cdp_xgrow((void **)&first, &fcap, nsets + 1,
			    sizeof(*first));
			count[nsets] = 0;
			first[nsets++] = (uint32_t)k;
		}
		count[*v]++;
	}
	for (size_t s = 0; s < nsets; s++) {
		uint32_t k = first[s];

		cdp_buf_reset(&line);
		if (cdp_buf_addf(&line, "{\"_n\":%llu",
		    (unsigned long long)count[s]) == -1)
			cdp_oom(0);
		for (uint32_t e = ix->off[k]; e < ix->off[k + 1]; e++) {
			const struct node *nd = &ix->nodes[ix->edges[e]];
			const struct idfield *f = &ix->opt->ids[nd->field];

			if (cdp_buf_addc(&line, ',') == -1 ||
			    cdp_json_quote(&line, f->name, f->nlen) == -1 ||
			    cdp_buf_addc(&line, ':') == -1 ||
			    cdp_json_quote(&line, ix->arena.p + nd->aoff,
			    nd->alen) == -1)
				cdp_oom(0);
		}
		if (cdp_buf_adds(&line, "}\n") == -1)
			cdp_oom(0);
		write_buf(out, &line);
	}
	/* Records in, sets out: the records were used, not written. */
	acct->aggregating = true;
	acct->written = acct->read - acct->rejected;
	acct->extra[0].name = "links";
	acct->extra[0].n = nsets;
	acct->extra[1].name = "ignored";
	acct->extra[1].n = ix->ignored;
	cdp_buf_free(&line);
	free(count);
	free(first);
	cdp_keymap_free(seen);
}

struct join {
	struct index	 ix;
	struct cdp_buf	 val;
};

/* One line of a link file: {"_n":N,FIELD:VALUE,...}. */
static int
join_line(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct join *j = ctx;
	const struct merge_opts *opt = j->ix.opt;
	const struct cdp_field *nf = cdp_rec_find(rec, "_n", 2);
	uint32_t ids[MAX_IDS];
	double n;
	int k = 0;

	(void)at;
	if (nf == NULL || cdp_rec_num(rec, nf, &n) == -1 || n < 1 ||
	    n > 1e15 || n != (double)(uint64_t)n) {
		*why = "not a link: \"_n\" must be a whole number from 1";
		return -1;
	}
	for (int i = 0; i < opt->nids; i++) {
		const struct cdp_field *f = cdp_rec_find(rec, opt->ids[i].name,
		    opt->ids[i].nlen);
		const char *s;
		size_t len;

		if (f == NULL)
			continue;
		if (cdp_rec_str(rec, f, &j->val, &s, &len) == -1 ||
		    len == 0) {
			*why = "not a link: an identifier must be a non-empty "
			    "string";
			return -1;
		}
		ids[k++] = index_node(&j->ix, i, s, len);
	}
	if ((size_t)k + 1 != rec->n) {
		*why = "not a link: a field that is not one of --ids";
		return -1;
	}
	index_add_set(&j->ix, ids, k, (uint64_t)n);
	return 0;
}

/* The map: one line per linking value, in the order the values came. */
static void
write_id_map(struct index *ix, struct cdp_out *out, unsigned long long *n)
{
	struct cdp_buf line = { 0 };

	for (uint32_t i = 0; i < ix->nnodes; i++) {
		const struct node *nd = &ix->nodes[i];
		const struct idfield *f = &ix->opt->ids[nd->field];
		char id[PROFILE_ID_SIZE];

		if (!index_linking(ix, i))
			continue;
		index_root_id(ix, uf_find(&ix->uf, i), id);
		cdp_buf_reset(&line);
		if (cdp_buf_adds(&line, "{\"field\":") == -1 ||
		    cdp_json_quote(&line, f->name, f->nlen) == -1 ||
		    cdp_buf_adds(&line, ",\"value\":") == -1 ||
		    cdp_json_quote(&line, ix->arena.p + nd->aoff, nd->alen) ==
		    -1 || cdp_buf_adds(&line, ",\"profile_id\":") == -1 ||
		    cdp_json_quote(&line, id, strlen(id)) == -1 ||
		    cdp_buf_adds(&line, "}\n") == -1)
			cdp_oom(0);
		write_buf(out, &line);
		(*n)++;
	}
	cdp_buf_free(&line);
}

int
links_join(const struct merge_opts *opt, char **files, int nfiles)
{
	struct join j = { 0 };
	struct cdp_out *out, *idmap = NULL;
	struct cdp_acct acct = { 0 };
	struct cdp_err err;
	unsigned long long written = 0;

	index_init(&j.ix, opt, false);
	if (opt->prior != NULL)
		prior_load(&j.ix, opt->prior, opt->prior_map, NULL, NULL);
	if ((out = cdp_out_open(opt->common.output, &err)) == NULL ||
	    cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.aggregating = true;
	cdp_each(files, nfiles, &opt->common, &acct, join_line, &j);
	index_resolve(&j.ix);
	if (opt->prior != NULL || opt->id_map != NULL)
		idmap = prior_apply(&j.ix, opt->id_map, NULL);
	index_count(&j.ix);
	write_id_map(&j.ix, out, &written);
	if (cdp_out_close(out, &err) == -1 ||
	    cdp_out_close(idmap, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "map";
	acct.extra[0].n = written;
	acct.extra[1].name = "clusters";
	acct.extra[1].n = j.ix.clusters;
	acct.extra[2].name = "unlinked";
	acct.extra[2].n = j.ix.unlinked;
	acct.extra[3].name = "over_degree";
	acct.extra[3].n = j.ix.over_degree;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	index_free(&j.ix);
	cdp_buf_free(&j.val);
	return 0;
}

/* --apply-map: linking value -> profile id. */
struct apply {
	struct index		 ix;
	struct cdp_keymap	*map;	/* value key -> offset in ids */
	struct cdp_keymap	*idset;	/* hash(profile id) -> offset */
	struct cdp_buf		 ids;	/* the profile ids, NUL-terminated */
	struct cdp_out		*out;
	struct cdp_recw		 w;
	struct cdp_buf		 s1, s2, s3;
	unsigned long long	 mapped;	/* records given a map's id */
};

static const char *
map_line(struct apply *a, struct cdp_rec *rec)
{
	const struct merge_opts *opt = a->ix.opt;
	const struct cdp_field *ff = cdp_rec_find(rec, "field", 5);
	const struct cdp_field *vf = cdp_rec_find(rec, "value", 5);
	const struct cdp_field *pf = cdp_rec_find(rec, "profile_id", 10);
	const char *f, *v, *p;
	size_t fn, vn, pn;
	uint64_t *off;
	int i, added;

	if (ff == NULL || vf == NULL || pf == NULL ||
	    cdp_rec_str(rec, ff, &a->s1, &f, &fn) == -1 ||
	    cdp_rec_str(rec, vf, &a->s2, &v, &vn) == -1 ||
	    cdp_rec_str(rec, pf, &a->s3, &p, &pn) == -1)
		return "expected {\"field\":F,\"value\":V,\"profile_id\":P}";
	if (pn == 0 || pn >= PROFILE_ID_SIZE || memchr(p, '\0', pn) != NULL)
		return "bad profile_id";
	for (i = 0; i < opt->nids; i++)
		if (opt->ids[i].nlen == fn &&
		    memcmp(opt->ids[i].name, f, fn) == 0)
			break;
	if (i == opt->nids)
		return "a field that is not one of --ids";
	/* The same id for many values: keep its text once. */
	if ((off = cdp_keymap_put(a->idset, cdp_key128_of(p, pn),
	    a->ids.len, &added)) == NULL)
		cdp_oom(0);
	if (added && (cdp_buf_add(&a->ids, p, pn) == -1 ||
	    cdp_buf_addc(&a->ids, '\0') == -1))
		cdp_oom(0);
	if (cdp_keymap_put(a->map, index_value_key(&a->ix, i, v, vn), *off,
	    &added) == NULL)
		cdp_oom(0);
	return added ? NULL : "a value given twice";
}

static void
map_load(struct apply *a, const char *path)
{
	struct cdp_rec rec = { 0 };
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	const char *why;
	int rc;

	if ((in = cdp_lines_open(path, 0, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		if (l.too_long)
			cdp_die(EX_DATAERR, path, l.lineno, "--apply-map: line "
			    "too long");
		if (cdp_rec_parse(&rec, l.p, l.len, &err) == -1)
			cdp_die(EX_DATAERR, path, l.lineno, "--apply-map: %s",
			    err.msg);
		if ((why = map_line(a, &rec)) != NULL)
			cdp_die(EX_DATAERR, path, l.lineno, "--apply-map: %s",
			    why);
	}
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	cdp_lines_close(in);
	cdp_rec_free(&rec);
}

void
merge_annotate(struct cdp_recw *w, struct cdp_rec *rec, const char *id)
{
	const struct cdp_field *old = cdp_rec_find(rec, "profile_id", 10);
	int rc = 0;

	cdp_recw_begin(w);
	/* An input profile_id is replaced where it stands. */
	for (size_t i = 0; i < rec->n && rc == 0; i++)
		rc = &rec->f[i] == old ?
		    cdp_recw_str(w, "profile_id", 10, id, strlen(id)) :
		    cdp_recw_field(w, rec, &rec->f[i]);
	if (rc == 0 && old == NULL)
		rc = cdp_recw_str(w, "profile_id", 10, id, strlen(id));
	if (rc == -1 || cdp_recw_end(w) == -1)
		cdp_oom(0);
}

/* An unlinked record keeps the profile_id it carries (unless --replace),
 * as in one process: into own, 0; or -1. */
static int
carried_id(struct apply *a, struct cdp_rec *rec, char own[PROFILE_ID_SIZE])
{
	const struct cdp_field *f = cdp_rec_find(rec, "profile_id", 10);
	const char *s;
	size_t n;

	if (a->ix.opt->replace || f == NULL || f->type != CDP_STRING ||
	    cdp_rec_str(rec, f, &a->s1, &s, &n) == -1 || n == 0 ||
	    n >= PROFILE_ID_SIZE || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(own, s, n);
	own[n] = '\0';
	return 0;
}

static int
apply_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct apply *a = ctx;
	struct cdp_key128 keys[MAX_IDS];
	char own[PROFILE_ID_SIZE];
	const char *id = NULL;
	struct cdp_err err;
	int k;

	(void)at;
	if ((k = index_record_ids(&a->ix, rec, NULL, keys, why)) == -1)
		return -1;
	/* All linking values of a record are in one cluster: the first
	 * found names it.  A value missing from the map did not link. */
	for (int i = 0; i < k && id == NULL; i++) {
		uint64_t *off = cdp_keymap_get(a->map, keys[i]);

		if (off != NULL)
			id = a->ids.p + *off;
	}
	if (id == NULL && carried_id(a, rec, own) == 0) {
		id = own;
	} else if (id == NULL) {
		index_own_id(&a->ix, rec, own);
		id = own;
	} else {
		a->mapped++;
	}
	merge_annotate(&a->w, rec, id);
	if (cdp_out_write(a->out, a->w.b.p, a->w.b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	return 0;
}

int
links_apply(const struct merge_opts *opt, char **files, int nfiles)
{
	struct apply a = { 0 };
	struct cdp_acct acct = { 0 };
	struct cdp_err err;

	index_init(&a.ix, opt, false);
	if ((a.map = cdp_keymap_new()) == NULL ||
	    (a.idset = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	map_load(&a, opt->apply_map);
	cdp_keymap_free(a.idset);
	a.idset = NULL;
	if ((a.out = cdp_out_open(opt->common.output, &err)) == NULL ||
	    cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_each(files, nfiles, &opt->common, &acct, apply_record, &a);
	if (cdp_out_close(a.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "mapped";
	acct.extra[0].n = a.mapped;
	acct.extra[1].name = "unlinked";
	acct.extra[1].n = acct.written - a.mapped;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	index_free(&a.ix);
	cdp_keymap_free(a.map);
	cdp_buf_free(&a.ids);
	cdp_buf_free(&a.s1);
	cdp_buf_free(&a.s2);
	cdp_buf_free(&a.s3);
	cdp_recw_free(&a.w);
	return 0;
}
