#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs the whole test suite.
# Tests that need the real CRDs read them from ../shared (override with AGW_SHARED_DIR=...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
npm ci --prefix tests/sarif --no-audit --no-fund  # Ajv + the SARIF schema, for the SARIF test
shared_dir=${AGW_SHARED_DIR:-$(cd .. && pwd)/shared}
cmake -S . -B build -G Ninja -DAGW_SHARED_DIR="$shared_dir"
cmake --build build
ctest --test-dir build --output-on-failure --timeout 300
