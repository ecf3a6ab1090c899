#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# torture.sh: crash safety of `tally serve`. Clients (build/torture/storm)
# submit protocols without pause while the server is
#   - killed with SIGKILL at seeded random moments (TORTURE_KILLS times):
#     during start-up and recovery, just after it listens, mid-commit; and
#   - made to lose power (TORTURE_POWERLOSS times): it runs as
#     build/test/tally-faults with TALLY_FAULT=powerloss:N (tests/faults), so
#     at its Nth sync every write not yet synced is undone and it dies;
# and restarted on the same database each time. The CEC signs checkpoints
# with `tally log checkpoint` meanwhile, and the clients keep every checkpoint
# the server publishes. At the end the server is stopped cleanly and:
#   1. every acknowledged submission is stored exactly once, byte for byte,
#      at the version and log index its reply named; refused ones are absent;
#      unanswered ones are whole or absent (build/torture/check);
#   2. nothing is half present: version rows, entry rows and log entries agree;
#   3. PRAGMA integrity_check is ok;
#   4. the log extends every checkpoint published before any crash, and
#   5. `tally verify` is clean (both: tally verify --checkpoint ... on a dump).
# A negative control runs the power-loss rounds with powerloss-nosync (syncs
# not honoured): the checks must then report lost acknowledged submissions.
# Prints "ok NAME" / "FAILED NAME: why", the figures, then "N passed, M failed".
#
# usage: tests/torture/torture.sh
#   TALLY=build/tally  TALLY_FAULTS=build/test/tally-faults  TORTURE_SERVER=$TALLY
#   TORTURE_KILLS=50 TORTURE_POWERLOSS=20 TORTURE_SEED=N TORTURE_CLIENTS=8
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$root/$1" ;; esac; }
TALLY=$(abs "${TALLY:-build/tally}")
FAULTS=$(abs "${TALLY_FAULTS:-build/test/tally-faults}")
STORM=$(abs "${TORTURE_STORM:-build/torture/storm}")
CHECK=$(abs "${TORTURE_CHECK:-build/torture/check}")
# the server of the SIGKILL rounds and of every clean restart (default $TALLY)
SERVER=$(abs "${TORTURE_SERVER:-$TALLY}")
KILLS=${TORTURE_KILLS:-50}
POWERLOSS=${TORTURE_POWERLOSS:-20}
CLIENTS=${TORTURE_CLIENTS:-8}
SEED=${TORTURE_SEED:-}
[ -n "$SEED" ] || SEED=$(( $(date +%s) % 1000000 ))
for b in "$TALLY" "$STORM" "$CHECK"; do
	[ -x "$b" ] || { echo "torture: $b is not built (make build/tally build/torture/storm build/torture/check)"; echo "0 passed, 1 failed"; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/tally-torture.XXXXXX")
srv="" storm=""
cleanup() {
	[ -n "$storm" ] && kill "$storm" 2>/dev/null && wait "$storm" 2>/dev/null
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	[ -n "${TORTURE_KEEP:-}" ] && { echo "kept $W"; return; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; }
die() { bad "$1" "$2"; echo "$pass passed, $fail failed"; exit 1; }
t0=$(date +%s)

# seeded random numbers: rnd N sets R to 0..N-1 (a 31-bit LCG, POSIX sh arithmetic)
state=$(( SEED % 2147483648 ))
rnd() { state=$(( (state * 1103515245 + 12345) % 2147483648 )); R=$(( (state / 65536) % $1 )); }
# nap MS: sleep that many milliseconds
nap() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }

echo "torture: seed $SEED, $KILLS kills, $POWERLOSS power losses, $CLIENTS clients (TORTURE_SEED=$SEED replays)"

# ---- the election: 4 constituencies, 120 stations, double entry off ----
cd "$W"
"$TALLY" simulate --out sim --constituencies 4 --stations 120 --no-double-entry \
	--typos 0 --bad 0 --warnings 0 --seed "$((SEED % 100000 + 1))" > setup.out 2>&1 || die "set-up" "$(cat setup.out)"
"$TALLY" keys generate --name torture.tally.example/log --out cec.key > setup.out 2>&1 || die "set-up" "$(cat setup.out)"
grep '"station"' sim/entries-1.json | sed 's/,$//' > protocols.jsonl

# start_server DIR [fault]: the server on DIR/t.db, port DIR/port (the last
# one if free), pid in $srv; with a fault, under the fault-injection build.
# wait_up: until it listens (0), or it died first (1)
start_server() {
	d=$1 fault=${2:-}
	port=$(cat "$d/port" 2>/dev/null || echo 0)
	if [ -n "$fault" ]; then
		TALLY_FAULT=$fault TALLY_FAULT_SEED=${torn:-} "$FAULTS" serve --db "$d/t.db" --port "$port" --rate 1000000 \
			--burst 1000000 > "$d/srv.out" 2>> "$d/srv.err" &
	else
		TALLY_FAULT='' "$SERVER" serve --db "$d/t.db" --port "$port" --rate 1000000 --burst 1000000 \
			> "$d/srv.out" 2>> "$d/srv.err" &
	fi
	srv=$!
}
wait_up() {
	d=$1 i=0
	while [ $i -lt 400 ]; do
		p=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$d/srv.out" 2>/dev/null)
		if [ -n "$p" ]; then
			echo "$p" > "$d/port.tmp" && mv "$d/port.tmp" "$d/port"
			return 0
		fi
		kill -0 "$srv" 2>/dev/null || return 1
		nap 10
		i=$((i + 1))
	done
	return 1
}
# up DIR [fault]: start and wait; the last port may be taken: then any port
up() {
	start_server "$@"
	wait_up "$1" && return 0
	wait "$srv" 2>/dev/null || true
	srv=""
	[ -n "${2:-}" ] && return 1
	echo 0 > "$1/port"
	start_server "$@"
	wait_up "$1" || return 1
}
# sign a checkpoint now (the CEC, from the command line, beside the server)
sign() {
	d=$1
	if "$TALLY" log checkpoint --db "$d/t.db" --key "$W/cec.key" > "$d/cp.tmp" 2> "$d/sign.err"; then
		n=$(ls "$d/signed" | wc -l)
		mv "$d/cp.tmp" "$d/signed/cp-$n"
	else
		echo "$(cat "$d/sign.err")" >> "$d/sign-failures"
	fi
}

# phase NAME MODE ROUNDS: a fresh database, the storm, ROUNDS crashes of
# MODE (kill, powerloss, nosync), a clean restart and stop; the database is
# then left for the checks in $W/NAME
phase() {
	name=$1 mode=$2 rounds=$3 d=$W/$1
	mkdir -p "$d/cps" "$d/signed"
	: > "$d/sign-failures"
	"$TALLY" init --db "$d/t.db" sim/definition.json > "$d/setup.out" 2>&1 || die "$name: init" "$(cat "$d/setup.out")"
	tok=$("$TALLY" user add --db "$d/t.db" --role cec --name cec-storm 2>> "$d/setup.out") || die "$name: user add" "$(cat "$d/setup.out")"
	echo 0 > "$d/port"
	sign "$d"  # a first checkpoint: the definition alone
	[ "$mode" != kill ] || up "$d" || die "$name: first start" "$(tail -5 "$d/srv.err")"
	"$STORM" --port-file "$d/port" --token "$tok" --protocols protocols.jsonl \
		--history "$d/history" --checkpoints "$d/cps" --clients "$CLIENTS" --seed "$SEED" \
		> "$d/storm.out" 2> "$d/storm.err" &
	storm=$!
	kills=0 losses=0 unreached=0 early=0 odd=""
	r=0
	while [ $r -lt "$rounds" ]; do
		r=$((r + 1))
		case $mode in
		kill)
			if [ -z "$srv" ]; then
				# killed during start-up and recovery: 0-60 ms after it was started
				start_server "$d"
				rnd 60; nap "$R"
				early=$((early + 1))
			else
				rnd 10
				# just after it listens (one in five), else 40-1540 ms into the storm
				if [ "$R" -lt 2 ]; then rnd 40; else rnd 1500; R=$((R + 40)); fi
				delay=$R
				# the CEC signs now and then while the storm goes on
				rnd 2; signer=""
				if [ "$R" -eq 0 ]; then sign "$d" & signer=$!; fi
				nap "$delay"
			fi
			kill -9 "$srv" 2>/dev/null || true
			wait "$srv" 2>/dev/null || true
			kills=$((kills + 1))
			[ -n "$signer" ] && wait "$signer" 2>/dev/null
			signer=""
			srv=""
			# one round in eight starts blind (killed during recovery); else up
			rnd 8
			if [ "$R" -ne 0 ] || [ $r -eq "$rounds" ]; then
				up "$d" || die "$name: restart after kill $kills" "$(tail -5 "$d/srv.err")"
			fi
			;;
		powerloss|nosync)
			# the CEC signs what survived the last crash, the server is down
			sign "$d"
			rnd 150; n=$((R + 1))
			[ "$mode" = nosync ] && n=$((R + 40))
			f=powerloss:$n
			[ "$mode" = nosync ] && f=powerloss-nosync:$n
			# every other power loss tears writes: a seeded share of the
			# unsynced sectors reaches the disk, the rest is lost
			torn=""
			rnd 2; [ "$R" -eq 0 ] || { rnd 1000000; torn=$((R + 1)); }
			echo "== round $r: $f${torn:+ torn $torn}" >> "$d/srv.err"
			start_server "$d" "$f"
			wait_up "$d" || true
			# it dies by itself at its Nth sync (perhaps before it listens); if
			# the storm is too slow to make that many, it is killed after 8 s
			i=0
			while kill -0 "$srv" 2>/dev/null && [ $i -lt 800 ]; do nap 10; i=$((i + 1)); done
			if kill -0 "$srv" 2>/dev/null; then
				kill -9 "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true
				unreached=$((unreached + 1)) kills=$((kills + 1))
			else
				rc=0; wait "$srv" || rc=$?
				if [ "$rc" -eq 99 ]; then losses=$((losses + 1)); else odd="$odd $rc"; fi
			fi
			srv=""
			;;
		esac
	done
	# a last clean start: the clients retry what was left unanswered
	[ -n "$srv" ] || up "$d" || die "$name: last start" "$(tail -5 "$d/srv.err")"
	nap 1500
	kill "$storm"; wait "$storm" || true; storm=""
	sign "$d"
	kill "$srv"; rc=0; wait "$srv" || rc=$?; srv=""
	[ $rc -eq 0 ] && ok "$name: the server stops cleanly after the last restart" ||
		bad "$name: the server stops cleanly after the last restart" "exit $rc"
	echo "$name: $kills kills ($early during start-up), $losses power losses, $(cat "$d/storm.out")"
	[ -z "$odd" ] || bad "$name: the fault-injection server ends only by power loss" "exit statuses$odd"
	[ "$unreached" -eq 0 ] || echo "$name: $unreached rounds did not reach their sync and were killed instead"
	eval "${name}_kills=$kills ${name}_losses=$losses"
}

# checks NAME: the five checks on $W/NAME; sets $checked to the output
checks() {
	name=$1 d=$W/$1
	"$CHECK" --db "$d/t.db" --history "$d/history" > "$d/check.out" 2>&1 || true
	sed -n -E 's/^(ok|FAILED) /\1 '"$name"': /p; s/^    /    /p; s/^figures: /'"$name"': /p' "$d/check.out"
	p=$(grep -c '^ok ' "$d/check.out" || true) f=$(grep -c '^FAILED ' "$d/check.out" || true)
	[ "$p$f" != 00 ] || f=1
	pass=$((pass + p)) fail=$((fail + f))
	"$TALLY" log dump --db "$d/t.db" --out "$d/dump" > "$d/dump.out" 2>&1 || bad "$name: tally log dump" "$(cat "$d/dump.out")"
	# every checkpoint published before a crash: served (the storm kept them) or signed
	set --
	for c in "$d"/cps/cp-* "$d"/signed/cp-*; do [ -f "$c" ] && set -- "$@" --checkpoint "$c"; done
	ncp=$(( $# / 2 ))
	if "$TALLY" verify --dump "$d/dump" --key "$W/cec.pub" "$@" > "$d/verify.out" 2>&1; then
		ok "$name: tally verify is clean, the log extends all $ncp published checkpoints"
	else
		bad "$name: tally verify is clean, the log extends all $ncp published checkpoints" "$(grep -E 'V0[0-9]{2}' "$d/verify.out" | head -5)"
	fi
	if [ -s "$d/sign-failures" ]; then
		bad "$name: tally log checkpoint never refused" "$(head -3 "$d/sign-failures")"
	else
		ok "$name: tally log checkpoint never refused ($(ls "$d/signed" | wc -l) signed)"
	fi
	if grep -q -e AddressSanitizer -e 'runtime error:' -e LeakSanitizer "$d/srv.err"; then
		bad "$name: no sanitizer reports" "$(grep -m 3 -e AddressSanitizer -e 'runtime error:' "$d/srv.err")"
	fi
}

# ---- SIGKILL ----
if [ "$KILLS" -gt 0 ]; then
	phase kill kill "$KILLS"
	checks kill
fi

# ---- power loss, and its negative control ----
if [ "$POWERLOSS" -gt 0 ]; then
	if [ ! -x "$FAULTS" ]; then
		bad "power loss" "$FAULTS is not built (make build/test/tally-faults)"
	else
		phase power powerloss "$POWERLOSS"
		checks power
		[ "$power_losses" -gt 0 ] && ok "power: $power_losses power losses happened" ||
			bad "power: power losses happened" "none of $POWERLOSS rounds reached its sync"
		# syncs not honoured: acknowledged submissions are lost, and the checks must say so
		before=$fail
		phase nosync nosync 2 > "$W/nosync.out"
		"$CHECK" --db "$W/nosync/t.db" --history "$W/nosync/history" > "$W/nosync/check.out" 2>&1 || true
		fail=$before
		if [ "$nosync_losses" -gt 0 ] && grep -q '^FAILED acknowledged' "$W/nosync/check.out" &&
		   grep -q 'stored 0 times' "$W/nosync/check.out"; then
			ok "negative control: with syncs not honoured, lost acknowledged submissions are reported ($(sed -n 's/^FAILED acknowledged.*: \([0-9]*\) problems*$/\1/p' "$W/nosync/check.out") problems)"
		else
			bad "negative control: lost acknowledged submissions are reported" "$nosync_losses losses; $(grep -m 3 -e '^FAILED' -e '^ok' "$W/nosync/check.out")"
		fi
	fi
fi

t1=$(date +%s)
echo "torture: seed $SEED, ${kill_kills:-0} kills survived, ${power_losses:-0} power losses survived, $((t1 - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
