# gen-schedule.awk - a random journey and 15 days of events for the
# schedule property test of cdp-journey: awk -v seed=N -v dir=D -f THIS
# writes D/journey.json, D/profiles.ndjson (records without time: consent,
# zone, fields the rules read) and D/events.ndjson (times in seconds from
# 2026-01-01T00:00:00Z, 1767225600).  Stages with entries, exits, a
# journey exit, re-entry rules, competing actions with different waits and
# "unless" windows, sequences of steps, repeats, variants and a holdout,
# rules on a profile field (vip); events that give consent on the way.
function r(n) { return int(rand() * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[r(n) + 1] }
function ev(k,   o) {
	o = "event == \\\"e" k "\\\""
	return r(4) ? o : o " && " pick("vip !vip")
}

function send(s,   o) {
	o = "\"channel\": \"" pick("email email sms push") "\", " \
	    "\"template\": \"t" (++ntmpl) "\""
	if (r(3) > 0)
		o = o ", \"wait\": \"" pick("0 30m 3h 1d 2d") "\""
	if (r(2))
		o = o ", \"unless\": \"" ev(r(5)) "\", \"within\": \"" \
		    pick("1h 1d 3d") "\""
	if (r(4) == 0)
		o = o ", \"repeat\": \"" pick("0 1d") "\""
	return o
}

function action(s, k,   o) {
	o = "{\"name\": \"a" s "_" k "\", " send(s) ", \"priority\": " r(3)
	if (r(2))
		o = o ", \"when\": \"" ev(r(4)) "\""
	if (s == 0 && k == 0 && r(2))
		o = o ", \"variants\": [{\"name\": \"v1\", \"weight\": \"50%\"}, " \
		    "{\"name\": \"v2\", \"weight\": \"50%\", \"channel\": \"sms\", " \
		    "\"template\": \"tv2\"}]"
	return o "}"
}

function sequence(s,   o, n, i, w) {
	o = "{\"name\": \"q" s "\", "
	if (r(2))
		o = o "\"when\": \"" ev(r(4)) "\", "
	o = o "\"steps\": ["
	n = 2 + r(2)
	split("1d 3d 6d", w, " ")
	for (i = 1; i <= n; i++) {
		o = o (i > 1 ? ", " : "") "{\"name\": \"q" s "_" i "\", " \
		    "\"channel\": \"" pick("email sms") "\", \"template\": \"s" i \
		    "\", \"wait\": \"" w[i] "\""
		if (r(2))
			o = o ", \"unless\": \"" ev(r(5)) "\""
		o = o "}"
	}
	return o "]}"
}

function journey(f,   nst, s, k, na, o) {
	o = "{\"name\": \"gen" seed "\""
	k = r(3)
	if (k == 1)
		o = o ", \"reentry\": \"never\""
	if (k == 2)
		o = o ", \"reentry\": \"2d\""
	if (r(2))
		o = o ", \"exit\": \"event == \\\"quit\\\"\""
	if (r(2))
		o = o ", \"holdout\": \"25%\""
	o = o ", \"stages\": ["
	nst = 2 + r(2)
	for (s = 0; s < nst; s++) {
		o = o (s ? ",\n  " : "\n  ") "{\"name\": \"s" s "\""
		if (s > 0 || r(3) > 0)
			o = o ", \"entry\": \"" ev(s) "\""
		if (r(4) == 0)
			o = o ", \"exit\": \"event == \\\"x\\\"\""
		o = o ", \"actions\": ["
		na = 1 + r(3)
		for (k = 0; k < na; k++)
			o = o (k ? ", " : "") action(s, k)
		if (r(2))
			o = o ", " sequence(s)
		o = o "]}"
	}
	print o "]}" > f
}

# Consent of a profile record (granted or refused), or given later by an
# event (grant: a withdrawal after a decision's time, before the run that
# makes it, is the one thing the schedule may change, on purpose).
function consent(grant,   o, c, n, i) {
	split("email sms push", c, " ")
	o = ""
	for (i = 1; i <= 3; i++)
		if (r(4) > 0)
			o = o (o != "" ? "," : "") "\"" c[i] "\":" \
			    (grant || r(5) > 0 ? "true" : "false")
	return "{" o "}"
}

BEGIN {
	srand(seed)
	journey(dir "/journey.json")
	t0 = 1767225600
	for (p = 0; p < 40; p++) {
		print "{\"profile_id\":\"p" p "\",\"tz\":\"" \
		    pick("UTC Europe/Warsaw America/New_York Asia/Tokyo") \
		    "\",\"vip\":" pick("true false") ",\"consent\":" consent(0) \
		    "}" > (dir "/profiles.ndjson")
		n = r(14)
		for (i = 0; i < n; i++) {
			t = t0 + 60 * r(15 * 24 * 60)
			e = pick("e0 e0 e1 e1 e2 e3 e4 x quit")
			o = "{\"profile_id\":\"p" p "\",\"ts\":" t ",\"event\":\"" e "\""
			if (r(8) == 0)
				o = o ",\"consent\":" consent(1)
			print o "}" > (dir "/events.ndjson")
		}
	}
}
