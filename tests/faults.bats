#!/usr/bin/env bats
# Fault injection for every program of tests/faults/progs.bash: full
# devices, a write error in the middle of the output (strace injects
# ENOSPC), kill -9 during a run, unreadable inputs and directories.
load helper
load faults/progs

setup_file() {
	big_input "$BATS_FILE_TMPDIR/big.ndjson" 20000
}

setup() {
	PEOPLE="$TESTS/faults/people.ndjson"
	BIG="$BATS_FILE_TMPDIR/big.ndjson"
}

@test "faults: -o /dev/full exits 74 with a message, for every program" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_split "${cmd[@]}" -o /dev/full "$PEOPLE"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status"
		[ "$stderr" = "$msgprog: /dev/full: write error: No space left on device" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
	done
}

@test "faults: > /dev/full exits 74 with a message, for every program" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
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
		out="$BATS_TEST_TMPDIR/out"
		rm -rf "$out"
		mkdir "$out"
		echo '{"old":true}' >"$out/result.ndjson"
		run_split strace -f -o /dev/null -e trace=write \
		    -e inject=write:error=ENOSPC:when=3 \
		    "${cmd[@]}" -o "$out/result.ndjson" "$BIG"
		[ "$status" -eq 74 ] || fail "${cmd[*]}: status $status"
		[ "$(cat "$out/result.ndjson")" = '{"old":true}' ] ||
		    fail "${cmd[*]}: old file changed"
		[ "$(ls -A "$out")" = result.ndjson ] ||
		    fail "${cmd[*]}: left: $(ls -A "$out")"
	done
}

# The program reads a FIFO that stays open, so it is stopped mid-run; its
# temporary file is the documented ".NAME.XXXXXX" beside the output, which
# SIGKILL cannot clean up, and the old output stays whole.
@test "faults: kill -9 during an -o run leaves the old file intact" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		out="$BATS_TEST_TMPDIR/out"
		rm -rf "$out"
		mkdir "$out"
		echo '{"old":true}' >"$out/result.ndjson"
		fifo="$BATS_TEST_TMPDIR/fifo"
		rm -f "$fifo"
		mkfifo "$fifo"
		"${cmd[@]}" -o "$out/result.ndjson" "$fifo" 2>/dev/null &
		pid=$!
		exec {w}>"$fifo"
		# May meet SIGPIPE: see the FIFO test below.
		cat "$BIG" >&"$w" || true
		# Wait (at most 10 s) for the temporary file to exist.
		for i in $(seq 100); do
			[ -n "$(ls -A "$out" | grep -v '^result.ndjson$')" ] && break
			sleep 0.1
		done
		kill -9 "$pid"
		wait "$pid" || true
		exec {w}>&-
		[ "$(cat "$out/result.ndjson")" = '{"old":true}' ] ||
		    fail "${cmd[*]}: old file changed"
		for f in $(ls -A "$out"); do
			[[ "$f" == result.ndjson || "$f" =~ ^\.result\.ndjson\.[A-Za-z0-9]{6}$ ]] ||
			    fail "${cmd[*]}: unexpected file $f"
		done
	done
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
		timeout 20 "${cmd[@]}" "$fifo" >"$BATS_TEST_TMPDIR/out" &
		pid=$!
		# Written (by the shell itself) and closed as soon as the
		# open returns.
		data=$(<"$PEOPLE")
		( trap '' PIPE; exec {w}>"$fifo"; printf '%s\n' "$data" >&"$w" )
		wait "$pid" || fail "${cmd[*]}: status $? (124: hung)"
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
		run_split "${as[@]}" "${cmd[@]}" "$in"
		[ "$status" -eq 66 ] || fail "${cmd[*]}: status $status: $stderr"
		[ "$stderr" = "$msgprog: $in: cannot open: Permission denied" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ -z "$output" ] || fail "${cmd[*]}: wrote output"
	done
}

@test "faults: a directory as input exits 66 with a message" {
	for row in "${CDP_FAULT_PROGS[@]}"; do
		prog_row "$row"
		run_split "${cmd[@]}" "$PEOPLE" "$BATS_TEST_TMPDIR"
		[ "$status" -eq 66 ] || fail "${cmd[*]}: status $status"
		[ "$stderr" = "$msgprog: $BATS_TEST_TMPDIR: is a directory" ] ||
		    fail "${cmd[*]}: stderr: $stderr"
		[ -z "$output" ] || fail "${cmd[*]}: wrote output before the check"
	done
}
