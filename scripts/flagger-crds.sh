#!/usr/bin/env bash
# Prints the path of Flagger's own CRDs (kustomize/base/flagger/crd.yaml of the github.com/fluxcd/flagger
# Go module, at the version the migration test runs), fetched through the Go module proxy once and cached
# by version under ${SISKIN_CACHE_DIR:-~/.cache/siskin}. test/ship/flagger-crd.unit.test.ts compares our
# schemas with it path by path; nothing is copied into the repository.
set -euo pipefail
version="v1.44.0"
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
dir="$cache_root/flagger-crds-$version"
if [ ! -f "$dir/crd.yaml" ]; then
  command -v go >/dev/null || { echo "flagger-crds.sh: Go is needed to fetch github.com/fluxcd/flagger@$version" >&2; exit 1; }
  mkdir -p "$cache_root"
  exec 9>"$cache_root/flagger-crds-$version.lock"
  flock 9
  if [ ! -f "$dir/crd.yaml" ]; then
    echo "flagger-crds.sh: fetching github.com/fluxcd/flagger@$version from the Go module proxy" >&2
    tmp="$(mktemp -d "$cache_root/flagger-crds.XXXXXX")"
    src="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/fluxcd/flagger@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    cp "$src/kustomize/base/flagger/crd.yaml" "$tmp/crd.yaml"
    chmod u+w "$tmp/crd.yaml"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
fi
echo "$dir/crd.yaml"
