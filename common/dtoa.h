/*
 * dtoa.h - the shortest decimal digits that read back as a given double,
 * from the double-conversion library (Debian package
 * libdouble-conversion-dev) through a thin C shim, dtoa.cc.  The record
 * layer's cdp_fmt_double() builds its text from them where a short
 * decimal does not already give it.
 */
#ifndef CDP_DTOA_H
#define CDP_DTOA_H

#ifdef __cplusplus
extern "C" {
#endif

/* Room for the digits and a NUL. */
#define CDP_DTOA_DIGITS	18

/*
 * The fewest digits d1 d2 ... dn that read back as d (finite, not zero;
 * the sign is ignored), the nearest to d of those: into digits, NUL
 * ended; d is 0.d1...dn * 10^point.  Returns n (1 to 17).
 */
int	cdp_dtoa_shortest(double d, char digits[CDP_DTOA_DIGITS], int *point);

#ifdef __cplusplus
}
#endif

#endif
