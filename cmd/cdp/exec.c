/* exec.c - the umbrella's run of cdp-COMMAND: beside itself, else on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cdp.h"

/* A command name is lower-case letters and dashes: never a path. */
int
cdp_command_valid(const char *s)
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
	char self[PATH_MAX], path[PATH_MAX + 160];
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
cdp_command_exec(char *argv[], char *prog, size_t size)
{
	snprintf(prog, size, "cdp-%s", argv[0]);
	argv[0] = prog;
	exec_beside_self(prog, argv);
	execvp(prog, argv);
	return errno;
}
