#!/usr/bin/env bash
# Builds (or finds cached) every program the tests run, before any test starts, so a first run shows its
# progress here instead of timing out inside a test: the local cluster's binaries, helm, promtool,
# Flagger 1.44 and its CRDs (the migration test), Traefik v3 (the Gateway API test), Gateway API's CRDs
# and InfluxDB 1.8 (the influxdb provider test).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$SECONDS
bash "$here/../test/k8sbin/build.sh" >/dev/null
for tool in helm promtool flagger flagger-crds traefik gateway-api-crds influxd; do
  bash "$here/$tool.sh" >/dev/null
done
echo "test tools ready in $((SECONDS - start)) s (cached under ${SISKIN_CACHE_DIR:-~/.cache/siskin})" >&2
