#!/usr/bin/env bash
# Runs each unit test binary and ends with one "N passed, N failed" line over all of them.
set -uo pipefail
passed=0 failed=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	echo "$out"
	line=$(echo "$out" | grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "$t: crashed or printed no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	passed=$((passed + p)) failed=$((failed + f))
	[ $rc = 0 ] || [ "$f" != 0 ] || { echo "$t: exit status $rc"; failed=$((failed + 1)); }
done
echo "unit: $passed passed, $failed failed"
[ $failed = 0 ]
