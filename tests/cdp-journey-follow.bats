#!/usr/bin/env bats
# cdp-journey --follow (issue 24): decisions the moment they are due on a
# live stream, the same as a batch run on the same events; crash safety
# (kill -9 at random points, restarts on the same stream: every decision
# in the log once); signals, bad events, bounds and usage.

load helper

D="$BATS_TEST_DIRNAME/cdp-journey"
O="--max-age none --cap email:2/3d,sms:1/2d --quiet 22:00-07:00"

setup() {
	W="$BATS_TEST_TMPDIR"
}

# stream SEED: a generated journey, and its profiles then its events in
# time order in $W/stream; the batch run's log and sends over them in
# $W/batch.log and $W/batch.out (sorted).
stream() {
	local last
	: > "$W/events.ndjson"
	awk -v seed="$1" -v dir="$W" -f "$D/gen-schedule.awk"
	sort -t: -k3 -n "$W/events.ndjson" > "$W/sorted"
	cat "$W/profiles.ndjson" "$W/sorted" > "$W/stream"
	last=$(tail -1 "$W/sorted" | grep -o '"ts":[0-9]*' | cut -d: -f2)
	# shellcheck disable=SC2086
	cdp-journey -j "$W/journey.json" $O --as-of "$(date -u -d "@$last" +%FT%TZ)" \
	    --log "$W/batch.log" "$W/stream" | sort > "$W/batch.out"
	sort -o "$W/batch.log" "$W/batch.log"
}

# slowly FILE: FILE a few lines at a time, so that a reader gets it in
# many pieces.
slowly() {
	local n=0 l
	while IFS= read -r l; do
		printf '%s\n' "$l"
		n=$((n + 1))
		[ $((n % 7)) -eq 0 ] && sleep 0.002
	done < "$1"
}

@test "follow: a recorded stream, many ticks, decides as one batch run does (event clock)" {
	local seed
	for seed in 3 6; do
		stream "$seed"
		# shellcheck disable=SC2086
		slowly "$W/stream" | cdp-journey -j "$W/journey.json" --follow \
		    --state "$W/st.$seed" --log "$W/live.$seed" $O \
		    --checkpoint-every 25 > "$W/out"
		diff "$W/batch.log" <(sort "$W/live.$seed")
		diff "$W/batch.out" <(sort "$W/out")
		head -1 "$W/st.$seed" | grep -q '^{"checkpoint":{"as_of":"'
	done
}

@test "follow: events out of order within --max-lateness are decided as in order" {
	stream 6
	# Each event up to 50 minutes late.
	awk 'BEGIN { srand(7) } /"ts":/ { match($0, /"ts":[0-9]+/)
		print substr($0, RSTART + 5, RLENGTH - 5) + int(rand() * 3000), $0
		next } { print 0, $0 }' "$W/stream" | sort -s -n -k1,1 \
	    | cut -d' ' -f2- > "$W/late"
	run cmp -s "$W/late" "$W/stream"
	assert_failure
	# shellcheck disable=SC2086
	cdp-journey -j "$W/journey.json" --follow --state "$W/st" --log "$W/l" \
	    $O --max-lateness 1h "$W/late" > /dev/null
	diff "$W/batch.log" <(sort "$W/l")
}

@test "follow: a checkpoint resumes where it stopped, and nothing is decided twice" {
	stream 3
	head -150 "$W/stream" > "$W/first"
	# shellcheck disable=SC2086
	cdp-journey -j "$W/journey.json" --follow --state "$W/st" --log "$W/l" \
	    $O "$W/first" > "$W/o1"
	# The whole stream again: what the state has seen moves nothing.
	# shellcheck disable=SC2086
	cdp-journey -j "$W/journey.json" --follow --state "$W/st" --log "$W/l" \
	    $O "$W/stream" > "$W/o2"
	diff "$W/batch.log" <(sort "$W/l")
	diff "$W/batch.out" <(sort "$W/o1" "$W/o2")
}

@test "follow: killed with -9 at random points and restarted, the log has every decision once" {
	local try kills=0 jp fp
	stream 3
	# Ten runs killed at random points, then one to the end.
	for try in $(seq 1 11); do
		mkfifo "$W/in.$try"
		# shellcheck disable=SC2086
		cdp-journey -j "$W/journey.json" --follow --state "$W/st" \
		    --log "$W/l" $O --checkpoint-every 15 "$W/in.$try" \
		    >> "$W/out" 2>> "$W/err" &
		jp=$!
		slowly "$W/stream" > "$W/in.$try" 2>/dev/null &
		fp=$!
		[ "$try" -lt 11 ] && sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
		if [ "$try" -lt 11 ] && kill -9 "$jp" 2>/dev/null; then
			kills=$((kills + 1))
			wait "$jp" || true
			kill "$fp" 2>/dev/null || true
			wait "$fp" || true
		else
			wait "$jp"
			wait "$fp" || true
			break
		fi
	done
	diff "$W/batch.log" <(sort "$W/l")
	# The sends on standard output: never one twice, and only those of
	# the log (the last before a kill may be in the log only).
	[ -z "$(sort "$W/out" | uniq -d)" ]
	[ -z "$(sort "$W/out" | comm -23 - "$W/batch.out")" ]
	echo "$kills kills" >&3
}

@test "follow: SIGUSR1 prints the stats line, SIGTERM stops with a checkpoint (0)" {
	local jp
	mkfifo "$W/in"
	cdp-journey -j "$D/journey.json" --follow --state "$W/st" --log "$W/l" \
	    "$W/in" > "$W/out" 2> "$W/err" &
	jp=$!
	exec 5> "$W/in"
	cat "$D/events.ndjson" >&5
	sleep 0.3
	kill -USR1 "$jp"
	sleep 0.3
	kill -TERM "$jp"
	wait "$jp"
	exec 5>&-
	run grep -c '^{"read":9,"used":8,"rejected":0,"skipped":1,"pending":.*,"program":"cdp-journey","run_id":null,"started":"[0-9T:Z-]*","elapsed_s":[0-9.]*,"max_rss_kb":[0-9]*}$' "$W/err"
	assert_output 1
	head -1 "$W/st" | grep -q '"checkpoint"'
	run grep -c '"profile_id"' "$W/st"
	assert_output 3
	# Stopped, the input so far is decided as at its end.
	assert_equal "$(sort "$W/out")" "$(grep '"sent":true' "$D/dry.out" | sort)"
}

@test "follow: --stats-every lines go to the --stats-file with the run's keys, as every program's" {
	local jp
	mkfifo "$W/in"
	cdp-journey -j "$D/journey.json" --follow --state "$W/st" --log "$W/l" \
	    --stats-every 0.2s --stats-file "$W/stats.log" --run-id night-7 \
	    "$W/in" > "$W/out" 2> "$W/err" &
	jp=$!
	exec 5> "$W/in"
	cat "$D/events.ndjson" >&5
	sleep 0.6
	kill -TERM "$jp"
	wait "$jp"
	exec 5>&-
	assert_equal "$(cat "$W/err")" ""
	run grep -c '^{"read":9,"used":8,"rejected":0,"skipped":1,"pending":.*,"program":"cdp-journey","run_id":"night-7","started":"[0-9T:Z-]*","elapsed_s":[0-9.]*,"max_rss_kb":[0-9]*}$' "$W/stats.log"
	[ "$output" -ge 1 ]
	# Every line of the log is one whole stats object.
	run grep -vc '^{"read":.*"max_rss_kb":[0-9]*}$' "$W/stats.log"
	assert_output 0
}

@test "follow: --clock wall decides at once, and a wait fires on time by itself" {
	printf '%s\n' '{"name":"w","stages":[{"name":"s","actions":[{"name":"q","when":"event == \"go\"","steps":[{"name":"now","channel":"email","template":"t0"},{"name":"later","channel":"email","template":"t1","wait":"2s"}]}]}]}' > "$W/w.json"
	mkfifo "$W/in"
	cdp-journey -j "$W/w.json" --follow --clock wall --state "$W/st" \
	    --log "$W/l" "$W/in" > "$W/out" &
	{
		printf '{"profile_id":"a","consent":{"email":true}}\n'
		printf '{"profile_id":"a","ts":%s,"event":"go"}\n' "$(date +%s)"
		sleep 3
		# b's event comes after a's wait is over: a's timer has fired
		# by itself before it.
		printf '{"profile_id":"b","consent":{"email":true}}\n'
		printf '{"profile_id":"b","ts":%s,"event":"go"}\n' "$(date +%s)"
	} > "$W/in"
	wait
	run cut -d, -f1,4 "$W/out"
	assert_output - <<'O'
{"profile_id":"a","action":"now"
{"profile_id":"a","action":"later"
{"profile_id":"b","action":"now"
O
}

@test "follow: bad events go to --rejects as they come, and the stream goes on" {
	printf '%s\n' 'not json' '{"profile_id":"x","ts":"later"}' \
	    '{"profile_id":"p9","ts":"2026-03-01T10:00:00Z","event":"view","consent":{"email":true}}' > "$W/in"
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/st" \
	    --log "$W/l" --rejects "$W/rej" --max-age none --stats "$W/in"
	assert_success
	assert_output '{"profile_id":"p9","journey":"car","stage":"awareness","action":"welcome","channel":"email","template":"welcome-1","send_at":"2026-03-01T10:00:00Z","reason":"entry","arm":"treatment","sent":true}'
	run cut -d, -f1,3 "$W/rej"
	assert_output - <<'O'
{"_error":"not a JSON object at byte 1","_line":1
{"_error":"bad time in ts","_line":2
O
	# Without --rejects each is reported with its line, and skipped.
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/st2" \
	    --log "$W/l2" --max-age none "$W/in"
	assert_success
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: $W/in:1: not a JSON object at byte 1"
}

@test "follow: more decisions pending than --max-pending stops with the state saved (71)" {
	# Two carts wait for their windows to end: four decisions.
	grep -v purchase "$D/events.ndjson" | head -5 > "$W/in"
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/st" \
	    --log "$W/l" --max-pending 3 "$W/in"
	assert_failure 71
	assert_equal "$stderr" "cdp-journey: more than 3 decisions pending (--max-pending); the state is saved"
	head -1 "$W/st" | grep -q '"checkpoint"'
}

@test "follow: usage" {
	run_split cdp-journey -j "$D/journey.json" --follow --log "$W/l" /dev/null
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-journey: --follow needs --state and --log"
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/s" \
	    --log "$W/l" -o "$W/o" /dev/null
	assert_failure 64
	run_split cdp-journey -j "$D/journey.json" --follow --state "$W/s" \
	    --log "$W/l" /dev/null /dev/null
	assert_failure 64
	run_split cdp-journey -j "$D/journey.json" --as-of 2026-01-01 \
	    --clock wall /dev/null
	assert_failure 64
	for bad in "--clock sun" "--fsync sometimes" "--max-pending 0" \
	    "--checkpoint-every x" "--max-lateness soon" "--stats-every -1s"; do
		# shellcheck disable=SC2086
		run_split cdp-journey -j "$D/journey.json" --follow --state "$W/s" \
		    --log "$W/l" $bad /dev/null
		assert_failure 64
	done
}

@test "follow: examples/live runs: events into its FIFO, sends out as they come, SIGTERM stops it cleanly" {
	local pid
	setsid "$BATS_TEST_DIRNAME/../examples/live/live.sh" "$W/live" &
	pid=$!
	while [ ! -p "$W/live/events.fifo" ]; do sleep 0.05; done
	printf '%s\n' '{"customer_id":"c1","email":"Ann@Example.com","consent":{"email":true}}' \
	    "{\"customer_id\":\"c1\",\"ts\":\"$(date -u +%FT%TZ)\",\"event\":\"view\"}" \
	    > "$W/live/events.fifo"
	# A second writer: the first one closing is not the end.
	printf '%s\n' "{\"customer_id\":\"c1\",\"ts\":\"$(date -u +%FT%TZ)\",\"event\":\"cart\"}" \
	    > "$W/live/events.fifo"
	for _ in $(seq 1 100); do
		[ -s "$W/live/sends.ndjson" ] && break
		sleep 0.05
	done
	# The cart came after the view: let it through the pipe too.
	sleep 0.5
	kill -TERM -- "-$pid"
	wait "$pid" || true
	run cut -d, -f1,2 "$W/live/sends.ndjson"
	assert_output '{"profile_id":"c1","action":"welcome"'
	run grep -c '"action":"cart_reminder"' "$W/live/journey.state"
	assert_output 1
	head -1 "$W/live/journey.state" | grep -q '"checkpoint"'
}
