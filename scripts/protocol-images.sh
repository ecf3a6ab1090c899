#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# protocol-images.sh: prints protocols of the demo election (the simulated
# Milli Majlis election of `make demo`, published) with `tally protocol` and
# renders their first pages to PNG for the README (docs/img/protocol-*.png)
# with pdftoppm (poppler-utils).
#
# usage: scripts/protocol-images.sh [TALLY]   (default build/tally; run
#        `make` first: the catalogues are in build/locale)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tally=${1:-$root/build/tally}
out=$root/docs/img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export TALLY_LOCALEDIR=${TALLY_LOCALEDIR:-$root/build/locale}
export TALLY_DB=$tmp/election.db
mkdir -p "$out"

"$tally" simulate --out "$tmp/demo" --seed 2015 --ties 1 --invalid 1 >/dev/null
"$tally" init "$tmp/demo/definition.json" >/dev/null
for f in 1 2 3; do "$tally" submit --quiet "$tmp/demo/entries-$f.json" >/dev/null 2>&1 || true; done
"$tally" annul --file "$tmp/demo/annulments.csv" --by cec >/dev/null
"$tally" publish --quiet >/dev/null

page() { # ARGS... PNG-NAME
	name=$1; shift
	"$tally" protocol "$@" -o "$tmp/$name.pdf"
	pdftoppm -r 72 -png -f 1 -l 1 -singlefile "$tmp/$name.pdf" "$out/$name"
	echo "wrote docs/img/$name.png"
}
page protocol-station-az --station C001-001 --lang az
page protocol-final-ru --final --lang ru
