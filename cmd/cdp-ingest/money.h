/*
 * money.h - amounts as people write them ("1.234,56 €", "£12.50",
 * "PLN 99", "12,50 zł", "(7.00)") to a JSON number and an ISO 4217
 * currency code, the codes read from the iso-codes package at run time.
 */
#ifndef MONEY_H
#define MONEY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* Default path of the iso-codes ISO 4217 JSON file. */
#define ISO4217_PATH	"/usr/share/iso-codes/json/iso_4217.json"

/* money_parse() flags. */
#define MONEY_DECIMAL_COMMA	0x01	/* "1,234" is 1.234, "1.234" 1234 */
#define MONEY_NO_CURRENCY	0x02	/* a plain number: no currency */

struct money_codes;

/*
 * Load the ISO 4217 codes from path (NULL = ISO4217_PATH).  Returns a new
 * table, or NULL with err set (EX_OSFILE when missing or malformed).
 */
struct money_codes *money_load(const char *path, struct cdp_err *err);

/* Free the table; NULL is a no-op. */
void	money_free(struct money_codes *c);

/* True when code (three letters, upper case) is an ISO 4217 code. */
bool	money_known(const struct money_codes *c, const char *code);

/*
 * Parse the amount s[0..n) and append it to out as a JSON number (a
 * minus sign, the digits without leading zeros or group separators, a
 * point and the decimals as written).  The decimal mark is the last of
 * "." and "," when both appear; alone, a mark followed by other than
 * three digits (or after a lone 0) is decimal, and one followed by
 * exactly three is a thousands separator unless flags say a comma is the
 * decimal mark (MONEY_DECIMAL_COMMA) or it is a point without that flag.
 * Groups (by ".", ",", spaces, no-break spaces or apostrophes) must hold
 * three digits.  A leading or trailing minus sign (also U+2212) and
 * parentheses make the amount negative.  A currency symbol or ISO 4217
 * code may come before or after the number; cur (4 bytes) receives its
 * code, or "" when there is none.  An ambiguous symbol ("$", "¥", "kr")
 * takes deflt (a code, or NULL) when deflt is one it can mean.
 * Returns 0, or -1 with *why a static reason ("not an amount", "unknown
 * currency", "ambiguous currency symbol: give --default-currency",
 * "amount out of range").
 */
int	money_parse(const struct money_codes *c, const char *s, size_t n,
	    unsigned flags, const char *deflt, struct cdp_buf *out,
	    char cur[4], const char **why);

#endif
