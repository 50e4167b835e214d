#!/usr/bin/env bats
# cdp-journey: stages over several runs with state, abandoned cart at the
# window's edge, consent, caps, suppression, quiet hours across midnight,
# a date line and DST changes, idempotent re-runs and bad state/journeys.

load helper

D="$BATS_TEST_DIRNAME/cdp-journey"

setup() {
	W="$BATS_TEST_TMPDIR"
}

@test "abandoned cart: a purchase at exactly 2h cancels, one second later does not" {
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --dry-run "$D/events.ndjson"
	assert_success
	assert_output "$(cat "$D/dry.out")"
}

@test "stages over runs: deferred while the window is open, sent when it ends, nothing twice" {
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T12:00:00Z \
	    --state "$W/s" "$D/events.ndjson" > "$W/o1"
	diff "$D/run1.out" "$W/o1"
	diff "$D/state1.ndjson" "$W/s"
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" "$D/events.ndjson" > "$W/o2"
	diff "$D/run2.out" "$W/o2"
	diff "$D/state2.ndjson" "$W/s"
	# The same input, state and --as-of again: no new decision.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" "$D/events.ndjson"
	assert_success
	assert_output ""
	diff "$D/state2.ndjson" "$W/s"
	# A later churn event takes p2 out of the journey.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T16:00:00Z \
	    --state "$W/s" --stats "$D/events.ndjson" "$D/later.ndjson"
	assert_success
	assert_output ""
	assert_equal "$(stats_core "$stderr")" '{"read":11,"used":10,"rejected":0,"skipped":1,"profiles":4,"sent":0,"stage.none":2,"stage.awareness":0,"stage.cart":1,"stage.customer":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0}'
	run grep -c '"profile_id":"p2","stage":null' "$W/s"
	assert_output 1
}

@test "--state-out leaves --state alone; --dry-run writes no state" {
	cp "$D/state1.ndjson" "$W/s"
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" --state-out "$W/s2" "$D/events.ndjson" > /dev/null
	diff "$D/state1.ndjson" "$W/s"
	diff "$D/state2.ndjson" "$W/s2"
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" --dry-run "$D/events.ndjson" > /dev/null
	diff "$D/state1.ndjson" "$W/s"
}

@test "caps across actions, missing consent, suppression, with --stats" {
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 \
	    --cap email:2/7d --suppress "$D/suppress.txt" --dry-run --stats \
	    "$D/caps.ndjson"
	assert_success
	assert_output "$(cat "$D/caps.out")"
	assert_equal "$(stats_core "$stderr")" '{"read":7,"used":7,"rejected":0,"skipped":0,"profiles":3,"sent":3,"stage.none":0,"stage.all":3,"skip.no_consent":1,"skip.capped":1,"skip.suppressed":1,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0}'
}

@test "quiet hours across midnight, the date line and both DST changes" {
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 \
	    --quiet 21:00-08:00 "$D/quiet.ndjson"
	assert_success
	assert_output "$(cat "$D/quiet.out")"
}

@test "--default-tz applies to profiles without tz" {
	printf '%s\n' '{"profile_id":"z","ts":"2026-03-01T05:00:00Z","event":"promo","consent":{"email":true}}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 \
	    --quiet 21:00-08:00 --default-tz Asia/Tokyo "$W/in"
	assert_success
	assert_output '{"profile_id":"z","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T05:00:00Z","reason":"trigger"}'
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 \
	    --quiet 21:00-08:00 "$W/in"
	assert_output '{"profile_id":"z","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T08:00:00Z","reason":"quiet_hours"}'
}

@test "a corrupted state file stops the run (65) and is not overwritten" {
	head -1 "$D/state1.ndjson" > "$W/s"
	echo '{"profile_id":"p2","stage":"cart",' >> "$W/s"
	cp "$W/s" "$W/s.orig"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" -o "$W/out" "$D/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/s:2: bad state: string or '}' expected near end of file"
	cmp "$W/s" "$W/s.orig"
	assert_file_not_exists "$W/out"
	echo '{"profile_id":"p2","stage":"nowhere"}' > "$W/s"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" "$D/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/s:1: bad state: unknown stage"
}

@test "bad journey files are data errors (65) naming the place" {
	printf '[{"name": "a",\n "actions": [}]\n' > "$W/j1"
	run_split cdp-journey -j "$W/j1" --as-of 2026-01-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/j1:2:14: unexpected token near '}'"
	echo '[{"name":"a","actions":[{"name":"x","channel":"fax","template":"t"}]}]' > "$W/j2"
	run_split cdp-journey -j "$W/j2" --as-of 2026-01-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" 'cdp-journey: '"$W"'/j2:1: stage "a" action "x": channel must be email, sms, push or ads'
	echo '[{"name":"a","entry":"event ==","actions":[]}]' > "$W/j3"
	run_split cdp-journey -j "$W/j3" --as-of 2026-01-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" 'cdp-journey: '"$W"'/j3:1: stage "a" "entry":1:9: expected a value'
	echo '[{"name":"a","actions":[{"name":"x","channel":"sms","template":"t","within":"2h"}]}]' > "$W/j4"
	run_split cdp-journey -j "$W/j4" --as-of 2026-01-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" 'cdp-journey: '"$W"'/j4:1: stage "a" action "x": "within" needs "unless"'
	# a journey written over many lines: the line of the bad member
	printf '[\n {"name": "a",\n  "actions": [\n   {"name": "x",\n    "channel": "sms",\n    "template": "t",\n    "wait": "soon"}\n  ]}\n]\n' > "$W/j5"
	run_split cdp-journey -j "$W/j5" --as-of 2026-01-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" 'cdp-journey: '"$W"'/j5:7: stage "a" action "x": "wait": bad duration (like 30m, 2h, 7d)'
	run_split cdp-journey -j "$W/none" --as-of 2026-01-01 /dev/null
	assert_failure 66
}

@test "usage errors exit 64" {
	run_split cdp-journey --as-of 2026-01-01 /dev/null
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --journey is required"
	run_split cdp-journey -j "$D/promo.json" /dev/null
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --as-of is required"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 --cap fax:1/1d /dev/null
	assert_failure 64
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 --quiet 25:00-08:00 /dev/null
	assert_failure 64
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 --default-tz Mars/Base /dev/null
	assert_failure 64
}

@test "bad times and zones are rejected with file:line, or counted with --rejects" {
	printf '%s\n' '{"profile_id":"a","ts":"yesterday"}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 "$W/in"
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/in:1: bad time in ts"
	printf '%s\n' '{"profile_id":"a","ts":"2025-01-01","tz":"Mars/Base"}' \
	    '{"profile_id":"a","ts":"2025-01-02","event":"promo","consent":{"email":true}}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 \
	    --rejects "$W/rej" --stats "$W/in"
	assert_success
	assert_output '{"profile_id":"a","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2025-01-02T00:00:00Z","reason":"trigger"}'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":1,"skipped":0,"profiles":1,"sent":1,"stage.none":0,"stage.all":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0}'
}

@test "next best action: priority, then --score FIELD.<action>, then name" {
	cat > "$W/j" <<'J'
[{"name":"s","actions":[
 {"name":"b","channel":"email","template":"tb","priority":1},
 {"name":"a","channel":"email","template":"ta","priority":1},
 {"name":"c","channel":"sms","template":"tc","priority":0}]}]
J
	printf '%s\n' '{"profile_id":"x","ts":"2026-01-01T12:00:00Z","consent":{"email":true,"sms":true},"nba":{"a":0.1,"b":0.7}}' > "$W/in"
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 "$W/in"
	assert_output '{"profile_id":"x","stage":"s","action":"a","channel":"email","template":"ta","send_at":"2026-01-01T12:00:00Z","reason":"entry"}'
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --score nba "$W/in"
	assert_output '{"profile_id":"x","stage":"s","action":"b","channel":"email","template":"tb","send_at":"2026-01-01T12:00:00Z","reason":"entry"}'
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --cap email:0/1d "$W/in"
	assert_output '{"profile_id":"x","stage":"s","action":"c","channel":"sms","template":"tc","send_at":"2026-01-01T12:00:00Z","reason":"entry"}'
}

@test "an action is sent once per profile, or again after its repeat gap" {
	cat > "$W/j" <<'J'
[{"name":"s","actions":[
 {"name":"once","channel":"email","template":"t1","when":"event == \"a\""},
 {"name":"daily","channel":"sms","template":"t2","when":"event == \"b\"","repeat":"1d"}]}]
J
	cat > "$W/in" <<'I'
{"profile_id":"x","consent":{"email":true,"sms":true}}
{"profile_id":"x","ts":"2026-01-01T09:00:00Z","event":"a"}
{"profile_id":"x","ts":"2026-01-01T10:00:00Z","event":"b"}
{"profile_id":"x","ts":"2026-01-01T22:00:00Z","event":"b"}
{"profile_id":"x","ts":"2026-01-02T10:00:00Z","event":"b"}
{"profile_id":"x","ts":"2026-01-03T09:00:00Z","event":"a"}
I
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --dry-run "$W/in"
	assert_success
	assert_output - <<'O'
{"profile_id":"x","stage":"s","action":"once","channel":"email","template":"t1","send_at":"2026-01-01T09:00:00Z","reason":"trigger","send":true}
{"profile_id":"x","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-01T10:00:00Z","reason":"trigger","send":true}
{"profile_id":"x","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-01T22:00:00Z","reason":"already_sent","send":false}
{"profile_id":"x","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-02T10:00:00Z","reason":"trigger","send":true}
{"profile_id":"x","stage":"s","action":"once","channel":"email","template":"t1","send_at":"2026-01-03T09:00:00Z","reason":"already_sent","send":false}
O
}

@test "numeric ids and epoch times, standard input, events after --as-of skipped" {
	printf '%s\n' '{"profile_id":7,"ts":1767261600,"event":"promo","consent":{"email":true}}' \
	    '{"profile_id":7,"ts":1767265200,"event":"promo"}' \
	    '{"profile_id":7,"ts":1900000000,"event":"promo"}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-02-01 --stats - \
	    < "$W/in"
	assert_success
	assert_output - <<'O'
{"profile_id":7,"stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-01-01T10:00:00Z","reason":"trigger"}
{"profile_id":7,"stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-01-01T11:00:00Z","reason":"trigger"}
O
	assert_equal "$(stats_core "$stderr")" '{"read":3,"used":2,"rejected":0,"skipped":1,"profiles":1,"sent":2,"stage.none":0,"stage.all":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0}'
}

@test "a failed write exits 74" {
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    -o /dev/full "$D/events.ndjson"
	assert_failure 74
}
