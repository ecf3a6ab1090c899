#!/bin/sh
# doc-images.sh: render the terminal output shown in the README as PNG
# pictures (docs/img/*.png) with headless Chromium (Debian package
# chromium). Run after `make demo`; needs the demo database.
#
#   scripts/doc-images.sh [TALLY]
set -eu
T=${1:-build/tally}
DB=demo/election.db
OUT=docs/img
[ -f "$DB" ] || { echo "doc-images.sh: run 'make demo' first" >&2; exit 1; }
command -v chromium >/dev/null || { echo "doc-images.sh: needs chromium (apt-get install chromium)" >&2; exit 1; }
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# page NAME WIDTH HEIGHT TITLE COMMAND...: runs the command and renders its output
page() {
	name=$1 w=$2 h=$3 title=$4
	shift 4
	{
		printf '<!doctype html><meta charset="utf-8"><style>'
		printf 'body{margin:0;background:#0f1720;font:13px/1.35 "DejaVu Sans Mono",monospace;color:#d8dee9}'
		printf '.bar{background:#1c2733;color:#8fa1b3;padding:6px 12px;font-family:sans-serif}'
		printf 'pre{margin:0;padding:12px 14px;white-space:pre}.p{color:#a3be8c}</style>'
		printf '<div class="bar">%s</div><pre><span class="p">$ %s</span>\n' "$title" "$*"
		"$@" 2>&1 | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
		printf '</pre>'
	} > "$tmp/$name.html"
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile" --hide-scrollbars --window-size="$w,$h" \
		--screenshot="$OUT/$name.png" "file://$tmp/$name.html" >/dev/null 2>&1
	echo "wrote $OUT/$name.png"
}

page results 1180 900 "tally results: national" "$T" results --db "$DB"
page station 760 720 "tally results: one station" "$T" results --db "$DB" --station C001-001
page template 900 400 "tally presets: the Azerbaijani protocol template" "$T" presets az-mm
