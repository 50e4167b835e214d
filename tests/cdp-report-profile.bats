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

# shard N OFF: N records with new ids user-(OFF+1).. and a 7-valued k,
# then hot-J (J = 0..11) 5(J+1) times each: the values a top list must
# find whether the field is counted exactly or sketched.
shard() {
	awk -v n="$1" -v off="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"id\":\"user-%d\",\"k\":%d}\n", off + i, i % 7
		for (j = 0; j < 12; j++) for (r = 0; r < 5 * (j + 1); r++)
			printf "{\"id\":\"hot-%d\",\"k\":\"h\",\"x\":%d.5}\n", j, r
	}'
}

# The columns a merge must give exactly as one run: everything but top.
# (distinct too: HyperLogLog registers merge to those of one run.)
exact_cols='del(.top)'

# Every top entry of the id field brackets the truth (hot-J: 5(J+1) per
# shard, user-N: 1): count - error <= truth <= count; error is there only
# when the field is sketched; the most frequent value comes first, and
# no value twice.
top_ok() {
	jq -e -s --argjson shards "$1" '.[] | select(.field == "id") |
	    .top_exact as $ex | .top[0].value == "hot-11" and
	    (.top | map(.value) | unique | length) == (.top | length) and
	    all(.top[]; (if (.value | startswith("hot-")) then
		5 * ((.value[4:] | tonumber) + 1) * $shards else 1 end) as $t |
		.count >= $t and .count - (.error // 0) <= $t and
		(has("error") == ($ex | not)))'
}

# merge_case SIZES...: one shard per size, each --partial, then one
# --merge of them all, a chained merge (the first two, then the rest),
# and one run over all the records.
merge_case() {
	local off=0 i=0 s parts=()
	rm -f s*.ndjson s*.part
	: >all.ndjson
	for s in "$@"; do
		shard "$s" "$off" >"s$i.ndjson"
		cat "s$i.ndjson" >>all.ndjson
		cdp-report profile --partial "s$i.ndjson" >"s$i.part"
		parts+=("s$i.part")
		off=$((off + s)); i=$((i + 1))
	done
	cdp-report profile all.ndjson >one.ndjson
	cdp-report profile --merge "${parts[@]}" >merged.ndjson
	cdp-report profile --merge --partial "${parts[@]:0:2}" >first2.part
	cdp-report profile --merge first2.part "${parts[@]:2}" >chained.ndjson
	assert_equal "$(jq -c "$exact_cols" merged.ndjson)" "$(jq -c "$exact_cols" one.ndjson)"
	assert_equal "$(jq -c "$exact_cols" chained.ndjson)" "$(jq -c "$exact_cols" one.ndjson)"
	top_ok $# <one.ndjson
	top_ok $# <merged.ndjson
	top_ok $# <chained.ndjson
}

# The field id has 65,536 + 12 values per 65,524-record shard: the
# exact limit is 65,536 values, so 65,524 stays exact and 65,525 does not.
@test "profile: a partial past the exact limit merges (issue 25.1)" {
	for n in 65536 65537; do
		seq "$n" | awk '{print "{\"a\":"$1"}"}' >in.ndjson
		cdp-report profile --partial in.ndjson >h.pst
		run_split cdp-report profile --merge h.pst
		assert_success
		assert_output "$(cdp-report profile in.ndjson)"
		run jq -c '[.distinct_exact, .top_exact]' <<<"$output"
		[ "$n" = 65536 ] && assert_output '[true,true]' ||
		    assert_output '[false,false]'
	done
}

@test "profile: merges of exact shards, on both sides of the exact limit" {
	merge_case 40000 25524		# together 65,536 values: exact
	assert_equal "$(jq -c 'select(.field == "id") | [.distinct, .distinct_exact]' merged.ndjson)" '[65536,true]'
	merge_case 40000 25525		# together 65,537: approximate
	assert_equal "$(jq -c 'select(.field == "id") | [.distinct_exact, .top_exact]' merged.ndjson)" '[false,false]'
}

@test "profile: merges with approximate shards first, last and only" {
	merge_case 65525 100		# approximate, then exact
	merge_case 100 65525		# exact, then approximate
	merge_case 65525 65600 70000	# approximate only, three of them
	assert_equal "$(jq -c 'select(.field == "id") | [.count, .distinct_exact, .top_exact]' merged.ndjson)" '[202295,false,false]'
	# HyperLogLog: within 3 standard errors of the 201,137 values.
	jq -e -s '.[] | select(.field == "id") | (.distinct - 201137 | fabs) < 4900' merged.ndjson
}

@test "profile: a merged sketch keeps its counts upper bounds" {
	# Shard 1 sees hot-11 3 times, but its sketch drops it for values
	# seen 5 times (c-*) and then churns through new ones: the merge
	# must still count those 3 for hot-11, which shard 0 monitors.
	shard 65525 0 >s0.ndjson
	awk 'BEGIN { for (r = 0; r < 5; r++) for (i = 0; i < 2000; i++)
		printf "{\"id\":\"c-%d\"}\n", i
		for (r = 0; r < 3; r++) print "{\"id\":\"hot-11\"}"
		for (i = 0; i < 65536; i++) printf "{\"id\":\"f-%d\"}\n", i }' >s1.ndjson
	for s in s0 s1; do cdp-report profile --partial $s.ndjson >$s.part; done
	run_split sh -c 'cdp-report profile --merge s0.part s1.part | jq -c "select(.field == \"id\") | .top[0] | [.value, .count >= 63, .count - .error <= 63]"'
	assert_success
	assert_output '["hot-11",true,true]'
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
