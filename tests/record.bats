#!/usr/bin/env bats
# The record layer through a program: every vector level (CDP_SIMD) keeps
# and rejects the same lines with the same reasons, whatever the length of
# a line's last 64-byte word.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "record: every vector level, avx512 included, gives the same records" {
	# Lines of 60 to 140 bytes: valid ones, a string cut by a control
	# character, a bad escape and invalid UTF-8 near the end.
	for n in $(seq 60 140); do
		pad=$(printf '%*s' $((n - 20)) '' | tr ' ' x)
		case $((n % 4)) in
		0) printf '{"k":"%s","n":-1.5}\n' "$pad" ;;
		1) printf '{"k":"%s\\u00e9","a":[1,{}]}\n' "$pad" ;;
		2) printf '{"k":"%s\t"}\n' "$pad" ;;
		3) printf '{"k":"%s\\q","z":null}\n' "$pad" ;;
		esac
	done >in.ndjson
	printf '{"k":"\xc3\xa9\xc3"}\n' >>in.ndjson
	for level in scalar sse2 avx2 avx512; do
		CDP_SIMD=$level cdp-segment --rejects "r.$level" in.ndjson \
		    >"o.$level"
	done
	for level in sse2 avx2 avx512; do
		cmp o.scalar "o.$level"
		cmp r.scalar "r.$level"
	done
	assert_equal "$(wc -l <o.scalar)" 41
	assert_equal "$(jq -r ._error r.scalar | sed 's/ at byte [0-9]*//' |
	    sort | uniq -c | sed 's/^ *//' | tr '\n' '|')" \
	    '20 control character in string|1 invalid UTF-8|20 invalid escape|'
	assert_equal "$(jq -r ._error r.scalar | sed -n '1p;2p;$p' | tr '\n' '|')" \
	    'control character in string at byte 49|invalid escape at byte 50|invalid UTF-8 at byte 9|'
}
