/*
 * run.c - cdp-partition's run: the parts opened in the folder, each record
 * written to the part of its key's hash, the parts and the account closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <xxhash.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "lines.h"
#include "normkind.h"
#include "out.h"
#include "xalloc.h"
#include "partition.h"

struct run {
	const struct partition_opts *opt;
	struct cdp_out		*out[MAXPARTS];
	struct cdp_keyer	 keyer;
	struct cdp_norm_ctx	 ctx;
	struct cdp_buf		 val;
	unsigned long long	*nokey;
};

/*
 * The part of a key: XXH3-64 of its bytes (the same on every machine and
 * byte order) reduced to [0, parts) without the bias of a plain modulo
 * for small part counts (multiply-shift on the high 32 bits).
 */
static long
part_of(const struct run *r, const void *key, size_t n)
{
	uint64_t h = XXH3_64bits(key, n);

	return (long)(((h >> 32) * (uint64_t)r->opt->parts) >> 32);
}

static void
put(struct cdp_out *o, const char *p, size_t n)
{
	struct cdp_err err;

	if (cdp_out_write(o, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

static int
record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	long part = 0;
	int rc;

	rc = cdp_key_make(&r->keyer, rec, r->opt->key, r->opt->nkey, &r->val,
	    why);
	if (rc == -2)
		cdp_oom(0);
	if (rc == -1)
		return -1;
	if (rc == 1)
		part = part_of(r, r->keyer.key.p, r->keyer.key.len);
	else
		(*r->nokey)++;
	put(r->out[part], at->line->p, at->line->len);
	put(r->out[part], "\n", 1);
	return 0;
}

/* Enough descriptors for every part, the inputs and the rejects. */
static void
check_fd_limit(long parts)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur !=
	    RLIM_INFINITY && (rlim_t)parts + 16 > rl.rlim_cur)
		cdp_die(EX_USAGE, NULL, 0, "--parts %ld needs more open files "
		    "than the limit of %llu (ulimit -n)", parts,
		    (unsigned long long)rl.rlim_cur);
}

static void
open_parts(struct run *r)
{
	const char *dir = r->opt->common.output;
	int width = r->opt->parts > 1000 ? 4 : 3;
	struct cdp_buf path = { 0 };
	struct cdp_err err;

	if (mkdir(dir, 0777) == -1 && errno != EEXIST)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot create: %s",
		    strerror(errno));
	for (long i = 0; i < r->opt->parts; i++) {
		cdp_buf_reset(&path);
		if (cdp_buf_addf(&path, "%s/part-%0*ld.ndjson", dir, width,
		    i) == -1)
			cdp_oom(0);
		if ((r->out[i] = cdp_out_open(path.p, &err)) == NULL)
			cdp_die_err(&err, path.p, 0);
	}
	cdp_buf_free(&path);
}

int
partition_run(const struct partition_opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_acct acct;
	struct cdp_err err;
	const char *bad;
	off_t total;

	check_fd_limit(opt->parts);
	/* Every input must open before the folder and parts are made. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.ctx.default_country = opt->common.default_country;
	r.ctx.date_order = opt->common.date_order;
	for (int i = 0; i < opt->nkey; i++)
		if (cdp_norm_ctx_prepare(&r.ctx, opt->key[i].norm, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	r.keyer.ctx = &r.ctx;
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "nokey";
	r.nokey = &acct.extra[0].n;
	open_parts(&r);
	cdp_each(files, nfiles, &opt->common, &acct, record, &r);
	for (long i = 0; i < opt->parts; i++)
		if (cdp_out_close(r.out[i], &err) == -1)
			cdp_die_err(&err, NULL, 0);
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_keyer_free(&r.keyer);
	cdp_norm_ctx_free(&r.ctx);
	cdp_buf_free(&r.val);
	return 0;
}
