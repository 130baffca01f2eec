#!/usr/bin/env bash
# Measures the CEL rules of the CRDs (x-kubernetes-validations) after compilation, with
# agw_cel_rules_bench (bench/cel/rules_bench.cc), on:
#   - backend-valid: every document of agentgateway's agentgateway_backend_valid.yaml against the
#     AgentgatewayBackend CRD of agentgateway main (the issue 13 target: under 5 ms);
#   - all-valid: every *_valid.yaml document of the upstream CRD cases against its CRD;
#   - routes-10k: 10,000 generated HTTPRoutes (those of bench/validate_bench.sh) against the
#     HTTPRoute CRD of the default Gateway API set.
# Prints min / median / max of the runs in milliseconds as Markdown and writes the table to
# bench/results/cel-<date>.md. The end-to-end cost of CEL on `validate` is in
# bench/validate_bench.sh (run it with --vs a build without CEL rules).
#
#   bash bench/cel_bench.sh [--build DIR] [--runs 50] [--shared DIR] [--no-wait] [--output FILE]
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
runs=50
shared="$(cd "$repo/.." && pwd)/shared"
wait_quiet=1
wait_limit=600
output=""
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --shared) shared="$2"; shift 2 ;;
    --no-wait) wait_quiet=0; shift ;;
    --output) output="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--shared DIR] [--no-wait] [--output FILE]" >&2
       exit 2 ;;
  esac
done
work="$(mktemp -d)"
pids=()
# shellcheck source=bench/common.sh
source "$repo/bench/common.sh"
trap cleanup EXIT
tool="$build/bench/agw_cel_rules_bench"
if [ ! -x "$tool" ]; then
  echo "error: $tool is missing; build it with: ninja -C $build agw_cel_rules_bench" >&2
  exit 2
fi
cases_dir="$shared/upstream-testdata/agentgateway-crd-cases"

awk 'BEGIN {
  for (i = 0; i < 10000; i++) {
    printf "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n" \
           "  name: route-%d\n  namespace: team-%d\nspec:\n  parentRefs:\n  - name: gw\n" \
           "    namespace: default\n  hostnames:\n  - app-%d.example.com\n  rules:\n" \
           "  - matches:\n    - path:\n        type: PathPrefix\n        value: /v1/chat-%d\n" \
           "      headers:\n      - name: x-tenant\n        value: tenant-%d\n    backendRefs:\n" \
           "    - name: svc-%d\n      port: 8080\n      weight: 1\n", i, i % 50, i, i, i % 7, i % 20
  }
}' > "$work/routes.yaml"

wait_for_quiet_machine
table="| input | documents | rule evaluations | first-use compile ms | evaluation ms (min / median / max of $runs) | target |
| --- | --- | --- | --- | --- | --- |"
measure() {  # NAME TARGET RUNS ARGS...
  local name="$1" target="$2" n="$3"
  shift 3
  local out
  out=$("$tool" --runs "$n" "$@")
  local documents evaluations compile spread
  documents=$(sed -n 's/^documents \([0-9]*\),.*/\1/p' <<<"$out")
  evaluations=$(sed -n 's/.*rule evaluations \([0-9]*\),.*/\1/p' <<<"$out")
  compile=$(sed -n 's/.*first-use compile \([0-9.]*\) ms.*/\1/p' <<<"$out")
  spread=$(sed -n 's/.*min \([0-9.]*\) \/ median \([0-9.]*\) \/ max \([0-9.]*\)$/\1 \/ \2 \/ \3/p' <<<"$out")
  table="$table
| $name | $documents | $evaluations | $compile | $spread | $target |"
}
measure backend-valid "< 5 ms" "$runs" --agentgateway-version main "$cases_dir/agentgateway_backend_valid.yaml"
measure all-valid "" "$runs" --agentgateway-version main "$cases_dir"/*_valid.yaml
measure routes-10k "" 5 "$work/routes.yaml"

date_tag=$(date +%F)
output="${output:-$repo/bench/results/cel-$date_tag.md}"
{
  echo "# CEL rules benchmark, $date_tag"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
       "$(. /etc/os-release && echo "$PRETTY_NAME"). Build: $build."
  echo
  echo "$table"
} > "$output"
cat "$output"
