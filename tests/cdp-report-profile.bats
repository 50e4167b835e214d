#!/usr/bin/env bats
# cdp-report profile: per-field counts, types, distinct, min/max, mean,
# top values; HyperLogLog past the exact limit; partials; bad input.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/profile"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# ids N: N records, each with a new "id" and a "k" of 7 values.
ids() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"id\":\"user-%d\",\"k\":%d}\n", i, i % 7 }'
}

@test "profile: --help prints the usage on stdout" {
	run_split cdp-report profile --help
	assert_success
	assert_line --index 0 "usage: cdp-report profile [options] [FILE...]"
}

@test "profile: an unknown option is a usage error" {
	run_split cdp-report profile --by x "$F/mixed.ndjson"
	assert_failure 64
	assert_output ""
}

@test "profile: every column, ndjson" {
	run_split cdp-report profile -f ndjson --stats "$F/mixed.ndjson"
	assert_success
	assert_output "$(cat "$F/expect.ndjson")"
	assert_equal "$(stats_core "$stderr")" '{"read":5,"used":5,"rejected":0,"skipped":0}'
}

@test "profile: every column, csv" {
	run_split cdp-report profile -f csv "$F/mixed.ndjson"
	assert_success
	assert_output "$(cat "$F/expect.csv")"
}

@test "profile: empty input gives no rows" {
	run_split cdp-report profile -f csv </dev/null
	assert_success
	assert_output "field,count,nulls,string,number,bool,array,object,distinct,distinct_exact,min,max,mean,top,top_exact"
}

@test "profile: the top 10 values are the most frequent" {
	awk 'BEGIN { for (i = 1; i <= 12; i++) for (j = 0; j < i; j++)
		printf "{\"v\":\"x%02d\"}\n", i }' >in.ndjson
	run_split sh -c 'cdp-report profile in.ndjson | jq -c "[.distinct, .top[0], .top[9], (.top | length)]"'
	assert_success
	assert_output '[12,{"value":"x12","count":12},{"value":"x03","count":3},10]'
}

@test "profile: past 65536 values distinct is a HyperLogLog estimate" {
	ids 100000 >in.ndjson
	run_split cdp-report profile in.ndjson
	assert_success
	# The estimate is within 3 standard errors (3 x 0.81%) of 100000.
	run jq -c 'select(.field == "id") | [.count, .distinct_exact,
	    .top_exact, (.distinct - 100000 | fabs < 2430),
	    (.top | length), (.top[0] | has("error"))]' <<<"$output"
	assert_output '[100000,false,false,true,10,true]'
	run_split sh -c 'cdp-report profile in.ndjson | jq -c "select(.field == \"k\") | [.distinct, .distinct_exact, .top[0]]"'
	assert_output '[7,true,{"value":1,"count":14286}]'
}

@test "profile: exactly 65536 values stay exact" {
	ids 65536 >in.ndjson
	run_split sh -c 'cdp-report profile in.ndjson | jq -c "select(.field == \"id\") | [.distinct, .distinct_exact]"'
	assert_output '[65536,true]'
	ids 65537 >in.ndjson
	run_split sh -c 'cdp-report profile in.ndjson | jq -c "select(.field == \"id\") | .distinct_exact"'
	assert_output 'false'
}

@test "profile: a number out of range is rejected with its line" {
	printf '%s\n' '{"a":1}' '{"a":1e400}' >in.ndjson
	run_split cdp-report profile in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: in.ndjson:2: number out of range"
	run_split cdp-report profile --rejects bad.ndjson --stats in.ndjson
	assert_success
	assert_output --partial '{"field":"a","count":1,"nulls":0,'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":1,"skipped":0}'
}

@test "profile: shards' partials merge to exactly the one-run result" {
	cat "$F/mixed.ndjson" "$F/mixed.ndjson" "$F/mixed.ndjson" >all.ndjson
	ids 3000 >>all.ndjson
	printf '{"late":0.1,"new":[1, 2]}\n' >>all.ndjson
	split -n l/3 all.ndjson shard.
	for s in shard.a?; do
		cdp-report profile --partial "$s" >"$s.part"
	done
	one=$(cdp-report profile -f csv all.ndjson)
	run_split sh -c 'cat shard.a?.part | cdp-report profile --merge -f csv'
	assert_success
	assert_output "$one"
	[ "$(echo "$one" | wc -l)" -eq 12 ]
}

@test "profile: merged HyperLogLogs equal the one-run estimate" {
	ids 90000 >all.ndjson
	split -n l/3 all.ndjson shard.
	for s in shard.a?; do
		cdp-report profile --partial "$s" >"$s.part"
	done
	one=$(cdp-report profile all.ndjson | jq -c '[.field, .count, .nulls, .distinct, .distinct_exact]')
	run_split sh -c 'cdp-report profile --merge shard.a?.part | jq -c "[.field, .count, .nulls, .distinct, .distinct_exact]"'
	assert_success
	assert_output "$one"
	assert_line --index 0 --regexp '^\["id",90000,0,[0-9]+,false\]$'
}

@test "profile: --merge refuses other partials and damaged lines" {
	cdp-report group --by type --partial "$F/mixed.ndjson" >g.part
	run_split cdp-report profile --merge g.part
	assert_failure 65
	assert_equal "$stderr" "cdp-report: g.part:1: not a partial of cdp-report profile (version 1)"
	run_split cdp-report profile --merge "$F/mixed.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-report: $F/mixed.ndjson:1: field state before the partial's header line"
	cdp-report profile --partial "$F/mixed.ndjson" >p.part
	printf '%s\n' '{"field":"x","count":-1}' >>p.part
	run_split cdp-report profile --merge p.part
	assert_failure 65
	assert_equal "$stderr" "cdp-report: p.part:11: not a partial line of cdp-report profile"
}
