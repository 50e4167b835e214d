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

# stats_core TEXT: TEXT with the run keys of every --stats line taken off
# (the keys after the account, the same in every program: program,
# run_id, started, elapsed_s, max_rss_kb; see cdp_stats_emit() in
# common/acct.h), so that the account part compares exactly.  A line
# whose run keys are missing or out of order is left whole, and fails
# the comparison.
stats_core() {
	sed -E 's/,"program":"[a-z-]+","run_id":(null|"[A-Za-z0-9._:+@\/-]+"),"started":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z","elapsed_s":[0-9]+\.[0-9]{3},"max_rss_kb":[0-9]+\}$/}/' <<<"$1"
}
