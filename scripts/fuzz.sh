#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in build-fuzz/ and runs each
# for a bounded time. Each run starts from the target's seeds (testdata/fuzz/<target>/, plus
# inputs made here from the agentgateway test data in ../shared) and grows a scratch corpus in
# build-fuzz/corpus/<target>/, kept between runs of this script; testdata/ is only read.
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [target...]
#     (default: every target, 30 s each, one at a time; --jobs 2 runs two at once)
#
# Prints one line per target, `fuzz <target>: <execs> execs in <secs> s (<cpu> CPU s), <cov> edges,
# clean`, and exits non-zero when any target finds something (crash, sanitizer report, leak,
# timeout, out of memory); the reproducer is then in build-fuzz/artifacts/<target>/ and the log in
# build-fuzz/logs/<target>.log. Replay one with: build-fuzz/fuzzers/<target> <file>.
# Installs nothing: scripts/install-deps.sh brings clang-14 and libfuzzer-14-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --jobs) jobs=${2:?--jobs needs a value}; shift 2 ;;
    --jobs=*) jobs=${1#*=}; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown flag $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ && "$jobs" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --seconds and --jobs take positive whole numbers" >&2
  exit 2
fi

# Each target with the longest input it is given and its dictionary (testdata/fuzz/*.dict).
declare -A max_len=(
  [manifest_fuzz]=8192 [cel_parser_fuzz]=2048 [sse_fuzz]=4096 [eventstream_fuzz]=4096
  [llm_request_fuzz]=8192 [llm_response_fuzz]=16384 [llm_stream_fuzz]=16384 [llm_plan_fuzz]=8192
  [session_fuzz]=8192
)
declare -A dictionary=(
  [manifest_fuzz]=manifest [cel_parser_fuzz]=cel [sse_fuzz]=sse [eventstream_fuzz]=eventstream
  [llm_request_fuzz]=llm [llm_response_fuzz]=llm [llm_stream_fuzz]=llm [llm_plan_fuzz]=llm
  [session_fuzz]=http
)
all_targets=(manifest_fuzz cel_parser_fuzz sse_fuzz eventstream_fuzz llm_request_fuzz
             llm_response_fuzz llm_stream_fuzz llm_plan_fuzz session_fuzz)
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for target in "${targets[@]}"; do
  if [ -z "${max_len[$target]:-}" ]; then
    echo "fuzz.sh: no target $target (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done

cxx=${AGW_FUZZ_CXX:-clang++-14}
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz.sh: $cxx not found; scripts/install-deps.sh installs clang-14 and libfuzzer-14-dev" >&2
  exit 3
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$probe/probe.cc"
if ! "$cxx" -fsanitize=fuzzer "$probe/probe.cc" -o "$probe/probe" 2>"$probe/err"; then
  cat "$probe/err" >&2
  echo "fuzz.sh: $cxx cannot link libFuzzer; install libfuzzer-14-dev (scripts/install-deps.sh)" >&2
  exit 3
fi

out=build-fuzz
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$out" -G Ninja -DAGW_FUZZ=ON -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" >/dev/null
cmake --build "$out" --target fuzz

# Inputs made from the agentgateway test data: request and response fixtures with the choice
# bytes of the target that reads them (tests/fuzz/llm_choices.h), manifests, CEL rules.
shared=${AGW_SHARED_DIR:-$(cd .. && pwd)/shared}
fixtures=$shared/upstream-testdata/agentgateway-llm-fixtures
generated=$out/seeds
rm -rf "$generated"
mkdir -p "$generated"
bytes() { for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done; }
seed() {  # seed <target> <name> <choice bytes...> < document
  local target=$1 name=$2
  shift 2
  mkdir -p "$generated/$target"
  { bytes "$@"; cat; } >"$generated/$target/$name"
}
if [ -d "$fixtures" ]; then
  # Client format index, then "wire:provider-options" pairs (options: provider kind in bits 0-2,
  # model in bits 3-5 of llm_choices.h: 36 = bedrock with a Claude model, 26 and 27 = gemini and
  # vertexai with a Gemini model, 19 = vertexai with a Claude model).
  declare -A request_pairs=(
    [completions]="0 0:0 2:1 3:36 4:26" [policies]="0 0:0 2:1 4:26"
    [messages]="1 2:1 0:0 1:0 3:36 2:19" [responses]="2 1:0 0:2 3:36"
    [embeddings]="3 5:0 6:27 7:44" [count-tokens]="4 11:1 12:19 13:36"
    [rerank]="6 8:0 9:3 10:52" [gemini]="7 4:26"
  )
  for dir in "${!request_pairs[@]}"; do
    read -r input pairs <<<"${request_pairs[$dir]}"
    for file in "$fixtures/requests/$dir"/*.json; do
      [ -f "$file" ] || continue
      for pair in $pairs; do
        seed llm_request_fuzz "$dir-$(basename "$file" .json)-${pair/:/-}" "$input" "${pair%:*}" \
          "${pair#*:}" <"$file"
      done
    done
  done
  # Upstream format, then "client-format:client-request" pairs (client request 1-3: the
  # Completions, Messages and Responses requests with tools of llm_choices.h).
  declare -A response_pairs=(
    [anthropic]="2:1 0:1 1:2" [completions]="0:2 0:0 1:1 2:0" [openai]="5:4 3:0"
    [bedrock]="3:36 0:1 1:2 2:3" [responses]="1:0 1:2 2:0" [vertex-gemini]="4:26 0:0 7:0"
    [vertex]="6:27 3:0 9:3 6:0" [bedrock-titan]="7:44 3:0" [bedrock-nova]="7:44 3:0"
    [bedrock-cohere]="7:52 3:0" [cohere]="8:0 6:0" [detect]="15:0 5:0"
  )
  for dir in "${!response_pairs[@]}"; do
    read -r wire_options pairs <<<"${response_pairs[$dir]}"
    wire=${wire_options%:*} options=${wire_options#*:}
    for file in "$fixtures/response/$dir"/*; do
      case "$file" in *.snap) continue ;; esac
      [ -f "$file" ] || continue
      name=$dir-$(basename "$file")
      for pair in $pairs; do
        input=${pair%:*} client=${pair#*:}
        if [[ "$(basename "$file")" == *stream* || "$file" == *.bin ]]; then
          # Mode 7: cut into pieces of up to 7 bytes (.bin files are already framed).
          seed llm_stream_fuzz "$name-$input" "$input" "$wire" "$options" "$client" 7 <"$file"
        else
          seed llm_response_fuzz "$name-$input" "$input" "$wire" "$options" "$client" 0 <"$file"
        fi
      done
      if [[ "$file" == *.bin ]]; then seed eventstream_fuzz "$name" 0 3 <"$file"; fi
      if [[ "$(basename "$file")" == *stream* && "$file" != *.bin ]]; then
        seed sse_fuzz "$name" 5 <"$file"
      fi
    done
  done
  for file in "$fixtures/requests/completions"/*.json "$fixtures/requests/messages"/*.json; do
    # PlanCall: openai (0) and anthropic (1) with a policy, on their chat paths.
    seed llm_plan_fuzz "plan-$(basename "$file")-openai" 0 3 < <(
      printf '/v1/chat/completions\n'; cat "$file")
    seed llm_plan_fuzz "plan-$(basename "$file")-anthropic" 1 3 < <(printf '/v1/messages\n'; cat "$file")
  done
fi
for file in testdata/examples/*/*.yaml "$shared"/upstream-testdata/gateway-api-conformance-v1.4.0/tests/*.yaml \
  "$shared"/upstream-testdata/agentgateway-crd-cases/*.yaml; do
  [ -f "$file" ] || continue
  mkdir -p "$generated/manifest_fuzz"
  cp "$file" "$generated/manifest_fuzz/$(basename "$(dirname "$file")")-$(basename "$file")"
done
if [ -f "$shared/reference/controller-cel-rules.txt" ]; then
  n=0
  sed -n "s/^  rule: '\(.*\)'$/\1/p" "$shared/reference/controller-cel-rules.txt" |
    sed "s/''/'/g" | while IFS= read -r rule; do
      n=$((n + 1))
      printf '%s' "$rule" | seed cel_parser_fuzz "controller-rule-$n" 0
    done
fi
for jsonl in "$shared/cel/cel-conformance.jsonl" "$shared/reference/cel-v1.4.0-standard.jsonl"; do
  [ -f "$jsonl" ] || continue
  n=0
  # The "expr" or "rule" string of each line, with its JSON escapes of quotes and backslashes.
  grep -o '"\(expr\|rule\)": *"\([^"\\]\|\\.\)*"' "$jsonl" |
    sed 's/^"[a-z]*": *"//; s/"$//; s/\\"/"/g; s/\\\\/\\/g' | while IFS= read -r expr; do
      n=$((n + 1))
      printf '%s' "$expr" | seed cel_parser_fuzz "$(basename "$jsonl" .jsonl)-$n" 1
    done
done

# One finding stops a target; the sanitizers report leaks and any undefined behaviour as one.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:handle_abort=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$out/logs"
# Runs one target; its summary goes to build-fuzz/logs/<target>.summary.
run_target() {
  local target=$1 corpus=$out/corpus/$1 artifacts=$out/artifacts/$1 log=$out/logs/$1.log
  mkdir -p "$corpus" "$artifacts"
  local seeds=("testdata/fuzz/$target")
  if [ -d "$generated/$target" ]; then seeds+=("$generated/$target"); fi
  # The first corpus directory takes the inputs that found new coverage; the seeds are read only.
  # bash's `time` gives the CPU seconds the target used (user + system, its threads included):
  # the figure that says how much fuzzing a target had when other work shared the cores.
  local rc=0 TIMEFORMAT='%U %S'
  { time "$out/fuzzers/$target" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$target]}" \
    -dict="testdata/fuzz/${dictionary[$target]}.dict" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 >"$log" 2>&1 || rc=$?; } 2>"$out/logs/$target.cpu"
  local execs edges took finding cpu
  cpu=$(awk '{ printf "%d", $1 + $2 }' "$out/logs/$target.cpu")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  edges=$(grep -a -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $target: ${execs:-0} execs in ${took:-$seconds} s (${cpu:-0} CPU s)," \
      "${edges:-0} edges, clean"
  else
    finding=$(grep -a -m 1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|exception caught' "$log" ||
      true)
    echo "fuzz $target: FAILED (exit $rc): ${finding:-see $log}"
    ls "$artifacts" | sed "s|^|  reproducer: $artifacts/|"
    tail -n 40 "$log" | sed 's/^/  | /'
  fi
  return "$rc"
}

# --jobs targets at a time (one core each); the summaries are printed in target order.
running=0
for target in "${targets[@]}"; do
  (
    rc=0
    run_target "$target" >"$out/logs/$target.summary" || rc=$?
    echo "$rc" >"$out/logs/$target.rc"
  ) &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
status=0
for target in "${targets[@]}"; do
  cat "$out/logs/$target.summary"
  if [ "$(cat "$out/logs/$target.rc")" != 0 ]; then status=1; fi
done
exit "$status"
