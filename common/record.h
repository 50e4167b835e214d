/*
 * record.h - the record layer: strict JSON validation of one NDJSON line
 * in a single pass, an index of its top-level fields as spans of the line,
 * on-demand accessors, and a writer that copies untouched fields byte for
 * byte.  No allocation per field: a struct cdp_rec reuses its arrays.
 */
#ifndef CDP_RECORD_H
#define CDP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"
#include "simd.h"

#define CDP_MAX_DEPTH	512	/* deepest nesting accepted (DESIGN.md) */

enum cdp_type {
	CDP_NULL,
	CDP_FALSE,
	CDP_TRUE,
	CDP_NUMBER,
	CDP_STRING,
	CDP_OBJECT,
	CDP_ARRAY
};

/* Bits of struct cdp_field.flags. */
#define CDP_F_KEYESC	0x01	/* the key contains backslash escapes */
#define CDP_F_VALESC	0x02	/* the string value contains escapes */
#define CDP_F_SPACE	0x04	/* an object/array value holds whitespace */

/*
 * One top-level field.  The key span is the text between the key's quotes
 * (still escaped); the value span is the value's whole JSON text, quotes
 * included for strings, so that copying it reproduces the input exactly.
 */
struct cdp_field {
	uint32_t	koff, klen;
	uint32_t	voff, vlen;
	uint8_t		type;	/* enum cdp_type */
	uint8_t		flags;	/* CDP_F_* */
};

struct cdp_keyshape;

/*
 * A parsed record.  p/len is the caller's line (not copied: it must stay
 * valid while the record is used).  A zeroed struct is ready for
 * cdp_rec_parse(); cdp_rec_free() releases the arrays.
 */
struct cdp_rec {
	const char		*p;
	size_t			 len;
	struct cdp_field	*f;
	size_t			 n;
	size_t			 cap;
	struct cdp_buf		 scratch;	/* private: key unescaping */
	uint32_t		*slots;		/* private: duplicate-key set */
	size_t			 nslots;
	struct cdp_jsonmask	 mask;		/* private: token masks */
	struct cdp_keyshape	*shape;		/* private: the last keys */
	size_t			 nshape, shapecap;
	int			 simd;		/* private: 1 + the level of
						   cdp_rec_use(), 0 unset */
	unsigned long		 ntok;		/* lines the token walk
						   indexed (tests) */
	struct {
		const char	*key;
		size_t		 klen, ix;	/* ix SIZE_MAX: absent */
		unsigned long	 keys;		/* absent from keys */
		char		 text[24];	/* an absent key's bytes */
	}			 found[8];	/* private: cdp_rec_find's
						   keys and where they were */
	unsigned		 nfound;
	unsigned long		 keys;		/* private: a number that
						   changes with the keys */
	bool			 keyed;		/* private: the last parse
						   succeeded */
};

/*
 * Validate p[0..len) as one strict JSON object (RFC 8259: UTF-8 checked,
 * no lone surrogate escapes, no NaN/Infinity, nesting at most
 * CDP_MAX_DEPTH, nothing but whitespace after it, no duplicate top-level
 * key, keys compared after unescaping) and index its top-level fields in
 * input order.  Whitespace is space, tab, CR and LF.  Returns 0; or -1 with
 * err->code EX_DATAERR and a reason such as "invalid UTF-8 at byte 17"
 * (a byte offset, never the data) or CDP_UTF16_REASON for a UTF-16 line,
 * or EX_OSERR on allocation failure.
 */
int	cdp_rec_parse(struct cdp_rec *r, const char *p, size_t len,
	    struct cdp_err *err);

/*
 * Parse with the instructions of level (at most what the CPU has) from
 * now on: tests, benchmarks.  By default the first parse takes
 * cdp_simd_best().  Every level accepts the same lines, builds the same
 * index and gives the same reasons: above SCALAR, masks of the line
 * (simd.h) lead a token walk, and a line the walk does not accept is
 * scanned byte by byte, which decides and words the reason.
 */
void	cdp_rec_use(struct cdp_rec *r, enum cdp_simd level);

/* Release the record's arrays; the struct may be parsed into again. */
void	cdp_rec_free(struct cdp_rec *r);

/*
 * The top-level field whose unescaped key equals key[0..klen), or NULL.
 * Borrowed pointer into r, valid until the next parse.
 */
const struct cdp_field *cdp_rec_find(struct cdp_rec *r, const char *key,
	    size_t klen);

/*
 * The unescaped text of a string field: *s and *n point into the line when
 * the string has no escapes, else into scratch (reset and refilled).  Returns
 * 0, or -1 when the field is not a string (or on allocation failure).
 */
int	cdp_rec_str(const struct cdp_rec *r, const struct cdp_field *f,
	    struct cdp_buf *scratch, const char **s, size_t *n);

/*
 * The value of a number field as a double.  Returns 0, or -1 when the
 * field is not a number or does not fit a finite double (1e400).
 */
int	cdp_rec_num(const struct cdp_rec *r, const struct cdp_field *f,
	    double *out);

/*
 * The exact value of JSON number text p[0..n) (valid JSON syntax) as one
 * canonical text, the same for every spelling of the same value: "0" for
 * every zero (-0 included), else "[-]D[.DDD]eE" with the significant
 * digits only ("1.0", "1e0" and "10E-1" are all "1e0";
 * 12345678901234567890 is "1.234567890123456789e19").  Exponents beyond
 * +-999999999 saturate.  Appended to out.  Returns 0, or -1 on
 * allocation failure.  For group keys and distinct counts, which must
 * never merge two values a double cannot tell apart.
 */
int	cdp_num_canon(const char *p, size_t n, struct cdp_buf *out);

/*
 * Order two canonical texts (cdp_num_canon()) by the values they stand
 * for: -1, 0 or 1.
 */
int	cdp_num_canon_cmp(const char *a, size_t an, const char *b, size_t bn);

/*
 * Append canonical text c[0..n) as a JSON number for people: the text of
 * cdp_fmt_double() when a double holds the value exactly, else the exact
 * digits in plain notation when the exponent is from -7 to 20
 * (12345678901234567890) or in exponent notation (1e400).  Returns 0,
 * or -1 on allocation failure.
 */
int	cdp_num_canon_json(const char *c, size_t n, struct cdp_buf *out);

/*
 * The exact value of JSON number text p[0..n) as key text: plain
 * notation, no exponent, when the value's exponent is from -30 to 60
 * ("1.0", "1e0" and "10E-1" are "1"; "-0" is "0"; 12345678901234567890
 * and 165.71 stay as they are), else its canonical text ("1e400").  One
 * text per value, and integers and decimals written plainly keep their
 * bytes, so keys of ids do not change.  Appended to out; 0, or -1 on
 * allocation failure.
 */
int	cdp_num_key(const char *p, size_t n, struct cdp_buf *out);

/* Append the unescaped form of JSON string contents s[0..n) (no quotes,
 * already validated) to out.  Returns 0, or -1 on allocation failure. */
int	cdp_json_unescape(const char *s, size_t n, struct cdp_buf *out);

/*
 * Append s[0..n) to out as a quoted JSON string, escaping '"', '\\' and
 * control characters (as \n, \t, ... or \u00XX); other bytes, including
 * UTF-8, are copied.  Invalid UTF-8 sequences become U+FFFD, so the result
 * is always valid JSON.  Returns 0, or -1 on allocation failure.
 */
int	cdp_json_quote(struct cdp_buf *out, const char *s, size_t n);

/* True when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool	cdp_utf8_valid(const char *s, size_t n);

/*
 * True when s[0..n), the start of an input, looks like UTF-16 text: a
 * UTF-16 byte order mark, or ASCII characters each with a NUL byte on the
 * same side.  For the hint of a refused input.
 */
bool	cdp_looks_utf16(const char *s, size_t n);

/* The reason given for such an input. */
#define CDP_UTF16_REASON \
	"UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"

/*
 * Write d as the shortest decimal text that reads back (strtod) to the
 * same double, in JSON number syntax; integers up to 2^53 have no
 * exponent or fraction.  buf needs 32 bytes.  Returns the length, or -1
 * when d is not finite.
 */
int	cdp_fmt_double(char *buf, double d);

/*
 * Record writer: builds one output line.  Usage:
 *	cdp_recw_begin(&w);
 *	cdp_recw_field(&w, &rec, f);		copy a field untouched
 *	cdp_recw_str(&w, "email", 5, s, n);	add a field the program owns
 *	cdp_recw_end(&w);			closes with "}\n"
 * then write w.b.p/w.b.len.  Every function returns 0, or -1 on allocation
 * failure.  Callers own the uniqueness of keys.
 */
struct cdp_recw {
	struct cdp_buf	b;
	size_t		n;	/* fields written so far */
};

void	cdp_recw_begin(struct cdp_recw *w);
/* Begin another record after the lines already in w.b, which
 * cdp_recw_begin() would empty: many records built in one buffer. */
void	cdp_recw_next(struct cdp_recw *w);
int	cdp_recw_end(struct cdp_recw *w);
void	cdp_recw_free(struct cdp_recw *w);

/* Copy field f of r: key and value bytes exactly as in the input, the
 * whitespace inside an object or array (CDP_F_SPACE) included, unless it
 * holds a line break (CR or LF): then that value is written without its
 * whitespace, as a record is one line. */
int	cdp_recw_field(struct cdp_recw *w, const struct cdp_rec *r,
	    const struct cdp_field *f);

/*
 * Copy every field of r in order, as cdp_recw_field() each (called right
 * after cdp_recw_begin()).  A line already in the writer's form (no
 * whitespace outside the values, none inside a nested one) is copied in
 * one piece, not field by field: the common case of records written by
 * this suite.
 */
int	cdp_recw_fields(struct cdp_recw *w, const struct cdp_rec *r);

/*
 * The end of r's fields in its line when the line holds them in the
 * writer's form (what cdp_recw_fields() then copies in one piece: a line
 * that ends there with its '}' is written as it is), or 0.
 */
size_t	cdp_rec_compact_end(const struct cdp_rec *r);

/* Copy field f of r under a new (unescaped) key. */
int	cdp_recw_field_as(struct cdp_recw *w, const char *key, size_t klen,
	    const struct cdp_rec *r, const struct cdp_field *f);

/* Add key with a string value (UTF-8, quoted and escaped here). */
int	cdp_recw_str(struct cdp_recw *w, const char *key, size_t klen,
	    const char *s, size_t n);

/* Add key with a number (cdp_fmt_double); -1 also when d is not finite. */
int	cdp_recw_num(struct cdp_recw *w, const char *key, size_t klen,
	    double d);

/* Add key with an integer. */
int	cdp_recw_int(struct cdp_recw *w, const char *key, size_t klen,
	    long long v);

/* Add key with true or false. */
int	cdp_recw_bool(struct cdp_recw *w, const char *key, size_t klen,
	    bool v);

/* Add key with null. */
int	cdp_recw_null(struct cdp_recw *w, const char *key, size_t klen);

/* Add key with raw, already valid and compact, JSON text as its value. */
int	cdp_recw_raw(struct cdp_recw *w, const char *key, size_t klen,
	    const char *json, size_t n);

/*
 * cdp_recw_str() and cdp_recw_raw() with the key given already quoted,
 * qkey[0..qklen) as cdp_json_quote() writes it: for a key written on
 * every record (a CSV column's), quoted once.
 */
int	cdp_recw_qstr(struct cdp_recw *w, const char *qkey, size_t qklen,
	    const char *s, size_t n);
int	cdp_recw_qraw(struct cdp_recw *w, const char *qkey, size_t qklen,
	    const char *json, size_t n);

/* cdp_recw_int() and cdp_recw_num() with the key given already quoted. */
int	cdp_recw_qint(struct cdp_recw *w, const char *qkey, size_t qklen,
	    long long v);
int	cdp_recw_qnum(struct cdp_recw *w, const char *qkey, size_t qklen,
	    double d);

/* cdp_recw_qstr() for a value known to need no escaping (printable ASCII
 * other than '"' and '\\'): copied between quotes as it is. */
int	cdp_recw_qplain(struct cdp_recw *w, const char *qkey, size_t qklen,
	    const char *s, size_t n);

#endif
