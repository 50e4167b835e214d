#!/usr/bin/env bats
# Scaling out with GNU parallel: record-local stages under `parallel
# --pipe` and keyed stages per cdp-partition part give what one process
# gives.  (The recipes are in cdpipe(7), section SCALING OUT.)
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	command -v parallel >/dev/null || skip "GNU parallel is not installed (make deps)"
	"$CDP_BUILD/bench/gen_events" -n 20000 -s 11 > ev.ndjson
}

@test "scale: cdp-segment under parallel --pipe --keep-order equals one process" {
	cdp-segment -w 'revenue > 0' -d 'mail=channel == "email"' \
	    -d 'big=revenue >= 100' ev.ndjson > one
	# 256 KiB blocks: about ten chunks, two jobs at a time.
	parallel --pipe --block 256k -j2 --keep-order \
	    cdp-segment -w "'revenue > 0'" -d "'mail=channel == \"email\"'" \
	    -d "'big=revenue >= 100'" < ev.ndjson > many
	assert_equal "$(wc -l < one)" "$(wc -l < many)"
	run cmp one many
	assert_success
}

@test "scale: cdp-ingest of many files in parallel equals one after another" {
	split -n l/4 -d ev.ndjson part.
	for f in part.0*; do
		cdp-ingest --format ndjson --normalize email "$f"
	done > one
	parallel -j2 --keep-order cdp-ingest --format ndjson --normalize email \
	    {} ::: part.0* > many
	run cmp one many
	assert_success
}

@test "scale: cdp-dedupe per cdp-partition part, in parallel, equals one run" {
	cdp-dedupe -k email --normalize email ev.ndjson \
	    | sort > one
	cdp-partition -k email --normalize email -n 8 -o parts ev.ndjson
	parallel -j2 cdp-dedupe -k email --normalize email {} \
	    ::: parts/part-*.ndjson | sort > many
	run cmp one many
	assert_success
}
