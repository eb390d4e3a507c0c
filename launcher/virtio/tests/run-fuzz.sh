#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run each fuzz target for FUZZ_SECONDS and print one TAP line per
# target: ok if it ran the whole time with no crash, leak, UB report or
# timeout.  Corpora persist in $BUILD/fuzz/corpus-NAME between runs.
set -u
: "${FUZZ_SECONDS:=15}"
: "${BUILD:=build}"
n=0
fail=0
# The targets make unix sockets under TMPDIR; keep them out of /tmp's way.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvfuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..$#"
for name in "$@"; do
	n=$((n + 1))
	bin="$BUILD/fuzz/fuzz_$name"
	corpus="$BUILD/fuzz/corpus-$name"
	log="$BUILD/fuzz/fuzz_$name.log"
	mkdir -p "$corpus"
	if (cd "$BUILD/fuzz" && TMPDIR="$tmp" ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "./fuzz_$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
	    -artifact_prefix="./crash-$name-" "corpus-$name") >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok $n - fuzz_$name: ${runs:-?} runs in ${FUZZ_SECONDS}s, no findings"
	else
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: finding, see $log"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
	fi
done
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
