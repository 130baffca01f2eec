#!/usr/bin/env bash
# Installs the dependencies, builds kubectl-agentgateway, validates the bundled examples (the
# tutorials users follow today) and serves the multi-provider tutorial with mocked providers,
# so every printed curl command answers — offline, without a cluster or API keys.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja
cmake --build build --target kubectl-agentgateway
./build/kubectl-agentgateway validate -f testdata/examples/
echo

log="$(mktemp)"
./build/kubectl-agentgateway run -f testdata/examples/multi-llm-providers \
  --gateway-class enterprise-agentgateway --mock-providers --port 8080=0 --admin-port 0 >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q "Press Ctrl-C" "$log" && break; sleep 0.1; done
sed '/Press Ctrl-C/d' "$log"
echo
while read -r command; do
  echo "\$ $command"
  eval "$command"
  echo
done < <(grep '^  curl ' "$log" | sed 's/^  //')
echo
echo "To use it as 'kubectl agentgateway', put the binary on PATH:"
echo "  export PATH=\"$PWD/build:\$PATH\"; kubectl agentgateway run -f testdata/examples/multi-llm-providers --gateway-class enterprise-agentgateway --mock-providers"
if [ -t 0 ]; then
  echo "The emulator keeps serving the commands above; press Ctrl-C to stop."
  wait "$emulator"
fi
