#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test.sh - install dependencies, build with ASan+UBSan and as a plain Release build (both
# warning-free), then run every stage and report each one's outcome:
#   asan      the whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
#   fidelity  the tests whose verdicts rest on measured CPU and time (calibration, the
#             sampler's CPU, compare on real runs, the host's load), against the
#             Release build, where the sanitizers cost nothing
#   install   the Release build installed into a temporary prefix runs quick.plan from /
#   fuzz      a short libFuzzer run of every decoder
# Every stage runs even when one before failed; the last lines name each stage's
# outcome and the exit status is non-zero when any failed. This is the README's test
# command and what CI runs.
#   scripts/test.sh [--noisy]
# --noisy runs the fidelity stage a second time while another process spins on one
# core, as a busy runner would see it: verdicts may turn into errors, never wrong.
# TB_REQUIRE_ALL=1 turns a skipped test (no root for network namespaces or cgroups, no
# systemd-analyze) into a failure; CI sets it.
set -uo pipefail
cd "$(dirname "$0")/.."

noisy=0
[ "${1:-}" = --noisy ] && noisy=1

scripts/install-deps.sh || exit 1
scripts/build.sh asan || exit 1
scripts/build.sh Release || exit 1

# The sanitizers' options are the suite's own, never the caller's: leak checking on,
# and the first UBSan report fails the test.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset LSAN_OPTIONS

FIDELITY='^(calibrate_test|sampler_test|compare_test|(orchestrator|plan_exec)_test\.(calibration|host)|python_regression_test\..*)$'

declare -a names=() outcomes=()
stage() {
	local name=$1 start=$SECONDS
	shift
	echo "== test.sh: stage $name"
	if "$@"; then
		outcomes+=("pass ($((SECONDS - start)) s)")
	else
		outcomes+=("FAIL ($((SECONDS - start)) s)")
	fi
	names+=("$name")
}

spinning() {
	( while :; do :; done ) &
	local spinner=$!
	"$@"
	local rc=$?
	kill "$spinner" 2>/dev/null
	wait "$spinner" 2>/dev/null
	return $rc
}

stage asan ctest --test-dir build-asan --output-on-failure --timeout 600
stage fidelity ctest --test-dir build-Release --output-on-failure --timeout 600 -R "$FIDELITY"
if [ "$noisy" = 1 ]; then
	stage fidelity-noisy spinning ctest --test-dir build-Release --output-on-failure \
		--timeout 600 -R "$FIDELITY"
fi
stage install scripts/install-check.sh build-Release
stage fuzz scripts/fuzz.sh "${TB_FUZZ_SECONDS:-15}"

status=0
echo "== test.sh: outcomes"
for i in "${!names[@]}"; do
	printf '  %-15s %s\n' "${names[$i]}" "${outcomes[$i]}"
	case "${outcomes[$i]}" in FAIL*) status=1 ;; esac
done
exit $status
