/*
 * fuzz_ingest.c - cdp-ingest's readers and decoders: the CSV/TSV and
 * JSON-array readers (csvin.c, jsonin.c), the decoding steps (gzip, zstd,
 * UTF-16, cp1252 and Shift_JIS through iconv: decode.c), the sniffers
 * (sniff.c), and the value parsers for money and epochs (money.c,
 * times.c), linked; the Makefile compiles them for the harnesses with
 * 61-byte blocks so that rows, elements and compressed blocks cross block
 * boundaries.  The first input byte picks the part and its options (0x08
 * set: a decoder, or with 0x01 the value parsers), the second how many
 * bytes are handed over as "already read".
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "lines.h"
#include "norm.h"
#include "record.h"

#include "../../cmd/cdp-ingest/csvin.h"
#include "../../cmd/cdp-ingest/decode.h"
#include "../../cmd/cdp-ingest/jsonin.h"
#include "../../cmd/cdp-ingest/money.h"
#include "../../cmd/cdp-ingest/sniff.h"
#include "../../cmd/cdp-ingest/times.h"

#include "fuzz.h"

static struct cdp_buf	 raw;
static struct cdp_rec	 rec;

/*
 * The rows of one reading (lines, fields and verdicts) into out; on the
 * lines with no quote, the reader's own split unless libcsv is forced.
 */
static void
csv_read(int fd, const uint8_t *pre, size_t prelen, uint8_t how,
    bool libcsv, struct cdp_buf *out)
{
	struct csvin *c;
	struct csv_row row;
	struct cdp_err err;
	size_t cap = how & 0x10 ? 1 + (how >> 5) * 9 : 0;
	long last = 0;
	int rc;

	c = csvin_open(fd, "fuzz", (const char *)pre, prelen,
	    how & 0x02 ? '\t' : (how & 0x60) == 0x60 ? ' ' : how & 0x20 ?
	    ';' : ',', how & 0x04, cap, &err);
	FUZZ_CHECK(c != NULL);
	if (libcsv)
		csvin_force_libcsv(c);
	cdp_buf_reset(out);
	while ((rc = csvin_next(c, &row, &err)) == 1) {
		FUZZ_CHECK(row.line > last);
		last = row.line;
		FUZZ_CHECK(cdp_buf_addf(out, "%ld %zu %s:", row.line, row.n,
		    row.bad ? row.bad : "") == 0);
		if (row.bad == NULL)
			FUZZ_CHECK(row.n > 0);
		for (size_t i = 0; i < row.n; i++) {
			if (row.bad == NULL)
				FUZZ_CHECK(memchr(row.f[i], '\0',
				    row.len[i]) == NULL);
			FUZZ_CHECK(row.f[i][row.len[i]] == '\0');
			FUZZ_CHECK(cdp_buf_addf(out, "%zu.", row.len[i]) == 0 &&
			    cdp_buf_add(out, row.f[i], row.len[i]) == 0);
		}
		cdp_buf_reset(&raw);
		FUZZ_CHECK(csvin_raw(c, &row, &raw) == 0);
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(cdp_buf_addf(out, "end %jd", (intmax_t)csvin_offset(c)) ==
	    0);
	csvin_close(c);
}

/* The reader's split of unquoted lines must read as libcsv does. */
static void
csv(int fd, const uint8_t *pre, size_t prelen, uint8_t how)
{
	static struct cdp_buf fast, slow;

	csv_read(fd, pre, prelen, how, false, &fast);
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	csv_read(fd, pre, prelen, how, true, &slow);
	FUZZ_CHECK(fast.len == slow.len &&
	    memcmp(fast.p, slow.p, fast.len) == 0);
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

/*
 * A decoding step over the input: it must end, and what iconv writes is
 * UTF-8 once the 0xFF marks of undecodable bytes are taken out.
 */
static void
decoder(int fd, const uint8_t *pre, size_t prelen, uint8_t how)
{
	static const char *const from[] = { "UTF-16", "UTF-16LE", "CP1252",
	    "SHIFT_JIS" };
	enum decode_kind kind = (how >> 1) & 0x03;
	struct decode *d;
	struct cdp_err err;
	char buf[97];
	ssize_t n;

	if (kind > DECODE_ICONV)
		kind = DECODE_ICONV;
	d = decode_start(kind, fd, (const char *)pre, prelen,
	    from[(how >> 4) & 0x03], &err);
	FUZZ_CHECK(d != NULL);
	cdp_buf_reset(&raw);
	/* libFuzzer's timer interrupts reads (EINTR): the readers retry. */
	while ((n = read(decode_fd(d), buf, sizeof(buf))) != 0) {
		FUZZ_CHECK(n > 0 || errno == EINTR);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != '\xff')
				FUZZ_CHECK(cdp_buf_addc(&raw, buf[i]) == 0);
	}
	if (decode_finish(d, &err) == -1)
		FUZZ_CHECK(kind != DECODE_ICONV && err.msg[0] != '\0');
	if (kind == DECODE_ICONV)
		FUZZ_CHECK(cdp_utf8_valid(raw.p ? raw.p : "", raw.len));
}

/* JSON number syntax, the whole of s. */
static bool
json_number(const char *s, size_t n)
{
	size_t i = s[0] == '-';

	if (i >= n || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < n &&
	    s[i + 1] != '.'))
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.' && ++i == n)
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == n;
}

/* Money, epochs, zones and the sniffers on one value. */
static void
values(const char *s, size_t n, uint8_t how)
{
	static struct money_codes *codes;
	static struct cdp_buf out, iso;
	struct sniff_delim sd;
	struct cdp_err err;
	const char *why;
	char cur[4];
	bool le;

	if (codes == NULL && (codes = money_load(NULL, &err)) == NULL)
		abort();
	cdp_buf_reset(&out);
	if (money_parse(codes, s, n, how >> 4, how & 0x40 ? "USD" : NULL,
	    &out, cur, &why) == 0) {
		FUZZ_CHECK(json_number(out.p, out.len));
		FUZZ_CHECK(cur[0] == '\0' || (strlen(cur) == 3 &&
		    money_known(codes, cur)));
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	cdp_buf_reset(&out);
	if (epoch_iso(s, n, (how >> 1) % 3 * 3, &out, &why) == 0)
		FUZZ_CHECK(out.len >= 20 && out.p[out.len - 1] == 'Z');
	(void)epoch_unit_of(s, n);
	cdp_buf_reset(&iso);
	if (cdp_norm_datetime(s, n, CDP_DATE_DMY, &iso, &why) == 0) {
		cdp_buf_reset(&out);
		(void)tz_adjust(iso.p, iso.len, how & 0x02, how & 0x04, &out,
		    &why);
	}
	if (sniff_delimiter(s, n, how & 0x02, &sd) == 0)
		FUZZ_CHECK(strchr(SNIFF_CANDIDATES, sd.best.delim) != NULL);
	(void)sniff_utf16(s, n, &le);
	(void)sniff_kind(s, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool zoned;

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
	if ((how & 0x09) == 0x09) {
		if (!zoned && tz_use("Europe/Berlin") == 0)
			zoned = true;
		values((const char *)data, size, how);
		return 0;
	}
	fd = fuzz_memfd(data + pre, size - pre);
	if (how & 0x08)
		decoder(fd, data, pre, how);
	else if (how & 0x01)
		json(fd, data, pre, how);
	else
		csv(fd, data, pre, how);
	return 0;
}
