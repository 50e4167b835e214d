# tests/faults/progs.bash - the programs the fault and hostile-input suites
# run, one a line: "MSGPROG|COMMAND ARGS...".  MSGPROG is the name that
# prefixes the program's messages; COMMAND ARGS (split on spaces) is a run
# that reads the NDJSON files given after it, writes at least one output
# record for each input customer and honours -o and --max-record-bytes.
# Adding a program to both suites is adding its line here.
CDP_PROGS=(
	"cdp-ingest|cdp-ingest -f ndjson"
	"cdp-dedupe|cdp-dedupe --key email"
	"cdp-merge|cdp-merge --ids email"
	"cdp-segment|cdp-segment --where age>0"
	"cdp-score|cdp-score rfm"
	"cdp-segment|cdp segment --where age>0"
)

# The fault suite also runs the programs whose output is not the records
# (aggregates, CSV files), which the hostile-input cases cannot compare.
CDP_FAULT_PROGS=(
	"${CDP_PROGS[@]}"
	"cdp-report|cdp-report group --by customer_id --agg count,sum:revenue"
	"cdp-export|cdp-export --platform generic --no-consent-filter --no-hash --fields customer_id,email,name,ts,revenue,age"
)

# prog_row ROW: set $msgprog and the array $cmd from one table row.
prog_row() {
	msgprog=${1%%|*}
	read -r -a cmd <<<"${1#*|}"
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
