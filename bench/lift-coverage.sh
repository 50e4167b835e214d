#!/bin/sh
# bench/lift-coverage.sh BIN [RUNS] - do cdp-report lift's 95% intervals
# hold the truth 95% of the time?  RUNS (default 1000) simulated
# experiments, each a journey of its own: 300 treated profiles converting
# with probability 0.12 and 300 held out converting with 0.10 (a true
# lift of 2 percentage points); one cdp-report lift over all of them,
# then the share of Newcombe intervals that hold +2.  Prints one line,
# "lift coverage: N of RUNS intervals (P%) hold the true lift"; exits 0
# (benchmarks inform), 1 when the programs fail.
set -eu
bin=$1
runs=${2:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

awk -v runs="$runs" 'BEGIN {
	srand(20261101)
	for (e = 0; e < runs; e++)
		for (i = 0; i < 600; i++) {
			held = i >= 300
			printf "{\"profile_id\":\"e%dp%d\",\"journey\":\"e%d\"," \
			    "\"action\":\"a\",\"send_at\":\"2026-03-01T10:00:00Z\"," \
			    "\"arm\":\"%s\",\"sent\":%s}\n", e, i, e,
			    held ? "holdout" : "treatment", held ? "false" : "true"
			if (rand() < (held ? 0.10 : 0.12))
				printf "{\"profile_id\":\"e%dp%d\",\"event\":" \
				    "\"purchase\",\"ts\":\"2026-03-02T10:00:00Z\"}\n",
				    e, i
		}
}' >"$tmp/sim.ndjson"
"$bin/cdp-report" lift --outcome 'event == "purchase"' -f csv "$tmp/sim.ndjson" \
    >"$tmp/lift.csv" || exit 1
awk -F, -v runs="$runs" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$0 == "" { exit }
	{ n++; if ($c["lift_lo"] <= 2 && 2 <= $c["lift_hi"]) hit++ }
	END { printf "lift coverage: %d of %d intervals (%.1f%%) hold the true lift\n",
	    hit, n, 100 * hit / n }' "$tmp/lift.csv"
