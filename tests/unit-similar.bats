#!/usr/bin/env bats
# Unit driver of common/similar (Jaro-Winkler, Levenshtein, UTF-8).
load helper

@test "unit: string similarity" {
	run "$CDP_BUILD/unit/test_similar"
	assert_success
}
