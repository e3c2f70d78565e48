#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# calibration.sh - how calibration converges on this machine, client by client: each
# client is calibrated afresh ROUNDS times (`orchestrator run --recalibrate`, untraced
# at 500 spans/s for 2 s, 70% CPU asked), and each round prints the checks it took, the
# fixed cost of a process it measured, the last check's CPU and the run's CPU. The
# last line per client says how many rounds landed within 2 points of 70% in at most
# 4 checks.
# Usage: bench/calibration.sh [DIR] [ROUNDS] [CLIENT...]
#   DIR     a build tree (default build-Release; build-asan measures under ASan)
#   ROUNDS  calibrations per client (default 5)
#   CLIENT  lsb-c (LightStep Benchmarks' argv protocol, 100 ms sleep intervals), c
#           (tb-client), c-startup (tb-client spending 1 s of CPU before its first
#           span), js-otel (Node.js with the OpenTelemetry SDK); default the first three
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-build-Release}")
rounds=${2:-5}
shift $(($# > 2 ? 2 : $#))
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(lsb-c c c-startup)
orc="$build/orchestrator/orchestrator"
[ -x "$orc" ] || { echo "calibration.sh: no orchestrator in $build (build it first)" >&2; exit 2; }

work=$(mktemp -d /tmp/tb-calibration.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/clients.conf" <<EOF
[c]
command = $build/client-shim/tb-client
[c-startup]
command = $build/client-shim/tb-client --startup-cost 1s
[lsb-c]
command = $build/client-shim/tb-lsb-client
mode = argv
[js-otel]
command = node $here/client-shim/js/js-otel.js
EOF
export XDG_CACHE_HOME="$work/cache"

for client in "${clients[@]}"; do
	good=0
	for i in $(seq 1 "$rounds"); do
		(cd "$work" && "$orc" run --client "$client" --no-trace --sps 500 --runtime 2 \
			--recalibrate --clients "$work/clients.conf" --control-port 0 --json \
			> "$work/out" 2> "$work/err") || true
		line=$(grep -m1 'orchestrator: calibrated ' "$work/err" || true)
		fixed=$(sed -n 's/.*calibration: fixed cost \([0-9]*\) ms CPU.*/\1/p' "$work/err")
		checks=$(sed -n 's/.* runs, \([0-9]*\) checks).*/\1/p' <<< "$line")
		last=$(sed -n 's/.* \([0-9.]*\)% CPU measured.*/\1/p' <<< "$line")
		cpu=$(python3 -c 'import json,sys; print("%.1f" % (100 * json.load(open(sys.argv[1]))["cpu_usage"]))' \
			"$work/out" 2>/dev/null || echo "?")
		if [ -z "$line" ]; then
			echo "calibration: $client round $i: no calibration:"
			tail -3 "$work/err" | sed 's/^/    /'
			continue
		fi
		ok=$(python3 -c 'import sys; c=int(sys.argv[1]); u=float(sys.argv[2]); print(int(c <= 4 and abs(u - 70) <= 2))' \
			"$checks" "$last")
		good=$((good + ok))
		echo "calibration: $client round $i: $checks checks, fixed cost $fixed ms CPU," \
			"last check $last% CPU, the run $cpu% CPU"
	done
	echo "calibration: $client: $good of $rounds within 2 points of 70% in at most 4 checks ($(basename "$build"), $(nproc) CPUs: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
done
