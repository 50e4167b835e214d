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

@test "build: make install adds bash completion for every program" {
	top="$BATS_TEST_DIRNAME/.."
	run make -s -C "$top" install BUILD="$CDP_BUILD" \
	    DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	comp="$BATS_TEST_TMPDIR/root/usr/share/bash-completion/completions"
	for d in "$top"/cmd/*/; do
		assert_file_exist "$comp/$(basename "$d")"
	done
}

@test "build: bash completion offers each program's commands and options" {
	run bash -c '
	    source "$1"
	    t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
	        _cdpipe; echo "${COMPREPLY[*]}"; }
	    t cdp-dedupe --ke
	    t cdp-score ""
	    t cdp-score rfm --as
	    t cdp-report funnel --wi
	    t cdp se
	    t cdp dedupe --norm' _ "$BATS_TEST_DIRNAME/../completions/cdpipe.bash"
	assert_success
	assert_output "$(printf '%s\n' '--keep --key' 'clv model points rfm' \
	    '--as-of' '--within' 'segment' '--normalize')"
	# every program is registered
	for d in "$BATS_TEST_DIRNAME"/../cmd/*/; do
		grep -q "[ 	]$(basename "$d")\b" \
		    "$BATS_TEST_DIRNAME/../completions/cdpipe.bash" ||
		    fail "no completion for $(basename "$d")"
	done
}

@test "build: a second make rebuilds nothing (objects are kept)" {
	top="$BATS_TEST_DIRNAME/.."
	# the suite runs on a finished build: nothing may be out of date,
	# which fails when make deletes objects as intermediates
	run make -q -C "$top" BUILD="$CDP_BUILD" all
	assert_success
	for p in "$top"/cmd/*/; do
		assert_file_exist "$CDP_BUILD/obj/cmd/$(basename "$p")/main.o"
	done
}

@test "build: every man page's EXIT STATUS names 71, out of memory" {
	for m in "$BATS_TEST_DIRNAME"/../man/*.[17]; do
		sed -n '/^\.SH "*EXIT STATUS/,/^\.SH [^E]/p' "$m" |
		    grep -qw 71 || fail "$(basename "$m"): no 71 in EXIT STATUS"
	done
}

@test "build: assertions are on in the sanitizer build, off in the optimised one" {
	objs="common/record.o common/keymap.o cmd/cdp-merge/uf.o"
	if nm "$CDP_BUILD/bin/cdp-merge" | grep -q __asan_init; then
		for o in $objs; do
			nm "$CDP_BUILD/obj/$o" | grep -q __assert_fail ||
			    fail "$o: no assertion in the sanitizer build"
		done
	else
		for o in $objs; do
			! nm "$CDP_BUILD/obj/$o" | grep -q __assert_fail ||
			    fail "$o: assertions left in the optimised build"
		done
	fi
}
