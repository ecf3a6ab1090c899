# SPDX-License-Identifier: Apache-2.0
#
# common.sh: what the end-to-end tests of `tally serve` in tests/server/
# share. A test sources it and calls server_test_init, which finds the tally
# binary (TALLY=path/to/tally, default build/test/tally, made absolute),
# checks the tools the test needs, makes a temporary directory $W, stops
# every server started with `start` and removes $W at exit, and changes
# into $W. Then: ok/bad/check count results ("ok NAME", "FAILED NAME:
# why"), setup runs a step that must work, start runs a server on a free
# loopback port, stop_servers stops them (each must exit 0),
# no_sanitizer_reports looks at their standard error, and finish prints
# "N passed, M failed" and gives the exit status.
#
#   . "$(dirname "$0")/common.sh"
#   server_test_init NAME TOOL...

# server_test_init NAME TOOL...
server_test_init() {
	test_name=$1
	shift
	root=$(cd "$(dirname "$0")/../.." && pwd)
	TALLY=${TALLY:-build/test/tally}
	case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || { echo "$test_name: needs $tool"; echo "0 passed, 1 failed"; exit 1; }
	done
	W=$(mktemp -d "${TMPDIR:-/tmp}/tally-$test_name.XXXXXX")
	pass=0 fail=0 pids=""
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	cd "$W" || exit 2
}

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}

ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; }
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', expected '$3'"; fi
}
setup() { "$@" >"$W/setup.out" 2>&1 || { echo "set-up failed: $*"; cat "$W/setup.out"; echo "0 passed, 1 failed"; exit 1; }; }

start() { # start NAME ARGS...: a server in the background, its base URL in $BASE
	name=$1; shift
	"$TALLY" serve --port 0 --bind 127.0.0.1 "$@" > "$name.out" 2> "$name.err" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' "$name.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$name.out")
	[ -n "$port" ] || { echo "server $name did not start"; cat "$name.err"; echo "0 passed, 1 failed"; exit 1; }
	BASE=http://127.0.0.1:$port
}

# stop_servers: SIGTERM to every server started; each must exit 0
stop_servers() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p"; rc=$?; [ $rc -eq 0 ] && ok "server $p exits 0 on SIGTERM" || bad "server $p exits 0 on SIGTERM" "exit $rc"; done
	pids=""
}

# no_sanitizer_reports FILE...: the servers' standard error holds no report
no_sanitizer_reports() {
	if grep -l -e AddressSanitizer -e 'runtime error:' -e LeakSanitizer "$@" >/dev/null 2>&1; then
		bad "no sanitizer reports" "$(cat "$@" | head -30)"
	else
		ok "no sanitizer reports"
	fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
