#!/usr/bin/env bats
# cdp-report page: one html dashboard from the ndjson of several reports,
# each table drawn as its command draws it, with a table of contents.
load helper

F="$BATS_TEST_DIRNAME/cdp-report"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

reports() {
	cdp-report group -f ndjson "$F/group/events.ndjson" >totals.ndjson
	cdp-report group --by channel --agg count,sum:revenue -f ndjson \
	    "$F/group/events.ndjson" >by-channel.ndjson
	cdp-report funnel -f ndjson \
	    --steps 'viewed=event=="view"' 'bought=event=="purchase"' \
	    -- "$F/funnel/events.ndjson" >funnel.ndjson
	cdp-report cohort --activity 'event=="purchase"' -f ndjson \
	    "$F/cohort/events.ndjson" >cohort.ndjson
	cdp-report attribution --conversion 'event == "purchase"' --model first,markov \
	    -f ndjson "$F/attribution/puzyrov.ndjson" >attribution.ndjson
}

@test "page: --help prints the usage on stdout" {
	run_split cdp-report page --help
	assert_success
	assert_line --index 0 "usage: cdp-report page [--title TEXT] [-o FILE] REPORT..."
}

@test "page: misuse is 64: no report, stdin, a format other than html" {
	run_split cdp-report page
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report page: no report to put on the page"
	printf '{"a":1}\n' >r.ndjson
	run_split cdp-report page - <r.ndjson
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report page: a report is a file, not -"
	run_split cdp-report page -f csv r.ndjson
	assert_failure 64
	assert_equal "$(head -1 <<<"$stderr")" "cdp-report page: --format: a page is html"
	run_split cdp-report page --bogus r.ndjson
	assert_failure 64
}

@test "page: every report as its command draws it, under its file's name" {
	reports
	run_split cdp-report page --title 'Week 48 <ops>' totals.ndjson \
	    by-channel.ndjson funnel.ndjson cohort.ndjson attribution.ndjson
	assert_success
	assert_output --partial '<h1>Week 48 &lt;ops&gt;</h1>'
	# Six sections (the cohort file holds two tables), a link to each.
	assert_equal "$(grep -c '<li><a href="#t[1-6]">' <<<"$output")" 6
	assert_output --partial '<li><a href="#t4">cohort: retention</a></li>'
	assert_output --partial '<li><a href="#t5">cohort: retention_pct</a></li>'
	assert_output --partial '<h2 id="t1-h">totals</h2>
<ul class="kpis">
<li class="kpi"><b>8</b><span>count</span></li>'
	assert_output --partial '<desc id="t2-cd">Horizontal bar chart of count by channel, 5 bars.</desc>'
	assert_output --partial '<desc id="t3-cd">Funnel of 2 steps by profiles, from 6 at viewed to 4 at bought (66.7% of the first step).</desc>'
	assert_output --partial '<desc id="t5-cd">Heat map of 2 rows by 3 columns (p0 to p2)'
	assert_output --partial '<desc id="t6-cd">Grouped horizontal bar chart of 2 series by channel, 2 groups; a colour per series, as the legend says.</desc>'
	# The retention counts have no chart of their own.
	refute_output --partial 'aria-labelledby="t4-ct'
	# Percent and share columns read as percentages again.
	assert_output --partial '<td class="num" data-label="conversion_pct">66.67%</td>'
	assert_output --partial '<td class="num" data-label="removal_effect">75%</td>'
	# Still one self-contained file: no script, nothing to fetch.
	run grep -ci '<script\|<link\|<img\|src=\|url(\|@import\|http' <<<"$output"
	assert_output 0
}

@test "page: lift and subscriptions read as their commands print them" {
	printf '%s\n' "welcome mail - treatment 400 120" "welcome mail - holdout 100 12" |
	    awk -f "$F/lift/arms.awk" >decisions.ndjson
	cdp-report lift --outcome 'event == "purchase"' -f ndjson decisions.ndjson >lift.ndjson
	cdp-report subscriptions --as-of 2026-05-15 -f ndjson \
	    "$F/subscriptions/hand.ndjson" >subs.ndjson
	run_split cdp-report page lift.ndjson subs.ndjson
	assert_success
	assert_output --partial '<desc id="t1-cd">Forest plot of lift with its interval (lift_lo to lift_hi) for 1 row; the dashed line is zero.</desc>'
	assert_output --partial '<td class="num" data-label="rate">30%</td>'
	assert_output --partial '<desc id="t3-cd">Horizontal bar chart of mrr by period, 5 bars.</desc>'
	assert_output --partial '<td class="num" data-label="grr">25%</td>'
}

@test "page: the same reports give the same bytes" {
	reports
	cdp-report page -o a.html totals.ndjson cohort.ndjson
	cdp-report page -o b.html totals.ndjson cohort.ndjson
	run cmp a.html b.html
	assert_success
	# The same file twice is two sections.
	run_split cdp-report page totals.ndjson totals.ndjson
	assert_equal "$(grep -c '<h2 id="t[0-9]-h">totals</h2>' <<<"$output")" 2
}

@test "page: a line that is no report row is a bad record (65, --rejects)" {
	reports
	printf '%s\n' '{"_table":7,"a":1}' 'not json' '{"a":2}' >bad.ndjson
	run_split cdp-report page totals.ndjson bad.ndjson
	assert_failure 65
	assert_equal "$stderr" "cdp-report: bad.ndjson:1: _table is not a string"
	run_split cdp-report page --rejects rej.ndjson --stats totals.ndjson bad.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":4,"used":2,"rejected":2,"skipped":0}'
	assert_output --partial '<h2 id="t2-h">bad</h2>'
}
