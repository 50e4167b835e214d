#!/usr/bin/env bats
# No program silently overwrites a field it did not create (issue 15.4):
# each program that adds fields to the records it reads is run on a
# record that already holds each of those fields in a shape the program
# cannot have written.  The record is bad (65, `field "NAME" already
# exists`), or, with --replace, gets the program's own value.  cdp-score's
# fields (rfm, clv --annotate) are tested with cdp-score.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '{"e":"a@x.io","n":1}\n{"e":"b@x.io","n":2}\n' > t.ndjson
}

# The programs, the field, a value of it the program cannot have written,
# and what --replace must leave in the field (a jq filter on line 2 that
# is true).
ROWS='cdp-ingest -f ndjson|_src|"x"|._src == "stdin"
cdp-ingest -f ndjson|_line|"x"|._line == 2
cdp-dedupe --key e --mark|_dup_of|"x"|._dup_of == "<stdin>:1"
cdp-merge --ids e|profile_id|7|.profile_id | test("^p_[0-9a-f]{32}$")
cdp-merge --ids e --profiles|_records|"x"|._records == 2
cdp-merge --ids e --profiles|_sources|"x"|._sources == []
cdp-merge --ids e --profiles|_ids|[]|has("_ids") | not
cdp-segment -d s=true|segments|"x"|.segments == ["s"]
cdp-join -k e t.ndjson|n|"x"|.n == 1'

@test "collide: a field a program writes, held in another shape, is 65 naming it, or replaced with --replace" {
	while IFS='|' read -r prog field value check; do
		printf '{"e":"a@x.io"}\n{"e":"a@x.io","%s":%s}\n' "$field" "$value" > in.ndjson
		name=${prog%% *}
		run_split $prog < in.ndjson
		[ "$status" -eq 65 ] || fail "$prog on $field: status $status"
		assert_equal "$stderr" "$name: <stdin>:2: field \"$field\" already exists"
		run_split $prog --rejects rej.ndjson < in.ndjson
		assert_success
		assert_equal "$(jq -r ._error rej.ndjson)" "field \"$field\" already exists"
		run_split $prog --replace < in.ndjson
		[ "$status" -eq 0 ] || fail "$prog --replace on $field: $stderr"
		jq -e "$check" <<< "$(printf '%s\n' "$output" | tail -n 1)" > /dev/null ||
		    fail "$prog --replace on $field: $output"
	done <<< "$ROWS"
}

@test "collide: every field tested is in its program's OUTPUT FIELDS, every such program has --replace" {
	while IFS='|' read -r prog field value check; do
		name=${prog%% *}
		page=$(groff -man -Tutf8 "$BATS_TEST_DIRNAME/../man/$name.1" 2>/dev/null | col -b |
		    awk '/^OUTPUT FIELDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on')
		[[ -n "$page" ]] || fail "$name.1 has no OUTPUT FIELDS"
		[[ "$page" == *"$field"* ]] || [[ $name == cdp-join ]] ||
		    fail "$name.1: $field not under OUTPUT FIELDS"
		"$name" --help | grep -q -- --replace || fail "$name has no --replace"
	done <<< "$ROWS"
}

@test "collide: a field an earlier run of the same program wrote is its own" {
	# A profile_id is kept, a list of segments added to, a profile's
	# _records and _sources summed.
	printf '{"e":"a@x.io","profile_id":"p_old"}\n' | cdp-merge --ids e > o
	assert_equal "$(cat o)" '{"e":"a@x.io","profile_id":"p_old"}'
	printf '{"e":1,"segments":["a"]}\n' | cdp-segment -d b=true > o
	assert_equal "$(cat o)" '{"e":1,"segments":["a","b"]}'
	printf '{"e":"a@x.io","_records":3,"_sources":["crm"]}\n{"e":"a@x.io","_src":"web/w.csv"}\n' |
	    cdp-merge --ids e --profiles > o
	assert_equal "$(jq -c '[._records, ._sources]' o)" '[4,["crm","web"]]'
}
