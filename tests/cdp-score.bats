#!/usr/bin/env bats
# cdp-score: RFM scores and segments; BG/NBD, Pareto/NBD and Gamma-Gamma
# CLV against the published CDNOW figures (shared/data/README.md, part 2);
# record-wise linear/logistic model scores and lead points.
load helper

F="$BATS_TEST_DIRNAME/cdp-score"
SAMPLE="$SHARED/data/cdnow/CDNOW_sample.txt"

setup_file() {
	# The CDNOW sample as transaction records, converted once.
	"$BATS_TEST_DIRNAME/cdp-score/cdnow.sh" \
	    "$BATS_TEST_DIRNAME/../../shared/data/cdnow/CDNOW_sample.txt" \
	    > "$BATS_FILE_TMPDIR/sample.ndjson"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$F"/*.ndjson "$F"/*.json .
}

golden() {
	cat "$F/expected/$1"
}

# Field $1 of every output line, rounded to $2 decimals.
rounded() {
	jq -r "(.$1 * 1e$2 | round) / 1e$2" | tr '\n' ' ' | sed 's/ $//'
}

# --- usage -----------------------------------------------------------------

@test "score: --help prints the usage on stdout and exits 0" {
	run_split cdp-score --help
	assert_success
	assert_line --index 0 "usage: cdp-score rfm [options] [FILE...]"
	assert_equal "$stderr" ""
}

@test "score: --version" {
	run cdp-score --version
	assert_success
	assert_output "cdp-score (cdpipe) 0.1.0"
}

@test "score: a missing or unknown subcommand is a usage error (64)" {
	run_split cdp-score
	assert_failure 64
	[[ "$stderr" == "cdp-score: expected a subcommand first: rfm, clv, churn, sendtime, model or points"* ]]
	run_split cdp-score pointz
	assert_failure 64
	[[ "$stderr" == 'cdp-score: unknown subcommand "pointz" (rfm, clv, churn, sendtime, model or points)'* ]]
	run_split cdp-score --stats rfm
	assert_failure 64
}

@test "score: bad option values are usage errors before any output" {
	run cdp-score rfm --as-of 2025-13-01
	assert_failure 64
	assert_line --index 0 "cdp-score rfm: --as-of: not a date YYYY-MM-DD"
	run cdp-score rfm --horizon 3
	assert_failure 64
	assert_line --index 0 "cdp-score rfm: that option belongs to cdp-score clv and churn"
	run cdp-score rfm --model bg-nbd
	assert_failure 64
	assert_line --index 0 "cdp-score rfm: that option belongs to cdp-score clv, churn and model"
	run cdp-score clv --time-unit month
	assert_failure 64
	run cdp-score clv --model pareto
	assert_failure 64
	run cdp-score clv --horizon -1
	assert_failure 64
	run cdp-score clv --discount-rate x
	assert_failure 64
	run cdp-score clv --fit-only --params p.json
	assert_failure 64
	run cdp-score rfm --id ts
	assert_failure 64
	run cdp-score rfm --bogus
	assert_failure 64
}

@test "score: an input that cannot be opened exits 66 before any output" {
	run_split cdp-score rfm tx.ndjson missing.ndjson
	assert_failure 66
	assert_equal "$output" ""
	[[ "$stderr" == "cdp-score: missing.ndjson: cannot open"* ]]
}

# --- rfm -------------------------------------------------------------------

@test "rfm: scores, cells and segments (golden)" {
	run_split cdp-score rfm --as-of 2025-06-30 --stats tx.ndjson
	assert_success
	assert_output "$(golden rfm.out)"
	# 21 records: 18 transactions, one without a customer, one with a
	# null customer, one after --as-of.
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":21,"used":18,"rejected":0,"skipped":3,"output":10}'
}

@test "rfm: output is in id order whatever the input order" {
	tac tx.ndjson > rev.ndjson
	run cdp-score rfm --as-of 2025-06-30 rev.ndjson
	assert_success
	assert_output "$(golden rfm.out)"
}

@test "rfm: many ids with long shared prefixes come out in byte order" {
	# 300 ids that share 8 or 16 bytes and are prefixes of each other
	# (the sort goes 8 bytes at a time, then the next 8), shuffled;
	# byte order is LC_ALL=C sort's.
	awk 'BEGIN { srand(5); for (i = 0; i < 300; i++) {
		id = i % 3 == 0 ? "customer" : i % 3 == 1 ? "customer-number-" : ""
		n = int(rand() * 12)
		for (j = 0; j < n; j++)
			id = id (rand() < 0.5 ? "a" : "b")
		printf "{\"customer_id\":\"%s\",\"ts\":\"2025-01-01\",\"revenue\":1}\n", id
	} }' > ids.ndjson
	run cdp-score rfm ids.ndjson
	assert_success
	jq -r .customer_id <<<"$output" > got
	# (an empty id is no customer)
	jq -r .customer_id ids.ndjson | grep . | LC_ALL=C sort -u > want
	[ "$(wc -l < want)" -gt 100 ]
	assert_equal "$(cat got)" "$(cat want)"
}

@test "rfm: --as-of defaults to the latest transaction day" {
	run cdp-score rfm tx.ndjson
	assert_success
	# jo's 2025-07-02 order is then kept and is the latest
	assert_line --index 9 --partial '"customer_id":"jo","rfm_first":"2025-02-14","rfm_last":"2025-07-02","rfm_recency":0,"rfm_frequency":2'
	assert_line --index 0 --partial '"rfm_recency":4,'
}

@test "rfm: equal values share a score (mid-rank); 5 distinct values give 1..5" {
	for c in a b c; do
		echo "{\"customer_id\":\"$c\",\"ts\":\"2025-01-01\",\"revenue\":5}"
	done > tie.ndjson
	run cdp-score rfm tie.ndjson
	assert_success
	assert_equal "$(jq -r .rfm_cell <<<"$output" | sort -u)" "333"
	assert_equal "$(jq -r .rfm_segment <<<"$output" | sort -u)" "Need Attention"
	for i in 1 2 3 4 5; do
		echo "{\"customer_id\":\"c$i\",\"ts\":\"2025-01-0$i\",\"revenue\":$i}"
	done > five.ndjson
	run cdp-score rfm --as-of 2025-01-05 five.ndjson
	assert_equal "$(jq -r .rfm_cell <<<"$output" | tr '\n' ' ')" \
	    "131 232 333 434 535 "
	assert_equal "$(jq -r .rfm_segment <<<"$output" | tr '\n' ' ')" \
	    "Lost At Risk Need Attention Loyal Customers Champions "
}

@test "rfm: scores depend on the order of the values only, counted or sorted" {
	# Recency over a short span is scored by counting; the same order
	# and ties spread over 40 years (more than 4n + 1024 days) by a
	# sort: the same cells.  Amounts in cents are sorted: one cent more
	# splits c4's and c6's tie at 4, so c6's M falls from 3 to 2.
	near=(2025-01-01 2025-01-01 2025-01-03 2025-01-04 2025-01-04 2025-01-04 2025-01-09)
	far=(1985-01-01 1985-01-01 1996-06-30 2001-02-03 2001-02-03 2001-02-03 2025-01-09)
	amt=(3 1 7 7 2 9 4)
	for i in 0 1 2 3 4 5 6; do
		for k in $(seq 0 $((i % 3))); do
			echo "{\"customer_id\":\"c$i\",\"ts\":\"${near[$i]}\",\"revenue\":${amt[$i]}}"
		done
	done > near.ndjson
	sed 's/"revenue":\([0-9]\)/"revenue":\1.01/' near.ndjson > cents.ndjson
	for i in 0 1 2 3 4 5 6; do
		sed -n "/\"c$i\"/s/${near[$i]}/${far[$i]}/p" near.ndjson
	done > far.ndjson
	run cdp-score rfm near.ndjson
	assert_success
	cells=$(jq -r .rfm_cell <<<"$output" | tr '\n' ' ')
	assert_equal "$cells" "122 131 254 424 433 455 523 "
	run cdp-score rfm far.ndjson
	assert_success
	assert_equal "$(jq -r .rfm_cell <<<"$output" | tr '\n' ' ')" "$cells"
	run cdp-score rfm cents.ndjson
	assert_success
	assert_equal "$(jq -r .rfm_cell <<<"$output" | tr '\n' ' ')" \
	    "122 131 254 424 433 455 522 "
}

@test "rfm: every cell of the segment table (man page) is reachable" {
	# R from recency rank, F from count, M from amount: 5 x 5 customers
	: > grid.ndjson
	for r in 1 2 3 4 5; do
		for fm in 1 2 3 4 5; do
			id="r${r}fm$fm"
			day=$(printf '2025-01-%02d' $((r * 5 - fm % 5)))
			for k in $(seq $fm); do
				echo "{\"customer_id\":\"$id\",\"ts\":\"$day\",\"revenue\":$((fm * 100))}"
			done >> grid.ndjson
		done
	done
	run cdp-score rfm --as-of 2025-01-31 grid.ndjson
	assert_success
	assert_equal "$(jq -r .rfm_segment <<<"$output" | sort -u | wc -l)" 11
}

@test "rfm: amounts as numeric strings; sums keep the amounts' decimals" {
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-01","revenue":"0.1"}' \
	    '{"customer_id":"a","ts":"2025-01-02","revenue":0.2}' > d.ndjson
	run cdp-score rfm d.ndjson
	assert_success
	assert_output --partial '"rfm_frequency":2,"rfm_monetary":0.3,"rfm_monetary_mean":0.15,'
}

@test "rfm: a numeric id stays a number; 1 and \"1\" are two customers" {
	printf '%s\n' '{"customer_id":1,"ts":"2025-01-01","revenue":1}' \
	    '{"customer_id":"1","ts":"2025-01-01","revenue":2}' > n.ndjson
	run cdp-score rfm n.ndjson
	assert_success
	# same text: the string sorts first
	assert_line --index 0 --partial '{"customer_id":"1",'
	assert_line --index 1 --partial '{"customer_id":1,'
}

@test "rfm: --id, --time and --amount name the fields" {
	printf '%s\n' '{"who":"z","when":"2025-03-01T23:59:59+02:00","paid":7}' > o.ndjson
	run cdp-score rfm --id who --time when --amount paid o.ndjson
	assert_success
	assert_output '{"who":"z","rfm_first":"2025-03-01","rfm_last":"2025-03-01","rfm_recency":0,"rfm_frequency":1,"rfm_monetary":7,"rfm_monetary_mean":7,"rfm_r":3,"rfm_f":3,"rfm_m":3,"rfm_cell":"333","rfm_segment":"Need Attention"}'
}

@test "rfm: a bad date stops the run with file:line (65)" {
	run_split cdp-score rfm bad.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-score: bad.ndjson:2: field "ts": no such day'
}

@test "rfm: --rejects takes bad dates, amounts, ids and JSON and goes on" {
	run_split cdp-score rfm --rejects rej.ndjson --stats bad.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$output")" 2
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":7,"used":2,"rejected":5,"skipped":0,"output":2}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 field "ts": no such day
3 field "revenue": not a number
4 expected ',' or '}' at byte 49
5 field "customer_id": not a string or number
6 field "ts": missing
OUT
}

# Customer a buys in GBP (revenue_currency), then without a currency, then
# in PLN; b in PLN (_currency), then in EUR (revenue_currency wins over
# _currency); c names none.
currencies() {
	printf '%s\n' \
	    '{"customer_id":"a","ts":"2025-01-02","revenue":12.5,"revenue_currency":"GBP"}' \
	    '{"customer_id":"b","ts":"2025-01-03","revenue":45,"_currency":"PLN"}' \
	    '{"customer_id":"a","ts":"2025-01-04","revenue":3}' \
	    '{"customer_id":"a","ts":"2025-01-05","revenue":45,"revenue_currency":"PLN"}' \
	    '{"customer_id":"c","ts":"2025-01-05","revenue":7}' \
	    '{"customer_id":"b","ts":"2025-01-06","revenue":5,"revenue_currency":"EUR","_currency":"PLN"}'
}

@test "rfm: amounts of two currencies for one customer are a bad record (65, --rejects); rfm_currency" {
	currencies > cur.ndjson
	run_split cdp-score rfm cur.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-score: cur.ndjson:4: field "revenue_currency": amounts in "GBP" and "PLN" for one customer: score each currency apart'
	run_split cdp-score rfm --rejects rej.ndjson --stats cur.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":6,"used":4,"rejected":2,"skipped":0,"output":3}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
4 field "revenue_currency": amounts in "GBP" and "PLN" for one customer: score each currency apart
6 field "revenue_currency": amounts in "PLN" and "EUR" for one customer: score each currency apart
OUT
	run cdp-score rfm --rejects rej.ndjson cur.ndjson
	run jq -c '[.customer_id, .rfm_monetary, .rfm_currency]' <<<"$output"
	assert_output - <<'OUT'
["a",15.5,"GBP"]
["b",45,"PLN"]
["c",7,null]
OUT
	# --annotate leaves the rejected records out and writes the rest
	run cdp-score rfm --annotate --rejects rej.ndjson cur.ndjson
	assert_success
	run jq -c '[.customer_id, .revenue, .rfm_currency]' <<<"$output"
	assert_output - <<'OUT'
["a",12.5,"GBP"]
["b",45,"PLN"]
["a",3,"GBP"]
["c",7,null]
OUT
	# without any currency field: as before, no rfm_currency
	jq -c 'del(.revenue_currency, ._currency)' cur.ndjson > none.ndjson
	run cdp-score rfm none.ndjson
	assert_success
	run jq -c '[.customer_id, .rfm_monetary, has("rfm_currency")]' <<<"$output"
	assert_output - <<'OUT'
["a",60.5,false]
["b",50,false]
["c",7,false]
OUT
	# the same currency under another field, or escaped, is one currency
	printf '%s\n' '{"customer_id":"d","ts":"2025-01-02","revenue":1,"_currency":"PLN"}' \
	    '{"customer_id":"d","ts":"2025-01-03","revenue":2,"revenue_currency":"P\u004cN"}' > same.ndjson
	run cdp-score rfm same.ndjson
	assert_success
	assert_output --partial '"rfm_monetary":3,"rfm_monetary_mean":1.5,"rfm_currency":"PLN",'
}

@test "rfm, clv, churn: --currency FIELD names the currency; its misuse is a usage error (64)" {
	currencies > cur.ndjson
	# only the field named counts: a's and b's amounts name none there
	jq -c 'if .customer_id == "c" then . + {cur: 1} else . end' cur.ndjson > c2.ndjson
	run cdp-score rfm --currency cur c2.ndjson
	assert_success
	run jq -c '[.customer_id, .rfm_monetary, .rfm_currency]' <<<"$output"
	assert_output - <<'OUT'
["a",60.5,null]
["b",50,null]
["c",7,1]
OUT
	run_split cdp-score rfm --currency _currency cur.ndjson
	assert_success
	run_split cdp-score clv --currency revenue_currency --calibration-end 2025-01-06 --params published.json cur.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: cur.ndjson:4: field "revenue_currency": amounts in "GBP" and "PLN" for one customer: score each currency apart'
	# churn and clv without a spend model add no amount
	for c in churn "clv --spend-model none"; do
		read -r -a argv <<<"$c"
		run_split cdp-score "${argv[@]}" --currency revenue_currency --params published.json cur.ndjson
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" \
		    "cdp-score ${argv[0]}: --currency: no amounts are added with churn, --spend-model none, --model sbg or --from-summary"
	done
	run_split cdp-score rfm --currency '' cur.ndjson
	assert_failure 64
	run_split cdp-score rfm --currency revenue cur.ndjson
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" \
	    "cdp-score rfm: --currency: must name a field other than --id, --time and --amount"
	run_split cdp-score sendtime --currency cur cur.ndjson
	assert_failure 64
	run_split cdp-score clv --model sbg --currency cur cur.ndjson
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" \
	    "cdp-score clv: --currency: no amounts are added with churn, --spend-model none, --model sbg or --from-summary"
}

@test "rfm, clv: --rates brings every amount into the base currency; a currency without a rate is a bad record" {
	currencies > cur.ndjson
	printf '%s\n' '{"base": "EUR",' ' "rates": {"GBP": 1.17, "PLN": 0.23}}' > rates.json
	# a: 12.5 GBP + 3 (none: the base) + 45 PLN = 14.625 + 3 + 10.35 EUR,
	# rounded to the products' 3 decimals; b: 45 PLN + 5 EUR
	run_split cdp-score rfm --rates rates.json --stats cur.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":6,"used":6,"rejected":0,"skipped":0,"output":3}'
	run jq -c '[.customer_id, .rfm_monetary, .rfm_monetary_mean, .rfm_currency]' <<<"$output"
	assert_output - <<'OUT'
["a",27.975,9.325000000000001,"EUR"]
["b",15.35,7.675,"EUR"]
["c",7,7,null]
OUT
	# the same on two threads, and with --annotate on every record
	run cdp-score rfm --rates rates.json --threads 2 cur.ndjson
	assert_equal "$output" "$(cdp-score rfm --rates rates.json --threads 1 cur.ndjson)"
	run cdp-score rfm --rates rates.json --annotate cur.ndjson
	run jq -c '[.customer_id, .revenue, .rfm_monetary]' <<<"$output"
	assert_output - <<'OUT'
["a",12.5,27.975]
["b",45,15.35]
["a",3,27.975]
["a",45,27.975]
["c",7,7]
["b",5,15.35]
OUT
	# Gamma-Gamma's repeat spend in the base too
	run cdp-score clv --summary --as-of 2025-01-06 --rates rates.json cur.ndjson
	run jq -c '[.customer_id, .x, .zbar]' <<<"$output"
	assert_output - <<'OUT'
["a",2,6.675]
["b",1,5]
["c",0,0]
OUT
	# dated rates: a's GBP purchase (2025-01-02) at the rate from
	# 2025-01-01, its PLN one (2025-01-05) at the rate from 2025-01-05,
	# b's PLN one (2025-01-03) at the 2025-01-01 rate
	printf '%s\n' '{"base": "EUR", "rates": {"GBP": 1.17},' \
	    ' "dated": {"2025-01-05": {"PLN": 0.25}, "2025-01-01": {"GBP": 1.2, "PLN": 0.2}}}' > dated.json
	run cdp-score rfm --rates dated.json cur.ndjson
	run jq -c '[.customer_id, .rfm_monetary]' <<<"$output"
	assert_output - <<'OUT'
["a",29.25]
["b",14]
["c",7]
OUT
	# a currency whose first rate comes after an amount of it
	printf '%s\n' '{"base": "EUR", "rates": {"GBP": 1.17}, "dated": {"2025-01-04": {"PLN": 0.25}}}' > late.json
	run_split cdp-score rfm --rates late.json --rejects rej.ndjson cur.ndjson
	assert_success
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output '2 field "_currency": no rate for "PLN" on 2025-01-03 in the --rates file'
	# no rate for PLN: its amounts are bad records, the rest is scored
	printf '%s\n' '{"base": "EUR", "rates": {"GBP": 1.17}}' > gbp.json
	run_split cdp-score rfm --rates gbp.json cur.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: cur.ndjson:2: field "_currency": no rate for "PLN" in the --rates file'
	run_split cdp-score rfm --rates gbp.json --rejects rej.ndjson cur.ndjson
	assert_success
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 field "_currency": no rate for "PLN" in the --rates file
4 field "revenue_currency": no rate for "PLN" in the --rates file
OUT
}

@test "rfm, clv: a --rates file that is not {base, rates, dated} is an error with its line; misuse is a usage error" {
	currencies > cur.ndjson
	bad() {
		printf '%s\n' "$1" > r.json
		run_split cdp-score rfm --rates r.json cur.ndjson
		assert_failure "$2"
		assert_equal "$output" ""
		assert_equal "$stderr" "cdp-score: $3"
	}
	bad '[1]' 65 'r.json:1: expected an object {"base": CODE, "rates": {CODE: RATE, ...}}'
	bad '{"rates": {}}' 65 'r.json:1: "base": expected the currency the rates convert to'
	bad '{"base": ""}' 65 'r.json:1: "base": expected the currency the rates convert to'
	bad '{"base": "EUR"}' 65 'r.json:1: expected "rates" (every day'"'"'s) or "dated" (rates from a day on)'
	bad '{"base": "EUR", "rates": []}' 65 'r.json:1: "rates": expected an object of currency: rate'
	bad '{"base": "EUR", "rate": {}}' 65 'r.json:1: unknown member "rate" (base, rates, dated)'
	bad '{"base": "EUR", "dated": []}' 65 'r.json:1: "dated": expected an object of day: {currency: rate}'
	bad $'{"base": "EUR",\n "dated": {"2025-02-30": {"GBP": 1}}}' 65 'r.json:2: "2025-02-30": expected a day YYYY-MM-DD'
	bad '{"base": "EUR", "dated": {"2025-01-01": 1}}' 65 'r.json:1: 2025-01-01: expected an object of currency: rate'
	bad '{"base": "EUR", "dated": {"2025-01-01": {"EUR": 1}}}' 65 'r.json:1: "EUR" is the base: it has no rate'
	bad '{"base": "EUR", "dated": {"2025-01-01": {"GBP": -2}}}' 65 'r.json:1: "GBP": expected a rate above 0'
	bad $'{"base": "EUR",\n "rates": {"GBP": 0}}' 65 'r.json:2: "GBP": expected a rate above 0'
	bad '{"base": "EUR", "rates": {"GBP": "1.1"}}' 65 'r.json:1: "GBP": expected a rate above 0'
	bad '{"base": "EUR", "rates": {"EUR": 1}}' 65 'r.json:1: "EUR" is the base: it has no rate'
	bad '{"base": "EUR", "rates": {"": 1}}' 65 'r.json:1: an empty currency'
	bad '{"base": "EUR", "rates": {"GBP": 1, "GBP": 2}}' 65 'r.json:1:41: duplicate object key near '"'"'"GBP"'"'"''
	run_split cdp-score rfm --rates missing.json cur.ndjson
	assert_failure 66
	assert_equal "$stderr" 'cdp-score: missing.json: cannot open: No such file or directory'
	run_split cdp-score churn --rates missing.json cur.ndjson
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" \
	    "cdp-score churn: --rates: no amounts are added with churn, --spend-model none, --model sbg or --from-summary"
	run_split cdp-score sendtime --rates missing.json cur.ndjson
	assert_failure 64
}

@test "clv: clv_currency after clv_monetary; a second currency is a bad record" {
	jq -c '. + {revenue_currency: "USD"}' customer1.ndjson > usd.ndjson
	run cdp-score clv --calibration-end 1997-09-30 --params published.json \
	    usd.ndjson
	assert_success
	assert_output --regexp '^\{"customer_id":"0001","clv_frequency":2,"clv_recency":30\.42857[0-9]*,"clv_T":38\.85714[0-9]*,"clv_monetary":22\.345,"clv_currency":"USD","clv_p_alive":0\.72[0-9]*,'
	echo '{"customer_id":"0001","ts":"1997-02-01","revenue":3,"_currency":"EUR"}' >> usd.ndjson
	run_split cdp-score clv --calibration-end 1997-09-30 --params published.json \
	    usd.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: usd.ndjson:$(wc -l < usd.ndjson): field \"_currency\": amounts in \"USD\" and \"EUR\" for one customer: score each currency apart"
	# churn and clv without a spend model count purchases, whatever
	# their currencies
	run_split cdp-score churn --calibration-end 1997-09-30 --params published.json \
	    usd.ndjson
	assert_success
	assert_equal "$(jq -r .customer_id <<<"$output")" 0001
	run_split cdp-score clv --spend-model none --calibration-end 1997-09-30 \
	    --params published.json usd.ndjson
	assert_success
	assert_equal "$(jq -c '[.clv_frequency, has("clv_currency")]' <<<"$output")" '[3,false]'
}

@test "rfm, clv: currencies at 1, 2 and 8 threads: the same output and rejects, in input order" {
	# 400 transactions of 40 customers, some in a second currency
	awk 'BEGIN { for (i = 0; i < 400; i++) {
		c = (i * 7) % 40; cur = (i % 13 == 5) ? "PLN" : "GBP"
		if (c % 5 == 0) cur = "EUR"
		printf "{\"customer_id\":\"c%02d\",\"ts\":\"2025-%02d-%02d\",\"revenue\":%d.%02d%s}\n",
		    c, 1 + i % 12, 1 + i % 28, 1 + i % 50, i % 100,
		    (i % 3 == 0) ? "" : ",\"revenue_currency\":\"" cur "\"" } }' > many.ndjson
	cdp-score rfm --rejects r.ndjson many.ndjson > o1r
	for cmd in rfm "clv --summary --as-of 2025-12-31"; do
		# shellcheck disable=SC2086
		cdp-score $cmd --threads 1 --rejects r1.ndjson many.ndjson > o1
		[ "$(wc -l < r1.ndjson)" -gt 5 ]
		jq -r ._line r1.ndjson | sort -c -n
		for t in 2 8; do
			for b in rand:3 rand:11; do
				# shellcheck disable=SC2086
				CDP_PAR_BLOCK=$b cdp-score $cmd --threads "$t" \
				    --rejects rt.ndjson many.ndjson > ot
				cmp o1 ot
				cmp r1.ndjson rt.ndjson
			done
		done
	done
	run jq -r .rfm_currency o1r
	assert_equal "$(sort -u <<<"$output" | tr '\n' ' ')" 'EUR GBP PLN '
}

@test "rfm: an empty input gives no records and exit 0" {
	: > e.ndjson
	run_split cdp-score rfm --stats e.ndjson
	assert_success
	assert_equal "$output" ""
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":0,"used":0,"rejected":0,"skipped":0,"output":0}'
}

@test "rfm, clv: --threads: 1 to 64 (64 otherwise); --annotate reads on one" {
	for n in 0 65 x; do
		run_split cdp-score rfm --threads "$n" tx.ndjson
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" \
		    "cdp-score rfm: --threads: expected a number from 1 to 64"
	done
	run cdp-score rfm --as-of 2025-06-30 --threads 3 tx.ndjson
	assert_success
	assert_equal "$output" "$(golden rfm.out)"
	cdp-score rfm --as-of 2025-06-30 --annotate --threads 1 tx.ndjson >a1
	run_split cdp-score rfm --as-of 2025-06-30 --annotate --threads 4 \
	    --stats tx.ndjson
	assert_success
	assert_equal "$output" "$(cat a1)"
	[[ $stderr != *'"threads"'* ]]
	run_split cdp-score clv --threads 2 --summary --as-of 2025-06-30 \
	    --stats tx.ndjson
	assert_success
	[[ $stderr == *'"threads":2,'* ]]
}

@test "rfm: -o writes the file atomically; a full disk exits 74" {
	run cdp-score rfm --as-of 2025-06-30 -o out.ndjson tx.ndjson
	assert_success
	assert_equal "$(cat out.ndjson)" "$(golden rfm.out)"
	run cdp-score rfm tx.ndjson -o /dev/full
	assert_failure 74
}

# --- clv: the published CDNOW figures ---------------------------------------

@test "clv: the summary (x, t_x, T) equals lifetimes' cdnow_customers_summary.csv" {
	run cdp-score clv --id sample_id --calibration-end 1997-09-30 \
	    --params published.json "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	jq -r '[(.sample_id | tonumber), .clv_frequency,
	    (.clv_recency * 100 | round / 100), (.clv_T * 100 | round / 100)] | @csv' \
	    <<<"$output" > mine.csv
	tail -n +2 "$SHARED/data/cdnow/cdnow_customers_summary.csv" |
	    awk -F, '{ printf "%d,%d,%g,%g\n", $1, $2, $3, $4 }' > ref.csv
	run diff mine.csv ref.csv
	assert_success
	assert_equal "$(wc -l < mine.csv)" 2357
}

@test "clv: BG/NBD and Gamma-Gamma fits reproduce Fader, Hardie & Lee on CDNOW" {
	run_split cdp-score clv --fit-only --calibration-end 1997-09-30 --stats \
	    "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":6919,"used":4960,"rejected":0,"skipped":1959,"output":1}'
	assert_equal "$(jq -r '[.model, .customers, (.r * 1e3 | round),
	    (.alpha * 1e3 | round), (.a * 1e3 | round), (.b * 1e3 | round),
	    (.ll * 10 | round), .converged] | @tsv' <<<"$output")" \
	    "$(printf 'bg-nbd\t2357\t243\t4414\t793\t2426\t-95824\ttrue')"
	assert_equal "$(jq -r '.spend | [.model, .customers,
	    (.p * 100 | round), (.q * 100 | round), (.v * 100 | round),
	    .converged] | @tsv' <<<"$output")" \
	    "$(printf 'gamma-gamma\t946\t625\t374\t1544\ttrue')"
}

@test "clv: Pareto/NBD fit reproduces r=0.553 alpha=10.578 s=0.606 beta=11.669" {
	run cdp-score clv --model pareto-nbd --fit-only \
	    --calibration-end 1997-09-30 "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	assert_equal "$(jq -r '[.model, (.r * 1e3 | round),
	    (.alpha * 1e3 | round), (.s * 1e3 | round), (.beta * 1e3 | round),
	    (.ll * 10 | round), .converged] | @tsv' <<<"$output")" \
	    "$(printf 'pareto-nbd\t553\t10578\t606\t11669\t-95950\ttrue')"
}

@test "clv: analytic gradients of every model equal central differences; Pareto/NBD equals its 2F1 form" {
	# tests/unit/test_score_models.c: seven Pareto/NBD points (alpha
	# below, above and equal to beta, z near 1 where quadrature takes
	# over from the series, huge s and beta), each also against the
	# closed form through GSL's 2F1; BG/NBD, modified BG/NBD, the three
	# with a covariate, Gamma-Gamma, sBG and BG/BB
	run "$CDP_BUILD/unit/test_score_models"
	assert_success
	assert_output "85 checks, 0 failed"
}

@test "clv: Gamma-Gamma E[Z|x,zbar] of customers 1-10 equals Hardie's note 025" {
	run cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    "$BATS_FILE_TMPDIR/sample.ndjson"
	echo "$output" > fit.json
	run cdp-score clv --id sample_id --calibration-end 1997-09-30 \
	    --params fit.json "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	assert_equal "$(head -10 <<<"$output" | rounded clv_expected_spend 2)" \
	    "24.65 18.91 35.17 35.17 35.17 71.46 18.91 35.17 27.28 35.17"
}

@test "clv: a hand-checked customer (x=2, t_x=30.43, T=38.86) under the published parameters" {
	run cdp-score clv --calibration-end 1997-09-30 --horizon 39 \
	    --params published.json customer1.ndjson
	assert_success
	# Hardie's spreadsheet: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226
	assert_equal "$(rounded clv_expected_purchases 3 <<<"$output")" 1.226
	assert_equal "$(jq -r '[.clv_frequency, .clv_recency * 7, .clv_T * 7, .clv_monetary] |
	    @tsv' <<<"$output")" "$(printf '2\t213\t272\t22.345')"
	# P(alive) = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
	# FHL 2005 eq. 11, by hand with awk
	want=$(awk 'BEGIN { r = .243; al = 4.414; a = .793; b = 2.426
	    x = 2; tx = 213 / 7; T = 272 / 7
	    k = a / (b + x - 1) * exp((r + x) * log((al + T) / (al + tx)))
	    printf "%.12f", 1 / (1 + k) }')
	assert_equal "$(jq -r '.clv_p_alive * 1e12 | round / 1e12' <<<"$output" |
	    awk '{ printf "%.12f", $1 }')" "$want"
	# Gamma-Gamma: (q-1)/(px+q-1) * pv/(q-1) + px/(px+q-1) * zbar
	want=$(awk 'BEGIN { p = 6.25; q = 3.74; v = 15.44; x = 2; z = 22.345
	    w = p * x / (p * x + q - 1)
	    printf "%.9f", (1 - w) * p * v / (q - 1) + w * z }')
	assert_equal "$(jq -r '.clv_expected_spend' <<<"$output" |
	    awk '{ printf "%.9f", $1 }')" "$want"
	# undiscounted CLV = expected spend x expected purchases
	assert_equal "$(jq -r '(.clv_value - .clv_expected_spend * .clv_expected_purchases) |
	    fabs < 1e-9' <<<"$output")" true
}

@test "clv: a new customer (x=0, T=0) gets lifetimes' unconditional E[X(t)]" {
	run cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    "$BATS_FILE_TMPDIR/sample.ndjson"
	echo "$output" > fit.json
	echo '{"customer_id":"n","ts":"1997-09-30","revenue":1}' > new.ndjson
	got=
	for t in 0.1429 1 3 31.8571 32 78; do
		got="$got $(cdp-score clv --params fit.json --horizon $t \
		    new.ndjson | rounded clv_expected_purchases 3)"
	done
	# lifetimes: 0.0078 0.0532 0.1506 1.0405 1.0437 1.8576
	assert_equal "$got" " 0.008 0.053 0.151 1.04 1.044 1.858"
}

@test "clv: per-customer output; a discount rate lowers the CLV" {
	run cdp-score clv --calibration-end 1997-09-30 --params published.json \
	    customer1.ndjson
	assert_success
	assert_output --regexp '^\{"customer_id":"0001","clv_frequency":2,"clv_recency":30\.42857[0-9]*,"clv_T":38\.85714[0-9]*,"clv_monetary":22\.345,"clv_p_alive":0\.72[0-9]*,"clv_expected_purchases":[0-9.]*,"clv_expected_spend":24\.65[0-9]*,"clv_value":[0-9.]*\}$'
	plain=$(jq .clv_value <<<"$output")
	run cdp-score clv --calibration-end 1997-09-30 --params published.json \
	    --discount-rate 0.01 customer1.ndjson
	assert_success
	disc=$(jq .clv_value <<<"$output")
	assert_equal "$(awk -v a="$plain" -v b="$disc" 'BEGIN { print (b < a && b > a * 0.7) }')" 1
}

@test "clv: --time-unit day scales t_x and T" {
	run cdp-score clv --time-unit day --calibration-end 1997-09-30 \
	    --params published.json customer1.ndjson
	assert_success
	assert_output --partial '"clv_frequency":2,"clv_recency":213,"clv_T":272,'
}

@test "clv: --params errors: missing file 66, bad JSON or values 65" {
	run_split cdp-score clv --params nope.json customer1.ndjson
	assert_failure 66
	echo '{"model":"bg-nbd","r":1' > broken.json
	run_split cdp-score clv --params broken.json customer1.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-score: broken.json:"* ]]
	echo '{"model":"bg-nbd","r":1,"alpha":1,"a":1,"b":-1}' > neg.json
	run_split cdp-score clv --params neg.json customer1.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: neg.json:1: b: expected a positive number"
	echo '{"model":"bg-nbd","r":1,"alpha":1,"a":1,"b":1}' > nospend.json
	run_split cdp-score clv --params nospend.json customer1.ndjson
	assert_failure 65
}

@test "clv: data a model cannot be fitted to exits 65 with the reason" {
	: > e.ndjson
	run_split cdp-score clv e.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: bg-nbd: no customers to fit"
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-01","revenue":1}' \
	    '{"customer_id":"b","ts":"2025-02-01","revenue":1}' > once.ndjson
	run_split cdp-score clv --fit-only once.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-score: bg-nbd: every one of the 2 customers bought only once (x = 0): without a repeat purchase the purchase rate and the dropout cannot be told apart, so the model cannot be identified"
	run_split cdp-score clv --model pareto-nbd --fit-only once.ndjson
	assert_failure 65
	[[ "$stderr" == "cdp-score: pareto-nbd: every one of the 2 customers bought only once"* ]]
}

@test "clv: transactions after the calibration end are skipped; bad ones rejected" {
	run_split cdp-score clv --calibration-end 1997-09-30 --params \
	    published.json --stats customer1.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":4,"used":3,"rejected":0,"skipped":1,"output":1}'
	run_split cdp-score clv --params published.json bad.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: bad.ndjson:2: field "ts": no such day'
}

# --- --annotate and the holdout --------------------------------------------

@test "rfm --annotate: every record back, scores added; skipped ones unchanged" {
	run_split cdp-score rfm --annotate --as-of 2025-06-30 --stats tx.ndjson
	assert_success
	assert_output "$(golden rfm-annotate.out)"
	# the same account as per customer; output counts records now
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":21,"used":18,"rejected":0,"skipped":3,"output":21}'
	# each customer's fields equal the per-customer output's
	# (jo's 2025-07-02 order, after --as-of, is skipped yet carries them)
	assert_equal "$(jq -c 'select(.rfm_cell) | del(.order, .ts, .revenue)' \
	    "$F/expected/rfm-annotate.out" | sort -u)" "$(golden rfm.out)"
}

@test "rfm --annotate: standard input, piped or redirected, is read twice" {
	mkdir tmp
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	run_split cdp-score rfm --annotate --as-of 2025-06-30 --stats \
	    < <(cat tx.ndjson)
	assert_success
	assert_output "$(golden rfm-annotate.out)"
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":21,"used":18,"rejected":0,"skipped":3,"output":21}'
	run cdp-score rfm --annotate --as-of 2025-06-30 - < tx.ndjson
	assert_success
	assert_output "$(golden rfm-annotate.out)"
	# the spool file is gone (it is unlinked as soon as it is made)
	assert_equal "$(ls -A tmp)" ""
	# after the standard input, a file
	head -3 tx.ndjson > a.ndjson
	tail -n +4 tx.ndjson | cdp-score rfm --annotate --as-of 2025-06-30 \
	    a.ndjson - > both.out
	assert_equal "$(cat both.out)" "$(golden rfm-annotate.out)"
	# "-" twice reads it once, as without --annotate
	run_split cdp-score rfm --annotate --as-of 2025-06-30 --stats - - \
	    < tx.ndjson
	assert_output "$(golden rfm-annotate.out)"
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":21,"used":18,"rejected":0,"skipped":3,"output":21}'
}

@test "rfm --annotate: a spool file that cannot be made exits 73, no output" {
	export TMPDIR="$BATS_TEST_TMPDIR/none"
	run_split cdp-score rfm --annotate -o out.ndjson < <(cat tx.ndjson)
	assert_failure 73
	[[ "$stderr" == "cdp-score: $TMPDIR: cannot create a temporary file for --annotate: No such file or directory" ]]
	assert [ ! -e out.ndjson ]
	# a regular file needs no spool
	run cdp-score rfm --annotate --as-of 2025-06-30 tx.ndjson
	assert_success
}

@test "rfm --annotate: rejected records are neither written nor rejected twice" {
	run_split cdp-score rfm --annotate --rejects rej.ndjson --stats \
	    bad.ndjson
	assert_success
	assert_output - <<'OUT'
{"customer_id":"a","ts":"2025-01-01","revenue":10,"rfm_first":"2025-01-01","rfm_last":"2025-01-01","rfm_recency":2,"rfm_frequency":1,"rfm_monetary":10,"rfm_monetary_mean":10,"rfm_r":2,"rfm_f":3,"rfm_m":4,"rfm_cell":"234","rfm_segment":"At Risk"}
{"customer_id":"c","ts":"2025-01-03","revenue":5,"rfm_first":"2025-01-03","rfm_last":"2025-01-03","rfm_recency":0,"rfm_frequency":1,"rfm_monetary":5,"rfm_monetary_mean":5,"rfm_r":4,"rfm_f":3,"rfm_m":2,"rfm_cell":"432","rfm_segment":"Potential Loyalist"}
OUT
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":7,"used":2,"rejected":5,"skipped":0,"output":2}'
	assert_equal "$(jq -r ._line rej.ndjson | tr '\n' ' ')" "2 3 4 5 6 "
	run_split cdp-score rfm --annotate bad.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-score: bad.ndjson:2: field "ts": no such day'
}

@test "clv --annotate: holdout counts, a one-transaction customer, old fields replaced" {
	run_split cdp-score clv --annotate --calibration-end 1997-09-30 \
	    --holdout-end 1998-06-30 --params published.json --stats \
	    --replace annotate.ndjson
	assert_success
	assert_output "$(golden clv-annotate.out)"
	# 0001: 3 in calibration, 2 on one holdout day; 0002: one purchase,
	# then one after the holdout (skipped); 0003 only in the holdout
	# (skipped, no scores); a page view (skipped); a blank line
	assert_equal "$(stats_core "$(head -1 <<<"$stderr")")" \
	    '{"read":9,"used":6,"rejected":0,"skipped":3,"output":9}'
	# hand-checked (FHL 2005 eq. 10, 2F1 by its series): x=0, T=213/7,
	# t=52 gives 0.304381 purchases; E[Z] = p v / (q - 1) = 35.219
	assert_equal "$(sed -n 2p "$F/expected/clv-annotate.out" | jq -r \
	    '[(.clv_expected_purchases * 1e6 | round),
	    (.clv_expected_spend * 1e3 | round), .clv_p_alive] | @tsv')" \
	    "$(printf '304381\t35219\t1')"
	# x=2, t_x=30.43, T=38.86 over the 39 holdout weeks: 1.226 (Hardie)
	assert_equal "$(head -1 "$F/expected/clv-annotate.out" |
	    rounded clv_holdout_expected 3)" 1.226
}

@test "clv --holdout-end: per customer, customers only in the holdout left out" {
	run_split cdp-score clv --calibration-end 1997-09-30 \
	    --holdout-end 1998-06-30 --params published.json --stats \
	    annotate.ndjson
	assert_success
	assert_equal "$(jq -c '[.customer_id, .clv_holdout_purchases]' <<<"$output")" \
	    "$(printf '["0001",1]\n["0002",0]')"
	assert_equal "$(stats_core "$stderr")" '{"read":9,"used":6,"rejected":0,"skipped":3,"output":2}
{"holdout":{"customers":2,"length":39,"actual":1,"expected":1.462891131319656,"mae":0.23144556565982805}}'
}

@test "clv --holdout-end on CDNOW: 1,882 actual repeat purchase days, 1,653.4 predicted" {
	run_split cdp-score clv --fit-only --calibration-end 1997-09-30 \
	    --holdout-end 1998-06-30 --stats "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	# holdout transactions are used now (for the comparison)
	assert_equal "$(stats_core "$(head -1 <<<"$stderr")")" \
	    '{"read":6919,"used":6919,"rejected":0,"skipped":0,"output":1}'
	# 1,882 = the customer-purchase-days after 1997-09-30 counted in
	# shared/data/README.md; 39 weeks; the fit is still FHL's
	assert_equal "$(jq -r '[(.r * 1e3 | round), .holdout.customers,
	    .holdout.length, .holdout.actual,
	    (.holdout.expected * 10 | round),
	    (.holdout.mae * 1e3 | round)] | @tsv' <<<"$output")" \
	    "$(printf '243\t2357\t39\t1882\t16534\t785')"
	assert_equal "$(tail -1 <<<"$stderr" | jq -c .)" \
	    "$(jq -c '{holdout}' <<<"$output")"
	run cdp-score clv --model pareto-nbd --fit-only \
	    --calibration-end 1997-09-30 --holdout-end 1998-06-30 \
	    "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_success
	assert_equal "$(jq -r '[.holdout.actual,
	    (.holdout.expected * 10 | round)] | @tsv' <<<"$output")" \
	    "$(printf '1882\t16655')"
}

@test "annotate, holdout: usage errors (64)" {
	run_split cdp-score clv --holdout-end 1998-06-30 customer1.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --holdout-end needs --calibration-end"* ]]
	run_split cdp-score clv --calibration-end 1997-09-30 \
	    --holdout-end 1997-09-30 customer1.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --holdout-end must be after --calibration-end"* ]]
	run_split cdp-score clv --calibration-end 1997-09-30 \
	    --holdout-end 1998-02-30 customer1.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --holdout-end: not a date YYYY-MM-DD"* ]]
	run_split cdp-score rfm --holdout-end 1998-06-30 tx.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score rfm: that option belongs to cdp-score clv and churn"* ]]
	run_split cdp-score clv --annotate --fit-only customer1.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --fit-only and --annotate exclude each other"* ]]
	run_split cdp-score model --annotate --model linear.json
	assert_failure 64
	[[ "$stderr" == "cdp-score model: that option belongs to cdp-score rfm, clv and churn"* ]]
}

@test "rfm | clv --annotate: prefixed fields never collide; a second run is 65 unless --replace" {
	cdp-score rfm --annotate --as-of 2025-06-30 tx.ndjson > rfm.ndjson
	run_split cdp-score clv --annotate --params published.json \
	    --as-of 2025-06-30 rfm.ndjson
	assert_success
	# every rfm_ field survives next to the clv_ ones
	assert_equal "$(jq -c 'with_entries(select(.key |
	    startswith("clv_") | not))' <<<"$output")" \
	    "$(jq -c . rfm.ndjson)"
	assert_equal "$(jq -c 'select(.clv_value) | has("rfm_cell")' \
	    <<<"$output" | sort -u)" true
	run_split cdp-score rfm --annotate --as-of 2025-06-30 rfm.ndjson
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" 'cdp-score: rfm.ndjson:1: field "rfm_first" already exists'
	run_split cdp-score rfm --annotate --as-of 2025-06-30 --stats \
	    --rejects rej.ndjson rfm.ndjson
	assert_success
	# the customers' transactions are bad (also jo's after --as-of,
	# which would get scores too); the two others pass unchanged
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":21,"used":0,"rejected":19,"skipped":2,"output":2}'
	run cdp-score rfm --annotate --as-of 2025-06-30 --replace rfm.ndjson
	assert_success
	assert_output "$(golden rfm-annotate.out)"
	# without --annotate the output records are new: nothing collides
	run cdp-score rfm --as-of 2025-06-30 rfm.ndjson
	assert_success
	assert_output "$(golden rfm.out)"
	run_split cdp-score clv --annotate --params published.json \
	    --calibration-end 1997-09-30 annotate.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: annotate.ndjson:1: field "clv_value" already exists'
}

# --- model -----------------------------------------------------------------

@test "model: logistic score and probability appended; fields copied byte for byte" {
	# -1.5 + 0.25*4 + 0.5*(50-40)/10 + pro 1 = 1; missing age adds 0;
	# vip true is the JSON text "true"; with --replace an old
	# "model_score" gives way.
	run_split cdp-score model --model model.json --replace profiles.ndjson
	assert_success
	assert_output - <<'OUT'
{"id":1,"visits":4,"age":50,"plan":"pro","note":"caf\u00e9 1.10","x":1.10,"model_score":1,"model_probability":0.7310585786300049}
{"id":2,"visits":"2","plan":"basic","vip":true,"model_score":-0.25,"model_probability":0.4378234991142019}
{"id":3,"visits":8,"age":20,"plan":"free","vip":false,"model_score":-1,"model_probability":0.2689414213699951}
{"id":4,"visits":2000,"age":40,"model_score":498.5,"model_probability":1}
{"id":5,"visits":-2000,"model_score":-501.5,"model_probability":1.5897078746259078e-218}
OUT
	assert_equal "$stderr" ""
}

@test "model, points: a record that has an output field already is bad (65) unless --replace" {
	run_split cdp-score model --model model.json profiles.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: profiles.ndjson:2: field "model_score" already exists'
	assert_equal "$(wc -l <<<"$output")" 1
	run_split cdp-score model --model model.json --rejects rej.ndjson \
	    --stats profiles.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":4,"rejected":1,"dropped":0}'
	assert_equal "$(jq -r '"\(._line) \(._error)"' rej.ndjson)" \
	    '2 field "model_score" already exists'
	# scored twice: points then points again
	cdp-score points --rules rules.json --as-of 2025-03-01 --replace \
	    leads.ndjson > once.ndjson
	run_split cdp-score points --rules rules.json --as-of 2025-03-01 \
	    once.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: once.ndjson:1: field "points" already exists'
	run cdp-score points --rules rules.json --as-of 2025-03-01 --replace \
	    once.ndjson
	assert_success
	assert_output "$(cat once.ndjson)"
}

@test "model: linear; missing \"reject\", \"skip\"; --stats is a filter's account" {
	run_split cdp-score model --model linear.json --stats --replace \
	    --rejects rej.ndjson profiles.ndjson
	assert_success
	assert_equal "$(jq -c .model_score <<<"$output" | tr '\n' ' ')" \
	    "18 14 26 4010 -3990 "
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":5,"rejected":0,"dropped":0}'
	printf '%s\n' '{"type":"linear","intercept":1,"weights":{"age":1},' \
	    '"missing":"reject"}' > r.json
	run_split cdp-score model --model r.json --stats --rejects rej.ndjson \
	    profiles.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":3,"rejected":2,"dropped":0}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 field "age": missing
6 field "age": missing
OUT
	sed 's/reject/skip/' r.json > s.json
	run cdp-score model --model s.json profiles.ndjson
	assert_success
	assert_line --index 1 '{"id":2,"visits":"2","plan":"basic","vip":true,"model_score":99}'
	assert_line --index 2 '{"id":3,"visits":8,"age":20,"plan":"free","vip":false,"model_score":21}'
}

@test "model: a non-numeric weighted field is a bad record (65, --rejects)" {
	printf '%s\n' '{"id":1,"visits":3}' '{"id":2,"visits":true}' \
	    '{"id":3,"visits":"3x"}' '{"id":4,"plan":{"a":1}}' '{"id":5' \
	    > bad-in.ndjson
	run_split cdp-score model --model model.json bad-in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: bad-in.ndjson:2: field "visits": not a number'
	run_split cdp-score model --model model.json --rejects rej.ndjson \
	    --stats bad-in.ndjson
	assert_success
	assert_equal "$(wc -l <<<"$output")" 1
	assert_equal "$(stats_core "$stderr")" '{"read":5,"written":1,"rejected":4,"dropped":0}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 field "visits": not a number
3 field "visits": not a number
4 field "plan": not a string, number or boolean
5 expected ',' or '}' at byte 8
OUT
}

@test "model: bad model files exit 65 with the file and the reason" {
	run_split cdp-score model --model nope.json profiles.ndjson
	assert_failure 66
	[[ "$stderr" == "cdp-score: nope.json: cannot open"* ]]
	bad() {
		printf '%s\n' "$1" > m.json
		run_split cdp-score model --model m.json profiles.ndjson
		assert_failure 65
		assert_equal "$output" ""
		assert_equal "$stderr" "cdp-score: m.json$2"
	}
	bad '{"type":"linear",' ":2:0: string or '}' expected near end of file"
	bad '[1]' ':1: expected a JSON object {"type": ..., "weights": ...}'
	bad '{"weights":{}}' ':1: type: expected "linear" or "logistic"'
	bad '{"type":"probit"}' ':1: type: expected "linear" or "logistic"'
	bad '{"type":"linear","bias":1}' ':1: unknown key "bias" (type, intercept, weights, onehot, standardize, missing)'
	bad '{"type":"linear","intercept":"1"}' ':1: intercept: expected a number'
	bad '{"type":"linear","weights":[1]}' ':1: "weights": expected an object'
	bad '{"type":"linear","weights":{"a":"2"}}' ':1: weights.a: expected a number'
	bad '{"type":"linear","weights":{"":2}}' ':1: weights: empty field name'
	bad '{"type":"linear","onehot":{"p":{"x":null}}}' ':1: onehot.p: value "x": expected a number'
	bad '{"type":"linear","weights":{"p":1},"onehot":{"p":{}}}' ':1: onehot.p: the field has a weight too'
	bad '{"type":"linear","weights":{"a":1},"standardize":{"b":{"mean":0,"sd":1}}}' ':1: standardize.b: the field has no weight'
	bad '{"type":"linear","weights":{"a":1},"standardize":{"a":{"mean":0,"sd":0}}}' ':1: standardize.a: expected {"mean": number, "sd": positive number}'
	bad '{"type":"linear","missing":"mean"}' ':1: missing: expected "zero", "skip" or "reject"'
	bad "$(printf '{\n  "type": "linear",\n  "weights": {\n    "a": 1,\n    "b": "2"\n  }\n}')" ':5: weights.b: expected a number'
	bad '{"type":"linear","type":"linear"}' ':1:23: duplicate object key near '"'"'"type"'"'"
}

@test "model: usage: --model FILE is required; --as-of and --id do not apply" {
	run_split cdp-score model profiles.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score model: model needs --model FILE"* ]]
	run_split cdp-score model --model model.json --as-of 2025-01-01
	assert_failure 64
	run_split cdp-score model --model model.json --id x
	assert_failure 64
	[[ "$stderr" == "cdp-score model: that option belongs to cdp-score rfm, clv, churn and sendtime"* ]]
	run_split cdp-score rfm --model model.json
	assert_failure 64
	[[ "$stderr" == "cdp-score rfm: that option belongs to cdp-score clv, churn and model"* ]]
}

@test "model: stdin, -o and a full disk (74)" {
	run cdp-score model --model linear.json --replace -o out.ndjson \
	    < profiles.ndjson
	assert_success
	assert_equal "$(wc -l < out.ndjson)" 5
	run cdp-score model --model linear.json --replace -o /dev/full \
	    profiles.ndjson
	assert_failure 74
}

# --- points ----------------------------------------------------------------

@test "points: rules, max, decay by age; old points fields replaced" {
	# 10+20 capped at 25; 5 halved after 30 days; an event after --as-of
	# has age 0; no rule matched gives 0 and [].
	run_split cdp-score points --rules rules.json --as-of 2025-03-01 \
	    --stats --replace leads.ndjson
	assert_success
	assert_output - <<'OUT'
{"id":1,"page":"pricing","employees":900,"ts":"2025-03-01","points":25,"points_rules":["pricing","big"]}
{"id":2,"event":"open","ts":"2025-01-30T10:00:00Z","points":2.5,"points_rules":["opened"]}
{"id":3,"email":"A@Rival.com","ts":"2025-04-01","points":-30,"points_rules":["rival"]}
{"id":4,"page":"home","ts":"2024-12-31","points":0,"points_rules":[]}
OUT
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":4,"rejected":0,"dropped":0}'
}

@test "points: a plain list of rules; days_since() counts to --as-of" {
	run cdp-score points --rules rules-list.json --as-of 2025-03-05 \
	    --replace leads.ndjson
	assert_success
	assert_equal "$(jq -c '[.points, .points_rules]' <<<"$output" | tr '\n' ' ')" \
	    '[13,["pricing","recent"]] [0,[]] [3,["recent"]] [0,[]] '
	run_split cdp-score points --rules rules-list.json leads.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: rules-list.json:2: recent: when:1:1: days_since() needs --as-of"
}

@test "points: a bad decay date is a bad record (65, --rejects)" {
	printf '%s\n' '{"id":1,"ts":"2025-02-01"}' '{"id":2,"ts":"2025-02-30"}' \
	    '{"id":3}' '{"id":4,"ts":5}' > bad-in.ndjson
	run_split cdp-score points --rules rules.json --as-of 2025-03-03 \
	    bad-in.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-score: bad-in.ndjson:2: field "ts": no such day'
	run_split cdp-score points --rules rules.json --as-of 2025-03-03 \
	    --rejects rej.ndjson --stats bad-in.ndjson
	assert_success
	assert_output '{"id":1,"ts":"2025-02-01","points":0,"points_rules":[]}'
	assert_equal "$(stats_core "$stderr")" '{"read":4,"written":1,"rejected":3,"dropped":0}'
	run jq -r '"\(._line) \(._error)"' rej.ndjson
	assert_output - <<'OUT'
2 field "ts": no such day
3 field "ts": missing
4 field "ts": not a date
OUT
}

@test "points: bad rules files exit 65 with the file and the reason" {
	run_split cdp-score points --rules nope.json leads.ndjson
	assert_failure 66
	bad() {
		printf '%s\n' "$1" > r.json
		run_split cdp-score points --rules r.json --as-of 2025-01-01 \
		    leads.ndjson
		assert_failure 65
		assert_equal "$output" ""
		assert_equal "$stderr" "cdp-score: r.json$2"
	}
	bad '[{"name":"a"' ":2:0: '}' expected near end of file"
	bad '"x"' ":1:3: '[' or '{' expected near '\"x\"'"
	bad '{"max":3}' ':1: "rules": expected a list'
	bad '{"rules":[],"min":0}' ':1: unknown key "min" (rules, max, decay)'
	bad '{"rules":[],"max":"3"}' ':1: max: expected a number'
	bad '{"rules":[],"decay":{"field":"ts","half_life_days":0}}' \
	    ':1: decay: expected {"field": name, "half_life_days": positive number}'
	bad '[1]' ':1: rule 1: not an object'
	bad '[{"name":"a","when":"true","points":1,"cap":3}]' \
	    ':1: rule 1: unknown key "cap" (name, when, points, description)'
	bad '[{"name":"","when":"true","points":1}]' ':1: rule 1: "name" must be a non-empty string'
	bad '[{"name":"a","when":"true","points":1},{"name":"a","when":"true","points":2}]' \
	    ':1: rule 2: "a" defined twice'
	bad '[{"name":"a","when":true,"points":1}]' ':1: rule 1: "when" must be a string'
	bad '[{"name":"a","when":"true","points":"1"}]' ':1: rule 1: "points" must be a number'
	printf '%s\n' '[{"name":"a","when":"x >","points":1}]' > r.json
	run_split cdp-score points --rules r.json leads.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: r.json:1: a: when:1:4: expected a value"
}

@test "points: usage: --rules is required; decay needs --as-of" {
	run_split cdp-score points leads.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score points: points needs --rules FILE"* ]]
	run_split cdp-score points --rules rules.json leads.ndjson
	assert_failure 64
	assert_equal "$stderr" "cdp-score: rules.json:8: decay needs --as-of"
	run_split cdp-score points --rules rules.json --horizon 3
	assert_failure 64
}

# --- summaries: a fit over many parts ---------------------------------------

@test "score: clv --summary per part, one --from-summary fit: the same parameters" {
	S="$BATS_FILE_TMPDIR/sample.ndjson"
	cdp-score clv --fit-only --calibration-end 1997-09-30 "$S" > whole.json
	cdp-partition -k customer_id --parts 3 -o parts "$S"
	for f in parts/part-*.ndjson; do
		cdp-score clv --summary --calibration-end 1997-09-30 "$f"
	done > sum.ndjson
	assert_equal "$(wc -l < sum.ndjson)" 2357
	# Customer 00004 by hand: purchase days 1997-01-01, 01-18 and 08-02
	# before the calibration end (12-12 is after it): x = 2 repeat days,
	# t_x = 213 days = 30.43 weeks, T = 272 days to 1997-09-30 = 38.86
	# weeks, zbar = (29.73 + 14.96) / 2 = 22.345 (the first day left out).
	run grep '"customer_id":"00004"' sum.ndjson
	assert_output '{"customer_id":"00004","x":2,"t_x":30.428571428571427,"T":38.857142857142854,"zbar":22.345}'
	run_split cdp-score clv --from-summary --fit-only --stats sum.ndjson
	assert_success
	assert_output "$(cat whole.json)"
	assert_equal "$(stats_core "$stderr")" \
	    '{"read":2357,"used":2357,"rejected":0,"skipped":0,"output":1}'
	# The same for Pareto/NBD.
	run cdp-score clv --model pareto-nbd --from-summary --fit-only sum.ndjson
	assert_output "$(cdp-score clv --model pareto-nbd --fit-only \
	    --calibration-end 1997-09-30 "$S")"
}

@test "score: clv --summary and --from-summary misuse and bad summaries" {
	run_split cdp-score clv --summary "$BATS_FILE_TMPDIR/sample.ndjson"
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --summary needs --calibration-end or --as-of"* ]]
	run_split cdp-score clv --summary --fit-only --as-of 1997-09-30 x
	assert_failure 64
	run_split cdp-score clv --from-summary --holdout-end 1998-01-01 \
	    --calibration-end 1997-09-30 sum.ndjson
	assert_failure 64
	[[ "$stderr" == "cdp-score clv: --from-summary takes neither --holdout-end nor --annotate"* ]]
	run_split cdp-score rfm --summary x
	assert_failure 64
	printf '%s\n' '{"customer_id":"a","x":1,"t_x":2,"T":1,"zbar":3}' > bad.ndjson
	run_split cdp-score clv --from-summary --fit-only bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: bad.ndjson:1: t_x > T: the last purchase after the end of the period"
	printf '%s\n' '{"customer_id":"a","x":"1","t_x":0,"T":1,"zbar":3}' > bad.ndjson
	run_split cdp-score clv --from-summary --fit-only bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-score: bad.ndjson:1: not a summary record (x, t_x and T numbers; zbar and count optional)"
}
