/*
 * join.c - one round of cdp-merge's join over partitions, for one bucket
 * of identifier values.  The round reads what the last round sent the
 * bucket (DIR/to-B), finds from the senders' headers which step comes
 * next, and writes what the next round's buckets read:
 *
 *   deg    after the parts: each value's distinct sets over all parts,
 *          so its degree (--max-degree); linking values get a number
 *          (rank * buckets + bucket) and are sent to their sets' buckets;
 *   cc1    each set's linking values are joined (stars around the
 *          smallest number); the set's records are counted;
 *   cc     connected components in rounds: every edge is sent to both of
 *          its ends' buckets; a bucket joins all it holds with
 *          union-find and sends each value an edge to the smallest value
 *          of its component.  When every bucket finds its values a
 *          forest of stars around their smallest value, the components
 *          are found: the next round names them (name.c).
 *
 * Each round a chain of values at least halves where its middle values
 * meet in one bucket; in practice a few rounds (the README's benchmark).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "join.h"
#include "phase.h"
#include "rsort.h"
#include "xalloc.h"

#define MAX_WARN	20	/* --max-degree warnings without --verbose */

/* Tables far larger than the cache are read this many steps ahead of
 * their use (a prefetch), so that their misses overlap. */
#define AHEAD	16

/* A keep- file the round did not read goes on to the next round as it
 * is: linked where the folders share a file system, else copied. */
static void
carry(struct job *j, const char *name)
{
	struct cdp_buf from = { 0 }, to = { 0 };
	char buf[1 << 16];
	ssize_t n;
	int in, out;

	job_path(j, name, &from);
	if (cdp_buf_addf(&to, "%s/to-%d", j->out, j->me) == -1)
		cdp_oom(0);
	jf_mkdir(to.p);
	if (cdp_buf_addf(&to, "/%s", name) == -1)
		cdp_oom(0);
	if (unlink(to.p) == -1 && errno != ENOENT)
		cdp_die(EX_CANTCREAT, to.p, 0, "cannot remove: %s",
		    strerror(errno));
	if (link(from.p, to.p) == 0)
		goto done;
	if ((in = open(from.p, O_RDONLY)) == -1)
		cdp_die(EX_NOINPUT, from.p, 0, "cannot open: %s",
		    strerror(errno));
	if ((out = open(to.p, O_WRONLY | O_CREAT | O_EXCL, 0666)) == -1)
		cdp_die(EX_CANTCREAT, to.p, 0, "cannot create: %s",
		    strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			cdp_die(EX_IOERR, to.p, 0, "write error");
	if (n == -1 || close(out) == -1)
		cdp_die(EX_IOERR, to.p, 0, "copy failed");
	close(in);
done:
	cdp_buf_free(&from);
	cdp_buf_free(&to);
}

/* --- which step: the senders' headers ----------------------------------- */

static const char *const steps[] = { "deg", "cc1", "cc", "name1", "name2",
    "name3", "name4", "name5", NULL };

static bool
is_step(const char *s)
{
	for (int i = 0; steps[i] != NULL; i++)
		if (strcmp(steps[i], s) == 0)
			return true;
	return false;
}

/* The step after the senders' (all in phase, settled when all were). */
static const char *
next_step(const char *phase, bool settled, bool prior)
{
	if (strcmp(phase, "emit") == 0)
		return "deg";
	if (strcmp(phase, "deg") == 0)
		return "cc1";
	if (strcmp(phase, "cc1") == 0)
		return "cc";
	if (strcmp(phase, "cc") == 0)
		return settled ? "name1" : "cc";
	if (strcmp(phase, "name1") == 0)
		return "name2";
	if (strcmp(phase, "name2") == 0 && prior)
		return "name3";
	if (strcmp(phase, "name3") == 0)
		return "name4";
	if (strcmp(phase, "name4") == 0)
		return "name5";
	return NULL;
}

/* The senders: all parts (emit, prior) or every bucket of one step. */
static void
scan(struct job *j)
{
	struct cdp_buf p = { 0 };
	bool seen[JF_MAXB] = { false }, settled = true, parts = false;
	char phase[16] = "";
	int senders = 0, gathered = 0;

	for (size_t i = 0; i < j->nfiles; i++) {
		struct jhead h;
		bool part;
		int b;

		job_path(j, j->files[i], &p);
		jf_read_head(p.p, j->fp, &h);
		if (j->nb != 0 && h.buckets != j->nb)
			cdp_die(EX_DATAERR, p.p, 1, "written for %d buckets, "
			    "not %d", h.buckets, j->nb);
		j->nb = h.buckets;
		if (job_is_keep(j->files[i]))
			continue;
		part = strcmp(h.phase, "emit") == 0 ||
		    strcmp(h.phase, "prior") == 0;
		j->prior |= h.prior;
		if (part) {
			parts = true;
			continue;
		}
		b = job_bucket_number(h.from);
		if (!is_step(h.phase) || b < 0 || b >= h.buckets || seen[b] ||
		    (phase[0] != '\0' && strcmp(phase, h.phase) != 0))
			cdp_die(EX_DATAERR, p.p, 1, "not one round's file: "
			    "a round folder holds one file from each bucket "
			    "of one round");
		snprintf(phase, sizeof(phase), "%s", h.phase);
		seen[b] = true;
		settled &= h.settled;
		gathered += h.gather;
		j->total += h.count;
		senders++;
	}
	cdp_buf_free(&p);
	if (parts && senders > 0)
		cdp_die(EX_DATAERR, j->in, 0, "the parts' files and a round's "
		    "files in one folder");
	if (!parts && senders != j->nb)
		cdp_die(EX_DATAERR, j->in, 0, "%d of %d buckets' files: the "
		    "last round is unfinished", senders, j->nb);
	if (gathered != 0 && gathered != senders)
		cdp_die(EX_DATAERR, j->in, 0, "the last round's buckets ran "
		    "with different --gather");
	j->gather_in = gathered > 0;
	{
		const char *next = next_step(parts ? "emit" : phase, settled,
		    j->prior);

		if (next == NULL)
			cdp_die(EX_DATAERR, j->in, 0, "the join is done: "
			    "--apply-map reads the round that wrote done");
		snprintf(j->phase, sizeof(j->phase), "%s", next);
	}
}

/* --- deg: degrees, numbers ---------------------------------------------- */

/* A value as one part gave it. */
struct vrec {
	struct cdp_key128	tok;
	uint64_t		name, sets;	/* offsets: names, setkeys */
	uint32_t		nlen, nsets, part, field;
};

struct deg {
	struct job		*j;
	struct vrec		*v;
	size_t			 nv, vcap;
	struct cdp_key128	*setkeys;
	size_t			 nsk, skcap;
	struct cdp_buf		 names;
	/* prior ids of this bucket: text, records */
	struct cdp_keymap	*pidmap;
	struct cdp_buf		 ptext;
	uint64_t		*poff, *pcount;
	size_t			 np, pocap, pccap;
	struct claim { struct cdp_key128 tok; uint64_t pid; } *cl;
	size_t			 ncl, clcap;
	/* the parts, by name */
	char			**part;
	size_t			 nparts, partcap;
	uint32_t		*rank;	/* part -> its place in name order */
	uint32_t		 cur;	/* the file's part */
	struct cdp_buf		 tmp;
};

static uint64_t
pid_number(struct deg *d, const struct jline *l, int i)
{
	uint64_t *v;
	int added;

	if (name_unescape(&d->tmp, l->f[i], l->n[i]) == -1 ||
	    d->tmp.len == 0 || d->tmp.len >= PROFILE_ID_SIZE ||
	    memchr(d->tmp.p, '\0', d->tmp.len) != NULL)
		jl_bad(l, "bad profile id");
	if ((v = cdp_keymap_put(d->pidmap, cdp_key128_of(d->tmp.p,
	    d->tmp.len), d->np, &added)) == NULL)
		cdp_oom(0);
	if (added) {
		cdp_xgrow((void **)&d->poff, &d->pocap, d->np + 1,
		    sizeof(*d->poff));
		cdp_xgrow((void **)&d->pcount, &d->pccap, d->np + 1,
		    sizeof(*d->pcount));
		d->poff[d->np] = d->ptext.len;
		d->pcount[d->np++] = 0;
		if (cdp_buf_add(&d->ptext, d->tmp.p, d->tmp.len + 1) == -1)
			cdp_oom(0);
	}
	return *v;
}

/* "v" TOKEN FIELD NAME SET,SET,... */
static void
deg_value(struct deg *d, const struct jline *l)
{
	struct vrec *r;
	size_t k = (l->n[4] + 1) / (TOKEN_TEXT + 1);

	if (l->nf != 5 || k == 0 || k * (TOKEN_TEXT + 1) != l->n[4] + 1)
		jl_bad(l, "expected v TOKEN FIELD NAME SETS");
	cdp_xgrow((void **)&d->v, &d->vcap, d->nv + 1, sizeof(*d->v));
	r = &d->v[d->nv++];
	r->tok = jl_key(l, 1);
	if ((r->field = (uint32_t)jl_num(l, 2)) >= (uint32_t)d->j->opt->nids)
		jl_bad(l, "field number out of range");
	r->name = d->names.len;
	r->nlen = (uint32_t)l->n[3];
	jb_str(&d->names, l->f[3], l->n[3]);
	r->part = d->cur;
	r->sets = d->nsk;
	r->nsets = (uint32_t)k;
	cdp_xgrow((void **)&d->setkeys, &d->skcap, d->nsk + k,
	    sizeof(*d->setkeys));
	for (size_t i = 0; i < k; i++) {
		struct cdp_key128 s;

		if ((i + 1 < k && l->f[4][i * (TOKEN_TEXT + 1) + TOKEN_TEXT] !=
		    ',') || key_parse(l->f[4] + i * (TOKEN_TEXT + 1),
		    TOKEN_TEXT, &s) == -1)
			jl_bad(l, "bad set list");
		d->setkeys[d->nsk++] = s;
	}
}

static int
deg_line(void *ctx, const struct jline *l, const char **why)
{
	struct deg *d = ctx;
	const char *kind = l->f[0];
	bool prior = strcmp(l->head->phase, "prior") == 0;

	if (l->n[0] != 1 || (prior ? strchr("cn", *kind) == NULL :
	    *kind != 'v')) {
		*why = "unknown line";
		return -1;
	}
	if (*kind == 'v') {
		deg_value(d, l);
	} else if (*kind == 'c' && l->nf == 3) {
		cdp_xgrow((void **)&d->cl, &d->clcap, d->ncl + 1,
		    sizeof(*d->cl));
		d->cl[d->ncl].tok = jl_key(l, 1);
		d->cl[d->ncl++].pid = pid_number(d, l, 2);
	} else if (*kind == 'n' && l->nf == 3) {
		uint64_t i = pid_number(d, l, 1);	/* may move pcount */

		d->pcount[i] += jl_num(l, 2);
	} else {
		*why = "wrong number of fields";
		return -1;
	}
	return 0;
}

static int
cmp_claim(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c = key_cmp(&x->tok, &y->tok);

	return c != 0 ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the parts' files, one part at a time (its number in d->cur). */
static void
deg_read(struct job *j, struct deg *d)
{
	struct cdp_buf p = { 0 };

	for (size_t i = 0; i < j->nfiles; i++) {
		struct jhead h;

		if (job_is_keep(j->files[i]))
			continue;
		job_path(j, j->files[i], &p);
		jf_read_head(p.p, j->fp, &h);
		if (strcmp(h.phase, "emit") == 0) {
			for (d->cur = 0; d->cur < d->nparts &&
			    strcmp(d->part[d->cur], h.from) != 0; d->cur++)
				continue;
			if (d->cur == d->nparts) {
				cdp_xgrow((void **)&d->part, &d->partcap,
				    d->nparts + 1, sizeof(*d->part));
				d->part[d->nparts++] = cdp_xstrdup(h.from);
			}
		}
		j->acct.read += jf_read(p.p, j->fp, &h, deg_line, d);
	}
	cdp_buf_free(&p);
}

static void
warn_degree(struct job *j, const struct deg *d, const struct vrec *r,
    unsigned long long degree, unsigned long long nth)
{
	const char *field = j->opt->ids[r->field].name;

	if (cdp_diag_verbose()) {
		job_value(j, r->tok, (int)r->field, d->names.p + r->name,
		    r->nlen, &j->v1);
		cdp_warn(NULL, 0, "field \"%s\": value \"%.*s\" is on %llu "
		    "records with different identifiers (over --max-degree "
		    "%ld): not linked", field, (int)j->v1.len, j->v1.p, degree,
		    j->opt->max_degree);
	} else if (nth <= MAX_WARN) {
		cdp_warn(NULL, 0, "field \"%s\": a value is on %llu records "
		    "with different identifiers (over --max-degree %ld): not "
		    "linked", field, degree, j->opt->max_degree);
	}
}

/* One token's values d->v[b..e) and its distinct sets u[us..us+nu). */
struct group {
	size_t	b, e, us, nu;
};

/*
 * The distinct sets of d->v[b..e) (one token from several parts) at the
 * end of *u; returns their number.  Exits when the parts disagree on
 * the value.
 */
static size_t
deg_sets(struct job *j, struct deg *d, size_t b, size_t e,
    struct cdp_key128 **u, size_t *nu, size_t *ucap)
{
	const struct vrec *r = &d->v[b];
	size_t start = *nu, n = 0;
	struct cdp_key128 *s;

	for (size_t i = b + 1; i < e; i++) {
		if (d->v[i].field != r->field || d->v[i].nlen != r->nlen ||
		    memcmp(d->names.p + d->v[i].name, d->names.p + r->name,
		    r->nlen) != 0)
			cdp_die(EX_DATAERR, j->in, 0, "one token, two values: "
			    "parts emitted with other options or keys");
	}
	for (size_t i = b; i < e; i++)
		n += d->v[i].nsets;
	cdp_xgrow((void **)u, ucap, start + n, sizeof(**u));
	s = *u + start;
	n = 0;
	for (size_t i = b; i < e; i++)
		for (uint32_t x = 0; x < d->v[i].nsets; x++)
			s[n++] = d->setkeys[d->v[i].sets + x];
	/* The distinct sets over all parts: sort the lists together. */
	if (e - b > 1)
		qsort(s, n, sizeof(*s), key_cmp);
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (k == 0 || key_cmp(&s[i], &s[k - 1]) != 0)
				s[k++] = s[i];
		n = k;
	}
	*nu = start + n;
	return n;
}

/* Linking value number id: S ID TOKEN FIELD NAME PARTS into keep-static
 * (PARTS: the parts' numbers in the name order of keep-parts, which
 * every bucket has alike), M SET ID to the bucket of each of its sets. */
static void
deg_write(struct job *j, struct deg *d, const struct group *g,
    const struct cdp_key128 *u, uint64_t id, struct jf *st)
{
	const struct vrec *r = &d->v[g->b];

	cdp_buf_reset(&j->line);
	jb_str(&j->line, "S\t", 2);
	jb_num(&j->line, id);
	jb_tab(&j->line);
	jb_key(&j->line, r->tok);
	jb_tab(&j->line);
	jb_num(&j->line, r->field);
	jb_tab(&j->line);
	jb_str(&j->line, d->names.p + r->name, r->nlen);
	jb_tab(&j->line);
	for (size_t i = g->b; i < g->e; i++) {
		if (i > g->b && d->v[i].part == d->v[i - 1].part)
			continue;
		if (i > g->b)
			jb_str(&j->line, ",", 1);
		jb_num(&j->line, d->rank[d->v[i].part]);
	}
	jf_put(st, &j->line);
	for (size_t i = 0; i < g->nu; i++) {
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "m\t", 2);
		jb_key(&j->line, u[g->us + i]);
		jb_tab(&j->line);
		jb_num(&j->line, id);
		job_send(j, jf_bucket(u[g->us + i], j->nb));
	}
}

/* Claims C TOKEN ID RECORDS to the tokens' buckets, the parts' names
 * to this bucket's next rounds. */
static void
deg_rest(struct job *j, struct deg *d)
{
	struct jf parts;

	if (d->ncl > 0)
		qsort(d->cl, d->ncl, sizeof(*d->cl), cmp_claim);
	for (size_t i = 0; i < d->ncl; i++) {
		const char *pid = d->ptext.p + d->poff[d->cl[i].pid];

		if (i > 0 && cmp_claim(&d->cl[i], &d->cl[i - 1]) == 0)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "C\t", 2);
		jb_key(&j->line, d->cl[i].tok);
		jb_tab(&j->line);
		if (name_escape(&j->line, pid, strlen(pid)) == -1)
			cdp_oom(0);
		jb_tab(&j->line);
		jb_num(&j->line, d->pcount[d->cl[i].pid]);
		job_send(j, jf_bucket(d->cl[i].tok, j->nb));
	}
	if (d->nparts > 0)
		qsort(d->part, d->nparts, sizeof(*d->part), cmp_str);
	job_keep_open(j, &parts, "keep-parts");
	for (size_t i = 0; i < d->nparts; i++) {
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "P\t", 2);
		jb_str(&j->line, d->part[i], strlen(d->part[i]));
		jf_put(&parts, &j->line);
	}
	jf_close(&parts);
}

/* The values in token order; one token's parts in file order. */
static void
deg_sort(struct deg *d)
{
	struct rkey *k = cdp_xmalloc((d->nv ? d->nv : 1) * sizeof(*k));
	struct vrec *v = cdp_xmalloc((d->nv ? d->nv : 1) * sizeof(*v));

	for (size_t i = 0; i < d->nv; i++)
		k[i] = (struct rkey){ d->v[i].tok.hi, d->v[i].tok.lo, i };
	rsort(k, d->nv);
	for (size_t i = 0; i < d->nv; i++)
		v[i] = d->v[k[i].v];
	free(d->v);
	free(k);
	d->v = v;
	d->vcap = d->nv;
}

/* A part's name and its number in the order it came. */
struct pname {
	const char	*name;
	uint32_t	 i;
};

static int
cmp_pname(const void *a, const void *b)
{
	return strcmp(((const struct pname *)a)->name,
	    ((const struct pname *)b)->name);
}

/* Each part's place in the name order keep-parts is written in. */
static void
deg_rank(struct deg *d)
{
	struct pname *o = cdp_xcalloc(d->nparts ? d->nparts : 1, sizeof(*o));

	d->rank = cdp_xcalloc(d->nparts ? d->nparts : 1, sizeof(*d->rank));
	for (size_t i = 0; i < d->nparts; i++)
		o[i] = (struct pname){ d->part[i], (uint32_t)i };
	if (d->nparts > 0)
		qsort(o, d->nparts, sizeof(*o), cmp_pname);
	for (size_t i = 0; i < d->nparts; i++)
		d->rank[o[i].i] = (uint32_t)i;
	free(o);
}

static void
deg(struct job *j)
{
	struct deg d = { .j = j };
	unsigned long long over = 0, linking = 0;
	struct group *g = NULL;
	struct cdp_key128 *u = NULL;
	size_t gcap = 0, nu = 0, ucap = 0;
	struct jf st;

	if ((d.pidmap = cdp_keymap_new()) == NULL)
		cdp_oom(0);
	deg_read(j, &d);
	deg_rank(&d);
	deg_sort(&d);
	/* First the degrees (the next round learns the number of linking
	 * values from the headers), then the lines. */
	for (size_t b = 0, e; b < d.nv; b = e) {
		size_t n;

		if (b + AHEAD < d.nv)
			__builtin_prefetch(&d.setkeys[d.v[b + AHEAD].sets]);
		for (e = b + 1; e < d.nv && d.v[e].tok.hi == d.v[b].tok.hi &&
		    d.v[e].tok.lo == d.v[b].tok.lo; e++)
			continue;
		n = deg_sets(j, &d, b, e, &u, &nu, &ucap);
		if (n > (size_t)j->opt->max_degree) {
			warn_degree(j, &d, &d.v[b], n, ++over);
			nu -= n;
			continue;
		}
		cdp_xgrow((void **)&g, &gcap, linking + 1, sizeof(*g));
		g[linking++] = (struct group){ b, e, nu - n, n };
	}
	if (over > MAX_WARN && !cdp_diag_verbose())
		cdp_warn(NULL, 0, "%llu more values over --max-degree not "
		    "linked (all with --verbose)", over - MAX_WARN);
	j->count = linking;
	job_open(j, false);
	job_keep_open(j, &st, "keep-static");
	for (size_t i = 0; i < linking; i++) {
		/* The names are in the order they came, not the tokens'. */
		if (i + AHEAD < linking)
			__builtin_prefetch(d.names.p + d.v[g[i + AHEAD].b].name);
		deg_write(j, &d, &g[i], u, (uint64_t)i * (uint64_t)j->nb +
		    (uint64_t)j->me, &st);
	}
	jf_close(&st);
	free(g);
	free(u);
	deg_rest(j, &d);
	job_count(j, "values", linking + over);
	job_count(j, "over_degree", over);
	job_count(j, "parts", d.nparts);
	for (size_t i = 0; i < d.nparts; i++)
		free(d.part[i]);
	free(d.part);
	free(d.rank);
	free(d.v);
	free(d.setkeys);
	free(d.poff);
	free(d.pcount);
	free(d.cl);
	cdp_keymap_free(d.pidmap);
	cdp_buf_free(&d.names);
	cdp_buf_free(&d.ptext);
	cdp_buf_free(&d.tmp);
}

/* --- connected components ----------------------------------------------- */

struct edge {
	uint64_t	a, b;	/* a < b */
};

struct cc {
	struct edge	*e;
	size_t		 ne, ecap;
	struct umap	 ids;	/* id -> local number */
	uint64_t	*id;	/* local number -> id */
	uint32_t	*up;	/* union-find parent */
	uint64_t	*min;	/* per root: smallest id */
	uint32_t	*le;	/* edge i: local numbers le[2i], le[2i+1] */
	size_t		 n, idcap, upcap, mincap;
};

static void
cc_edge(struct cc *c, uint64_t a, uint64_t b)
{
	if (a == b)
		return;
	cdp_xgrow((void **)&c->e, &c->ecap, c->ne + 1, sizeof(*c->e));
	c->e[c->ne++] = a < b ? (struct edge){ a, b } : (struct edge){ b, a };
}

static uint32_t
cc_local(struct cc *c, uint64_t id)
{
	bool added;
	uint32_t *v = umap_put(&c->ids, id, (uint32_t)c->n, &added);

	if (added) {
		if (c->n == UINT32_MAX)
			cdp_die(EX_SOFTWARE, NULL, 0, "too many values in one "
			    "bucket: use more --buckets");
		cdp_xgrow((void **)&c->id, &c->idcap, c->n + 1,
		    sizeof(*c->id));
		cdp_xgrow((void **)&c->up, &c->upcap, c->n + 1,
		    sizeof(*c->up));
		cdp_xgrow((void **)&c->min, &c->mincap, c->n + 1,
		    sizeof(*c->min));
		c->id[c->n] = c->min[c->n] = id;
		c->up[c->n] = (uint32_t)c->n;
		c->n++;
	}
	return *v;
}

static uint32_t
cc_find(struct cc *c, uint32_t x)
{
	uint32_t r = x;

	while (c->up[r] != r)
		r = c->up[r];
	while (c->up[x] != r) {
		uint32_t next = c->up[x];

		c->up[x] = r;
		x = next;
	}
	return r;
}

/* Each edge's ends as local numbers. */
static void
cc_map(struct cc *c)
{
	c->le = cdp_xmalloc((c->ne ? 2 * c->ne : 1) * sizeof(*c->le));
	/* A component's values are one more than its edges, and most are
	 * two or three: about as many values as edges. */
	umap_reserve(&c->ids, c->ne);
	for (size_t i = 0; i < c->ne; i++) {
		if (i + AHEAD < c->ne) {
			umap_prefetch(&c->ids, c->e[i + AHEAD].a);
			umap_prefetch(&c->ids, c->e[i + AHEAD].b);
		}
		c->le[2 * i] = cc_local(c, c->e[i].a);
		c->le[2 * i + 1] = cc_local(c, c->e[i].b);
	}
}

/* Join the components of local numbers a and b; the root with the
 * smaller id stays (no rank: paths are compressed, and a bucket's
 * components are small). */
static void
cc_union(struct cc *c, uint32_t a, uint32_t b)
{
	uint32_t x = cc_find(c, a), y = cc_find(c, b);

	if (x == y)
		return;
	if (c->min[y] < c->min[x]) {
		uint32_t t = x;

		x = y;
		y = t;
	}
	c->up[y] = x;
}

/* Union-find over the edges (after cc_map()); each root's smallest id. */
static void
cc_join(struct cc *c)
{
	for (size_t i = 0; i < c->ne; i++) {
		if (i + AHEAD < c->ne) {
			uint32_t a = c->le[2 * (i + AHEAD)],
			    b = c->le[2 * (i + AHEAD) + 1];

			__builtin_prefetch(&c->up[a]);
			__builtin_prefetch(&c->up[b]);
			__builtin_prefetch(&c->min[a]);
			__builtin_prefetch(&c->min[b]);
		}
		cc_union(c, c->le[2 * i], c->le[2 * i + 1]);
	}
}

/* The smallest id of id's component (id itself when not in any). */
static uint64_t
cc_root(struct cc *c, uint64_t id)
{
	uint32_t *v = umap_get(&c->ids, id);

	return v == NULL ? id : c->min[cc_find(c, *v)];
}

/* Every value to the smallest of its component: E SMALLEST VALUE to the
 * buckets of both. */
static void
cc_send(struct job *j, struct cc *c)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < c->n; i++) {
		uint64_t r, v = c->id[i];
		int b1, b2;

		/* The root a few values on is far away in the table. */
		if (i + AHEAD < c->n) {
			uint32_t p = c->up[i + AHEAD];

			__builtin_prefetch(&c->up[p]);
			__builtin_prefetch(&c->min[p]);
		}
		r = c->min[cc_find(c, (uint32_t)i)];
		b1 = (int)(r % (uint64_t)j->nb);
		b2 = (int)(v % (uint64_t)j->nb);
		if (r == v)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "e\t", 2);
		jb_num(&j->line, r);
		jb_tab(&j->line);
		jb_num(&j->line, v);
		if (j->gather_out) {
			job_send(j, 0);
		} else {
			job_send(j, b1);
			if (b2 != b1)
				job_send(j, b2);
		}
		n++;
	}
	job_count(j, "edges", n);
}

static void
cc_free(struct cc *c)
{
	free(c->e);
	free(c->id);
	free(c->up);
	free(c->min);
	free(c->le);
	umap_free(&c->ids);
}

/*
 * Whether this bucket's values are settled: each is the smallest of its
 * neighbours (a centre) or has exactly one neighbour, smaller (a leaf).
 * When every bucket says so the graph is a forest of stars, each around
 * its component's smallest value.  Edges may come twice.
 */
static bool
cc_settled(struct job *j, const struct cc *c)
{
	uint64_t *small = cdp_xcalloc(c->n ? c->n : 1, sizeof(*small));
	uint8_t *large = cdp_xcalloc(c->n ? c->n : 1, 1);
	bool ok = true;

	/* small: the smaller neighbour + 1, or 0; large: a larger one. */
	for (size_t i = 0; i < 2 * c->ne && ok; i++) {
		uint32_t x = c->le[i], y = c->le[i ^ 1];

		if (c->id[x] % (uint64_t)j->nb != (uint64_t)j->me)
			continue;
		if (c->id[y] > c->id[x])
			large[x] = 1;
		else if (small[x] == 0)
			small[x] = c->id[y] + 1;
		else
			ok = small[x] == c->id[y] + 1;
		ok = ok && !(small[x] != 0 && large[x]);
	}
	free(small);
	free(large);
	return ok;
}

/* A claim C TOKEN ID RECORDS, its id's text in ctext. */
struct cline {
	struct cdp_key128	tok;
	uint64_t		off;
	uint32_t		len;
	uint64_t		count;
};

/* cc1: "m" SET VALUE from deg, "s" SET RECORDS from the parts
 * (keep-sets-), "C" TOKEN ID RECORDS. */
struct cc1 {
	struct job		*j;
	struct rkey		*m, *s;	/* (set, value), (set, records) */
	size_t			 nm, mcap, ns, scap;
	struct cline		*cl;	/* the claims, as they came */
	size_t			 ncl, clcap;
	struct cdp_buf		 ctext;	/* their ids' text */
};

static void
cc1_push(struct rkey **a, size_t *n, size_t *cap, struct cdp_key128 k,
    uint64_t v)
{
	cdp_xgrow((void **)a, cap, *n + 1, sizeof(**a));
	(*a)[(*n)++] = (struct rkey){ k.hi, k.lo, v };
}

static int
cc1_line(void *ctx, const struct jline *l, const char **why)
{
	struct cc1 *s = ctx;
	struct cline *c;

	if (l->n[0] != 1 || l->nf != 3 + (l->f[0][0] == 'C')) {
		*why = "unknown line";
		return -1;
	}
	switch (l->f[0][0]) {
	case 'm':
		cc1_push(&s->m, &s->nm, &s->mcap, jl_key(l, 1), jl_num(l, 2));
		return 0;
	case 's':
		cc1_push(&s->s, &s->ns, &s->scap, jl_key(l, 1), jl_num(l, 2));
		return 0;
	case 'C':
		cdp_xgrow((void **)&s->cl, &s->clcap, s->ncl + 1,
		    sizeof(*s->cl));
		c = &s->cl[s->ncl++];
		c->tok = jl_key(l, 1);
		c->off = s->ctext.len;
		c->len = (uint32_t)l->n[2];
		c->count = jl_num(l, 3);
		jb_str(&s->ctext, l->f[2], l->n[2]);
		return 0;
	default:
		*why = "unknown line";
		return -1;
	}
}

static int
cmp_cline(const void *x, const void *y)
{
	const struct cline *a = x, *b = y;

	return key_cmp(&a->tok, &b->tok);
}

/* Unique claims K TOKEN ID RECORDS into keep-claims: a value an earlier
 * run saw under two ids claims nothing (prior.c's AMBIG). */
static void
cc1_claims(struct job *j, struct cc1 *s)
{
	struct cline *c = s->cl;
	struct jf f;
	unsigned long long kept = 0;

	if (!j->prior)
		return;
	if (s->ncl > 0)
		qsort(c, s->ncl, sizeof(*c), cmp_cline);
	job_keep_open(j, &f, "keep-claims");
	for (size_t b = 0, e; b < s->ncl; b = e) {
		bool one = true;

		for (e = b + 1; e < s->ncl && key_cmp(&c[e].tok,
		    &c[b].tok) == 0; e++)
			one &= c[e].len == c[b].len && memcmp(s->ctext.p +
			    c[e].off, s->ctext.p + c[b].off, c[b].len) == 0;
		if (!one)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "K\t", 2);
		jb_key(&j->line, c[b].tok);
		jb_tab(&j->line);
		jb_str(&j->line, s->ctext.p + c[b].off, c[b].len);
		jb_tab(&j->line);
		jb_num(&j->line, c[b].count);
		jf_put(&f, &j->line);
		kept++;
	}
	jf_close(&f);
	job_count(j, "claims", kept);
}

static bool
same_set(const struct rkey *a, const struct rkey *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/* W VALUE RECORDS: a set's records on its smallest value's component. */
static void
cc1_weights(struct job *j, struct cc1 *s, struct cc *c,
    unsigned long long *unlinked)
{
	struct umap w = { 0 };
	uint64_t *wn = NULL;
	size_t wcap = 0, nw = 0, i = 0;

	/* Both lists sorted by set: walk them side by side. */
	for (size_t k = 0, e; k < s->ns; k = e) {
		uint64_t n = 0;
		bool added;
		uint32_t *v;

		/* One set from several parts: their records add up. */
		for (e = k; e < s->ns && same_set(&s->s[e], &s->s[k]); e++)
			n += s->s[e].v;
		while (i < s->nm && (s->m[i].hi < s->s[k].hi ||
		    (s->m[i].hi == s->s[k].hi && s->m[i].lo < s->s[k].lo)))
			i++;
		if (i + AHEAD < s->nm)
			umap_prefetch(&c->ids, s->m[i + AHEAD].v);
		if (i == s->nm || !same_set(&s->m[i], &s->s[k])) {
			*unlinked += n;
			continue;
		}
		v = umap_put(&w, cc_root(c, s->m[i].v), (uint32_t)nw, &added);
		if (added) {
			cdp_xgrow((void **)&wn, &wcap, nw + 1, sizeof(*wn));
			wn[nw++] = 0;
		}
		wn[*v] += n;
	}
	for (size_t x = 0; x < w.cap; x++) {
		if (w.s[x].k == 0)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "w\t", 2);
		jb_num(&j->line, w.s[x].k - 1);
		jb_tab(&j->line);
		jb_num(&j->line, wn[w.s[x].v]);
		job_send(j, (int)((w.s[x].k - 1) % (uint64_t)j->nb));
	}
	umap_free(&w);
	free(wn);
}

/*
 * Each set's linking values joined around the smallest; its records
 * counted on that value's component (W VALUE RECORDS), or as unlinked
 * when none of its values links.
 */
static void
cc1(struct job *j)
{
	struct cc1 s = { .j = j };
	struct cc c = { 0 };
	unsigned long long unlinked = 0;

	/* Few enough values for one process: the next round joins them
	 * all in bucket 0, and the rounds are done. */
	j->gather_out = j->total <= (unsigned long long)j->opt->gather;
	job_read(j, cc1_line, &s);
	job_keep(j, "keep-sets-*", cc1_line, &s);
	rsort(s.m, s.nm);
	rsort(s.s, s.ns);
	for (size_t b = 0, e; b < s.nm; b = e)
		for (e = b + 1; e < s.nm && same_set(&s.m[e], &s.m[b]); e++)
			cc_edge(&c, s.m[b].v, s.m[e].v);
	cc_map(&c);
	cc_join(&c);
	job_open(j, false);
	cc_send(j, &c);
	cc1_weights(j, &s, &c, &unlinked);
	cc1_claims(j, &s);
	job_count(j, "set_lines", s.ns);
	job_count(j, "unlinked", unlinked);
	cc_free(&c);
	free(s.m);
	free(s.s);
	free(s.cl);
	cdp_buf_free(&s.ctext);
}

/* cc: "e" A B, and once "w" VALUE RECORDS (into keep-weights). */
struct ccr {
	struct cc	 c;
	bool		 stream;	/* union as read (all edges here) */
	struct edge	 ring[AHEAD];	/* read (a, b as they came) */
	size_t		 nring, head;
	uint32_t	 lring[2 * AHEAD];	/* then as local numbers */
	size_t		 nl, lhead;
	struct umap	 w;
	uint64_t	*wn;
	size_t		 nw, wcap;
	bool		 weights;
};

/* Join the oldest edge of the second ring (its ends' parents and
 * smallest ids fetched meanwhile). */
static void
cc_stream_join(struct ccr *r)
{
	cc_union(&r->c, r->lring[2 * r->lhead], r->lring[2 * r->lhead + 1]);
	r->lhead = (r->lhead + 1) % AHEAD;
	r->nl--;
}

/* The oldest edge of the first ring (its slots fetched meanwhile) to
 * local numbers, into the second. */
static void
cc_stream_one(struct ccr *r)
{
	const struct edge *e = &r->ring[r->head];
	struct cc *c = &r->c;
	size_t at;
	uint32_t a, b;

	if (r->nl == AHEAD)
		cc_stream_join(r);
	a = cc_local(c, e->a);
	b = cc_local(c, e->b);
	at = (r->lhead + r->nl++) % AHEAD;
	r->lring[2 * at] = a;
	r->lring[2 * at + 1] = b;
	__builtin_prefetch(&c->up[a]);
	__builtin_prefetch(&c->up[b]);
	__builtin_prefetch(&c->min[a]);
	__builtin_prefetch(&c->min[b]);
	r->head = (r->head + 1) % AHEAD;
	r->nring--;
}

static int
cc_line(void *ctx, const struct jline *l, const char **why)
{
	struct ccr *r = ctx;

	if (l->n[0] != 1 || l->nf != 3) {
		*why = "unknown line";
		return -1;
	}
	if (l->f[0][0] == 'e' && r->stream) {
		struct edge *e;

		if (r->nring == AHEAD)
			cc_stream_one(r);
		e = &r->ring[(r->head + r->nring++) % AHEAD];
		e->a = jl_num(l, 1);
		e->b = jl_num(l, 2);
		umap_prefetch(&r->c.ids, e->a);
		umap_prefetch(&r->c.ids, e->b);
	} else if (l->f[0][0] == 'e') {
		cc_edge(&r->c, jl_num(l, 1), jl_num(l, 2));
	} else if (l->f[0][0] == 'w') {
		bool added;
		uint32_t *v = umap_put(&r->w, jl_num(l, 1), (uint32_t)r->nw,
		    &added);

		if (added) {
			cdp_xgrow((void **)&r->wn, &r->wcap, r->nw + 1,
			    sizeof(*r->wn));
			r->wn[r->nw++] = 0;
		}
		r->wn[*v] += jl_num(l, 2);
		r->weights = true;
	} else {
		*why = "unknown line";
		return -1;
	}
	return 0;
}

static void
cc_weights(struct job *j, struct ccr *r)
{
	struct jf f;

	job_keep_open(j, &f, "keep-weights");
	for (size_t i = 0; i < r->w.cap; i++) {
		if (r->w.s[i].k == 0)
			continue;
		cdp_buf_reset(&j->line);
		jb_str(&j->line, "W\t", 2);
		jb_num(&j->line, r->w.s[i].k - 1);
		jb_tab(&j->line);
		jb_num(&j->line, r->wn[r->w.s[i].v]);
		jf_put(&f, &j->line);
	}
	jf_close(&f);
}

static void
cc(struct job *j)
{
	struct ccr r = { .stream = j->gather_in };
	bool settled = true;

	/*
	 * After a gathering round bucket 0 holds every edge: one
	 * union-find finds the components, and its stars are the last.
	 */
	job_read(j, cc_line, &r);
	while (r.nring > 0)
		cc_stream_one(&r);
	while (r.nl > 0)
		cc_stream_join(&r);
	if (!r.stream) {
		cc_map(&r.c);
		settled = cc_settled(j, &r.c);
		cc_join(&r.c);
	}
	job_open(j, settled);
	cc_send(j, &r.c);
	if (r.weights)
		cc_weights(j, &r);
	job_count(j, "settled", settled);
	cc_free(&r.c);
	umap_free(&r.w);
	free(r.wn);
}

/* --- the round ---------------------------------------------------------- */

/* The bucket of folder DIR/to-B. */
static int
folder_bucket(const char *dir)
{
	const char *base = strrchr(dir, '/');
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	for (base = dir + n; base > dir && base[-1] != '/'; base--)
		continue;
	if (strncmp(base, "to-", 3) != 0)
		return -1;
	{
		char num[8];
		size_t k = (size_t)(dir + n - base) - 3;

		if (k == 0 || k >= sizeof(num))
			return -1;
		memcpy(num, base + 3, k);
		num[k] = '\0';
		return job_bucket_number(num);
	}
}

int
join_round(const struct merge_opts *opt, const char *dir)
{
	struct job j = { .opt = opt, .in = dir, .out = opt->common.output };
	struct cdp_err err;

	if ((j.me = folder_bucket(dir)) < 0)
		cdp_die(EX_USAGE, dir, 0, "--join-links: expected a bucket "
		    "folder DIR/to-B");
	j.t = phase_tokens(opt);
	j.pk = pidkey_of(opt);
	phase_fingerprint(opt, j.t, j.pk, j.fp);
	j.nfiles = jf_list(dir, &j.files);
	j.consumed = cdp_xcalloc(j.nfiles ? j.nfiles : 1, sizeof(bool));
	if (j.nfiles == 0)
		cdp_die(EX_NOINPUT, dir, 0, "no files: not a join folder");
	scan(&j);
	if (j.me >= j.nb)
		cdp_die(EX_DATAERR, dir, 0, "bucket %d of %d", j.me, j.nb);
	if (cdp_acct_open(&j.acct, NULL, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	j.acct.aggregating = true;
	job_count(&j, "bucket", (unsigned long long)j.me);
	if (strcmp(j.phase, "deg") == 0)
		deg(&j);
	else if (strcmp(j.phase, "cc1") == 0)
		cc1(&j);
	else if (strcmp(j.phase, "cc") == 0)
		cc(&j);
	else if (strcmp(j.phase, "name1") == 0)
		name1(&j);
	else if (strcmp(j.phase, "name2") == 0)
		name2(&j);
	else if (strcmp(j.phase, "name3") == 0)
		name3(&j);
	else if (strcmp(j.phase, "name4") == 0)
		name4(&j);
	else
		name5(&j);
	if (j.fs_open) {
		job_count(&j, "output", j.fs.lines);
		jfset_close(&j.fs);
	}
	/* Carried files last: the next round is whole only when they are. */
	for (size_t i = 0; i < j.nfiles; i++)
		if (job_is_keep(j.files[i]) && !j.consumed[i])
			carry(&j, j.files[i]);
	j.acct.written = j.acct.read;
	if (cdp_acct_close(&j.acct, opt->common.stats, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	jf_names_free(j.files, j.nfiles);
	free(j.consumed);
	tokens_free(j.t);
	pidkey_free(j.pk);
	cdp_buf_free(&j.line);
	cdp_buf_free(&j.v1);
	cdp_buf_free(&j.v2);
	return 0;
}
