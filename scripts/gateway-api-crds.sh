#!/usr/bin/env bash
# Prints a folder holding Gateway API's standard-channel CRDs (GatewayClass, Gateway, HTTPRoute,
# GRPCRoute, ReferenceGrant, BackendTLSPolicy, which Traefik watches), as the sigs.k8s.io/gateway-api Go module publishes them, taken from the
# module downloaded through the Go module proxy and cached by version under
# ${SISKIN_CACHE_DIR:-~/.cache/siskin}. The local cluster installs them; nothing is copied into the
# repository.
set -euo pipefail
version="v1.4.1" # the Gateway API release Traefik v3.6 implements
cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
kinds=(gatewayclasses gateways httproutes grpcroutes referencegrants backendtlspolicies)
dir="$cache_root/gateway-api-crds-$version-${#kinds[@]}"
if [ ! -f "$dir/.complete" ]; then
  command -v go >/dev/null || { echo "gateway-api-crds.sh: Go is needed to fetch sigs.k8s.io/gateway-api@$version" >&2; exit 1; }
  mkdir -p "$cache_root"
  exec 9>"$cache_root/gateway-api-crds-$version.lock"
  flock 9
  if [ ! -f "$dir/.complete" ]; then
    echo "gateway-api-crds.sh: fetching sigs.k8s.io/gateway-api@$version from the Go module proxy" >&2
    tmp="$(mktemp -d "$cache_root/gateway-api-crds.XXXXXX")"
    src="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/gateway-api@$version" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    for kind in "${kinds[@]}"; do
      cp "$src/config/crd/standard/gateway.networking.k8s.io_$kind.yaml" "$tmp/"
    done
    chmod u+w "$tmp"/*.yaml
    touch "$tmp/.complete"
    rm -rf "$dir" && mv "$tmp" "$dir"
  fi
fi
echo "$dir"
