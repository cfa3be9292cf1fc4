#!/usr/bin/env bash
# test.sh [ctest args]: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh test
./scripts/build.sh build
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
