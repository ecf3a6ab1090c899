#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: the fault-injection tests (tests/faults/README.md): the write,
# fsync and allocation sweeps of import, init and submit (sweep.sh), a full
# disk under the server and the command line (diskfull.sh), and power loss
# at every fsync of a submission (powerloss.sh). `make check` runs it
# without --full (allocations sampled); `make faults` with --full (every
# fault point). Prints each part's report, then "N passed, M failed".
#
# usage: tests/faults/run.sh [--full]   (TALLY=build/test/tally-faults,
#        DBHASH=build/test/dbprint)
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0 fail=0
start=$(date +%s)
for t in "sweep.sh ${1:-}" diskfull.sh powerloss.sh; do
	t0=$(date +%s)
	# shellcheck disable=SC2086
	sh "$here"/$t > "$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then f=$(( ${f:-0} + 1 )); fi
	echo "== ${t%% *}: ${p:-0} passed, ${f:-0} failed, $(( $(date +%s) - t0 )) s"
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
done
echo "faults took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
