#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.sh - build optimized and run every benchmark program in bench/, printing figures.
#   scripts/bench.sh [NAME ...]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(ring_bench decode_bench satellite_bench sampler_bench readcost_bench tracer_bench overhead_bench tls_bench many_clients_bench forward_bench)
for b in "${names[@]}"; do
	echo "== $b"
	"build/bench/$b"
done
