#!/usr/bin/env bats
# cdp-join: hash join of a stream against a keyed table (issue 15.5).
load helper

F="$BATS_TEST_DIRNAME/cdp-join"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "join: left (default) attaches the table's fields, every record once, in order" {
	printf '%s\n' '{"customer_id":"C1","ev":"view"}' '{"customer_id":"C9","ev":"view"}' \
	    '{"ev":"view"}' '{ "customer_id" : "C2" , "ev" : "buy" }' > ev.ndjson
	run_split cdp-join -k customer_id --stats "$F/rfm.ndjson" ev.ndjson
	assert_success
	# Key, _src and _line are not attached; a record's own bytes stay
	# as they were, and so do the table's values (issue 22.6).
	assert_output '{"customer_id":"C1","ev":"view","segment":"Champions","r":5}
{"customer_id":"C9","ev":"view"}
{"ev":"view"}
{ "customer_id" : "C2" , "ev" : "buy" ,"segment":"Lost","r":1,"tags":{ "a" : [1, 2] }}'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":4,"rejected":0,"dropped":0,"matched":2,"unkeyed":1,"table_records":4,"table_unkeyed":1,"table_keys":3,"ambiguous_keys":0}'
}

@test "join: inner keeps the matched, anti the others as they came" {
	run_split cdp-join -k customer_id --how inner --stats --fields segment "$F/rfm.ndjson" "$F/events.ndjson" --rejects rej.ndjson
	assert_success
	assert_output '{"customer_id":"C1","ev":"view","segment":"Champions"}
{ "customer_id" : "C2" , "ev" : "buy" ,"segment":"Lost"}'
	# C3's record has a segment already: bad, never overwritten.
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":2,"rejected":1,"dropped":2,"matched":3,"unkeyed":1,"table_records":4,"table_unkeyed":1,"table_keys":3,"ambiguous_keys":0}'
	assert_equal "$(jq -c '[._error, ._line]' rej.ndjson)" '["field \"segment\" already exists",5]'
	run cdp-join -k customer_id --how anti "$F/rfm.ndjson" "$F/events.ndjson"
	assert_success
	assert_output '{"customer_id":"C9","ev":"view"}
{"ev":"view"}'
	# Keys seen on earlier nights, some twice: still seen.
	printf '%s\n' '{"customer_id":"C1"}' '{"customer_id":"C1"}' '{"customer_id":"C2","x":1}' > seen.ndjson
	run_split cdp-join -k customer_id --how anti --stats seen.ndjson "$F/events.ndjson"
	assert_output '{"customer_id":"C9","ev":"view"}
{"ev":"view"}
{"customer_id":"C3","ev":"cart","segment":"old"}'
	assert_equal "$(jq -c '[.dropped, .ambiguous_keys, .table_keys]' <<< "$stderr")" '[2,0,2]'
}

@test "join: a collision is 65 naming the field; --prefix avoids it, --replace takes its place" {
	run_split cdp-join -k customer_id "$F/rfm.ndjson" "$F/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-join: $F/events.ndjson:5: field \"segment\" already exists"
	run cdp-join -k customer_id --prefix rfm_ --fields segment,r "$F/rfm.ndjson" "$F/events.ndjson"
	assert_success
	assert_line --index 4 '{"customer_id":"C3","ev":"cart","segment":"old","rfm_segment":"At Risk","rfm_r":2}'
	run cdp-join -k customer_id --replace --fields r,segment "$F/rfm.ndjson" "$F/events.ndjson"
	assert_success
	assert_line --index 4 '{"customer_id":"C3","ev":"cart","segment":"At Risk","r":2}'
	assert_line --index 0 '{"customer_id":"C1","ev":"view","r":5,"segment":"Champions"}'
	# A name written with escapes is the name: a collision too, and
	# the same on two threads.
	printf '%s\n' '{"id":"a","tier":"gold"}' > t.ndjson
	printf '%s\n' '{"id":"a","ti\u0065r":"x"}' '{"id":"a","x":1}' > s.ndjson
	for t in 1 2; do
		run_split cdp-join --threads "$t" -k id --rejects rej.ndjson t.ndjson s.ndjson
		assert_success
		assert_output '{"id":"a","x":1,"tier":"gold"}'
		assert_equal "$(jq -c '[._error, ._line]' rej.ndjson)" '["field \"tier\" already exists",1]'
	done
}

@test "join: keys are normalised alike on both sides; F=G names the table's field" {
	printf '%s\n' '{"mail":"Ann@Example.com ","tier":"gold"}' '{"mail":"bob@x.io","tier":"silver"}' > t.ndjson
	printf '%s\n' '{"email":"  ann@example.COM"}' '{"email":"BOB@x.io"}' '{"email":"nope"}' > s.ndjson
	run_split cdp-join -k email=mail -n email --rejects rej.ndjson --stats t.ndjson s.ndjson
	assert_success
	assert_output '{"email":"  ann@example.COM","tier":"gold"}
{"email":"BOB@x.io","tier":"silver"}'
	assert_equal "$(jq -r ._error rej.ndjson)" 'field "email": not an email address'
	# Several key fields make one key.
	printf '%s\n' '{"a":"1","b":"x","v":1}' '{"a":"1","b":"y","v":2}' > t2.ndjson
	printf '%s\n' '{"a":1,"b":"y"}' '{"a":"1"}' > s2.ndjson
	run cdp-join -k a,b t2.ndjson s2.ndjson
	assert_output '{"a":1,"b":"y","v":2}
{"a":"1"}'
}

@test "join: a profile's array of identifiers is found by any of them; shared keys join nothing" {
	printf '%s\n' '{"profile_id":"p1","email":["a@x.io","b@x.io"]}' \
	    '{"profile_id":"p2","email":["c@x.io","shared@x.io"]}' \
	    '{"profile_id":"p3","email":"shared@x.io"}' > prof.ndjson
	printf '%s\n' '{"email":"b@x.io"}' '{"email":"shared@x.io"}' \
	    '{"email":["zz@x.io","c@x.io"]}' '{"email":[]}' > ev.ndjson
	run_split cdp-join -k email --fields profile_id --stats prof.ndjson ev.ndjson
	assert_success
	assert_output '{"email":"b@x.io","profile_id":"p1"}
{"email":"shared@x.io"}
{"email":["zz@x.io","c@x.io"],"profile_id":"p2"}
{"email":[]}'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":4,"rejected":0,"dropped":0,"matched":2,"unkeyed":1,"table_records":3,"table_unkeyed":0,"table_keys":4,"ambiguous_keys":1}'
	printf '{"email":[{}]}\n' > bad.ndjson
	run_split cdp-join -k email prof.ndjson bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-join: bad.ndjson:1: field "email": an identifier must be a string, a number or an array of them'
}

@test "join: a CSV table as Excel writes it (BOM, CRLF, quotes)" {
	printf '%s\n' '{"customer_id":"C1"}' '{"customer_id":"C2"}' '{"customer_id":"C3"}' > s.ndjson
	run cdp-join -k customer_id=id --prefix crm_ "$F/tiers.csv" s.ndjson
	assert_success
	assert_output '{"customer_id":"C1","crm_tier":"gold","crm_note":"a, \"quoted\" note"}
{"customer_id":"C2","crm_tier":"silver","crm_note":""}
{"customer_id":"C3"}'
	cp "$F/tiers.csv" tiers.txt
	run cdp-join -k customer_id=id --table-format csv --fields tier tiers.txt s.ndjson
	assert_line --index 0 '{"customer_id":"C1","tier":"gold"}'
	printf 'id,tier\nC1\n' > ragged.csv
	run_split cdp-join -k customer_id=id ragged.csv s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-join: ragged.csv:2: row has 1 fields, header has 2"
	assert_equal "$output" ""
	printf 'id,id\nC1,2\n' > dup.csv
	run_split cdp-join -k id dup.csv s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-join: dup.csv:1: duplicate header name in column 2"
}

@test "join: a bad table stops before any output with its file and line" {
	printf '{"customer_id":"C1"}\nnope\n' > t.ndjson
	run_split cdp-join -k customer_id t.ndjson "$F/events.ndjson"
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-join: t.ndjson:2: not a JSON object at byte 1"
	printf '{"customer_id":{"x":1}}\n' > t.ndjson
	run_split cdp-join -k customer_id t.ndjson "$F/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" 'cdp-join: t.ndjson:1: field "customer_id": an object cannot be a key'
	run_split cdp-join -k customer_id missing.ndjson "$F/events.ndjson"
	assert_failure 66
	run_split cdp-join -k customer_id "$F/rfm.ndjson" missing.ndjson
	assert_failure 66
	assert_equal "$output" ""
}

@test "join: usage errors (64) before any output" {
	for args in "" "-k" "-k a" "-k a= t" "-k =b t" "-k a --how outer t" "-k a --table-format xml t" \
	    "-k a -n b t" "-k a -n a:nope t" "-k a --how anti --prefix x t" "-k a -k b t" "-k a -c , t" \
	    "-k a -" "-k a --nope t"; do
		run_split cdp-join $args
		assert_failure 64
		assert_equal "$output" ""
		[[ "$stderr" == cdp-join:* ]] || fail "no message for '$args': $stderr"
	done
	cp "$F/rfm.ndjson" t.ndjson
	run_split cdp-join -k customer_id -o t.ndjson t.ndjson "$F/events.ndjson"
	assert_failure 64
	assert_equal "$(cat t.ndjson)" "$(cat "$F/rfm.ndjson")"
}

@test "join: standard input, -o, a closed pipe and a full disk" {
	run bash -c "cdp-join -k customer_id --fields r '$F/rfm.ndjson' < '$F/events.ndjson' | head -n 1"
	assert_success
	assert_output '{"customer_id":"C1","ev":"view","r":5}'
	run cdp-join -k customer_id --fields r -o out.ndjson "$F/rfm.ndjson" - < "$F/events.ndjson"
	assert_success
	assert_equal "$(wc -l < out.ndjson)" 5
	run_split bash -c "cdp-join -k customer_id --fields r '$F/rfm.ndjson' '$F/events.ndjson' > /dev/full"
	assert_failure 74
}

@test "join: --help, and the man page renders and lists every option" {
	run_split cdp-join --help
	assert_success
	assert_line --index 0 "usage: cdp-join -k F[=G][,...] [options] TABLE [FILE...]"
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-join.1"
	assert_success
	assert_equal "$stderr" ""
	page=$(groff -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-join.1" 2>/dev/null | col -b)
	for o in $(cdp-join --help | grep -o -- '--[a-z-]*' | sort -u); do
		[[ "$page" == *"$o"* ]] || { echo "missing $o"; false; }
	done
	run cdp join --version
	assert_output "cdp-join (cdpipe) 0.1.0"
}
