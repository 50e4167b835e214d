#!/usr/bin/env bats
# cdp-report's html pages in a real browser: Debian's Chromium, driven by
# puppeteer-core (from the npm registry, installed once into
# build/node), loads every chart type and whole reports at 1280 px and at
# a phone's 390 px, and under print media at the width of an A4 page;
# tests/render/render.cjs asserts that no section, table, chart, legend
# or tile overflows its container.  Chromium also prints a page to PDF.
load helper

F="$BATS_TEST_DIRNAME/cdp-report"
NODE_DIR="$BATS_TEST_DIRNAME/../build/node"
PUPPETEER=puppeteer-core@25.16.0

# Install puppeteer-core once, when a test here can use it (bats 1.8
# cannot skip from setup_file: setup does, test by test).
setup_file() {
	if [[ "${CDP_BUILD:-}" != */asan ]] &&
	    command -v chromium >/dev/null && command -v node >/dev/null &&
	    command -v npm >/dev/null &&
	    [ ! -f "$NODE_DIR/node_modules/puppeteer-core/package.json" ]; then
		mkdir -p "$NODE_DIR"
		timeout 300 npm install --no-audit --no-fund --loglevel=error \
		    --prefix "$NODE_DIR" "$PUPPETEER" >&2 || true
	fi
}

setup() {
	# The pages are the same bytes from either build (golden tests
	# check that): rendering them once, on the normal build, is enough.
	[[ "${CDP_BUILD:-}" != */asan ]] ||
	    skip "rendered on the normal build only"
	command -v chromium >/dev/null ||
	    skip "chromium is not installed (make deps)"
	command -v node >/dev/null && command -v npm >/dev/null ||
	    skip "node and npm are not installed (make deps)"
	[ -f "$NODE_DIR/node_modules/puppeteer-core/package.json" ] ||
	    skip "$PUPPETEER could not be installed from the npm registry"
	cd "$BATS_TEST_TMPDIR"
	export NODE_PATH="$NODE_DIR/node_modules"
}

render() {
	timeout 300 node "$TESTS/render/render.cjs" "$@"
}

@test "render: every chart type fits at 1280 px, 390 px and on A4" {
	drv="$CDP_BUILD/unit/test_report_fmt"
	for c in group multi hostile funnel heatmap many empty plain all \
	    grouped forest kpi dashboard; do
		"$drv" html "$c" >"$c.html"
	done
	run render *.html
	assert_success
	# three lines a page: 1280, 390, print
	assert_equal "$(grep -c ' ok$' <<<"$output")" 39
}

@test "render: the commands' own pages fit, the wide attribution table too" {
	awk -f "$F/attribution/expand-paths.awk" \
	    "$SHARED/data/attribution/Data.csv" >events.ndjson
	cdp-report attribution --path-id j --channel ch --conversion conv --value v \
	    --model first,last,linear,time-decay,position,markov,markov:2,shapley \
	    --bootstrap 5 -f html -o attribution.html events.ndjson
	cdp-report group --by channel --agg count,sum:revenue,avg:revenue,p95:revenue \
	    -f html -o group.html "$F/group/events.ndjson"
	cdp-report group -f html -o totals.html "$F/group/events.ndjson"
	cdp-report funnel -f html -o funnel.html \
	    --steps 'event=="view"' 'event=="cart"' 'event=="purchase"' \
	    -- "$F/funnel/events.ndjson"
	cdp-report cohort --activity 'event=="purchase"' -f html -o cohort.html \
	    "$F/cohort/events.ndjson"
	cdp-report profile -f html -o profile.html "$F/profile/mixed.ndjson"
	cdp-report group --by channel -f ndjson "$F/group/events.ndjson" >by.ndjson
	cdp-report cohort --activity 'event=="purchase"' -f ndjson \
	    "$F/cohort/events.ndjson" >cohort.ndjson
	L="$F/linkage"
	# A title with a long word (a path) wraps on a phone.
	cdp-report linkage --pair '#3,#190' --pair '#46,#22' -f html \
	    --title "Linkage of tests/docs/persons.ndjson" \
	    -o linkage.html "$L/model.json" "$L/pairs.ndjson" "$L/eval.ndjson"
	cdp-report linkage --pair '#3,#190' -f ndjson "$L/model.json" \
	    "$L/pairs.ndjson" "$L/eval.ndjson" >linkage.ndjson
	cdp-report page --title dashboard -o page.html by.ndjson cohort.ndjson \
	    linkage.ndjson
	run render *.html
	assert_success
	assert_equal "$(grep -c ' ok$' <<<"$output")" 24
}

@test "render: a page that overflows is caught (the check can fail)" {
	# A cell of 400 letters with no break: wider than any screen.
	printf '<!DOCTYPE html><html><body><main><section><div class="scroll" style="overflow-x:auto"><table><tr><td>%s</td></tr></table></div></section></main></body></html>\n' \
	    "$(printf 'x%.0s' $(seq 400))" >wide.html
	run render --widths 1280 wide.html
	assert_failure 1
	assert_line --index 0 --regexp '^wide 1280 overflow: \.scroll\[0\] [0-9]+>1264'
}

@test "render: chromium prints a report to PDF, every page of it" {
	"$CDP_BUILD/unit/test_report_fmt" html dashboard >dashboard.html
	run timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$BATS_TEST_TMPDIR/prof" \
	    --no-pdf-header-footer --print-to-pdf="$BATS_TEST_TMPDIR/d.pdf" \
	    "file://$BATS_TEST_TMPDIR/dashboard.html"
	assert_success
	[ "$(head -c 5 d.pdf)" = "%PDF-" ]
	# Six sections on A4: more than one page, and nothing wider than
	# the paper (the print check of render.cjs, at A4's width).
	[ "$(grep -ac '/Type /Page$\|/Type /Page\b' d.pdf)" -ge 2 ] ||
	    [ "$(grep -ac '/Type/Page[^s]' d.pdf)" -ge 2 ]
	run render --widths 1280 --pdf . dashboard.html
	assert_success
	assert_line --index 1 "dashboard print ok"
	[ "$(head -c 5 dashboard.pdf)" = "%PDF-" ]
}
