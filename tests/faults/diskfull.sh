#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# diskfull.sh: a full disk (ENOSPC) under `tally serve` and `tally submit`.
# The server runs with TALLY_FAULT=full:1 and TALLY_FAULT_FULL_FILE: the
# disk is full exactly while that file exists. While it does, a protocol
# POST gets 507 with a JSON error carrying a code, nothing is stored, and
# reads (results, progress, a station, the log checkpoint) keep answering
# 200; once the file is gone the same POST succeeds and the server answers
# on. `tally submit` on a full disk exits 1 saying the disk is full, and
# stores nothing.
#
# usage: tests/faults/diskfull.sh   (TALLY=build/test/tally-faults,
#        DBHASH=build/test/dbprint)
# Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed".
set -eu

NAME=diskfull
# shellcheck source=tests/faults/common.sh
. "$(dirname "$0")/common.sh"
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; }
fatal() { echo "set-up failed: $*"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }

"$TALLY" init --db t.db "$FIX/def.json" >/dev/null 2>&1 || fatal "init"
"$TALLY" keys generate --name tally.example.org/faults --out cec.key >/dev/null 2>&1 || fatal "keys"
"$TALLY" log checkpoint --db t.db --key cec.key >/dev/null 2>&1 || fatal "log checkpoint"
CEC=$("$TALLY" user add --db t.db --role cec --name cec-admin 2>/dev/null) || fatal "user add"
P1=$(grep '"station":"N01-1"' "$FIX/entries.json" | sed 's/,$//')
P2=$(grep '"station":"N01-2"' "$FIX/entries.json" | sed 's/,$//')

# ---- the server ----
TALLY_FAULT=full:1 TALLY_FAULT_FULL_FILE=$W/full \
	"$TALLY" serve --db t.db --port 0 --bind 127.0.0.1 > serve.out 2> serve.err &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' serve.out 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' serve.out)
[ -n "$port" ] || fatal "the server did not start: $(cat serve.err)"
BASE=http://127.0.0.1:$port

req() { # req METHOD PATH [BODY]: the status; the body in $W/body
	if [ $# -ge 3 ]; then
		curl -s -o body -w '%{http_code}' -X "$1" -H "Authorization: Bearer $CEC" --data-binary "$3" "$BASE$2"
	else
		curl -s -o body -w '%{http_code}' -X "$1" "$BASE$2"
	fi
}
reads() { # reads WHEN: every read answers 200
	for ep in results progress results/stations/N01-1 log/checkpoint; do
		got=$(req GET /api/v1/$ep)
		if [ "$got" = 200 ]; then ok "$1: GET $ep"; else bad "$1: GET $ep" "status $got"; fi
	done
}

reads "before the disk fills"
"$DBHASH" t.db > before || fatal "dbprint"
touch full
for try in 1 2; do
	got=$(req POST /api/v1/protocols "$P1")
	if [ "$got" = 507 ] && grep -q '"code":"S009"' body; then
		ok "disk full: POST $try is 507 with S009"
	else
		bad "disk full: POST $try is 507 with S009" "status $got: $(head -c 300 body)"
	fi
done
got=$(req POST /api/v1/protocols "[$P1,$P2]")
if [ "$got" = 507 ]; then ok "disk full: a POST of two is 507"; else bad "disk full: a POST of two is 507" "status $got"; fi
reads "while the disk is full"
"$DBHASH" t.db > during || fatal "dbprint"
if cmp -s before during; then ok "disk full: nothing stored"; else bad "disk full: nothing stored" "$(diff before during | tr '\n' ' ')"; fi
rm -f full
got=$(req POST /api/v1/protocols "$P1")
if [ "$got" = 202 ]; then ok "space again: the same POST is stored (202)"; else bad "space again: the same POST is stored (202)" "status $got: $(head -c 300 body)"; fi
got=$(curl -s -o body -w '%{http_code}' -H "Authorization: Bearer $CEC" "$BASE/api/v1/stations/N01-1/entries")
if [ "$got" = 200 ] && grep -q op-a body; then ok "space again: the entry is there"; else bad "space again: the entry is there" "status $got"; fi
reads "after the disk has space again"
kill "$pid"
wait "$pid" || :
pid=""
if grep -q -e Sanitizer -e 'runtime error' serve.err; then
	bad "server: no sanitizer report" "$(head -n 20 serve.err)"
else
	ok "server: no sanitizer report"
fi

# ---- the command line ----
"$DBHASH" t.db > before || fatal "dbprint"
rc=0
TALLY_FAULT=full:1 "$TALLY" submit --db t.db "$FIX/entries.json" > out 2> err || rc=$?
if [ $rc -eq 1 ] && grep -q '^error: .*the disk is full.*\[S009\]$' err; then
	ok "submit on a full disk: exit 1, the disk is full [S009]"
else
	bad "submit on a full disk: exit 1, the disk is full [S009]" "exit $rc: $(cat err)"
fi
"$DBHASH" t.db > after || fatal "dbprint"
if cmp -s before after; then ok "submit on a full disk: nothing stored"; else bad "submit on a full disk: nothing stored" "changed"; fi
rc=0
TALLY_FAULT=full:1 "$TALLY" import "$FIX/ru2018-small.csv" --preset ru-2018 --db x.db > out 2> err || rc=$?
if [ $rc -eq 1 ] && grep -q 'the disk is full.*\[S009\]$' err && [ ! -e x.db ]; then
	ok "import on a full disk: exit 1, S009, no file"
else
	bad "import on a full disk: exit 1, S009, no file" "exit $rc: $(cat err)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
