#!/bin/bash
# examples/demo.sh BIN_DIR - the demo pipeline on the example sources.
# A failed stage fails the demo, not only the last one (see README).
set -e -o pipefail
bin=$(cd "${1:-../build/bin}" && pwd)
PATH="$bin:$PATH"
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "CRM export (CSV with a BOM, UK dates, national phone numbers)"
cdp-ingest --source crm --default-country GB --date-format dmy \
    --normalize email,phone,first_name:name,last_name:name,country \
    --types signup_date:date,vip:bool --require 'email|phone' \
    --rejects "$tmp/crm.rejects" --stats -o "$tmp/crm.ndjson" crm.csv
cat "$tmp/crm.ndjson"
step "CRM rows rejected (with the reason and the line)"
cat "$tmp/crm.rejects"

step "a messy export in one command: German Excel CSV (BOM, ';', CRLF, notes over lines, decimal commas, Ja/Nein, 'keine', customers of three countries)"
cdp-ingest --source kunden \
    --map customer_id=Kundennr,email=E-Mail,phone=Telefon,country=Land \
    --map birth_date=Geburtsdatum,revenue=Umsatz,consent.email=Newsletter \
    --normalize email,phone,country --country-field country \
    --default-country DE --date-format dmy \
    --types birth_date:date,revenue:money,consent.email:bool \
    --decimal-comma --default-currency EUR \
    --map-values consent.email:Ja=true,Nein=false \
    --map-values phone:keine=,0000000000= --empty null \
    --on-bad-value phone:null,revenue:null \
    --rejects "$tmp/kunden.rejects" --rejects-warnings --max-reject-rate 5 \
    --stats --only customer_id,email,phone,country,revenue,consent.email \
    kunden.csv
step "values made null instead of losing the customer (--rejects-warnings)"
cat "$tmp/kunden.rejects"

step "duplicates: the same email under two spellings of a name (cdp-dedupe)"
cdp-dedupe --key email --mark --stats "$tmp/crm.ndjson" \
    | jq -c '{customer_id, first_name, last_name, email, _dup_of}'

step "identity: one profile_id per person (cdp-merge), then unified profiles"
cdp-merge --ids email,phone "$tmp/crm.ndjson" \
    | jq -c '{customer_id, first_name, email, profile_id}'
cdp-merge --ids email,phone --profiles --rule first_name=longest \
    --stats "$tmp/crm.ndjson" \
    | jq -c '{profile_id, first_name, last_name, email, _records}'

step "audiences: segments of the CRM profiles (cdp-segment)"
cdp-segment --as-of 2024-12-01 --first-match --else other \
    -d 'vip=vip' \
    -d 'dach=country in ["DE", "AT", "CH"]' \
    -d 'new=days_since(signup_date) < 180' \
    --stats "$tmp/crm.ndjson"

step "RFM scores of the shop's customers (cdp-score)"
cdp-ingest --source shop --types total:number --rejects /dev/null \
    orders.json \
  | cdp-score rfm --id email --time ordered_at --amount total \
      --as-of 2024-12-01 --rejects /dev/null

step "web events (NDJSON: nested values and numbers pass through as written)"
cdp-ingest --source web --normalize email,ts:datetime \
    --rejects "$tmp/web.rejects" --stats web_events.ndjson
cat "$tmp/web.rejects"

step "orders (a JSON array, typed totals, emails pseudonymized)"
cdp-ingest --source shop --normalize ordered_at:datetime \
    --types total:number --hash email --only order_id,email,total,ordered_at \
    --rejects "$tmp/shop.rejects" --stats orders.json
cat "$tmp/shop.rejects"

step "identity over the web events, then a funnel (cdp-merge | cdp-report)"
cdp-ingest --source web --normalize email,ts:datetime --rejects /dev/null \
    web_events.ndjson | cdp-merge --ids email > "$tmp/web.ndjson"
cdp-report funnel --format table --within 7d \
    --steps 'view=type == "view"' 'cart=type == "cart"' \
    'purchase=type == "purchase"' -- "$tmp/web.ndjson"

step "order KPIs per customer (cdp-report group)"
cdp-ingest --source shop --types total:number --normalize email \
    --rejects /dev/null orders.json > "$tmp/orders.ndjson"
cdp-report group --format table --by email \
    --agg count,sum:total,avg:total "$tmp/orders.ndjson"

step "audience file for Google Customer Match from the unified profiles, one row a person (cdp-merge | cdp-export; the CRM has no consent field, so the filter is off here)"
cdp-merge --ids email,phone --profiles --rule first_name=longest \
    "$tmp/crm.ndjson" \
  | cdp-export --platform google \
    --fields email,phone,first_name,last_name,country \
    --no-consent-filter --default-country GB

step "journey decisions for the web visitors (cdp-journey, dry run: skipped ones too; the events are days old, so --max-age 7d acts on a week of history)"
{ cdp-ingest --source web --normalize email,ts:datetime --rejects /dev/null \
      web_events.ndjson
  cdp-ingest --source consent --normalize email consent.ndjson; } \
  | cdp-merge --ids email \
  | cdp-journey -j journey.json --as-of 2024-11-06T12:00:00Z --max-age 7d \
      --quiet 21:00-08:00 --cap email:2/7d --dry-run --stats

step "the HTML report (one self-contained page with charts)"
report=$(cd "$bin/.." && pwd)/demo-report.html
cdp-report group --by email --agg count,sum:total \
    --title "cdpipe demo: orders per customer" -o "$report" "$tmp/orders.ndjson"
echo "written: $report (open it in a browser)"
