#!/usr/bin/env bash
# Prints the path of an influxd binary (InfluxDB 1.8), built from its Go module once (cached by version
# under ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The influxdb provider's test runs it: 1.8 answers Flux on
# InfluxDB 2's /api/v2/query (flux-enabled), the endpoint Flagger's provider calls, and it is the last
# release that builds with Go alone (1.9+ and 2.x need Rust for Flux; Debian ships 1.6, without Flux).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v1.8.3"
build_influxd() {
  GOBIN="$1/bin" GOFLAGS=-mod=mod go install \
    "github.com/influxdata/influxdb/cmd/influxd@$version"
}
cached_build influxd "$version" influxd build_influxd
