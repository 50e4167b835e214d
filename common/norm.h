/*
 * norm.h - normalisers for identifiers and attributes: email, phone
 * (E.164), person name (display value and match key), date and datetime
 * (ISO 8601) and country (ISO 3166-1 alpha-2).  Used by cdp-ingest and
 * by the matching stages.  Each normaliser appends its result to out and
 * returns 0, or returns -1 and sets *why to a static reason ("not an
 * email address") that never quotes the value.  Allocation failure is
 * -1 with *why "out of memory".
 */
#ifndef CDP_NORM_H
#define CDP_NORM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/*
 * Narrow s[0..*n) to leave out ASCII whitespace (space, tab, CR, LF, VT,
 * FF) at both ends: *s moves forward and *n shrinks.  Nothing is copied.
 */
void	cdp_trim(const char **s, size_t *n);

/* cdp_norm_email() flags. */
#define CDP_EMAIL_CANONICAL	0x01	/* provider form: gmail dots, +tags */

/*
 * Email: trim surrounding whitespace, lower-case (ASCII and UTF-8), check
 * the shape local@domain (one @, non-empty parts, no spaces, a dot in the
 * domain, no empty domain labels).  With CDP_EMAIL_CANONICAL, drop
 * "+tag" from the local part for providers that ignore it, and dots for
 * gmail.com/googlemail.com (written as gmail.com).
 */
int	cdp_norm_email(const char *s, size_t n, unsigned flags,
	    struct cdp_buf *out, const char **why);

/*
 * Phone to E.164 ("+48601234567").  Accepts spaces, dots, dashes,
 * slashes, parentheses, a leading "+" or international prefix "00"
 * (and "011" for NANP countries), and national numbers with their trunk
 * prefix ("0" in most of Europe, "1" in NANP, "8" in Russia) when
 * default_country (ISO alpha-2, may be NULL) says which country they are
 * in.  Too few or too many digits for the country is an error, as are
 * letters and an unknown calling code.  Extensions ("x123", "ext. 9")
 * are an error too: they are not part of E.164.
 */
int	cdp_norm_phone(const char *s, size_t n, const char *default_country,
	    struct cdp_buf *out, const char **why);

/* True when alpha2 (e.g. "PL") is a country cdp_norm_phone() knows. */
bool	cdp_phone_country_known(const char *alpha2);

/*
 * Person name: display value (trimmed, runs of whitespace collapsed to
 * one space, NFC, words written all in capitals turned to title case, so
 * are words all in lower case unless another word mixes cases, as in
 * "Ludwig van Beethoven"; mixed-case words such as "McDonald" kept) and
 * match key (the same words case-folded with accents stripped:
 * "Zoë  MÜLLER" -> display "Zoë Müller", key "zoe muller").  Either of
 * display or key may be NULL.  Invalid UTF-8 or an empty name is an
 * error.
 */
int	cdp_norm_name(const char *s, size_t n, struct cdp_buf *display,
	    struct cdp_buf *key, const char **why);

/*
 * Match key of any text: NFKC, case fold, accents stripped, punctuation
 * other than letters and digits turned into spaces, whitespace collapsed
 * and trimmed ("  Saint-Étienne " -> "saint etienne").
 */
int	cdp_norm_key(const char *s, size_t n, struct cdp_buf *out,
	    const char **why);

/* Day/month order for numeric dates such as 03/04/2025. */
enum cdp_date_order {
	CDP_DATE_AUTO,	/* unambiguous input only: 03/04/2025 is an error */
	CDP_DATE_DMY,
	CDP_DATE_MDY,
	CDP_DATE_YMD
};

/* Parse "dmy", "mdy", "ymd" or "auto".  Returns 0, or -1. */
int	cdp_date_order_parse(const char *s, enum cdp_date_order *out);

/*
 * Date to "YYYY-MM-DD".  Accepts ISO 8601 (2025-03-04, 20250304), numeric
 * forms with /, - or . separators in the order given (a four-digit first
 * part is always year-month-day; a day above 12 settles the order), and
 * month names in English, full or abbreviated ("4 Mar 2025",
 * "March 4, 2025", "Tue, 4 Mar 2025").  A time part after a date is an
 * error here.  The date must exist in the calendar (no 2025-02-30).
 */
int	cdp_norm_date(const char *s, size_t n, enum cdp_date_order order,
	    struct cdp_buf *out, const char **why);

/*
 * Datetime to ISO 8601: "YYYY-MM-DDTHH:MM:SS" followed by the fraction
 * of seconds as written (if any) and "Z" or "+HH:MM" when the input gives
 * a zone ("Z", "+0200", "+02:00", "UTC", "GMT").  Accepts the date forms of
 * cdp_norm_date() followed by "T" or spaces and HH:MM[:SS[.frac]],
 * optionally "AM"/"PM".  Unix epoch numbers are not accepted (they are
 * ambiguous with compact dates).  A date alone gives midnight:
 * "2025-03-04T00:00:00".
 */
int	cdp_norm_datetime(const char *s, size_t n, enum cdp_date_order order,
	    struct cdp_buf *out, const char **why);

/* Country table loaded from the iso-codes package. */
struct cdp_countries;

/* Default path of the iso-codes ISO 3166-1 JSON file. */
#define CDP_ISO3166_PATH	"/usr/share/iso-codes/json/iso_3166-1.json"

/*
 * Load the ISO 3166-1 table from path (NULL = CDP_ISO3166_PATH) with
 * jansson.  Returns a new table, or NULL with err set (EX_OSFILE when the
 * file is missing or malformed).
 */
struct cdp_countries *cdp_countries_load(const char *path,
	    struct cdp_err *err);

/* Free the table; NULL is a no-op. */
void	cdp_countries_free(struct cdp_countries *c);

/*
 * Country to ISO 3166-1 alpha-2: accepts alpha-2, alpha-3 and numeric
 * codes, and the name, official name and common name, compared by match
 * key (case and accents ignored), plus a few everyday names ("UK",
 * "England", "USA", "Holland").  Unknown is an error.
 */
int	cdp_norm_country(const struct cdp_countries *c, const char *s,
	    size_t n, struct cdp_buf *out, const char **why);

#endif
