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
)

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
