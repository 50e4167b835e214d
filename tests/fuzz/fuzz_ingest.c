/*
 * fuzz_ingest.c - cdp-ingest's CSV/TSV and JSON-array readers
 * (cmd/cdp-ingest/csvin.c, jsonin.c, linked; the Makefile compiles them
 * for the harnesses with 61-byte blocks so that rows and elements cross
 * block boundaries).  The first
 * input byte picks the reader and its options, the second how many bytes
 * are handed over as "already read".
 */
#include "buf.h"
#include "lines.h"
#include "record.h"

#include "../../cmd/cdp-ingest/csvin.h"
#include "../../cmd/cdp-ingest/jsonin.h"

#include "fuzz.h"

static struct cdp_buf	 raw;
static struct cdp_rec	 rec;

static void
csv(int fd, const uint8_t *pre, size_t prelen, uint8_t how)
{
	struct csvin *c;
	struct csv_row row;
	struct cdp_err err;
	size_t cap = how & 0x10 ? 1 + (how >> 5) * 9 : 0;
	long last = 0;
	int rc;

	c = csvin_open(fd, "fuzz", (const char *)pre, prelen,
	    how & 0x02 ? '\t' : ',', how & 0x04, cap, &err);
	FUZZ_CHECK(c != NULL);
	while ((rc = csvin_next(c, &row, &err)) == 1) {
		FUZZ_CHECK(row.line > last);
		last = row.line;
		if (row.bad == NULL) {
			FUZZ_CHECK(row.n > 0);
			for (size_t i = 0; i < row.n; i++)
				FUZZ_CHECK(memchr(row.f[i], '\0',
				    row.len[i]) == NULL);
		}
		cdp_buf_reset(&raw);
		FUZZ_CHECK(csvin_raw(c, &row, &raw) == 0);
	}
	FUZZ_CHECK(rc == 0);
	csvin_close(c);
}

static void
json(int fd, const uint8_t *pre, size_t prelen, uint8_t how)
{
	struct jsonin *j;
	struct cdp_line el;
	struct cdp_err err;
	size_t cap = how & 0x10 ? 1 + (how >> 5) * 9 : 0;
	long last = 0;
	int rc;

	j = jsonin_open(fd, "fuzz", (const char *)pre, prelen, cap, &err);
	FUZZ_CHECK(j != NULL);
	while ((rc = jsonin_next(j, &el, &err)) == 1) {
		FUZZ_CHECK(el.lineno >= last);
		last = el.lineno;
		if (cap > 0)
			FUZZ_CHECK(el.len <= cap);
		if (!el.too_long)
			(void)cdp_rec_parse(&rec, el.p, el.len, &err);
	}
	if (rc == -1)
		FUZZ_CHECK(err.msg[0] != '\0' && jsonin_errline(j) >= 0);
	jsonin_close(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pre;
	uint8_t how;
	int fd;

	if (size < 2)
		return 0;
	how = data[0];
	pre = data[1];
	data += 2;
	size -= 2;
	if (pre > size)
		pre = size;
	fd = fuzz_memfd(data + pre, size - pre);
	if (how & 0x01)
		json(fd, data, pre, how);
	else
		csv(fd, data, pre, how);
	return 0;
}
