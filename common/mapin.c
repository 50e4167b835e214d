/* mapin.c - input files read in place; see mapin.h. */
#include <sys/mman.h>
#include <sys/resource.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "mapin.h"
#include "out.h"

/* The file last mapped, for the message of on_bus(), and whether a
 * thread took the fault already: the mutable state here, as a signal
 * handler has no other way to find it (tests/arch.bats lists it). */
static const char *volatile bus_file;
static atomic_flag bus_once = ATOMIC_FLAG_INIT;

/*
 * A mapped input shrank under the run (another program truncated it):
 * reading past its new end raised SIGBUS.  Say so, remove the outputs'
 * temporary files and exit 74, as a read error does.
 */
static void
on_bus(int sig)
{
	static const char msg[] = ": input file shrank while being read "
	    "(truncated by another program?)\n";
	const char *prog = cdp_diag_prog(), *f = bus_file;
	ssize_t w = 0;

	(void)sig;
	/* every thread may fault: the first one speaks, the others wait
	 * for its exit */
	if (atomic_flag_test_and_set(&bus_once))
		for (;;)
			pause();
	if (prog != NULL)
		w |= write(STDERR_FILENO, prog, strlen(prog));
	w |= write(STDERR_FILENO, ": ", 2);
	if (f != NULL)
		w |= write(STDERR_FILENO, f, strlen(f));
	w |= write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	cdp_out_cleanup();
	_exit(EX_IOERR);
}

const char *
cdp_map_input(int fd, off_t size, size_t min, const char *name)
{
	const char *knob = getenv("CDP_MMAP");
	struct sigaction sa;
	struct rlimit rl;
	void *m;

	if (size <= 0 || (uintmax_t)size < min ||
	    (uintmax_t)size > SIZE_MAX / 2 ||
	    (knob != NULL && strcmp(knob, "0") == 0) ||
	    (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY))
		return NULL;
	m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	bus_file = name;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
	return m;
}

void
cdp_map_drop(const char *map, size_t from, size_t to)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	from = from / pg * pg;
	to = to / pg * pg;
	if (to > from)
		(void)madvise((void *)(uintptr_t)(map + from), to - from,
		    MADV_DONTNEED);
}

void
cdp_map_free(const char *map, size_t size)
{
	if (map != NULL)
		(void)munmap((void *)(uintptr_t)map, size);
}
