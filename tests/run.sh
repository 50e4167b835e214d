#!/bin/sh
# tests/run.sh BUILD_DIR...: run the bats suite once against each build
# (programs in BUILD_DIR/bin, unit drivers in BUILD_DIR/unit) and print the
# totals as one line "tests: N passed, N failed".  Exit 1 on any failure.
# Test files run CDP_TEST_JOBS at a time (default 2 when GNU parallel is
# there, which bats needs for it); the tests of one file run in order, as
# hostile.bats's privacy check reads what the earlier cases logged.
cd "$(dirname "$0")/.." || exit 70
jobs=${CDP_TEST_JOBS:-2}
command -v parallel >/dev/null 2>&1 || jobs=1
par=
[ "$jobs" -gt 1 ] && par="--jobs $jobs --no-parallelize-within-files"
passed=0
failed=0
log=$(mktemp) || exit 70
trap 'rm -f "$log"' EXIT
# The libFuzzer harnesses (make fuzzers) sit beside the first build only:
# tests/fuzz.bats replays their inputs in every pass.
[ $# -gt 0 ] && CDP_FUZZ=$(cd "$1" && pwd)/fuzz && export CDP_FUZZ
for b in "$@"; do
	dir=$(cd "$b" && pwd) || exit 66
	echo "== bats suite on $b"
	PATH="$dir/bin:$PATH" CDP_BUILD="$dir" \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    bats --tap $par tests/ >"$log" 2>&1
	rc=$?
	grep -v '^ok ' "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	echo "   $b: $p passed, $f failed"
	# bats failing before any test ran (syntax error, missing file) counts.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
