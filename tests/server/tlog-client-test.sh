#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# tlog-client-test.sh: the whole log of a published election read through
# its tiles alone by an independent client, tests/tlogclient (Go, built
# offline with Debian's golang-go and golang-golang-x-mod-dev in GOPATH
# mode: golang.org/x/mod/sumdb/note for the signed checkpoint,
# golang.org/x/mod/sumdb/tlog for the tree; nothing of tally's code).
#
# The election has 90 constituencies and 400 stations, so that both its
# definition (entry 0) and its results statement are over the 61,440 bytes
# an entry holds inline: both are logged by hash, their bodies served at
# body/<SHA-256>. It also has a registered key, a signed protocol, a refused
# signed submission (kept as evidence) and an annulment: every entry type.
# The client must read it all and check it (see the top of main.go); then
# it must refuse a static mirror of the same files with one altered body,
# one altered hash tile, one altered bundle, or a body missing.
# Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed".
#
# usage: tests/server/tlog-client-test.sh   (TALLY=path/to/tally, default build/test/tally)

. "$(dirname "$0")/common.sh"
server_test_init tlog-client go curl sha256sum

# ---- the client, built offline: GOPATH mode over Debian's /usr/share/gocode
export GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$root/build/go-cache}"
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] ||
	{ echo "tlog-client: needs golang-golang-x-mod-dev (scripts/install-deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
if (cd "$root" && go build -o "$W/tlogclient" ./tests/tlogclient) > build.out 2>&1; then
	ok "the Go client builds offline"
else
	bad "the Go client builds offline" "$(cat build.out)"; finish; exit 1
fi
C=$W/tlogclient

# ---- the election: every entry type, two fields logged by hash
setup "$TALLY" simulate --out sim --constituencies 90 --stations 400 --typos 0 --bad 0 --warnings 0 --no-double-entry
setup "$TALLY" init --db t.db sim/definition.json
setup "$TALLY" keys generate --name tally.example.org/go-client --out cec.key
setup "$TALLY" keys generate --name C001-001 --out st.key
setup "$TALLY" keys generate --name impostor --out bad.key
setup "$TALLY" keys register --db t.db --station C001-001 --pub st.pub
awk '/"station": *"C001-001"/ { print; exit }' sim/entries-1.json | sed 's/,$//' > one.json
"$TALLY" submit --db t.db --sign bad.key one.json > /dev/null 2>&1
setup "$TALLY" submit --db t.db --sign st.key one.json
# the signed protocol is in entries-1 too: that one is a repeat, not logged again
"$TALLY" submit --db t.db --quiet sim/entries-1.json > /dev/null 2>&1
setup "$TALLY" annul --db t.db --station C002-001 --reason "court order 3" --by judge
setup "$TALLY" publish --db t.db --quiet
setup "$TALLY" log checkpoint --db t.db --key cec.key
N=$(sed -n 2p setup.out)
def=$(wc -c < sim/definition.json | tr -d ' ')
[ "$def" -gt 61440 ] && ok "the definition is over 61,440 bytes ($def)" || bad "the definition is large" "$def bytes"
start main --db t.db
LOG=$BASE/api/v1/log

# ---- the whole log through tiles alone
if "$C" -url "$LOG" -key cec.pub > client.out 2>&1; then
	ok "Go client: $(cat client.out)"
else
	bad "Go client reads the whole log through tiles" "$(cat client.out)"
fi
for t in "1 definition" "400 protocol" "1 key" "1 annulment" "1 results" "1 rejected" \
         "2 fields logged by hash, 2 bodies"; do
	grep -q "$t" client.out && ok "Go client: $t" || bad "Go client: $t" "$(cat client.out)"
done
grep -q "tlogclient: tally.example.org/go-client: $N entries" client.out \
	&& ok "Go client: the checkpoint's $N entries" || bad "Go client: $N entries" "$(cat client.out)"

# ---- a static mirror of the same files, then one thing altered at a time
M=mirror/log
mkdir -p "$M/body"
curl -s -o "$M/checkpoint" "$LOG/checkpoint"
for l in 0 1; do
	n=$(( N >> (8 * l) ))
	i=0
	while [ $((i * 256)) -lt "$n" ]; do
		w=$(( n - i * 256 )); [ "$w" -gt 256 ] && w=256
		p=$(printf '%03d' "$i"); [ "$w" -lt 256 ] && p="$p.p/$w"
		for kind in "$l" entries; do
			[ "$kind" = entries ] && [ "$l" -ne 0 ] && continue
			mkdir -p "$(dirname "$M/tile/$kind/$p")"
			curl -s -o "$M/tile/$kind/$p" "$LOG/tile/$kind/$p"
		done
		i=$((i + 1))
	done
done
"$TALLY" log dump --db t.db --out dump.txt > /dev/null
for h in $(sed -n 's/^body \([0-9a-f]\{64\}\) .*/\1/p' dump.txt); do
	curl -s -o "$M/body/$h" "$LOG/body/$h"
done
check "the mirror holds the two bodies" "$(ls "$M/body" | wc -l | tr -d ' ')" 2
start mirror --db t.db --web "$W/mirror"
"$C" -url "$BASE/log" -key cec.pub -gzip=false > m.out 2>&1 \
	&& ok "Go client reads the static mirror" || bad "Go client reads the static mirror" "$(cat m.out)"

# flip one byte of file F at offset O, run the client, expect a failure naming WHAT
flip() { # flip NAME FILE OFFSET WHAT
	cp "$2" saved
	b=$(dd if="$2" bs=1 skip="$3" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	{ head -c "$3" saved; printf "\\$(printf '%03o' $((b ^ 1)))"; tail -c +$(($3 + 2)) saved; } > "$2"
	if "$C" -url "$BASE/log" -key cec.pub -gzip=false > m.out 2>&1; then
		bad "$1" "the client accepted it: $(cat m.out)"
	else
		grep -q "$4" m.out && ok "$1 ($(cut -c1-120 m.out))" || bad "$1" "$(cat m.out)"
	fi
	cp saved "$2"
}
stmt=$(ls -S "$M/body" | tail -1)   # the smaller: the statement (the definition is larger)
flip "an altered results statement body is refused" "$M/body/$stmt" 1000 "do not give that SHA-256"
flip "an altered hash tile is refused" "$M/tile/0/000" 40 "does not give its leaf hash"
flip "an altered bundle is refused" "$M/tile/entries/000" 300 "does not give its leaf hash"
flip "an altered checkpoint is refused" "$M/checkpoint" 30 "signature"
mv "$M/body/$stmt" gone
"$C" -url "$BASE/log" -key cec.pub -gzip=false > m.out 2>&1
check "a missing body is refused" "$?:$(grep -c "body/$stmt: HTTP 404" m.out)" "1:1"
mv gone "$M/body/$stmt"
"$C" -url "$BASE/log" -key cec.pub -gzip=false > m.out 2>&1 \
	&& ok "the mirror put back reads again" || bad "the mirror put back reads again" "$(cat m.out)"

stop_servers
no_sanitizer_reports main.err mirror.err
finish
