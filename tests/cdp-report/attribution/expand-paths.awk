# expand-paths.awk - turn ChannelAttribution's aggregated path table
# (path;total_conversions;total_conversion_value;total_null) into events:
# one journey ("j" id) per conversion and per null, its touchpoints in
# order at ts 1, 2, ..., and a conversion record ending each converted
# journey.  The row's whole value goes to its first conversion: every
# journey of a row has the same path, so each model credits the row the
# same whatever the split.
BEGIN { FS = ";" }
NR == 1 { next }
{
	n = split($1, ch, / > /)
	for (k = 0; k < $2 + $4; k++) {
		j++
		for (i = 1; i <= n; i++)
			printf "{\"j\":%d,\"ts\":%d,\"ch\":\"%s\"}\n", j, i, ch[i]
		if (k < $2)
			printf "{\"j\":%d,\"ts\":%d,\"conv\":true,\"v\":%s}\n", j,
			    n, k == 0 ? $3 : 0
	}
}
