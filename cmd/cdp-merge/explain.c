/*
 * explain.c - cdp-merge --probabilistic --explain FILE: every candidate
 * pair the linker scored, one JSON line each, with the level and weight
 * of each comparison (the weights add up to the pair's); then every
 * cluster of linked groups with its size, density and bridges.
 */
#include <math.h>
#include <string.h>

#include "compare.h"
#include "diag.h"
#include "merge.h"
#include "out.h"
#include "prob.h"
#include "resolve.h"
#include "xalloc.h"

static void
check(int rc)
{
	if (rc != 0)
		cdp_oom(0);
}

static void
quote_ref(struct cdp_buf *b, const struct prob *p, size_t k)
{
	size_t n;
	const char *r = prob_ref(p, k, &n);

	check(cdp_json_quote(b, r, n));
}

/* The line of pair pr into b (reset first). */
static void
pair_line(const struct prob *p, const struct prob_pair *pr, struct cdp_buf *b)
{
	const struct prob_spec *s = prob_model(p);

	cdp_buf_reset(b);
	check(cdp_buf_adds(b, "{\"a\":"));
	quote_ref(b, p, pr->i);
	check(cdp_buf_adds(b, ",\"b\":"));
	quote_ref(b, p, pr->j);
	check(cdp_buf_addf(b, ",\"probability\":%.6g,\"weight\":%.4f,"
	    "\"match\":%s,\"prior_weight\":%.4f,\"fields\":{", pr->probability,
	    pr->weight, pr->probability >= s->threshold ? "true" : "false",
	    prob_prior_weight(p)));
	for (int c = 0; c < s->ncmps; c++) {
		const struct cmp *cp = &s->cmps[c];

		check((c > 0 ? cdp_buf_addc(b, ',') : 0) |
		    cdp_json_quote(b, cp->name, strlen(cp->name)) |
		    cdp_buf_adds(b, ":{\"level\":\""));
		cdp_cmp_level_name(&cp->cmp, pr->level[c], b);
		check(cdp_buf_addf(b, "\",\"weight\":%.4f", pr->cweight[c]));
		if (cp->tf && pr->level[c] == 1)
			check(cdp_buf_addf(b, ",\"tf\":%.4f", pr->tf[c]));
		check(cdp_buf_addc(b, '}'));
	}
	check(cdp_buf_adds(b, "}}\n"));
}

/* The line of cluster part i into b (reset first). */
static void
cluster_line(struct resolve *rs, size_t i, struct cdp_buf *b)
{
	const struct cluster_part *cp = &rs->cl.parts[i];
	char id[PROFILE_ID_SIZE];

	resolve_part_id(rs, i, id);
	cdp_buf_reset(b);
	check(cdp_buf_adds(b, "{\"cluster\":") | cdp_json_quote(b, id,
	    strlen(id)));
	check(cdp_buf_addf(b, ",\"records\":%llu,\"groups\":%u,\"links\":%u,"
	    "\"density\":%.4f,\"bridges\":%u,\"weakest_path\":%.6g}\n",
	    (unsigned long long)cp->records, cp->groups, cp->links,
	    cp->density, cp->bridges, cp->weakest));
}

static void
put(struct cdp_out *o, const struct cdp_buf *b)
{
	struct cdp_err err;

	if (cdp_out_write(o, b->p, b->len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

void
explain_write(struct resolve *rs, const char *path)
{
	struct cdp_buf b = { 0 };
	struct cdp_out *o;
	struct cdp_err err;

	if ((o = cdp_out_open(path, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	for (size_t t = 0; t < prob_npairs(rs->lk); t++) {
		struct prob_pair pr;

		prob_pair_at(rs->lk, t, &pr);
		pair_line(rs->lk, &pr, &b);
		put(o, &b);
	}
	for (size_t i = 0; i < rs->cl.nparts; i++) {
		cluster_line(rs, i, &b);
		put(o, &b);
	}
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}
