#!/usr/bin/env bats
# cdp-journey's means to measure a journey (issue 19): holdouts per
# journey and across all of them, A/B variants, both by a keyed hash of
# the profile id (shares, stickiness, independence, the same on shuffled
# and partitioned input); the decision records the lift report reads;
# send-time optimisation inside quiet hours; bad journey files.

load helper

D="$BATS_TEST_DIRNAME/cdp-journey"

setup() {
	W="$BATS_TEST_TMPDIR"
}

# share PATTERN FILE N LO HI: lines of FILE matching PATTERN make between
# LO and HI percent of N.
share() {
	local k
	k=$(grep -c -- "$1" "$2" || true)
	awk -v k="$k" -v n="$3" -v lo="$4" -v hi="$5" 'BEGIN {
		p = 100 * k / n
		if (p < lo || p > hi) {
			printf "%.2f%% outside [%s, %s]\n", p, lo, hi
			exit 1
		} }'
}

@test "decision records: treatment, variant and holdout records as the lift report reads them" {
	printf '%s\n' \
	    '{"profile_id":"u1","ts":"2026-03-01T10:00:00Z","event":"visit","consent":{"email":true,"sms":true}}' \
	    '{"profile_id":"u10","ts":"2026-03-01T10:00:00Z","event":"visit","consent":{"email":true}}' \
	    '{"profile_id":"u15","ts":"2026-03-01T10:00:00Z","event":"visit","consent":{"email":true}}' \
	    '{"profile_id":"u32","ts":"2026-03-01T10:00:00Z","event":"visit","consent":{"email":true}}' > "$W/in"
	run_split cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/log" \
	    "$W/in"
	assert_success
	assert_output '{"profile_id":"u1","journey":"promo","stage":"all","action":"offer","variant":"b","variant_share":0.3,"channel":"email","template":"offer-b","send_at":"2026-03-01T10:00:00Z","reason":"trigger","arm":"treatment","holdout_share":0.1,"sent":true}'
	run cat "$W/log"
	assert_output - <<'O'
{"profile_id":"u1","journey":"promo","stage":"all","action":"offer","variant":"b","variant_share":0.3,"channel":"email","template":"offer-b","send_at":"2026-03-01T10:00:00Z","reason":"trigger","arm":"treatment","holdout_share":0.1,"sent":true}
{"profile_id":"u10","journey":"promo","stage":"all","action":"offer","variant":"c","variant_share":0.2,"channel":"sms","template":"offer-sms","send_at":"2026-03-01T10:00:00Z","reason":"no_consent","arm":"treatment","holdout_share":0.1,"sent":false}
{"profile_id":"u15","journey":"promo","stage":"all","action":"offer","variant":"b","variant_share":0.3,"channel":"email","template":"offer-b","send_at":"2026-03-01T10:00:00Z","reason":"holdout","arm":"holdout","holdout":"journey","holdout_share":0.1,"sent":false}
{"profile_id":"u32","journey":"promo","stage":"all","action":"offer","variant":"a","variant_share":0.5,"channel":"email","template":"offer-a","send_at":"2026-03-01T10:00:00Z","reason":"holdout","arm":"holdout","holdout":"journey","holdout_share":0.1,"sent":false}
O
	# With a universal holdout the share is of being held out of this
	# journey at all: 1 - (1 - 5%)(1 - 10%).
	run_split cdp-journey -j "$D/ab.json" --as-of 2026-03-02 \
	    --universal-holdout 5% "$W/in"
	assert_output '{"profile_id":"u1","journey":"promo","stage":"all","action":"offer","variant":"b","variant_share":0.3,"channel":"email","template":"offer-b","send_at":"2026-03-01T10:00:00Z","reason":"trigger","arm":"treatment","holdout_share":0.145,"sent":true}'
}

@test "holdout and variant shares on 20,000 profiles; sticky over runs; journeys independent unless they share a key" {
	awk -v n=20000 -v ts=2026-03-01T10:00:00Z -f "$D/genprof.awk" > "$W/in"
	cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/l1" \
	    --state "$W/s" "$W/in" > /dev/null
	share '"arm":"holdout"' "$W/l1" 20000 9 11
	share '"variant":"a"' "$W/l1" 20000 48.5 51.5
	share '"variant":"b"' "$W/l1" 20000 28.5 31.5
	share '"variant":"c"' "$W/l1" 20000 18.5 21.5
	# A day later (the offer repeats daily) every profile keeps its arm
	# and its variant.
	sed 's/"template": "offer-a",/"template": "offer-a", "repeat": "1d",/' \
	    "$D/ab.json" > "$W/ab.json"
	awk -v n=20000 -v ts=2026-03-02T10:00:00Z -f "$D/genprof.awk" > "$W/in2"
	cdp-journey -j "$W/ab.json" --as-of 2026-03-03 --log "$W/l2" \
	    --state "$W/s" "$W/in2" > /dev/null
	[ "$(wc -l < "$W/l2")" -eq 20000 ]
	diff <(cut -d, -f1,5,10- "$W/l1") <(cut -d, -f1,5,10- "$W/l2")
	# Another journey holds out other profiles (about 10% of 10%) ...
	sed 's/"name": "promo"/"name": "promo2"/' "$D/ab.json" > "$W/p2.json"
	cdp-journey -j "$W/p2.json" --as-of 2026-03-02 --log "$W/l3" \
	    "$W/in" > /dev/null
	grep -o '"profile_id":"c[0-9]*".*"arm":"holdout"' "$W/l1" | cut -d, -f1 \
	    | sort > "$W/h1"
	grep -o '"profile_id":"c[0-9]*".*"arm":"holdout"' "$W/l3" | cut -d, -f1 \
	    | sort > "$W/h3"
	comm -12 "$W/h1" "$W/h3" > "$W/both"
	share . "$W/both" 20000 0.6 1.4
	# ... unless both name the same holdout_key.
	sed 's/"name": "promo"/"name": "promo2", "holdout_key": "promo"/' \
	    "$D/ab.json" > "$W/p3.json"
	cdp-journey -j "$W/p3.json" --as-of 2026-03-02 --log "$W/l4" \
	    "$W/in" > /dev/null
	grep -o '"profile_id":"c[0-9]*".*"arm":"holdout"' "$W/l4" | cut -d, -f1 \
	    | sort > "$W/h4"
	diff "$W/h1" "$W/h4"
}

@test "assignment is the same on a shuffled input and on a partitioned run" {
	awk -v n=5000 -v ts=2026-03-01T10:00:00Z -f "$D/genprof.awk" > "$W/in"
	cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/whole" \
	    --universal-holdout 5% --seed k1 "$W/in" > /dev/null
	shuf --random-source=<(yes) "$W/in" > "$W/shuf"
	cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/l" \
	    --universal-holdout 5% --seed k1 "$W/shuf" > /dev/null
	diff "$W/whole" "$W/l"
	cdp-partition -k profile_id --parts 4 -o "$W/parts" "$W/in"
	for p in "$W"/parts/part-*.ndjson; do
		cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$p.log" \
		    --universal-holdout 5% --seed k1 "$p" > /dev/null
	done
	diff "$W/whole" <(sort "$W"/parts/*.log)
}

@test "--seed keys the hashes; --universal-holdout holds a share out of every journey" {
	awk -v n=20000 -v ts=2026-03-01T10:00:00Z -f "$D/genprof.awk" > "$W/in"
	cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/l1" \
	    --universal-holdout 5% "$W/in" > /dev/null
	share '"holdout":"universal"' "$W/l1" 20000 4.3 5.7
	# Of the others, the journey's 10%.
	share '"holdout":"journey"' "$W/l1" 20000 8.3 10.7
	sed 's/"name": "promo"/"name": "other"/' "$D/ab.json" > "$W/other.json"
	cdp-journey -j "$W/other.json" --as-of 2026-03-02 --log "$W/l2" \
	    --universal-holdout 5% "$W/in" > /dev/null
	diff <(grep '"holdout":"universal"' "$W/l1" | cut -d, -f1) \
	    <(grep '"holdout":"universal"' "$W/l2" | cut -d, -f1)
	cdp-journey -j "$D/ab.json" --as-of 2026-03-02 --log "$W/l3" \
	    --universal-holdout 5% --seed other "$W/in" > /dev/null
	run cmp -s "$W/l1" "$W/l3"
	assert_failure
	share '"holdout":"universal"' "$W/l3" 20000 4.3 5.7
	run_split cdp-journey -j "$D/ab.json" --as-of 2026-03-02 \
	    --universal-holdout 100% --stats "$W/in"
	assert_output ""
	assert_equal "$(grep -o '"skip.holdout":[0-9]*' <<<"$stderr")" '"skip.holdout":20000'
}

@test "--send-time: each profile's best local hour, its weekday within --send-window; quiet hours win" {
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-03 \
	    --send-time sendtime --quiet 21:00-08:00 "$D/sendtime.ndjson"
	assert_success
	assert_output - <<'O'
{"profile_id":"a","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-02T17:00:00Z","reason":"send_time","arm":"treatment","sent":true}
{"profile_id":"b","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-03T07:00:00Z","reason":"quiet_hours","arm":"treatment","sent":true}
{"profile_id":"c","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-02T09:00:00Z","reason":"trigger","arm":"treatment","sent":true}
{"profile_id":"d","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-02T09:30:00Z","reason":"trigger","arm":"treatment","sent":true}
O
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-03 \
	    --send-time sendtime --send-window 7d "$D/sendtime.ndjson"
	assert_line -n 1 '{"profile_id":"b","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-02T22:00:00Z","reason":"send_time","arm":"treatment","sent":true}'
	assert_line -n 2 '{"profile_id":"c","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-06T09:00:00Z","reason":"send_time","arm":"treatment","sent":true}'
	# The hour is read in the zone cdp-score learnt it in, if it says.
	printf '%s\n' '{"profile_id":"e","tz":"Europe/Warsaw","sendtime_hour":18,"sendtime_tz":"UTC","consent":{"email":true}}' \
	    '{"profile_id":"e","ts":"2026-03-02T09:00:00Z","event":"promo"}' > "$W/tz"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-03 \
	    --send-time sendtime "$W/tz"
	assert_output '{"profile_id":"e","journey":"promo","stage":"all","action":"promo","channel":"email","template":"promo-1","send_at":"2026-03-02T18:00:00Z","reason":"send_time","arm":"treatment","sent":true}'
	printf '%s\n' '{"profile_id":"x","sendtime_hour":24}' \
	    '{"profile_id":"y","sendtime_hour":7,"sendtime_weekday":0}' > "$W/bad"
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-03 \
	    --send-time sendtime --rejects "$W/rej" --stats "$W/bad"
	assert_success
	run cut -d, -f1 "$W/rej"
	assert_output - <<'O'
{"_error":"send-time hour is not a whole number from 0 to 23"
{"_error":"send-time weekday is not a whole number from 1 to 7"
O
}

# bad SRC SED MESSAGE: the journey SRC edited by SED is refused with 65
# and "cdp-journey: FILE:MESSAGE".
bad() {
	sed "$2" "$D/$1" > "$W/j"
	run_split cdp-journey -j "$W/j" --as-of 2026-03-02 /dev/null
	assert_failure 65
	assert_equal "$stderr" "cdp-journey: $W/j:$3"
}

@test "bad journey files: shares over 100%, a variant without weight, a window that is not a duration (65, FILE:LINE)" {
	bad ab.json 's/"holdout": "10%"/"holdout": "110%"/' \
	    '2: journey: "holdout": share over 100%'
	bad ab.json 's/"weight": "30%"/"weight": "60%"/' \
	    '6: stage "all" action "offer": variant shares add up to 130%, over 100%'
	bad ab.json 's/"weight": 0.2, //' \
	    '8: stage "all" action "offer" variant "c": "weight" is required (a share like 50%)'
	bad ab.json 's/"weight": 0.2/"weight": 0.1/' \
	    '6: stage "all" action "offer": variant shares add up to 90%, not 100%'
	bad ab.json 's/"weight": 0.2/"weight": "0%"/' \
	    '8: stage "all" action "offer" variant "c": "weight" must be more than 0'
	bad alt.json 's/"within": "7d"/"within": "a week"/' \
	    '5: stage "lapsed" action "email_7d": "within": bad duration (like 30m, 2h, 7d)'
	bad winback.json 's/"reentry": "30d"/"reentry": "sometimes"/' \
	    '2: journey: "reentry" must be "never" or a duration (like 14d)'
	bad winback.json 's/"steps": \[/"steps": [], "x": [/' \
	    '7: stage "lapsed" sequence "wb": unknown key "x"'
	bad winback.json 's/"name": "wb_sms"/"name": "wb_email"/' \
	    '10: stage "lapsed" sequence "wb" step 2: action "wb_email" defined twice'
}

@test "usage errors of the measuring options exit 64" {
	local bad
	for bad in "--universal-holdout 120%" "--universal-holdout five" \
	    "--max-age 3x" "--max-age -1d" "--since later" "--send-window none" \
	    "--send-time="; do
		# shellcheck disable=SC2086
		run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-02 $bad \
		    /dev/null
		assert_failure 64
	done
	run_split cdp-journey -j "$D/promo.json" --as-of 2026-03-02 \
	    --universal-holdout 120% /dev/null
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --universal-holdout: share over 100%"
}
