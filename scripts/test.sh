#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs the whole test suite.
# Tests that need the real CRDs read them from ../shared (override with AGW_SHARED_DIR=...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
npm ci --prefix tests/sarif --no-audit --no-fund  # Ajv + the SARIF schema, for the SARIF test
npm ci --prefix tests/e2e --no-audit --no-fund    # the openai and Anthropic SDKs, for tests/e2e
npm ci --prefix tests/cel/differential --no-audit --no-fund  # @bufbuild/cel, for the CEL differential test
shared_dir=${AGW_SHARED_DIR:-$(cd .. && pwd)/shared}
# ccache, where the machine has it, only saves time: a clean machine builds without it.
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -G Ninja -DAGW_SHARED_DIR="$shared_dir" "${launcher[@]}"
cmake --build build
status=0
bash scripts/check-format.sh 2>&1 | tee build/format.log || status=1
AGW_CONFORMANCE_REPORT="$PWD/build/conformance-report.txt" \
AGW_LLM_FIXTURES_REPORT="$PWD/build/llm-fixtures-report.txt" \
  ctest --test-dir build --output-on-failure --timeout 300 2>&1 | tee build/ctest.log ||
  status=$?
# The fuzz targets, 30 s each (AGW_FUZZ_SECONDS to change it), two at a time on CI's two cores:
# any finding fails the run (scripts/fuzz.sh).
AGW_SHARED_DIR="$shared_dir" bash scripts/fuzz.sh --seconds "${AGW_FUZZ_SECONDS:-30}" --jobs 2 2>&1 |
  tee build/fuzz.log || status=1
# The conformance suite's "conformance: N/M tests pass (K/L cases)" line and any failing case,
# the LLM fixture goldens' pass count, one line per fuzz target,
# then CTest's own closing line again so it stays the last line of the run.
cat build/conformance-report.txt 2>/dev/null || true
cat build/llm-fixtures-report.txt 2>/dev/null || true
grep -E "^fuzz [a-z_]+: " build/fuzz.log || true
cat build/format.log
grep -E "tests passed, [0-9]+ tests failed out of" build/ctest.log | tail -n 1 || true
exit "$status"
