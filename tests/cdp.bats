#!/usr/bin/env bats
# cdp: the umbrella command.
load helper

@test "cdp: runs cdp-COMMAND with its arguments and exit status" {
	run bash -c 'printf "a\n1\n" | cdp ingest --source s'
	assert_success
	assert_output '{"a":"1","_src":"s","_line":2}'
	run_split cdp ingest --bogus
	assert_failure 64
	[[ "$stderr" == "cdp-ingest: unrecognized option"* ]]
}

@test "cdp: --help and --version" {
	run cdp --help
	assert_success
	assert_line --index 0 "usage: cdp COMMAND [ARGS...]"
	run cdp --version
	assert_output "cdp (cdpipe) 0.1.0"
}

@test "cdp: a missing, unknown or malformed command is a usage error" {
	run_split cdp
	assert_failure 64
	[[ "$stderr" == "cdp: missing command"* ]]
	run_split cdp frobnicate
	assert_failure 64
	[[ "$stderr" == 'cdp: "frobnicate" is not a cdp command'* ]]
	run_split cdp ../../bin/sh
	assert_failure 64
	[[ "$stderr" == 'cdp: not a command name: "../../bin/sh"'* ]]
}

@test "cdp: the man page renders without warnings" {
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp.1"
	assert_success
	assert_equal "$stderr" ""
}

@test "cdp: --help names every cdpipe program" {
	run cdp --help
	for d in "$BATS_TEST_DIRNAME"/../cmd/cdp-*/; do
		name=$(basename "$d")
		assert_line --regexp "^  ${name#cdp-} +[a-zA-Z]"
	done
}

@test "cdp: help, and help COMMAND as COMMAND --help" {
	run_split cdp help
	assert_success
	[[ "$output" == "usage: cdp COMMAND [ARGS...]"* ]]
	run_split cdp help partition
	assert_success
	assert_output "$(cdp-partition --help)"
	run_split cdp help nope
	assert_failure 64
	[[ "$stderr" == 'cdp: "nope" is not a cdp command'* ]]
	run_split cdp help a b
	assert_failure 64
	[[ "$stderr" == "cdp: help: one command at a time"* ]]
}
