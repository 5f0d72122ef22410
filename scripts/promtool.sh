#!/usr/bin/env bash
# Prints the path of a promtool binary, built from the Prometheus Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The chart test checks the Prometheus add-on's rendered
# configuration with it: Debian's promtool lacks Kubernetes service discovery, which that file uses.
# `go install module@version` refuses Prometheus (its go.mod has replace directives), so this builds
# from a copy of the downloaded module instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v0.53.0" # Prometheus 2.53, the add-on's image
build_promtool() {
  local src
  src="$(cd "$1" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$src" "$1/src" && chmod -R u+w "$1/src"
  (cd "$1/src" && GOFLAGS=-mod=mod go build -o "$1/bin/promtool" ./cmd/promtool)
  rm -rf "$1/src"
}
cached_build promtool "$version" promtool build_promtool
