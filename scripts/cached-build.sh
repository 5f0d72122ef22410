# Sourced by the scripts that build a test tool from its Go module once (helm.sh, promtool.sh,
# flagger.sh). cached_build NAME VERSION BINARY BUILD_FUNCTION prints the cached binary's path, running
# BUILD_FUNCTION <dir> (which must leave <dir>/bin/BINARY) the first time, under a lock so parallel runs
# build it once. The cache is ${SISKIN_CACHE_DIR:-~/.cache/siskin}/NAME-VERSION, keyed by version.
source "$(dirname "${BASH_SOURCE[0]}")/progress.sh"
cached_build() {
  local name="$1" version="$2" binary="$3" build="$4"
  local cache_root="${SISKIN_CACHE_DIR:-$HOME/.cache/siskin}"
  local dir="$cache_root/$name-$version"
  if [ ! -x "$dir/bin/$binary" ]; then
    mkdir -p "$cache_root"
    exec 9>"$cache_root/$name-$version.lock"
    flock 9
    if [ ! -x "$dir/bin/$binary" ]; then
      echo "$name: building $name $version from its Go module (a few minutes, once)" >&2
      local tmp
      tmp="$(mktemp -d "$cache_root/$name-build.XXXXXX")"
      with_progress "$name $version" "$build" "$tmp" >&2
      rm -rf "$dir" && mv "$tmp" "$dir"
    fi
  fi
  echo "$dir/bin/$binary"
}
