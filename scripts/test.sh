#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test.sh - install dependencies, build with ASan+UBSan and as a plain Release build (both
# warning-free), run the whole test suite, check that an installed tree runs a plan. This
# is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh asan
scripts/build.sh Release

# Leak checking stays on; halt on the first UBSan report so it fails the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --verbose --timeout 600

# The Release build, installed into a temporary prefix, runs quick.plan from /.
scripts/install-check.sh build-Release

# A short libFuzzer run of every body decoder (walker vs protobuf-c, JSON, inflate).
scripts/fuzz.sh "${TB_FUZZ_SECONDS:-15}"
