#!/usr/bin/env bats
# Numbers across programs (issue 22.5, 22.4): every program that keys,
# groups, compares, sums or counts numbers is run on 20-digit integers,
# 1.0 against 1, -0 against 0, 1e400 and sums that overflow, and the
# results agree: numbers are keys by their exact value, never through a
# double.  The table is in docs/RELIABILITY.md ("Numbers").
load helper

J="$BATS_TEST_DIRNAME/faults/journey.json"

setup() {
	cd "$BATS_TEST_TMPDIR"
	# Three values of n, each spelt several ways: 20-digit A and B
	# (one double), 1 as 1 / 1.0 / 1e0, 0 as 0 / -0.
	cat >n.ndjson <<-'END'
	{"n":12345678901234567890,"ts":"2025-01-01","age":1,"revenue":1}
	{"n":12345678901234567891,"ts":"2025-01-02","age":1,"revenue":1}
	{"n":1,"ts":"2025-01-03","age":1,"revenue":1}
	{"n":1.0,"ts":"2025-01-04","age":1,"revenue":1}
	{"n":1e0,"ts":"2025-01-05","age":1,"revenue":1}
	{"n":0,"ts":"2025-01-06","age":1,"revenue":1}
	{"n":-0,"ts":"2025-01-07","age":1,"revenue":1}
	END
}

@test "numbers: seven spellings of four values are four keys in every program" {
	run_split cdp-dedupe -k n n.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$output")" 4
	run_split cdp-merge --ids n --no-default-ignore n.ndjson
	assert_success
	assert_equal "$(jq -r .profile_id <<<"$output" | sort -u | wc -l)" 4
	run_split cdp-report group --by n --agg count n.ndjson
	assert_success
	assert_equal "$output" '{"n":0,"count":2}
{"n":1,"count":3}
{"n":12345678901234567890,"count":1}
{"n":12345678901234567891,"count":1}'
	for t in 1 2 3; do
		run_split cdp-report group --threads $t --agg distinct:n n.ndjson
		assert_equal "$output" '{"distinct_n":4}'
	done
	run_split cdp-report profile n.ndjson
	assert_equal "$(jq -r 'select(.field == "n") | .distinct' <<<"$output")" 4
	run_split cdp-score rfm --id n n.ndjson
	assert_success
	assert_equal "$(jq -c '[.n, .frequency]' <<<"$output" | tr '\n' ' ')" \
	    '[0,2] [1,3] [12345678901234567000,1] [12345678901234567000,1] '
	assert_equal "$(cut -d, -f1 <<<"$output" | tr '\n' ' ')" \
	    '{"n":0 {"n":1 {"n":12345678901234567890 {"n":12345678901234567891 '
	run_split cdp-journey -j "$J" --as-of 2025-06-01 --profile n --dry-run n.ndjson
	assert_success
	assert_equal "$(cut -d, -f1 <<<"$output" | tr '\n' ' ')" \
	    '{"profile_id":0 {"profile_id":1 {"profile_id":12345678901234567890 {"profile_id":12345678901234567891 '
	# cdp-join matches a key by its value.
	printf '%s\n' '{"n":1.0,"seg":"one"}' '{"n":12345678901234567890,"seg":"A"}' >tbl.ndjson
	run_split cdp-join -k n tbl.ndjson n.ndjson
	assert_success
	assert_equal "$(jq -r '.seg // "-"' <<<"$output" | tr '\n' ' ')" 'A - one one one - - '
	# cdp-partition: every spelling of a value in one part.
	cdp-partition -k n --parts 16 -o parts n.ndjson
	for v in '"n":1[,.e]' '"n":-?0,'; do
		assert_equal "$(grep -lE "$v" parts/* | wc -l)" 1
	done
	# cdp-segment compares exactly: the other 20-digit id does not match.
	run_split cdp-segment --where 'n == 12345678901234567890' n.ndjson
	assert_equal "$(wc -l <<<"$output")" 1
	run_split cdp-segment --where 'n == 1' n.ndjson
	assert_equal "$(wc -l <<<"$output")" 3
	run_split cdp-segment --where 'n in [0, 12345678901234567891]' n.ndjson
	assert_equal "$(wc -l <<<"$output")" 3
	run_split cdp-segment --where 'n > 12345678901234567890' n.ndjson
	assert_equal "$output" '{"n":12345678901234567891,"ts":"2025-01-02","age":1,"revenue":1}'
}

@test "numbers: 1e400 is a key where only its value is needed, bad data where a double is" {
	printf '%s\n' '{"n":1e400,"ts":"2025-01-01","age":1,"revenue":1}' \
	    '{"n":1E400,"ts":"2025-01-02","age":1,"revenue":1}' >big.ndjson
	run_split cdp-dedupe -k n big.ndjson
	assert_equal "$(wc -l <<<"$output")" 1
	run_split cdp-merge --ids n big.ndjson
	assert_equal "$(jq -r .profile_id <<<"$output" | sort -u | wc -l)" 1
	run_split cdp-score rfm --id n big.ndjson
	assert_success
	assert_equal "$(jq -c .frequency <<<"$output")" 2
	run_split cdp-journey -j "$J" --as-of 2025-06-01 --profile n --dry-run big.ndjson
	assert_equal "$(wc -l <<<"$output")" 1
	# Passed through as written where it is not used.
	run_split cdp-segment --where 'age > 0' big.ndjson
	assert_equal "$output" "$(cat big.ndjson)"
	for c in "cdp-segment --where n>0" "cdp-report group --by n" "cdp-report profile"; do
		read -r -a argv <<<"$c"
		run_split "${argv[@]}" big.ndjson
		assert_failure 65
		assert_equal "$stderr" "${argv[0]}: big.ndjson:1: number out of range"
	done
}

# Issue 22.4: a total no double holds was "out of memory" (71).
@test "numbers: a customer's total that overflows is bad data naming the field" {
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-01","revenue":1.7e308}' \
	    '{"customer_id":"a","ts":"2025-01-02","revenue":1.7e308}' \
	    '{"customer_id":"b","ts":"2025-01-02","revenue":1.7e308}' >ov.ndjson
	for c in "rfm" "clv --summary --as-of 2025-02-01"; do
		read -r -a argv <<<"$c"
		run_split cdp-score "${argv[@]}" ov.ndjson
		assert_failure 65
		assert_equal "$stderr" "cdp-score: ov.ndjson:2: field \"revenue\": the customer's total overflows a double"
		run_split cdp-score "${argv[@]}" --rejects rej.ndjson --stats ov.ndjson
		assert_success
		assert_equal "$(jq -r '[._line, ._error] | @tsv' rej.ndjson)" \
		    "$(printf '2\tfield "revenue": the customer'"'"'s total overflows a double')"
		[[ "$(stats_core "$stderr")" == '{"read":3,"used":2,"rejected":1,'* ]] ||
		    fail "$c: $stderr"
	done
	# --annotate leaves the rejected record out of its second pass too.
	run_split cdp-score rfm --annotate --rejects rej.ndjson ov.ndjson
	assert_success
	assert_equal "$(jq -r '[.customer_id, .ts] | @tsv' <<<"$output")" \
	    "$(printf 'a\t2025-01-01\nb\t2025-01-02')"
}

@test "numbers: group keys with 20-digit ids survive partials and merge exactly" {
	cdp-report group --by n --agg count --partial n.ndjson >a.part
	assert_equal "$(grep -c '"num"' a.part)" 2
	run_split cdp-report group --by n --agg count --merge a.part a.part
	assert_success
	assert_equal "$output" '{"n":0,"count":4}
{"n":1,"count":6}
{"n":12345678901234567890,"count":2}
{"n":12345678901234567891,"count":2}'
	run_split cdp-report group --by n --agg count -f csv n.ndjson
	assert_equal "$output" 'n,count
0,2
1,3
12345678901234567890,1
12345678901234567891,1'
}
