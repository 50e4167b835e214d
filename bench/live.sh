#!/bin/sh
# bench/live.sh BUILD_DIR [SECONDS]: cdp-journey --follow on a live
# stream (issue 24).  Latency: bench/live gen writes 10,000 events a
# second for SECONDS (60), stamped as written, through cdp-journey
# --clock wall (log synced before each send) to bench/live lat, which
# says how long after its due time each decision came out: the
# immediate ones (p99 target 50 ms) and those of a 2 s wait (within 1 s
# of due).  Throughput and memory: 1,000,000 profiles with a decision
# pending each, through the event clock (200,000 events/s, 200 MB).
# Prints PASS or MISS per target; always exits 0, as bench/run.sh does.

cd "$(dirname "$0")/.." || exit 0
BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || exit 0
SECONDS_=${2:-60}
BIN=$BUILD/bin
TOOLS=$BUILD/bench
[ -x "$TOOLS/live" ] && [ -x "$BIN/cdp-journey" ] || {
	echo "live: build the programs and bench/live first"
	exit 0
}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdplive.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT
trap 'rm -rf "$TMP"; exit 0' HUP INT PIPE TERM

echo "latency, 10000 events/s for $SECONDS_ s (--clock wall, --fsync always)"
"$TOOLS/live" gen 10000 "$SECONDS_" |
    "$BIN/cdp-journey" -j bench/live.json --follow --clock wall \
    --state "$TMP/st" --log "$TMP/log" | "$TOOLS/live" lat >"$TMP/lat"
cat "$TMP/lat"
awk '$1 == "now" { print "  immediate p99 " $8 " ms (< 50 ms)  " \
	($8 < 50 ? "PASS" : "MISS") }
    $1 == "later" { print "  timers, latest " $11 " ms after due (< 1000 ms)  " \
	($11 < 1000 ? "PASS" : "MISS") }' "$TMP/lat"

echo "throughput and memory, 1000000 profiles with a decision pending each"
awk 'BEGIN { for (i = 0; i < 1000000; i++)
	printf "{\"profile_id\":\"c%07d\",\"consent\":{\"email\":true}}\n", i
    for (i = 0; i < 1000000; i++)
	printf "{\"profile_id\":\"c%07d\",\"ts\":%d,\"event\":\"go\"}\n", i,
	    1767225600 + int(i / 20) }' >"$TMP/in"
printf '%s\n' '{"name":"timer","stages":[{"name":"s","actions":[{"name":"r",' \
    '"channel":"email","template":"r1","when":"event == \"go\"",' \
    '"wait":"1d"}]}]}' >"$TMP/timer.json"
/usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$BIN/cdp-journey" \
    -j "$TMP/timer.json" --follow --state "$TMP/st2" --log "$TMP/log2" \
    "$TMP/in" >/dev/null
tail -1 "$TMP/time" | awk '{
	rate = 2000000 / $1
	printf "  2000000 records in %.2f s (%.2f s CPU): %.0f records/s" \
	    " (>= 200000)  %s\n", $1, $2 + $3, rate,
	    (rate >= 200000) ? "PASS" : "MISS"
	printf "  peak RSS %.0f MB (< 200 MB)  %s\n", $4 / 1024,
	    ($4 / 1024 < 200) ? "PASS" : "MISS" }'
exit 0
