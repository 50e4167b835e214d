#!/usr/bin/env bats
# Unit drivers of common/ (tests/unit/test_*.c), one test each.
load helper

@test "unit: record scanner, accessors and writer" {
	run "$CDP_BUILD/unit/test_record"
	assert_success
}

@test "unit: normalisers" {
	run "$CDP_BUILD/unit/test_norm"
	assert_success
}

@test "unit: cdp-ingest CSV and JSON-array readers" {
	run "$CDP_BUILD/unit/test_ingest_readers"
	assert_success
}

@test "unit: 128-bit key map" {
	run "$CDP_BUILD/unit/test_keymap"
	assert_success
}

@test "unit: time fields as epoch seconds and calendar dates" {
	run "$CDP_BUILD/unit/test_timeval"
	assert_success
}

@test "unit: xalloc exits 71 naming the size and the hint" {
	# the sanitizer's allocator must say no the way malloc does
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1" \
	    run "$CDP_BUILD/unit/test_xalloc"
	assert_success
}

@test "unit: settings loader, errors returned with file:line" {
	run "$CDP_BUILD/unit/test_jsonload"
	assert_success
}

@test "unit: walking value spans (paths, elements, compact text)" {
	run "$CDP_BUILD/unit/test_span"
	assert_success
}

@test "unit: vector paths agree with the scalar reference" {
	run "$CDP_BUILD/unit/test_simd"
	assert_success
}

@test "unit: record scanner with AVX2, SSE2 and with no vector path" {
	CDP_SIMD=avx2 run "$CDP_BUILD/unit/test_record"
	assert_success
	CDP_SIMD=sse2 run "$CDP_BUILD/unit/test_record"
	assert_success
	CDP_SIMD=scalar run "$CDP_BUILD/unit/test_record"
	assert_success
}

@test "unit: comparison methods, blocking rules and candidate pairs" {
	run "$CDP_BUILD/unit/test_compare"
	assert_success
}
