# genprof.awk - N profiles (-v n=N), each with one visit at time T (-v ts=T)
# and consent to email and sms: input for the holdout and variant shares.
BEGIN {
	for (i = 0; i < n; i++)
		printf "{\"profile_id\":\"c%06d\",\"ts\":\"%s\",\"event\":\"visit\"," \
		    "\"consent\":{\"email\":true,\"sms\":true}}\n", i, ts
}
