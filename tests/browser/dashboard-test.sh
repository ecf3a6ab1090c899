#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# dashboard-test.sh: the dashboard (web/) in headless Chromium during a
# simulated election night. It simulates an election, starts `tally serve`
# on a free loopback port, and in four phases (nothing entered; the first
# operators' entries; the second operators' with turnout; the third
# operators' re-entries) submits through the command line, loads the
# dashboard, and checks the numbers the page shows (reported stations,
# ballots cast, valid votes, seats decided, and every party's seats and
# votes) against `tally results --format json` of the same moment. It saves
# screenshots to docs/img/dashboard-*.png, or to $DASHBOARD_IMG (desktop, phone, a constituency,
# a station). Prints "ok ..."/"FAILED ..." and "N passed, M failed"; with no
# chromium it prints a skip line and "0 passed, 0 failed".
#
# usage: tests/browser/dashboard-test.sh   (TALLY=path, default build/tally;
#        CHROMIUM=path, default chromium)

root=$(cd "$(dirname "$0")/../.." && pwd)
TALLY=${TALLY:-build/tally}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	echo "skip dashboard-test (needs chromium: scripts/install-deps.sh --browser)"
	echo "0 passed, 0 failed"
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/tally-browser.XXXXXX")
IMG=${DASHBOARD_IMG:-$root/docs/img}
mkdir -p "$IMG"
pass=0 fail=0 pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
cd "$W" || exit 2
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; }
setup() { "$@" >setup.out 2>&1 || { echo "set-up failed: $*"; cat setup.out; echo "0 passed, 1 failed"; exit 1; }; }

setup "$TALLY" simulate --out sim --constituencies 125 --stations 1500
setup "$TALLY" init --db t.db sim/definition.json
"$TALLY" serve --db t.db --port 0 --web "$root/web" --forensics-every 0 > serve.out 2> serve.err &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' serve.out; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' serve.out)
[ -n "$port" ] || { echo "the server did not start"; cat serve.err; echo "0 passed, 1 failed"; exit 1; }
URL=http://127.0.0.1:$port/

chrome() { # chrome OUT-ARG SIZE URL
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$(mktemp -d "$W/profile.XXXXXX")" \
		--window-size="$2" --virtual-time-budget=5000 "$1" "$3" 2>/dev/null
}
# the value of data-value of element ID in the dumped page
shown() { sed -n "s/.*id=\"$1\" data-value=\"\([0-9]*\)\".*/\1/p" dom.html | head -n 1; }
# "id seats votes" of every party, from the page and from the CLI's JSON
page_parties() { grep -o 'data-party="[^"]*" data-seats="[0-9]*" data-votes="[0-9]*"' dom.html |
	sed 's/data-party="\([^"]*\)" data-seats="\([0-9]*\)" data-votes="\([0-9]*\)"/\1 \2 \3/' | sort; }
cli_parties() { grep -o '"kind":"[a-z]*","id":"[^"]*","name":"[^"]*","abbrev":"[^"]*","color":"[^"]*","seats":[0-9]*,"votes":[0-9]*' cli.json |
	sed 's/"kind":"\([a-z]*\)","id":"\([^"]*\)".*"seats":\([0-9]*\),"votes":\([0-9]*\)/\2|\3|\4|\1/' |
	awk -F'|' '{ print ($1 == "" ? $4 : $1), $2, $3 }' | sort; }
cli() { sed -n "s/.*$1.*/\1/p" cli.json | head -n 1; }

phase() { # phase NAME: load the page and compare it with the CLI
	"$TALLY" results --db t.db --format json > cli.json
	chrome --dump-dom 1280,2000 "$URL" > dom.html
	grep -q 'data-ready="1"' dom.html || { bad "$1: the page loaded its data" "not ready"; return; }
	want_rep=$(cli '"progress":{"stations":[0-9]*,"reported":\([0-9]*\)')
	want_cast=$(cli '"turnout":{"ballots_cast":\([0-9]*\)')
	want_valid=$(cli '"valid":\([0-9]*\),"lines"')
	want_seats=$(cli '"seats_filled":\([0-9]*\)')
	for v in "reported $want_rep" "ballots-cast $want_cast" "valid-votes $want_valid" "seats-filled $want_seats"; do
		set -- $v
		got=$(shown "$1")
		[ -n "$2" ] && [ "$got" = "$2" ] && ok "$phase_name: $1 shown = $2" || bad "$phase_name: $1" "page $got, tally results ${2:-?}"
	done
	page_parties > page.txt
	cli_parties > want.txt
	if [ -s want.txt ] && cmp -s page.txt want.txt; then ok "$phase_name: every party's seats and votes"
	else bad "$phase_name: parties" "$(diff page.txt want.txt | head -5)"; fi
}

phase_name="before any protocol"; phase "$phase_name"
grep -q 'id="fx-facts"><div class="empty">Waiting for the first counted protocols' dom.html &&
	ok "statistical checks wait for protocols" || bad "statistical checks before any protocol" "not the waiting note"
"$TALLY" submit --db t.db -q sim/entries-1.json > /dev/null 2>&1
phase_name="after first entries"; phase "$phase_name"
"$TALLY" submit --db t.db -q sim/entries-2.json > /dev/null 2>&1
"$TALLY" turnout --db t.db sim/turnout.csv > /dev/null 2>&1
phase_name="after second entries"; phase "$phase_name"
[ "$(shown reported)" -gt 0 ] 2>/dev/null && ok "stations are reported after the second entries" || bad "stations reported" "$(shown reported)"
grep -q 'data-time="19:00"' dom.html && ok "turnout by hour is drawn" || bad "turnout by hour" "no 19:00 column"
"$TALLY" submit --db t.db -q sim/entries-3.json > /dev/null 2>&1
phase_name="after third entries"; phase "$phase_name"
grep -q 'data-outcome="elected"' dom.html && ok "constituencies show elected" || bad "constituencies show elected" "none"
# the statistical checks: the figures of `tally forensics` at the same moment, and both plots
"$TALLY" forensics --db t.db --format json > fx.json 2>/dev/null
fxv() { sed -n "s/.*data-fx=\"$1\" data-value=\"\([^\"]*\)\".*/\1/p" dom.html | head -n 1; }
want=$(sed -n 's/^  "stations": \([0-9]*\),/\1/p' fx.json)
[ -n "$want" ] && [ "$(fxv 'Stations tested')" = "$want" ] && ok "checks: stations tested = $want" || bad "checks: stations tested" "page $(fxv 'Stations tested'), tally $want"
want=$(sed -n 's/^  "flagged": \([0-9]*\)$/\1/p' fx.json)
[ -n "$want" ] && [ "$(fxv 'Stations flagged')" = "$want" ] && ok "checks: stations flagged = $want" || bad "checks: stations flagged" "page $(fxv 'Stations flagged'), tally $want"
want=$(grep -c '"flags": true' fx.json)
got=$(sed -n 's/.*id="fx-summary" data-flags="\([0-9]*\)".*/\1/p' dom.html | head -n 1)
[ "$got" = "$want" ] && ok "checks: $want tests flag, as the report's summary says" || bad "checks: tests that flag" "page '$got', report $want"
want=$(sed -n 's/.*"fingerprint": {"n": [0-9]*, "corner": \([0-9]*\),.*/\1/p' fx.json)
[ -n "$want" ] && [ "$(fxv 'Turnout and leader ≥ 95 %')" = "$want" ] && ok "checks: corner stations = $want" || bad "checks: corner" "page $(fxv 'Turnout and leader ≥ 95 %'), tally $want"
for plot in fingerprint cumulative; do
	src=$(grep -o "<img src=\"[^\"]*\" alt=\"[^\"]*\" data-plot=\"$plot\"" dom.html | sed 's/<img src="\([^"]*\)".*/\1/')
	code=$(curl -s -o plot.svg -w '%{http_code}' "$URL$src")
	[ "$code" = 200 ] && grep -q '<svg' plot.svg && ok "checks: the $plot plot is served ($src)" || bad "checks: $plot plot" "'$src' answered $code"
done

chrome --screenshot="$IMG/dashboard-desktop.png" 1280,2200 "$URL" && ok "screenshot desktop" || bad "screenshot desktop" "chromium failed"
chrome --screenshot="$IMG/dashboard-phone.png" 390,1800 "$URL" && ok "screenshot phone" || bad "screenshot phone" "chromium failed"
c=$(sed -n 's/.*"constituencies":\[{"id":"\([^"]*\)".*/\1/p' cli.json)
chrome --dump-dom 1280,1600 "${URL}#/c/$c" > dom.html
want=$("$TALLY" results --db t.db --constituency "$c" --format json | sed -n 's/.*"valid":\([0-9]*\),"elected".*/\1/p')
got=$(shown c-valid)
[ -n "$want" ] && [ "$got" = "$want" ] && ok "constituency $c: valid votes = $want" || bad "constituency page" "page $got, tally $want"
chrome --screenshot="$IMG/dashboard-constituency.png" 1280,1600 "${URL}#/c/$c" && ok "screenshot constituency" || bad "screenshot constituency" "chromium failed"
s=$(grep -o '"station":"[^"]*","codes"' cli.json | head -n 1 | sed 's/"station":"\([^"]*\)".*/\1/')
[ -n "$s" ] || s=$(sed -n 's/.*"station":"\([^"]*\)".*/\1/p' sim/entries-1.json | head -n 1)
chrome --dump-dom 1280,1600 "${URL}#/s/$s" > dom.html
grep -q "$s" dom.html && grep -q 'class="check' dom.html && ok "station $s: protocol with its warnings" || bad "station page $s" "no warnings shown"
chrome --screenshot="$IMG/dashboard-station.png" 1280,1700 "${URL}#/s/$s" && ok "screenshot station" || bad "screenshot station" "chromium failed"

kill "$pid"; wait "$pid"; rc=$?; pid=""
[ $rc -eq 0 ] && ok "server exits 0" || bad "server exits 0" "exit $rc"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
