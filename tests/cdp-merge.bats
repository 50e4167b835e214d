#!/usr/bin/env bats
# cdp-merge: deterministic identity resolution (union-find over
# identifier values), guards, stable profile ids, output handling.
load helper

F="$BATS_TEST_DIRNAME/cdp-merge"
IDS="--ids email,phone,customer_id"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# The profile_id of each output line, in order, space-separated.
ids_of() {
	sed 's/.*"profile_id":"\([^"]*\)".*/\1/' | tr '\n' ' '
}

# chain N: 2N records each sharing one value with the next, one person.
chain() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
	    printf "{\"email\":\"u%d@x.io\",\"customer_id\":\"C%d\"}\n", i, i
	    printf "{\"email\":\"u%d@x.io\",\"customer_id\":\"C%d\"}\n", i + 1, i } }'
}

# --- usage ---------------------------------------------------------------

@test "merge: --help prints the usage on stdout and exits 0" {
	run_split cdp-merge --help
	assert_success
	assert_line --index 0 "usage: cdp-merge --ids F,... [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "merge: --version" {
	run cdp-merge --version
	assert_success
	assert_output "cdp-merge (cdpipe) 0.1.0"
}

@test "merge: misuse is a usage error (64) before any output" {
	run_split cdp-merge --bogus
	assert_failure 64
	assert_equal "$output" ""
	run cdp-merge "$F/people.ndjson"
	assert_failure 64
	assert_line --index 0 "cdp-merge: --ids is required"
	run cdp-merge --ids email,email
	assert_failure 64
	assert_line --index 0 'cdp-merge: --ids: "email" given twice'
	run cdp-merge --ids email,
	assert_failure 64
	run cdp-merge --ids email --normalize email:mail
	assert_failure 64
	assert_line --index 0 'cdp-merge: --normalize: unknown kind "mail"'
	run cdp-merge --ids mobile --normalize mobile
	assert_failure 64
	assert_line --index 0 'cdp-merge: --normalize: cannot tell the kind of "mobile": write mobile:KIND'
	run cdp-merge --ids email --normalize phone
	assert_failure 64
	assert_line --index 0 'cdp-merge: --normalize: "phone" is not one of --ids'
	for bad in 0 -1 12x ""; do
		run cdp-merge --ids email --max-degree "$bad"
		assert_failure 64
		run cdp-merge --ids email --max-cluster "$bad"
		assert_failure 64
	done
	run cdp-merge --ids phone --default-country XX
	assert_failure 64
	run cdp-merge --ids phone --date-format dd/mm
	assert_failure 64
}

# --- linking ---------------------------------------------------------------

@test "merge: shared identifiers link records, transitively" {
	run_split cdp-merge $IDS "$F/people.ndjson"
	assert_success
	assert_equal "${#lines[@]}" 7
	ids=($(ids_of <<< "$output"))
	# Ann (email) - Ann B (email, phone) - A. B. (phone): one person.
	assert_equal "${ids[1]}" "${ids[0]}"
	assert_equal "${ids[2]}" "${ids[0]}"
	# Bob and Bobby share customer_id C1.
	assert_equal "${ids[4]}" "${ids[3]}"
	assert [ "${ids[3]}" != "${ids[0]}" ]
	# customer_id "ann@x.io" is not email "ann@x.io".
	assert [ "${ids[5]}" != "${ids[0]}" ]
	assert [ "${ids[6]}" != "${ids[5]}" ]
	assert_equal "$stderr" ""
}

@test "merge: records pass through byte for byte, profile_id is added last" {
	printf '{"email":"a@x.io","n":1.50,"t":"caf\\u00e9","o":{"k":[1, 2]}}\n' > in.ndjson
	run cdp-merge --ids email in.ndjson
	assert_success
	assert_output --regexp '^\{"email":"a@x.io","n":1.50,"t":"caf\\u00e9","o":\{"k":\[1, 2\]\},"profile_id":"p_[0-9a-f]{32}"\}$'
}

@test "merge: an input profile_id is kept where it stands; --replace gives a new one (issue 15.2)" {
	printf '{"profile_id":"old","email":"a@x.io"}\n{"email":"a@x.io"}\n' > in.ndjson
	run cdp-merge --ids email in.ndjson
	assert_success
	assert_output '{"profile_id":"old","email":"a@x.io"}
{"email":"a@x.io","profile_id":"old"}'
	run cdp-merge --ids email --replace in.ndjson
	assert_success
	assert_line --index 0 --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"a@x.io"\}$'
}

@test "merge: the example CRM export: Masha Kelly and M. Kelly are one person" {
	run cdp-merge --ids email,phone "$F/crm.ndjson"
	assert_success
	assert_output "$(cat "$F/expected/crm.out")"
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[4]}" "${ids[0]}"
	assert_equal "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 5
}

@test "merge: the example pipeline from cdp-ingest" {
	run bash -c "cdp-ingest --default-country GB --normalize email,phone \
	    --rejects /dev/null '$BATS_TEST_DIRNAME/../examples/crm.csv' |
	    cdp-merge --ids email,phone | grep -E '\"C00(1|5)\"'"
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${#ids[@]}" 2
	assert_equal "${ids[1]}" "${ids[0]}"
}

@test "merge: email and phone are normalised by name, other ids trimmed" {
	printf '%s\n' '{"email":"Ann@X.io"}' '{"email":" ann@x.io "}' \
	    '{"phone":"+48 601-234-567"}' '{"phone":"+48601234567"}' \
	    '{"customer_id":" C1 "}' '{"customer_id":"C1"}' \
	    '{"customer_id":"c1"}' > in.ndjson
	run cdp-merge $IDS in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
	assert_equal "${ids[3]}" "${ids[2]}"
	assert_equal "${ids[5]}" "${ids[4]}"
	assert [ "${ids[6]}" != "${ids[4]}" ]
}

@test "merge: --normalize F:KIND overrides the default" {
	printf '%s\n' '{"customer_id":"C-1"}' '{"customer_id":"c 1"}' > in.ndjson
	run cdp-merge --ids customer_id --normalize customer_id:key in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
	run cdp-merge --ids customer_id in.ndjson
	ids=($(ids_of <<< "$output"))
	assert [ "${ids[1]}" != "${ids[0]}" ]
}

@test "merge: a national phone number needs --default-country" {
	printf '%s\n' '{"phone":"020 7946 0958"}' '{"phone":"+442079460958"}' > in.ndjson
	run_split cdp-merge --ids phone in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: in.ndjson:1: field "phone": no country code and no --default-country'
	run cdp-merge --ids phone --default-country GB in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
}

@test "merge: a number's exact value is an identifier" {
	printf '%s\n' '{"customer_id":42}' '{"customer_id":"42"}' '{"customer_id":42.0}' \
	    '{"customer_id":12345678901234567890}' '{"customer_id":12345678901234567891}' > in.ndjson
	run cdp-merge --ids customer_id in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
	assert_equal "${ids[2]}" "${ids[0]}"
	assert [ "${ids[3]}" != "${ids[4]}" ]
}

# --- records without identifiers -------------------------------------------

@test "merge: a record without identifiers is its own profile, named by _src:_line" {
	printf '%s\n' '{"n":1,"_src":"a","_line":5}' '{"n":2,"_src":"a","_line":6}' \
	    '{"email":null,"phone":"","_src":"a","_line":7}' '{"n":1}' '{"n":1}' > in.ndjson
	run_split cdp-merge --stats $IDS in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "$(printf '%s\n' "${ids[@]:0:3}" | sort -u | wc -l)" 3
	# Without provenance the record's text names it.
	assert_equal "${ids[4]}" "${ids[3]}"
	assert_equal "$(stats_core "$stderr")" 'cdp-merge: warning: no record has the field "customer_id"
{"read":5,"written":5,"rejected":0,"dropped":0,"clusters":0,"unlinked":5,"ignored":0,"over_degree":0}'
	# The same record elsewhere in the input keeps its id.
	printf '%s\n' '{"x":0}' '{"n":2,"_src":"a","_line":6}' > in2.ndjson
	run_split cdp-merge $IDS --allow-no-ids in2.ndjson
	assert_success
	assert_line --index 1 --partial "\"profile_id\":\"${ids[1]}\""
}

# --- bad input ---------------------------------------------------------------

@test "merge: an object, boolean or nested array identifier is a bad record (65)" {
	for v in '{"a":1}' '[[1]]' 'true' '["a@x.io",{}]'; do
		printf '{"email":"a@x.io"}\n{"email":%s}\n' "$v" > in.ndjson
		run_split cdp-merge --ids email in.ndjson
		assert_failure 65
		assert_equal "$output" ""
		assert_equal "$stderr" 'cdp-merge: in.ndjson:2: field "email": an identifier must be a string, a number or an array of them'
	done
}

@test "merge: bad JSON stops the run with file and line (65)" {
	printf '{"email":"a@x.io"}\n\n{"email":\n' > in.ndjson
	run_split cdp-merge --ids email in.ndjson
	assert_failure 65
	assert_equal "$output" ""
	[[ "$stderr" == "cdp-merge: in.ndjson:3: "* ]]
}

@test "merge: --rejects keeps bad records out and the account balanced" {
	printf '%s\n' '{"email":"a@x.io"}' 'nope' '{"email":[true]}' \
	    '{"email":"not-an-email"}' '{"email":"A@x.io"}' > in.ndjson
	run_split cdp-merge --ids email --rejects rej.ndjson --stats in.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":2,"rejected":3,"dropped":0,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
	run cat rej.ndjson
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --partial '"_src":"in.ndjson","_line":2,"raw":"nope"}'
	assert_line --index 1 --partial '{"_error":"field \"email\": an identifier must be a string, a number or an array of them"'
	assert_line --index 2 --partial '"_line":4,'
	# Into the null device the bad records are only counted.
	run_split cdp-merge --ids email --rejects /dev/null --stats in.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":2,"rejected":3,"dropped":0,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
}

@test "merge: messages quote a value only with --verbose" {
	for i in 1 2 3; do echo "{\"email\":\"shared@x.io\",\"customer_id\":\"C$i\"}"; done > in.ndjson
	run_split cdp-merge --ids email,customer_id --max-degree 2 in.ndjson
	assert_success
	assert_equal "$stderr" 'cdp-merge: field "email": a value is on 3 records with different identifiers (over --max-degree 2): not linked'
	run_split cdp-merge --ids email,customer_id --max-degree 2 --verbose in.ndjson
	assert_equal "$stderr" 'cdp-merge: field "email": value "shared@x.io" is on 3 records with different identifiers (over --max-degree 2): not linked'
}

# --- guards ------------------------------------------------------------------

@test "merge: a value over --max-degree does not glue strangers" {
	{
		for i in 1 2 3; do echo "{\"phone\":\"+48601234567\",\"email\":\"p$i@x.io\"}"; done
		echo '{"email":"p1@x.io"}'
	} > in.ndjson
	run_split cdp-merge --ids email,phone --max-degree 2 --stats in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 3
	assert_equal "${ids[3]}" "${ids[0]}"
	assert_equal "$(stats_core "$stderr")" 'cdp-merge: field "phone": a value is on 3 records with different identifiers (over --max-degree 2): not linked
{"read":4,"written":4,"rejected":0,"dropped":0,"clusters":3,"unlinked":0,"ignored":0,"over_degree":1}'
	# At the limit the value still links.
	run cdp-merge --ids email,phone --max-degree 3 in.ndjson
	ids=($(ids_of <<< "$output"))
	assert_equal "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 1
}

@test "merge: the degree counts records with different identifiers" {
	# The events of one customer repeat her identifiers: no super node.
	for i in $(seq 1 60); do echo '{"email":"ann@x.io","phone":"+48601234567"}'; done > in.ndjson
	echo '{"email":"ann@x.io"}' >> in.ndjson
	run_split cdp-merge --ids email,phone --stats in.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":61,"written":61,"rejected":0,"dropped":0,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
}

@test "merge: over 20 values over --max-degree are summed up unless --verbose" {
	awk 'BEGIN { for (v = 0; v < 25; v++) for (i = 0; i < 3; i++)
	    printf "{\"customer_id\":\"C%d\",\"device_id\":\"D%d-%d\"}\n", v, v, i }' > in.ndjson
	run_split cdp-merge --ids customer_id,device_id --max-degree 2 in.ndjson
	assert_success
	assert_equal "$(grep -c 'a value is on 3 records' <<< "$stderr")" 20
	assert_equal "$(tail -1 <<< "$stderr")" "cdp-merge: 5 more values over --max-degree not linked (all with --verbose)"
	run_split cdp-merge --ids customer_id,device_id --max-degree 2 --verbose in.ndjson
	assert_equal "$(grep -c 'is on 3 records' <<< "$stderr")" 25
}

@test "merge: the default --max-degree is 50" {
	for i in $(seq 1 51); do echo "{\"phone\":\"+48601234567\",\"email\":\"p$i@x.io\"}"; done > in.ndjson
	run_split cdp-merge --ids email,phone in.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c .)" 51
	assert_equal "$stderr" 'cdp-merge: field "phone": a value is on 51 records with different identifiers (over --max-degree 50): not linked'
	head -50 in.ndjson > in50.ndjson
	run_split cdp-merge --ids email,phone in50.ndjson
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c .)" 1
	assert_equal "$stderr" ""
}

@test "merge: built-in placeholders never link, unless --no-default-ignore" {
	printf '%s\n' '{"email":"TEST@test.com","customer_id":"A"}' \
	    '{"email":"test@test.com","customer_id":"B"}' \
	    '{"phone":"0000000000","customer_id":"C"}' \
	    '{"phone":"0000000000","customer_id":"D"}' \
	    '{"customer_id":"N/A"}' '{"customer_id":" N/A"}' > in.ndjson
	run_split cdp-merge --stats $IDS in.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c .)" 6
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":6,"rejected":0,"dropped":0,"clusters":4,"unlinked":2,"ignored":6,"over_degree":0}'
	run cdp-merge --no-default-ignore --ids email,customer_id in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
	assert_equal "${ids[5]}" "${ids[4]}"
}

@test "merge: --ignore-values FILE replaces the built-in list" {
	printf '%s\n' '{"email":"ann@x.io"}' '{"email":"Ann@x.io"}' \
	    '{"email":"test@test.com"}' '{"email":"test@test.com"}' \
	    '{"customer_id":"n/a"}' '{"customer_id":"N/A"}' > in.ndjson
	run_split cdp-merge --ignore-values "$F/placeholders.txt" --stats $IDS in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert [ "${ids[1]}" != "${ids[0]}" ]
	assert_equal "${ids[3]}" "${ids[2]}"
	assert [ "${ids[5]}" != "${ids[4]}" ]
	assert_equal "$(stats_core "$stderr")" 'cdp-merge: warning: no record has the field "phone"
{"read":6,"written":6,"rejected":0,"dropped":0,"clusters":1,"unlinked":4,"ignored":4,"over_degree":0}'
	run_split cdp-merge --ignore-values no-such-file $IDS in.ndjson
	assert_failure 66
	assert_equal "$output" ""
}

@test "merge: --ignore-values holds at every length, 63 and 64 bytes and past" {
	a63=$(printf 'a%.0s' $(seq 63)) b64=$(printf 'B%.0s' $(seq 64))
	c200=$(printf 'c%.0s' $(seq 200))
	printf '%s\n' "$a63" "$b64" "$c200" > list
	for v in "$a63" "${b64,,}" "$c200" "${a63%a}" "${c200}c"; do
		printf '{"customer_id":"%s","n":1}\n{"customer_id":"%s","n":2}\n' \
		    "$v" "$v"
	done > in.ndjson
	run_split cdp-merge --ignore-values list --stats --ids customer_id in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	# The three listed values (any case) do not link; one byte shorter
	# or longer, they do.
	for i in 0 2 4; do
		assert [ "${ids[i + 1]}" != "${ids[i]}" ]
	done
	assert_equal "${ids[7]}" "${ids[6]}"
	assert_equal "${ids[9]}" "${ids[8]}"
	assert_equal "$(stats_core "$stderr")" '{"read":10,"written":10,"rejected":0,"dropped":0,"clusters":2,"unlinked":6,"ignored":6,"over_degree":0}'
}

@test "merge: --max-cluster reports oversized profiles" {
	chain 5 > in.ndjson
	run_split cdp-merge --ids email,customer_id --max-cluster 9 in.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c .)" 1
	id=$(head -1 <<< "$output" | ids_of | tr -d ' ')
	assert_equal "$stderr" "cdp-merge: profile $id has 10 records (over --max-cluster 9)"
	run_split cdp-merge --ids email,customer_id --max-cluster 10 in.ndjson
	assert_equal "$stderr" ""
}

@test "merge: a huge chained cluster is one profile" {
	chain 10000 | tac > in.ndjson
	run_split cdp-merge --ids email,customer_id --stats in.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c .)" 1
	assert_equal "$(stats_core "$stderr")" '{"read":20000,"written":20000,"rejected":0,"dropped":0,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
}

# --- stable ids --------------------------------------------------------------

@test "merge: the same input in any order gives the same ids" {
	cdp-merge $IDS "$F/people.ndjson" | sort > a.out
	for seed in 1 2 3; do
		awk -v s=$seed 'BEGIN { srand(s) } { print rand() "\t" $0 }' \
		    "$F/people.ndjson" | sort | cut -f2- > shuf.ndjson
		cdp-merge $IDS shuf.ndjson | sort > b.out
		run diff a.out b.out
		assert_success
	done
	tac "$F/people.ndjson" | cdp-merge $IDS | sort > c.out
	run diff a.out c.out
	assert_success
}

@test "merge: a profile id depends on the cluster's smallest identifier only" {
	# Growing the cluster with larger identifiers keeps the id; a smaller
	# one (by field name, then value bytes) changes it.
	printf '{"email":"b@x.io"}\n' > one.ndjson
	printf '{"email":"b@x.io"}\n{"email":"b@x.io","phone":"+48601234567"}\n' > two.ndjson
	printf '{"email":"b@x.io","phone":"+48601234567"}\n{"email":"a@x.io","phone":"+48601234567"}\n{"phone":"+48601234567"}\n' > three.ndjson
	a=$(cdp-merge $IDS one.ndjson | ids_of)
	b=$(cdp-merge $IDS two.ndjson | ids_of)
	c=$(cdp-merge $IDS three.ndjson | ids_of)
	assert_equal "$b" "$a$a"
	assert [ "${c%% *}" != "${a% }" ]
	printf '{"email":"a@x.io"}\n' > a.ndjson
	assert_equal "$c" "$(cdp-merge $IDS a.ndjson | ids_of)$(cdp-merge $IDS a.ndjson | ids_of)$(cdp-merge $IDS a.ndjson | ids_of)"
}

# --id-key-file: "p_" and the first 32 hex digits of HMAC-SHA256 under
# HMAC-SHA256(FILE's key, "cdp-merge profile id") of the field name, NUL
# and the smallest value (Nobody: of its 16-byte record key).  The golden
# ids were checked against Python's hmac module.
KA=p_f2cdad625877682ba89f090632482511	# customer_id C9 (Ann)
KB=p_20feb83e3f099fe39249506c31957a41	# customer_id C1 (Bob)
KC=p_0bc448a7fa72d955d0b8b4e4bb8cd44d	# customer_id ann@x.io (Cy)
KN=p_28570bb2b4d2046fc37ac82d284b0f33	# Nobody's record key

@test "merge: --id-key-file names profiles by a keyed hash, in any order" {
	printf '%032d' 3 > idkey
	run_split cdp-merge $IDS --id-key-file idkey "$F/people.ndjson"
	assert_success
	assert_equal "$(ids_of <<< "$output")" "$KA $KA $KA $KB $KB $KC $KN "
	# Without the key, the same people under the plain ids.
	run cdp-merge $IDS "$F/people.ndjson"
	assert_equal "$(ids_of <<< "$output")" "p_9948ada7fdc912bca533bd79b9a59a84 p_9948ada7fdc912bca533bd79b9a59a84 p_9948ada7fdc912bca533bd79b9a59a84 p_0d728de396e7bb552ba84d888d94589e p_0d728de396e7bb552ba84d888d94589e p_efaadcdc5ef075bb8deb8a3c9230f3a7 p_d81b617a3d3b5687c3df65d00ee79bae "
	# Stable from run to run and in any input order.
	cdp-merge $IDS --id-key-file idkey "$F/people.ndjson" | sort > a.out
	tac "$F/people.ndjson" | cdp-merge $IDS --id-key-file idkey | sort > b.out
	run diff a.out b.out
	assert_success
	# Another key, other ids.
	printf '%032d' 4 > idkey2
	run cdp-merge $IDS --id-key-file idkey2 "$F/people.ndjson"
	assert_equal "$(ids_of <<< "$output" | tr ' ' '\n' | sort -u | grep -c -e $KA -e $KB -e $KC -e $KN)" 0
}

@test "merge: --id-key-file names --profiles alike" {
	printf '%032d' 3 > idkey
	run cdp-merge $IDS --profiles --id-key-file idkey "$F/people.ndjson"
	assert_success
	assert_equal "$(ids_of <<< "$output")" "$KA $KB $KC $KN "
	assert_line --index 1 "{\"profile_id\":\"$KB\",\"name\":\"Bob\",\"email\":\"bob@x.io\",\"customer_id\":\"C1\",\"_sources\":[\"crm\",\"web\"],\"_records\":2}"
	run cdp-merge $IDS --id-key-file idkey --explain $KB "$F/people.ndjson"
	assert_success
	assert_line --index 1 "{\"profile_id\":\"$KB\",\"record\":5,\"_src\":\"web\",\"_line\":9,\"ids\":[{\"field\":\"customer_id\",\"value\":\"C1\",\"degree\":2,\"links\":true}]}"
	assert_equal "${#lines[@]}" 2
}

@test "merge: --id-key-file keeps carried and --prior ids, names only the rest" {
	printf '%032d' 3 > idkey
	printf '%s\n' '{"email":"ann@x.io","profile_id":"old_A"}' \
	    '{"email":"bob@x.io","customer_id":"C1"}' > carry.ndjson
	run_split cdp-merge $IDS --id-key-file idkey carry.ndjson
	assert_equal "$(ids_of <<< "$output")" "old_A $KB "
	printf '%s\n' '{"email":"bob@x.io","profile_id":"old_B"}' > prior.ndjson
	run cdp-merge $IDS --id-key-file idkey --prior prior.ndjson "$F/people.ndjson"
	assert_equal "$(ids_of <<< "$output")" "$KA $KA $KA old_B old_B $KC $KN "
}

@test "merge: a missing, empty or short --id-key-file stops before any output" {
	: > empty
	printf '%015d' 1 > k15
	run_split cdp-merge $IDS --id-key-file nokey -o out "$F/people.ndjson"
	assert_failure 66
	assert_equal "$stderr" "cdp-merge: nokey: cannot open: No such file or directory"
	run_split cdp-merge $IDS --id-key-file empty -o out "$F/people.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: empty: hash key shorter than 16 bytes"
	run_split cdp-merge $IDS --id-key-file k15 -o out "$F/people.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: k15: hash key shorter than 16 bytes"
	assert [ ! -e out ]
}

@test "merge: standard input (spilled to a temporary file) gives the file's output" {
	cdp-merge $IDS "$F/people.ndjson" > a.out
	cdp-merge $IDS < "$F/people.ndjson" > b.out
	cat "$F/people.ndjson" | cdp-merge $IDS - > c.out
	run diff a.out b.out
	assert_success
	run diff a.out c.out
	assert_success
}

@test "merge: several inputs, pipes and files mixed, are one population" {
	head -2 "$F/people.ndjson" > p1.ndjson
	tail -n +3 "$F/people.ndjson" > p2.ndjson
	cdp-merge $IDS "$F/people.ndjson" > a.out
	run bash -c "cat p2.ndjson | cdp-merge $IDS p1.ndjson - > b.out"
	assert_success
	run diff a.out b.out
	assert_success
}

# --- account and output ------------------------------------------------------

@test "merge: --stats: read = written + rejected" {
	run_split cdp-merge $IDS --stats "$F/people.ndjson"
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":7,"written":7,"rejected":0,"dropped":0,"clusters":3,"unlinked":1,"ignored":0,"over_degree":0}'
	: > empty.ndjson
	run_split cdp-merge $IDS --stats empty.ndjson
	assert_success
	assert_equal "$output" ""
	assert_equal "$(stats_core "$stderr")" '{"read":0,"written":0,"rejected":0,"dropped":0,"clusters":0,"unlinked":0,"ignored":0,"over_degree":0}'
}

@test "merge: -o writes atomically, nothing is left on failure" {
	run cdp-merge $IDS -o out.ndjson "$F/people.ndjson"
	assert_success
	assert_equal "$(wc -l < out.ndjson)" 7
	printf '{"email":"a@x.io"}\n{"email":{}}\n' > bad.ndjson
	run cdp-merge $IDS -o out2.ndjson bad.ndjson
	assert_failure 65
	assert_file_not_exist out2.ndjson
	run cdp-merge $IDS -o out3.ndjson no-such.ndjson
	assert_failure 66
	run ls -A
	assert_output "$(printf '%s\n' bad.ndjson out.ndjson)"
}

@test "merge: a full disk is an I/O error (74)" {
	run_split cdp-merge $IDS -o /dev/full "$F/people.ndjson"
	assert_failure 74
	assert_equal "$stderr" "cdp-merge: /dev/full: write error: No space left on device"
	run_split sh -c "cdp-merge $IDS '$F/people.ndjson' > /dev/full"
	assert_failure 74
	assert_equal "$stderr" "cdp-merge: <stdout>: write error: No space left on device"
}

@test "merge: a closed pipe ends the run quietly with 0" {
	seq 1 200000 | sed 's/.*/{"customer_id":&}/' > many.ndjson
	run_split bash -c "set -o pipefail; cdp-merge --ids customer_id many.ndjson | head -1"
	assert_success
	assert_output --regexp '^\{"customer_id":1,"profile_id":"p_[0-9a-f]{32}"\}$'
	assert_equal "$stderr" ""
}

@test "merge: a directory or missing input is 66" {
	run_split cdp-merge $IDS .
	assert_failure 66
	assert_equal "$stderr" "cdp-merge: .: is a directory"
	run_split cdp-merge $IDS nope.ndjson
	assert_failure 66
}

# --- profiles ----------------------------------------------------------------

@test "merge: --profiles writes one profile per person with the default rules" {
	run_split cdp-merge --ids email,phone --profiles --stats "$F/profiles.ndjson"
	assert_success
	assert_equal "${#lines[@]}" 2
	# Default: every field the most frequent value, identifiers too, so
	# that every program reads a profile (null and "" only when nothing
	# else); _src and _line summarised.
	assert_line --index 0 --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"ann@x.io","name":"Ann","city":"Oslo","tier":"gold","updated_at":"2024-12-31","phone":"\+4791234567","tags":\{"a": \[1, 2\]\},"_sources":\["crm","shop","web"\],"_records":3\}$'
	assert_line --index 1 --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"bob@x.io","name":"Bob","n":1.50,"_sources":\["web"\],"_records":1\}$'
	# read = written (profiles) + rejected + merged.
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":2,"rejected":0,"dropped":0,"merged":2,"clusters":2,"unlinked":0,"ignored":0,"over_degree":0}'
}

@test "merge: --profiles ids agree with the annotate ids" {
	a=$(cdp-merge --ids email,phone "$F/profiles.ndjson" | ids_of | tr ' ' '\n' | sort -u)
	p=$(cdp-merge --ids email,phone --profiles "$F/profiles.ndjson" | ids_of | tr ' ' '\n' | sort -u)
	assert_equal "$p" "$a"
}

@test "merge: --rule most_recent, source_priority, longest, all" {
	run cdp-merge --ids email,phone --profiles \
	    --rule name=most_recent:updated_at --rule city=source_priority:crm,web \
	    --rule tier=longest --rule updated_at=all "$F/profiles.ndjson"
	assert_success
	assert_line --index 0 --partial '"name":"Ann Berg","city":"Bergen","tier":"gold","updated_at":["2024-12-31","2025-01-02","2025-03-01"],'
	run cdp-merge --ids email,phone --profiles --rule city=source_priority:shop,crm "$F/profiles.ndjson"
	assert_line --index 0 --partial '"city":"Oslo"'
	# Sources not listed rank after the listed ones.
	run cdp-merge --ids email,phone --profiles --rule city=source_priority:nowhere,crm "$F/profiles.ndjson"
	assert_line --index 0 --partial '"city":"Bergen"'
	# Numbers are compared as numbers by most_recent.
	printf '%s\n' '{"email":"a@x.io","v":"old","t":9}' '{"email":"a@x.io","v":"new","t":10}' > t.ndjson
	run cdp-merge --ids email --profiles --rule v=most_recent:t t.ndjson
	assert_output --partial '"v":"new"'
}

@test "merge: --profiles keeps an amount with its currency (F_currency follows F unless it has a rule)" {
	# Of cdp-ingest --types revenue:money: the amount survives by its
	# rule, and its currency is the one of the same record.
	printf '%s\n' \
	    '{"email":"a@x.io","revenue":1000.00,"revenue_currency":"GBP","ts":"2026-03-01"}' \
	    '{"email":"a@x.io","revenue":1234.56,"revenue_currency":"EUR","ts":"2026-03-02"}' \
	    '{"email":"b@x.io","revenue":5,"ts":"2026-03-01"}' \
	    '{"email":"b@x.io","revenue":7,"revenue_currency":"PLN","ts":"2026-03-02"}' >m.ndjson
	run cdp-merge --ids email --profiles m.ndjson
	assert_success
	assert_line --index 0 --partial '"revenue":1000.00,"revenue_currency":"GBP",'
	# The amount of a record without a currency has none.
	assert_line --index 1 --partial '"revenue":5,"ts":"2026-03-01","revenue_currency":null,'
	run cdp-merge --ids email --profiles --rule revenue=most_recent:ts m.ndjson
	assert_line --index 0 --partial '"revenue":1234.56,"revenue_currency":"EUR",'
	assert_line --index 1 --partial '"revenue":7,"ts":"2026-03-01","revenue_currency":"PLN",'
	# A rule of its own wins; the currency of an amount kept as a list
	# follows its own (default) rule.
	run cdp-merge --ids email --profiles --rule revenue_currency=most_recent:ts m.ndjson
	assert_line --index 0 --partial '"revenue":1000.00,"revenue_currency":"EUR",'
	run cdp-merge --ids email --profiles --rule revenue=all m.ndjson
	assert_line --index 0 --partial '"revenue":[1000.00,1234.56],"revenue_currency":"EUR",'
}

@test "merge: --profiles values do not depend on the input order" {
	# Only the key order follows the input (first appearance).
	cdp-merge --ids email,phone --profiles --rule name=most_recent:updated_at \
	    "$F/profiles.ndjson" | jq -cS . | sort > a.out
	tac "$F/profiles.ndjson" | cdp-merge --ids email,phone --profiles \
	    --rule name=most_recent:updated_at | jq -cS . | sort > b.out
	run diff a.out b.out
	assert_success
}

@test "merge: bad --rule values are usage errors" {
	run cdp-merge --ids email --profiles --rule name
	assert_failure 64
	run cdp-merge --ids email --profiles --rule name=newest
	assert_failure 64
	assert_line --index 0 "cdp-merge: --rule: name: expected most_frequent, most_recent:FIELD, source_priority:S1,S2,..., longest or all"
	run cdp-merge --ids email --profiles --rule name=most_recent
	assert_failure 64
	run cdp-merge --ids email --profiles --rule name=source_priority:a,,b
	assert_failure 64
	run cdp-merge --ids email --profiles --rule name=all --rule name=longest
	assert_failure 64
	run cdp-merge --ids email --rule name=all
	assert_failure 64
	assert_line --index 0 "cdp-merge: --rule needs --profiles"
}

@test "merge: --profiles from standard input, with rejects, to -o" {
	printf '%s\n' '{"email":"a@x.io","n":1}' '{"email":true}' '{"email":"A@x.io","n":2}' > in.ndjson
	run_split bash -c 'cdp-merge --ids email --profiles --rule n=all --rejects rej.ndjson --stats -o out.ndjson < in.ndjson'
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":3,"written":1,"rejected":1,"dropped":0,"merged":1,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
	run cat out.ndjson
	assert_output --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"A@x.io","n":\[1,2\],"_sources":\[\],"_records":2\}$'
}

# --- --prior and --id-map ------------------------------------------------------

# prior_setup: run1 (b; c, c) and run2 = run1 + three records that join
# them through a phone number and bring a smaller identifier (a@x.io).
prior_setup() {
	printf '%s\n' '{"email":"b@x.io"}' '{"email":"c@x.io"}' '{"email":"c@x.io"}' > run1.ndjson
	cdp-merge --ids email,phone run1.ndjson > prior.ndjson
	pb=$(head -1 prior.ndjson | ids_of | tr -d ' ')
	pc=$(tail -1 prior.ndjson | ids_of | tr -d ' ')
	cp run1.ndjson run2.ndjson
	printf '%s\n' '{"email":"a@x.io","phone":"+48601234567"}' \
	    '{"email":"b@x.io","phone":"+48601234567"}' \
	    '{"email":"c@x.io","phone":"+48601234567"}' >> run2.ndjson
}

@test "merge: --prior keeps the older id when clusters join, --id-map says so" {
	prior_setup
	# Without --prior the joined cluster is named by a@x.io.
	run cdp-merge --ids email,phone run2.ndjson
	new=$(head -1 <<< "$output" | ids_of | tr -d ' ')
	assert [ "$new" != "$pb" ]
	assert [ "$new" != "$pc" ]
	# With it, the id of the cluster with more records (c: 2) stays.
	run_split cdp-merge --ids email,phone --prior prior.ndjson --id-map map.ndjson run2.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output")" "$pc $pc $pc $pc $pc $pc "
	run cat map.ndjson
	assert_output "{\"event\":\"merge\",\"from\":\"$pb\",\"to\":\"$pc\"}"
}

@test "merge: --prior keeps an id when a cluster grows" {
	prior_setup
	printf '%s\n' '{"email":"b@x.io","customer_id":"A0"}' '{"customer_id":"A0"}' > grow.ndjson
	run cdp-merge --ids email,customer_id --prior prior.ndjson --id-map map.ndjson grow.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output")" "$pb $pb "
	assert_equal "$(cat map.ndjson)" ""
	run cdp-merge --ids email,customer_id grow.ndjson
	assert [ "$(head -1 <<< "$output" | ids_of | tr -d ' ')" != "$pb" ]
}

@test "merge: --prior: equal record counts keep the smaller id" {
	printf '%s\n' '{"email":"x@x.io","profile_id":"p_b"}' '{"email":"y@x.io","profile_id":"p_a"}' > prior.ndjson
	printf '%s\n' '{"email":"x@x.io","phone":"+48601234567"}' '{"email":"y@x.io","phone":"+48601234567"}' > in.ndjson
	run cdp-merge --ids email,phone --prior prior.ndjson --id-map map.ndjson in.ndjson
	assert_success
	assert_equal "$(ids_of <<< "$output")" "p_a p_a "
	assert_equal "$(cat map.ndjson)" '{"event":"merge","from":"p_b","to":"p_a"}'
}

@test "merge: --prior: a split cluster keeps its id on one part only, --id-map says so" {
	printf '%s\n' '{"email":"x@x.io","profile_id":"p_old"}' '{"email":"y@x.io","profile_id":"p_old"}' > prior.ndjson
	printf '%s\n' '{"email":"y@x.io"}' '{"email":"x@x.io"}' > in.ndjson
	run cdp-merge --ids email --prior prior.ndjson --id-map map.ndjson in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	# x@x.io is the smaller identifier: its part keeps p_old.
	assert_equal "${ids[1]}" p_old
	assert [ "${ids[0]}" != p_old ]
	assert_equal "$(cat map.ndjson)" "{\"event\":\"split\",\"from\":\"p_old\",\"to\":\"${ids[0]}\"}"
}

@test "merge: --prior works with --profiles and from any order" {
	prior_setup
	run cdp-merge --ids email,phone --prior prior.ndjson --profiles run2.ndjson
	assert_success
	assert_output --partial "{\"profile_id\":\"$pc\","
	tac run2.ndjson | cdp-merge --ids email,phone --prior prior.ndjson | sort > a.out
	cdp-merge --ids email,phone --prior prior.ndjson run2.ndjson | sort > b.out
	run diff a.out b.out
	assert_success
}

@test "merge: a bad --prior file stops before any output" {
	printf '{"email":"x@x.io"}\n' > prior.ndjson
	printf '{"email":"x@x.io"}\n' > in.ndjson
	run_split cdp-merge --ids email --prior prior.ndjson -o out.ndjson in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: prior.ndjson:1: --prior: no profile_id string"
	assert_file_not_exist out.ndjson
	run cdp-merge --ids email --prior nope.ndjson in.ndjson
	assert_failure 66
}

# --- --explain -----------------------------------------------------------------

@test "merge: --explain shows which identifiers linked which records" {
	id=$(cdp-merge $IDS "$F/people.ndjson" | head -1 | ids_of | tr -d ' ')
	run_split cdp-merge $IDS --explain "$id" --stats "$F/people.ndjson"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "{\"profile_id\":\"$id\",\"record\":1,\"_src\":\"crm\",\"_line\":2,\"ids\":[{\"field\":\"email\",\"value\":\"ann@x.io\",\"degree\":2,\"links\":true}]}"
	assert_line --index 2 "{\"profile_id\":\"$id\",\"record\":3,\"_src\":\"shop\",\"_line\":3,\"ids\":[{\"field\":\"phone\",\"value\":\"+48601234567\",\"degree\":2,\"links\":true},{\"field\":\"customer_id\",\"value\":\"C9\",\"degree\":1,\"links\":true}]}"
	# The other records are dropped: read = written + rejected + dropped.
	assert_equal "$(stats_core "$stderr")" '{"read":7,"written":3,"rejected":0,"dropped":4,"clusters":3,"unlinked":1,"ignored":0,"over_degree":0}'
}

@test "merge: --explain marks values over --max-degree as not linking" {
	for i in 1 2 3; do echo "{\"phone\":\"+48601234567\",\"email\":\"p$i@x.io\"}"; done > in.ndjson
	id=$(cdp-merge --ids email,phone --max-degree 2 in.ndjson 2>/dev/null | head -1 | ids_of | tr -d ' ')
	run cdp-merge --ids email,phone --max-degree 2 --explain "$id" in.ndjson
	assert_success
	assert_output --partial '{"field":"phone","value":"+48601234567","degree":3,"links":false}'
}

@test "merge: --explain of an unknown id is an error (65)" {
	run_split cdp-merge $IDS --explain p_nope "$F/people.ndjson"
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-merge: --explain: no profile p_nope"
	run cdp-merge $IDS --explain p_x --profiles "$F/people.ndjson"
	assert_failure 64
}

# --- more options ----------------------------------------------------------------

@test "merge: --max-record-bytes rejects a longer record" {
	printf '{"email":"a@x.io","pad":"%s"}\n{"email":"a@x.io"}\n' "$(printf '%0100d' 0)" > in.ndjson
	run_split cdp-merge --ids email --max-record-bytes 64 --rejects rej.ndjson --stats in.ndjson
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(stats_core "$stderr")" '{"read":2,"written":1,"rejected":1,"dropped":0,"clusters":1,"unlinked":0,"ignored":0,"over_degree":0}'
	assert_equal "$(cut -c1-50 rej.ndjson)" '{"_error":"record longer than --max-record-bytes",'
	run cdp-merge --ids email --max-record-bytes 1Q in.ndjson
	assert_failure 64
}

@test "merge: --progress draws on stderr, never on stdout" {
	seq 1 20000 | sed 's/.*/{"customer_id":&}/' > many.ndjson
	run_split cdp-merge --ids customer_id --progress many.ndjson
	assert_success
	assert_equal "${#lines[@]}" 20000
	run_split cdp-merge --ids customer_id --no-progress many.ndjson
	assert_equal "$stderr" ""
}

@test "merge: the man page renders without warnings and lists every option" {
	man="$BATS_TEST_DIRNAME/../man/cdp-merge.1"
	run_split groff -ww -man -Tutf8 "$man"
	assert_success
	assert_equal "$stderr" ""
	for o in $(cdp-merge --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$(sed 's/-/\\\\-/g' <<< "$o")" "$man" || fail "$o not in the man page"
	done
}

# The join's rounds as cdp-merge(1) shows them: every bucket of round R
# into round R+1 until a round writes "done"; R is left at that round.
join_rounds() {
	local b
	R=0
	while [ ! -e "J/r$R/done" ]; do
		for b in J/r$R/to-*; do
			cdp-merge "$@" --join-links -o "J/r$((R + 1))" "$b" || return
		done
		R=$((R + 1))
		[ "$R" -lt 40 ] || return 1
	done
}

@test "merge: --emit-links writes a part's sets into every bucket, values as keyed hashes" {
	printf '%032d' 7 > key
	head -n 3 "$F/people.ndjson" > a.ndjson
	run_split cdp-merge $IDS --hash-key-file key --emit-links --buckets 2 \
	    -o J/r0 a.ndjson
	assert_success
	assert_equal "$output" ""
	run find J -type f
	assert_equal "$(sort <<<"$output")" 'J/r0/to-0/emit-a
J/r0/to-0/keep-sets-a
J/r0/to-1/emit-a
J/r0/to-1/keep-sets-a'
	assert_equal "$(head -c 22 J/r0/to-0/emit-a)" '#cdp-merge-join	3	emit'
	# Nothing in clear: not the values, not the normalised phone.
	run grep -rlE 'ann|601|C9' J
	assert_failure 1
	rm -r J
	cdp-merge $IDS --clear-links --emit-links --buckets 2 -o J/r0 a.ndjson
	assert_equal "$(cat J/r0/*/* | grep -c 'ann@x\.io')" 1
}

@test "merge: join files hold keys and sealed names at 6 bits a character; a damaged one is refused" {
	printf '%032d' 7 > key
	head -n 3 "$F/people.ndjson" > a.ndjson
	cdp-merge $IDS --hash-key-file key --emit-links --buckets 1 -o J/r0 a.ndjson
	# A token, a set: 22 characters; ann@x.io (8 bytes) sealed in 11,
	# +48601234567 (12) in 16, C9 (2) in 3.
	assert_equal "$(cat J/r0/to-0/emit-a)" '#cdp-merge-join	3	emit	1	a	3020fea5dac33837	0	0	0	0
v	BtP9AO5pScEHiWiFJSwNGL	0	bCu7nMOiilM	BF70SJolhrI5dmjlBPOXYJ,DNnhDURLxfVxxZeEljto5n
v	AX-YSBFoGPXDjxPlmHW5px	1	WK2uC6vrIFkiRLLh	DNnhDURLxfVxxZeEljto5n,CzPrLSNunxwrlDq7jZaIiO
v	DF5Ojckzdm_3vmOktdQECO	2	nFc	CzPrLSNunxwrlDq7jZaIiO'
	assert_equal "$(cat J/r0/to-0/keep-sets-a)" '#cdp-merge-join	3	emit	1	a	3020fea5dac33837	0	0	0	0
s	BF70SJolhrI5dmjlBPOXYJ	1
s	DNnhDURLxfVxxZeEljto5n	1
s	CzPrLSNunxwrlDq7jZaIiO	1'
	# 128 bits in 22 characters: the first holds 2 (A to D).
	cp -r J K
	sed -i '2s/\tBtP9/\tEtP9/' K/r0/to-0/emit-a
	run_split cdp-merge $IDS --hash-key-file key --join-links -o K/r1 K/r0/to-0
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: K/r0/to-0/emit-a:2: bad join file: expected a key (22 characters)"
	# A file of the version before (a slice's line always with its id).
	rm -r K
	cp -r J K
	sed -i '1s/^#cdp-merge-join\t3\t/#cdp-merge-join\t2\t/' K/r0/to-0/emit-a
	run_split cdp-merge $IDS --hash-key-file key --join-links -o K/r1 K/r0/to-0
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: K/r0/to-0/emit-a:1: a join file of another version of cdp-merge"
	# A sealed name of 13 characters is no whole number of bytes.
	rm -r K
	cp -r J K
	sed -i '2s/\tbCu7nMOiilM\t/\tbCu7nMOiilMxy\t/' K/r0/to-0/emit-a
	R=0
	while run_split cdp-merge $IDS --hash-key-file key --join-links \
	    -o "K/r$((R + 1))" K/r$R/to-0 && [ "$status" -eq 0 ]; do
		R=$((R + 1))
		[ "$R" -lt 10 ] || break
	done
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: K/r4/to-0: a sealed identifier does not open with this key (--hash-key-file differs from the parts')"
}

@test "merge: the join in rounds and --apply-map per part give the one-process profile ids" {
	printf '%032d' 7 > key
	head -n 3 "$F/people.ndjson" > a.ndjson
	tail -n +4 "$F/people.ndjson" > b.ndjson
	for buckets in 1 2 3; do
		rm -rf J
		for p in a b; do
			cdp-merge $IDS --hash-key-file key --emit-links \
			    --buckets $buckets -o J/r0 $p.ndjson
		done
		join_rounds $IDS --hash-key-file key
		assert_equal "$(ls J/r$R | tr '\n' ' ')" "done map-a map-b "
		for p in a b; do
			cdp-merge $IDS --hash-key-file key --apply-map J/r$R $p.ndjson
		done > many
		assert_equal "$(cat many)" "$(cdp-merge $IDS "$F/people.ndjson")"
	done
	# A part reads its own slice only.
	rm -r J/r$R/map-b
	run cdp-merge $IDS --hash-key-file key --apply-map J/r$R a.ndjson
	assert_success
	assert_equal "$output" "$(head -n 3 many)"
	# A token given twice in a slice: the message names the second line.
	f=$(grep -lv '^#' J/r$R/map-a/from-* | head -n 1)
	sed -n 2p "$f" >> "$f"
	run_split cdp-merge $IDS --hash-key-file key --apply-map J/r$R a.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: $f:$(wc -l < "$f"): bad join file: a token given twice"
	# A cluster's id is written once a file: its other values' lines
	# are a token alone, and take the id of the line before.
	rm -rf J
	for p in a b; do
		cdp-merge $IDS --hash-key-file key --emit-links --buckets 1 \
		    -o J/r0 $p.ndjson
	done
	join_rounds $IDS --hash-key-file key
	f=J/r$R/map-a/from-0
	assert_equal "$(sed 1d "$f" | awk -F '\t' '{ print NF }' | tr '\n' ' ')" "2 1 1 "
	run cdp-merge $IDS --hash-key-file key --apply-map J/r$R a.ndjson
	assert_success
	assert_equal "$output" "$(cdp-merge $IDS "$F/people.ndjson" | head -n 3)"
	# A file's first line gives its id.
	sed -i 2d "$f"
	run_split cdp-merge $IDS --hash-key-file key --apply-map J/r$R a.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: $f:2: bad join file: expected TOKEN TAB PROFILE_ID"
}

@test "merge: --part K/N: the phases read byte ranges of one file, every line once, as one process" {
	local k="$IDS --default-country US --clear-links --allow-no-ids"
	# A CRLF line, blank lines, a record without ids and no last newline:
	# whatever the cut, each line is in one part.
	printf '%s\n' '{"email":"a@x.io","n":1}' \
	    '{"email":"b@x.io","phone":"+4791234567"}'$'\r' '' \
	    '{"email":"A@x.io","phone":"+47 912 34 567"}' '   ' '{"n":5}' \
	    '{"email":"c@x.io","customer_id":"K1"}' > s.ndjson
	printf '%s' '{"customer_id":"K1"}' >> s.ndjson
	cdp-merge $IDS --default-country US s.ndjson | sort > one
	for n in 1 2 3 5 9 40; do
		rm -rf J
		for i in $(seq $n); do
			cdp-merge $k --emit-links --buckets 2 --part $i/$n \
			    -o J/r0 s.ndjson
		done
		join_rounds $k
		[ -d J/r$R/map-$n-of-$n ]
		for i in $(seq $n); do
			cdp-merge $k --apply-map J/r$R --part $i/$n s.ndjson
		done | sort > many
		assert_equal "$(cat many)" "$(cat one)"
	done
	# Messages name the part; its lines count from its start.
	printf '%s\n' '{"email":"a@x.io"}' '{"email":"b@x.io"}' 'nope' > bad.ndjson
	run_split cdp-merge $k --emit-links --buckets 2 --part 2/2 -o B bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: bad.ndjson[2/2]:1: not a JSON object at byte 1'
	mv J/r$R/map-1-of-40 J/r$R/map-2-of-2
	run_split cdp-merge $k --apply-map J/r$R --part 2/2 bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: bad.ndjson[2/2]:1: not a JSON object at byte 1'
}

@test "merge: --part K/N: the apply takes each record's values from the emit's records file, of the same input only" {
	printf '%032d' 7 > key
	local k="$IDS --default-country US --hash-key-file key"
	printf '%s\n' '{"email":"a@x.io","n":1}' '' 'nope' \
	    '{"email":"A@x.io","phone":"+47 912 34 567"}' '{"n":5}' \
	    '{"phone":"+4791234567","customer_id":"K1"}' \
	    '{"email":"c@x.io"}' '{"n":6,"profile_id":"mine"}' '{"email":7}' \
	    '{"customer_id":"K1","email":"d@x.io"}' '{"email": "e@x.io"}' \
	    '{"email":"f@x.io","n":[1, 2]}' '{"email":"g@x.io"} ' \
	    '{"email":"h@x.io"}'$'\r' > s.ndjson
	cdp-merge $IDS --default-country US --rejects /dev/null s.ndjson |
	    sort > one
	for i in 1 2; do
		cdp-merge $k --rejects /dev/null --emit-links --buckets 2 \
		    --part $i/2 -o J/r0 s.ndjson
	done
	assert_equal "$(ls J/r0 | tr '\n' ' ')" "recs-1-of-2 recs-2-of-2 to-0 to-1 "
	# After its 216-byte header, the lines of the good records, the high
	# bit set for a plain one (its fields as written and its '}', no
	# profile_id): a space between the top-level tokens, inside an array
	# or after the '}', or a profile_id, and the apply parses the line.
	assert_equal "$(od -A n -t x4 -j 216 -N 24 J/r0/recs-1-of-2 | tr -s ' \n' ' ')" " 80000001 80000004 80000005 80000006 80000007 00000008 "
	assert_equal "$(od -A n -t x4 -j 216 -N 20 J/r0/recs-2-of-2 | tr -s ' \n' ' ')" " 80000002 00000003 00000004 00000005 80000006 "
	join_rounds $k
	apply() {
		for i in 1 2; do
			cdp-merge $k --rejects rej-$i --apply-map J/r$R \
			    --part $i/2 s.ndjson || return
		done
	}
	apply > many
	assert_equal "$(sort many)" "$(cat one)"
	assert_equal "$(cat rej-1 rej-2 | jq -c '[._line, ._error]' | tr '\n' ' ')" '[3,"not a JSON object at byte 1"] [1,"field \"email\": not an email address"] '
	# Without the records file the apply finds the values itself.
	mv J/r0/recs-1-of-2 recs
	apply > again
	assert_equal "$(cat again)" "$(cat many)"
	# A records file of another part, or cut short.
	cp J/r0/recs-2-of-2 J/r0/recs-1-of-2
	run_split cdp-merge $k --apply-map J/r$R --part 1/2 s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: J/r0/recs-1-of-2: --apply-map: the records file of another part"
	head -c 300 recs > J/r0/recs-1-of-2
	run_split cdp-merge $k --apply-map J/r$R --part 1/2 s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: J/r0/recs-1-of-2: --apply-map: a records file cut short"
	# Made with another key.
	mv recs J/r0/recs-1-of-2
	printf '%032d' 8 > key2
	run_split cdp-merge $IDS --default-country US --hash-key-file key2 \
	    --apply-map J/r$R --part 1/2 s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: J/r0/recs-1-of-2: --apply-map: written with other options or another key"
	# The input changed since the emit read it: same size, a later time.
	touch -d '+1 hour' s.ndjson
	run_split cdp-merge $k --apply-map J/r$R --part 1/2 s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: s.ndjson: --apply-map: the input changed since --emit-links read it (its size or modification time)"
	assert_equal "$output" ""
}

@test "merge: --part K/N: bad ranges, several inputs, standard input" {
	local k="--ids email --clear-links"
	printf '%s\n' '{"email":"a@x.io"}' > x
	for p in 0/4 5/4 1/0 1/ 1/10001 1/-4 1/4x 1//4; do
		run_split cdp-merge $k --apply-map J --part "$p" x
		assert_failure 64
		[[ "$stderr" == *"--part: expected K/N, 1 <= K <= N <= 10000"* ]]
	done
	for p in a/4 /4 -1/4; do
		run_split cdp-merge $k --apply-map J --part "$p" x
		assert_failure 64
		[[ "$stderr" == *"--part: expected a name of letters, digits, '.', '_' and '-', starting with a letter or a digit, or K/N"* ]]
	done
	run_split cdp-merge $k --apply-map J --part 1/2 x x
	assert_failure 64
	[[ "$stderr" == *"--part K/N: one input file of --emit-links or --apply-map"* ]]
	run_split cdp-merge $k --emit-prior --buckets 2 -o J --part 1/2 x
	assert_failure 64
	[[ "$stderr" == *"--part K/N: one input file of --emit-links or --apply-map"* ]]
	# Standard input redirected from a file has its parts; a pipe not.
	cdp-merge $k --emit-links --buckets 1 -o J/r0 --part 1/1 - < x
	[ -e J/r0/to-0/emit-1-of-1 ]
	rm -r J
	run_split sh -c "cat x | cdp-merge $k --apply-map J --part 1/2 -"
	assert_failure 64
	assert_equal "$stderr" 'cdp-merge: <stdin>: a part K/N of a regular file only'
	run_split sh -c "cat x | cdp-merge $k --emit-links --buckets 2 -o J --part 1/2 -"
	assert_failure 64
	assert_equal "$stderr" 'cdp-merge: <stdin>: a part K/N of a regular file only'
	run_split cdp-merge $k --emit-links --buckets 2 -o J --part 1/2 < x
	assert_failure 64
	[ ! -e J ]
}

@test "merge: --emit-prior: the join keeps earlier ids and writes one process's ledger, splits too" {
	local ids="--ids email,customer_id --hash-key-file key"
	printf '%032d' 7 > key
	printf '%s\n' '{"email":"a@x.io","profile_id":"old_A"}' \
	    '{"email":"b@x.io","profile_id":"old_A"}' \
	    '{"email":"c@x.io","profile_id":"old_C"}' \
	    '{"email":"d@x.io","profile_id":"old_D"}' > prior
	printf '%s\n' '{"email":"a@x.io"}' '{"email":"b@x.io"}' \
	    '{"email":"c@x.io","customer_id":"K1"}' \
	    '{"email":"d@x.io","customer_id":"K1"}' > new.ndjson
	cdp-merge --ids email,customer_id --prior prior --id-map one.map \
	    new.ndjson > one
	cdp-merge $ids --emit-links --buckets 2 -o J/r0 new.ndjson
	run_split cdp-merge $ids --emit-prior --buckets 2 -o J/r0 --stats prior
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":4,"rejected":0,"skipped":0,"ids":3,"claims":4}'
	join_rounds $ids
	run cdp-merge $ids --apply-map J/r$R new.ndjson
	assert_output "$(cat one)"
	assert_equal "$(cat J/r$R/id-map.ndjson)" "$(cat one.map)"
	assert_equal "$(sed -n 2p one.map)" '{"event":"merge","from":"old_D","to":"old_C"}'
	assert_line --index 1 --regexp '"email":"b@x.io","profile_id":"p_[0-9a-f]{32}"'
	assert_equal "$(sed -n 1p one.map)" "{\"event\":\"split\",\"from\":\"old_A\",\"to\":\"$(sed -n 's/.*"b@x.io","profile_id":"\([^"]*\)".*/\1/p' one)\"}"
}

@test "merge: phases of another key, other options or an unfinished join are refused" {
	printf '%032d' 7 > key
	printf '%032d' 8 > other
	printf 'short' > short
	cp "$F/people.ndjson" p.ndjson
	cdp-merge $IDS --hash-key-file key --emit-links --buckets 2 -o J/r0 p.ndjson
	run_split cdp-merge $IDS --hash-key-file other --join-links -o J/r1 J/r0/to-0
	assert_failure 65
	[[ "$stderr" == *"J/r0/to-0/emit-p:1: written with other options"* ]]
	run_split cdp-merge --ids email --hash-key-file key --join-links -o J/r1 J/r0/to-0
	assert_failure 65
	run_split cdp-merge $IDS --clear-links --join-links -o J/r1 J/r0/to-0
	assert_failure 65
	cdp-merge $IDS --hash-key-file key --join-links -o J/r1 J/r0/to-0
	# Bucket 1 has not run: round 2 cannot start, nor the map be read.
	run_split cdp-merge $IDS --hash-key-file key --join-links -o J/r2 J/r1/to-0
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: J/r1/to-0: 1 of 2 buckets' files: the last round is unfinished"
	run_split cdp-merge $IDS --hash-key-file key --apply-map J/r1 p.ndjson
	assert_failure 66
	run_split cdp-merge $IDS --hash-key-file key --join-links -o X J/r0
	assert_failure 64
	run_split cdp-merge $IDS --hash-key-file short --emit-links --buckets 2 -o X p.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: short: hash key shorter than 16 bytes"
	run_split cdp-merge $IDS --hash-key-file nokey --emit-links --buckets 2 -o X p.ndjson
	assert_failure 66
}

@test "merge: the phases exclude each other and the one-process options" {
	local k="--hash-key-file key"
	run_split cdp-merge --ids email $k --emit-links --join-links
	assert_failure 64
	[[ "$stderr" == *"--apply-map exclude each other"* ]]
	run_split cdp-merge --ids email $k --emit-links --buckets 2 -o J --profiles
	assert_failure 64
	run_split cdp-merge --ids email $k --apply-map m --prior p
	assert_failure 64
	[[ "$stderr" == *"--prior and --id-map belong to one process"* ]]
	run_split cdp-merge --ids email --emit-links --buckets 2 -o J x
	assert_failure 64
	[[ "$stderr" == *"give --hash-key-file FILE (keyed hashes, the default) or --clear-links"* ]]
	run_split cdp-merge --ids email $k --clear-links --apply-map m x
	assert_failure 64
	run_split cdp-merge --ids email $k --emit-links -o J x
	assert_failure 64
	[[ "$stderr" == *"--emit-links needs --buckets"* ]]
	run_split cdp-merge --ids email $k --emit-links --buckets 2 x
	assert_failure 64
	[[ "$stderr" == *"--emit-links needs -o DIR, the join folder"* ]]
	run_split cdp-merge --ids email $k --emit-links --buckets 257 -o J x
	assert_failure 64
	run_split cdp-merge --ids email $k --emit-links --buckets 2 -o J --part ../x x
	assert_failure 64
	[[ "$stderr" == *"--part: expected a name of letters"* ]]
	run_split cdp-merge --ids email $k --emit-links --buckets 2 -o J --gather 3 x
	assert_failure 64
	[[ "$stderr" == *"--gather belongs to --join-links"* ]]
	run_split cdp-merge --ids email $k --join-links --gather -1 -o J J/to-0
	assert_failure 64
	run_split cdp-merge --ids email $k --join-links -o J J/to-0 J/to-1
	assert_failure 64
	for o in "--buckets 2" "--part a" "$k" --clear-links "--gather 1"; do
		run_split cdp-merge --ids email $o x
		assert_failure 64
		[[ "$stderr" == *"needs --emit-links, --emit-prior, --join-links or --apply-map"* ]]
	done
}

# --- one profile shape, stable ids (issue 15) ---------------------------------

@test "merge: a profile's identifiers are one value each; --all-ids lists the rest under _ids" {
	printf '%s\n' '{"email":"a@x.io","phone":"+4791234567","_src":"crm/d1.csv","_line":2}' \
	    '{"email":"a@x.io","phone":"+4791234599","_src":"web","_line":5}' \
	    '{"email":"a@x.io","phone":"+4791234599","_src":"web","_line":6}' > in.ndjson
	run cdp-merge --ids email,phone --profiles in.ndjson
	assert_success
	assert_output --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"a@x.io","phone":"\+4791234599","_sources":\["crm","web"\],"_records":3\}$'
	run cdp-merge --ids email,phone --profiles --all-ids in.ndjson
	assert_success
	assert_output --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"a@x.io","phone":"\+4791234599","_ids":\{"email":\["a@x.io"\],"phone":\["\+4791234567","\+4791234599"\]\},"_sources":\["crm","web"\],"_records":3\}$'
	run cdp-merge --ids email --all-ids in.ndjson
	assert_failure 64
	assert_line --index 0 "cdp-merge: --all-ids needs --profiles"
}

@test "merge: profiles merged again keep their ids, _ids link, _records and _sources add up" {
	printf '%s\n' '{"email":"a@x.io","phone":"+4791234567","_src":"crm","_line":2}' \
	    '{"email":"b@x.io","phone":"+4791234567","_src":"web","_line":2}' > day1.ndjson
	cdp-merge --ids email,phone --profiles --all-ids day1.ndjson > p1.ndjson
	id=$(jq -r .profile_id p1.ndjson)
	# An event of the day after with the email the profile did not keep
	# as its survivor still finds it through _ids.
	other=$(jq -r '._ids.email - [.email] | .[0]' p1.ndjson)
	printf '{"email":"%s","_src":"pos/d2.csv","_line":2}\n' "$other" > day2.ndjson
	run cdp-merge --ids email,phone --profiles --all-ids p1.ndjson day2.ndjson
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .profile_id <<< "$output")" "$id"
	assert_equal "$(jq -c '[._records, ._sources]' <<< "$output")" '[3,["crm","pos","web"]]'
	# Arrays of identifiers are read as identifiers, and listed flat.
	printf '{"email":["b@x.io","a@x.io"],"_src":"x","_line":1}\n{"email":"b@x.io","_src":"y","_line":1}\n' > arr.ndjson
	run cdp-merge --ids email --profiles --rule email=all arr.ndjson
	assert_success
	assert_output --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":\["a@x.io","b@x.io"\],"_sources":\["x","y"\],"_records":2\}$'
}

@test "merge: fields a profile writes that an input holds in another shape are bad unless --replace" {
	for f in '"_records":0' '"_records":"3"' '"_sources":"crm"' '"_sources":[1]' '"_ids":[]' '"profile_id":7' '"profile_id":""'; do
		printf '{"email":"a@x.io",%s}\n' "$f" > in.ndjson
		name=${f%%\":*}; name=${name#\"}
		run_split cdp-merge --ids email --profiles in.ndjson
		assert_failure 65
		assert_equal "$stderr" "cdp-merge: in.ndjson:1: field \"$name\" already exists"
		run_split cdp-merge --ids email --profiles --replace in.ndjson
		assert_success
		assert_output --regexp '^\{"profile_id":"p_[0-9a-f]{32}","email":"a@x.io","_sources":\[\],"_records":1\}$'
	done
	# Annotating, only profile_id is cdp-merge's.
	printf '{"email":"a@x.io","_records":"x","profile_id":7}\n' > in.ndjson
	run_split cdp-merge --ids email in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: in.ndjson:1: field "profile_id" already exists'
	run cdp-merge --ids email --replace in.ndjson
	assert_success
	assert_output --regexp '^\{"email":"a@x.io","_records":"x","profile_id":"p_[0-9a-f]{32}"\}$'
}

@test "merge: a second merge keeps the ids of the first (issue 15.2)" {
	cdp-merge $IDS "$F/people.ndjson" > once.ndjson
	# With the ids as the only identifier, as the issue ran it.
	run cdp-merge --ids profile_id --profiles once.ndjson
	assert_success
	assert_equal "$(jq -r .profile_id <<< "$output" | sort)" "$(jq -r .profile_id once.ndjson | sort -u)"
	run cdp-merge $IDS once.ndjson
	assert_success
	assert_output "$(cat once.ndjson)"
	# Two profiles that now meet: the older (more records) keeps its id,
	# the id map says where the other went.
	printf '%s\n' '{"email":"a@x.io","profile_id":"p_a"}' '{"email":"a@x.io","profile_id":"p_a"}' \
	    '{"email":"b@x.io","profile_id":"p_b"}' '{"email":"a@x.io","phone":"+4791234567"}' \
	    '{"email":"b@x.io","phone":"+4791234567"}' '{"email":"c@x.io","profile_id":"p_c"}' > meet.ndjson
	run cdp-merge --ids email,phone --id-map map.ndjson meet.ndjson
	assert_success
	assert_equal "$(jq -r .profile_id <<< "$output" | tr '\n' ' ')" "p_a p_a p_a p_a p_a p_c "
	assert_equal "$(cat map.ndjson)" '{"event":"merge","from":"p_b","to":"p_a"}'
}

@test "merge: records without identifiers get one id each whatever their _src and _line (issue 15.3)" {
	# Two walk-in customers of two daily files ingested as one source.
	printf 'store,amount\nS1,12.50\n' > a.csv
	printf 'store,amount\nS1,7.00\n' > b.csv
	mkdir d1 d2
	printf 'store,amount\nS1,3.00\n' > d1/pos.csv
	printf 'store,amount\nS1,4.00\n' > d2/pos.csv
	{ cdp-ingest --source pos a.csv; cdp-ingest --source pos b.csv
	  cdp-ingest --source pos d1/pos.csv; cdp-ingest --source pos d2/pos.csv; } > in.ndjson
	run_split cdp-merge --ids email --allow-no-ids in.ndjson
	assert_success
	assert_equal "$stderr" 'cdp-merge: warning: no record has the field "email"'
	assert_equal "$(jq -r .profile_id <<< "$output" | sort -u | wc -l)" 4
	assert_equal "$(jq -r ._src <<< "$output" | tr '\n' ' ')" "pos/a.csv pos/b.csv pos/pos.csv pos/pos.csv "
	# The same record read again gets the same id.
	run_split cdp-merge --ids email --allow-no-ids in.ndjson in.ndjson
	assert_equal "$(jq -r .profile_id <<< "$output" | sort -u | wc -l)" 4
	# Records carrying one id and no identifier stay one profile.
	printf '{"x":1,"profile_id":"p_w"}\n{"x":2,"profile_id":"p_w"}\n' > w.ndjson
	run_split cdp-merge --ids email --allow-no-ids --profiles --rule x=all w.ndjson
	assert_output '{"profile_id":"p_w","x":[1,2],"_sources":[],"_records":2}'
}

@test "merge: --explain names a profile in both modes; --pairs writes scored pairs (issue 15.9)" {
	S="--probabilistic --settings $F/prob-settings.json"
	id=$(cdp-merge $S "$F/prob-people.ndjson" | head -1 | jq -r .profile_id)
	run cdp-merge $S --explain "$id" "$F/prob-people.ndjson"
	assert_success
	assert_equal "$(jq -r .profile_id <<< "$output" | sort -u)" "$id"
	assert_equal "${#lines[@]}" 3
	run_split cdp-merge $S --explain pairs.ndjson "$F/prob-people.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-merge: --explain: no profile pairs.ndjson"
	assert_file_not_exist pairs.ndjson
	run cdp-merge $S --pairs pairs.ndjson "$F/prob-people.ndjson"
	assert_success
	assert_equal "$(jq -c 'select(.a)' pairs.ndjson | wc -l)" 9
	run cdp-merge --ids email --pairs pairs.ndjson "$F/prob-people.ndjson"
	assert_failure 64
	assert_line --index 0 "cdp-merge: --pairs needs --probabilistic"
}

@test "merge: --apply-map keeps the profile_id an unlinked record carries, as one process does" {
	printf '%s\n' '{"x":1,"profile_id":"p_keep"}' '{"email":"a@x.io"}' > in.ndjson
	cdp-merge --ids email --clear-links --emit-links --buckets 1 -o J/r0 in.ndjson
	join_rounds --ids email --clear-links
	run cdp-merge --ids email --clear-links --apply-map J/r$R in.ndjson
	assert_success
	assert_output "$(cdp-merge --ids email in.ndjson)"
	assert_line --index 0 '{"x":1,"profile_id":"p_keep"}'
	run cdp-merge --ids email --clear-links --apply-map J/r$R --replace in.ndjson
	assert_line --index 0 --regexp '^\{"x":1,"profile_id":"p_[0-9a-f]{32}"\}$'
}

# --- --ids fields that no record has ----------------------------------------

@test "merge: --ids fields no record has stop the run (65) and name the spellings seen" {
	# Headers Email/Phone of a CSV, --ids in lowercase.
	printf '%s\n' '{"Email":"ann@x.io","Phone":"601"}' '{"Email":"ann@x.io","e_mail":"b@x.io"}' \
	    '{"E-Mail":"c@x.io","phones":"1","mail":"d"}' > in.ndjson
	for t in 1 2; do
		run_split cdp-merge --ids email,phone --threads $t -o out.ndjson in.ndjson
		assert_failure 65
		assert_equal "$output" ""
		assert_equal "$stderr" 'cdp-merge: warning: no record has the field "email" (fields seen with a similar name: "E-Mail", "Email", "e_mail")
cdp-merge: warning: no record has the field "phone" (fields seen with a similar name: "Phone", "phones")
cdp-merge: no record has any of the --ids fields (email, phone)'
		assert [ ! -e out.ndjson ]
	done
	# Only another case: the message says so; nothing alike: no list.
	printf '%s\n' '{"Email":"ann@x.io"}' '{"EMAIL":"b@x.io","zip":"1"}' > in.ndjson
	run_split cdp-merge --ids email,customer_id in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: warning: no record has the field "email" (fields seen with that name in another case: "EMAIL", "Email")
cdp-merge: warning: no record has the field "customer_id"
cdp-merge: no record has any of the --ids fields (email, customer_id)'
	# The same for the first pass of --emit-links: no folder written.
	run_split cdp-merge --ids email --clear-links --emit-links --buckets 2 -o J/r0 in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-merge: warning: no record has the field "email" (fields seen with that name in another case: "EMAIL", "Email")
cdp-merge: no record has any of the --ids fields (email)'
	assert [ ! -e J/r0/to-0 ]
}

@test "merge: --allow-no-ids runs on with the warnings; one --ids field held is a warning only" {
	printf '%s\n' '{"Email":"ann@x.io"}' '{"Email":"ann@x.io","n":2}' > in.ndjson
	run_split cdp-merge --ids email --allow-no-ids --stats in.ndjson
	assert_success
	ids=($(ids_of <<< "$output"))
	assert [ "${ids[0]}" != "${ids[1]}" ]
	assert_equal "$(stats_core "$stderr")" 'cdp-merge: warning: no record has the field "email" (fields seen with that name in another case: "Email")
{"read":2,"written":2,"rejected":0,"dropped":0,"clusters":0,"unlinked":2,"ignored":0,"over_degree":0}'
	# A field held by one record, even null, counts; the other is warned of.
	printf '%s\n' '{"email":"ann@x.io","Phone":"1"}' '{"email":"ann@x.io"}' '{"phone":null}' > in.ndjson
	run_split cdp-merge --ids email,phone,customer_id in.ndjson
	assert_success
	assert_equal "$stderr" 'cdp-merge: warning: no record has the field "customer_id"'
	ids=($(ids_of <<< "$output"))
	assert_equal "${ids[1]}" "${ids[0]}"
	# A value under _ids (cdp-merge --all-ids) counts too.
	printf '%s\n' '{"profile_id":"p_1","n":1,"_ids":{"email":["ann@x.io"]},"_records":1,"_sources":[]}' > p.ndjson
	run_split cdp-merge --ids email --profiles p.ndjson
	assert_success
	assert_equal "$stderr" ""
	# A flag takes no value.
	run cdp-merge --ids email --allow-no-ids=yes in.ndjson
	assert_failure 64
	assert_line -p "option '--allow-no-ids'"
}

@test "merge: no record read, no --ids message (empty input, blank lines, only bad records)" {
	: > empty.ndjson
	run_split cdp-merge --ids email empty.ndjson
	assert_success
	assert_equal "$output$stderr" ""
	printf '\n\n' > blank.ndjson
	run_split cdp-merge --ids email --threads 2 blank.ndjson
	assert_success
	assert_equal "$output$stderr" ""
	printf '%s\n' '{"Email":' > bad.ndjson
	run_split cdp-merge --ids email --rejects rej.ndjson bad.ndjson
	assert_success
	assert_equal "$output$stderr" ""
	assert_equal "$(wc -l < rej.ndjson)" 1
}

@test "merge: --profiles of records holding only cdp-merge's own fields" {
	printf '%s\n' '{"profile_id":"p_1","_ids":{"email":["a@x.com"]},"_records":1}' > own.ndjson
	run_split cdp-merge --ids email --profiles own.ndjson
	assert_success
	assert_output '{"profile_id":"p_1","_sources":[],"_records":1}'
}
