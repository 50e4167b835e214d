#!/usr/bin/env bats
# Conservation: every program and subcommand, run with --stats and
# --rejects on an input with bad and blank lines, accounts for every
# record against the real line counts (tests/conserve.bash).

load helper
load conserve

S="$BATS_TEST_DIRNAME/cdp-score"
J="$BATS_TEST_DIRNAME/cdp-journey"
M="$BATS_TEST_DIRNAME/cdp-merge"
G="$BATS_TEST_DIRNAME/cdp-segment"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "conserve: the helper fails when the account does not add up" {
	# A filter that loses a record but claims it wrote it.
	cat >liar <<-'EOS'
	#!/bin/sh
	# liar --stats --rejects R FILE: drops the first line silently.
	: >"$3"
	n=$(grep -c . "$4")
	tail -n +2 "$4" | grep .
	printf '{"read":%d,"written":%d,"rejected":0,"dropped":0}\n' "$n" "$n" >&2
	EOS
	chmod +x liar
	printf '{"a":1}\n{"a":2}\n' >two.ndjson
	run conserve -i two.ndjson ./liar
	assert_failure
	assert_output --partial 'written 2, output has 1'
	# A rejects file shorter than "rejected".
	cat >liar2 <<-'EOS'
	#!/bin/sh
	: >"$3"
	printf '{"read":2,"written":1,"rejected":1,"dropped":0}\n' >&2
	head -1 "$4"
	EOS
	chmod +x liar2
	run conserve -i two.ndjson ./liar2
	assert_failure
	assert_output --partial 'rejected 1, file has 0'
	# The sum itself.
	cat >liar3 <<-'EOS'
	#!/bin/sh
	: >"$3"
	printf '{"read":2,"used":1,"rejected":0,"skipped":0}\n' >&2
	EOS
	chmod +x liar3
	run conserve -i two.ndjson ./liar3
	assert_failure
	assert_output --partial 'read != used + rejected + skipped'
	# A reject that is not the line it names.
	cat >liar4 <<-'EOS'
	#!/bin/sh
	printf '%s\n' '{"_error":"e","_line":2,"raw":"{\"a\":1}"}' >"$3"
	head -1 "$4"
	printf '{"read":2,"written":1,"rejected":1,"dropped":0}\n' >&2
	EOS
	chmod +x liar4
	run conserve -i two.ndjson ./liar4
	assert_failure
	assert_output --partial 'rejects do not match the input lines'
	sed -i 's/_line":2/_line":1/' liar4
	run conserve -i two.ndjson ./liar4
	assert_success
}

@test "conserve: the mixed input has bad and blank lines" {
	conserve_input in.ndjson
	run cdp-segment --where 'true' in.ndjson
	assert_failure 65
	conserve cdp-segment --where 'true'
	[ "$(conserve_field rejected)" -eq 5 ]
	[ "$(conserve_field read)" -eq 14 ]
}

@test "conserve: cdp-ingest" {
	conserve cdp-ingest -f ndjson
	conserve cdp-ingest -f ndjson --require email
	# Every record fails --require here: past the default reject guard.
	conserve cdp-ingest -f ndjson --normalize email --require email,name \
	    --max-reject-rate 100
	[ "$(conserve_field dropped)" -gt 0 ] || [ "$(conserve_field rejected)" -gt 5 ]
}

@test "conserve: cdp-dedupe" {
	conserve cdp-dedupe --key email
	[ "$(conserve_field merged)" -gt 0 ]
	conserve cdp-dedupe --key email --normalize email
	conserve cdp-dedupe --key email --keep last
	conserve cdp-dedupe --key email --keep most-complete
	conserve cdp-dedupe --key customer_id --mark
	[ "$(conserve_field marked)" -gt 0 ]
	[ "$(conserve_field merged)" -eq 0 ]
	conserve cdp-dedupe --block customer_id --fuzzy 'name:jw>=0.8'
}

@test "conserve: cdp-merge" {
	conserve cdp-merge --ids email
	conserve cdp-merge --ids email,customer_id --normalize email
	# --profiles: one profile per person, the rest counted as merged.
	conserve cdp-merge --ids email --profiles
	[ "$(conserve_field merged)" -gt 0 ]
	[ "$(conserve_field written)" -eq "$(wc -l <"$conserve_out")" ]
	conserve -i "$M/prob-people.ndjson" cdp-merge --probabilistic \
	    --settings "$M/prob-settings.json"
	conserve -i "$M/prob-people.ndjson" cdp-merge --probabilistic \
	    --settings "$M/prob-settings.json" --profiles
}

@test "conserve: cdp-segment" {
	conserve cdp-segment --where 'age > 28'
	[ "$(conserve_field dropped)" -gt 0 ]
	conserve cdp-segment -d 'rich=revenue >= 10' -d 'ann=name == "Ann"' \
	    --else other
	conserve cdp-segment -d 'rich=revenue >= 10' --first-match \
	    --where 'email =~ /example/'
	conserve cdp-segment --rules "$G/rules.json" --as-of 2025-06-01
	conserve -w dir=split cdp-segment --rules "$G/rules.json" \
	    --as-of 2025-06-01 --split split
	conserve cdp segment --where 'revenue >= 10'
}

@test "conserve: cdp-score rfm and clv" {
	# One record per customer: stdout has "output" lines.
	conserve -w stat=output cdp-score rfm
	conserve cdp-score rfm --as-of 2025-04-01
	conserve -w stat=used cdp-score rfm --annotate
	conserve cdp-score clv --params "$S/published.json" --as-of 2025-04-01
	conserve -i "$S/tx.ndjson" cdp-score rfm --id customer_id
}

@test "conserve: cdp-score model and points" {
	conserve cdp-score model --model "$S/model.json"
	conserve -i "$S/profiles.ndjson" cdp-score model --model "$S/model.json"
	conserve -i "$S/leads.ndjson" cdp-score points --rules "$S/rules.json" \
	    --as-of 2025-05-01
	conserve cdp-score points --rules "$S/rules.json" --as-of 2025-05-01
}

@test "conserve: cdp-report" {
	conserve cdp-report profile
	conserve cdp-report group --by customer_id --agg count,sum:revenue
	# A non-numeric revenue: rejected, or left out and still used.
	conserve cdp-report group --by channel --agg count,avg:age,sum:revenue
	conserve cdp-report group --by channel --agg count,sum:revenue \
	    --skip-nonnumeric
	[ "$(conserve_field nonnumeric)" -eq 1 ]
	conserve cdp-report funnel --by-profile customer_id \
	    --steps 'event == "view"' 'event == "buy"'
	conserve cdp-report cohort --by-profile customer_id
	conserve cdp-report attribution --path-id customer_id \
	    --conversion 'event == "buy"' --model first,last,linear
}

@test "conserve: cdp-journey sends and decisions" {
	local in="$J/events.ndjson"
	cat "$in" >ev.ndjson
	printf 'garbage\n\n{"profile_id":"p9","ts":"bad","event":"view"}\n' \
	    >>ev.ndjson
	conserve -i ev.ndjson -w stat=sent cdp-journey -j "$J/journey.json" \
	    --as-of 2026-03-01T14:00:00Z
	conserve -i ev.ndjson cdp-journey -j "$J/journey.json" \
	    --as-of 2026-03-01T14:00:00Z --dry-run
	# A dry run prints every decision: the sends and each skip.
	[ "$(wc -l <"$conserve_out")" -eq "$(jq '[to_entries[] |
	    select(.key == "sent" or (.key | startswith("skip."))) | .value] |
	    add' <<<"$conserve_stats")" ]
	conserve -i ev.ndjson -w stat=sent cdp-journey -j "$J/journey.json" \
	    --as-of 2026-03-02T14:00:00Z --cap email:1/7d
	conserve -i ev.ndjson -w stat=sent cdp-journey -j "$J/journey.json" \
	    --as-of 2026-03-01T14:00:00Z --state st.ndjson
}

@test "conserve: cdp-export" {
	conserve -w csv cdp-export --platform generic --no-consent-filter --no-hash \
	    --fields customer_id,email,name
	conserve -w csv cdp-export --platform generic --no-consent-filter \
	    --fields email,name
}

@test "conserve: cdp-partition parts" {
	# Records without the key go to part 0, counted as nokey.
	conserve -w dir=parts cdp-partition -k email --parts 3 -o parts
	[ "$(conserve_field nokey)" -gt 0 ]
	rm -rf parts
	conserve -w dir=parts cdp-partition -k customer_id --parts 1 -o parts
	rm -rf parts
	conserve -w dir=parts cdp-partition -k email --parts 16 -o parts \
	    --normalize email
}

@test "conserve: the cdp umbrella passes the account through" {
	conserve cdp dedupe --key email --normalize email
	conserve cdp merge --ids email --profiles
	conserve cdp score rfm
	conserve cdp report group --by event
	conserve -w dir=uparts cdp partition -k customer_id --parts 2 -o uparts
}
