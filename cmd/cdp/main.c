/*
 * cdp - the umbrella command: "cdp ingest ARGS" runs "cdp-ingest ARGS",
 * like git, taking the program from cdp's own folder first, then PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "opts.h"

static const char usage[] =
"usage: cdp COMMAND [ARGS...]\n"
"Run the cdpipe program cdp-COMMAND with ARGS.\n"
"\n"
"  ingest    CSV, TSV, NDJSON, JSON arrays -> normalized NDJSON records\n"
"  dedupe    drop or mark duplicate records (exact or fuzzy)\n"
"  merge     identity resolution: profile_id, unified profiles\n"
"  segment   filter or tag records with rule expressions\n"
"  score     RFM, customer lifetime value, model scores, lead points\n"
"  report    field profiles, grouped KPIs, funnels, cohorts, attribution\n"
"  journey   journey stages, triggers and next best action, with state\n"
"  export    audience files for ad and messaging platforms\n"
"  partition split records by a stable hash of a key, for scale-out\n"
"  join      attach the fields of a keyed file (profiles, scores) to records\n"
"\n"
"  help [COMMAND]   this help, or the help of COMMAND\n"
"  -h, --help       this help\n"
"  -V, --version    version\n"
"See cdp-COMMAND --help and cdpipe(7).\n";

/* A command name is lower-case letters and dashes: never a path. */
static int
valid_command(const char *s)
{
	if (*s == '\0' || *s == '-' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if ((*s < 'a' || *s > 'z') && *s != '-')
			return 0;
	return 1;
}

/* Run prog from the folder of this executable, if it is there. */
static void
exec_beside_self(const char *prog, char *argv[])
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/%s", self, prog);
	if (access(path, X_OK) == 0)
		execv(path, argv);
}

int
main(int argc, char *argv[])
{
	static char help[] = "--help";
	char prog[80], *args[] = { NULL, NULL, help, NULL };

	cdp_diag_init("cdp");
	if (argc < 2)
		cdp_usage_die(usage, "missing command");
	/* "cdp help COMMAND" is "cdp-COMMAND --help", as with git. */
	if (strcmp(argv[1], "help") == 0 && argc == 3) {
		args[0] = argv[0];
		args[1] = argv[2];
		argv = args;
	} else if (strcmp(argv[1], "help") == 0 && argc > 3)
		cdp_usage_die(usage, "help: one command at a time");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("cdp (cdpipe) %s\n", CDP_VERSION);
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	}
	if (!valid_command(argv[1]))
		cdp_usage_die(usage, "not a command name: \"%s\"", argv[1]);
	snprintf(prog, sizeof(prog), "cdp-%s", argv[1]);
	argv[1] = prog;
	exec_beside_self(prog, argv + 1);
	execvp(prog, argv + 1);
	if (errno == ENOENT)
		cdp_usage_die(usage, "\"%s\" is not a cdp command", prog + 4);
	cdp_die(EX_OSERR, NULL, 0, "%s: cannot run: %s", prog,
	    strerror(errno));
}
