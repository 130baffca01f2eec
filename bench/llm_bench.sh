#!/usr/bin/env bash
# Measures the AI data plane of `kubectl-agentgateway run` against a fast fake LLM provider
# (nginx answering fixed bodies at once) and against the Portkey gateway in front of the same
# provider, in one run:
#   - passthrough: OpenAI chat request -> OpenAI backend (`run` rewrites model and auth only);
#   - translation: OpenAI chat request -> Anthropic backend (request to Messages, answer back);
#   - guarded: the translation route with an AgentgatewayPolicy (a regex prompt guard on the
#     request and a local token rate limit), measured through `run` only and compared with the
#     translation cell of the same run;
# each with 1 KB and 16 KB bodies, as one JSON answer and as an SSE stream, at 1, 16 and 64
# connections (wrk, requests/s and p50/p99). Also: time to the first streamed event on one idle
# connection (bench/llm/ttfe.js), and resident memory of `run` (VmRSS idle, VmHWM after the load)
# next to Portkey's. Prints a Markdown table and writes it to bench/results/llm-<date>.md.
#
#   bash bench/install-deps.sh                 # wrk, nginx-light, curl (Debian 12), once
#   npm ci --prefix bench/llm                  # Portkey 1.15.2 (needs node and the npm registry)
#   bash bench/llm_bench.sh [--binary PATH] [--duration 10s] [--runs 1] [--connections "1 16 64"]
#                           [--sizes "1k 16k"] [--kinds "json sse"] [--ttfe-requests 200]
#                           [--wrk-threads 1] [--proxy-threads N] [--no-portkey] [--no-wait]
#                           [--output FILE]
#
# bench/llm/ holds the fixed bodies (bodies/, written by make_bodies.js), the nginx template,
# the manifests `run` serves (one AI backend per provider body, each pointed at nginx with
# --provider-url), the wrk script and the time-to-first-event client.
#
# Everything shares this machine's cores: wrk, nginx (1 worker), `run` and Portkey (one Node
# thread), so the numbers are floors. Build the binary in Release first (the default binary is
# build-release/kubectl-agentgateway when present):
#   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-release --target kubectl-agentgateway
set -euo pipefail

arguments=()  # for the Reproduce line: every argument but --output
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
llm="$repo/bench/llm"
binary=""
duration="10s"
runs=1
connection_counts="1 16 64"
sizes="1k 16k"
kinds="json sse"
ttfe_requests=200
wrk_threads=1
proxy_threads="$(nproc)"  # what `run` uses without --threads: one worker per core
portkey=1
wait_quiet=1
output=""
wait_limit=1500  # seconds to wait for other builds to finish before measuring anyway

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --duration) duration="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --runs) runs="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --connections) connection_counts="$2"; arguments+=("$1" "\"$2\""); shift 2 ;;
    --sizes) sizes="$2"; arguments+=("$1" "\"$2\""); shift 2 ;;
    --kinds) kinds="$2"; arguments+=("$1" "\"$2\""); shift 2 ;;
    --ttfe-requests) ttfe_requests="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --wrk-threads) wrk_threads="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --proxy-threads) proxy_threads="$2"; arguments+=("$1" "$2"); shift 2 ;;
    --no-portkey) portkey=0; arguments+=("$1"); shift ;;
    --no-wait) wait_quiet=0; arguments+=("$1"); shift ;;
    --output) output="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/common.sh
source "$repo/bench/common.sh"
resolve_binary
require_tools "(and nodejs for the Node clients)" wrk nginx curl node
portkey_server="$llm/node_modules/@portkey-ai/gateway/build/start-server.js"
if [ "$portkey" = 1 ] && [ ! -f "$portkey_server" ]; then
  echo "error: Portkey is not installed; run: npm ci --prefix bench/llm (or pass --no-portkey)" >&2
  exit 2
fi

# --- a quiet machine -------------------------------------------------------------------------
wait_for_quiet_machine

# --- nginx as the provider, `run` and Portkey in front of it ---------------------------------
work="$(mktemp -d -t agw-llm-bench.XXXXXX)"
pids=()
trap cleanup EXIT
trap 'exit 130' INT TERM


nginx_port="$(free_port)"
run_port="$(free_port)"
while [ "$run_port" = "$nginx_port" ]; do run_port="$(free_port)"; done
portkey_port="$(free_port)"
while [ "$portkey_port" = "$nginx_port" ] || [ "$portkey_port" = "$run_port" ]; do
  portkey_port="$(free_port)"
done

mkdir -p "$work/nginx/logs"
sed -e "s#@WORK@#$work/nginx#g" -e "s#@PORT@#$nginx_port#g" -e "s#@BODIES@#$llm/bodies#g" \
  "$llm/nginx.conf.in" >"$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
pids+=($!)

# The two APIs measured: the provider behind each, and its path on the provider.
provider_of() {  # API
  if [ "$1" = passthrough ]; then echo openai; else echo anthropic; fi
}
# The targets that serve an API: the policies exist only in `run`.
targets_of() {  # API
  if [ "$1" = guarded ]; then echo run; else echo "$targets"; fi
}
provider_path() {  # PROVIDER
  if [ "$1" = openai ]; then echo /v1/chat/completions; else echo /v1/messages; fi
}
# Where a provider's body of SIZE and KIND is served: the base URL of a fake provider.
provider_base() { echo "http://127.0.0.1:$nginx_port/$1/$2/$3"; }
request_body() {  # SIZE KIND
  if [ "$2" = sse ]; then echo "$llm/bodies/request-$1-stream.json"; else
    echo "$llm/bodies/request-$1.json"; fi
}
upstream_body() { echo "$llm/bodies/$1-$2.$3"; }

provider_urls=()
for provider in openai anthropic; do
  for size in 1k 16k; do
    for kind in json sse; do
      provider_urls+=(--provider-url
                      "$provider-$size-$kind=$(provider_base "$provider" "$size" "$kind")")
    done
  done
done
# The access log (stdout) goes to /dev/null: one line per request would otherwise be measured too.
BENCH_LLM_KEY="sk-bench-not-a-real-key" "$binary" run -f "$llm/manifests" \
  --port "80=$run_port" --admin-port -1 --threads "$proxy_threads" \
  --secret default/llm-key=BENCH_LLM_KEY "${provider_urls[@]}" >/dev/null 2>"$work/run.err" &
run_pid=$!
pids+=("$run_pid")

if [ "$portkey" = 1 ]; then
  node "$portkey_server" --port="$portkey_port" --headless >"$work/portkey.log" 2>&1 &
  portkey_pid=$!
  pids+=("$portkey_pid")
fi

# The URL and extra headers (one per line) wrk and the clients use for a target.
target_url() {  # TARGET API SIZE KIND
  local provider
  provider="$(provider_of "$2")"
  case "$1" in
    direct) echo "$(provider_base "$provider" "$3" "$4")$(provider_path "$provider")" ;;
    run) echo "http://127.0.0.1:$run_port/$([ "$2" = guarded ] && echo guarded-)$provider-$3-$4" ;;
    portkey) echo "http://127.0.0.1:$portkey_port/v1/chat/completions" ;;
  esac
}
target_headers() {  # TARGET API SIZE KIND
  local provider
  provider="$(provider_of "$2")"
  if [ "$1" = portkey ]; then
    printf 'x-portkey-provider: %s\nx-portkey-custom-host: %s/v1\nauthorization: Bearer %s\n' \
      "$provider" "$(provider_base "$provider" "$3" "$4")" "sk-bench-not-a-real-key"
  fi
}

# POSTs one request to a target; prints the response body.
post_once() {  # TARGET API SIZE KIND
  local header_args=() line
  while IFS= read -r line; do
    [ -n "$line" ] && header_args+=(-H "$line")
  done < <(target_headers "$@")
  curl -sS -N --max-time 10 -X POST -H 'content-type: application/json' "${header_args[@]}" \
    --data-binary "@$(request_body "$3" "$4")" "$(target_url "$@")"
}

wait_ready() {  # TARGET
  for _ in $(seq 1 150); do
    if post_once "$1" passthrough 1k json >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "error: $1 did not answer" >&2
  cat "$work/run.err" "$work/nginx/logs/error.log" "$work/portkey.log" >&2 2>/dev/null || true
  exit 1
}

targets="direct run"
if [ "$portkey" = 1 ]; then targets="direct run portkey"; fi
for target in $targets; do wait_ready "$target"; done

# `run` must survive every cell; if it does not, say so and stop.
check_run_alive() {
  if ! kill -0 "$run_pid" 2>/dev/null; then
    echo "error: kubectl-agentgateway run exited during the benchmark ($1); its stderr:" >&2
    tail -20 "$work/run.err" >&2
    exit 1
  fi
}

# The gateways must hand back the provider's text, translated where the API says so, or the
# comparison means nothing.
problems=()
for api in passthrough translation guarded; do
  for size in $sizes; do
    for kind in $kinds; do
      for target in $(targets_of "$api"); do
        [ "$target" = direct ] && continue
        upstream="$(upstream_body "$(provider_of "$api")" "$size" "$kind")"
        if ! post_once "$target" "$api" "$size" "$kind" 2>"$work/curl.err" |
             node "$llm/check.js" "$upstream" 2>"$work/check.err"; then
          problem="$(cat "$work/curl.err" "$work/check.err" | tr '\n' ' ')"
          problems+=("wrong answer from $target, $api $size $kind: $problem")
          echo "warning: wrong answer from $target ($api $size $kind): $problem" >&2
        fi
      done
    done
  done
done

check_run_alive "checking the answers"

# --- measuring -------------------------------------------------------------------------------
# wrk prints latencies as 812.00us, 1.23ms or 1.02s: convert to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000;
    printf "%.3f", n }'
}

# Runs wrk once; prints "rps p50_ms p99_ms errors" (errors: non-2xx + socket errors).
measure_once() {  # TARGET API SIZE KIND CONNECTIONS
  local connections="$5" threads="$wrk_threads" out
  [ "$threads" -gt "$connections" ] && threads="$connections"
  out="$(BENCH_BODY_FILE="$(request_body "$3" "$4")" BENCH_HEADERS="$(target_headers "$@")" \
    wrk -t "$threads" -c "$connections" -d "$duration" --latency -s "$llm/chat.lua" \
    "$(target_url "$@")")"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END {print n + 0}' <<<"$out")"
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $errors"
}

# Runs wrk --runs times and keeps the run with the median requests/s.
measure() {
  local results=()
  for _ in $(seq 1 "$runs"); do
    results+=("$(measure_once "$@")")
  done
  printf '%s\n' "${results[@]}" | sort -n -k1 | sed -n "$(((runs + 1) / 2))p"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }  # KIB
rss_kib() {  # PID FIELD
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}
run_idle_rss="$(rss_kib "$run_pid" VmRSS)"

# A short warm-up of every path (connection set-up, page faults, upstream keep-alive).
for target in $targets; do
  for api in passthrough translation guarded; do
    [[ " $(targets_of "$api") " == *" $target "* ]] || continue
    BENCH_BODY_FILE="$(request_body 1k json)" \
    BENCH_HEADERS="$(target_headers "$target" "$api" 1k json)" \
      wrk -t 1 -c 16 -d 2s -s "$llm/chat.lua" "$(target_url "$target" "$api" 1k json)" >/dev/null
  done
done
check_run_alive "warm-up"

cores="$(nproc)"
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
os="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "Measuring $binary: wrk -t $wrk_threads -d $duration --latency; nginx 1 worker," \
     "run $proxy_threads threads, Portkey 1 Node thread; all on the same $cores cores" >&2

declare -A rps  # "TARGET API SIZE KIND CONNECTIONS" -> requests/s
declare -A rows_of  # API -> its table rows
error_notes=()
# The APIs of one cell are measured one after the other, so their ratios compare figures taken
# minutes apart at most (this machine drifts more than that between runs).
for size in $sizes; do
  for kind in $kinds; do
    for connections in $connection_counts; do
      for api in passthrough translation guarded; do
        declare -A cell=([direct]="- | -" [portkey]="- | -")
        for target in $(targets_of "$api"); do
          read -r r p50 p99 errors < <(measure "$target" "$api" "$size" "$kind" "$connections")
          rps["$target $api $size $kind $connections"]="$r"
          cell[$target]="$(awk -v r="$r" -v a="$p50" -v b="$p99" \
            'BEGIN { printf "%.0f | %.2f / %.2f", r, a, b }')"
          if [ "$errors" != 0 ]; then
            error_notes+=("$target, $api $size $kind, $connections connections: $errors errors")
            echo "warning: $errors errors from $target ($api $size $kind, $connections conns)" >&2
          fi
          check_run_alive "$api $size $kind, $connections connections"
        done
        ratio_cell=""
        if [ "$api" = translation ]; then
          ratio_cell="$(awk -v t="${rps["run translation $size $kind $connections"]}" \
            -v p="${rps["run passthrough $size $kind $connections"]}" \
            'BEGIN { printf "%.0f%%", 100 * t / p }')"
        elif [ "$api" = guarded ]; then
          ratio_cell="$(awk -v g="${rps["run guarded $size $kind $connections"]}" \
            -v t="${rps["run translation $size $kind $connections"]}" \
            'BEGIN { printf "%.0f%% of translation", 100 * g / t }')"
        fi
        portkey_cells=""
        if [ "$portkey" = 1 ] && [ "$api" = guarded ]; then
          portkey_cells=" - | - | - |"
        elif [ "$portkey" = 1 ]; then
          portkey_cells=" ${cell[portkey]} | $(awk -v r="${rps["run $api $size $kind $connections"]}" \
            -v k="${rps["portkey $api $size $kind $connections"]}" \
            'BEGIN { if (k > 0) printf "%.1fx", r / k; else printf "n/a" }') |"
        fi
        row="| $api | $size | $kind | $connections | ${cell[direct]} | ${cell[run]} |"
        row+=" ${ratio_cell:--} |$portkey_cells"
        rows_of[$api]+="$row"$'\n'
        echo "$row" >&2
        unset cell
      done
    done
  done
done
rows=()
for api in passthrough translation guarded; do
  while IFS= read -r row; do
    [ -n "$row" ] && rows+=("$row")
  done <<<"${rows_of[$api]}"
done
run_peak_rss="$(rss_kib "$run_pid" VmHWM)"
portkey_peak_rss=""
if [ "$portkey" = 1 ]; then portkey_peak_rss="$(rss_kib "$portkey_pid" VmHWM)"; fi

# Time to the first event of a stream, on one idle kept-alive connection.
declare -A ttfe_p50
ttfe_rows=()
if [[ " $kinds " == *" sse "* ]]; then
  for api in passthrough translation; do
    for size in $sizes; do
      row="| $api | $size |"
      for target in $targets; do
        header_args=()
        while IFS= read -r line; do
          [ -n "$line" ] && header_args+=("$line")
        done < <(target_headers "$target" "$api" "$size" sse)
        if result="$(node "$llm/ttfe.js" "$(target_url "$target" "$api" "$size" sse)" \
                       "$(request_body "$size" sse)" "$ttfe_requests" "${header_args[@]}" \
                       2>"$work/ttfe.err")"; then
          read -r p50 p99 <<<"$result"
          ttfe_p50[$target]="$p50"
          row+=" $p50 / $p99 |"
        else
          ttfe_p50[$target]=""
          row+=" failed |"
          problems+=("time to first event, $target $api $size: $(cat "$work/ttfe.err")")
        fi
      done
      added="$(awk -v r="${ttfe_p50[run]}" -v d="${ttfe_p50[direct]}" \
        'BEGIN { if (r == "" || d == "") print "n/a"; else printf "%+.3f", r - d }')"
      row+=" $added |"
      if [ "$portkey" = 1 ]; then
        row+=" $(awk -v k="${ttfe_p50[portkey]}" -v d="${ttfe_p50[direct]}" \
          'BEGIN { if (k == "" || d == "") print "n/a"; else printf "%+.3f", k - d }') |"
      fi
      ttfe_rows+=("$row")
      echo "$row" >&2
      check_run_alive "time to first event, $api $size"
    done
  done
fi

# --- the targets of the issue ----------------------------------------------------------------
verdicts=()
add_verdict() { verdicts+=("$*"); }
met() { awk "BEGIN { print ($1) ? \"met\" : \"NOT met\" }"; }  # CONDITION (awk)
min_translation="$(for size in $sizes; do for kind in $kinds; do for c in $connection_counts; do
    echo "${rps["run translation $size $kind $c"]} ${rps["run passthrough $size $kind $c"]}"
  done; done; done | awk '{ r = 100 * $1 / $2; if (NR == 1 || r < m) m = r } END { printf "%.0f", m }')"
add_verdict "Translation keeps >= 85% of passthrough throughput in every cell:" \
           "$(met "$min_translation >= 85") (lowest: $min_translation%)."
min_guarded="$(for size in $sizes; do for kind in $kinds; do for c in $connection_counts; do
    echo "${rps["run guarded $size $kind $c"]} ${rps["run translation $size $kind $c"]}"
  done; done; done | awk '{ r = 100 * $1 / $2; if (NR == 1 || r < m) m = r } END { printf "%.0f", m }')"
add_verdict "A regex prompt guard and a token limit keep >= 85% of the translated route's" \
           "throughput in every cell: $(met "$min_guarded >= 85") (lowest: $min_guarded%)."
if [ "$portkey" = 1 ]; then
  min_portkey="$(for api in passthrough translation; do for size in $sizes; do
      for kind in $kinds; do for c in $connection_counts; do
        echo "${rps["run $api $size $kind $c"]} ${rps["portkey $api $size $kind $c"]}"
      done; done; done; done |
    awk '{ r = ($2 > 0) ? $1 / $2 : 1e9; if (NR == 1 || r < m) m = r } END { printf "%.1f", m }')"
  add_verdict "run beats Portkey's throughput by >= 20x in every cell:" \
             "$(met "$min_portkey >= 20") (lowest: ${min_portkey}x)."
fi
if [ ${#ttfe_rows[@]} -gt 0 ]; then
  # The "run adds" column: second to last with Portkey, else last.
  max_added="$(printf '%s\n' "${ttfe_rows[@]}" | awk -F'|' -v back=$((portkey ? 2 : 1)) '
      { v = $(NF - back) + 0; if (NR == 1 || v > m) m = v } END { printf "%+.3f", m }')"
  add_verdict "Streaming adds < 1 ms to the time to first event (p50, run minus direct):" \
             "$(met "$max_added < 1") (largest: $max_added ms)."
fi
add_verdict "Resident memory of run < 30 MiB under load (VmHWM):" \
           "$(met "$run_peak_rss < 30 * 1024") ($(mib "$run_peak_rss"))."

# --- the report ------------------------------------------------------------------------------
date_tag="$(date +%Y-%m-%d)"
result_file="${output:-$repo/bench/results/llm-$date_tag.md}"
mkdir -p "$(dirname "$result_file")"
{
  echo "# kubectl-agentgateway run: LLM passthrough and translation ($date_tag)"
  echo
  echo "Requests/s and latency p50 / p99 (ms). *direct*: wrk straight to the fake provider (the"
  echo "ceiling); *run*: through \`kubectl-agentgateway run\`; *of passthrough*: run's translation"
  echo "throughput over its passthrough throughput in the same cell; for *guarded* (the"
  echo "translation route with a regex prompt guard and a local token rate limit, run only), its"
  echo "throughput over the translation cell's."
  if [ "$portkey" = 1 ]; then
    echo "*Portkey*: \`@portkey-ai/gateway\` 1.15.2 in front of the same provider."
  fi
  echo
  if [ "$portkey" = 1 ]; then
    echo "| API | body | answer | connections | direct req/s | direct p50 / p99 | run req/s | run p50 / p99 | of passthrough | Portkey req/s | Portkey p50 / p99 | run / Portkey |"
    echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  else
    echo "| API | body | answer | connections | direct req/s | direct p50 / p99 | run req/s | run p50 / p99 | of passthrough |"
    echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  fi
  printf '%s\n' "${rows[@]}"
  echo
  if [ ${#ttfe_rows[@]} -gt 0 ]; then
    echo "Time to first event (ms, p50 / p99 of $ttfe_requests streamed requests, one at a time on"
    echo "one kept-alive connection; from sending the request to the first complete \`data:\` line):"
    echo
    if [ "$portkey" = 1 ]; then
      echo "| API | body | direct | run | Portkey | run adds (p50) | Portkey adds (p50) |"
      echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    else
      echo "| API | body | direct | run | run adds (p50) |"
      echo "| --- | --- | ---: | ---: | ---: |"
    fi
    printf '%s\n' "${ttfe_rows[@]}"
    echo
  fi
  echo "Resident memory: run $(mib "$run_idle_rss") idle, $(mib "$run_peak_rss") peak (VmHWM)"
  if [ "$portkey" = 1 ]; then
    echo "after the load; Portkey $(mib "$portkey_peak_rss") peak (VmHWM)."
  else
    echo "after the load."
  fi
  echo
  echo "Targets:"
  for verdict in "${verdicts[@]}"; do echo "- $verdict"; done
  echo
  if [ ${#problems[@]} -gt 0 ] || [ ${#error_notes[@]} -gt 0 ]; then
    echo "Problems seen:"
    for problem in "${problems[@]}" "${error_notes[@]}"; do echo "- $problem"; done
    echo
  fi
  echo "- Machine: $cores cores ($cpu), $os, kernel $(uname -r); load average before: $load."
  echo "- wrk, nginx (1 worker), run ($proxy_threads worker threads, as \`run\` uses by default)"
  if [ "$portkey" = 1 ]; then
    echo "  and Portkey (Node, one thread) share these $cores cores: the numbers are floors."
  else
    echo "  share these $cores cores: the numbers are floors."
  fi
  echo "- Each cell (its APIs back to back): wrk -t $wrk_threads (at most one thread per connection) -d $duration --latency,"
  echo "  keep-alive, POST of an OpenAI chat request of the body size (\`\"stream\": true\` for SSE);"
  echo "  the provider answers with a fixed body at once (JSON: the size class; SSE: 1.5 KB or"
  echo "  16 KB, 8-38 events); median of $runs run(s) by requests/s. Access log to /dev/null."
  echo "- Each answer of run$([ "$portkey" = 1 ] && echo " and Portkey") was checked before"
  echo "  measuring: the provider's text, in OpenAI format, streams ending in \`data: [DONE]\`."
  echo "- Binary: ${binary#"$repo"/}; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2);" \
       "$(nginx -v 2>&1 | sed 's/.*: //'); node $(node --version)."
  echo "- Reproduce: \`bash bench/llm_bench.sh${arguments[*]:+ ${arguments[*]}}\`."
} >"$result_file"

echo
cat "$result_file"
echo
echo "written to ${result_file#"$repo"/}" >&2
