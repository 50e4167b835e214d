#!/usr/bin/env bats
# Determinism: every program run twice on the same input writes the same
# bytes; run on a shuffled copy (shuf with a fixed random source) it writes
# the same result, compared exactly where the program documents an order
# that does not follow the input, and after sorting where its manual says
# output follows the input order.  The order guarantee each check relies
# on is noted at each test.

load helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	# 12 customers, 5 records each: times all distinct (so time order
	# never falls back on input order), completeness growing with j (so
	# --keep most-complete has no ties), e-mails in two cases, consent
	# on every record.
	awk 'BEGIN {
		split("view cart view purchase cart", ev, " ")
		split("ads mail seo", ch, " ")
		for (c = 1; c <= 12; c++)
			for (j = 0; j < 5; j++) {
				e = sprintf(j % 2 ? "U%d@Example.com" : \
				    "u%d@example.com", c)
				printf("{\"profile_id\":\"p%02d\",\"customer_id\":\"c%02d\"," \
				    "\"email\":\"%s\",\"ts\":\"2025-%02d-%02dT%02d:00:00Z\"," \
				    "\"revenue\":%.1f,\"event\":\"%s\",\"channel\":\"%s\"," \
				    "\"consent\":{\"email\":true,\"sms\":true,\"push\":true}",
				    c, c, e, 1 + j, c, c, c * 7 + j * 3 + 0.5,
				    ev[j + 1], ch[(c + j) % 3 + 1])
				if (j >= 1) printf(",\"name\":\"Name %d\"", c)
				if (j >= 2) printf(",\"age\":%d", 20 + c)
				if (j >= 3) printf(",\"city\":\"City %d\"", c % 4)
				if (j >= 4) printf(",\"phone\":\"+4860000%04d\"", c)
				printf("}\n")
			}
	}' >in.ndjson
	shuf --random-source=<(yes) in.ndjson >shuf.ndjson
	cmp -s in.ndjson shuf.ndjson && return 1
	return 0
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
	IN=$BATS_FILE_TMPDIR/in.ndjson
	SHUF=$BATS_FILE_TMPDIR/shuf.ndjson
}

# twice CMD...: CMD on in.ndjson twice, byte-identical stdout; leaves the
# output in a.out.
twice() {
	"$@" "$IN" >a.out || return 1
	"$@" "$IN" >b.out || return 1
	[ -s a.out ] || { echo "twice: $*: no output" >&2; return 1; }
	cmp a.out b.out || { echo "twice: $*: runs differ" >&2; return 1; }
}

# shuffled HOW CMD...: CMD on in.ndjson and on the shuffled copy give the
# same output: HOW exact (bytes), sorted (lines sorted), noline (sorted
# without _line and _src, the provenance that cdp-ingest adds: the line
# number and the file's name), canon
# (each line's keys sorted, then lines sorted: for records whose key order
# follows the input).
shuffled() {
	local how=$1
	shift
	"$@" "$IN" >a.out || return 1
	"$@" "$SHUF" >s.out || return 1
	case $how in
	exact) ;;
	sorted) sort -o a.out a.out; sort -o s.out s.out ;;
	noline)
		jq -c 'del(._line, ._src)' a.out | sort >a.c && mv a.c a.out
		jq -c 'del(._line, ._src)' s.out | sort >s.c && mv s.c s.out ;;
	canon)
		jq -cS . a.out | sort >a.c && mv a.c a.out
		jq -cS . s.out | sort >s.c && mv s.c s.out ;;
	esac
	cmp a.out s.out ||
	    { echo "shuffled $how: $*:"; diff a.out s.out | head; return 1; } >&2
}

@test "determinism: the shuffled copy is another order of the same lines" {
	run cmp -s in.ndjson shuf.ndjson
	assert_failure
	[ "$(sort in.ndjson | md5sum)" = "$(sort shuf.ndjson | md5sum)" ]
	[ "$(wc -l <in.ndjson)" -eq 60 ]
	# The comparison sees order: a record-wise filter differs unsorted.
	run shuffled exact cdp-segment --where true
	assert_failure
	run shuffled sorted cdp-segment --where true
	assert_success
}

# cdp-ingest, cdp-segment, cdp-score model/points, cdp-export: one output
# record per input record in input order: shuffled output sorted.
@test "determinism: cdp-ingest (input order)" {
	twice cdp-ingest -f ndjson --normalize email
	shuffled noline cdp-ingest -f ndjson --normalize email --source s
}

@test "determinism: cdp-segment (input order)" {
	twice cdp-segment -d 'rich=revenue >= 50' -d 'old=age > 26' --else none
	shuffled sorted cdp-segment -d 'rich=revenue >= 50' -d 'old=age > 26' \
	    --else none
	shuffled sorted cdp-segment --where 'event == "purchase"'
}

@test "determinism: cdp-segment --split (per-file input order)" {
	local r
	for r in 1 2 s; do
		rm -rf "split$r"
		f=$IN
		[ "$r" = s ] && f=$SHUF
		cdp-segment -d 'rich=revenue >= 50' --else rest \
		    --split "split$r" "$f"
	done
	diff -r split1 split2
	for f in split1/*; do
		cmp <(sort "$f") <(sort "splits/${f#split1/}")
	done
	[ "$(ls split1)" = "$(printf 'rest.ndjson\nrich.ndjson')" ]
}

@test "determinism: cdp-score model and points (input order)" {
	printf '%s\n' '{"type":"logistic","intercept":-2,' \
	    '"weights":{"revenue":0.05,"age":0.1},' \
	    '"onehot":{"channel":{"ads":1,"mail":-0.5}}}' >model.json
	printf '%s\n' '{"rules":[' \
	    '{"name":"buyer","when":"event == \"purchase\"","points":10},' \
	    '{"name":"big","when":"revenue >= 40","points":5}],' \
	    '"decay":{"field":"ts","half_life_days":30}}' >points.json
	twice cdp-score model --model model.json
	shuffled sorted cdp-score model --model model.json
	twice cdp-score points --rules points.json --as-of 2025-07-01
	shuffled sorted cdp-score points --rules points.json --as-of 2025-07-01
}

@test "determinism: cdp-export (input order, header first)" {
	twice cdp-export --platform generic --no-consent-filter --fields email,name,customer_id
	shuffled exact sh -c 'cdp-export --platform generic --no-consent-filter \
	    --fields email,name,customer_id "$1" | sed 1q' sh
	shuffled sorted cdp-export --platform generic --no-consent-filter \
	    --fields email,name,customer_id
}

# cdp-dedupe: survivors are written where they stand in the input, so the
# shuffled output is compared sorted; which record survives must not
# depend on the order for most-complete and newest (no ties here).
@test "determinism: cdp-dedupe (survivors by content, input order)" {
	twice cdp-dedupe --key email --normalize email
	twice cdp-dedupe --key email --normalize email --mark
	shuffled sorted cdp-dedupe --key email --normalize email \
	    --keep most-complete
	shuffled sorted cdp-dedupe --key email --normalize email \
	    --keep newest:ts
	[ "$(wc -l <a.out)" -eq 12 ]
	# Every survivor of newest is the j = 4 record (with a phone).
	[ "$(grep -c phone a.out)" -eq 12 ]
	twice cdp-dedupe --block customer_id --fuzzy 'email:lev<=0'
}

# cdp-merge: profile_id is a hash of the person's smallest identifier, so
# each record keeps the same id in any order; records follow the input
# (sorted compare).  --profiles: values never depend on the order, the
# keys of a profile and the profiles follow the input (canonical compare).
@test "determinism: cdp-merge (profile ids and profiles by content)" {
	twice cdp-merge --ids email,phone --normalize email
	shuffled sorted cdp-merge --ids email,phone --normalize email
	[ "$(jq -r .profile_id a.out | sort -u | wc -l)" -eq 12 ]
	twice cdp-merge --ids email,phone --normalize email --profiles
	shuffled canon cdp-merge --ids email,phone --normalize email --profiles
	[ "$(wc -l <a.out)" -eq 12 ]
}

@test "determinism: cdp-merge --probabilistic" {
	local m=$BATS_TEST_DIRNAME/cdp-merge
	cdp-merge --probabilistic --settings "$m/prob-settings.json" \
	    "$m/prob-people.ndjson" >p1.out
	cdp-merge --probabilistic --settings "$m/prob-settings.json" \
	    "$m/prob-people.ndjson" >p2.out
	cmp p1.out p2.out
	shuf --random-source=<(yes) "$m/prob-people.ndjson" >pp.ndjson
	cdp-merge --probabilistic --settings "$m/prob-settings.json" \
	    pp.ndjson >p3.out
	# A cluster without an identifier is named after its first record
	# (documented): the clusters are the same sets of records, their ids
	# may differ.
	local clusters='group_by(.profile_id) | map(map(del(.profile_id)) |
	    sort) | sort'
	cmp <(jq -s -c "$clusters" p1.out) <(jq -s -c "$clusters" p3.out)
	[ "$(jq -s -c "$clusters | length" p1.out)" -eq 5 ]
	# With --ids email every cluster here holds an e-mail or is one
	# record: the ids are the same in any order.
	cdp-merge --probabilistic --settings "$m/prob-settings.json" \
	    --ids email "$m/prob-people.ndjson" | sort >p4.out
	cdp-merge --probabilistic --settings "$m/prob-settings.json" \
	    --ids email pp.ndjson | sort >p5.out
	cmp p4.out p5.out
}

# cdp-score rfm, clv: one record per customer in customer id order, scores
# from mid-ranks: byte-identical on the shuffled copy.  --annotate follows
# the input: sorted.
@test "determinism: cdp-score rfm and clv (customer id order)" {
	twice cdp-score rfm
	shuffled exact cdp-score rfm
	shuffled exact cdp-score rfm --as-of 2025-08-01
	shuffled sorted cdp-score rfm --annotate
	local p=$BATS_TEST_DIRNAME/cdp-score/published.json
	twice cdp-score clv --params "$p"
	shuffled exact cdp-score clv --params "$p"
}

# cdp-report: group rows sorted by the group values (exact); profile rows
# in the order fields first appear (sorted: the fields are the same, each
# row's statistics are order-free); funnel and cohort order each profile's
# events by time (all distinct here: exact); attribution sorts paths by
# time (exact).
@test "determinism: cdp-report group and profile" {
	twice cdp-report group --by channel --agg count,sum:revenue,p50:revenue
	shuffled exact cdp-report group --by channel,event \
	    --agg count,sum:revenue,avg:age,min:ts,max:ts,distinct:email
	twice cdp-report profile
	shuffled sorted cdp-report profile
}

@test "determinism: cdp-report funnel, cohort, attribution (time order)" {
	twice cdp-report funnel --steps 'event == "view"' 'event == "cart"' \
	    'event == "purchase"' --
	shuffled exact cdp-report funnel --within 60d --steps \
	    'event == "view"' 'event == "cart"' 'event == "purchase"' --
	twice cdp-report cohort
	shuffled exact cdp-report cohort --activity 'event == "purchase"'
	twice cdp-report attribution --conversion 'event == "purchase"' \
	    --model first,last,linear,position,markov
	shuffled exact cdp-report attribution --conversion 'event == "purchase"' \
	    --model first,last,linear,time-decay,position,markov --value revenue
}

# cdp-journey: decisions sorted by profile id, then send time; each
# profile's events put in time order: exact on the shuffled copy, state
# file included.
@test "determinism: cdp-journey (decisions and state by profile id)" {
	local j=$BATS_TEST_DIRNAME/cdp-journey/journey.json
	twice cdp-journey -j "$j" --as-of 2025-06-01T00:00:00Z --dry-run
	shuffled exact cdp-journey -j "$j" --as-of 2025-06-01T00:00:00Z \
	    --dry-run
	shuffled exact cdp-journey -j "$j" --as-of 2025-06-01T00:00:00Z \
	    --cap email:1/7d
	cdp-journey -j "$j" --as-of 2025-06-01T00:00:00Z --state-out st1 \
	    "$IN" >/dev/null
	cdp-journey -j "$j" --as-of 2025-06-01T00:00:00Z --state-out st2 \
	    "$SHUF" >/dev/null
	[ -s st1 ]
	cmp st1 st2
}

# cdp-partition: the part of a record is a hash of its key alone; each
# part keeps input order: part contents sorted.
@test "determinism: cdp-partition (part by key, input order within)" {
	local d
	for d in p1 p2 ps; do rm -rf "$d"; done
	cdp-partition -k email --normalize email --parts 5 -o p1 "$IN"
	cdp-partition -k email --normalize email --parts 5 -o p2 "$IN"
	cdp-partition -k email --normalize email --parts 5 -o ps "$SHUF"
	diff -r p1 p2
	[ "$(ls p1/part-* | wc -l)" -eq 5 ]
	for f in p1/part-*; do
		cmp <(sort "$f") <(sort "ps/${f#p1/}")
	done
	[ "$(cat p1/part-* | wc -l)" -eq 60 ]
}

@test "determinism: cdp umbrella" {
	twice cdp segment --where 'revenue > 30'
	shuffled sorted cdp segment --where 'revenue > 30'
}

# --- thread counts (cdpipe(7) THREADS) -------------------------------------
#
# The programs that read in parallel blocks give the same bytes for every
# --threads: each runs at 1 and at 2, 3 and 8 threads, with blocks of the
# default size, of random sizes from 1 byte to 4 KB (CDP_PAR_BLOCK=rand:N,
# the test knob of cdpipe(7)) and of one line each; stdout, the rejects
# file and the --stats account must not change.  The input holds bad
# records, blank lines, CRLF ends, escapes and non-ASCII text.

# par_input: 3,000 events of 40 customers into par.ndjson (and par.csv).
par_input() {
	[ -s par.ndjson ] && return 0
	awk 'BEGIN {
		split("view cart view purchase cart email_click", ev, " ")
		split("ads mail seo app", ch, " ")
		split("PL DE US GB FR", co, " ")
		srand(7)
		for (i = 1; i <= 3000; i++) {
			c = int(rand() * 40) + 1
			e = ev[int(rand() * 6) + 1]
			printf("{\"event_id\":\"E%05d\",\"customer_id\":\"C%02d\"," \
			    "\"email\":\"%s\",\"ts\":\"2025-%02d-%02dT%02d:%02d:00Z\"," \
			    "\"type\":\"%s\",\"channel\":\"%s\",\"country\":\"%s\"," \
			    "\"revenue\":%s,\"qty\":%d,\"name\":\"%s\"," \
			    "\"props\":{\"n\":%d,\"tags\":[\"a\",\"b\"]}}%s\n",
			    i, c, (c % 3 ? sprintf("u%d@example.com", c) : ""),
			    1 + int(rand() * 12), 1 + int(rand() * 28),
			    int(rand() * 24), int(rand() * 60), e,
			    ch[int(rand() * 4) + 1], co[int(rand() * 5) + 1],
			    (e == "purchase" ? sprintf("%.2f", rand() * 200) : 0),
			    int(rand() * 4), (c % 4 ? "Zo\303\253 \\\"Q\\\"" : ""),
			    int(rand() * 1000), (i % 97 == 0 ? "\r" : ""))
			if (i % 211 == 0) print "{\"broken\":"
			if (i % 307 == 0) print ""
			if (i % 401 == 0) printf("{\"customer_id\":\"C01\",\"ts\":\"x\"," \
			    "\"revenue\":\"lots\",\"type\":\"purchase\"}\n")
		}
	}' >par.ndjson
	jq -r '[.event_id, .customer_id, .email, .ts, .type, .revenue,
	    .name] | @csv' par.ndjson 2>/dev/null >par.body || true
	{ echo 'event_id,customer_id,email,ts,type,revenue,name'
	  cat par.body
	  printf '"E9","C9","multi\nline","2025-01-01T00:00:00Z",x,1,"a ""q"""\n'
	  printf 'E10,C10,,2025-01-02T00:00:00Z,y,2,x"y\n'; } >par.csv
}

# same_threads FILE CMD...: CMD on FILE at 1 thread, then at 2, 3 and 8
# with three block sizes: the same stdout, rejects and account.
same_threads() {
	local f=$1 t b
	shift
	local rc1 rc
	"$@" --threads 1 --rejects t1.rej --stats "$f" >t1.out 2>t1.err &&
	    rc1=0 || rc1=$?
	for t in 2 3 8; do
		for b in "" rand:$t 1; do
			CDP_PAR_BLOCK=$b "$@" --threads "$t" --rejects tn.rej \
			    --stats "$f" >tn.out 2>tn.err && rc=0 || rc=$?
			# the run keys differ from run to run, and the
			# threads add what they held
			stats_core "$(cat t1.err)" >t1.errc
			stats_core "$(cat tn.err)" |
			    sed 's/,"threads":[0-9]*,"blocks":[0-9]*,"block_bytes":[0-9]*}/}/' >tn.errc
			[ "$rc1" = "$rc" ] && cmp t1.out tn.out &&
			    cmp t1.rej tn.rej &&
			    cmp t1.errc tn.errc ||
			    { echo "$* at $t threads, CDP_PAR_BLOCK=$b" >&2
			      diff t1.out tn.out | head -5 >&2
			      diff t1.errc tn.errc | head -5 >&2; return 1; }
		done
	done
	[ -s t1.out ] || { echo "same_threads: $*: no output" >&2; return 1; }
}

@test "determinism: thread counts: cdp-ingest (NDJSON and CSV)" {
	par_input
	same_threads par.ndjson cdp-ingest --normalize email --types qty:int
	same_threads par.ndjson cdp-ingest --types revenue:number,ts:datetime \
	    --on-bad-value revenue:null --rejects-warnings
	same_threads par.ndjson cdp-ingest --types revenue:number \
	    --max-rejects 5
	same_threads par.csv cdp-ingest --types revenue:number
	same_threads par.csv cdp-ingest --trim --normalize email
}

@test "determinism: thread counts: cdp-segment" {
	par_input
	same_threads par.ndjson cdp-segment --where 'revenue > 20' \
	    -d 'big=revenue > 100' --else small
	same_threads par.ndjson cdp-segment -d 'mail=channel == "mail"'
}

@test "determinism: thread counts: cdp-join (left, inner, anti; collisions rejected or replaced)" {
	par_input
	# customers C01..C30 of the stream's 40 in the table, with a field
	# of the stream's (country) and one of their own
	awk 'BEGIN { for (c = 1; c <= 30; c++)
		printf("{\"customer_id\":\"C%02d\",\"tier\":\"t%d\"," \
		    "\"country\":\"X%d\"}\n", c, c % 3, c % 5) }' >tab.ndjson
	same_threads par.ndjson cdp-join -k customer_id --prefix t_ tab.ndjson
	same_threads par.ndjson cdp-join -k customer_id --how inner \
	    --fields tier tab.ndjson
	same_threads par.ndjson cdp-join -k customer_id --how anti tab.ndjson
	same_threads par.ndjson cdp-join -k customer_id tab.ndjson
	grep -q 'field \\"country\\" already exists' t1.rej
	same_threads par.ndjson cdp-join -k customer_id --replace tab.ndjson
	grep -q '"country":"X[0-4]"' t1.out
	grep -q '"tier":"t[0-2]"}$' t1.out
}

@test "determinism: thread counts: cdp-dedupe" {
	par_input
	same_threads par.ndjson cdp-dedupe --key email --normalize email
	same_threads par.ndjson cdp-dedupe --key customer_id,type --mark
}

@test "determinism: thread counts: cdp-report group, profile, funnel" {
	par_input
	same_threads par.ndjson cdp-report group --by channel,type \
	    --agg count,sum:revenue,avg:revenue,p50:revenue,min:ts,max:ts,first:event_id,last:event_id,distinct:customer_id \
	    --skip-nonnumeric
	same_threads par.ndjson cdp-report group --by customer_id \
	    --agg sum:revenue --partial --skip-nonnumeric
	same_threads par.ndjson cdp-report profile
	same_threads par.ndjson cdp-report profile --partial
	same_threads par.ndjson cdp-report funnel --within 30d --steps \
	    'type == "view"' 'type == "cart"' 'type == "purchase"' \
	    --by-profile customer_id
}

@test "determinism: thread counts: cdp-report group --by an array field" {
	par_input
	# Arrays (a repeated element, empty, nested, numbers), a plain value
	# and a missing field: a record joins its elements' groups, each
	# group seeing its records in input order (first, last, p50).
	awk 'BEGIN { split("[\"vip\",\"new\"]|[\"vip\",\"vip\"]|[]|\"vip\"|" \
	    "[\"new\",1,1.0,[\"x\"]]|[\"churn\",\"vip\",\"new\"]", s, "|") }
	    /^\{"event_id"/ && NR % 7 < 6 { sub(/^\{/, "{\"segs\":" s[NR % 7 + 1] ",") }
	    { print }' par.ndjson >arr.ndjson
	grep -q '"segs":\["new",1,1.0,\["x"\]\]' arr.ndjson
	same_threads arr.ndjson cdp-report group --by segs \
	    --agg count,sum:revenue,p50:revenue,first:event_id,last:event_id,distinct:customer_id \
	    --skip-nonnumeric
	same_threads arr.ndjson cdp-report group --by segs,channel \
	    --agg count,sum:revenue --skip-nonnumeric --partial
	same_threads arr.ndjson cdp-report group --by segs --whole-arrays \
	    --agg count,first:event_id,last:event_id --skip-nonnumeric
}

@test "determinism: thread counts: cdp-report cohort" {
	par_input
	same_threads par.ndjson cdp-report cohort --by-profile customer_id
	same_threads par.ndjson cdp-report cohort --by-profile customer_id \
	    --period week --activity 'type == "purchase"'
	# A cohort read from each profile's records until one has it: what
	# is rejected depends on the profile's earlier records.
	same_threads par.ndjson cdp-report cohort --by-profile customer_id \
	    --cohort 'month(ts)' --period day
}

@test "determinism: thread counts: cdp-score rfm and clv" {
	par_input
	same_threads par.ndjson cdp-score rfm --as-of 2025-12-31
	same_threads par.ndjson cdp-score clv --summary --as-of 2025-12-31
	same_threads par.ndjson cdp-score clv --calibration-end 2025-09-30 \
	    --holdout-end 2025-12-31 --params \
	    "$BATS_TEST_DIRNAME/cdp-score/published.json"
	# currencies by country, some records naming none: a customer's
	# second currency is rejected by its lane, in input order
	awk '/"country":"PL"/ { sub(/"revenue":/, "\"revenue_currency\":\"PLN\",\"revenue\":") }
	    /"country":"(GB|US)"/ && NR % 3 { sub(/"revenue":/, "\"_currency\":\"GBP\",\"revenue\":") }
	    { print }' par.ndjson >cur.ndjson
	same_threads cur.ndjson cdp-score rfm --as-of 2025-12-31
	grep -qF 'amounts in \"GBP\" and \"PLN\"' t1.rej
	same_threads cur.ndjson cdp-score clv --summary --as-of 2025-12-31
}

# Past the sizes where the output is sorted on two threads (65,536
# customers) and formatted in runs of 16,384 customers per thread; ids in
# no order, some of them JSON numbers whose text equals a string id.
@test "determinism: thread counts: cdp-score rfm over 70,000 customers" {
	awk 'BEGIN { for (i = 0; i < 90000; i++) {
		c = (i * 7919) % 70000
		id = c % 10 == 0 ? c : "\"" c "\""
		printf "{\"customer_id\":%s,\"ts\":\"2025-%02d-%02d\",\"revenue\":%d.%02d}\n",
		    id, 1 + i % 12, 1 + i % 28, i % 500, i % 100
	} }' >many.ndjson
	printf '{"customer_id":"10","ts":"2025-03-03","revenue":1}\n' >>many.ndjson
	same_threads many.ndjson cdp-score rfm --as-of 2025-12-31
	run wc -l <t1.out
	assert_output 70001
	# the number 10 and the string "10" are two customers, in id order
	run grep -n '"customer_id":"\?10"\?,' t1.out
	assert_output --partial '"customer_id":10,'
	assert_output --partial '"customer_id":"10",'
}

@test "determinism: thread counts: cdp-score statuses, covariates, periods" {
	par_input
	# status records (a status, no amount), negative amounts (bad under
	# Gamma-Gamma) and two totals that overflow a double (the second
	# is rejected by its customer's lane, in input order)
	awk 'NR % 13 == 0 { sub(/"revenue":[^,]*,/, "\"status\":\"cancelled\",") }
	    NR % 29 == 0 { sub(/"revenue":[^,]*,/, "\"status\":\"active\",") }
	    NR % 53 == 0 { sub(/"revenue":[^,]*,/, "\"revenue\":-5,") }
	    { print }
	    NR == 100 || NR == 2000 { print "{\"customer_id\":\"C07\"," \
	        "\"ts\":\"2025-03-03\",\"revenue\":1.5e308," \
	        "\"channel\":\"ads\",\"qty\":1}" }' par.ndjson >st.ndjson
	grep -q '"status":"cancelled"' st.ndjson
	same_threads st.ndjson cdp-score rfm --status-field status \
	    --exclude-cancelled --as-of 2025-12-31
	same_threads st.ndjson cdp-score clv --status-field status --force \
	    --covariates channel,qty --calibration-end 2025-09-30 --summary
	same_threads st.ndjson cdp-score clv --model bg-bb --period month \
	    --status-field status --calibration-end 2025-09-30 --summary
	same_threads st.ndjson cdp-score churn --status-field status --force \
	    --calibration-end 2025-09-30 --summary
	# what the runs above compared: the statuses, the first day's
	# covariate values, the rejects with their lines
	cdp-score rfm --status-field status --as-of 2025-12-31 \
	    --rejects rej st.ndjson | grep -q '"rfm_status":"cancelled"'
	grep -q '"_error":"field \\"revenue\\": the customer.s total overflows a double","_src":"st.ndjson","_line":2002' rej
	cdp-score clv --status-field status --force --covariates channel,qty \
	    --calibration-end 2025-09-30 --summary --rejects rej st.ndjson |
	    grep -q '"channel":"[a-z]*","qty":[0-9]'
	grep -q 'below 0: Gamma-Gamma' rej
}

@test "determinism: thread counts: cdp-score --rates (amounts converted, a currency without a rate rejected)" {
	par_input
	awk '{ split("EUR GBP PLN CHF", c, " ")
	    sub(/}$/, ",\"revenue_currency\":\"" c[1 + NR % 4] "\"}"); print }' \
	    par.ndjson >cur.ndjson
	printf '%s\n' '{"base": "EUR", "rates": {"GBP": 1.17},' \
	    ' "dated": {"2025-06-01": {"GBP": 1.2, "PLN": 0.23}}}' >rates.json
	same_threads cur.ndjson cdp-score rfm --rates rates.json --as-of 2025-12-31
	grep -q '"rfm_currency":"EUR"' t1.out
	grep -q 'no rate for \\"CHF\\" in the --rates file' t1.rej
	grep -q 'no rate for \\"PLN\\" on 2025-0[1-5]-[0-9][0-9] in the --rates file' t1.rej
	same_threads cur.ndjson cdp-score clv --rates rates.json \
	    --calibration-end 2025-09-30 --summary
}

@test "determinism: thread counts: cdp-merge (first pass)" {
	par_input
	same_threads par.ndjson cdp-merge --ids email,customer_id \
	    --normalize email
	same_threads par.ndjson cdp-merge --ids email,customer_id --profiles
	same_threads par.ndjson cdp-merge --ids email,name --max-degree 3
	# records carrying the profile_id an earlier run gave them (and a
	# few that carry one of their own): the pass notes it beside the
	# record's nodes in input order, as one thread does
	cdp-merge --ids email --normalize email --rejects /dev/null \
	    par.ndjson | awk 'NR % 50 == 0 { sub(/"p_[0-9a-f]*"/, "\"p_" NR "\"") }
	    { print }' >carried.ndjson
	grep -q '"profile_id":"p_50"' carried.ndjson
	same_threads carried.ndjson cdp-merge --ids email --normalize email
	# the records with no email kept the ids they carried
	grep -q '"profile_id":"p_[0-9]*"' t1.out
}
