/*
 * catch.h - run a program's file loader (compiled into a harness from
 * cmd/) in-process although it exits on a bad file: cdp_die() and
 * cdp_usage_die() in the included sources become fuzz_die() and
 * fuzz_usage_die(), which keep the exit code and message and longjmp back
 * to the harness.  jansson allocates through a tracking allocator (and so
 * may the included source: #define malloc, calloc, strdup and free as
 * fuzz_malloc ... around it), so that what a loader abandons on its way out can be freed
 * by fuzz_sweep() and libFuzzer's leak check stays on.
 *
 * Include after the common headers the cmd/ source uses (diag.h, opts.h:
 * their prototypes must be seen before the macros) and before that source.
 */
#ifndef CDP_FUZZ_CATCH_H
#define CDP_FUZZ_CATCH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "opts.h"
#include "record.h"

#include "fuzz.h"

static jmp_buf	 fuzz_jmp;
static int	 fuzz_code;		/* the exit code the program gave */
static char	 fuzz_msg[1024];	/* and its message */

_Noreturn static inline void
fuzz_die(int code, const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	va_start(ap, fmt);
	vsnprintf(fuzz_msg, sizeof(fuzz_msg), fmt, ap);
	va_end(ap);
	fuzz_code = code;
	longjmp(fuzz_jmp, 1);
}

_Noreturn static inline void
fuzz_usage_die(const char *usage, const char *fmt, ...)
{
	va_list ap;

	(void)usage;
	va_start(ap, fmt);
	vsnprintf(fuzz_msg, sizeof(fuzz_msg), fmt, ap);
	va_end(ap);
	fuzz_code = 64;
	longjmp(fuzz_jmp, 1);
}

#define cdp_die		fuzz_die
#define cdp_usage_die	fuzz_usage_die

/*
 * Every live tracked block, in a list through a header before it, so
 * that fuzz_sweep() can free what a loader left behind.
 */
struct fuzz_blk {
	struct fuzz_blk	*prev, *next;
	max_align_t	 align[];
};

static struct fuzz_blk fuzz_live = { &fuzz_live, &fuzz_live };

static inline void *
fuzz_malloc(size_t n)
{
	struct fuzz_blk *b = malloc(sizeof(*b) + n);

	if (b == NULL)
		return NULL;
	b->next = fuzz_live.next;
	b->prev = &fuzz_live;
	fuzz_live.next->prev = b;
	fuzz_live.next = b;
	return b->align;
}

/*
 * Free p, tracked or not: an included source may free what common/
 * allocated (a cdp_grow() array), so the list is searched first.
 */
static inline void
fuzz_free(void *p)
{
	struct fuzz_blk *b;

	if (p == NULL)
		return;
	for (b = fuzz_live.next; b != &fuzz_live; b = b->next)
		if (b->align == p)
			break;
	if (b == &fuzz_live) {
		free(p);
		return;
	}
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

static inline void *
fuzz_calloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / 2 / size)
		return NULL;
	if ((p = fuzz_malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

static inline char *
fuzz_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = fuzz_malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Free every tracked block still alive: what a loader that died held. */
static inline void
fuzz_sweep(void)
{
	while (fuzz_live.next != &fuzz_live)
		fuzz_free(fuzz_live.next->align);
}

/*
 * Put data in the harness's file and return a path that opens it from
 * its start; the first call sets jansson's allocator.
 */
static inline const char *
fuzz_path(const uint8_t *data, size_t size)
{
	static char path[64];
	static int set;

	if (!set) {
		json_set_alloc_funcs(fuzz_malloc, fuzz_free);
		set = 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d",
	    fuzz_memfd(data, size));
	return path;
}

/*
 * After a loader died: a file's fault is 65 (bad data) or 64 (usage: a
 * setting the command line does not allow), with a message; never a
 * software error or an empty message.
 */
static inline void
fuzz_check_refusal(void)
{
	FUZZ_CHECK(fuzz_code == 64 || fuzz_code == 65);
	FUZZ_CHECK(fuzz_msg[0] != '\0');
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
