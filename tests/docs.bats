#!/usr/bin/env bats
# Every shell example of README.md, the man pages and cdpipe(7) runs, on
# the example data (examples/, tests/docs/, the public data sets of
# shared/data), and shows what it prints when the page shows its output
# (issue 15): documented pipelines cannot rot.  tests/docs/extract.py
# says what counts as an example; a block with "..." in a command is a
# sketch and is not run.  `tail -F FILE` (which never ends) runs as
# `tail -n +1 FILE`.  Each example runs in a folder of its own, with
# bash -o pipefail, standard input the example events.
load helper

DOCS="$BATS_TEST_DIRNAME/docs"
TOP="$BATS_TEST_DIRNAME/.."

setup_file() {
	local fix="$BATS_FILE_TMPDIR/fix" top="$BATS_TEST_DIRNAME/.."

	mkdir -p "$fix"
	cp -r "$BATS_TEST_DIRNAME"/docs/. "$fix/"
	rm -f "$fix/extract.py"
	cp -r "$top/examples" "$fix/examples"
	cp "$top/examples/crm.csv" "$top/examples/orders.json" "$fix/"
	cp "$SHARED/data/febrl/dataset1.csv" "$SHARED/data/febrl/dataset2.csv" \
	    "$fix/"
	cd "$fix" || return 1
	cdp-ingest --source crm --default-country GB --date-format dmy \
	    --normalize email,phone,first_name:name,last_name:name,country \
	    --map signup=signup_date --types signup:date,vip:bool \
	    --rejects /dev/null crm.csv > crm.ndjson
	sh "$BATS_TEST_DIRNAME/cdp-score/cdnow.sh" \
	    "$SHARED/data/cdnow/CDNOW_sample.txt" > cdnow.ndjson
	cdp-score clv --calibration-end 1997-09-30 --fit-only cdnow.ndjson \
	    > fit.json
	# The same customers 28 years later, for the pages dated 2025-2026.
	jq -c '.ts |= (((.[0:4] | tonumber) + 28 | tostring) + .[4:])' \
	    cdnow.ndjson > tx.ndjson
	cdp-merge --ids email,phone events.ndjson > last.ndjson
	cp profiles.ndjson customers.ndjson
	# The hourly journey run before the one the pages show; its decisions
	# are the log that cdp-report lift reads.
	mkdir -p log
	cdp-journey -j car.json --as-of 2026-03-01T12:00:00Z \
	    --state state.ndjson --cap email:2/7d --quiet 21:00-08:00 \
	    events.ndjson > log/2026-03-01.ndjson
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# match EXPECTED ACTUAL: equal, a line "…" standing for any lines.
match() {
	python3 - "$1" "$2" <<'PY'
import re, sys
exp = open(sys.argv[1], encoding="utf-8").read().split("\n")
act = open(sys.argv[2], encoding="utf-8").read()
pat = "".join("(?:.*\n)*?" if l == "…" else re.escape(l + "\n")
              for l in exp if l != "")
sys.exit(0 if re.fullmatch(pat, act) else 1)
PY
}

# run_examples DOC: run every example of DOC; fail listing those that
# fail, each with its place, its status and the start of its stderr.
run_examples() {
	local doc=$1 ex="$BATS_TEST_TMPDIR/ex" bad= n=0 f d st
	python3 "$DOCS/extract.py" "$doc" "$ex"
	for f in "$ex"/*.sh; do
		[ -e "$f" ] || break
		n=$((n + 1))
		d="$BATS_TEST_TMPDIR/run${f##*/}"
		mkdir -p "$d"
		cp -r "$BATS_FILE_TMPDIR/fix/." "$d/"
		sed -i 's/tail -F /tail -n +1 /' "$f"
		st=0
		(cd "$d" && timeout 60 bash -e -o pipefail "$f" \
		    < "$BATS_FILE_TMPDIR/fix/events.ndjson" > out 2> err) ||
		    st=$?
		if [ "$st" -ne 0 ]; then
			bad="$bad
$(cat "${f%.sh}.at") exit $st: $(head -c 300 "$d/err")
$(cat "$f")"
		elif [ -e "${f%.sh}.out" ] && ! match "${f%.sh}.out" "$d/out"; then
			bad="$bad
$(cat "${f%.sh}.at") prints another output:
$(cat "$d/out")"
		fi
	done
	[ "$n" -gt 0 ] || fail "no examples found in $doc"
	[ -z "$bad" ] || fail "examples that fail:$bad"
}

@test "docs: README.md" { run_examples "$TOP/README.md"; }
@test "docs: cdpipe(7)" { run_examples "$TOP/man/cdpipe.7"; }
@test "docs: cdp(1)" { run_examples "$TOP/man/cdp.1"; }
@test "docs: cdp-ingest(1)" { run_examples "$TOP/man/cdp-ingest.1"; }
@test "docs: cdp-dedupe(1)" { run_examples "$TOP/man/cdp-dedupe.1"; }
@test "docs: cdp-merge(1)" { run_examples "$TOP/man/cdp-merge.1"; }
@test "docs: cdp-segment(1)" { run_examples "$TOP/man/cdp-segment.1"; }
@test "docs: cdp-score(1)" { run_examples "$TOP/man/cdp-score.1"; }
@test "docs: cdp-report(1)" { run_examples "$TOP/man/cdp-report.1"; }
@test "docs: cdp-journey(1)" { run_examples "$TOP/man/cdp-journey.1"; }
@test "docs: cdp-export(1)" { run_examples "$TOP/man/cdp-export.1"; }
@test "docs: cdp-partition(1)" { run_examples "$TOP/man/cdp-partition.1"; }
@test "docs: cdp-join(1)" { run_examples "$TOP/man/cdp-join.1"; }

@test "docs: every man page is covered, and the extractor finds what it should" {
	for p in "$TOP"/man/*.1 "$TOP"/man/*.7; do
		grep -q "run_examples \"\$TOP/man/${p##*/}\"" "$BATS_TEST_FILENAME" ||
		    fail "no test runs the examples of ${p##*/}"
	done
	printf '%s\n' 'text' '' '    $ cdp-ingest a.csv \' '        | head -1' \
	    '    {"a":1}' '' 'a sketch' '' '    $ cdp-merge --ids ... x' '' \
	    'a layout' '' '    cmd/  folders' > t.md
	python3 "$DOCS/extract.py" t.md ex
	assert_equal "$(ls ex)" "001.at
001.out
001.sh"
	assert_equal "$(cat ex/001.sh)" 'cdp-ingest a.csv \
    | head -1'
	assert_equal "$(cat ex/001.out)" '{"a":1}'
}
