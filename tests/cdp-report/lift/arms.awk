# arms.awk - decision records and outcomes with known counts, for the
# lift tests.  Each input line "JOURNEY ACTION VARIANT ARM N X [REV]"
# (VARIANT "-" for none) gives N decisions sent (held out: "sent":false)
# on 2026-03-01 to new profiles, X of which convert a day later (value
# REV, default 10).  Profile ids run on from one line to the next.
{
	rev = NF >= 7 ? $7 : 10
	for (i = 0; i < $5; i++) {
		p++
		printf "{\"profile_id\":\"p%d\",\"journey\":\"%s\",\"stage\":\"s\",\"action\":\"%s\",", p, $1, $2
		if ($3 != "-")
			printf "\"variant\":\"%s\",", $3
		printf "\"channel\":\"email\",\"send_at\":\"2026-03-01T10:00:00Z\",\"reason\":\"%s\",\"arm\":\"%s\",", $4 == "holdout" ? "holdout" : "trigger", $4
		if ($4 == "holdout")
			printf "\"holdout\":\"journey\","
		printf "\"sent\":%s}\n", $4 == "holdout" ? "false" : "true"
		if (i < $6)
			printf "{\"profile_id\":\"p%d\",\"event\":\"purchase\",\"ts\":\"2026-03-02T10:00:00Z\",\"revenue\":%s}\n", p, rev
	}
}
