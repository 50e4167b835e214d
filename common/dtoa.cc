// dtoa.cc - the C shim of dtoa.h over double-conversion's shortest mode.
#include <double-conversion/double-to-string.h>

#include "dtoa.h"

using double_conversion::DoubleToStringConverter;

extern "C" int
cdp_dtoa_shortest(double d, char digits[CDP_DTOA_DIGITS], int *point)
{
	bool sign;
	int len;

	DoubleToStringConverter::DoubleToAscii(d < 0 ? -d : d,
	    DoubleToStringConverter::SHORTEST, 0, digits, CDP_DTOA_DIGITS,
	    &sign, &len, point);
	return len;
}
