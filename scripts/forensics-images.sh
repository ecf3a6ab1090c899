#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# forensics-images.sh: renders the plots of `tally forensics` on Russia 2018
# and Poland 2020 (round 1) to PNG for the docs and the README
# (docs/img/forensics-*.png), with headless Chromium.
#
# usage: scripts/forensics-images.sh [TALLY]   (default build/tally; needs
#        unzip, chromium and data/)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tally=${1:-$root/build/tally}
data=$root/data
out=$root/docs/img
chrome=${CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out"

shot() { # SVG PNG
	prof=$(mktemp -d)
	"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --hide-scrollbars --window-size=720,600 \
		--screenshot="$2" "file://$1" >/dev/null 2>&1
	rm -rf "$prof"
	[ -s "$2" ] || { echo "forensics-images: no PNG from $1" >&2; exit 1; }
}

unzip -p "$data/ru/2018.csv.zip" | "$tally" forensics - --preset ru-2018 --resamples 0 \
	--out "$tmp/ru-2018" >/dev/null
unzip -p "$data/pl/2020-r1-stations.csv.zip" | "$tally" forensics - --preset pl-2020 \
	--resamples 0 --out "$tmp/pl-2020" >/dev/null
for set in ru-2018 pl-2020; do
	for plot in fingerprint turnout cumulative shpilkin; do
		shot "$tmp/$set/$plot.svg" "$out/forensics-$set-$plot.png"
		echo "wrote docs/img/forensics-$set-$plot.png"
	done
done
