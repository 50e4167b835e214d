# tests/conserve.bash - the record account checked against what a program
# actually wrote.  Load after helper.bash.
#
#   conserve [-i FILE] [-w HOW] PROG ARGS...
#
# runs PROG ARGS... --stats --rejects R FILE (FILE: -i, else
# conserve_input's mixed file) and fails unless
#
#   - the program exits 0 and its last stderr line is the --stats object;
#   - read is the number of non-blank input lines;
#   - rejected is the number of lines in R, each naming a distinct input
#     line whose bytes it carries as "raw";
#   - record-wise programs (stats with "written"):
#         read = written + rejected + dropped + merged
#     and written is what HOW counts (default stdout: its lines);
#   - aggregating programs (stats with "used": report, score rfm/clv,
#     journey):  read = used + rejected + skipped, and HOW, when given,
#     is checked against its stats field.
#
# HOW: stdout (lines of stdout), csv (lines of stdout but the header),
# dir=DIR (lines of every .ndjson file in DIR), stat=NAME (stdout lines equal the
# stats field NAME), none (nothing counted: the output is not one line a
# record, e.g. cdp-merge --profiles).  Afterwards $conserve_out is the
# stdout file and $conserve_stats the stats object.

# conserve_input FILE: records with a customer, an e-mail, a time, revenue
# and an event, interleaved with bad lines (not JSON, cut short, invalid
# UTF-8, a duplicate key, a JSON array) and blank lines, which are not
# records.  Two customers share an e-mail so that dedupe and merge merge.
conserve_input() {
	{
		printf '%s\n' \
'{"customer_id":"c1","email":"ann@example.com","name":"Ann","ts":"2025-01-02","revenue":10.5,"age":30,"event":"view","channel":"ads"}' \
'{"customer_id":"c2","email":"bob@example.com","name":"Bob","ts":"2025-01-03","revenue":5,"age":40,"event":"cart","channel":"mail"}' \
'not json' \
'{"customer_id":"c1","email":"ann@example.com","name":"Ann","ts":"2025-01-05","revenue":3,"age":30,"event":"buy","channel":"ads"}' \
'' \
'{"customer_id":"c3","email":"cy@example.com","ts":"2025-02-01","revenue":20,"age":25,"event":"view","channel":"seo"}' \
'{"bad":' \
'{"customer_id":"c4","ts":"2025-02-03","revenue":7,"event":"buy","channel":"seo"}' \
'{"customer_id":"c5","customer_id":"c6","ts":"2025-02-04"}' \
'{"customer_id":"c6","email":"ANN@example.com","name":"Ann B","ts":"2025-03-01","revenue":12,"age":31,"event":"buy","channel":"mail"}' \
'[1,2]' \
'   ' \
'{"customer_id":"c2","email":"bob@example.com","name":"Bob","ts":"2025-03-07","revenue":40,"age":40,"event":"buy","channel":"mail"}'
		printf '{"customer_id":"c7","name":"\xc3\x28"}\n'
		printf '%s\n' \
'{"customer_id":"c8","email":"eve@example.com","ts":"2025-03-10","revenue":"n/a","age":"?","event":"view","channel":"ads"}' \
'{"customer_id":"c7","email":"dee@example.com","name":"Dee","ts":"2025-03-09","revenue":1,"age":50,"event":"view","channel":"ads"}'
	} >"$1"
}

# conserve_field NAME: a numeric field of $conserve_stats, 0 when absent.
conserve_field() {
	jq -r --arg k "$1" '.[$k] // 0' <<<"$conserve_stats"
}

conserve() {
	local in='' how='' d="$BATS_TEST_TMPDIR/conserve"
	while [ $# -gt 0 ]; do
		case $1 in
		-i) in=$2; shift 2 ;;
		-w) how=$2; shift 2 ;;
		*) break ;;
		esac
	done
	mkdir -p "$d"
	if [ -z "$in" ]; then
		in=$d/input.ndjson
		conserve_input "$in"
	fi
	conserve_out=$d/out
	rm -f "$d/rejects" "$conserve_out"
	"$@" --stats --rejects "$d/rejects" "$in" >"$conserve_out" \
	    2>"$d/err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "conserve: $* exited $rc:" >&2
		cat "$d/err" >&2
		return 1
	fi
	conserve_stats=$(tail -n 1 "$d/err")
	if ! jq -e 'type == "object" and has("read")' \
	    <<<"$conserve_stats" >/dev/null 2>&1; then
		echo "conserve: $*: no --stats line: $conserve_stats" >&2
		return 1
	fi

	# One jq for the whole account: every field the sums need.
	local read rejected used skipped written dropped merged agg
	read -r read rejected used skipped written dropped merged agg < <(jq -r \
	    '[.read, .rejected, .used, .skipped, .written, .dropped, .merged] |
	    map(. // 0) + [1] | @tsv' <<<"$conserve_stats")
	jq -e 'has("used")' <<<"$conserve_stats" >/dev/null || agg=0
	local lines nrej
	lines=$(grep -c '[^[:space:]]' "$in")
	nrej=$(wc -l <"$d/rejects")
	[ "$read" -eq "$lines" ] ||
	    { echo "conserve: $*: read $read, input has $lines" >&2; return 1; }
	[ "$rejected" -eq "$nrej" ] ||
	    { echo "conserve: $*: rejected $rejected, file has $nrej" >&2;
	      return 1; }
	# Every reject names a distinct input line and carries its bytes
	# (jq reads invalid UTF-8 with U+FFFD, as the rejects file has it).
	jq -e -n -R --slurpfile rj "$d/rejects" '[inputs] as $l |
	    ($rj | map(._line) | unique | length) == ($rj | length) and
	    ($rj | all(.raw == $l[._line - 1]))' "$in" >/dev/null ||
	    { echo "conserve: $*: rejects do not match the input lines" >&2;
	      return 1; }

	local count
	if [ "$agg" -eq 1 ]; then
		[ "$read" -eq $((used + rejected + skipped)) ] ||
		    { echo "conserve: $*: $conserve_stats:" \
		      "read != used + rejected + skipped" >&2; return 1; }
		count=used
	else
		[ "$read" -eq $((written + rejected + dropped + merged)) ] ||
		    { echo "conserve: $*: $conserve_stats:" \
		      "read != written + rejected + dropped + merged" >&2;
		      return 1; }
		count=written
		how=${how:-stdout}
	fi

	local want got
	case $how in
	''|none) return 0 ;;
	stdout) got=$(wc -l <"$conserve_out") ;;
	csv) got=$(($(wc -l <"$conserve_out") - 1)) ;;
	dir=*) got=$(cat "${how#dir=}"/*.ndjson | wc -l) ;;
	stat=*) count=${how#stat=}; got=$(wc -l <"$conserve_out") ;;
	*) echo "conserve: bad -w $how" >&2; return 1 ;;
	esac
	want=$(conserve_field "$count")
	[ "$want" -eq "$got" ] ||
	    { echo "conserve: $*: $count $want, output has $got" >&2;
	      return 1; }
}
