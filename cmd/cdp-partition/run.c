/*
 * run.c - cdp-partition's run: the inputs checked and summed, the folder
 * prepared, each record written to the part of its key's hash, the parts,
 * the manifest and the account closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <xxhash.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "lines.h"
#include "out.h"
#include "partition.h"
#include "xalloc.h"

struct run {
	const struct opts	*opt;
	struct cdp_out		*out[MAXPARTS];
	struct cdp_keyer	 keyer;
	struct cdp_norm_ctx	 ctx;
	struct cdp_buf		 val;
	struct counts		 c;
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

/*
 * The key of rec by the first alternative of --key that gives one, in
 * r->keyer.key.  A later alternative's key is marked with its number, so
 * that an email and a phone of the same text differ.  Returns the
 * alternative's number, -1 when none gives a key, -2 bad (*why).
 */
static int
key_of(struct run *r, struct cdp_rec *rec, const char **why)
{
	for (int a = 0; a < r->opt->nalts; a++) {
		const struct alt *al = &r->opt->alts[a];
		int rc = cdp_key_make(&r->keyer, rec, al->key, al->nkey,
		    &r->val, why);

		if (rc == -2)
			cdp_oom(0);
		if (rc == -1)
			return -2;
		if (rc == 0)
			continue;
		if (a > 0 && (cdp_buf_addc(&r->keyer.key, 0x1e) == -1 ||
		    cdp_buf_addc(&r->keyer.key, '0' + a) == -1))
			cdp_oom(0);
		return a;
	}
	return -1;
}

static int
record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct run *r = ctx;
	long part = 0;
	int a = key_of(r, rec, why);

	if (a == -2)
		return -1;
	if (a >= 0)
		part = part_of(r, r->keyer.key.p, r->keyer.key.len);
	else if (r->opt->spread)
		part = part_of(r, at->line->p, at->line->len);
	r->c.nokey += a == -1;
	r->c.fallback += a > 0;
	r->c.part[part]++;
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
	char name[32], path[4096];
	struct cdp_err err;

	for (long i = 0; i < r->opt->parts; i++) {
		part_name(r->opt, i, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", r->opt->common.output,
		    name);
		if ((r->out[i] = cdp_out_open(path, &err)) == NULL)
			cdp_die_err(&err, NULL, 0);
	}
}

/* --stats: the counts, then the largest part, its records and its share
 * of the records written (a skewed key shows here). */
static void
set_stats(struct run *r, struct cdp_acct *acct)
{
	long big = 0;

	for (long i = 1; i < r->opt->parts; i++)
		if (r->c.part[i] > r->c.part[big])
			big = i;
	acct->extra[0].name = "nokey";
	acct->extra[0].n = r->c.nokey;
	acct->extra[1].name = "fallback";
	acct->extra[1].n = r->c.fallback;
	acct->extra[2].name = "largest_part";
	acct->extra[2].n = (unsigned long long)big;
	acct->extra[3].name = "largest_part_records";
	acct->extra[3].n = r->c.part[big];
	acct->extra[4].name = "largest_part_pct";
	acct->extra[4].n = acct->written == 0 ? 0 :
	    (r->c.part[big] * 100 + acct->written / 2) / acct->written;
}

int
partition_run(const struct opts *opt, char **files, int nfiles)
{
	struct run r = { .opt = opt };
	struct cdp_acct acct;
	struct cdp_err err;
	const char *bad;
	char **sums;
	long long *sizes;
	off_t total;

	check_fd_limit(opt->parts);
	/* Every input must open before the folder and parts are made. */
	if (cdp_lines_inputs(&files, &nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.ctx.default_country = opt->common.default_country;
	r.ctx.date_order = opt->common.date_order;
	for (int a = 0; a < opt->nalts; a++)
		for (int i = 0; i < opt->alts[a].nkey; i++)
			if (cdp_norm_ctx_prepare(&r.ctx,
			    opt->alts[a].key[i].norm, &err) == -1)
				cdp_die_err(&err, NULL, 0);
	r.keyer.ctx = &r.ctx;
	if (cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	sums = cdp_xcalloc((size_t)nfiles, sizeof(*sums));
	sizes = cdp_xcalloc((size_t)nfiles, sizeof(*sizes));
	for (int i = 0; i < nfiles; i++)
		sums[i] = input_sum(files[i], &sizes[i]);
	folder_prepare(opt);
	open_parts(&r);
	cdp_each(files, nfiles, &opt->common, &acct, record, &r);
	for (long i = 0; i < opt->parts; i++)
		if (cdp_out_close(r.out[i], &err) == -1)
			cdp_die_err(&err, NULL, 0);
	folder_sweep(opt);
	r.c.read = acct.read;
	r.c.written = acct.written;
	r.c.rejected = acct.rejected;
	manifest_write(opt, files, nfiles, sums, sizes, &r.c);
	set_stats(&r, &acct);
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	for (int i = 0; i < nfiles; i++)
		free(sums[i]);
	free(sums);
	free(sizes);
	cdp_keyer_free(&r.keyer);
	cdp_norm_ctx_free(&r.ctx);
	cdp_buf_free(&r.val);
	return 0;
}
