#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# live-test.sh: the dashboard updating live in one page session while
# protocols arrive through the API (tests/browser/live.mjs: headless
# Chromium driven over --remote-debugging-port with node 20's built-in
# WebSocket). Needs chromium and node >= 20; without them it prints a skip
# line and "0 passed, 0 failed".
#
# usage: tests/browser/live-test.sh   (TALLY=path, default build/tally;
#        CHROMIUM=path, default chromium)

root=$(cd "$(dirname "$0")/../.." && pwd)
TALLY=${TALLY:-build/tally}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 ||
	[ "$(node -p 'parseInt(process.versions.node)' 2>/dev/null || echo 0)" -lt 20 ]; then
	echo "skip live-test (needs chromium and node >= 20)"
	echo "0 passed, 0 failed"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/tally-live.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
cd "$W" || exit 2
setup() { "$@" >setup.out 2>&1 || { echo "set-up failed: $*"; cat setup.out; echo "0 passed, 1 failed"; exit 1; }; }
setup "$TALLY" simulate --out sim --constituencies 20 --stations 400 --typos 0 --bad 0
setup "$TALLY" init --db t.db sim/definition.json
TOKEN=$("$TALLY" user add --db t.db --role cec --name cec-live 2>/dev/null)
"$TALLY" serve --db t.db --port 0 --web "$root/web" --rate 100000 --burst 100000 > serve.out 2> serve.err &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' serve.out; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' serve.out)
[ -n "$port" ] || { echo "the server did not start"; cat serve.err; echo "0 passed, 1 failed"; exit 1; }
mkdir profile
node --experimental-websocket --no-warnings "$root/tests/browser/live.mjs" "$CHROMIUM" \
	"http://127.0.0.1:$port" "$TOKEN" sim/entries-1.json sim/entries-2.json "$W/profile"
rc=$?
kill "$pid"; wait "$pid"; src=$?; pid=""
if [ $src -ne 0 ]; then echo "FAILED server exits 0: exit $src"; echo "0 passed, 1 failed"; exit 1; fi
exit $rc
