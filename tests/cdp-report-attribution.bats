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
	    position:50,20,40 position:a,b,c last,last "first," markov:0 \
	    markov:5 markov:x markov:1.5 markov,markov:1 shapley:x \
	    shapley:count,shapley:count shapley-ordered:; do
		run_split cdp-report attribution --conversion "$conv" --model "$m" \
		    "$F/puzyrov.ndjson"
		assert_failure 64
		assert_equal "$output" ""
	done
	run_split cdp-report attribution --conversion "$conv" --model bogus
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report attribution: --model: unknown \
model 'bogus' (first, last, linear, time-decay, position, markov, shapley, \
shapley-ordered)"
	run_split cdp-report attribution --conversion "$conv" --model first --model first
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: first given twice"
	run_split cdp-report attribution --conversion "$conv" --model position:50,20,40
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: position: the shares must add up to 100"
	run_split cdp-report attribution --conversion "$conv" --model markov:5
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: markov: the order is 1 to 4, not '5'"
	run_split cdp-report attribution --conversion "$conv" --model markov,markov:1
	assert_equal "$(head -1 <<<"$stderr")" \
	    "cdp-report attribution: --model: markov given twice"
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

# Higher orders: a journey's state is its last K channels.  K = 1 is the
# first-order chain above (same figures); K = 2 and 3, and the removal of
# channel sequences, must equal markov-k-check.py, which finds the same
# probabilities by value iteration over the states to 1e-15 instead of a
# linear solve.
@test "attribution: markov:2 and markov:3 on Data.csv equal value iteration" {
	awk -f "$F/expand-paths.awk" "$SHARED/data/attribution/Data.csv" \
	    >events.ndjson
	a=(--path-id j --channel ch --conversion conv -f csv events.ndjson)
	cdp-report attribution --model markov "${a[@]}" >m.csv
	cdp-report attribution --model markov:1 "${a[@]}" >m1.csv
	run cmp m.csv m1.csv
	assert_success
	for k in 2 3; do
		run_split cdp-report attribution --model markov:$k \
		    --remove-sequence 'alpha > iota' \
		    --remove-sequence 'iota>iota' "${a[@]}"
		assert_success
		# credit table, blank line, sequence table
		awk -F, 'NR > 1 && NF == 3 { print $1 "," $3 }
		    NF == 2 && $1 != "sequence" { print }' <<<"$output" >re.csv
		python3 "$F/markov-k-check.py" $k \
		    "$SHARED/data/attribution/Data.csv" 'alpha > iota' \
		    'iota>iota' >check.csv
		assert_equal "$(wc -l <re.csv)" 14
		run awk -F, 'NR == FNR { want[$1] = $2; next }
		    { d = $2 - want[$1]; if (d < 0) d = -d
		      if (!($1 in want) || d > 1e-8) bad++ }
		    END { print bad + 0 }' check.csv re.csv
		assert_output 0
	done
}

@test "attribution: markov:K credit adds up and puzyrov's sequence is its path" {
	run_split cdp-report attribution --conversion "$conv" --value revenue \
	    --model markov:2 --remove-sequence 'google ads > mailing' -f ndjson \
	    "$F/puzyrov.ndjson"
	assert_success
	# Two paths reach mailing: straight (1 conversion) and after google
	# ads (1 conversion of 4 journeys through google ads).  Removing the
	# run "google ads > mailing" loses that one: P 0.8 -> 0.6, effect
	# 0.25.
	assert_line --index 2 '{"_table":"sequences","sequence":"google ads > mailing","markov2_removal_effect":0.25}'
	run jq -s '[.[] | select(._table == "attribution") |
	    .markov2_conversions] | add' <<<"$output"
	assert_output 4
}

@test "attribution: past the state limit markov:K stops with the count (65)" {
	# 60 channels, a journey per ordered pair: 60 + 3600 states at K = 2.
	awk 'BEGIN { for (i = 0; i < 3600; i++) {
		printf "{\"profile_id\":%d,\"ts\":1,\"channel\":\"c%d\"}\n", i, i % 60
		printf "{\"profile_id\":%d,\"ts\":2,\"channel\":\"c%d\"}\n", i, int(i / 60)
		printf "{\"profile_id\":%d,\"ts\":3,\"event\":\"purchase\"}\n", i } }' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --model markov:2 in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: markov:2: 3660 states, at most 2000 (try a smaller order)"
	run_split cdp-report attribution --conversion "$conv" --model markov -f csv in.ndjson
	assert_success
}

@test "attribution: --remove-sequence needs a markov model long enough (64)" {
	run_split cdp-report attribution --conversion "$conv" --model last \
	    --remove-sequence a "$F/puzyrov.ndjson"
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report attribution: --remove-sequence needs a markov model"
	for seq in 'a > b > c' 'a >' '> b' ''; do
		run_split cdp-report attribution --conversion "$conv" --model markov:2 \
		    --remove-sequence "$seq" "$F/puzyrov.ndjson"
		assert_failure 64
		assert_equal "$(head -1 <<<"$stderr")" "cdp-report attribution: --remove-sequence: '$seq': expected 1 to 2 channels (the highest markov order) between '>'"
	done
}

# Shapley by hand (shapley.ndjson): journeys a (converted), a (null),
# a > b (converted), b (null).  Channel sets {a}: rate 1/2, 1 conversion;
# {a,b}: rate 1, 1 conversion; {b}: rate 0.  Rates: phi(a) = 1/2 + 1/2,
# phi(b) = 1/2, scaled to the 2 conversions: a 4/3, b 2/3.  Counts: a 1 +
# 1/2 = 1.5, b 0.5.  The ordered variant puts a's half of {a,b} at place
# 1 and b's at place 2.
@test "attribution: shapley, shapley:count and the ordered places by hand" {
	printf '%s\n' '{"profile_id":1,"ts":1,"channel":"a"}' \
	    '{"profile_id":1,"ts":2,"event":"purchase"}' \
	    '{"profile_id":2,"ts":1,"channel":"a"}' \
	    '{"profile_id":3,"ts":1,"channel":"a"}' \
	    '{"profile_id":3,"ts":2,"channel":"b"}' \
	    '{"profile_id":3,"ts":3,"event":"purchase"}' \
	    '{"profile_id":4,"ts":1,"channel":"b"}' >shapley.ndjson
	run_split cdp-report attribution --conversion "$conv" -f csv \
	    --model shapley,shapley:count,shapley-ordered:count shapley.ndjson
	assert_success
	assert_output "channel,shapley_conversions,shapley_count_conversions,shapley_ordered_count_conversions
a,1.333333333,1.5,1.5
b,0.666666667,0.5,0.5

channel,place_1,place_2,place_3,place_4,place_5,place_6,place_7,place_8,place_9,place_10_or_later
a,1.5,0,0,0,0,0,0,0,0,0
b,0,0.5,0,0,0,0,0,0,0,0"
}

# shapley-check.py computes each channel's Shapley value from the
# definition, over all 2^12 coalitions of Data.csv's channels.
@test "attribution: shapley on Data.csv equals brute force over every coalition" {
	awk -f "$F/expand-paths.awk" "$SHARED/data/attribution/Data.csv" \
	    >events.ndjson
	run_split cdp-report attribution --path-id j --channel ch --conversion conv \
	    --model shapley,shapley:count,shapley-ordered,shapley-ordered:count \
	    -f csv events.ndjson
	assert_success
	printf '%s\n' "$output" >all.csv
	sed -n 2,13p all.csv >credit.csv
	col=2
	for w in "rate" "count" "rate ordered" "count ordered"; do
		python3 "$F/shapley-check.py" $w \
		    "$SHARED/data/attribution/Data.csv" >check.csv
		run awk -F, -v c=$col 'NR == FNR { want[$1] = $2; next }
		    { d = $c - want[$1]; if (d < 0) d = -d
		      if (!($1 in want) || d > 1e-8) bad++ }
		    END { print bad + 0 }' check.csv credit.csv
		assert_output 0
		col=$((col + 1))
	done
	# The places of the ordered values add up to each channel's total.
	run awk -F, 'NF == 11 && $1 != "channel" { s = 0
		for (i = 2; i <= 11; i++) s += $i; printf "%s,%.6f\n", $1, s }' all.csv
	assert_line --index 0 "alpha,2965.472654"
}

@test "attribution: shapley refuses more than 64 channels (65)" {
	awk 'BEGIN { for (i = 0; i < 65; i++)
		printf "{\"profile_id\":%d,\"ts\":1,\"channel\":\"c%d\"}\n", i, i
		print "{\"profile_id\":0,\"ts\":2,\"event\":\"purchase\"}" }' >in.ndjson
	run_split cdp-report attribution --conversion "$conv" --model shapley in.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: shapley: 65 channels, at most 64"
}

# Impressions and clicks (touches.ndjson, purchase on day 10): a display
# impression on day 1 (9 days before), a search click on day 3, a video
# impression on day 9.5 (half a day before).  --view-through 1d keeps
# only the video impression; clicks keep the 30-day --lookback.
@test "attribution: --view-through drops old impressions, --lookback old clicks" {
	printf '%s\n' \
	    '{"profile_id":1,"ts":"2026-03-01T00:00:00Z","channel":"display","touch":"impression"}' \
	    '{"profile_id":1,"ts":"2026-03-03T00:00:00Z","channel":"search","touch":"click"}' \
	    '{"profile_id":1,"ts":"2026-03-09T12:00:00Z","channel":"video","touch":"view"}' \
	    '{"profile_id":1,"ts":"2026-03-10T00:00:00Z","event":"purchase"}' >touches.ndjson
	run_split cdp-report attribution --conversion "$conv" --model linear --lookback 30d \
	    --touch-types touch --view-through 1d --stats -f csv touches.ndjson
	assert_success
	assert_output "channel,linear_conversions
display,0
search,0.5
video,0.5"
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":4,"rejected":0,"skipped":0,"paths_converted":1,"paths_null":0,"touchpoints":3,"unattributed":0,"impressions":2}'
	# Only "view" counts as an impression: display is a click now.
	run_split cdp-report attribution --conversion "$conv" --model linear \
	    --touch-types touch:view --view-through 1d -f csv touches.ndjson
	assert_output "channel,linear_conversions
display,0.333333333
search,0.333333333
video,0.333333333"
	# Without --view-through impressions are touches like clicks.
	run_split cdp-report attribution --conversion "$conv" --model linear --lookback 8d \
	    --touch-types touch -f csv touches.ndjson
	assert_output "channel,linear_conversions
display,0
search,0.5
video,0.5"
}

@test "attribution: --view-through and --touch-types misuse is 64" {
	run_split cdp-report attribution --conversion "$conv" --view-through 1d \
	    "$F/puzyrov.ndjson"
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report attribution: --view-through needs --touch-types to tell impressions from clicks"
	for bad in "--view-through 1x --touch-types t" "--touch-types :view" \
	    "--touch-types t:"; do
		run_split cdp-report attribution --conversion "$conv" $bad \
		    "$F/puzyrov.ndjson"
		assert_failure 64
	done
}

@test "attribution: --bootstrap intervals: fixed seed, same journeys same bounds" {
	# Ten identical journeys: every resampling is the same, so each
	# interval is the point itself.
	for i in $(seq 10); do
		printf '{"profile_id":%d,"ts":1,"channel":"a"}\n' $i
		printf '{"profile_id":%d,"ts":2,"channel":"b"}\n' $i
		printf '{"profile_id":%d,"ts":3,"event":"purchase"}\n' $i
	done >same.ndjson
	run_split cdp-report attribution --conversion "$conv" --model first,markov \
	    --bootstrap 20 -f csv same.ndjson
	assert_success
	assert_output "channel,first_conversions,first_conversions_lo,first_conversions_hi,markov_conversions,markov_conversions_lo,markov_conversions_hi,removal_effect
a,10,10,10,5,5,5,1
b,0,0,0,5,5,5,1"
	# On Data.csv every estimate lies in its interval; the same seed
	# gives the same bounds, another seed others.
	awk -f "$F/expand-paths.awk" "$SHARED/data/attribution/Data.csv" \
	    >events.ndjson
	a=(--path-id j --channel ch --conversion conv --model linear,shapley --bootstrap 30 -f ndjson events.ndjson)
	cdp-report attribution "${a[@]}" >b1
	cdp-report attribution "${a[@]}" --seed 1 >b2
	cdp-report attribution "${a[@]}" --seed 2 >b3
	run cmp b1 b2
	assert_success
	run cmp b1 b3
	assert_failure
	run jq -s 'map(select(.linear_conversions_lo <= .linear_conversions and
	    .linear_conversions <= .linear_conversions_hi and
	    .shapley_conversions_lo <= .shapley_conversions and
	    .shapley_conversions <= .shapley_conversions_hi)) | length' b1
	assert_output 12
}

@test "attribution: --bootstrap and --seed misuse is 64" {
	for bad in "--bootstrap 1" "--bootstrap x" "--bootstrap 100001" \
	    "--seed -1" "--seed x" "--paths --bootstrap 5"; do
		run_split cdp-report attribution --conversion "$conv" $bad \
		    "$F/puzyrov.ndjson"
		assert_failure 64
		assert_equal "$output" ""
	done
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
