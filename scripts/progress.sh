# Sourced by the scripts that build test tools from their Go modules. `with_progress LABEL CMD...` runs
# CMD and, while it runs, prints "LABEL: still building, 45 s" to stderr every 15 s (a first build of
# the Kubernetes binaries takes minutes and prints nothing of its own), then "LABEL: done in N s".
# SISKIN_PROGRESS_SECONDS changes the period (tests use 1).
with_progress() {
  local label="$1"
  shift
  local period="${SISKIN_PROGRESS_SECONDS:-15}" start=$SECONDS status=0
  echo "$label: started" >&2
  "$@" &
  local pid=$!
  (
    # sleep must not hold stderr open: a caller reading it waits for the pipe to close.
    while sleep "$period" >/dev/null 2>&1 </dev/null; do
      kill -0 "$pid" 2>/dev/null || exit 0
      echo "$label: still building, $((SECONDS - start)) s" >&2
    done
  ) &
  local ticker=$!
  wait "$pid" || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$status" -eq 0 ]; then
    echo "$label: done in $((SECONDS - start)) s" >&2
  else
    echo "$label: failed after $((SECONDS - start)) s (exit $status)" >&2
  fi
  return "$status"
}
