#!/usr/bin/env bash
# Prints the path of a Flagger binary, built from its Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). Only the migration test uses it: Flagger initializes a Canary,
# then Siskin takes it over.
set -euo pipefail
version="v1.44.0"
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
dir="$cache_root/flagger-$version"
if [ ! -x "$dir/bin/flagger" ]; then
  mkdir -p "$cache_root"
  exec 9>"$cache_root/flagger-$version.lock"
  flock 9
  if [ ! -x "$dir/bin/flagger" ]; then
    echo "flagger: building flagger $version from its Go module (a few minutes, once)" >&2
    tmp="$(mktemp -d "$cache_root/flagger-build.XXXXXX")"
    GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install "github.com/fluxcd/flagger/cmd/flagger@$version" >&2
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
fi
echo "$dir/bin/flagger"
