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
#include "lines.h"
#include "out.h"
#include "progress.h"
#include "record.h"
#include "score.h"

/* Everything one run holds. */
struct run {
	const struct score_opts		*opt;
	const struct stream_scorer	*sc;
	struct cdp_out			*out;
	struct cdp_acct			 acct;
	struct cdp_rec			 rec;
	struct cdp_recw			 w;
	const struct cdp_field		**own;	/* input fields replaced */
	struct cdp_progress		 prog;
	off_t				 done;	/* bytes of finished inputs */
	const char			*file;
};

static void
oom(void)
{
	cdp_die(EX_OSERR, NULL, 0, "out of memory");
}

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
		r->own[i] = cdp_rec_find(&r->rec, sc->owned[i],
		    strlen(sc->owned[i]));
	cdp_recw_begin(&r->w);
	for (size_t i = 0; i < r->rec.n; i++)
		if (!owned(r, &r->rec.f[i]) &&
		    cdp_recw_field(&r->w, &r->rec, &r->rec.f[i]) == -1)
			oom();
	if ((rc = sc->score(sc->st, &r->rec, &r->w, why)) == 1 &&
	    cdp_recw_end(&r->w) == -1)
		oom();
	return rc;
}

static void
record(struct run *r, const struct cdp_line *l)
{
	struct cdp_err err;
	const char *why = "record longer than --max-record-bytes";
	int rc;

	r->acct.read++;
	if (l->too_long)
		goto bad;
	if (cdp_rec_parse(&r->rec, l->p, l->len, &err) == -1) {
		if (err.code != EX_DATAERR)
			cdp_die_err(&err, NULL, 0);
		why = err.msg;
		goto bad;
	}
	if ((rc = score(r, &why)) == -1)
		goto bad;
	if (rc == 1)
		put(r, r->w.b.p, r->w.b.len);
	else {
		/* Not scored (missing "skip"): passed on as it came. */
		put(r, l->p, l->len);
		put(r, "\n", 1);
	}
	r->acct.written++;
	return;
bad:
	if (cdp_acct_reject(&r->acct, r->file, l->lineno, why, l->p, l->len,
	    &err) == -1)
		cdp_die_err(&err, err.code == EX_DATAERR ? r->file : NULL,
		    l->lineno);
}

static void
read_file(struct run *r, const char *path)
{
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	int rc;

	if ((in = cdp_lines_open(path, r->opt->common.max_record_bytes,
	    &err)) == NULL)
		cdp_die_err(&err, path, 0);
	r->file = cdp_lines_name(in);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		record(r, &l);
		cdp_progress_update(&r->prog, r->acct.read,
		    r->done + cdp_lines_offset(in));
	}
	if (rc == -1)
		cdp_die_err(&err, r->file, 0);
	r->done += cdp_lines_offset(in);
	cdp_lines_close(in);
}

int
stream_run(const struct score_opts *opt, const struct stream_scorer *sc,
    char **files, int nfiles)
{
	static char *stdin_only[] = { "-" };
	struct run r = { .opt = opt, .sc = sc };
	struct cdp_err err;
	const char *bad;
	off_t total;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	/* Every input must open before anything is written. */
	if (cdp_lines_check(files, nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	if ((r.own = calloc((size_t)sc->nowned, sizeof(*r.own))) == NULL)
		oom();
	if ((r.out = cdp_out_open(opt->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_open(&r.acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_progress_start(&r.prog, opt->common.progress, total);
	for (int i = 0; i < nfiles; i++)
		read_file(&r, files[i]);
	cdp_progress_end(&r.prog);
	if (cdp_out_close(r.out, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (cdp_acct_close(&r.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_rec_free(&r.rec);
	cdp_recw_free(&r.w);
	free(r.own);
	return 0;
}
