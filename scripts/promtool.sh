#!/usr/bin/env bash
# Prints the path of a promtool binary, built from the Prometheus Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The chart test checks the Prometheus add-on's rendered
# configuration with it: Debian's promtool lacks Kubernetes service discovery, which that file uses.
# `go install module@version` refuses Prometheus (its go.mod has replace directives), so this builds
# from a copy of the downloaded module instead.
set -euo pipefail
version="v0.53.0" # Prometheus 2.53, the add-on's image
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
dir="$cache_root/promtool-$version"
if [ ! -x "$dir/bin/promtool" ]; then
  mkdir -p "$cache_root"
  exec 9>"$cache_root/promtool-$version.lock"
  flock 9
  if [ ! -x "$dir/bin/promtool" ]; then
    echo "promtool: building promtool $version from its Go module (a few minutes, once)" >&2
    tmp="$(mktemp -d "$cache_root/promtool-build.XXXXXX")"
    src="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    cp -r "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
    (cd "$tmp/src" && GOFLAGS=-mod=mod go build -o "$tmp/bin/promtool" ./cmd/promtool) >&2
    rm -rf "$tmp/src"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
fi
echo "$dir/bin/promtool"
