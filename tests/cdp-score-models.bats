#!/usr/bin/env bats
# cdp-score clv and churn beyond BG/NBD: fits that never hang and say
# why they fail (issue 15.7), the modified BG/NBD, BG/BB and sBG against
# their published figures, standard errors, intervals, covariates, churn
# scores, closed forms against an independent evaluation (issue 21),
# cancellations and the spend model (issue 26).  Data that a test
# simulates come from build/bench/gen_clv (known parameters, fixed seed).
load helper

F="$BATS_TEST_DIRNAME/cdp-score"
DATA="$SHARED/data"

setup_file() {
	"$BATS_TEST_DIRNAME/cdp-score/cdnow.sh" "$DATA/cdnow/CDNOW_sample.txt" \
	    > "$BATS_FILE_TMPDIR/sample.ndjson"
	# the published summaries as cdp-score's summary records
	cdp-ingest --types x:int,t_x:number,T:number,zbar:number \
	    "$DATA/cdnow/cdnow_customers_summary_with_transactions.csv" \
	    > "$BATS_FILE_TMPDIR/cdnow-z.ndjson"
	cdp-ingest --map x=frequency,t_x=recency \
	    --types x:int,t_x:number,T:number \
	    "$DATA/cdnow/cdnow_customers_summary.csv" \
	    > "$BATS_FILE_TMPDIR/cdnow.ndjson"
	cdp-ingest --map x=frequency,t_x=recency,count=n_custs \
	    --types x:int,t_x:int,n:int,count:int \
	    "$DATA/retention/donations.csv" > "$BATS_FILE_TMPDIR/donations.ndjson"
	for seg in regular high_end; do
		cdp-ingest --map "period=year,active=$seg" \
		    --types period:int,active:int \
		    "$DATA/retention/sbg_survival.csv" \
		    > "$BATS_FILE_TMPDIR/$seg.ndjson"
	done
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	S=$BATS_FILE_TMPDIR
	GEN=$CDP_BUILD/bench/gen_clv
}

# Fields of one JSON object, rounded: r3 FIELD... gives each to 3 decimals.
r3() {
	local f q=""
	for f; do q="$q(.$f * 1000 | round / 1000),"; done
	jq -r "[${q%,}] | map(tostring) | join(\" \")"
}

# --- never hangs, says why (issue 15.7) ---------------------------------------

@test "clv: a calibration ending on the last purchase day that leaves BG/NBD unidentified: 65 with the reason, --allow-nonconverged goes on" {
	# 1,030 customers over 90 days, the default calibration end being the
	# last purchase day: a and b grow without bound together (everyone's
	# dropout looks alike).  This exited 65 "line search made no progress".
	"$GEN" -n 1030 -s 3 --acquire 90 --days 90 -p 0.8,10,0.5,5 > w.ndjson
	run_split cdp-score clv --fit-only w.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-score: bg-nbd: the fit did not converge: the likelihood keeps growing as a goes to infinity and b goes to infinity: the data do not identify the model (too short a period?); --allow-nonconverged uses the best parameters found"
	run_split cdp-score clv --fit-only --allow-nonconverged w.ndjson
	assert_success
	assert_equal "$stderr" "cdp-score: bg-nbd: the fit did not converge (the likelihood keeps growing as a goes to infinity and b goes to infinity: the data do not identify the model (too short a period?)): the best parameters found are used"
	assert_equal "$(jq -c '[.converged, .customers, (.why | test("infinity"))]' <<<"$output")" '[false,1030,true]'
	run cdp-score clv --allow-nonconverged --stats w.ndjson
	assert_success
	assert_equal "$(grep -c '"clv_p_alive"' <<<"$output")" 1030
}

@test "clv: Pareto/NBD on the 1,030 customers that ran for minutes converges" {
	# generated from BG/NBD, 60 days, fitted by Pareto/NBD: the old series
	# crawled where alpha and beta drift apart (z near 1); timeout only
	# guards the suite against a hang
	"$GEN" -n 1030 -s 6 --acquire 60 --days 60 -p 0.5,2,0.8,2.4 > p.ndjson
	run timeout 300 cdp-score clv --model pareto-nbd --fit-only p.ndjson
	assert_success
	assert_equal "$(jq -r '.converged' <<<"$output")" true
	assert_equal "$(r3 r alpha s beta <<<"$output")" "1.071 5.146 11.319 135.891"
}

@test "clv: --max-iter and --max-fit-seconds bound every fit, the reason on stderr" {
	run_split cdp-score clv --fit-only --max-iter 3 \
	    --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-score: bg-nbd: the fit did not converge: the iteration limit was reached; --allow-nonconverged uses the best parameters found"
	run_split cdp-score clv --fit-only --model pareto-nbd \
	    --max-fit-seconds 0.001 --calibration-end 1997-09-30 \
	    "$S/sample.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-score: pareto-nbd: the fit did not converge: the time limit of 0.001 s was reached; --allow-nonconverged uses the best parameters found"
	run_split cdp-score clv --fit-only --max-iter 3 --allow-nonconverged \
	    --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_success
	assert_equal "$(jq -c '[.converged, .why]' <<<"$output")" '[false,"the iteration limit was reached"]'
	for bad in "--max-iter 0" "--max-iter x" "--max-fit-seconds 0" \
	    "--max-fit-seconds -1"; do
		run cdp-score clv $bad "$S/sample.ndjson"
		assert_failure 64
	done
	run_split cdp-score rfm --allow-nonconverged x
	assert_failure 64
	[[ "$stderr" == "cdp-score rfm: that option belongs to cdp-score clv and churn"* ]]
}

@test "clv: a fit stopped far out (--allow-nonconverged) writes expected purchases in their range, equal to the closed form at 60 digits" {
	# modified BG/NBD stopped after 3 iterations on one customer: a
	# 1.1e-10, b 1.8e6, alpha 4.2e12, where 1 - (A/(A+t))^R 2F1(...)
	# loses every digit of a double: this wrote -15.07 (now Pfaff's
	# series); tests/cdp-score/closed_forms.py ... hyp evaluates the
	# closed form itself at 60 digits
	c1=$F/customer1.ndjson
	cdp-score clv --model mbg-nbd --max-iter 3 --allow-nonconverged \
	    --spend-model none --fit-only "$c1" > m.json 2>/dev/null
	run_split cdp-score clv --model mbg-nbd --max-iter 3 \
	    --allow-nonconverged --spend-model none "$c1"
	assert_success
	assert_equal "$stderr" "cdp-score: mbg-nbd: the fit did not converge (the likelihood keeps growing as r goes to infinity and alpha goes to infinity and a goes to 0 and b goes to infinity: the data do not identify the model (too short a period?)): the best parameters found are used"
	assert_equal "$(jq -c '[.clv_p_alive, .clv_expected_purchases]' <<<"$output")" \
	    '[1,3.6724210275505045]'
	jq -c '{x: .clv_frequency, t_x: .clv_recency, T: .clv_T, clv_p_alive,
	    clv_expected_purchases}' <<<"$output" > m.ndjson
	run python3 "$F/closed_forms.py" mbg-nbd m.json 52 hyp < m.ndjson
	assert_line "1 checked, 0 off"
	# x = 500 in 10 weeks, stopped after 3 iterations: the series does
	# not converge (t > alpha + T) and the integral's 2F1 overflows, so
	# Euler's transform of it (this was 65 "not a finite number")
	printf '{"customer_id":"h1","x":500,"t_x":10,"T":10}\n{"customer_id":"h2","x":20,"t_x":3,"T":10}\n' > hi.ndjson
	cdp-score clv --from-summary --max-iter 3 --allow-nonconverged \
	    --spend-model none --fit-only hi.ndjson > hi.json 2>/dev/null
	run_split cdp-score clv --from-summary --max-iter 3 \
	    --allow-nonconverged --spend-model none hi.ndjson
	assert_success
	assert_equal "$(jq -r .clv_expected_purchases <<<"$output" | tr '\n' ' ')" \
	    "2137.164551922828 1.3085490031020644e-07 "
	run python3 "$F/closed_forms.py" bg-nbd hi.json 52 hyp <<<"$output"
	assert_line "2 checked, 0 off"
	# every model stopped after 1 to 6 iterations, over 1 and 10 years:
	# P(alive) in [0, 1], expected purchases at least 0
	for m in bg-nbd mbg-nbd pareto-nbd; do
		for it in 1 2 3 6; do
			for h in 52 520; do
				cdp-score clv --model "$m" --max-iter "$it" \
				    --horizon "$h" --allow-nonconverged \
				    --spend-model none "$c1" 2>/dev/null
			done
		done
	done > all.ndjson
	assert_equal "$(jq -s 'length, all(.[]; .clv_p_alive >= 0 and
	    .clv_p_alive <= 1 and .clv_expected_purchases >= 0)' all.ndjson |
	    tr '\n' ' ')" "24 true "
}

@test "clv: parameters where no formula holds its digits: 65 naming them, not a number; a near 0 and a = 1 computed" {
	printf '{"customer_id":"n1","x":0,"t_x":0,"T":10}\n{"customer_id":"n2","x":2,"t_x":5,"T":10}\n' > s.ndjson
	# r 900, alpha 20: 45 purchases a week, over a year
	echo '{"model":"bg-nbd","r":900,"alpha":20,"a":0.3,"b":0.5}' > big.json
	run_split cdp-score clv --from-summary --params big.json \
	    --spend-model none s.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-score: big.json: bg-nbd: clv_expected_purchases cannot be computed at r 900, alpha 20, a 0.3, b 0.5: no formula holds its digits there (parameters that far out are often those of a fit that did not converge)"
	# the same where draws of --intervals reach it (this wrote the first
	# customer, then failed on the second's interval)
	echo '{"model":"bg-nbd","r":1,"alpha":1,"a":0.3,"b":0.5,
	    "vcov":[[25,0,0,0],[0,1e-6,0,0],[0,0,1e-6,0],[0,0,0,1e-6]]}' > iv.json
	run_split cdp-score clv --from-summary --params iv.json \
	    --spend-model none --intervals 100 s.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-score: --intervals: draw 2 of the parameters leaves the expected purchases undefined (no formula holds its digits there)"
	# a 1e-10, b 1e12: nobody drops out, so (r + x) t / (alpha + T),
	# by the series over half a year and by the integral over a year
	# (the closed form wrote 4.7264 for 52/11 = 4.72727)
	echo '{"model":"bg-nbd","r":1,"alpha":1,"a":1e-10,"b":1e12}' > far.json
	for h in 26 52; do
		run cdp-score clv --from-summary --params far.json \
		    --spend-model none --horizon "$h" s.ndjson
		assert_success
		assert_equal "$(jq -r --argjson h "$h" '(.clv_expected_purchases /
		    ((1 + .x) * $h / 11) - 1) | fabs < 1e-15' <<<"$output" |
		    tr '\n' ' ')" "true true "
	done
	# a = 1 divided by a - 1 = 0 (65 "not a finite number"): now the
	# series (26 weeks, t < alpha + T) and the integral (52 weeks),
	# equal to the integral over p in closed_forms.py
	for m in bg-nbd mbg-nbd; do
		echo "{\"model\":\"$m\",\"r\":1,\"alpha\":1,\"a\":1,\"b\":3}" > one.json
		for h in 5 52; do
			cdp-score clv --from-summary --params one.json \
			    --spend-model none --horizon "$h" s.ndjson > o.ndjson
			run python3 "$F/closed_forms.py" "$m" one.json "$h" < o.ndjson
			assert_line "2 checked, 0 off"
		done
	done
}

@test "clv: a spend model that fails keeps the purchase model's output; --spend-model none" {
	# every repeat of the same amount: Gamma-Gamma's q runs off
	"$GEN" -n 500 -s 1 | jq -c '.revenue = 10' > flat.ndjson
	run_split cdp-score clv flat.ndjson
	assert_success
	assert_equal "$stderr" "cdp-score: gamma-gamma: the fit did not converge: the likelihood keeps growing as p goes to infinity and v goes to 0: the data do not identify the model (do the amounts vary?); the purchase model's results are written without spend and value (--spend-model none leaves spend out on purpose)"
	assert_equal "$(head -1 <<<"$output" | jq -c 'keys_unsorted')" \
	    '["customer_id","clv_frequency","clv_recency","clv_T","clv_p_alive","clv_expected_purchases"]'
	assert_equal "$(wc -l <<<"$output")" 500
	run_split cdp-score clv --spend-model none flat.ndjson
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(head -1 <<<"$output" | jq -c 'keys_unsorted')" \
	    '["customer_id","clv_frequency","clv_recency","clv_T","clv_p_alive","clv_expected_purchases"]'
	run_split cdp-score clv --fit-only --spend-model none flat.ndjson
	assert_equal "$(jq -c '[.spend, .spend_why]' <<<"$output")" '[null,"--spend-model none"]'
	run cdp-score clv --spend-model lognormal flat.ndjson
	assert_failure 64
	run cdp-score rfm --spend-model none flat.ndjson
	assert_failure 64
}

# --- published figures (issue 21) -------------------------------------------

@test "clv: modified BG/NBD reproduces r 0.525 alpha 6.183 a 0.891 b 1.614 LL -9582.13 (summary and transactions)" {
	run cdp-score clv --model mbg-nbd --from-summary --fit-only \
	    --spend-model none "$S/cdnow.ndjson"
	assert_success
	assert_equal "$(r3 r alpha a b <<<"$output")" "0.525 6.183 0.891 1.614"
	assert_equal "$(jq '.ll * 100 | round' <<<"$output")" -958213
	assert_equal "$(jq -r '[.model, .customers, .converged] | @tsv' <<<"$output")" \
	    "$(printf 'mbg-nbd\t2357\ttrue')"
	run cdp-score clv --model mbg-nbd --fit-only \
	    --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_success
	assert_equal "$(r3 r alpha a b <<<"$output")" "0.525 6.183 0.891 1.614"
}

@test "clv: BG/BB reproduces the donors' alpha 1.204 beta 0.750 gamma 0.657 delta 2.783 LL -33225.58" {
	run cdp-score clv --model bg-bb --from-summary --fit-only \
	    --spend-model none "$S/donations.ndjson"
	assert_success
	assert_equal "$(r3 alpha beta gamma delta <<<"$output")" "1.204 0.75 0.657 2.783"
	assert_equal "$(jq '.ll * 100 | round' <<<"$output")" -3322558
	assert_equal "$(jq .customers <<<"$output")" 11104
}

@test "clv: BG/BB from yearly transactions equals the fit from the same donors' summaries" {
	"$GEN" -m bg-bb -n 3000 -s 2 > bb.ndjson
	"$GEN" -m bg-bb -n 3000 -s 2 -f summary > bbs.ndjson
	run cdp-score clv --model bg-bb --period year --calibration-end \
	    2003-12-31 --spend-model none --fit-only bb.ndjson
	assert_success
	assert_output "$(cdp-score clv --model bg-bb --from-summary \
	    --spend-model none --fit-only bbs.ndjson)"
	# and near the parameters simulated (FHS's)
	assert_equal "$(r3 alpha beta gamma delta <<<"$output")" "1.258 0.802 0.669 2.824"
	run cdp-score clv --model bg-bb --period year \
	    --calibration-end 2003-12-31 --summary bb.ndjson
	assert_line --index 1 '{"customer_id":"c0000002","x":2,"t_x":4,"n":6,"zbar":1}'
	run cdp-score clv --model bg-bb --period fortnight bb.ndjson
	assert_failure 64
	run cdp-score clv --period year bb.ndjson
	assert_failure 64
}

@test "clv: sBG reproduces Fader-Hardie's regular and high-end cohorts and projects years 8-12" {
	run cdp-score clv --model sbg --from-summary --fit-only \
	    --holdout-periods 5 "$S/regular.ndjson"
	assert_success
	assert_equal "$(r3 gamma delta ll <<<"$output")" "0.704 1.182 -1680.265"
	# projected survival and retention of years 8-12 next to the actual
	assert_equal "$(jq -c '[.projection[] | select(.period >= 8) |
	    [.period, (.survival * 1000 | round), (.retention * 1000 | round),
	    (.actual_survival * 1000 | round),
	    (.actual_retention * 1000 | round)]]' <<<"$output")" \
	    '[[8,220,921,223,925],[9,204,929,207,928],[10,191,935,194,937],[11,180,941,183,943],[12,170,945,173,945]]'
	# S(t) = B(g, d+t)/B(g, d): retention r(t) = (d+t-1)/(g+d+t-1)
	want=$(awk 'BEGIN { g = 0.7040773; d = 1.1820430
	    for (t = 8; t <= 12; t++) printf "%.6f ", (d + t - 1) / (g + d + t - 1) }')
	assert_equal "$(jq -r '[.projection[] | select(.period >= 8) |
	    .retention * 1e6 | round / 1e6] | map(tostring) | join(" ")' \
	    <<<"$output" | awk '{ for (i = 1; i <= NF; i++) printf "%.6f ", $i }')" "$want"
	run cdp-score clv --model sbg --from-summary --fit-only \
	    --holdout-periods 5 "$S/high_end.ndjson"
	assert_equal "$(r3 gamma delta ll <<<"$output")" "0.668 3.806 -1611.158"
}

@test "clv, churn: sBG on subscription records recovers the simulated parameters within their 95% intervals; DERL per subscriber" {
	# 4,000 weekly subscriptions with gamma 0.704, delta 1.182
	"$GEN" -m sbg -n 4000 -s 5 --unit 7 --acquire 84 --days 364 > subs.ndjson
	run cdp-score clv --model sbg --period week --fit-only subs.ndjson
	assert_success
	assert_equal "$(jq -r '(.ci95.gamma[0] < 0.704 and 0.704 < .ci95.gamma[1])
	    and (.ci95.delta[0] < 1.182 and 1.182 < .ci95.delta[1])' <<<"$output")" true
	cp <(echo "$output") fit.json
	run cdp-score clv --model sbg --period week --discount-rate 0.002 \
	    --amount mrr subs.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$output")" 4000
	# an active one: DERL against the sum of S(k+j)/S(k) (1+d)^-(j-1)
	line=$(grep -m1 '"clv_active":true' <<<"$output")
	k=$(jq .clv_periods <<<"$line")
	want=$(jq -r '"\(.gamma) \(.delta)"' fit.json | awk -v k="$k" '{
	    g = $1; d = $2; s = 1; sum = 0
	    for (j = 1; j < 200000; j++) { s *= (d + k + j - 1) / (g + d + k + j - 1)
	        sum += s / (1.002) ^ (j - 1) }
	    printf "%.8f", sum }')
	assert_equal "$(jq '.clv_derl' <<<"$line" | awk '{ printf "%.8f", $1 }')" "$want"
	assert_equal "$(jq '(.clv_value - .clv_derl * .mrr) | fabs < 1e-9' <<<"$line")" true
	# cancelled: nothing left, known to have churned
	assert_equal "$(grep -m1 '"clv_active":false' <<<"$output" | jq -c '[.clv_derl, .clv_value]')" '[0,0]'
	id=$(jq -r .customer_id <<<"$line")
	run cdp-score churn --model sbg --period week subs.ndjson
	assert_success
	# the chance of cancelling at the next renewal, E[theta | k renewals]
	assert_equal "$(grep "\"$id\"" <<<"$output" | jq -r '.churn_risk' |
	    awk '{ printf "%.10f", $1 }')" "$(jq -r '"\(.gamma) \(.delta)"' \
	    fit.json | awk -v k="$k" '{ printf "%.10f", $1 / ($1 + $2 + k) }')"
	assert_equal "$(grep -m1 '"churn_p_alive":0' <<<"$output" |
	    jq -c '[.churn_risk, .churn_p_no_purchase]')" '[1,1]'
	# without discounting and gamma < 1 the lifetime is infinite
	run_split cdp-score clv --model sbg --period week subs.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-score: sbg: gamma = 0.70"*" is not above 1, so without discounting the expected lifetime is infinite: give --discount-rate (per period)" ]]
}

# --- uncertainty ---------------------------------------------------------------

@test "clv: Hessian standard errors equal second differences of the likelihood written apart (BG/NBD, Pareto/NBD, BG/BB, sBG)" {
	# tests/cdp-score/hessian.py: the closed-form likelihood in Python,
	# its Hessian by second differences, inverted; cdp-score differences
	# its analytic gradient
	cdp-score clv --summary --calibration-end 1997-09-30 \
	    "$S/sample.ndjson" > sum.ndjson
	cdp-score clv --fit-only --from-summary sum.ndjson > bg.json
	run python3 "$F/hessian.py" bg-nbd bg.json < sum.ndjson
	assert_output ok
	# lifetimes' standard errors of the CDNOW fit, to their digits
	assert_equal "$(jq -r '.se | [.r, .alpha, .a, .b] |
	    map(. * 1e4 | round) | map(tostring) | join(" ")' bg.json)" \
	    "126 3782 1857 7054"
	# Pareto/NBD's likelihood there by Fader & Hardie's closed form and
	# mpmath's 2F1 (the program sums a series or integrates): 400
	# customers simulated from CDNOW's fit (issue 21's calibration check
	# of beta's interval)
	"$GEN" -m pareto-nbd -n 400 -s 1 -f summary > p.ndjson
	cdp-score clv --model pareto-nbd --from-summary --fit-only \
	    --spend-model none p.ndjson > p.json
	run python3 "$F/hessian.py" pareto-nbd p.json < p.ndjson
	assert_output ok
	cdp-score clv --model bg-bb --from-summary --fit-only \
	    --spend-model none "$S/donations.ndjson" > bb.json
	run python3 "$F/hessian.py" bg-bb bb.json < "$S/donations.ndjson"
	assert_output ok
	head -8 "$S/regular.ndjson" > reg.ndjson
	cdp-score clv --model sbg --from-summary --fit-only reg.ndjson > sbg.json
	run python3 "$F/hessian.py" sbg sbg.json < reg.ndjson
	assert_output ok
	# the 95% interval is exp(ln p -+ 1.96 se(ln p))
	assert_equal "$(jq -r '(.ci95.r[0] - .r * ((-1.959963984540054 *
	    .se.r / .r) | exp)) | fabs < 1e-12' bg.json)" true
}

@test "clv --intervals N: 90% intervals per customer from parameter draws, fixed by --seed" {
	run cdp-score clv --intervals 200 --calibration-end 1997-09-30 \
	    --id sample_id "$S/sample.ndjson"
	assert_success
	assert_equal "$(jq -c 'select(.clv_expected_purchases_lo >
	    .clv_expected_purchases or .clv_expected_purchases >
	    .clv_expected_purchases_hi or .clv_value_lo > .clv_value or
	    .clv_value > .clv_value_hi)' <<<"$output" | wc -l)" 0
	assert_equal "$(head -1 <<<"$output" | jq -c 'keys_unsorted[6:]')" \
	    '["clv_expected_purchases","clv_expected_purchases_lo","clv_expected_purchases_hi","clv_expected_spend","clv_value","clv_value_lo","clv_value_hi"]'
	# customers alike share their interval; the same seed, the same
	first=$output
	run cdp-score clv --intervals 200 --calibration-end 1997-09-30 \
	    --id sample_id --seed 1 "$S/sample.ndjson"
	assert_output "$first"
	run cdp-score clv --intervals 200 --calibration-end 1997-09-30 \
	    --id sample_id --seed 2 "$S/sample.ndjson"
	assert [ "$output" != "$first" ]
	# saved parameters carry their covariance
	cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    "$S/sample.ndjson" > fit.json
	run cdp-score clv --params fit.json --intervals 200 \
	    --calibration-end 1997-09-30 --id sample_id "$S/sample.ndjson"
	assert_output "$first"
	run_split cdp-score clv --params "$F/published.json" --intervals 200 \
	    --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_failure 65
	assert_equal "$stderr" "cdp-score: --intervals: the parameters have no covariance (the --params file has no vcov)"
	run cdp-score clv --seed x x.ndjson
	assert_failure 64
	run cdp-score clv --intervals 5 x.ndjson
	assert_failure 64
	run cdp-score clv --intervals 100 --fit-only x.ndjson
	assert_failure 64
	run cdp-score churn --intervals 100 x.ndjson
	assert_failure 64
}

# --- covariates --------------------------------------------------------------

@test "clv --covariates: effects on the rate and the lifetime recovered within their 95% intervals" {
	# 4,000 customers; channel "web" multiplies alpha by exp(-0.7) and a
	# and b by exp(-0.5) (BG/NBD), alpha and beta likewise (Pareto/NBD)
	"$GEN" -n 4000 -s 9 --covariate 0.7,-0.5 --acquire 84 --days 365 > cov.ndjson
	run cdp-score clv --fit-only --covariates channel --spend-model none \
	    cov.ndjson
	assert_success
	assert_equal "$(jq -r '[.ci95["purchase:channel=web"],
	    .ci95["lifetime:channel=web"]] | (.[0][0] < 0.7 and 0.7 < .[0][1]
	    and .[1][0] < -0.5 and -0.5 < .[1][1])' <<<"$output")" true
	assert_equal "$(jq -c 'keys_unsorted[2:8]' <<<"$output")" \
	    '["r","alpha","a","b","purchase:channel=web","lifetime:channel=web"]'
	"$GEN" -m pareto-nbd -n 4000 -s 9 --covariate 0.7,-0.5 --acquire 84 \
	    --days 365 > covp.ndjson
	run cdp-score clv --model pareto-nbd --fit-only --covariates channel \
	    --spend-model none covp.ndjson
	assert_equal "$(jq -r '[.ci95["purchase:channel=web"],
	    .ci95["lifetime:channel=web"]] | (.[0][0] < 0.7 and 0.7 < .[0][1]
	    and .[1][0] < -0.5 and -0.5 < .[1][1])' <<<"$output")" true
	# per customer: a web customer buys more than a store one alike
	run cdp-score clv --covariates channel --spend-model none cov.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$output")" 4000
}

@test "clv --covariates: one value everywhere is the fit without covariates, exactly; numbers, too many values, a missing value" {
	jq -c '.plan = "basic" | .age = 30' "$S/sample.ndjson" > one.ndjson
	run cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    --covariates plan one.ndjson
	assert_success
	assert_output "$(cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    "$S/sample.ndjson")"
	# a numeric covariate is one column
	jq -c '.age = (.sample_id | tonumber % 7)' "$S/sample.ndjson" > age.ndjson
	run cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    --covariates age --spend-model none age.ndjson
	assert_success
	assert_equal "$(jq -c '[has("purchase:age"), has("lifetime:age")]' <<<"$output")" '[true,true]'
	# --summary keeps the values, --from-summary fits them alike
	cdp-score clv --summary --calibration-end 1997-09-30 --covariates age \
	    age.ndjson > sum.ndjson
	assert_equal "$(head -1 sum.ndjson | jq -c 'keys_unsorted')" \
	    '["customer_id","x","t_x","T","zbar","age"]'
	run cdp-score clv --from-summary --fit-only --covariates age \
	    --spend-model none sum.ndjson
	assert_output "$(cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    --covariates age --spend-model none age.ndjson)"
	jq -c '.zip = .sample_id' "$S/sample.ndjson" > many.ndjson
	run_split cdp-score clv --fit-only --covariates zip many.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: --covariates: more than 8 columns ("zip" has 2357 values, one column each but the first)'
	head -3 "$S/sample.ndjson" > m.ndjson
	jq -c '.plan = "a"' "$S/sample.ndjson" | sed -n 4,6p >> m.ndjson
	run_split cdp-score clv --fit-only --covariates plan m.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: m.ndjson:1: field "plan": missing'
	run cdp-score clv --covariates plan --model bg-bb m.ndjson
	assert_failure 64
	run cdp-score clv --covariates a,b,c,d,e,f,g,h,i m.ndjson
	assert_failure 64
}

# --- churn and the closed forms ----------------------------------------------

@test "churn: P(alive), churn_risk and no purchase in the horizon per customer; cdp-segment selects on them" {
	run cdp-score churn --calibration-end 1997-09-30 --id sample_id \
	    --stats "$S/sample.ndjson"
	assert_success
	assert_equal "$(head -1 <<<"$output")" \
	    "$(head -1 <<<"$output" | jq -c '{sample_id, churn_p_alive, churn_risk, churn_p_no_purchase}')"
	assert_equal "$(jq -c 'select((.churn_risk + .churn_p_alive - 1 | fabs) > 1e-12 or .churn_p_no_purchase < .churn_risk)' <<<"$output" | wc -l)" 0
	n=$(jq -c 'select(.churn_risk > 0.7)' <<<"$output" | wc -l)
	run cdp-segment --where 'churn_risk > 0.7' <<<"$output"
	assert_success
	assert_equal "$(wc -l <<<"$output")" "$n"
	# a longer horizon: no purchase is less likely
	a=$(cdp-score churn --calibration-end 1997-09-30 "$S/sample.ndjson" | head -1 | jq .churn_p_no_purchase)
	b=$(cdp-score churn --calibration-end 1997-09-30 --horizon 10 "$S/sample.ndjson" | head -1 | jq .churn_p_no_purchase)
	assert_equal "$(jq -n "$b < $a")" true
	# --annotate puts them on every record; --fit-only has no spend
	run cdp-score churn --annotate --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_equal "$(wc -l <<<"$output")" 6919
	run cdp-score churn --fit-only --calibration-end 1997-09-30 "$S/sample.ndjson"
	assert_equal "$(jq -c 'has("spend")' <<<"$output")" false
	run cdp-score churn --spend-model none x
	assert_failure 64
}

@test "clv, churn: P(alive) and expectations of CDNOW customers 1-10 equal an independent evaluation to 1e-8" {
	# tests/cdp-score/closed_forms.py integrates each posterior quantity
	# numerically over the latent rates (mpmath), where cdp-score uses
	# 2F1, Beta sums and series
	head -10 "$S/cdnow-z.ndjson" > ten.ndjson
	printf '%s\n' '{"model":"mbg-nbd","r":0.525,"alpha":6.183,"a":0.891,"b":1.614,"spend":{"model":"gamma-gamma","p":6.25,"q":3.74,"v":15.44}}' > mbg.json
	printf '%s\n' '{"model":"pareto-nbd","r":0.553,"alpha":10.578,"s":0.606,"beta":11.669,"spend":{"model":"gamma-gamma","p":6.25,"q":3.74,"v":15.44}}' > pnbd.json
	for m in "$F/published.json" mbg.json pnbd.json; do
		mod=$(jq -r .model "$m")
		run bash -c "cdp-score clv --from-summary --params $m --horizon 39 ten.ndjson |
		    python3 '$F/closed_forms.py' $mod $m 39"
		assert_line --index 10 "10 checked, 0 off"
		run bash -c "cdp-score churn --from-summary --params $m --horizon 4 ten.ndjson |
		    python3 '$F/closed_forms.py' $mod $m 4"
		assert_line --index 10 "10 checked, 0 off"
	done
	# Hardie's spreadsheet: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226;
	# note 025: E[Z] of customers 1-10
	run cdp-score clv --from-summary --params "$F/published.json" \
	    --horizon 39 ten.ndjson
	assert_equal "$(head -1 <<<"$output" | jq '.clv_expected_purchases * 1000 | round')" 1226
	assert_equal "$(jq -r '.clv_expected_spend * 100 | round / 100' <<<"$output" | paste -sd' ')" \
	    "24.66 18.92 35.22 35.22 35.22 71.47 18.92 35.22 27.29 35.22"
	printf '%s\n' '{"model":"bg-bb","alpha":1.204,"beta":0.750,"gamma":0.657,"delta":2.783}' > bb.json
	head -10 "$S/donations.ndjson" > d10.ndjson
	run bash -c "cdp-score clv --model bg-bb --spend-model none --from-summary --params bb.json --horizon 5 d10.ndjson |
	    python3 '$F/closed_forms.py' bg-bb bb.json 5"
	assert_line --index 10 "10 checked, 0 off"
	run bash -c "cdp-score churn --model bg-bb --from-summary --params bb.json --horizon 2 d10.ndjson |
	    python3 '$F/closed_forms.py' bg-bb bb.json 2"
	assert_line --index 10 "10 checked, 0 off"
}

# --- bad input ---------------------------------------------------------------

@test "clv: summary rows that break the model's rules are 65 with file:line and the rule" {
	bad() {
		printf '%s\n' "$2" > b.ndjson
		run_split cdp-score clv --model "$1" --from-summary --fit-only \
		    --spend-model none b.ndjson
		assert_failure 65
		assert_equal "$stderr" "cdp-score: b.ndjson:1: $3"
	}
	bad bg-bb '{"x":4,"t_x":4,"n":3}' "x > n: more purchases than opportunities"
	bad bg-bb '{"x":2,"t_x":4,"n":3}' "t_x > n: the last purchase after the last opportunity"
	bad bg-bb '{"x":3,"t_x":2,"n":6}' "x > t_x: more purchases than opportunities up to the last"
	bad bg-bb '{"x":1,"t_x":1.5,"n":6}' "t_x and n must be whole numbers of opportunities"
	bad bg-nbd '{"x":2,"t_x":40,"T":38.86}' "t_x > T: the last purchase after the end of the period"
	bad bg-nbd '{"x":0,"t_x":3,"T":38.86}' "t_x is not 0 although x is 0"
	bad bg-nbd '{"x":1.5,"t_x":3,"T":38.86}' "x is not a whole number of at least 0"
	bad bg-nbd '{"x":2,"t_x":3,"T":38.86,"zbar":-5}' "zbar below 0: Gamma-Gamma needs positive amounts"
	bad bg-nbd '{"x":2,"t_x":3,"T":38.86,"count":0}' "count is not a positive number"
	bad sbg '{"period":1,"active":100}' "the periods must start at 0"
	bad sbg '{"period":0,"active":-1}' "not a survival record (period and active: numbers, active at least 0)"
	# survival counts: the line of the rise, the gap
	printf '%s\n' '{"period":0,"active":100}' '{"period":1,"active":80}' \
	    '{"period":2,"active":90}' > s.ndjson
	run_split cdp-score clv --model sbg --from-summary --fit-only s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: s.ndjson:3: active rises from the period before: survival counts never rise"
	printf '%s\n' '{"period":0,"active":100}' '{"period":2,"active":80}' > s.ndjson
	run_split cdp-score clv --model sbg --from-summary --fit-only s.ndjson
	assert_equal "$stderr" "cdp-score: s.ndjson:2: the periods must follow each other (0, 1, 2, ...)"
	# with --rejects the rest is fitted
	printf '%s\n' '{"x":2,"t_x":40,"T":38.86}' > b.ndjson
	cat "$S/cdnow.ndjson" >> b.ndjson
	run_split cdp-score clv --from-summary --fit-only --spend-model none \
	    --rejects rej.ndjson --stats b.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":2358,"used":2357,"rejected":1,"skipped":0,"output":1}'
}

@test "clv: a negative amount is a bad transaction for Gamma-Gamma (65 with file:line); --spend-model none, churn and rfm take it" {
	cp "$S/sample.ndjson" neg.ndjson
	echo '{"customer_id":"00004","ts":"1997-03-01","revenue":-500}' >> neg.ndjson
	run_split cdp-score clv --fit-only --calibration-end 1997-09-30 neg.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-score: neg.ndjson:6920: field "revenue": below 0: Gamma-Gamma needs amounts of at least 0 (--spend-model none leaves spend out)'
	# with --rejects the refund is left out and the rest fitted as before
	run_split cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    --rejects rej.ndjson --stats neg.ndjson
	assert_success
	assert_equal "$(jq -c '.spend.customers' <<<"$output")" 946
	assert_equal "$(jq -c '[._line, ._error]' rej.ndjson)" \
	    '[6920,"field \"revenue\": below 0: Gamma-Gamma needs amounts of at least 0 (--spend-model none leaves spend out)"]'
	# no spend model, no rule on amounts: the refund's day is a day with
	# a transaction like any other
	run cdp-score clv --fit-only --spend-model none \
	    --calibration-end 1997-09-30 neg.ndjson
	assert_success
	assert_equal "$(jq -r '[.customers, .converged, .spend] | @tsv' \
	    <<<"$output")" "$(printf '2357\ttrue\t')"
	run cdp-score churn --calibration-end 1997-09-30 neg.ndjson
	assert_success
	run cdp-score rfm --as-of 1997-09-30 neg.ndjson
	assert_success
}

@test "clv: degenerate data say why the model cannot be identified" {
	printf '%s\n' '{"period":0,"active":100}' '{"period":1,"active":100}' > s.ndjson
	run_split cdp-score clv --model sbg --from-summary --fit-only s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: sbg: no subscription ended: with no churn the churn rate cannot be estimated"
	printf '%s\n' '{"x":0,"t_x":0,"n":6,"count":30}' > d.ndjson
	run_split cdp-score clv --model bg-bb --from-summary --fit-only \
	    --spend-model none d.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: bg-bb: every one of the 30 customers bought only once (x = 0): without a repeat purchase the purchase rate and the dropout cannot be told apart, so the model cannot be identified"
	printf '%s\n' '{"period":0,"active":100}' > s.ndjson
	run_split cdp-score clv --model sbg --from-summary --fit-only s.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: sbg: 1 periods of survival counts; the fit needs two or more"
}

@test "clv --model sbg: bad subscription records; --start and --cancel name the fields" {
	printf '%s\n' '{"customer_id":"a","start":"2025-01-01","cancel":"2025-03-01"}' \
	    '{"customer_id":"b","start":"2025-02-01","cancel":"2025-01-15"}' \
	    '{"customer_id":"c","begin":"2025-02-01"}' \
	    '{"customer_id":"d","start":"2025-02-30"}' \
	    '{"customer_id":"e","start":"2025-01-01","mrr":"x"}' > subs.ndjson
	"$GEN" -m sbg -n 100 -s 1 --unit 7 --acquire 30 --days 120 >> subs.ndjson
	run_split cdp-score clv --model sbg --period week --fit-only \
	    --rejects rej.ndjson --amount mrr subs.ndjson
	assert_success
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 the subscription ends on or before its start
3 no start day (--start)
4 field "start": not a date
5 the amount (--amount) is not a number of at least 0
OUT
	printf '%s\n' '{"id":"a","from":"2025-01-01","to":"2025-03-01"}' \
	    '{"id":"b","from":"2025-01-01","to":"2025-02-01"}' \
	    '{"id":"c","from":"2025-01-01"}' > s2.ndjson
	run cdp-score clv --model sbg --period month --start from --cancel to \
	    --discount-rate 0.01 --as-of 2025-06-01 s2.ndjson
	assert_success
	assert_equal "$(jq -c '[.clv_periods, .clv_active]' <<<"$output" | paste -sd' ')" \
	    "[2,false] [1,false] [5,true]"
	run cdp-score clv --start from x
	assert_failure 64
	run cdp-score clv --model sbg --annotate x
	assert_failure 64
	run cdp-score clv --model sbg --from-summary x
	assert_failure 64
	run cdp-score clv --model sbg --holdout-periods 2 x
	assert_failure 64
	run cdp-score clv --model sbg --from-summary --fit-only --holdout-periods 0 x
	assert_failure 64
}

# --- cancellations and statuses (issue 26) ------------------------------------

@test "clv, churn: cancellation events are refused and point to sbg; --force fits with a warning" {
	"$GEN" -n 300 -s 4 --cancel-events > c.ndjson
	n=$(grep -c '"event":"cancel"' c.ndjson)
	run_split cdp-score clv --fit-only c.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-score: $n cancellation records (field \"event\"): subscriptions that end say when a customer left, which bg-nbd treats as unknown; fit subscriptions with --model sbg, or --force to fit anyway"
	run_split cdp-score churn --model pareto-nbd c.ndjson
	assert_failure 65
	run_split cdp-score clv --fit-only --force --stats c.ndjson
	assert_success
	assert_equal "$(head -1 <<<"$stderr")" "cdp-score: $n cancellation records (field \"event\") ignored by bg-nbd (--force); --model sbg fits subscriptions"
	# the cancellations are no purchases: skipped, not used
	assert_equal "$(tail -1 <<<"$stderr" | jq .skipped)" "$n"
	# another field and other words
	sed 's/"event":"cancel"/"state":"churned"/' c.ndjson > c2.ndjson
	run cdp-score clv --fit-only c2.ndjson
	assert_failure 65	# "state" without an amount: a bad record
	run_split cdp-score clv --fit-only --status-field state \
	    --cancelled churned,lapsed c2.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-score: $n cancellation records (field \"state\")"* ]]
	run cdp-score clv --cancelled "" c2.ndjson
	assert_failure 64
	run cdp-score sendtime --force c2.ndjson
	assert_failure 64
}

@test "rfm --status-field: a customer who left is marked Cancelled, or left out with --exclude-cancelled" {
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-05","revenue":100}' \
	    '{"customer_id":"a","ts":"2025-03-01","status":"cancelled"}' \
	    '{"customer_id":"b","ts":"2025-02-01","revenue":50}' \
	    '{"customer_id":"b","ts":"2025-02-10","status":"cancelled"}' \
	    '{"customer_id":"b","ts":"2025-03-10","status":"reactivated"}' \
	    '{"customer_id":"c","ts":"2025-03-20","revenue":20}' \
	    '{"customer_id":"d","ts":"2025-03-21","status":"cancelled"}' > st.ndjson
	run_split cdp-score rfm --status-field status --stats st.ndjson
	assert_success
	assert_equal "$(jq -c '[.customer_id, .rfm_segment, .rfm_status]' <<<"$output" | paste -sd' ')" \
	    '["a","Cancelled","cancelled"] ["b","Need Attention","active"] ["c","Potential Loyalist","active"]'
	assert_equal "$(stats_core "$stderr")" '{"read":7,"used":7,"rejected":0,"skipped":0,"output":3}'
	# left out: the ranks are of the customers who stay
	run_split cdp-score rfm --status-field status --exclude-cancelled \
	    --stats st.ndjson
	assert_equal "$(jq -c '[.customer_id, .rfm_cell, .rfm_segment]' <<<"$output" | paste -sd' ')" \
	    '["b","234","At Risk"] ["c","432","Potential Loyalist"]'
	assert_equal "$(stats_core "$stderr")" '{"read":7,"used":6,"rejected":0,"skipped":1,"output":2}'
	run cdp-score rfm --status-field status --exclude-cancelled --annotate \
	    st.ndjson
	assert_equal "$(sed -n 1p <<<"$output")" '{"customer_id":"a","ts":"2025-01-05","revenue":100}'
	assert_equal "$(jq -r '.rfm_status // "-"' <<<"$output" | paste -sd' ')" "- - active - - active -"
	# without --status-field a record without an amount is bad
	run_split cdp-score rfm st.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: st.ndjson:2: field "revenue": missing'
	run cdp-score rfm --exclude-cancelled st.ndjson
	assert_failure 64
	run cdp-score rfm --status-field "" st.ndjson
	assert_failure 64
}
