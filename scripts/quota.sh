#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# quota.sh - run a command, and everything it starts, within a CPU quota: the host as a
# slower or shared CI runner sees it. Needs root and the cgroup cpu controller (v1's
# /sys/fs/cgroup/cpu, or v2's cpu.max); the cgroup is removed when the command ends.
#   scripts/quota.sh CORES COMMAND [ARG...]
# For example, the whole test command within 1.2 cores:
#   scripts/quota.sh 1.2 scripts/test.sh
set -euo pipefail
if [ $# -lt 2 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'
	[ $# -ge 2 ] || exit 2
	exit 0
fi
cores=$1
shift
period=100000
quota=$(python3 -c 'import sys
try:
    c = float(sys.argv[1])
except ValueError:
    c = 0
print(int(c * int(sys.argv[2])) if 0.05 <= c <= 1024 else "")' "$cores" "$period")
[ -n "$quota" ] || { echo "quota.sh: CORES '$cores' is not a number of cores from 0.05 to 1024" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "quota.sh: a CPU quota needs root (a cgroup of its own)" >&2; exit 2; }

name="tb-quota-$$"
if [ -d /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
	cg=/sys/fs/cgroup/cpu/$name
	mkdir "$cg"
	echo "$period" > "$cg/cpu.cfs_period_us"
	echo "$quota" > "$cg/cpu.cfs_quota_us"
elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	cg=/sys/fs/cgroup/$name
	mkdir "$cg"
	echo "$quota $period" > "$cg/cpu.max"
else
	echo "quota.sh: no cgroup cpu controller here (neither /sys/fs/cgroup/cpu nor cgroup v2's cpu)" >&2
	exit 2
fi

# The command runs in the cgroup; this shell stays outside to remove it afterwards.
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' quota "$cg" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' INT TERM
set +e
wait "$child"
rc=$?
set -e
throttled=$(sed -n 's/^nr_throttled //p' "$cg/cpu.stat" 2>/dev/null)
echo "quota.sh: ran within $cores cores, held back in ${throttled:-?} periods of 100 ms" >&2
# Whatever the command left running is moved out before the cgroup goes.
for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do
	echo "$pid" > "$(dirname "$cg")/cgroup.procs" 2>/dev/null || true
done
rmdir "$cg" 2>/dev/null || echo "quota.sh: could not remove $cg" >&2
exit $rc
