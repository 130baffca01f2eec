#!/usr/bin/env bash
# Fails, naming the files, when a tracked C++ file is not formatted as .clang-format says
# (Google style, 100 columns). Fix with: clang-format-14 -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$format" >/dev/null 2>&1; then
  echo "error: $format is missing; install it with: bash scripts/install-deps.sh" >&2
  exit 2
fi
unformatted=()
while IFS= read -r -d '' file; do
  if ! "$format" --dry-run --Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done < <(git ls-files -z '*.cc' '*.h')
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "format: ${#unformatted[@]} files are not formatted; run: $format -i ${unformatted[*]}" >&2
  exit 1
fi
echo "format: every C++ file is formatted"
