#!/usr/bin/env bats
# cdp-report: the command itself and what every subcommand shares.  Each
# subcommand has its own file (cdp-report-group.bats, ...).
load helper

@test "cdp-report: --help lists the commands, --version the version" {
	run cdp-report --help
	assert_success
	assert_line --index 0 "usage: cdp-report COMMAND [options] [FILE...]"
	for c in profile group funnel cohort attribution page; do
		assert_line --partial "  $c "
	done
	run cdp-report --version
	assert_output "cdp-report (cdpipe) 0.1.0"
}

@test "cdp-report: a missing or unknown command is a usage error" {
	run_split cdp-report
	assert_failure 64
	assert_equal "$stderr" "cdp-report: missing command
Try 'cdp-report --help' for more information."
	run_split cdp-report frobnicate
	assert_failure 64
	[[ "$stderr" == 'cdp-report: unknown command "frobnicate"'* ]]
	run_split cdp-report --bogus
	assert_failure 64
}

# Numbers as an analyst shows them: a column's decimals come from its
# numbers (whole numbers none, amounts their cents, means and quantiles
# at most 4 significant decimals, float noise never), thousands separated
# in table, markdown and html, never in csv and ndjson (full precision).
@test "cdp-report: numbers per column, thousands separators, --precision" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' '{"ch":"web","revenue":12.34}' '{"ch":"web","revenue":278.76}' \
	    '{"ch":"web","revenue":0.07}' '{"ch":"app","revenue":1500}' \
	    '{"ch":"app","revenue":2500.5}' '{"ch":"app","revenue":17}' >in.ndjson
	a=(group --by ch --agg count,sum:revenue,avg:revenue,p95:revenue)
	run_split cdp-report "${a[@]}" -f table in.ndjson
	assert_success
	assert_output "count by ch
ch   count  sum_revenue  avg_revenue  p95_revenue
---  -----  -----------  -----------  -----------
app      3     4,017.50   1,339.1667    2,400.450
web      3       291.17      97.0567      252.118"
	run_split cdp-report "${a[@]}" -f csv in.ndjson
	assert_output "ch,count,sum_revenue,avg_revenue,p95_revenue
app,3,4017.5,1339.1666666666667,2400.45
web,3,291.17,97.05666666666667,252.118"
	run_split cdp-report "${a[@]}" -f ndjson in.ndjson
	assert_line --index 0 '{"ch":"app","count":3,"sum_revenue":4017.5,"avg_revenue":1339.1666666666667,"p95_revenue":2400.45}'
	run_split cdp-report "${a[@]}" -f markdown --precision 1 in.ndjson
	assert_line --index 3 "| app |     3 |     4,017.5 |     1,339.2 |     2,400.4 |"
	run_split cdp-report "${a[@]}" -f html --precision 0 in.ndjson
	assert_output --partial '<td class="num" data-label="avg_revenue">1,339</td>'
	# Group keys are values: a year stays 2026, not 2,026.
	printf '{"year":2026,"n":1234}\n' >y.ndjson
	run_split cdp-report group --by year --agg sum:n -f table y.ndjson
	assert_line --index 3 "2026  1,234"
	for bad in -1 16 x ""; do
		run_split cdp-report "${a[@]}" --precision "$bad" in.ndjson
		assert_failure 64
		assert_equal "$(head -1 <<<"$stderr")" "cdp-report group: --precision: expected a number of decimals from 0 to 15"
	done
}
