#!/usr/bin/env bats
# cdp-export: hashing test vectors per platform, phones with
# --default-country, consent filtering and its count, pass-through of
# values hashed earlier, formula neutralisation, bad input, --stats.
load helper

F="$BATS_TEST_DIRNAME/cdp-export"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The lower-case hex SHA-256 of $1, computed apart from the program.
h() {
	printf %s "$1" | sha256sum | cut -d' ' -f1
}

# One record with consent for ads and the given fields (JSON members).
rec() {
	printf '{%s,"consent":{"ads":true}}\n' "$1"
}

# --- usage -----------------------------------------------------------------

@test "export: --help prints the usage on stdout and exits 0" {
	run_split cdp-export --help
	assert_success
	assert_line --index 0 "usage: cdp-export --platform google|meta|generic [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "export: --version" {
	run cdp-export --version
	assert_success
	assert_output "cdp-export (cdpipe) 0.1.0"
}

@test "export: misuse is a usage error (64) before any output" {
	run_split cdp-export
	assert_failure 64
	assert_equal "$output" ""
	run cdp-export
	assert_failure 64
	assert_line --index 0 "cdp-export: --platform is required"
	run cdp-export --platform tiktok
	assert_failure 64
	assert_line --index 0 'cdp-export: --platform: unknown platform "tiktok" (google, meta or generic)'
	run cdp-export --platform google --fields email,city
	assert_failure 64
	assert_line --index 0 'cdp-export: --fields: unknown column "city" for this platform (one of email, phone, first_name, last_name, country, zip)'
	run cdp-export --platform google --fields email:email
	assert_failure 64
	assert_line --index 0 'cdp-export: --fields: "email:email": a KIND is for --platform generic only'
	run cdp-export --platform generic --no-consent-filter --fields x:colour
	assert_failure 64
	run cdp-export --platform meta --fields email,phone,email
	assert_failure 64
	assert_line --index 0 'cdp-export: --fields: column "email" given twice'
	run cdp-export --platform meta --fields email,,phone
	assert_failure 64
	run cdp-export --platform generic --fields email
	assert_failure 64
	assert_line --index 0 "cdp-export: --platform generic needs --consent PATH or --no-consent-filter"
	run cdp-export --platform google --consent a.b --no-consent-filter
	assert_failure 64
	run cdp-export --platform google --consent 'consent..ads'
	assert_failure 64
	run cdp-export --platform google --consent 'consent.1ads'
	assert_failure 64
	run cdp-export --platform google --format xml
	assert_failure 64
	run cdp-export --platform google --default-country ZZ
	assert_failure 64
	run_split cdp-export --platform google missing.ndjson
	assert_failure 66
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-export: missing.ndjson: cannot open: No such file or directory"
}

# --- test vectors ----------------------------------------------------------

@test "export: google email is trimmed and lower-cased, gmail dots kept, then hashed" {
	run_split cdp-export --platform google < <(rec '"email":"  John.Doe@Example.COM "'; rec '"email":"j.doe@GMail.com"')
	assert_success
	assert_equal "$(h john.doe@example.com)" 836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f
	assert_output "Email,Phone
$(h john.doe@example.com),
$(h j.doe@gmail.com),"
}

@test "export: phones are E.164 with + for google, digits for meta" {
	input() { rec '"phone":"601 234 567"'; rec '"phone":"+1 (415) 555-2671"'; rec '"phone":"0048 22 123 45 67"'; }
	run cdp-export --platform google --fields phone --default-country PL < <(input)
	assert_success
	assert_output "Phone
$(h +48601234567)
$(h +14155552671)
$(h +48221234567)"
	run cdp-export --platform meta --fields phone --default-country PL < <(input)
	assert_success
	assert_output "PHONE
$(h 48601234567)
$(h 14155552671)
$(h 48221234567)"
	# Without --default-country a national number cannot be placed.
	run_split cdp-export --platform meta --fields phone --stats < <(input)
	assert_success
	assert_output "PHONE
$(h 14155552671)
$(h 48221234567)"
	assert_equal "$(stats_core "$stderr")" '{"read":3,"written":2,"rejected":0,"dropped":1,"no_consent":0,"no_identifier":1,"bad_values":1}'
}

@test "export: names, city, state, zip and country as each platform wants them" {
	input() { rec '"first_name":" Mary Ann ","last_name":"O'"'"'Brien-Smith","city":"San Francisco","state":"CA","zip":"94103-1234","country":"United States"'; }
	run cdp-export --platform google --fields first_name,last_name,country,zip < <(input)
	assert_success
	assert_output "First Name,Last Name,Country,Zip
$(h 'mary ann'),$(h "o'brien-smith"),US,94103-1234"
	run cdp-export --platform meta --fields first_name,last_name,city,state,zip,country < <(input)
	assert_success
	assert_output "FN,LN,CT,ST,ZIP,COUNTRY
$(h maryann),$(h obriensmith),$(h sanfrancisco),$(h ca),$(h 94103),$(h us)"
	run cdp-export --platform meta --fields first_name,last_name,zip --no-hash < <(rec '"first_name":"ZOË","last_name":"Lee-Ng","zip":"SW1A 1AA"')
	assert_output "FN,LN,ZIP
zoë,leeng,sw1a1aa"
}

@test "export: the whole fixture, google and meta (golden)" {
	run_split cdp-export --platform google --fields email,phone,first_name,last_name,country,zip --default-country PL --stats "$F/profiles.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/google.csv")"
	assert_equal "$(stats_core "$stderr")" '{"read":9,"written":5,"rejected":0,"dropped":4,"no_consent":3,"no_identifier":1,"bad_values":2}'
	run cdp-export --platform meta --fields email,phone,first_name,last_name,city,state,zip,country --default-country PL "$F/profiles.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/meta.csv")"
	# Spot-check the golden file against independent hashes.
	assert_line --index 1 --partial "$(h john.doe@example.com),$(h 48601234567),$(h josé),$(h obriensmith),$(h saintétienne),,$(h 00-950),$(h pl)"
}

@test "export: values hashed earlier pass through, lower-cased, with --no-hash too" {
	up=836F82DB99121B3481011F16B49DFA5FBC714A0D1B1B9F784A1EBBBF5B39577F
	low=836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f
	run cdp-export --platform meta --fields email < <(rec "\"email\":\"$up\"")
	assert_output "EMAIL
$low"
	run cdp-export --platform meta --fields email --no-hash < <(rec "\"email\":\" $low \"")
	assert_output "EMAIL
$low"
	# Google's Country is never hashed: 64 hex digits there are no country.
	run_split cdp-export --platform google --fields email,country --stats < <(rec "\"email\":\"a@b.co\",\"country\":\"$low\"")
	assert_output "Email,Country
$(h a@b.co),"
	assert_equal "$(stats_core "$stderr")" '{"read":1,"written":1,"rejected":0,"dropped":0,"no_consent":0,"no_identifier":0,"bad_values":1}'
}

@test "export: a hash of a pipeline that hashed at ingest is the one export makes" {
	printf 'email,phone\n" Ann@Example.com ",601 234 567\n' > crm.csv
	cdp-ingest --hash email,phone --default-country PL crm.csv |
	    sed 's/}$/,"consent":{"ads":true}}/' > hashed.ndjson
	printf '{"email":" Ann@Example.com ","phone":"601 234 567","consent":{"ads":true}}\n' > clear.ndjson
	run cdp-export --platform google --default-country PL hashed.ndjson
	assert_success
	assert_output "Email,Phone
$(h ann@example.com),$(h +48601234567)"
	run cdp-export --platform google --default-country PL clear.ndjson
	assert_output "Email,Phone
$(h ann@example.com),$(h +48601234567)"
}

# --- consent ---------------------------------------------------------------

@test "export: only JSON true in consent.ads exports; the rest is counted" {
	{
		rec '"email":"a@x.io"'
		echo '{"email":"b@x.io","consent":{"ads":false}}'
		echo '{"email":"c@x.io","consent":{"ads":"true"}}'
		echo '{"email":"d@x.io","consent":{"ads":1}}'
		echo '{"email":"e@x.io","consent":true}'
		echo '{"email":"f@x.io"}'
	} > in.ndjson
	run_split cdp-export --platform google --stats in.ndjson
	assert_success
	assert_output "Email,Phone
$(h a@x.io),"
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":1,"rejected":0,"dropped":5,"no_consent":5,"no_identifier":0,"bad_values":0}'
	run_split cdp-export --platform google --no-consent-filter --stats in.ndjson
	assert_equal "${#lines[@]}" 7
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":6,"rejected":0,"dropped":0,"no_consent":0,"no_identifier":0,"bad_values":0}'
}

@test "export: --consent takes a top-level key or a dotted path" {
	printf '%s\n' '{"email":"a@x.io","opt_in":true,"c":{"sms":{"ok":true}}}' \
	    '{"email":"b@x.io","opt_in":false,"c":{"sms":{"ok":false}}}' \
	    '{"email":"c@x.io","opt_in":true,"c":{"sms":{"ok":null}}}' > in.ndjson
	run cdp-export --platform generic --consent opt_in --fields email --no-hash in.ndjson
	assert_output "email
a@x.io
c@x.io"
	run cdp-export --platform generic --consent c.sms.ok --fields email --no-hash in.ndjson
	assert_output "email
a@x.io"
}

# --- generic, CSV safety, NDJSON -------------------------------------------

@test "export: generic --no-hash, CSV neutralises formulas in text cells only" {
	run_split cdp-export --platform generic --consent consent.email --no-hash --fields id,title,email,score,note,tags,vip --stats "$F/plain.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/plain.csv")"
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":3,"rejected":0,"dropped":1,"no_consent":1,"no_identifier":0,"bad_values":1}'
}

@test "export: generic NDJSON keeps numbers, flags and arrays, leaves out empty values" {
	run cdp-export --platform generic --consent consent.email --no-hash --fields id,title,email,score,note,tags,vip --format ndjson "$F/plain.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/plain.ndjson")"
}

@test "export: generic columns: NAME=PATH, :KIND, nested paths, hashing" {
	printf '%s\n' '{"id":7,"contact":{"mail":" X@Y.Com ","tel":"+48 601 234 567"},"consent":{"ads":true}}' > in.ndjson
	run cdp-export --platform generic --consent consent.ads --fields 'id,mail=contact.mail:email,tel=contact.tel:phone' in.ndjson
	assert_success
	assert_output "id,mail,tel
$(h 7),$(h x@y.com),$(h +48601234567)"
	run cdp-export --platform generic --consent consent.ads --fields 'mail=contact.mail:email,tel=contact.tel:phone' --no-hash --format ndjson in.ndjson
	assert_output '{"mail":"x@y.com","tel":"+48601234567"}'
	# Google: NAME=PATH reads a column from another field.
	run cdp-export --platform google --fields email=contact.mail --consent consent.ads in.ndjson
	assert_output "Email
$(h x@y.com)"
}

@test "export: a record with no identifier is dropped; a bad value only empties its cell" {
	{
		rec '"email":"a@x.io","phone":"12"'
		rec '"email":"nope","phone":"12"'
		rec '"first_name":"Ann","last_name":"Lee","zip":"00-950"'
		rec '"first_name":"Ann","last_name":"Lee","zip":"00-950","country":"PL"'
	} > in.ndjson
	run_split cdp-export --platform google --fields email,phone,first_name,last_name,country,zip --stats in.ndjson
	assert_success
	assert_output "Email,Phone,First Name,Last Name,Country,Zip
$(h a@x.io),,,,,
,,$(h ann),$(h lee),PL,00-950"
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":2,"rejected":0,"dropped":2,"no_consent":0,"no_identifier":2,"bad_values":3}'
	# Meta matches names with a zip code, no country needed.
	run cdp-export --platform meta --fields first_name,last_name,zip in.ndjson
	assert_equal "${#lines[@]}" 3
}

# --- bad input, output -----------------------------------------------------

@test "export: a bad line stops with file:line (65), or goes to --rejects" {
	{ rec '"email":"a@x.io"'; echo '{"email":'; rec '"email":"b@x.io"'; } > in.ndjson
	run_split cdp-export --platform google in.ndjson
	assert_failure 65
	assert_output --partial "Email,Phone"
	assert_line --index 1 "$(h a@x.io),"
	assert_regex "$stderr" '^cdp-export: in.ndjson:2: '
	run_split cdp-export --platform google --rejects bad.ndjson --stats in.ndjson
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "$(stats_core "$stderr")" '{"read":3,"written":2,"rejected":1,"dropped":0,"no_consent":0,"no_identifier":0,"bad_values":0}'
	run grep -c '"_line":2' bad.ndjson
	assert_output 1
}

@test "export: a nested number out of range is a bad record" {
	printf '%s\n' '{"a":{"n":1e400},"consent":{"ads":true}}' > in.ndjson
	run_split cdp-export --platform generic --consent consent.ads --fields n=a.n in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-export: in.ndjson:1: number out of range"
}

@test "export: empty input gives the header; -o is atomic; /dev/full is 74" {
	run cdp-export --platform meta --fields email,phone,country < /dev/null
	assert_success
	assert_output "EMAIL,PHONE,COUNTRY"
	rec '"email":"a@x.io"' > in.ndjson
	run cdp-export --platform google -o out.csv in.ndjson
	assert_success
	assert_equal "$(cat out.csv)" "Email,Phone
$(h a@x.io),"
	run cdp-export --platform google -o out2.csv in.ndjson '{bad'
	assert_failure 66
	assert_file_not_exists out2.csv
	run cdp-export --platform google in.ndjson -o /dev/full
	assert_failure 74
}

@test "export: several inputs and - give one file with one header" {
	rec '"email":"a@x.io"' > a.ndjson
	rec '"email":"b@x.io"' > b.ndjson
	run cdp-export --platform google --fields email a.ndjson - b.ndjson < <(rec '"email":"c@x.io"')
	assert_success
	assert_output "Email
$(h a@x.io)
$(h c@x.io)
$(h b@x.io)"
}

@test "export: generic hashing: numbers as written, flags and objects are bad values" {
	printf '%s\n' '{"n":42,"f":true,"o":{"a":1},"consent":{"ads":true}}' > in.ndjson
	run_split cdp-export --platform generic --consent consent.ads --fields n,f,o --stats in.ndjson
	assert_success
	assert_output "n,f,o
$(h 42),,"
	assert_equal "$(stats_core "$stderr")" '{"read":1,"written":1,"rejected":0,"dropped":0,"no_consent":0,"no_identifier":0,"bad_values":2}'
}
