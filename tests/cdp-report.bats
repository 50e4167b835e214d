#!/usr/bin/env bats
# cdp-report: the command itself and what every subcommand shares.  Each
# subcommand has its own file (cdp-report-group.bats, ...).
load helper

@test "cdp-report: --help lists the commands, --version the version" {
	run cdp-report --help
	assert_success
	assert_line --index 0 "usage: cdp-report COMMAND [options] [FILE...]"
	for c in profile group funnel cohort attribution; do
		assert_line --partial "  $c "
	done
	run cdp-report --version
	assert_output "cdp-report (cdpipe) 0.1.0"
}

@test "cdp-report: a missing or unknown command is a usage error" {
	run_split cdp-report
	assert_failure 64
	assert_equal "$stderr" "cdp-report: missing command
Try 'cdp-report --help' for more information."
	run_split cdp-report frobnicate
	assert_failure 64
	[[ "$stderr" == 'cdp-report: unknown command "frobnicate"'* ]]
	run_split cdp-report --bogus
	assert_failure 64
}
