# Sourced by run.sh and flush_probe.sh: a swarmkeeperd for the load tools, on loopback, pinned
# to core 0 with one worker, the pool's 1000 torrents registered and one user (PASSKEY).
# Needs OUT, BENCH, TOKEN, PASSKEY and SK (or SK_BIN, which wins).

start_swarmkeeper() { # $1 data dir name, $2 exclude_own_peers, [more flags]; sets SKPID
    local data="$OUT/$1" exclude="$2"; shift 2; mkdir -p "$data"
    SWARMKEEPER_ADMIN_TOKEN=$TOKEN taskset -c 0 "${SK_BIN:-$SK}" --data-dir "$data" --workers 1 \
        --bind 127.0.0.1 --http-port 18080 --udp-port 18081 --admin-port 18082 \
        --set tracker.exclude_own_peers="$exclude" "$@" > "$data/log" 2>&1 &
    SKPID=$!
    for _ in $(seq 1 100); do grep -q listening "$data/log" 2>/dev/null && break; sleep 0.1; done
    grep -q listening "$data/log" || { cat "$data/log"; exit 1; }
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -d "{\"passkey\":\"$PASSKEY\"}" http://127.0.0.1:18082/admin/users
    python3 "$BENCH/pool.py" hashes 1000 | while read -r h; do
        curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -d "{\"info_hash\":\"$h\"}" http://127.0.0.1:18082/admin/torrents
    done
}
stop_swarmkeeper() { kill "$SKPID"; wait "$SKPID" 2>/dev/null || true; SKPID=""; }
