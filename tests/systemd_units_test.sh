#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# systemd_units_test.sh - contrib/systemd's units as systemd reads them: each passes
# `systemd-analyze verify` without a word (an unknown key is only a warning there, so
# any output fails), with ExecStart pointed at the programs just built; and every option
# an ExecStart line gives is one the program's --help lists. Skipped (77) without
# systemd-analyze.
#   systemd_units_test.sh SOURCE_DIR SATELLITE_BIN SAMPLER_BIN
set -euo pipefail
src=$1
satellite=$(realpath "$2")
sampler=$(realpath "$3")
if ! command -v systemd-analyze >/dev/null 2>&1; then
	if [ "${TB_REQUIRE_ALL:-0}" = 1 ]; then
		echo "systemd_units_test: no systemd-analyze here, and TB_REQUIRE_ALL=1 wants every test run" >&2
		exit 1
	fi
	echo "systemd_units_test: no systemd-analyze here; skipped"
	exit 77
fi
tmp=$(mktemp -d /tmp/tb-systemd-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0
for unit in "$src"/contrib/systemd/*.service; do
	name=$(basename "$unit")
	sed -e "s|/usr/local/bin/satellite|$satellite|; s|/usr/local/bin/sampler|$sampler|" \
		"$unit" >"$tmp/$name"
	if ! out=$(systemd-analyze verify "$tmp/$name" 2>&1) || [ -n "$out" ]; then
		echo "systemd_units_test: $name: $out" >&2
		status=1
	fi
	# The ExecStart line, continuations joined; its program and its --options.
	exec_line=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | tr -d '\\\n')
	prog=$(echo "$exec_line" | sed 's/^ExecStart=//' | awk '{print $1}')
	bin=$([ "$(basename "$prog")" = satellite ] && echo "$satellite" || echo "$sampler")
	help=$("$bin" --help)
	for opt in $(echo "$exec_line" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		if ! grep -q -- "$opt" <<<"$help"; then
			echo "systemd_units_test: $name: $(basename "$prog") has no $opt" >&2
			status=1
		fi
	done
	echo "systemd_units_test: $name checked"
done
exit $status
