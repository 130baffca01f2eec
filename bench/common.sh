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

# 10,000 HTTPRoutes over 50 namespaces, each with a hostname, a path and a header match and one
# backendRef, with their Gateway (routes from every namespace allowed) into ROUTES_FILE; the
# 1,000 Services they send to into SERVICES_FILE.
generate_routes_10k() {  # ROUTES_FILE SERVICES_FILE
  awk 'BEGIN {
    print "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\n" \
          "spec:\n  gatewayClassName: agentgateway\n  listeners:\n  - name: http\n" \
          "    protocol: HTTP\n    port: 80\n    allowedRoutes:\n      namespaces:\n        from: All"
    for (i = 0; i < 10000; i++) {
      printf "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n" \
             "  name: route-%d\n  namespace: team-%d\nspec:\n  parentRefs:\n  - name: gw\n" \
             "    namespace: default\n  hostnames:\n  - app-%d.example.com\n  rules:\n" \
             "  - matches:\n    - path:\n        type: PathPrefix\n        value: /v1/chat-%d\n" \
             "      headers:\n      - name: x-tenant\n        value: tenant-%d\n    backendRefs:\n" \
             "    - name: svc-%d\n      port: 8080\n      weight: 1\n", i, i % 50, i, i, i % 7, i % 20
    }
  }' > "$1"
  awk 'BEGIN {
    for (n = 0; n < 50; n++) for (s = 0; s < 20; s++)
      printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: team-%d\n" \
             "spec:\n  ports:\n  - port: 8080\n", s, n
  }' > "$2"
}

# Runs COMMAND... once; prints "<wall ms> <peak KiB>". Needs GNU time and `work`.
measure_command() {  # COMMAND...
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$work/time" "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  # GNU time writes "Command exited with non-zero status N" first when the command fails (diff
  # exits 1 on differences): the peak memory is the last line.
  echo "$(( (end - start) / 1000000 )) $(tail -n 1 "$work/time")"
}

# "min / median / max" of the numbers on stdin.
spread() {
  sort -n | awk '{ v[NR] = $1 } END { printf "%d / %d / %d", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
