/*
 * stream.c - the record-wise loop of cdp-score model and points: one
 * output record per input record, the input's fields copied byte for
 * byte and the scorer's fields appended, with the filter's account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "out.h"
#include "record.h"
#include "xalloc.h"
#include "score.h"

/* Everything one run holds. */
struct run {
	const struct score_opts		*opt;
	const struct stream_scorer	*sc;
	struct cdp_out			*out;
	struct cdp_acct			 acct;
	struct cdp_rec			*rec;	/* the record being scored */
	struct cdp_recw			 w;
	const struct cdp_field		**own;	/* input fields replaced */
};

static void
put(struct run *r, const char *p, size_t n)
{
	struct cdp_err err;

	if (cdp_out_write(r->out, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static bool
owned(const struct run *r, const struct cdp_field *f)
{
	for (int i = 0; i < r->sc->nowned; i++)
		if (r->own[i] == f)
			return true;
	return false;
}

/*
 * Score the parsed record into r->w: the input's fields but those the
 * scorer owns, then the scorer's.  Returns as the scorer does.
 */
static int
score(struct run *r, const char **why)
{
	const struct stream_scorer *sc = r->sc;
	int rc;

	for (int i = 0; i < sc->nowned; i++)
		r->own[i] = cdp_rec_find(r->rec, sc->owned[i],
		    strlen(sc->owned[i]));
	cdp_recw_begin(&r->w);
	for (size_t i = 0; i < r->rec->n; i++)
		if (!owned(r, &r->rec->f[i]) &&
		    cdp_recw_field(&r->w, r->rec, &r->rec->f[i]) == -1)
			cdp_oom(0);
	if ((rc = sc->score(sc->st, r->rec, &r->w, why)) == 1 &&
	    cdp_recw_end(&r->w) == -1)
		cdp_oom(0);
	return rc;
}

/* One parsed record (cdp_each's callback): scored and written, or -1
 * with *why when it is bad. */
static int
record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	int rc;

	r->rec = rec;
	if ((rc = score(r, why)) == -1)
		return -1;
	if (rc == 1)
		put(r, r->w.b.p, r->w.b.len);
	else {
		/* Not scored (missing "skip"): passed on as it came. */
		put(r, at->line->p, at->line->len);
		put(r, "\n", 1);
	}
	return 0;
}

int
stream_run(const struct score_opts *opt, const struct stream_scorer *sc,
    char **files, int nfiles)
{
	struct run r = { .opt = opt, .sc = sc };
	struct cdp_err err;

	r.own = cdp_xcalloc((size_t)sc->nowned, sizeof(*r.own));
	if ((r.out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	cdp_out_line_mode(r.out, opt->common.unbuffered);
	if (cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (r.acct.rejects != NULL)
		cdp_out_line_mode(r.acct.rejects, opt->common.unbuffered);
	cdp_each(files, nfiles, &opt->common, &r.acct, record, &r);
	if (cdp_out_close(r.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_recw_free(&r.w);
	free(r.own);
	return 0;
}
