/*
 * precs.c - a part's records as --emit-links found them, for its
 * --apply-map (precs.h).
 *
 * The file: a header (struct phead), then the good records' line numbers
 * (uint32 each, the high bit for a plain line), their offsets into the edges (nrecs + 1), the edges
 * (node numbers), padding to 8 bytes and each node's token (16 bytes:
 * hi then lo).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "jfile.h"
#include "mapin.h"
#include "out.h"
#include "precs.h"
#include "xalloc.h"

#define PRECS_MAGIC	"#cdp-merge-recs1"	/* 16 bytes, no NUL */
#define PRECS_ORDER	UINT64_C(0x0102030405060708)

struct phead {
	char		magic[16];
	uint64_t	order;		/* PRECS_ORDER in the writer's order */
	char		fp[16];		/* phase_fingerprint(), no NUL */
	char		part[JF_NAMEMAX];	/* NUL-padded */
	uint64_t	size;		/* the input's, when the emit ended */
	int64_t		mtime_sec, mtime_nsec;
	uint64_t	nrecs, nnodes, nedges;
};

void
precs_line(struct precs_lines *pl, long lineno, bool plain)
{
	if (lineno < 0 || lineno >= (long)PRECS_PLAIN)
		cdp_die(EX_DATAERR, NULL, 0, "--emit-links: a part of more "
		    "than %lu lines", (unsigned long)PRECS_PLAIN - 1);
	cdp_xgrow((void **)&pl->line, &pl->cap, pl->n + 1, sizeof(*pl->line));
	pl->line[pl->n++] = (uint32_t)lineno | (plain ? PRECS_PLAIN : 0);
}

static void
put(struct cdp_out *o, const void *p, size_t n)
{
	struct cdp_err err;

	if (n > 0 && cdp_out_write(o, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

/* The input's size and modification time into h; exits 66. */
static void
head_stat(struct phead *h, const char *file)
{
	struct stat st;

	if (stat(file, &st) == -1)
		cdp_die(EX_NOINPUT, file, 0, "cannot open: %s",
		    strerror(errno));
	h->size = (uint64_t)st.st_size;
	h->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	h->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
}

static void
precs_path(struct cdp_buf *b, const char *dir, const char *part)
{
	if (cdp_buf_addf(b, "%s/recs-%s", dir, part) == -1)
		cdp_oom(0);
}

void
precs_write(const struct index *ix, const struct cdp_key128 *tok,
    const struct precs_lines *pl, const char *file, const char *part,
    const char *fp)
{
	const struct merge_opts *opt = ix->opt;
	struct phead h = { .order = PRECS_ORDER, .nrecs = ix->nrecs,
	    .nnodes = ix->nnodes, .nedges = ix->nedges };
	static const char pad[8];
	struct cdp_buf path = { 0 };
	struct cdp_out *o;
	struct cdp_err err;
	uint32_t zero = 0;

	if (pl->n != ix->nrecs)
		cdp_die(EX_SOFTWARE, NULL, 0, "--emit-links: %zu lines for "
		    "%zu records", pl->n, ix->nrecs);
	memcpy(h.magic, PRECS_MAGIC, sizeof(h.magic));
	memcpy(h.fp, fp, sizeof(h.fp));
	snprintf(h.part, sizeof(h.part), "%s", part);
	head_stat(&h, file);
	jf_mkdir(opt->common.output);
	precs_path(&path, opt->common.output, part);
	if ((o = cdp_out_open(path.p, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	put(o, &h, sizeof(h));
	put(o, pl->line, pl->n * sizeof(*pl->line));
	if (ix->nrecs > 0)
		put(o, ix->off, (ix->nrecs + 1) * sizeof(*ix->off));
	else
		put(o, &zero, sizeof(zero));
	put(o, ix->edges, ix->nedges * sizeof(*ix->edges));
	put(o, pad, (8 - ((2 * ix->nrecs + 1 + ix->nedges) * 4) % 8) % 8);
	for (size_t i = 0; i < ix->nnodes; i++) {
		uint64_t k[2] = { tok[i].hi, tok[i].lo };

		put(o, k, sizeof(k));
	}
	if (cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&path);
}

/* DIR/../r0: the folder of DIR, with "." for none. */
static void
emit_dir(struct cdp_buf *b, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (n > 0 && dir[n - 1] != '/')
		n--;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 ? cdp_buf_adds(b, ".") == -1 :
	    cdp_buf_add(b, dir, n) == -1)
		cdp_oom(0);
	if (cdp_buf_adds(b, n == 1 && dir[0] == '/' ? "r0" : "/r0") == -1)
		cdp_oom(0);
}

static _Noreturn void
bad(const char *path, const char *what)
{
	cdp_die(EX_DATAERR, path, 0, "--apply-map: %s", what);
}

int
precs_open(struct precs *pr, const char *dir, const char *file,
    const char *part, const char *fp)
{
	struct cdp_buf d = { 0 }, path = { 0 };
	struct phead h, now;
	const unsigned char *p;
	struct stat st;
	size_t need, len;
	void *m;
	int fd;

	emit_dir(&d, dir);
	precs_path(&path, d.p, part);
	cdp_buf_free(&d);
	if ((fd = open(path.p, O_RDONLY)) == -1) {
		if (errno != ENOENT)
			cdp_die(EX_NOINPUT, path.p, 0, "cannot open: %s",
			    strerror(errno));
		cdp_buf_free(&path);
		return 0;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		cdp_die(EX_NOINPUT, path.p, 0, "cannot open: not a file");
	len = (size_t)st.st_size;
	if ((m = (void *)cdp_map_input(fd, st.st_size, 0, path.p)) == NULL) {
		size_t got = 0;
		ssize_t r;

		m = cdp_xmalloc(len ? len : 1);
		while (got < len && (r = read(fd, (char *)m + got,
		    len - got)) > 0)
			got += (size_t)r;
		if (got != len)
			cdp_die(EX_IOERR, path.p, 0, "read error");
		pr->maplen = 0;
	} else
		pr->maplen = len;
	close(fd);
	if (len < sizeof(h))
		bad(path.p, "not a records file of this version of cdp-merge");
	memcpy(&h, m, sizeof(h));
	if (memcmp(h.magic, PRECS_MAGIC, sizeof(h.magic)) != 0 ||
	    h.order != PRECS_ORDER)
		bad(path.p, "not a records file of this version of cdp-merge");
	if (memcmp(h.fp, fp, sizeof(h.fp)) != 0)
		bad(path.p, "written with other options or another key");
	if (strncmp(h.part, part, sizeof(h.part)) != 0)
		bad(path.p, "the records file of another part");
	head_stat(&now, file);
	if (now.size != h.size || now.mtime_sec != h.mtime_sec ||
	    now.mtime_nsec != h.mtime_nsec)
		cdp_die(EX_DATAERR, file, 0, "--apply-map: the input changed "
		    "since --emit-links read it (its size or modification "
		    "time)");
	need = sizeof(h) + (2 * h.nrecs + 1 + h.nedges) * 4;
	need += (8 - need % 8) % 8 + h.nnodes * 16;
	if (h.nrecs >= UINT32_MAX || h.nedges >= UINT32_MAX ||
	    h.nnodes >= UINT32_MAX || need != len)
		bad(path.p, "a records file cut short");
	p = (const unsigned char *)m + sizeof(h);
	pr->map = m;
	pr->line = (const uint32_t *)p;
	pr->off = pr->line + h.nrecs;
	pr->edges = pr->off + h.nrecs + 1;
	pr->tok = (const unsigned char *)m + len - h.nnodes * 16;
	pr->nrecs = h.nrecs;
	pr->nnodes = h.nnodes;
	pr->nedges = h.nedges;
	pr->cur = 0;
	for (size_t k = 0; k < pr->nrecs; k++)
		if (pr->off[k] > pr->off[k + 1] || (k > 0 && (pr->line[k] &
		    ~PRECS_PLAIN) <= (pr->line[k - 1] & ~PRECS_PLAIN)))
			bad(path.p, "a records file out of order");
	if (pr->off[0] != 0 || pr->off[pr->nrecs] != pr->nedges)
		bad(path.p, "a records file out of order");
	for (size_t e = 0; e < pr->nedges; e++)
		if (pr->edges[e] >= pr->nnodes)
			bad(path.p, "a records file out of order");
	cdp_buf_free(&path);
	return 1;
}

long
precs_find(struct precs *pr, long lineno)
{
	while (pr->cur < pr->nrecs && (long)(pr->line[pr->cur] &
	    ~PRECS_PLAIN) < lineno)
		pr->cur++;
	if (pr->cur < pr->nrecs && (long)(pr->line[pr->cur] &
	    ~PRECS_PLAIN) == lineno)
		return (long)pr->cur++;
	return -1;
}

bool
precs_plain(const struct precs *pr, size_t r)
{
	return (pr->line[r] & PRECS_PLAIN) != 0;
}

struct cdp_key128
precs_tok(const struct precs *pr, uint32_t i)
{
	uint64_t k[2];

	memcpy(k, pr->tok + (size_t)i * 16, sizeof(k));
	return (struct cdp_key128){ .hi = k[0], .lo = k[1] };
}

void
precs_close(struct precs *pr)
{
	if (pr->map == NULL)
		return;
	if (pr->maplen > 0)
		cdp_map_free(pr->map, pr->maplen);
	else
		free(pr->map);
	pr->map = NULL;
}
