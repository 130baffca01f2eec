#!/usr/bin/env bash
# Installs what bench/proxy_bench.sh, bench/llm_bench.sh and bench/validate_bench.sh need
# (Debian 12): GNU time for peak memory, the wrk load
# generator, nginx as the fast local upstream, and curl. Benchmarks are not part of the test
# suite, so scripts/install-deps.sh leaves these out. Safe to run again: apt-get skips what is
# installed. llm_bench.sh also runs Node (scripts/install-deps.sh installs it) and the Portkey
# gateway it compares against: `npm ci --prefix bench/llm`.
set -euo pipefail

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends wrk nginx-light curl time
