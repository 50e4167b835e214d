/* each.c - the read loop of record consumers; see each.h. */
#include <stdlib.h>

#include "diag.h"
#include "each.h"
#include "progress.h"

struct loop {
	struct cdp_acct		*acct;
	cdp_each_fn		 fn;
	cdp_each_raw_fn		 raw;	/* or NULL */
	void			*ctx;
	struct cdp_rec		 rec;
	struct cdp_progress	 prog;
	off_t			 done;	/* bytes of the inputs finished */
};

static void
reject(struct loop *lp, const struct cdp_each_at *at, const char *why)
{
	const struct cdp_line *l = at->line;
	struct cdp_err err;

	if (cdp_acct_reject(lp->acct, at->file, l->lineno, why, l->p, l->len,
	    &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? at->file : NULL,
		    l->lineno);
}

static void
one(struct loop *lp, const struct cdp_each_at *at)
{
	const struct cdp_line *l = at->line;
	const char *why = "record longer than --max-record-bytes";
	struct cdp_err err;
	int rc;

	lp->acct->read++;
	if (l->too_long) {
		reject(lp, at, why);
		return;
	}
	if (lp->raw != NULL && lp->raw(lp->ctx, at) == 1) {
		lp->acct->written++;
		return;
	}
	if (cdp_rec_parse(&lp->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		reject(lp, at, err.msg);
		return;
	}
	why = "rejected";
	rc = lp->fn(lp->ctx, &lp->rec, at, &why);
	if (rc == 0)
		lp->acct->written++;
	else if (rc == 1)
		lp->acct->dropped++;
	else
		reject(lp, at, why);
}

/* The file at path, or its part k of n when n > 0 (a regular file). */
static void
one_file(struct loop *lp, const char *path, size_t max, long k, long n)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	struct cdp_each_at at = { .line = &l };
	int rc;

	if ((in = cdp_lines_open(path, max, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	if (n > 0) {
		if (cdp_lines_part(in, k, n, &err) == -1)
			cdp_die_err(&err, path, 0);
		/* the bar goes over the part's bytes, not the file's */
		lp->prog.total = cdp_lines_to(in) - cdp_lines_from(in);
	}
	at.file = cdp_lines_name(in);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		one(lp, &at);
		cdp_progress_update(&lp->prog, lp->acct->read, lp->done +
		    cdp_lines_offset(in) - cdp_lines_from(in));
	}
	if (rc == -1)
		cdp_die_err(&err, at.file, 0);
	lp->done += cdp_lines_offset(in) - cdp_lines_from(in);
	cdp_lines_close(in);
}

/* Every file, or the part k of n of the one file when n > 0. */
static void
each(char **files, int nfiles, long k, long n,
    const struct cdp_common_opts *c, struct cdp_acct *acct,
    cdp_each_raw_fn raw, cdp_each_fn fn, void *ctx)
{
	struct loop lp = { .acct = acct, .fn = fn, .raw = raw, .ctx = ctx };
	struct cdp_err err;
	const char *bad;
	off_t total;

	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	cdp_progress_start(&lp.prog, c->progress, total);
	for (int i = 0; i < nfiles; i++)
		one_file(&lp, files[i], c->max_record_bytes, k, n);
	cdp_progress_end(&lp.prog);
	cdp_rec_free(&lp.rec);
}

void
cdp_each(char **files, int nfiles, const struct cdp_common_opts *c,
    struct cdp_acct *acct, cdp_each_fn fn, void *ctx)
{
	each(files, nfiles, 0, 0, c, acct, NULL, fn, ctx);
}

void
cdp_each_part(const char *file, long k, long n,
    const struct cdp_common_opts *c, struct cdp_acct *acct, cdp_each_fn fn,
    void *ctx)
{
	char *files[] = { (char *)file };

	each(files, 1, k, n, c, acct, NULL, fn, ctx);
}

void
cdp_each_part_raw(const char *file, long k, long n,
    const struct cdp_common_opts *c, struct cdp_acct *acct,
    cdp_each_raw_fn raw, cdp_each_fn fn, void *ctx)
{
	char *files[] = { (char *)file };

	each(files, 1, k, n, c, acct, raw, fn, ctx);
}
