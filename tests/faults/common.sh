# SPDX-License-Identifier: Apache-2.0
#
# common.sh: the set-up the fault-injection tests share, sourced after
# "set -eu" with NAME set to the test's name: the paths of the fault build
# and the database fingerprint (TALLY, DBHASH: absolute), the fixtures
# (FIX), and a work directory W (the current directory from here on)
# holding a private copy of the binary, so that a rebuild during the run
# cannot pull it away; a server started into $pid is stopped and W removed
# on exit.
# shellcheck source=tests/faults/paths.sh
. "$(dirname "$0")/paths.sh"
command -v curl >/dev/null 2>&1 || { echo "$NAME: needs curl"; echo "0 passed, 1 failed"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/tally-$NAME.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || :; wait "$pid" 2>/dev/null || :; fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W"
cp "$TALLY" tally-faults
TALLY=$W/tally-faults
pass=0 fail=0
