#!/bin/sh
# docs/screenshots.sh - regenerate docs/report-{bar,funnel,heatmap}.png:
# the html pages the unit driver tests/unit/test_report_fmt.c writes for
# its group, funnel and heatmap tables, rendered by headless Chromium
# (the heat map in the dark colour scheme, to show both).
#
#   sh docs/screenshots.sh [BUILD]	(BUILD defaults to build; run make first)
#
# Needs chromium; a CJK font (Debian fonts-droid-fallback) draws the
# "東京" label instead of empty boxes.
set -eu

build=${1:-build}
drv=$build/unit/test_report_fmt
docs=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -x "$drv" ] || { echo "screenshots.sh: $drv: run make first" >&2; exit 66; }
command -v chromium >/dev/null ||
    { echo "screenshots.sh: chromium is not installed" >&2; exit 69; }

# shot CASE NAME HEIGHT [CHROMIUM-FLAG]
shot() {
	"$drv" html "$1" >"$tmp/$1.html"
	timeout 120 chromium --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --hide-scrollbars --user-data-dir="$tmp/profile" \
	    ${4:-} --window-size=760,"$3" --screenshot="$tmp/$2.png" \
	    "file://$tmp/$1.html" >/dev/null 2>&1
	[ -s "$tmp/$2.png" ] ||
	    { echo "screenshots.sh: $2: no screenshot" >&2; exit 70; }
	mv "$tmp/$2.png" "$docs/report-$2.png"
	echo "$docs/report-$2.png: $(wc -c <"$docs/report-$2.png") bytes"
}

shot group bar 600
shot funnel funnel 500
shot heatmap heatmap 540 --force-dark-mode
