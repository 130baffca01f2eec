#!/usr/bin/env bash
# Measures `kubectl-agentgateway diff` on two sets of 10,000 HTTPRoutes (the generated set of
# validate_bench.sh, with their Gateway and 1,000 Services) that differ in one route's path,
# each run as a whole process: both sides loaded, admitted, resolved and compared (resource
# diff and behaviour diff). Target of issue 14: under 2 s. Prints wall time (min / median / max)
# and peak resident memory as Markdown and writes them to bench/results/diff-<date>.md.
#
#   bash bench/diff_bench.sh [--binary PATH] [--runs 5] [--vs OTHER_BINARY] [--no-wait]
#
# --vs runs a second binary on the same inputs, interleaved run by run (before/after).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
binary=""
other=""
runs=5
wait_quiet=1
wait_limit=600
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --vs) other="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-wait) wait_quiet=0; shift ;;
    *) echo "usage: $0 [--binary PATH] [--runs N] [--vs OTHER_BINARY] [--no-wait]" >&2; exit 2 ;;
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
mkdir -p "$work/old" "$work/new"
cat "$work/routes.yaml" "$work/services.yaml" > "$work/old/all.yaml"
sed 's|value: /v1/chat-4242$|value: /v2/chat-4242|' "$work/old/all.yaml" > "$work/new/all.yaml"
if cmp -s "$work/old/all.yaml" "$work/new/all.yaml"; then
  echo "error: the generated sets do not differ" >&2
  exit 1
fi
# The sets must differ in exactly that route, or the figure means nothing.
"$binary" diff "$work/old" "$work/new" --color never > "$work/diff.txt" || [ $? = 1 ]
if ! grep -q "route-4242" "$work/diff.txt" || ! grep -q "0 added, 0 removed, 1 changed, 11000 unchanged" "$work/diff.txt"; then
  echo "error: unexpected diff output:" >&2
  cat "$work/diff.txt" >&2
  exit 1
fi

wait_for_quiet_machine
binaries=("$binary")
[ -n "$other" ] && binaries+=("$other")
for i in "${!binaries[@]}"; do : > "$work/runs-$i"; done
for _ in $(seq 1 "$runs"); do
  for i in "${!binaries[@]}"; do
    measure_command "${binaries[$i]}" diff -f "$work/new" --against "$work/old" >> "$work/runs-$i"
  done
done
table="| input | binary | wall ms (min / median / max of $runs) | peak RSS MiB | target |
| --- | --- | --- | --- | --- |"
for i in "${!binaries[@]}"; do
  wall=$(cut -d' ' -f1 "$work/runs-$i" | spread)
  peak=$(cut -d' ' -f2 "$work/runs-$i" | sort -n | tail -1)
  table="$table
| 10k routes, one changed | ${binaries[$i]} | $wall | $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') | < 2000 ms |"
done

date_tag=$(date +%F)
output="$repo/bench/results/diff-$date_tag.md"
{
  echo "# diff benchmark, $date_tag"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
       "$(. /etc/os-release && echo "$PRETTY_NAME")."
  echo
  echo "Output of the diff:"
  echo
  echo '```'
  cat "$work/diff.txt"
  echo '```'
  echo
  echo "$table"
} > "$output"
cat "$output"
