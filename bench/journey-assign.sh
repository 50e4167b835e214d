#!/bin/sh
# bench/journey-assign.sh BUILD_DIR [N]: cdp-journey's holdout and variant
# assignment on N profiles (1000000) with one visit each: the shares it
# gives against those asked for (a journey holdout of 10%, a universal one
# of 5%, variants of 50/30/20%), within 0.5 percentage points; and the
# same assignment on a shuffled copy and on 8 parts of a cdp-partition run
# decided by GNU parallel (issue 19).  Prints one line per check with
# PASS or MISS; always exits 0, as bench/run.sh does.

cd "$(dirname "$0")/.." || exit 0
export LC_ALL=C
BIN=$(cd "${1:-build}" 2>/dev/null && pwd)/bin
N=${2:-1000000}
[ -x "$BIN/cdp-journey" ] || { echo "journey-assign: no $BIN/cdp-journey"
	exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdpassign.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT
trap 'rm -rf "$TMP"; exit 0' HUP INT PIPE TERM
J=tests/cdp-journey/ab.json
OPT="--as-of 2026-03-02 --universal-holdout 5% --seed bench"

awk -v n="$N" -v ts=2026-03-01T10:00:00Z \
    -f tests/cdp-journey/genprof.awk >"$TMP/in"
"$BIN/cdp-journey" -j "$J" $OPT --log "$TMP/log" "$TMP/in" >/dev/null || {
	echo "journey-assign: cdp-journey failed"
	exit 0
}

# check NAME PATTERN WANT_PERCENT OF: the share of OF profiles whose
# decision matches PATTERN.
check() {
	k=$(grep -c -- "$2" "$TMP/log")
	awk -v name="$1" -v k="$k" -v want="$3" -v of="$4" 'BEGIN {
		p = 100 * k / of
		d = p - want
		printf "  %-28s %8d = %7.3f%% (asked %s%%, %+.3f pp)  %s\n",
		    name, k, p, want, d, (d <= 0.5 && d >= -0.5) ? "PASS" : "MISS"
	}'
}

echo "holdout and variant shares, $N profiles"
check "universal holdout" '"holdout":"universal"' 5 "$N"
u=$(grep -c '"holdout":"universal"' "$TMP/log")
check "journey holdout (of the rest)" '"holdout":"journey"' 10 "$((N - u))"
check "variant a" '"variant":"a"' 50 "$N"
check "variant b" '"variant":"b"' 30 "$N"
check "variant c" '"variant":"c"' 20 "$N"

same() {
	if cmp -s "$TMP/log" "$2"; then
		printf '  %-28s %s\n' "$1" PASS
	else
		printf '  %-28s %s\n' "$1" MISS
	fi
}

echo "the same decisions"
"$BIN/cdp-journey" -j "$J" $OPT --log "$TMP/again" "$TMP/in" >/dev/null
same "a second run" "$TMP/again"
shuf --random-source="$TMP/in" "$TMP/in" >"$TMP/shuf"
"$BIN/cdp-journey" -j "$J" $OPT --log "$TMP/l" "$TMP/shuf" >/dev/null
same "a shuffled input" "$TMP/l"
if command -v parallel >/dev/null 2>&1; then
	"$BIN/cdp-partition" -k profile_id --parts 8 -o "$TMP/parts" "$TMP/in"
	ls "$TMP"/parts/part-*.ndjson | parallel -j2 "$BIN/cdp-journey" \
	    -j "$J" $OPT --log {}.log {} ">/dev/null"
	sort "$TMP"/parts/*.log >"$TMP/l"
	same "8 parts under GNU parallel" "$TMP/l"
else
	printf '  %-28s %s\n' "8 parts under GNU parallel" "SKIP (no parallel)"
fi
exit 0
