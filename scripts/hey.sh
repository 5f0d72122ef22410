#!/usr/bin/env bash
# Prints the path of the real hey (github.com/rakyll/hey), built from its Go module once (cached by
# version under ${SISKIN_CACHE_DIR:-~/.cache/siskin}). npm run bench:loadtester runs it beside the load
# tester's built-in hey, same flags, same target.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v0.1.4"
build_hey() {
  GOBIN="$1/bin" GOFLAGS=-mod=mod go install "github.com/rakyll/hey@$version"
}
cached_build hey "$version" hey build_hey
