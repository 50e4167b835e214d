#!/bin/sh
# examples/live/live.sh [DIR]: cdpipe's activation stage on a live stream.
# The web tier writes NDJSON events (and profile records with consent) to
# the FIFO DIR/events.fifo; each decision leaves the moment it is due:
# cdp-ingest normalises, cdp-journey --follow decides (by the wall clock),
# cdp-export writes the sends for the messaging tool to DIR/sends.ndjson.
# The decision log, the state and the rejects stay in DIR.  SIGTERM (as
# systemd stops it) ends every stage cleanly; a restart goes on from the
# state.  The site stamps events to the second: --max-lateness 1s lets
# the events of one second come before that second is decided.  DIR
# defaults to /var/lib/cdpipe-live.
set -eu
dir=${1:-/var/lib/cdpipe-live}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
[ -p "$dir/events.fifo" ] || mkfifo "$dir/events.fifo"
# Held open for reading and writing: writers come and go, and a writer
# that closes it is not the end of the input.
exec 3<>"$dir/events.fifo"
cdp-ingest --format ndjson --normalize email --unbuffered - <&3 |
    cdp-journey -j "$here/journey.json" --follow --clock wall \
    --max-lateness 1s --profile customer_id --state "$dir/journey.state" \
    --log "$dir/decisions.log" --rejects "$dir/journey.rejects" \
    --stats-every 60s --quiet 21:00-08:00 --cap email:3/1d |
    cdp-export -p generic --no-consent-filter --no-hash --unbuffered \
    -f ndjson -c profile_id,action,channel,template,send_at \
    >>"$dir/sends.ndjson"
