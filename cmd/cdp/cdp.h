/* cdp.h - the umbrella command's run of the programs (exec.c). */
#ifndef CDP_H
#define CDP_H

#include <stddef.h>

/* A command name is lower-case letters and dashes, never a path:
 * returns 1 when s is one. */
int	cdp_command_valid(const char *s);

/*
 * Run cdp-argv[0] with argv[1...] (argv[0] becomes that name, written
 * into prog[0..size)), from the umbrella's own folder first, then PATH.
 * Returns only on failure, with the errno of the last attempt (ENOENT: no
 * such program).
 */
int	cdp_command_exec(char *argv[], char *prog, size_t size);

#endif
