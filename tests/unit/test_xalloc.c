/*
 * test_xalloc.c - allocation that cannot fail: sizes, copies, growth, and
 * the exit 71 with its message when the allocator says no (in a child).
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "progress.h"
#include "xalloc.h"
#include "check.h"

/* Run fn in a child with stderr on a pipe: its status and message. */
static int
in_child(void (*fn)(void), char *msg, size_t size)
{
	int fd[2], st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe(fd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		fn();
		_exit(0);
	}
	close(fd[1]);
	while (got + 1 < size && (n = read(fd[0], msg + got,
	    size - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(fd[0]);
	/* ASan's allocator notes the failure first ("==PID==WARNING: ..."
	 * with allocator_may_return_null=1): not the program's message. */
	while (strncmp(msg, "==", 2) == 0 && strchr(msg, '\n') != NULL)
		memmove(msg, strchr(msg, '\n') + 1, strlen(strchr(msg, '\n')));
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
too_big(void)
{
	cdp_xmalloc(SIZE_MAX / 2);
}

static void
too_big_hint(void)
{
	cdp_oom_hint("partition the input first");
	cdp_xcalloc(SIZE_MAX / 4, 2);
}

static void
overflow(void)
{
	cdp_xreallocarray(NULL, SIZE_MAX / 2, 4);
}

static void
library_said_no(void)
{
	cdp_oom(0);
}

int
main(void)
{
	char msg[256], want[256];
	size_t cap = 0;
	int *a = NULL;
	char *s;

	cdp_diag_init("test_xalloc");
	s = cdp_xmalloc(0);
	CHECK(s != NULL, "malloc(0) is a real block");
	free(s);
	s = cdp_xstrndup("abcdef", 3);
	CHECK_STR(s, "abc");
	free(s);
	s = cdp_xstrdup("");
	CHECK_STR(s, "");
	free(s);
	cdp_xgrow((void **)&a, &cap, 1000, sizeof(*a));
	CHECK(a != NULL && cap >= 1000, "grow to %zu", cap);
	a[999] = 1;
	free(a);

	CHECK(in_child(too_big, msg, sizeof(msg)) == 71, "status");
	/* Without a hint of the program's, the default one (issue 25.7). */
	snprintf(want, sizeof(want), "test_xalloc: out of memory "
	    "(%zu bytes requested); partition the input first, see "
	    "cdp-partition(1)\n", SIZE_MAX / 2);
	CHECK_STR(msg, want);
	CHECK(in_child(too_big_hint, msg, sizeof(msg)) == 71, "status");
	snprintf(want, sizeof(want), "test_xalloc: out of memory "
	    "(%zu bytes requested); partition the input first\n",
	    SIZE_MAX / 4 * 2);
	CHECK_STR(msg, want);
	CHECK(in_child(overflow, msg, sizeof(msg)) == 71, "status");
	CHECK_STR(msg, "test_xalloc: out of memory; partition the input "
	    "first, see cdp-partition(1)\n");
	CHECK(in_child(library_said_no, msg, sizeof(msg)) == 71, "status");
	CHECK_STR(msg, "test_xalloc: out of memory; partition the input "
	    "first, see cdp-partition(1)\n");
	return CHECK_DONE();
}
