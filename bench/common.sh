# Shared by the benchmark scripts (sourced, not run): the binary and tools to measure with, a
# quiet machine, process cleanup and free ports. Expects `repo`, `binary`, `wait_quiet`,
# `wait_limit`, `work` and `pids` to be set by the caller.

# Without --binary: the Release build, else the default build (with a note). Stops unless it is
# an executable.
resolve_binary() {
  if [ -z "$binary" ]; then
    if [ -x "$repo/build-release/kubectl-agentgateway" ]; then
      binary="$repo/build-release/kubectl-agentgateway"
    else
      binary="$repo/build/kubectl-agentgateway"
      echo "note: no build-release/kubectl-agentgateway; measuring $binary (build it in Release" \
           "for meaningful numbers)" >&2
    fi
  fi
  if [ ! -x "$binary" ]; then
    echo "error: $binary is not an executable; build it first (see the top of this script)" >&2
    exit 2
  fi
}

# Stops, saying how to install them, unless every TOOL is on PATH.
require_tools() {  # HINT TOOL...
  local hint="$1" tool
  shift
  local missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "error: missing ${missing[*]}; install with: bash bench/install-deps.sh $hint" >&2
    exit 2
  fi
}

# Compiles running beside a benchmark steal the cores it measures: wait for them to finish.
wait_for_quiet_machine() {
  [ "$wait_quiet" = 1 ] || return 0
  local waited=0
  while pgrep -f "cc1plus|ninja" >/dev/null 2>&1; do
    if [ "$waited" -ge "$wait_limit" ]; then
      echo "warning: builds still running after ${wait_limit}s; measuring anyway" >&2
      break
    fi
    echo "waiting for running builds to finish (load: $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
    sleep 30
    waited=$((waited + 30))
  done
}

# Stops every process in `pids` and removes `work`.
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}

# A random port in 20000-32767 that nobody listens on now: below Linux's ephemeral range
# (32768-60999), where a port free to connect to may still be some connection's local port and
# fail to bind (Portkey, listening on ::, hit EADDRINUSE that way).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 12768))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "error: no free port found" >&2
  exit 1
}
