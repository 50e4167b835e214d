/*
 * links.c - the parts' side of cdp-merge over partitions (the join's
 * rounds are in join.c):
 *
 *   --emit-links  per part: each identifier value with the distinct sets
 *                 of values its records had, into the bucket of the
 *                 value, and each set with its record count into the
 *                 bucket of the set;
 *   --emit-prior  per part of an earlier output: which value carried
 *                 which profile id, into the bucket of the id;
 *   --apply-map   per part: every record with the profile id its values
 *                 got, read from the part's own slice of the map.
 *
 * Values travel as tokens (keyed hashes) and sealed names (token.h); a
 * set is named by a hash of its sorted tokens, the same in every part,
 * so that the join can count a value's distinct sets over all parts
 * (--max-degree) and join the values of each set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "acct.h"
#include "diag.h"
#include "each.h"
#include "index.h"
#include "lines.h"
#include "merge.h"
#include "out.h"
#include "phase.h"
#include "precs.h"
#include "prior.h"
#include "record.h"
#include "xalloc.h"

struct tokens *
phase_tokens(const struct merge_opts *opt)
{
	struct cdp_err err;
	struct tokens *t = tokens_new(opt->clear_links ? NULL :
	    opt->hash_key, &err);

	if (t == NULL)
		cdp_die_err(&err, NULL, 0);
	return t;
}

static void
fp_add(XXH3_state_t *st, const void *p, size_t n)
{
	XXH3_64bits_update(st, &n, sizeof(n));
	XXH3_64bits_update(st, p, n);
}

/* The ignore file's bytes into st; exits 66 when it cannot be read. */
static void
fp_file(XXH3_state_t *st, const char *path)
{
	char buf[1 << 14];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		cdp_die(EX_NOINPUT, path, 0, "cannot open");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		XXH3_64bits_update(st, buf, n);
	if (ferror(f))
		cdp_die(EX_IOERR, path, 0, "read error");
	fclose(f);
}

void
phase_fingerprint(const struct merge_opts *opt, const struct tokens *t,
    const struct pidkey *pk, char out[17])
{
	XXH3_state_t *st = XXH3_createState();
	const char *fp = tokens_fingerprint(t);
	const char *dc = opt->common.default_country;
	long nums[4] = { opt->max_degree, opt->max_cluster,
	    opt->common.date_order, opt->default_ignore };

	if (st == NULL)
		cdp_oom(0);
	XXH3_64bits_reset(st);
	fp_add(st, fp, strlen(fp));
	/* Ids named under another id key, or none, must not meet. */
	if (pk != NULL)
		fp_add(st, pidkey_fingerprint(pk), 16);
	for (int i = 0; i < opt->nids; i++) {
		int kind = opt->ids[i].norm;

		fp_add(st, opt->ids[i].name, opt->ids[i].nlen);
		fp_add(st, &kind, sizeof(kind));
	}
	fp_add(st, dc != NULL ? dc : "", dc != NULL ? strlen(dc) : 0);
	fp_add(st, nums, sizeof(nums));
	if (opt->ignore_file != NULL)
		fp_file(st, opt->ignore_file);
	snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(st));
	XXH3_freeState(st);
}

const char *
phase_part(const struct merge_opts *opt, char **files, int nfiles,
    char buf[JF_NAMEMAX])
{
	const char *base, *dot;
	size_t n;

	if (opt->part != NULL)
		return opt->part;
	if (nfiles != 1 || strcmp(files[0], "-") == 0)
		cdp_die(EX_USAGE, NULL, 0, "--part NAME is needed for standard "
		    "input or several files");
	base = strrchr(files[0], '/');
	base = base != NULL ? base + 1 : files[0];
	dot = strrchr(base, '.');
	n = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
	if (n >= JF_NAMEMAX)
		n = 0;
	memcpy(buf, base, n);
	buf[n] = '\0';
	if (!jf_name_ok(buf))
		cdp_die(EX_USAGE, files[0], 0, "no part name in this file name: "
		    "give --part NAME");
	return buf;
}

static void
head_init(struct jhead *h, const struct merge_opts *opt,
    const struct tokens *t, const struct pidkey *pk, const char *phase,
    const char *from)
{
	*h = (struct jhead){ .buckets = (int)opt->buckets,
	    .prior = strcmp(phase, "prior") == 0 };
	snprintf(h->phase, sizeof(h->phase), "%s", phase);
	snprintf(h->from, sizeof(h->from), "%s", from);
	phase_fingerprint(opt, t, pk, h->opts);
}

/* --- --emit-links ------------------------------------------------------ */

/*
 * The profile ids the part's records carried (an earlier run's output
 * merged again), as --emit-prior writes them: each id with its records,
 * each value it claims, into the bucket of the id; a value two ids
 * claimed goes with two of them, and claims nothing over all parts.
 */
static void
emit_carried(struct index *ix, const struct tokens *t,
    const struct cdp_key128 *tok, const char *pname)
{
	const struct prior *p = &ix->prior;
	struct cdp_buf line = { 0 };
	char name[JF_NAMEMAX + 8];
	struct jfset fs;
	struct jhead h;
	uint32_t id[2];

	if (p->n == 0)
		return;
	head_init(&h, ix->opt, t, ix->pk, "prior", pname);
	snprintf(name, sizeof(name), "prior-%s", pname);
	jfset_open(&fs, ix->opt->common.output, name, &h);
	for (uint32_t i = 0; i < ix->nnodes; i++) {
		int k = prior_claims(ix, index_node_key(ix, i), id);

		for (int j = 0; j < k; j++) {
			const char *s = p->text.p + p->off[id[j]];
			size_t n = strlen(s);

			cdp_buf_reset(&line);
			jb_str(&line, "c\t", 2);
			jb_key(&line, tok[i]);
			jb_tab(&line);
			if (name_escape(&line, s, n) == -1)
				cdp_oom(0);
			jfset_put(&fs, jf_bucket_text(s, n, fs.n), &line);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const char *s = p->text.p + p->off[i];
		size_t n = strlen(s);

		cdp_buf_reset(&line);
		jb_str(&line, "n\t", 2);
		if (name_escape(&line, s, n) == -1)
			cdp_oom(0);
		jb_tab(&line);
		jb_num(&line, p->count[i]);
		jfset_put(&fs, jf_bucket_text(s, n, fs.n), &line);
	}
	jfset_close(&fs);
	cdp_buf_free(&line);
}

/* Keys hashed this far ahead of their look-up in a map far larger than
 * the cache, their slots fetched from memory meanwhile. */
#define MAP_AHEAD	16

/* The part's distinct identifier sets: which record first had each, how
 * many had it, and its name (a hash of its sorted tokens). */
struct sets {
	uint32_t		*first;
	uint64_t		*count;
	struct cdp_key128	*hash;
	size_t			 n, fcap, ccap;
};

/* The key of record k's set of nodes within this part. */
static struct cdp_key128
local_set(const struct index *ix, size_t k)
{
	uint32_t set[MAX_IDS];
	uint32_t b = ix->off[k], e = ix->off[k + 1];
	int n = (int)(e - b);

	for (int i = 0; i < n; i++) {
		int j = i;

		for (; j > 0 && set[j - 1] > ix->edges[b + i]; j--)
			set[j] = set[j - 1];
		set[j] = ix->edges[b + i];
	}
	return cdp_key128_of(set, (size_t)n * sizeof(*set));
}

static void
find_sets(const struct index *ix, const struct cdp_key128 *tok,
    struct sets *s)
{
	struct cdp_keymap *seen = cdp_keymap_new();

	struct cdp_key128 ahead[MAP_AHEAD];

	/* At most a set a record: room for them all at once. */
	if (seen == NULL || cdp_keymap_reserve(seen, ix->nrecs) == -1)
		cdp_oom(0);
	/* Each record's set is hashed MAP_AHEAD records before it is
	 * looked up, its slot fetched meanwhile. */
	for (size_t k = 0; k < ix->nrecs && k < MAP_AHEAD; k++) {
		ahead[k] = local_set(ix, k);
		cdp_keymap_prefetch(seen, ahead[k]);
	}
	for (size_t k = 0; k < ix->nrecs; k++) {
		struct cdp_key128 key = ahead[k % MAP_AHEAD];
		int added;
		uint64_t *v;

		if (k + MAP_AHEAD < ix->nrecs) {
			ahead[k % MAP_AHEAD] = local_set(ix, k + MAP_AHEAD);
			cdp_keymap_prefetch(seen, ahead[k % MAP_AHEAD]);
		}
		v = cdp_keymap_put(seen, key, s->n, &added);

		if (v == NULL)
			cdp_oom(0);
		if (added) {
			cdp_xgrow((void **)&s->first, &s->fcap, s->n + 1,
			    sizeof(*s->first));
			cdp_xgrow((void **)&s->count, &s->ccap, s->n + 1,
			    sizeof(*s->count));
			s->first[s->n] = (uint32_t)k;
			s->count[s->n++] = 0;
		}
		s->count[*v]++;
	}
	cdp_keymap_free(seen);
	s->hash = cdp_xcalloc(s->n ? s->n : 1, sizeof(*s->hash));
	for (size_t i = 0; i < s->n; i++) {
		uint32_t b = ix->off[s->first[i]], e = ix->off[s->first[i] + 1];
		unsigned char bytes[MAX_IDS * 16];
		struct cdp_key128 m[MAX_IDS];

		for (uint32_t j = b; j < e; j++)
			m[j - b] = tok[ix->edges[j]];
		if (e - b > 0)
			qsort(m, e - b, sizeof(*m), key_cmp);
		for (uint32_t j = 0; j < e - b; j++)
			for (int x = 0; x < 8; x++) {
				bytes[16 * j + x] = (unsigned char)(m[j].hi >>
				    (56 - 8 * x));
				bytes[16 * j + 8 + x] = (unsigned char)(m[j].lo >>
				    (56 - 8 * x));
			}
		s->hash[i] = cdp_key128_of(bytes, (size_t)(e - b) * 16);
	}
}

/* Each node's sets, as offsets: node i has list[at[i]..at[i + 1]). */
static void
node_sets(const struct index *ix, const struct sets *s, uint32_t **at,
    uint32_t **list)
{
	uint32_t *a = cdp_xcalloc(ix->nnodes + 1, sizeof(*a)), *l;

	for (size_t i = 0; i < s->n; i++)
		for (uint32_t j = ix->off[s->first[i]];
		    j < ix->off[s->first[i] + 1]; j++)
			a[ix->edges[j] + 1]++;
	for (size_t i = 0; i < ix->nnodes; i++)
		a[i + 1] += a[i];
	l = cdp_xcalloc(a[ix->nnodes] ? a[ix->nnodes] : 1, sizeof(*l));
	for (size_t i = 0; i < s->n; i++)
		for (uint32_t j = ix->off[s->first[i]];
		    j < ix->off[s->first[i] + 1]; j++)
			l[a[ix->edges[j]]++] = (uint32_t)i;
	/* The fill moved each start to the next node's: move them back. */
	for (size_t i = ix->nnodes; i > 0; i--)
		a[i] = a[i - 1];
	a[0] = 0;
	*at = a;
	*list = l;
}

void
links_emit(struct index *ix, struct cdp_acct *acct, char **files, int nfiles,
    const struct precs_lines *pl)
{
	const struct merge_opts *opt = ix->opt;
	struct tokens *t = phase_tokens(opt);
	struct cdp_key128 *tok = cdp_xcalloc(ix->nnodes ? ix->nnodes : 1,
	    sizeof(*tok));
	struct sets s = { 0 };
	struct cdp_buf line = { 0 };
	char part[JF_NAMEMAX], name[JF_NAMEMAX + 16];
	const char *pname;
	struct jfset fs, fk;
	struct jhead h;
	uint32_t *at, *list;

	pname = phase_part(opt, files, nfiles, part);
	head_init(&h, opt, t, ix->pk, "emit", pname);
	snprintf(name, sizeof(name), "emit-%s", pname);
	for (uint32_t i = 0; i < ix->nnodes; i++)
		tok[i] = tokens_of(t, index_node_key(ix, i));
	find_sets(ix, tok, &s);
	node_sets(ix, &s, &at, &list);
	jfset_open(&fs, opt->common.output, name, &h);
	for (uint32_t i = 0; i < ix->nnodes; i++) {
		const struct node *nd = &ix->nodes[i];

		/* A value of rejected records only: no good record has it. */
		if (at[i] == at[i + 1])
			continue;
		cdp_buf_reset(&line);
		jb_str(&line, "v\t", 2);
		jb_key(&line, tok[i]);
		jb_tab(&line);
		jb_num(&line, nd->field);
		jb_tab(&line);
		tokens_seal(t, tok[i], ix->arena.p + nd->aoff, nd->alen, &line);
		jb_tab(&line);
		for (uint32_t j = at[i]; j < at[i + 1]; j++) {
			if (j > at[i])
				jb_str(&line, ",", 1);
			jb_key(&line, s.hash[list[j]]);
		}
		jfset_put(&fs, jf_bucket(tok[i], fs.n), &line);
	}
	/* The sets' records are read two rounds on, when the sets' values
	 * are known: a file the first round carries on untouched. */
	snprintf(name, sizeof(name), "keep-sets-%s", pname);
	jfset_open(&fk, opt->common.output, name, &h);
	for (size_t i = 0; i < s.n; i++) {
		cdp_buf_reset(&line);
		jb_str(&line, "s\t", 2);
		jb_key(&line, s.hash[i]);
		jb_tab(&line);
		jb_num(&line, s.count[i]);
		jfset_put(&fk, jf_bucket(s.hash[i], fk.n), &line);
	}
	jfset_close(&fk);
	jfset_close(&fs);
	emit_carried(ix, t, tok, pname);
	if (opt->part_n > 0 && nfiles == 1 && strcmp(files[0], "-") != 0)
		precs_write(ix, tok, pl, files[0], pname, h.opts);
	/* Records in, sets and values out: used, not written. */
	acct->aggregating = true;
	acct->written = acct->read - acct->rejected;
	acct->extra[0].name = "sets";
	acct->extra[0].n = s.n;
	acct->extra[1].name = "values";
	acct->extra[1].n = ix->nnodes;
	acct->extra[2].name = "ignored";
	acct->extra[2].n = ix->ignored;
	acct->extra[3].name = "output";
	acct->extra[3].n = fs.lines + fk.lines;
	cdp_buf_free(&line);
	free(tok);
	free(at);
	free(list);
	free(s.first);
	free(s.count);
	free(s.hash);
	tokens_free(t);
}

/* --- --emit-prior ------------------------------------------------------ */

struct eprior {
	struct index		 ix;
	struct tokens		*t;
	struct jfset		 fs;
	struct cdp_keymap	*ids;	/* hash(id) -> number */
	struct cdp_buf		 text;	/* the ids, NUL-terminated */
	uint64_t		*off, *count;
	size_t			 n, ocap, ccap;
	struct cdp_buf		 line, val;
	unsigned long long	 claims;
};

/* The number of profile id s[0..n), added when new. */
static size_t
prior_number(struct eprior *e, const char *s, size_t n)
{
	int added;
	uint64_t *v = cdp_keymap_put(e->ids, cdp_key128_of(s, n), e->n,
	    &added);

	if (v == NULL)
		cdp_oom(0);
	if (added) {
		cdp_xgrow((void **)&e->off, &e->ocap, e->n + 1,
		    sizeof(*e->off));
		cdp_xgrow((void **)&e->count, &e->ccap, e->n + 1,
		    sizeof(*e->count));
		e->off[e->n] = e->text.len;
		e->count[e->n++] = 0;
		if (cdp_buf_add(&e->text, s, n) == -1 ||
		    cdp_buf_addc(&e->text, '\0') == -1)
			cdp_oom(0);
	}
	return (size_t)*v;
}

/* One record of an earlier output, as prior.c reads one. */
static const char *
eprior_record(struct eprior *e, struct cdp_rec *rec)
{
	struct cdp_key128 keys[MAX_IDS];
	const struct cdp_field *f = cdp_rec_find(rec, "profile_id", 10);
	const char *s, *why;
	size_t n, id;
	int k;

	if (f == NULL || cdp_rec_str(rec, f, &e->val, &s, &n) == -1 ||
	    n == 0)
		return "no profile_id string";
	if (n >= PROFILE_ID_SIZE || memchr(s, '\0', n) != NULL)
		return "profile_id too long";
	id = prior_number(e, s, n);
	e->count[id]++;
	if ((k = index_record_ids(&e->ix, rec, NULL, keys, &why)) == -1)
		return why;
	s = e->text.p + e->off[id];
	for (int i = 0; i < k; i++) {
		cdp_buf_reset(&e->line);
		jb_str(&e->line, "c\t", 2);
		jb_key(&e->line, tokens_of(e->t, keys[i]));
		jb_tab(&e->line);
		if (name_escape(&e->line, s, n) == -1)
			cdp_oom(0);
		jfset_put(&e->fs, jf_bucket_text(s, n, e->fs.n), &e->line);
		e->claims++;
	}
	return NULL;
}

static void
eprior_file(struct eprior *e, const char *path, struct cdp_acct *acct)
{
	struct cdp_rec rec = { 0 };
	struct cdp_lines *in;
	struct cdp_line l;
	struct cdp_err err;
	const char *why;
	int rc;

	if ((in = cdp_lines_open(path, e->ix.opt->common.max_record_bytes,
	    &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &l, &err)) == 1) {
		if (l.too_long)
			cdp_die(EX_DATAERR, cdp_lines_name(in), l.lineno,
			    "--emit-prior: record too long");
		if (cdp_rec_parse(&rec, l.p, l.len, &err) == -1)
			why = err.msg;
		else
			why = eprior_record(e, &rec);
		if (why != NULL)
			cdp_die(EX_DATAERR, cdp_lines_name(in), l.lineno,
			    "--emit-prior: %s", why);
		acct->read++;
	}
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	cdp_lines_close(in);
	cdp_rec_free(&rec);
}

int
links_emit_prior(const struct merge_opts *opt, char **files, int nfiles)
{
	static char *stdin_only[] = { "-" };
	struct eprior e = { 0 };
	struct cdp_acct acct = { 0 };
	struct cdp_err err;
	char part[JF_NAMEMAX], name[JF_NAMEMAX + 8];
	const char *pname;
	struct jhead h;

	index_init(&e.ix, opt, false);
	e.ix.pk = pidkey_of(opt);
	e.t = phase_tokens(opt);
	pname = phase_part(opt, files, nfiles, part);
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	if ((e.ids = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	head_init(&h, opt, e.t, e.ix.pk, "prior", pname);
	snprintf(name, sizeof(name), "prior-%s", pname);
	if (cdp_acct_open(&acct, NULL, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	jfset_open(&e.fs, opt->common.output, name, &h);
	for (int i = 0; i < nfiles; i++)
		eprior_file(&e, files[i], &acct);
	for (size_t i = 0; i < e.n; i++) {
		const char *s = e.text.p + e.off[i];

		cdp_buf_reset(&e.line);
		jb_str(&e.line, "n\t", 2);
		if (name_escape(&e.line, s, strlen(s)) == -1)
			cdp_oom(0);
		jb_tab(&e.line);
		jb_num(&e.line, e.count[i]);
		jfset_put(&e.fs, jf_bucket_text(s, strlen(s), e.fs.n), &e.line);
	}
	jfset_close(&e.fs);
	acct.aggregating = true;
	acct.written = acct.read;
	acct.extra[0].name = "ids";
	acct.extra[0].n = e.n;
	acct.extra[1].name = "claims";
	acct.extra[1].n = e.claims;
	if (cdp_acct_close(&acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	index_free(&e.ix);
	tokens_free(e.t);
	cdp_keymap_free(e.ids);
	cdp_buf_free(&e.text);
	cdp_buf_free(&e.line);
	cdp_buf_free(&e.val);
	free(e.off);
	free(e.count);
	return 0;
}

/* --- --apply-map ------------------------------------------------------- */

/* --apply-map: token of a linking value -> profile id. */
struct apply {
	struct index		 ix;
	struct tokens		*t;
	struct cdp_keymap	*map;	/* token -> offset in ids */
	struct cdp_keymap	*seen;	/* keyed: value key -> offset + 1, 0 */
	struct cdp_buf		 ids;	/* the profile ids, NUL-terminated */
	struct cdp_out		*out;
	struct cdp_recw		 w;
	struct cdp_buf		 s1, pid;
	unsigned long long	 mapped;	/* records given a map's id */
	int			 buckets;
	uint64_t		 cur;	/* lookup()'s answer */
	uint64_t		 last;	/* the last map line's id in ids */
	size_t			 last_len;
	struct pend {		/* map lines read, not yet stored */
		struct cdp_key128	tok;
		uint64_t		off;
		long			lineno;
	}			 pend[MAP_AHEAD];	/* a ring */
	int			 npend, head;
	const char		*file;	/* the slice's file, for messages */
	/* The emit's records file, when there is one (precs.h): */
	struct precs		 pr;
	bool			 have_pr;
	uint64_t		*npid;	/* node -> 0 unknown, 1 none, id + 2 */
	long			 at_line;	/* apply_raw()'s line, */
	long			 at_rec;	/* its good record or -1, */
	const char		*at_id;	/* and its id or NULL */
};

/* Store the oldest pending map line (its slot fetched by now). */
static void
map_store(struct apply *a)
{
	const struct pend *p = &a->pend[a->head];
	int added;

	if (cdp_keymap_put(a->map, p->tok, p->off, &added) == NULL)
		cdp_oom(0);
	if (!added)
		cdp_die(EX_DATAERR, a->file, p->lineno, "bad join file: a "
		    "token given twice");
	a->head = (a->head + 1) % MAP_AHEAD;
	a->npend--;
}

/* Field 1 of l, a profile id, as the id of the map lines from here. */
static int
map_id(struct apply *a, const struct jline *l, const char **why)
{
	if (l->nf != 2 || name_unescape(&a->pid, l->f[1], l->n[1]) == -1 ||
	    a->pid.len == 0 || a->pid.len >= PROFILE_ID_SIZE ||
	    memchr(a->pid.p, '\0', a->pid.len) != NULL) {
		*why = "expected TOKEN TAB PROFILE_ID";
		return -1;
	}
	/* The same id for many values: its text is kept once for them. */
	if (a->last_len != a->pid.len || a->last == UINT64_MAX ||
	    memcmp(a->ids.p + a->last, a->pid.p, a->pid.len) != 0) {
		a->last = a->ids.len;
		a->last_len = a->pid.len;
		if (cdp_buf_add(&a->ids, a->pid.p, a->pid.len + 1) == -1)
			cdp_oom(0);
	}
	return 0;
}

/* One line of a slice: TOKEN TAB PROFILE_ID, or TOKEN alone for the id
 * of the file's previous line (name.c writes a cluster's values one after
 * another, its id once). */
static int
map_line(void *ctx, const struct jline *l, const char **why)
{
	struct apply *a = ctx;
	struct pend *p;

	if (l->nf == 1 && a->last == UINT64_MAX) {
		*why = "expected TOKEN TAB PROFILE_ID";
		return -1;
	}
	if (l->nf != 1 && map_id(a, l, why) == -1)
		return -1;
	if (a->npend == MAP_AHEAD)
		map_store(a);
	p = &a->pend[(a->head + a->npend++) % MAP_AHEAD];
	p->tok = jl_key(l, 0);
	p->off = a->last;
	p->lineno = l->lineno;
	cdp_keymap_prefetch(a->map, p->tok);
	return 0;
}

/* "from-B" with B a bucket number below JF_MAXB: B, or -1. */
static int
from_number(const char *s)
{
	char *end;
	long b;

	if (strncmp(s, "from-", 5) != 0 || s[5] < '0' || s[5] > '9' ||
	    (s[5] == '0' && s[6] != '\0'))
		return -1;
	b = strtol(s + 5, &end, 10);
	return *end == '\0' && b < JF_MAXB ? (int)b : -1;
}

/* A slice's line: TOKEN TAB "p_" and 32 hex digits, newline; or TOKEN,
 * newline.  Clusters have three values a part or so: a line's bytes on
 * average. */
#define MAP_LINE	((TOKEN_TEXT + 1 + 34 + 1 + 2 * (TOKEN_TEXT + 1)) / 3)

/*
 * Room in the maps for the slice's tokens before they load: its lines are
 * a token and perhaps a profile id, MAP_LINE bytes on average for ids of
 * this program, so its size tells their number near enough (a map grown a
 * quarter at a time would move every token four times or so on the way).
 * The part's values looked up (a->seen) are about as many: its linking
 * values.
 */
static void
map_reserve(struct apply *a, const char *dir, char **names, size_t n)
{
	struct cdp_buf file = { 0 };
	size_t bytes = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		cdp_buf_reset(&file);
		if (cdp_buf_addf(&file, "%s/%s", dir, names[i]) == -1)
			cdp_oom(0);
		if (stat(file.p, &st) == 0 && S_ISREG(st.st_mode))
			bytes += (size_t)st.st_size;
	}
	if (cdp_keymap_reserve(a->map, bytes / MAP_LINE) == -1 ||
	    (a->seen != NULL && !a->have_pr && cdp_keymap_reserve(a->seen, bytes /
	    MAP_LINE) == -1))
		cdp_oom(0);
	cdp_buf_free(&file);
}

/* The part's slice: DIR/map-PART/from-B for every bucket B. */
static void
map_load(struct apply *a, const char *dir, const char *part)
{
	struct cdp_buf path = { 0 }, file = { 0 };
	bool seen[JF_MAXB] = { false };
	char fp[17], **names;
	size_t n, good = 0;

	phase_fingerprint(a->ix.opt, a->t, a->ix.pk, fp);
	if (cdp_buf_addf(&path, "%s/map-%s", dir, part) == -1)
		cdp_oom(0);
	n = jf_list(path.p, &names);
	map_reserve(a, path.p, names, n);
	for (size_t i = 0; i < n; i++) {
		int b = from_number(names[i]);
		struct jhead h;

		cdp_buf_reset(&file);
		if (cdp_buf_addf(&file, "%s/%s", path.p, names[i]) == -1)
			cdp_oom(0);
		a->file = file.p;
		/* A file's first line gives its id. */
		a->last = UINT64_MAX;
		jf_read(file.p, fp, &h, map_line, a);
		while (a->npend > 0)
			map_store(a);
		if (strcmp(h.phase, "map") != 0 || b < 0 || seen[b] ||
		    strcmp(h.from, names[i] + 5) != 0 || (a->buckets != 0 &&
		    h.buckets != a->buckets))
			cdp_die(EX_DATAERR, file.p, 1, "--apply-map: not a "
			    "slice of the same join");
		a->buckets = h.buckets;
		seen[b] = true;
		good += b < a->buckets;
	}
	if (n == 0 || good != (size_t)a->buckets || n != good)
		cdp_die(EX_DATAERR, path.p, 0, "--apply-map: expected the "
		    "files from-0 ... from-%d of every bucket; the join is "
		    "unfinished or this is not its last round", a->buckets ?
		    a->buckets - 1 : 0);
	jf_names_free(names, n);
	cdp_buf_free(&path);
	cdp_buf_free(&file);
}

void
merge_annotate(struct cdp_recw *w, struct cdp_rec *rec, const char *id)
{
	const struct cdp_field *old = cdp_rec_find(rec, "profile_id", 10);
	int rc = 0;

	cdp_recw_begin(w);
	/* An input profile_id is replaced where it stands. */
	if (old == NULL)
		rc = cdp_recw_fields(w, rec);
	for (size_t i = 0; i < rec->n && rc == 0 && old != NULL; i++)
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

/*
 * The map's entry for the value whose index key is key, or NULL.  A keyed
 * token costs an HMAC: values seen before in the part are looked up by
 * their key instead.
 */
static uint64_t *
lookup(struct apply *a, struct cdp_key128 key)
{
	uint64_t *v, *off;
	int added;

	if (a->seen == NULL)
		return cdp_keymap_get(a->map, key);
	if ((v = cdp_keymap_put(a->seen, key, 0, &added)) == NULL)
		cdp_oom(0);
	if (added) {
		off = cdp_keymap_get(a->map, tokens_of(a->t, key));
		*v = off != NULL ? *off + 1 : 0;
	}
	return *v != 0 ? (a->cur = *v - 1, &a->cur) : NULL;
}

/* The map's entry for node i of the emit's records file, or NULL. */
static uint64_t *
node_lookup(struct apply *a, uint32_t i)
{
	if (a->npid[i] == 0) {
		uint64_t *off = cdp_keymap_get(a->map, precs_tok(&a->pr, i));

		a->npid[i] = off != NULL ? *off + 2 : 1;
	}
	return a->npid[i] > 1 ? (a->cur = a->npid[i] - 2, &a->cur) : NULL;
}

/*
 * Record r of the records file is next: the nodes of the record 2 MAP_AHEAD
 * on fetched; for the one MAP_AHEAD on, its first node's slot in the map;
 * the one MAP_AHEAD / 2 on has its first node looked up and its id's text
 * fetched (the tables are far larger than the cache).
 */
static void
record_ahead(struct apply *a, size_t r)
{
	const struct precs *pr = &a->pr;
	size_t f = r + 2 * MAP_AHEAD, g = r + MAP_AHEAD, h = r + MAP_AHEAD / 2;

	if (f < pr->nrecs)
		for (uint32_t e = pr->off[f]; e < pr->off[f + 1]; e++)
			__builtin_prefetch(&a->npid[pr->edges[e]]);
	if (g < pr->nrecs && pr->off[g] < pr->off[g + 1]) {
		uint32_t n = pr->edges[pr->off[g]];

		if (a->npid[n] == 0)
			cdp_keymap_prefetch(a->map, precs_tok(pr, n));
	}
	if (h < pr->nrecs && pr->off[h] < pr->off[h + 1]) {
		uint64_t *off = node_lookup(a, pr->edges[pr->off[h]]);

		if (off != NULL)
			__builtin_prefetch(a->ids.p + *off);
	}
}

/* The id of the map for good record r of the records file: of its first
 * value the map has, or NULL. */
static const char *
precs_record_id(struct apply *a, size_t r)
{
	record_ahead(a, r);
	/* All linking values of a record are in one cluster: the first
	 * found names it.  A value missing from the map did not link. */
	for (uint32_t e = a->pr.off[r]; e < a->pr.off[r + 1]; e++) {
		uint64_t *off = node_lookup(a, a->pr.edges[e]);

		if (off != NULL)
			return a->ids.p + *off;
	}
	return NULL;
}

/*
 * With the emit's records file, each line before it is parsed: the id of
 * a record the emit took is found, and a plain line given one is written
 * as it is with the id added, as merge_annotate() would (1).
 */
static int
apply_raw(void *ctx, const struct cdp_each_at *at)
{
	struct apply *a = ctx;
	const struct cdp_line *l = at->line;
	struct cdp_err err;

	a->at_line = l->lineno;
	a->at_rec = precs_find(&a->pr, l->lineno);
	a->at_id = a->at_rec >= 0 ? precs_record_id(a, (size_t)a->at_rec) :
	    NULL;
	if (a->at_id == NULL || !precs_plain(&a->pr, (size_t)a->at_rec))
		return 0;
	cdp_buf_reset(&a->w.b);
	if (cdp_buf_add(&a->w.b, l->p, l->len - 1) == -1 ||
	    cdp_buf_add(&a->w.b, ",\"profile_id\":", 14) == -1 ||
	    cdp_json_quote(&a->w.b, a->at_id, strlen(a->at_id)) == -1 ||
	    cdp_buf_add(&a->w.b, "}\n", 2) == -1)
		cdp_oom(0);
	if (cdp_out_write(a->out, a->w.b.p, a->w.b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	a->mapped++;
	return 1;
}

/*
 * The id of the map for the record rec (on line at), or NULL in *id: of a
 * record the emit took, found by apply_raw(); of others, of their first
 * value the map has, the values read here.  Returns -1 (*why) for a bad
 * record.
 */
static int
record_id(struct apply *a, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **id, const char **why)
{
	struct cdp_key128 keys[MAX_IDS];
	int k;

	*id = NULL;
	if (a->have_pr && at->line != NULL && at->line->lineno ==
	    a->at_line && a->at_rec >= 0) {
		*id = a->at_id;
		return 0;
	}
	if ((k = index_record_ids(&a->ix, rec, NULL, keys, why)) == -1)
		return -1;
	for (int i = 0; i < k && *id == NULL; i++) {
		uint64_t *off = lookup(a, keys[i]);

		if (off != NULL)
			*id = a->ids.p + *off;
	}
	return 0;
}

static int
apply_record(void *ctx, struct cdp_rec *rec, const struct cdp_each_at *at,
    const char **why)
{
	struct apply *a = ctx;
	char own[PROFILE_ID_SIZE];
	const char *id, *s;
	size_t n;
	struct cdp_err err;

	/* A profile_id cdp-merge cannot have written: rejected, as by the
	 * emit and by one process. */
	if (prior_of_record(&a->ix, rec, &s, &n, why) == -1 ||
	    record_id(a, rec, at, &id, why) == -1)
		return -1;
	if (id == NULL && carried_id(a, rec, own) == 0) {
		id = own;
	} else if (id == NULL) {
		index_own_id(&a->ix, rec, own);
		id = own;
	} else {
		/* The id's text is far in a large buffer: fetched while the
		 * record is copied. */
		__builtin_prefetch(id);
		a->mapped++;
	}
	merge_annotate(&a->w, rec, id);
	if (cdp_out_write(a->out, a->w.b.p, a->w.b.len, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	return 0;
}

/* --part K/N before the map loads: a regular file (or standard input
 * redirected from one), else exit 64. */
static void
part_check(const char *file)
{
	bool in = strcmp(file, "-") == 0;
	struct stat st;

	if ((in ? fstat(STDIN_FILENO, &st) : stat(file, &st)) == 0 &&
	    !S_ISREG(st.st_mode))
		cdp_die(EX_USAGE, in ? "<stdin>" : file, 0, "a part K/N of a "
		    "regular file only");
}

int
links_apply(const struct merge_opts *opt, char **files, int nfiles)
{
	struct apply a = { .last = UINT64_MAX, .at_line = -1 };
	struct cdp_acct acct = { 0 };
	struct cdp_err err;
	char part[JF_NAMEMAX];
	const char *pname;

	if (opt->part_n > 0)
		part_check(files[0]);
	index_init(&a.ix, opt, false);
	a.ix.pk = pidkey_of(opt);
	a.t = phase_tokens(opt);
	if ((a.map = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	if (!tokens_clear(a.t) && (a.seen = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	pname = phase_part(opt, files, nfiles, part);
	/* The emit's records file of --part K/N of a named file. */
	if (opt->part_n > 0 && strcmp(files[0], "-") != 0) {
		char fp[17];

		phase_fingerprint(opt, a.t, a.ix.pk, fp);
		a.have_pr = precs_open(&a.pr, opt->apply_map, files[0],
		    pname, fp) == 1;
		if (a.have_pr)
			a.npid = cdp_xcalloc(a.pr.nnodes ? a.pr.nnodes : 1,
			    sizeof(*a.npid));
	}
	map_load(&a, opt->apply_map, pname);
	if ((a.out = cdp_out_open(opt->common.output, &err)) == NULL ||
	    cdp_acct_open(&acct, opt->common.rejects, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	if (a.have_pr)
		cdp_each_part_raw(files[0], opt->part_k, opt->part_n,
		    &opt->common, &acct, apply_raw, apply_record, &a);
	else if (opt->part_n > 0)
		cdp_each_part(files[0], opt->part_k, opt->part_n, &opt->common,
		    &acct, apply_record, &a);
	else
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
	tokens_free(a.t);
	cdp_keymap_free(a.map);
	cdp_keymap_free(a.seen);
	precs_close(&a.pr);
	free(a.npid);
	cdp_buf_free(&a.ids);
	cdp_buf_free(&a.s1);
	cdp_buf_free(&a.pid);
	cdp_recw_free(&a.w);
	return 0;
}
