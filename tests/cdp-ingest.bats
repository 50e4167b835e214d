#!/usr/bin/env bats
# cdp-ingest: formats, provenance, options, bad input, output handling.
load helper

F="$BATS_TEST_DIRNAME/cdp-ingest"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

golden() {
	cat "$F/expected/$1"
}

# --- usage ---------------------------------------------------------------

@test "ingest: --help prints the usage on stdout and exits 0" {
	run_split cdp-ingest --help
	assert_success
	assert_line --index 0 "usage: cdp-ingest [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "ingest: --version" {
	run cdp-ingest --version
	assert_success
	assert_output "cdp-ingest (cdpipe) 0.1.0"
}

@test "ingest: an unknown option is a usage error (64)" {
	run_split cdp-ingest --bogus
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-ingest: unrecognized option '--bogus'
Try 'cdp-ingest --help' for more information."
}

@test "ingest: bad option values are usage errors before any output" {
	run cdp-ingest --format xml
	assert_failure 64
	assert_line --index 0 "cdp-ingest: --format: expected csv, tsv, ndjson or json"
	run cdp-ingest --types age:integer
	assert_failure 64
	run cdp-ingest --normalize mobile
	assert_failure 64
	assert_line --index 0 'cdp-ingest: --normalize: cannot tell the kind of "mobile": write mobile:KIND'
	run cdp-ingest --normalize email:mail
	assert_failure 64
	run cdp-ingest --default-country XX
	assert_failure 64
	run cdp-ingest --date-format dd/mm
	assert_failure 64
	run cdp-ingest --match 'email=(unclosed'
	assert_failure 64
	assert_line --index 0 --partial "cdp-ingest: --match: email: at offset 9:"
	run cdp-ingest --map email
	assert_failure 64
	run cdp-ingest --hash-key-file /dev/null
	assert_failure 64
	run cdp-ingest --max-record-bytes 12Q
	assert_failure 64
	run cdp-ingest --empty zero
	assert_failure 64
	run cdp-ingest --source a --source b one.csv
	assert_failure 64
}

# --- CSV -------------------------------------------------------------------

@test "ingest: CSV quoted fields, doubled quotes and embedded newlines" {
	run cdp-ingest "$F/quoted.csv"
	assert_success
	assert_output "$(golden quoted.out)"
}

@test "ingest: CSV with CRLF, a blank line and CRLF inside quotes" {
	run cdp-ingest "$F/crlf.csv"
	assert_success
	assert_output "$(golden crlf.out)"
}

@test "ingest: CSV lines with no quote read as through libcsv (CDP_CSV=libcsv)" {
	printf '\xef\xbb\xbfid;name;note\r\n1;Ann;plain\r\n\r\n2; Bo ;"two\r\nlines"\r\n3; Cy ;\r\n   \r\n4;"D;d";x\r\n5;ragged\r\n6;Eve;"say ""hi"""\r\n7;Fay;tail' > p.csv
	run_split cdp-ingest --rejects r.csv p.csv
	assert_success
	assert_output - <<-'EOF'
	{"id":"1","name":"Ann","note":"plain","_src":"p.csv","_line":2}
	{"id":"2","name":" Bo ","note":"two\r\nlines","_src":"p.csv","_line":4}
	{"id":"3","name":" Cy ","note":"","_src":"p.csv","_line":6}
	{"id":"4","name":"D;d","note":"x","_src":"p.csv","_line":8}
	{"id":"6","name":"Eve","note":"say \"hi\"","_src":"p.csv","_line":10}
	{"id":"7","name":"Fay","note":"tail","_src":"p.csv","_line":11}
	EOF
	assert_equal "$(cat r.csv)" '{"_error":"row has 2 fields, header has 3","_src":"p.csv","_line":9,"raw":"5;ragged"}'
	# Rows over the 256 KB read blocks and the threads' blocks: tabs,
	# spaces to trim, quoted rows now and then, blank lines, CRLF.
	awk 'BEGIN { print "a\tb\tc"; for (i = 1; i <= 9000; i++) {
		if (i % 7 == 0) printf "%d\t\"q\tx\ny\"\t z \r\n", i
		else if (i % 11 == 0) printf "\r\n%d\t\t\n", i
		else if (i % 13 == 0) printf "%d\t  \t%s\n", i, "r"
		else printf "%d\t name %d \tsome longer text %d\n", i, i, i } }' \
	    > t.tsv
	for trim in "" --trim; do
		CDP_CSV=libcsv cdp-ingest --threads 1 $trim --rejects w.rej \
		    t.tsv p.csv > want.ndjson
		for t in 1 2; do
			for b in "" rand:3; do
				CDP_PAR_BLOCK=$b cdp-ingest --threads $t $trim \
				    --rejects g.rej t.tsv p.csv > got.ndjson
				cmp want.ndjson got.ndjson
				cmp w.rej g.rej
			done
		done
	done
	[ "$(wc -l < want.ndjson)" -eq 9006 ]
	[ "$(wc -l < w.rej)" -eq 1 ]
}

@test "ingest: header names and --source needing escapes are quoted once, right" {
	printf '"q""k",b\\s,\xc3\xa9t\xc3\xa9\n1,2,3\n4,5,6\n' > h.csv
	for t in 1 2; do
		run cdp-ingest --threads $t --source 'we"ird\' h.csv
		assert_success
		assert_output - <<-'EOF'
		{"q\"k":"1","b\\s":"2","été":"3","_src":"we\"ird\\/h.csv","_line":2}
		{"q\"k":"4","b\\s":"5","été":"6","_src":"we\"ird\\/h.csv","_line":3}
		EOF
	done
}

@test "ingest: a UTF-8 BOM is removed from the first header" {
	run cdp-ingest "$F/bom.csv"
	assert_success
	assert_output '{"email":"a@x.io","n":"1","_src":"bom.csv","_line":2}'
}

@test "ingest: a stray quote inside an unquoted field is kept" {
	printf 'a,b\nsay 5" pipe,x\n' > s.csv
	run cdp-ingest s.csv
	assert_success
	assert_output '{"a":"say 5\" pipe","b":"x","_src":"s.csv","_line":2}'
}

@test "ingest: spaces around unquoted fields are kept, or trimmed with --trim" {
	printf 'a, b\n 1 , "2 "\n' > sp.csv
	run cdp-ingest sp.csv
	assert_output '{"a":" 1 "," b":" \"2 \"","_src":"sp.csv","_line":2}'
	run cdp-ingest --trim sp.csv
	assert_output '{"a":"1","b":"2 ","_src":"sp.csv","_line":2}'
}

@test "ingest: TSV by extension" {
	run cdp-ingest "$F/basic.tsv"
	assert_success
	assert_output "$(golden basic-tsv.out)"
}

@test "ingest: an empty file and a header-only file give no records" {
	: > empty.csv
	printf 'a,b\n' > header.csv
	run_split cdp-ingest --stats empty.csv header.csv
	assert_success
	assert_equal "$output" ""
	assert_equal "$(stats_core "$stderr")" '{"read":0,"written":0,"rejected":0,"dropped":0}'
}

@test "ingest: a ragged row stops the run with file and line (65)" {
	run_split cdp-ingest "$F/ragged.csv"
	assert_failure 65
	assert_equal "$output" '{"a":"1","b":"2","c":"3","_src":"ragged.csv","_line":2}'
	assert_equal "$stderr" "cdp-ingest: $F/ragged.csv:3: row has 2 fields, header has 3"
}

@test "ingest: --rejects keeps ragged rows out and the run going" {
	run_split cdp-ingest --rejects rej.ndjson --stats "$F/ragged.csv"
	assert_success
	assert_output "$(golden ragged.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":2,"rejected":2,"dropped":0}'
	assert_equal "$(cat rej.ndjson)" "$(golden ragged.rejects)"
}

@test "ingest: duplicate or empty header names stop before any output" {
	printf 'a,b,a\n1,2,3\n' > dup.csv
	run_split cdp-ingest --rejects rej dup.csv
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-ingest: dup.csv:1: duplicate header name "a" in columns 1 and 3'
	assert_file_not_exist rej
	printf 'a,,c\n1,2,3\n' > empty.csv
	run_split cdp-ingest empty.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: empty.csv:1: empty header name in column 2'
}

@test "ingest: an unterminated quote is bad at the line where the row starts" {
	printf 'a,b\n1,2\n3,"open\nstill open\n' > open.csv
	run_split cdp-ingest open.csv
	assert_failure 65
	assert_equal "$output" '{"a":"1","b":"2","_src":"open.csv","_line":2}'
	assert_equal "$stderr" 'cdp-ingest: open.csv:3: unterminated quoted field'
}

@test "ingest: a NUL byte and invalid UTF-8 in CSV are bad records" {
	printf 'a,b\n1,x\000y\n2,\377\n3,ok\n' > nul.csv
	run_split cdp-ingest --rejects rej --stats --max-reject-rate 100 nul.csv
	assert_success
	assert_output '{"a":"3","b":"ok","_src":"nul.csv","_line":4}'
	assert_equal "$(stats_core "$stderr")" '{"read":3,"written":1,"rejected":2,"dropped":0}'
	assert_equal "$(sed -n 1p rej)" '{"_error":"NUL byte in field","_src":"nul.csv","_line":2,"raw":"1,x\u0000y"}'
	assert_equal "$(sed -n 2p rej)" '{"_error":"field \"b\": invalid UTF-8","_src":"nul.csv","_line":3,"raw":"2,�"}'
}

@test "ingest: the FEBRL data set: 1000 rows in, 1000 records out" {
	run_split cdp-ingest --trim --stats "$SHARED/data/febrl/dataset1.csv"
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":1000,"written":1000,"rejected":0,"dropped":0}'
	assert_equal "${#lines[@]}" 1000
	assert_line --index 0 '{"rec_id":"rec-223-org","given_name":"","surname":"waller","street_number":"6","address_1":"tullaroop street","address_2":"willaroo","suburb":"st james","postcode":"4011","state":"wa","date_of_birth":"19081209","soc_sec_id":"6988048","_src":"dataset1.csv","_line":2}'
	assert_line --index 999 --partial '"_line":1001}'
}

# --- NDJSON and JSON arrays ----------------------------------------------

@test "ingest: NDJSON fields pass through byte for byte" {
	run cdp-ingest "$F/pass.ndjson"
	assert_success
	assert_output "$(golden pass.out)"
}

@test "ingest: bad NDJSON lines with their reasons" {
	run_split cdp-ingest --rejects rej --stats --max-reject-rate 100 "$F/bad.ndjson"
	assert_success
	assert_output "$(golden bad.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":12,"written":2,"rejected":10,"dropped":0}'
	assert_equal "$(cat rej)" "$(golden bad.rejects)"
}

@test "ingest: invalid UTF-8 in NDJSON stops the run (65) without --rejects" {
	run_split cdp-ingest "$F/badutf8.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: $F/badutf8.ndjson:1: invalid UTF-8 at byte 9"
}

@test "ingest: NDJSON blank lines, CRLF and a BOM" {
	printf '\357\273\277{"a":1}\r\n\r\n   \n{"a":2}' > x.ndjson
	run cdp-ingest x.ndjson
	assert_output "$(printf '%s\n' '{"a":1,"_src":"x.ndjson","_line":1}' '{"a":2,"_src":"x.ndjson","_line":4}')"
}

@test "ingest: a JSON array, elements over several lines, one line each" {
	run cdp-ingest "$F/array.json"
	assert_success
	assert_output "$(golden array.out)"
	# Whitespace inside nested values stays unless it breaks the line.
	printf '[{"a": [ 1,\n 2 ], "b": { "c" : 3 }}]\n' > nl.json
	run cdp-ingest nl.json
	assert_output '{"a":[1,2],"b":{ "c" : 3 },"_src":"nl.json","_line":1}'
}

@test "ingest: a broken JSON array stops the run (65) with the line" {
	printf '[\n{"a":1}\n{"a":2}\n]\n' > broken.json
	run_split cdp-ingest --rejects rej broken.json
	assert_failure 65
	assert_equal "$output" '{"a":1,"_src":"broken.json","_line":2}'
	assert_equal "$stderr" "cdp-ingest: broken.json:3: expected ',' or ']'"
}

@test "ingest: a JSON array element that is not an object is a bad record" {
	printf '[{"a":1}, 7, {"a":2}]' > mixed.json
	run_split cdp-ingest --rejects rej mixed.json
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(cat rej)" '{"_error":"not a JSON object at byte 1","_src":"mixed.json","_line":1,"raw":"7"}'
}

@test "ingest: --max-record-bytes rejects a longer record" {
	printf '{"a":"%s"}\n{"a":1}\n' "$(head -c 3000 /dev/zero | tr '\0' x)" > long.ndjson
	run_split cdp-ingest --max-record-bytes 1K --rejects rej long.ndjson
	assert_success
	assert_output '{"a":1,"_src":"long.ndjson","_line":2}'
	run jq -r '._error + " " + (._line|tostring)' rej
	assert_output "record longer than --max-record-bytes 1"
}

@test "ingest: _src and _line in the input are bad records unless --replace (issue 15.4)" {
	printf '{"_src":"old","x":1,"_line":99}\n{"x":2}\n{"y":1,"_line":3}\n' > p.ndjson
	run_split cdp-ingest p.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: p.ndjson:1: field "_src" already exists'
	run_split cdp-ingest --max-reject-rate 100 --rejects rej.ndjson p.ndjson
	assert_success
	assert_output '{"x":2,"_src":"p.ndjson","_line":2}'
	assert_equal "$(jq -r ._error rej.ndjson | tr '\n' ' ')" 'field "_src" already exists field "_line" already exists '
	run cdp-ingest --replace p.ndjson
	assert_output '{"x":1,"_src":"p.ndjson","_line":1}
{"x":2,"_src":"p.ndjson","_line":2}
{"y":1,"_src":"p.ndjson","_line":3}'
	# A renamed field counts by its new name; a CSV column stops the run
	# before any output.
	run_split cdp-ingest --map _line=y p.ndjson --rejects /dev/null
	assert_output '{"x":2,"_src":"p.ndjson","_line":2}'
	printf 'a,_line\n1,2\n' > p.csv
	run_split cdp-ingest p.csv
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-ingest: p.csv:1: field "_line" already exists (a column; --replace drops it)'
	run cdp-ingest --replace p.csv
	assert_output '{"a":"1","_src":"p.csv","_line":2}'
}

# --- formats from content, stdin, sources -----------------------------------

@test "ingest: the format of stdin is told from its content" {
	run sh -c 'printf "a,b\n1,2\n" | cdp-ingest'
	assert_output '{"a":"1","b":"2","_src":"stdin","_line":2}'
	run sh -c 'printf "a\tb\n1\t2\n" | cdp-ingest -'
	assert_output '{"a":"1","b":"2","_src":"stdin","_line":2}'
	run sh -c 'printf "{\"a\":1}\n" | cdp-ingest'
	assert_output '{"a":1,"_src":"stdin","_line":1}'
	run sh -c 'printf "  [{\"a\":1}]" | cdp-ingest'
	assert_output '{"a":1,"_src":"stdin","_line":1}'
}

@test "ingest: --format overrides the file name" {
	printf 'a;b\n' > data.json
	run cdp-ingest --format csv data.json
	assert_success
	assert_output ""
	printf '{"a":1}\n' > data.csv
	run cdp-ingest -f ndjson data.csv
	assert_output '{"a":1,"_src":"data.csv","_line":1}'
}

@test "ingest: several inputs, each with its own _src, or named by --source" {
	printf 'a\n1\n' > one.csv
	printf '{"a":2}\n' > two.ndjson
	run cdp-ingest one.csv two.ndjson
	assert_output "$(printf '%s\n' '{"a":"1","_src":"one.csv","_line":2}' '{"a":2,"_src":"two.ndjson","_line":1}')"
	run cdp-ingest --source crm --source web one.csv two.ndjson
	assert_output "$(printf '%s\n' '{"a":"1","_src":"crm/one.csv","_line":2}' '{"a":2,"_src":"web/two.ndjson","_line":1}')"
	# Two files under one source stay apart (issue 15.3); standard input
	# is the source name alone.
	run cdp-ingest --source all one.csv two.ndjson
	assert_output "$(printf '%s\n' '{"a":"1","_src":"all/one.csv","_line":2}' '{"a":2,"_src":"all/two.ndjson","_line":1}')"
	run cdp-ingest --source all < two.ndjson
	assert_output '{"a":2,"_src":"all","_line":1}'
	run_split cdp-ingest --source a/b one.csv
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "${stderr%%$'\n'*}" "cdp-ingest: --source: empty name or a name with /"
}

@test "ingest: an input that cannot be opened stops before any output (66)" {
	printf 'a\n1\n' > one.csv
	run_split cdp-ingest one.csv missing.csv
	assert_failure 66
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-ingest: missing.csv: cannot open: No such file or directory"
	mkdir d
	run_split cdp-ingest d
	assert_failure 66
	assert_equal "$stderr" "cdp-ingest: d: is a directory"
}

# --- fields: map, only, types ------------------------------------------------

@test "ingest: --map renames and --only keeps fields in input order" {
	printf 'E-Mail,Name,Age\na@x.io,Ann,30\n' > m.csv
	run cdp-ingest --map email=E-Mail,name=Name --only name,email m.csv
	assert_success
	assert_output '{"email":"a@x.io","name":"Ann","_src":"m.csv","_line":2}'
	printf '{"mail":"a@x.io","n":1,"x":{"y":2}}\n' > m.ndjson
	run cdp-ingest --map email=mail --only email,x m.ndjson
	assert_output '{"email":"a@x.io","x":{"y":2},"_src":"m.ndjson","_line":1}'
}

@test "ingest: --map onto an existing name is an error" {
	printf 'a,b\n1,2\n' > m.csv
	run_split cdp-ingest --map a=b m.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: m.csv:1: --map: two columns named "a"'
	printf '{"a":1,"b":2}\n{"b":3}\n' > m.ndjson
	run_split cdp-ingest --map a=b --rejects rej m.ndjson
	assert_success
	assert_output '{"a":3,"_src":"m.ndjson","_line":2}'
	assert_equal "$(jq -r ._error rej)" 'field appears twice after --map: "a"'
}

@test "ingest: --types int, number, bool, string" {
	printf 'n,x,b,s\n007,+165.71,Yes,1\n-0,1E5,f,2\n' > t.csv
	run cdp-ingest --types n:int,x:number,b:bool t.csv
	assert_output "$(printf '%s\n' '{"n":7,"x":165.71,"b":true,"s":"1","_src":"t.csv","_line":2}' '{"n":0,"x":1E5,"b":false,"s":"2","_src":"t.csv","_line":3}')"
	printf '{"n":"42","x":12,"s":12.50,"b":true}\n' > t.ndjson
	run cdp-ingest -t n:int,x:number,s:string,b:bool t.ndjson
	assert_output '{"n":42,"x":12,"s":"12.50","b":true,"_src":"t.ndjson","_line":1}'
}

@test "ingest: a value that does not fit its type is a bad record" {
	printf 'v\n1.5\n9223372036854775808\nabc\n-9223372036854775808\n' > i.csv
	run_split cdp-ingest -t v:int --rejects rej i.csv
	assert_output '{"v":-9223372036854775808,"_src":"i.csv","_line":5}'
	assert_equal "$(jq -r ._error rej)" "$(printf '%s\n' 'field "v": not an integer' 'field "v": integer out of range' 'field "v": not an integer')"
	printf 'v\n1e400\n.5\n"12,5"\n0x10\n' > n.csv
	run cdp-ingest -t v:number --rejects rej --max-reject-rate 100 n.csv
	assert_output ""
	assert_equal "$(jq -r ._error rej)" "$(printf '%s\n' 'field "v": number out of range' 'field "v": not a number' 'field "v": not a number' 'field "v": not a number')"
	printf 'v\nmaybe\n' > b.csv
	run_split cdp-ingest -t v:bool b.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: b.csv:2: field "v": not a boolean'
}

@test "ingest: --empty string, null, omit; typed empties become null" {
	printf 'a,b,n\n,x,\n' > e.csv
	run cdp-ingest -t n:int e.csv
	assert_output '{"a":"","b":"x","n":null,"_src":"e.csv","_line":2}'
	run cdp-ingest --empty null e.csv
	assert_output '{"a":null,"b":"x","n":null,"_src":"e.csv","_line":2}'
	run cdp-ingest --empty omit e.csv
	assert_output '{"b":"x","_src":"e.csv","_line":2}'
}

# --- normalizers ---------------------------------------------------------------

@test "ingest: --normalize email, phone, name, country, date" {
	run_split cdp-ingest --default-country GB --date-format dmy \
	    --normalize email,phone,first_name:name,last_name:name,country \
	    --types signup_date:date,vip:bool "$BATS_TEST_DIRNAME/../examples/crm.csv"
	assert_failure 65
	assert_output "$(golden crm.out)"
	assert_equal "$stderr" "cdp-ingest: $BATS_TEST_DIRNAME/../examples/crm.csv:8: field \"email\": not an email address"
}

@test "ingest: email-canonical and key normalizers" {
	printf 'e,k\nJohn.Smith+promo@GoogleMail.com,"  Saint-Étienne "\n' > c.csv
	run cdp-ingest -n e:email-canonical,k:key c.csv
	assert_output '{"e":"johnsmith@gmail.com","k":"saint etienne","_src":"c.csv","_line":2}'
}

@test "ingest: an ambiguous date needs --date-format" {
	printf 'd\n03/04/2025\n' > d.csv
	run_split cdp-ingest -n d:date d.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: d.csv:2: field "d": ambiguous day and month: give --date-format'
	run cdp-ingest -n d:date --date-format mdy d.csv
	assert_output '{"d":"2025-03-04","_src":"d.csv","_line":2}'
	run cdp-ingest -n d:date --date-format dmy d.csv
	assert_output '{"d":"2025-04-03","_src":"d.csv","_line":2}'
}

@test "ingest: a national phone number needs --default-country" {
	printf 'phone\n601 234 567\n' > p.csv
	run_split cdp-ingest -n phone p.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: p.csv:2: field "phone": no country code and no --default-country'
	run cdp-ingest -n phone --default-country PL p.csv
	assert_output '{"phone":"+48601234567","_src":"p.csv","_line":2}'
}

@test "ingest: messages quote a value only with --verbose" {
	printf 'email\nsecret-person\n' > v.csv
	run_split cdp-ingest -n email v.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: v.csv:2: field "email": not an email address'
	run_split cdp-ingest -n email --verbose v.csv
	assert_failure 65
	assert_equal "$stderr" "$(printf '%s\n' 'cdp-ingest: v.csv: one column: none of , ; tab | splits the header' 'cdp-ingest: v.csv:2: field "email": not an email address (value "secret-person")')"
}

# --- require, match, hash --------------------------------------------------------

@test "ingest: --require email|phone and a second group" {
	printf 'email,phone,id\na@x.io,,1\n,+48601234567,2\n,,3\na@x.io,,\n' > r.csv
	run_split cdp-ingest --require 'email|phone' --require id --rejects rej --stats r.csv
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":2,"rejected":2,"dropped":0}'
	assert_equal "$(jq -r ._error rej)" "$(printf '%s\n' 'none of the required fields email|phone is present' 'missing required field id')"
}

@test "ingest: --match checks a pattern" {
	printf 'sku\nSKU-1\nsku-2\n\n' > s.csv
	run_split cdp-ingest --match 'sku=^SKU-[0-9]+$' --rejects rej s.csv
	assert_output '{"sku":"SKU-1","_src":"s.csv","_line":2}'
	assert_equal "$(cat rej)" '{"_error":"field \"sku\": does not match the --match pattern","_src":"s.csv","_line":3,"raw":"sku-2"}'
}

@test "ingest: a regex that hits its limit is an error, not a non-match" {
	printf 'v\n%s!\n' "$(head -c 40 /dev/zero | tr '\0' a)" > re.csv
	run_split cdp-ingest --match 'v=^(a|aa)+$' re.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: re.csv:2: field "v": regex limit'
}

@test "ingest: --hash gives the SHA-256 of the normalized value" {
	printf 'email,phone\n  Masha.Kelly@Example.com ,020 7946 0958\n' > h.csv
	want_e=$(printf 'masha.kelly@example.com' | sha256sum | cut -d' ' -f1)
	want_p=$(printf '+442079460958' | sha256sum | cut -d' ' -f1)
	run cdp-ingest --hash email,phone --default-country GB h.csv
	assert_success
	assert_output "{\"email\":\"$want_e\",\"phone\":\"$want_p\",\"_src\":\"h.csv\",\"_line\":2}"
}

@test "ingest: --hash-key-file gives HMAC-SHA256; a short key is refused" {
	printf 'email\nA@X.io\n' > h.csv
	printf 'a-secret-key-of-32-bytes-length!\n' > key
	want=$(printf 'a@x.io' | openssl dgst -sha256 -hmac 'a-secret-key-of-32-bytes-length!' | sed 's/.*= //')
	run cdp-ingest --hash email --hash-key-file key h.csv
	assert_output "{\"email\":\"$want\",\"_src\":\"h.csv\",\"_line\":2}"
	printf 'short\n' > short
	run_split cdp-ingest --hash email --hash-key-file short h.csv
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: short: hash key shorter than 16 bytes"
	run_split cdp-ingest --hash email --hash-key-file nokey h.csv
	assert_failure 66
}

# --- output ----------------------------------------------------------------------

@test "ingest: -o writes the file only when the run succeeds" {
	printf 'a\n1\n' > ok.csv
	run cdp-ingest -o out.ndjson ok.csv
	assert_success
	assert_equal "$(cat out.ndjson)" '{"a":"1","_src":"ok.csv","_line":2}'
	printf 'a\n1\n2,3\n' > bad.csv
	run cdp-ingest -o out2.ndjson --rejects rej2 bad.csv ragged-is-fine.csv
	assert_failure 66
	assert_file_not_exist out2.ndjson
	run cdp-ingest -o out3.ndjson bad.csv
	assert_failure 65
	assert_file_not_exist out3.ndjson
	run ls -A
	assert_output "$(printf '%s\n' bad.csv ok.csv out.ndjson)"
}

@test "ingest: an output that cannot be created is 73" {
	printf 'a\n1\n' > ok.csv
	run_split cdp-ingest -o no/such/dir/out.ndjson ok.csv
	assert_failure 73
	assert_equal "$stderr" "cdp-ingest: no/such/dir/out.ndjson: cannot create: No such file or directory"
}

@test "ingest: a full disk is an I/O error (74), never success" {
	printf 'a\n1\n' > ok.csv
	run_split cdp-ingest ok.csv -o /dev/full
	assert_failure 74
	assert_equal "$stderr" "cdp-ingest: /dev/full: write error: No space left on device"
	run_split sh -c 'cdp-ingest ok.csv > /dev/full'
	assert_failure 74
	assert_equal "$stderr" "cdp-ingest: <stdout>: write error: No space left on device"
}

@test "ingest: a closed pipe ends the run quietly with 0" {
	seq 1 200000 | sed 's/.*/{"n":&}/' > many.ndjson
	run_split bash -c 'set -o pipefail; cdp-ingest many.ndjson | head -1'
	assert_success
	assert_output '{"n":1,"_src":"many.ndjson","_line":1}'
	assert_equal "$stderr" ""
}

@test "ingest: --progress draws on stderr, never on stdout" {
	seq 1 20000 | sed 's/.*/{"n":&}/' > many.ndjson
	run_split cdp-ingest --progress many.ndjson
	assert_success
	assert_equal "${#lines[@]}" 20000
	run_split cdp-ingest --no-progress many.ndjson
	assert_equal "$stderr" ""
}

# --- documentation ---------------------------------------------------------------

@test "ingest: the man pages render without warnings" {
	for page in cdp-ingest.1 cdpipe.7; do
		run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/$page"
		assert_success
		assert_equal "$stderr" ""
	done
}

@test "ingest: name display rules of the man page" {
	printf 'n\n"Zoë  MÜLLER"\n"  anna-MARIA o'"'"'neil "\nLudwig van Beethoven\nMCDONALD\n12345\n' > n.csv
	run_split cdp-ingest -n n:name --rejects rej n.csv
	assert_success
	assert_equal "$(jq -r .n <<<"$output")" "$(printf '%s\n' 'Zoë Müller' "Anna-Maria O'Neil" 'Ludwig van Beethoven' 'Mcdonald')"
	assert_equal "$(jq -r ._error rej)" 'field "n": name has no letters'
}

@test "ingest: datetime and country forms of the man page" {
	printf 'ts,c\n4 Mar 2025 7:05 PM,Deutschland\n2025-03-04T10:11:12.250+0200,gbr\n2025-03-04 10:11 UTC,826\n2025-03-04,the Netherlands\n' > d.csv
	run cdp-ingest -n ts:datetime,c:country d.csv
	assert_success
	assert_equal "$(jq -r '.ts + " " + .c' <<<"$output")" "$(printf '%s\n' '2025-03-04T19:05:00 DE' '2025-03-04T10:11:12.250+02:00 GB' '2025-03-04T10:11:00Z GB' '2025-03-04T00:00:00 NL')"
	printf 'ts\n2025-03-04 10:11 CET\n' > z.csv
	run_split cdp-ingest -n ts:datetime z.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: z.csv:2: field "ts": unknown time zone'
}

@test "ingest: --max-record-bytes also caps CSV rows and JSON array elements" {
	big=$(head -c 3000 /dev/zero | tr '\0' x)
	printf 'a,b\n1,%s\n2,y\n' "$big" > long.csv
	run_split cdp-ingest --max-record-bytes 1K --rejects rej --stats long.csv
	assert_success
	assert_output '{"a":"2","b":"y","_src":"long.csv","_line":3}'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"written":1,"rejected":1,"dropped":0}'
	assert_equal "$(jq -r '._error + " " + (._line|tostring)' rej)" "row longer than --max-record-bytes 2"
	printf '[{"a":"%s"},\n{"a":2}]\n' "$big" > long.json
	run_split cdp-ingest --max-record-bytes 1K --rejects rej long.json
	assert_success
	assert_output '{"a":2,"_src":"long.json","_line":2}'
	assert_equal "$(jq -r '._error + " " + (._line|tostring)' rej)" "record longer than --max-record-bytes 1"
}
