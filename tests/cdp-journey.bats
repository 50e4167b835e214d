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
	assert_equal "$(stats_core "$stderr")" '{"read":11,"used":10,"rejected":0,"skipped":1,"profiles":4,"sent":0,"stage.none":2,"stage.awareness":0,"stage.cart":1,"stage.customer":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0,"skip.holdout":0,"skip.stale":0,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
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
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 --max-age none \
	    --cap email:2/7d --suppress "$D/suppress.txt" --dry-run --stats \
	    "$D/caps.ndjson"
	assert_success
	assert_output "$(cat "$D/caps.out")"
	assert_equal "$(stats_core "$stderr")" '{"read":7,"used":7,"rejected":0,"skipped":0,"profiles":3,"sent":3,"stage.none":0,"stage.all":3,"skip.no_consent":1,"skip.capped":1,"skip.suppressed":1,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0,"skip.holdout":0,"skip.stale":0,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
}

@test "quiet hours across midnight, the date line and both DST changes" {
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 --max-age none \
	    --quiet 21:00-08:00 "$D/quiet.ndjson"
	assert_success
	assert_output "$(cat "$D/quiet.out")"
}

@test "--default-tz applies to profiles without tz" {
	printf '%s\n' '{"profile_id":"z","ts":"2026-03-01T05:00:00Z","event":"promo","consent":{"email":true}}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 --max-age none \
	    --quiet 21:00-08:00 --default-tz Asia/Tokyo "$W/in"
	assert_success
	assert_output '{"profile_id":"z","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T05:00:00Z","reason":"trigger","arm":"treatment","sent":true}'
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-12-01 --max-age none \
	    --quiet 21:00-08:00 "$W/in"
	assert_output '{"profile_id":"z","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T08:00:00Z","reason":"quiet_hours","arm":"treatment","sent":true}'
}

@test "a corrupted state file stops the run (65) and is not overwritten" {
	head -1 "$D/state1.ndjson" > "$W/s"
	echo '{"profile_id":"p2","journey":"promo","stage":"cart",' >> "$W/s"
	cp "$W/s" "$W/s.orig"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" -o "$W/out" "$D/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/s:2: bad state: string or '}' expected near end of file"
	cmp "$W/s" "$W/s.orig"
	assert_file_not_exists "$W/out"
	echo '{"profile_id":"p2","journey":"promo","stage":"nowhere"}' > "$W/s"
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
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-01-01 --max-age none \
	    --rejects "$W/rej" --stats "$W/in"
	assert_success
	assert_output '{"profile_id":"a","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2025-01-02T00:00:00Z","reason":"trigger","arm":"treatment","sent":true}'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":1,"skipped":0,"profiles":1,"sent":1,"stage.none":0,"stage.all":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0,"skip.holdout":0,"skip.stale":0,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
}

@test "next best action: priority, then --score FIELD.<action>, then name" {
	cat > "$W/j" <<'J'
[{"name":"s","actions":[
 {"name":"b","channel":"email","template":"tb","priority":1},
 {"name":"a","channel":"email","template":"ta","priority":1},
 {"name":"c","channel":"sms","template":"tc","priority":0}]}]
J
	printf '%s\n' '{"profile_id":"x","ts":"2026-01-01T12:00:00Z","consent":{"email":true,"sms":true},"nba":{"a":0.1,"b":0.7}}' > "$W/in"
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --max-age none "$W/in"
	assert_output '{"profile_id":"x","journey":"j","stage":"s","action":"a","channel":"email","template":"ta","send_at":"2026-01-01T12:00:00Z","reason":"entry","arm":"treatment","sent":true}'
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --max-age none --score nba "$W/in"
	assert_output '{"profile_id":"x","journey":"j","stage":"s","action":"b","channel":"email","template":"tb","send_at":"2026-01-01T12:00:00Z","reason":"entry","arm":"treatment","sent":true}'
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --max-age none --cap email:0/1d "$W/in"
	assert_output '{"profile_id":"x","journey":"j","stage":"s","action":"c","channel":"sms","template":"tc","send_at":"2026-01-01T12:00:00Z","reason":"entry","arm":"treatment","sent":true}'
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
	run_split cdp-journey -j "$W/j" --as-of 2026-02-01 --max-age none --dry-run "$W/in"
	assert_success
	assert_output - <<'O'
{"profile_id":"x","journey":"j","stage":"s","action":"once","channel":"email","template":"t1","send_at":"2026-01-01T09:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":"x","journey":"j","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-01T10:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":"x","journey":"j","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-01T22:00:00Z","reason":"already_sent","arm":"treatment","sent":false}
{"profile_id":"x","journey":"j","stage":"s","action":"daily","channel":"sms","template":"t2","send_at":"2026-01-02T10:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":"x","journey":"j","stage":"s","action":"once","channel":"email","template":"t1","send_at":"2026-01-03T09:00:00Z","reason":"already_sent","arm":"treatment","sent":false}
O
}

@test "numeric ids and epoch times, standard input, events after --as-of skipped" {
	printf '%s\n' '{"profile_id":7,"ts":1767261600,"event":"promo","consent":{"email":true}}' \
	    '{"profile_id":7,"ts":1767265200,"event":"promo"}' \
	    '{"profile_id":7,"ts":1900000000,"event":"promo"}' > "$W/in"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-02-01 --max-age none --stats - \
	    < "$W/in"
	assert_success
	assert_output - <<'O'
{"profile_id":7,"journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-01-01T10:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":7,"journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-01-01T11:00:00Z","reason":"trigger","arm":"treatment","sent":true}
O
	assert_equal "$(stats_core "$stderr")" '{"read":3,"used":2,"rejected":0,"skipped":1,"profiles":1,"sent":2,"stage.none":0,"stage.all":1,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":0,"skip.pending":0,"skip.holdout":0,"skip.stale":0,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
}

@test "a failed write exits 74" {
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    -o /dev/full "$D/events.ndjson"
	assert_failure 74
}

# --- history, re-entry and exit (issue 15.6) --------------------------------

@test "a first run over old history sends nothing: each decision is listed as stale" {
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-20 \
	    "$D/events.ndjson"
	assert_success
	assert_output ""
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-20 \
	    --dry-run --stats "$D/events.ndjson"
	assert_success
	assert_equal "$(grep -c '"reason":"stale","arm":"treatment","sent":false' <<<"$output")" 8
	assert_equal "$(grep -c '"reason":"cancelled"' <<<"$output")" 2
	assert_equal "$(stats_core "$stderr")" '{"read":9,"used":8,"rejected":0,"skipped":1,"profiles":3,"sent":0,"stage.none":0,"stage.awareness":0,"stage.cart":1,"stage.customer":2,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":0,"skip.cancelled":2,"skip.pending":0,"skip.holdout":0,"skip.stale":8,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
	# --max-age reaches back as far as asked; "none" is no limit.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-20 \
	    --max-age 30d "$D/events.ndjson"
	assert_output "$(cat "$D/run1.out" "$D/run2.out" | sort)"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-20 \
	    --max-age 18d "$D/events.ndjson"
	assert_output ""
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-20 \
	    --max-age none "$D/events.ndjson"
	assert_output "$(cat "$D/run1.out" "$D/run2.out" | sort)"
}

@test "re-entry after a gap: a second cart weeks later gets the reminder again, one within the gap is listed" {
	local a
	for a in 2026-03-01T14:00:00Z 2026-03-02T12:00:00Z 2026-03-06 2026-03-21
	do
		cdp-journey -j "$D/car14.json" --as-of "$a" --state "$W/s" \
		    --log "$W/l" "$D/reentry.ndjson" > /dev/null
		cat "$W/l" >> "$W/log"
	done
	diff "$D/reentry.out" "$W/log"
	# Without a rule a profile never moves back, and the log says so.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-21 \
	    --max-age none --dry-run "$D/reentry.ndjson"
	assert_output "$(cat "$D/noreentry.out")"
	assert_equal "$(grep -c '"reason":"no_reentry"' "$D/noreentry.out")" 4
}

@test "reentry never: a profile that left the journey does not come back" {
	sed 's/"name": "car",/"name": "car", "reentry": "never",/' \
	    "$D/journey.json" > "$W/j"
	printf '%s\n' '{"profile_id":"x","consent":{"email":true,"push":true}}' \
	    '{"profile_id":"x","ts":"2026-03-01T10:00:00Z","event":"purchase"}' \
	    '{"profile_id":"x","ts":"2026-03-02T10:00:00Z","event":"churn"}' \
	    '{"profile_id":"x","ts":"2026-03-03T10:00:00Z","event":"view"}' > "$W/in"
	run_split cdp-journey -j "$W/j" --as-of 2026-03-04 --max-age none \
	    --dry-run "$W/in"
	assert_output - <<'O'
{"profile_id":"x","journey":"car","stage":"customer","action":"thanks","channel":"push","template":"thanks-1","send_at":"2026-03-01T10:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"x","journey":"car","stage":"awareness","action":"welcome","channel":"email","template":"welcome-1","send_at":"2026-03-03T10:00:00Z","reason":"no_reentry","arm":"treatment","sent":false}
O
	# By default a profile may enter again after it left.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-04 \
	    --max-age none "$W/in"
	assert_line -n 1 '{"profile_id":"x","journey":"car","stage":"awareness","action":"welcome","channel":"email","template":"welcome-1","send_at":"2026-03-03T10:00:00Z","reason":"entry","arm":"treatment","sent":true}'
}

@test "the journey's exit ends it: waiting steps are not sent (exited), in one run or over many" {
	run_split cdp-journey -j "$D/winback.json" --as-of 2026-01-16 \
	    --max-age none --dry-run "$D/winback.ndjson"
	assert_success
	assert_output "$(cat "$D/winback.out")"
	assert_equal "$(grep -c '"profile_id":"c".*"reason":"exited"' "$D/winback.out")" 2
}

# --- sends that do not depend on the schedule (issue 26) ---------------------

# daily JOURNEY: runs on January 2nd to 16th over winback.ndjson with the
# state between them; their sends in $W/daily.
daily() {
	local d
	for d in 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do
		cdp-journey -j "$1" --as-of "2026-01-$d" --state "$W/s" \
		    "$D/winback.ndjson" >> "$W/daily"
	done
}

@test "steps of a sequence each go out at their wait: one run at day 15 and 15 daily runs send the same" {
	cdp-journey -j "$D/winback.json" --as-of 2026-01-16 --max-age none \
	    "$D/winback.ndjson" > "$W/once"
	daily "$D/winback.json"
	assert_equal "$(sort "$W/daily")" "$(sort "$W/once")"
	assert_equal "$(grep -c '"sent":true' "$W/once")" 4
	assert_equal "$(grep '"profile_id":"a"' "$W/once" | grep -c '"action":"wb_')" 2
}

@test "alternatives with different waits compete once, when all are due: one run and daily runs send one message" {
	run_split cdp-journey -j "$D/alt.json" --as-of 2026-01-16 --max-age none \
	    --dry-run "$D/winback.ndjson"
	assert_output - <<'O'
{"profile_id":"a","journey":"remind","stage":"lapsed","action":"email_7d","channel":"email","template":"r-1","send_at":"2026-01-15T10:00:00Z","reason":"not_best","arm":"treatment","sent":false}
{"profile_id":"a","journey":"remind","stage":"lapsed","action":"sms_14d","channel":"sms","template":"r-2","send_at":"2026-01-15T10:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"b","journey":"remind","stage":"lapsed","action":"email_7d","channel":"email","template":"r-1","send_at":"2026-01-15T10:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"b","journey":"remind","stage":"lapsed","action":"sms_14d","channel":"sms","template":"r-2","send_at":"2026-01-15T10:00:00Z","reason":"cancelled","arm":"treatment","sent":false}
{"profile_id":"c","journey":"remind","stage":"lapsed","action":"email_7d","channel":"email","template":"r-1","send_at":"2026-01-15T10:00:00Z","reason":"not_best","arm":"treatment","sent":false}
{"profile_id":"c","journey":"remind","stage":"lapsed","action":"sms_14d","channel":"sms","template":"r-2","send_at":"2026-01-15T10:00:00Z","reason":"entry","arm":"treatment","sent":true}
O
	cdp-journey -j "$D/alt.json" --as-of 2026-01-16 --max-age none \
	    "$D/winback.ndjson" > "$W/once"
	daily "$D/alt.json"
	assert_equal "$(sort "$W/daily")" "$(sort "$W/once")"
	# Waiting for the group is in the state, with the time it is due.
	cdp-journey -j "$D/alt.json" --as-of 2026-01-09 --state-out "$W/s9" \
	    "$D/winback.ndjson" > /dev/null
	run grep -c '"decide_at":"2026-01-15T10:00:00Z"' "$W/s9"
	assert_output 3
}

@test "rules see the profile's fields; the event's own field wins; a field in no record is a warning (65 with --strict)" {
	run_split cdp-journey -j "$D/vip.json" --as-of 2026-03-02 --dry-run \
	    "$D/vip.ndjson"
	assert_success
	assert_output - <<'O'
{"profile_id":"a","journey":"vip","stage":"cart","action":"vip_cart","channel":"email","template":"vip-1","send_at":"2026-03-01T11:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"d","journey":"vip","stage":"cart","action":"vip_cart","channel":"email","template":"vip-1","send_at":"2026-03-01T11:00:00Z","reason":"cancelled","arm":"treatment","sent":false}
O
	assert_equal "$stderr" ""
	sed 's/churn_risk/churn_rsk/' "$D/vip.json" > "$W/vip.json"
	run_split cdp-journey -j "$W/vip.json" --as-of 2026-03-02 "$D/vip.ndjson"
	assert_success
	assert_output '{"profile_id":"a","journey":"vip","stage":"cart","action":"vip_cart","channel":"email","template":"vip-1","send_at":"2026-03-01T11:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"d","journey":"vip","stage":"cart","action":"vip_cart","channel":"email","template":"vip-1","send_at":"2026-03-01T11:00:00Z","reason":"entry","arm":"treatment","sent":true}'
	assert_equal "$stderr" "cdp-journey: $W/vip.json:5: stage \"cart\" action \"vip_cart\" \"unless\": no record has field \"churn_rsk\""
	run_split cdp-journey -j "$W/vip.json" --as-of 2026-03-02 --strict \
	    -o "$W/out" "$D/vip.ndjson"
	assert_failure 65
	assert_equal "${stderr##*$'\n'}" "cdp-journey: a rule reads a field that no record has (--strict)"
	assert_file_not_exists "$W/out"
}

@test "start and --since: events before them move the profile but never act" {
	sed 's/"name": "car",/"name": "car", "start": "2026-03-01T10:30:00Z",/' \
	    "$D/journey.json" > "$W/j"
	run_split cdp-journey -j "$W/j" --as-of 2026-03-01T14:00:00Z --dry-run \
	    "$D/events.ndjson"
	assert_success
	assert_line -n 0 '{"profile_id":"p1","journey":"car","stage":"awareness","action":"welcome","channel":"email","template":"welcome-1","send_at":"2026-03-01T10:00:00Z","reason":"before_start","arm":"treatment","sent":false}'
	assert_line -n 1 '{"profile_id":"p1","journey":"car","stage":"cart","action":"cart_email","channel":"email","template":"cart-1","send_at":"2026-03-01T13:00:00Z","reason":"trigger","arm":"treatment","sent":true}'
	# --since says the same from the command line, and wins over start.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --since 2026-03-01T10:30:00Z --dry-run "$D/events.ndjson"
	assert_output "$(cdp-journey -j "$W/j" --as-of 2026-03-01T14:00:00Z --dry-run "$D/events.ndjson")"
	run_split cdp-journey -j "$W/j" --as-of 2026-03-01T14:00:00Z \
	    --since 2026-03-01T12:00:00Z --stats "$D/events.ndjson"
	assert_output ""
	assert_equal "$(grep -o '"skip.before_start":[0-9]*' <<<"$stderr")" '"skip.before_start":8'
	sed 's/"name": "car",/"name": "car", "start": "soon",/' \
	    "$D/journey.json" > "$W/j"
	run_split cdp-journey -j "$W/j" --as-of 2026-03-01 /dev/null
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/j:2: journey: \"start\": not a date or datetime"
}

@test "--log: every decision of the run once, sent or not, none pending; over runs each appears once" {
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T12:00:00Z \
	    --state "$W/s" --log "$W/l1" "$D/events.ndjson" > "$W/o1"
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" --log "$W/l2" "$D/events.ndjson" > "$W/o2"
	diff "$D/dry.out" <(sort -s -t, -k1,1 "$W/l1" "$W/l2")
	assert_equal "$(cat "$W/o1" "$W/o2")" "$(grep '"sent":true' "$W/l1" "$W/l2" | cut -d: -f2-)"
	# A dry run writes no log.
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --log "$W/l3" --dry-run "$D/events.ndjson"
	assert_success
	assert_file_not_exists "$W/l3"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --log /nonexistent/dir/log "$D/events.ndjson"
	assert_failure 73
}

@test "events of a profile at one time are all walked: a view and a cart in the same second" {
	printf '%s\n' '{"profile_id":"c1","consent":{"email":true,"sms":true}}' \
	    '{"profile_id":"c1","ts":"2026-03-01T10:00:00Z","event":"view"}' \
	    '{"profile_id":"c1","ts":"2026-03-01T10:00:00Z","event":"cart"}' > "$W/in"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    "$W/in"
	assert_output - <<'O'
{"profile_id":"c1","journey":"car","stage":"awareness","action":"welcome","channel":"email","template":"welcome-1","send_at":"2026-03-01T10:00:00Z","reason":"entry","arm":"treatment","sent":true}
{"profile_id":"c1","journey":"car","stage":"cart","action":"cart_email","channel":"email","template":"cart-1","send_at":"2026-03-01T12:00:00Z","reason":"trigger","arm":"treatment","sent":true}
O
	# Fed again, they are history: nothing moves twice.
	cdp-journey -j "$D/journey.json" --as-of 2026-03-01T14:00:00Z \
	    --state "$W/s" "$W/in" > /dev/null
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T15:00:00Z \
	    --state "$W/s" "$W/in"
	assert_output ""
}

@test "consent withdrawn after a decision's time but before the run that makes it: not sent" {
	printf '%s\n' '{"profile_id":"x","ts":"2026-03-01T09:00:00Z","event":"promo","consent":{"email":true}}' \
	    '{"profile_id":"x","ts":"2026-03-01T14:00:00Z","event":"other","consent":{"email":false}}' > "$W/in"
	# The nightly run comes after the withdrawal: the message would go
	# out now, without consent.
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-02 --dry-run \
	    "$W/in"
	assert_output '{"profile_id":"x","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T09:00:00Z","reason":"no_consent","arm":"treatment","sent":false}'
	# An hourly run before it sent it while it could.
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-01T10:00:00Z \
	    "$W/in"
	assert_output '{"profile_id":"x","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-01T09:00:00Z","reason":"trigger","arm":"treatment","sent":true}'
}

@test "a profile of cdp-merge --profiles is a profile record, whatever time field its survivors hold" {
	# The profile holds the survivors of its events' fields (a ts, an
	# event) and its consent: it gives the attributes, it is no event.
	printf '%s\n' \
	    '{"profile_id":"p","ts":"2026-03-01T10:00:00Z","event":"cart"}' \
	    '{"profile_id":"p","email":"a@example.com","ts":"2026-03-01T10:00:00Z","event":"cart","consent":{"email":true},"_sources":["crm","web"],"_records":2}' \
	    '{"profile_id":"q","ts":"2026-03-01T11:00:00Z","event":"cart","consent":{"email":true},"_sources":["web"],"_records":1}' \
	    > "$W/in.ndjson"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-02 \
	    --dry-run --stats "$W/in.ndjson"
	assert_success
	assert_output '{"profile_id":"p","journey":"car","stage":"cart","action":"cart_email","channel":"email","template":"cart-1","send_at":"2026-03-01T12:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":"p","journey":"car","stage":"cart","action":"cart_sms","channel":"sms","template":"cart-sms","send_at":"2026-03-01T12:00:00Z","reason":"not_best","arm":"treatment","sent":false}'
	assert_equal "$(stats_core "$stderr")" '{"read":3,"used":3,"rejected":0,"skipped":0,"profiles":2,"sent":1,"stage.none":1,"stage.awareness":0,"stage.cart":1,"stage.customer":0,"skip.no_consent":0,"skip.capped":0,"skip.suppressed":0,"skip.already_sent":0,"skip.not_best":1,"skip.cancelled":0,"skip.pending":0,"skip.holdout":0,"skip.stale":0,"skip.before_start":0,"skip.no_reentry":0,"skip.reentry_gap":0,"skip.exited":0}'
}

@test "--id-map: the state of a profile that joined another follows it, so nothing is sent to the person twice" {
	# Night 1: a@x.com logs in and is welcomed; a phone browses.
	printf '%s\n' '{"name":"w","stages":[{"name":"known","entry":"type == \"login\"","actions":[{"name":"welcome","channel":"email","template":"w"}]}]}' >"$W/j.json"
	printf '%s\n' \
	    '{"profile_id":"pa","ts":"2026-03-01T10:00:00Z","type":"login","consent":{"email":true}}' \
	    '{"profile_id":"pb","ts":"2026-03-01T11:00:00Z","type":"view"}' >"$W/d1.ndjson"
	run_split cdp-journey -j "$W/j.json" --as-of 2026-03-02 \
	    --state "$W/st" "$W/d1.ndjson"
	assert_success
	assert_output --partial '"profile_id":"pa","journey":"w","stage":"known","action":"welcome"'
	# Night 2: a record links a@x.com to the phone; cdp-merge keeps pb
	# (more records) and says pa went there.  The person logs in again.
	printf '%s\n' '{"profile_id":"pb","ts":"2026-03-02T10:00:00Z","type":"login","consent":{"email":true}}' >"$W/d2.ndjson"
	printf '%s\n' '{"from":"pa","to":"pb"}' >"$W/map.ndjson"
	cp "$W/st" "$W/st1"
	run_split cdp-journey -j "$W/j.json" --as-of 2026-03-03 \
	    --state "$W/st" --id-map "$W/map.ndjson" --log "$W/log" "$W/d2.ndjson"
	assert_success
	assert_output ""
	run cat "$W/log"
	assert_output '{"profile_id":"pb","journey":"w","stage":"known","action":"welcome","channel":"email","template":"w","send_at":"2026-03-02T10:00:00Z","reason":"already_sent","arm":"treatment","sent":false}'
	# pa is gone from the state; pb has what pa was sent and said.
	run cat "$W/st"
	assert_output '{"profile_id":"pb","stage":"known","cursor":"2026-03-02T10:00:00Z","entered":"2026-03-02T10:00:00Z","consent":{},"consent_timed":{"email":["2026-03-02T10:00:00Z",true]},"sent":{"welcome":"2026-03-01T10:00:00Z"},"channels":{"email":["2026-03-01T10:00:00Z"]},"pending":[]}'
	# Without the map the person is welcomed twice.
	run_split cdp-journey -j "$W/j.json" --as-of 2026-03-03 \
	    --state "$W/st1" --dry-run "$W/d2.ndjson"
	assert_output --partial '"profile_id":"pb","journey":"w","stage":"known","action":"welcome","channel":"email","template":"w","send_at":"2026-03-02T10:00:00Z","reason":"entry","arm":"treatment","sent":true}'
}

@test "--id-map: sends, channels, consent, zone and pending actions of both join; the survivor's stage and cursor stay" {
	printf '%s\n' \
	    '{"profile_id":"a","stage":"cart","cursor":"2026-03-01T12:00:00Z","entered":"2026-03-01T09:00:00Z","consent":{"sms":false},"consent_timed":{"email":["2026-03-01T09:00:00Z",true],"sms":["2026-03-01T08:00:00Z",true]},"tz":"Europe/Warsaw","sent":{"cart_email":"2026-03-01T11:00:00Z","welcome":"2026-02-01T10:00:00Z"},"channels":{"email":["2026-03-01T11:00:00Z"]},"pending":[{"action":"cart_sms","trigger":"2026-03-01T11:30:00Z","entered":"2026-03-01T09:00:00Z"}]}' \
	    '{"profile_id":"b","stage":"awareness","cursor":"2026-03-01T10:00:00Z","entered":"2026-03-01T10:00:00Z","consent":{"email":true},"consent_timed":{"sms":["2026-03-01T09:30:00Z",false]},"sent":{"welcome":"2026-03-01T10:00:00Z"},"channels":{"email":["2026-03-01T10:00:00Z"],"push":["2026-02-28T10:00:00Z"]},"pending":[]}' \
	    '{"profile_id":"c","stage":null,"cursor":null,"consent":{},"sent":{},"channels":{},"pending":[]}' \
	    >"$W/st"
	printf '%s\n' '{"from":"a","to":"b"}' '{"from":"c","to":"d"}' >"$W/map"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-01T13:00:00Z \
	    --state "$W/st" --state-out "$W/st2" --id-map "$W/map" /dev/null
	assert_success
	run cat "$W/st2"
	assert_output - <<'O'
{"profile_id":"b","stage":"awareness","cursor":"2026-03-01T10:00:00Z","entered":"2026-03-01T10:00:00Z","consent":{"email":true,"sms":false},"consent_timed":{"email":["2026-03-01T09:00:00Z",true],"sms":["2026-03-01T09:30:00Z",false]},"tz":"Europe/Warsaw","sent":{"welcome":"2026-03-01T10:00:00Z","cart_email":"2026-03-01T11:00:00Z"},"channels":{"email":["2026-03-01T10:00:00Z","2026-03-01T11:00:00Z"],"push":["2026-02-28T10:00:00Z"]},"pending":[{"action":"cart_sms","trigger":"2026-03-01T11:30:00Z","entered":"2026-03-01T09:00:00Z"}]}
{"profile_id":"d","stage":null,"cursor":null,"consent":{},"sent":{},"channels":{},"pending":[]}
O
}

@test "--id-map: a map that does not parse is 65 with its line; a missing one 66; none with --follow" {
	printf '%s\n' '{"from":"a","to":"b"}' '{"from":"a"}' >"$W/map"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-02 \
	    --state "$W/st" --id-map "$W/map" /dev/null
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/map:2: bad id map: expected {\"from\":ID,\"to\":ID}"
	printf '%s\n' '{"from":"a","to":"b"}' '{"from":"a","to":"c"}' >"$W/map"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-02 \
	    --state "$W/st" --id-map "$W/map" /dev/null
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/map:2: bad id map: \"from\" given twice"
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-02 \
	    --state "$W/st" --id-map "$W/none" /dev/null
	assert_failure 66
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-03-02 \
	    --id-map "$W/map" /dev/null
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --id-map needs --state"
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/st" \
	    --log "$W/log" --id-map "$W/map" /dev/null
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --id-map is for runs in batch, not --follow"
}
