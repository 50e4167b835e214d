#!/usr/bin/env bats
# cdp-report cohort: retention by a cohort value or by the period of the
# first activity, day/week/month periods, unobserved cells, bad input.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/cohort"
P='event=="purchase"'

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# events.ndjson, by hand, with --cohort 'month(signup)' (the date as
# written: b's "2026-01-31T23:00:00-05:00" is January) and purchases as
# activity, per month:
#   a  cohort 2026-01; purchases Mar 2 (first line: unsorted input),
#      Jan 15, Jan 20                       -> periods 0, 2
#   b  cohort 2026-01 (from a view without ts: no time needed);
#      purchase 2026-02-01T03:00Z           -> period 1
#   c  cohort 2026-02; purchases Feb 6, Mar 10 -> periods 0, 1
#   d  cohort 2026-02; no purchase          -> in the size only
#   e  purchase Jan 3, no signup            -> no cohort (no_cohort 1)
#   f  cohort 2026-03 (from its second line); purchases Feb 15 (before
#      the cohort: not shown) and Mar 5     -> period 0
#   a purchase without profile_id: skipped.
# The last activity is in March, so 2026-02 has no p2 yet and 2026-03 no
# p1, p2 (null, not 0).
#   2026-01 size 2: p0 1 (a), p1 1 (b), p2 1 (a)   -> 50 50 50
#   2026-02 size 2: p0 1 (c), p1 1 (c), p2 -       -> 50 50 -
#   2026-03 size 1: p0 1 (f)                       -> 100 - -
# Records: 13 read; used 12 (every purchase with a profile, and the
# records giving b's and d's cohort), skipped 1.
@test "cohort: month(signup) by hand (ndjson)" {
	run_split cdp-report cohort -f ndjson --stats --cohort 'month(signup)' \
	    --activity "$P" --period month "$F/events.ndjson"
	assert_success
	assert_output - <<'OUT'
{"_table":"retention","cohort":"2026-01","size":2,"p0":1,"p1":1,"p2":1}
{"_table":"retention","cohort":"2026-02","size":2,"p0":1,"p1":1,"p2":null}
{"_table":"retention","cohort":"2026-03","size":1,"p0":1,"p1":null,"p2":null}
{"_table":"retention_pct","cohort":"2026-01","size":2,"p0":50,"p1":50,"p2":50}
{"_table":"retention_pct","cohort":"2026-02","size":2,"p0":50,"p1":50,"p2":null}
{"_table":"retention_pct","cohort":"2026-03","size":1,"p0":100,"p1":null,"p2":null}
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":13,"used":12,"rejected":0,"skipped":1,"no_profile":1,"no_cohort":1}'
}

# Without --cohort a profile's cohort is the month of its first purchase:
#   2026-01: a (Jan; Mar = p2), e (Jan)        size 2: p0 2, p1 0, p2 1
#   2026-02: b (Feb), c (Feb; Mar), f (Feb; Mar) size 3: p0 3, p1 2, p2 -
# d never buys: in no cohort.  Records that are not purchases are
# skipped now (b's and f's views, d's signup, the one without profile).
@test "cohort: first-activity cohorts (csv)" {
	run_split cdp-report cohort -f csv --stats --activity "$P" "$F/events.ndjson"
	assert_success
	assert_output - <<'OUT'
cohort,size,p0,p1,p2
2026-01,2,2,0,1
2026-02,3,3,2,

cohort,size,p0,p1,p2
2026-01,2,100,0,50
2026-02,3,100,66.66666666666667,
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":13,"used":9,"rejected":0,"skipped":4,"no_profile":1,"no_cohort":0}'
}

# ISO weeks: cohort 2026-01 starts on Thursday Jan 1, in the week of
# Monday 2025-12-29; a buys on Jan 15 (week +2), Jan 20 (+3), Mar 2 (+9),
# b on Sunday Feb 1 (+4).  2026-02 starts in the week of Jan 26: c buys
# on Feb 6 (+1) and Mar 10 (+6).  2026-03 (Sunday Mar 1) starts in the
# week of Feb 23: f on Mar 5 (+1).  The last purchase, Mar 10, is in the
# week of Mar 9: 2026-02 is observed up to +6, 2026-03 up to +2.
@test "cohort: --period week counts ISO weeks from the cohort's date" {
	run cdp-report cohort -f csv --cohort 'month(signup)' --activity "$P" \
	    --period week "$F/events.ndjson"
	assert_success
	assert_output - <<'OUT'
cohort,size,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9
2026-01,2,0,0,1,1,1,0,0,0,0,1
2026-02,2,0,1,0,0,0,0,1,,,
2026-03,1,0,1,0,,,,,,,

cohort,size,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9
2026-01,2,0,0,50,50,50,0,0,0,0,50
2026-02,2,0,50,0,0,0,0,50,,,
2026-03,1,0,100,0,,,,,,,
OUT
}

# Cohort labels that are not dates count periods from each profile's
# first activity and are never "not observed".  Days: a buys on Jan 15
# and 20 (+5) and Mar 2 (+46 days, the last column); one cohort per
# profile here.
@test "cohort: a cohort that is not a date; --period day; week() labels" {
	run cdp-report cohort -f ndjson --cohort 'upper(profile_id)' --activity "$P" \
	    --period day "$F/events.ndjson"
	assert_success
	assert_line --index 0 --regexp '^\{"_table":"retention","cohort":"A","size":1,"p0":1,"p1":0,"p2":0,"p3":0,"p4":0,"p5":1,'
	assert_line --index 0 --regexp ',"p46":1\}$'
	# first purchases: e Sat Jan 3 (W01), a Jan 15 (W03; Jan 20 +1,
	# Mar 2 +7), b Sun Feb 1 (W05), c Feb 6 (W06; Mar 10 +5), f Sun Feb
	# 15 (W07; Mar 5 +3); the last purchase is in W11.
	run sh -c "cdp-report cohort -f csv --activity '$P' --period week \
	    '$F/events.ndjson' | head -6"
	assert_success
	assert_output - <<'OUT'
cohort,size,p0,p1,p2,p3,p4,p5,p6,p7
2026-W01,1,1,0,0,0,0,0,0,0
2026-W03,1,1,1,0,0,0,0,0,1
2026-W05,1,1,0,0,0,0,0,0,
2026-W06,1,1,0,0,0,0,1,,
2026-W07,1,1,0,0,1,0,,,
OUT
}

@test "cohort: no records gives empty tables" {
	run cdp-report cohort -f csv </dev/null
	assert_success
	assert_output - <<'OUT'
cohort,size,p0

cohort,size,p0
OUT
}

# --- bad input -----------------------------------------------------------

@test "cohort: bad expressions and --period are usage errors" {
	run_split cdp-report cohort --cohort 'month(signup' </dev/null
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report: --cohort:1:13: expected ')'"
	run_split cdp-report cohort --activity 'event = 1' </dev/null
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report: --activity:1:7: expected an operator or the end"
	run_split cdp-report cohort --period year </dev/null
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report cohort: --period: expected day, week or month"
}

bad_input() {
	printf '%s\n' '{"profile_id":"a","event":"purchase","ts":"2026-01-01"}' \
	    '{"profile_id":"a","event":"view"}' \
	    '{"profile_id":"b","event":"purchase","signup":"2026-01-01"}' \
	    '{"profile_id":"c","event":"view","signup":"January"}' >bad.ndjson
}

@test "cohort: an activity without time stops with file:line (65)" {
	bad_input
	run_split cdp-report cohort -f csv --activity "$P" bad.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-report: bad.ndjson:3: no time field "ts"'
}

# With --rejects, b's record leaves no trace: b gets no cohort either.
# c's signup is not a date: month() rejects line 4.
@test "cohort: --rejects counts bad records; month() of a non-date" {
	bad_input
	run_split cdp-report cohort -f csv --stats --rejects rej.ndjson \
	    --cohort 'month(signup)' --activity "$P" bad.ndjson
	assert_success
	assert_output - <<'OUT'
cohort,size,p0

cohort,size,p0
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":1,"rejected":2,"skipped":1,"no_profile":0,"no_cohort":1}'
	run cut -d, -f1-3 rej.ndjson
	assert_output - <<'OUT'
{"_error":"no time field \"ts\"","_src":"bad.ndjson","_line":3
{"_error":"month: not a date","_src":"bad.ndjson","_line":4
OUT
}

# Labels from week() and year() are dates too.  week(signup): a Sat Jan 10
# is in W02 (Jan 15 +1, Jan 20 +2, Mar 2 +8); b Jan 31 in W05 (Feb 1 +0);
# c Feb 5 in W06 (Feb 6 +0, Mar 10 +5); d Feb 20 in W08, observed up to
# W11 (+3); f Sun Mar 1 in W09 (Feb 15 before it, Mar 5 +1).
# year(signup): one cohort from January 2026: p0 a; p1 b c f; p2 a c f.
@test "cohort: week() and year() cohorts start at their week and year" {
	run sh -c "cdp-report cohort -f csv --cohort 'week(signup)' --activity '$P' \
	    --period week '$F/events.ndjson' | head -6"
	assert_success
	assert_output - <<'OUT'
cohort,size,p0,p1,p2,p3,p4,p5,p6,p7,p8
2026-W02,1,0,1,1,0,0,0,0,0,1
2026-W05,1,1,0,0,0,0,0,0,,
2026-W06,1,1,0,0,0,0,1,,,
2026-W08,1,0,0,0,0,,,,,
2026-W09,1,0,1,0,,,,,,
OUT
	run sh -c "cdp-report cohort -f csv --cohort 'year(signup)' --activity '$P' \
	    '$F/events.ndjson' | head -2"
	assert_output - <<'OUT'
cohort,size,p0,p1,p2
2026,5,1,3,3
OUT
}
