#!/usr/bin/env bats
# cdp-dedupe: exact keys, --keep rules, --mark, fuzzy blocks, bad input,
# the account, output handling, FEBRL accuracy.
load helper

F="$BATS_TEST_DIRNAME/cdp-dedupe"
FEBRL="$SHARED/data/febrl"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

ns() {
	jq -c -r '.n' <<<"$output" | tr '\n' ' '
}

# --- usage ---------------------------------------------------------------

@test "dedupe: --help prints the usage on stdout and exits 0" {
	run_split cdp-dedupe --help
	assert_success
	assert_line --index 0 "usage: cdp-dedupe [options] --key F[,F...] [FILE...]"
	assert_equal "$stderr" ""
}

@test "dedupe: --version" {
	run cdp-dedupe --version
	assert_success
	assert_output "cdp-dedupe (cdpipe) 0.1.0"
}

@test "dedupe: misuse is a usage error (64) before any output" {
	run_split cdp-dedupe people.ndjson
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$(head -1 <<<"$stderr")" "cdp-dedupe: give --key, or --block with --fuzzy"
	run cdp-dedupe --key email --keep oldest
	assert_failure 64
	run cdp-dedupe --key email --keep newest:
	assert_failure 64
	run cdp-dedupe --key email,email
	assert_failure 64
	run cdp-dedupe --key email --normalize mobile
	assert_failure 64
	assert_line --index 0 'cdp-dedupe: --normalize: cannot tell the kind of "mobile": write mobile:KIND'
	run cdp-dedupe --key email --normalize email:mail
	assert_failure 64
	run cdp-dedupe --key a --default-country XX
	assert_failure 64
	run cdp-dedupe --key a --date-format dd/mm
	assert_failure 64
	run cdp-dedupe --block zip
	assert_failure 64
	assert_line --index 0 "cdp-dedupe: --block needs --fuzzy"
	run cdp-dedupe --key zip --fuzzy 'name:jw>=0.9'
	assert_failure 64
	run cdp-dedupe --block zip --fuzzy 'name:jw>=1.5'
	assert_failure 64
	run cdp-dedupe --block zip --fuzzy 'name:lev<=-1'
	assert_failure 64
	run cdp-dedupe --block zip --fuzzy name:metaphone
	assert_failure 64
	run cdp-dedupe --block zip --fuzzy 'name:jw>=0.9' --max-block 1
	assert_failure 64
	run cdp-dedupe --bogus
	assert_failure 64
}

@test "dedupe: an input that cannot be opened stops before any output (66)" {
	printf '{"a":1}\n' > ok.ndjson
	run_split cdp-dedupe --key a ok.ndjson missing.ndjson
	assert_failure 66
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-dedupe: missing.ndjson: cannot open: No such file or directory"
}

# --- exact keys --------------------------------------------------------------

@test "dedupe: --key after --normalize drops later duplicates (keep first)" {
	run_split cdp-dedupe --key email --normalize email --stats "$F/people.ndjson"
	assert_success
	assert_equal "$(ns)" "1 2 4 "
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":3,"rejected":0,"dropped":0,"merged":2,"unkeyed":1}'
}

@test "dedupe: records pass through byte for byte" {
	printf '{"k":"a","x":165.71,"big":1e400,"s":"\\u00e9"}\r\n\n  \n{"k":"a"}\n' > raw.ndjson
	run cdp-dedupe --key k raw.ndjson
	assert_success
	assert_output '{"k":"a","x":165.71,"big":1e400,"s":"\u00e9"}'
}

@test "dedupe: without --normalize values are compared trimmed, case kept" {
	printf '{"e":"A"}\n{"e":" A "}\n{"e":"a"}\n' > t.ndjson
	run cdp-dedupe --key e t.ndjson
	assert_output "$(printf '%s\n' '{"e":"A"}' '{"e":"a"}')"
}

@test "dedupe: several key fields; a length-prefixed key keeps them apart" {
	printf '{"a":"x","b":"yz","n":1}\n{"a":"xy","b":"z","n":2}\n{"a":"x","b":"yz","n":3}\n{"a":"x","n":4}\n' > k.ndjson
	run_split cdp-dedupe --key a,b --stats k.ndjson
	assert_equal "$(ns)" "1 2 4 "
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":3,"rejected":0,"dropped":0,"merged":1,"unkeyed":1}'
}

@test "dedupe: missing, null and empty key fields pass through, counted unkeyed" {
	printf '{"n":1}\n{"e":null,"n":2}\n{"e":"  ","n":3}\n{"n":4}\n{"e":"x","n":5}\n' > u.ndjson
	run_split cdp-dedupe --key e --stats u.ndjson
	assert_success
	assert_equal "$(ns)" "1 2 3 4 5 "
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":5,"rejected":0,"dropped":0,"merged":0,"unkeyed":4}'
}

@test "dedupe: numbers key by their exact value, booleans by their text; 1, \"1\" and 1.0 are equal" {
	printf '{"e":1,"n":1}\n{"e":"1","n":2}\n{"e":1.0,"n":3}\n{"e":true,"n":4}\n{"e":"true","n":5}\n' > num.ndjson
	run cdp-dedupe --key e num.ndjson
	assert_equal "$(ns)" "1 4 "
	# 20-digit ids are not rounded through a double (issue 22.5).
	printf '{"e":12345678901234567890,"n":1}\n{"e":12345678901234567891,"n":2}\n{"e":1.2345678901234567890e19,"n":3}\n' > num.ndjson
	run cdp-dedupe --key e num.ndjson
	assert_equal "$(ns)" "1 2 "
}

@test "dedupe: an object or an array of objects as key is a bad record (65, or rejects)" {
	printf '{"e":"a"}\n{"e":{"x":1}}\n{"e":[{}]}\n{"e":"a"}\n' > obj.ndjson
	run_split cdp-dedupe --key e obj.ndjson
	assert_failure 65
	assert_equal "$output" '{"e":"a"}'
	assert_equal "$stderr" 'cdp-dedupe: obj.ndjson:2: field "e": an object cannot be a key'
	run_split cdp-dedupe --key e --rejects rej --stats obj.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":1,"rejected":2,"dropped":0,"merged":1,"unkeyed":0}'
	assert_equal "$(jq -c '[._error, ._src, ._line]' rej | tr '\n' ' ')" '["field \"e\": an object cannot be a key","obj.ndjson",2] ["field \"e\": an identifier must be a string, a number or an array of them","obj.ndjson",3] '
}

@test "dedupe: an array of identifiers (a profile's) is keyed by its first value" {
	printf '%s\n' '{"e":["A@x.io","b@x.io"],"n":1}' '{"e":"a@x.io","n":2}' '{"e":[null,"b@x.io"],"n":3}' '{"e":[],"n":4}' > arr.ndjson
	run_split cdp-dedupe --key e --normalize e:email --stats arr.ndjson
	assert_success
	assert_equal "$(jq -c .n <<< "$output" | tr '\n' ' ')" "1 3 4 "
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":3,"rejected":0,"dropped":0,"merged":1,"unkeyed":1}'
}

@test "dedupe: a value its normaliser refuses is a bad record" {
	printf '{"e":"a@x.io"}\n{"e":"not-an-email"}\n' > bad.ndjson
	run_split cdp-dedupe --key e --normalize e:email bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-dedupe: bad.ndjson:2: field "e": not an email address'
}

@test "dedupe: phone keys with --default-country" {
	printf '{"p":"+48 601 234 567","n":1}\n{"p":"601-234-567","n":2}\n' > ph.ndjson
	run cdp-dedupe --key p --normalize p:phone --default-country PL ph.ndjson
	assert_success
	assert_equal "$(ns)" "1 "
}

@test "dedupe: date keys with --date-format; short options" {
	printf '{"d":"03/04/2025","n":1}\n{"d":"2025-04-03","n":2}\n{"d":"4 Mar 2025","n":3}\n' > d.ndjson
	run cdp-dedupe --key d --normalize d:date --date-format dmy d.ndjson
	assert_success
	assert_equal "$(ns)" "1 3 "
	run cdp-dedupe -k d -n d:date --date-format mdy --mark d.ndjson
	assert_equal "$(jq -r '._dup_of // "-"' <<<"$output" | tr '\n' ' ')" "- - d.ndjson:1 "
	run_split cdp-dedupe -k d -n d:date d.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-dedupe: d.ndjson:1: field "d": ambiguous day and month: give --date-format'
	run cdp-dedupe --block d -z 'n:lev<=5' d.ndjson
	assert_equal "$(ns)" "1 2 3 "
}

@test "dedupe: invalid JSON lines are bad records with their line" {
	printf '{"e":"a"}\n{"e":"a",}\n[1]\n{"e":"a","e":"b"}\n{"e":"a"}\n' > inv.ndjson
	run_split cdp-dedupe --key e inv.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-dedupe: inv.ndjson:2: "* ]]
	run_split cdp-dedupe --key e --rejects rej --stats inv.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":1,"rejected":3,"dropped":0,"merged":1,"unkeyed":0}'
	assert_equal "$(jq -c ._line rej | tr '\n' ' ')" "2 3 4 "
}

@test "dedupe: --max-record-bytes rejects a longer record in every mode" {
	printf '{"e":"a","n":1}\n{"e":"a","pad":"%0300d"}\n{"e":"b","n":3}\n' 0 > long.ndjson
	for keep in first last; do
		run_split cdp-dedupe --key e --keep $keep --max-record-bytes 100 --rejects rej --stats long.ndjson
		assert_success
		assert_equal "$(ns)" "1 3 "
		assert_equal "$(stats_core "$stderr")" '{"read":3,"written":2,"rejected":1,"dropped":0,"merged":0,"unkeyed":0}'
	done
}

@test "dedupe: keys across several inputs; stdin is -" {
	printf '{"e":"a","n":1}\n' > one.ndjson
	printf '{"e":"a","n":2}\n{"e":"b","n":3}\n' | cdp-dedupe --key e one.ndjson - > out
	run cat out
	assert_equal "$(ns)" "1 3 "
}

# --- --keep ----------------------------------------------------------------------

@test "dedupe: --keep last writes each survivor where it stands in the input" {
	run_split cdp-dedupe --key email -n email --keep last --stats "$F/people.ndjson"
	assert_success
	assert_equal "$(ns)" "3 4 5 "
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":3,"rejected":0,"dropped":0,"merged":2,"unkeyed":1}'
}

@test "dedupe: --keep last reads a pipe and redirected stdin twice" {
	run bash -c "cat '$F/people.ndjson' | cdp-dedupe --key email -n email --keep last"
	assert_equal "$(ns)" "3 4 5 "
	run bash -c "cdp-dedupe --key email -n email --keep last < '$F/people.ndjson'"
	assert_equal "$(ns)" "3 4 5 "
	run bash -c "(head -c 0; cat '$F/people.ndjson') | cdp-dedupe --key email -n email --keep last - '$F/people.ndjson'"
	assert_equal "$(ns)" "4 3 4 5 "
}

@test "dedupe: --keep newest:FIELD by date, datetime or number; ties keep the first" {
	printf '%s\n' '{"e":"a","t":"2025-03-01","n":1}' '{"e":"a","t":"2025-03-02T10:00:00+02:00","n":2}' \
	    '{"e":"a","t":"2025-03-02T09:00:00Z","n":3}' '{"e":"a","n":4}' '{"e":"b","t":5,"n":5}' \
	    '{"e":"b","t":7,"n":6}' '{"e":"b","t":7,"n":7}' '{"e":"c","n":8}' '{"e":"c","t":null,"n":9}' > t.ndjson
	run cdp-dedupe --key e --keep newest:t t.ndjson
	assert_success
	assert_equal "$(ns)" "3 6 8 "
}

@test "dedupe: --keep newest: a date that does not parse is a bad record" {
	printf '{"e":"a","t":"2025-02-30"}\n{"e":"a","t":{}}\n' > t.ndjson
	run_split cdp-dedupe --key e --keep newest:t t.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-dedupe: t.ndjson:1: field "t": no such day'
	run_split cdp-dedupe --key e --keep newest:t --rejects rej t.ndjson
	assert_success
	assert_equal "$(jq -r ._error rej | tail -1)" 'field "t": not a date, datetime or number'
}

@test "dedupe: --keep most-complete counts non-empty fields, not provenance" {
	printf '%s\n' '{"e":"a","x":1,"_src":"s","_line":1,"n":1}' '{"e":"a","x":"","y":null,"z":[],"n":2}' \
	    '{"e":"a","x":1,"y":2,"n":3}' '{"e":"a","x":3,"y":4,"n":5}' > c.ndjson
	run cdp-dedupe --key e --keep most-complete c.ndjson
	assert_success
	assert_equal "$(ns)" "3 "
}

# --- --mark ----------------------------------------------------------------------

@test "dedupe: --mark keeps every record and points duplicates at the first" {
	run_split cdp-dedupe --key email -n email --mark --stats "$F/people.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/mark-first.out")"
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":5,"rejected":0,"dropped":0,"merged":0,"unkeyed":1,"marked":2}'
}

@test "dedupe: --mark with --keep last points at the last" {
	run_split cdp-dedupe --key email -n email --mark --keep last "$F/people.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/mark-last.out")"
}

@test "dedupe: --mark without _src/_line names the input and line; an old _dup_of is bad unless --replace" {
	printf '{"e":"a"}\n\n{"e":"a","_dup_of":"old"}\n' > m.ndjson
	run_split cdp-dedupe --key e --mark m.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-dedupe: m.ndjson:3: field "_dup_of" already exists'
	run cdp-dedupe --key e --mark --replace m.ndjson
	assert_output "$(printf '%s\n' '{"e":"a"}' '{"e":"a","_dup_of":"m.ndjson:1"}')"
	# The survivor of --keep last loses the _dup_of it had.
	run bash -c 'cdp-dedupe --key e --mark --replace --keep last < m.ndjson'
	assert_output "$(printf '%s\n' '{"e":"a","_dup_of":"<stdin>:3"}' '{"e":"a"}')"
	# Without --mark, dedupe adds no field: nothing to collide with.
	run cdp-dedupe --key e m.ndjson
	assert_output '{"e":"a"}'
}

# --- fuzzy -----------------------------------------------------------------------

@test "dedupe: --fuzzy joins similar names within a block, transitively" {
	printf '%s\n' '{"zip":"1","name":"Martha Kelly","n":1}' '{"zip":"1","name":"Marhta Kelly","n":2}' \
	    '{"zip":"2","name":"Martha Kelly","n":3}' '{"zip":"1","name":"Bob Stone","n":4}' \
	    '{"zip":"1","name":"MARHTA KELLEY","n":5}' '{"name":"Martha Kelly","n":6}' > f.ndjson
	run_split cdp-dedupe --block zip --fuzzy 'name:jw>=0.95' --stats f.ndjson
	assert_success
	assert_equal "$(ns)" "1 3 4 6 "
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":4,"rejected":0,"dropped":0,"merged":2,"unkeyed":1,"oversized_blocks":0}'
	run cdp-dedupe --block zip --fuzzy 'name:jw>=0.95' --mark --keep last f.ndjson
	assert_equal "$(jq -r '._dup_of // "-"' <<<"$output" | tr '\n' ' ')" "f.ndjson:5 f.ndjson:5 - - - - "
}

@test "dedupe: --fuzzy lev counts code points of the match key; every condition must hold" {
	printf '%s\n' '{"b":1,"s":"Zoë","d":"1990"}' '{"b":1,"s":"zoe","d":"1990"}' '{"b":1,"s":"zoey","d":"1991"}' \
	    '{"b":1,"s":"zoe"}' > l.ndjson
	run cdp-dedupe --block b --fuzzy 's:lev<=0,d:lev<=0' l.ndjson
	assert_equal "$(jq -c -r .s <<<"$output" | tr '\n' ' ')" "Zoë zoey zoe "
	run cdp-dedupe --block b --fuzzy 's:lev<=1,d:lev<=1' l.ndjson
	assert_equal "$(jq -c -r .s <<<"$output" | tr '\n' ' ')" "Zoë zoe "
}

@test "dedupe: --fuzzy --keep most-complete and newest pick per cluster" {
	printf '%s\n' '{"b":1,"s":"anna","n":1}' '{"b":1,"s":"anna","x":1,"t":"2020-01-01","n":2}' \
	    '{"b":1,"s":"ana","t":"2021-01-01","n":3}' > c.ndjson
	run cdp-dedupe --block b --fuzzy 's:lev<=1' --keep most-complete c.ndjson
	assert_equal "$(ns)" "2 "
	run cdp-dedupe --block b --fuzzy 's:lev<=1' --keep newest:t c.ndjson
	assert_equal "$(ns)" "3 "
}

@test "dedupe: a block over --max-block is reported and left unmerged" {
	for i in $(seq 1 30); do printf '{"b":"x","s":"same","n":%d}\n' $i; done > big.ndjson
	printf '{"b":"y","s":"same","n":31}\n{"b":"y","s":"same","n":32}\n' >> big.ndjson
	run_split cdp-dedupe --block b --fuzzy 's:jw>=0.9' --max-block 20 --stats big.ndjson
	assert_success
	assert_equal "${#lines[@]}" 31
	assert_equal "$(sed -n 1p <<<"$stderr")" "cdp-dedupe: --block b: a block of 30 records is over --max-block 20: its pairs are not compared"
	assert_equal "$(stats_core "$(sed -n 2p <<<"$stderr")")" '{"read":32,"written":31,"rejected":0,"dropped":0,"merged":1,"unkeyed":0,"oversized_blocks":1}'
}

@test "dedupe: past ten oversized blocks the rest are counted in one line" {
	for b in $(seq 1 12); do for i in 1 2 3; do printf '{"b":%d,"s":"x"}\n' $b; done; done > many.ndjson
	run_split cdp-dedupe --block b --fuzzy 's:lev<=0' --max-block 2 many.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$stderr")" 11
	assert_equal "$(tail -1 <<<"$stderr")" "cdp-dedupe: 2 more blocks over --max-block 2: their pairs are not compared"
}

@test "dedupe: a block of 20000 equal records does not hang" {
	seq 1 20000 | sed 's/.*/{"b":1,"s":"x&"}/' > huge.ndjson
	run_split timeout 20 cdp-dedupe --block b --fuzzy 's:jw>=0.9' --stats huge.ndjson
	assert_success
	assert_equal "${#lines[@]}" 20000
}

@test "dedupe: --fuzzy compares dates and numbers with the methods of cdp-merge" {
	printf '%s\n' '{"b":1,"d":"1990-03-04","n":1}' '{"b":1,"d":"1990-04-03","n":2}' \
	    '{"b":1,"d":"1990-03-14","n":3}' '{"b":1,"d":"1991-07-01","n":4}' \
	    '{"b":1,"d":"03/04/1990","n":5}' '{"b":1,"n":6}' > d.ndjson
	# Day and month swapped, a digit off, within 10 days all agree; a date
	# is compared as normalised (not as a match key).
	run cdp-dedupe --block b --fuzzy 'd:date(10)' --normalize d:date --date-format mdy d.ndjson
	assert_success
	assert_equal "$(ns)" "1 4 6 "
	run cdp-dedupe --block b --fuzzy 'd:date(10)' d.ndjson
	assert_equal "$(ns)" "1 4 5 6 "
	printf '%s\n' '{"b":1,"a":10,"s":"Jon Smith","n":1}' '{"b":1,"a":"10.4","s":"John Smyth","n":2}' \
	    '{"b":1,"a":11,"s":"Jon Smith","n":3}' '{"b":1,"a":10,"s":"Bob Stone","n":4}' > a.ndjson
	run cdp-dedupe --block b --fuzzy 'a:num(0.5)' a.ndjson
	assert_equal "$(ns)" "1 3 "
	# A method's own commas: jw(0.95,0.9) agrees down to 0.9 (0.917).
	run cdp-dedupe --block b --fuzzy 's:jw(0.95,0.9),a:num(1)' a.ndjson
	assert_equal "$(ns)" "1 4 "
	run cdp-dedupe --block b --fuzzy 's:jw>=0.95,a:num(1)' a.ndjson
	assert_equal "$(ns)" "1 2 4 "
}

@test "dedupe: several --block rules and key functions, as in cdp-merge" {
	printf '%s\n' '{"zip":"1","name":"Smith","dob":"1990-01-02","n":1}' \
	    '{"zip":"2","name":"Smyth","dob":"1990-05-06","n":2}' \
	    '{"zip":"2","name":"Smith","dob":"1980-05-06","n":3}' \
	    '{"name":"Smithe","dob":"1980-01-01","n":4}' > r.ndjson
	run_split cdp-dedupe --block zip --fuzzy 'name:lev<=1' --stats r.ndjson
	assert_equal "$(ns)" "1 2 4 "
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":3,"rejected":0,"dropped":0,"merged":1,"unkeyed":1,"oversized_blocks":0}'
	# soundex(name),year(dob) puts 1 and 2 in one block, 3 and 4 in another.
	run_split cdp-dedupe --block zip --block 'soundex(name),year(dob)' --fuzzy 'name:lev<=1' --stats r.ndjson
	assert_equal "$(ns)" "1 "
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":1,"rejected":0,"dropped":0,"merged":3,"unkeyed":0,"oversized_blocks":0}'
	run cdp-dedupe --block 'prefix(name,4)' --fuzzy 'dob:date(1)' r.ndjson
	assert_equal "$(ns)" "1 2 3 4 "
	# prefix(name,4): Smit {1,3,4} and Smyt {2}; 3 and 4 are 126 days apart.
	run cdp-dedupe --block 'prefix(name,4)' --fuzzy 'dob:date(200)' r.ndjson
	assert_equal "$(ns)" "1 2 3 "
}

@test "dedupe: --fuzzy compares names in two fields (name_swap) and places (geo)" {
	printf '%s\n' '{"b":1,"g":"Ann","s":"Lee","n":1}' '{"b":1,"g":"Lee","s":"Ann","n":2}' \
	    '{"b":1,"g":"Bob","s":"Lee","n":3}' '{"b":1,"s":"Lee","n":4}' > ns.ndjson
	# Every level but else agrees: swapped, one name equal and the other
	# different (Bob Lee) or absent.
	run cdp-dedupe --block b --fuzzy 'g+s:name_swap' ns.ndjson
	assert_equal "$(ns)" "1 "
	run cdp-dedupe --block b --fuzzy 'g+s:jw(0.9)' ns.ndjson
	assert_failure 64
	assert_line --index 0 "cdp-dedupe: --fuzzy: jw(0.9): expected one field"
	run cdp-dedupe --block b --fuzzy 'g:name_swap' ns.ndjson
	assert_failure 64
	assert_line --index 0 "cdp-dedupe: --fuzzy: name_swap: expected two fields, F1+F2"
	printf '%s\n' '{"b":1,"lat":51.5007,"lon":-0.1246,"n":1}' '{"b":1,"lat":"51.5033","lon":"-0.1195","n":2}' \
	    '{"b":1,"lat":48.8584,"lon":2.2945,"n":3}' > geo.ndjson
	run cdp-dedupe --block b --fuzzy 'lat+lon:geo(1)' geo.ndjson
	assert_equal "$(ns)" "1 3 "
}

@test "dedupe: --fuzzy and --block misuse names the methods and keys" {
	run_split cdp-dedupe --block zip --fuzzy name:metaphone
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-dedupe: --fuzzy: name: expected exact, jw(T1,T2,...), lev(K1,K2,...), soundex, nysiis, jw_nysiis(T1,...), name_swap(T), date(DAYS), num(TOL1,...) or geo(KM1,...) (or jw>=T, lev<=K)"
	run_split cdp-dedupe --block 'prefix(zip)' --fuzzy name:jw
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-dedupe: --block: prefix(zip): expected prefix(FIELD,N)"
	run_split cdp-dedupe --key a --block zip --fuzzy name:jw
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-dedupe: --key and --block exclude each other"
	for bad in 'name:jw(0.9' 'name:jw(0.8,0.9)' ':jw' 'name' 'name:num' 'name:lev(0)'; do
		run cdp-dedupe --block zip --fuzzy "$bad"
		assert_failure 64
	done
	for n in 1 1000001; do
		run_split cdp-dedupe --block zip --fuzzy name:jw --max-block $n
		assert_failure 64
		assert_equal "$(head -1 <<<"$stderr")" "cdp-dedupe: --max-block: expected a whole number from 2 to 1000000"
	done
}

@test "dedupe: --fuzzy: an object as compared field is a bad record" {
	printf '{"b":1,"s":"a"}\n{"b":1,"s":{"x":1}}\n' > o.ndjson
	run_split cdp-dedupe --block b --fuzzy 's:lev<=1' o.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-dedupe: o.ndjson:2: field "s": an object cannot be a key'
	assert_equal "$output" ""
}

# --- account and output ----------------------------------------------------------

@test "dedupe: --stats keeps read = written + rejected + dropped + merged" {
	seq 1 3000 | awk '{ printf "{\"k\":%d,\"n\":%d}\n", $1 % 700, $1 }' > acc.ndjson
	printf '{"n":0}\nnot json\n{"k":[{}]}\n' >> acc.ndjson
	for args in "--keep first" "--keep last" "--keep most-complete" "--mark" "--mark --keep last"; do
		run_split cdp-dedupe --key k $args --rejects rej --stats acc.ndjson
		assert_success
		jq -e '.read == .written + .rejected + .dropped + .merged' <<<"$stderr"
		jq -e '.read == 3003 and .rejected == 2 and .unkeyed == 1' <<<"$stderr"
		[[ "$args" == *mark* ]] || assert_equal "$(jq -r .written <<<"$stderr")" 701
	done
}

@test "dedupe: -o writes the file only when the run succeeds" {
	printf '{"e":"a"}\n{"e":"a"}\n' > ok.ndjson
	run cdp-dedupe --key e -o out.ndjson ok.ndjson
	assert_success
	assert_equal "$(cat out.ndjson)" '{"e":"a"}'
	printf '{"e":"a"}\n{"e":{}}\n' > bad.ndjson
	run cdp-dedupe --key e -o out2.ndjson bad.ndjson
	assert_failure 65
	run cdp-dedupe --key e --keep last -o out3.ndjson bad.ndjson
	assert_failure 65
	run ls -A
	assert_output "$(printf '%s\n' bad.ndjson ok.ndjson out.ndjson)"
}

@test "dedupe: a full disk is an I/O error (74), never success" {
	printf '{"e":"a"}\n' > ok.ndjson
	for keep in first last; do
		run_split cdp-dedupe --key e --keep $keep ok.ndjson -o /dev/full
		assert_failure 74
		assert_equal "$stderr" "cdp-dedupe: /dev/full: write error: No space left on device"
		run_split sh -c "cdp-dedupe --key e --keep $keep ok.ndjson > /dev/full"
		assert_failure 74
		assert_equal "$stderr" "cdp-dedupe: <stdout>: write error: No space left on device"
	done
}

@test "dedupe: a closed pipe ends the run quietly with 0" {
	seq 1 200000 | sed 's/.*/{"n":&}/' > many.ndjson
	for keep in first last; do
		run_split bash -c "set -o pipefail; cdp-dedupe --key n --keep $keep many.ndjson | head -1"
		assert_success
		assert_output '{"n":1}'
		assert_equal "$stderr" ""
	done
}

@test "dedupe: --progress draws on stderr, never on stdout" {
	seq 1 20000 | sed 's/.*/{"n":&}/' > many.ndjson
	run_split cdp-dedupe --key n --progress many.ndjson
	assert_success
	assert_equal "${#lines[@]}" 20000
}

@test "dedupe: the man page renders without warnings" {
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-dedupe.1"
	assert_success
	assert_equal "$stderr" ""
}

# --- accuracy on FEBRL -------------------------------------------------------------

# Floors a little under the values measured when written (man page EXAMPLES).
febrl() {
	cdp-ingest --trim "$FEBRL/$1.csv" |
	    cdp-dedupe --block postcode --fuzzy 'soc_sec_id:lev<=2' --mark |
	    sh "$BATS_TEST_DIRNAME/dedupe-pairs.sh"
}

@test "dedupe: FEBRL dataset1 pairwise precision and recall above their floors" {
	[[ -f "$FEBRL/dataset1.csv" ]] || skip "shared FEBRL data not found"
	run febrl dataset1
	assert_success
	read -r _ p _ r _ <<<"$output"
	awk -v p="$p" -v r="$r" 'BEGIN { exit !(p >= 0.99 && r >= 0.78) }'
}

@test "dedupe: FEBRL dataset2 pairwise precision and recall above their floors" {
	[[ -f "$FEBRL/dataset2.csv" ]] || skip "shared FEBRL data not found"
	run febrl dataset2
	assert_success
	read -r _ p _ r _ <<<"$output"
	awk -v p="$p" -v r="$r" 'BEGIN { exit !(p >= 0.99 && r >= 0.70) }'
}

# --- key fields that no record has --------------------------------------------

@test "dedupe: a key field no record has is warned of with the spellings seen" {
	printf '%s\n' '{"Email":"a@x.io","name":"Ann"}' '{"Email":"a@x.io","name":"Ann"}' > in.ndjson
	# Streaming (one thread and two) and two-pass runs alike.
	for args in "" "--threads 2" "--keep last"; do
		run_split cdp-dedupe -k email $args --stats in.ndjson
		assert_success
		assert_equal "$(stats_core "$stderr" | sed 's/,"threads".*/}/')" 'cdp-dedupe: warning: no record has the field "email" (fields seen with that name in another case: "Email")
{"read":2,"written":2,"rejected":0,"dropped":0,"merged":0,"unkeyed":2}'
	done
	run_split cdp-dedupe -k name,e_mail,phone in.ndjson
	assert_success
	assert_equal "$stderr" 'cdp-dedupe: warning: no record has the field "e_mail" (fields seen with a similar name: "Email")
cdp-dedupe: warning: no record has the field "phone"'
	# Fuzzy mode: the --block fields.
	run_split cdp-dedupe --block Name --block names --fuzzy 'name:jw(0.9)' in.ndjson
	assert_success
	assert_equal "$stderr" 'cdp-dedupe: warning: no record has the field "Name" (fields seen with that name in another case: "name")
cdp-dedupe: warning: no record has the field "names" (fields seen with a similar name: "name")'
	# A key field held by one record, even null, counts.
	printf '%s\n' '{"Email":"a@x.io"}' '{"email":null}' > in2.ndjson
	run_split cdp-dedupe -k email in2.ndjson
	assert_success
	assert_equal "$stderr" ""
}

@test "dedupe: no record read, no key field message (empty input, blank lines, only bad records)" {
	: > empty.ndjson
	printf '\n' > blank.ndjson
	printf '{"Email":\n' > bad.ndjson
	for f in empty blank; do
		run_split cdp-dedupe -k email $f.ndjson
		assert_success
		assert_equal "$output$stderr" ""
	done
	run_split cdp-dedupe -k email --rejects rej.ndjson bad.ndjson
	assert_success
	assert_equal "$output$stderr" ""
	assert_equal "$(wc -l < rej.ndjson)" 1
}
