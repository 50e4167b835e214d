/*
 * explain.c - cdp-merge --probabilistic --explain FILE: every candidate
 * pair the linker scored, one JSON line each, with the level and weight
 * of each comparison (the weights add up to the pair's).
 */
#include <math.h>
#include <string.h>

#include "compare.h"
#include "diag.h"
#include "merge.h"
#include "out.h"
#include "prob.h"
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
	    log2(s->prior / (1 - s->prior))));
	for (int c = 0; c < s->ncmps; c++) {
		const struct cmp *cp = &s->cmps[c];
		const char *f = s->fields[cp->field];

		check((c > 0 ? cdp_buf_addc(b, ',') : 0) |
		    cdp_json_quote(b, f, strlen(f)) |
		    cdp_buf_adds(b, ":{\"level\":\""));
		cdp_cmp_level_name(&cp->cmp, pr->level[c], b);
		check(cdp_buf_addf(b, "\",\"weight\":%.4f}",
		    prob_level_weight(p, c, pr->level[c])));
	}
	check(cdp_buf_adds(b, "}}\n"));
}

void
explain_pairs(const struct prob *p, const char *path)
{
	struct cdp_buf b = { 0 };
	struct cdp_out *o;
	struct cdp_err err;

	if ((o = cdp_out_open(path, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	for (size_t t = 0; t < prob_npairs(p); t++) {
		struct prob_pair pr;

		prob_pair_at(p, t, &pr);
		pair_line(p, &pr, &b);
		if (cdp_out_write(o, b.p, b.len, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	}
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}
