#!/usr/bin/env bats
# Parallel blocks (cdpipe(7) THREADS): the options and variables that set
# them, what --stats says, and the edges of cutting input into blocks
# (lines over the cap, BOMs, blank lines, several inputs, CSV headers), each
# against one thread.  The programs' own outputs at many thread counts are
# in determinism.bats.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# one_vs_many CMD...: CMD at --threads 1, then at 2 and 5 with blocks of
# one line and of random sizes: the same stdout, stderr and exit status.
one_vs_many() {
	local t b rc1 rc
	"$@" --threads 1 >o1 2>e1 && rc1=0 || rc1=$?
	for t in 2 5; do
		for b in 1 rand:$t; do
			CDP_PAR_BLOCK=$b "$@" --threads "$t" >on 2>en &&
			    rc=0 || rc=$?
			# --stats adds what the threads held; the run keys
			# differ from run to run
			stats_core "$(cat e1)" >e1c
			stats_core "$(cat en)" |
			    sed 's/,"threads":[0-9]*,"blocks":[0-9]*,"block_bytes":[0-9]*}/}/' >enc
			[ "$rc" = "$rc1" ] && cmp o1 on && cmp e1c enc ||
			    { echo "$* at $t threads, blocks $b" >&2
			      diff e1c enc >&2; return 1; }
		done
	done
}

@test "par: --threads takes 1 to 64" {
	echo '{"a":1}' >in.ndjson
	for n in 0 65 x ''; do
		run_split cdp-segment --threads "$n" in.ndjson
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" \
		    "cdp-segment: --threads: expected a number from 1 to 64"
	done
	run cdp-segment --threads 64 in.ndjson
	assert_success
	assert_output '{"a":1}'
}

@test "par: CDP_THREADS sets the default; a bad value is a usage error" {
	echo '{"a":1}' >in.ndjson
	CDP_THREADS=3 run_split cdp-segment --stats in.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":1,"written":1,"rejected":0,"dropped":0,"threads":3,"blocks":1,"block_bytes":'"$(jq .block_bytes <<<"$stderr")"'}'
	CDP_THREADS=0 run_split cdp-dedupe --key a in.ndjson
	assert_failure 64
	assert_equal "$stderr" "cdp-dedupe: CDP_THREADS: expected a number from 1 to 64"
	CDP_PAR_BLOCK=big run_split cdp-report group --threads 2 in.ndjson
	assert_failure 64
	assert_equal "$stderr" "cdp-report: CDP_PAR_BLOCK: expected a size (as 64K) or rand:SEED"
}

@test "par: --stats reports threads, blocks and bytes only when the count was asked" {
	seq 1 3000 | sed 's/.*/{"n":&}/' >in.ndjson
	run_split cdp-segment --stats in.ndjson
	assert_equal "$(stats_core "$stderr")" '{"read":3000,"written":3000,"rejected":0,"dropped":0}'
	CDP_PAR_BLOCK=1K run_split cdp-segment --threads 2 --stats in.ndjson
	assert_equal "$(stats_core "$stderr" | jq -c 'del(.block_bytes)')" '{"read":3000,"written":3000,"rejected":0,"dropped":0,"threads":2,"blocks":31}'
	# the same account every run: the blocks are cut the same way at
	# any thread count, and what they held is the same for a file
	bytes=$(jq .block_bytes <<<"$stderr")
	for i in 1 2 3; do
		CDP_PAR_BLOCK=1K run_split cdp-segment --threads 2 --stats \
		    in.ndjson
		assert_equal "$(stats_core "$stderr" | jq -c '[.blocks, .block_bytes]')" "[31,$bytes]"
	done
	CDP_PAR_BLOCK=1K run_split cdp-report group --threads 3 --stats in.ndjson
	assert_equal "$(stats_core "$stderr" | jq -c '[.threads, .blocks]')" '[3,31]'
	# what the blocks held does not grow with the input: ten times as
	# many records, the same slots (their buffers grow a little with
	# the lines carried over between reads)
	for t in 2 3; do
		CDP_PAR_BLOCK=1K run_split cdp-segment --threads "$t" --stats \
		    in.ndjson
		small=$(stats_core "$stderr" | jq .block_bytes)
		for i in 1 2 3 4 5 6 7 8 9 10; do cat in.ndjson; done >big.ndjson
		CDP_PAR_BLOCK=1K run_split cdp-segment --threads "$t" --stats \
		    big.ndjson
		big=$(stats_core "$stderr" | jq .block_bytes)
		[ "$small" -gt 0 ] && [ "$big" -lt $((small * 3 / 2)) ] ||
		    fail "$t threads: $small bytes, then $big"
	done
	# --unbuffered reads as one thread always did
	run_split cdp-segment --unbuffered --threads 4 --stats in.ndjson
	assert_equal "$(stats_core "$stderr")" '{"read":3000,"written":3000,"rejected":0,"dropped":0}'
}

@test "par: blank lines, CRLF, a BOM on every input, no newline at the end" {
	printf '\xef\xbb\xbf{"a":1}\r\n\n  \t\n{"a":2}\n{bad\n{"a":3}' >x.ndjson
	printf '\xef\xbb\xbf{"b":1}\n\n{"b":2}\r\n' >y.ndjson
	: >empty.ndjson
	one_vs_many cdp-segment --rejects r --stats x.ndjson empty.ndjson \
	    y.ndjson
	assert_equal "$(cat o1)" "$(printf '%s\n' '{"a":1}' '{"a":2}' \
	    '{"a":3}' '{"b":1}' '{"b":2}')"
	assert_equal "$(jq -c '[._src, ._line]' r)" '["x.ndjson",5]'
	one_vs_many sh -c 'cat "$@" | cdp-ingest --source s "$@" -' sh \
	    x.ndjson
}

@test "par: the first bad record stops the run after the records before it" {
	{ seq 1 500 | sed 's/.*/{"k":"&","n":&}/'; echo '{"k":}'
	  seq 1 500 | sed 's/.*/{"k":"&","n":&}/'; } >in.ndjson
	for cmd in "cdp-segment" "cdp-dedupe --key k" "cdp-ingest" \
	    "cdp-report group --by k" "cdp-merge --ids k"; do
		# shellcheck disable=SC2086
		one_vs_many $cmd in.ndjson
		assert_equal "$(cat e1)" "${cmd%% *}: in.ndjson:501: expected a value at byte 6"
	done
	one_vs_many cdp-dedupe --key k in.ndjson
	[ "$(wc -l <o1)" -eq 500 ]
}

@test "par: a line over --max-record-bytes, whole or cut while it streams" {
	{ echo '{"a":1}'; printf '{"a":"'; head -c 1000000 /dev/zero |
	    tr '\0' y; echo '"}'; echo '{"a":2}'; printf '{"a":"x%0300d"}\n' 0
	  printf '{"a":"'; head -c 600000 /dev/zero | tr '\0' z; } >long.ndjson
	one_vs_many cdp-segment --max-record-bytes 1000 --rejects r long.ndjson
	assert_equal "$(cat o1)" "$(printf '%s\n' '{"a":1}' '{"a":2}' \
	    "{\"a\":\"x$(printf '%0300d' 0)\"}")"
	assert_equal "$(jq -c '[._line, (.raw | length)]' r | tr '\n' ' ')" \
	    '[2,1000] [5,1000] '
	one_vs_many sh -c 'cdp-segment --max-record-bytes 1000 --rejects /dev/stdout < "$1"' sh long.ndjson
}

@test "par: CSV blocks end between rows, never inside a quoted field" {
	{ printf '\xef\xbb\xbf\n\n"id","note"\r\n'
	  for i in $(seq 1 400); do
		printf '%d,"line one\nline ""two"", %d"\r\n' "$i" "$i"
		printf '%d,x"y\n' "$i"
		[ $((i % 50)) -eq 0 ] && printf '\n'
	  done
	  printf '401,"no end\n'; } >q.csv
	one_vs_many cdp-ingest --rejects r --stats q.csv
	[ "$(jq -r '._line' o1 | head -n 3 | tr '\n' ' ')" = "4 6 7 " ]
	assert_equal "$(jq -c '[._error, ._line]' r)" '["unterminated quoted field",1212]'
	one_vs_many cdp-ingest --trim --delimiter , q.csv
	printf 'sep=;\nh1;h2\n1;"2\n3"\n' >sep.csv
	one_vs_many cdp-ingest sep.csv
	assert_equal "$(cat o1)" '{"h1":"1","h2":"2\n3","_src":"sep.csv","_line":3}'
	printf 'h1,h2\n' >head.csv
	one_vs_many cdp-ingest --stats head.csv
	assert_equal "$(stats_core "$(cat e1)")" '{"read":0,"written":0,"rejected":0,"dropped":0}'
}

@test "par: every vector level of the record layer gives the same records" {
	{ printf '%s\n' '{"a":"\u00e9\\\"x","b":[1,{"c":null}],"k\u0041":true}'
	  printf '{"a":"caf\\u00e9 \xc3\xa9","n":-1.5e3}\n{"a":"\xc3"}\n'
	  printf '%s\n' '{"a":1,"a":2}' '{"x":[1,2 ]}' \
	    '{"long":"'"$(printf '%0200d' 7)"'"}'; } >in.ndjson
	for level in scalar sse2 avx2; do
		CDP_SIMD=$level cdp-segment --rejects "r.$level" in.ndjson \
		    >"o.$level"
	done
	cmp o.scalar o.sse2
	cmp o.scalar o.avx2
	cmp r.scalar r.sse2
	cmp r.scalar r.avx2
	assert_equal "$(wc -l <o.scalar)" 4
	assert_equal "$(jq -r ._error r.scalar | tr '\n' '|')" 'invalid UTF-8 at byte 7|duplicate key at byte 8|'
}

@test "par: --max-memory holds with threads, and --progress=lines counts their records" {
	awk 'BEGIN { for (i = 0; i < 300000; i++)
	    printf("{\"email\":\"u%d@example.com\"}\n", i) }' >many.ndjson
	# a limit the blocks would fill: one thread's run, stopped as one
	# thread is (71, the limit and the records so far named)
	for t in 2 8; do
		run_split cdp-dedupe -k email --threads "$t" --max-memory 8M \
		    -o out many.ndjson
		assert_failure 71
		[[ "$stderr" =~ ^"cdp-dedupe: "(memory\ limit\ reached:\ [0-9.]+\ MB\ used,\ --max-memory\ 8.0\ MB,\ after\ [0-9]+\ records|out\ of\ memory.*\ after\ [0-9]+\ records\ \(--max-memory\ 8.0\ MB\))"; partition the input first, see cdp-partition(1)"$ ]] ||
		    fail "$t threads: $stderr"
		assert_file_not_exists out
	done
	# the blocks in flight take at most a quarter of the limit: fewer
	# threads under 64M, all eight under 1G (their stacks fit in the
	# capped address space); the result is one thread's
	cdp-segment --stats many.ndjson >o1 2>e1
	for lim in 64M:2 1G:8; do
		run_split cdp-segment --threads 8 --max-memory "${lim%:*}" \
		    --stats many.ndjson
		assert_success
		cmp o1 <(printf '%s\n' "$output")
		assert_equal "$(stats_core "$stderr" | jq -c '[.read, .written, .threads]')" "[300000,300000,${lim#*:}]"
	done
	# progress lines as the blocks are written, in the documented form
	mkfifo fifo
	( exec >fifo; head -n 150000 many.ndjson; sleep 1.3
	  tail -n 150000 many.ndjson ) &
	run_split cdp-segment --threads 2 --progress=lines:1 fifo
	wait
	assert_success
	[ -n "$stderr" ] || fail "no progress line"
	while IFS= read -r line; do
		[[ "$line" =~ ^cdp-segment:\ progress:\ [0-9]+\ records,\ [0-9.]+\ MB/s,\ [0-9]+\ s$ ]] ||
		    fail "line: $line"
	done <<<"$stderr"
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 300000
}

@test "par: cdp-report group --by an array: each element's group, --whole-arrays, a currency clash" {
	printf '%s\n' '{"segments":["vip","at_risk"],"r":1}' \
	    '{"segments":["vip","vip"],"r":2}' '{"segments":[],"r":4}' '{"r":8}' \
	    '{"segments":"vip","r":16}' \
	    '{"segments":[1, 1.0, "\u0061b", [2, 3], null],"r":32}' >in.ndjson
	one_vs_many cdp-report group --by segments --agg count,sum:r,first:r \
	    -f csv in.ndjson
	assert_equal "$(cat o1)" 'segments,count,sum_r,first_r
,3,44,4
1,1,32,32
ab,1,32,32
at_risk,1,1,1
vip,3,19,1
"[2,3]",1,32,32'
	one_vs_many cdp-report group --by segments --whole-arrays -f csv \
	    in.ndjson
	assert_equal "$(cat o1)" 'segments,count
,1
vip,1
"[""vip"",""at_risk""]",1
"[""vip"",""vip""]",1
"[1,1.0,""\u0061b"",[2,3],null]",1
[],1'
	# b takes EUR from line 1 and USD from line 3, a group of line 3's
	# second element: the same message, at the same line, on threads
	printf '%s\n' '{"s":["a","b"],"r":1,"_currency":"EUR"}' \
	    '{"s":["c"],"r":2,"_currency":"USD"}' \
	    '{"s":["c","b"],"r":4,"_currency":"USD"}' >cur.ndjson
	one_vs_many cdp-report group --by s --agg sum:r cur.ndjson
	assert_equal "$(cat e1)" 'cdp-report: cur.ndjson:3: sum:r would mix amounts in "EUR" and "USD" in one group: add _currency to --by, or keep one currency'
	one_vs_many cdp-report group --by s,_currency --agg sum:r cur.ndjson
}

@test "par: group and rfm number lines in the blocks, the writer in the inputs: rejects, cut lines, a clash" {
	# the workers number each block's lines from 1 and the writer adds
	# the lines before it: BOM, CRLF, blank lines, a long line, several
	# inputs, the last without a newline
	{ printf '\xef\xbb\xbf{"k":"a","r":1}\r\n\n  \t\n{"k":"b","r":"x"}\n'
	  printf '{bad\n{"k":"a","r":"'; head -c 3000 /dev/zero | tr '\0' y
	  printf '"}\n{"k":"b","r":2}\n'; } >x.ndjson
	printf '\n{"k":"a","r":3}\n{"k":"b","r":[1]}\n{"k":"a","r":4}' >y.ndjson
	one_vs_many cdp-report group --by k --agg count,sum:r \
	    --max-record-bytes 1000 --rejects r x.ndjson y.ndjson
	assert_equal "$(cat o1)" "$(printf '%s\n' '{"k":"a","count":3,"sum_r":8}' \
	    '{"k":"b","count":1,"sum_r":2}')"
	assert_equal "$(jq -c '[._src, ._line, ._error]' r | tr '\n' ' ')" \
	    '["x.ndjson",4,"r: not a number"] ["x.ndjson",5,"expected a key at byte 2"] ["x.ndjson",6,"record longer than --max-record-bytes"] ["y.ndjson",3,"r: not a number"] '
	# from a pipe the long line is cut while it streams, its rest dropped
	one_vs_many sh -c 'cat x.ndjson y.ndjson | cdp-report group --by k --agg count,sum:r --max-record-bytes 1000 --rejects /dev/stdout - "$@"' sh
	assert_equal "$(jq -c '._line' o1 | tr '\n' ' ')" 'null null 4 5 6 10 '
	# a lane's clash at a line of a later block and input
	printf '%s\n' '{"k":"a","r":1,"_currency":"EUR"}' '' '{"k":"b","r":1}' \
	    '{"k":"a","r":"q"}' '{"k":"a","r":2,"_currency":"USD"}' >z.ndjson
	one_vs_many cdp-report group --by k --agg sum:r --skip-nonnumeric \
	    --rejects /dev/null x.ndjson y.ndjson z.ndjson
	assert_equal "$(cat e1)" 'cdp-report: z.ndjson:5: sum:r would mix amounts in "EUR" and "USD" in one group: add _currency to --by, or keep one currency'
	# cdp-score's blocks number their lines too (rejects by the workers
	# and by the lanes)
	{ printf '\xef\xbb\xbf{"k":"a","t":"2025-01-01","r":1}\r\n\n  \t\n'
	  printf '{"k":"b","t":"2025-01-02","r":"x"}\n{bad\n'
	  printf '{"k":"a","t":"2025-01-03","r":"'; head -c 3000 /dev/zero |
	    tr '\0' y
	  printf '"}\n{"k":"b","t":"2025-01-04","r":2}\n'; } >sx.ndjson
	printf '\n{"k":"a","t":"2025-01-05","r":3}\n{"k":"b","t":"nope","r":1}\n{"k":"a","t":"2025-01-06","r":4}' >sy.ndjson
	one_vs_many cdp-score rfm --id k --time t --amount r \
	    --max-record-bytes 1000 --rejects r sx.ndjson sy.ndjson
	assert_equal "$(jq -c '[._src, ._line]' r | tr '\n' ' ')" \
	    '["sx.ndjson",4] ["sx.ndjson",5] ["sx.ndjson",6] ["sy.ndjson",3] '
}

# read_vs_map CMD...: CMD reading its files with read(2) (CDP_MMAP=0),
# then mapped on one thread (common/lines) and on two with the default
# blocks and blocks of random sizes: the same stdout, stderr and exit
# status.
read_vs_map() {
	local b rc1 rc
	CDP_MMAP=0 "$@" --threads 2 >o1 2>e1 && rc1=0 || rc1=$?
	for b in 1 "" rand:3; do
		if [ "$b" = 1 ]; then
			"$@" --threads 1 >on 2>en && rc=0 || rc=$?
		else
			CDP_PAR_BLOCK=$b "$@" --threads 2 >on 2>en &&
			    rc=0 || rc=$?
		fi
		[ "$rc" = "$rc1" ] && cmp o1 on && cmp e1 en ||
		    { echo "$* mapped, blocks '$b'" >&2; diff e1 en >&2
		      return 1; }
	done
}

@test "par: a file read in place (mapped) gives what read(2) gives" {
	# 2 MB: a BOM, CRLF, blank lines, a bad record, a line over
	# --max-record-bytes, and no newline at the end
	{ printf '\xef\xbb\xbf'
	  seq 1 20000 | awk '{ printf "{\"k\":\"%d\",\"n\":%d,\"s\":\"%s\"}%s\n",
	      $1 % 997, $1, substr("abcdefghijklmnopqrstuvwxyz", 1 + $1 % 26),
	      ($1 % 7 == 0 ? "\r" : "") } $1 % 5000 == 0 { print "" }'
	  printf '{"k":"long","s":"'; head -c 100000 /dev/zero | tr '\0' y
	  echo '"}'
	  seq 20001 40000 | sed 's/.*/{"k":"&","n":&}/'
	  printf '{"k":"last","n":0}'; } >big.ndjson
	for cmd in "cdp-segment --where n>10" "cdp-dedupe --key k" \
	    "cdp-report group --by k --agg count,sum:n" "cdp-score rfm --id k --time n --amount n" \
	    "cdp-merge --ids k"; do
		# shellcheck disable=SC2086
		read_vs_map $cmd --max-record-bytes 50000 --rejects r big.ndjson
	done
	{ head -n 14000 big.ndjson; echo '{"k":}'; cat big.ndjson; } >bad.ndjson
	read_vs_map cdp-segment bad.ndjson
	assert_equal "$(cat e1)" "cdp-segment: bad.ndjson:14001: expected a value at byte 6"
}

# cut_under_run THREADS: cdp-segment on THREADS threads has mapped its
# input and waits with most of it not read yet (its output fills a fifo)
# when another program empties the file.
cut_under_run() {
	seq 1 300000 | sed 's/.*/{"k":"&","n":&,"pad":"........................"}/' >in.ndjson
	rm -f out
	mkfifo out
	cdp-segment --threads "$1" --where 'n > 0' in.ndjson >out 2>err &
	pid=$!
	# (bats keeps 3 for itself)
	exec 7<out
	head -c 1 <&7 >/dev/null
	: >in.ndjson
	cat <&7 >/dev/null
	exec 7<&-
	wait "$pid" && rc=0 || rc=$?
}

@test "par: an input cut short while it is read in place stops the run (74) with a message, no crash, on one thread or two" {
	for t in 1 2; do
		cut_under_run "$t"
		assert_equal "$rc" 74
		assert_equal "$(cat err)" "cdp-segment: in.ndjson: input file shrank while being read (truncated by another program?)"
	done
}
