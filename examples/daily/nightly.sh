#!/bin/bash
# examples/daily/nightly.sh DAY_DIR DATE STATE_IN STATE_OUT OUT_DIR
#
# One night of a shop's CDP, as cron would run it after midnight on the
# files of DATE (YYYY-MM-DD) in DAY_DIR: crm-DATE.csv (the CRM export),
# web-DATE.ndjson (web events), pos-DATE.csv (the tills),
# consent-DATE.csv (preference centre) and email-DATE.ndjson (the email
# service).  STATE_IN is the state the night before left (empty or
# missing the first night); STATE_OUT gets the new one (profiles with their
# ids, the purchases so far, the event ids seen, the journey state), so a
# failed night changes nothing and can simply run again.  OUT_DIR gets the
# night's results: records.ndjson (today's records with their
# profile_id), profiles.ndjson (with RFM and CLV scores and segments),
# decisions.ndjson (messages to send), journey-log.ndjson (every
# decision, sent or not, with its reason), google-customer-match.csv,
# segments.csv, revenue.csv (today's takings per currency), report.html
# (both, and the web funnel, on one page), id-map.ndjson, the rejects of
# each stage with their reasons (and the values made null, as warnings),
# and stats.log: one line per stage with its program's account.
#
# Nothing but cdpipe and the shell: no jq, Miller, awk or sed.
set -eu -o pipefail

[ $# -eq 5 ] || {
	echo "usage: nightly.sh DAY_DIR DATE STATE_IN STATE_OUT OUT_DIR" >&2
	exit 64
}
day=$1 date=$2 prev=$3 state=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
asof=$(date -u -d "$date + 1 day" +%Y-%m-%dT00:00:00Z)
ids=email,phone,customer_id,cookie
w=$out/work
mkdir -p "$state" "$out/rejects" "$w"
: > "$out/stats.log"

# stats STAGE FILE: the stats line a stage left in FILE, named, to the
# log; any other message to standard error, named too.
stats() {
	local line
	while IFS= read -r line; do
		case $line in
		'{"read"'*) printf '%s %s %s\n' "$date" "$1" "$line" \
		    >> "$out/stats.log" ;;
		*) printf 'nightly %s %s: %s\n' "$date" "$1" "$line" >&2 ;;
		esac
	done < "$2"
}

# run STAGE COMMAND...: run it, its standard error to stats(); a failure
# ends the night with its status.
run() {
	local stage=$1 st=0
	shift
	"$@" 2> "$w/s" || st=$?
	stats "$stage" "$w/s"
	return $st
}

# pipe2 STAGE1 STAGE2 'CMD1' 'CMD2' OUT: CMD1 | CMD2 > OUT, each stage's
# standard error to stats(); a failure of either ends the night.
pipe2() {
	local st=0
	eval "$3" 2> "$w/s1" | eval "$4" > "$5" 2> "$w/s2" || st=$?
	stats "$1" "$w/s1"
	stats "$2" "$w/s2"
	return $st
}

# The state of the night before, or a first one.
for f in profiles purchases seen-web seen-email journey; do
	if [ -f "$prev/$f.ndjson" ]; then
		cp "$prev/$f.ndjson" "$state/$f.ndjson"
	elif [ "$f" != journey ]; then
		: > "$state/$f.ndjson"
	fi
done

# 1. Every source to records with provenance; bad rows with their reason,
# values made null with theirs (warnings), and a night that rejects more
# than 5% of a source stops.
#
# The CRM export is German Excel's: ';', a BOM, CRLF, German headers,
# dd.mm.yyyy, times in Berlin, decimal commas, Ja/Nein, placeholders in
# empty cells, notes over several lines, each customer's phone national
# in the country of the row.
run ingest-crm cdp-ingest --source crm \
    --map customer_id=Kundennr,first_name=Vorname,last_name=Nachname \
    --map email=E-Mail,phone=Telefon,country=Land,city=Stadt,tz=Zeitzone \
    --map 'signup_date=Kunde seit,vip=VIP,ltv=Umsatz,note=Notiz' \
    --map 'updated_at=Geändert am' --map-values vip:Ja=true,Nein=false \
    --map-values email:keine=,n/a= \
    --map-values phone:keine=,n/a=,0000000000= --empty null \
    --normalize email,phone,first_name:name,last_name:name,country \
    --country-field country --default-country DE --date-format dmy \
    --tz Europe/Berlin --utc \
    --types signup_date:date,updated_at:datetime,vip:bool,ltv:number \
    --decimal-comma=ltv --on-bad-value phone:null \
    --rejects "$out/rejects/crm.ndjson" --rejects-warnings \
    --max-reject-rate 5 --stats -o "$w/crm.ndjson" "$day/crm-$date.csv"
# Web events: the price is in euros.
run ingest-web cdp-ingest --source web --normalize email,ts:datetime \
    --map revenue=price --types revenue:money --default-currency EUR \
    --rejects "$out/rejects/web.ndjson" --max-reject-rate 5 --stats \
    -o "$w/web.ndjson" "$day/web-$date.ndjson"
# The tills of four countries: amounts as each prints them ($ is the
# dollar of the New York store), the loyalty card or a phone national in
# the store's country, 0000000000 for none.
run ingest-pos cdp-ingest --source pos \
    --map revenue=amount,customer_id=loyalty_card \
    --country-field store_country --default-country GB \
    --normalize phone,ts:datetime --types revenue:money \
    --default-currency USD --map-values phone:0000000000= --empty null \
    --on-bad-value phone:null --rejects "$out/rejects/pos.ndjson" \
    --rejects-warnings --max-reject-rate 5 --stats -o "$w/pos.ndjson" \
    "$day/pos-$date.csv"
# The preference centre: yes/no per channel, into one consent object.
run ingest-consent cdp-ingest --source consent \
    --map consent.email=newsletter,consent.sms=sms,consent.ads=ads \
    --map ts=changed_at --normalize email,ts:datetime \
    --types consent.email:bool,consent.sms:bool,consent.ads:bool \
    --rejects "$out/rejects/consent.ndjson" --max-reject-rate 5 --stats \
    -o "$w/consent.ndjson" "$day/consent-$date.csv"
run ingest-email cdp-ingest --source email --normalize email,ts:datetime \
    --rejects "$out/rejects/email.ndjson" --max-reject-rate 5 --stats \
    -o "$w/email.ndjson" "$day/email-$date.ndjson"

# 2. Events delivered twice: what an earlier night saw, then today's
# repeats; the ids seen are kept for the nights to come.
for src in web:event_id email:message_id; do
	name=${src%%:*} key=${src#*:}
	pipe2 "seen-$name" "dedupe-$name" \
	    'cdp-join -k "$key" --how anti --stats "$state/seen-$name.ndjson" \
	    "$w/$name.ndjson"' 'cdp-dedupe --key "$key" --stats' \
	    "$w/$name-new.ndjson"
	run "keys-$name" cdp-export --platform generic --no-hash \
	    --no-consent-filter --fields "$key" --format ndjson --stats \
	    "$w/$name-new.ndjson" \
	    >> "$state/seen-$name.ndjson"
done

# 3. Identity: yesterday's profiles (all their identifiers under _ids,
# their ids carried) and the purchases so far with today's records, so a
# person keeps her id and a purchase follows its person when two profiles
# join; the id map says which ids went.
run merge cdp-merge --ids "$ids" --default-country GB \
    --id-map "$out/id-map.ndjson" --stats -o "$w/annotated.ndjson" \
    "$state/profiles.ndjson" "$state/purchases.ndjson" "$w/crm.ndjson" \
    "$w/web-new.ndjson" "$w/pos.ndjson" "$w/consent.ndjson" \
    "$w/email-new.ndjson"
run today cdp-segment \
    --where "!exists(_records) && contains(_src, \"$date\")" \
    --stats -o "$out/records.ndjson" "$w/annotated.ndjson"
run purchases cdp-segment --where '!exists(_records) && exists(revenue)' \
    --stats -o "$w/purchases.ndjson" "$w/annotated.ndjson"
mv "$w/purchases.ndjson" "$state/purchases.ndjson"
run profiles cdp-merge --ids "$ids" --default-country GB --profiles \
    --all-ids --rule ts=most_recent:ts --rule consent=most_recent:ts \
    --rule updated_at=most_recent:updated_at \
    --rule tz=most_recent:updated_at --rule country=most_recent:updated_at \
    --rule city=most_recent:updated_at --rule revenue=longest \
    --stats -o "$w/profiles.ndjson" "$state/profiles.ndjson" \
    "$out/records.ndjson"
mv "$w/profiles.ndjson" "$state/profiles.ndjson"

# 4. Scores of every customer from the purchases so far, attached to the
# profiles, then the segments.
#
# CLV: each buyer's chance of being still a customer and the purchases
# expected in the next 52 weeks, from BG/NBD parameters saved once in
# clv-params.json (cdp-score clv --fit-only --spend-model none
# --calibration-end 1997-09-30 on the CDNOW sample of ../shared/data:
# r 0.243, alpha 4.414, a 0.793, b 2.426, weeks), not fitted on the
# night's own purchases: a few weeks of history cannot tell a customer
# who stopped from one who has not bought again yet, and the fit says so
# (every night of tests/e2e.bats: "the fit did not converge: the
# likelihood keeps growing as a goes to 0 ... the data do not identify
# the model"); and parameters fitted anew each night would move every
# customer's score when only one of them bought.  A
# shop with a year of its own purchases fits them once (--fit-only on a
# calibration period, checked with --holdout-end) and saves them here,
# in weeks, the unit they are read in.  No spend model: the tills take
# four currencies and one spend model cannot fit them all (the file has
# none, so cdp-score refuses it without --spend-model none).
#
# A customer's amounts add up in one currency: rates.json brings the
# tills' pounds, zloty and dollars into euros (example rates: a shop puts
# its own there, such as the central bank's of the day), and a purchase
# in a currency it has no rate for goes to the rejects, named.
run rfm cdp-score rfm --id profile_id --time ts --amount revenue \
    --rates "$here/rates.json" \
    --as-of "$date" --rejects "$out/rejects/rfm.ndjson" --stats \
    -o "$w/rfm.ndjson" "$state/purchases.ndjson"
run clv cdp-score clv --id profile_id --time ts --amount revenue \
    --as-of "$date" --params "$here/clv-params.json" --spend-model none \
    --time-unit week --horizon 52 --stats -o "$w/clv.ndjson" \
    "$state/purchases.ndjson"
run join-clv cdp-join -k profile_id \
    --fields clv_frequency,clv_recency,clv_T,clv_p_alive,clv_expected_purchases \
    --stats -o "$w/scored.ndjson" "$w/clv.ndjson" "$state/profiles.ndjson"
pipe2 join-rfm segment \
    'cdp-join -k profile_id \
    --fields rfm_segment,rfm_r,rfm_f,rfm_m,rfm_monetary \
    --stats "$w/rfm.ndjson" "$w/scored.ndjson"' \
    'cdp-segment --rules "$here/segments.json" --as-of "$date" --stats' \
    "$out/profiles.ndjson"

# 5. Activation: today's events through the journey, with yesterday's
# journey state (that of profiles which joined others follows them, as
# the id map says); audiences for the ad platforms; reports.
run journey cdp-journey -j "$here/journey.json" --as-of "$asof" \
    --state "$state/journey.ndjson" --id-map "$out/id-map.ndjson" \
    --max-age 1d \
    --cap email:2/1d,sms:1/7d --quiet 21:00-08:00 \
    --log "$out/journey-log.ndjson" --rejects "$out/rejects/journey.ndjson" \
    --stats -o "$out/decisions.ndjson" "$out/records.ndjson"
run export cdp-export --platform google \
    --fields email,phone,first_name,last_name,country --consent consent.ads \
    --default-country GB --stats -o "$out/google-customer-match.csv" \
    "$out/profiles.ndjson"
# The segments' sizes.
run report cdp-report group --by segments --agg count --format csv --stats \
    -o "$out/segments.csv" "$out/profiles.ndjson"
run report-ndjson cdp-report group --by segments --agg count --format ndjson \
    -o "$w/segments.ndjson" "$out/profiles.ndjson"
run sales cdp-segment --where 'exists(revenue)' --stats \
    -o "$w/sales.ndjson" "$out/records.ndjson"
run revenue cdp-report group --by revenue_currency --agg count,sum:revenue \
    --format csv --stats -o "$out/revenue.csv" "$w/sales.ndjson"
run revenue-ndjson cdp-report group --by revenue_currency \
    --agg count,sum:revenue --format ndjson -o "$w/revenue.ndjson" \
    "$w/sales.ndjson"
run funnel cdp-report funnel --within 1d --format ndjson --stats \
    -o "$w/web-funnel.ndjson" "$out/records.ndjson" \
    --steps 'view=type == "view"' 'cart=type == "cart"' \
    'purchase=type == "purchase"'
run page cdp-report page --title "The night of $date" \
    -o "$out/report.html" "$w/segments.ndjson" "$w/revenue.ndjson" \
    "$w/web-funnel.ndjson"
rm -rf "$w"
