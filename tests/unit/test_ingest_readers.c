/*
 * test_ingest_readers.c - unit driver of cdp-ingest's CSV/TSV row reader
 * and JSON array reader: fields, bad rows and exact line numbers, fed
 * from files and pipes with reads of one byte up to a whole block.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "lines.h"
#include "par.h"
#include "record.h"

#include "../../cmd/cdp-ingest/csvin.h"
#include "../../cmd/cdp-ingest/jsonin.h"
#include "check.h"

/* Read sizes every case runs with: rows and elements cross blocks. */
static const size_t rdsizes[] = { 1, 2, 3, 4, 5, 7, 11, 64, 4096 };
/* How much of the input is handed over as already read ("pre"). */
static const size_t presizes[] = { 0, 1, 2, 3, 6, (size_t)-1 };

#define NRD	(sizeof(rdsizes) / sizeof(rdsizes[0]))
#define NPRE	(sizeof(presizes) / sizeof(presizes[0]))

/* A temporary file holding s[0..n), positioned at its start. */
static int
file_with(const char *s, size_t n)
{
	char path[] = "/tmp/test_ingest_readers.XXXXXX";
	ssize_t w;
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(2);
	}
	unlink(path);
	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			perror("write");
			exit(2);
		}
		s += w;
		n -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		perror("lseek");
		exit(2);
	}
	return fd;
}

/* A pipe whose far end a child fills with s[0..n) a byte at a time. */
static int
pipe_with(const char *s, size_t n, pid_t *pid)
{
	int fds[2];

	if (pipe(fds) == -1 || (*pid = fork()) == -1) {
		perror("pipe");
		exit(2);
	}
	if (*pid == 0) {
		close(fds[0]);
		for (size_t i = 0; i < n; i++) {
			if (write(fds[1], s + i, 1) != 1)
				_exit(1);
			if (i % 3 == 0)
				usleep(100);
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

/* Field text made readable: control bytes, '|', '\\' and 8-bit escaped. */
static void
add_esc(struct cdp_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n')
			cdp_buf_adds(b, "\\n");
		else if (ch == '\r')
			cdp_buf_adds(b, "\\r");
		else if (ch == '\t')
			cdp_buf_adds(b, "\\t");
		else if (ch == '\0')
			cdp_buf_adds(b, "\\0");
		else if (ch == '|' || ch == '\\')
			cdp_buf_addf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			cdp_buf_addf(b, "\\x%02x", ch);
		else
			cdp_buf_addc(b, ch);
	}
}

struct csvopt {
	char	delim;
	bool	trim;
	size_t	max;
	bool	libcsv;	/* every line through libcsv (CDP_CSV=libcsv) */
};

/* Fields the reader said need no JSON escaping (test_csv_paths). */
static unsigned long nplain;

/* Every row of fd as "LINE:f1|f2[ !bad]\n", or "error CODE: msg\n". */
static void
csv_dump(int fd, const char *pre, size_t prelen, size_t rdsz,
    const struct csvopt *o, struct cdp_buf *out, off_t *offset)
{
	struct cdp_err err;
	struct csv_row row;
	struct csvin *c;
	int rc;

	cdp_buf_reset(out);
	cdp_buf_add(out, "", 0);
	if ((c = csvin_open(fd, "t", pre, prelen, o->delim, o->trim, o->max,
	    &err)) == NULL) {
		cdp_buf_addf(out, "open error %d: %s\n", err.code, err.msg);
		return;
	}
	csvin_set_read_size(c, rdsz);
	if (o->libcsv)
		csvin_force_libcsv(c);
	while ((rc = csvin_next(c, &row, &err)) == 1) {
		cdp_buf_addf(out, "%ld:", row.line);
		for (size_t i = 0; i < row.n; i++) {
			if (i > 0)
				cdp_buf_addc(out, '|');
			add_esc(out, row.f[i], row.len[i]);
			CHECK(row.f[i][row.len[i]] == '\0',
			    "field %zu not NUL-terminated", i);
			for (size_t k = 0; row.plain && k < row.len[i]; k++)
				CHECK(row.f[i][k] >= 0x20 && row.f[i][k] < 0x7f &&
				    row.f[i][k] != '"' && row.f[i][k] != '\\',
				    "a plain field holds byte %d", row.f[i][k]);
			CHECK(!row.utf8 || cdp_utf8_valid(row.f[i],
			    row.len[i]), "a utf8 field is not UTF-8");
			if (row.plain)
				nplain++;
		}
		if (row.bad != NULL)
			cdp_buf_addf(out, " !%s", row.bad);
		cdp_buf_addc(out, '\n');
	}
	if (rc == -1)
		cdp_buf_addf(out, "error %d: %s\n", err.code, err.msg);
	CHECK(csvin_next(c, &row, &err) == rc || rc == -1,
	    "csvin_next after the end");
	*offset = csvin_offset(c);
	csvin_close(c);
}

/*
 * Run one CSV case with every read size and every split between "pre"
 * and the file, through the reader's split of unquoted lines and through
 * libcsv alone; each must give want.  Stops at the first difference.
 */
static void
csv_case_o(const char *name, const char *in, size_t n,
    const struct csvopt *opt, const char *want)
{
	struct cdp_buf got = { 0 };
	struct csvopt o[2] = { *opt, *opt };
	off_t off;
	int fd;

	o[0].libcsv = false;
	o[1].libcsv = true;
	for (size_t r = 0; r < 2 * NRD; r++)
		for (size_t k = 0; k < NPRE; k++) {
			size_t pre = presizes[k] > n ? n : presizes[k];

			fd = file_with(in + pre, n - pre);
			csv_dump(fd, in, pre, rdsizes[r / 2], &o[r % 2], &got,
			    &off);
			close(fd);
			CHECK(strcmp(got.p, want) == 0,
			    "csv %s (read %zu, pre %zu%s):\n--- got\n%s"
			    "--- want\n%s", name, rdsizes[r / 2], pre,
			    r % 2 ? ", libcsv" : "", got.p, want);
			CHECK(off == (off_t)n, "csv %s: offset %lld, want %zu",
			    name, (long long)off, n);
			if (strcmp(got.p, want) != 0)
				goto out;
		}
out:
	cdp_buf_free(&got);
}

static void
csv_case(const char *name, const char *in, size_t n, char delim, bool trim,
    size_t max, const char *want)
{
	struct csvopt o = { delim, trim, max, false };

	csv_case_o(name, in, n, &o, want);
}

/* String literals may hold NUL bytes: take their size, not strlen. */
#define CSV(name, in, want) \
	csv_case(name, in, sizeof(in) - 1, ',', false, 0, want)
#define CSVT(name, in, want) \
	csv_case(name, in, sizeof(in) - 1, ',', true, 0, want)
#define TSV(name, in, trim, want) \
	csv_case(name, in, sizeof(in) - 1, '\t', trim, 0, want)
#define CSVMAX(name, in, max, want) \
	csv_case(name, in, sizeof(in) - 1, ',', false, max, want)

static void
test_csv_basic(void)
{
	CSV("simple", "a,b\n1,2\n", "1:a|b\n2:1|2\n");
	CSV("quoted commas",
	    "name,addr\n\"Kelly, M.\",\"1 Main St, Apt 2\"\n",
	    "1:name|addr\n2:Kelly, M.|1 Main St, Apt 2\n");
	CSV("doubled quotes",
	    "a\n\"say \"\"hi\"\"\"\n\"\"\"\"\n\"\"\n\"x\"\"\"\n",
	    "1:a\n2:say \"hi\"\n3:\"\n4:\n5:x\"\n");
	CSV("empty fields", "a,b,c\n,,\n1,,\n,\"\",3\n",
	    "1:a|b|c\n2:||\n3:1||\n4:||3\n");
	CSV("no final newline", "a,b\n1,2", "1:a|b\n2:1|2\n");
	CSV("no final newline, empty last field", "a,b\n1,", "1:a|b\n2:1|\n");
	CSV("quoted last field at end", "a,b\n1,\"x\"", "1:a|b\n2:1|x\n");
	CSV("empty input", "", "");
	CSV("only line ends", "\n\r\n\r\n\r", "");
	CSV("utf-8 kept", "n\nZo\xc3\xab\n", "1:n\n2:Zo\\xc3\\xab\n");
}

static void
test_csv_lines(void)
{
	CSV("embedded LF",
	    "id,note\n1,\"line one\nline two\nline three\"\n2,x\n",
	    "1:id|note\n2:1|line one\\nline two\\nline three\n5:2|x\n");
	CSV("embedded CRLF, CRLF file",
	    "id,note\r\n1,\"a\r\nb\"\r\n2,c\r\n3,\"\r\n\r\n\"\r\n4,d\r\n",
	    "1:id|note\n2:1|a\\r\\nb\n4:2|c\n5:3|\\r\\n\\r\\n\n8:4|d\n");
	CSV("CRLF with blank lines",
	    "a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n\r\n",
	    "1:a|b\n3:1|2\n6:3|4\n");
	CSV("lone CR", "a,b\r1,2\r\r3,4", "1:a|b\n2:1|2\n4:3|4\n");
	CSV("mixed line ends", "a\r\nb\rc\nd\n\re\r\n",
	    "1:a\n2:b\n3:c\n4:d\n6:e\n");
	CSV("lone CR in quotes", "\"x\ry\",z\rw\n", "1:x\\ry|z\n3:w\n");
	CSV("LF CR in quotes is two lines", "\"x\n\ry\"\nz\n",
	    "1:x\\n\\ry\n4:z\n");
	CSV("CR, quote, LF", "a,\"b\r\"\nc\n", "1:a|b\\r\n3:c\n");
	CSV("blank lines start, middle, end",
	    "\n\nh\n\n\nv1\n\nv2\n\n\n", "3:h\n6:v1\n8:v2\n");
	CSV("whitespace-only lines are blank", "a\n   \n\t\n \t \nb\n",
	    "1:a\n5:b\n");
	CSV("quoted spaces are a field", "a\n\"  \"\nb\n  \"\"\n",
	    "1:a\n2:  \n3:b\n4:  \"\"\n");
	CSV("quoted newline then blank lines",
	    "a\n\"\n\n\"\n\nb\n", "1:a\n2:\\n\\n\n6:b\n");
	CSV("row after many quoted lines", "x\n\"1\n2\n3\n4\n5\"\ny\n",
	    "1:x\n2:1\\n2\\n3\\n4\\n5\n7:y\n");
}

static void
test_csv_bom(void)
{
	CSV("BOM", "\xef\xbb\xbfid,x\n1,2\n", "1:id|x\n2:1|2\n");
	CSV("BOM only", "\xef\xbb\xbf", "");
	CSV("BOM then blank lines", "\xef\xbb\xbf\n\na\n", "3:a\n");
	CSV("BOM then quoted", "\xef\xbb\xbf\"a,b\"\n", "1:a,b\n");
	CSV("BOM later is data", "a\n\xef\xbb\xbf" "b\n",
	    "1:a\n2:\\xef\\xbb\\xbfb\n");
	CSV("half a BOM is data", "\xef\xbbx\n", "1:\\xef\\xbbx\n");
	CSV("two BOMs: the second is data", "\xef\xbb\xbf\xef\xbb\xbfq\n",
	    "1:\\xef\\xbb\\xbfq\n");
}

static void
test_csv_quotes_spaces(void)
{
	CSV("stray quote in unquoted field",
	    "a,b\nab\"c,5\" tall\nx\"\",y\"\n",
	    "1:a|b\n2:ab\"c|5\" tall\n3:x\"\"|y\"\n");
	CSV("spaces kept", "a , b ,\t c\t\n", "1:a | b |\\t c\\t\n");
	CSV("space before quote: literal", "a, \"x\",y\n",
	    "1:a| \"x\"|y\n");
	CSVT("trim", "a , b ,\t c\t\n", "1:a|b|c\n");
	CSVT("trim around quoted", " \"x y\" , z \n", "1:x y|z\n");
	CSVT("trim keeps quoted spaces", "\" x \",\"\ty\t\"\n",
	    "1: x |\\ty\\t\n");
	CSVT("trim: spaces-only line is blank", "a\n  \t \nb\n",
	    "1:a\n3:b\n");
	CSVT("trim: embedded LF lines", "\"a\nb\" , c\n  d\n",
	    "1:a\\nb|c\n3:d\n");
	/*
	 * libcsv (non-strict) reads a quote followed by other bytes than a
	 * delimiter or line end as data and stays in the quoted field.
	 * Without --trim a space counts as such a byte.
	 */
	CSV("junk after closing quote", "\"abc\"x,y\n1,2\n",
	    "1:abc\"x,y\\n1,2\\n !unterminated quoted field\n");
	CSV("space after closing quote without trim", "\"a\" ,b\n",
	    "1:a\" ,b\\n !unterminated quoted field\n");
	CSVT("space after closing quote with trim", "\"a\" ,b\n",
	    "1:a|b\n");
}

static void
test_tsv(void)
{
	TSV("tsv", "a\tb\n 1 \t\"x\ty\"\n", false, "1:a|b\n2: 1 |x\\ty\n");
	TSV("tsv commas are data", "a,b\tc\n", false, "1:a,b|c\n");
	TSV("tsv empty fields", "\t\n\t\t\n", false, "1:|\n2:||\n");
	TSV("tsv trim spaces only", "a\t b \n\t \t\n", true,
	    "1:a|b\n2:||\n");
	TSV("tsv CRLF", "a\tb\r\n\r\n1\t2\r\n", false, "1:a|b\n3:1|2\n");
}

static void
test_csv_bad(void)
{
	CSV("NUL byte", "a,b\n1,x\0y\n2,3\n",
	    "1:a|b\n2:1|x\\0y !NUL byte in field\n3:2|3\n");
	CSV("NUL in quoted field", "a\n\"x\n\0\"\nb\n",
	    "1:a\n2:x\\n\\0 !NUL byte in field\n4:b\n");
	CSV("NUL alone", "\0\n", "1:\\0 !NUL byte in field\n");
	CSV("unterminated quote at EOF",
	    "a,b\n1,\"open\nmore\r\nstuff",
	    "1:a|b\n2:1|open\\nmore\\r\\nstuff !unterminated quoted field\n");
	CSV("unterminated quote, after blank lines",
	    "a\n\n\n\"x,y\n", "1:a\n4:x,y\\n !unterminated quoted field\n");
	CSV("unterminated: open quote only", "\"",
	    "1: !unterminated quoted field\n");
	CSV("unterminated: escaped quote at end", "a,\"b\"\"",
	    "1:a|b\" !unterminated quoted field\n");
	CSV("closed quote at EOF", "a,\"b\"\"\"", "1:a|b\"\n");
}

static void
test_csv_long(void)
{
	/* A field costs its bytes plus one: 9 bytes and a delimiter fit. */
	CSVMAX("row at the cap", "a,b\n12345678,\nx\n", 10,
	    "1:a|b\n2:12345678|\n3:x\n");
	CSVMAX("row over the cap", "a,b\n0123456789,x\nc,d\n", 10,
	    "1:a|b\n2:012345678 !row longer than --max-record-bytes\n"
	    "3:c|d\n");
	CSVMAX("many small fields", "1,2,3,4,5,6,7,8\nz\n", 10,
	    "1:1|2|3|4|5 !row longer than --max-record-bytes\n2:z\n");
	/* Quotes count in the row's length, not in what is kept. */
	CSVMAX("quotes make it long", "\"\",\"\",\"\",\"\"\nz\n", 10,
	    "1:||| !row longer than --max-record-bytes\n2:z\n");
	CSVMAX("long quoted field with line ends",
	    "h\n\"aaaa\nbbbb\ncccc\ndddd\"\nnext\n", 10,
	    "1:h\n2:aaaa\\nbbbb !row longer than --max-record-bytes\n"
	    "6:next\n");
	CSVMAX("long and unterminated",
	    "h\n\"aaaa\nbbbb\ncccc\ndddd\nnext\n", 10,
	    "1:h\n2:aaaa\\nbbbb !unterminated quoted field\n");
	csv_case_o("long, max 1", "ab\nc\n", 5, &(struct csvopt){ ',',
	    false, 1, false }, "1: !row longer than --max-record-bytes\n"
	    "2: !row longer than --max-record-bytes\n");
}

/* A huge field never makes libcsv or the arena hold more than the cap. */
static void
test_csv_memory(void)
{
	size_t n = (size_t)8 << 20, max = 1000;
	char *in = malloc(n + 16);
	struct cdp_err err;
	struct csv_row row;
	struct csvin *c;
	int fd, rc;

	memcpy(in, "h\n\"", 3);
	for (size_t i = 3; i < n; i++)
		in[i] = i % 100 == 99 ? '\n' : 'x';
	fd = file_with(in, n);
	c = csvin_open(fd, "t", NULL, 0, ',', false, max, &err);
	rc = csvin_next(c, &row, &err);
	CHECK(rc == 1 && row.line == 1 && row.bad == NULL, "header");
	rc = csvin_next(c, &row, &err);
	CHECK(rc == 1 && row.line == 2 && row.bad != NULL &&
	    strcmp(row.bad, "unterminated quoted field") == 0 && row.n == 1 &&
	    row.len[0] == max - 1, "huge unterminated field: rc %d n %zu",
	    rc, row.n);
	/* libcsv's buffer within a block or two of the cap, the row's
	 * arena within a few times the cap */
	CHECK(csvin_held(c) <= 5 * max + 2 * ((size_t)256 << 10),
	    "reader holds %zu bytes", csvin_held(c));
	CHECK(csvin_next(c, &row, &err) == 0, "end");
	CHECK(csvin_offset(c) == (off_t)n, "offset");
	csvin_close(c);
	close(fd);

	/* The same, closed, with a default cap: one big field is fine. */
	in[n - 1] = '"';
	fd = file_with(in, n);
	c = csvin_open(fd, "t", NULL, 0, ',', false, 0, &err);
	rc = csvin_next(c, &row, &err);
	rc = csvin_next(c, &row, &err);
	CHECK(rc == 1 && row.line == 2 && row.bad == NULL && row.n == 1 &&
	    row.len[0] == n - 4, "big quoted field: rc %d", rc);
	CHECK(csvin_next(c, &row, &err) == 0, "end");
	csvin_close(c);
	close(fd);
	free(in);
}

/* A small LCG: the same cases on every run. */
static unsigned
rnd(unsigned long *seed, unsigned n)
{
	*seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(*seed >> 33) % n;
}

/* Append text to doc, counting its physical lines as the reader must. */
static void
emit(struct cdp_buf *doc, long *line, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool crlf = s[i] == '\n' && doc->len > 0 &&
		    doc->p[doc->len - 1] == '\r';

		if ((s[i] == '\r' || s[i] == '\n') && !crlf)
			(*line)++;
		cdp_buf_addc(doc, s[i]);
	}
}

/*
 * Random documents of rows whose fields hold delimiters, quotes, CR, LF
 * and CRLF, ended by LF, CRLF or CR, with blank lines between: the dump
 * must list each row with the line where its first byte is.
 */
static void
test_csv_random(void)
{
	static const char *const bits[] = { "a", "b", "xy", ",", "\"", "\n",
	    "\r", "\r\n", " ", "\xc3\xa9", "\t" };
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	struct cdp_buf doc = { 0 }, want = { 0 }, got = { 0 }, f = { 0 };
	struct csvopt o = { ',', false, 0, false };
	unsigned long seed = 42;
	off_t off;
	int fd;

	for (int d = 0; d < 300; d++) {
		long line = 1;
		unsigned rows = 1 + rnd(&seed, 8);

		cdp_buf_reset(&doc);
		cdp_buf_reset(&want);
		cdp_buf_add(&want, "", 0);
		if (rnd(&seed, 4) == 0)
			cdp_buf_adds(&doc, "\xef\xbb\xbf");
		for (unsigned r = 0; r < rows; r++) {
			unsigned nf = 1 + rnd(&seed, 4);

			while (rnd(&seed, 3) == 0) {
				const char *e = ends[rnd(&seed, 3)];

				emit(&doc, &line, e, strlen(e));
			}
			cdp_buf_addf(&want, "%ld:", line);
			for (unsigned i = 0; i < nf; i++) {
				unsigned nb = rnd(&seed, 4);
				bool quote;

				cdp_buf_reset(&f);
				cdp_buf_add(&f, "", 0);
				for (unsigned k = 0; k < nb; k++)
					cdp_buf_adds(&f, bits[rnd(&seed, 11)]);
				/* Quote when needed, and at random; an
				 * empty or blank lone field would read as
				 * a blank line. */
				quote = strpbrk(f.p, ",\"\r\n") != NULL ||
				    (nf == 1 && strspn(f.p, " \t") == f.len) ||
				    rnd(&seed, 3) == 0;
				if (i > 0) {
					emit(&doc, &line, ",", 1);
					cdp_buf_addc(&want, '|');
				}
				add_esc(&want, f.p, f.len);
				if (!quote) {
					emit(&doc, &line, f.p, f.len);
					continue;
				}
				emit(&doc, &line, "\"", 1);
				for (size_t k = 0; k < f.len; k++) {
					if (f.p[k] == '"')
						emit(&doc, &line, "\"", 1);
					emit(&doc, &line, f.p + k, 1);
				}
				emit(&doc, &line, "\"", 1);
			}
			cdp_buf_addc(&want, '\n');
			if (r + 1 < rows || rnd(&seed, 2) == 0) {
				const char *e = ends[rnd(&seed, 3)];

				emit(&doc, &line, e, strlen(e));
			}
		}
		for (size_t r = 0; r < NRD; r++) {
			/* Odd sizes through libcsv alone, even ones not. */
			o.libcsv = r % 2 == 1;
			fd = file_with(doc.p, doc.len);
			csv_dump(fd, NULL, 0, rdsizes[r], &o, &got, &off);
			close(fd);
			CHECK(strcmp(got.p, want.p) == 0, "random doc %d (read "
			    "%zu%s):\n--- got\n%s--- want\n%s", d, rdsizes[r],
			    o.libcsv ? ", libcsv" : "", got.p, want.p);
			if (strcmp(got.p, want.p) != 0)
				break;
		}
	}
	cdp_buf_free(&doc);
	cdp_buf_free(&want);
	cdp_buf_free(&got);
	cdp_buf_free(&f);
}

/*
 * Random text, mostly with no quote (the lines the reader splits itself)
 * and now and then one: delimiters of every kind, spaces and tabs at the
 * ends of fields, CR, LF and CRLF, blank and whitespace lines, a BOM,
 * NUL bytes, ragged rows, quoted fields over several lines.  Under every
 * delimiter, with and without --trim, with and without a row cap, and
 * read in blocks of several sizes, the reader's split must give what
 * libcsv alone gives, row for row.
 */
static void
test_csv_paths(void)
{
	static const char *const bits[] = { "a", "bc", "1234", ",", ";",
	    "\t", " ", "  ", "\n", "\r\n", "\r", "\n\n", " \t \n",
	    "\xc3\xa9", "\0", "\"", "\"x\"\"y\"", "\xef\xbb\xbf" };
	static const char delims[] = { ',', ';', '\t', ' ' };
	static const size_t maxes[] = { 0, 7, 40 };
	struct cdp_buf doc = { 0 }, fast = { 0 }, slow = { 0 };
	struct csvopt o;
	unsigned long seed = 7;
	unsigned nb, b, differ = 0;
	size_t rd;
	off_t off;
	int fd;

	for (int d = 0; d < 2000; d++) {
		cdp_buf_reset(&doc);
		cdp_buf_add(&doc, "", 0);
		if (rnd(&seed, 8) == 0)
			cdp_buf_adds(&doc, "\xef\xbb\xbf");
		nb = rnd(&seed, 60);
		for (unsigned k = 0; k < nb; k++) {
			/* Quotes (the last three bits) one time in ten. */
			b = rnd(&seed, 10) == 0 ? rnd(&seed, 18) :
			    rnd(&seed, 15);
			cdp_buf_add(&doc, bits[b], b == 14 ? 1 : strlen(bits[b]));
		}
		o = (struct csvopt){ delims[rnd(&seed, 4)], rnd(&seed, 2),
		    maxes[rnd(&seed, 3)], false };
		rd = rdsizes[rnd(&seed, NRD)];
		fd = file_with(doc.p, doc.len);
		csv_dump(fd, NULL, 0, rd, &o, &fast, &off);
		close(fd);
		o.libcsv = true;
		fd = file_with(doc.p, doc.len);
		csv_dump(fd, NULL, 0, rd, &o, &slow, &off);
		close(fd);
		if (strcmp(fast.p, slow.p) != 0 && differ++ == 0) {
			cdp_buf_reset(&slow);
			add_esc(&slow, doc.p, doc.len);
			CHECK(0, "paths differ on doc %d, delim %d, trim %d, "
			    "max %zu, read %zu: %s", d, o.delim, o.trim, o.max,
			    rd, slow.p);
		}
	}
	CHECK(differ == 0, "%u documents read differently by the paths",
	    differ);
	CHECK(nplain > 1000, "only %lu plain fields", nplain);
	cdp_buf_free(&doc);
	cdp_buf_free(&fast);
	cdp_buf_free(&slow);
}

/*
 * The block splitter's row end (par.c) as it was, byte by byte: libcsv's
 * quoting states, a CR or LF ending a row outside quotes.
 */
static size_t
ref_row_end(const unsigned char *s, size_t n, char delim, bool trim)
{
	enum { NONE, PLAIN, QUOTED, CLOSED, CLOSED_SP } q = NONE;
	unsigned char d = (unsigned char)delim;

	for (size_t k = 0; k < n; k++) {
		unsigned c = s[k];
		bool sp = trim && (delim == '\t' ? c == ' ' : delim == ' ' ?
		    c == '\t' : c == ' ' || c == '\t');

		if (q == QUOTED) {
			if (c == '"')
				q = CLOSED;
			continue;
		}
		if (c == '\r' || c == '\n') {
			q = NONE;
			if (c == '\n')
				return k + 1;
			continue;
		}
		if (q == NONE) {
			if (!(sp && c != d))
				q = c == d ? NONE : c == '"' ? QUOTED : PLAIN;
		} else if (q == PLAIN) {
			if (c == d)
				q = NONE;
		} else if (c == d)
			q = NONE;
		else if (sp)
			q = CLOSED_SP;
		else if (c == '"' && q == CLOSED_SP)
			q = CLOSED;
		else
			q = QUOTED;
	}
	return 0;
}

/*
 * The splitter skips from quote to quote: on random text with quotes,
 * spaces, delimiters and line ends, from every starting byte, its row
 * end must be the byte-by-byte one.
 */
static void
test_csv_row_end(void)
{
	static const char bits[] = "ab,;\t \"\"\r\n\n";
	static const char delims[] = { ',', ';', '\t', ' ' };
	char doc[80];
	unsigned long seed = 11;
	unsigned differ = 0;

	for (int t = 0; t < 3000; t++) {
		size_t n = rnd(&seed, sizeof(doc));
		char delim = delims[rnd(&seed, 4)];
		bool trim = rnd(&seed, 2);

		for (size_t i = 0; i < n; i++)
			doc[i] = bits[rnd(&seed, sizeof(bits) - 1)];
		for (size_t j = 0; j <= n; j++)
			if (cdp_par_csv_row_end(doc + j, n - j, delim, trim) !=
			    ref_row_end((const unsigned char *)doc + j, n - j,
			    delim, trim))
				differ++;
	}
	CHECK(differ == 0, "row end: %u texts end elsewhere", differ);
}

static void
test_csv_raw(void)
{
	static const char in[] = "a,\"b,c\",\"d\"\"e\",\"f\ng\", h \n"
	    "\"\"\n";
	static const char tsv[] = "x\t\"a\tb\"\t\"q\"\"\"\tc,d\n";
	struct cdp_buf raw = { 0 };
	struct cdp_err err;
	struct csv_row row;
	struct csvin *c;
	int fd;

	fd = file_with(in, sizeof(in) - 1);
	c = csvin_open(fd, "t", NULL, 0, ',', false, 0, &err);
	CHECK(csvin_next(c, &row, &err) == 1, "row");
	CHECK(csvin_raw(c, &row, &raw) == 0, "raw");
	CHECK_STR(raw.p, "a,\"b,c\",\"d\"\"e\",\"f\ng\", h ");
	CHECK(csvin_raw(c, &row, &raw) == 0, "raw appends");
	CHECK(raw.len == 2 * strlen("a,\"b,c\",\"d\"\"e\",\"f\ng\", h "),
	    "appended length %zu", raw.len);
	cdp_buf_reset(&raw);
	CHECK(csvin_next(c, &row, &err) == 1 && row.n == 1, "empty row");
	CHECK(csvin_raw(c, &row, &raw) == 0 && raw.p != NULL, "raw empty");
	CHECK_STR(raw.p, "");
	csvin_close(c);
	close(fd);

	fd = file_with(tsv, strlen(tsv));
	c = csvin_open(fd, "t", NULL, 0, '\t', false, 0, &err);
	cdp_buf_reset(&raw);
	CHECK(csvin_next(c, &row, &err) == 1, "tsv row");
	CHECK(csvin_raw(c, &row, &raw) == 0, "tsv raw");
	CHECK_STR(raw.p, "x\t\"a\tb\"\t\"q\"\"\"\tc,d");
	csvin_close(c);
	close(fd);
	cdp_buf_free(&raw);
}

static void
test_csv_pipe(void)
{
	static const char in[] = "\xef\xbb\xbfh,i\r\n\"1\r\n2\",3\r\n\n4,5";
	struct cdp_buf got = { 0 };
	struct csvopt o = { ',', false, 0, false };
	off_t off;
	pid_t pid;
	int fd, st;

	fd = pipe_with(in, sizeof(in) - 1, &pid);
	csv_dump(fd, NULL, 0, 4096, &o, &got, &off);
	close(fd);
	waitpid(pid, &st, 0);
	CHECK_STR(got.p, "1:h|i\n2:1\\r\\n2|3\n5:4|5\n");
	CHECK(off == (off_t)sizeof(in) - 1, "pipe offset %lld",
	    (long long)off);
	cdp_buf_free(&got);
}

static void
test_csv_read_error(void)
{
	struct cdp_err err;
	struct csv_row row;
	struct csvin *c;

	c = csvin_open(-1, "t", "a,b\n", 4, ',', false, 0, &err);
	CHECK(csvin_next(c, &row, &err) == 1 && row.n == 2, "pre row");
	CHECK(csvin_next(c, &row, &err) == -1 && err.code == EX_IOERR,
	    "read error: code %d", err.code);
	csvin_close(c);
	csvin_close(NULL);
}

/* Every element as "LINE:text[ !long]\n", then "end\n" or the error. */
static void
json_dump(int fd, const char *pre, size_t prelen, size_t rdsz, size_t max,
    struct cdp_buf *out)
{
	struct cdp_err err;
	struct cdp_line el;
	struct jsonin *j;
	int rc;

	cdp_buf_reset(out);
	cdp_buf_add(out, "", 0);
	if ((j = jsonin_open(fd, "t", pre, prelen, max, &err)) == NULL) {
		cdp_buf_addf(out, "open error %d: %s\n", err.code, err.msg);
		return;
	}
	jsonin_set_read_size(j, rdsz);
	while ((rc = jsonin_next(j, &el, &err)) == 1) {
		cdp_buf_addf(out, "%ld:", el.lineno);
		add_esc(out, el.p, el.len);
		cdp_buf_adds(out, el.too_long ? " !long\n" : "\n");
	}
	if (rc == 0)
		cdp_buf_adds(out, "end\n");
	else
		cdp_buf_addf(out, "error %d at %ld: %s\n", err.code,
		    jsonin_errline(j), err.msg);
	CHECK(jsonin_next(j, &el, &err) == rc, "jsonin_next after the end");
	jsonin_close(j);
}

static void
json_case(const char *name, const char *in, size_t n, size_t max,
    const char *want)
{
	struct cdp_buf got = { 0 };
	int fd;

	for (size_t r = 0; r < NRD; r++)
		for (size_t k = 0; k < NPRE; k++) {
			size_t pre = presizes[k] > n ? n : presizes[k];

			fd = file_with(in + pre, n - pre);
			json_dump(fd, in, pre, rdsizes[r], max, &got);
			close(fd);
			CHECK(strcmp(got.p, want) == 0,
			    "json %s (read %zu, pre %zu):\n--- got\n%s"
			    "--- want\n%s", name, rdsizes[r], pre, got.p,
			    want);
			if (strcmp(got.p, want) != 0)
				goto out;
		}
out:
	cdp_buf_free(&got);
}

#define JSON(name, in, want) json_case(name, in, sizeof(in) - 1, 0, want)
#define JSONMAX(name, in, max, want) \
	json_case(name, in, sizeof(in) - 1, max, want)

static void
test_json_good(void)
{
	JSON("one line", "[{\"a\":1},{\"b\":2}]",
	    "1:{\"a\":1}\n1:{\"b\":2}\nend\n");
	JSON("pretty-printed",
	    "[\n  {\n    \"a\": 1,\n    \"b\": [1, 2]\n  },\n"
	    "  {\"c\": 3}\n]\n",
	    "2:{\\n    \"a\": 1,\\n    \"b\": [1, 2]\\n  }\n6:{\"c\": 3}\n"
	    "end\n");
	JSON("CRLF and lone CR", "[\r\n{\"a\":\r\n1},\r{\"b\":2}\r\n]\r\n",
	    "2:{\"a\":\\r\\n1}\n4:{\"b\":2}\nend\n");
	JSON("nested brackets and commas in strings",
	    "[{\"s\":\"a],[b}{\",\"t\":[[1,{\"u\":\"]\"}]]}, {\"v\":\"}\"}]",
	    "1:{\"s\":\"a],[b}{\",\"t\":[[1,{\"u\":\"]\"}]]}\n1:{\"v\":\"}\"}\n"
	    "end\n");
	JSON("escaped quotes and backslashes",
	    "[{\"q\":\"say \\\"]\\\" ok\"},{\"b\":\"\\\\\"},"
	    "{\"c\":\"\\\\\\\"]\"}]",
	    "1:{\"q\":\"say \\\\\"]\\\\\" ok\"}\n1:{\"b\":\"\\\\\\\\\"}\n"
	    "1:{\"c\":\"\\\\\\\\\\\\\"]\"}\nend\n");
	JSON("empty array", "[]", "end\n");
	JSON("empty array, spaced", " \n[ \n\t]\n\n ", "end\n");
	JSON("BOM", "\xef\xbb\xbf[{}]", "1:{}\nend\n");
	JSON("BOM and lines", "\xef\xbb\xbf\n[\n{}\n]", "3:{}\nend\n");
	JSON("scalars, strings, arrays",
	    "[1, -2.5e3 ,true,null,\"x,y\",[],[1,[2]],\n\"\"]",
	    "1:1\n1:-2.5e3\n1:true\n1:null\n1:\"x,y\"\n1:[]\n1:[1,[2]]\n"
	    "2:\"\"\nend\n");
	JSON("empty objects and nesting", "[{},{\"a\":{\"b\":{}}}]",
	    "1:{}\n1:{\"a\":{\"b\":{}}}\nend\n");
	JSON("line counting inside strings",
	    "[{\"a\":\"x\ny\"},\n{\"b\":\"\\\n\"}, {}]",
	    "1:{\"a\":\"x\\ny\"}\n3:{\"b\":\"\\\\\\n\"}\n4:{}\nend\n");
}

static void
test_json_bad(void)
{
	JSON("missing comma", "[{\"a\":1}\n {\"b\":2}]",
	    "1:{\"a\":1}\nerror 65 at 2: expected ',' or ']'\n");
	JSON("missing comma after scalar", "[1 2]",
	    "1:1\nerror 65 at 1: expected ',' or ']'\n");
	JSON("trailing data", "[{}]\n\n x",
	    "1:{}\nerror 65 at 3: trailing data after the array\n");
	JSON("two arrays", "[][]",
	    "error 65 at 1: trailing data after the array\n");
	JSON("not an array", "\n{\"a\":1}",
	    "error 65 at 2: not a JSON array\n");
	JSON("not an array: NDJSON", "{\"a\":1}\n{\"a\":2}\n",
	    "error 65 at 1: not a JSON array\n");
	JSON("empty input", "", "error 65 at 1: unexpected end of input\n");
	JSON("only whitespace", "\n\n",
	    "error 65 at 2: unexpected end of input\n");
	JSON("truncated after '['", "[\n",
	    "error 65 at 1: unexpected end of input\n");
	JSON("truncated after element", "[{\"a\":1},\n{\"b\":2}\n",
	    "1:{\"a\":1}\n2:{\"b\":2}\n"
	    "error 65 at 2: unexpected end of input\n");
	JSON("truncated after comma", "[{},", "1:{}\nerror 65 at 1: "
	    "unexpected end of input\n");
	JSON("truncated inside element", "[{},\n\n{\"a\":[1,2\n",
	    "1:{}\nerror 65 at 3: unexpected end of input\n");
	JSON("truncated inside string", "[\"abc",
	    "error 65 at 1: unexpected end of input\n");
	JSON("truncated scalar", "[12",
	    "error 65 at 1: unexpected end of input\n");
	JSON("truncated after escape", "[\"a\\",
	    "error 65 at 1: unexpected end of input\n");
	JSON("trailing comma", "[1,]",
	    "1:1\nerror 65 at 1: expected a value\n");
	JSON("leading comma", "[,1]", "error 65 at 1: expected a value\n");
	JSON("double comma", "[1,\n,2]",
	    "1:1\nerror 65 at 2: expected a value\n");
}

static void
test_json_long(void)
{
	JSONMAX("element over the cap", "[{\"a\":\"0123456789\"},\n{}]", 8,
	    "1:{\"a\":\"01 !long\n2:{}\nend\n");
	JSONMAX("element at the cap", "[{\"a\":1},{\"a\":12}]", 7,
	    "1:{\"a\":1}\n1:{\"a\":12 !long\nend\n");
	JSONMAX("long element over lines",
	    "[\n{\"a\":\n\"x,]\",\n\"b\":\n[1,\n2]}\n,{}]", 5,
	    "2:{\"a\": !long\n7:{}\nend\n");
	JSONMAX("long scalar", "[123456789,1]", 4,
	    "1:1234 !long\n1:1\nend\n");
}

/* A large element crossing many blocks keeps its exact text. */
static void
test_json_big(void)
{
	size_t n = (size_t)3 << 20;
	char *in = malloc(n + 64);
	struct cdp_err err;
	struct cdp_line el;
	struct jsonin *j;
	size_t k = 0;
	int fd;

	k += (size_t)sprintf(in, "[\n{\"s\":\"");
	for (; k < n; k++)
		in[k] = k % 1000 == 0 ? ',' : 'x';
	k += (size_t)sprintf(in + k, "\"},\n{}]\n");
	fd = file_with(in, k);
	j = jsonin_open(fd, "t", NULL, 0, 0, &err);
	CHECK(jsonin_next(j, &el, &err) == 1 && el.lineno == 2 &&
	    !el.too_long && el.len == k - 2 - 6 &&
	    memcmp(el.p, in + 2, el.len) == 0, "big element");
	CHECK(jsonin_next(j, &el, &err) == 1 && el.lineno == 3 &&
	    el.len == 2, "after big element");
	CHECK(jsonin_next(j, &el, &err) == 0, "end");
	CHECK(jsonin_offset(j) == (off_t)k, "offset");
	jsonin_close(j);
	close(fd);

	/* Over a small cap: a prefix, and memory stays near the cap. */
	fd = file_with(in, k);
	j = jsonin_open(fd, "t", NULL, 0, 1000, &err);
	CHECK(jsonin_next(j, &el, &err) == 1 && el.lineno == 2 &&
	    el.too_long && el.len == 1000 &&
	    memcmp(el.p, in + 2, 1000) == 0, "big element, capped");
	CHECK(jsonin_held(j) <= 4096, "element buffer grew to %zu",
	    jsonin_held(j));
	CHECK(jsonin_next(j, &el, &err) == 1 && el.lineno == 3 &&
	    !el.too_long, "after capped element");
	CHECK(jsonin_next(j, &el, &err) == 0, "end");
	jsonin_close(j);
	close(fd);
	free(in);
}

static void
test_json_pipe(void)
{
	static const char in[] = "\xef\xbb\xbf[\r\n{\"a\":\"[\"},\n\n{}\n]\n";
	struct cdp_buf got = { 0 };
	pid_t pid;
	int fd, st;

	fd = pipe_with(in, sizeof(in) - 1, &pid);
	json_dump(fd, NULL, 0, 4096, 0, &got);
	close(fd);
	waitpid(pid, &st, 0);
	CHECK_STR(got.p, "2:{\"a\":\"[\"}\n4:{}\nend\n");
	cdp_buf_free(&got);
}

static void
test_json_read_error(void)
{
	struct cdp_err err;
	struct cdp_line el;
	struct jsonin *j;

	j = jsonin_open(-1, "t", "[1,", 3, 0, &err);
	CHECK(jsonin_next(j, &el, &err) == 1 && el.len == 1, "pre element");
	CHECK(jsonin_next(j, &el, &err) == -1 && err.code == EX_IOERR,
	    "read error: code %d", err.code);
	jsonin_close(j);
	jsonin_close(NULL);
}

int
main(void)
{
	test_csv_basic();
	test_csv_lines();
	test_csv_bom();
	test_csv_quotes_spaces();
	test_tsv();
	test_csv_bad();
	test_csv_long();
	test_csv_memory();
	test_csv_random();
	test_csv_paths();
	test_csv_row_end();
	test_csv_raw();
	test_csv_pipe();
	test_csv_read_error();
	test_json_good();
	test_json_bad();
	test_json_long();
	test_json_big();
	test_json_pipe();
	test_json_read_error();
	return CHECK_DONE();
}
