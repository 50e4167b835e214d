/*
 * fuzz.h - helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c,
 * built by `make fuzz`).  A harness aborts on any broken invariant, which
 * libFuzzer reports as a crash like a sanitizer finding.
 */
#ifndef CDP_FUZZ_H
#define CDP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a reason when cond is false: the fuzzer saves the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * A descriptor holding exactly data[0..size), positioned at its start,
 * for the readers that take an fd.  One unlinked temporary file, reused
 * by every run: a pipe would block on inputs over its 64 KB capacity.
 */
static inline int
fuzz_memfd(const uint8_t *data, size_t size)
{
	static FILE *f;
	int fd;

	if (f == NULL && (f = tmpfile()) == NULL)
		abort();
	fd = fileno(f);
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		abort();
	while (size > 0) {
		ssize_t w = write(fd, data, size);

		if (w <= 0)
			abort();
		data += w;
		size -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		abort();
	return fd;
}

/* Put data in the harness's file: a path that opens it from its start. */
static inline const char *
fuzz_path(const uint8_t *data, size_t size)
{
	static char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d",
	    fuzz_memfd(data, size));
	return path;
}

/*
 * A loader refused a file: that is the file's fault, 65 (bad data) or 64
 * (a setting the command line does not allow), with a message; never a
 * software error or an empty message.
 */
static inline void
fuzz_check_refusal(const struct cdp_err *err)
{
	FUZZ_CHECK(err->code == 64 || err->code == 65);
	FUZZ_CHECK(err->msg[0] != '\0');
}

/* The record line, parsed once, for the loaded rules to be tested on. */
static inline struct cdp_rec *
fuzz_record(const char *line)
{
	static struct cdp_rec rec;
	static int parsed;
	struct cdp_err err;

	if (!parsed) {
		FUZZ_CHECK(cdp_rec_parse(&rec, line, strlen(line), &err) == 0);
		parsed = 1;
	}
	return &rec;
}

#endif
