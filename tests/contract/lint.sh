#!/usr/bin/env bash
# lint.sh SPEC: Spectral's OpenAPI rules on SPEC, failing on any warning. Exit 77 (skipped)
# when scripts/deps.sh test could not install the linter (no npm registry).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
spectral="$here/node_modules/.bin/spectral"
if [ ! -x "$spectral" ]; then
    echo "Spectral is not installed (scripts/deps.sh test installs it): skipped"
    exit 77
fi
exec "$spectral" lint --quiet --fail-severity=warn --ruleset "$here/.spectral.yaml" "$1"
