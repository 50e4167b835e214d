#!/usr/bin/env bats
# Unattended runs (issue 25.6, 25.7): one --stats schema in every program
# of tests/faults/progs.bash, --stats-file as a shared log, --run-id and
# CDP_RUN_ID, --progress=lines, --max-memory.
load helper
load faults/progs

setup() {
	PEOPLE="$TESTS/faults/people.ndjson"
	cd "$BATS_TEST_TMPDIR"
}

# The run keys: after the account, the same names in the same order.
RUN_KEYS='"program":"[a-z-]+","run_id":(null|"[^"]*"),"started":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z","elapsed_s":[0-9]+\.[0-9]{3},"max_rss_kb":[0-9]+\}$'

@test "runs: every program's --stats line is the account, then the run keys" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		rm -rf parts
		run_split "${cmd[@]}" "${odir[@]}" --stats "$PEOPLE"
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[[ "$stderr" =~ ^\{\"read\":3,.*,$RUN_KEYS ]] ||
		    fail "${cmd[*]}: $stderr"
		[ "$(jq -r .program <<<"$stderr")" = "$msgprog" ] ||
		    fail "${cmd[*]}: program: $stderr"
		# stats_core leaves exactly the account and the counts.
		keys=$(stats_core "$stderr" | jq -r 'keys_unsorted | join(",")')
		[[ "$keys" =~ ^read,(written,rejected,dropped|used,rejected,skipped)(,[a-z_.]+)*$ &&
		    "$keys" != *program* ]] || fail "${cmd[*]}: core: $keys"
	done
}

@test "runs: --stats-file appends one line per run, stages of a pipeline share it" {
	set -o pipefail
	CDP_RUN_ID=nightly-2026-11-24 cdp-dedupe -k email --stats-file log "$PEOPLE" |
	    CDP_RUN_ID=nightly-2026-11-24 cdp-segment --where 'age>40' --stats-file log \
	    >out.ndjson
	CDP_RUN_ID=nightly-2026-11-24 cdp-report group --by customer_id \
	    --agg count --stats-file log out.ndjson >/dev/null
	assert_equal "$(wc -l <log)" 3
	assert_equal "$(jq -r '[.program, .run_id, .read] | @tsv' log | sort)" \
	    "$(printf 'cdp-dedupe\tnightly-2026-11-24\t3\ncdp-report\tnightly-2026-11-24\t1\ncdp-segment\tnightly-2026-11-24\t2')"
	# --stats-file alone implies --stats; stderr stays clean.
	run_split cdp-dedupe -k email --stats-file log "$PEOPLE"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <log)" 4
	run_split cdp-dedupe -k email --stats-file nodir/log "$PEOPLE"
	assert_failure 73
	assert_equal "$stderr" "cdp-dedupe: nodir/log: cannot open: No such file or directory"
}

@test "runs: --run-id wins over CDP_RUN_ID; a bad id is 64 before the run" {
	run_split env CDP_RUN_ID=env-1 cdp-dedupe -k email --stats --run-id opt/1 "$PEOPLE"
	assert_success
	assert_equal "$(jq -r .run_id <<<"$stderr")" opt/1
	run_split env CDP_RUN_ID=env-1 cdp-dedupe -k email --stats "$PEOPLE"
	assert_equal "$(jq -r .run_id <<<"$stderr")" env-1
	run_split cdp-dedupe -k email --stats "$PEOPLE"
	assert_equal "$(jq -c .run_id <<<"$stderr")" null
	for bad in '' 'two words' "$(printf 'x%.0s' {1..129})" 'a"b'; do
		run_split cdp-dedupe -k email --run-id "$bad" "$PEOPLE"
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" "cdp-dedupe: --run-id: 1 to 128 letters, digits and . _ : + @ / -"
		run_split env CDP_RUN_ID="$bad" cdp-dedupe -k email -o out "$PEOPLE"
		if [ -n "$bad" ]; then
			assert_failure 64
			assert_equal "$stderr" "cdp-dedupe: CDP_RUN_ID: 1 to 128 letters, digits and . _ : + @ / -"
			assert_file_not_exists out
		fi
	done
}

# The input comes from a FIFO in two halves a second and a bit apart, so
# that the second half's clock look (every 8192 records) is past the
# interval: at least one line, in the documented form.
@test "runs: --progress=lines writes plain lines for logs" {
	big_input a.ndjson 20000
	mkfifo fifo
	( exec >fifo; head -n 10000 a.ndjson; sleep 1.3; tail -n 10000 a.ndjson ) &
	run_split cdp-dedupe -k email --progress=lines:1 fifo
	wait
	assert_success
	[ -n "$stderr" ] || fail "no progress line"
	while IFS= read -r line; do
		[[ "$line" =~ ^cdp-dedupe:\ progress:\ [0-9]+\ records,\ [0-9.]+\ MB/s,\ [0-9]+\ s$ ]] ||
		    fail "line: $line"
	done <<<"$stderr"
	[[ "$stderr" != *$'\r'* ]] || fail "a carriage return"
	for bad in lines:0 lines:x dots lines: 'lines:86401'; do
		run_split cdp-dedupe -k email --progress="$bad" a.ndjson
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" "cdp-dedupe: --progress: expected bar, lines or lines:SECONDS (1 to 86400)"
	done
	run_split cdp-dedupe -k email --progress=bar a.ndjson
	assert_success
}

@test "runs: --max-memory stops with 71, the size, the records so far and a hint" {
	awk 'BEGIN { for (i = 0; i < 300000; i++)
	    printf("{\"email\":\"u%d@example.com\"}\n", i) }' >many.ndjson
	run_split cdp-dedupe -k email --max-memory 8M -o out many.ndjson
	assert_failure 71
	[[ "$stderr" =~ ^"cdp-dedupe: "(memory\ limit\ reached:\ [0-9.]+\ MB\ used,\ --max-memory\ 8.0\ MB,\ after\ [0-9]+\ records|out\ of\ memory.*\ after\ [0-9]+\ records\ \(--max-memory\ 8.0\ MB\))"; partition the input first, see cdp-partition(1)"$ ]] ||
	    fail "stderr: $stderr"
	assert_file_not_exists out
	# A limit below what the program needs to start stops it at once.
	run_split cdp-segment --where 'true' --max-memory 1K many.ndjson
	assert_failure 71
	[[ "$stderr" =~ ^"cdp-segment: memory limit reached: "[0-9.]+" MB used, --max-memory 1.0 KB, after 0 records; partition the input first, see cdp-partition(1)"$ ]] ||
	    fail "stderr: $stderr"
	assert_equal "$output" ""
	# A limit it stays under changes nothing.
	run_split cdp-dedupe -k email --max-memory 1G --stats many.ndjson
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":300000,"written":300000,"rejected":0,"dropped":0,"merged":0,"unkeyed":0}'
	for bad in 0 x 12Q -1; do
		run_split cdp-dedupe -k email --max-memory "$bad" many.ndjson
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" "cdp-dedupe: --max-memory: not a size (such as 512M or 4G)"
	done
}

# Issue 25.5: a failed stage upstream is invisible downstream; every
# example that pipes sets -o pipefail (README code blocks, man page
# .nf/.EX blocks, examples/*.sh).
@test "runs: every documented pipeline sets -o pipefail" {
	cd "$BATS_TEST_DIRNAME/.."
	run python3 - <<'PY'
import glob, re
bad = []
def check(name, block):
    text = '\n'.join(block)
    if 'cdp' in text and 'expr    =' not in text and \
       any(re.search(r'(^|\s)\|(\s|$)', b) for b in block \
           if not b.lstrip().startswith(('{', '…'))) and \
       'pipefail' not in text:
        bad.append('%s: %s' % (name, block[0].strip()))
lines = open('README.md').read().split('\n')
i = 0
while i < len(lines):
    if lines[i].startswith('    ') and (i == 0 or not lines[i - 1].strip()):
        j = i
        while j < len(lines) and (lines[j].startswith('    ') or
                (not lines[j].strip() and j + 1 < len(lines) and
                 lines[j + 1].startswith('    '))):
            j += 1
        check('README.md', lines[i:j])
        i = j
    i += 1
for p in glob.glob('man/*.[17]'):
    lines = open(p).read().split('\n')
    for k, l in enumerate(lines):
        if l.strip() in ('.nf', '.EX'):
            end = '.fi' if l.strip() == '.nf' else '.EE'
            j = k + 1
            while j < len(lines) and lines[j].strip() != end:
                j += 1
            check(p, lines[k + 1:j])
for p in glob.glob('examples/*.sh'):
    check(p, open(p).read().split('\n'))
print('\n'.join(bad))
PY
	assert_success
	assert_output ""
}
