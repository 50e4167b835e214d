#!/usr/bin/env bats
# --unbuffered: each record leaves a streaming program as soon as it is
# read, so `tail -F events | cdp-ingest --unbuffered | cdp-segment
# --unbuffered` delivers every event live.  The input is fed one line at
# a time; each output line must arrive before the next input line is
# written.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# feed_and_read SECONDS CMD: start CMD as a coprocess, write three records
# one by one and wait at most SECONDS for each output line; prints the
# lines read and "timeout" where one did not come.
feed_and_read() {
	local t=$1 line
	shift
	coproc P { "$@" 2>&1; }
	for i in 1 2 3; do
		printf '{"n":%d,"email":"u%d@example.com"}\n' "$i" "$i" >&"${P[1]}"
		if IFS= read -r -t "$t" line <&"${P[0]}"; then
			echo "$line"
		else
			echo timeout
		fi
	done
	exec {P[1]}>&-
	wait "$P_PID" 2>/dev/null || true
}

@test "live: cdp-segment --unbuffered passes each record on at once" {
	run feed_and_read 10 cdp-segment --unbuffered --where 'n > 0'
	assert_output "$(printf '%s\n' '{"n":1,"email":"u1@example.com"}' \
	    '{"n":2,"email":"u2@example.com"}' '{"n":3,"email":"u3@example.com"}')"
}

@test "live: without --unbuffered the records wait in the buffer" {
	run feed_and_read 1 cdp-segment --where 'n > 0'
	assert_line --index 0 timeout
}

@test "live: cdp-ingest --unbuffered into cdp-segment --unbuffered" {
	run feed_and_read 10 sh -c 'cdp-ingest --format ndjson --source live \
	    --unbuffered | cdp-segment --unbuffered -d "odd=n % 2 == 1"'
	assert_line --index 0 '{"n":1,"email":"u1@example.com","_src":"live","_line":1,"segments":["odd"]}'
	assert_line --index 1 '{"n":2,"email":"u2@example.com","_src":"live","_line":2,"segments":[]}'
	assert_line --index 2 '{"n":3,"email":"u3@example.com","_src":"live","_line":3,"segments":["odd"]}'
}

@test "live: cdp-dedupe --unbuffered (exact keys) streams too" {
	run feed_and_read 10 cdp-dedupe --unbuffered -k email
	assert_line --index 0 '{"n":1,"email":"u1@example.com"}'
	assert_line --index 2 '{"n":3,"email":"u3@example.com"}'
	refute_line timeout
}

@test "live: cdp-export --unbuffered writes each row at once (after its header)" {
	run feed_and_read 10 cdp-export --unbuffered --platform generic \
	    --no-consent-filter --no-hash --fields n --format ndjson
	assert_output "$(printf '%s\n' '{"n":1}' '{"n":2}' '{"n":3}')"
}

@test "live: cdp-score points --unbuffered scores each record at once" {
	printf '%s\n' '[{"name":"big","when":"n >= 2","points":5}]' > rules.json
	run feed_and_read 10 cdp-score points --rules rules.json --unbuffered
	refute_line timeout
	assert_line --index 0 --partial '{"n":1,'
	assert_line --index 2 --partial '{"n":3,'
	run_split cdp-score rfm --unbuffered /dev/null
	assert_failure 64
}
