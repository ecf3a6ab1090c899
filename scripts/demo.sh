#!/bin/sh
# demo.sh: run a whole simulated election night with the tally command line.
#
#   scripts/demo.sh [TALLY]       (make demo runs it with build/tally)
#
# It simulates an election shaped like the Azerbaijani Milli Majlis election
# of 2015 into demo/, creates demo/election.db, records intraday turnout,
# enters every protocol twice (double entry) plus the re-entries that settle
# the differences, annuls the stations the simulation asks for, and prints
# the results. One constituency ties (the election there fails, art. 170.1)
# and one has more than 2/5 of its stations annulled (invalid, art. 170.2).
set -eu

T=${1:-build/tally}
D=demo
DB=$D/election.db

step() { printf '\n== %s\n' "$*"; }

rm -rf "$D"
step "simulate the election"
"$T" simulate --out "$D" --seed 2015 --ties 1 --invalid 1

step "create the election database"
"$T" init "$D/definition.json" --db "$DB"

step "intraday turnout reports"
"$T" turnout --db "$DB" "$D/turnout.csv"
"$T" turnout --db "$DB"

step "first entry of every protocol (a few break control relations and are refused)"
rc=0
"$T" submit --db "$DB" --quiet "$D/entries-1.json" || rc=$?
[ "$rc" -eq 1 ] || { echo "demo: expected refusals in the first entry (exit 1), got $rc" >&2; exit 1; }

step "second entry by other operators (differences are reported, not accepted)"
"$T" submit --db "$DB" --quiet "$D/entries-2.json"
"$T" conflicts --db "$DB" | tail -n 8

step "third operators re-enter the refused and the disputed protocols"
"$T" submit --db "$DB" "$D/entries-3.json"
"$T" conflicts --db "$DB"

step "annulments decided by the commissions"
"$T" annul --db "$DB" --file "$D/annulments.csv" --by cec

step "results"
"$T" results --db "$DB"

step "one station, drilled down"
"$T" results --db "$DB" --station C001-001

echo
echo "The database is $DB; try: $T results --db $DB --constituency C078"
