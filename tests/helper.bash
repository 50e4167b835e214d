# tests/helper.bash - loaded by every bats file: assertions and paths.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

TESTS="$BATS_TEST_DIRNAME"
SHARED="$BATS_TEST_DIRNAME/../../shared"
CDP_BUILD="${CDP_BUILD:-$BATS_TEST_DIRNAME/../build}"
PATH="$CDP_BUILD/bin:$PATH"
export LC_ALL=C.UTF-8

# run_split CMD...: like run, but keeps stdout and stderr apart
# ($output is stdout, $stderr is stderr).
run_split() {
	run --separate-stderr "$@"
}
