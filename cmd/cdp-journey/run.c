/*
 * run.c - one run of cdp-journey: the journey, the suppression list and
 * the state loaded, the events read (or followed), every profile decided,
 * the outputs and the account closed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "diag.h"
#include "xalloc.h"
#include "journey.h"

/* One profile id or email a line; emails are compared in lower case. */
static void
load_suppress(struct j_run *r, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int added;

	if ((r->suppress = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if ((fp = fopen(path, "r")) == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open: %s",
		    strerror(errno));
	while ((n = getline(&line, &cap, fp)) != -1) {
		char *s = line + strspn(line, " \t");

		while (n > 0 && strchr(" \t\r\n", line[n - 1]) != NULL)
			line[--n] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strchr(s, '@') != NULL)
			for (char *p = s; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 32;
		if (cdp_keymap_put(r->suppress, cdp_key128_of(s, strlen(s)), 1,
		    &added) == NULL)
			cdp_oom(0);
	}
	free(line);
	fclose(fp);
}

static void
finish(struct j_run *r, struct cdp_out *out, struct cdp_out *log,
    struct cdp_out *st)
{
	struct cdp_err err;
	struct cdp_buf b = { 0 };

	if (cdp_out_close(out, &err) == -1 || cdp_out_close(log, &err) == -1 ||
	    cdp_out_close(st, &err) == -1 ||
	    cdp_acct_close(&r->acct, false, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (!r->opt->common.stats)
		return;
	if (cdp_buf_addf(&b, "{\"read\":%llu,\"used\":%llu,\"rejected\":%llu,"
	    "\"skipped\":%llu", r->acct.read, r->acct.written,
	    r->acct.rejected, r->acct.dropped) == -1)
		cdp_oom(0);
	j_stats_tail(r, &b);
	if (cdp_stats_emit(&b, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}

static void
run_free(struct j_run *r)
{
	j_free(&r->j);
	cdp_keymap_free(r->ids);
	cdp_keymap_free(r->tzmap);
	cdp_keymap_free(r->suppress);
	for (size_t i = 0; i < r->ntz; i++)
		free(r->tzname[i]);
	for (int c = 0; c < J_NCHAN; c++)
		cdp_expr_free(r->consent[c]);
	free(r->tzname);
	free(r->prof);
	free(r->ev);
	free(r->ps);
	free(r->pool);
	free(r->score);
	free(r->st);
	cdp_buf_free(&r->idtext);
	cdp_buf_free(&r->key);
	cdp_buf_free(&r->tmp);
	cdp_buf_free(&r->bad_time);
	cdp_buf_free(&r->st_hour);
	cdp_buf_free(&r->st_wday);
	cdp_buf_free(&r->st_tz);
	cdp_buf_free(&r->ptext);
}

/* Open the outputs once every input is read: decisions, the log (not in
 * a dry run) and the new state (not in a dry run). */
static void
open_outputs(const struct journey_opts *o, struct cdp_out **out,
    struct cdp_out **log, struct cdp_out **st)
{
	const char *path = o->state_out ? o->state_out : o->state;
	struct cdp_err err;

	if ((*out = cdp_out_open(o->common.output, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	*log = *st = NULL;
	if (o->dry_run)
		return;
	if (o->log != NULL && (*log = cdp_out_open(o->log, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	if (path != NULL && (*st = cdp_out_open(path, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
}

int
journey_run(const struct journey_opts *opt, char **files, int nfiles)
{
	static const char *const consent[J_NCHAN] = { "consent.email",
	    "consent.sms", "consent.push", "consent.ads" };
	struct j_run r = { .opt = opt };
	struct cdp_out *out, *log, *st;
	struct cdp_expr_err eerr;
	struct cdp_err err;

	if (j_load(&r.j, opt->journey, opt->score, opt->as_of, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r.seed = XXH3_64bits(opt->seed, strlen(opt->seed));
	r.as_of = r.horizon = opt->as_of;
	r.ckpt_as_of = -INFINITY;
	r.ckpt_log = -1;
	if (opt->follow)
		r.as_of = -INFINITY;
	if ((r.ids = cdp_keymap_new()) == NULL ||
	    (r.tzmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	for (int c = 0; c < J_NCHAN; c++)
		if ((r.consent[c] = cdp_expr_compile(consent[c],
		    strlen(consent[c]), NULL, &eerr)) == NULL)
			cdp_oom(0);
	if (opt->suppress != NULL)
		load_suppress(&r, opt->suppress);
	if (opt->state != NULL)
		j_state_load(&r, opt->state, opt->id_map);
	/* --follow appends its rejects as they come. */
	if (cdp_acct_open(&r.acct, opt->follow ? NULL : opt->common.rejects,
	    &err) == -1)
		cdp_die_err(&err, NULL, 0);
	r.acct.aggregating = true;
	if (opt->follow) {
		j_follow(&r, files, nfiles);
		run_free(&r);
		return 0;
	}
	/* Outputs open before any input is read: one that is also an input
	 * is refused first (cdp_out_open()). */
	open_outputs(opt, &out, &log, &st);
	j_read_input(&r, files, nfiles);
	for (size_t i = 0; r.suppress != NULL && i < r.nprof; i++)
		if (cdp_keymap_get(r.suppress, cdp_key128_of(r.idtext.p +
		    r.prof[i].idoff, r.prof[i].idlen)) != NULL)
			r.prof[i].suppressed = true;
	j_decide_all(&r, out, log, st);
	finish(&r, out, log, st);
	run_free(&r);
	return 0;
}
