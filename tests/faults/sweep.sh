#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# sweep.sh: fail the Nth write, fsync or allocation of an operation, for
# every N from 1 to the count of a clean run, and check each time that
#   - tally exits 1 with a clean error: an "error: ..." line carrying an
#     error code ("out of memory" has none, docs/errors.md), nothing else
#     but the documented follow-up lines, no sanitizer or leak report;
#   - nothing partial is left: after a failed import or init no database
#     file (nor its -wal, -shm or .creating file) exists; after a failed
#     submit every table holds what it held before (dbprint);
#   - the same command without a fault then succeeds (no poisoned state).
# A fault SQLite absorbs (some allocations are optional to it) may let the
# operation succeed: then its result must be whole (the same tables and
# row counts as a clean run, an intact database).
#
# Operations: import (a small ru-2018 station file), init (a small
# definition; with --full also the demo's), submit (8 protocols into a
# database). Without --full, allocations are sampled: N = 1..30 and every
# 53rd after that (writes and syncs: every N); --full sweeps every N (the
# demo init's allocations every 499th, there are some 166,000).
#
# usage: tests/faults/sweep.sh [--full]   (TALLY=build/test/tally-faults,
#        DBHASH=build/test/dbprint, FAULT_JOBS=2 points at a time)
# Prints a line per failed point and per sweep, then "N passed, M failed".
set -eu

# shellcheck source=tests/faults/paths.sh
. "$(dirname "$0")/paths.sh"
JOBS=${FAULT_JOBS:-2}
export TALLY DBHASH FIX

# ---- one fault point: sweep.sh --point DIR OP KIND N ----
if [ "${1:-}" = --point ]; then
	base=$2 op=$3 kind=$4 n=$5
	d=$base/p-$op-$kind-$n
	rm -rf "$d"
	mkdir "$d"
	cd "$d"
	case $op in
	import) set -- import "$FIX/ru2018-small.csv" --preset ru-2018 --db x.db ;;
	init) set -- init --db x.db "$FIX/def.json" ;;
	init-demo) set -- init --db x.db "$base/sim/definition.json" ;;
	submit) cp "$base/submit.db" x.db; set -- submit --db x.db "$FIX/entries.json" ;;
	esac
	say() { echo "FAILED $op $kind:$n: $1"; sed 's/^/  | /' err | head -n 8; rm -rf "$d"; exit 1; }
	rc=0
	TALLY_FAULT=$kind:$n "$TALLY" "$@" >out 2>err || rc=$?
	if grep -q -e Sanitizer -e 'runtime error' -e 'internal error' err; then say "sanitizer report or assertion"; fi
	if [ $rc -eq 0 ]; then
		# the fault was absorbed: the result must be whole
		"$DBHASH" x.db > got 2>>err || say "absorbed, but the database does not open"
		sed 's/ [0-9a-f]*$//' got > got.shape
		cmp -s got.shape "$base/$op.shape" || say "absorbed, but the result differs from a clean run"
		echo "absorbed $op $kind:$n"
		echo "ok $op $kind:$n"
		rm -rf "$d"
		exit 0
	fi
	[ $rc -eq 1 ] || say "exit status $rc, expected 1"
	[ "$(grep -c '^error: ' err)" -eq 1 ] || say "not exactly one error line"
	grep -v -e '^error: ' -e '^nothing ' -e '^hint: ' err > extra || :
	[ ! -s extra ] || say "unexpected output on stderr"
	grep -E -q -e '^error: .*\[[A-Z][0-9]{3}\]$' -e '^error: (.*: )?out of memory( in SQLite| in the JSON reader)?$' err ||
		say "the error carries no code"
	case $op in
	submit)
		"$DBHASH" x.db > after 2>>err || say "the database does not open after the fault"
		cmp -s after "$base/submit.hash" || say "the database changed: $(diff "$base/submit.hash" after | tr '\n' ' ')"
		;;
	*)
		left=$(ls -A | grep '^x\.db' || :)
		[ -z "$left" ] || say "left behind: $left"
		;;
	esac
	"$TALLY" "$@" >out2 2>err2 || { cat err2 >> err; say "the same command without a fault fails"; }
	echo "ok $op $kind:$n"
	rm -rf "$d"
	exit 0
fi

full=0
[ "${1:-}" = --full ] && full=1
W=$(mktemp -d "${TMPDIR:-/tmp}/tally-faults.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
# a private copy: a rebuild during the sweep must not pull the binary away
cp "$TALLY" "$W/tally-faults"
TALLY=$W/tally-faults
pass=0 fail=0
fatal() { echo "set-up failed: $*"; echo "0 passed, 1 failed"; exit 1; }

# clean runs: the counts that bound each sweep, the shape of a whole result
clean() { # clean OP ARGS...: run in $W/clean-OP, leave counts in $W/OP.count
	op=$1; shift
	mkdir "$W/clean-$op"
	if [ "$op" = submit ]; then cp "$W/submit.db" "$W/clean-$op/x.db"; fi
	(cd "$W/clean-$op" && TALLY_FAULT_COUNT="$W/$op.count" "$TALLY" "$@" >out 2>err) ||
		fatal "clean $op: $(cat "$W/clean-$op/err")"
	"$DBHASH" "$W/clean-$op/x.db" | sed 's/ [0-9a-f]*$//' > "$W/$op.shape" || fatal "clean $op: no database"
}
"$TALLY" init --db "$W/submit.db" "$FIX/def.json" >/dev/null 2>&1 || fatal "init of the submit database"
"$DBHASH" "$W/submit.db" > "$W/submit.hash" || fatal "dbprint"
clean import import "$FIX/ru2018-small.csv" --preset ru-2018 --db x.db
clean init init --db x.db "$FIX/def.json"
clean submit submit --db x.db "$FIX/entries.json"
ops="import init submit"
if [ $full -eq 1 ]; then
	"$TALLY" simulate --out "$W/sim" --seed 2015 --ties 1 --invalid 1 >/dev/null 2>&1 || fatal "simulate"
	clean init-demo init --db x.db "$W/sim/definition.json"
	ops="$ops init-demo"
fi

# points KIND COUNT OP: the N to try, one a line
points() {
	kind=$1 count=$2 op=$3
	if [ "$kind" != alloc ] || { [ $full -eq 1 ] && [ "$op" != init-demo ]; }; then
		seq 1 "$count"
	elif [ $full -eq 1 ]; then
		seq 1 "$count" | awk '$1 <= 30 || $1 % 499 == 0'
	else
		seq 1 "$count" | awk '$1 <= 30 || $1 % 53 == 0'
	fi
}

start=$(date +%s)
for op in $ops; do
	for kind in write sync alloc; do
		case $kind in write) f=2 ;; sync) f=4 ;; alloc) f=6 ;; esac
		count=$(awk -v f=$f '{ print $f }' "$W/$op.count")
		t0=$(date +%s)
		points $kind $count $op |
			xargs -P "$JOBS" -I {} "$0" --point "$W" $op $kind {} > "$W/res" 2>&1 || :
		p=$(points $kind $count $op | wc -l)
		ok_=$(grep -c '^ok ' "$W/res" || :)
		a=$(grep -c '^absorbed' "$W/res" || :)
		# a point passes only by saying so: one that did not run is a failure
		f_=$((p - ok_))
		grep -v -e '^absorbed' -e '^ok ' "$W/res" || :
		echo "sweep $op $kind: $p fault points of $count, $((p - f_)) passed, $a absorbed by SQLite, $f_ failed, $(( $(date +%s) - t0 )) s"
		pass=$((pass + p - f_)) fail=$((fail + f_))
	done
done
echo "sweeps took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
