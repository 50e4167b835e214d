#!/usr/bin/env bats
# Fault injection for every program of tests/faults/progs.bash: full
# devices, a write error in the middle of the output (strace injects
# ENOSPC), kill -9 during a run, unreadable inputs and directories.
load helper
load faults/progs

setup_file() {
	big_input "$BATS_FILE_TMPDIR/big.ndjson" 20000
	{ cat "$BATS_TEST_DIRNAME/faults/people.ndjson"; echo 'not json'; } \
	    >"$BATS_FILE_TMPDIR/bad.ndjson"
}

# run_closed REDIR ARGS...: the row's command with ARGS under the shell
# redirection REDIR (">&-", "<&-", "2>&-"), with no rejects file or folder
# of parts left from the previous row.
run_closed() {
	local redir=$1
	shift
	rm -rf "$BATS_TEST_TMPDIR/r.ndjson" "$BATS_TEST_TMPDIR/parts"
	run_split bash -c "\"\$@\" $redir" sh "${cmd[@]}" "${odir[@]}" "$@"
}

# fresh_out: an empty folder $where for the row's output, and $opt_o, what
# -o gets: $where/result.ndjson, or for a folder program $where itself,
# whose parts are its outputs.  $old is the file that stands for the
# output (result.ndjson, or part-000.ndjson) and $tmpl the name pattern of
# its temporaries.
fresh_out() {
	where=$BATS_TEST_TMPDIR/out
	rm -rf "$where"
	mkdir "$where"
	opt_o=$where/result.ndjson
	old=$opt_o
	tmpl='^\.(result|part-[0-9]{3})\.ndjson\.[A-Za-z0-9]{6}$'
	if [ "$kind" = dir ]; then
		where=$where/parts
		mkdir "$where"
		opt_o=$where
		old=$where/part-000.ndjson
	fi
}

setup() {
	PEOPLE="$TESTS/faults/people.ndjson"
	BIG="$BATS_FILE_TMPDIR/big.ndjson"
	BAD="$BATS_FILE_TMPDIR/bad.ndjson"	# people, then a line not JSON
}

# A folder of parts (cdp-partition) cannot be /dev/full nor go to
# stdout: those programs meet a full disk through the ENOSPC cases below.
@test "faults: -o /dev/full exits 74 with a message, for every program" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		[ "$kind" = dir ] && continue
		run_split "${cmd[@]}" -o /dev/full "$PEOPLE"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status"
		[ "$stderr" = "$msgprog: /dev/full: write error: No space left on device" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
	done
}

@test "faults: > /dev/full exits 74 with a message, for every program" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		[ "$kind" = dir ] && continue
		run_split bash -c '"$@" >/dev/full' sh "${cmd[@]}" "$PEOPLE"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status"
		[ "$stderr" = "$msgprog: <stdout>: write error: No space left on device" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
	done
}

# The third write(2) of the run fails with ENOSPC (only that one, so that
# the message still reaches stderr); the output is over 1 MB, written in
# 256 KB blocks, so the failure comes mid-output.
@test "faults: ENOSPC in the middle of -o output exits 74, no partial or temporary file" {
	command -v strace >/dev/null || skip "strace is not installed (make deps)"
	strace -f -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace here (ptrace not permitted)"
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		out="$BATS_TEST_TMPDIR/out"
		rm -rf "$out"
		mkdir "$out"
		run_split strace -f -o /dev/null -e trace=write \
		    -e inject=write:error=ENOSPC:when=3 \
		    "${cmd[@]}" -o "$out/result.ndjson" "$BIG"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status: $stderr"
		if [ "$kind" = dir ]; then
			# One of the parts, left empty as a folder.
			[[ "$stderr" =~ ^"$msgprog: $out/result.ndjson/part-"[0-9]{3}".ndjson: write error: No space left on device"$ ]] ||
			    fail "${cmd[*]}: stderr: $stderr"
			[ -z "$(ls -A "$out/result.ndjson")" ] ||
			    fail "${cmd[*]}: left: $(ls -A "$out/result.ndjson")"
			continue
		fi
		[[ "$stderr" == "$msgprog: $out/result.ndjson: write error: No space left on device" ]] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ -z "$(ls -A "$out")" ] ||
		    fail "${cmd[*]}: left in the output folder: $(ls -A "$out")"
	done
}

@test "faults: ENOSPC mid-output keeps an existing -o file unchanged" {
	command -v strace >/dev/null || skip "strace is not installed (make deps)"
	strace -f -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace here (ptrace not permitted)"
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		fresh_out
		echo '{"old":true}' >"$old"
		run_split strace -f -o /dev/null -e trace=write \
		    -e inject=write:error=ENOSPC:when=3 \
		    "${cmd[@]}" -o "$opt_o" "$BIG"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status"
		[ "$(cat "$old")" = '{"old":true}' ] ||
		    fail "${cmd[*]}: old file changed"
		[ "$(ls -A "$where")" = "${old##*/}" ] ||
		    fail "${cmd[*]}: left: $(ls -A "$where")"
	done
}

# The program reads a FIFO that stays open, so it is stopped mid-run; its
# temporary file is the documented ".NAME.XXXXXX" beside the output, which
# SIGKILL cannot clean up, and the old output stays whole.
@test "faults: kill -9 during an -o run leaves the old file intact" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		fresh_out
		echo '{"old":true}' >"$old"
		fifo="$BATS_TEST_TMPDIR/fifo"
		rm -f "$fifo"
		mkfifo "$fifo"
		"${cmd[@]}" -o "$opt_o" "$fifo" 2>/dev/null &
		pid=$!
		exec {w}>"$fifo"
		# May meet SIGPIPE: see the FIFO test below.
		cat "$BIG" >&"$w" || true
		# Wait (at most 10 s) for the temporary file to exist.
		for i in $(seq 100); do
			[ -n "$(ls -A "$where" | grep -v "^${old##*/}\$")" ] && break
			sleep 0.1
		done
		kill -9 "$pid"
		wait "$pid" || true
		exec {w}>&-
		[ "$(cat "$old")" = '{"old":true}' ] ||
		    fail "${cmd[*]}: old file changed"
		for f in $(ls -A "$where"); do
			[[ "$f" == "${old##*/}" || "$f" =~ $tmpl ]] ||
			    fail "${cmd[*]}: unexpected file $f"
		done
	done
}

# SIGTERM removes every temporary file, however many outputs are open
# (the list of open outputs had room for 16; cdp-partition opens one per
# part).
@test "faults: SIGTERM during cdp-partition --parts 40 leaves no temporary file" {
	local fifo="$BATS_TEST_TMPDIR/fifo" d="$BATS_TEST_TMPDIR/parts" pid w
	mkfifo "$fifo"
	cdp-partition -k email --parts 40 -o "$d" "$fifo" 2>/dev/null &
	pid=$!
	exec {w}>"$fifo"
	head -n 2000 "$BIG" >&"$w"
	for _ in $(seq 100); do
		[ "$(ls -A "$d" 2>/dev/null | wc -l)" -eq 40 ] && break
		sleep 0.1
	done
	[ "$(ls -A "$d" | grep -c '^\.part-0[0-9][0-9]\.ndjson\.')" -eq 40 ]
	kill -TERM "$pid"
	wait "$pid" || true
	exec {w}>&-
	assert_equal "$(ls -A "$d")" ""
}

# Inputs are checked before the run, but a named FIFO is not opened then:
# closing it again would drop what the writer had written, and the real
# open would wait for a writer that is gone.
@test "faults: a named FIFO input is read whole when its writer is quick" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		fifo="$BATS_TEST_TMPDIR/fifo"
		rm -f "$fifo"
		mkfifo "$fifo"
		rm -rf "$BATS_TEST_TMPDIR/parts"
		timeout 20 "${cmd[@]}" "${odir[@]}" "$fifo" >"$BATS_TEST_TMPDIR/out" &
		pid=$!
		# Written (by the shell itself) and closed as soon as the
		# open returns.
		data=$(<"$PEOPLE")
		( trap '' PIPE; exec {w}>"$fifo"; printf '%s\n' "$data" >&"$w" )
		wait "$pid" || fail "${cmd[*]}: status $? (124: hung)"
		[ "$kind" = dir ] && cat "$BATS_TEST_TMPDIR/parts"/* >"$BATS_TEST_TMPDIR/out"
		[ -s "$BATS_TEST_TMPDIR/out" ] || fail "${cmd[*]}: no output"
	done
}

@test "faults: an unreadable input exits 66 with a message" {
	in="$BATS_TEST_TMPDIR/locked.ndjson"
	cp "$PEOPLE" "$in"
	chmod 000 "$in"
	as=()
	if [ "$(id -u)" -eq 0 ]; then
		# root reads through chmod 000 by its capabilities: drop them.
		# Staying root (not nobody) keeps a build in a private folder
		# (mode 0700, as mktemp -d and /root are) reachable, so cdp can
		# run cdp-segment beside itself.
		command -v setpriv >/dev/null ||
		    skip "running as root, where chmod 000 does not stop reads, and no setpriv"
		as=(setpriv --bounding-set=-dac_override,-dac_read_search)
		"${as[@]}" true 2>/dev/null ||
		    skip "running as root, where chmod 000 does not stop reads, and setpriv fails"
	fi
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_split "${as[@]}" "${cmd[@]}" "${odir[@]}" "$in"
		[ "$status" -eq 66 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: $in: cannot open: Permission denied" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ -z "$output" ] || fail "${cmd[*]}: wrote output"
	done
}

@test "faults: a directory as input exits 66 with a message" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_split "${cmd[@]}" "${odir[@]}" "$PEOPLE" "$BATS_TEST_TMPDIR"
		[ "$status" -eq 66 ] || fail "${cmd[*]}: status $status"
		[ "$stderr" = "$msgprog: $BATS_TEST_TMPDIR: is a directory" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ -z "$output" ] || fail "${cmd[*]}: wrote output before the check"
		[ ! -e "$BATS_TEST_TMPDIR/parts" ] ||
		    fail "${cmd[*]}: made its folder before the check"
	done
}

# Issue 22.1: a closed descriptor 0-2 was handed to the next file opened,
# so with stdout closed the rejects file received the output records.
@test "faults: closed stdout is a write error (74); the rejects file gets no record" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_closed '>&-' --rejects "$BATS_TEST_TMPDIR/r.ndjson" "$BAD"
		if [ "$kind" = dir ]; then
			# Writes no stdout: the run is whole.
			[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
			[ "$(wc -l <"$BATS_TEST_TMPDIR/r.ndjson")" -eq 1 ] ||
			    fail "${cmd[*]}: rejects: $(cat "$BATS_TEST_TMPDIR/r.ndjson")"
			continue
		fi
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: <stdout>: write error: Bad file descriptor" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ ! -e "$BATS_TEST_TMPDIR/r.ndjson" ] ||
		    fail "${cmd[*]}: rejects file: $(cat "$BATS_TEST_TMPDIR/r.ndjson")"
	done
}

@test "faults: closed stdin is a read error (74); with files named it is not read" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_closed '<&-'
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: <stdin>: read error: Bad file descriptor" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		run_closed '<&-' "$PEOPLE"
		[ "$status" -eq 0 ] || fail "${cmd[*]} FILE: status $status: $stderr"
	done
}

@test "faults: closed stderr: no file takes its place, statuses stay" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_closed '2>&-' --stats --rejects "$BATS_TEST_TMPDIR/r.ndjson" "$BAD"
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status"
		# Only the bad line: no message or stats line in it.
		jq -e -s 'length == 1 and .[0]._line == 4 and .[0].raw == "not json"' \
		    "$BATS_TEST_TMPDIR/r.ndjson" >/dev/null ||
		    fail "${cmd[*]}: rejects: $(cat "$BATS_TEST_TMPDIR/r.ndjson")"
		run_closed '2>&-' "$BAD"
		[ "$status" -eq 65 ] || fail "${cmd[*]}: bad data: status $status"
	done
}

# Issue 22.2/22.3: outputs are distinct from each other and from every
# input by device and inode (64 before any input is read); /dev/null and
# /dev/stdout may be named twice.
@test "faults: -o, --rejects and --stats-file naming one file is 64, nothing written" {
	W=$BATS_TEST_TMPDIR
	for row in "${CDP_PROGS[@]}"; do
		prog_row "$row"
		[ "$kind" = dir ] && continue
		rm -f "$W/x"
		run_split "${cmd[@]}" -o "$W/x" --rejects "$W/x" "$PEOPLE"
		[ "$status" -eq 64 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: $W/x: is also the -o file $W/x" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ ! -e "$W/x" ] || fail "${cmd[*]}: wrote $W/x"
		run_split "${cmd[@]}" --stats-file "$W/x" -o "$W/./x" "$PEOPLE"
		[ "$status" -eq 64 ] || fail "${cmd[*]}: stats-file: status $status"
		[ "$stderr" = "$msgprog: $W/./x: is also the --stats-file file $W/x" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		run_split "${cmd[@]}" -o /dev/null --rejects /dev/null \
		    --stats-file /dev/null "$PEOPLE"
		[ "$status" -eq 0 ] || fail "${cmd[*]}: /dev/null: status $status"
	done
}

@test "faults: an output that is an input (by name, symlink or hard link) is 64, input untouched" {
	W=$BATS_TEST_TMPDIR
	in=$W/in.ndjson
	ln -s in.ndjson "$W/sym"
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		cp "$PEOPLE" "$in"
		rm -f "$W/hard"
		ln "$in" "$W/hard"
		for o in --rejects -o --stats-file; do
			for name in "$in" "$W/sym" "$W/hard"; do
				[ "$kind" = dir ] && [ "$o" = -o ] && continue
				run_split "${cmd[@]}" "${odir[@]}" "$o" "$name" "$in"
				[ "$status" -eq 64 ] ||
				    fail "${cmd[*]} $o $name: status $status: $stderr"
				[ "$stderr" = "$msgprog: $in: is also the $o file $name" ] ||
				    fail "${cmd[*]} $o $name: stderr: $stderr"
				cmp -s "$in" "$PEOPLE" ||
				    fail "${cmd[*]} $o $name: input changed"
			done
		done
		# Standard input that is the rejects file.
		run_split bash -c '"$@" <"$0"' "$in" "${cmd[@]}" "${odir[@]}" \
		    --rejects "$W/hard"
		[ "$status" -eq 64 ] || fail "${cmd[*]} <in: status $status"
		[ "$stderr" = "$msgprog: <stdin>: is also the --rejects file $W/hard" ] ||
		    fail "${cmd[*]} <in: stderr: $stderr"
		# Standard output appending to the input.
		[ "$kind" = dir ] && continue
		run_split bash -c '"$@" >>"$0"' "$in" "${cmd[@]}" "$in"
		[ "$status" -eq 64 ] || fail "${cmd[*]} >>in: status $status"
		# Named from whichever side the program claimed second.
		[[ "$stderr" == "$msgprog: <stdout>: is also the input $in" ||
		    "$stderr" == "$msgprog: $in: is also standard output" ]] ||
		    fail "${cmd[*]} >>in: stderr: $stderr"
		cmp -s "$in" "$PEOPLE" || fail "${cmd[*]} >>in: input changed"
	done
}

@test "faults: split and part files are checked against -o and the inputs" {
	W=$BATS_TEST_TMPDIR
	mkdir "$W/out"
	cp "$PEOPLE" "$W/out/old.ndjson"
	run_split cdp-segment --split "$W/out" -d old=true "$W/out/old.ndjson"
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: $W/out/old.ndjson: is also the input $W/out/old.ndjson"
	cmp "$PEOPLE" "$W/out/old.ndjson"
	run_split cdp-segment --split "$W/out" -d a=true --rejects "$W/out/a.ndjson" "$PEOPLE"
	assert_failure 64
	assert_equal "$stderr" "cdp-segment: $W/out/a.ndjson: is also the --rejects file $W/out/a.ndjson"
	cdp-partition -k email --parts 2 -o "$W/p" "$PEOPLE"
	cp "$W/p/part-000.ndjson" "$W/p0"
	run_split cdp-partition -k email --parts 2 --clean -o "$W/p" "$W/p/part-000.ndjson"
	assert_failure 64
	assert_equal "$stderr" "cdp-partition: $W/p/part-000.ndjson: is also the input $W/p/part-000.ndjson"
	cmp "$W/p0" "$W/p/part-000.ndjson"
	# The state file of cdp-journey, read and rewritten, is one output.
	run_split cdp-journey -j "$TESTS/faults/journey.json" --as-of 2025-06-01 \
	    --profile customer_id --state "$W/st" -o "$W/st" "$PEOPLE"
	assert_failure 64
	assert_equal "$stderr" "cdp-journey: $W/st: is also the -o file $W/st"
}

@test "faults: a closed pipe ends every program quietly with status 0" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		[ "$kind" = dir ] && continue
		run_split bash -c 'set -o pipefail; "$@" | head -c 10 >/dev/null' \
		    sh "${cmd[@]}" "$BIG"
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ -z "$stderr" ] || fail "${cmd[*]}: stderr: $stderr"
	done
}

@test "faults: --rejects and --stats-file on a full disk exit 74" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		rm -rf "$BATS_TEST_TMPDIR/parts"
		run_split "${cmd[@]}" "${odir[@]}" --rejects /dev/full "$BAD"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: /dev/full: write error: No space left on device" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		rm -rf "$BATS_TEST_TMPDIR/parts"
		run_split "${cmd[@]}" "${odir[@]}" --stats-file /dev/full "$PEOPLE"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: stats: status $status: $stderr"
		[ "$stderr" = "$msgprog: /dev/full: write error: No space left on device" ] ||
		    fail "${cmd[*]}: stats: stderr: $stderr"
	done
}

# Issue 25.4: the temporary a killed run leaves (.NAME.XXXXXX, which
# SIGKILL cannot clean up) is removed by the next run writing NAME once it
# is stale: older than 15 minutes and locked by no running program.
# Nothing else is touched.
@test "faults: a later run removes the stale temporaries of its output, nothing else" {
	out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	for f in .result.ndjson.AbC123 .result.ndjson.zzzzzz .result.ndjson.young1 \
	    .result.ndjson.held01 .result.ndjson.ab .result.ndjson.abc1234 \
	    .other.ndjson.AbC123 result.ndjson.AbC123 .result.ndjson.a-b_c1; do
		echo stale >"$out/$f"
	done
	mkdir "$out/.result.ndjson.dir123"
	ln -s result.ndjson "$out/.result.ndjson.link12"
	for f in $(ls -A "$out"); do
		[ "$f" = .result.ndjson.young1 ] || touch -h -d '1 hour ago' "$out/$f"
	done
	# A live run holds its temporary: flock by another process.
	flock "$out/.result.ndjson.held01" sleep 30 &
	holder=$!
	for i in $(seq 50); do
		flock -n "$out/.result.ndjson.held01" true 2>/dev/null || break
		sleep 0.1
	done
	run_split cdp-segment --where 'age>0' -o "$out/result.ndjson" "$PEOPLE"
	kill "$holder"
	wait "$holder" || true
	assert_success
	assert_equal "$(ls -A "$out" | tr '\n' ' ')" \
	    ".other.ndjson.AbC123 .result.ndjson.a-b_c1 .result.ndjson.ab .result.ndjson.abc1234 .result.ndjson.dir123 .result.ndjson.held01 .result.ndjson.link12 .result.ndjson.young1 result.ndjson result.ndjson.AbC123 "
}

# The kill -9 test above shows the temporary a killed run leaves; here
# one such file, stale, is put beside the output of every program.
@test "faults: the next run of every program removes a stale temporary of its output" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		fresh_out
		tmp=$where/.${old##*/}.Xy12Z9
		echo '{"half":' >"$tmp"
		touch -d '1 hour ago' "$tmp"
		run_split "${cmd[@]}" -o "$opt_o" "$PEOPLE"
		[ "$status" -eq 0 ] || fail "${cmd[*]}: status $status: $stderr"
		[ ! -e "$tmp" ] || fail "${cmd[*]}: left $tmp"
	done
}
