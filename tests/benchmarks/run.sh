#!/usr/bin/env bash
# run.sh: opentracker and swarmkeeperd side by side in one run, on loopback only.
# Each tracker is pinned to core 0, the load (../shared/bench/measure.sh) to core 1, over the
# shared pool of 1000 torrents and 10000 peers; then the peer-memory probe, bench_flush and the
# flush probe (flush_probe.sh: announce latency while a million pending deltas commit). Prints
# RESULT lines.
#
# Memory: each tracker, freshly started, is filled over UDP (announces only, numwant 0) from a
# pool of 1000 torrents x 1M peer ids for FILL_S seconds (default 5, about 1M distinct peers
# here); the peers it then holds are counted by scraping the pool (count_peers.py), and its RSS
# is reported per peer, in all and above the empty process, after 3 s idle (swarmkeeperd runs its
# reaper every second there, which also hands malloc's free pages back; the default is 60 s).
#
# Environment: DURATION (s per test, default 10), ROUNDS (default 1), SHARED (default ../shared),
#              FILL_S (default 5), BASELINE (a swarmkeeperd binary of an earlier commit, e.g. the
#              tracker core before accounting: measured too, exclude_own_peers=false, as
#              tracker=swarmkeeper-baseline, so that what later work costs is read in one run)
# swarmkeeper-udp-plain / swarmkeeper-udp-observed: UDP only on fresh servers, the second with
# a /ws client (ws_reader.py) reading every event and GET /metrics every second.
# OBSERVED_ONLY=1 runs just that pair, ROUNDS times.
# swarmkeeperd runs twice: with the default exclude_own_peers (every load peer is one user, so
# replies hold no peers) and with it off (replies hold peers, like opentracker's: the fair one).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"; BENCH="$SHARED/bench"
DURATION="${DURATION:-10}"; ROUNDS="${ROUNDS:-1}"; FILL_S="${FILL_S:-5}"
export DURATION TORRENTS=1000 PEERS=10000
[ -x "$BENCH/measure.sh" ] || { echo "no $BENCH/measure.sh" >&2; exit 2; }
"$ROOT/scripts/deps.sh" bench
"$ROOT/scripts/build.sh" "$ROOT/build" >/dev/null
SK="$ROOT/build/server/swarmkeeperd"
OUT="$(mktemp -d -t skbench.XXXXXX)"; echo "# raw output in $OUT"
PASSKEY=benchbenchbenchbenchbenchbench01
TOKEN=bench-token
source "$HERE/swarmkeeper.sh" # start_swarmkeeper, stop_swarmkeeper
cleanup() { [ -n "${SKPID:-}" ] && kill "$SKPID" 2>/dev/null; [ -n "${OTDIR:-}" ] && "$BENCH/run_opentracker.sh" stop "$OTDIR" --rm >/dev/null 2>&1; true; }
trap cleanup EXIT

run_opentracker() {
    local info; info="$("$BENCH/run_opentracker.sh" start --http 16969 --udp 16969 --cpu 0 --pool 1000)"
    OTDIR="$(sed -n 's/^DIR=//p' <<<"$info")"; local pid; pid="$(sed -n 's/^PID=//p' <<<"$info")"
    TRACKER_PID="$pid" OUTDIR="$OUT/opentracker-$1" "$BENCH/measure.sh" opentracker \
        http://127.0.0.1:16969 127.0.0.1:16969 | grep '^RESULT'
    "$BENCH/run_opentracker.sh" stop "$OTDIR" --rm >/dev/null; OTDIR=""
}

rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

# fill_and_count NAME PID UDP_PORT SCRAPE_URL [UDPLOAD_ARGS...]: the memory phase for one tracker
fill_and_count() {
    local name="$1" pid="$2" port="$3" scrape="$4"; shift 4
    local r0; r0="$(rss_kib "$pid")"
    taskset -c 1 "$UDPLOAD" 127.0.0.1 "$port" "$FILL_S" 1000 1000000 --scrape-pct 0 --numwant 0 \
        --quiet "$@" > "$OUT/fill-$name.txt" 2>&1 || true
    local r1 r2 peers; r1="$(rss_kib "$pid")"
    sleep 3 # idle: swarmkeeperd's reaper pass (reap_interval=1 here) trims malloc's free pages
    r2="$(rss_kib "$pid")"
    peers="$(BENCH_DIR="$BENCH" python3 "$HERE/count_peers.py" "$scrape" 1000)"
    awk -v n="$name" -v p="$peers" -v a="$r0" -v b="$r2" -v f="$r1" 'BEGIN{
        printf "RESULT tracker=%s test=memory peers=%d rss_empty_kib=%d rss_after_fill_kib=%d rss_idle_kib=%d bytes_per_peer=%.1f bytes_per_peer_above_empty=%.1f\n",
            n, p, a, f, b, p ? b*1024/p : 0, p ? (b-a)*1024/p : 0 }'
}

memory_opentracker() {
    local info; info="$("$BENCH/run_opentracker.sh" start --http 16969 --udp 16969 --cpu 0 --pool 1000)"
    OTDIR="$(sed -n 's/^DIR=//p' <<<"$info")"; local pid; pid="$(sed -n 's/^PID=//p' <<<"$info")"
    fill_and_count opentracker "$pid" 16969 http://127.0.0.1:16969/scrape
    "$BENCH/run_opentracker.sh" stop "$OTDIR" --rm >/dev/null; OTDIR=""
}

memory_swarmkeeper() {
    start_swarmkeeper sk-data-memory false --set tracker.reap_interval=1
    fill_and_count swarmkeeper "$SKPID" 18081 "http://127.0.0.1:18080/$PASSKEY/scrape" \
        --path "/$PASSKEY/announce"
    stop_swarmkeeper
}

run_swarmkeeper() { # $1 round, $2 exclude_own_peers, [$3 name: default by exclude_own_peers]
    local name="${3:-swarmkeeper-exclude_own_peers=$2}"
    start_swarmkeeper "sk-data-$1-$name" "$2"
    TRACKER_PID=$SKPID OUTDIR="$OUT/$name-$1" UDP_PATH="/$PASSKEY/announce" \
        "$BENCH/measure.sh" "$name" "http://127.0.0.1:18080/$PASSKEY" \
        127.0.0.1:18081 | grep '^RESULT'
    echo "RESULT tracker=$name test=rss-after-load rss_kib=$(rss_kib "$SKPID")"
    stop_swarmkeeper
}

# UDP only on a fresh server, plain (swarmkeeper-udp-plain) or with what operators watch it
# with (swarmkeeper-udp-observed): a /ws client reading every event and a Prometheus-like
# GET /metrics every second. Issue 5 wants the second within 5% of the first.
run_swarmkeeper_udp() { # $1 round, $2 plain|observed
    local name="swarmkeeper-udp-$2" wspid="" scraper=""
    start_swarmkeeper "sk-data-$1-$name" false
    if [ "$2" = observed ]; then
        python3 "$HERE/ws_reader.py" 127.0.0.1 18082 "$TOKEN" > "$OUT/ws-$1.txt" 2>&1 &
        wspid=$!
        ( while kill -0 "$SKPID" 2>/dev/null; do
              curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18082/metrics
              sleep 1
          done ) &
        scraper=$!
    fi
    TRACKER_PID=$SKPID OUTDIR="$OUT/$name-$1" UDP_PATH="/$PASSKEY/announce" \
        "$BENCH/measure.sh" "$name" - 127.0.0.1:18081 | grep '^RESULT'
    if [ -n "$wspid" ]; then
        kill "$scraper" 2>/dev/null || true
        kill -TERM "$wspid" 2>/dev/null || true
        wait "$wspid" 2>/dev/null || true
        echo "RESULT tracker=$name test=ws-client $(grep -o 'bytes=.*' "$OUT/ws-$1.txt" || echo FAILED)"
    fi
    stop_swarmkeeper
}

if [ -n "${OBSERVED_ONLY:-}" ]; then # just the pair above, ROUNDS times, alternating
    for r in $(seq 1 "$ROUNDS"); do
        run_swarmkeeper_udp "$r" plain
        run_swarmkeeper_udp "$r" observed
    done
    exit 0
fi

for r in $(seq 1 "$ROUNDS"); do
    run_opentracker "$r"
    run_swarmkeeper "$r" false
    run_swarmkeeper_udp "$r" plain
    run_swarmkeeper_udp "$r" observed
    [ -z "${BASELINE:-}" ] || SK_BIN="$BASELINE" run_swarmkeeper "$r" false swarmkeeper-baseline
    run_swarmkeeper "$r" true
done
UDPLOAD="${UDPLOAD:-${TMPDIR:-/tmp}/udpload-$(id -u)}" # built by measure.sh
memory_opentracker
memory_swarmkeeper
"$ROOT/build/tests/benchmarks/bench_peermemory" 1000000 1000
"$ROOT/build/tests/benchmarks/bench_peermemory" 1000000 100000
# The stats writer alone: 1M records as 1M distinct peers of 10000 users (one (user, torrent)
# row each too), then of one user.
"$ROOT/build/tests/benchmarks/bench_flush" 1000000 1000 10000
"$ROOT/build/tests/benchmarks/bench_flush" 1000000 1000 1
# A million pending deltas committed while a light UDP load runs: the load's latency during
# the flush against the same load without one (flush_probe.sh).
for r in $(seq 1 "$ROUNDS"); do
    SK="$SK" BENCH="$BENCH" OUT="$OUT" UDPLOAD="$UDPLOAD" PASSKEY="$PASSKEY" \
        TOKEN="$TOKEN" FILL_S="$FILL_S" ROUND="$r" "$HERE/flush_probe.sh"
done
