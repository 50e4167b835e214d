#!/usr/bin/env bats
# cdp-report's writers (table, markdown, csv, ndjson, html) driven with
# hand-built tables by the unit driver tests/unit/test_report_fmt.c; the
# expected output is in tests/cdp-report/format/CASE.EXT.
load helper

DRV="$CDP_BUILD/unit/test_report_fmt"
GOLD="$TESTS/cdp-report/format"

# golden FORMAT CASE EXT: the driver's output is the golden file, byte
# for byte (diff shows what changed).
golden() {
	"$DRV" "$1" "$2" >"$BATS_TEST_TMPDIR/out"
	diff -u "$GOLD/$2.$3" "$BATS_TEST_TMPDIR/out"
}

# The html pages a person looks at: one per chart type.
PAGES="group funnel heatmap hostile"

@test "format: width and escaping helpers" {
	run "$DRV"
	assert_success
	assert_output "23 checks, 0 failed"
}

@test "format table: UTF-8 widths, nulls, negatives, digits" {
	golden table group txt
}

@test "format table: CJK and accented names line up by display width" {
	run "$DRV" table group
	assert_success
	assert_line --index 3 "Zoë                  7      2.67   0.1%    900.0000"
	assert_line --index 4 "東京                42    880.12  29.4%"
}

@test "format table: several tables get their titles and a blank line" {
	golden table multi txt
}

@test "format table: control characters, bidi overrides and bad UTF-8 are shown escaped" {
	golden table hostile txt
	run "$DRV" table hostile
	refute_output --partial $'\e'
	refute_output --partial $'\u202e'
	refute_output --partial $'\x7f'
	assert_line --index 10 '\u001b[31mred\u001b[0m                  8'
}

@test "format table: funnel, heat map, sixty rows, empty, untitled" {
	golden table funnel txt
	golden table heatmap txt
	golden table many txt
	golden table empty txt
	golden table plain txt
}

@test "format markdown: every case" {
	for c in group multi hostile funnel heatmap many empty plain all grouped \
	    forest kpi dashboard; do
		golden markdown "$c" md
	done
}

@test "format markdown: pipes, backslashes and line breaks are escaped, numbers right-aligned" {
	run "$DRV" markdown hostile
	assert_success
	assert_line --index 1 '| value                                           |   n | raw json         |'
	assert_line --index 2 '| ----------------------------------------------- | --: | ---------------- |'
	assert_line --index 8 '| a\|b\\c                                         |   6 |                  |'
	assert_line --index 9 '| line<br>break<br>end                            |   7 |                  |'
	assert_line --index 11 '| \<script\>alert('"'x'"')\</script\> \& co           |   9 |                  |'
}

@test "format csv: formulas neutralised, json cells quoted, tables apart" {
	for c in group multi hostile funnel heatmap many empty plain all grouped \
	    forest kpi dashboard; do
		golden csv "$c" csv
	done
	run "$DRV" csv hostile
	assert_line --index 1 '"'"'"'=HYPERLINK(""http://x"")",1,"{""a"":[1,""=x""]}"'
	assert_line --index 3 '"'"'"'-2 apples",3,'
	assert_line --index 4 '"'"'"'@SUM(A1)",4,'
}

@test "format csv: a value starting with a NUL byte is not taken for a formula" {
	# Before the fix the NUL matched strchr()'s terminator: "'\0=nul".
	run bash -c '"$1" csv hostile | sed -n 3p | od -An -tx1 | tr -d " \n"' _ "$DRV"
	assert_output "22272b31222c322c003d6e756c0a"
}

@test "format ndjson: every case; several tables carry _table" {
	for c in group multi hostile funnel heatmap many empty plain all grouped \
	    forest kpi dashboard; do
		golden ndjson "$c" ndjson
	done
}

@test "format html: every case matches its golden page" {
	for c in group multi hostile funnel heatmap many empty plain all grouped \
	    forest kpi dashboard; do
		golden html "$c" html
	done
}

@test "format html: self-contained, no script, no URL, escaped text" {
	for c in $PAGES many empty plain; do
		"$DRV" html "$c" >"$BATS_TEST_TMPDIR/p.html"
		run grep -ci '<script\|<link\|<img\|<iframe\|src=\|href=\|url(\|@import' "$BATS_TEST_TMPDIR/p.html"
		assert_output 0
	done
	# A page of several sections links to them, inside the page only.
	"$DRV" html dashboard >"$BATS_TEST_TMPDIR/p.html"
	run grep -o 'href="[^"]*"' "$BATS_TEST_TMPDIR/p.html"
	assert_output "$(printf 'href="#t%d"\n' 1 2 3 4 5 6)"
	run grep -ci '<script\|<link\|<img\|<iframe\|src=\|url(\|@import' "$BATS_TEST_TMPDIR/p.html"
	assert_output 0
	# Pages from clean tables hold no URL at all (not even an xmlns).
	for c in group funnel heatmap multi many; do
		"$DRV" html "$c" >"$BATS_TEST_TMPDIR/p.html"
		run grep -c 'http://\|https://' "$BATS_TEST_TMPDIR/p.html"
		assert_output 0
	done
	run "$DRV" html hostile
	assert_output --partial '<td data-label="value">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</td>'
	assert_output --partial '<h2 id="t1-h">hostile &quot;values&quot; &lt;b&gt;</h2>'
	assert_output --partial '<td data-label="value">abc\u202eevil</td>'
	refute_output --partial $'\e'
}

@test "format html: --title heads the page, escaped; default is cdp-report CMD" {
	run "$DRV" html funnel 'Q3 <"A&B">'
	assert_success
	assert_line --index 7 '<title>Q3 &lt;&quot;A&amp;B&quot;&gt;</title>'
	assert_output --partial $'<main>\n<h1>Q3 &lt;&quot;A&amp;B&quot;&gt;</h1>'
	run "$DRV" html heatmap
	assert_output --partial '<h1>cdp-report cohort</h1>'
}

@test "format html: charts are accessible images with a title and a description" {
	run "$DRV" html group
	assert_output --partial '<svg class="chart" role="img" aria-labelledby="t1-ct t1-cd"'
	assert_output --partial '<desc id="t1-cd">Horizontal bar chart of revenue by channel, 6 bars.</desc>'
	# The negative bar goes left of the zero line, its value at its end.
	assert_output --partial '<rect class="neg" x="266.0" y="90.0" width="12.1" height="18" rx="2"/>'
	assert_output --partial '<text class="val" x="262.0" y="99.0" dy=".35em" text-anchor="end">-42.12</text>'
	run "$DRV" html funnel
	assert_output --partial 'Funnel of 4 steps by profiles, from 1,200 at view to 126 at purchase (10.5% of the first step).'
	run "$DRV" html heatmap
	# Period 0 (100% by definition) is grey and sets no colour; the
	# other periods run from the lightest (22.7%) to the darkest (61.5%).
	assert_output --partial '<g class="hd"><rect x="181.0" y="29.0" width="56" height="24" rx="2"/><text class="val" x="209.0" y="41.0" dy=".35em" text-anchor="middle">100%</text></g>'
	assert_output --partial '<g class="h10"><rect x="239.0" y="29.0" width="56" height="24" rx="2"/><text class="val" x="267.0" y="41.0" dy=".35em" text-anchor="middle">61.5%</text></g>'
	assert_output --partial '<g class="h0"><rect x="413.0" y="29.0" width="56" height="24" rx="2"/><text class="val" x="441.0" y="41.0" dy=".35em" text-anchor="middle">22.7%</text></g>'
	assert_output --partial 'from 22.7% to 61.5% in the columns from m1 on; the columns before are drawn grey.</desc>'
	# Null cells of the triangle are blank: 15 cells drawn of 25, and
	# the colour scale's 11 swatches.
	run grep -c '<g class="h[d0-9]*"><rect [^>]*/><text' "$GOLD/heatmap.html"
	assert_output 15
	run grep -c '<g class="h[0-9]*"><rect [^>]*height="12"/></g>' "$GOLD/heatmap.html"
	assert_output 11
	# Axis titles: the rows' column and the periods' unit.
	run "$DRV" html heatmap
	assert_output --partial '<text class="axt" x="172" y="16" text-anchor="end">cohort</text>'
	assert_output --partial ">months after the cohort&#39;s start</text>"
}

@test "format html: grouped bars draw every series with a legend" {
	run "$DRV" html grouped
	assert_success
	assert_output --partial '<ul class="legend"><li><svg class="sw" viewBox="0 0 10 10" aria-hidden="true"><rect class="s0" width="10" height="10" rx="2"/></svg>first</li>'
	assert_output --partial '<rect class="s5" width="10" height="10" rx="2"/></svg>markov</li></ul>'
	assert_output --partial 'Grouped horizontal bar chart of 6 series by channel, 5 groups; a colour per series, as the legend says.'
	# 5 channels x 6 models, each bar in its series' colour.
	run grep -c '<rect class="s[0-5]" x=' "$GOLD/grouped.html"
	assert_output 30
	# The 14 columns do not fit one page width: blocks of columns, each
	# starting with channel.
	run grep -c '<thead><tr><th scope="col">channel</th>' "$GOLD/grouped.html"
	assert_output 5
	run grep -c 'shown in blocks, each starting with channel' "$GOLD/grouped.html"
	assert_output 1
}

@test "format html: a forest plot of estimates and intervals, KPI tiles" {
	run "$DRV" html forest
	assert_success
	assert_output --partial 'Forest plot of lift_pp with its interval (lift_lo to lift_hi) for 4 rows; the dashed line is zero.</desc>'
	run grep -c '<line class="ci"' "$GOLD/forest.html"
	assert_output 4
	run grep -c '<line class="zero"' "$GOLD/forest.html"
	assert_output 1
	run "$DRV" html kpi
	assert_output --partial '<li class="kpi"><b>1,234,567</b><span>count</span></li>'
	assert_output --partial '<li class="kpi"><b>2,045,010.81</b><span>sum_revenue</span></li>'
	assert_output --partial '<li class="kpi"><b>72.3731</b><span>avg_revenue</span></li>'
}

@test "format html: at most 50 bars drawn, with a note" {
	run "$DRV" html many
	assert_output --partial 'Horizontal bar chart of count by segment, 50 bars (the first 50 of 60 rows).'
	assert_output --partial '<figcaption>The chart shows the first 50 of 60 rows; the table has them all.</figcaption>'
	run grep -c '<rect class="bar"' "$GOLD/many.html"
	assert_output 49	# one of the first 50 counts is 0
	run grep -c '<tr><td data-label="segment">segment' "$GOLD/many.html"
	assert_output 60
}

@test "format: a bad format or case is a usage error" {
	run_split "$DRV" yaml group
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "test_report_fmt: --format: expected table, csv, ndjson, markdown or html"
	run_split "$DRV" table nosuch
	assert_failure 64
	assert_equal "${stderr_lines[0]}" "test_report_fmt: unknown case 'nosuch'"
}

@test "format: a write error exits 74 for every format" {
	for f in table markdown csv ndjson html; do
		run_split bash -c '"$1" "$2" many >/dev/full' _ "$DRV" "$f"
		assert_failure 74
		assert_output ""
		[[ "$stderr" == test_report_fmt:* ]]
	done
}

# Headless Chromium loads each page the way a person would, takes a
# screenshot and dumps the DOM it built.
@test "format html: renders in headless chromium without errors" {
	command -v chromium >/dev/null ||
	    skip "chromium is not installed (Debian package chromium)"
	# The page is the same bytes from either build (golden files check
	# that); rendering it once, on the normal build, is enough.
	[[ "$CDP_BUILD" != */asan ]] ||
	    skip "rendered on the normal build only"
	for c in $PAGES; do
		"$DRV" html "$c" >"$BATS_TEST_TMPDIR/$c.html"
		run timeout 120 chromium --headless=new --no-sandbox \
		    --disable-gpu --no-first-run --hide-scrollbars \
		    --user-data-dir="$BATS_TEST_TMPDIR/prof" \
		    --enable-logging=stderr --v=0 \
		    --screenshot="$BATS_TEST_TMPDIR/$c.png" \
		    --window-size=1000,1400 "file://$BATS_TEST_TMPDIR/$c.html"
		assert_success
		# A PNG, not an empty file.
		[ -s "$BATS_TEST_TMPDIR/$c.png" ]
		[ "$(head -c 8 "$BATS_TEST_TMPDIR/$c.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
		[ "$(wc -c <"$BATS_TEST_TMPDIR/$c.png")" -gt 10000 ]
		# No console message (chromium logs script errors and
		# blocked content as CONSOLE lines; the page has no resource
		# to fail loading, checked above).
		refute_output --regexp 'CONSOLE|Uncaught|Failed to load|net::ERR|Refused'
	done
}

@test "format html: chromium's DOM holds every section, chart and table" {
	command -v chromium >/dev/null ||
	    skip "chromium is not installed (Debian package chromium)"
	# The page is the same bytes from either build (golden files check
	# that); rendering it once, on the normal build, is enough.
	[[ "$CDP_BUILD" != */asan ]] ||
	    skip "rendered on the normal build only"
	"$DRV" html all >"$BATS_TEST_TMPDIR/all.html"
	run_split timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$BATS_TEST_TMPDIR/prof" \
	    --dump-dom "file://$BATS_TEST_TMPDIR/all.html"
	assert_success
	[ "$(grep -c '<section id="t[0-9]*"' <<<"$output")" -eq 3 ]
	[ "$(grep -c '<svg class="chart" role="img"' <<<"$output")" -eq 3 ]
	[ "$(grep -c '<table>' <<<"$output")" -eq 3 ]
	assert_output --partial '<h1>cdp-report report</h1>'
	assert_output --partial '<h2 id="t2-h">checkout funnel, 7 days</h2>'
	# The parser kept the SVG as SVG: 15 drawn heat map cells in it.
	[ "$(grep -o '<g class="h[d0-9]*"><rect [^>]*>\(</rect>\)\?<text' <<<"$output" | wc -l)" -eq 15 ]
	assert_output --partial '<desc id="t3-cd">Heat map of 5 rows by 5 columns (m0 to m4)'
}
