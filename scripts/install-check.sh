#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-check.sh - install a build into a temporary prefix and use it as its users
# would, from /, with nothing from the source tree: quick.plan with PREFIX/bin/orchestrator
# and the installed plans and registry; then docs/api.md's example built against the
# installed header and pkg-config file, and run.
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

export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -Wall -Wextra -Werror "$tmp/prefix/share/tracebench/docs/api_example.c" \
	$(pkg-config --cflags --libs tracebench) -o "$tmp/api_example"
if ! XDG_CACHE_HOME="$tmp/cache" timeout 120 "$tmp/api_example" 2 >"$tmp/out" 2>&1 ||
	! grep -q '^200 spans were received by the mock satellites' "$tmp/out"; then
	echo "install-check: docs/api.md's example against the installed library failed:" >&2
	cat "$tmp/out" >&2
	exit 1
fi
echo "install-check: docs/api.md's example, built with pkg-config: $(grep -c . "$tmp/out") lines, 200 of 200 spans received"
