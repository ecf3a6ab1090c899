#!/bin/sh
# run-all.sh: the whole test suite, as `make check` runs it once everything
# is built: the cmocka unit suites, the command-line cases, the replay of
# every fuzzing corpus, the HTTP API of `tally serve`, its tiled log read by
# an independent Go client and over HTTPS by `tally log fetch`, the dashboard in
# headless Chromium (when installed), and the error-code coverage check. Each part prints
# its own report; the last line totals them as "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0 fail=0

# unit suites: cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s),"
for t in build/test/unit/test_*; do
	if "$t" >"$log" 2>&1; then :; else echo "FAILED suite: $t"; fi
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	if [ -z "$p$f" ]; then f=1; fi   # a suite that crashed before its summary
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
done

# command-line cases, fuzz corpora, error codes: "N passed, M failed" each
part() {
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then f=$(( ${f:-0} + 1 )); fi
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
}
part env TALLY=build/test/tally tests/cases/run.sh

replay() {
	p=0 f=0
	for h in build/test/fuzz/replay_*; do
		n=${h##*/replay_}
		if "$h" fuzz/corpus/"$n"/*; then p=$((p + 1)); else f=$((f + 1)); echo "FAILED replay $n"; fi
	done
	echo "$p passed, $f failed"
}
part replay
# every libFuzzer harness for 30 s, two at a time (fuzz/run.sh); without
# clang this fails and says to run scripts/install-deps.sh
part fuzz/run.sh -j 2 30 $(ls fuzz/fuzz_*.c | sed 's|fuzz/fuzz_\(.*\)\.c|\1|')
# the standard exports (NIST ERR, OASIS EML) against the official schemas in data/standards
part env TALLY=build/test/tally tests/standards/check.sh
# the printed protocols: three kinds in three languages, read back with pdftotext
part env TALLY=build/test/tally tests/protocols/check.sh
part env TALLY=build/test/tally tests/server/api-test.sh
part env TALLY=build/test/tally tests/server/tiles-test.sh
# the whole log of a published election through tiles alone, by an independent Go client
part env TALLY=build/test/tally tests/server/tlog-client-test.sh
# hostile clients: memory per request, slow connections, NUL bytes, early
# signals; the memory and time limits are measured on the release build
part env TALLY=build/test/tally TALLY_REL=build/tally tests/server/security-test.sh
# tally log fetch and tally witness over HTTPS and IPv6, through a proxy and redirects,
# against hostile servers (socat and openssl, scripts/install-deps.sh)
part env TALLY=build/test/tally tests/server/net-client-test.sh
# the bad-input catalogue: every hostile input refused with its code, nothing stored
part env TALLY=build/test/tally tests/hostile/run.sh
# crash safety: 5 kills with SIGKILL and 3 power losses under a storm of submissions
part env TALLY=build/tally TORTURE_KILLS=5 TORTURE_POWERLOSS=3 TORTURE_CLIENTS=4 tests/torture/torture.sh
# the dashboard in headless Chromium (make browser-test), when chromium is installed
if command -v chromium >/dev/null 2>&1 && [ -x build/tally ]; then
	part env TALLY=build/tally DASHBOARD_IMG=build/test/img tests/browser/dashboard-test.sh
	# live updates in one page session, driven over the DevTools protocol (needs node >= 20)
	part env TALLY=build/tally tests/browser/live-test.sh
fi
# fault injection: failed writes, fsyncs and allocations, a full disk, power loss (tests/faults/)
part env TALLY=build/test/tally-faults DBHASH=build/test/dbprint tests/faults/run.sh
part tests/check-error-codes.sh
# the data folder is complete (no test skips for lack of data) and nothing names a path outside the repository
part tests/check-data.sh
part tests/install-test.sh

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
