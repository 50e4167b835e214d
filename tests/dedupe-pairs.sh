#!/bin/sh
# dedupe-pairs.sh - pairwise precision and recall of cdp-dedupe --mark
# output on FEBRL records (rec_id "rec-N-org" / "rec-N-dup-k": the same N
# is the same person).  Reads NDJSON on stdin, prints
# "precision P recall R pairs TRUE predicted PRED correct TP".
set -eu
jq -r '[(._dup_of // (._src + ":" + (._line|tostring))),
    (.rec_id | split("-")[1])] | @tsv' |
awk -F '\t' '
	{ clu[$1]++; ent[$2]++; both[$1 SUBSEP $2]++ }
	function pairs(n) { return n * (n - 1) / 2 }
	END {
		for (k in clu) pred += pairs(clu[k])
		for (k in ent) truth += pairs(ent[k])
		for (k in both) tp += pairs(both[k])
		printf "precision %.4f recall %.4f pairs %d predicted %d correct %d\n",
		    pred ? tp / pred : 1, truth ? tp / truth : 1, truth, pred, tp
	}'
