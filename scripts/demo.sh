#!/usr/bin/env bash
# npm run demo [-- --keep]: installs what a fresh machine lacks (Prometheus, Node 24, node_modules; the
# Kubernetes binaries are built and cached on first use), then runs demo/run.ts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/system-deps.sh"
exec bash "$root/scripts/toolchain.sh" node "$root/demo/run.ts" "$@"
