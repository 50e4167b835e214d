/*
 * fuzz_lines.c - the line reader, cdp_lines over a file descriptor, with
 * a cap on line length and "already read" bytes chosen by the first two
 * input bytes, or (the first byte's top bit set) over a file opened by
 * name, which is read in place once it is large enough (the fuzz build
 * keeps only CDP_MAP_TAIL = 128 bytes at its end out of the mapping, so
 * files of 256 bytes and more are mapped).  The lines returned must be
 * exactly the non-blank lines of the input, in order, with their physical
 * line numbers.
 */
#include <stdbool.h>
#include <string.h>

#include "lines.h"

#include "fuzz.h"

/* Blank as cdp_lines_next() means it: only spaces, tabs and CR. */
static bool
blank(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cdp_lines *l;
	struct cdp_line ln;
	struct cdp_err err;
	size_t cap, pre, pos, end, n;
	long lineno;
	int fd, rc;
	bool named;

	if (size < 2)
		return 0;
	cap = 1 + data[0] % 64;		/* small caps reach the too_long path */
	named = (data[0] & 0x80) != 0;
	pre = named ? 0 : data[1];
	data += 2;
	size -= 2;
	if (pre > size)
		pre = size;
	if (named)
		l = cdp_lines_open(fuzz_path(data, size), cap, &err);
	else {
		fd = fuzz_memfd(data + pre, size - pre);
		l = cdp_lines_open_fd(fd, "fuzz", (const char *)data, pre, cap,
		    &err);
	}
	FUZZ_CHECK(l != NULL);

	/* Walk the input alongside: the model of what must come out. */
	pos = 0;
	lineno = 0;
	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while ((rc = cdp_lines_next(l, &ln, &err)) == 1) {
		for (;;) {
			const uint8_t *nl;

			FUZZ_CHECK(pos < size);
			nl = memchr(data + pos, '\n', size - pos);
			end = nl != NULL ? (size_t)(nl - data) : size;
			lineno++;
			n = end - pos;
			/* A CR is dropped only before a newline. */
			if (nl != NULL && n > 0 && data[end - 1] == '\r')
				n--;
			if (!blank(data + pos, n))
				break;
			/* A blank line over the cap may come out as too
			 * long when it is cut before its end is read. */
			if (ln.too_long && ln.lineno == lineno && n > cap)
				break;
			pos = end + 1;
		}
		FUZZ_CHECK(ln.lineno == lineno);
		if (ln.too_long) {
			FUZZ_CHECK(n > cap);
			FUZZ_CHECK(ln.len <= cap);
			FUZZ_CHECK(memcmp(ln.p, data + pos, ln.len) == 0);
		} else {
			FUZZ_CHECK(ln.len == n);
			FUZZ_CHECK(memcmp(ln.p, data + pos, n) == 0);
		}
		pos = end + 1;
	}
	FUZZ_CHECK(rc == 0);
	/* Nothing but blank lines may be left. */
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);

		end = nl != NULL ? (size_t)(nl - data) : size;
		FUZZ_CHECK(blank(data + pos, end - pos));
		pos = end + 1;
	}
	cdp_lines_close(l);
	return 0;
}
