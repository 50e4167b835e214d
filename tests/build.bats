#!/usr/bin/env bats
# The build: install layout, and the README's promises about it.
load helper

@test "build: make install puts programs and man pages under DESTDIR" {
	top="$BATS_TEST_DIRNAME/.."
	run make -s -C "$top" install BUILD="$CDP_BUILD" \
	    DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	assert_file_executable "$BATS_TEST_TMPDIR/root/usr/bin/cdp-ingest"
	assert_file_exist "$BATS_TEST_TMPDIR/root/usr/share/man/man1/cdp-ingest.1"
	assert_file_exist "$BATS_TEST_TMPDIR/root/usr/share/man/man7/cdpipe.7"
}

@test "build: every program has a man page, tests and a README entry" {
	top="$BATS_TEST_DIRNAME/.."
	for d in "$top"/cmd/*/; do
		p=$(basename "$d")
		assert_file_exist "$top/man/$p.1"
		assert_file_exist "$top/tests/$p.bats"
		run grep -c "$p" "$top/README.md"
		assert_success
	done
}

@test "build: .ci/run is make check" {
	run grep -x 'make check' "$BATS_TEST_DIRNAME/../.ci/run"
	assert_success
}
