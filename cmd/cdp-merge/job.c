/*
 * job.c - what the rounds of cdp-merge's join share (join.h): a hash
 * table of ids, reading and writing a round's files, and the values,
 * their order and the profile ids of the naming rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "join.h"
#include "phase.h"
#include "xalloc.h"

/* --- a hash table of ids --------------------------------------------- */

static size_t
slot_of(uint64_t id, size_t cap)
{
	/* Fibonacci hashing: ids share their low bits (the bucket). */
	return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);
}

/* Move the ids into a table of cap slots (a power of two above n). */
static void
umap_rehash(struct umap *m, size_t cap)
{
	struct umap big = { .cap = cap, .n = m->n };

	if ((big.s = cdp_table_new(big.cap, sizeof(*big.s))) == NULL)
		cdp_oom(big.cap * sizeof(*big.s));
	for (size_t i = 0; i < m->cap; i++) {
		size_t s;

		if (m->s[i].k == 0)
			continue;
		for (s = slot_of(m->s[i].k - 1, big.cap); big.s[s].k != 0;
		    s = (s + 1) & (big.cap - 1))
			continue;
		big.s[s] = m->s[i];
	}
	umap_free(m);
	*m = big;
}

static void
umap_grow(struct umap *m)
{
	umap_rehash(m, m->cap ? 2 * m->cap : 1024);
}

void
umap_reserve(struct umap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 1024;

	while (n * 4 > cap * 3)
		cap *= 2;
	if (cap != m->cap)
		umap_rehash(m, cap);
}

uint32_t *
umap_put(struct umap *m, uint64_t id, uint32_t v, bool *added)
{
	size_t s;

	if ((m->n + 1) * 4 > m->cap * 3)
		umap_grow(m);
	for (s = slot_of(id, m->cap); m->s[s].k != 0;
	    s = (s + 1) & (m->cap - 1))
		if (m->s[s].k == id + 1) {
			*added = false;
			return &m->s[s].v;
		}
	m->s[s] = (struct uslot){ id + 1, v };
	m->n++;
	*added = true;
	return &m->s[s].v;
}

void
umap_prefetch(const struct umap *m, uint64_t id)
{
	if (m->cap != 0)
		__builtin_prefetch(&m->s[slot_of(id, m->cap)]);
}

uint32_t *
umap_get(const struct umap *m, uint64_t id)
{
	if (m->cap == 0)
		return NULL;
	for (size_t s = slot_of(id, m->cap); m->s[s].k != 0;
	    s = (s + 1) & (m->cap - 1))
		if (m->s[s].k == id + 1)
			return &m->s[s].v;
	return NULL;
}

void
umap_free(struct umap *m)
{
	cdp_table_free(m->s, m->cap, sizeof(*m->s));
	*m = (struct umap){ 0 };
}

/* --- the round's files -------------------------------------------------- */

bool
job_is_keep(const char *name)
{
	return strncmp(name, "keep-", 5) == 0;
}

void
job_path(const struct job *j, const char *name, struct cdp_buf *b)
{
	cdp_buf_reset(b);
	if (cdp_buf_addf(b, "%s/%s", j->in, name) == -1)
		cdp_oom(0);
}

void
job_read(struct job *j, int (*fn)(void *, const struct jline *,
    const char **), void *ctx)
{
	struct cdp_buf p = { 0 };

	for (size_t i = 0; i < j->nfiles; i++) {
		struct jhead h;

		if (job_is_keep(j->files[i]))
			continue;
		job_path(j, j->files[i], &p);
		j->acct.read += jf_read(p.p, j->fp, &h, fn, ctx);
	}
	cdp_buf_free(&p);
}

bool
job_keep(struct job *j, const char *name,
    int (*fn)(void *, const struct jline *, const char **), void *ctx)
{
	size_t n = strlen(name);
	bool prefix = n > 0 && name[n - 1] == '*', found = false;
	struct cdp_buf p = { 0 };
	struct jhead h;

	for (size_t i = 0; i < j->nfiles; i++) {
		if (prefix ? strncmp(j->files[i], name, n - 1) != 0 :
		    strcmp(j->files[i], name) != 0)
			continue;
		job_path(j, j->files[i], &p);
		j->acct.read += jf_read(p.p, j->fp, &h, fn, ctx);
		/* A bucket's own files name it; the parts' name the part. */
		if (h.buckets != j->nb || (!prefix && (strncmp(h.from, "to-",
		    3) != 0 || job_bucket_number(h.from + 3) != j->me)))
			cdp_die(EX_DATAERR, p.p, 1, "another bucket's file");
		j->consumed[i] = true;
		found = true;
	}
	cdp_buf_free(&p);
	return found;
}

static void
head_of(const struct job *j, struct jhead *h, bool settled)
{
	*h = (struct jhead){ .buckets = j->nb, .settled = settled,
	    .prior = j->prior, .gather = j->gather_out, .count = j->count };
	snprintf(h->phase, sizeof(h->phase), "%s", j->phase);
	snprintf(h->from, sizeof(h->from), "%d", j->me);
	memcpy(h->opts, j->fp, sizeof(h->opts));
}

void
job_open(struct job *j, bool settled)
{
	struct jhead h;
	char name[32];

	head_of(j, &h, settled);
	snprintf(name, sizeof(name), "bucket-%d", j->me);
	jfset_open(&j->fs, j->out, name, &h);
	j->fs_open = true;
}

void
job_send(struct job *j, int b)
{
	jfset_put(&j->fs, b, &j->line);
}

void
job_keep_open(struct job *j, struct jf *f, const char *name)
{
	struct cdp_buf d = { 0 };
	struct jhead h;

	head_of(j, &h, false);
	snprintf(h.from, sizeof(h.from), "to-%d", j->me);
	if (cdp_buf_addf(&d, "%s/to-%d", j->out, j->me) == -1)
		cdp_oom(0);
	jf_open(f, d.p, name, &h);
	cdp_buf_free(&d);
}

void
job_count(struct job *j, const char *name, unsigned long long n)
{
	if (j->nextra < CDP_ACCT_MAXEXTRA) {
		j->acct.extra[j->nextra].name = name;
		j->acct.extra[j->nextra++].n = n;
	}
}

void
job_value(struct job *j, struct cdp_key128 tok, int field, const char *name,
    size_t n, struct cdp_buf *out)
{
	if (field < 0 || field >= j->opt->nids || tokens_open(j->t, tok,
	    j->opt->ids[field].name, name, n, out) == -1)
		cdp_die(EX_DATAERR, j->in, 0, "a sealed identifier does not "
		    "open with this key (--hash-key-file differs from the "
		    "parts')");
}

int
job_cmp(const struct job *j, int fa, const struct cdp_buf *a, int fb,
    const struct cdp_buf *b)
{
	int c = strcmp(j->opt->ids[fa].name, j->opt->ids[fb].name);
	size_t n = a->len < b->len ? a->len : b->len;

	if (c != 0)
		return c;
	if (n > 0 && (c = memcmp(a->p, b->p, n)) != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

void
job_pid(const struct job *j, int field, const struct cdp_buf *value,
    char out[PROFILE_ID_SIZE])
{
	const struct idfield *f = &j->opt->ids[field];
	struct cdp_buf k = { 0 };

	/* Field name, NUL, value: the node's key, as index.c names it. */
	if (cdp_buf_add(&k, f->name, f->nlen + 1) == -1 ||
	    cdp_buf_add(&k, value->p, value->len) == -1)
		cdp_oom(0);
	pid_text(pid_of_bytes(j->pk, k.p, k.len), out);
	cdp_buf_free(&k);
}

/* B, a bucket number below JF_MAXB, or -1. */
int
job_bucket_number(const char *s)
{
	char *end;
	long b;

	if (*s < '0' || *s > '9' || (*s == '0' && s[1] != '\0'))
		return -1;
	b = strtol(s, &end, 10);
	return *end == '\0' && b < JF_MAXB ? (int)b : -1;
}
