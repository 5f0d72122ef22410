#!/usr/bin/env bash
# Prints the path of a helm binary, built from its Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The chart tests use it; so can you: "$(bash scripts/helm.sh)" lint ...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cached-build.sh"
version="v3.22.0"
build_helm() {
  GOBIN="$1/bin" GOFLAGS=-mod=mod go install \
    -ldflags "-X helm.sh/helm/v3/internal/version.version=$version" \
    "helm.sh/helm/v3/cmd/helm@$version"
}
cached_build helm "$version" helm build_helm
