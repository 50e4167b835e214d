#!/usr/bin/env bats
# cdp-report lift: cdp-journey's decisions joined with outcome events;
# Newcombe's worked examples for the intervals, the test and the minimum
# detectable effect against formulas computed here, the window, the
# sample ratio check, the revenue bootstrap, bad input.
load helper

F="$BATS_TEST_DIRNAME/cdp-report/lift"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# arms LINE...: decisions and outcomes from "JOURNEY ACTION VARIANT ARM
# N X [REV]" lines (arms.awk).
arms() {
	printf '%s\n' "$@" | awk -f "$F/arms.awk"
}

lift() {
	cdp-report lift --outcome 'event == "purchase"' "$@"
}

@test "lift: --help prints the usage on stdout" {
	run_split cdp-report lift --help
	assert_success
	assert_line --index 0 "usage: cdp-report lift --outcome EXPR [options] [FILE...]"
}

# Newcombe, "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Statistics in Medicine 17
# (1998) 873-890, Table II, method 10 (score interval from Wilson's
# intervals, no continuity correction), examples (a), (b), (d) to (h).
@test "lift: the difference's interval is Newcombe's method 10 (his worked examples)" {
	while read -r x1 n1 x0 n0 lo hi; do
		arms "j a - treatment $n1 $x1" "j a - holdout $n0 $x0" >in.ndjson
		run_split lift -f ndjson in.ndjson
		assert_success
		run jq -r 'select(._table == "lift") |
		    "\(.lift_lo / 100 * 10000 | round / 10000) \(.lift_hi / 100 * 10000 | round / 10000)"' <<<"$output"
		assert_output "$lo $hi"
	done <<-EOF
	56 70 48 80 0.0524 0.3339
	9 10 3 10 0.1705 0.809
	5 56 0 29 -0.0381 0.1926
	0 10 0 20 -0.1611 0.2775
	0 10 0 10 -0.2775 0.2775
	10 10 0 20 0.6791 1
	10 10 0 10 0.6075 1
	EOF
}

# Newcombe, "Two-sided confidence intervals for the single proportion:
# comparison of seven methods", Statistics in Medicine 17 (1998)
# 857-872, Table I, method 3 (Wilson's score interval).
@test "lift: each arm's rate has Wilson's interval (Newcombe's examples)" {
	while read -r x n lo hi; do
		arms "j a - treatment $n $x" >in.ndjson
		run_split lift -f ndjson in.ndjson
		assert_success
		run jq -r 'select(._table == "arms") |
		    "\(.rate_lo * 10000 | round / 10000) \(.rate_hi * 10000 | round / 10000)"' <<<"$output"
		assert_output "$lo $hi"
	done <<-EOF
	81 263 0.2553 0.3662
	15 148 0.0624 0.1605
	0 20 0 0.1611
	1 29 0.0061 0.1718
	29 29 0.883 1
	EOF
}

# The two-sided p-value of the pooled z test and the minimum detectable
# effect at 80% power (alpha 0.05, the arms' pooled rate), computed
# here with Python's own normal distribution.
@test "lift: p-value and MDE equal the formulas" {
	arms "j a - treatment 70 56" "j a - holdout 80 48" >in.ndjson
	run_split lift -f ndjson in.ndjson
	assert_success
	got=$(jq -r 'select(._table == "lift") | "\(.p_value) \(.mde)"' <<<"$output")
	want=$(python3 -c '
from math import sqrt
from statistics import NormalDist
N = NormalDist()
x1, n1, x0, n0 = 56, 70, 48, 80
p = (x1 + x0) / (n1 + n0)
se = sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
pv = 2 * (1 - N.cdf(abs(x1 / n1 - x0 / n0) / se))
mde = (N.inv_cdf(0.975) + N.inv_cdf(0.8)) * se * 100
print(pv, mde)')
	run python3 -c "g = '$got'.split(); w = '$want'.split()
print(all(abs(float(a) - float(b)) < 1e-9 * max(1, abs(float(b))) for a, b in zip(g, w)))"
	assert_output True
}

@test "lift: rows per variant against the action's pooled holdout, and the arms" {
	arms "welcome mail a treatment 40 12" "welcome mail b treatment 40 6" \
	    "welcome mail a holdout 10 2" "welcome mail b holdout 10 1" \
	    "promo offer - treatment 30 9" >in.ndjson
	run_split lift -f csv --value revenue in.ndjson
	assert_success
	# promo has no holdout; welcome's variants both face 3 of 20.
	assert_line --index 1 "promo / offer,promo,offer,,30,0,9,0,0.3,,,,,,,,3,,,,,no holdout"
	assert_line --index 2 --regexp '^welcome / mail / a,welcome,mail,a,40,20,12,3,0.3,0.15,15(\.0+[0-9]*)?,'
	assert_line --index 3 --regexp '^welcome / mail / b,welcome,mail,b,40,20,6,3,0.15,0.15,0,'
	run jq -r 'select(._table == "arms") | [.journey, .variant, .arm, .profiles, .conversions] | @csv' \
	    <<<"$(lift -f ndjson in.ndjson)"
	assert_output '"promo",,"treatment",30,9
"welcome","a","holdout",10,2
"welcome","a","treatment",40,12
"welcome","b","holdout",10,1
"welcome","b","treatment",40,6'
}

# By hand: p1 decided at 10:00 on 1 March buys on 2 March (in the 7-day
# window), p2 bought before its decision and 9 days after (both out), p3
# holds out and buys the same day, p4 was not sent (no consent: not
# treated, skipped), p9 has no decision at all: the purchases of p4 and
# p9 are counted as outcomes of nobody, never joined.
@test "lift: the window, unsent decisions and outcomes of nobody" {
	printf '%s\n' \
	    '{"profile_id":"p1","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"treatment","sent":true}' \
	    '{"profile_id":"p2","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"treatment","sent":true}' \
	    '{"profile_id":"p3","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"holdout","sent":false}' \
	    '{"profile_id":"p4","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"treatment","reason":"no_consent","sent":false}' \
	    '{"profile_id":"p1","event":"purchase","ts":"2026-03-02T09:00:00Z","revenue":20}' \
	    '{"profile_id":"p2","event":"purchase","ts":"2026-02-28T09:00:00Z","revenue":5}' \
	    '{"profile_id":"p2","event":"purchase","ts":"2026-03-10T09:00:00Z","revenue":5}' \
	    '{"profile_id":"p3","event":"purchase","ts":"2026-03-01T12:00:00Z","revenue":7}' \
	    '{"profile_id":"p4","event":"purchase","ts":"2026-03-01T12:00:00Z"}' \
	    '{"profile_id":"p9","event":"purchase","ts":"2026-03-01T12:00:00Z"}' \
	    '{"profile_id":"p1","event":"view","ts":"2026-03-01T11:00:00Z"}' >in.ndjson
	run_split lift -f ndjson --value revenue --stats in.ndjson
	assert_success
	assert_line --index 1 '{"_table":"arms","journey":"j","action":"a","variant":null,"arm":"holdout","profiles":1,"conversions":1,"rate":1,"rate_lo":0.2065493143772375,"rate_hi":1,"revenue":7,"revenue_per_profile":7}'
	assert_line --index 2 --partial '"arm":"treatment","profiles":2,"conversions":1,"rate":0.5,'
	assert_line --index 2 --partial '"revenue":20,"revenue_per_profile":10}'
	assert_equal "$(stats_core "$stderr")" '{"read":11,"used":9,"rejected":0,"skipped":2,"decisions":4,"not_sent":1,"outcomes":6,"outcomes_unmatched":2}'
	# A 10-day window takes p2's later purchase in.
	run_split lift -f ndjson --window 10d in.ndjson
	assert_line --index 2 --partial '"arm":"treatment","profiles":2,"conversions":2,'
}

@test "lift: a sample ratio mismatch and small arms are warned about" {
	arms "j a - treatment 500 50" "j a - holdout 100 10" >in.ndjson
	# 100 of 600 held out is no 10% (chi-square p < 0.001) ...
	run_split lift --holdout-share 10% -f ndjson in.ndjson
	assert_success
	assert_equal "$stderr" "cdp-report: lift: j / a: sample ratio mismatch: 500 treated and 100 held out, 10% asked for (chi-square p = 5.2e-08)"
	assert_line --index 0 --partial '"warning":"sample ratio mismatch: 500 treated and 100 held out, 10% asked for (chi-square p = 5.2e-08)"}'
	# ... but is 1/6, and a share per journey beats the default.
	run_split lift --holdout-share 10% --holdout-share j=0.1666 -f ndjson in.ndjson
	assert_equal "$stderr" ""
	assert_line --index 0 --partial '"warning":null}'
	arms "j a - treatment 8 2" "j a - holdout 9 1" >small.ndjson
	run_split lift -f ndjson small.ndjson
	assert_line --index 0 --partial '"warning":"small arms: fewer than 5 converted or unconverted profiles in an arm"}'
}

@test "lift: the shares cdp-journey's decisions carry check the holdout and the variants" {
	J="$BATS_TEST_DIRNAME/cdp-journey"
	awk -v n=5000 -v ts=2026-03-01T10:00:00Z -f "$J/genprof.awk" >in.ndjson
	cdp-journey -j "$J/ab.json" --as-of 2026-03-02 --universal-holdout 5% \
	    --log log.ndjson in.ndjson >/dev/null
	# As assigned: no warning, and no --holdout-share needed.
	run_split lift -f ndjson log.ndjson
	assert_success
	assert_equal "$stderr" ""
	refute_output --partial 'sample ratio'
	# A quarter of variant a's treated decisions lost: both checks fail.
	awk '/"variant":"a"/ && /"arm":"treatment"/ { if (++k % 4 == 0) next } 1' \
	    log.ndjson >lost.ndjson
	run_split lift -f ndjson lost.ndjson
	assert_success
	assert_equal "$stderr" "cdp-report: lift: promo / offer: sample ratio mismatch: 3732 treated and 731 held out, 14.5% asked for (chi-square p = 0.00036); sample ratio mismatch between variants: a 43.22% (50%), b 34.41% (30%), c 22.37% (20%) of 3732 treated, the shares asked for in brackets (chi-square p = 1.1e-15)"
	assert_line --index 1 --partial '"warning":"sample ratio mismatch: 3732 treated'
	# --holdout-share wins over the decisions' share.
	run_split lift -f ndjson --holdout-share 12% log.ndjson
	assert_equal "$stderr" "cdp-report: lift: promo / offer: sample ratio mismatch: 4269 treated and 731 held out, 12% asked for (chi-square p = 1.2e-08)"
	# A variant no treated profile got still counts, as 0.
	grep -v '"variant":"c","variant_share":0.2,"channel":"email","template":"offer-sms","send_at":"[^"]*","reason":"trigger"' \
	    log.ndjson | grep -v '"variant":"c".*"arm":"treatment"' >noc.ndjson
	run_split lift -f ndjson --holdout-share j=0.5 noc.ndjson
	[[ "$stderr" == *"between variants: a 62.61% (50%), b 37.39% (30%) of 3434 treated"* ]]
}

@test "lift: a held-out decision that would not have been sent is left out; shares must be shares" {
	d='"journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z"'
	printf '%s\n' \
	    "{\"profile_id\":\"p1\",$d,\"reason\":\"trigger\",\"arm\":\"treatment\",\"holdout_share\":0.1,\"sent\":true}" \
	    "{\"profile_id\":\"p2\",$d,\"reason\":\"holdout\",\"arm\":\"holdout\",\"holdout_share\":0.1,\"sent\":false}" \
	    "{\"profile_id\":\"p3\",$d,\"reason\":\"no_consent\",\"arm\":\"holdout\",\"holdout\":\"universal\",\"holdout_share\":0.1,\"sent\":false}" \
	    "{\"profile_id\":\"p4\",$d,\"arm\":\"holdout\",\"sent\":false}" >in.ndjson
	run_split lift -f csv --stats in.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":3,"rejected":0,"skipped":1,"decisions":4,"not_sent":1,"outcomes":0,"outcomes_unmatched":0}'
	assert_line --index 3 'j,a,,holdout,2,0,0,0,0.6576197724933468'
	# Decisions that disagree on the share: no check, and a note.
	sed 's/"holdout_share":0.1,"sent":false/"holdout_share":0.2,"sent":false/' \
	    in.ndjson >two.ndjson
	run_split lift -f csv two.ndjson
	assert_equal "$stderr" "cdp-report: lift: j / a: holdout shares differ between decisions: no sample ratio check of the holdout"
	for bad in '"10%"' 0 1.5 true; do
		sed "1s/\"holdout_share\":0.1/\"holdout_share\":$bad/" in.ndjson >bad.ndjson
		run_split lift bad.ndjson
		assert_failure 65
		assert_equal "$stderr" "cdp-report: bad.ndjson:1: holdout_share is not a share above 0 and at most 1"
	done
	sed '1s/"holdout_share":0.1/"variant_share":-1/' in.ndjson >bad.ndjson
	run_split lift bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: bad.ndjson:1: variant_share is not a share above 0 and at most 1"
}

@test "lift: the revenue interval is a seeded bootstrap of each arm" {
	# Revenues of 20 to 30 per purchase.
	arms "j a - treatment 400 40" "j a - holdout 400 20" |
	    awk '/revenue/ { sub(/"revenue":10/, "\"revenue\":" 20 + NR % 11) } 1' >in.ndjson
	lift --value revenue -f ndjson in.ndjson >a
	lift --value revenue -f ndjson --seed 1 in.ndjson >b
	lift --value revenue -f ndjson --seed 7 in.ndjson >c
	run cmp a b
	assert_success
	run cmp a c
	assert_failure
	# The difference of the means lies inside its interval.
	run jq -r 'select(._table == "lift") | .revenue_lift_lo < .revenue_lift and .revenue_lift < .revenue_lift_hi' a
	assert_output "true"
	arms "j a - treatment 400 40 25" "j a - holdout 400 20 25" >even.ndjson
	run jq -r 'select(._table == "lift") | [.revenue_lift, (.revenue_lift_lo < 1.25 and 1.25 < .revenue_lift_hi)] | @csv' \
	    <<<"$(lift --value revenue -f ndjson even.ndjson)"
	assert_output "1.25,true"
	# Everyone converts for the same amount: every resampling agrees.
	arms "j a - treatment 50 50 4" "j a - holdout 50 50 3" >same.ndjson
	run jq -r 'select(._table == "lift") | [.revenue_lift, .revenue_lift_lo, .revenue_lift_hi] | @csv' \
	    <<<"$(lift --value revenue -f ndjson same.ndjson)"
	assert_output "1,1,1"
}

@test "lift: html draws a forest plot of the lifts, cdp-report page too" {
	arms "welcome mail a treatment 400 120" "welcome mail b treatment 400 60" \
	    "welcome mail a holdout 100 12" "welcome mail b holdout 100 15" >in.ndjson
	run_split lift -f html in.ndjson
	assert_success
	assert_output --partial 'Forest plot of lift with its interval (lift_lo to lift_hi) for 2 rows; the dashed line is zero.</desc>'
	assert_equal "$(grep -c '<line class="ci"' <<<"$output")" 2
	lift -f ndjson -o lift.ndjson in.ndjson
	run_split cdp-report page lift.ndjson
	assert_output --partial '<desc id="t1-cd">Forest plot of lift'
}

@test "lift: bad decisions are bad records (65, --rejects)" {
	printf '%s\n' \
	    '{"profile_id":"p1","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"control","sent":true}' \
	    '{"profile_id":"p1","journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"treatment"}' \
	    '{"profile_id":"p1","journey":"j","action":"a","send_at":"soon","arm":"treatment","sent":true}' \
	    '{"profile_id":"p1","journey":"j","send_at":"2026-03-01T10:00:00Z","arm":"treatment","sent":true}' \
	    '{"journey":"j","action":"a","send_at":"2026-03-01T10:00:00Z","arm":"treatment","sent":true}' \
	    '{"profile_id":"p1","journey":"j","action":"a","variant":3,"send_at":"2026-03-01T10:00:00Z","arm":"treatment","sent":true}' \
	    '{"profile_id":"p1","event":"purchase"}' \
	    '{"profile_id":"p1","event":"purchase","ts":"2026-03-02T00:00:00Z","revenue":"12"}' >bad.ndjson
	run_split lift --value revenue bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: bad.ndjson:1: arm is neither treatment nor holdout"
	run_split lift --value revenue --rejects rej.ndjson bad.ndjson
	assert_success
	run jq -r '._error' rej.ndjson
	assert_output "arm is neither treatment nor holdout
decision without a boolean field 'sent'
$(sed -n 3p <<<"$output")
decision without a string field 'action'
decision without a profile ('profile_id')
variant is not a string
outcome without a time ('ts')
value field 'revenue' is not a number"
	[[ "$(sed -n 3p <<<"$output")" != "" ]]
}

@test "lift: misuse is 64" {
	arms "j a - treatment 5 1" >in.ndjson
	for bad in "" "--outcome x== --window 7x" "--outcome x==1 --holdout-share 0" \
	    "-c x==1 --holdout-share 100%" "-c x==1 --holdout-share =5%" \
	    "-c x==1 --bootstrap 10" "-c x==1 --seed -2" "-c x==1 --by-profile ''"; do
		run_split eval cdp-report lift $bad in.ndjson
		assert_failure 64
		assert_equal "$output" ""
	done
	run_split cdp-report lift in.ndjson
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report lift: --outcome is required"
	run_split cdp-report lift --outcome 'x ==' in.ndjson
	[[ "$stderr" == "cdp-report: --outcome:1:5: "* ]]
}
