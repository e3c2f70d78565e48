#!/usr/bin/env bash
# run.sh - install dependencies, build optimized, run the main job.
# The orchestrator (`orchestrator --plan plans/regress.plan`) does not exist yet; until it
# does, the main job is the benchmark of what exists: the shared-memory ring.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release
exec build/bench/ring_bench "$@"
