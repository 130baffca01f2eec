#!/usr/bin/env bash
# Installs the dependencies, builds kubectl-agentgateway and validates the bundled examples
# (the tutorials users follow today), offline and without API keys.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --target kubectl-agentgateway
./build/kubectl-agentgateway validate -f testdata/examples/
echo
echo "To use it as 'kubectl agentgateway', put the binary on PATH:"
echo "  export PATH=\"$PWD/build:\$PATH\"; kubectl agentgateway validate -f testdata/examples/"
