/*
 * fuzz_time.c - cdp_time_parse() on any text, and the calendar functions
 * on what it returns: a parsed time is finite and its day maps to a valid
 * date.
 */
#include <math.h>

#include "buf.h"
#include "timeval.h"

#include "fuzz.h"

static struct cdp_buf	 tmp;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	double secs;
	long day;
	int y, m, d;

	if (cdp_time_parse((const char *)data, size, &tmp, &secs,
	    &why) == -1) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(isfinite(secs));
	day = cdp_time_day(secs);
	cdp_time_civil(day, &y, &m, &d);
	FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	return 0;
}
