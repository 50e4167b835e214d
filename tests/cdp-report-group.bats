#!/usr/bin/env bats
# cdp-report group: aggregates, group order, formats, bad input, the
# account, and partials that merge to the one-run result.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/group"
AGGS=count,sum:revenue,avg:revenue,min:ts,max:ts,distinct:profile_id,p50:revenue,p95:revenue

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# events N: N deterministic events with cent revenues (the MINSTD
# generator, exact in awk's doubles, so every run sees the same data).
events() {
	awk -v n="$1" 'BEGIN {
		split("web app email sms ads store", ch, " ")
		split("view cart purchase", ty, " ")
		x = 12345
		for (i = 1; i <= n; i++) {
			x = (x * 48271) % 2147483647
			c = ch[int(x / 65536) % 6 + 1]
			t = ty[int(x / 4096) % 3 + 1]
			r = (int(x / 11) % 100000) / 100
			if (x % 17 == 0)
				rv = "null"
			else if (x % 13 == 0)
				rv = "-" r
			else
				rv = r
			printf "{\"channel\":\"%s\",\"type\":\"%s\",\"revenue\":%s,", c, t, rv
			printf "\"ts\":\"2026-%02d-%02dT%02d:00:00Z\",", x % 12 + 1, x % 28 + 1, x % 24
			printf "\"profile_id\":\"P%d\"}\n", int(x / 3) % 500
		}
	}'
}

# --- usage ---------------------------------------------------------------

@test "group: --help prints the usage on stdout" {
	run_split cdp-report group --help
	assert_success
	assert_line --index 0 --partial "usage: cdp-report group [--by F[,F...]]"
	assert_equal "$stderr" ""
}

@test "group: an unknown aggregate is a usage error" {
	run_split cdp-report group --by channel --agg count,median:revenue "$F/events.ndjson"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-report group: --agg: unknown aggregate 'median'"
	assert_output ""
}

@test "group: a bad --agg spec is a usage error" {
	for spec in sum count:x 'sum:' p101:revenue 'count,,sum:x' p:revenue count,count; do
		run_split cdp-report group --agg "$spec" "$F/events.ndjson"
		assert_failure 64
		assert_output ""
	done
	run_split cdp-report group --agg sum "$F/events.ndjson"
	assert_equal "${stderr%%$'\n'*}" "cdp-report group: --agg: sum needs a field, as sum:FIELD"
	run_split cdp-report group --by channel,channel "$F/events.ndjson"
	assert_failure 64
	run_split cdp-report group --by count "$F/events.ndjson"
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-report group: column count is both a group and an aggregate"
}

# --- results -------------------------------------------------------------

@test "group: every aggregate by channel, ndjson" {
	run_split cdp-report group --by channel --agg "$AGGS" -f ndjson "$F/events.ndjson"
	assert_success
	assert_output "$(cat "$F/by-channel.ndjson")"
	assert_equal "$stderr" ""
}

@test "group: every aggregate by channel, csv" {
	run_split cdp-report group --by channel --agg "$AGGS" -f csv "$F/events.ndjson"
	assert_success
	assert_output "$(cat "$F/by-channel.csv")"
}

@test "group: two group fields, first/last and min/max of other types" {
	A=count,sum:revenue,first:ts,last:ts,min:revenue,max:profile_id
	run_split cdp-report group --by channel,type --agg "$A" -f ndjson "$F/events.ndjson"
	assert_success
	assert_output "$(cat "$F/by-channel-type.ndjson")"
	run_split cdp-report group --by channel,type --agg "$A" -f csv "$F/events.ndjson"
	assert_success
	assert_output "$(cat "$F/by-channel-type.csv")"
}

@test "group: no --by gives one total row" {
	run_split cdp-report group --agg count,sum:revenue,avg:revenue,p90:revenue,distinct:channel "$F/events.ndjson"
	assert_success
	assert_output "$(cat "$F/total.ndjson")"
}

@test "group: the default aggregate is count" {
	run_split cdp-report group --by type "$F/events.ndjson"
	assert_success
	assert_output '{"type":"purchase","count":4}
{"type":"view","count":4}'
}

@test "group: empty input: no rows by a field, a zero total without --by" {
	run_split cdp-report group --by channel --agg count,sum:revenue --stats </dev/null
	assert_success
	assert_output ""
	assert_equal "$(stats_core "$stderr")" '{"read":0,"used":0,"rejected":0,"skipped":0}'
	run_split cdp-report group --agg count,sum:revenue,avg:revenue,distinct:x -f csv </dev/null
	assert_success
	assert_output 'count,sum_revenue,avg_revenue,distinct_x
0,,,0'
}

@test "group: the order of group values by type, equal values by value" {
	printf '%s\n' '{"k":"b"}' '{"k":"w\u0065b"}' '{"k":"web"}' '{"k":10}' \
	    '{"k":9.5}' '{"k":-0}' '{"k":0}' '{"k":0.0}' '{"k":true}' \
	    '{"k":false}' '{"k":null}' '{}' '{"k":[[1,2]]}' '{"k":{"a":1}}' \
	    '{"k":"B"}' '{"k":"é"}' >in.ndjson
	run_split cdp-report group --by k -f csv in.ndjson
	assert_success
	assert_output 'k,count
,2
false,1
true,1
0,3
9.5,1
10,1
B,1
b,1
web,2
é,1
"[1,2]",1
"{""a"":1}",1'
}

@test "group: min and max put numbers before strings and skip booleans" {
	printf '%s\n' '{"v":"a"}' '{"v":3}' '{"v":true}' '{"v":-1}' '{"v":"Z"}' \
	    '{"v":null}' >in.ndjson
	run_split cdp-report group --agg min:v,max:v,distinct:v,count in.ndjson
	assert_success
	assert_output '{"min_v":-1,"max_v":"a","distinct_v":5,"count":6}'
}

@test "group: quantiles interpolate linearly between closest ranks" {
	printf '{"x":%s}\n' 1 2 3 4 5 6 7 8 9 10 >in.ndjson
	run_split cdp-report group --agg p0:x,p25:x,p50:x,p90:x,p99:x,p100:x in.ndjson
	assert_success
	assert_output '{"p0_x":1,"p25_x":3.25,"p50_x":5.5,"p90_x":9.1,"p99_x":9.91,"p100_x":10}'
}

@test "group: sums are compensated" {
	printf '{"x":%s}\n' 1e16 1 1 1 1 -1e16 >in.ndjson
	run_split cdp-report group --agg sum:x,avg:x in.ndjson
	assert_success
	assert_output '{"sum_x":4,"avg_x":0.6666666666666666}'
}

@test "group: a sum has the decimals of its terms, without float noise, merged partials too" {
	# The takings of a till: 1.10 + 2.20 - 0.05 is 3.2500000000000004
	# in doubles, however well added.
	printf '{"t":"a","x":%s}\n' 1.10 2.20 '-0.05' >in.ndjson
	printf '{"t":"b","x":%s}\n' 0.1 0.2 1e-16 1e-16 >>in.ndjson
	printf '{"t":"c","x":%s}\n' 1e20 1 0.5e1 0.25e1 >>in.ndjson
	run_split cdp-report group --by t --agg sum:x,avg:x -f csv in.ndjson
	assert_success
	# b has terms of 16 decimals: its sum is the double's, as c's (more
	# units than a double holds).
	assert_output 't,sum_x,avg_x
a,3.25,1.0833333333333335
b,0.3000000000000002,0.07500000000000005
c,1e20,2.5e19'
	printf '{"t":"c","x":%s}\n' 0.5e1 0.25e1 1.05 >c.ndjson
	run_split cdp-report group --by t --agg sum:x c.ndjson
	assert_output '{"t":"c","sum_x":8.55}'
	# Beside other numbers (the exponent is read within its own text).
	printf '%s\n' '{"x":7.25,"n":5}' '{"x":1e-3,"n":123456}' >n.ndjson
	for th in 1 2; do
		run_split cdp-report group --agg sum:x,min:n,max:n --threads "$th" n.ndjson
		assert_output '{"sum_x":7.251,"min_n":5,"max_n":123456}'
	done
	split -l 2 in.ndjson part.
	for p in part.a?; do
		cdp-report group --by t --agg sum:x,avg:x --partial "$p" >"$p.st"
	done
	run_split sh -c 'cat part.a?.st | cdp-report group --by t --agg sum:x,avg:x --merge -f csv'
	assert_success
	assert_line --index 1 'a,3.25,1.0833333333333335'
	# A partial of an earlier version (no decimals) gives the double's
	# sum; a bad count of decimals is a damaged partial.
	printf '%s\n' '{"_partial":"cdp-report group","version":1,"by":["t"],"agg":["sum:x"],"records":2,"present":{"x":2}}' \
	    '{"key":["a"],"st":[[2,3.3000000000000003,0]]}' >old.st
	run_split cdp-report group --by t --agg sum:x --merge old.st
	assert_success
	assert_output '{"t":"a","sum_x":3.3000000000000003}'
	sed 's/,0]]/,0,16]]/' old.st >bad.st
	run_split cdp-report group --by t --agg sum:x --merge bad.st
	assert_failure 65
}

# --- bad input -----------------------------------------------------------

@test "group: a non-numeric value in a sum is rejected with its line" {
	printf '%s\n' '{"c":"a","r":1}' '{"c":"a","r":"12"}' '{"c":"b","r":2}' >in.ndjson
	run_split cdp-report group --by c --agg count,sum:r in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: in.ndjson:2: r: not a number"
	assert_output ""
}

@test "group: --rejects keeps going and the rejected record is not counted" {
	printf '%s\n' '{"c":"a","r":1}' '{"c":"a","r":true}' '{"c":"b","r":2}' 'nope' >in.ndjson
	run_split cdp-report group --by c --agg count,sum:r,p50:r --rejects bad.ndjson --stats in.ndjson
	assert_success
	assert_output '{"c":"a","count":1,"sum_r":1,"p50_r":1}
{"c":"b","count":1,"sum_r":2,"p50_r":2}'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":2,"rejected":2,"skipped":0}'
	run jq -c '[._error, ._line]' bad.ndjson
	assert_output '["r: not a number",2]
["not a JSON object at byte 1",4]'
}

@test "group: --skip-nonnumeric counts the record and the skipped value" {
	printf '%s\n' '{"c":"a","r":1}' '{"c":"a","r":"x"}' '{"c":"b","r":[2]}' '{"c":"b","r":null}' >in.ndjson
	run_split cdp-report group --by c --agg count,sum:r,avg:r,max:r --skip-nonnumeric --stats in.ndjson
	assert_success
	assert_output '{"c":"a","count":2,"sum_r":1,"avg_r":1,"max_r":"x"}
{"c":"b","count":2,"sum_r":null,"avg_r":null,"max_r":null}'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":4,"rejected":0,"skipped":0,"nonnumeric":2}'
}

# --- partials ------------------------------------------------------------

@test "group: shards' partials merge to exactly the one-run result" {
	events 3000 >all.ndjson
	split -n l/3 all.ndjson shard.
	for by in channel channel,type ''; do
		A=count,sum:revenue,avg:revenue,min:ts,max:ts,distinct:profile_id,p50:revenue,p95:revenue,first:ts,last:revenue
		one=$(cdp-report group ${by:+--by "$by"} --agg "$A" -f csv all.ndjson)
		for s in shard.a?; do
			cdp-report group ${by:+--by "$by"} --agg "$A" --partial "$s" >"$s.part"
		done
		run_split sh -c "cat shard.a?.part | cdp-report group ${by:+--by $by} --agg $A --merge -f csv"
		assert_success
		assert_output "$one"
	done
	[ "$(echo "$one" | wc -l)" -eq 2 ]
	one=$(cdp-report group --by channel,type --agg count -f csv all.ndjson)
	[ "$(echo "$one" | wc -l)" -eq 19 ]
}

@test "group: partials of partials merge too" {
	events 900 >all.ndjson
	split -n l/3 all.ndjson shard.
	A=count,sum:revenue,distinct:profile_id,p95:revenue
	for s in shard.a?; do
		cdp-report group --by type --agg "$A" --partial "$s" >"$s.part"
	done
	cdp-report group --by type --agg "$A" --merge --partial shard.aa.part shard.ab.part >ab.part
	run_split cdp-report group --by type --agg "$A" --merge ab.part shard.ac.part
	assert_success
	assert_output "$(cdp-report group --by type --agg "$A" all.ndjson)"
}

@test "group: arrays and objects survive a merge byte for byte" {
	printf '%s\n' '{"k":[1, 0.1],"v":{"a": [2]}}' '{"k":[1,0.1],"v":3}' \
	    '{"k":{"x":1e2},"v":[0.1, "b c"]}' >in.ndjson
	A=count,first:v,last:v,distinct:v
	cdp-report group --by k --agg "$A" --whole-arrays --partial in.ndjson >p.part
	run_split cdp-report group --by k --agg "$A" --whole-arrays --merge p.part p.part
	assert_success
	assert_output '{"k":[1,0.1],"count":4,"first_v":{"a":[2]},"last_v":3,"distinct_v":2}
{"k":{"x":1e2},"count":2,"first_v":[0.1,"b c"],"last_v":[0.1,"b c"],"distinct_v":1}'
}

@test "group: the partial format" {
	run_split cdp-report group --by type --agg count,sum:revenue,max:channel,p50:revenue --partial "$F/events.ndjson"
	assert_success
	assert_output '{"_partial":"cdp-report group","version":1,"by":["type"],"arrays":"each","agg":["count","sum:revenue","max:channel","p50:revenue"],"records":8,"present":{"revenue":7,"channel":7}}
{"key":["purchase"],"st":[4,[4,149.75,0,2],"web",null,[12.5,30,7.25,100]]}
{"key":["view"],"st":[4,[2,1,0,0],"web",null,[0,1]]}'
}

@test "group: --merge refuses partials of another --by or --agg" {
	cdp-report group --by type --agg count,sum:revenue --partial "$F/events.ndjson" >p.ndjson
	run_split cdp-report group --by channel --agg count,sum:revenue --merge p.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: p.ndjson:1: partial made with another --by or --agg; merge with the same --by and --agg, in the same order"
	run_split cdp-report group --by type --agg sum:revenue,count --merge p.ndjson
	assert_failure 65
	run_split cdp-report group --by type --agg count,sum:revenue --merge "$F/events.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-report: $F/events.ndjson:1: group state before the partial's header line"
}

@test "group: --merge refuses partials of the other --whole-arrays, takes those that do not say" {
	printf '%s\n' '{"s":["a","b"]}' '{"s":["a"]}' >in.ndjson
	cdp-report group --by s --partial in.ndjson >each.part
	cdp-report group --by s --whole-arrays --partial in.ndjson >whole.part
	run_split cdp-report group --by s --whole-arrays --merge each.part
	assert_failure 65
	assert_equal "$stderr" "cdp-report: each.part:1: partial made without --whole-arrays; merge with the same"
	run_split cdp-report group --by s --merge whole.part
	assert_failure 65
	assert_equal "$stderr" "cdp-report: whole.part:1: partial made with --whole-arrays; merge with the same"
	# Partials written before "arrays" existed merge with either.
	sed '1s/"arrays":"whole",//' whole.part >old.part
	run_split cdp-report group --by s --whole-arrays --merge old.part
	assert_success
	assert_output '{"s":["a","b"],"count":1}
{"s":["a"],"count":1}'
}

@test "group: a damaged partial line is rejected with its line" {
	cdp-report group --by type --agg count,sum:revenue --partial "$F/events.ndjson" >p.ndjson
	printf '%s\n' '{"key":["x"],"st":[1,[1,"2",0]]}' >>p.ndjson
	run_split cdp-report group --by type --agg count,sum:revenue --merge p.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: p.ndjson:4: not a partial line of this --by and --agg"
}

# --- arrays --------------------------------------------------------------

@test "group: an array counts its record once under each of its elements" {
	# A record in two segments counts in both; one naming a segment twice
	# counts once; an empty array and a missing field group as null;
	# elements are values like any other (1 and 1.0 one number, escapes
	# read, a nested array one value).
	printf '%s\n' '{"segments":["vip","at_risk"],"r":1}' \
	    '{"segments":["vip","vip"],"r":2}' '{"segments":[],"r":4}' '{"r":8}' \
	    '{"segments":"vip","r":16}' \
	    '{"segments":[1, 1.0, "\u0061b", [2, 3], null],"r":32}' >in.ndjson
	run_split cdp-report group --by segments --agg count,sum:r -f csv in.ndjson
	assert_success
	assert_output 'segments,count,sum_r
,3,44
1,1,32
ab,1,32
at_risk,1,1
vip,3,19
"[2,3]",1,32'
	# Two array fields: every pair of their elements.
	printf '%s\n' '{"s":["b","a"],"c":["x","y"]}' '{"s":"a","c":["y"]}' >two.ndjson
	run_split cdp-report group --by s,c -f csv two.ndjson
	assert_output 's,c,count
a,x,1
a,y,2
b,x,1
b,y,1'
}

@test "group: --whole-arrays groups an array as one value; partials of each mode merge to their one run" {
	printf '%s\n' '{"s":["b","a"],"r":1}' '{"s":["b", "a"],"r":2}' '{"s":["a"],"r":4}' \
	    '{"s":[],"r":8}' >in.ndjson
	run_split cdp-report group --by s --whole-arrays=yes in.ndjson
	assert_failure 64
	assert_output ""
	run_split cdp-report group --by s --agg count,sum:r --whole-arrays -f csv in.ndjson
	assert_success
	assert_output 's,count,sum_r
"[""a""]",1,4
"[""b"",""a""]",2,3
[],1,8'
	for mode in "" --whole-arrays; do
		head -2 in.ndjson >a.ndjson
		tail -2 in.ndjson >b.ndjson
		cdp-report group --by s --agg count,sum:r $mode --partial a.ndjson >a.part
		cdp-report group --by s --agg count,sum:r $mode --partial b.ndjson >b.part
		diff <(cdp-report group --by s --agg count,sum:r $mode in.ndjson) \
		    <(cdp-report group --by s --agg count,sum:r $mode --merge a.part b.part)
	done
}

@test "group: a number out of range inside an array rejects its record" {
	printf '%s\n' '{"s":["a",1e400]}' '{"s":["a"]}' >in.ndjson
	run_split cdp-report group --by s in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: in.ndjson:1: number out of range"
	run_split cdp-report group --by s --rejects rej.ndjson --stats -f csv in.ndjson
	assert_success
	assert_output 's,count
a,1'
	assert_equal "$(stats_core "$stderr")" '{"read":2,"used":1,"rejected":1,"skipped":0}'
}

# --- output --------------------------------------------------------------

@test "group: -o writes the file, a full disk is an i/o error" {
	run_split cdp-report group --by type -o out.csv "$F/events.ndjson"
	assert_success
	assert_equal "$(cat out.csv)" 'type,count
purchase,4
view,4'
	run_split cdp-report group --by type -f csv -o /dev/full "$F/events.ndjson"
	assert_failure 74
	run_split cdp-report group --by type --partial -o /dev/full "$F/events.ndjson"
	assert_failure 74
}

# --- honest aggregates ------------------------------------------------------

@test "group: an aggregate of a field no record has stops the run (65)" {
	run_split cdp-report group --by type --agg count,sum:revnue "$F/events.ndjson"
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-report: --agg sum:revnue: no record has field revnue (--allow-missing gives empty cells)"
	run_split cdp-report group --by type --agg count,sum:revnue \
	    --allow-missing -f csv "$F/events.ndjson"
	assert_success
	assert_output "type,count,sum_revnue
purchase,4,
view,4,"
	# No records at all: nothing to tell a typo from.
	run_split cdp-report group --agg sum:revnue -f csv </dev/null
	assert_success
	assert_output "sum_revnue"	# and the total row's empty cell
	# A field that is null in every record is there: no error.
	printf '{"a":null}\n' >null.ndjson
	run_split cdp-report group --agg max:a -f csv null.ndjson
	assert_success
}

@test "group: merged partials stop on a field none of them had" {
	head -3 "$F/events.ndjson" >a.ndjson
	printf '{"type":"view"}\n' >b.ndjson
	for s in a b; do
		cdp-report group --by type --agg sum:revenue --partial $s.ndjson >$s.part
	done
	# One shard lacks revenue, the other has it: fine.
	run_split cdp-report group --by type --agg sum:revenue --merge -f csv a.part b.part
	assert_success
	run_split cdp-report group --by type --agg sum:revenue --merge b.part
	assert_failure 65
	assert_equal "$stderr" "cdp-report: --agg sum:revenue: no record has field revenue (--allow-missing gives empty cells)"
}

@test "group: amounts in two currencies are not added up (65)" {
	printf '%s\n' '{"k":"a","revenue":10,"_currency":"EUR"}' \
	    '{"k":"a","revenue":5.5,"_currency":"USD"}' \
	    '{"k":"b","revenue":1,"_currency":"USD"}' \
	    '{"k":"a","note":"no amount, any currency","_currency":"GBP"}' >cur.ndjson
	run_split cdp-report group --by k --agg count,sum:revenue cur.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-report: cur.ndjson:2: sum:revenue would mix amounts in "EUR" and "USD" in one group: add _currency to --by, or keep one currency'
	run_split cdp-report group --by k,_currency --agg count,sum:revenue,avg:revenue -f csv cur.ndjson
	assert_success
	assert_output "k,_currency,count,sum_revenue,avg_revenue
a,EUR,1,10,10
a,GBP,1,,
a,USD,1,5.5,5.5
b,USD,1,1,1"
	# Counting mixes nothing; p50 is an amount too.
	run_split cdp-report group --by k --agg count,max:revenue -f csv cur.ndjson
	assert_success
	run_split cdp-report group --agg p50:revenue cur.ndjson
	assert_failure 65
	# --currency names another field.
	sed 's/_currency/cur/' cur.ndjson >cur2.ndjson
	run_split cdp-report group --by k --agg sum:revenue cur2.ndjson
	assert_success
	run_split cdp-report group --by k --agg sum:revenue --currency cur cur2.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-report: cur2.ndjson:2: sum:revenue would mix amounts in "EUR" and "USD" in one group: add cur to --by, or keep one currency'
	run_split cdp-report group --currency "" cur.ndjson
	assert_failure 64
}

@test "group: an amount's currency is F_currency, as cdp-ingest --types F:money writes it, else _currency" {
	printf '%s\n' 'till,amount' 'a,£12.50' 'a,"1.234,56 €"' 'b,"12,50 €"' >tills.csv
	cdp-ingest --types amount:money tills.csv >tills.ndjson
	run_split cdp-report group --by till --agg count,sum:amount tills.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-report: tills.ndjson:2: sum:amount would mix amounts in "GBP" and "EUR" in one group: add amount_currency to --by, or keep one currency'
	run_split cdp-report group --by amount_currency --agg count,sum:amount,avg:amount -f csv tills.ndjson
	assert_success
	assert_output "amount_currency,count,sum_amount,avg_amount
EUR,2,1247.06,623.53
GBP,1,12.5,12.5"
	# Each amount by its own field; _currency where a record has no
	# F_currency; --currency names one field for every amount.
	printf '%s\n' '{"k":"a","x":1,"x_currency":"EUR","y":2,"_currency":"EUR"}' \
	    '{"k":"a","x":1,"x_currency":"EUR","y":2,"_currency":"USD"}' >two.ndjson
	run_split cdp-report group --by k --agg sum:x two.ndjson
	assert_success
	assert_output '{"k":"a","sum_x":2}'
	run_split cdp-report group --by k --agg sum:x,sum:y two.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-report: two.ndjson:2: sum:x would mix amounts in "EUR" and "USD" in one group: add _currency to --by, or keep one currency'
	run_split cdp-report group --by k --agg sum:x --currency _currency two.ndjson
	assert_failure 65
	# A partial names the field, so the merge's message does too.
	for c in GBP EUR; do
		printf '{"till":"a","amount":1,"amount_currency":"%s"}\n' $c >$c.ndjson
		cdp-report group --by till --agg sum:amount --partial $c.ndjson >$c.part
	done
	run cat GBP.part
	assert_line '{"key":["a"],"st":[[1,1,0,0]],"cur":"\"GBP\"","curfield":"amount_currency"}'
	run_split cdp-report group --by till --agg sum:amount --merge GBP.part EUR.part
	assert_failure 65
	assert_equal "$stderr" 'cdp-report: EUR.part:2: sum:amount would mix amounts in "GBP" and "EUR" in one group: add amount_currency to --by, or keep one currency'
}

@test "group: partials carry each group's currency into the merge" {
	printf '%s\n' '{"k":"a","revenue":10,"_currency":"EUR"}' >eur.ndjson
	printf '%s\n' '{"k":"a","revenue":5,"_currency":"USD"}' >usd.ndjson
	for s in eur usd; do
		cdp-report group --by k --agg sum:revenue --partial $s.ndjson >$s.part
	done
	run_split cdp-report group --by k --agg sum:revenue --merge eur.part eur.part -f csv
	assert_success
	assert_output "k,sum_revenue
a,20"
	run_split cdp-report group --by k --agg sum:revenue --merge eur.part usd.part
	assert_failure 65
	assert_equal "$stderr" 'cdp-report: usd.part:2: sum:revenue would mix amounts in "EUR" and "USD" in one group: add _currency to --by, or keep one currency'
}
