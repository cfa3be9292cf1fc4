#!/usr/bin/env bash
# fuzz.sh [RUNS] [TARGET...]: builds the libFuzzer targets with clang (ASan+UBSan) and runs
# each over a copy of its seed corpus (tests/fuzz/corpus/<name>) for RUNS executions
# (default 1000000). Targets: bencode http iprange peerjournal udp (default: all). Exits non-zero on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(bencode http iprange peerjournal udp)
./scripts/deps.sh fuzz
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DSK_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)"
for t in "${targets[@]}"; do
    work="$(mktemp -d)"; cp -r "tests/fuzz/corpus/$t/." "$work/"
    echo "== fuzz_$t: $runs runs"
    ./build-fuzz/tests/fuzz/fuzz_"$t" -runs="$runs" -max_len=8192 -artifact_prefix="build-fuzz/$t-" \
        "$work" 2>&1 | grep -E '^(#[0-9]+ *DONE|Done|==[0-9]+==ERROR|SUMMARY)' || true
    status=${PIPESTATUS[0]}
    rm -rf "$work"
    [ "$status" -eq 0 ] || { echo "fuzz_$t found a problem: see build-fuzz/$t-*"; exit 1; }
done
