/* check.h - the tiny assertion kit of the common/ unit drivers. */
#ifndef CDP_CHECK_H
#define CDP_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed;
static int check_run;

/* CHECK(cond, fmt, ...): count a case; on failure print where and why. */
#define CHECK(cond, ...) do {						\
	check_run++;							\
	if (!(cond)) {							\
		check_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

/* CHECK_STR(got, want): both NUL-terminated strings. */
#define CHECK_STR(got, want) CHECK(strcmp((got), (want)) == 0,		\
	"got \"%s\", want \"%s\"", (got), (want))

/* End of main: a summary line and the exit status. */
#define CHECK_DONE() (printf("%d checks, %d failed\n", check_run,	\
	check_failed), check_failed ? 1 : 0)

#endif
