/*
 * jfile.c - writing and reading the files of cdp-merge's join folders
 * (see jfile.h for their shape).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "diag.h"
#include "jfile.h"
#include "lines.h"
#include "token.h"
#include "xalloc.h"

#define MAGIC	"#cdp-merge-join"
/* The files' version: 3 since a map slice's line may be a token alone
 * (2: the S and N lines give parts by number). */
#define VERSION	'3'

/* Multiply-shift of the high half: no modulo bias for small counts. */
static int
reduce(uint64_t h, int buckets)
{
	return (int)(((h >> 32) * (uint64_t)buckets) >> 32);
}

int
jf_bucket(struct cdp_key128 k, int buckets)
{
	return reduce(k.hi, buckets);
}

int
jf_bucket_text(const char *s, size_t n, int buckets)
{
	return reduce(XXH3_64bits(s, n), buckets);
}

bool
jf_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= JF_NAMEMAX || s[0] == '.' || s[0] == '-' ||
	    s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

void
jf_mkdir(const char *path)
{
	char *p = cdp_xstrdup(path);

	for (char *s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			cdp_die(EX_CANTCREAT, p, 0, "cannot create: %s",
			    strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
}

static void
put_raw(struct jf *f, const char *p, size_t n)
{
	struct cdp_err err;

	if (cdp_out_write(f->o, p, n, &err) == -1)
		cdp_die_err(&err, NULL, 0);
}

void
jf_open(struct jf *f, const char *dir, const char *name,
    const struct jhead *h)
{
	struct cdp_buf b = { 0 };
	struct cdp_err err;

	jf_mkdir(dir);
	if (cdp_buf_addf(&b, "%s/%s", dir, name) == -1)
		cdp_oom(0);
	if ((f->o = cdp_out_open(b.p, &err)) == NULL)
		cdp_die_err(&err, NULL, 0);
	f->lines = 0;
	cdp_buf_reset(&b);
	if (cdp_buf_addf(&b, "%s\t%c\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%llu\n",
	    MAGIC, VERSION, h->phase, h->buckets, h->from, h->opts, h->settled,
	    h->prior, h->gather, h->count) == -1)
		cdp_oom(0);
	put_raw(f, b.p, b.len);
	cdp_buf_free(&b);
}

void
jf_put(struct jf *f, const struct cdp_buf *b)
{
	put_raw(f, b->p, b->len);
	put_raw(f, "\n", 1);
	f->lines++;
}

void
jf_close(struct jf *f)
{
	struct cdp_err err;

	if (f->o != NULL && cdp_out_close(f->o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	f->o = NULL;
}

void
jfset_open(struct jfset *s, const char *dir, const char *name,
    const struct jhead *h)
{
	struct cdp_buf d = { 0 };

	s->n = h->buckets;
	s->f = cdp_xcalloc((size_t)s->n, sizeof(*s->f));
	s->lines = 0;
	for (int b = 0; b < s->n; b++) {
		cdp_buf_reset(&d);
		if (cdp_buf_addf(&d, "%s/to-%d", dir, b) == -1)
			cdp_oom(0);
		jf_open(&s->f[b], d.p, name, h);
	}
	cdp_buf_free(&d);
}

void
jfset_put(struct jfset *s, int bucket, const struct cdp_buf *b)
{
	jf_put(&s->f[bucket], b);
	s->lines++;
}

void
jfset_close(struct jfset *s)
{
	for (int b = 0; b < s->n; b++)
		jf_close(&s->f[b]);
	free(s->f);
	s->f = NULL;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
jf_list(const char *dir, char ***names)
{
	struct dirent *e;
	size_t n = 0, cap = 0;
	char **v = NULL;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		cdp_die(EX_NOINPUT, dir, 0, "cannot open the folder: %s",
		    strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		cdp_xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = cdp_xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return n;
}

void
jf_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Split l->... p[0..n) at TABs into l.  Returns 0, or -1 (too many). */
static int
split(struct jline *l, const char *p, size_t n)
{
	const char *end = p + n;

	l->nf = 0;
	for (;;) {
		const char *t = memchr(p, '\t', (size_t)(end - p));

		if (l->nf == JF_MAXFIELDS)
			return -1;
		l->f[l->nf] = p;
		l->n[l->nf++] = (size_t)((t != NULL ? t : end) - p);
		if (t == NULL)
			return 0;
		p = t + 1;
	}
}

static void
copy_field(char *dst, size_t cap, const struct jline *l, int i)
{
	size_t n = l->n[i] < cap - 1 ? l->n[i] : cap - 1;

	memcpy(dst, l->f[i], n);
	dst[n] = '\0';
}

static void
parse_head(const struct jline *l, const char *want, struct jhead *h)
{
	if (l->nf != 10 || l->n[0] != strlen(MAGIC) ||
	    memcmp(l->f[0], MAGIC, l->n[0]) != 0)
		cdp_die(EX_DATAERR, l->file, 1, "not a file of cdp-merge's "
		    "join");
	if (l->n[1] != 1 || l->f[1][0] != VERSION)
		cdp_die(EX_DATAERR, l->file, 1, "a join file of another "
		    "version of cdp-merge");
	copy_field(h->phase, sizeof(h->phase), l, 2);
	h->buckets = (int)jl_num(l, 3);
	copy_field(h->from, sizeof(h->from), l, 4);
	copy_field(h->opts, sizeof(h->opts), l, 5);
	h->settled = jl_num(l, 6) != 0;
	h->prior = jl_num(l, 7) != 0;
	h->gather = jl_num(l, 8) != 0;
	h->count = jl_num(l, 9);
	if (h->buckets < 1 || h->buckets > JF_MAXB)
		jl_bad(l, "bucket count out of range");
	if (want != NULL && strcmp(h->opts, want) != 0)
		cdp_die(EX_DATAERR, l->file, 1, "written with other options "
		    "(--ids, --normalize, --default-country, --date-format, "
		    "ignore lists, --max-degree, --max-cluster, the key "
		    "file or --id-key-file): every phase must take the same");
}

static unsigned long long
read_all(const char *path, const char *want, struct jhead *h,
    int (*fn)(void *, const struct jline *, const char **), void *ctx)
{
	unsigned long long n = 0;
	struct cdp_lines *in;
	struct cdp_line ln;
	struct cdp_err err;
	struct jline l = { .file = path, .head = h };
	const char *why;
	bool first = true;
	int rc;

	if ((in = cdp_lines_open(path, 0, &err)) == NULL)
		cdp_die_err(&err, path, 0);
	while ((rc = cdp_lines_next(in, &ln, &err)) == 1) {
		l.lineno = ln.lineno;
		if (ln.too_long || split(&l, ln.p, ln.len) == -1)
			jl_bad(&l, "line too long or too many fields");
		if (first) {
			parse_head(&l, want, h);
			first = false;
			if (fn == NULL)
				break;
			continue;
		}
		if (fn(ctx, &l, &why) == -1)
			jl_bad(&l, why);
		n++;
	}
	if (rc == -1)
		cdp_die_err(&err, path, 0);
	if (first)
		cdp_die(EX_DATAERR, path, 0, "an empty file where a join file "
		    "belongs");
	cdp_lines_close(in);
	return n;
}

unsigned long long
jf_read(const char *path, const char *want, struct jhead *h,
    int (*fn)(void *, const struct jline *, const char **), void *ctx)
{
	return read_all(path, want, h, fn, ctx);
}

/*
 * Only the header: a round reads every file's header before its lines,
 * and a reader of lines fills a buffer of a megabyte for it (a tenth of
 * a round's time).  A first line that is not plainly there (no '#' at
 * the start, no newline in the first bytes, a CR) goes the long way, so
 * that its message is the same.
 */
void
jf_read_head(const char *path, const char *want, struct jhead *h)
{
	char buf[1024];
	const char *nl;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) != -1) {
		while ((n = read(fd, buf, sizeof(buf))) == -1 && errno == EINTR)
			continue;
		close(fd);
		if (n > 0 && buf[0] == '#' && (nl = memchr(buf, '\n',
		    (size_t)n)) != NULL && nl[-1] != '\r') {
			struct jline l = { .file = path, .lineno = 1,
			    .head = h };

			if (split(&l, buf, (size_t)(nl - buf)) == 0) {
				parse_head(&l, want, h);
				return;
			}
		}
	}
	read_all(path, want, h, NULL, NULL);
}

_Noreturn void
jl_bad(const struct jline *l, const char *what)
{
	cdp_die(EX_DATAERR, l->file, l->lineno, "bad join file: %s", what);
}

struct cdp_key128
jl_key(const struct jline *l, int i)
{
	struct cdp_key128 k;

	if (i >= l->nf || key_parse(l->f[i], l->n[i], &k) == -1)
		jl_bad(l, "expected a key (22 characters)");
	return k;
}

uint64_t
jl_num(const struct jline *l, int i)
{
	uint64_t v = 0;

	if (i >= l->nf || l->n[i] == 0 || l->n[i] > 19)
		jl_bad(l, "expected a whole number");
	for (size_t j = 0; j < l->n[i]; j++) {
		char c = l->f[i][j];

		if (c < '0' || c > '9')
			jl_bad(l, "expected a whole number");
		v = v * 10 + (uint64_t)(c - '0');
	}
	return v;
}

void
jb_key(struct cdp_buf *b, struct cdp_key128 k)
{
	char text[TOKEN_TEXT];

	key_text(k, text);
	if (cdp_buf_add(b, text, sizeof(text)) == -1)
		cdp_oom(0);
}

void
jb_num(struct cdp_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (cdp_buf_add(b, tmp + sizeof(tmp) - n, (size_t)n) == -1)
		cdp_oom(0);
}

void
jb_str(struct cdp_buf *b, const char *s, size_t n)
{
	if (cdp_buf_add(b, s, n) == -1)
		cdp_oom(0);
}

void
jb_tab(struct cdp_buf *b)
{
	if (cdp_buf_addc(b, '\t') == -1)
		cdp_oom(0);
}
