#!/usr/bin/env bash
# Measures what `kubectl-agentgateway run` costs in front of a fast local upstream: requests/s and
# p50/p99 latency of 1 KB JSON POSTs through the proxy against the same nginx reached directly,
# at 1, 16 and 64 connections (wrk). Prints a Markdown table and writes it to
# bench/results/proxy-<date>.md.
#
#   bash bench/install-deps.sh          # wrk and nginx-light (Debian 12), once
#   bash bench/proxy_bench.sh [--binary PATH] [--duration 10s] [--runs 3] [--connections "1 16 64"]
#                             [--wrk-threads 1] [--proxy-threads N] [--no-reference] [--no-wait]
#                             [--output FILE]
#
# A reference column measures nginx itself as the proxy (proxy_pass with upstream keep-alive, one
# worker per proxy thread): what a mature proxy gets on the same cores (--no-reference skips it).
#
# Everything runs on this machine: wrk, nginx (1 worker) and the proxy share its cores, so the
# numbers are a floor, not what the proxy would do with a core of its own. Build the binary in
# Release first (the default binary is build-release/kubectl-agentgateway when present):
#   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-release --target kubectl-agentgateway
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary=""
duration="10s"
runs=3
connection_counts="1 16 64"
wrk_threads=1
proxy_threads="$(nproc)"  # what `run` uses without --threads: one worker per core
wait_quiet=1
reference=1
output=""
wait_limit=1500  # seconds to wait for other builds to finish before measuring anyway

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --connections) connection_counts="$2"; shift 2 ;;
    --wrk-threads) wrk_threads="$2"; shift 2 ;;
    --proxy-threads) proxy_threads="$2"; shift 2 ;;
    --no-wait) wait_quiet=0; shift ;;
    --no-reference) reference=0; shift ;;
    --output) output="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/common.sh
source "$repo/bench/common.sh"
resolve_binary
require_tools "(apt-get install -y wrk nginx-light curl)" wrk nginx curl

# --- a quiet machine -------------------------------------------------------------------------
wait_for_quiet_machine

# --- a private nginx and proxy ---------------------------------------------------------------
work="$(mktemp -d -t agw-bench.XXXXXX)"
pids=()
trap cleanup EXIT
trap 'exit 130' INT TERM


# A 1 KB JSON document: the request body wrk sends and the response nginx returns.
json_1k() {
  local prefix='{"model":"bench","messages":[{"role":"user","content":"'
  local suffix='"}]}'
  local fill=$((1024 - ${#prefix} - ${#suffix}))
  printf '%s%s%s' "$prefix" "$(head -c "$fill" /dev/zero | tr '\0' 'x')" "$suffix"
}
body="$(json_1k)"

nginx_port="$(free_port)"
proxy_port="$(free_port)"
while [ "$proxy_port" = "$nginx_port" ]; do proxy_port="$(free_port)"; done
reference_port="$(free_port)"
while [ "$reference_port" = "$nginx_port" ] || [ "$reference_port" = "$proxy_port" ]; do
  reference_port="$(free_port)"
done

mkdir -p "$work/nginx/logs" "$work/manifests"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      client_body_buffer_size 16k;
      default_type application/json;
      return 200 '$body';
    }
  }
}
EOF

# The reference: nginx as the proxy in front of the same upstream.
mkdir -p "$work/reference/logs"
cat >"$work/reference/nginx.conf" <<EOF
daemon off;
worker_processes $proxy_threads;
pid $work/reference/nginx.pid;
error_log $work/reference/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/reference/body;
  proxy_temp_path $work/reference/proxy;
  fastcgi_temp_path $work/reference/fastcgi;
  uwsgi_temp_path $work/reference/uwsgi;
  scgi_temp_path $work/reference/scgi;
  upstream upstream { server 127.0.0.1:$nginx_port; keepalive 64; }
  server {
    listen 127.0.0.1:$reference_port;
    location / {
      client_body_buffer_size 16k;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://upstream;
    }
  }
}
EOF

cat >"$work/manifests/bench.yaml" <<'EOF'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: http
    protocol: HTTP
    port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: upstream
  namespace: default
spec:
  parentRefs: [{name: bench}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: upstream, port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: upstream
  namespace: default
spec:
  ports: [{port: 80}]
EOF

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
EOF

nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
pids+=($!)
if [ "$reference" = 1 ]; then
  nginx -p "$work/reference" -c "$work/reference/nginx.conf" -e "$work/reference/logs/error.log" &
  pids+=($!)
fi
# The access log (stdout) goes to /dev/null: one line per request would otherwise be measured too.
"$binary" run -f "$work/manifests" --port "80=$proxy_port" \
  --service "default/upstream:80=127.0.0.1:$nginx_port" --admin-port -1 \
  --threads "$proxy_threads" >/dev/null 2>"$work/proxy.err" &
pids+=($!)

wait_ready() {
  local url="$1"
  for _ in $(seq 1 100); do
    if curl -sf -o /dev/null -X POST -H 'content-type: application/json' --data "$body" "$url"; then
      return 0
    fi
    sleep 0.1
  done
  echo "error: $url did not answer" >&2
  cat "$work/proxy.err" "$work/nginx/logs/error.log" >&2 || true
  exit 1
}
wait_ready "http://127.0.0.1:$nginx_port/"
wait_ready "http://127.0.0.1:$proxy_port/"
if [ "$reference" = 1 ]; then wait_ready "http://127.0.0.1:$reference_port/"; fi
# The proxy must hand back nginx's body unchanged, or the comparison means nothing.
through="$(curl -sf -X POST -H 'content-type: application/json' --data "$body" \
  "http://127.0.0.1:$proxy_port/")"
if [ "$through" != "$body" ]; then
  echo "error: the proxy's response differs from nginx's" >&2
  exit 1
fi

# --- measuring -------------------------------------------------------------------------------
# wrk prints latencies as 812.00us, 1.23ms or 1.02s: convert to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000;
    printf "%.3f", n }'
}

# Runs wrk once; prints "rps p50_ms p99_ms".
measure_once() {
  local url="$1" connections="$2" threads="$wrk_threads" out
  [ "$threads" -gt "$connections" ] && threads="$connections"
  out="$(wrk -t "$threads" -c "$connections" -d "$duration" --latency -s "$work/post.lua" "$url")"
  if grep -q -e "Non-2xx" -e "Socket errors" <<<"$out"; then
    echo "warning: errors while measuring $url with $connections connections:" >&2
    grep -e "Non-2xx" -e "Socket errors" <<<"$out" >&2
  fi
  local rps p50 p99
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}

# Runs wrk --runs times and keeps the run with the median requests/s.
measure() {
  local url="$1" connections="$2" results=()
  for _ in $(seq 1 "$runs"); do
    results+=("$(measure_once "$url" "$connections")")
  done
  printf '%s\n' "${results[@]}" | sort -n -k1 | sed -n "$(((runs + 1) / 2))p"
}

# A short warm-up of both paths (connection set-up, page faults, upstream keep-alive).
wrk -t 1 -c 16 -d 2s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/" >/dev/null
wrk -t 1 -c 16 -d 2s -s "$work/post.lua" "http://127.0.0.1:$proxy_port/" >/dev/null
if [ "$reference" = 1 ]; then
  wrk -t 1 -c 16 -d 2s -s "$work/post.lua" "http://127.0.0.1:$reference_port/" >/dev/null
fi

cores="$(nproc)"
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
os="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "Measuring $binary: wrk -t $wrk_threads -d $duration --latency, ${#body}-byte JSON POSTs," \
     "nginx 1 worker, proxy $proxy_threads threads; all on the same $cores cores" >&2

rows=()
for connections in $connection_counts; do
  read -r direct_rps direct_p50 direct_p99 < <(measure "http://127.0.0.1:$nginx_port/" "$connections")
  read -r proxy_rps proxy_p50 proxy_p99 < <(measure "http://127.0.0.1:$proxy_port/" "$connections")
  reference_cell=""
  if [ "$reference" = 1 ]; then
    read -r ref_rps ref_p50 ref_p99 < <(measure "http://127.0.0.1:$reference_port/" "$connections")
    reference_cell="$(awk -v dr="$direct_rps" -v rr="$ref_rps" -v r50="$ref_p50" -v r99="$ref_p99" \
      'BEGIN { printf " %.0f (%.0f%%), %.3f / %.3f |", rr, 100 * rr / dr, r50, r99 }')"
  fi
  row="$(awk -v c="$connections" -v dr="$direct_rps" -v d50="$direct_p50" -v d99="$direct_p99" \
             -v pr="$proxy_rps" -v p50="$proxy_p50" -v p99="$proxy_p99" 'BEGIN {
    printf "| %d | %.0f | %.0f | %.0f%% | %.3f / %.3f | %.3f / %.3f | %+.3f |",
           c, dr, pr, 100 * pr / dr, d50, d99, p50, p99, p50 - d50 }')$reference_cell"
  rows+=("$row")
  echo "$row" >&2
  if [ "$connections" = 16 ]; then
    # Issue 4's targets: at 16 connections, at least 50% of direct throughput and under 1 ms
    # added to p50.
    verdict="$(awk -v dr="$direct_rps" -v pr="$proxy_rps" -v d50="$direct_p50" -v p50="$proxy_p50" \
      'BEGIN {
        ratio = 100 * pr / dr; added = p50 - d50
        printf "Targets at 16 connections: throughput >= 50%% of direct: %s (%.0f%%); ", \
               (ratio >= 50 ? "met" : "NOT met"), ratio
        printf "added p50 < 1 ms: %s (%+.3f ms).", (added < 1 ? "met" : "NOT met"), added }')"
  fi
done

date_tag="$(date +%Y-%m-%d)"
result_file="${output:-$repo/bench/results/proxy-$date_tag.md}"
mkdir -p "$(dirname "$result_file")"
{
  echo "# kubectl-agentgateway run vs direct nginx ($date_tag)"
  echo
  if [ "$reference" = 1 ]; then
    echo "| connections | direct req/s | proxy req/s | proxy/direct | direct p50 / p99 (ms) | proxy p50 / p99 (ms) | added p50 (ms) | reference: nginx proxy_pass req/s (of direct), p50 / p99 (ms) |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  else
    echo "| connections | direct req/s | proxy req/s | proxy/direct | direct p50 / p99 (ms) | proxy p50 / p99 (ms) | added p50 (ms) |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  fi
  printf '%s\n' "${rows[@]}"
  echo
  if [ -n "${verdict:-}" ]; then
    echo "$verdict"
    echo
  fi
  echo "- Machine: $cores cores ($cpu), $os, kernel $(uname -r); load average before: $load."
  echo "- wrk, nginx (1 worker) and the proxy ($proxy_threads worker threads, as \`run\` uses by"
  echo "  default) share these $cores cores, so the proxy competes with its own load generator and"
  echo "  upstream: the proxy numbers are a floor."
  if [ "$reference" = 1 ]; then
    echo "- Reference: nginx as the proxy (\`proxy_pass\`, upstream keep-alive, $proxy_threads"
    echo "  workers) in front of the same upstream, on the same cores."
  fi
  echo "- Each cell: wrk -t $wrk_threads (at most one thread per connection) -d $duration --latency,"
  echo "  keep-alive, POST of a ${#body}-byte JSON body, answered by a ${#body}-byte JSON body;"
  echo "  median of $runs run(s) by requests/s. Access log to /dev/null."
  echo "- Binary: ${binary#"$repo"/}; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(nginx -v 2>&1 | sed 's/.*: //')."
  echo "- Reproduce: \`bash bench/proxy_bench.sh --duration $duration --runs $runs\`."
} >"$result_file"

echo
cat "$result_file"
echo
echo "written to ${result_file#"$repo"/}" >&2
