/*
 * times.h - times for cdp-ingest: Unix epoch numbers (seconds,
 * milliseconds, microseconds) to ISO 8601 in UTC, and --tz and --utc
 * applied to the datetimes the normaliser writes.
 */
#ifndef TIMES_H
#define TIMES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Units of an epoch number: the power of ten per second. */
#define EPOCH_S		0
#define EPOCH_MS	3
#define EPOCH_US	6

/* Make name (cdp_tz_valid) the zone of local times for the rest of the run. */
int	tz_use(const char *name);

/*
 * The unit of s[0..n) when it looks like an epoch number where a datetime
 * is expected: 10 digits (seconds, possibly with a fraction), 13
 * (milliseconds) or 16 (microseconds).  -1 otherwise: shorter numbers
 * are not taken for times (they could be compact dates).
 */
int	epoch_unit_of(const char *s, size_t n);

/*
 * The epoch number s[0..n) in unit (EPOCH_*; seconds may have a
 * fraction, and a minus sign is allowed) as "YYYY-MM-DDTHH:MM:SS[.f]Z"
 * appended to out.  The fraction is written when not zero: 3 digits for
 * milliseconds, 6 for microseconds, as written for seconds.  Returns 0,
 * or -1 with *why "not an epoch time" or "epoch time out of range"
 * (outside the years 0001 to 9999).
 */
int	epoch_iso(const char *s, size_t n, int unit, struct cdp_buf *out,
	    const char **why);

/*
 * Rewrite the datetime iso[0..n) as cdp_norm_datetime() writes it
 * (YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]) into out: a time without a zone
 * is taken in the zone of tz_use() when tz is set (and gets its offset,
 * or is converted to UTC with utc); with utc a time with a zone is
 * converted to UTC ("Z").  Returns 0, or -1 with *why: "time has no
 * zone: give --tz" (utc without tz), "time does not exist in the --tz
 * zone (clock change)".  A local time that occurs twice (clocks going
 * back) is taken at its first occurrence.
 */
int	tz_adjust(const char *iso, size_t n, bool tz, bool utc,
	    struct cdp_buf *out, const char **why);

#endif
