#!/bin/sh
# bench/clv-coverage.sh BIN [RUNS] [MODEL] - do cdp-score clv's 95%
# Hessian intervals hold the true parameters 95% of the time (issue 21)?
# RUNS (default 200) data sets of 2,000 customers simulated by
# build/bench/gen_clv from MODEL's published parameters (bg-nbd by
# default: CDNOW's r 0.243, alpha 4.414, a 0.793, b 2.426), each fitted
# from its summaries; then the share of the intervals that hold the
# parameter simulated, per parameter and over all.  A fit that fails or
# has no intervals counts as a miss.  Prints one line, "clv coverage:
# N of M intervals (P%) hold the truth over RUNS data sets; r P% alpha
# P% ...", and when RUNS is over 200 one more before it, the same over
# the first 200 (seeds 1-200); exits 0 (benchmarks inform), 1 when the
# generator is missing.
set -eu
bin=$1
runs=${2:-200}
model=${3:-bg-nbd}
gen=$bin/../bench/gen_clv
[ -x "$gen" ] || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

case $model in
bg-nbd) names="r alpha a b"; truth="0.243 4.414 0.793 2.426" ;;
mbg-nbd) names="r alpha a b"; truth="0.525 6.183 0.891 1.614" ;;
pareto-nbd) names="r alpha s beta"; truth="0.553 10.578 0.606 11.669" ;;
bg-bb) names="alpha beta gamma delta"; truth="1.204 0.750 0.657 2.783" ;;
*) echo "clv-coverage: unknown model $model" >&2; exit 1 ;;
esac
s=1
while [ "$s" -le "$runs" ]; do
	"$gen" -m "$model" -n 2000 -s "$s" -f summary >"$tmp/sum.ndjson"
	"$bin/cdp-score" clv --model "$model" --from-summary --fit-only \
	    --spend-model none "$tmp/sum.ndjson" 2>/dev/null ||
	    echo '{"failed":true}'
	s=$((s + 1))
done >"$tmp/fits.ndjson"
jq -r --arg names "$names" --arg truth "$truth" '
	. as $f | ($names | split(" ")) as $n |
	($truth | split(" ") | map(tonumber)) as $t |
	[range(0; $n | length) | . as $i | ($f.ci95[$n[$i]]? // null) as $ci |
	    if $ci != null and $ci[0] <= $t[$i] and $t[$i] <= $ci[1]
	    then 1 else 0 end] | @tsv' "$tmp/fits.ndjson" |
    awk -v names="$names" -v runs="$runs" '
	function report(n,   i) {
		printf "clv coverage: %d of %d intervals (%.1f%%) hold the truth" \
		    " over %d data sets;", all, n * k, 100 * all / (n * k), n
		for (i = 1; i <= k; i++)
			printf " %s %.1f%%", name[i], 100 * hit[i] / n
		printf "\n"
	}
	BEGIN { split(names, name, " ") }
	{ for (i = 1; i <= NF; i++) { hit[i] += $i; all += $i }; k = NF }
	NR == 200 && runs > 200 { report(200) }
	END { report(runs) }'
