/* phonetic.c - American Soundex (the variant of the US census, 1880+). */
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
