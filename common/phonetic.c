/*
 * phonetic.c - American Soundex (the variant of the US census, 1880+)
 * and NYSIIS, written here: phonetic keys of names.
 */
#include <stdbool.h>
#include <string.h>

#include "phonetic.h"

/* The digit of each letter a..z; '0' for vowels, y, h and w. */
static const char code[] = "01230120022455012623010202";

static int
lower(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	return c >= 'a' && c <= 'z' ? c : 0;
}

int
cdp_soundex(const char *s, size_t n, char out[5])
{
	size_t i = 0, k = 1;
	char last;
	int c = 0;

	for (; i < n && (c = lower((unsigned char)s[i])) == 0; i++)
		;
	if (i == n) {
		out[0] = '\0';
		return -1;
	}
	out[0] = (char)(c - 32);
	last = code[c - 'a'];
	for (i++; i < n && k < 4; i++) {
		char d;

		if ((c = lower((unsigned char)s[i])) == 0)
			continue;
		d = code[c - 'a'];
		/* h and w do not separate letters of the same code; vowels do. */
		if (c == 'h' || c == 'w')
			continue;
		if (d != '0' && d != last)
			out[k++] = d;
		last = d;
	}
	while (k < 4)
		out[k++] = '0';
	out[4] = '\0';
	return 0;
}

/*
 * NYSIIS (Taft, 1970), the original rules: the name's ASCII letters in
 * capitals, its first and last letters translated, then each following
 * letter, vowels becoming A, a letter added to the key unless it repeats
 * the key's last; a final S, A, or the A of a final AY dropped.  The key
 * is not cut to six letters.
 */

#define NYSIIS_MAX	63	/* letters of a name looked at */

static bool
vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

static bool
starts(const char *s, size_t n, const char *with)
{
	size_t k = strlen(with);

	return n >= k && memcmp(s, with, k) == 0;
}

static bool
ends(const char *s, size_t n, const char *with)
{
	size_t k = strlen(with);

	return n >= k && memcmp(s + n - k, with, k) == 0;
}

/* The first and last letters' translations (rules 1 and 2). */
static size_t
nysiis_ends(char *w, size_t n)
{
	static const char *const last[] = { "DT", "RT", "RD", "NT", "ND" };

	if (starts(w, n, "MAC"))
		w[1] = 'C';
	else if (starts(w, n, "KN"))
		w[0] = 'N';
	else if (w[0] == 'K')
		w[0] = 'C';
	else if (starts(w, n, "PH") || starts(w, n, "PF"))
		w[0] = w[1] = 'F';
	else if (starts(w, n, "SCH"))
		w[1] = w[2] = 'S';
	if (ends(w, n, "EE") || ends(w, n, "IE")) {
		w[n - 2] = 'Y';
		return n - 1;
	}
	for (size_t i = 0; i < sizeof(last) / sizeof(last[0]); i++)
		if (ends(w, n, last[i])) {
			w[n - 2] = 'D';
			return n - 1;
		}
	return n;
}

/* Letter i of w (n letters) after rules 4b-4h; may rewrite later ones. */
static char
nysiis_letter(char *w, size_t n, size_t i)
{
	char c = w[i], next = i + 1 < n ? w[i + 1] : '\0';

	if (c == 'E' && next == 'V') {
		w[i + 1] = 'F';
		return w[i] = 'A';
	}
	if (vowel(c))
		return w[i] = 'A';
	if (c == 'Q' || c == 'Z' || c == 'M')
		return w[i] = c == 'Q' ? 'G' : c == 'Z' ? 'S' : 'N';
	if (c == 'K')
		return w[i] = next == 'N' ? 'N' : 'C';
	if (c == 'S' && next == 'C' && i + 2 < n && w[i + 2] == 'H') {
		w[i + 1] = w[i + 2] = 'S';
		return c;
	}
	if (c == 'P' && next == 'H') {
		w[i + 1] = 'F';
		return w[i] = 'F';
	}
	if (c == 'H' && (!vowel(w[i - 1]) || !vowel(next)))
		return w[i] = w[i - 1];
	if (c == 'W' && vowel(w[i - 1]))
		return w[i] = w[i - 1];
	return c;
}

int
cdp_nysiis(const char *s, size_t n, char out[CDP_NYSIIS_SIZE])
{
	char w[NYSIIS_MAX + 1];
	size_t nw = 0, k = 0;

	for (size_t i = 0; i < n && nw < NYSIIS_MAX; i++) {
		int c = lower((unsigned char)s[i]);

		if (c != 0)
			w[nw++] = (char)(c - 32);
	}
	out[0] = '\0';
	if (nw == 0)
		return -1;
	nw = nysiis_ends(w, nw);
	out[k++] = w[0];
	for (size_t i = 1; i < nw; i++) {
		char c = nysiis_letter(w, nw, i);

		if (c != out[k - 1])
			out[k++] = c;
	}
	if (k > 1 && out[k - 1] == 'S')
		k--;
	if (k > 2 && out[k - 2] == 'A' && out[k - 1] == 'Y') {
		out[k - 2] = 'Y';
		k--;
	}
	if (k > 1 && out[k - 1] == 'A')
		k--;
	out[k] = '\0';
	return (int)k;
}
