#!/usr/bin/env bats
# cdp-journey's sends do not depend on how often it runs (issue 26.1): on
# generated journeys (stages, exits, re-entry rules, competing actions
# with different waits and windows, sequences of steps, repeats, variants,
# a holdout, rules on a profile field) and 15 days of events that change
# consent on the way, 1, 2, 7 and 24 runs with the state between them
# decide exactly alike, fed the whole history each time or only what is
# new since the last run.

load helper

D="$BATS_TEST_DIRNAME/cdp-journey"

setup() {
	W="$BATS_TEST_TMPDIR"
}

# runs SEED K MODE: K runs evenly over the 15 days; their logs and their
# sends, sorted, in $W/log.K and $W/out.K.
runs() {
	local seed=$1 k=$2 mode=$3 t0=1767225600 span=1296000 i a prev=0
	rm -f "$W/st"
	: > "$W/log.$k"
	: > "$W/out.$k"
	for i in $(seq 1 "$k"); do
		a=$((t0 + span * i / k))
		if [ "$mode" = new ]; then
			awk -v lo="$prev" -v hi="$a" 'match($0, /"ts":[0-9]+/) {
				t = substr($0, RSTART + 5, RLENGTH - 5) + 0
				if (t > lo && t <= hi) print }' \
			    "$W/events.ndjson" > "$W/in"
		else
			cp "$W/events.ndjson" "$W/in"
		fi
		cdp-journey -j "$W/journey.json" \
		    --as-of "$(date -u -d "@$a" +%FT%TZ)" --state "$W/st" \
		    --log "$W/l" --max-age none --cap email:2/3d,sms:1/2d \
		    --quiet 22:00-07:00 --seed "s$seed" \
		    "$W/profiles.ndjson" "$W/in" >> "$W/out.$k"
		cat "$W/l" >> "$W/log.$k"
		prev=$a
	done
	sort -o "$W/log.$k" "$W/log.$k"
	sort -o "$W/out.$k" "$W/out.$k"
}

# alike SEED MODE: 2, 7 and 24 runs decide as one does.
alike() {
	local k
	: > "$W/events.ndjson"
	awk -v seed="$1" -v dir="$W" -f "$D/gen-schedule.awk"
	runs "$1" 1 "$2"
	[ -s "$W/log.1" ]
	for k in 2 7 24; do
		runs "$1" "$k" "$2"
		diff "$W/log.1" "$W/log.$k"
		diff "$W/out.1" "$W/out.$k"
	done
}

@test "schedule: 1, 2, 7 and 24 runs over the whole history decide alike" {
	alike 1 all
	alike 2 all
	alike 3 all
	alike 10 all
}

@test "schedule: 1, 2, 7 and 24 runs fed only their new events decide alike" {
	alike 4 new
	alike 5 new
}
