#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - install, build optimized, and run the main job: the regression plan.
#   scripts/run.sh [orchestrator options]     e.g. --client js-otel, or --plan plans/quick.plan
# Results go to results/<plan>-<time>/; the exit status is the plan's verdict (0 held,
# 1 regression, 2 error).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh release
plan=(--plan plans/regress.plan)
for a in "$@"; do
	case "$a" in --plan | --plan=*) plan=() ;; esac
done
exec build/orchestrator/orchestrator "${plan[@]}" "$@"
