#!/bin/sh
# docs/screenshots.sh - regenerate the screenshots of cdp-report's html
# pages in docs/, taken by the render test's script (tests/render/
# render.cjs: Chromium driven by puppeteer-core, which also checks that
# nothing overflows):
#
#   report-dashboard-1280.png, report-dashboard-390.png
#	every chart type on one page (the unit driver's "dashboard" case,
#	as cdp-report page assembles reports), on a laptop and a phone
#   report-attribution-1280.png
#	cdp-report attribution over ChannelAttribution's Data.csv, eight
#	models side by side, the wide table in blocks
#   report-heatmap-dark-760.png
#	the cohort heat map in the dark colour scheme
#   report-linkage-1280.png, report-linkage-390.png
#	cdp-report linkage over cdp-merge's model, pairs and evaluation of
#	tests/docs/persons.ndjson (the fixtures of its test): the levels'
#	weights, m and u, the histogram of match weights, precision and
#	recall by threshold, a waterfall
#
#   sh docs/screenshots.sh [BUILD]	(BUILD defaults to build; run make
#					and the render test first)
#
# Needs chromium, node and puppeteer-core in build/node (the render test,
# tests/cdp-report-render.bats, installs it there); a CJK font (Debian
# fonts-droid-fallback) draws the "東京" label instead of empty boxes.
set -eu

build=${1:-build}
drv=$build/unit/test_report_fmt
docs=$(dirname "$0")
root=$docs/..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -x "$drv" ] || { echo "screenshots.sh: $drv: run make first" >&2; exit 66; }
command -v chromium >/dev/null ||
    { echo "screenshots.sh: chromium is not installed" >&2; exit 69; }
NODE_PATH=$root/build/node/node_modules
[ -d "$NODE_PATH/puppeteer-core" ] ||
    { echo "screenshots.sh: no puppeteer-core in build/node: run the render test" >&2; exit 69; }
export NODE_PATH

"$drv" html dashboard >"$tmp/report-dashboard.html"
"$drv" html heatmap >"$tmp/report-heatmap-dark.html"
awk -f "$root/tests/cdp-report/attribution/expand-paths.awk" \
    "$root/../shared/data/attribution/Data.csv" |
    "$build/bin/cdp-report" attribution --path-id j --channel ch --conversion conv \
    --value v --model first,last,linear,time-decay,position,markov,markov:3,shapley \
    --title "Attribution of ChannelAttribution's Data.csv" -f html \
    >"$tmp/report-attribution.html"
link=$root/tests/cdp-report/linkage
"$build/bin/cdp-report" linkage --pair '#3,#190' \
    --title "Linkage of tests/docs/persons.ndjson" -f html \
    "$link/model.json" "$link/pairs.ndjson" "$link/eval.ndjson" \
    >"$tmp/report-linkage.html"
node "$root/tests/render/render.cjs" --shots "$tmp" \
    "$tmp/report-dashboard.html" "$tmp/report-attribution.html" \
    "$tmp/report-linkage.html"
node "$root/tests/render/render.cjs" --shots "$tmp" --dark --widths 760 \
    "$tmp/report-heatmap-dark.html"
for f in report-dashboard-1280 report-dashboard-390 report-attribution-1280 \
    report-heatmap-dark-760 report-linkage-1280 report-linkage-390; do
	mv "$tmp/$f.png" "$docs/$f.png"
	echo "$docs/$f.png: $(wc -c <"$docs/$f.png") bytes"
done
