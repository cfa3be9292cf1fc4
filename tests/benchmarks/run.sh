#!/usr/bin/env bash
# run.sh: opentracker and swarmkeeperd side by side in one run, on loopback only.
# Each tracker is pinned to core 0, the load (../shared/bench/measure.sh) to core 1, over the
# shared pool of 1000 torrents and 10000 peers; then the peer-memory probe. Prints RESULT lines.
#
# Environment: DURATION (s per test, default 10), ROUNDS (default 1), SHARED (default ../shared)
# swarmkeeperd runs twice: with the default exclude_own_peers (every load peer is one user, so
# replies hold no peers) and with it off (replies hold peers, like opentracker's: the fair one).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"; BENCH="$SHARED/bench"
DURATION="${DURATION:-10}"; ROUNDS="${ROUNDS:-1}"
export DURATION TORRENTS=1000 PEERS=10000
[ -x "$BENCH/measure.sh" ] || { echo "no $BENCH/measure.sh" >&2; exit 2; }
"$ROOT/scripts/deps.sh" bench
"$ROOT/scripts/build.sh" "$ROOT/build" >/dev/null
SK="$ROOT/build/server/swarmkeeperd"
OUT="$(mktemp -d -t skbench.XXXXXX)"; echo "# raw output in $OUT"
PASSKEY=benchbenchbenchbenchbenchbench01
TOKEN=bench-token
cleanup() { [ -n "${SKPID:-}" ] && kill "$SKPID" 2>/dev/null; [ -n "${OTDIR:-}" ] && "$BENCH/run_opentracker.sh" stop "$OTDIR" --rm >/dev/null 2>&1; true; }
trap cleanup EXIT

run_opentracker() {
    local info; info="$("$BENCH/run_opentracker.sh" start --http 16969 --udp 16969 --cpu 0 --pool 1000)"
    OTDIR="$(sed -n 's/^DIR=//p' <<<"$info")"; local pid; pid="$(sed -n 's/^PID=//p' <<<"$info")"
    TRACKER_PID="$pid" OUTDIR="$OUT/opentracker-$1" "$BENCH/measure.sh" opentracker \
        http://127.0.0.1:16969 127.0.0.1:16969 | grep '^RESULT'
    "$BENCH/run_opentracker.sh" stop "$OTDIR" --rm >/dev/null; OTDIR=""
}

run_swarmkeeper() { # $1 round, $2 exclude_own_peers
    local data="$OUT/sk-data-$1-$2"; mkdir -p "$data"
    SWARMKEEPER_ADMIN_TOKEN=$TOKEN taskset -c 0 "$SK" --data-dir "$data" --workers 1 \
        --bind 127.0.0.1 --http-port 18080 --udp-port 18081 --admin-port 18082 \
        --set tracker.exclude_own_peers="$2" > "$data/log" 2>&1 &
    SKPID=$!
    for _ in $(seq 1 100); do grep -q listening "$data/log" 2>/dev/null && break; sleep 0.1; done
    grep -q listening "$data/log" || { cat "$data/log"; exit 1; }
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -d "{\"passkey\":\"$PASSKEY\"}" http://127.0.0.1:18082/admin/users
    python3 "$BENCH/pool.py" hashes 1000 | while read -r h; do
        curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -d "{\"info_hash\":\"$h\"}" http://127.0.0.1:18082/admin/torrents
    done
    TRACKER_PID=$SKPID OUTDIR="$OUT/swarmkeeper-$1-$2" UDP_PATH="/$PASSKEY/announce" \
        "$BENCH/measure.sh" "swarmkeeper-exclude_own_peers=$2" "http://127.0.0.1:18080/$PASSKEY" \
        127.0.0.1:18081 | grep '^RESULT'
    echo "RESULT tracker=swarmkeeper-exclude_own_peers=$2 test=rss rss_kib=$(awk '/VmRSS/{print $2}' /proc/$SKPID/status)"
    kill "$SKPID"; wait "$SKPID" 2>/dev/null || true; SKPID=""
}

for r in $(seq 1 "$ROUNDS"); do
    run_opentracker "$r"
    run_swarmkeeper "$r" false
    run_swarmkeeper "$r" true
done
"$ROOT/build/tests/benchmarks/bench_peermemory" 1000000 1000
"$ROOT/build/tests/benchmarks/bench_peermemory" 1000000 100000
