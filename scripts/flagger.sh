#!/usr/bin/env bash
# Prints the path of a Flagger binary, built from its Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). Only the migration test uses it: Flagger initializes a Canary,
# then Siskin takes it over.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v1.44.0"
build_flagger() {
  GOBIN="$1/bin" GOFLAGS=-mod=mod go install "github.com/fluxcd/flagger/cmd/flagger@$version"
}
cached_build flagger "$version" flagger build_flagger
