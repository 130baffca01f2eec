#!/usr/bin/env bash
# Installs every build and test dependency of kubectl-agentgateway from Debian 12 packages.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates tzdata
  libboost1.81-dev        # Beast/Asio (1.74 lacks http::message_generator)
  libyaml-cpp-dev         # YAML loading with marks (positions)
  nlohmann-json3-dev      # JSON values for request/response bodies and -o json
  libcli11-dev            # command line parsing in cmd/
  libssl-dev              # TLS to upstream providers and HTTPS listeners
  libcurl4-openssl-dev    # talking to a live cluster's API server (diff)
  catch2                  # unit tests (v2)
  libre2-dev              # linear-time regular expressions from user manifests
  libexpected-dev         # tl::expected for operational errors
  openssl curl            # tests: certificates for HTTPS listeners, and a TLS client
  clang-14 libfuzzer-14-dev  # scripts/fuzz.sh: libFuzzer targets built with ASan and UBSan
  clang-format-14         # scripts/check-format.sh: the formatting check CI runs
  prometheus              # tests: promtool check metrics on run's /metrics
)
# nodejs + npm: tests only, to check SARIF output against the SARIF 2.1.0 JSON schema with Ajv
# (tests/sarif/). A machine that already has a Node.js with its own npm keeps it: NodeSource's
# nodejs package conflicts with Debian's npm, and apt-get would refuse the whole install.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
