/*
 * sniff.c - the kind of an input, the delimiter of delimited text and the
 * UTF-16 check, from the first bytes.  Deterministic: the same bytes give
 * the same answer, and a tie is reported, never broken by a guess.
 */
#include <string.h>

#include "sniff.h"

#define UTF16_WINDOW	1024	/* bytes the UTF-16 check looks at */

static size_t
bom_len(const char *p, size_t n)
{
	return n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

enum sniff_kind
sniff_kind(const char *p, size_t n)
{
	size_t i = bom_len(p, n);

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (i < n && p[i] == '[')
		return SNIFF_JSON;
	if (i < n && p[i] == '{')
		return SNIFF_NDJSON;
	return SNIFF_TEXT;
}

/* True when p[i..) up to the line end holds only spaces and tabs. */
static bool
blank_line(const char *p, size_t n, size_t i)
{
	for (; i < n && p[i] != '\n' && p[i] != '\r'; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

/*
 * The columns of the record at p[*i] split by d, quotes honoured; *i
 * moves past its line end.  Returns 0 when the record does not end in
 * the sample (it may go on past it).
 */
static size_t
record_cols(const char *p, size_t n, size_t *i, char d, bool eof)
{
	size_t cols = 1;
	bool inq = false, start = true;
	char c;

	while (*i < n) {
		c = p[(*i)++];
		if (inq) {
			if (c == '"' && *i < n && p[*i] == '"')
				(*i)++;
			else if (c == '"')
				inq = false;
			continue;
		}
		if (c == '"' && start) {
			inq = true;
			start = false;
		} else if (c == d) {
			cols++;
			start = true;
		} else if (c == '\n' || c == '\r') {
			if (c == '\r' && *i < n && p[*i] == '\n')
				(*i)++;
			return cols;
		} else if (c != ' ' || d == ' ') {
			start = false;
		}
	}
	return eof && !inq ? cols : 0;
}

/* How d splits the sample: the header's columns and the rows agreeing. */
static struct sniff_fit
fit(const char *p, size_t n, bool eof, char d, size_t *rows)
{
	struct sniff_fit f = { .delim = d };
	size_t i = bom_len(p, n), cols;
	bool header = true;

	*rows = 0;
	while (i < n && *rows < SNIFF_ROWS) {
		if (p[i] == '\n' || p[i] == '\r') {
			i++;
			continue;
		}
		if (blank_line(p, n, i)) {
			while (i < n && p[i] != '\n' && p[i] != '\r')
				i++;
			continue;
		}
		if ((cols = record_cols(p, n, &i, d, eof)) == 0)
			break;
		if (header) {
			f.cols = cols;
			header = false;
			continue;
		}
		(*rows)++;
		f.agree += cols == f.cols;
	}
	return f;
}

static bool
better(const struct sniff_fit *a, const struct sniff_fit *b)
{
	return b->delim == 0 || a->agree > b->agree;
}

int
sniff_delimiter(const char *p, size_t n, bool eof, struct sniff_delim *out)
{
	const char *cand = SNIFF_CANDIDATES;
	struct sniff_fit f;
	size_t rows;

	*out = (struct sniff_delim){ .rows = 0 };
	for (; *cand != '\0'; cand++) {
		f = fit(p, n, eof, *cand, &rows);
		if (f.cols < 2)
			continue;
		if (better(&f, &out->best)) {
			out->second = out->best;
			out->best = f;
			out->rows = rows;
		} else if (better(&f, &out->second)) {
			out->second = f;
		}
	}
	if (out->best.delim == 0) {
		out->best = (struct sniff_fit){ .delim = ',', .cols = 1 };
		return 0;
	}
	if (out->second.delim != 0 && out->second.agree == out->best.agree)
		return -1;
	return 0;
}

bool
sniff_utf16(const char *p, size_t n, bool *le)
{
	size_t even = 0, odd = 0, pairs;

	if (n > UTF16_WINDOW)
		n = UTF16_WINDOW;
	pairs = n / 2;
	for (size_t i = 0; i + 1 < n; i += 2) {
		even += p[i] == '\0';
		odd += p[i + 1] == '\0';
	}
	if (pairs == 0)
		return false;
	*le = odd > even;
	if (*le)
		return odd * 4 >= pairs && even * 4 < odd;
	return even * 4 >= pairs && odd * 4 < even;
}
