#!/usr/bin/env bash
# Prints the path of a helm binary, building it from its Go module once (cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}). The chart tests use it; so can you: "$(bash scripts/helm.sh)" lint ...
set -euo pipefail
version="v3.22.0"
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
dir="$cache_root/helm-$version"
if [ ! -x "$dir/bin/helm" ]; then
  mkdir -p "$cache_root"
  exec 9>"$cache_root/helm-$version.lock"
  flock 9
  if [ ! -x "$dir/bin/helm" ]; then
    echo "helm: building helm $version from its Go module (a few minutes, once)" >&2
    tmp="$(mktemp -d "$cache_root/helm-build.XXXXXX")"
    GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install \
      -ldflags "-X helm.sh/helm/v3/internal/version.version=$version" \
      "helm.sh/helm/v3/cmd/helm@$version" >&2
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
fi
echo "$dir/bin/helm"
