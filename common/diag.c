/* diag.c - diagnostics: program name, "prog: file:line: message", exits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"

static const char *diag_prog = "cdp";
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

void
cdp_diag_init(const char *prog)
{
	diag_prog = prog;
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
