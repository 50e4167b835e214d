#!/usr/bin/env bats
# Hostile input for every program of tests/faults/progs.bash: each case
# states the exact exit status and message.  Program-specific cases that
# tests/cdp-*.bats already hold (CSV unterminated quotes, ragged rows,
# empty and header-only CSV, BOM in CSV, catastrophic --match and --where
# regexes, ../x as a --split name) are not repeated here.
load helper
load faults/progs

# The personal values of the fixtures: none may reach stderr without
# --verbose (see the privacy test at the end).
ANN='{"customer_id":"c1","email":"ann.tester@example.com","phone":"+48601234567","name":"Ann Tester","ts":"2025-01-05","revenue":1,"age":31}'
PII_VALUES=(ann.tester@example.com bob.sample@example.org +48601234567
    +48601234568 "Ann Tester" "Bob Sample" bob.sample)

# Every hostile case's stderr is appended here for the privacy test.
STDERR_LOG="$BATS_RUN_TMPDIR/hostile-stderr.log"

# bad_line FILE TEXT: a good record, then TEXT (printf %b escapes) as
# line 2.
bad_line() {
	{ echo "$ANN"; printf '%b\n' "$2"; } >"$1"
}

# expect_all STATUS MESSAGE FILE [OPTIONS...]: every program exits with
# STATUS and prints exactly "PROG: MESSAGE" (MESSAGE may hold @FILE@,
# replaced by the input path).
expect_all() {
	local want=$1 msg=$2 in=$3
	shift 3
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog "$@" "$in"
		printf '%s\n' "$stderr" >>"$STDERR_LOG"
		[ "$status" -eq "$want" ] ||
		    fail "${cmd[*]}: status $status, not $want: $stderr"
		[ "$stderr" = "$msgprog: ${msg//@FILE@/$in}" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
	done
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# Byte offsets in messages count from 1.
@test "hostile: invalid UTF-8 in a string is bad data at its byte" {
	bad_line in.ndjson '{"customer_id":"c2","email":"b\xffob.sample@example.org","age":3}'
	expect_all 65 "@FILE@:2: invalid UTF-8 at byte 31" in.ndjson
}

@test "hostile: overlong UTF-8 encodings are invalid UTF-8" {
	# "/" as C0 AF, and NUL as C0 80 (modified UTF-8).
	bad_line in.ndjson '{"customer_id":"c2","email":"b\xc0\xafob.sample@example.org","age":3}'
	expect_all 65 "@FILE@:2: invalid UTF-8 at byte 31" in.ndjson
	bad_line in.ndjson '{"customer_id":"c2","name":"Bob\xc0\x80Sample","age":3}'
	expect_all 65 "@FILE@:2: invalid UTF-8 at byte 32" in.ndjson
	# A surrogate encoded in UTF-8 (ED A0 80) and a code point over
	# U+10FFFF (F4 90 80 80).
	bad_line in.ndjson '{"customer_id":"c2","name":"\xed\xa0\x80","age":3}'
	expect_all 65 "@FILE@:2: invalid UTF-8 at byte 29" in.ndjson
	bad_line in.ndjson '{"customer_id":"c2","name":"\xf4\x90\x80\x80","age":3}'
	expect_all 65 "@FILE@:2: invalid UTF-8 at byte 29" in.ndjson
}

@test "hostile: a raw NUL byte inside a field is a control character" {
	bad_line in.ndjson '{"customer_id":"c2","email":"bob\x00.sample@example.org","age":3}'
	expect_all 65 "@FILE@:2: control character in string at byte 33" in.ndjson
}

@test "hostile: an escaped NUL (\\u0000) is valid JSON and passes through" {
	printf '{"customer_id":"c2","email":"bob.sample@example.org","name":"Bob\\u0000Sample","ts":"2025-01-05","revenue":1,"age":3}\n' >in.ndjson
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ -z "$stderr" ] || fail "${cmd[*]}: stderr: $stderr"
		[ -n "$output" ] || fail "${cmd[*]}: no output"
	done
}

@test "hostile: a lone surrogate escape is bad data" {
	bad_line in.ndjson '{"customer_id":"c2","email":"bob\\ud800@example.org","age":3}'
	expect_all 65 "@FILE@:2: lone surrogate escape at byte 33" in.ndjson
}

@test "hostile: a line over --max-record-bytes 1K is rejected, not read whole" {
	{ echo "$ANN"
	  printf '{"customer_id":"c2","pad":"%s","age":3}\n' "$(head -c 2000 /dev/zero | tr '\0' x)"
	} >in.ndjson
	expect_all 65 "@FILE@:2: record longer than --max-record-bytes" in.ndjson --max-record-bytes 1K
	# With --rejects the run goes on and the long line is accounted.
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog --max-record-bytes 1K --rejects rej.ndjson in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$(wc -l <rej.ndjson)" -eq 1 ] || fail "${cmd[*]}: rejects: $(cat rej.ndjson)"
	done
}

# The default cap (64 MB): a 65 MB line is refused with the same message.
# One program only (they share common/lines.c): 1.0 s and 69 MB peak in
# the normal build, 2.8 s and 232 MB under ASan.
@test "hostile: a 65 MB line is over the default --max-record-bytes" {
	{ echo "$ANN"
	  printf '{"customer_id":"c2","pad":"'
	  head -c $((65 << 20)) /dev/zero | tr '\0' x
	  printf '","age":3}\n'
	} >in.ndjson
	run_split cdp-segment --where 'age>0' in.ndjson
	assert_failure 65
	assert_equal "$output" "$ANN"
	assert_equal "$stderr" "cdp-segment: in.ndjson:2: record longer than --max-record-bytes"
}

@test "hostile: 10,000-deep nesting stops at the depth limit, no stack overflow" {
	{ echo "$ANN"
	  printf '{"customer_id":"c2","x":'
	  printf '%.0s[' $(seq 10000)
	  printf '%.0s]' $(seq 10000)
	  printf ',"age":3}\n'
	} >in.ndjson
	expect_all 65 "@FILE@:2: nesting too deep at byte 536" in.ndjson
	{ echo "$ANN"
	  printf '{"customer_id":"c2","x":'
	  printf '%.0s{"a":' $(seq 10000)
	  printf '1'
	  printf '%.0s}' $(seq 10000)
	  printf ',"age":3}\n'
	} >in.ndjson
	expect_all 65 "@FILE@:2: nesting too deep at byte 2580" in.ndjson
}

@test "hostile: duplicate keys are bad data, also when escaped differently" {
	bad_line in.ndjson '{"customer_id":"c2","email":"bob.sample@example.org","email":"eve@example.org","age":3}'
	expect_all 65 "@FILE@:2: duplicate key at byte 54" in.ndjson
	bad_line in.ndjson '{"customer_id":"c2","email":"x@example.org","\\u0065mail":"eve@example.org","age":3}'
	expect_all 65 "@FILE@:2: duplicate key at byte 45" in.ndjson
}

@test "hostile: integers beyond 2^63 pass through byte for byte" {
	printf '{"customer_id":"c2","email":"bob.sample@example.org","ts":"2025-01-05","revenue":1,"age":99999999999999999999,"n":-9223372036854775809}\n' >in.ndjson
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ -z "$stderr" ] || fail "${cmd[*]}: stderr: $stderr"
		# Every program but score and journey copies the record's fields.
		[[ "${cmd[0]}" == cdp-score || "${cmd[0]}" == cdp-journey ]] && continue
		[[ "$output" == *'"age":99999999999999999999,"n":-9223372036854775809'* ]] ||
		    fail "${cmd[*]}: output: $output"
	done
}

@test "hostile: a number beyond a double is bad data where it is used" {
	printf '{"customer_id":"c2","ts":"2025-01-05","revenue":1e400,"age":1e400}\n' >in.ndjson
	run_split cdp-segment --where 'age>0' in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-segment: in.ndjson:1: number out of range"
	run_split cdp-score rfm in.ndjson
	assert_failure 65
	assert_equal "${stderr%%:*}" cdp-score
}

@test "hostile: NaN, Infinity and -Infinity literals are not JSON" {
	bad_line in.ndjson '{"customer_id":"c2","revenue":NaN,"age":3}'
	expect_all 65 "@FILE@:2: expected a value at byte 31" in.ndjson
	bad_line in.ndjson '{"customer_id":"c2","revenue":Infinity,"age":3}'
	expect_all 65 "@FILE@:2: expected a value at byte 31" in.ndjson
	bad_line in.ndjson '{"customer_id":"c2","revenue":1,"age":-Infinity}'
	expect_all 65 "@FILE@:2: invalid number at byte 39" in.ndjson
}

@test "hostile: a BOM at the start of NDJSON is skipped, elsewhere it is data" {
	printf '\xef\xbb\xbf%s\n' "$ANN" >in.ndjson
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] ||
		    fail "${cmd[*]}: output: $output"
	done
	{ echo "$ANN"; printf '\xef\xbb\xbf%s\n' "$ANN"; } >in.ndjson
	expect_all 65 "@FILE@:2: not a JSON object at byte 1" in.ndjson
}

# Found by fuzz_lines (tests/fuzz/regress/fuzz_lines/cr-at-eof): a CR is
# dropped only before LF, and JSON takes a CR at the end as whitespace.
# A file of 8 KB or more is read in place (mapped); its last line, with
# no LF, blank for more bytes than the cap (then a record, or nothing):
# read(2) and the parallel blocks reject it as too long; the mapped reader
# once kept only the blank start, and dropped the record unaccounted.
@test "hostile: a last line without LF that starts blank past the cap is rejected" {
	for i in $(seq 100); do echo "$ANN"; done >in.ndjson
	head -c 5000 /dev/zero | tr '\0' ' ' >>in.ndjson
	cp in.ndjson blank.ndjson
	printf '%s' "$ANN" >>in.ndjson
	for f in in.ndjson blank.ndjson; do
		expect_all 65 "@FILE@:101: record longer than --max-record-bytes" $f --max-record-bytes 1K
		CDP_MMAP=0 expect_all 65 "@FILE@:101: record longer than --max-record-bytes" $f --max-record-bytes 1K
		CDP_THREADS=2 expect_all 65 "@FILE@:101: record longer than --max-record-bytes" $f --max-record-bytes 1K
	done
}

@test "hostile: a last line ending in CR without LF is still a record" {
	printf '%s\n%s\r' "$ANN" "$ANN" >in.ndjson
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		run_prog --stats in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[[ "$stderr" == '{"read":2,'* ]] || fail "${cmd[*]}: stats: $stderr"
	done
}

@test "hostile: an empty file and a blank-only file give no output and status 0" {
	: >empty.ndjson
	printf '\n  \n\t\r\n' >blank.ndjson
	for f in empty.ndjson blank.ndjson; do
		for row in "${CDP_PROGS[@]}"; do
			prog_row "$row"
			run_prog --stats "$f"
			[ "$status" -eq 0 ] || fail "${cmd[*]} $f: status $status"
			[ -z "$output" ] || fail "${cmd[*]} $f: output: $output"
			[[ "$stderr" == '{"read":0,'* ]] ||
			    fail "${cmd[*]} $f: stats: $stderr"
		done
	done
}

@test "hostile: a JSON array or scalar line is not a record" {
	bad_line in.ndjson '[1,2,3]'
	expect_all 65 "@FILE@:2: not a JSON object at byte 1" in.ndjson
	bad_line in.ndjson '"ann.tester@example.com"'
	expect_all 65 "@FILE@:2: not a JSON object at byte 1" in.ndjson
}

# --- cdp-ingest: CSV and JSON arrays -----------------------------------------

@test "hostile: ingest reads a CSV file of 100,000 columns" {
	awk 'BEGIN { for (i = 1; i <= 100000; i++) printf("%sc%d", i > 1 ? "," : "", i); print "";
	    for (i = 1; i <= 100000; i++) printf("%s%d", i > 1 ? "," : "", i); print "" }' >wide.csv
	run_split timeout 10 cdp-ingest wide.csv
	assert_success
	assert_equal "$(printf '%s' "$output" | head -c 25)" '{"c1":"1","c2":"2","c3":"'
	[[ "$output" == *',"c100000":"100000","_src":"wide.csv","_line":2}' ]]
}

@test "hostile: ingest: a ragged row of 100,000 cells against a short header" {
	{ echo a,b
	  awk 'BEGIN { for (i = 1; i <= 100000; i++) printf("%s%d", i > 1 ? "," : "", i); print "" }'
	} >wide.csv
	run_split cdp-ingest wide.csv
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: wide.csv:2: row has 100000 fields, header has 2"
}

@test "hostile: ingest: invalid and overlong UTF-8 in a CSV header" {
	printf 'id,e\xc0\xafmail\n1,ann.tester@example.com\n' >bad.csv
	run_split cdp-ingest bad.csv
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-ingest: bad.csv:1: invalid UTF-8 in header column 2"
	printf 'id,email\n1,ann.tester\xc0\xaf@example.com\n' >bad.csv
	run_split cdp-ingest bad.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: bad.csv:2: field "email": invalid UTF-8'
}

@test "hostile: ingest: 10,000-deep JSON array elements" {
	{ printf '[{"a":'
	  printf '%.0s[' $(seq 10000)
	  printf '%.0s]' $(seq 10000)
	  printf '}]\n'
	} >deep.json
	run_split cdp-ingest deep.json
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: deep.json:1: nesting too deep at byte 517"
	{ printf '%.0s[' $(seq 10000); printf '%.0s]' $(seq 10000); echo; } >deep.json
	run_split cdp-ingest deep.json
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: deep.json:1: not a JSON object at byte 1"
}

@test "hostile: ingest: an unterminated CSV quote over --max-record-bytes" {
	{ echo 'id,email'; printf '1,"ann.tester@example.com\n'
	  awk 'BEGIN { for (i = 0; i < 50000; i++) print "2,bob.sample@example.org" }'
	} >open.csv
	run_split cdp-ingest --max-record-bytes 1K open.csv
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: open.csv:2: unterminated quoted field"
}

# --- cdp-segment --split names -------------------------------------------------

@test "hostile: --split names with /, .., dots or control characters are refused" {
	for name in a/b .. . /etc/passwd "$(printf 'a\001b')" "$(printf 'a\nb')" 'a\b' "$(printf 'caf\xc3\xa9')"; do
		run_split cdp-segment --split out -d "$name=true" "$TESTS/faults/people.ndjson"
		[ "$status" -eq 64 ] || fail "name $name: status $status"
		# The name as a JSON string: control characters escaped.
		q=$(jq -n --arg n "$name" '$n')
		[[ "$stderr" == "cdp-segment: --split: segment name $q is not a file name ([A-Za-z0-9][A-Za-z0-9._-]*)"* ]] ||
		    fail "name $name: stderr: $stderr"
		[ ! -e out ] || fail "name $name: out was created"
	done
	# The same names from a --rules file.
	printf '[{"name":"ok","when":"true"},{"name":"../../x","when":"true"}]\n' >rules.json
	run_split cdp-segment --split out --rules rules.json "$TESTS/faults/people.ndjson"
	assert_failure 64
	[[ "$stderr" == 'cdp-segment: --split: segment name "../../x" is not a file name'* ]]
	assert_file_not_exists out
	# A NUL escape in a name is refused by the JSON reader itself.
	printf '[{"name":"a\\u0000b","when":"true"}]\n' >rules.json
	run_split cdp-segment --split out --rules rules.json "$TESTS/faults/people.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-segment: rules.json:1:19: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'"
	assert_file_not_exists out
	# Nothing escaped the folder either.
	[ ! -e ../x ] && [ ! -e ../../x ] && [ ! -e ../x.ndjson ] && [ ! -e ../../x.ndjson ]
}

@test "hostile: a control character in a refused --split name is not echoed raw" {
	run_split cdp-segment --split out -d "$(printf 'a\033]0;x\007b')=true" "$TESTS/faults/people.ndjson"
	assert_failure 64
	[[ "$stderr" != *$'\033'* ]]
	[[ "$stderr" == 'cdp-segment: --split: segment name "a\u001b]0;x\u0007b" is not a file name'* ]]
}

# --- NFC and NFD identifiers ---------------------------------------------------

# "zoé@example.com" and "Zoë Müller" precomposed (NFC) and decomposed (NFD).
nfc_nfd() {
	printf '{"id":1,"email":"zo\xc3\xa9@example.com","name":"Zo\xc3\xab M\xc3\xbcller"}\n' >nfd.ndjson
	printf '{"id":2,"email":"zoe\xcc\x81@example.com","name":"Zoe\xcc\x88 Mu\xcc\x88ller"}\n' >>nfd.ndjson
}

@test "hostile: dedupe: NFC and NFD forms are one key once normalised" {
	nfc_nfd
	run_split cdp-dedupe --key email -n email --stats nfd.ndjson
	assert_success
	assert_equal "$output" "$(head -1 nfd.ndjson)"
	assert_equal "$(stats_core "$stderr")" '{"read":2,"written":1,"rejected":0,"dropped":0,"merged":1,"unkeyed":0}'
	run_split cdp-dedupe --key name -n name nfd.ndjson
	assert_success
	assert_equal "$output" "$(head -1 nfd.ndjson)"
	# Without --normalize the key is the trimmed bytes (documented).
	run_split cdp-dedupe --key email nfd.ndjson
	assert_success
	assert_equal "$output" "$(cat nfd.ndjson)"
	# Fuzzy mode compares match keys: the same text.
	run_split cdp-dedupe --block id --fuzzy 'name:jw>=1' nfd.ndjson
	assert_success
}

@test "hostile: merge: NFC and NFD e-mails are one person, bytes kept" {
	nfc_nfd
	run_split cdp-merge --ids email nfd.ndjson
	assert_success
	p1=$(sed -n 1p <<<"$output" | sed 's/.*"profile_id":"\([^"]*\)".*/\1/')
	p2=$(sed -n 2p <<<"$output" | sed 's/.*"profile_id":"\([^"]*\)".*/\1/')
	[ -n "$p1" ] && [ "$p1" = "$p2" ]
	# Records pass through: the NFD bytes are still there.
	[[ "$(sed -n 2p <<<"$output")" == *$'zoe\xcc\x81@example.com'* ]]
	run_split cdp-merge --ids name -n name nfd.ndjson
	assert_success
	p1=$(sed -n 1p <<<"$output" | sed 's/.*"profile_id":"\([^"]*\)".*/\1/')
	p2=$(sed -n 2p <<<"$output" | sed 's/.*"profile_id":"\([^"]*\)".*/\1/')
	[ "$p1" = "$p2" ]
}

# --- privacy: last, reads what the cases above wrote ---------------------------

@test "hostile: no personal value of the inputs appears on stderr without --verbose" {
	[ -s "$STDERR_LOG" ] || skip "run with the whole file: the other cases fill the log"
	for v in "${PII_VALUES[@]}"; do
		if grep -F -- "$v" "$STDERR_LOG"; then
			fail "personal value \"$v\" on stderr"
		fi
	done
	# And the log is not trivially empty: it holds the messages.
	grep -q 'invalid UTF-8 at byte' "$STDERR_LOG"
}

# Issue 22.7/22.8: a usage error is one line naming the command (with its
# subcommand) and the coreutils pointer to --help, not the whole usage.
@test "hostile: a usage error is two lines naming the command and its subcommand" {
	cmds=(cdp-ingest cdp-dedupe cdp-merge cdp-segment cdp-export
	    cdp-partition cdp-journey "cdp-score rfm" "cdp-score clv"
	    "cdp-score model" "cdp-score points" "cdp-report profile"
	    "cdp-report group" "cdp-report funnel" "cdp-report cohort"
	    "cdp-report attribution")
	for c in "${cmds[@]}"; do
		read -r -a argv <<<"$c"
		run_split "${argv[@]}" --bogus
		[ "$status" -eq 64 ] || fail "$c: status $status"
		[ "$stderr" = "$c: unrecognized option '--bogus'
Try '$c --help' for more information." ] || fail "$c: stderr: $stderr"
		[ -z "$output" ] || fail "$c: stdout: $output"
		run_split "${argv[@]}" -o
		[ "$status" -eq 64 ] || fail "$c -o: status $status"
		[ "$stderr" = "$c: option requires an argument -- 'o'
Try '$c --help' for more information." ] || fail "$c -o: stderr: $stderr"
		run_split "${argv[@]}" --output
		[ "$status" -eq 64 ] || fail "$c --output: status $status"
		[ "$stderr" = "$c: option '--output' requires an argument
Try '$c --help' for more information." ] || fail "$c --output: stderr: $stderr"
		# a value given to a flag is not a missing argument
		run_split "${argv[@]}" --stats=yes
		[ "$status" -eq 64 ] || fail "$c --stats=yes: status $status"
		[ "$stderr" = "$c: option '--stats' doesn't allow an argument
Try '$c --help' for more information." ] || fail "$c --stats=yes: stderr: $stderr"
	done
	# A misuse found after parsing names the subcommand too.
	run_split cdp-score model
	assert_failure 64
	assert_equal "$stderr" "cdp-score model: model needs --model FILE
Try 'cdp-score model --help' for more information."
	run_split cdp dedupe --progress=dots
	assert_failure 64
	assert_equal "$stderr" "cdp-dedupe: --progress: expected bar, lines or lines:SECONDS (1 to 86400)
Try 'cdp-dedupe --help' for more information."
}

@test "hostile: a part that cannot be created is named once" {
	mkdir -p parts/part-000.ndjson
	run_split cdp-partition -k email --parts 2 --clean -o parts "$TESTS/faults/people.ndjson"
	assert_failure 73
	assert_equal "$stderr" "cdp-partition: parts/part-000.ndjson: cannot open: Is a directory"
}

@test "hostile: UTF-16 input is named as such, with the conversion" {
	printf '%s\n' "$ANN" | iconv -f UTF-8 -t UTF-16 >u16.ndjson
	printf '%s\n%s\n' "$ANN" "$ANN" | iconv -f UTF-8 -t UTF-16BE >u16be.ndjson
	# Every program but cdp-ingest, which decodes UTF-16 itself.
	for f in u16.ndjson u16be.ndjson; do
		for row in "${CDP_PROGS[@]}"; do
			prog_row "$row"
			[ "${cmd[0]}" = cdp-ingest ] && continue
			run_prog "$f"
			printf '%s\n' "$stderr" >>"$STDERR_LOG"
			[ "$status" -eq 65 ] || fail "${cmd[*]} $f: status $status"
			[ "$stderr" = "$msgprog: $f:1: UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)" ] ||
			    fail "${cmd[*]} $f: stderr: $stderr"
		done
	done
	run_split cdp-ingest -f ndjson u16.ndjson
	assert_success
	assert_equal "$output" "${ANN%\}},\"_src\":\"u16.ndjson\",\"_line\":1}"
	run_split cdp-ingest -f ndjson u16be.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: u16be.ndjson: NUL bytes at every other position: UTF-16 without BOM? give --encoding utf-16be"
	# With --rejects each line is a bad record with that reason.
	run_split cdp-segment --where 'age>0' --rejects rej.ndjson u16be.ndjson
	assert_success
	assert_equal "$(jq -r ._error rej.ndjson | sort -u)" "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"
}

# Issue 22.6: cdp-ingest and cdp-merge wrote nested values compacted
# ([ 1 , 2 ] as [1,2]); every program copies fields it does not own byte
# for byte, whitespace inside nested values included.
@test "hostile: nested values keep their whitespace in every program" {
	NEST='"tags":[ 1 , 2 ],"o":{ "a" : [ ] ,"b":"x  y" }'
	printf '{"customer_id":"c1","email":"ann.tester@example.com","ts":"2025-01-05","revenue":1,"age":31,%s}\n' "$NEST" >in.ndjson
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		[[ "${cmd[0]}" == cdp-score || "${cmd[0]}" == cdp-journey ]] && continue
		run_prog in.ndjson
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[[ "$output" == *"$NEST"* ]] || fail "${cmd[*]}: output: $output"
	done
	for c in "cdp-merge --ids email --profiles" "cdp-score rfm --annotate" \
	    "cdp-dedupe --key email --mark" \
	    "cdp-export --platform generic --no-consent-filter --no-hash --fields tags,o -f ndjson"; do
		read -r -a argv <<<"$c"
		run_split "${argv[@]}" in.ndjson
		[ "$status" -eq 0 ] || fail "$c: status $status: $stderr"
		[[ "$output" == *'"tags":[ 1 , 2 ]'*'"o":{ "a" : [ ] ,"b":"x  y" }'* ]] ||
		    fail "$c: output: $output"
	done
	# --profiles compares values compact: [1,2] and [ 1 , 2 ] are one
	# value, written as the record chosen wrote it.
	printf '{"email":"ann.tester@example.com","tags":[1,2],"ts":"2025-01-01"}\n' >>in.ndjson
	run_split cdp-merge --ids email --profiles --rule tags=all in.ndjson
	assert_success
	[[ "$output" == *'"tags":[[ 1 , 2 ]]'* ]] || fail "all: $output"
}
