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
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":9,"written":9,"rejected":0,"dropped":0,"nokey":2,"fallback":0,"largest_part":0,"largest_part_records":5,"largest_part_pct":56}'
	assert_equal "$(ls parts | paste -sd' ')" \
	    "manifest.json part-000.ndjson part-001.ndjson part-002.ndjson"
	# Fixed by XXH3-64 of the key bytes: the same on every machine.
	assert_equal "$(jq -c .id parts/part-000.ndjson | paste -sd,)" "2,4,5,7,9"
	assert_equal "$(jq -c .id parts/part-001.ndjson | paste -sd,)" "8"
	assert_equal "$(jq -c .id parts/part-002.ndjson | paste -sd,)" "1,3,6"
	# Records are copied byte for byte.
	run bash -c 'cat parts/part-* | sort'
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
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":2,"written":1,"rejected":1,"dropped":0,"nokey":0,"fallback":0,"largest_part":1,"largest_part_records":1,"largest_part_pct":100}'
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
	assert_line --index 0 "usage: cdp-partition --key F[,F...][|G...] --parts N -o DIR [options] [FILE...]"
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-partition.1"
	assert_success
	assert_equal "$stderr" ""
	page=$(groff -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-partition.1" 2>/dev/null | col -b)
	for o in $(cdp-partition --help | grep -o -- '--[a-z-]*' | sort -u); do
		[[ "$page" == *"$o"* ]] || { echo "missing $o"; false; }
	done
}

# --- re-runs, skew (issue 25.3, 25.4) -------------------------------------------

@test "partition: the manifest names the parts, their counts, the key and the inputs' checksums" {
	cdp-partition -k email --normalize email --parts 3 -o parts people.ndjson
	sum=$(xxh128sum people.ndjson 2>/dev/null | cut -d' ' -f1) || sum=
	run jq -c 'del(.inputs[0].xxh3_128)' parts/manifest.json
	assert_output '{"parts":3,"key":"email","normalize":["email"],"spread":false,"read":9,"written":9,"rejected":0,"nokey":2,"fallback":0,"files":[{"name":"part-000.ndjson","records":5},{"name":"part-001.ndjson","records":1},{"name":"part-002.ndjson","records":3}],"inputs":[{"name":"people.ndjson","bytes":'"$(wc -c < people.ndjson)"'}]}'
	run jq -r '.inputs[0].xxh3_128' parts/manifest.json
	assert_output --regexp '^[0-9a-f]{32}$'
	[ -z "$sum" ] || assert_output "$sum"
	# The counts are the parts' lines.
	for i in 0 1 2; do
		assert_equal "$(jq ".files[$i].records" parts/manifest.json)" \
		    "$(wc -l < "parts/$(jq -r ".files[$i].name" parts/manifest.json)")"
	done
	# Standard input has no checksum.
	cdp-partition -k email --parts 2 -o p2 < people.ndjson
	assert_equal "$(jq -c .inputs p2/manifest.json)" '[{"name":"<stdin>","xxh3_128":null}]'
}

@test "partition: a used folder is refused; --clean replaces an earlier run's parts and nothing else" {
	cdp-partition -k email --parts 8 -o pn people.ndjson
	run_split cdp-partition -k email --parts 4 -o pn people.ndjson
	assert_failure 73
	assert_equal "$stderr" "cdp-partition: pn: not empty: the parts of two runs would mix (--clean replaces an earlier run's)"
	assert_equal "$(jq .parts pn/manifest.json)" 8
	run cdp-partition -k email --parts 4 -o pn --clean people.ndjson
	assert_success
	assert_equal "$(ls pn | paste -sd' ')" "manifest.json part-000.ndjson part-001.ndjson part-002.ndjson part-003.ndjson"
	# The documented glob reads the input once, not twice.
	assert_equal "$(cat pn/part-*.ndjson | wc -l)" 9
	# A stale temporary of a part goes too; a file of the user's stops it.
	touch pn/.part-001.ndjson.Ab12Cd
	run cdp-partition -k email --parts 2 -o pn --clean people.ndjson
	assert_success
	assert_equal "$(ls -A pn | paste -sd' ')" "manifest.json part-000.ndjson part-001.ndjson"
	touch pn/notes.txt
	run_split cdp-partition -k email --parts 2 -o pn --clean people.ndjson
	assert_failure 73
	assert_equal "$stderr" 'cdp-partition: pn: --clean: "notes.txt" was not made by cdp-partition: not removed, nothing written'
	assert_file_exist pn/part-000.ndjson
	# An empty folder is fine.
	mkdir empty
	run cdp-partition -k email --parts 2 -o empty people.ndjson
	assert_success
}

@test "partition: a failed run leaves no manifest: an unfinished folder is never taken for a finished one" {
	cdp-partition -k email --parts 2 -o pn people.ndjson
	printf '{"email":"a@b.c"}\nnot json\n' > bad.ndjson
	run cdp-partition -k email --parts 2 -o pn --clean bad.ndjson
	assert_failure 65
	assert_file_not_exist pn/manifest.json
}

@test "partition: records without the key go by the next key of the list, or --spread by the whole record" {
	printf '%s\n' '{"id":1,"email":"a@x.io","phone":"+15550000001"}' '{"id":2,"phone":"+15550000002"}' \
	    '{"id":3,"phone":"+15550000003"}' '{"id":4,"cookie":"c4"}' '{"id":5,"cookie":"c5"}' \
	    '{"id":6}' '{"id":7}' '{"id":8}' > k.ndjson
	run_split cdp-partition -k 'email|phone|cookie' --parts 4 -o a --stats k.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":8,"written":8,"rejected":0,"dropped":0,"nokey":3,"fallback":4,"largest_part":0,"largest_part_records":5,"largest_part_pct":63}'
	# A record with an email goes where -k email puts it.
	cdp-partition -k email --parts 4 -o b k.ndjson
	for f in a/part-*.ndjson; do
		grep -q '"id":1,' "$f" || continue
		grep -q '"id":1,' "b/${f#a/}"
	done
	run_split cdp-partition -k 'email|phone|cookie' --parts 4 -o c --spread --stats k.ndjson
	assert_success
	assert_equal "$(jq -c .largest_part_pct <<< "$stderr")" 38
	assert_equal "$(jq -c '[.spread, .key]' c/manifest.json)" '[true,"email|phone|cookie"]'
	run_split cdp-partition -k 'email||phone' --parts 2 -o d k.ndjson
	assert_failure 64
}
