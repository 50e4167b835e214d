/*
 * lines.c - physical lines of a file or stdin, read in large blocks with
 * memchr() for the newlines, exact line numbers and a cap on line length.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "mapin.h"
#include "out.h"
#include "simd.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86	1
#include <immintrin.h>
#else
#define HAVE_X86	0
#endif

/* Read size and first buffer size; the fuzz build makes it small. */
#ifdef CDP_LINES_BLOCK
#define BLOCK	((size_t)CDP_LINES_BLOCK)
#else
#define BLOCK	((size_t)1 << 20)
#endif

struct cdp_lines {
	int	 fd;
	bool	 own_fd;	/* opened here, so closed here */
	char	*name;
	char	*buf;
	size_t	 cap;
	size_t	 start;		/* first byte not yet returned */
	size_t	 end;		/* end of the bytes read */
	off_t	 base;		/* input offset of buf[0] */
	off_t	 size;
	off_t	 limit;		/* cdp_lines_part(): no bytes from here, or -1 */
	off_t	 from, to;	/* the bytes read: the file, or its part; to
				   -1 when unknown */
	size_t	 max;
	long	 lineno;
	bool	 eof;
	bool	 bom_done;
	bool	 skipping;	/* dropping the rest of a too long line */
	bool	 avx2;		/* newlines searched 64 bytes at a time */
	/*
	 * A regular file may be read in place (map_in()): buf is then the
	 * whole file, base 0, eof set; lines that end before safe are handed
	 * out where they are, the rest is copied to heap, the buffer read(2)
	 * would fill (map_out()).  Pages before dropped are given back.
	 */
	bool	 can_map;
	const char *map;
	size_t	 mapsize;
	const char *safe;
	size_t	 dropped;
	char	*heap;
	bool	 last_cut;	/* map_out() cut the last line short */
};

/* Files smaller than this are read, not mapped. */
#define MAP_MIN		(2 * CDP_MAP_TAIL)
/* Read pages are given back this many bytes at a time. */
#define MAP_DROP	((size_t)1 << 20)

int
cdp_lines_check(char *const files[], int nfiles, off_t *total,
    const char **bad, struct cdp_err *err)
{
	*total = 0;
	for (int i = 0; i < nfiles; i++) {
		struct stat st;
		int fd, rc;

		*bad = files[i];
		/* Never read a file this run also writes. */
		if (cdp_out_check_input(files[i], err) == -1) {
			if (strcmp(files[i], "-") == 0)
				*bad = "<stdin>";
			return -1;
		}
		if (strcmp(files[i], "-") == 0) {
			*total = -1;
			continue;
		}
		/* A FIFO must not be opened twice: closing it again would
		 * throw away what its writer sent meanwhile. */
		if (stat(files[i], &st) == 0 && S_ISFIFO(st.st_mode)) {
			if (access(files[i], R_OK) == -1) {
				cdp_err_set(err, EX_NOINPUT, "cannot open: %s",
				    strerror(errno));
				return -1;
			}
			*total = -1;
			continue;
		}
		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC)) == -1) {
			cdp_err_set(err, EX_NOINPUT, "cannot open: %s",
			    strerror(errno));
			return -1;
		}
		rc = fstat(fd, &st);
		close(fd);
		if (rc == 0 && S_ISDIR(st.st_mode)) {
			cdp_err_set(err, EX_NOINPUT, "is a directory");
			return -1;
		}
		if (rc == -1 || !S_ISREG(st.st_mode))
			*total = -1;
		else if (*total >= 0)
			*total += st.st_size;
	}
	return 0;
}

int
cdp_lines_inputs(char ***files, int *nfiles, off_t *total,
    const char **bad, struct cdp_err *err)
{
	static char *const stdin_only[] = { (char *)"-" };

	if (*nfiles == 0) {
		*files = (char **)stdin_only;
		*nfiles = 1;
	}
	return cdp_lines_check(*files, *nfiles, total, bad, err);
}

struct cdp_lines *
cdp_lines_open(const char *path, size_t max_bytes, struct cdp_err *err)
{
	struct cdp_lines *l;
	struct stat st;
	int fd;

	if (cdp_out_check_input(path, err) == -1)
		return NULL;
	if (path == NULL || strcmp(path, "-") == 0)
		return cdp_lines_open_fd(STDIN_FILENO, "<stdin>", NULL, 0,
		    max_bytes, err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cdp_err_set(err, EX_NOINPUT, "cannot open: %s",
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		cdp_err_set(err, EX_NOINPUT, "cannot open: %s",
		    strerror(EISDIR));
		return NULL;
	}
	if ((l = cdp_lines_open_fd(fd, path, NULL, 0, max_bytes, err)) ==
	    NULL) {
		close(fd);
		return NULL;
	}
	l->own_fd = true;
	l->can_map = l->size >= (off_t)MAP_MIN;
	return l;
}

struct cdp_lines *
cdp_lines_open_fd(int fd, const char *name, const char *pre, size_t prelen,
    size_t max_bytes, struct cdp_err *err)
{
	struct cdp_lines *l;
	struct stat st;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto nomem;
	l->fd = fd;
	l->max = max_bytes ? max_bytes : CDP_MAX_RECORD_BYTES;
	l->cap = prelen > BLOCK ? prelen : BLOCK;
	l->size = -1;
	if ((l->name = strdup(name != NULL ? name : "<stdin>")) == NULL ||
	    (l->buf = malloc(l->cap)) == NULL)
		goto nomem;
	if (prelen > 0)
		memcpy(l->buf, pre, prelen);
	l->end = prelen;
	l->limit = -1;
	l->avx2 = cdp_simd_best() >= CDP_SIMD_AVX2;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		l->size = st.st_size;
	l->to = l->size;
#ifdef POSIX_FADV_SEQUENTIAL
	if (l->size >= 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	return l;
nomem:
	cdp_lines_close(l);
	cdp_err_set(err, EX_OSERR, "out of memory");
	return NULL;
}

/* Only spaces, tabs and CRs: a blank line, skipped. */
static bool
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/*
 * Before the first read: map the file (cdp_map_input()), the whole of it
 * or of its part (cdp_lines_part()) staged at once.  False when it is not
 * mapped: it is read then.
 */
static bool
map_in(struct cdp_lines *l)
{
	const char *m;

	l->can_map = false;
	if (l->start != 0 || l->end != 0 ||
	    (m = cdp_map_input(l->fd, l->size, MAP_MIN, l->name)) == NULL)
		return false;
	l->map = m;
	l->mapsize = (size_t)l->size;
	l->safe = m + l->mapsize - CDP_MAP_TAIL;
	l->heap = l->buf;
	l->buf = (char *)(uintptr_t)m;	/* only read */
	l->start = l->dropped = (size_t)l->base;
	l->end = l->limit >= 0 ? (size_t)l->limit : l->mapsize;
	l->base = 0;
	l->eof = true;
	return true;
}

/*
 * The line at start does not end before safe (or not at all): the rest
 * of the input goes to the heap buffer, as read(2) would have put it
 * there, and the file is unmapped.  A last line without a newline is
 * copied up to the cap and the byte after it, which makes it too long
 * as the cap's test wants.  Returns 0, or -1 when out of memory.
 */
static int
map_out(struct cdp_lines *l, bool nl, struct cdp_err *err)
{
	size_t n = l->end - l->start;
	char *p;

	if (!nl && n > l->max + 2) {
		/* Too long, even when blank in the bytes kept, as read(2)
		 * and the parallel reader (par.c) find a line with no end
		 * in sight: the blank test must not see only its start. */
		l->last_cut = true;
		n = l->max + 2;
	}
	if (n + 1 > l->cap) {
		if ((p = realloc(l->heap, n + 1)) == NULL) {
			cdp_err_set(err, EX_OSERR, "out of memory");
			return -1;
		}
		l->heap = p;
		l->cap = n + 1;
	}
	if (n > 0)
		memcpy(l->heap, l->buf + l->start, n);
	l->heap[n] = '\0';
	cdp_map_free(l->map, l->mapsize);
	l->map = NULL;
	l->buf = l->heap;
	l->heap = NULL;
	l->base = (off_t)l->start;
	l->start = 0;
	l->end = n;
	return 0;
}

/*
 * Read more input after the pending bytes, moving them to the front and
 * growing the buffer (up to the line cap) when they fill it.  Returns 1,
 * 0 at end of input, or -1 on a read error.
 */
static int
fill(struct cdp_lines *l, struct cdp_err *err)
{
	size_t pending = l->end - l->start, cap;
	ssize_t n;
	char *p;

	if (l->can_map && map_in(l))
		return 1;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, pending);
		l->base += (off_t)l->start;
		l->start = 0;
		l->end = pending;
	}
	if (l->end == l->cap) {
		cap = l->cap * 2;
		if ((p = realloc(l->buf, cap)) == NULL) {
			cdp_err_set(err, EX_OSERR, "out of memory");
			return -1;
		}
		l->buf = p;
		l->cap = cap;
	}
	cap = l->cap - l->end;
	if (l->limit >= 0 && (off_t)cap > l->limit - l->base - (off_t)l->end)
		cap = (size_t)(l->limit - l->base - (off_t)l->end);
	n = 0;
	while (cap > 0 && (n = read(l->fd, l->buf + l->end, cap)) == -1 &&
	    errno == EINTR)
		continue;
	if (n == -1) {
		cdp_err_set(err, EX_IOERR, "read error: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		l->eof = true;
		return 0;
	}
	l->end += (size_t)n;
	return 1;
}

/*
 * Skip a byte order mark at the very start of the input; reads until
 * three bytes are there (or the input ends).
 */
static int
skip_bom(struct cdp_lines *l, struct cdp_err *err)
{
	while (l->end - l->start < 3 && !l->eof)
		if (fill(l, err) == -1)
			return -1;
	if (l->end - l->start >= 3 &&
	    memcmp(l->buf + l->start, "\xEF\xBB\xBF", 3) == 0)
		l->start += 3;
	l->bom_done = true;
	return 0;
}

/*
 * Hand out the line buf[start..start+len), which ended with a newline
 * when nl is true.  Returns 1, or 0 when it is blank and skipped.
 */
static int
emit(struct cdp_lines *l, size_t len, bool nl, struct cdp_line *out)
{
	const char *p = l->buf + l->start;

	l->start += len + nl;
	l->lineno++;
	if (nl && len > 0 && p[len - 1] == '\r')
		len--;
	if (len > 0 && p[0] == '{')	/* the usual case, no blank check */
		;
	else if (!l->last_cut && blank(p, len))
		return 0;
	out->p = p;
	out->len = len > l->max ? l->max : len;
	out->too_long = len > l->max;
	out->lineno = l->lineno;
	return 1;
}

#if HAVE_X86
/*
 * memchr(p, '\n', n) for lines of a few hundred bytes: 64 bytes a step
 * without the set-up of a general memchr, the rest by memchr.
 */
__attribute__((target("avx2,bmi")))
static char *
newline_avx2(char *p, size_t n)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	char *end = p + n;

	for (; end - p >= 64; p += 64) {
		uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		    _mm256_loadu_si256((const __m256i *)(void *)p), nl));
		uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		    _mm256_loadu_si256((const __m256i *)(void *)(p + 32)), nl));
		uint64_t m = a | (uint64_t)b << 32;

		if (m != 0)
			return p + __builtin_ctzll(m);
	}
	return memchr(p, '\n', (size_t)(end - p));
}
#endif

/* The first newline of p[0..n), or NULL. */
static inline char *
newline(const struct cdp_lines *l, char *p, size_t n)
{
#if HAVE_X86
	if (l->avx2)
		return newline_avx2(p, n);
#else
	(void)l;
#endif
	return n ? memchr(p, '\n', n) : NULL;
}

const char *
cdp_lines_newline(bool avx2, const char *p, size_t n)
{
#if HAVE_X86
	if (avx2)
		return newline_avx2((char *)(uintptr_t)p, n);
#else
	(void)avx2;
#endif
	return n ? memchr(p, '\n', n) : NULL;
}

int
cdp_lines_next(struct cdp_lines *l, struct cdp_line *out,
    struct cdp_err *err)
{
	size_t pending, len;
	char *nl, *p;

	if (l->map != NULL && l->start - l->dropped >= MAP_DROP) {
		cdp_map_drop(l->map, l->dropped, l->start);
		l->dropped = l->start;
	}
	/* The usual line: whole in the buffer, starts with '{', no CR. */
	p = l->buf + l->start;
	if (l->bom_done && !l->skipping && (nl = newline(l, p,
	    l->end - l->start)) != NULL && (len = (size_t)(nl - p)) > 0 &&
	    p[0] == '{' && nl[-1] != '\r' && len <= l->max &&
	    (l->map == NULL || nl < l->safe)) {
		l->start += len + 1;
		out->p = p;
		out->len = len;
		out->too_long = false;
		out->lineno = ++l->lineno;
		return 1;
	}
	if (!l->bom_done && skip_bom(l, err) == -1)
		return -1;
	for (;;) {
		pending = l->end - l->start;
		nl = newline(l, l->buf + l->start, pending);
		if (l->map != NULL && (nl == NULL || nl >= l->safe)) {
			if (map_out(l, nl != NULL, err) == -1)
				return -1;
			continue;
		}
		if (nl != NULL && l->skipping) {
			l->start = (size_t)(nl - l->buf) + 1;
			l->skipping = false;
			continue;
		}
		if (nl != NULL) {
			if (emit(l, (size_t)(nl - l->buf) - l->start, true, out))
				return 1;
			continue;
		}
		if (l->skipping)
			l->start = l->end;
		else if (l->eof && pending > 0)
			return emit(l, pending, false, out) ? 1 : 0;
		else if (pending > l->max && pending - l->max > 1) {
			/*
			 * No newline within the cap (plus room for a CR):
			 * return a prefix now and drop the rest as it comes.
			 */
			out->p = l->buf + l->start;
			out->len = l->max;
			out->too_long = true;
			out->lineno = ++l->lineno;
			l->start = l->end;
			l->skipping = true;
			return 1;
		}
		if (l->eof)
			return 0;
		if (fill(l, err) == -1)
			return -1;
	}
}

const char *
cdp_lines_name(const struct cdp_lines *l)
{
	return l->name;
}

/* The offset of the first line that starts at x or after it (a line
 * starts at 0 and after every newline), size when none does. */
static int
line_start(int fd, off_t x, off_t size, off_t *at)
{
	char buf[1 << 16];
	ssize_t n;
	char *nl;

	if (x <= 0 || x >= size) {
		*at = x <= 0 ? 0 : size;
		return 0;
	}
	/* From the byte before x: a newline there makes x a start. */
	for (x--; x < size; x += n) {
		while ((n = pread(fd, buf, sizeof(buf), x)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL) {
			*at = x + (nl - buf) + 1;
			return 0;
		}
	}
	*at = size;
	return 0;
}

/* size * k / n without overflow (k <= n). */
static off_t
nth(off_t size, long k, long n)
{
	return size / n * k + size % n * k / n;
}

int
cdp_lines_part(struct cdp_lines *l, long k, long n, struct cdp_err *err)
{
	off_t from, to;
	char *name;
	size_t size;

	if (l->size < 0 || l->base != 0 || l->end != 0 || k < 1 || k > n) {
		cdp_err_set(err, EX_USAGE, "a part K/N of a regular file only");
		return -1;
	}
	if (line_start(l->fd, nth(l->size, k - 1, n), l->size, &from) == -1 ||
	    line_start(l->fd, nth(l->size, k, n), l->size, &to) == -1 ||
	    lseek(l->fd, from, SEEK_SET) == -1) {
		cdp_err_set(err, EX_IOERR, "read error: %s", strerror(errno));
		return -1;
	}
	/* Line numbers count from the part's start: say so in messages. */
	size = strlen(l->name) + 48;
	if ((name = malloc(size)) == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	snprintf(name, size, "%s[%ld/%ld]", l->name, k, n);
	free(l->name);
	l->name = name;
	l->base = l->from = from;
	l->limit = l->to = to;
	/* A byte order mark can only open the whole input. */
	l->bom_done = from > 0;
	return 0;
}

off_t
cdp_lines_offset(const struct cdp_lines *l)
{
	return l->base + (off_t)l->start;
}

off_t
cdp_lines_size(const struct cdp_lines *l)
{
	return l->size;
}

off_t
cdp_lines_from(const struct cdp_lines *l)
{
	return l->from;
}

off_t
cdp_lines_to(const struct cdp_lines *l)
{
	return l->to;
}

void
cdp_lines_close(struct cdp_lines *l)
{
	if (l == NULL)
		return;
	if (l->own_fd)
		close(l->fd);
	if (l->map != NULL) {
		cdp_map_free(l->map, l->mapsize);
		l->buf = l->heap;
	}
	free(l->name);
	free(l->buf);
	free(l);
}
