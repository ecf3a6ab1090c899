#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# powerloss.sh: power lost at every fsync of a submission. With
# TALLY_FAULT=powerloss:N the Nth xSync does not happen: every open file
# goes back to its content at its last sync (with TALLY_FAULT_SEED, a
# random half of the unsynced sectors survives: torn writes) and the
# process dies with status 99. After each crash the database must open,
# pass PRAGMA integrity_check, hold every protocol acknowledged before the
# crash, hold the interrupted one wholly or not at all, and take the
# interrupted one again.
#
#   cli:    `tally submit` of one protocol per process: two acknowledged
#           (exit 0), the third crashes at sync N, for every N up to the
#           sync count of a clean submit (and again torn, seeds 1-3);
#   server: `tally serve` answers POSTs of one protocol each until it
#           crashes at sync N, for every N up to the sync count of a clean
#           run of 8 POSTs; a 202 is an acknowledgement.
#   control: the server again under powerloss-nosync:N (syncs not honoured,
#           as under eatmydata): the same check must report acknowledged
#           protocols lost for some N, or this test is blind.
#
# usage: tests/faults/powerloss.sh   (TALLY=build/test/tally-faults,
#        DBHASH=build/test/dbprint)
# Prints a line per failure and per family, then "N passed, M failed".
set -eu

NAME=powerloss
# shellcheck source=tests/faults/common.sh
. "$(dirname "$0")/common.sh"
fatal() { echo "set-up failed: $*"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

stations="N01-1 N01-2 N01-3 N01-4 N01-5 S02-1 S02-2 E03-1"
for s in $stations; do
	grep "\"station\":\"$s\"" "$FIX/entries.json" | sed 's/,$//' > "$s.json"
done
"$TALLY" init --db base.db "$FIX/def.json" >/dev/null 2>&1 || fatal "init"
CEC=$("$TALLY" user add --db base.db --role cec --name cec-admin 2>/dev/null) || fatal "user add"

# entries DB: the number of protocol entries stored (-1: the database is
# damaged or does not open)
entries() {
	if "$DBHASH" "$1" > hash 2>/dev/null && grep -qx 'integrity ok' hash; then
		awk '$1 == "entries" { print $2 }' hash
	else
		echo -1
	fi
}

# check NAME ACKED CRASHED: the database after a crash holds the ACKED
# protocols, and the CRASHED one (a station, or "-") wholly or not at all,
# and takes it again
check() {
	name=$1 acked=$2 crashed=$3
	have=$(entries t.db)
	if [ "$have" -lt 0 ]; then
		echo "FAILED $name: the database is damaged: $(head -n 3 hash 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	if [ "$have" -lt "$acked" ] || [ "$have" -gt $((acked + 1)) ]; then
		echo "FAILED $name: $have entries stored, $acked acknowledged"
		return 1
	fi
	if [ "$crashed" != - ] && [ "$have" -eq "$acked" ] &&
	   ! "$TALLY" submit --db t.db "$crashed.json" > out 2> err; then
		echo "FAILED $name: the interrupted protocol cannot be submitted again: $(cat err)"
		return 1
	fi
	return 0
}
fresh() { rm -f t.db t.db-wal t.db-shm; cp base.db t.db; }

# ---- cli: two acknowledged submits, the third crashes ----
fresh
TALLY_FAULT_COUNT=$W/cli.count "$TALLY" submit --db t.db N01-1.json >/dev/null 2>&1 || fatal "clean submit"
syncs=$(awk '{ print $4 }' cli.count)
cli_pass=0 cli_fail=0 crashes=0
for seed in "" 1 2 3; do
	n=1
	while [ $n -le "$syncs" ]; do
		fresh
		"$TALLY" submit --db t.db N01-1.json >/dev/null 2>&1 || fatal "submit"
		"$TALLY" submit --db t.db N01-2.json >/dev/null 2>&1 || fatal "submit"
		rc=0
		TALLY_FAULT=powerloss:$n TALLY_FAULT_SEED=$seed "$TALLY" submit --db t.db N01-3.json \
			> out 2> err || rc=$?
		acked=2
		case $rc in
		99) crashes=$((crashes + 1)) ;;
		0) acked=3 ;;
		*) echo "FAILED cli sync $n${seed:+ seed $seed}: exit $rc: $(head -c 300 err)"; cli_fail=$((cli_fail + 1)); n=$((n + 1)); continue ;;
		esac
		if check "cli sync $n${seed:+ seed $seed}" $acked N01-3; then
			cli_pass=$((cli_pass + 1))
		else
			cli_fail=$((cli_fail + 1))
		fi
		n=$((n + 1))
	done
done
echo "powerloss cli: $((cli_pass + cli_fail)) crash points ($syncs syncs x 4: clean and seeds 1-3, $crashes crashed), $cli_pass passed, $cli_fail failed"
pass=$((pass + cli_pass)) fail=$((fail + cli_fail))

# ---- server: POSTs until the crash ----
# serve MODE: start the server on t.db with TALLY_FAULT=MODE, POST every
# station once; sets $acked (202s before the crash) and $last (the
# station whose POST got no answer, or -)
serve() {
	TALLY_FAULT=$1 TALLY_FAULT_COUNT=$W/serve.count \
		"$TALLY" serve --db t.db --port 0 --bind 127.0.0.1 > serve.out 2> serve.err &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' serve.out 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1; i=$((i + 1))
	done
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' serve.out)
	acked=0 last=-
	if [ -n "$port" ]; then
		for s in $stations; do
			got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CEC" \
			      --data-binary @"$s.json" "http://127.0.0.1:$port/api/v1/protocols" || :)
			if [ "$got" != 202 ]; then last=$s; break; fi
			acked=$((acked + 1))
		done
	fi
	kill "$pid" 2>/dev/null || :
	src=0
	wait "$pid" || src=$?
	pid=""
}
fresh
serve "" 
[ "$acked" -eq 8 ] || fatal "clean server run: $acked of 8 acknowledged: $(cat serve.err)"
ssyncs=$(awk '{ print $4 }' serve.count)
s_pass=0 s_fail=0 s_crash=0
n=1
while [ $n -le "$ssyncs" ]; do
	fresh
	serve powerloss:$n
	[ $src -eq 99 ] && s_crash=$((s_crash + 1))
	if grep -q -e Sanitizer -e 'runtime error' serve.err; then
		echo "FAILED server sync $n: sanitizer report"; s_fail=$((s_fail + 1))
	elif check "server sync $n" $acked "$last"; then
		s_pass=$((s_pass + 1))
	else
		s_fail=$((s_fail + 1))
	fi
	n=$((n + 1))
done
echo "powerloss server: $ssyncs crash points ($s_crash crashed), $s_pass passed, $s_fail failed"
pass=$((pass + s_pass)) fail=$((fail + s_fail))

# ---- the negative control: syncs not honoured ----
lost=0
n=1
while [ $n -le "$ssyncs" ]; do
	fresh
	serve powerloss-nosync:$n
	check "control sync $n" $acked "$last" > /dev/null || lost=$((lost + 1))
	n=$((n + 1))
done
if [ $lost -gt 0 ]; then
	echo "ok control: with syncs not honoured the check reports acknowledged protocols lost at $lost of $ssyncs crash points"
	pass=$((pass + 1))
else
	echo "FAILED control: with syncs not honoured no loss was detected: the check is blind"
	fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
