#!/usr/bin/env bash
# install-check.sh - install a build into a temporary prefix and run quick.plan from /,
# as a user of the installed tree would: programs from PREFIX/bin, the plan and client
# registry from PREFIX/share/tracebench, nothing from the source tree.
#   scripts/install-check.sh [BUILD_DIR]   (default: build-Release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-Release}
tmp=$(mktemp -d /tmp/tracebench-install-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cd /
if ! XDG_CACHE_HOME="$tmp/cache" timeout 300 "$tmp/prefix/bin/orchestrator" \
	--plan "$tmp/prefix/share/tracebench/plans/quick.plan" \
	--results "$tmp/results" --logs "$tmp/logs" --control-port 0 --quiet \
	>"$tmp/out" 2>&1; then
	echo "install-check: quick.plan from an installed tree failed:" >&2
	cat "$tmp/out" >&2
	exit 1
fi
grep -c '^PASS' "$tmp/out" | sed 's/^/install-check: quick.plan from \/ with the installed tree: /; s/$/ assertions passed/'
