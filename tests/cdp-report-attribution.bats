#!/usr/bin/env bats
# cdp-report attribution: the heuristic models and the Markov chain against
# published and hand-computed figures, --paths, --lookback, the
# ChannelAttribution sample, bad input and usage errors.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/attribution"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

golden() {
	cat "$F/expected/$1"
}

conv='event == "purchase"'

# --- usage -----------------------------------------------------------------

@test "attribution: --help prints the usage on stdout and exits 0" {
	run_split cdp-report attribution --help
	assert_success
	assert_line --index 0 \
	    "usage: cdp-report attribution --conversion EXPR [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "attribution: --conversion is required (64)" {
	run_split cdp-report attribution --model last "$F/puzyrov.ndjson"
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --conversion is required"
}

@test "attribution: a bad --conversion points at its column (64)" {
	run_split cdp-report attribution --conversion 'event == ' "$F/puzyrov.ndjson"
	assert_failure 64
	assert_equal "$output" ""
	[[ "$stderr" == "cdp-report: --conversion:1:10: "* ]]
}

@test "attribution: bad model specs are usage errors (64)" {
	for m in bogus first:2 time-decay:0d time-decay:x position:40,20 \
	    position:50,20,40 position:a,b,c last,last "first,"; do
		run_split cdp-report attribution --conversion "$conv" --model "$m" \
		    "$F/puzyrov.ndjson"
		assert_failure 64
		assert_equal "$output" ""
	done
	run_split cdp-report attribution --conversion "$conv" --model bogus
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report attribution: --model: unknown \
model 'bogus' (first, last, linear, time-decay, position, markov)"
	run_split cdp-report attribution --conversion "$conv" --model first --model first
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: first given twice"
	run_split cdp-report attribution --conversion "$conv" --model position:50,20,40
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: position: the shares must add up to 100"
}

@test "attribution: bad --lookback is a usage error (64)" {
	run_split cdp-report attribution --conversion "$conv" --lookback 3x \
	    "$F/puzyrov.ndjson"
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --lookback: expected a duration such as 30d"
}

# --- Markov: the published example and a hand-computed one -----------------

# Serhii Puzyrov, "Markov Chain Attribution - Simple Explanation Of
# Removal Effect" (2019), see shared/data/attribution/README.md: paths
# google ads (2 conversions), mailing (1), google ads > mailing (1),
# google ads (1 null).  Published transitions start>google ads 0.8,
# start>mailing 0.2, google ads>conv 0.5, >mailing 0.25, >null 0.25,
# mailing>conv 1; P(conv) = 0.8; removal effects google ads 0.75, mailing
# 0.5; credit of the 4 conversions 2.4 and 1.6.  First touch 3/1, last
# 2/2, linear 2.5/1.5 (as the README lists).  The values (10, 20, 30, 40)
# are ours: markov value = share x 100.
@test "attribution: markov matches the published removal effects" {
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --model first,last,linear,markov -f ndjson "$F/puzyrov.ndjson"
	assert_success
	assert_output "$(golden puzyrov.ndjson)"
	assert_line --index 0 --partial '"markov_conversions":2.4,'
	assert_line --index 0 --partial '"removal_effect":0.75}'
	assert_line --index 1 --partial '"markov_conversions":1.6,'
	assert_line --index 1 --partial '"removal_effect":0.5}'
}

# By hand (hand.ndjson, shuffled input, times decide the order):
#   uid 1: a > b > conv (100)       uid 2: a > a > c > conv (50)
#   uid 3: b > null                 uid 4: c > b > conv (30)
#   uid 5: a > null
# Transitions (the self-loop a>a kept): start: a 3, b 1, c 1 (of 5);
# a: a 1, b 1, c 1, null 1 (of 4); b: conv 2, null 1 (of 3);
# c: conv 1, b 1 (of 2).
# Conversion probabilities x: x_b = 2/3; x_c = 1/2 + 1/2 x_b = 5/6;
# x_a = 1/4 (x_a + x_b + x_c) so x_a = 1/2;
# P = 3/5 x_a + 1/5 x_b + 1/5 x_c = 3/10 + 2/15 + 1/6 = 3/5.
# Without a (x_a = 0): P = 1/5 (2/3 + 5/6) = 3/10, effect 1 - 1/2 = 1/2.
# Without b: x_c = 1/2, x_a = 1/3 x_c = 1/6, P = 1/10 + 1/10 = 1/5,
#   effect 1 - 1/3 = 2/3.
# Without c: x_a = 1/3 x_b = 2/9, P = 2/15 + 2/15 = 4/15, effect 5/9.
# Sum of effects 31/18; of the 3 conversions a gets 9/31 x 3 = 27/31
# (0.870967742), b 36/31 (1.161290323), c 30/31 (0.967741935); of the value
# 180: 1620/31 (52.258064516), 2160/31 (69.677419355), 1800/31
# (58.064516129).  First touch: a 2 (150), c 1 (30).
@test "attribution: markov matches a hand computation (self-loop kept)" {
	run_split cdp-report attribution --path-id uid --time t --channel src \
	    --conversion 'type == "order"' --value amount --model markov,first -f ndjson \
	    "$F/hand.ndjson"
	assert_success
	assert_output "$(golden hand.ndjson)"
	assert_line --index 0 '{"channel":"a","markov_conversions":0.870967742,"markov_value":52.258064516,"removal_effect":0.5,"first_conversions":2,"first_value":150}'
}

@test "attribution: --paths lists paths by conversions, then path" {
	run_split cdp-report attribution --path-id uid --time t --channel src \
	    --conversion 'type == "order"' --paths -f ndjson "$F/hand.ndjson"
	assert_success
	assert_output "$(golden hand-paths.ndjson)"
}

# --- heuristic models ------------------------------------------------------

# By hand (heuristic.ndjson, --lookback 30d, time-decay half-life 2d):
#   p1: email (Jan 1) > search (Jan 3) > display (Jan 5) > purchase Jan 5,
#       100.  Ages 4, 2, 0 days: decay weights 1/4, 1/2, 1 -> 1/7, 2/7,
#       4/7; position 0.4, 0.2, 0.4.
#   p2: search (Feb 1) > purchase with channel email (Feb 2), 50: the
#       conversion's own channel is the last touch.  Decay 2^-0.5 : 1 ->
#       0.414213562, 0.585786438; position with two touches 40:40 -> 1/2
#       each.  Then display (Feb 3) stays open: a null path.
#   p3: display (Mar 1) is 41 days before the purchase (Apr 11, no
#       value): dropped by the 30-day lookback, the path is search alone.
#   p4: a purchase with no touchpoint: unattributed.
#   p5: social, email and the purchase share one time: input order.
# linear email = 1/3 + 1/2 + 1/2 = 4/3, search = 1/3 + 1/2 + 1 = 11/6;
# decay email = 1/7 + 0.585786438 + 1/2, search 2/7 + 0.414213562 + 1.
@test "attribution: first, last, linear, time decay, position by hand" {
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --model first,last,linear --model time-decay:2d,position:40,20,40 \
	    --lookback 30d -f csv --stats "$F/heuristic.ndjson"
	assert_success
	assert_output "$(golden heuristic.csv)"
	# 16 read: p5's page view and the record without a profile_id are
	# neither touchpoint nor conversion of a path: skipped.
	assert_equal "$(stats_core "$stderr")" '{"read":16,"used":14,"rejected":0,"skipped":2,"paths_converted":4,"paths_null":1,"touchpoints":10,"unattributed":1}'
}

@test "attribution: without --lookback old touches stay in the path" {
	run_split cdp-report attribution --conversion "$conv" --value revenue --paths \
	    -f csv "$F/heuristic.ndjson"
	assert_success
	assert_output "$(golden heuristic-paths.csv)"
	assert_line --index 1 "display > search,1,0,0"
}

@test "attribution: default model is last touch; no --value, no value" {
	run_split cdp-report attribution --conversion "$conv" -f csv "$F/puzyrov.ndjson"
	assert_success
	assert_output "channel,last_conversions
google ads,2
mailing,2"
}

@test "attribution: several files read as one input, in order" {
	head -5 "$F/heuristic.ndjson" >a.ndjson
	tail -n +6 "$F/heuristic.ndjson" >b.ndjson
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --model first,last,linear --model time-decay:2d,position:40,20,40 \
	    --lookback 30d -f csv a.ndjson b.ndjson
	assert_success
	assert_output "$(golden heuristic.csv)"
}

# --- the ChannelAttribution sample -----------------------------------------

# Data.csv expanded to ~398,000 events (one journey per conversion and per
# null); first, last and linear must give the README's table as printed
# there, and Markov the removal effects of an independent solver
# (markov-check.py: one Gauss-Seidel solve per removed channel).
@test "attribution: ChannelAttribution Data.csv gives the README's totals" {
	awk -f "$F/expand-paths.awk" "$SHARED/data/attribution/Data.csv" \
	    >events.ndjson
	run_split cdp-report attribution --path-id j --channel ch --conversion conv \
	    --value v --model first,last,linear,markov -f csv --stats events.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":397994,"used":397994,"rejected":0,"skipped":0,"paths_converted":19785,"paths_null":68602,"touchpoints":378209,"unattributed":0}'
	printf '%s\n' "$output" >credit.csv
	awk -F, 'NR > 1 { printf "%s,%.0f,%.0f,%.4f,%.3f,%.3f,%.3f\n",
	    $1, $2, $4, $6, $3, $5, $7 }' credit.csv >heuristic.csv
	assert_equal "$(cat heuristic.csv)" "$(golden data-readme.csv)"
	awk -F, 'NR > 1 { printf "%s,%.6f\n", $1, $10 }' credit.csv >re.csv
	python3 "$F/markov-check.py" "$SHARED/data/attribution/Data.csv" \
	    >re-check.csv
	assert_equal "$(cat re.csv)" "$(cat re-check.csv)"
	# Markov credit adds up to the conversions and the value.
	run awk -F, 'NR > 1 { c += $8; v += $9 }
	    END { printf "%.6f %.3f\n", c, v }' credit.csv
	assert_output "19785.000000 74802.972"
}

# --- bad input -------------------------------------------------------------

@test "attribution: a touchpoint without a time is rejected with its line" {
	printf '%s\n' '{"profile_id":1,"ts":5,"channel":"a"}' \
	    '{"profile_id":1,"channel":"b"}' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" in.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-report: in.ndjson:2: no time in field 'ts'"
}

@test "attribution: --rejects keeps going and counts the bad records" {
	printf '%s\n' '{"profile_id":1,"ts":5,"channel":"a"}' \
	    '{"profile_id":1,"ts":"yesterday","channel":"b"}' \
	    '{"profile_id":1,"ts":6,"channel":["x"]}' \
	    '{"profile_id":{"a":1},"ts":6,"channel":"x"}' \
	    '{"profile_id":1,"ts":7,"event":"purchase","revenue":"12"}' \
	    '{"profile_id":1,"ts":8,"event":"purchase","revenue":1e999}' \
	    'not json' \
	    '{"profile_id":1,"ts":9,"event":"purchase","revenue":3}' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --rejects rej.ndjson --stats -f csv in.ndjson
	assert_success
	assert_output "channel,last_conversions,last_value
a,1,3"
	assert_equal "$(stats_core "$stderr")" '{"read":8,"used":2,"rejected":6,"skipped":0,"paths_converted":1,"paths_null":0,"touchpoints":1,"unattributed":0}'
	run jq -c '[._line, ._error]' rej.ndjson
	assert_line --index 0 --partial '[2,'
	assert_line --index 1 \
	    "[3,\"channel field 'channel' is not a string or a number\"]"
	assert_line --index 2 \
	    "[4,\"path id field 'profile_id' is not a string or a number\"]"
	assert_line --index 3 "[5,\"value field 'revenue' is not a number\"]"
	assert_line --index 4 '[6,"value out of range"]'
	assert_line --index 5 --partial '[7,'
}

@test "attribution: a non-numeric value stops the run (65)" {
	printf '%s\n' '{"profile_id":1,"ts":5,"channel":"a"}' \
	    '{"profile_id":1,"ts":7,"event":"purchase","revenue":"12"}' \
	    >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --value revenue in.ndjson
	assert_failure 65
	assert_equal "$stderr" \
	    "cdp-report: in.ndjson:2: value field 'revenue' is not a number"
}

@test "attribution: --skip-nonnumeric leaves such a conversion out" {
	printf '%s\n' '{"profile_id":1,"ts":5,"channel":"a"}' \
	    '{"profile_id":1,"ts":7,"event":"purchase","revenue":"12"}' \
	    '{"profile_id":1,"ts":8,"channel":"b"}' \
	    '{"profile_id":1,"ts":9,"event":"purchase","revenue":2}' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --skip-nonnumeric --model first --stats -f csv in.ndjson
	assert_success
	assert_output "channel,first_conversions,first_value
a,1,2
b,0,0"
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":3,"rejected":0,"skipped":1,"paths_converted":1,"paths_null":0,"touchpoints":2,"unattributed":0}'
}

@test "attribution: no records give an empty table" {
	run_split cdp-report attribution --conversion "$conv" --model markov -f csv </dev/null
	assert_success
	assert_output "channel,markov_conversions,removal_effect"
}

@test "attribution: no records give an empty path table" {
	run_split cdp-report attribution --conversion "$conv" --paths -f csv </dev/null
	assert_success
	assert_output "path,conversions,nulls"
}

@test "attribution: only conversions, no touchpoint: all unattributed" {
	printf '%s\n' '{"profile_id":1,"ts":7,"event":"purchase"}' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --model markov,linear --stats \
	    -f csv in.ndjson
	assert_success
	assert_output "channel,markov_conversions,removal_effect,linear_conversions"
	assert_equal "$(stats_core "$stderr")" '{"read":1,"used":1,"rejected":0,"skipped":0,"paths_converted":0,"paths_null":0,"touchpoints":0,"unattributed":1}'
}

@test "attribution: channel 7 and \"7\" are one channel; ids 1 and \"1\" two" {
	printf '%s\n' '{"profile_id":1,"ts":1,"channel":7}' \
	    '{"profile_id":"1","ts":2,"channel":"7"}' \
	    '{"profile_id":1,"ts":3,"channel":"7","event":"purchase"}' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --paths -f csv in.ndjson
	assert_success
	assert_output "path,conversions,nulls
7 > 7,1,0
7,0,1"
}
