#!/usr/bin/env bash
# Prints the path of a Traefik v3 binary, built from its Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The Gateway API tests run it as a real Gateway API
# implementation: its Kubernetes Gateway provider reads HTTPRoutes from the local API server and proxies
# to simulators on loopback. `go install module@version` refuses Traefik (its go.mod has replace
# directives), so this builds inside a copy of the downloaded module, where those directives apply.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v3.6.12" # Gateway API v1.4 (its go.mod)
build_traefik() {
  local src
  src="$(cd "$1" && GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$src" "$1/src" && chmod -R u+w "$1/src"
  (cd "$1/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$1/bin/traefik" ./cmd/traefik)
  rm -rf "$1/src"
}
cached_build traefik "$version" traefik build_traefik
