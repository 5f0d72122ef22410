#!/usr/bin/env bash
# Installs the machine packages Siskin's tests and demo need, when missing (Debian/Ubuntu, apt-get):
# Go (builds the local cluster), npm, util-linux (flock), Prometheus, and with --moto the test-only
# ones: PyPI's moto server (CloudWatch), faketime (operators with skewed clocks), chromium (the
# dashboard tests) and graphite-web (the graphite provider's tests). Used by npm test
# (with --moto) and npm run demo.
set -euo pipefail

apt_updated=""
need_apt() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq; apt_updated=1; fi
  echo "setup: apt-get install ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Go 1.21+ fetches the exact toolchain test/k8sbin/go.mod asks for from the module proxy.
command -v go >/dev/null || need_apt golang-go
command -v npm >/dev/null || need_apt nodejs npm
if [ -z "${PROMETHEUS_BIN:-}" ]; then need_apt ca-certificates util-linux prometheus; else need_apt ca-certificates util-linux; fi

# Test-only: faketime (operators with skewed clocks), chromium (the dashboard in a real browser),
# buildah and mmdebstrap (the images, built and run without a Docker daemon), graphite-web and
# python3-whisper (a real Graphite render API for the graphite metric provider).
if [ "${1:-}" = "--moto" ]; then
  need_apt faketime buildah mmdebstrap graphite-web python3-whisper
  [ -n "${CHROMIUM_BIN:-}" ] || need_apt chromium fonts-dejavu-core
fi

# moto's CloudWatch server for the provider tests (PyPI).
if [ "${1:-}" = "--moto" ] && [ -z "${MOTO_SERVER_BIN:-}" ] && ! command -v moto_server >/dev/null; then
  echo "setup: pip install moto[server]" >&2
  python3 -m pip install --quiet 'moto[server]' >&2 || python3 -m pip install --quiet --break-system-packages 'moto[server]' >&2
fi
