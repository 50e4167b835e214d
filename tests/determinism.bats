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
