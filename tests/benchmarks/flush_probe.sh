#!/usr/bin/env bash
# flush_probe.sh: announce latency while swarmkeeperd commits a million pending deltas.
# Called by run.sh (its environment: SK or SK_BIN, BENCH, OUT, UDPLOAD, PASSKEY, TOKEN, FILL_S;
# the tracker on core 0, the load on core 1), or alone after run.sh built everything.
#
# A fresh server with periodic flushes off (stats.flush_interval=3600) takes the memory phase's
# fill: distinct peers announcing once each over UDP for FILL_S seconds, about a million
# pending records, one (user, torrent) row and one journal entry each. Then a light UDP probe
# (16 requests in flight, the usual pool) runs for PROBE_S seconds twice: once with nothing
# else going on, once with POST /admin/stats/flush sent 0.2 s in. Prints RESULT lines: the
# records the flush committed and its wall time as curl saw it, and p50/p99/max of the
# probe's announces (and scrapes) in both windows.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"; BENCH="${BENCH:-$SHARED/bench}"
SK="${SK:-$ROOT/build/server/swarmkeeperd}" # SK_BIN wins (swarmkeeper.sh)
OUT="${OUT:-$(mktemp -d -t skflush.XXXXXX)}"
UDPLOAD="${UDPLOAD:-${TMPDIR:-/tmp}/udpload-$(id -u)}"
PASSKEY="${PASSKEY:-benchbenchbenchbenchbenchbench01}"; TOKEN="${TOKEN:-bench-token}"
FILL_S="${FILL_S:-5}"; PROBE_S="${PROBE_S:-2}"; ROUND="${ROUND:-1}"
[ -x "$UDPLOAD" ] || { echo "no $UDPLOAD (measure.sh builds it)" >&2; exit 2; }
API=http://127.0.0.1:18082

source "$HERE/swarmkeeper.sh"
trap '[ -z "${SKPID:-}" ] || kill "$SKPID" 2>/dev/null || true' EXIT
start_swarmkeeper "sk-data-$ROUND-flush" false --set stats.flush_interval=3600 \
    --set stats.flush_records=100000000
auth=(-H "Authorization: Bearer $TOKEN")

taskset -c 1 "$UDPLOAD" 127.0.0.1 18081 "$FILL_S" 1000 1000000 --scrape-pct 0 \
    --numwant 0 --quiet --path "/$PASSKEY/announce" > "$OUT/flush-fill-$ROUND.txt" 2>&1 || true
pending="$(curl -sf "${auth[@]}" "$API/admin/stats" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["flush_queue"])')"

probe() { # $1 name: prints "p50 p99 max" of the probe
    taskset -c 1 "$UDPLOAD" 127.0.0.1 18081 "$PROBE_S" 1000 10000 --inflight 16 \
        --path "/$PASSKEY/announce" > "$OUT/flush-probe-$1-$ROUND.txt" 2>&1 || true
    sed -n 's/.*p50=\([0-9.]*\)ms p90=[0-9.]*ms p99=\([0-9.]*\)ms max=\([0-9.]*\)ms.*/\1 \2 \3/p' \
        "$OUT/flush-probe-$1-$ROUND.txt"
}
read -r idle50 idle99 idlemax <<<"$(probe idle)"
( sleep 0.2
  curl -sf -o "$OUT/flush-reply-$ROUND.json" -w '%{time_total}\n' "${auth[@]}" -X POST \
      "$API/admin/stats/flush" > "$OUT/flush-time-$ROUND.txt" ) &
flusher=$!
read -r busy50 busy99 busymax <<<"$(probe flush)"
wait "$flusher"
committed="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' \
    "$OUT/flush-reply-$ROUND.json")"
echo "RESULT tracker=swarmkeeper test=flush-under-load pending=$pending records=$committed" \
     "flush_s=$(cat "$OUT/flush-time-$ROUND.txt")" \
     "idle_p50_ms=$idle50 idle_p99_ms=$idle99 idle_max_ms=$idlemax" \
     "flush_p50_ms=$busy50 flush_p99_ms=$busy99 flush_max_ms=$busymax"
stop_swarmkeeper
