#!/usr/bin/env bash
# deps.sh [run|test|bench|fuzz]: installs the Debian 12 packages that are missing for a task.
set -euo pipefail
what="${1:-run}"
build=(build-essential cmake ninja-build pkg-config ca-certificates
       qt6-base-dev qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite libsqlite3-dev
       libtomlplusplus-dev libsodium-dev)
test=(curl python3 python3-libtorrent aria2 transmission-cli prometheus)
bench=(opentracker wrk gcc python3 curl)
fuzz=(clang libclang-rt-14-dev)
pkgs=("${build[@]}")
case "$what" in
    run) ;;
    test) pkgs+=("${test[@]}") ;;
    bench) pkgs+=("${bench[@]}") ;;
    fuzz) pkgs+=("${fuzz[@]}") ;;
    *) echo "usage: $0 [run|test|bench|fuzz]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The OpenAPI linter runs on node: Debian's nodejs and npm unless a node with npm is there.
if [ "$what" = test ] && ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
if [ "$what" = test ]; then
    # The linter itself, at the versions tests/contract/package-lock.json pins; again only
    # when that file changed since the last install.
    # The system's CA bundle, so that a machine whose egress goes through its own CA (installed
    # with update-ca-certificates) reaches the registry. Without the registry the suite still
    # runs: contract.openapi_lint reports itself skipped instead of passing.
    lint="$(dirname "$0")/../tests/contract"
    ca=(); [ -f /etc/ssl/certs/ca-certificates.crt ] && ca=(--cafile=/etc/ssl/certs/ca-certificates.crt)
    if ! cmp -s "$lint/package-lock.json" "$lint/node_modules/.installed-lock"; then
        echo "installing the OpenAPI linter (npm ci in tests/contract)"
        if (cd "$lint" && npm ci "${ca[@]}" --no-audit --no-fund --loglevel=error >/dev/null); then
            cp "$lint/package-lock.json" "$lint/node_modules/.installed-lock"
        else
            echo "warning: the npm registry is out of reach: the OpenAPI lint will be skipped" >&2
        fi
    fi
fi
