#!/usr/bin/env bats
# cdp-report subscriptions and cohort --since-first: lifecycle events into
# active periods, against a hand computation and against a generated
# business whose figures are computed independently (business.py,
# since-first.py).
load helper

F="$BATS_TEST_DIRNAME/cdp-report/subscriptions"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "subscriptions: --help prints the usage on stdout" {
	run_split cdp-report subscriptions --help
	assert_success
	assert_line --index 0 "usage: cdp-report subscriptions [options] [FILE...]"
}

# By hand (hand.ndjson): c1 signs up in January at 10, renews at 20 in
# February (expansion 10), cancels in March (churned 20); c2 signs up at
# 30 in January, pauses on 1 February (contraction 30) and resumes on 1
# March (reactivation 30); c3 signs up and cancels in February (new, no
# MRR at either end), its cancel on 1 April does not apply (already
# cancelled), and it reactivates at 5 on 2 April.  February: GRR (40 - 30)
# / 40, NRR (40 - 30 + 10) / 40.
@test "subscriptions: a business of three customers by hand" {
	run_split cdp-report subscriptions --as-of 2026-05-15 -f csv --stats "$F/hand.ndjson"
	assert_success
	assert_output "period,subscribers,paused,new,churned,reactivated,mrr,new_mrr,expansion_mrr,contraction_mrr,churned_mrr,reactivation_mrr,grr,nrr
2026-01,2,0,2,0,0,40,40,0,0,0,0,,
2026-02,1,1,1,0,0,20,0,10,30,0,0,0.25,0.5
2026-03,1,0,0,1,0,30,0,0,0,20,30,0,0
2026-04,2,0,0,0,1,35,0,0,0,0,5,1,1
2026-05,2,0,0,0,0,35,0,0,0,0,0,1,1"
	assert_equal "$(stats_core "$stderr")" '{"read":11,"used":10,"rejected":0,"skipped":1,"customers":3,"lifecycle_ignored":1,"after_as_of":0}'
	# Without --as-of the last period is the latest event's; an as-of
	# before some events leaves them out, counted.
	run_split cdp-report subscriptions -f csv --as-of 2026-02-28 --stats "$F/hand.ndjson"
	assert_equal "$(wc -l <<<"$output")" 3
	assert_equal "$(stats_core "$stderr")" '{"read":11,"used":10,"rejected":0,"skipped":1,"customers":3,"lifecycle_ignored":1,"after_as_of":4}'
}

@test "subscriptions: a generated business equals its independent figures" {
	python3 "$F/business.py" 7 3000 events.ndjson >truth.csv
	run_split cdp-report subscriptions --as-of 2025-12-31 -f csv events.ndjson
	assert_success
	printf '%s\n' "$output" >got.csv
	assert_equal "$(wc -l <got.csv)" 13
	run awk -F, 'NR == FNR { for (i = 1; i <= NF; i++) want[FNR, i] = $i; next }
	    { for (i = 1; i <= NF; i++) {
		a = $i; b = want[FNR, i]
		if (i == 1 || FNR == 1) { if (a != b) bad++; continue }
		if ((a == "") != (b == "")) { bad++; continue }
		d = a - b; if (d < 0) d = -d; if (d > 1e-6) bad++ } }
	    END { print bad + 0 }' truth.csv got.csv
	assert_output 0
	# MRR moves add up: each end is the previous end plus new,
	# reactivation and expansion, less contraction and churned MRR.
	run awk -F, 'NR > 1 { d = prev + $8 + $12 + $9 - $10 - $11 - $7
	    if (d < 0) d = -d; if (d > 1e-6) bad++; prev = $7 }
	    END { print bad + 0 }' got.csv
	assert_output 0
}

@test "subscriptions: --names maps the data's event names, --mrr its field" {
	sed -e 's/"signup"/"subscribed"/; s/"cancel"/"churned"/; s/"mrr"/"price"/' \
	    "$F/hand.ndjson" >renamed.ndjson
	run_split cdp-report subscriptions --as-of 2026-05-15 -f csv \
	    --names signup=subscribed,cancel=churned --names cancel=gone \
	    --names cancel=churned --mrr price renamed.ndjson
	assert_success
	assert_output "$(cdp-report subscriptions --as-of 2026-05-15 -f csv "$F/hand.ndjson")"
}

@test "subscriptions: bad lifecycle events are bad records (65, --rejects)" {
	printf '%s\n' '{"profile_id":"a","event":"signup","ts":"2026-01-01","mrr":"ten"}' \
	    '{"profile_id":"a","event":"signup","mrr":10}' \
	    '{"profile_id":"a","event":"signup","ts":"2026-01-01","mrr":-1}' \
	    '{"profile_id":["a"],"event":"signup","ts":"2026-01-01"}' \
	    '{"event":"signup","ts":"2026-01-01"}' >bad.ndjson
	run_split cdp-report subscriptions bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: bad.ndjson:1: MRR field 'mrr' is not a number of 0 or more"
	run_split cdp-report subscriptions --rejects rej.ndjson --stats -f csv bad.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":5,"used":0,"rejected":4,"skipped":1,"customers":0,"lifecycle_ignored":0,"after_as_of":0}'
	run jq -r ._error rej.ndjson
	assert_output "MRR field 'mrr' is not a number of 0 or more
lifecycle event without a time ('ts')
MRR field 'mrr' is not a number of 0 or more
customer field 'profile_id' is not a string or a number"
}

@test "subscriptions: misuse is 64" {
	for bad in "--period year" "--names signup" "--names stop=x" \
	    "--names signup=" "--mrr ''" "--event ''" "--by-profile ''" \
	    "--as-of 2026-13-01"; do
		run_split eval cdp-report subscriptions $bad "$F/hand.ndjson"
		assert_failure 64
		assert_equal "$output" ""
	done
}

@test "cohort --since-first: retention since signup by hand" {
	run_split cdp-report cohort --since-first --as-of 2026-05-15 -f csv "$F/hand.ndjson"
	assert_success
	# c1 is active January to March, c2 in January, February (until its
	# pause on the 1st) and from March, c3 in February and from April.
	assert_output "cohort,size,p0,p1,p2,p3,p4
2026-01,2,2,2,2,1,1
2026-02,1,1,0,1,1,

cohort,size,p0,p1,p2,p3,p4
2026-01,2,100,100,100,50,50
2026-02,1,100,0,100,100,"
	run_split cdp-report cohort --since-first --as-of 2026-05-15 -f html "$F/hand.ndjson"
	assert_output --partial '<desc id="t2-cd">Heat map of 2 rows by 5 columns (p0 to p4)'
}

@test "cohort --since-first: a generated business equals its independent figures" {
	python3 "$F/business.py" 11 2000 events.ndjson >/dev/null
	python3 "$F/since-first.py" events.ndjson >truth.csv
	cdp-report cohort --since-first -f csv events.ndjson | sed '/^$/,$d' >got.csv
	run diff truth.csv got.csv
	assert_success
	# Every cohort is 100% at period 0.
	run awk -F, 'NR > 1 && $3 != $2 { bad++ } END { print bad + 0 }' got.csv
	assert_output 0
}

@test "cohort --since-first: misuse is 64" {
	run_split cdp-report cohort --since-first --cohort 'month(signup)' "$F/hand.ndjson"
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report cohort: --since-first makes the cohorts and the activity: no --cohort or --activity with it"
	run_split cdp-report cohort --names cancel=stop "$F/hand.ndjson"
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report cohort: --event and --names go with --since-first"
	run_split cdp-report cohort --since-first --names cancel "$F/hand.ndjson"
	assert_failure 64
}
