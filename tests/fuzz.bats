#!/usr/bin/env bats
# The libFuzzer harnesses (tests/fuzz/fuzz_*.c), built by make check into
# CDP_FUZZ (BUILD/fuzz, see tests/run.sh): each runs once over its seed
# corpus and the inputs that once made it fail, so a harness that crashes
# on them, or no longer builds, fails the suite and not only make fuzz.
load helper

setup() {
	top="$BATS_TEST_DIRNAME/.."
	if [ -z "${CDP_FUZZ:-}" ]; then
		skip "CDP_FUZZ not set: run through tests/run.sh (make check)"
	fi
}

@test "fuzz: every harness source has a built harness" {
	for src in "$top"/tests/fuzz/fuzz_*.c; do
		name=$(basename "$src" .c)
		assert_file_executable "$CDP_FUZZ/$name"
	done
}

@test "fuzz: every harness runs each seed and past failure once, cleanly" {
	for src in "$top"/tests/fuzz/fuzz_*.c; do
		name=$(basename "$src" .c)
		set -- "$top"/tests/fuzz/corpus/"$name"/* \
		    "$top"/tests/fuzz/regress/"$name"/*
		inputs=()
		for f; do
			[ -f "$f" ] && inputs+=("$f")
		done
		[ "${#inputs[@]}" -gt 0 ] || fail "$name: no seed inputs"
		run "$CDP_FUZZ/$name" "${inputs[@]}"
		[ "$status" -eq 0 ] || fail "$name exited $status: $output"
		# libFuzzer says "Executed FILE" once per input it ran.
		run grep -c '^Executed ' <<<"$output"
		assert_output "${#inputs[@]}"
	done
}
