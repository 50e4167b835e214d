/* test_norm.c - unit driver of common/norm*.c: every normaliser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "norm.h"

#include "check.h"

static struct cdp_buf out;

/*
 * Each helper runs one normaliser on in.  want is the expected output,
 * or NULL for an error; reason, when not NULL, is the expected *why.
 * Output goes after a "pre:" prefix to check that normalisers append and
 * that a failing one leaves the buffer as it was.
 */
static void
expect(const char *fn, const char *in, int r, const char *why,
    const char *want, const char *reason)
{
	const char *got = out.p + 4;

	if (want != NULL) {
		CHECK(r == 0 && strcmp(got, want) == 0,
		    "%s(\"%s\"): got %s \"%s\", want \"%s\"", fn, in,
		    r == 0 ? "value" : "error", r == 0 ? got : why, want);
	} else {
		CHECK(r == -1 && out.len == 4 && strcmp(out.p, "pre:") == 0,
		    "%s(\"%s\"): got \"%s\", want an error", fn, in,
		    r == 0 ? got : out.p);
		if (r == -1 && reason != NULL)
			CHECK(strcmp(why, reason) == 0,
			    "%s(\"%s\"): reason \"%s\", want \"%s\"", fn, in,
			    why, reason);
	}
}

static void
start(void)
{
	cdp_buf_reset(&out);
	cdp_buf_adds(&out, "pre:");
}

static void
email(const char *in, unsigned flags, const char *want, const char *reason)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_email(in, strlen(in), flags, &out, &why);
	expect("email", in, r, why, want, reason);
}

static void
phone(const char *in, const char *cc, const char *want, const char *reason)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_phone(in, strlen(in), cc, &out, &why);
	expect("phone", in, r, why, want, reason);
}

static void
key(const char *in, const char *want)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_key(in, strlen(in), &out, &why);
	expect("key", in, r, why, want, NULL);
}

static void
name(const char *in, const char *want_display, const char *want_key,
    const char *reason)
{
	struct cdp_buf k = { 0 };
	const char *why = "";
	int r;

	start();
	cdp_buf_adds(&k, "pre:");
	r = cdp_norm_name(in, strlen(in), &out, &k, &why);
	expect("name", in, r, why, want_display, reason);
	if (want_key != NULL)
		CHECK(r == 0 && strcmp(k.p + 4, want_key) == 0,
		    "name key(\"%s\"): got \"%s\", want \"%s\"", in,
		    r == 0 ? k.p + 4 : why, want_key);
	else
		CHECK(r == -1 && strcmp(k.p, "pre:") == 0,
		    "name key(\"%s\"): buffer touched on error", in);
	cdp_buf_free(&k);
}

static void
date(const char *in, enum cdp_date_order o, const char *want,
    const char *reason)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_date(in, strlen(in), o, &out, &why);
	expect("date", in, r, why, want, reason);
}

static void
datetime(const char *in, enum cdp_date_order o, const char *want,
    const char *reason)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_datetime(in, strlen(in), o, &out, &why);
	expect("datetime", in, r, why, want, reason);
}

static void
country(const struct cdp_countries *c, const char *in, const char *want,
    const char *reason)
{
	const char *why = "";
	int r;

	start();
	r = cdp_norm_country(c, in, strlen(in), &out, &why);
	expect("country", in, r, why, want, reason);
}

static void
test_email(void)
{
	const unsigned C = CDP_EMAIL_CANONICAL;

	email("Jane.Doe@Example.COM", 0, "jane.doe@example.com", NULL);
	email("  jane@example.com \t", 0, "jane@example.com", NULL);
	email("j.a.n.e+news@gmail.com", 0, "j.a.n.e+news@gmail.com", NULL);
	email("J.A.N.E+news@Gmail.com", C, "jane@gmail.com", NULL);
	email("jane.doe@googlemail.com", C, "janedoe@gmail.com", NULL);
	email("jane+x+y@googlemail.com", C, "jane@gmail.com", NULL);
	email("jane.doe+shop@outlook.com", C, "jane.doe@outlook.com", NULL);
	email("jane+a@hotmail.com", C, "jane@hotmail.com", NULL);
	email("jane+a@live.com", C, "jane@live.com", NULL);
	email("jane+a@icloud.com", C, "jane@icloud.com", NULL);
	email("jane+a@me.com", C, "jane@me.com", NULL);
	email("jane+a@fastmail.com", C, "jane@fastmail.com", NULL);
	email("jane+a@protonmail.com", C, "jane@protonmail.com", NULL);
	email("jane+a@proton.me", C, "jane@proton.me", NULL);
	/* Other providers: "+" may be part of the mailbox. */
	email("jane.doe+a@example.com", C, "jane.doe+a@example.com", NULL);
	email("jane.doe+a@yahoo.com", C, "jane.doe+a@yahoo.com", NULL);
	email("+tag@gmail.com", C, "+tag@gmail.com", NULL);
	email("o'brien@example.ie", 0, "o'brien@example.ie", NULL);
	email("ÉLODIE@Exemple.FR", 0, "élodie@exemple.fr", NULL);
	email("info@MÜNCHEN.de", 0, "info@münchen.de", NULL);
	email("a@b.co", 0, "a@b.co", NULL);
	email("\xc2\xa0jane@example.com\xc2\xa0", 0, "jane@example.com",
	    NULL);
	email("a@sub.example-mail.com", 0, "a@sub.example-mail.com", NULL);

	email("", 0, NULL, "empty email");
	email("   ", 0, NULL, "empty email");
	email("jane", 0, NULL, "not an email address");
	email("jane@", 0, NULL, "not an email address");
	email("@example.com", 0, NULL, "not an email address");
	email("jane@example", 0, NULL, "not an email address");
	email("jane@@example.com", 0, NULL, "not an email address");
	email("jane@x@example.com", 0, NULL, "not an email address");
	email("jane doe@example.com", 0, NULL, "not an email address");
	email("jane@exa mple.com", 0, NULL, "not an email address");
	email("jane@example..com", 0, NULL, "not an email address");
	email("jane@.example.com", 0, NULL, "not an email address");
	email("jane@example.com.", 0, NULL, "not an email address");
	email("jane@-example.com", 0, NULL, "not an email address");
	email("jane@example-.com", 0, NULL, "not an email address");
	email("jane@exa_mple.com", 0, NULL, "not an email address");
	email("a@x.com, b@y.com", 0, NULL, "not an email address");
	email("<jane@example.com>", 0, NULL, "not an email address");
	email("jane\x01@example.com", 0, NULL, "not an email address");
	email("jane@exam\xff" "ple.com", 0, NULL, "invalid UTF-8");
	email("jane\xc2\xa0" "doe@example.com", 0, NULL,
	    "not an email address");
	email("jane\xe2\x80\x8b@example.com", 0, NULL,
	    "not an email address");
	email("jane@example.com\xc2\x85x", 0, NULL, "not an email address");
	email("0123456789012345678901234567890123456789012345678901234567890"
	    "12345@example.com", 0, NULL, "not an email address");
}

static void
test_phone(void)
{
	/* The examples of the brief. */
	phone("+48 601 234 567", NULL, "+48601234567", NULL);
	phone("0048601234567", NULL, "+48601234567", NULL);
	phone("601-234-567", "PL", "+48601234567", NULL);
	phone("020 7946 0958", "GB", "+442079460958", NULL);
	phone("(415) 555-2671", "US", "+14155552671", NULL);
	phone("1-415-555-2671", "US", "+14155552671", NULL);
	phone("06 12 34 56 78", "FR", "+33612345678", NULL);
	phone("030 123456", "DE", "+4930123456", NULL);
	phone("06 1234 5678", "IT", "+390612345678", NULL);
	phone("123", "PL", NULL, "phone number too short");
	phone("+999 1234", "", NULL, "unknown calling code");

	/* International forms, default country ignored. */
	phone("+1 (415) 555-2671", "DE", "+14155552671", NULL);
	phone("+44 (0)20 7946 0958", NULL, "+442079460958", NULL);
	phone("+44 020 7946 0958", NULL, "+442079460958", NULL);
	phone("+49 (0)30 123456", NULL, "+4930123456", NULL);
	phone("+39 06 1234 5678", NULL, "+390612345678", NULL);
	phone("+39 (0)6 1234 5678", NULL, "+390612345678", NULL);
	phone("+7 912 345-67-89", NULL, "+79123456789", NULL);
	phone("+7 812 123 45 67", NULL, "+78121234567", NULL);
	phone("+61 4 1234 5678", NULL, "+61412345678", NULL);
	phone("+81 90-1234-5678", NULL, "+819012345678", NULL);
	phone("+86 138 0013 8000", NULL, "+8613800138000", NULL);
	phone("+91 98765 43210", NULL, "+919876543210", NULL);
	phone("+55 11 91234-5678", NULL, "+5511912345678", NULL);
	phone("+52 1 55 1234 5678", NULL, "+525512345678", NULL);
	phone("+27 82 123 4567", NULL, "+27821234567", NULL);
	phone("+380 44 123 4567", NULL, "+380441234567", NULL);
	phone("+90 212 123 45 67", NULL, "+902121234567", NULL);
	phone("+353 1 234 5678", NULL, "+35312345678", NULL);
	phone("+420 601 123 456", NULL, "+420601123456", NULL);
	phone("tel:+48-601-234-567", NULL, "+48601234567", NULL);
	phone("(+48) 601 234 567", NULL, "+48601234567", NULL);
	phone("+48\xc2\xa0" "601\xe2\x80\x93" "234 567", NULL,
	    "+48601234567", NULL);
	phone("  +48.601.234.567  ", NULL, "+48601234567", NULL);
	phone("+48/601/234/567", NULL, "+48601234567", NULL);

	/* International prefixes of the default country. */
	phone("011 48 601 234 567", "US", "+48601234567", NULL);
	phone("011 44 20 7946 0958", "CA", "+442079460958", NULL);
	phone("0011 44 20 7946 0958", "AU", "+442079460958", NULL);
	phone("010 1 415 555 2671", "JP", "+14155552671", NULL);
	phone("8 10 48 601234567", "RU", "+48601234567", NULL);
	phone("00 44 20 7946 0958", "US", "+442079460958", NULL);

	/* National numbers and trunk prefixes. */
	phone("4155552671", "US", "+14155552671", NULL);
	phone("(416) 555-0199", "CA", "+14165550199", NULL);
	phone("612345678", "FR", "+33612345678", NULL);
	phone("8 (912) 345-67-89", "RU", "+79123456789", NULL);
	phone("8 701 123 4567", "KZ", "+77011234567", NULL);
	phone("06 30 123 4567", "HU", "+36301234567", NULL);
	phone("06 1 234 5678", "HU", "+3612345678", NULL);
	phone("0412 345 678", "AU", "+61412345678", NULL);
	phone("09 123 4567", "NZ", "+6491234567", NULL);
	phone("090-1234-5678", "JP", "+819012345678", NULL);
	phone("098765 43210", "IN", "+919876543210", NULL);
	phone("(11) 91234-5678", "BR", "+5511912345678", NULL);
	phone("55 1234 5678", "MX", "+525512345678", NULL);
	phone("044 55 1234 5678", "MX", "+525512345678", NULL);
	phone("0532 123 45 67", "TR", "+905321234567", NULL);
	phone("044 123 45 67", "UA", "+380441234567", NULL);
	phone("8 029 123 45 67", "BY", "+375291234567", NULL);
	phone("8 612 34567", "LT", "+37061234567", NULL);
	phone("612 345 678", "ES", "+34612345678", NULL);
	phone("210 123 4567", "GR", "+302101234567", NULL);
	phone("079 123 45 67", "CH", "+41791234567", NULL);
	phone("0660 1234567", "AT", "+436601234567", NULL);
	phone("0470 12 34 56", "BE", "+32470123456", NULL);
	phone("06 12345678", "NL", "+31612345678", NULL);
	phone("070-123 45 67", "SE", "+46701234567", NULL);
	phone("412 34 567", "NO", "+4741234567", NULL);
	phone("20 12 34 56", "DK", "+4520123456", NULL);
	phone("082 123 4567", "ZA", "+27821234567", NULL);
	phone("06 1234 5678", "VA", "+390612345678", NULL);
	phone("601234567", "pl", "+48601234567", NULL);
	/* Calling code written without "+". */
	phone("48601234567", "PL", "+48601234567", NULL);
	phone("442079460958", "GB", "+442079460958", NULL);

	/* Errors. */
	phone("", "PL", NULL, "empty phone");
	phone("  ", "PL", NULL, "empty phone");
	phone("+", NULL, NULL, "not a phone number");
	phone("--", "PL", NULL, "not a phone number");
	phone("601 234 567", NULL, NULL,
	    "no country code and no --default-country");
	phone("601 234 567", "", NULL,
	    "no country code and no --default-country");
	phone("601 234 567", "ZZ", NULL, "unknown default country");
	phone("601 234 567", "POL", NULL, "unknown default country");
	phone("1-800-FLOWERS", "US", NULL, "phone has letters");
	phone("call me", "US", NULL, "phone has letters");
	phone("415 555 2671 x123", "US", NULL, "phone has an extension");
	phone("415 555 2671 ext. 9", "US", NULL, "phone has an extension");
	phone("415 555 2671 #9", "US", NULL, "phone has an extension");
	phone("+48 601 234 567 8", NULL, NULL, "phone number too long");
	phone("+48 601 234", NULL, NULL, "phone number too short");
	phone("555-2671", "US", NULL, "phone number too short");
	phone("0612 34 56 78 90", "FR", NULL, "phone number too long");
	phone("06 12 34 56", "FR", NULL, "phone number too short");
	phone("12345678901234567890123456789", "US", NULL,
	    "phone number too long");
	phone("123456789012345678901234 (0) 5", "US", NULL,
	    "phone number too long");
	phone("+48 601 + 234", NULL, NULL, "not a phone number");
	phone("601;234;567", "PL", NULL, "not a phone number");
	phone("1-800-XYZ", "US", NULL, "phone has letters");
	phone("415 555 2671 extension: 12", "US", NULL,
	    "phone has an extension");

	CHECK(cdp_phone_country_known("PL"), "PL known");
	CHECK(cdp_phone_country_known("gb"), "gb known");
	CHECK(cdp_phone_country_known("VA"), "VA known");
	CHECK(!cdp_phone_country_known("ZZ"), "ZZ unknown");
	CHECK(!cdp_phone_country_known(""), "\"\" unknown");
	CHECK(!cdp_phone_country_known("P"), "P unknown");
	CHECK(!cdp_phone_country_known("PLN"), "PLN unknown");
	CHECK(!cdp_phone_country_known(NULL), "NULL unknown");
}

static void
test_key(void)
{
	key("  Saint-Étienne ", "saint etienne");
	key("Zoë  MÜLLER", "zoe muller");
	key("ŁUKASZ Żółć", "lukasz zolc");
	key("Søren Kierkegaard", "soren kierkegaard");
	key("Đorđe", "dorde");
	key("Straße", "strasse");
	key("Æsa Œuvre", "aesa oeuvre");
	key("Þór", "thor");
	key("Iğdır ılıca", "igdir ilica");
	key("İstanbul", "istanbul");
	key("Ħamrun", "hamrun");
	key("ﬁnance ＡＢＣ ①", "finance abc 1");
	key("O'Neil-Smith, Jr.", "o neil smith jr");
	key("soft\xc2\xad" "hyphen", "softhyphen");
	key("zero\xe2\x80\x8bwidth", "zerowidth");
	key("Ελένη Παπαδοπούλου", "ελενη παπαδοπουλου");
	key("Фёдор", "федор");
	key("José Ñúñez", "jose nunez");
	key("Nguyễn Văn Đức", "nguyen van duc");
	/* Marks that spell, not accent, stay (and compose back). */
	key("が", "が");
	key("मोहन", "मोहन");
	key("김민준", "김민준");
	key("---", "");
	key("", "");
	key("A1 b2", "a1 b2");
	key("tab\tand\nnewline", "tab and newline");
}

static void
test_name(void)
{
	name("Zoë  MÜLLER", "Zoë Müller", "zoe muller", NULL);
	name("  anna-MARIA o'neil ", "Anna-Maria O'Neil", "anna maria o neil",
	    NULL);
	name("McDonald", "McDonald", "mcdonald", NULL);
	name("Ronald McDonald", "Ronald McDonald", "ronald mcdonald", NULL);
	name("ŁUKASZ", "Łukasz", "lukasz", NULL);
	name("JOHN SMITH", "John Smith", "john smith", NULL);
	name("john smith", "John Smith", "john smith", NULL);
	name("John SMITH", "John Smith", "john smith", NULL);
	name("Ludwig van Beethoven", "Ludwig van Beethoven",
	    "ludwig van beethoven", NULL);
	name("ludwig van beethoven", "Ludwig Van Beethoven",
	    "ludwig van beethoven", NULL);
	name("Vincent van GOGH", "Vincent van Gogh", "vincent van gogh", NULL);
	name("J.R.R. TOLKIEN", "J.R.R. Tolkien", "j r r tolkien", NULL);
	name("HENRY FORD III", "Henry Ford III", "henry ford iii", NULL);
	name("martin luther king jr", "Martin Luther King Jr",
	    "martin luther king jr", NULL);
	name("JOHN SMITH 3RD", "John Smith 3rd", "john smith 3rd", NULL);
	name("ÉLODIE D'ARTAGNAN", "Élodie D'Artagnan", "elodie d artagnan",
	    NULL);
	name("SEÁN Ó BRIAIN", "Seán Ó Briain", "sean o briain", NULL);
	name("O\xe2\x80\x99NEIL", "O\xe2\x80\x99Neil", "o neil", NULL);
	/* Final sigma in the display; case folding makes every sigma σ. */
	name("ΟΔΥΣΣΕΑΣ", "Οδυσσεας", "οδυσσεασ", NULL);
	name("ΣΟΦΙΑ", "Σοφια", "σοφια", NULL);
	name("GROß", "Groß", "gross", NULL);
	name("山田 太郎", "山田 太郎", "山田 太郎", NULL);
	name("Jean\xc2\xa0\xc2\xa0" "Dupont", "Jean Dupont", "jean dupont",
	    NULL);
	name("\tAnne\n Marie\r", "Anne Marie", "anne marie", NULL);
	/* NFC: e + combining acute becomes é. */
	name("Rene\xcc\x81" " DUPONT", "Ren\xc3\xa9 Dupont", "rene dupont",
	    NULL);
	name("x", "X", "x", NULL);
	/* T + diaeresis has no composed form, t + diaeresis has: ẗ. */
	name("MAT\xcc\x88", "Ma\xe1\xba\x97", "mat", NULL);

	name("", NULL, NULL, "empty name");
	name(" \t ", NULL, NULL, "empty name");
	name("---", NULL, NULL, "name has no letters");
	name("12345", NULL, NULL, "name has no letters");
	name("Bad\x01Name", NULL, NULL, "control character in name");
	name("Zo\xc3", NULL, NULL, "invalid UTF-8");
	name("Zo\xed\xa0\x80", NULL, NULL, "invalid UTF-8");

	/* Either output may be left out. */
	{
		const char *why;

		start();
		CHECK(cdp_norm_name("ANNA", 4, &out, NULL, &why) == 0 &&
		    strcmp(out.p, "pre:Anna") == 0, "name without key");
		start();
		CHECK(cdp_norm_name("ANNA", 4, NULL, &out, &why) == 0 &&
		    strcmp(out.p, "pre:anna") == 0, "name without display");
	}
}

static void
test_long_text(void)
{
	struct cdp_buf in = { 0 }, want = { 0 };
	const char *why;
	int i;

	/* Past the stack buffer of code points: the heap path. */
	for (i = 0; i < 400; i++) {
		cdp_buf_adds(&in, i ? " ÉLODIE" : "ÉLODIE");
		cdp_buf_adds(&want, i ? " elodie" : "elodie");
	}
	cdp_buf_reset(&out);
	CHECK(cdp_norm_key(in.p, in.len, &out, &why) == 0 &&
	    strcmp(out.p, want.p) == 0, "long key");
	cdp_buf_reset(&out);
	CHECK(cdp_norm_name(in.p, in.len, &out, NULL, &why) == 0 &&
	    out.len == in.len && strncmp(out.p, "Élodie Élodie", 15) == 0,
	    "long name");
	cdp_buf_free(&in);
	cdp_buf_free(&want);
}

static void
test_date(void)
{
	const enum cdp_date_order A = CDP_DATE_AUTO, D = CDP_DATE_DMY,
	    M = CDP_DATE_MDY, Y = CDP_DATE_YMD;

	date("2025-03-04", A, "2025-03-04", NULL);
	date("  2025-03-04 ", A, "2025-03-04", NULL);
	date("20250304", A, "2025-03-04", NULL);
	date("2025/3/4", A, "2025-03-04", NULL);
	date("2025.03.04", D, "2025-03-04", NULL);
	date("2025-03-04", M, "2025-03-04", NULL);
	date("2025-03-04", Y, "2025-03-04", NULL);
	date("13/04/2025", A, "2025-04-13", NULL);
	date("04/13/2025", A, "2025-04-13", NULL);
	date("03/03/2025", A, "2025-03-03", NULL);
	date("03/04/2025", D, "2025-04-03", NULL);
	date("03/04/2025", M, "2025-03-04", NULL);
	date("3.4.2025", D, "2025-04-03", NULL);
	date("3-4-2025", M, "2025-03-04", NULL);
	date("4 Mar 2025", A, "2025-03-04", NULL);
	date("4 March 2025", M, "2025-03-04", NULL);
	date("04-Mar-2025", A, "2025-03-04", NULL);
	date("March 4, 2025", D, "2025-03-04", NULL);
	date("Mar. 4 2025", A, "2025-03-04", NULL);
	date("MARCH 4TH, 2025", A, "2025-03-04", NULL);
	date("1st Sept 2025", A, "2025-09-01", NULL);
	date("2nd of", A, NULL, "not a date");
	date("Tue, 4 Mar 2025", A, "2025-03-04", NULL);
	date("Tuesday, March 4, 2025", A, "2025-03-04", NULL);
	date("2025-Mar-04", A, "2025-03-04", NULL);
	date("29 Feb 2024", A, "2024-02-29", NULL);
	date("2000-02-29", A, "2000-02-29", NULL);
	date("0001-01-01", A, "0001-01-01", NULL);
	date("31/12/9999", A, "9999-12-31", NULL);

	date("03/04/2025", A, NULL,
	    "ambiguous day and month: give --date-format");
	date("03/04/25", D, NULL, "two-digit year");
	date("4 Mar 25", A, NULL, "two-digit year");
	date("25-03-04", A, NULL, "two-digit year");
	date("2025-02-30", A, NULL, "no such day");
	date("29 Feb 2025", A, NULL, "no such day");
	date("1900-02-29", A, NULL, "no such day");
	date("2025-13-01", A, NULL, "no such month");
	date("2025-00-10", A, NULL, "no such month");
	date("2025-01-00", A, NULL, "no such day");
	date("13/13/2025", A, NULL, "no such month");
	date("04/13/2025", D, NULL, "no such month");
	date("13/04/2025", Y, NULL, "date not in year-month-day order");
	date("0000-01-01", A, NULL, "not a date");
	date("Wed, 4 Mar 2025", A, NULL,
	    "day of week does not match the date");
	date("2025-03-04 10:00", A, NULL, "date has a time part");
	date("2025-03-04T10:00:00Z", A, NULL, "date has a time part");
	date("", A, NULL, "empty date");
	date("yesterday", A, NULL, "not a date");
	date("2025-03", A, NULL, "not a date");
	date("2025", A, NULL, "not a date");
	date("1741046400", A, NULL, "not a date");
	date("2025/03-04", A, NULL, "not a date");
	date("2025 03 04", A, NULL, "not a date");
	date("Foo 4 2025", A, NULL, "not a date");
	date("4 Mar 2025 extra", A, NULL, "not a date");
	date("4 Mar, 2025,", A, NULL, "not a date");
	date("-2025-03-04", A, NULL, "not a date");
	date("2025-03-04\x01", A, NULL, "not a date");

	{
		enum cdp_date_order o = CDP_DATE_AUTO;

		CHECK(cdp_date_order_parse("dmy", &o) == 0 &&
		    o == CDP_DATE_DMY, "parse dmy");
		CHECK(cdp_date_order_parse("MDY", &o) == 0 &&
		    o == CDP_DATE_MDY, "parse MDY");
		CHECK(cdp_date_order_parse("ymd", &o) == 0 &&
		    o == CDP_DATE_YMD, "parse ymd");
		CHECK(cdp_date_order_parse("auto", &o) == 0 &&
		    o == CDP_DATE_AUTO, "parse auto");
		CHECK(cdp_date_order_parse("dm", &o) == -1, "parse dm");
		CHECK(cdp_date_order_parse("dmyy", &o) == -1, "parse dmyy");
		CHECK(cdp_date_order_parse("", &o) == -1, "parse empty");
	}
}

static void
test_datetime(void)
{
	const enum cdp_date_order A = CDP_DATE_AUTO, D = CDP_DATE_DMY;

	datetime("2025-03-04", A, "2025-03-04T00:00:00", NULL);
	datetime("2025-03-04T10:20:30", A, "2025-03-04T10:20:30", NULL);
	datetime("2025-03-04t10:20:30z", A, "2025-03-04T10:20:30Z", NULL);
	datetime("2025-03-04 10:20", A, "2025-03-04T10:20:00", NULL);
	datetime("2025-03-04T10:20:30.123Z", A,
	    "2025-03-04T10:20:30.123Z", NULL);
	datetime("2025-03-04 10:20:30,5", A, "2025-03-04T10:20:30.5", NULL);
	datetime("2025-03-04T10:20:30.000001+02:00", A,
	    "2025-03-04T10:20:30.000001+02:00", NULL);
	datetime("2025-03-04T10:20:30+0200", A, "2025-03-04T10:20:30+02:00",
	    NULL);
	datetime("2025-03-04 10:20:30-05", A, "2025-03-04T10:20:30-05:00",
	    NULL);
	datetime("2025-03-04 10:20:30 +05:30", A,
	    "2025-03-04T10:20:30+05:30", NULL);
	datetime("2025-03-04 10:20:30 UTC", A, "2025-03-04T10:20:30Z", NULL);
	datetime("2025-03-04 10:20 GMT", A, "2025-03-04T10:20:00Z", NULL);
	datetime("2025-03-04 10:20 GMT+1", A, "2025-03-04T10:20:00+01:00",
	    NULL);
	datetime("2025-03-04 10:20 UTC+02:00", A,
	    "2025-03-04T10:20:00+02:00", NULL);
	datetime("2025-03-04 10:20:30+00:00", A, "2025-03-04T10:20:30+00:00",
	    NULL);
	datetime("20250304T102030Z", A, "2025-03-04T10:20:30Z", NULL);
	datetime("20250304T1020", A, "2025-03-04T10:20:00", NULL);
	datetime("20250304T102030.25+0100", A,
	    "2025-03-04T10:20:30.25+01:00", NULL);
	datetime("04/03/2025 14:30", D, "2025-03-04T14:30:00", NULL);
	datetime("3/4/2025 9:05 AM", CDP_DATE_MDY, "2025-03-04T09:05:00",
	    NULL);
	datetime("March 4, 2025 9:05pm", A, "2025-03-04T21:05:00", NULL);
	datetime("March 4, 2025, 12:00 AM", A, "2025-03-04T00:00:00", NULL);
	datetime("4 Mar 2025 12:30 p.m.", A, "2025-03-04T12:30:00", NULL);
	datetime("4 Mar 2025 12:30:15 PM UTC", A, "2025-03-04T12:30:15Z",
	    NULL);
	datetime("Tue, 4 Mar 2025 10:20:30 +0200", A,
	    "2025-03-04T10:20:30+02:00", NULL);
	datetime("2025-03-04 00:00:00", A, "2025-03-04T00:00:00", NULL);
	datetime("2025-03-04 23:59:59", A, "2025-03-04T23:59:59", NULL);

	datetime("2025-03-04 24:00", A, NULL, "no such time");
	datetime("2025-03-04 10:60", A, NULL, "no such time");
	datetime("2025-03-04 23:59:60", A, NULL, "no such time");
	datetime("2025-03-04 13:00 PM", A, NULL, "no such time");
	datetime("2025-03-04 0:30 AM", A, NULL, "no such time");
	datetime("2025-03-04 10:2", A, NULL, "not a time");
	datetime("2025-03-04 10:20:3", A, NULL, "not a time");
	datetime("2025-03-04 10:20:30.", A, NULL, "not a time");
	datetime("2025-03-04 10:20:30.1234567890", A, NULL, "not a time");
	datetime("2025-03-04 10:20 CET", A, NULL, "unknown time zone");
	datetime("2025-03-04 10:20 +15:00", A, NULL, "bad time zone offset");
	datetime("2025-03-04 10:20 +02:60", A, NULL, "bad time zone offset");
	datetime("2025-03-04 10:20 +02:", A, NULL, "not a time");
	datetime("2025-03-04 10:20 +2", A, NULL, "not a time");
	datetime("2025-03-04 10:20 Z extra", A, NULL, "unknown time zone");
	datetime("2025-03-04 10:20 +02:00 x", A, NULL, "not a time");
	datetime("2025-03-04T1", A, NULL, "not a time");
	datetime("03/04/2025 10:00", A, NULL,
	    "ambiguous day and month: give --date-format");
	datetime("2025-02-30 10:00", A, NULL, "no such day");
	datetime("10:00", A, NULL, "not a date");
	datetime("1741046400", A, NULL, "not a date");
	datetime("", A, NULL, "empty date");
}

static void
test_country(void)
{
	struct cdp_countries *c;
	struct cdp_err err;

	err.code = 0;
	CHECK(cdp_countries_load("/nonexistent/iso.json", &err) == NULL &&
	    err.code == EX_OSFILE, "missing file: code %d", err.code);
	if ((c = cdp_countries_load(NULL, &err)) == NULL) {
		CHECK(0, "load: %s", err.msg);
		return;
	}
	country(c, "PL", "PL", NULL);
	country(c, "pl", "PL", NULL);
	country(c, " pol ", "PL", NULL);
	country(c, "616", "PL", NULL);
	country(c, "004", "AF", NULL);
	country(c, "4", "AF", NULL);
	country(c, "04", "AF", NULL);
	country(c, "Poland", "PL", NULL);
	country(c, "POLAND", "PL", NULL);
	country(c, "Republic of Poland", "PL", NULL);
	country(c, "Germany", "DE", NULL);
	country(c, "Federal Republic of Germany", "DE", NULL);
	country(c, "Deutschland", "DE", NULL);
	country(c, "Österreich", "AT", NULL);
	country(c, "Côte d'Ivoire", "CI", NULL);
	country(c, "Cote d Ivoire", "CI", NULL);
	country(c, "Ivory Coast", "CI", NULL);
	country(c, "Türkiye", "TR", NULL);
	country(c, "Turkey", "TR", NULL);
	country(c, "Czechia", "CZ", NULL);
	country(c, "Czech Republic", "CZ", NULL);
	country(c, "Åland Islands", "AX", NULL);
	country(c, "Curaçao", "CW", NULL);
	country(c, "UK", "GB", NULL);
	country(c, "U.K.", "GB", NULL);
	country(c, "England", "GB", NULL);
	country(c, "Scotland", "GB", NULL);
	country(c, "Wales", "GB", NULL);
	country(c, "Northern Ireland", "GB", NULL);
	country(c, "Great Britain", "GB", NULL);
	country(c, "United Kingdom", "GB", NULL);
	country(c, "the United Kingdom", "GB", NULL);
	country(c, "USA", "US", NULL);
	country(c, "U.S.A.", "US", NULL);
	country(c, "US", "US", NULL);
	country(c, "United States", "US", NULL);
	country(c, "United States of America", "US", NULL);
	country(c, "America", "US", NULL);
	country(c, "Holland", "NL", NULL);
	country(c, "The Netherlands", "NL", NULL);
	country(c, "Russia", "RU", NULL);
	country(c, "Russian Federation", "RU", NULL);
	country(c, "South Korea", "KR", NULL);
	country(c, "Republic of Korea", "KR", NULL);
	country(c, "Korea, Republic of", "KR", NULL);
	country(c, "North Korea", "KP", NULL);
	country(c, "Vatican", "VA", NULL);
	country(c, "Holy See", "VA", NULL);
	country(c, "Holy See (Vatican City State)", "VA", NULL);
	country(c, "Iran", "IR", NULL);
	country(c, "Vietnam", "VN", NULL);
	country(c, "Viet Nam", "VN", NULL);
	country(c, "Bolivia", "BO", NULL);
	country(c, "Democratic Republic of the Congo", "CD", NULL);
	country(c, "DR Congo", "CD", NULL);
	country(c, "Congo", "CG", NULL);
	country(c, "Republic of the Congo", "CG", NULL);
	country(c, "British Virgin Islands", "VG", NULL);
	country(c, "Virgin Islands, U.S.", "VI", NULL);
	country(c, "The Gambia", "GM", NULL);
	country(c, "Falkland Islands", "FK", NULL);
	country(c, "Macedonia", "MK", NULL);
	country(c, "North Macedonia", "MK", NULL);
	country(c, "Taiwan", "TW", NULL);
	country(c, "Palestine", "PS", NULL);

	country(c, "", NULL, "empty country");
	country(c, " - ", NULL, "empty country");
	country(c, "Atlantis", NULL, "unknown country");
	country(c, "XX", NULL, "unknown country");
	country(c, "Korea", NULL, "unknown country");
	country(c, "999", NULL, "unknown country");
	country(c, "0616", NULL, "unknown country");
	country(c, "the", NULL, "unknown country");
	country(c, "Pol\xff", NULL, "invalid UTF-8");
	cdp_countries_free(c);
	cdp_countries_free(NULL);
}

int
main(void)
{
	test_email();
	test_phone();
	test_key();
	test_name();
	test_long_text();
	test_date();
	test_datetime();
	test_country();
	cdp_buf_free(&out);
	return CHECK_DONE();
}
