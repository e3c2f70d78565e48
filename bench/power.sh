#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# power.sh - what the regression gate can see on this machine, and how often it cries
# wolf:
#   power        a plan of about 10 minutes alternating the NoOp and the traced C client
#                at 1000 spans/s (5 s runs, calibrated to 70%); the tracer's own CPU is
#                traced - untraced per pair, and the smallest change of it that such a
#                plan detects with 95% power at a one-sided 5% level is
#                (z(0.95) + z(0.95)) * sd * sqrt(2 / pairs), sd the pairs' spread
#                (normal approximation, two plans of this size compared);
#   false alarms bench/false_alarms.sh over PAIRS A/A pairs.
# Usage: bench/power.sh [DIR] [PAIRS] [PLAN_PAIRS]   (defaults: build-Release, 20, 45)
#   DIR is a build tree or an install prefix.
# Takes about 25 minutes with the defaults on 2 vCPUs. Prints the figures it measured.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-Release}
pairs=${2:-20}
plan_pairs=${3:-45}
if [ -x "$build/bin/orchestrator" ]; then
	orc="$build/bin/orchestrator"
	client="$build/bin/tb-client"
else
	orc="$build/orchestrator/orchestrator"
	client="$build/client-shim/tb-client"
fi
work=$(mktemp -d /tmp/tb-power.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
printf '[c]\ncommand = %s\n' "$(realpath "$client")" > "$work/clients.conf"
cat > "$work/power.plan" <<EOF
client c
sampling 50ms
calibrate 0.70
satellites local
run untraced sps 1000 runtime 5s repeat $plan_pairs alternate
run traced sps 1000 runtime 5s repeat $plan_pairs alternate trace
EOF
start=$SECONDS
"$orc" --plan "$work/power.plan" --results "$work/results" --clients "$work/clients.conf" \
	--control-port 0 --logs "$work/logs" > "$work/power.out" 2>&1 || true
dir=$(sed -n 's/^results: //p' "$work/power.out")
[ -n "$dir" ] || { cat "$work/power.out" >&2; exit 1; }
python3 - "$dir/runs.jsonl" "$((SECONDS - start))" <<'EOF'
import json, math, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def cpu(name):
    return [r["result"]["cpu_usage"] for r in runs
            if r.get("plan_run") == name and not r["result"].get("warmup")]
u, t = cpu("untraced"), cpu("traced")
n = min(len(u), len(t))
d = [t[i] - u[i] for i in range(n)]
sd = statistics.stdev(d)
z = 1.6448536269514722
mde = 2 * z * sd * math.sqrt(2 / n)
mean = statistics.mean(d)
print(f"power: {n} alternated pairs in {sys.argv[2]} s; tracer CPU (traced - untraced) "
      f"{100 * mean:.2f} points, spread {100 * sd:.2f} points a pair")
print(f"power: a change of the tracer's own CPU of {100 * mde:.2f} points "
      f"({100 * mde / mean if mean > 0 else float('nan'):.0f}% of it) is detected with 95% power "
      f"at a one-sided 5% level by two such plans compared")
EOF
"$here/false_alarms.sh" "$build" "$pairs"
