#!/usr/bin/env bats
# A week of a CDP (issue 15): bench/gen_week makes 7 days of five sources
# with the truth of who is who, examples/daily/nightly.sh runs each night
# on that day's files and the state of the night before, and
# tests/e2e/check.py measures the week against the truth.  Asserted here:
# what holds on this build.  Known gaps, measured by check.py but not yet
# asserted (see the report of issue 15): national phones of other
# countries than --default-country (15.8).
load helper

DAYS=7

setup_file() {
	local gen="$BATS_FILE_TMPDIR/gen" run="$BATS_FILE_TMPDIR/run" d date

	"$CDP_BUILD/bench/gen_week" -o "$gen" -d "$DAYS" -p 300
	mkdir -p "$run"
	for d in $(seq 1 "$DAYS"); do
		date=$(date -u -d "2026-03-02 + $((d - 1)) day" +%F)
		bash "$BATS_TEST_DIRNAME/../examples/daily/nightly.sh" \
		    "$gen/day-$d" "$date" "$run/state-$((d - 1))" \
		    "$run/state-$d" "$run/out-$d" 2> "$run/night-$d.err" ||
		    { cat "$run/night-$d.err" >&2; return 1; }
	done
	python3 "$BATS_TEST_DIRNAME/e2e/check.py" "$gen" "$run" "$DAYS" \
	    > "$BATS_FILE_TMPDIR/check.ndjson"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	GEN="$BATS_FILE_TMPDIR/gen"
	RUN="$BATS_FILE_TMPDIR/run"
	CHECK="$BATS_FILE_TMPDIR/check.ndjson"
	load_stats
}

# The nights' stats.log counts, by "DAY STAGE FIELD", read by one jq.
load_stats() {
	local k v
	declare -gA STATS=()
	while IFS=$'\t' read -r k v; do
		STATS[$k]=$v
	done < <(for d in $(seq 1 "$DAYS"); do
		while read -r day stage json; do
			printf '%s %s %s\n' "$d" "$stage" "$json"
		done < "$RUN/out-$d/stats.log"
	done | jq -R -r 'capture("^(?<d>[0-9]+) (?<s>[^ ]+) (?<j>.*)$") |
	    .d as $d | .s as $s | .j | fromjson | to_entries[] |
	    "\($d) \($s) \(.key)\t\(.value)"')
}

# stat DAY STAGE FIELD: one of those counts (0 when absent).
stat() {
	echo "${STATS["$1 $2 $3"]:-0}"
}

@test "e2e: the nightly script runs on cdpipe and the shell alone" {
	run grep -nwE 'jq|mlr|miller|awk|gawk|sed|perl|python3?' \
	    <(grep -v '^[[:space:]]*#' "$BATS_TEST_DIRNAME/../examples/daily/nightly.sh")
	assert_failure
	# Each night says what every stage did, one line each.
	for d in $(seq 1 "$DAYS"); do
		assert_equal "$(wc -l < "$RUN/out-$d/stats.log")" 21
		assert_equal "$(cat "$RUN/night-$d.err")" ""
	done
}

@test "e2e: every input record is in the night's records, a rejects file with its reason, or a duplicate counted" {
	# Every reject says why.
	run jq -c 'select((._error | length) == 0)' "$RUN"/out-*/rejects/*.ndjson
	assert_output ""
	for d in $(seq 1 "$DAYS"); do
		records=0
		declare -A want=()
		while read -r n f; do
			want[${f%%-*}]=$n
		done < <(jq -r .file "$GEN"/day-$d/truth-* | sort | uniq -c)
		for s in crm web pos consent email; do
			assert_equal "$(stat "$d" "ingest-$s" read)" "${want[$s]:-0}"
			rej=$(stat "$d" "ingest-$s" rejected)
			assert_equal "$(( $(stat "$d" "ingest-$s" written) + rej ))" "${want[$s]:-0}"
			assert_equal "$(grep -c . "$RUN/out-$d/rejects/$s.ndjson" || true)" "$rej"
			written=$(stat "$d" "ingest-$s" written)
			case $s in web|email)
				assert_equal "$(stat "$d" "seen-$s" read)" "$written"
				written=$(stat "$d" "dedupe-$s" written)
				assert_equal "$(( written + $(stat "$d" "seen-$s" dropped) + $(stat "$d" "dedupe-$s" merged) ))" \
				    "$(stat "$d" "ingest-$s" written)" ;;
			esac
			records=$((records + written))
		done
		assert_equal "$(wc -l < "$RUN/out-$d/records.ndjson")" "$records"
	done
	# The duplicates are the events sent again the next day.
	assert_equal "$(stat 1 seen-web dropped)" 0
	[ "$(stat 2 seen-web dropped)" -gt 0 ]
}

@test "e2e: identity against the truth: pairwise F1 >= 0.97 every night, no id changes but joins the id map names" {
	run jq -r 'select(.f1 < 0.97 or .id_changed > 0) | [.day, .f1, .id_changed] | @tsv' "$CHECK"
	assert_output ""
	assert_equal "$(grep -c . "$CHECK")" "$DAYS"
}

@test "e2e: no message twice, none without consent, none in quiet hours, caps hold across nights" {
	run jq -r 'select(.sent_twice + .no_consent + .quiet_hours + .over_cap > 0) | tostring' "$CHECK"
	assert_output ""
	# Messages are decided every night.
	run jq -s 'map(.sent) | min' "$CHECK"
	[ "$output" -gt 0 ]
}

@test "e2e: no message for history older than its window; a cart of an earlier buyer gets its reminder again" {
	run jq -r 'select(.old_history > 0 or
	    (.reentry_due > 0 and .reentry_sent == 0)) | tostring' "$CHECK"
	assert_output ""
}

@test "e2e: scores and segments reach the profiles through cdp-join; exports hash what the platforms expect" {
	for d in $(seq 1 "$DAYS"); do
		assert_equal "$(stat "$d" join-rfm matched)" "$(stat "$d" rfm output)"
		assert_equal "$(jq -r 'select(.rfm_segment) | .profile_id' "$RUN/out-$d/profiles.ndjson" | grep -c .)" \
		    "$(stat "$d" rfm output)"
		assert_equal "$(stat "$d" join-rfm rejected)" 0
		[ "$(stat "$d" segment segment.champions)" -gt 0 ]
	done
	run jq -s -r 'map(.export_header + " " + (.export_hashed | tostring)) | unique | .[]' "$CHECK"
	assert_output "Email,Phone,First Name,Last Name,Country true"
	[ "$(stat "$DAYS" export written)" -gt 0 ]
}

@test "e2e: a night run again from the same state gives the same results, byte for byte" {
	bash "$BATS_TEST_DIRNAME/../examples/daily/nightly.sh" "$GEN/day-3" \
	    2026-03-04 "$RUN/state-2" state out
	for f in records.ndjson profiles.ndjson decisions.ndjson id-map.ndjson \
	    google-customer-match.csv segments.csv; do
		cmp "$RUN/out-3/$f" "out/$f"
	done
	# The stats lines' run keys (time, memory) differ from run to run.
	assert_equal "$(stats_core "$(cat out/stats.log)")" \
	    "$(stats_core "$(cat "$RUN/out-3/stats.log")")"
	for f in "$RUN"/state-3/*; do
		cmp "$f" "state/${f##*/}"
	done
}

@test "e2e: the nightly script's misuse and a missing day file stop the night with a message" {
	run bash "$BATS_TEST_DIRNAME/../examples/daily/nightly.sh" a b
	assert_failure 64
	mkdir empty
	run_split bash "$BATS_TEST_DIRNAME/../examples/daily/nightly.sh" empty \
	    2026-03-02 none state out
	assert_failure 66
	[[ "$stderr" == "nightly 2026-03-02 ingest-crm: cdp-ingest: empty/crm-2026-03-02.csv: cannot open"* ]]
}
