#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: runs libFuzzer harnesses (built by `make fuzz-build` into
# build/fuzz/fuzz_NAME) for a set time each, JOBS at a time, starting from
# the committed seed corpus fuzz/corpus/NAME plus what earlier runs found
# (build/fuzz/corpus_NAME, where new inputs go). For each harness it prints
# the executions, the corpus size and "ok" or "FAILED" with the crash
# artifact (build/fuzz/artifacts/NAME/) and the sanitizer's summary line;
# then "N passed, M failed". A harness that is missing, or clang that is
# missing, is a failure: nothing is skipped in silence.
#
# usage: fuzz/run.sh [-j JOBS] SECONDS NAME...
set -eu
cd "$(dirname "$0")/.."

jobs=1
if [ "${1:-}" = "-j" ]; then
	jobs=$2
	shift 2
fi
if [ $# -lt 2 ]; then
	echo "usage: fuzz/run.sh [-j JOBS] SECONDS NAME..." >&2
	exit 2
fi
secs=$1
shift

W=$(mktemp -d "${TMPDIR:-/tmp}/tally-fuzz.XXXXXX")
trap 'rm -rf "$W"' EXIT

pass=0 fail=0
if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	echo "FAILED fuzz: ${FUZZ_CC:-clang} is not installed; run scripts/install-deps.sh"
	echo "0 passed, $# failed"
	exit 1
fi

# memory limits: libFuzzer reports as a crash a process over -rss_limit_mb
# and a single allocation over -malloc_limit_mb. The HTTP server, whose
# inputs are at most 64 KiB, has tight ones (a peak of about 260 MB after
# a few minutes, with the sanitizers' quarantine; no allocation near
# 16 MB): a request that makes it allocate out of proportion to its size is
# the bug of a JSON body of two million tiny values that took gigabytes
# (fuzz_http.c also checks each input's heap growth against its size).
limits() {
	case $1 in
	http) echo "-rss_limit_mb=1024 -malloc_limit_mb=16" ;;
	*) echo "-rss_limit_mb=2048" ;;
	esac
}

# run one harness; its output goes to $W/NAME.log
one() {
	n=$1
	bin=build/fuzz/fuzz_$n
	mkdir -p build/fuzz/corpus_"$n" build/fuzz/artifacts/"$n"
	if [ ! -x "$bin" ]; then
		echo "missing $bin: run make fuzz-build" >"$W/$n.log"
		echo 1 >"$W/$n.rc"
		return
	fi
	rc=0
	# shellcheck disable=SC2046
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" -max_total_time="$secs" \
		-print_final_stats=1 -timeout=20 $(limits "$n") -max_len=65536 \
		-artifact_prefix=build/fuzz/artifacts/"$n"/ \
		build/fuzz/corpus_"$n" fuzz/corpus/"$n" >"$W/$n.log" 2>&1 || rc=$?
	echo "$rc" >"$W/$n.rc"
}

report() {
	n=$1
	rc=$(cat "$W/$n.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$n.log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+.*(DONE|INITED)' "$W/$n.log" | tail -n 1 |
		sed -n 's/.* cov: \([0-9]*\).* corp: \([0-9]*\).*/cov \1, corpus \2/p')
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		pass=$((pass + 1))
		printf 'ok %-12s %10s executions in %s s (%s)\n' "$n" "$execs" "$secs" "${cov:-?}"
	else
		fail=$((fail + 1))
		printf 'FAILED %-8s exit %s after %s executions\n' "$n" "$rc" "${execs:-?}"
		grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|missing ' "$W/$n.log" |
			head -n 8 | sed 's/^/    /'
	fi
}

batch=""
count=0
for n in "$@"; do
	one "$n" &
	batch="$batch $n"
	count=$((count + 1))
	if [ "$count" -ge "$jobs" ]; then
		wait
		for b in $batch; do report "$b"; done
		batch="" count=0
	fi
done
wait
for b in $batch; do report "$b"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
