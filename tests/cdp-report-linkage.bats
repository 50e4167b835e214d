#!/usr/bin/env bats
# cdp-report linkage: cdp-merge's model, scored pairs, clusters and
# evaluation (tests/cdp-report/linkage/, written by cdp-merge
# --probabilistic over tests/docs/persons.ndjson with --tf city, the
# pairs file cut to 32 pairs and 12 clusters) as tables and charts, in
# every format and in cdp-report page; each figure checked against the
# input lines; bad lines and misuse.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/linkage"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

linkage() {
	cdp-report linkage "$@"
}

@test "linkage: --help prints the usage on stdout; cdp-report lists it" {
	run_split linkage --help
	assert_success
	assert_line --index 0 "usage: cdp-report linkage [--pair A,B]... [--bin-width BITS] [options]"
	run_split cdp-report --help
	assert_line --partial "  linkage       a record linkage's model, pair weights and evaluation"
}

@test "linkage: every format matches its golden file" {
	for f in table:txt csv:csv ndjson:ndjson markdown:md html:html; do
		linkage -f "${f%%:*}" --pair '#3,#190' --pair '#46,#22' \
		    "$F/model.json" "$F/pairs.ndjson" "$F/eval.ndjson" >"out.${f#*:}"
		diff -u "$F/all.${f#*:}" "out.${f#*:}"
	done
	# The input's order and files do not matter.
	cat "$F/eval.ndjson" "$F/pairs.ndjson" "$F/model.json" |
	    linkage -f csv --pair '#190,#3' --pair '#46,#22' >mixed.csv
	diff "$F/all.csv" mixed.csv
}

@test "linkage: the model's levels are the model's, the prior first" {
	linkage -f ndjson "$F/model.json" >out.ndjson
	run jq -c 'select(._table == "match_weights") | [.comparison, .level, .m, .u, .weight, .tf]' out.ndjson
	assert_line --index 0 '["prior","prior",null,null,-7.204570439798502,null]'
	# Every level of the model, in its order, with its own numbers.
	jq -c '.compare[] | .field as $f | .levels[] | [$f, .level, .m, .u, .weight]' \
	    "$F/model.json" >want
	jq -c 'select(._table == "match_weights" and .level != "prior") |
	    [.comparison, .level, .m, .u, .weight]' out.ndjson >got
	diff want got
	# Term frequencies mark the exact level of city alone.
	run jq -c 'select(._table == "match_weights" and .tf) | [.comparison, .level]' out.ndjson
	assert_output '["city","exact"]'
	# The prior's weight is log2 of its odds.
	run jq -r '.prior | (. / (1 - .)) | log2' "$F/model.json"
	assert_output "$(jq -r 'select(._table == "match_weights" and .level == "prior") | .weight' out.ndjson)"
	run jq -c 'select(._table == "model") | [.prior, .pairs, .converged, .prior_from]' out.ndjson
	assert_output '[0.00673401,416,true,"candidates"]'
	run jq -c 'select(._table == "sessions") | .block' out.ndjson
	assert_equal "${#lines[@]}" 8
}

@test "linkage: the histogram counts every pair and link in its bin" {
	linkage -f csv "$F/pairs.ndjson" | sed '/^$/q' | sed '/^$/d' >out.csv
	# Bins of 1 bit (the weights span 36 bits: 37 bins, at most 40).
	run head -3 out.csv
	assert_output 'weight_from,weight_to,pairs,links
-4,-3,2,0
-3,-2,1,0'
	assert_equal "$(tail -n +2 out.csv | wc -l)" 37
	# The same counts from the pair lines, by floor(weight).
	jq -r 'select(.a) | "\(.weight | floor) \(if .match then 1 else 0 end)"' \
	    "$F/pairs.ndjson" | awk '{ n[$1]++; l[$1] += $2 }
	    END { for (b in n) print b "," b + 1 "," n[b] "," l[b] }' | sort -n >want
	tail -n +2 out.csv | awk -F, '$3 > 0' | sort -n >got
	diff want got
	# --bin-width: bins of 5 from a multiple of 5, empty ones kept.
	grep -v '"cluster"' "$F/pairs.ndjson" >pairs-only.ndjson
	run linkage -f csv --bin-width 5 pairs-only.ndjson
	assert_output 'weight_from,weight_to,pairs,links
-5,0,5,0
0,5,4,1
5,10,3,3
10,15,7,7
15,20,6,6
20,25,1,1
25,30,4,4
30,35,2,2'
	# A pair of weight -0.25 is in the bin from -0.25 on, not from 0.
	printf '%s\n' '{"a":"x","b":"y","weight":-0.25,"match":false}' \
	    '{"a":"x","b":"z","weight":0.75,"match":true}' >two.ndjson
	run linkage -f csv two.ndjson
	assert_output 'weight_from,weight_to,pairs,links
-0.25,0,1,0
0,0.25,0,0
0.25,0.5,0,0
0.5,0.75,0,0
0.75,1,1,1'
}

@test "linkage: a waterfall adds the prior and each field's weight up to the pair's" {
	linkage -f ndjson --pair '#190,#3' "$F/pairs.ndjson" >out.ndjson
	# The running total is the prior plus the weights so far.
	run jq -r 'select(._table == "waterfall") |
	    "\(.step) \(.level) \(.weight) \(.tf) \(.cumulative * 10000 | round)"' out.ndjson
	assert_output 'prior null -7.2046 null -72046
given_name+surname one_equal_other_missing 5.2667 null -19379
date_of_birth exact 7.1401 null 52022
city exact 6.1868 1.8615 113890
postcode null 0 null 113890
street_number exact 6.5706 null 179596
street null 0 null 179596
email null 0 null 179596
phone lev<=1 7.0681 null 250277
match weight link 25.0277 null 250277'
	# Its probabilities: 1 / (1 + 2^-total); the last as written.
	run jq -r 'select(._table == "waterfall" and .step == "phone") |
	    (.probability - 1 / (1 + pow(2; -.cumulative)) | fabs < 1e-15)' out.ndjson
	assert_output true
	run jq -c 'select(._table == "waterfall" and .step == "match weight") | .probability' out.ndjson
	assert_output 1
	# Two pairs: two tables, the second named waterfall_2.
	run linkage -f ndjson --pair '#3,#190' --pair '#46,#22' "$F/pairs.ndjson"
	assert_equal "$(jq -r '._table' <<<"$output" | sort -u | grep -c waterfall)" 2
	run_split linkage -f html --pair '#46,#22' "$F/pairs.ndjson"
	assert_output --partial '<h2 id="t2-h">waterfall of the pair #22 and #46</h2>'
	assert_output --partial 'Waterfall of 10 steps: each adds its weight (a bar to the right, or to the left when negative) to the running cumulative, which ends at -3.4649; the dashed line is zero.</desc>'
}

@test "linkage: precision, recall and F1 by threshold, placed by their match weight" {
	tac "$F/eval.ndjson" | linkage -f ndjson >out.ndjson
	run jq -r '"\(.threshold) \(.threshold_weight * 1000 | round) \(.f1) \(.cluster_f1)"' out.ndjson
	assert_output '0.5 0 0.9854 0.9268
0.8 2000 0.9854 0.9268
0.9 3170 0.9854 0.9268
0.95 4248 0.9854 0.9268
0.99 6629 0.9786 0.9032
0.999 9964 0.9646 0.8538
0.9999 13288 0.9265 0.7164'
	# A threshold of 1 needs an infinite weight: the cell is empty.
	printf '%s\n' '{"threshold":1,"precision":1,"recall":0.5,"f1":0.6667}' |
	    linkage -f csv >one.csv
	run cat one.csv
	assert_output 'threshold,threshold_weight,precision,recall,f1
1,,1,0.5,0.6667'
	run_split linkage -f html "$F/eval.ndjson"
	assert_output --partial 'Lines of 6 series by threshold, 7 points, placed by threshold_weight; the last 3 dashed, in the colours of the first.</desc>'
	assert_equal "$(grep -c '<polyline' <<<"$output")" 6
	assert_equal "$(grep -c 'stroke-dasharray="5 3"' <<<"$output")" 3
}

@test "linkage: clusters by size, with bridges and the weakest paths" {
	run linkage -f csv "$F/pairs.ndjson"
	jq -r 'select(.cluster) | "\(.records) \(.bridges) \(.density) \(.weakest_path)"' \
	    "$F/pairs.ndjson" | awk '{ n[$1]++; b[$1] += $2 > 0
	    if (!($1 in d) || $3 < d[$1]) d[$1] = $3
	    if (!($1 in w) || $4 < w[$1]) w[$1] = $4 }
	    END { for (k in n) print k "," n[k] "," b[k] "," d[k] "," w[k] }' |
	    sort -n >want
	diff want <(sed -n '/^records,/,$p' <<<"$output" | tail -n +2)
}

@test "linkage: html draws the model's two charts, the histogram, and page draws them again" {
	linkage -f html -o one.html "$F/model.json" "$F/pairs.ndjson"
	run cat one.html
	assert_output --partial '<desc id="t2-cd">The weight of each of 30 levels, grouped by comparison: a bar from zero, to the right for evidence of a match, to the left against; levels marked by value (tf) weigh each value by its frequency, around the bar'"'"'s average.</desc>'
	assert_output --partial '<title id="t2-mu-ct">m and u of each level</title>'
	assert_output --partial '>by value (tf)</text>'
	assert_output --partial '<desc id="t4-cd">Histogram of pairs in 37 bins from -4 to 33; the links at the foot of each bin in their own colour.</desc>'
	run grep -ci '<script\|src=\|href="http\|url(' one.html
	assert_output 0
	# The same tables through page: the same charts.
	linkage -f ndjson --pair '#1,#57' "$F/model.json" "$F/pairs.ndjson" \
	    "$F/eval.ndjson" >link.ndjson
	linkage -f html --pair '#1,#57' "$F/model.json" "$F/pairs.ndjson" \
	    "$F/eval.ndjson" >direct.html
	cdp-report page -o page.html link.ndjson
	diff <(grep -o '<desc id="[^"]*">[^<]*</desc>' direct.html) \
	    <(grep -o '<desc id="[^"]*">[^<]*</desc>' page.html)
	diff <(grep -c '<rect' direct.html) <(grep -c '<rect' page.html)
}

@test "linkage: --stats counts each kind of line; --rejects keeps going" {
	run_split linkage -f csv --stats "$F/model.json" "$F/pairs.ndjson" "$F/eval.ndjson"
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":52,"used":52,"rejected":0,"skipped":0,"models":1,"pairs":32,"clusters":12,"thresholds":7}'
	printf '%s\n' '{"profile_id":"p1","email":"a@b"}' '{"a":"x","b":"y","weight":1,"match":true}' >mixed.ndjson
	run_split linkage -f csv mixed.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: mixed.ndjson:1: not a model, pair, cluster or evaluation line of cdp-merge"
	run_split linkage -f csv --rejects rej.ndjson --stats mixed.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":1,"skipped":0,"models":0,"pairs":1,"clusters":0,"thresholds":0}'
	# Empty input: no table.
	run_split linkage -f ndjson /dev/null
	assert_success
	assert_output ""
}

@test "linkage: bad lines are bad records with their reason" {
	m=$(cat "$F/model.json")
	printf '%s\n' \
	    '{"a":"x","b":"y","weight":"1","match":true}' \
	    '{"a":"x","b":"y","weight":10001,"match":true}' \
	    '{"a":"x","b":"y","weight":1}' \
	    '{"a":1,"b":"y","weight":1,"match":true}' \
	    '{"cluster":"p","records":0,"bridges":0,"density":1,"weakest_path":1}' \
	    '{"cluster":"p","records":2,"bridges":0,"density":1.5,"weakest_path":1}' \
	    '{"threshold":0,"precision":1,"recall":1,"f1":1}' \
	    '{"threshold":0.9,"precision":1,"recall":1}' \
	    '{"threshold":0.9,"precision":1,"recall":1,"f1":1}' \
	    '{"threshold":0.9,"precision":1,"recall":1,"f1":1}' \
	    '{"blocks":["email"],"compare":["email:exact"]}' \
	    '{"compare":[{"field":"email","levels":[{"level":"exact"}]}],"prior":0.1}' \
	    "$m" "$m" >bad.ndjson
	run_split linkage -f csv --rejects rej.ndjson bad.ndjson
	assert_success
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output '1 weight: not a number from -10000 to 10000
2 weight: not a number from -10000 to 10000
3 match: not true or false
4 a: a pair'"'"'s records are not strings
5 records: not a count
6 density: not a share from 0 to 1
7 threshold: not a probability above 0 and at most 1
8 f1: not a share from 0 to 1
10 threshold: given twice
11 prior: not a share above 0 and below 1 (a model fitted by cdp-merge --train-only has one)
12 compare: a level without its m, u and weight (fit the model first)
14 compare: a second model'
}

@test "linkage: --pair names a pair of the input, once" {
	run_split linkage --pair '#1,#2' "$F/pairs.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-report: --pair #1,#2: no such pair in the input"
	assert_output ""
	run_split linkage --pair '#1,#57' "$F/pairs.ndjson" "$F/pairs.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-report: $F/pairs.ndjson:1: a: the pair asked for twice in the input"
}

@test "linkage: misuse is 64" {
	for bad in "--bin-width 0" "--bin-width 0.3" "--bin-width 2000" \
	    "--bin-width x" "--pair nocomma" "--nosuch" "-f pdf"; do
		# shellcheck disable=SC2086
		run_split linkage $bad "$F/pairs.ndjson"
		assert_failure 64
		assert_output ""
	done
	run_split linkage --bin-width 0.3 "$F/pairs.ndjson"
	assert_equal "${stderr%%$'\n'*}" "cdp-report linkage: --bin-width: expected a multiple of 0.25 from 0.25 to 1000"
}

@test "linkage: what cdp-merge writes, piped straight in" {
	P="$BATS_TEST_DIRNAME/docs/persons.ndjson"
	M=(--probabilistic --block email --block phone --block postcode
	    --compare 'given_name+surname:name_swap(0.9),date_of_birth:date'
	    --compare 'city:jw(0.9),postcode:lev(1),email:lev(1),phone:lev(1)' --tf city)
	cdp-merge "${M[@]}" --train-only "$P" >model.json
	cdp-merge --probabilistic --settings model.json --pairs pairs.ndjson "$P" >/dev/null
	cdp-merge --probabilistic --settings model.json --truth person_id "$P" |
	    cat model.json pairs.ndjson - |
	    linkage -f ndjson --stats --pair "$(head -1 pairs.ndjson | jq -r '.a + "," + .b')" \
	    >out.ndjson 2>stats
	assert_equal "$(jq .pairs stats)" "$(grep -c '"a":' pairs.ndjson)"
	assert_equal "$(jq .clusters stats)" "$(grep -c '"cluster":' pairs.ndjson)"
	assert_equal "$(jq .thresholds stats)" 7
	# Every pair is in one bin, and the waterfall ends at the pair's
	# weight within the rounding of its fields.
	assert_equal "$(jq -s 'map(select(._table == "weights") | .pairs) | add' out.ndjson)" \
	    "$(jq .pairs stats)"
	run jq -r 'select(._table == "waterfall") | .cumulative' out.ndjson
	awk -v a="${lines[${#lines[@]}-2]}" -v b="${lines[${#lines[@]}-1]}" \
	    'BEGIN { d = a - b; exit !(d < 0.001 && d > -0.001) }'
}
