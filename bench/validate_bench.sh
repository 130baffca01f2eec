#!/usr/bin/env bash
# Measures `kubectl-agentgateway validate` (the API server's schema checks, decoding and the
# controller's resolution) on three inputs, each run several times as a whole process:
#   - examples: testdata/examples/ (28 resources in 15 files, every built-in CRD set available);
#   - routes-10k: one generated file of 10,000 HTTPRoutes (4.3 MB) with their Gateway and the
#     1,000 Services they send to: a large, clean manifest set;
#   - routes-10k-warnings: the same routes without the Services, so that every route draws a
#     "not in the manifest set" warning (10,000 findings rendered).
# Prints wall time (min / median / max over the runs) and peak resident memory (the largest
# VmHWM of the runs) against the targets of issue 12, as Markdown, and writes the table to
# bench/results/validate-<date>.md.
#
#   bash bench/validate_bench.sh [--binary PATH] [--runs 10] [--vs OTHER_BINARY] [--no-wait]
#                                [--output FILE]
#
# --vs runs a second binary on the same inputs in the same session, interleaved run by run,
# for before/after comparisons (this machine's figures drift by about 15% between sessions).
# Needs GNU time (/usr/bin/time, Debian package `time`) for the peak memory.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
binary=""
other=""
runs=10
wait_quiet=1
wait_limit=600
output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --vs) other="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-wait) wait_quiet=0; shift ;;
    --output) output="$2"; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--runs N] [--vs OTHER_BINARY] [--no-wait] [--output FILE]" >&2
       exit 2 ;;
  esac
done
work="$(mktemp -d)"
pids=()
# shellcheck source=bench/common.sh
source "$repo/bench/common.sh"
trap cleanup EXIT
resolve_binary
if [ ! -x /usr/bin/time ]; then
  echo "error: /usr/bin/time is missing; install it with: sudo apt-get install -y time" >&2
  exit 2
fi

generate_routes_10k "$work/routes.yaml" "$work/services.yaml"
mkdir -p "$work/routes-10k"
cat "$work/routes.yaml" "$work/services.yaml" > "$work/routes-10k/all.yaml"

cases=("examples|$repo/testdata/examples/|30|" "routes-10k|$work/routes-10k/|1000|100"
       "routes-10k-warnings|$work/routes.yaml|1000|100")

# One run: prints "<wall ms> <peak KiB>".
measure() {  # BINARY INPUT
  measure_command "$1" validate -f "$2"
}

wait_for_quiet_machine
binaries=("$binary")
[ -n "$other" ] && binaries+=("$other")
table="| input | binary | wall ms (min / median / max of $runs) | peak RSS MiB | target |
| --- | --- | --- | --- | --- |"
for entry in "${cases[@]}"; do
  IFS='|' read -r name input wall_target rss_target <<<"$entry"
  for i in "${!binaries[@]}"; do : > "$work/$name-$i"; done
  for _ in $(seq 1 "$runs"); do
    for i in "${!binaries[@]}"; do
      measure "${binaries[$i]}" "$input" >> "$work/$name-$i"
    done
  done
  for i in "${!binaries[@]}"; do
    b="${binaries[$i]}"
    results="$work/$name-$i"
    wall=$(cut -d' ' -f1 "$results" | spread)
    peak=$(cut -d' ' -f2 "$results" | sort -n | tail -1)
    target="< $wall_target ms"
    [ -n "$rss_target" ] && target="$target, < $rss_target MiB"
    table="$table
| $name | $b | $wall | $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') | $target |"
  done
done

date_tag=$(date +%F)
output="${output:-$repo/bench/results/validate-$date_tag.md}"
{
  echo "# validate benchmark, $date_tag"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
       "$(. /etc/os-release && echo "$PRETTY_NAME")."
  echo
  echo "$table"
} > "$output"
cat "$output"
