#!/usr/bin/env bats
# cdp-partition: records split by a stable hash of a normalised key.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	cat > people.ndjson <<'JSON'
{"id":1,"email":"Ann@Example.com"}
{"id":2,"email":"bob@example.com"}
{"id":3,"email":" ann@example.COM "}
{"id":4}
{"id":5,"email":"carol@example.com"}
{"id":6,"email":"dave@example.com"}
{"id":7,"email":null}
{"id":8,"email":"erin@example.com"}
{"id":9,"email":"BOB@example.com"}
JSON
}

@test "partition: every record in one part, the same key in the same part" {
	run_split cdp-partition --key email --normalize email --parts 3 -o parts \
	    --stats people.ndjson
	assert_success
	assert_equal "$stderr" \
	    '{"read":9,"written":9,"rejected":0,"dropped":0,"nokey":2}'
	assert_equal "$(ls parts | paste -sd' ')" \
	    "part-000.ndjson part-001.ndjson part-002.ndjson"
	# Fixed by XXH3-64 of the key bytes: the same on every machine.
	assert_equal "$(jq -c .id parts/part-000.ndjson | paste -sd,)" "2,4,5,7,9"
	assert_equal "$(jq -c .id parts/part-001.ndjson | paste -sd,)" "8"
	assert_equal "$(jq -c .id parts/part-002.ndjson | paste -sd,)" "1,3,6"
	# Records are copied byte for byte.
	run bash -c 'cat parts/* | sort'
	assert_output "$(sort people.ndjson)"
}

@test "partition: the part of a key does not depend on order or on the other records" {
	cdp-partition -k email --normalize email --parts 3 -o a people.ndjson
	tac people.ndjson | grep -v '"id":5' \
	    | cdp-partition -k email --normalize email --parts 3 -o b
	for p in 000 001 002; do
		assert_equal "$(jq -c .id "a/part-$p.ndjson" | grep -vx 5 | sort)" \
		    "$(jq -c .id "b/part-$p.ndjson" | sort)"
	done
}

@test "partition: dedupe per part gives what dedupe gives on the whole" {
	"$CDP_BUILD/bench/gen_events" -n 20000 -s 7 > ev.ndjson
	cdp-partition -k email --normalize email --parts 4 -o p ev.ndjson
	for f in p/part-*.ndjson; do
		cdp-dedupe -k email --normalize email "$f"
	done | sort > sharded
	cdp-dedupe -k email --normalize email ev.ndjson | sort > whole
	assert_equal "$(wc -l < whole)" "$(wc -l < sharded)"
	run cmp whole sharded
	assert_success
}

@test "partition: a key value its normaliser refuses is a bad record" {
	printf '{"phone":"+48 601 234 567"}\n{"phone":"12"}\n' > ph.ndjson
	run_split cdp-partition -k phone --normalize phone --parts 2 -o out ph.ndjson
	assert_failure 65
	[[ "$stderr" == 'cdp-partition: ph.ndjson:2: field "phone": '* ]]
	assert_not_exist out/part-000.ndjson
	assert_equal "$(ls -A out)" ""
	run_split cdp-partition -k phone --normalize phone --parts 2 -o out \
	    --rejects bad.ndjson --stats ph.ndjson
	assert_success
	assert_equal "$stderr" \
	    '{"read":2,"written":1,"rejected":1,"dropped":0,"nokey":0}'
	assert_equal "$(jq -r ._line bad.ndjson)" 2
	assert_equal "$(cat out/*.ndjson)" '{"phone":"+48 601 234 567"}'
}

@test "partition: a line that is not a record is rejected with its line" {
	printf '{"email":"a@b.c"}\nnot json\n' > bad.ndjson
	run_split cdp-partition -k email --parts 2 -o out bad.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-partition: bad.ndjson:2: "* ]]
}

@test "partition: usage errors" {
	run_split cdp-partition --parts 2 -o out people.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-partition: --key is required"* ]]
	run_split cdp-partition -k email -o out people.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-partition: --parts is required"* ]]
	for n in 0 1025 x -3; do
		run_split cdp-partition -k email --parts "$n" -o out people.ndjson
		assert_failure 64
		[[ "$stderr" == "cdp-partition: --parts: expected a number from 1 to 1024"* ]]
	done
	run_split cdp-partition -k email --parts 2 people.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-partition: -o DIR is required"* ]]
	run_split cdp-partition -k email --parts 2 -o - people.ndjson
	assert_failure 64
	run_split cdp-partition -k email --normalize email:nope --parts 2 -o o \
	    people.ndjson
	assert_failure 64
	assert_not_exist o
}

@test "partition: an input that cannot be opened makes no folder" {
	run_split cdp-partition -k email --parts 2 -o out missing.ndjson
	assert_failure 66
	[[ "$stderr" == "cdp-partition: missing.ndjson: cannot open"* ]]
	assert_not_exist out
	mkdir adir
	run_split cdp-partition -k email --parts 2 -o out adir
	assert_failure 66
	[[ "$stderr" == "cdp-partition: adir: is a directory"* ]]
}

@test "partition: --help, and the man page lists every option" {
	run cdp-partition --help
	assert_success
	assert_line --index 0 "usage: cdp-partition --key F[,F...] --parts N -o DIR [options] [FILE...]"
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-partition.1"
	assert_success
	assert_equal "$stderr" ""
	page=$(groff -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-partition.1" 2>/dev/null | col -b)
	for o in $(cdp-partition --help | grep -o -- '--[a-z-]*' | sort -u); do
		[[ "$page" == *"$o"* ]] || { echo "missing $o"; false; }
	done
}
