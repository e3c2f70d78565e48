#!/usr/bin/env bash
# build.sh - configure and build tracebench into a build directory.
#   scripts/build.sh [release|asan]   (default: release)
# release -> build/        optimized, for running benchmarks
# asan    -> build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer, for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_SANITIZE=OFF) ;;
asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_SANITIZE=ON) ;;
*) echo "build.sh: unknown build kind '$kind' (want release or asan)" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
