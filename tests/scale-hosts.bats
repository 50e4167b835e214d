#!/usr/bin/env bats
# The recipes of cdpipe(7), "Across hosts", run for real: an sshd on a
# loopback port with a throw-away key stands for two hosts, h1 and h2,
# whose PATH holds the programs; GNU parallel sends the inputs there
# (--transferfile), brings the outputs back (--return) and removes its
# copies (--cleanup).  Each recipe must equal one local run.
load helper

# Start sshd as the user running the tests; skip the file when it cannot.
setup_file() {
	local d="$BATS_FILE_TMPDIR/ssh" sshd port i
	export SSHD_SKIP=
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	if ! [ -x "$sshd" ] || ! command -v ssh >/dev/null ||
	    ! command -v rsync >/dev/null || ! command -v parallel >/dev/null; then
		SSHD_SKIP="sshd, ssh, rsync or GNU parallel is not installed (make deps)"
		return 0
	fi
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" &&
	ssh-keygen -q -t ed25519 -N '' -f "$d/id" || {
		SSHD_SKIP="ssh-keygen failed"; return 0; }
	# The remote PATH: the programs under test, then the system's.
	printf 'environment="PATH=%s:/usr/bin:/bin" %s\n' \
	    "$CDP_BUILD/bin" "$(cat "$d/id.pub")" > "$d/authorized_keys"
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > "$d/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $d/hostkey
	AuthorizedKeysFile $d/authorized_keys
	PidFile $d/sshd.pid
	StrictModes no
	UsePAM no
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitUserEnvironment yes
	EOF
	cat > "$d/ssh_config" <<-EOF
	Host h1 h2
	  HostName 127.0.0.1
	  Port $port
	  IdentityFile $d/id
	  IdentitiesOnly yes
	  StrictHostKeyChecking no
	  UserKnownHostsFile /dev/null
	  LogLevel ERROR
	  BatchMode yes
	  ControlMaster auto
	  ControlPath $d/cm-%n
	  ControlPersist 300
	EOF
	# Debian's sshd wants its privilege separation folder when root.
	[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd 2>/dev/null || true
	if ! "$sshd" -f "$d/sshd_config" -E "$d/sshd.log"; then
		SSHD_SKIP="sshd cannot start here: $(tail -n 1 "$d/sshd.log")"
		return 0
	fi
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ssh -F "$d/ssh_config" h1 true 2>/dev/null && return 0
		sleep 0.3
	done
	SSHD_SKIP="cannot log in to the test sshd: $(tail -n 1 "$d/sshd.log")"
}

teardown_file() {
	local d="$BATS_FILE_TMPDIR/ssh" h
	[ -d "$d" ] || return 0
	for h in h1 h2; do
		ssh -F "$d/ssh_config" -O exit "$h" 2>/dev/null || true
	done
	[ ! -s "$d/sshd.pid" ] || kill "$(cat "$d/sshd.pid")" 2>/dev/null || true
}

setup() {
	[ -z "$SSHD_SKIP" ] || skip "$SSHD_SKIP"
	cd "$BATS_TEST_TMPDIR"
	export PARALLEL_SSH="ssh -F $BATS_FILE_TMPDIR/ssh/ssh_config"
	"$CDP_BUILD/bench/gen_events" -n 3000 -s 5 > ev.ndjson
}

# Both hosts ran jobs: the host column of the --joblog.
both_hosts() {
	assert_equal "$(awk 'NR > 1 { print $2 }' "$@" | sort -u | tr '\n' ' ')" "h1 h2 "
}

@test "hosts: cdp-dedupe per part on two hosts equals one local run" {
	cdp-dedupe -k email --normalize email ev.ndjson | sort > one
	cdp-partition -k email --normalize email --parts 4 -o parts ev.ndjson
	# The quoted redirection writes on the host; --return brings it.
	parallel -S 1/h1,1/h2 --joblog log --wd ... --transferfile {} \
	    --return {.}.unique --cleanup \
	    'cdp-dedupe -k email --normalize email {} > {.}.unique' \
	    ::: parts/part-*.ndjson
	sort parts/part-*.unique > many
	run cmp one many
	assert_success
	both_hosts log
}

@test "hosts: cdp-merge's phases on two hosts equal one local run" {
	local i="--ids email,phone --default-country US --rejects /dev/null"
	local o="$i --hash-key-file key"
	local h="-S 1/h1,1/h2 --wd ... --cleanup --transferfile key" r=0

	printf '%032d' 9 > key
	cdp-merge $i ev.ndjson | sort > one
	cdp-partition -k email --normalize email --parts 4 --spread -o parts ev.ndjson
	parallel $h --joblog log --transferfile {} --return join/r0 \
	    cdp-merge $o --emit-links --buckets 2 -o join/r0 {} \
	    ::: parts/part-*.ndjson
	while [ ! -e join/r$r/done ]; do
		parallel $h --joblog log --transferfile {} \
		    --return join/r$((r + 1)) \
		    cdp-merge $o --join-links -o join/r$((r + 1)) {} \
		    ::: join/r$r/to-*
		r=$((r + 1))
		[ $r -lt 40 ]
	done
	# Each part's host gets the part and its slice of the map only.
	parallel $h --joblog log --transferfile {} \
	    --transferfile join/r$r/map-{/.} \
	    cdp-merge $o --apply-map join/r$r {} \
	    ::: parts/part-*.ndjson | sort > many
	run cmp one many
	assert_success
	both_hosts log
}

@test "hosts: cdp-report group partials on two hosts, one local --merge, equal one run" {
	local a="--by channel,type --agg count,sum:revenue,distinct:email,p50:revenue"

	cdp-report group $a --format ndjson ev.ndjson > one
	parallel -S 1/h1,1/h2 --joblog log --pipe --block 100k \
	    cdp-report group $a --partial < ev.ndjson > partials
	cdp-report group $a --merge --format ndjson partials > many
	run cmp one many
	assert_success
	both_hosts log
}
