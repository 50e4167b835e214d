#!/usr/bin/env bats
# The architecture's promises: one table per list, one meaning per short
# option, no dependency from a program to another or from common/ to a
# program, no call cycle between files, no repeated block of code.
load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# --- one table per list -------------------------------------------------------

@test "arch: the normalisers of --help are one list, every name accepted" {
	kinds=
	for p in cdp-ingest cdp-dedupe cdp-merge cdp-partition; do
		line=$("$p" --help | grep '^      KIND:') ||
		    fail "$p: no KIND line in --help"
		[ -z "$kinds" ] || [ "$line" = "$kinds" ] ||
		    fail "$p: $line differs from $kinds"
		kinds=$line
	done
	assert_equal "$kinds" "      KIND: email email-canonical phone name key date datetime country"
	printf 'v\n x \n' > in.csv
	for k in ${kinds#*KIND:}; do
		run cdp-ingest -n "v:$k" in.csv
		[ "$status" -eq 0 ] || [ "$status" -eq 65 ] ||
		    fail "kind $k: status $status"
	done
	run_split cdp-ingest -n v:soundex in.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --normalize: unknown kind "soundex"'
}

@test "arch: the report formats of --help are one list, every name and extension works" {
	printf '%s\n' '{"a":1}' '{"a":2}' > in.ndjson
	fmts=$(cdp-report profile --help | sed -n 's/^      FMT: //p')
	exts=$(cdp-report profile --help | sed -n 's/^      (-o extensions: \(.*\))$/\1/p')
	assert_equal "$fmts" "table csv ndjson markdown html"
	assert_equal "$exts" ".txt .csv .ndjson .jsonl .md .html .htm"
	for f in $fmts; do
		cdp-report profile --format "$f" -o "out.$f" in.ndjson ||
		    fail "--format $f"
	done
	for e in $exts; do
		cdp-report profile -o "x$e" in.ndjson || fail "-o x$e"
		found=
		for f in $fmts; do
			cmp -s "x$e" "out.$f" && found=$f
		done
		[ -n "$found" ] || fail "-o x$e: no format's output"
	done
	run_split cdp-report profile --format yaml in.ndjson
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" "cdp-report profile: --format: expected table, csv, ndjson, markdown or html"
}

@test "arch: cdp-score's subcommands are one list: usage, dispatch and messages" {
	cmds=$(cdp-score --help | awk '$1 == "usage:" { print $3 } $1 == "cdp-score" { print $2 }' | paste -sd' ')
	assert_equal "$cmds" "rfm clv churn sendtime model points"
	run_split cdp-score nosuch
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-score: unknown subcommand "nosuch" (rfm, clv, churn, sendtime, model or points)'
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-01","revenue":1}' > t.ndjson
	printf '%s\n' '{"type":"linear","weights":{"revenue":2}}' > m.json
	printf '%s\n' '[{"name":"a","when":"true","points":1}]' > r.json
	run cdp-score rfm t.ndjson
	assert_output --partial 'recency":0'
	run cdp-score model --model m.json t.ndjson
	assert_output --partial 'score":2'
	run cdp-score points --rules r.json t.ndjson
	assert_output --partial '"points":1'
	run cdp-score clv --fit-only t.ndjson
	assert_failure 65	# one customer cannot be fitted: but clv ran
	run cdp-score churn --fit-only t.ndjson
	assert_failure 65	# and churn
	printf '%s\n' '{"customer_id":"a","ts":"2025-01-01T09:00:00Z","event":"open"}' > e.ndjson
	run cdp-score sendtime e.ndjson
	assert_output --partial '"sendtime_hour":9'
}

@test "arch: one duration grammar for report and journey" {
	printf '%s\n' '{"profile_id":"a","ts":"2025-01-01T00:00:00Z","event":"view"}' \
	    '{"profile_id":"a","ts":"2025-01-01T01:20:00Z","event":"buy"}' > ev.ndjson
	steps=(--steps 'event=="view"' 'event=="buy"')
	for d in 1.5h 90m 5400 5400s 0.0625d; do
		run cdp-report funnel "${steps[@]}" --within "$d" -f csv ev.ndjson
		assert_success
		assert_line --index 2 --regexp '^2,.*,1,'
	done
	run cdp-report funnel "${steps[@]}" --within 1h -f csv ev.ndjson
	assert_line --index 2 --regexp '^2,.*,0,'
	for d in 0 1e3 h -1d 1H; do
		run cdp-report funnel "${steps[@]}" --within "$d" ev.ndjson
		assert_failure 64
	done
	for d in 1.5h 90 0 7d; do
		printf '[{"name":"all","actions":[{"name":"p","channel":"email","template":"t","when":"event == \\"buy\\"","wait":"%s"}]}]' "$d" > j.json
		run cdp-journey -j j.json --as-of 2026-01-01 /dev/null
		assert_success
	done
	printf '[{"name":"all","actions":[{"name":"p","channel":"email","template":"t","wait":"1e3"}]}]' > j.json
	run cdp-journey -j j.json --as-of 2026-01-01 /dev/null
	assert_failure 65
}

# --- one meaning per short option ---------------------------------------------

# Every --help of every program and subcommand: "PROG -x --long" lines.
short_options() {
	for d in "$BATS_TEST_DIRNAME"/../cmd/*/; do
		p=$(basename "$d")
		# subcommands as the bash completion finds them
		subs=$("$p" --help 2>/dev/null | awk -v p="$p" '
		    /^commands:/ { list = 1; next }
		    list && /^  [a-z]/ { print $1; next }
		    list && !/^  / { list = 0 }
		    ($1 == "usage:" && $2 == p) { print $3 }
		    ($1 == p) { print $2 }' | grep -E '^[a-z]+$' | sort -u)
		[ "$p" = cdp ] && subs=
		for s in "" $subs; do
			"$p" $s --help 2>/dev/null |
			    sed -n 's/^  -\([a-zA-Z]\), --\([a-z-]*\).*/\1 \2/p' |
			    sed "s|^|$p${s:+ $s} |"
		done
	done
}

@test "arch: a short option means one thing in every program" {
	short_options > all
	[ "$(wc -l < all)" -gt 40 ] || fail "too few options read: $(cat all)"
	awk '{ long[$(NF-1)] = long[$(NF-1)] " " $NF; who[$(NF-1) " " $NF] = $1 }
	    END { for (c in long) { n = split(long[c], l, " "); m = 0
		for (i = 1; i <= n; i++) if (!seen[c, l[i]]++) m++
		if (m > 1) print "-" c ":" long[c] } }' all > clash
	[ ! -s clash ] || fail "short options with two meanings: $(cat clash)"
	# the common ones
	for o in "n normalize" "o output" "k key" "f format" "h help" "V version"; do
		awk -v c="${o% *}" -v l="${o#* }" '$(NF-1) == c && $NF != l' all > bad
		[ ! -s bad ] || fail "-${o% *} is not --${o#* }: $(cat bad)"
	done
}

# The letters that clashed, kept one release with a warning:
# PROG [SUBCOMMAND] LETTER LONG, all going in 0.2.0.
DEPRECATED="
cdp-dedupe b block
cdp-dedupe m mark
cdp-export c fields
cdp-export p platform
cdp-ingest m map
cdp-ingest s source
cdp-merge a annotate
cdp-merge p profiles
cdp-merge r rule
cdp-partition n parts
cdp-journey n dry-run
cdp-segment r rules
cdp-segment w where
cdp-report group a agg
cdp-report group b by
cdp-report cohort a activity
cdp-report cohort c cohort
cdp-report cohort p period
cdp-report attribution c conversion
cdp-report attribution m model
cdp-report funnel s steps
cdp-report funnel w within"

@test "arch: the old short spellings work until 0.2.0, with a warning" {
	while read -r p a b c; do
		[ -n "$p" ] || continue
		if [ -n "$c" ]; then sub=$a; ch=$b; long=$c; else sub=; ch=$a; long=$b; fi
		# it is accepted (not "invalid option") and says what to write
		run_split "$p" $sub "-$ch" x < /dev/null
		assert_equal "${stderr%%$'\n'*}" "$p: -$ch is deprecated and goes in 0.2.0: write --$long"
	done <<< "$DEPRECATED"
	# and --help no longer shows them
	short_options > all
	while read -r p a b c; do
		[ -n "$p" ] || continue
		if [ -n "$c" ]; then sub=$a; ch=$b; long=$c; else sub=; ch=$a; long=$b; fi
		! grep -qx "$p${sub:+ $sub} $ch $long" all ||
		    fail "$p $sub: -$ch still in --help"
	done <<< "$DEPRECATED"
	run_split cdp-merge -p --ids email /dev/null
	assert_success
	assert_equal "$stderr" "cdp-merge: -p is deprecated and goes in 0.2.0: write --profiles"
	printf '%s\n' '{"k":"a"}' '{"k":"b"}' > in.ndjson
	run_split cdp-partition -k k -n 2 -o parts in.ndjson
	assert_success
	assert_equal "$stderr" "cdp-partition: -n is deprecated and goes in 0.2.0: write --parts"
	run_split cdp-partition -k k --parts 2 -o parts2 in.ndjson
	assert_success
	assert_equal "$stderr" ""
	diff -r parts parts2
}

# --- dependencies and state -------------------------------------------------

@test "arch: no mutable global outside main.c and options (diagnostics and exit cleanup aside)" {
	# writable data (.data, .bss) of every object; the sanctioned ones are
	# the program name, verbosity and start clocks of diag; the memory
	# guard's limit, records so far and hint, and the progress lines'
	# period (an allocation that fails anywhere reports them); where
	# --stats-file and --run-id send the stats line; the open temporary
	# files that an exit must remove and the outputs and inputs claimed
	# (a clash is refused wherever a file opens); the C++ stream
	# initialiser of the libphonenumber shim; and the flags the signal
	# handlers of cdp-journey --follow set, and the name of the file
	# mapped last with the once-flag of the handler of its truncation
	# (a handler takes no context)
	cd "$CDP_BUILD/obj"
	for o in cmd/*/*.o common/*.o; do
		case $o in */main.o|*/options.o) continue ;; esac
		objdump -t "$o" | awk -v o="$o" '($4 == ".data" || $4 == ".bss") &&
		    $NF !~ /^(\.|__)/ { print o ": " $NF }'
	done | grep -vxE 'common/diag.o: diag_(prog|verbose|hook|wall|mono)|common/progress.o: (mem_max|mem_records|oom_hint|lines_every)|common/acct.o: stats_(file|run_id)|common/out.o: (open_outs|claims|nclaims|claimcap|last_serial)|common/phonelib.o: _ZStL8__ioinit|cmd/cdp-journey/follow.o: (stop|want_stats)|common/mapin.o: bus_(file|once)' > globals || true
	[ ! -s globals ] || fail "mutable globals: $(cat globals)"
}

@test "arch: no program reaches into another, common/ into none, no call cycle between files" {
	# the compiler's dependency files and nm of the objects
	run python3 "$TESTS/arch/deps.py" "$CDP_BUILD"
	assert_success
	assert_output ""
	# and the check finds one: two files of a program calling each other
	mkdir -p b/obj/common b/obj/cmd/p
	echo 'int b(int); int a(int x) { return x ? b(x - 1) : 0; }' > a.c
	echo 'int a(int); int b(int x) { return a(x); }' > b.c
	for f in a b; do
		cc -c -o "b/obj/cmd/p/$f.o" "$f.c"
		echo "cmd/p/$f.o: cmd/p/$f.c" > "b/obj/cmd/p/$f.d"
	done
	run python3 "$TESTS/arch/deps.py" "$PWD/b"
	assert_failure
	assert_output "call cycle: cmd/p/a.c <-> cmd/p/b.c"
	# tests and harnesses link objects: no source includes a .c file
	run grep -rlE '#include "[^"]*\.c"' "$TESTS" "$TESTS/../cmd" "$TESTS/../common"
	assert_failure
}

@test "arch: no block of more than 8 lines written twice in cmd/ or common/" {
	run python3 "$TESTS/arch/repeats.py" "$TESTS/.." 9
	assert_success
	assert_output ""
	# and the check finds one
	mkdir -p t/cmd/a t/common
	seq 1 12 | sed 's/.*/\tx = f(&, y);/' > t/cmd/a/one.c
	cp t/cmd/a/one.c t/common/two.c
	run python3 "$TESTS/arch/repeats.py" t 9
	assert_failure
	assert_output "cmd/a/one.c:1 ~ common/two.c:1"
}

@test "arch: every main.c is STYLE.md's template: main() alone, short" {
	for d in "$TESTS"/../cmd/*/; do
		p=$(basename "$d")
		n=$(wc -l < "$d/main.c")
		[ "$n" -le 70 ] || fail "$p/main.c: $n lines"
		fns=$(nm "$CDP_BUILD/obj/cmd/$p/main.o" |
		    awk '$2 ~ /^[Tt]$/ && $3 !~ /^(_sub_|__)/ { print $3 }' |
		    paste -sd' ')
		[ "$fns" = main ] || fail "$p/main.c defines: $fns"
		grep -q 'cdp_diag_init("'"$p"'")' "$d/main.c" ||
		    fail "$p/main.c: no cdp_diag_init first"
	done
}

@test "arch: the attribution models are one list: parse, columns, messages" {
	run_split cdp-report attribution --conversion 'event == "buy"' --model nosuch
	assert_failure 64
	list=${stderr%%)*}
	list=${list#*(}
	assert_equal "$list" "first, last, linear, time-decay, position, markov, shapley, shapley-ordered"
	printf '%s\n' '{"profile_id":"a","ts":"2025-01-01T00:00:00Z","channel":"mail"}' \
	    '{"profile_id":"a","ts":"2025-01-02T00:00:00Z","channel":"ads"}' \
	    '{"profile_id":"a","ts":"2025-01-03T00:00:00Z","event":"buy"}' > ev.ndjson
	for m in ${list//,/}; do
		run cdp-report attribution --conversion 'event == "buy"' \
		    --model "$m" -f csv ev.ndjson
		assert_success
		# the column prefix is the name with _ for -
		assert_line --index 0 --regexp "^channel,${m//-/_}_conversions"
	done
}
