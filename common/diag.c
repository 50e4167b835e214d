/* diag.c - diagnostics: program name, "prog: file:line: message", exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

static struct timespec diag_wall, diag_mono;	/* when the run started */
static const char *diag_prog = "cdp";
static const char *diag_cmd = "cdp";	/* "cdp-score rfm" in usage errors */
static bool diag_verbose;
static void (*diag_hook)(void);

void
cdp_err_set(struct cdp_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/*
 * A descriptor among 0-2 that the caller closed would be handed to the
 * next file the program opens: a closed stdout would make the rejects
 * file receive the output records.  Each closed one gets /dev/null,
 * opened in the other direction (stdin write-only, stdout and stderr
 * read-only), so the slot is taken and its use still fails with EBADF,
 * as the closed descriptor would have: output to a closed stdout is a
 * write error (74), never a silent loss.
 */
static void
hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (got != fd) {
			/* No /dev/null: refuse rather than run with a hole. */
			if (got != -1)
				close(got);
			_exit(EX_OSERR);
		}
	}
}

void
cdp_diag_init(const char *prog)
{
	hold_std_fds();
	clock_gettime(CLOCK_REALTIME, &diag_wall);
	clock_gettime(CLOCK_MONOTONIC, &diag_mono);
	diag_prog = prog;
	diag_cmd = prog;
}

void
cdp_diag_started(struct timespec *wall, struct timespec *mono)
{
	*wall = diag_wall;
	*mono = diag_mono;
}

void
cdp_diag_command(const char *cmd)
{
	diag_cmd = cmd;
}

const char *
cdp_diag_cmd(void)
{
	return diag_cmd;
}

const char *
cdp_diag_prog(void)
{
	return diag_prog;
}

void
cdp_diag_set_verbose(bool on)
{
	diag_verbose = on;
}

bool
cdp_diag_verbose(void)
{
	return diag_verbose;
}

void
cdp_diag_on_exit(void (*fn)(void))
{
	diag_hook = fn;
}

static void
vwarn_at(const char *file, long line, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", diag_prog);
	if (file != NULL && line > 0)
		fprintf(stderr, "%s:%ld: ", file, line);
	else if (file != NULL)
		fprintf(stderr, "%s: ", file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cdp_warn(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_at(file, line, fmt, ap);
	va_end(ap);
}

void
cdp_die(int code, const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	/* Output written before the failure goes out before the message. */
	if (diag_hook != NULL)
		diag_hook();
	va_start(ap, fmt);
	vwarn_at(file, line, fmt, ap);
	va_end(ap);
	/*
	 * A fatal error: flush stdio and leave without running exit
	 * handlers, which would only tidy memory (and make the leak checker
	 * of sanitizer builds report what the failed run still held).
	 */
	fflush(NULL);
	_exit(code);
}

void
cdp_die_err(const struct cdp_err *err, const char *file, long line)
{
	cdp_die(err->code ? err->code : EX_SOFTWARE, file, line, "%s",
	    err->msg);
}
