/*
 * norm_phone.c - phone numbers to E.164, with a table of the world's
 * country calling codes (ITU-T E.164 assignments), national trunk
 * prefixes and lengths of national significant numbers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "norm.h"

#define PHONE_MAX_DIGITS	24	/* more is no phone number */

/*
 * One country.  trunk lists the national (trunk) prefixes, comma
 * separated, tried in order ("" when numbers are dialled in full, as in
 * Italy or Poland); idd is the international prefix when it is not "00";
 * min and max bound the national significant number (the digits after
 * the calling code).  Countries sharing a calling code follow the one
 * whose lengths apply to the shared code ("US" before "CA").  The codes
 * are prefix-free, as E.164 assigns them.
 */
struct phone_country {
	char		 a2[3];
	char		 cc[4];
	const char	*trunk;
	const char	*idd;
	unsigned char	 min, max;
};

#define NANP(a2)	{ a2, "1", "1", "011", 10, 10 }

static const struct phone_country phone_table[] = {
	/* North American Numbering Plan */
	NANP("US"), NANP("CA"), NANP("AG"), NANP("AI"), NANP("AS"),
	NANP("BB"), NANP("BM"), NANP("BS"), NANP("DM"), NANP("DO"),
	NANP("GD"), NANP("GU"), NANP("JM"), NANP("KN"), NANP("KY"),
	NANP("LC"), NANP("MP"), NANP("MS"), NANP("PR"), NANP("SX"),
	NANP("TC"), NANP("TT"), NANP("VC"), NANP("VG"), NANP("VI"),
	/* Zone 7 */
	{ "RU", "7", "8", "810", 10, 10 },
	{ "KZ", "7", "8", "810", 10, 10 },
	/* Zone 2: Africa and some islands */
	{ "EG", "20", "0", "", 8, 10 },
	{ "SS", "211", "0", "", 9, 9 },
	{ "MA", "212", "0", "", 9, 9 },
	{ "EH", "212", "0", "", 9, 9 },
	{ "DZ", "213", "0", "", 8, 9 },
	{ "TN", "216", "", "", 8, 8 },
	{ "LY", "218", "0", "", 8, 9 },
	{ "GM", "220", "", "", 7, 7 },
	{ "SN", "221", "", "", 9, 9 },
	{ "MR", "222", "", "", 8, 8 },
	{ "ML", "223", "", "", 8, 8 },
	{ "GN", "224", "", "", 8, 9 },
	{ "CI", "225", "", "", 8, 10 },
	{ "BF", "226", "", "", 8, 8 },
	{ "NE", "227", "", "", 8, 8 },
	{ "TG", "228", "", "", 8, 8 },
	{ "BJ", "229", "", "", 8, 10 },
	{ "MU", "230", "", "", 7, 8 },
	{ "LR", "231", "0", "", 7, 9 },
	{ "SL", "232", "0", "", 8, 8 },
	{ "GH", "233", "0", "", 9, 9 },
	{ "NG", "234", "0", "", 8, 10 },
	{ "TD", "235", "", "", 8, 8 },
	{ "CF", "236", "", "", 8, 8 },
	{ "CM", "237", "", "", 8, 9 },
	{ "CV", "238", "", "", 7, 7 },
	{ "ST", "239", "", "", 7, 7 },
	{ "GQ", "240", "", "", 9, 9 },
	{ "GA", "241", "0", "", 7, 9 },
	{ "CG", "242", "", "", 9, 9 },
	{ "CD", "243", "0", "", 7, 9 },
	{ "AO", "244", "", "", 9, 9 },
	{ "GW", "245", "", "", 7, 9 },
	{ "SC", "248", "", "", 7, 7 },
	{ "SD", "249", "0", "", 9, 9 },
	{ "RW", "250", "0", "", 9, 9 },
	{ "ET", "251", "0", "", 9, 9 },
	{ "SO", "252", "0", "", 7, 9 },
	{ "DJ", "253", "", "", 8, 8 },
	{ "KE", "254", "0", "", 9, 10 },
	{ "TZ", "255", "0", "", 9, 9 },
	{ "UG", "256", "0", "", 9, 9 },
	{ "BI", "257", "", "", 8, 8 },
	{ "MZ", "258", "", "", 8, 9 },
	{ "ZM", "260", "0", "", 9, 9 },
	{ "MG", "261", "0", "", 9, 9 },
	{ "RE", "262", "0", "", 9, 9 },
	{ "YT", "262", "0", "", 9, 9 },
	{ "ZW", "263", "0", "", 5, 10 },
	{ "NA", "264", "0", "", 8, 9 },
	{ "MW", "265", "0", "", 7, 9 },
	{ "LS", "266", "", "", 8, 8 },
	{ "BW", "267", "", "", 7, 8 },
	{ "SZ", "268", "", "", 8, 8 },
	{ "KM", "269", "", "", 7, 7 },
	{ "ZA", "27", "0", "", 9, 9 },
	{ "SH", "290", "", "", 4, 5 },
	{ "ER", "291", "0", "", 7, 7 },
	{ "AW", "297", "", "", 7, 7 },
	{ "FO", "298", "", "", 6, 6 },
	{ "GL", "299", "", "", 6, 6 },
	/* Zones 3 and 4: Europe */
	{ "GR", "30", "", "", 10, 10 },
	{ "NL", "31", "0", "", 7, 10 },
	{ "BE", "32", "0", "", 8, 9 },
	{ "FR", "33", "0", "", 9, 9 },
	{ "ES", "34", "", "", 9, 9 },
	{ "GI", "350", "", "", 8, 8 },
	{ "PT", "351", "", "", 9, 9 },
	{ "LU", "352", "", "", 4, 11 },
	{ "IE", "353", "0", "", 7, 10 },
	{ "IS", "354", "", "", 7, 9 },
	{ "AL", "355", "0", "", 8, 9 },
	{ "MT", "356", "", "", 8, 8 },
	{ "CY", "357", "", "", 8, 8 },
	{ "FI", "358", "0", "", 5, 12 },
	{ "AX", "358", "0", "", 5, 12 },
	{ "BG", "359", "0", "", 6, 9 },
	{ "HU", "36", "06", "", 8, 9 },
	{ "LT", "370", "8,0", "", 8, 8 },
	{ "LV", "371", "", "", 8, 8 },
	{ "EE", "372", "", "", 7, 10 },
	{ "MD", "373", "0", "", 8, 8 },
	{ "AM", "374", "0", "", 8, 8 },
	{ "BY", "375", "80,8,0", "810", 9, 10 },
	{ "AD", "376", "", "", 6, 9 },
	{ "MC", "377", "0", "", 8, 9 },
	{ "SM", "378", "", "", 6, 10 },
	{ "UA", "380", "0", "", 9, 9 },
	{ "RS", "381", "0", "", 6, 12 },
	{ "ME", "382", "0", "", 8, 8 },
	{ "XK", "383", "0", "", 8, 9 },
	{ "HR", "385", "0", "", 6, 9 },
	{ "SI", "386", "0", "", 8, 8 },
	{ "BA", "387", "0", "", 8, 9 },
	{ "MK", "389", "0", "", 8, 8 },
	/* Italy and the Vatican keep the leading 0 of area codes. */
	{ "IT", "39", "", "", 6, 11 },
	{ "VA", "39", "", "", 6, 11 },
	{ "RO", "40", "0", "", 9, 9 },
	{ "CH", "41", "0", "", 9, 9 },
	{ "CZ", "420", "", "", 9, 9 },
	{ "SK", "421", "0", "", 9, 9 },
	{ "LI", "423", "", "", 7, 9 },
	{ "AT", "43", "0", "", 4, 13 },
	{ "GB", "44", "0", "", 7, 10 },
	{ "GG", "44", "0", "", 7, 10 },
	{ "IM", "44", "0", "", 7, 10 },
	{ "JE", "44", "0", "", 7, 10 },
	{ "DK", "45", "", "", 8, 8 },
	{ "SE", "46", "0", "", 6, 10 },
	{ "NO", "47", "", "", 8, 8 },
	{ "SJ", "47", "", "", 8, 8 },
	{ "PL", "48", "", "", 9, 9 },
	{ "DE", "49", "0", "", 5, 13 },
	/* Zone 5: Mexico, Central and South America */
	{ "FK", "500", "", "", 5, 5 },
	{ "BZ", "501", "", "", 7, 7 },
	{ "GT", "502", "", "", 8, 8 },
	{ "SV", "503", "", "", 8, 8 },
	{ "HN", "504", "", "", 8, 8 },
	{ "NI", "505", "", "", 8, 8 },
	{ "CR", "506", "", "", 8, 8 },
	{ "PA", "507", "", "", 7, 8 },
	{ "PM", "508", "", "", 6, 6 },
	{ "HT", "509", "", "", 8, 8 },
	{ "PE", "51", "0", "", 8, 9 },
	/* Mexico: old long-distance and mobile prefixes still in use. */
	{ "MX", "52", "01,044,045,1", "", 10, 10 },
	{ "CU", "53", "0", "", 6, 8 },
	{ "AR", "54", "0", "", 10, 11 },
	{ "BR", "55", "0", "", 10, 11 },
	{ "CL", "56", "", "", 9, 9 },
	{ "CO", "57", "", "", 8, 10 },
	{ "VE", "58", "0", "", 10, 10 },
	{ "GP", "590", "0", "", 9, 9 },
	{ "BL", "590", "0", "", 9, 9 },
	{ "MF", "590", "0", "", 9, 9 },
	{ "BO", "591", "0", "", 8, 8 },
	{ "GY", "592", "", "", 7, 7 },
	{ "EC", "593", "0", "", 8, 9 },
	{ "GF", "594", "0", "", 9, 9 },
	{ "PY", "595", "0", "", 6, 9 },
	{ "MQ", "596", "0", "", 9, 9 },
	{ "SR", "597", "", "", 6, 7 },
	{ "UY", "598", "0", "", 8, 8 },
	{ "CW", "599", "", "", 7, 8 },
	{ "BQ", "599", "", "", 7, 8 },
	/* Zone 6: South-East Asia and Oceania */
	{ "MY", "60", "0", "", 8, 10 },
	{ "AU", "61", "0", "0011", 9, 10 },
	{ "CX", "61", "0", "0011", 9, 10 },
	{ "CC", "61", "0", "0011", 9, 10 },
	{ "ID", "62", "0", "", 7, 12 },
	{ "PH", "63", "0", "", 8, 10 },
	{ "NZ", "64", "0", "", 8, 10 },
	{ "SG", "65", "", "", 8, 8 },
	{ "TH", "66", "0", "", 8, 9 },
	{ "TL", "670", "", "", 7, 8 },
	{ "NF", "672", "", "", 5, 6 },
	{ "BN", "673", "", "", 7, 7 },
	{ "NR", "674", "", "", 7, 7 },
	{ "PG", "675", "", "", 7, 8 },
	{ "TO", "676", "", "", 5, 7 },
	{ "SB", "677", "", "", 5, 7 },
	{ "VU", "678", "", "", 5, 7 },
	{ "FJ", "679", "", "", 7, 7 },
	{ "PW", "680", "", "", 7, 7 },
	{ "WF", "681", "", "", 6, 6 },
	{ "CK", "682", "", "", 5, 5 },
	{ "NU", "683", "", "", 4, 7 },
	{ "WS", "685", "", "", 5, 10 },
	{ "KI", "686", "", "", 5, 8 },
	{ "NC", "687", "", "", 6, 6 },
	{ "TV", "688", "", "", 5, 7 },
	{ "PF", "689", "", "", 8, 8 },
	{ "TK", "690", "", "", 4, 7 },
	{ "FM", "691", "", "", 7, 7 },
	{ "MH", "692", "", "", 7, 7 },
	/* Zone 8: East Asia */
	{ "JP", "81", "0", "010", 9, 10 },
	{ "KR", "82", "0", "", 8, 11 },
	{ "VN", "84", "0", "", 9, 10 },
	{ "KP", "850", "", "", 8, 10 },
	{ "HK", "852", "", "", 8, 9 },
	{ "MO", "853", "", "", 8, 8 },
	{ "KH", "855", "0", "", 8, 9 },
	{ "LA", "856", "0", "", 8, 10 },
	{ "CN", "86", "0", "", 7, 12 },
	{ "BD", "880", "0", "", 8, 10 },
	{ "TW", "886", "0", "", 8, 9 },
	/* Zone 9: West, Central and South Asia, Middle East */
	{ "TR", "90", "0", "", 10, 10 },
	{ "IN", "91", "0", "", 10, 10 },
	{ "PK", "92", "0", "", 9, 10 },
	{ "AF", "93", "0", "", 9, 9 },
	{ "LK", "94", "0", "", 9, 9 },
	{ "MM", "95", "0", "", 7, 10 },
	{ "MV", "960", "", "", 7, 7 },
	{ "LB", "961", "0", "", 7, 8 },
	{ "JO", "962", "0", "", 8, 9 },
	{ "SY", "963", "0", "", 8, 9 },
	{ "IQ", "964", "0", "", 8, 10 },
	{ "KW", "965", "", "", 8, 8 },
	{ "SA", "966", "0", "", 9, 9 },
	{ "YE", "967", "0", "", 7, 9 },
	{ "OM", "968", "", "", 8, 8 },
	{ "PS", "970", "0", "", 8, 9 },
	{ "AE", "971", "0", "", 8, 9 },
	{ "IL", "972", "0", "", 8, 9 },
	{ "BH", "973", "", "", 8, 8 },
	{ "QA", "974", "", "", 8, 8 },
	{ "BT", "975", "", "", 7, 8 },
	{ "MN", "976", "0", "", 8, 8 },
	{ "NP", "977", "0", "", 8, 10 },
	{ "IR", "98", "0", "", 10, 10 },
	{ "TJ", "992", "8", "810", 9, 9 },
	{ "TM", "993", "8", "810", 8, 8 },
	{ "AZ", "994", "0", "", 9, 9 },
	{ "GE", "995", "0", "", 9, 9 },
	{ "KG", "996", "0", "", 9, 9 },
	{ "UZ", "998", "8", "810", 9, 9 },
};

#define NPHONE	(sizeof(phone_table) / sizeof(phone_table[0]))

static int
upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

static const struct phone_country *
by_alpha2(const char *a2)
{
	size_t i;

	if (a2 == NULL || a2[0] == '\0' || a2[1] == '\0' || a2[2] != '\0')
		return NULL;
	for (i = 0; i < NPHONE; i++)
		if (phone_table[i].a2[0] == upper(a2[0]) &&
		    phone_table[i].a2[1] == upper(a2[1]))
			return &phone_table[i];
	return NULL;
}

/*
 * The country whose calling code starts the digits d (length n).  Codes
 * are prefix-free, so the first row that matches is the one.
 */
static const struct phone_country *
by_cc(const char *d, size_t n, size_t *cclen)
{
	const char *cc;
	size_t i, k;

	for (i = 0; i < NPHONE; i++) {
		cc = phone_table[i].cc;
		for (k = 0; cc[k] != '\0' && k < n && cc[k] == d[k]; k++)
			;
		if (cc[k] == '\0') {
			*cclen = k;
			return &phone_table[i];
		}
	}
	return NULL;
}

/* True when alpha2 (e.g. "PL", any case) is in the calling code table. */
bool
cdp_phone_country_known(const char *alpha2)
{
	return by_alpha2(alpha2) != NULL;
}

static bool
fits(const struct phone_country *pc, size_t n)
{
	return n >= pc->min && n <= pc->max;
}

static bool
starts(const char *d, size_t n, const char *prefix, size_t np)
{
	return np > 0 && np <= n && memcmp(d, prefix, np) == 0;
}

/*
 * Length of the trunk prefix starting d whose removal leaves a number of
 * the right length, or 0.  Returns the first listed prefix found at the
 * start in *seen (so length errors are counted without it).
 */
static size_t
trunk_len(const struct phone_country *pc, const char *d, size_t n,
    size_t *seen)
{
	const char *t = pc->trunk, *e;
	size_t k;

	*seen = 0;
	while (*t != '\0') {
		e = strchr(t, ',');
		k = e ? (size_t)(e - t) : strlen(t);
		if (starts(d, n, t, k)) {
			if (*seen == 0)
				*seen = k;
			if (fits(pc, n - k))
				return k;
		}
		t += k + (e != NULL);
	}
	return 0;
}

/* "x123", "ext. 9", "extension: 12", "#9": an extension, digits to come. */
static bool
is_extension(const char *s, size_t n)
{
	static const char *const words[] = { "extension", "extn", "ext", "x",
	    "#" };
	size_t i, k, w;

	for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		k = strlen(words[w]);
		for (i = 0; i < k && i < n; i++)
			if ((s[i] | 0x20) != words[w][i] && s[i] != words[w][i])
				break;
		if (i < k)
			continue;
		while (i < n && (s[i] == '.' || s[i] == ':' || s[i] == ' '))
			i++;
		return i < n && s[i] >= '0' && s[i] <= '9';
	}
	return false;
}

/*
 * Reads the digits of s into d.  Separators are spaces, dots, dashes,
 * slashes, parentheses and their Unicode look-alikes (no-break spaces,
 * typographic dashes).  *plus tells a leading "+"; *zero_at is the digit
 * index of a "(0)" group ("+44 (0)20 ..."), or -1.
 */
static int
phone_digits(const char *s, size_t n, char *d, size_t *nd, bool *plus,
    long *zero_at, const char **why)
{
	size_t i;
	unsigned char c;

	*nd = 0;
	*plus = false;
	*zero_at = -1;
	if (n >= 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'e' &&
	    (s[2] | 0x20) == 'l' && s[3] == ':')
		i = 4;	/* RFC 3966 "tel:" URI */
	else
		i = 0;
	for (; i < n; i++) {
		c = (unsigned char)s[i];
		/* Any digit, "(0)" too, may be one too many. */
		if (*nd == PHONE_MAX_DIGITS && (c == '(' || (c >= '0' &&
		    c <= '9'))) {
			*why = "phone number too long";
			return -1;
		}
		if (c >= '0' && c <= '9') {
			d[(*nd)++] = (char)c;
		} else if (c == '+' && *nd == 0 && !*plus) {
			*plus = true;
		} else if (c == '(' && i + 2 < n && s[i + 1] == '0' &&
		    s[i + 2] == ')' && *nd > 0) {
			*zero_at = (long)*nd;
			d[(*nd)++] = '0';
			i += 2;
		} else if (c != '\0' && strchr(" \t.-/()", c) != NULL) {
			continue;
		} else if (c == 0xC2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xA0) {
			i++;	/* U+00A0 no-break space */
		} else if (c == 0xE2 && i + 2 < n &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    (((unsigned char)s[i + 2] >= 0x90 &&
		    (unsigned char)s[i + 2] <= 0x95) ||
		    (unsigned char)s[i + 2] == 0xAF)) {
			i += 2;	/* U+2010..2015 dashes, U+202F */
		} else if (*nd > 0 && is_extension(s + i, n - i)) {
			*why = "phone has an extension";
			return -1;
		} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			*why = "phone has letters";
			return -1;
		} else {
			*why = "not a phone number";
			return -1;
		}
	}
	if (*nd == 0) {
		*why = *plus || n > 0 ? "not a phone number" : "empty phone";
		return -1;
	}
	return 0;
}

static const char *
length_error(const struct phone_country *pc, size_t n)
{
	return n < pc->min ? "phone number too short" :
	    n > pc->max ? "phone number too long" : NULL;
}

/*
 * The national significant number of an international number: "(0)"
 * right after the calling code is dropped for countries whose trunk
 * prefix is 0, and a trunk prefix written after the code
 * ("+44 020 ...") is dropped when the number is too long with it.
 */
static const char *
intl_nsn(const struct phone_country *pc, char *d, size_t *n, long zero_at)
{
	size_t k, seen;

	if (zero_at == 0 && pc->trunk[0] == '0') {
		memmove(d, d + 1, *n - 1);
		(*n)--;
	}
	if (!fits(pc, *n) && (k = trunk_len(pc, d, *n, &seen)) > 0) {
		memmove(d, d + k, *n - k);
		*n -= k;
	}
	return length_error(pc, *n);
}

/*
 * The national significant number of a national number: the trunk
 * prefix is dropped when what is left has the right length; a number
 * too long for the country that starts with its calling code is taken
 * as international written without "+" ("48601234567" in Poland).
 */
static const char *
national_nsn(const struct phone_country *pc, char *d, size_t *n)
{
	size_t k, seen, cclen = strlen(pc->cc);

	if ((k = trunk_len(pc, d, *n, &seen)) > 0) {
		memmove(d, d + k, *n - k);
		*n -= k;
		return NULL;
	}
	if (!fits(pc, *n) && starts(d, *n, pc->cc, cclen) &&
	    fits(pc, *n - cclen)) {
		memmove(d, d + cclen, *n - cclen);
		*n -= cclen;
		return NULL;
	}
	return length_error(pc, *n - seen);
}

/*
 * Phone to E.164 (see norm.h).  Appends "+<code><number>" to out.  On
 * error out is unchanged and *why is one of "empty phone", "not a phone
 * number", "phone has letters", "phone has an extension", "unknown
 * calling code", "unknown default country", "no country code and no
 * --default-country", "phone number too short", "phone number too long"
 * or "out of memory".
 */
int
cdp_norm_phone(const char *s, size_t n, const char *default_country,
    struct cdp_buf *out, const char **why)
{
	const struct phone_country *home = NULL, *pc;
	char d[PHONE_MAX_DIGITS];
	size_t nd, k, cclen;
	long zero_at;
	bool intl;

	while (n > 0 && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' ||
	    (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
		n--;
	if (phone_digits(s, n, d, &nd, &intl, &zero_at, why) == -1)
		return -1;
	if (default_country != NULL && default_country[0] != '\0' &&
	    (home = by_alpha2(default_country)) == NULL) {
		*why = "unknown default country";
		return -1;
	}
	k = 0;
	if (!intl && home != NULL && home->idd[0] != '\0' &&
	    starts(d, nd, home->idd, strlen(home->idd)))
		k = strlen(home->idd);
	else if (!intl && starts(d, nd, "00", 2))
		k = 2;
	if (k > 0) {
		intl = true;
		memmove(d, d + k, nd - k);
		nd -= k;
		zero_at -= (long)k;
	}
	if (intl) {
		if ((pc = by_cc(d, nd, &cclen)) == NULL) {
			*why = "unknown calling code";
			return -1;
		}
		memmove(d, d + cclen, nd - cclen);
		nd -= cclen;
		*why = intl_nsn(pc, d, &nd, zero_at - (long)cclen);
	} else if ((pc = home) == NULL) {
		*why = "no country code and no --default-country";
		return -1;
	} else
		*why = national_nsn(pc, d, &nd);
	if (*why != NULL)
		return -1;
	if (cdp_buf_reserve(out, 1 + strlen(pc->cc) + nd) == -1) {
		*why = "out of memory";
		return -1;
	}
	cdp_buf_addc(out, '+');
	cdp_buf_adds(out, pc->cc);
	cdp_buf_add(out, d, nd);
	return 0;
}
