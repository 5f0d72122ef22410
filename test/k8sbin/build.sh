#!/usr/bin/env bash
# Builds the local test cluster's binaries once and caches them outside the repo.
#
#   test/k8sbin/build.sh        -> prints the bin folder (cached: returns at once)
#
# The cache key is the pinned Kubernetes version plus a hash of this folder's sources, so a change
# to go.mod or main.go rebuilds, and every clone of the project shares one build.
# SISKIN_CACHE_DIR overrides the cache root (default ~/.cache/siskin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../scripts/progress.sh"
k8s_version="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/go.mod")"
kwok_version="v0.7.0"
source_hash="$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go "$here/build.sh" | sha256sum | cut -c1-12)"
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
out="$cache_root/k8s-$k8s_version-$source_hash"

if [[ -x "$out/bin/k8s" && -x "$out/bin/kwok" ]]; then
  echo "$out/bin"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is required to build the local cluster (apt-get install golang or https://go.dev/dl)" >&2; exit 1; }

mkdir -p "$cache_root"
exec 9>"$cache_root/.build-lock"
flock 9 # one build at a time; a second caller waits and then finds the cache filled
if [[ -x "$out/bin/k8s" && -x "$out/bin/kwok" ]]; then
  echo "$out/bin"
  exit 0
fi

tmp="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
pkg="k8s.io/component-base/version"
cpkg="k8s.io/client-go/pkg/version"
stamp=""
for p in "$pkg" "$cpkg"; do
  stamp+=" -X '$p.gitVersion=$k8s_version' -X '$p.gitMajor=1' -X '$p.gitMinor=$minor'"
  stamp+=" -X '$p.gitTreeState=clean' -X '$p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)'"
done

echo "build.sh: building Kubernetes $k8s_version control plane + etcd (first time only, several minutes)" >&2
with_progress "build.sh: kube-apiserver, controller-manager, scheduler, etcd $k8s_version" \
  bash -c 'cd "$1" && go build -trimpath -ldflags "-s -w $2" -o "$3/bin/k8s" .' _ "$here" "$stamp" "$tmp"
for name in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd; do
  ln -s k8s "$tmp/bin/$name"
done
with_progress "build.sh: kwok $kwok_version" \
  env GOBIN="$tmp/bin" GOFLAGS=-trimpath go install "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
echo "k8s=$k8s_version kwok=$kwok_version built_in_seconds=$((SECONDS - start))" >"$tmp/BUILD_INFO"

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "build.sh: cluster binaries built in $((SECONDS - start)) s (cached in $out; later runs skip this)" >&2
echo "$out/bin"
