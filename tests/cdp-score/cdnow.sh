#!/bin/sh
# tests/cdp-score/cdnow.sh FILE: the CDNOW text data of the lifetimes
# repository (whitespace-separated, CRLF; see shared/data/README.md) as
# transaction records, through cdp-ingest.  CDNOW_sample.txt has a sample
# id column after the customer id; CDNOW_master.txt has a header line.
# The conversion belongs to the tests, not to cdp-score.
set -e
case $(basename "$1") in
CDNOW_sample.txt)
	hdr=customer_id,sample_id,ts,cds,revenue
	prog='{ print $1 "," $2 "," $3 "," $4 "," $5 }' ;;
*)
	hdr=customer_id,ts,cds,revenue
	prog='NR > 1 { print $1 "," $2 "," $3 "," $4 }' ;;
esac
{ echo "$hdr"; tr -d '\r' < "$1" | awk "$prog"; } |
    cdp-ingest --source cdnow --types revenue:number,cds:int \
	--normalize ts:date
