/*
 * phonelib.h - phone numbers checked against the metadata of Google's
 * libphonenumber (Debian package libphonenumber-dev) through a thin C
 * shim, phonelib.cc: the only C++ in cdpipe.  The metadata knows which
 * number ranges each country uses, where a table of lengths only knows
 * how many digits a number has.
 */
#ifndef CDP_PHONELIB_H
#define CDP_PHONELIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Is the E.164 number e164[0..n) ("+447911123456") a valid number of the
 * country its calling code and leading digits name?  Returns 1 when
 * valid, 0 when not (unused ranges, wrong length, fictional ranges such
 * as the UK's 07700 900xxx), -1 when it cannot be read as E.164 or on
 * allocation failure.  Thread-compatible: the metadata is loaded once,
 * on the first call.
 */
int	cdp_phonelib_valid(const char *e164, size_t n);

#ifdef __cplusplus
}
#endif

#endif
