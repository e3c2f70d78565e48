#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# false_alarms.sh - how often the regression gate cries wolf on this machine: the same C
# client measured against itself (A/A), PAIRS times, three ways:
#   compare      two results directories made one after the other, `orchestrator compare
#                --metric cpu_usage`: a false alarm is exit status 1 (regressed);
#   blocks       one plan, runs x and y alike, 5 repeats each, x's all before y's:
#                a false alarm is `significant(x.cpu_usage > y.cpu_usage)` holding;
#   alternate    the same with `repeat 5 alternate`: x y x y ...
# Usage: bench/false_alarms.sh [DIR] [PAIRS]   (defaults: build-Release, 20)
#   DIR is a build tree or an install prefix (cmake --install), which a rebuild meanwhile
#   cannot disturb.
# Prints one line per pair and the rates. Takes about 20 minutes at 20 pairs on 2 vCPUs.
set -euo pipefail
build=${1:-build-Release}
pairs=${2:-20}
if [ -x "$build/bin/orchestrator" ]; then
	orc="$build/bin/orchestrator"
	client="$build/bin/tb-client"
else
	orc="$build/orchestrator/orchestrator"
	client="$build/client-shim/tb-client"
fi
work=$(mktemp -d /tmp/tb-false-alarms.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"

printf '[c]\ncommand = %s\n' "$(realpath "$client")" > "$work/clients.conf"
common='client c
sampling 50ms
calibrate 0.70
satellites local
'
printf '%srun cost sps 1000 runtime 1s repeat 5 trace\n' "$common" > "$work/one.plan"
for how in blocks alternate; do
	alt=""
	[ "$how" = alternate ] && alt=" alternate"
	{
		printf '%s' "$common"
		printf 'run x sps 1000 runtime 1s repeat 5%s trace\n' "$alt"
		printf 'run y sps 1000 runtime 1s repeat 5%s trace\n' "$alt"
		printf 'assert significant(x.cpu_usage > y.cpu_usage)\n'
	} > "$work/$how.plan"
done

# plan FILE OUT: runs a plan into its own directory and prints that directory.
plan() {
	"$orc" --plan "$1" --results "$work/results" --clients "$work/clients.conf" \
		--control-port 0 --logs "$work/logs" > "$2" 2>&1 || true
	sed -n 's/^results: //p' "$2"
}

declare -A alarms=([compare]=0 [blocks]=0 [alternate]=0) errors=([compare]=0 [blocks]=0 [alternate]=0)
for i in $(seq 1 "$pairs"); do
	a=$(plan "$work/one.plan" "$work/a.out")
	b=$(plan "$work/one.plan" "$work/b.out")
	st=0
	"$orc" compare "$a" "$b" --metric cpu_usage > "$work/cmp.out" 2>&1 || st=$?
	[ "$st" -eq 1 ] && alarms[compare]=$((alarms[compare] + 1))
	[ "$st" -eq 2 ] && errors[compare]=$((errors[compare] + 1))
	line="pair $i: compare $(sed -n 's/.*\]: //p' "$work/cmp.out" | head -1 || true)"
	for how in blocks alternate; do
		plan "$work/$how.plan" "$work/$how.out" > /dev/null
		p=$(grep -o 'one-sided p = [0-9.e-]*' "$work/$how.out" | head -1 || true)
		if grep -q '^PASS' "$work/$how.out"; then
			alarms[$how]=$((alarms[$how] + 1))
			line="$line, $how ALARM ($p)"
		elif [ -n "$p" ]; then
			line="$line, $how $p"
		else
			errors[$how]=$((errors[$how] + 1))
			line="$line, $how no verdict: $(grep -m1 -E 'ERROR|FAIL' "$work/$how.out" || true)"
		fi
	done
	echo "$line"
done
for how in compare blocks alternate; do
	echo "false alarms, $how: ${alarms[$how]} of $pairs (no verdict: ${errors[$how]})"
done
