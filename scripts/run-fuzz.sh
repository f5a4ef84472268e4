#!/usr/bin/env bash
# run-fuzz.sh SECONDS FUZZER...
# Runs each libFuzzer target for SECONDS on a working copy of its corpus
# (tests/fuzz/corpus/NAME, grown in build/fuzz/work/NAME) and prints, per target, the
# executions, their rate and the coverage reached. A crash stops with the input that caused
# it in build/fuzz/crashes/: add that file to tests/fuzz/corpus/NAME/ once fixed, and
# `make check` replays it from then on.
set -uo pipefail
seconds=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(dirname "$bin")/work/$name
	crashes=$(dirname "$bin")/crashes
	mkdir -p "$work" "$crashes"
	log=$(dirname "$bin")/$name.log
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/$name-" "$work" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
	if [ $rc = 0 ]; then
		printf 'fuzz %-20s %9s runs in %s s (%s/s), coverage %s edges\n' "$name" "${runs:-?}" "$seconds" \
			"${rate:-?}" "${cov:-?}"
	else
		failed=$((failed + 1))
		echo "fuzz $name: FAILED (exit $rc); the input: $(ls -t "$crashes/$name-"* 2>/dev/null | head -1)"
		grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$log"
	fi
done
echo "fuzz: $(($# - failed)) targets clean, $failed failed"
[ $failed = 0 ]
