/*
 * out.c - buffered output with atomic rename and quiet EPIPE; the files a
 * run claims, so that no output is another output or an input.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"

#define OUT_BUFSZ	(256 * 1024)

struct cdp_out {
	int	 fd;
	unsigned long claim;	/* its claim (0: none), released at close */
	bool	 direct;	/* a device or FIFO opened by name */
	bool	 line;		/* line mode: flush at each newline */
	char	*path;		/* final name, NULL for stdout */
	char	*tmp;		/* temporary name, NULL for stdout */
	char	*buf;
	size_t	 len;
	struct cdp_out *next, *prev;	/* the open outputs (open_outs) */
};

/*
 * The open outputs, however many (cdp-partition opens one per part), for
 * removal of their temporary files when the program dies or gets
 * SIGINT/SIGTERM: a list through the outputs themselves, so that tracking
 * one never allocates.  The only mutable state of common/ besides diag:
 * an exit path has no other way to find them.
 */
static struct cdp_out *open_outs;

static void
track(struct cdp_out *o, int on)
{
	if (on) {
		o->prev = NULL;
		o->next = open_outs;
		if (open_outs != NULL)
			open_outs->prev = o;
		open_outs = o;
		return;
	}
	if (o->next != NULL)
		o->next->prev = o->prev;
	if (o->prev != NULL)
		o->prev->next = o->next;
	else if (open_outs == o)
		open_outs = o->next;
	o->next = o->prev = NULL;
}

void
cdp_out_cleanup(void)
{
	for (struct cdp_out *o = open_outs; o != NULL; o = o->next) {
		if (o->tmp != NULL) {
			unlink(o->tmp);
			continue;
		}
		/*
		 * Standard output and devices keep what was written before
		 * the failure, as if unbuffered; errors no longer matter.
		 */
		for (size_t off = 0; off < o->len;) {
			ssize_t w = write(o->fd, o->buf + off, o->len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		o->len = 0;
	}
}

/*
 * The files this run reads and writes, by identity: the file itself
 * (device and inode, when it exists) and, for an output that may not
 * exist yet, its folder (device and inode) and name.  Names are never
 * compared as text: "x", "./x", a symbolic link and a hard link to x are
 * one file.  Devices, FIFOs and anything under /dev (/dev/null,
 * /dev/stdout) are not claimed: writing there twice loses nothing.
 * Process-wide state, like open_outs: an output is claimed where it is
 * opened and an input where it is checked, far apart in a program.
 */
enum claim_kind { CLAIM_INPUT, CLAIM_PLAN, CLAIM_OUTPUT };

struct claim {
	unsigned long	 serial;	/* for cdp_out_close() to let go */
	enum claim_kind	 kind;
	const char	*role;	/* "-o", "--rejects", ...; NULL: none */
	char		*name;	/* as given, for messages */
	bool		 file;	/* dev/ino are the file's */
	dev_t		 dev;
	ino_t		 ino;
	bool		 named;	/* ddev/dino/base: folder and name */
	dev_t		 ddev;
	ino_t		 dino;
	char		*base;
};

static struct claim *claims;
static size_t nclaims, claimcap;
static unsigned long last_serial;

/* Folder and last name of path (after its symbolic link, as
 * cdp_out_open() writes there) into c. */
static void
ident_named(const char *path, struct claim *c)
{
	struct stat st;
	char *real = NULL, *dir;
	const char *p = path, *slash;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (real = realpath(path, NULL)) != NULL)
		p = real;
	slash = strrchr(p, '/');
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == p)
		dir = strdup("/");
	else
		dir = strndup(p, (size_t)(slash - p));
	if (dir != NULL && stat(dir, &st) == 0 &&
	    (c->base = strdup(slash ? slash + 1 : p)) != NULL) {
		c->named = true;
		c->ddev = st.st_dev;
		c->dino = st.st_ino;
	}
	free(dir);
	free(real);
}

/*
 * The identity of path (NULL or "-": fd, standard input or output) into
 * c.  Returns false when there is nothing to claim: a device, FIFO,
 * socket or folder, a path under /dev, or a file that does not exist
 * (for an input: opening it will fail and say so).
 */
static bool
ident(const char *path, int fd, bool output, struct claim *c)
{
	struct stat st;
	int rc;

	*c = (struct claim){ 0 };
	if (path == NULL || strcmp(path, "-") == 0)
		rc = fstat(fd, &st);
	else if (strncmp(path, "/dev/", 5) == 0)
		return false;
	else
		rc = stat(path, &st);
	if (rc == 0 && !S_ISREG(st.st_mode))
		return false;
	if (rc == 0) {
		c->file = true;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (output && path != NULL && strcmp(path, "-") != 0)
		ident_named(path, c);
	return c->file || c->named;
}

static bool
same(const struct claim *a, const struct claim *b)
{
	if (a->file && b->file && a->dev == b->dev && a->ino == b->ino)
		return true;
	return a->named && b->named && a->ddev == b->ddev &&
	    a->dino == b->dino && strcmp(a->base, b->base) == 0;
}

/* "the input F", "the -o file F", "standard output", ... for messages. */
static void
describe(const struct claim *c, char *buf, size_t n)
{
	if (c->name == NULL)
		snprintf(buf, n, "%s", c->kind == CLAIM_INPUT ?
		    "standard input" : "standard output");
	else if (c->kind == CLAIM_INPUT)
		snprintf(buf, n, "the input %s", c->name);
	else if (c->role != NULL)
		snprintf(buf, n, "the %s file %s", c->role, c->name);
	else
		snprintf(buf, n, "the output %s", c->name);
}

static void
claim_free(struct claim *c)
{
	free(c->name);
	free(c->base);
}

/*
 * Check c against every claim so far and add it.  An output opened under
 * the very name of an unclaimed plan takes that plan over.  Returns 0, or
 * -1 with err set (EX_USAGE) naming the other file.
 */
static int
claim(struct claim *c, const char *name, struct cdp_err *err)
{
	struct claim *plan = NULL;
	char what[PATH_MAX + 32];

	for (size_t i = 0; i < nclaims; i++) {
		struct claim *o = &claims[i];

		if (c->kind == CLAIM_INPUT && o->kind == CLAIM_INPUT) {
			/* Read twice (checked, then opened): one claim. */
			if (same(c, o) && (name == NULL) == (o->name == NULL)
			    && (name == NULL || strcmp(name, o->name) == 0)) {
				claim_free(c);
				return 0;
			}
			continue;
		}
		if (!same(c, o))
			continue;
		if (c->kind == CLAIM_OUTPUT && o->kind == CLAIM_PLAN &&
		    plan == NULL && name != NULL && strcmp(o->name, name) == 0) {
			plan = o;
			continue;
		}
		/* An input's reader names the input before the message, as
		 * for "cannot open"; an output's message names it. */
		describe(o, what, sizeof(what));
		if (c->kind == CLAIM_INPUT)
			cdp_err_set(err, EX_USAGE, "is also %s", what);
		else
			cdp_err_set(err, EX_USAGE, "%s: is also %s",
			    name != NULL ? name : "<stdout>", what);
		claim_free(c);
		return -1;
	}
	if (plan != NULL) {
		const char *role = plan->role;

		claim_free(plan);
		*plan = *c;
		plan->role = role;
		plan->kind = CLAIM_OUTPUT;
		goto named;
	}
	if (nclaims == claimcap) {
		size_t cap = claimcap ? claimcap * 2 : 8;
		struct claim *p = realloc(claims, cap * sizeof(*p));

		if (p == NULL) {
			claim_free(c);
			cdp_err_set(err, EX_OSERR, "out of memory");
			return -1;
		}
		claims = p;
		claimcap = cap;
	}
	plan = &claims[nclaims++];
	*plan = *c;
named:
	plan->serial = ++last_serial;
	if (name != NULL && (plan->name = strdup(name)) == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Let go of claim serial: an output closed may be opened again (a
 * checkpoint rewritten); what is distinct is what is open at once.
 */
static void
unclaim(unsigned long serial)
{
	for (size_t i = 0; serial != 0 && i < nclaims; i++)
		if (claims[i].serial == serial) {
			claim_free(&claims[i]);
			claims[i] = claims[--nclaims];
			return;
		}
}

int
cdp_out_plan(const char *role, const char *path, struct cdp_err *err)
{
	struct claim c;

	/* Given twice, the last one counts. */
	for (size_t i = 0; i < nclaims; i++)
		if (claims[i].kind == CLAIM_PLAN &&
		    strcmp(claims[i].role, role) == 0) {
			claim_free(&claims[i]);
			claims[i] = claims[--nclaims];
			break;
		}
	if (path == NULL || strcmp(path, "-") == 0 ||
	    !ident(path, -1, true, &c))
		return 0;
	c.kind = CLAIM_PLAN;
	c.role = role;
	return claim(&c, path, err);
}

/* Claim an input or an output by name, or standard input or output for
 * "-" and NULL. */
static int
claim_path(const char *path, enum claim_kind kind, unsigned long *serial,
    struct cdp_err *err)
{
	struct claim c;
	bool std = path == NULL || strcmp(path, "-") == 0;
	bool out = kind == CLAIM_OUTPUT;
	unsigned long before = last_serial;

	*serial = 0;
	if (!ident(path, out ? STDOUT_FILENO : STDIN_FILENO, out, &c))
		return 0;
	c.kind = kind;
	if (claim(&c, std ? NULL : path, err) == -1)
		return -1;
	if (last_serial != before)
		*serial = last_serial;
	return 0;
}

int
cdp_out_check_input(const char *path, struct cdp_err *err)
{
	unsigned long serial;

	return claim_path(path, CLAIM_INPUT, &serial, err);
}

static void
on_signal(int sig)
{
	cdp_out_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers(void)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	cdp_diag_on_exit(cdp_out_cleanup);
}

/*
 * A temporary file younger than this may belong to a run that is still
 * starting (between mkstemp() and flock()); older ones held by no lock
 * are what a killed run left.
 */
#define STALE_SECS	(15 * 60)

/* True when name is ".BASE.XXXXXX", the name temp_name() makes for base. */
static bool
temp_of(const char *name, const char *base)
{
	size_t bl = strlen(base), nl = strlen(name);

	if (nl != bl + 8 || name[0] != '.' || memcmp(name + 1, base, bl) != 0 ||
	    name[bl + 1] != '.')
		return false;
	for (size_t i = bl + 2; i < nl; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

/*
 * Remove the temporary files that a killed run (SIGKILL, a crash, a power
 * cut) left beside path: only names this module makes for that very
 * output, regular files of ours, unchanged for STALE_SECS, that no running
 * program holds (each run keeps an flock() on its own).  Best effort:
 * anything in doubt stays.
 */
static void
remove_stale(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) :
	    strdup("./");
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;
	int dfd;

	if (dir == NULL || (d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		if (!temp_of(de->d_name, base) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    now - st.st_mtime < STALE_SECS)
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
		if (fd == -1)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)unlinkat(dfd, de->d_name, 0);
		close(fd);
	}
	closedir(d);
	free(dir);
}

static char *
temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *t;

	if ((t = malloc(n)) == NULL)
		return NULL;
	snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path,
	    path + dirlen);
	return t;
}

struct cdp_out *
cdp_out_open(const char *path, struct cdp_err *err)
{
	struct cdp_out *o;
	struct stat st;

	install_handlers();
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->buf = malloc(OUT_BUFSZ)) == NULL) {
		free(o);
		cdp_err_set(err, EX_OSERR, "out of memory");
		return NULL;
	}
	o->fd = STDOUT_FILENO;
	if (claim_path(path, CLAIM_OUTPUT, &o->claim, err) == -1)
		goto fail;
	if (path == NULL || strcmp(path, "-") == 0)
		goto done;
	/*
	 * A device, FIFO or socket (/dev/null, /dev/stdout, a named pipe) is
	 * written in place: renaming over it would replace it with a file.
	 * So is anything in /dev: /dev/stdout may lead to a regular file
	 * that the shell opened, and is appended to.
	 */
	if ((stat(path, &st) == 0 && !S_ISREG(st.st_mode)) ||
	    strncmp(path, "/dev/", 5) == 0) {
		if ((o->fd = open(path, O_WRONLY | O_APPEND)) == -1) {
			cdp_err_set(err, EX_CANTCREAT, "%s: cannot open: %s",
			    path, strerror(errno));
			goto fail;
		}
		if ((o->path = strdup(path)) == NULL) {
			close(o->fd);
			cdp_err_set(err, EX_OSERR, "out of memory");
			goto fail;
		}
		o->direct = true;
		goto done;
	}
	/* Through a symbolic link, replace the file it points to. */
	o->path = NULL;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		o->path = realpath(path, NULL);
	if (o->path == NULL)
		o->path = strdup(path);
	if (o->path == NULL || (o->tmp = temp_name(o->path)) == NULL) {
		cdp_err_set(err, EX_OSERR, "out of memory");
		goto fail;
	}
	remove_stale(o->path);
	if ((o->fd = mkstemp(o->tmp)) == -1) {
		cdp_err_set(err, EX_CANTCREAT, "%s: cannot create: %s", path,
		    strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	/* Held until the program ends: tells remove_stale() of other runs
	 * that this temporary is alive. */
	(void)flock(o->fd, LOCK_EX | LOCK_NB);
	/* mkstemp makes 0600; a normal output file follows the umask. */
	{
		mode_t um = umask(0);

		umask(um);
		fchmod(o->fd, 0666 & ~um);
	}
done:
	track(o, 1);
	return o;
fail:
	unclaim(o->claim);
	free(o->path);
	free(o->buf);
	free(o);
	return NULL;
}

static int
flush(struct cdp_out *o, struct cdp_err *err)
{
	size_t off = 0;

	while (off < o->len) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EPIPE && o->tmp == NULL) {
			cdp_out_cleanup();
			_exit(0);
		}
		if (w == -1) {
			cdp_err_set(err, EX_IOERR, "%s: write error: %s",
			    o->path ? o->path : "<stdout>", strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	o->len = 0;
	return 0;
}

void
cdp_out_line_mode(struct cdp_out *o, bool on)
{
	o->line = on;
}

int
cdp_out_write(struct cdp_out *o, const void *p, size_t n,
    struct cdp_err *err)
{
	if (o->len + n > OUT_BUFSZ) {
		if (flush(o, err) == -1)
			return -1;
		if (n > OUT_BUFSZ) {
			/* Write a big record straight from the caller. */
			char *keep = o->buf;
			int rc;

			o->buf = (char *)p;
			o->len = n;
			rc = flush(o, err);
			o->buf = keep;
			o->len = 0;
			return rc;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	if (o->line && n > 0 && ((const char *)p)[n - 1] == '\n')
		return flush(o, err);
	return 0;
}

static void
release(struct cdp_out *o)
{
	track(o, 0);
	unclaim(o->claim);
	free(o->path);
	free(o->tmp);
	free(o->buf);
	free(o);
}

int
cdp_out_close(struct cdp_out *o, struct cdp_err *err)
{
	const char *name;

	if (o == NULL)
		return 0;
	name = o->path ? o->path : "<stdout>";
	if (flush(o, err) == -1)
		goto fail;
	if (o->direct && close(o->fd) == -1) {
		cdp_err_set(err, EX_IOERR, "%s: write error: %s", name,
		    strerror(errno));
		o->direct = false;
		goto fail;
	}
	if (o->tmp == NULL) {
		release(o);
		return 0;
	}
	if (close(o->fd) == -1) {
		o->fd = -1;
		cdp_err_set(err, EX_IOERR, "%s: write error: %s", name,
		    strerror(errno));
		goto fail;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) == -1) {
		cdp_err_set(err, EX_CANTCREAT, "%s: cannot rename into place: "
		    "%s", name, strerror(errno));
		goto fail;
	}
	release(o);
	return 0;
fail:
	cdp_out_abort(o);
	return -1;
}

void
cdp_out_abort(struct cdp_out *o)
{
	if (o == NULL)
		return;
	if (o->tmp != NULL) {
		if (o->fd != -1)
			close(o->fd);
		unlink(o->tmp);
	} else if (o->direct) {
		close(o->fd);
	}
	release(o);
}
