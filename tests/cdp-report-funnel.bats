#!/usr/bin/env bats
# cdp-report funnel: ordered steps per profile, the window from step 1,
# ties, unsorted input, medians, NAME=EXPR, and bad input.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/funnel"
V='event=="view"'
C='event=="cart"'
P='event=="purchase"'

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# events.ndjson, by hand (steps view, cart, purchase; --within 7d):
#   a  view 01-01 00:00, cart 01-01 01:00, purchase 01-02 01:00 (its line
#      comes first: input unsorted); a second view on 01-03 does not
#      restart the funnel                           -> 3 steps; 3600, 86400
#   b  cart 01-01 before its view 01-02: does not count; purchase without
#      a cart                                       -> 1 step
#   c  view 01-01, cart 01-03, purchase 01-08 00:00:00 = exactly 7d after
#      the view: inside the window                  -> 3; 172800, 432000
#   d  view 01-01, cart 01-02, purchase 01-08 00:00:01 = 7d + 1s: outside
#                                                   -> 2; 86400
#   e  cart and view at the same time, the cart's line first: the cart
#      comes before the view                        -> 1
#   f  view and cart at the same time, in that order -> 2; 0
#   g  a purchase only                              -> 0 (but a profile)
#   a record without profile_id (skipped), a login without ts (matches no
#   step: skipped, needs no time).
# step 1: a b c d e f = 6; step 2: a c d f = 4 (4/6 = 66.67%); step 3:
# a c = 2 (2/4 = 50%, 2/6 = 33.33%).  Median step 2 time: 0 3600 86400
# 172800 -> (3600 + 86400) / 2 = 45000 s = 12h 30m; step 3: 86400 432000
# -> 259200 s = 3d.  Stats: 20 read, 18 used, 2 skipped, 7 profiles.
@test "funnel: steps, conversion and medians by hand (ndjson)" {
	run_split cdp-report funnel -f ndjson --stats --steps "$V" "$C" "$P" \
	    --within 7d "$F/events.ndjson"
	assert_success
	assert_output - <<'OUT'
{"step":1,"name":"event==\"view\"","profiles":6,"conversion_pct":100,"overall_pct":100,"median_secs":null,"median_time":null}
{"step":2,"name":"event==\"cart\"","profiles":4,"conversion_pct":66.66666666666667,"overall_pct":66.66666666666667,"median_secs":45000,"median_time":"12h 30m"}
{"step":3,"name":"event==\"purchase\"","profiles":2,"conversion_pct":50,"overall_pct":33.333333333333336,"median_secs":259200,"median_time":"3d"}
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":20,"used":18,"rejected":0,"skipped":2,"no_step":1,"no_profile":1,"profiles":7}'
}

@test "funnel: csv, NAME=EXPR, repeated --steps, files first" {
	run cdp-report funnel -f csv "$F/events.ndjson" --steps "view=$V" \
	    --steps "$C" --steps "buy = $P" --within 7d
	assert_success
	assert_output - <<'OUT'
step,name,profiles,conversion_pct,overall_pct,median_secs,median_time
1,view,6,100,100,,
2,"event==""cart""",4,66.66666666666667,66.66666666666667,45000,12h 30m
3,buy,2,50,33.333333333333336,259200,3d
OUT
}

# Without a window d's purchase counts too: step 3 = a c d (3/4 = 75%,
# 3/6 = 50%); times from the cart: a 86400, c 432000, d 01-02 to 01-08
# 00:00:01 = 518401 -> median 432000 s = 5d.
@test "funnel: no --within means no limit; FILE after --" {
	run cdp-report funnel -f csv --steps "$V" "$C" "$P" -- \
	    "$F/events.ndjson"
	assert_success
	assert_line --index 3 '3,"event==""purchase""",3,75,50,432000,5d'
}

# A window of 7d - 1s leaves c's purchase (exactly 7d) out as well.
@test "funnel: the window boundary is inclusive" {
	run cdp-report funnel -f csv --within 604799 --steps "$V" "$C" "$P" \
	    -- "$F/events.ndjson"
	assert_success
	assert_line --index 3 '3,"event==""purchase""",1,25,16.666666666666668,86400,1d'
}

@test "funnel: the order of the input does not matter" {
	run cdp-report funnel -f ndjson --steps "$V" "$C" "$P" --within 7d \
	    -- "$F/events.ndjson"
	want=$output
	run sh -c "tac '$F/events.ndjson' | cdp-report funnel -f ndjson \
	    --steps '$V' '$C' '$P' --within 7d"
	# only the tie (e, f) depends on input order: reversed, e reaches
	# the cart and f does not, so the counts stay the same
	assert_success
	assert_output "$want"
}

@test "funnel: --by-profile and --time name other fields" {
	printf '%s\n' '{"who":1,"e":"v","at":100}' '{"who":1,"e":"c","at":160}' \
	    '{"who":"1","e":"v","at":0}' >in.ndjson
	run cdp-report funnel -f csv --by-profile who --time at \
	    --steps 'e=="v"' 'e=="c"' -- in.ndjson
	assert_success
	# the number 1 and the string "1" are two profiles
	assert_output - <<'OUT'
step,name,profiles,conversion_pct,overall_pct,median_secs,median_time
1,"e==""v""",2,100,100,,
2,"e==""c""",1,50,50,60,1m
OUT
}

@test "funnel: no records gives the steps with zero profiles" {
	run cdp-report funnel -f csv --steps "$V" "$C" </dev/null
	assert_success
	assert_output - <<'OUT'
step,name,profiles,conversion_pct,overall_pct,median_secs,median_time
1,"event==""view""",0,,,,
2,"event==""cart""",0,,,,
OUT
}

# --- bad input -----------------------------------------------------------

@test "funnel: a bad step expression is a usage error with its position" {
	run_split cdp-report funnel --steps "$V" '(event=="cart"' -- x
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "cdp-report: --steps 2:1:15: expected ')'"
}

@test "funnel: bad --within, no steps, a file among the steps: 64" {
	run_split cdp-report funnel --steps "$V" --within 7x
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report funnel: --within: expected a duration such as 7d, 12h, 30m or 90s"
	run_split cdp-report funnel --steps "$V" --within 0d
	assert_failure 64
	run_split cdp-report funnel --within 7d
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report funnel: --steps: at least one step is needed"
	run_split cdp-report funnel --steps "$V" "$F/events.ndjson"
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "cdp-report funnel: --steps: '$F/events.ndjson' is a file: put FILE arguments before --steps or after --"
}

# line 3 matches a step and has no ts; line 4's ts is not a time
bad_input() {
	printf '%s\n' '{"profile_id":"a","event":"view","ts":"2026-01-01"}' \
	    '{"profile_id":"a","event":"login"}' \
	    '{"profile_id":"a","event":"view"}' \
	    '{"profile_id":"a","event":"view","ts":"soon"}' >bad.ndjson
}

@test "funnel: a step event without time stops with file:line (65)" {
	bad_input
	run_split cdp-report funnel -f csv --steps "$V" -- bad.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-report: bad.ndjson:3: no time field "ts"'
}

@test "funnel: --rejects counts records without a usable time" {
	bad_input
	run_split cdp-report funnel -f csv --stats --rejects rej.ndjson \
	    --steps "$V" -- bad.ndjson
	assert_success
	assert_line --index 1 '1,"event==""view""",1,100,100,,'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":1,"rejected":2,"skipped":1,"no_step":1,"no_profile":0,"profiles":1}'
	run cat rej.ndjson
	assert_output - <<'OUT'
{"_error":"no time field \"ts\"","_src":"bad.ndjson","_line":3,"raw":"{\"profile_id\":\"a\",\"event\":\"view\"}"}
{"_error":"ts: not a date","_src":"bad.ndjson","_line":4,"raw":"{\"profile_id\":\"a\",\"event\":\"view\",\"ts\":\"soon\"}"}
OUT
}

@test "funnel: an expression that fails on a record rejects it" {
	printf '%s\n' '{"profile_id":"a","n":1e400,"ts":1}' >big.ndjson
	run_split cdp-report funnel -f csv --steps 'n > 1' -- big.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: big.ndjson:1: number out of range"
}
