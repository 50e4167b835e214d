/*
 * phonetic.h - phonetic keys of names for blocking: names that sound
 * alike ("Smith", "Smyth") get the same key.
 */
#ifndef CDP_PHONETIC_H
#define CDP_PHONETIC_H

#include <stddef.h>

/*
 * American Soundex of the ASCII letters of s[0..n) (other bytes are
 * skipped): a letter and three digits, NUL-terminated in out.  Returns 0,
 * or -1 when s has no letter (out is then "").
 */
int	cdp_soundex(const char *s, size_t n, char out[5]);

#define CDP_NYSIIS_SIZE	64	/* the longest key and its NUL */

/*
 * NYSIIS key of the ASCII letters of s[0..n) (other bytes are skipped;
 * 63 letters at most are read), NUL-terminated in out: "John" and "Jan"
 * are JAN.  The original rules, without cutting the key to six letters.
 * Returns the key's length, or -1 when s has no letter (out is then "").
 */
int	cdp_nysiis(const char *s, size_t n, char out[CDP_NYSIIS_SIZE]);

#endif
