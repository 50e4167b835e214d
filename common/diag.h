/* diag.h - diagnostics: "prog: file:line: message" and sysexits codes. */
#ifndef CDP_DIAG_H
#define CDP_DIAG_H

#include <stdbool.h>
#include <sysexits.h>

/*
 * Errors in common/ never exit: functions return -1 or NULL and fill a
 * struct cdp_err with a sysexits code and a message (lower case, no
 * period, no personal data).  Programs turn it into a message with
 * cdp_die_err().
 */
struct cdp_err {
	int	code;		/* EX_DATAERR, EX_NOINPUT, EX_IOERR, ... */
	char	msg[256];
};

/* Set err (which may be NULL) to code and a formatted message. */
void	cdp_err_set(struct cdp_err *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Record the program name used as prefix of every message.  Called first
 * in every program: it also makes descriptors 0-2 valid, so that a file
 * the program opens can never take the place of a closed stdin, stdout or
 * stderr; using a closed one still fails with EBADF (a closed stdout is a
 * write error, 74).  Exits 71 when /dev/null cannot be opened for that.
 */
void	cdp_diag_init(const char *prog);

/* When cdp_diag_init() ran: wall clock and monotonic clock. */
struct timespec;
void	cdp_diag_started(struct timespec *wall, struct timespec *mono);

/*
 * The command named in usage errors and in "Try 'CMD --help'": a program
 * with subcommands sets it to "cdp-score rfm" once it knows the
 * subcommand (a static string).  cdp_diag_init() sets it to the program.
 */
void	cdp_diag_command(const char *cmd);
const char *cdp_diag_cmd(void);

/* The name given to cdp_diag_init(). */
const char *cdp_diag_prog(void);

/* --verbose: messages may quote values (personal data) when set. */
void	cdp_diag_set_verbose(bool on);
bool	cdp_diag_verbose(void);

/*
 * Print "prog: file:line: message" on stderr.  file may be NULL and line
 * may be 0: the unknown parts are left out.
 */
void	cdp_warn(const char *file, long line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Like cdp_warn(), then exit with code (a sysexits value). */
_Noreturn void cdp_die(int code, const char *file, long line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Report err as from cdp_die() and exit with err->code. */
_Noreturn void cdp_die_err(const struct cdp_err *err, const char *file,
	    long line);

/*
 * Call fn just before any cdp_die() exits, to remove temporary output
 * files.  One hook per program; NULL removes it.
 */
void	cdp_diag_on_exit(void (*fn)(void));

#endif
