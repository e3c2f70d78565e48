#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-check.sh - install a build into a temporary prefix and use it as its users
# would, from /, with nothing from the source tree: quick.plan with PREFIX/bin/orchestrator
# and the installed plans and registry; then docs/api.md's example built against the
# installed header and pkg-config file, and run; then its Python snippet, as written,
# with the installed package.
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

# docs/api.md's Python snippet, exactly as the installed doc has it, with the installed
# package.
awk '/<!-- python-api-snippet -->/ {on = 1; next} on && /^```python/ {next}
	on && /^```/ {exit} on {print}' "$tmp/prefix/share/tracebench/docs/api.md" >"$tmp/snippet.py"
if ! PYTHONPATH="$tmp/prefix/lib/python3/dist-packages" XDG_CACHE_HOME="$tmp/cache" \
	timeout 120 /usr/bin/python3 "$tmp/snippet.py" >"$tmp/out" 2>&1 ||
	! grep -q '^1000 spans were received by the mock satellites' "$tmp/out"; then
	echo "install-check: docs/api.md's Python snippet with the installed package failed:" >&2
	cat "$tmp/out" >&2
	exit 1
fi
echo "install-check: docs/api.md's Python snippet, as written: $(grep -c . "$tmp/out") lines, 1000 of 1000 spans received"
