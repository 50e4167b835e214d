/* out.c - buffered output with atomic rename and quiet EPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"

#define OUT_BUFSZ	(256 * 1024)
#define OUT_MAXOPEN	16

struct cdp_out {
	int	 fd;
	bool	 direct;	/* a device or FIFO opened by name */
	bool	 line;		/* line mode: flush at each newline */
	char	*path;		/* final name, NULL for stdout */
	char	*tmp;		/* temporary name, NULL for stdout */
	char	*buf;
	size_t	 len;
};

/*
 * The open temporary files, for removal when the program dies or gets
 * SIGINT/SIGTERM.  The only mutable state of common/ besides diag: an
 * exit path has no other way to find them.
 */
static struct cdp_out *open_outs[OUT_MAXOPEN];

static void
track(struct cdp_out *o, int on)
{
	for (int i = 0; i < OUT_MAXOPEN; i++) {
		if (on && open_outs[i] == NULL) {
			open_outs[i] = o;
			return;
		}
		if (!on && open_outs[i] == o) {
			open_outs[i] = NULL;
			return;
		}
	}
}

void
cdp_out_cleanup(void)
{
	for (int i = 0; i < OUT_MAXOPEN; i++) {
		struct cdp_out *o = open_outs[i];

		if (o == NULL)
			continue;
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
	if ((o->fd = mkstemp(o->tmp)) == -1) {
		cdp_err_set(err, EX_CANTCREAT, "%s: cannot create: %s", path,
		    strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
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
