#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh - build the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and run
# each for a while from a corpus of real reports. Any crash, leak, sanitizer report or
# walker/protobuf-c disagreement fails the script and leaves the input in build-fuzz/.
#   scripts/fuzz.sh [seconds per target]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-20}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_FUZZ=ON \
	-DTB_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null

dir=build-fuzz/tests/fuzz
corpus=build-fuzz/corpus
targets=(lightstep otlp_proto otlp_json lightstep_json zipkin_json zipkin_proto datadog inflate
	grpc control bench)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done
"$dir/fuzz_seeds" "$corpus/lightstep" "$corpus/otlp_proto" "$corpus/otlp_json" \
	"$corpus/lightstep_json" "$corpus/inflate" "$corpus/grpc" "$corpus/bench" \
	"$corpus/zipkin_json" "$corpus/zipkin_proto" "$corpus/datadog"
# Control-channel seeds: a command (selector 0) and a result (selector 1).
printf '\x00{"Trace":true,"Sleep":2000,"SleepInterval":1000,"Work":5,"Repeat":10,"NoFlush":false,"NumTags":10,"NumLogs":15,"Satellites":["127.0.0.1:8360"],"Protocol":"otlp","RunId":3}' \
	>"$corpus/control/command"
printf '\x01{"SpansSent":10,"ProgramTime":1.5,"ClockTime":2,"SpansDropped":0}' \
	>"$corpus/control/result"
# A LightStep span whose span_context is given twice: protobuf-c keeps only the second.
printf '\x1a\x08\x0a\x02\x08\x05\x0a\x02\x10\x06' >"$corpus/lightstep/context-twice"
# An OTLP KeyValue whose value is given three times (a string, then twice empty): protobuf-c
# drops the string when it merges the second, then cannot merge the third.
printf '\x0a\x12\x12\x10\x12\x0e\x4a\x0c\x0a\x01\x6b\x12\x03\x0a\x01\x76\x12\x00\x12\x00' \
	>"$corpus/otlp_proto/value-merged"

for t in "${targets[@]}"; do
	echo "fuzz.sh: fuzz_$t for ${secs}s"
	(cd build-fuzz && "../$dir/fuzz_$t" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 "corpus/$t" 2>"fuzz_$t.log") || {
		tail -40 "build-fuzz/fuzz_$t.log" >&2
		echo "fuzz.sh: fuzz_$t failed; the input is in build-fuzz/" >&2
		exit 1
	}
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$t.log" |
		sed "s/^/  /"
done
echo "fuzz.sh: all targets ran clean"
