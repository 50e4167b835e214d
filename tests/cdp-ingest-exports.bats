#!/usr/bin/env bats
# cdp-ingest on exports as they come (issue 16): delimiters, encodings,
# compression, money, epochs and zones, value maps, bad cells, the reject
# guard, phones per country (15.8) and nested --map (26).
load helper

F="$BATS_TEST_DIRNAME/cdp-ingest"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

golden() {
	cat "$F/expected/$1"
}

# The CRM export as German Excel writes it, read in one command.
crm() {
	cdp-ingest --source crm --map customer_id=Kundennr,first_name=Vorname,last_name=Nachname,email=E-Mail,phone=Telefon,country=Land,birth_date=Geburtsdatum,revenue=Umsatz,consent.email=Newsletter,note=Notiz \
	    --normalize email,phone,first_name:name,last_name:name,country \
	    --country-field country --default-country DE --date-format dmy \
	    --types birth_date:date,revenue:money,consent.email:bool \
	    --decimal-comma --default-currency EUR \
	    --map-values consent.email:Ja=true,Nein=false \
	    --map-values phone:keine=,0000000000= --empty null "$@"
}

# --- delimiters ------------------------------------------------------------

@test "exports: a German Excel CSV (BOM, ';', CRLF, notes over lines) in one command" {
	run_split crm --on-bad-value phone:null,revenue:null --rejects rej \
	    --rejects-warnings --stats "$F/crm-excel.csv"
	assert_success
	assert_output "$(golden crm-excel.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":7,"written":7,"rejected":0,"dropped":0,"bad_values":2,"bad_values.phone":1,"bad_values.revenue":1}'
	assert_equal "$(cat rej)" "$(golden crm-excel.warnings)"
}

@test "exports: a ';' file is never one column, whatever --format says" {
	run cdp-ingest --format csv "$F/crm-excel.csv"
	assert_success
	assert_equal "$(head -1 <<<"$output" | jq -r 'keys_unsorted[0:3] | join(" ")')" "Kundennr Vorname Nachname"
	run sh -c "cdp-ingest < '$F/crm-excel.csv' | head -1 | jq -r .Land"
	assert_output "Deutschland"
}

@test "exports: --verbose names the delimiter chosen and why" {
	run_split cdp-ingest --verbose "$F/crm-excel.csv"
	assert_success
	assert_equal "$stderr" "cdp-ingest: $F/crm-excel.csv: delimiter ';' (10 columns; 7 of 7 rows agree)"
	printf 'id|name\n1|Ann\n' > p.txt
	run_split cdp-ingest --verbose p.txt
	assert_output '{"id":"1","name":"Ann","_src":"p.txt","_line":2}'
	assert_equal "$stderr" "cdp-ingest: p.txt: delimiter '|' (2 columns; 1 of 1 rows agree)"
}

@test "exports: two delimiters that fit equally well are refused (65), not guessed" {
	printf 'a,b;c\n1,2;3\n4,5;6\n' > amb.csv
	run_split cdp-ingest --rejects rej amb.csv
	assert_failure 65
	assert_equal "$output" ""
	assert_equal "$stderr" "cdp-ingest: amb.csv: cannot tell the delimiter: ',' and ';' both split the header (2 and 2 columns) and fit 2 of 2 rows: give --delimiter"
	run cdp-ingest --delimiter ';' amb.csv
	assert_success
	assert_line --index 0 '{"a,b":"1,2","c":"3","_src":"amb.csv","_line":2}'
}

@test "exports: the delimiter most rows agree with wins; quotes are honoured" {
	printf 'name,note\nAnn,"a;b;c"\nBob,"x;y"\n' > q.csv
	run cdp-ingest q.csv
	assert_output "$(printf '%s\n' '{"name":"Ann","note":"a;b;c","_src":"q.csv","_line":2}' '{"name":"Bob","note":"x;y","_src":"q.csv","_line":3}')"
	printf 'a;b,c\n1;2,3\n4;5\n' > w.csv
	run cdp-ingest w.csv
	assert_output "$(printf '%s\n' '{"a":"1","b,c":"2,3","_src":"w.csv","_line":2}' '{"a":"4","b,c":"5","_src":"w.csv","_line":3}')"
}

@test "exports: --delimiter takes , ; tab | or any byte, and nothing else" {
	printf 'a\tb\n1\t2\n' > t.txt
	run cdp-ingest --delimiter tab t.txt
	assert_output '{"a":"1","b":"2","_src":"t.txt","_line":2}'
	printf 'a#b\n1#2\n' > h.csv
	run cdp-ingest --delimiter '#' h.csv
	assert_output '{"a":"1","b":"2","_src":"h.csv","_line":2}'
	for bad in '' ';;' '"' "$(printf '\n')" 'é'; do
		run_split cdp-ingest --delimiter "$bad" h.csv
		assert_failure 64
		assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --delimiter: expected one ASCII byte other than a quote or line end (or "tab")'
	done
}

# --- encodings ---------------------------------------------------------------

@test "exports: Excel's Unicode text (UTF-16LE with BOM, tabs, CRLF)" {
	run_split cdp-ingest --verbose --types Umsatz:money --default-currency EUR "$F/excel-unicode.txt"
	assert_success
	assert_output "$(golden excel-unicode.out)"
	assert_equal "$stderr" "$(printf '%s\n' "cdp-ingest: $F/excel-unicode.txt: UTF-16LE" "cdp-ingest: $F/excel-unicode.txt: delimiter tab (4 columns; 3 of 3 rows agree)")"
}

@test "exports: UTF-16BE with BOM, and UTF-16 without BOM is refused with a hint" {
	{ printf '\376\377'; printf 'name,city\nZoë,Köln\n' | iconv -f UTF-8 -t UTF-16BE; } > be.csv
	run cdp-ingest be.csv
	assert_output '{"name":"Zoë","city":"Köln","_src":"be.csv","_line":2}'
	printf 'name,city\nZoë,Köln\n' | iconv -f UTF-8 -t UTF-16LE > le.csv
	run_split cdp-ingest le.csv
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: le.csv: NUL bytes at every other position: UTF-16 without BOM? give --encoding utf-16le"
	run cdp-ingest --encoding utf-16le le.csv
	assert_output '{"name":"Zoë","city":"Köln","_src":"le.csv","_line":2}'
	printf 'name,city\nZoë,Köln\n' | iconv -f UTF-8 -t UTF-16BE > be2.csv
	run_split cdp-ingest be2.csv
	assert_equal "$stderr" "cdp-ingest: be2.csv: NUL bytes at every other position: UTF-16 without BOM? give --encoding utf-16be"
}

@test "exports: --encoding cp1252 and latin1; an undecodable byte is a bad record at its line" {
	printf 'name;note\nZo\xeb;5 \x80\nAnn;\x81\nBob;ok\n' > w.csv
	run_split cdp-ingest --encoding cp1252 --rejects rej --stats w.csv
	assert_success
	assert_output "$(printf '%s\n' '{"name":"Zoë","note":"5 €","_src":"w.csv","_line":2}' '{"name":"Bob","note":"ok","_src":"w.csv","_line":4}')"
	assert_equal "$(jq -c '[._line, ._error]' rej)" '[3,"field \"note\": bytes that are not cp1252"]'
	run cdp-ingest --encoding latin1 --only name w.csv
	assert_line --index 0 '{"name":"Zoë","_src":"w.csv","_line":2}'
	printf '{"n":"Zo\xeb"}\n{"n":"\xff\xfe"}\n' > w.ndjson
	run_split cdp-ingest --encoding latin1 w.ndjson
	assert_output "$(printf '%s\n' '{"n":"Zoë","_src":"w.ndjson","_line":1}' '{"n":"ÿþ","_src":"w.ndjson","_line":2}')"
	run_split cdp-ingest --encoding ebcdic-martian w.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --encoding: iconv cannot read "ebcdic-martian" (see iconv -l)'
}

# --- compression ---------------------------------------------------------------

@test "exports: gzipped NDJSON of app events with epoch-ms times" {
	run_split cdp-ingest --types ts:epoch-ms --rejects rej --stats "$F/app-events.ndjson.gz"
	assert_success
	assert_output "$(golden app-events.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":6,"written":5,"rejected":1,"dropped":0}'
	assert_equal "$(jq -c '[._line, ._error]' rej)" '[6,"field \"ts\": not an epoch time"]'
}

@test "exports: compression is told by magic bytes: any name, stdin, zstd, concatenated members" {
	cp "$F/app-events.ndjson.gz" events.dat
	run cdp-ingest -f ndjson --only event events.dat
	assert_equal "${#lines[@]}" 6
	run sh -c "cdp-ingest --only user_id < '$F/app-events.ndjson.gz' | tail -1"
	assert_output '{"user_id":"u-99","_src":"stdin","_line":6}'
	printf 'id;amount\n1;2,50\n' | zstd -q > pos.csv.zst
	run cdp-ingest --types amount:money pos.csv.zst
	assert_output '{"id":"1","amount":2.50,"_src":"pos.csv.zst","_line":2}'
	printf '{"n":1}\n' | gzip -n > a.gz
	printf '{"n":2}\n' | gzip -n >> a.gz
	run cdp-ingest a.gz
	assert_output "$(printf '%s\n' '{"n":1,"_src":"a.gz","_line":1}' '{"n":2,"_src":"a.gz","_line":2}')"
}

@test "exports: cut or corrupt compressed input stops the run (65) and publishes nothing" {
	head -c 100 "$F/app-events.ndjson.gz" > cut.gz
	run_split cdp-ingest -o out.ndjson --rejects rej cut.gz
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: cut.gz: gzip: input cut short"
	assert_file_not_exist out.ndjson
	{ head -c 20 "$F/app-events.ndjson.gz"; head -c 300 /dev/zero | tr '\0' 'x'; } > bad.gz
	run_split cdp-ingest bad.gz
	assert_failure 65
	assert_equal "${stderr##*$'\n'}" "cdp-ingest: bad.gz: gzip: invalid compressed data"
	printf '{"n":1}\n' | zstd -q | head -c 12 > cut.zst
	run_split cdp-ingest cut.zst
	assert_failure 65
	assert_equal "${stderr##*$'\n'}" "cdp-ingest: cut.zst: zstd: input cut short"
}

# --- money and numbers ---------------------------------------------------------------

@test "exports: POS amounts in three currencies and two decimal styles" {
	run_split cdp-ingest --types amount:money,ts:datetime --tz Europe/Berlin --utc \
	    --on-bad-value amount:null --stats "$F/pos.csv"
	assert_success
	assert_output "$(golden pos.out)"
	assert_equal "$(stats_core "$stderr")" '{"read":8,"written":8,"rejected":0,"dropped":0,"bad_values":1,"bad_values.amount":1}'
}

@test "exports: money: ambiguous groups, --decimal-comma globally or per field" {
	printf 'a;b\n1,234;1.234\n"1 234,5";0,123\n' > m.csv
	run cdp-ingest --types a:money,b:money m.csv
	assert_output "$(printf '%s\n' '{"a":1234,"b":1.234,"_src":"m.csv","_line":2}' '{"a":1234.5,"b":0.123,"_src":"m.csv","_line":3}')"
	run cdp-ingest --types a:money,b:money --decimal-comma m.csv
	assert_line --index 0 '{"a":1.234,"b":1234,"_src":"m.csv","_line":2}'
	run cdp-ingest --types a:money,b:money --decimal-comma=b m.csv
	assert_line --index 0 '{"a":1234,"b":1234,"_src":"m.csv","_line":2}'
	run_split cdp-ingest --types a:int --decimal-comma=a m.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --decimal-comma: field "a" is not typed number or money'
	run_split cdp-ingest --types a:money --decimal-comma= m.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --decimal-comma: empty item or too many items'
}

@test "exports: number with --decimal-comma reads people's numbers; without it stays strict" {
	printf 'v\n"1.234,5"\n"-0,5"\n12\n' > n.csv
	run cdp-ingest --types v:number --decimal-comma n.csv
	assert_output "$(printf '%s\n' '{"v":1234.5,"_src":"n.csv","_line":2}' '{"v":-0.5,"_src":"n.csv","_line":3}' '{"v":12,"_src":"n.csv","_line":4}')"
	printf 'v\n12 EUR\n' > c.csv
	run_split cdp-ingest --types v:number --decimal-comma c.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: c.csv:2: field "v": not a number'
}

@test "exports: money's bad cells name their reason, never the value" {
	printf 'v\nkeine\nXYZ 5\n$5\n12 kr\n"1.2.3,4"\n€\n' > b.csv
	run_split cdp-ingest --types v:money --rejects rej --max-reject-rate 100 b.csv
	assert_success
	assert_equal "$(jq -r '._error' rej)" "$(printf '%s\n' 'field "v": not an amount' 'field "v": unknown currency' 'field "v": ambiguous currency symbol: give --default-currency' 'field "v": ambiguous currency symbol: give --default-currency' 'field "v": not an amount' 'field "v": not an amount')"
	run cdp-ingest --types v:money --default-currency SEK --rejects /dev/null --max-reject-rate 100 b.csv
	assert_output '{"v":12,"v_currency":"SEK","_src":"b.csv","_line":5}'
	run_split cdp-ingest --types v:money --default-currency XXQ b.csv
	assert_failure 64
	assert_equal "$stderr" 'cdp-ingest: --default-currency: "XXQ" is not an ISO 4217 code'
	run_split cdp-ingest --default-currency EUR b.csv
	assert_failure 64
}

@test "exports: an input field named like the currency field is a collision unless --replace" {
	printf 'amount,amount_currency\n€5,EUR\n5,USD\n' > c.csv
	run_split cdp-ingest --types amount:money --rejects rej c.csv
	assert_success
	assert_output '{"amount":5,"amount_currency":"USD","_src":"c.csv","_line":3}'
	assert_equal "$(jq -r ._error rej)" 'field "amount_currency" already exists'
	run cdp-ingest --types amount:money --replace c.csv
	assert_line --index 0 '{"amount":5,"amount_currency":"EUR","_src":"c.csv","_line":2}'
}

# --- times ---------------------------------------------------------------------

@test "exports: epoch seconds, milliseconds, microseconds; detected under datetime" {
	printf '{"s":1741082400,"ms":"1741082400250","us":1741082400000001,"neg":-1.5,"dt":1741082400250}\n' > e.ndjson
	run cdp-ingest --types s:epoch-s,ms:epoch-ms,us:epoch-us,neg:epoch-s,dt:datetime e.ndjson
	assert_output '{"s":"2025-03-04T10:00:00Z","ms":"2025-03-04T10:00:00.250Z","us":"2025-03-04T10:00:00.000001Z","neg":"1969-12-31T23:59:58.5Z","dt":"2025-03-04T10:00:00.250Z","_src":"e.ndjson","_line":1}'
	printf '{"t":99999999999999999}\n{"t":"12:00"}\n{"t":20250304}\n' > b.ndjson
	run cdp-ingest --types t:epoch-s --rejects rej --max-reject-rate 100 b.ndjson
	assert_equal "$(jq -r ._error rej)" "$(printf '%s\n' 'field "t": epoch time out of range' 'field "t": not an epoch time')"
	assert_output '{"t":"1970-08-23T09:05:04Z","_src":"b.ndjson","_line":3}'
}

@test "exports: --tz places zoneless times, --utc converts; clock changes are handled" {
	printf 'ts\n2025-03-04 10:00\n2025-07-01 10:00\n2025-10-26 02:30\n2025-03-04T10:00:00+05:30\n' > t.csv
	run cdp-ingest -n ts:datetime --tz Europe/Berlin t.csv
	assert_equal "$(jq -r .ts <<<"$output")" "$(printf '%s\n' 2025-03-04T10:00:00+01:00 2025-07-01T10:00:00+02:00 2025-10-26T02:30:00+02:00 2025-03-04T10:00:00+05:30)"
	run cdp-ingest -n ts:datetime --tz Europe/Berlin --utc t.csv
	assert_equal "$(jq -r .ts <<<"$output")" "$(printf '%s\n' 2025-03-04T09:00:00Z 2025-07-01T08:00:00Z 2025-10-26T00:30:00Z 2025-03-04T04:30:00Z)"
	printf 'ts\n2025-03-30 02:30\n' > gap.csv
	run_split cdp-ingest -n ts:datetime --tz Europe/Berlin gap.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: gap.csv:2: field "ts": time does not exist in the --tz zone (clock change)'
	run_split cdp-ingest -n ts:datetime --utc gap.csv
	assert_equal "$stderr" 'cdp-ingest: gap.csv:2: field "ts": time has no zone: give --tz'
}

@test "exports: --tz and --utc misuse is a usage error naming the option" {
	printf 'ts\n2025-03-04\n' > t.csv
	run_split cdp-ingest -n ts:datetime --tz Mars/Olympus t.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --tz: "Mars/Olympus" is not a zone of the tz database (such as Europe/Berlin)'
	run_split cdp-ingest --tz Europe/Berlin t.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --tz needs a datetime or epoch field'
	run_split cdp-ingest --utc t.csv
	assert_failure 64
	run_split cdp-ingest --types ts:epoch t.csv
	assert_failure 64
}

# --- values ----------------------------------------------------------------------

@test "exports: --map-values inline and from a file, before --types" {
	printf 'vip;status\nJa;A\nNein;B\nkeine;C\n' > v.csv
	printf '{"A": "active", "B": null, "C": "cancelled"}\n' > status.json
	run cdp-ingest --map-values vip:Ja=true,Nein=false,keine= --types vip:bool --map-values status:@status.json v.csv
	assert_output "$(printf '%s\n' '{"vip":true,"status":"active","_src":"v.csv","_line":2}' '{"vip":false,"status":null,"_src":"v.csv","_line":3}' '{"vip":null,"status":"cancelled","_src":"v.csv","_line":4}')"
	printf '["A"]\n' > bad.json
	run_split cdp-ingest --map-values status:@bad.json v.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: bad.json: --map-values: expected a JSON object of "FROM": "TO"'
	run_split cdp-ingest --map-values status:@missing.json v.csv
	assert_failure 66
	for bad in vip vip: :a=b 'vip:=x' 'vip:a=1,a=2'; do
		run cdp-ingest --map-values "$bad" v.csv
		assert_failure 64
	done
}

@test "exports: --set adds a constant field, --default fills missing and empty ones" {
	printf 'id,country\n1,PL\n2,\n' > s.csv
	run cdp-ingest --set source=pos --set n=3 --types n:int --default country=DE --default channel=store s.csv
	assert_output "$(printf '%s\n' '{"id":"1","country":"PL","source":"pos","n":3,"channel":"store","_src":"s.csv","_line":2}' '{"id":"2","country":"DE","source":"pos","n":3,"channel":"store","_src":"s.csv","_line":3}')"
	run_split cdp-ingest --set id=x s.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: s.csv:2: field "id" already exists'
	run cdp-ingest --set id=x --replace --only id s.csv
	assert_line --index 0 '{"id":"x","_src":"s.csv","_line":2}'
	for bad in '=x' 'x' ; do
		run cdp-ingest --set "$bad" s.csv
		assert_failure 64
		run cdp-ingest --default "$bad" s.csv
		assert_failure 64
	done
	run_split cdp-ingest --set _src=x s.csv
	assert_failure 64
	run_split cdp-ingest --set a=1 --set a=2 s.csv
	assert_failure 64
}

# --- one bad cell does not cost the row --------------------------------------------

@test "exports: --on-bad-value null and keep, per field; --require still rejects" {
	printf 'email,phone,age\nann@x.io,n/a,thirty\nnot-mail,+48601234567,40\n,keine,41\n' > b.csv
	run_split cdp-ingest -n email,phone -t age:int --default-country PL \
	    --on-bad-value null --on-bad-value age:keep --require 'email|phone' \
	    --rejects rej --rejects-warnings --stats b.csv
	assert_success
	assert_output "$(printf '%s\n' '{"email":"ann@x.io","phone":null,"age":"thirty","_src":"b.csv","_line":2}' '{"email":null,"phone":"+48601234567","age":40,"_src":"b.csv","_line":3}')"
	assert_equal "$(stats_core "$stderr")" '{"read":3,"written":2,"rejected":1,"dropped":0,"bad_values":4,"bad_values.email":1,"bad_values.phone":2,"bad_values.age":1}'
	assert_equal "$(jq -c '[._line, (._error // ._warning)]' rej)" "$(printf '%s\n' '[2,"field \"phone\": phone has letters (made null)"]' '[2,"field \"age\": not an integer (kept)"]' '[3,"field \"email\": not an email address (made null)"]' '[4,"none of the required fields email|phone is present"]')"
}

@test "exports: --on-bad-value reject is the default; misuse is 64" {
	printf 'age\nx\n' > a.csv
	run_split cdp-ingest -t age:int a.csv
	assert_failure 65
	run_split cdp-ingest -t age:int --on-bad-value age:reject --on-bad-value null a.csv
	assert_failure 65
	run_split cdp-ingest --on-bad-value drop a.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --on-bad-value: expected reject, null or keep (or FIELD:MODE)'
	run_split cdp-ingest --on-bad-value :null a.csv
	assert_failure 64
	run_split cdp-ingest --rejects-warnings a.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --rejects-warnings needs --rejects'
}

# --- the reject guard --------------------------------------------------------------

@test "exports: by default a run that rejects over half its records stops (65), output unpublished" {
	printf 'a;b\n1;2\n' > semi.csv
	printf 'n\nx\ny\nz\n1\n' > n.csv
	run_split cdp-ingest -t n:int --rejects rej -o out.ndjson --stats n.csv
	assert_failure 65
	assert_file_not_exist out.ndjson
	assert_equal "$(wc -l < rej)" 3
	assert_equal "$(stats_core "$stderr")" "$(printf '%s\n' '{"read":4,"written":1,"rejected":3,"dropped":0}' 'cdp-ingest: 3 of 4 records rejected (75.0%), more than --max-reject-rate 50%; most often: field "n": not an integer (3)')"
	run cdp-ingest -t n:int --rejects rej --max-reject-rate 80% -o out.ndjson n.csv
	assert_success
	assert_file_exist out.ndjson
}

@test "exports: --max-reject-rate and --max-rejects for cron" {
	printf 'n\n1\n2\nx\n3\ny\n' > n.csv
	run_split cdp-ingest -t n:int --rejects rej --max-reject-rate 5 n.csv
	assert_failure 65
	assert_equal "${stderr##*$'\n'}" 'cdp-ingest: 2 of 5 records rejected (40.0%), more than --max-reject-rate 5%; most often: field "n": not an integer (2)'
	run_split cdp-ingest -t n:int --rejects rej --max-rejects 1 n.csv
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: more than --max-rejects 1: 2 records rejected so far; most often: field "n": not an integer (2)'
	assert_equal "$(wc -l < rej)" 2
	run cdp-ingest -t n:int --rejects rej --max-rejects 2 n.csv
	assert_success
	for bad in 101 -1 5%% abc ''; do
		run cdp-ingest --max-reject-rate "$bad" n.csv
		assert_failure 64
	done
	run cdp-ingest --max-rejects -1 n.csv
	assert_failure 64
}

# --- phones of many countries ---------------------------------------------------------

@test "exports: --country-field gives each phone its country; invalid numbers never look valid" {
	printf 'phone,country\n07911 123456,GB\n07911 123456,\n0151 23456789,Germany\n601 234 567,POL\n07700 900123,UK\n0151 1234,DE\n+44 7911 123456,PL\n0151 23456789,Atlantis\n' > p.csv
	run_split cdp-ingest -n phone --country-field country --default-country DE \
	    --rejects rej --max-reject-rate 100 p.csv
	assert_success
	assert_equal "$(jq -r '.phone' <<<"$output")" "$(printf '%s\n' +447911123456 +497911123456 +4915123456789 +48601234567 +447911123456)"
	assert_equal "$(jq -c '[._line, ._error]' rej)" "$(printf '%s\n' '[6,"field \"phone\": phone number not valid for its country"]' '[7,"field \"phone\": phone number not valid for its country"]' '[9,"field \"phone\": --country-field \"country\" is not a country"]')"
}

@test "exports: --hash phone uses the record's country too; misuse is 64" {
	printf 'phone,cc\n07911 123456,GB\n' > h.csv
	want=$(printf '+447911123456' | sha256sum | cut -d' ' -f1)
	run cdp-ingest --hash phone --country-field cc --default-country DE h.csv
	assert_output "{\"phone\":\"$want\",\"cc\":\"GB\",\"_src\":\"h.csv\",\"_line\":2}"
	run_split cdp-ingest --country-field cc h.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --country-field needs a phone field (--normalize phone or --hash phone)'
	run_split cdp-ingest --country-field '' -n phone h.csv
	assert_failure 64
	assert_equal "${stderr%%$'\n'*}" 'cdp-ingest: --country-field: empty name'
}

# --- nested --map and names no record has --------------------------------------------

@test "exports: --map to a dotted name nests, and --types applies to the new name" {
	printf 'id,consent_email,consent_sms,pref_lang\n1,yes,no,de\n2,no,,en\n' > c.csv
	run cdp-ingest --map consent.email=consent_email,consent.sms=consent_sms,prefs.ui.lang=pref_lang \
	    --types consent.email:bool,consent.sms:bool c.csv
	assert_output "$(printf '%s\n' '{"id":"1","consent":{"email":true,"sms":false},"prefs":{"ui":{"lang":"de"}},"_src":"c.csv","_line":2}' '{"id":"2","consent":{"email":false,"sms":null},"prefs":{"ui":{"lang":"en"}},"_src":"c.csv","_line":3}')"
	printf '{"consent":{"web":true},"consent_email":"yes"}\n' > n.ndjson
	run_split cdp-ingest --map consent.email=consent_email n.ndjson
	assert_failure 65
	assert_equal "$stderr" 'cdp-ingest: n.ndjson:1: field "consent" already exists'
	run cdp-ingest --map consent.email=consent_email --replace n.ndjson
	assert_output '{"consent":{"email":"yes"},"_src":"n.ndjson","_line":1}'
	for bad in 'a..b=x' '.a=x' 'a.=x' 'a=x,a.b=y'; do
		run cdp-ingest --map "$bad" c.csv
		assert_failure 64
	done
}

@test "exports: an option naming a field no record has is a warning, 65 with --strict" {
	printf 'id,amount\n1,5\n' > w.csv
	run_split cdp-ingest --types amout:number --map x=y --require 'id|mail' w.csv
	assert_success
	assert_equal "$stderr" "$(printf '%s\n' 'cdp-ingest: warning: --types names field "amout", which no record has' 'cdp-ingest: warning: --map names field "y", which no record has' 'cdp-ingest: warning: --require names field "mail", which no record has')"
	run_split cdp-ingest --types amout:number --strict -o out.ndjson w.csv
	assert_failure 65
	assert_equal "$stderr" "$(printf '%s\n' 'cdp-ingest: --types names field "amout", which no record has' 'cdp-ingest: --strict: 1 name of no field')"
	assert_file_not_exist out.ndjson
	: > empty.csv
	run_split cdp-ingest --types amout:number --strict empty.csv
	assert_success
	assert_equal "$stderr" ""
}

@test "exports: the man page's German CRM example runs as written" {
	cp "$F/crm-excel.csv" crm.csv
	sed -n '/^cdp\\-ingest \\-\\-source crm \\e$/,/crm\.csv$/p' \
	    "$BATS_TEST_DIRNAME/../man/cdp-ingest.1" |
	    sed 's/\\-/-/g; s/\\e$/\\/' > example.sh
	[ "$(wc -l < example.sh)" -eq 11 ]
	run_split sh example.sh
	assert_success
	assert_equal "$(stats_core "$stderr")" '{"read":7,"written":7,"rejected":0,"dropped":0,"bad_values":2,"bad_values.phone":1,"bad_values.revenue":1}'
	assert_equal "$(jq -c '[.customer_id, .phone, .country, .revenue, .revenue_currency, .consent.email]' <<<"$output" | sed -n '1p;3p;6p')" "$(printf '%s\n' '["1001","+4915123456789","DE",1234.56,"EUR",true]' '["1003","+447911123456","GB",2500,"EUR",true]' '["1006",null,"GB",null,null,false]')"
	assert_file_exist crm.rejects
}

@test "exports: a workbook is not text: .xlsx and .xls get a hint, not garbage" {
	printf 'PK\003\004\024\000\006\000rest of a zip' > book.xlsx
	run_split cdp-ingest book.xlsx
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: book.xlsx: a ZIP archive (an .xlsx workbook?): save the sheet as CSV first"
	printf '\320\317\021\340\241\261\032\341\000\000' > book.xls
	run_split cdp-ingest book.xls
	assert_failure 65
	assert_equal "$stderr" "cdp-ingest: book.xls: an OLE2 file (an .xls workbook?): save the sheet as CSV first"
}

@test "exports: a gzipped UTF-16 export is decompressed, then decoded" {
	gzip -n -c "$F/excel-unicode.txt" > export.txt.gz
	run_split cdp-ingest --verbose --only Name export.txt.gz
	assert_success
	assert_line --index 1 '{"Name":"Łukasz Żółw","_src":"export.txt.gz","_line":3}'
	assert_equal "${stderr%%$'\n'*}" "cdp-ingest: export.txt.gz: gzip, UTF-16LE"
}

@test "exports: Excel's sep= first line names the delimiter and is no row" {
	printf '\357\273\277sep=;\r\nid;amount\r\n1;1,5\r\n' > sep.csv
	run_split cdp-ingest --verbose --types amount:money sep.csv
	assert_success
	assert_output '{"id":"1","amount":1.5,"_src":"sep.csv","_line":3}'
	assert_equal "$stderr" "cdp-ingest: sep.csv: delimiter ';' (from the sep= line)"
	printf 'sep=|\nid|n\n1|2\n' > bar.csv
	run cdp-ingest --delimiter '|' bar.csv
	assert_output '{"id":"1","n":"2","_src":"bar.csv","_line":3}'
}

@test "exports: a header-only CSV names its --country-field column (no warning)" {
	printf 'phone,country\r\n' > h.csv
	run_split cdp-ingest --country-field country --normalize phone h.csv
	assert_success
	assert_output ''
	assert_equal "$stderr" ''
	printf 'phone\r\n' > h2.csv
	run_split cdp-ingest --country-field country --normalize phone h2.csv
	assert_success
	assert_equal "$stderr" 'cdp-ingest: warning: --country-field names field "country", which no record has'
}
