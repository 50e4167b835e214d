/*
 * sniff.h - what an input holds, told from its first bytes: a JSON array,
 * NDJSON or delimited text, which byte separates the fields of delimited
 * text, and whether NUL bytes say "UTF-16 without a byte order mark".
 */
#ifndef SNIFF_H
#define SNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* Rows after the header that the delimiter sniffer looks at. */
#define SNIFF_ROWS	20

/* The candidate delimiters, in the order messages list them. */
#define SNIFF_CANDIDATES	",;\t|"

enum sniff_kind {
	SNIFF_JSON,		/* '[' first */
	SNIFF_NDJSON,		/* '{' first */
	SNIFF_TEXT		/* anything else: delimited text */
};

/* The kind of p[0..n), after a UTF-8 BOM and whitespace. */
enum sniff_kind sniff_kind(const char *p, size_t n);

/*
 * How each candidate delimiter splits the sample: the header's column
 * count and how many of the rows after it (up to SNIFF_ROWS, complete
 * ones only) have that many columns.  Quotes are honoured as in RFC 4180.
 */
struct sniff_fit {
	char	 delim;
	size_t	 cols;		/* columns of the header */
	size_t	 agree;		/* rows with as many columns */
};

struct sniff_delim {
	struct sniff_fit best, second;	/* second.delim 0 when none */
	size_t		 rows;		/* rows after the header seen */
};

/*
 * Choose the delimiter of the delimited text p[0..n) (eof: n is the whole
 * input).  Only a candidate that splits the header into two or more
 * columns can win; the one whose column count the most rows share wins.
 * Returns 0 with out->best the choice (',' when no candidate splits the
 * header: one column), or -1 when the two best fit equally well (then
 * out->best and out->second are the two): the caller refuses to guess.
 */
int	sniff_delimiter(const char *p, size_t n, bool eof,
	    struct sniff_delim *out);

/*
 * True when p[0..n) looks like UTF-16 without a byte order mark: NUL
 * bytes in at least a quarter of the even or odd positions of the first
 * bytes, and none in the other.  *le tells little-endian (NULs at odd
 * positions, after ASCII characters).
 */
bool	sniff_utf16(const char *p, size_t n, bool *le);

#endif
