#!/bin/sh
# tests/fuzz/run.sh DIR SECONDS|runs:N HARNESS...: run each libFuzzer
# harness on the inputs that once failed (tests/fuzz/regress/NAME), then
# for SECONDS (make fuzz) or for N executions (runs:N, make fuzz-long) on a
# fresh copy of its seed corpus (tests/fuzz/corpus/NAME) in
# DIR/corpus/NAME; crash inputs are saved as DIR/crash/NAME-*, the log in
# DIR/NAME.log.  Prints one line per harness (execs per second, total
# execs, crashes, corpus size, seconds) and exits 1 when any harness
# crashed.
dir=$1
case $2 in
runs:*)	limit="-runs=${2#runs:}" ;;
*)	limit="-max_total_time=$2" ;;
esac
shift 2
cd "$(dirname "$0")/../.." || exit 70
mkdir -p "$dir/crash" || exit 73
status=0
printf '%-20s %10s %12s %8s %7s %s\n' harness execs/s execs crashes corpus \
    seconds
for h in "$@"; do
	name=${h##*/}
	corpus=$dir/corpus/$name
	log=$dir/$name.log
	rm -rf "$corpus"
	mkdir -p "$corpus"
	cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
	rm -f "$dir/crash/$name"-*
	# Inputs that once failed (tests/fuzz/regress/NAME) run first.
	if [ -d tests/fuzz/regress/"$name" ]; then
		if ! "$h" tests/fuzz/regress/"$name"/* >"$log" 2>&1; then
			echo "  $name fails on tests/fuzz/regress/$name, see $log" >&2
			status=1
			continue
		fi
	fi
	# -timeout: an input that takes over 10 s is a hang, reported as a
	# crash; -rss_limit_mb bounds memory on a shared machine.
	t0=$(date +%s)
	"$h" "$limit" -print_final_stats=1 -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix="$dir/crash/$name-" \
	    "$corpus" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	crashes=$(ls "$dir/crash/$name"-* 2>/dev/null | wc -l)
	ncorp=$(ls "$corpus" | wc -l)
	printf '%-20s %10s %12s %8s %7s %s\n' "$name" "${rate:-?}" \
	    "${execs:-?}" "$crashes" "$ncorp" $((t1 - t0))
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		echo "  $name failed (status $rc), see $log:" >&2
		grep -m 5 -E 'ERROR|SUMMARY|check failed|runtime error' \
		    "$log" | sed 's/^/    /' >&2
		status=1
	fi
done
exit $status
