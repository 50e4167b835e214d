#!/usr/bin/env bats
# cdp-score sendtime: each profile's best local hour and weekday from
# their engagement events, shrunk toward the population (issue 19).
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

ev() {	# ev ID TS [EVENT [TZ]]
	printf '{"customer_id":"%s","ts":"%s","event":"%s"%s}\n' "$1" "$2" \
	    "${3:-open}" "${4:+,\"tz\":\"$4\"}"
}

@test "sendtime: the true hour for at least 80% of simulated profiles with 10 or more events" {
	# build/bench/gen_engage: 1,500 profiles in five zones, each with a
	# preferred local hour and weekday, 1 to 30 events, 70% of them near
	# the hour (an hour's noise), half on the weekday, purchases besides
	"$CDP_BUILD/bench/gen_engage" -n 1500 -s 3 -t truth.ndjson > ev.ndjson
	run_split cdp-score sendtime --stats ev.ndjson
	assert_success
	echo "$output" > best.ndjson
	read -r n hour wday <<<"$(jq -s -r --slurpfile b best.ndjson '
	    ($b | INDEX(.customer_id)) as $by | map(select(.events >= 10) |
	    . as $t | $by[$t.customer_id] | {h: (.sendtime_hour == $t.hour),
	    d: (.sendtime_weekday == $t.weekday)}) |
	    "\(length) \(map(select(.h)) | length) \(map(select(.d)) | length)"' \
	    truth.ndjson)"
	echo "profiles $n, hour right $hour, weekday right $wday" >&3
	assert [ "$((hour * 100))" -ge "$((n * 80))" ]
	assert [ "$((wday * 100))" -ge "$((n * 80))" ]
	# purchases are no engagement: skipped
	assert_equal "$(jq .skipped <<<"$stderr")" "$(grep -c purchase ev.ndjson)"
	assert_equal "$(jq .output <<<"$stderr")" 1500
}

@test "sendtime: local hours through the tz database, DST included; fields and id order" {
	{
		# Berlin at 09:xx local: 08:xxZ in winter, 07:xxZ in summer
		ev b 2025-01-13T08:10:00Z open Europe/Berlin
		ev b 2025-07-14T07:20:00Z click Europe/Berlin
		ev b 2025-03-31T07:05:00Z visit Europe/Berlin
		# New York at 20:xx on Fridays: 01:xxZ on Saturdays in winter
		ev a 2025-01-18T01:30:00Z open America/New_York
		ev a 2025-02-15T01:10:00Z open America/New_York
		# no zone: UTC, or --default-tz
		ev 7 2025-01-15T12:00:00Z
		ev 7 2025-01-22T12:30:00+00:00
	} > ev.ndjson
	run_split cdp-score sendtime --stats ev.ndjson
	assert_success
	assert_output - <<'OUT'
{"customer_id":"7","sendtime_hour":12,"sendtime_weekday":3,"sendtime_events":2}
{"customer_id":"a","sendtime_hour":20,"sendtime_weekday":5,"sendtime_events":2,"sendtime_tz":"America/New_York"}
{"customer_id":"b","sendtime_hour":9,"sendtime_weekday":1,"sendtime_events":3,"sendtime_tz":"Europe/Berlin"}
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":7,"used":7,"rejected":0,"skipped":0,"output":3}'
	run cdp-score sendtime --default-tz Asia/Tokyo ev.ndjson
	assert_line --index 0 '{"customer_id":"7","sendtime_hour":21,"sendtime_weekday":3,"sendtime_events":2,"sendtime_tz":"Asia/Tokyo"}'
}

@test "sendtime: few events lean on the population's pattern, many speak for themselves" {
	# 40 profiles alike, opening around 19h; one with a single 03h
	# event, one with 30 of them
	for i in $(seq 40); do
		for h in 19 19 20 18 19 21 19 17 19 20; do
			ev "p$i" "2025-01-0$((i % 7 + 1))T$h:15:00Z"
		done
	done > ev.ndjson
	ev one 2025-01-08T03:00:00Z >> ev.ndjson
	for d in $(seq -w 1 30); do ev many "2025-01-${d}T03:00:00Z"; done >> ev.ndjson
	run cdp-score sendtime ev.ndjson
	assert_success
	assert_equal "$(grep '"one"' <<<"$output" | jq .sendtime_hour)" 19
	assert_equal "$(grep '"many"' <<<"$output" | jq .sendtime_hour)" 3
	# a profile whose events all fall at one hour, among profiles that
	# each have their own: the data say profiles differ, so one event
	# counts
	for i in $(seq 20); do
		ev "q$i" "2025-01-06T$((i % 20 + 2)):00:00Z"
		ev "q$i" "2025-01-07T$((i % 20 + 2)):00:00Z"
	done > het.ndjson
	ev one 2025-01-08T03:00:00Z >> het.ndjson
	run cdp-score sendtime het.ndjson
	assert_equal "$(grep '"one"' <<<"$output" | jq .sendtime_hour)" 3
}

@test "sendtime: --events, --event-field, --tz-field, --id, --time" {
	printf '%s\n' '{"pid":1,"at":"2025-01-06T10:00:00Z","kind":"read","zone":"Asia/Tokyo"}' \
	    '{"pid":1,"at":"2025-01-06T11:00:00Z","kind":"open","zone":"Asia/Tokyo"}' > ev.ndjson
	run_split cdp-score sendtime --id pid --time at --event-field kind \
	    --events read --tz-field zone --stats ev.ndjson
	assert_success
	assert_output '{"pid":1,"sendtime_hour":19,"sendtime_weekday":1,"sendtime_events":1,"sendtime_tz":"Asia/Tokyo"}'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":0,"skipped":1,"output":1}'
}

@test "sendtime: bad events are 65 with file:line (or --rejects); bad options 64" {
	{
		ev a 2025-01-06T10:00:00Z open Mars/Olympus
		ev a 2025-01-06 open
		ev a not-a-time open
		printf '%s\n' '{"customer_id":{"x":1},"ts":"2025-01-06T10:00:00Z","event":"open"}'
		printf '%s\n' '{"customer_id":"a","event":"open"}'
		ev a 2025-01-06T10:00:00Z open
	} > ev.ndjson
	run_split cdp-score sendtime ev.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: ev.ndjson:1: field "tz": not a time zone of the tz database'
	run_split cdp-score sendtime --rejects rej.ndjson --stats ev.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":6,"used":1,"rejected":5,"skipped":0,"output":1}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
1 field "tz": not a time zone of the tz database
2 field "ts": a date without a time of day
3 field "ts": not a datetime
4 field "customer_id": not a string or number
5 field "ts": missing
OUT
	run_split cdp-score sendtime --default-tz Nowhere/Land ev.ndjson
	assert_failure 64
	assert_equal "$stderr" 'cdp-score: --default-tz: "Nowhere/Land" is not a time zone of the tz database'
	run cdp-score sendtime --events "" ev.ndjson
	assert_failure 64
	run cdp-score sendtime --annotate ev.ndjson
	assert_failure 64
	run cdp-score rfm --tz-field zone ev.ndjson
	assert_failure 64
	: > e.ndjson
	run cdp-score sendtime e.ndjson
	assert_success
	assert_output ""
}
