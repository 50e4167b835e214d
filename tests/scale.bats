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
	cdp-segment --where 'revenue > 0' -d 'mail=channel == "email"' \
	    -d 'big=revenue >= 100' ev.ndjson > one
	# 256 KiB blocks: about ten chunks, two jobs at a time.
	parallel --pipe --block 256k -j2 --keep-order \
	    cdp-segment --where "'revenue > 0'" -d "'mail=channel == \"email\"'" \
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
	cdp-partition -k email --normalize email --parts 8 -o parts ev.ndjson
	parallel -j2 cdp-dedupe -k email --normalize email {} \
	    ::: parts/part-*.ndjson | sort > many
	run cmp one many
	assert_success
}

# The phases of cdp-merge, run as cdpipe(7) shows them: links per part
# into 3 buckets, the join's rounds two buckets at a time until one
# writes done, the map applied per part, reading the part's slice.  The
# parts are cdp-partition's files, or with RANGES=N the N byte ranges of
# ev.ndjson (--part K/N).
merge_two_phase() {
	local o="--ids email,phone --default-country US --rejects /dev/null"
	local k="--hash-key-file key" r=0
	local -a parts=({} ::: parts/part-*.ndjson)

	[ -z "$RANGES" ] || parts=(--part {}/$RANGES ev.ndjson ::: $(seq $RANGES))
	printf '%032d' 42 > key
	rm -rf join
	parallel -j2 cdp-merge $o $k "$@" --emit-links --buckets 3 -o join/r0 \
	    "${parts[@]}"
	[ -z "$PRIOR" ] || cdp-merge $o $k "$@" --emit-prior --buckets 3 \
	    -o join/r0 "$PRIOR"
	while [ ! -e join/r$r/done ]; do
		parallel -j2 cdp-merge $o $k "$@" ${GATHER:+--gather $GATHER} \
		    --join-links -o join/r$((r + 1)) {} ::: join/r$r/to-*
		r=$((r + 1))
		[ $r -lt 40 ]
	done
	[ -z "$PRIOR" ] || cp join/r$r/id-map.ndjson idmap.many
	parallel -j2 cdp-merge $o $k "$@" --apply-map join/r$r "${parts[@]}" \
	    | sort > many
	MAP=join/r$r ROUNDS=$r
}

@test "scale: cdp-merge in two phases over email parts equals one process" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	cdp-merge $o ev.ndjson | sort > one
	cdp-partition -k email --normalize email --parts 4 --spread -o parts ev.ndjson
	merge_two_phase
	run cmp one many
	assert_success
	# Without gathering the last edges in bucket 0, the components are
	# found across buckets, in more rounds, to the same result.
	local gathered=$ROUNDS
	GATHER=0 merge_two_phase
	run cmp one many
	assert_success
	[ "$ROUNDS" -gt "$gathered" ]
	# Some people's emails landed in different parts, joined by a phone:
	# the case a per-part merge would get wrong.
	for p in parts/part-*.ndjson; do
		cdp-merge $o --hash-key-file key --apply-map $MAP "$p" \
		    | grep -o '"profile_id":"[^"]*"' | sort -u
	done | sort | uniq -d > spread
	[ "$(wc -l < spread)" -gt 10 ]
}

@test "scale: cdp-merge in two phases over byte ranges of the one file equals one process" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	cdp-merge $o --max-degree 3 ev.ndjson | sort > one
	# No cdp-partition: each phase reads its range of ev.ndjson.
	RANGES=5 merge_two_phase --max-degree 3
	run cmp one many
	assert_success
	assert_equal "$(ls join/r$ROUNDS | tr '\n' ' ')" \
	    "done map-1-of-5 map-2-of-5 map-3-of-5 map-4-of-5 map-5-of-5 "
}

# --id-key-file names people by a keyed hash in the naming rounds and in
# the apply: the ids equal one process's with the key, and a round run
# with another id key, or none, is refused.
@test "scale: cdp-merge two phases with --id-key-file equal one process" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	printf '%032d' 5 > idkey
	printf '%032d' 6 > idkey2
	cdp-merge $o --id-key-file idkey ev.ndjson | sort > one
	cdp-merge $o ev.ndjson | sort > plain
	cdp-partition -k email --normalize email --parts 4 --spread -o parts ev.ndjson
	merge_two_phase --id-key-file idkey
	run cmp one many
	assert_success
	# The same people, under other names.
	run cmp -s one plain
	assert_failure
	assert_equal "$(sed 's/"profile_id":"p_[0-9a-f]\{32\}"//' one | cmp - \
	    <(sed 's/"profile_id":"p_[0-9a-f]\{32\}"//' plain) && echo same)" same
	run_split cdp-merge $o --hash-key-file key --id-key-file idkey2 \
	    --join-links -o other join/r0/to-0
	assert_failure 65
	[[ "$stderr" == *"written with other options"* ]]
	run_split cdp-merge $o --hash-key-file key --join-links -o other \
	    join/r0/to-0
	assert_failure 65
	[[ "$stderr" == *"written with other options"* ]]
	run_split cdp-merge $o --hash-key-file key --id-key-file idkey2 \
	    --apply-map $MAP parts/part-000.ndjson
	assert_failure 65
	[[ "$stderr" == *"written with other options"* ]]
	# Byte ranges: the apply names from the emit's records file.
	RANGES=3 merge_two_phase --id-key-file idkey
	run cmp one many
	assert_success
}

@test "scale: cdp-merge two phases: --max-degree counts sets over all parts" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	cdp-merge $o --max-degree 2 --stats ev.ndjson 2> stats | sort > one
	grep -q '"over_degree":81[,}]' stats
	cdp-partition -k email --normalize email --parts 4 --spread -o parts ev.ndjson
	merge_two_phase --max-degree 2
	run cmp one many
	assert_success
}

@test "scale: cdp-merge two phases keep --prior ids and write the same --id-map" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	# Last month's ids, from fewer events, renamed so that every kept
	# id shows.
	head -n 12000 ev.ndjson | cdp-merge $o \
	    | sed 's/"profile_id":"p_/"profile_id":"old_/' > prior
	cdp-merge $o --prior prior --id-map idmap.one ev.ndjson | sort > one
	[ "$(grep -c '"profile_id":"old_' one)" -gt 5000 ]
	[ "$(wc -l < idmap.one)" -gt 3 ]
	cdp-partition -k email --normalize email --parts 4 --spread -o parts ev.ndjson
	PRIOR=prior merge_two_phase
	run cmp one many
	assert_success
	run cmp idmap.one idmap.many
	assert_success
	# Keyed ids: the ledger's new ids are the keyed ones, alike.
	printf '%032d' 5 > idkey
	cdp-merge $o --id-key-file idkey --prior prior --id-map idmap.one \
	    ev.ndjson | sort > one
	PRIOR=prior merge_two_phase --id-key-file idkey
	run cmp one many
	assert_success
	run cmp idmap.one idmap.many
	assert_success
}

# An earlier run's output merged again with new events: the records
# carry profile ids, which one process keeps as --prior ids.  Two runs'
# outputs give some values two ids (which then claim nothing).  The parts
# once dropped the carried ids and named every cluster afresh, and wrote
# records whose profile_id one process rejects.
@test "scale: cdp-merge two phases keep the ids records carry, as one process" {
	local o="--ids email,phone --default-country US --rejects /dev/null"

	head -n 12000 ev.ndjson | cdp-merge $o \
	    | sed 's/"profile_id":"p_/"profile_id":"old_/' > carry
	sed -n '8001,20000p' ev.ndjson | cdp-merge $o \
	    | sed 's/"profile_id":"p_/"profile_id":"two_/' >> carry
	sed -n '20001,$p' ev.ndjson >> carry
	# Ids cdp-merge cannot have written: rejected by every phase.
	printf '%s\n' '{"email":"bad1@example.com","profile_id":5}' \
	    '{"email":"bad2@example.com","profile_id":""}' >> carry
	cdp-merge $o --id-map idmap.one carry | sort > one
	run grep -c 'bad[12]@example' one
	assert_output 0
	[ "$(grep -c '"profile_id":"old_' one)" -gt 5000 ]
	[ "$(grep -c '"profile_id":"two_' one)" -gt 1000 ]
	[ "$(grep -c '"event":"merge"' idmap.one)" -gt 3 ]
	cp carry ev.ndjson
	RANGES=4 merge_two_phase
	run cmp one many
	assert_success
	run cmp idmap.one $MAP/id-map.ndjson
	assert_success
	# --replace drops them, in both.
	cdp-merge $o --replace carry | sort > one
	RANGES=4 merge_two_phase --replace
	run cmp one many
	assert_success
	run grep -c '"profile_id":"old_' many
	assert_output 0
}

@test "scale: cdp-report group --partial per chunk under parallel, one --merge equals one run" {
	local a="--by channel,type --agg count,sum:revenue,avg:revenue,distinct:email,p50:revenue"

	cdp-report group $a --format ndjson ev.ndjson > one
	parallel --pipe --block 256k -j2 cdp-report group $a --partial \
	    < ev.ndjson > partials
	[ "$(grep -c . partials)" -gt "$(grep -c . one)" ]
	cdp-report group $a --merge --format ndjson partials > many
	run cmp one many
	assert_success
}

# Past the exact limit of 65,536 values a profile field turns to a
# HyperLogLog and a space-saving sketch: chunks of 256 KiB (about 9,000
# ids each) stay exact and their merge crosses the limit; chunks of 4 MiB
# (all 70,000 ids in one) are approximate themselves (issue 25.1).
@test "scale: cdp-report profile partials merge on both sides of the exact limit" {
	awk 'BEGIN { for (i = 1; i <= 70000; i++)
		printf "{\"id\":\"user-%d\",\"k\":%d}\n", i, i % 5 }' >ids.ndjson
	cdp-report profile -f ndjson ids.ndjson >one
	for block in 256k 4M; do
		parallel --pipe --block $block -j2 cdp-report profile --partial \
		    <ids.ndjson >partials
		run_split cdp-report profile --merge -f ndjson partials
		assert_success
		assert_equal "$(jq -c 'del(.top)' <<<"$output")" "$(jq -c 'del(.top)' one)"
		assert_line --index 0 --regexp '"distinct_exact":false,.*"top_exact":false'
	done
}

# Hadoop Streaming: mappers on three input splits, the shuffle (sort by
# the key, the values of a key in no set order) and two reducers, each
# given the keys that hash to it, as cdpipe(7) describes them.
@test "scale: the Hadoop Streaming pair dedupe-map, dedupe-reduce equals one cdp-dedupe" {
	local ex="$BATS_TEST_DIRNAME/../examples/hadoop" d="--keep newest:ts"
	local tab=$'\t'

	cdp-dedupe -k email --normalize email $d ev.ndjson | sort > one
	split -n l/3 -d ev.ndjson split.
	for f in split.0*; do
		"$ex/dedupe-map" -k email --normalize email < "$f" > "$f.map"
	done
	# KEY<TAB>RECORD, every key a part number of the same 64.
	run cut -f 1 split.00.map
	assert_line --index 0 --regexp '^[0-9]{3}$'
	[ "$(cat split.0*.map | cut -f 1 | sort -u | wc -l)" -le 64 ]
	[ "$(cat split.0*.map | wc -l)" -eq "$(wc -l < ev.ndjson)" ]
	cat split.0*.map | sort -t "$tab" -k 1,1 \
	    | awk -F "$tab" '{ print > ("reduce." ($1 % 2)) }'
	for r in reduce.0 reduce.1; do
		"$ex/dedupe-reduce" -k email --normalize email $d < "$r"
	done | sort > many
	run cmp one many
	assert_success
	# A bad option reaches cdp-partition and fails the task.
	run "$ex/dedupe-map" --no-such-option < split.00
	assert_failure 64
}
