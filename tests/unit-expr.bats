#!/usr/bin/env bats
# Unit driver of common/expr (tests/unit/test_expr.c).
load helper

@test "unit: rule expressions (grammar, null rules, paths, errors)" {
	run "$CDP_BUILD/unit/test_expr"
	assert_success
	assert_output --partial ", 0 failed"
}
