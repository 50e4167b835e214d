#!/usr/bin/env bats
# cdp-segment: --where, segments from --define/--rules, --first-match,
# --else, --split, errors with their column, bad records, stats.
load helper

F="$BATS_TEST_DIRNAME/cdp-segment"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

golden() {
	cat "$F/expected/$1"
}

# ids of the records on stdout, one line: "1 3 4"
ids() {
	grep -o '"id":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//'
}

# --- usage -----------------------------------------------------------------

@test "segment: --help prints the usage on stdout and exits 0" {
	run_split cdp-segment --help
	assert_success
	assert_line --index 0 "usage: cdp-segment [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "segment: --version" {
	run cdp-segment --version
	assert_success
	assert_output "cdp-segment (cdpipe) 0.1.0"
}

@test "segment: misuse is a usage error (64) before any output" {
	run_split cdp-segment --bogus
	assert_failure 64
	assert_equal "$output" ""
	run cdp-segment --define novalue
	assert_failure 64
	assert_line --index 0 "cdp-segment: --define: expected NAME=EXPR"
	run cdp-segment --else x
	assert_failure 64
	run cdp-segment --first-match
	assert_failure 64
	run cdp-segment --split out
	assert_failure 64
	run cdp-segment --split out -o x -d 'a=true'
	assert_failure 64
	run cdp-segment -d 'a=true' -d 'a=false'
	assert_failure 64
	assert_line --index 0 'cdp-segment: segment "a" defined twice'
	run cdp-segment --as-of 2026-02-30 --where true
	assert_failure 64
	run cdp-segment --where true missing.ndjson
	assert_failure 66
}

@test "segment: a parse error names the option, line and column (64)" {
	run_split cdp-segment --where '(type == "x" && revenue > 1' "$F/people.ndjson"
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-segment: --where:1:28: expected ')'"
	run_split cdp-segment --where 'a == 1 ||
	  b === 2'
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: --where:2:8: expected a value"
	run_split cdp-segment --define 'vip=revenue >> 3'
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: --define vip:1:10: expected a value"
	run_split cdp-segment --where 'lenn(name) > 3'
	assert_equal "$stderr" "cdp-segment: --where:1:1: unknown function lenn()"
	run_split cdp-segment --where 'name =~ /(/'
	assert_failure 64
	[[ "$stderr" == "cdp-segment: --where:1:11: regex: "* ]]
}

@test "segment: days_since() without --as-of is a usage error, not the clock" {
	run_split cdp-segment --where 'days_since(last_purchase) < 30' "$F/people.ndjson"
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-segment: --where:1:1: days_since() needs --as-of"
	run_split cdp-segment --where 'x > 1' -d 'soon=days_until(due) < 7'
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: --define soon:1:1: days_until() needs --as-of"
}

# --- --where ----------------------------------------------------------------

@test "segment: --where keeps matching records byte for byte" {
	run cdp-segment --where 'country in ["PL", "DE"] && revenue > 100' "$F/people.ndjson"
	assert_success
	assert_output "$(sed -n '1p;5p' "$F/people.ndjson")"
}

@test "segment: operators, precedence and paths" {
	w() { cdp-segment --where "$1" "$F/people.ndjson" | ids; }
	assert_equal "$(w 'orders > 3')" "1 4"
	assert_equal "$(w 'orders >= 3 && orders <= 5')" "4 5"
	assert_equal "$(w 'orders != 0 && !vip')" "2"
	assert_equal "$(w 'vip || orders == 0 && revenue == 0')" "1 3 4"
	assert_equal "$(w '(vip || orders == 0) && revenue == 0')" "3"
	assert_equal "$(w 'revenue / orders > 100')" "1"
	assert_equal "$(w 'revenue - 20 * orders <= 0')" "2 3"
	assert_equal "$(w 'address.city == "Kraków"')" "1"
	assert_equal "$(w 'address.zip =~ /^\d{5}$/')" "4"
	assert_equal "$(w 'name =~ /^ł/i')" "3"
	assert_equal "$(w 'tags[0] == "newsletter"')" "1"
	assert_equal "$(w '"legacy" in segments')" "3"
	assert_equal "$(w 'exists(email)')" "5"
	assert_equal "$(w 'len(name) == 6')" "3"
	assert_equal "$(w 'upper(address.city) == "MALMÖ"')" "2"
	assert_equal "$(w 'contains(lower(name), "ana")')" "5"
	assert_equal "$(w 'coalesce(country, "??") == "??"')" "5"
	assert_equal "$(w '."name" == "Hans"')" "4"
}

@test "segment: null rules: missing fields and nulls are never true" {
	w() { cdp-segment --where "$1" "$F/people.ndjson" | ids; }
	assert_equal "$(w 'country == "PL" || country != "PL"')" "1 2 3 4"
	assert_equal "$(w 'vip == false')" "2"
	assert_equal "$(w '!(vip == true)')" "2"
	run_split cdp-segment --where 'last_purchase == null'
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: --where:1:15: a comparison with null is null, never true: use exists()"
	assert_equal "$(w '!exists(last_purchase)')" "3 5"
	# "x exists" written for exists(x): a hint, wherever it stands
	run_split cdp-segment --where '!(last_purchase exists)'
	assert_failure 64
	assert_equal "$stderr" 'cdp-segment: --where:1:3: "last_purchase exists" is not an expression: did you mean exists(last_purchase)? (and !exists(last_purchase) for a missing field)'
	run_split cdp-segment --where 'vip == true && a.b exists'
	assert_failure 64
	assert_equal "$stderr" 'cdp-segment: --where:1:16: "a.b exists" is not an expression: did you mean exists(a.b)? (and !exists(a.b) for a missing field)'
	run_split cdp-segment --where 'vip == true existsx'
	assert_failure 64
	assert_equal "$stderr" 'cdp-segment: --where:1:13: expected an operator or the end'
	assert_equal "$(w 'orders == "1"')" ""
	assert_equal "$(w 'orders != "1"')" "1 2 3 4 5"
	assert_equal "$(w 'name')" ""
}

@test "segment: days_since() and days_until() count from --as-of" {
	w() { cdp-segment --as-of 2026-11-01 --where "$1" "$F/people.ndjson" | ids; }
	assert_equal "$(w 'days_since(last_purchase) <= 4')" "1"
	assert_equal "$(w 'days_since(last_purchase) == 518')" "2"
	assert_equal "$(w 'days_until(last_purchase) == -47')" "4"
}

@test "segment: several --where must all hold" {
	run cdp-segment --where 'vip' --where 'country == "DE"' "$F/people.ndjson"
	assert_success
	assert_output "$(sed -n 5p "$F/people.ndjson")"
}

@test "segment: unicode strings in rules and records" {
	printf '{"n":"Zo\\u0142ka"}\n{"n":"Żaneta"}\n' > u.ndjson
	run cdp-segment --where 'n == "Zołka" || lower(n) == "żaneta"' u.ndjson
	assert_success
	assert_output "$(cat u.ndjson)"
	run cdp-segment --where 'n == "Zo\u0142ka"' u.ndjson
	assert_output "$(head -1 u.ndjson)"
}

@test "segment: a very long expression" {
	expr="n == 0"
	for i in $(seq 1 3000); do expr="$expr || n == $i"; done
	printf '{"n":2999}\n{"n":4000}\n' > n.ndjson
	run cdp-segment --where "$expr" n.ndjson
	assert_success
	assert_output '{"n":2999}'
}

@test "segment: deep nesting is an error with the column, not a crash" {
	deep=$(printf '(%.0s' $(seq 1 300))
	run_split cdp-segment --where "${deep}1"
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: --where:1:201: expression nested too deeply"
}

@test "segment: deeply nested records pass through" {
	open=$(printf '[%.0s' $(seq 1 500)); close=$(printf ']%.0s' $(seq 1 500))
	printf '{"a":%s1%s,"b":2}\n' "$open" "$close" > deep.ndjson
	run cdp-segment --where 'b == 2 && a[0][0][0] != 1' deep.ndjson
	assert_success
	assert_output "$(cat deep.ndjson)"
}

# --- segments --------------------------------------------------------------

@test "segment: --rules appends names to segments, keeping old entries" {
	run cdp-segment --rules "$F/rules.json" --as-of 2026-11-01 "$F/people.ndjson"
	assert_success
	assert_output "$(golden rules.out)"
}

@test "segment: --define works like --rules, in order" {
	run cdp-segment --as-of 2026-11-01 -d 'vip=vip && revenue >= 300' \
	    -d 'recent=days_since(last_purchase) <= 30' -d 'poland=country == "PL"' \
	    -d 'dormant=orders == 0 || days_since(last_purchase) > 365' \
	    "$F/people.ndjson"
	assert_success
	assert_output "$(golden rules.out)"
}

@test "segment: --first-match and --else" {
	run cdp-segment --rules "$F/rules.json" --as-of 2026-11-01 \
	    --first-match --else other "$F/people.ndjson"
	assert_success
	assert_output "$(golden first-match.out)"
}

@test "segment: a record that gains no name is copied as it came" {
	printf '{"a" : 1, "segments": ["x"]}\n' > in.ndjson
	run cdp-segment -d 'x=a == 1' -d 'y=a == 2' in.ndjson
	assert_success
	assert_output '{"a" : 1, "segments": ["x"]}'
}

@test "segment: --where and segments together; --stats counts per segment" {
	run_split cdp-segment --stats --where 'exists(country)' -d 'pl=country == "PL"' \
	    --else rest "$F/people.ndjson"
	assert_success
	assert_equal "$(ids <<<"$output")" "1 2 3 4"
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":4,"rejected":0,"dropped":1,"segment.pl":2,"segment.rest":2}'
}

@test "segment: bad rules files" {
	run_split cdp-segment --rules "$F/bad-expr.json"
	assert_failure 65
	assert_equal "$stderr" "cdp-segment: $F/bad-expr.json:2: y: when:1:8: expected ')'"
	run_split cdp-segment --rules "$F/bad-json.json"
	assert_failure 65
	[[ "$stderr" == "cdp-segment: $F/bad-json.json:2:"* ]]
	run_split cdp-segment --rules "$F/not-list.json"
	assert_failure 65
	run_split cdp-segment --rules "$F/bad-key.json"
	assert_failure 65
	assert_equal "$stderr" "cdp-segment: $F/bad-key.json:1: rule 1: unknown key \"whn\" (name, when, description)"
	run cdp-segment --rules "$F/empty-name.json"
	assert_failure 65
	run cdp-segment --rules "$F/when-not-string.json"
	assert_failure 65
	run cdp-segment --rules "$F/twice.json"
	assert_failure 64
	run cdp-segment --rules nope.json
	assert_failure 66
}

# --- --split ---------------------------------------------------------------

@test "segment: --split writes one file per segment" {
	run_split cdp-segment --split out --rules "$F/rules.json" --as-of 2026-11-01 \
	    --else rest --stats "$F/people.ndjson"
	assert_success
	assert_equal "$output" ""
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":5,"rejected":0,"dropped":0,"segment.vip":2,"segment.recent":1,"segment.poland":2,"segment.dormant":2,"segment.rest":1}'
	assert_equal "$(ls -A out | tr '\n' ' ')" "dormant.ndjson poland.ndjson recent.ndjson rest.ndjson vip.ndjson "
	assert_equal "$(ids < out/vip.ndjson)" "1 4"
	assert_equal "$(ids < out/poland.ndjson)" "1 3"
	assert_equal "$(ids < out/rest.ndjson)" "5"
	assert_equal "$(grep -h '"id":1,' out/vip.ndjson)" "$(sed -n 1p "$F/expected/rules.out")"
}

@test "segment: --split drops records in no segment; empty segments give empty files" {
	run_split cdp-segment --split out -d 'de=country == "DE"' -d 'none=false' \
	    --stats "$F/people.ndjson"
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":1,"rejected":0,"dropped":4,"segment.de":1,"segment.none":0}'
	assert_equal "$(ids < out/de.ndjson)" "4"
	assert_file_exists out/none.ndjson
	assert_equal "$(wc -c < out/none.ndjson)" "0"
}

@test "segment: --split names must be file names, checked before any output" {
	run_split cdp-segment --split out -d '../x=true' "$F/people.ndjson"
	assert_failure 64
	assert_file_not_exists out
	[[ "$stderr" == 'cdp-segment: --split: segment name "../x" is not a file name'* ]]
	run cdp-segment --split out -d '.hidden=true' "$F/people.ndjson"
	assert_failure 64
	run cdp-segment --split out --rules "$F/badname.json"
	assert_failure 64
	run cdp-segment --split out -d 'ok=true' --else 'a b' "$F/people.ndjson"
	assert_failure 64
	assert_file_not_exists out
}

@test "segment: a failed --split run leaves no partial files" {
	printf '{"a":1}\n{"a":\n' > in.ndjson
	run cdp-segment --split out -d 'one=a == 1' in.ndjson
	assert_failure 65
	assert_equal "$(ls -A out)" ""
}

# --- bad records -------------------------------------------------------------

@test "segment: a regex limit stops the run with the line (65)" {
	run_split cdp-segment --where 'word =~ /^(a|aa)+$/' "$F/bad.ndjson"
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-segment: $F/bad.ndjson:1: regex limit"
}

@test "segment: --rejects takes bad records and the run goes on" {
	cp "$F/bad.ndjson" .
	run_split cdp-segment --rejects rej.ndjson --stats -d 'x=true' \
	    --where 'word =~ /^(a|aa)+$/ || big > 1 || true' bad.ndjson
	assert_success
	assert_output "$(golden bad.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":2,"rejected":4,"dropped":0,"segment.x":2}'
	assert_equal "$(cat rej.ndjson)" "$(golden bad.rejects)"
}

@test "segment: days_since() of a value that is not a date is a bad record" {
	printf '{"d":"2026-10-01"}\n{"d":"soon"}\n{"d":""}\n{}\n' > d.ndjson
	run_split cdp-segment --as-of 2026-11-01 --where 'days_since(d) == 31' d.ndjson
	assert_failure 65
	assert_output '{"d":"2026-10-01"}'
	assert_equal "$stderr" "cdp-segment: d.ndjson:2: days_since: not a date"
	run_split cdp-segment --as-of 2026-11-01 --rejects r --where 'days_since(d) >= 0' --stats d.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":1,"rejected":1,"dropped":2}'
}

# --- output ------------------------------------------------------------------

@test "segment: -o writes atomically; blank lines and CRLF are handled" {
	printf '{"a":1}\r\n\n   \n{"a":2}\n' > in.ndjson
	run cdp-segment --where 'a > 0' -o out.ndjson in.ndjson
	assert_success
	assert_equal "$(cat out.ndjson)" "$(printf '{"a":1}\n{"a":2}')"
}

@test "segment: a write error is 74; a closed pipe ends quietly" {
	run_split cdp-segment --where true "$F/people.ndjson" -o /dev/full
	assert_failure 74
	yes '{"a":1}' | head -n 200000 > many.ndjson
	run bash -c 'cdp-segment --where "a == 1" many.ndjson | head -n 1'
	assert_success
	assert_output '{"a":1}'
}

# --- documentation -------------------------------------------------------------

@test "segment: the man page renders without warnings and lists every option" {
	run_split groff -ww -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-segment.1"
	assert_success
	assert_equal "$stderr" ""
	page=$(groff -man -Tutf8 "$BATS_TEST_DIRNAME/../man/cdp-segment.1" 2>/dev/null | col -b)
	for o in $(cdp-segment --help | grep -o -- '--[a-z-]*' | sort -u); do
		[[ "$page" == *"$o"* ]] || { echo "missing $o"; false; }
	done
}

@test "segment: the man page examples run" {
	printf '{"vip":true,"country":"PL","last_purchase":"2026-10-20"}\n' > p.ndjson
	run cdp-segment --as-of 2026-11-01 --define 'winback=vip &&
	    country == "PL" && days_since(last_purchase) <= 30 &&
	    days_since(last_purchase) > 7' p.ndjson
	assert_success
	assert_output '{"vip":true,"country":"PL","last_purchase":"2026-10-20","segments":["winback"]}'
}

@test "segment: a bad rule is named by the line where it is" {
	printf '[\n  {"name": "a", "when": "true"},\n  {"name": "b",\n   "when": 3},\n  {"name": "c", "when": "x >"}\n]\n' > r.json
	run_split cdp-segment --rules r.json
	assert_failure 65
	assert_equal "$stderr" 'cdp-segment: r.json:4: rule 2: "when" must be a string'
	sed -i 's/"when": 3/"when": "y"/' r.json
	run_split cdp-segment --rules r.json
	assert_failure 65
	assert_equal "$stderr" "cdp-segment: r.json:5: c: when:1:4: expected a value"
	printf '[{"name": "a", "when": "true"},\n 7]' > r.json
	run_split cdp-segment --rules r.json
	assert_failure 65
	assert_equal "$stderr" 'cdp-segment: r.json:2: rule 2: not an object'
}
