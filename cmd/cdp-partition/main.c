/*
 * cdp-partition - split NDJSON records into N part files by a stable hash
 * of a normalised key, so that the records of one key always land in the
 * same part on any machine and keyed stages (dedupe, score rfm/clv) can
 * run per part, in parallel or on several hosts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <xxhash.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "lines.h"
#include "normkind.h"
#include "opts.h"
#include "out.h"
#include "reckey.h"
#include "xalloc.h"

#define MAXFIELDS	16
#define MAXPARTS	1024

static const char usage[] =
"usage: cdp-partition --key F[,F...] --parts N -o DIR [options] [FILE...]\n"
"Split NDJSON records (files or stdin) into DIR/part-000.ndjson ... by a\n"
"stable hash of their normalised key.\n"
"\n"
"  -k, --key F,...           fields whose normalized values make the key\n"
"                            (as cdp-dedupe --key makes it)\n"
"      --parts N             number of parts, 1 to 1024\n"
"  -o, --output DIR          the folder of the parts (made when missing)\n"
"      --normalize F[:KIND],...\n"
"                            normalise F as KIND (a bare F is its own KIND)\n"
CDP_NORM_KINDS_USAGE
CDP_NORM_USAGE
"      --rejects FILE        write bad records to FILE and go on\n"
"      --stats               print the record account on stderr at the end\n"
"      --progress, --no-progress\n"
"                            progress bar on stderr (default: on a terminal\n"
"                            for inputs over 64 MB)\n"
"      --max-record-bytes N  longest record accepted (default 64M)\n"
"      --verbose             messages may quote values (personal data)\n"
"  -h, --help                this help\n"
"  -V, --version             version\n";

enum {
	OPT_NORMALIZE = CDP_OPT_PRIVATE
};

static const struct option longopts[] = {
	CDP_COMMON_LONGOPTS,
	CDP_NORM_LONGOPTS,
	{ "key", required_argument, NULL, 'k' },
	{ "normalize", required_argument, NULL, OPT_NORMALIZE },
	{ "parts", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};

/* Letters that clash with other programs': warned, gone next release. */
static const struct cdp_old_short old_short[] = {
	{ 'n', "parts" },
	{ 0, NULL }
};

struct opts {
	struct cdp_common_opts	 common;
	struct cdp_keyfield	 key[MAXFIELDS];
	int			 nkey;
	struct {
		char			*name;
		enum cdp_norm_kind	 kind;
	}			 norms[MAXFIELDS];
	int			 nnorms;
	long			 parts;
};

struct run {
	const struct opts	*opt;
	struct cdp_out		*out[MAXPARTS];
	struct cdp_keyer	 keyer;
	struct cdp_norm_ctx	 ctx;
	struct cdp_buf		 val;
	unsigned long long	*nokey;
};

/* A comma list into items[]: every item non-empty, at most max. */
static int
list(char *arg, char **items, int max, const char *o)
{
	int n = cdp_split_list(arg, items, max);

	if (n == -1)
		cdp_usage_die(usage, "%s: empty item or too many items", o);
	return n;
}

static void
add_normalize(struct opts *opt, char *arg)
{
	char *items[MAXFIELDS];
	struct cdp_err err;
	int n = list(arg, items, MAXFIELDS, "--normalize");

	for (int i = 0; i < n; i++) {
		if (opt->nnorms == MAXFIELDS)
			cdp_usage_die(usage, "--normalize: too many fields");
		if (cdp_norm_item_parse(items[i], "--normalize", false,
		    &opt->norms[opt->nnorms].name,
		    &opt->norms[opt->nnorms].kind, &err) == -1)
			cdp_usage_die(usage, "%s", err.msg);
		opt->nnorms++;
	}
}

static void
parse_options(int argc, char **argv, struct opts *opt)
{
	char *items[MAXFIELDS];
	int ch, n;

	*opt = (struct opts){ .parts = 0 };
	while ((ch = cdp_getopt(argc, argv, CDP_COMMON_SHORTOPTS "k:n:",
	    longopts, old_short)) != -1) {
		if (cdp_opt_common(ch, optarg, &opt->common, usage))
			continue;
		switch (ch) {
		case 'k':
			if (opt->nkey > 0)
				cdp_usage_die(usage, "--key: give the fields "
				    "once, as a list");
			n = list(optarg, items, MAXFIELDS, "--key");
			for (int i = 0; i < n; i++)
				opt->key[i] = (struct cdp_keyfield){
				    .name = items[i],
				    .nlen = strlen(items[i]) };
			opt->nkey = n;
			break;
		case 'n':
			if (cdp_parse_long(optarg, 1, MAXPARTS, &opt->parts)
			    == -1)
				cdp_usage_die(usage, "--parts: expected a "
				    "number from 1 to %d", MAXPARTS);
			break;
		case OPT_NORMALIZE:
			add_normalize(opt, optarg);
			break;
		default:
			cdp_usage_die(usage, "internal: option %d not handled",
			    ch);
		}
	}
	if (opt->nkey == 0)
		cdp_usage_die(usage, "--key is required");
	if (opt->parts == 0)
		cdp_usage_die(usage, "--parts (-n) is required");
	if (opt->common.output == NULL || strcmp(opt->common.output, "-") == 0)
		cdp_usage_die(usage, "-o DIR is required: the parts are files");
	/* The last --normalize of a field wins. */
	for (int k = 0; k < opt->nkey; k++)
		for (int i = 0; i < opt->nnorms; i++)
			if (strcmp(opt->norms[i].name, opt->key[k].name) == 0)
				opt->key[k].norm = opt->norms[i].kind;
}

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
			cdp_die_err(&err, NULL, 0);
	}
	cdp_buf_free(&path);
}

int
main(int argc, char *argv[])
{
	static char *stdin_only[] = { "-" };
	struct opts opt;
	struct run r = { .opt = &opt };
	struct cdp_acct acct;
	struct cdp_err err;
	const char *bad;
	char **files;
	int nfiles;
	off_t total;

	cdp_diag_init("cdp-partition");
	parse_options(argc, argv, &opt);
	files = argv + optind;
	nfiles = argc - optind;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	check_fd_limit(opt.parts);
	/* Every input must open before the folder and parts are made. */
	if (cdp_lines_check(files, nfiles, &total, &bad, &err) == -1)
		cdp_die_err(&err, bad, 0);
	r.ctx.default_country = opt.common.default_country;
	r.ctx.date_order = opt.common.date_order;
	for (int i = 0; i < opt.nkey; i++)
		if (cdp_norm_ctx_prepare(&r.ctx, opt.key[i].norm, &err) == -1)
			cdp_die_err(&err, NULL, 0);
	r.keyer.ctx = &r.ctx;
	if (cdp_acct_open(&acct, opt.common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	acct.extra[0].name = "nokey";
	r.nokey = &acct.extra[0].n;
	open_parts(&r);
	cdp_each(files, nfiles, &opt.common, &acct, record, &r);
	for (long i = 0; i < opt.parts; i++)
		if (cdp_out_close(r.out[i], &err) == -1)
			cdp_die_err(&err, NULL, 0);
	if (cdp_acct_close(&acct, opt.common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_keyer_free(&r.keyer);
	cdp_norm_ctx_free(&r.ctx);
	cdp_buf_free(&r.val);
	return 0;
}
