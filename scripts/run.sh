#!/usr/bin/env bash
# run.sh [swarmkeeperd options]: installs what is missing, builds, and starts swarmkeeperd on
# its defaults (data in ./data, tracker HTTP 8080, UDP 8081, admin API 127.0.0.1:8082).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh run
./scripts/build.sh build
exec ./build/server/swarmkeeperd "$@"
