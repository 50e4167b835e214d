# tests/faults/progs.bash - the programs the fault and hostile-input suites
# run, one a line: "MSGPROG|COMMAND ARGS...[|dir]".  MSGPROG is the name
# that prefixes the program's messages; COMMAND ARGS (split on spaces) is a
# run that reads the NDJSON files given after it, writes at least one
# output record for each input customer and honours -o and
# --max-record-bytes.  "dir" marks a program whose -o names a folder of
# part files (cdp-partition, with --clean, as the suites reuse a folder
# that holds its earlier parts): run_prog collects them as its output.
# Adding a program to both suites is adding its line here.
FAULTS_DIR="$BATS_TEST_DIRNAME/faults"
CDP_PROGS=(
	"cdp-ingest|cdp-ingest -f ndjson"
	"cdp-dedupe|cdp-dedupe --key email"
	"cdp-merge|cdp-merge --ids email"
	"cdp-segment|cdp-segment --where age>0"
	"cdp-score|cdp-score rfm"
	"cdp-journey|cdp-journey -j $FAULTS_DIR/journey.json --as-of 2025-06-01 --profile customer_id --dry-run"
	"cdp-partition|cdp-partition -k customer_id --parts 2 --clean|dir"
	"cdp-segment|cdp segment --where age>0"
)

# The fault suite also runs the programs whose output is not the records
# (aggregates, CSV files), which the hostile-input cases cannot compare.
CDP_FAULT_PROGS=(
	"${CDP_PROGS[@]}"
	"cdp-report|cdp-report group --by customer_id --agg count,sum:revenue"
	"cdp-export|cdp-export --platform generic --no-consent-filter --no-hash --fields customer_id,email,name,ts,revenue,age"
)

# prog_row ROW: set $msgprog, the array $cmd and $kind ("" or "dir") from
# one table row, and the array $odir: nothing, or for a "dir" program the
# "-o FOLDER" it needs where the others write to stdout (FOLDER is
# $BATS_TEST_TMPDIR/parts).
prog_row() {
	local rest=${1#*|}
	msgprog=${1%%|*}
	kind=
	odir=()
	if [[ "$rest" == *"|"* ]]; then
		kind=${rest##*|}
		rest=${rest%|*}
		odir=(-o "$BATS_TEST_TMPDIR/parts")
	fi
	read -r -a cmd <<<"$rest"
}

# run_prog ARGS...: run_split the row's command with ARGS; a "dir"
# program writes into a fresh $BATS_TEST_TMPDIR/parts whose part files,
# in order, become $output, as stdout does for the others.
run_prog() {
	rm -rf "$BATS_TEST_TMPDIR/parts"
	run_split "${cmd[@]}" "${odir[@]}" "$@"
	if [ "$kind" = dir ] && [ -z "$output" ]; then
		output=$(cat "$BATS_TEST_TMPDIR/parts"/part-* 2>/dev/null || true)
	fi
}

# big_input FILE N: N records with distinct customers, e-mails and ages
# (one line each, about 150 bytes), enough for several output buffers.
big_input() {
	awk -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf("{\"customer_id\":\"c%d\",\"email\":\"u%d@example.com\"," \
			    "\"name\":\"User %d\",\"ts\":\"2025-01-%02d\"," \
			    "\"revenue\":%d.5,\"age\":%d}\n",
			    i, i, i, i % 28 + 1, i % 100, i % 90 + 1)
	}' >"$1"
}
