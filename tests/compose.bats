#!/usr/bin/env bats
# The stages compose (issue 15): one profile shape that every program
# reads, identifiers given as arrays, and the profiles of cdp-merge fed
# to each downstream program.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' \
	    '{"customer_id":"C1","email":"Ann@x.io","phone":"+4791234567","ts":"2026-01-05","revenue":10,"consent":{"ads":true,"email":true},"_src":"crm","_line":2}' \
	    '{"customer_id":"C1","email":"ann@x.io","ts":"2026-02-05","revenue":30,"consent":{"ads":true,"email":true},"_src":"shop","_line":2}' \
	    '{"customer_id":"C2","email":"bob@x.io","ts":"2026-02-10","revenue":5,"consent":{"ads":false},"_src":"shop","_line":3}' \
	    > events.ndjson
}

@test "compose: a profile of cdp-merge is read by export, score, segment, dedupe and partition" {
	cdp-merge --ids email,phone,customer_id --profiles events.ndjson > profiles.ndjson
	run jq -c '[.customer_id, .email, .phone]' profiles.ndjson
	assert_output '["C1","Ann@x.io","+4791234567"]
["C2","bob@x.io",null]'
	run_split cdp-export --platform google --fields email,phone --stats profiles.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(stats_core "$stderr")" '{"read":2,"written":1,"rejected":0,"dropped":1,"no_consent":1,"no_identifier":0,"bad_values":0}'
	run_split cdp-score rfm --id profile_id --time ts --amount revenue --as-of 2026-03-01 profiles.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
	run cdp-dedupe --key email --normalize email profiles.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
}

@test "compose: every program that takes an identifier takes an array of them" {
	# The whole arrays, as --rule F=all writes them.
	cdp-merge --ids email,customer_id --profiles --rule email=all \
	    --rule customer_id=all events.ndjson > all.ndjson
	run jq -c .email all.ndjson
	assert_output '["Ann@x.io","ann@x.io"]
["bob@x.io"]'
	# export: the first value that normalises.
	printf '%s\n' '{"email":["not an email","B@x.io"],"consent":{"ads":true}}' \
	    '{"email":[{}],"consent":{"ads":true}}' > e.ndjson
	run_split cdp-export --platform generic --fields email:email --no-hash --no-consent-filter --format ndjson --stats e.ndjson
	assert_success
	assert_output '{"email":"b@x.io"}'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"written":1,"rejected":0,"dropped":1,"no_consent":0,"no_identifier":1,"bad_values":1}'
	# score and journey: the first value is the customer.
	printf '%s\n' '{"customer_id":["C1","C9"],"ts":"2026-01-01","revenue":10}' \
	    '{"customer_id":"C1","ts":"2026-02-01","revenue":5}' \
	    '{"customer_id":[7],"ts":"2026-02-01","revenue":5}' > tx.ndjson
	run cdp-score rfm --as-of 2026-03-01 tx.ndjson
	assert_success
	assert_equal "$(jq -c '[.customer_id, .frequency]' <<< "$output" | tr '\n' ' ')" '[7,1] ["C1",2] '
	printf '%s\n' '{"customer_id":[{}],"ts":"2026-01-01","revenue":10}' > bad.ndjson
	run_split cdp-score rfm --as-of 2026-03-01 bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: bad.ndjson:1: field "customer_id": not a string or number'
	# partition: the first value, as cdp-dedupe keys it.
	printf '%s\n' '{"e":["a@x.io","z@x.io"]}' '{"e":"a@x.io"}' > p.ndjson
	cdp-partition -k e --parts 4 -o parts p.ndjson
	run sh -c 'for f in parts/part-*.ndjson; do wc -l < "$f"; done | sort -n | tail -1'
	assert_output 2
}

@test "compose: cdp-journey groups by the first value of an array profile id" {
	cat > j.json <<'J'
{"name":"welcome","stages":[{"name":"new","entry":"true","actions":[{"name":"hello","channel":"email","when":"event == \"signup\"","template":"t1"}]}]}
J
	printf '%s\n' '{"profile_id":["p1","p9"],"ts":"2026-03-01T10:00:00Z","event":"signup","consent":{"email":true}}' \
	    '{"profile_id":"p1","ts":"2026-03-01T10:05:00Z","event":"signup","consent":{"email":true}}' > ev.ndjson
	run cdp-journey -j j.json --as-of 2026-03-01T12:00:00Z ev.ndjson
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .profile_id <<< "$output")" p1
	printf '{"profile_id":[true],"ts":"2026-03-01T10:00:00Z","event":"signup"}\n' > bad.ndjson
	run_split cdp-journey -j j.json --as-of 2026-03-01T12:00:00Z bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-journey: bad.ndjson:1: profile id is not a string or number'
}
