/*
 * cdp - the umbrella command: "cdp ingest ARGS" runs "cdp-ingest ARGS",
 * like git, taking the program from cdp's own folder first, then PATH.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "opts.h"
#include "cdp.h"

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

int
main(int argc, char *argv[])
{
	static char help[] = "--help";
	char prog[80], *args[] = { NULL, NULL, help, NULL };
	const char *name;
	int e;

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
	if (!cdp_command_valid(name = argv[1]))
		cdp_usage_die(usage, "not a command name: \"%s\"", name);
	if ((e = cdp_command_exec(argv + 1, prog, sizeof(prog))) == ENOENT)
		cdp_usage_die(usage, "\"%s\" is not a cdp command", name);
	cdp_die(EX_OSERR, NULL, 0, "cdp-%s: cannot run: %s", name,
	    strerror(e));
}
