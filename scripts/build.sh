#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build.sh - configure and build tracebench into a build directory.
#   scripts/build.sh [release|asan|Release]   (default: release)
# release -> build/          optimized with debug info, for running benchmarks
# asan    -> build-asan/     AddressSanitizer + UndefinedBehaviorSanitizer, for the tests
# Release -> build-Release/  CMake's Release type (-O3), as a user's plain build gets
# Warnings are errors in all three (TB_WERROR); a user's own cmake build only warns.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_SANITIZE=OFF) ;;
asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_SANITIZE=ON) ;;
Release) dir=build-Release; flags=(-DCMAKE_BUILD_TYPE=Release -DTB_SANITIZE=OFF) ;;
*) echo "build.sh: unknown build kind '$kind' (want release, asan or Release)" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" "${flags[@]}" -DTB_WERROR=ON >/dev/null
cmake --build "$dir" -j "$(nproc)"
