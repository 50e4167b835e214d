/*
 * phonelib.cc - the C shim over libphonenumber's PhoneNumberUtil: parse
 * an E.164 number and ask the metadata whether it is valid.  No C++
 * exception or object crosses into C.
 */
#include <new>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "phonelib.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/* Parse e164 (which carries its own "+" and calling code). */
static bool
parse(const char *e164, size_t n, PhoneNumber *num)
{
	PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();

	if (n == 0 || e164[0] != '+')
		return false;
	return util->Parse(std::string(e164, n), "ZZ", num) ==
	    PhoneNumberUtil::NO_PARSING_ERROR;
}

extern "C" int
cdp_phonelib_valid(const char *e164, size_t n)
{
	try {
		PhoneNumber num;

		if (!parse(e164, n, &num))
			return -1;
		return PhoneNumberUtil::GetInstance()->IsValidNumber(num) ?
		    1 : 0;
	} catch (...) {
		return -1;
	}
}
