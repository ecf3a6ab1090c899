# SPDX-License-Identifier: Apache-2.0
#
# paths.sh: the paths every fault-injection test uses, sourced by
# common.sh and sweep.sh: the repository root, the fault build and the
# database fingerprint (TALLY, DBHASH: absolute; overridable), and the
# fixtures (FIX).
root=$(cd "$(dirname "$0")/../.." && pwd)
TALLY=${TALLY:-build/test/tally-faults}
DBHASH=${DBHASH:-build/test/dbprint}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
case $DBHASH in /*) ;; *) DBHASH=$root/$DBHASH ;; esac
FIX=$root/tests/cases/fixtures
