#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# tiles-test.sh: the transparency log served as a tiled log
# (c2sp.org/tlog-tiles, docs/api-http.md "Tiles"), end to end. It makes a
# simulated election of 600 stations (its definition, log entry 0, is over
# the 61,440 bytes an entry holds inline: it is logged by hash, its body
# served at body/<SHA-256>), enters every protocol (601 entries: two full
# level-0 tiles, a partial one of width 89, a partial level-1 tile of width
# 2), signs a checkpoint, serves it on a free loopback port and checks:
#   - tile sizes, content types and caching (full: a year, immutable;
#     partial and the checkpoint: seconds), HEAD, 405, 404 beyond the signed
#     tree (L030), 404 before any checkpoint (L027), malformed paths (L029);
#   - tile contents against the JSON API, with coreutils only: level-0
#     hashes are the entries' leaf hashes, the level-1 hashes are the roots
#     of the first 256 entries and of the next 256 (via the roots of 256 and
#     512 entries), a narrower partial tile is a prefix of a wider one;
#   - entry bundles: bundle 0 holds the definition entry, which names the
#     definition's SHA-256, bundle 1 holds entry 256 byte for byte; gzip
#     when the client accepts it (Accept-Encoding, RFC 9110 12.5.3), with
#     Vary, the same bytes once gunzipped, never for hash tiles;
#   - bodies: body/<SHA-256 hex> is the definition file byte for byte,
#     cached a year; malformed names (L029), unknown ones (L030), a body
#     logged after the signed tree (L030 until the next checkpoint);
#   - `tally log fetch`: the root recomputed from tiles alone matches the
#     checkpoint, inclusion proofs built from tiles equal the JSON API's, the
#     fetched dump equals `tally log dump` and `tally verify` finds it clean;
#   - tiles stay those of the signed tree while the log grows, until the next
#     checkpoint;
#   - a static mirror of the tiles (`tally serve --web`) reads back the same,
#     and a mirror with one flipped bit is refused (L032);
#   - a database altered under the server: a changed entry (L018), a
#     changed body (L018), a checkpoint root the log no longer gives (L017).
# Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed".
#
# usage: tests/server/tiles-test.sh   (TALLY=path/to/tally, default build/test/tally)

. "$(dirname "$0")/common.sh"
server_test_init tiles curl awk od base64 sha256sum sqlite3 cmp dd gzip

# get NAME STATUS CODE PATH: GET $LOG/PATH into ./body, headers into ./hdr
get() {
	rm -f body hdr
	got=$(curl -s -o body -D hdr -w '%{http_code}' "$LOG/$4")
	if [ "$got" != "$2" ]; then bad "$1" "status $got, expected $2 ($(head -c 300 body))"; return 1; fi
	if [ "$3" != "-" ] && ! grep -q "\"code\":\"$3\"" body; then bad "$1" "no error code $3: $(head -c 300 body)"; return 1; fi
	ok "$1"
}
header() { tr -d '\r' < hdr | sed -n "s/^$1: //Ip"; }
size() { wc -c < "$1" | tr -d ' '; }
hexof() { od -An -tx1 -v | tr -d ' \n'; }
# the 32-byte hash I of tile file F, base64
hash_at() { dd if="$1" bs=32 skip="$2" count=1 2>/dev/null | base64; }
# a JSON string field of ./body
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" body; }

# ---- the election: 600 stations, every protocol entered once ----
setup "$TALLY" simulate --out sim --constituencies 5 --stations 600 --typos 0 --bad 0 --warnings 0 --no-double-entry
setup "$TALLY" init --db t.db sim/definition.json
setup "$TALLY" submit --db t.db --quiet sim/entries-1.json
setup "$TALLY" keys generate --name tally.example.org/tiles --out cec.key
start main --db t.db
LOG=$BASE/api/v1/log MAIN=$BASE

get "no checkpoint yet: a tile is L027" 404 L027 tile/0/000
setup "$TALLY" log checkpoint --db t.db --key cec.key
N=$(sed -n 2p setup.out)
check "the log holds 601 entries" "$N" 601

# ---- tiles: sizes, types, caching ----
get "checkpoint" 200 - checkpoint
check "checkpoint: a short cache" "$(header cache-control)" "public, max-age=5"
check "checkpoint: text/plain" "$(header content-type)" "text/plain; charset=utf-8"
get "full level-0 tile 0" 200 - tile/0/000 && cp body t0.000
check "full tile: 8,192 bytes" "$(size body)" 8192
check "full tile: cached a year, immutable" "$(header cache-control)" "public, max-age=31536000, immutable"
check "tile: application/octet-stream" "$(header content-type)" "application/octet-stream"
get "full level-0 tile 1" 200 - tile/0/001 && cp body t0.001
get "partial level-0 tile 2, width 89" 200 - tile/0/002.p/89 && cp body t0.002
check "partial tile: 89 hashes" "$(size body)" 2848
check "partial tile: a short cache" "$(header cache-control)" "public, max-age=10"
get "a narrower partial tile" 200 - tile/0/002.p/10
check "a narrower partial tile is a prefix of the wider one" "$(hexof < body)" "$(head -c 320 t0.002 | hexof)"
get "partial level-1 tile, width 2" 200 - tile/1/000.p/2 && cp body t1.000
check "level-1 tile: 2 hashes" "$(size body)" 64
get "tile 2 in full does not exist yet (L030)" 404 L030 tile/0/002
get "a wider partial tile than the tree has (L030)" 404 L030 tile/0/002.p/90
get "a tile past the tree (L030)" 404 L030 tile/0/003
get "level 2 has no tile for 601 entries (L030)" 404 L030 tile/2/000.p/1
get "a full level-1 tile does not exist (L030)" 404 L030 tile/1/000
check "errors are not cached" "$(header cache-control)" "no-store"
check "errors are JSON" "$(header content-type)" "application/json"
for p in tile/0/0 tile/0/0000 tile/00/000 tile/64/000 tile/0/x000/001 tile/0/001/002 \
         tile/0/000.p/0 tile/0/000.p/256 tile/0/000.p/07 tile/0/000.p tile/entries/ \
         tile/x/000 tile/0/000/ tile/; do
	get "malformed: $p (L029)" 400 L029 "$p"
done
got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "$LOG/tile/0/000")
check "HEAD on a tile" "$got" "200 0"
got=$(curl -s -o body -w '%{http_code}' -X POST "$LOG/tile/0/000")
check "POST on a tile is 405" "$got" 405
grep -q '"code":"H005"' body && ok "POST on a tile is H005" || bad "POST on a tile is H005" "$(cat body)"

# ---- contents, against the JSON API ----
curl -s -o body "$LOG/entries?start=300&end=301"
check "level 0: hash 44 of tile 1 is the leaf of entry 300" "$(hash_at t0.001 44)" "$(field leaf)"
curl -s -o body "$LOG/entries?start=0&end=1"
check "level 0: hash 0 of tile 0 is the leaf of entry 0" "$(hash_at t0.000 0)" "$(field leaf)"
curl -s -o body "$LOG/entries?start=600&end=601"
check "level 0: hash 88 of the partial tile is the leaf of entry 600" "$(hash_at t0.002 88)" "$(field leaf)"
curl -s -o body "$LOG/proof/consistency?from=256&to=601"
check "level 1: hash 0 is the root of the first 256 entries" "$(hash_at t1.000 0)" "$(field root1)"
curl -s -o body "$LOG/proof/consistency?from=512&to=601"
r512=$(field root1 | base64 -d | hexof)
check "level 1: H(0x01 || hash 0 || hash 1) is the root of the first 512 entries" \
	"$({ printf '\001'; cat t1.000; } | sha256sum | cut -c1-64)" "$r512"

# ---- entry bundles ----
def=$(sha256sum < sim/definition.json | cut -c1-64)
get "bundle 0, which holds the definition entry" 200 - tile/entries/000 && cp body b.000
len=$(head -c 2 b.000 | od -An -tu1 | awk '{ print $1 * 256 + $2 }')
check "bundle 0: entry 0 is small, the definition logged by hash" "$([ "$len" -lt 1000 ] && echo yes)" yes
check "bundle 0: entry 0 ends with the definition's SHA-256" \
	"$(dd if=b.000 bs=1 skip=$((2 + len - 32)) count=32 2>/dev/null | hexof)" "$def"
check "bundle 0: no Content-Encoding unasked" "$(header content-encoding)" ""
check "bundle 0: Vary: Accept-Encoding" "$(header vary)" "Accept-Encoding"
# gzip (tlog-tiles: bundles SHOULD be served with Content-Encoding: gzip)
gz() { # gz NAME ACCEPT-ENCODING WANT-ENCODING PATH
	rm -f body hdr
	curl -s -o body -D hdr -H "Accept-Encoding: $2" "$LOG/$4" > /dev/null
	check "$1" "$(header content-encoding)" "$3"
}
gz "bundle 0 gzipped when asked" "gzip" gzip tile/entries/000
check "the gzipped bundle is the bundle" "$(gzip -dc < body | cmp -s - b.000 && echo same)" same
check "gzipped: smaller" "$([ "$(size body)" -lt "$(size b.000)" ] && echo yes)" yes
check "gzipped: Vary: Accept-Encoding" "$(header vary)" "Accept-Encoding"
check "gzipped: cached a year, immutable" "$(header cache-control)" "public, max-age=31536000, immutable"
gz "Accept-Encoding with weights: gzip" "br;q=1.0, gzip;q=0.5, *;q=0" gzip tile/entries/000
gz "Accept-Encoding x-gzip" "x-gzip" gzip tile/entries/000
gz "Accept-Encoding *" "*" gzip tile/entries/000
gz "Accept-Encoding gzip;q=0: none" "gzip;q=0" "" tile/entries/000
gz "Accept-Encoding *, gzip;q=0: none" "*, gzip;q=0" "" tile/entries/000
gz "Accept-Encoding identity: none" "identity" "" tile/entries/000
gz "Accept-Encoding with a malformed weight: none" "gzip;q=2" "" tile/entries/000
gz "Accept-Encoding br only: none" "br" "" tile/entries/000
gz "hash tiles are never gzipped" "gzip" "" tile/0/000
check "hash tiles: no Vary" "$(header vary)" ""
got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I -H 'Accept-Encoding: gzip' "$LOG/tile/entries/000")
check "HEAD on a bundle" "$got" "200 0"
get "bundle 1" 200 - tile/entries/001 && cp body b.001
check "bundle: cached a year, immutable" "$(header cache-control)" "public, max-age=31536000, immutable"
len=$(head -c 2 b.001 | od -An -tu1 | awk '{ print $1 * 256 + $2 }')
curl -s -o body "$LOG/entries?start=256&end=257"
check "bundle 1 starts with entry 256, byte for byte" \
	"$(dd if=b.001 bs=1 skip=2 count="$len" 2>/dev/null | base64 -w0)" "$(field entry)"
get "partial bundle 2, width 89" 200 - tile/entries/002.p/89
check "partial bundle: a short cache" "$(header cache-control)" "public, max-age=10"
get "bundle 2 in full does not exist yet (L030)" 404 L030 tile/entries/002

# ---- bodies ----
get "the definition's body" 200 - "body/$def" && cp body def.body
cmp -s def.body sim/definition.json && ok "the body is the definition file, byte for byte" \
	|| bad "the body is the definition file" "$(cmp def.body sim/definition.json)"
check "body: cached a year, immutable" "$(header cache-control)" "public, max-age=31536000, immutable"
check "body: application/octet-stream" "$(header content-type)" "application/octet-stream"
gz "body gzipped when asked" "gzip" gzip "body/$def"
check "the gzipped body is the body" "$(gzip -dc < body | cmp -s - sim/definition.json && echo same)" same
upper=$(echo "$def" | tr a-f A-F)
for p in "body/$upper" "body/$(echo "$def" | cut -c2-)" "body/${def}0" "body/$(echo "$def" | cut -c2-)g" "body/" "body/$def/x"; do
	get "malformed: $p (L029)" 400 L029 "$p"
done
get "a body no entry logs (L030)" 404 L030 "body/$(printf '%064d' 0)"

# ---- tally log fetch: the log from tiles alone ----
if "$TALLY" log fetch --url "$BASE" --key cec.pub --out fetched.dump > fetch.out 2>&1; then
	ok "fetch: the root from tiles is the checkpoint's ($(cat fetch.out))"
else
	bad "fetch" "$(cat fetch.out)"
fi
setup "$TALLY" log dump --db t.db --out stored.dump
cmp -s fetched.dump stored.dump && ok "fetch: the dump from tiles equals 'tally log dump'" \
	|| bad "fetch: the dump from tiles equals 'tally log dump'" "$(cmp fetched.dump stored.dump)"
"$TALLY" verify --dump fetched.dump --key cec.pub > verify.out 2>&1 \
	&& ok "verify: the dump from tiles is clean" || bad "verify: the dump from tiles" "$(tail -5 verify.out)"
for i in 0 1 255 256 300 511 512 599 600; do
	"$TALLY" log fetch --url "$LOG" --key cec.pub --proof $i > proof.tiles 2> fetch.err \
		|| { bad "inclusion proof of $i from tiles" "$(cat fetch.err)"; continue; }
	curl -s -o body "$LOG/proof/inclusion?index=$i&size=$N"
	{ echo "index $i"; echo "size $N"; echo "leaf $(field leaf)"; echo "root $(field root)"
	  sed -n 's/.*"proof":\[\([^]]*\)\].*/\1/p' body | tr ',' '\n' | tr -d '"' | sed '/^$/d'; } > proof.json
	cmp -s proof.tiles proof.json && ok "inclusion proof of $i from tiles equals the JSON API's ($(($(wc -l < proof.json) - 4)) hashes)" \
		|| bad "inclusion proof of $i from tiles" "$(diff proof.tiles proof.json | head -5)"
done
"$TALLY" log fetch --url "$LOG" --key cec.pub --proof 601 > /dev/null 2> fetch.err
check "fetch: a proof outside the tree is refused" "$?:$(grep -o 'L006' fetch.err)" "1:L006"
setup "$TALLY" keys generate --name other.example.org --out other.key
"$TALLY" log fetch --url "$LOG" --key other.pub > /dev/null 2> fetch.err
check "fetch: a checkpoint not signed by the key is refused" "$?:$(grep -o 'L010' fetch.err)" "1:L010"
"$TALLY" log fetch --url "http://192.0.2.1:80/api/v1/log" --key cec.pub > /dev/null 2> fetch.err
check "fetch: plain http only to this machine (N001)" "$?:$(grep -o N001 fetch.err)" "1:N001"
"$TALLY" log fetch --key cec.pub > /dev/null 2>&1
check "fetch: --url is needed (usage error)" "$?" 2

# ---- the log grows: tiles stay those of the signed tree ----
setup "$TALLY" annul --db t.db --station C003-002 --reason "court order 7" --by judge
get "after a new entry, unsigned: still width 89 (L030 for 90)" 404 L030 tile/0/002.p/90
setup "$TALLY" publish --db t.db --quiet
# a results statement of 80 constituencies is over 61,440 bytes: logged by
# hash; published after the signed tree, its body is not served until the
# next checkpoint
setup "$TALLY" simulate --out big --constituencies 80 --stations 80 --typos 0 --bad 0 --warnings 0 --no-double-entry
setup "$TALLY" init --db big.db big/definition.json
setup "$TALLY" submit --db big.db --quiet big/entries-1.json
setup "$TALLY" log checkpoint --db big.db --key cec.key
setup "$TALLY" publish --db big.db --quiet
setup "$TALLY" log dump --db big.db --out big.dump
stmt=$(sed -n 's/^body \([0-9a-f]\{64\}\) tally\/v1\/results-statement.*/\1/p' big.dump)
check "a statement of 80 constituencies is logged by hash" "$(echo "$stmt" | wc -c | tr -d ' ')" 65
start big --db big.db
BIG=$BASE/api/v1/log
st=$(curl -s -o body -w '%{http_code}' "$BIG/body/$stmt")
check "a body logged after the signed tree is not served (L030)" "$st:$(grep -o L030 body)" "404:L030"
setup "$TALLY" log checkpoint --db big.db --key cec.key
st=$(curl -s -o body -w '%{http_code}' "$BIG/body/$stmt")
check "after the next checkpoint it is" "$st:$(sha256sum < body | cut -c1-64)" "200:$stmt"
setup "$TALLY" log dump --db t.db --out grown.dump
setup "$TALLY" log checkpoint --db t.db --key cec.key
get "after the next checkpoint: width 91" 200 - tile/0/002.p/91
check "the first 89 hashes did not change" "$(head -c 2848 body | hexof)" "$(hexof < t0.002)"
"$TALLY" log fetch --url "$MAIN" --key cec.pub --out grown.fetched > fetch.out 2>&1 \
	&& ok "fetch after growth: 603 entries" || bad "fetch after growth" "$(cat fetch.out)"
# the same entries and bodies (the checkpoints differ: the fetch has the latest only)
grep -v '^checkpoint ' grown.fetched > a.lines
grep -v '^checkpoint ' grown.dump > b.lines
cmp -s a.lines b.lines && ok "fetch after growth: the entries and bodies of 'tally log dump'" \
	|| bad "fetch after growth: the entries and bodies" "$(cmp a.lines b.lines)"

# ---- a static mirror: the tiles as plain files ----
mkdir -p mirror/log/tile/0/002.p mirror/log/tile/1/000.p
for p in checkpoint tile/0/000 tile/0/001 tile/0/002.p/91 tile/1/000.p/2; do
	curl -s -o "mirror/log/$p" "$LOG/$p"
done
start mirror --db t.db --web "$W/mirror"
"$TALLY" log fetch --url "$BASE/log" --key cec.pub --proof 300 > mirror.proof 2> fetch.err \
	&& ok "fetch from a static mirror" || bad "fetch from a static mirror" "$(cat fetch.err)"
"$TALLY" log fetch --url "$LOG" --key cec.pub --proof 300 > proof.tiles 2>/dev/null
cmp -s mirror.proof proof.tiles && ok "the mirror gives the same proof" || bad "the mirror gives the same proof" "$(diff mirror.proof proof.tiles)"
# one bit of hash 44 of tile 1 (entry 300's leaf) flipped
b=$(dd if=mirror/log/tile/0/001 bs=1 skip=1408 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
{ head -c 1408 mirror/log/tile/0/001; printf "\\$(printf '%03o' $((b ^ 1)))"
  tail -c +1410 mirror/log/tile/0/001; } > x && mv x mirror/log/tile/0/001
check "the altered tile is still 8,192 bytes" "$(size mirror/log/tile/0/001)" 8192
check "the altered tile differs from the served one in one byte" "$(cmp -l mirror/log/tile/0/001 t0.001 | wc -l | tr -d ' ')" 1
"$TALLY" log fetch --url "$BASE/log" --key cec.pub --proof 300 > /dev/null 2> fetch.err
check "fetch: a mirror with one altered tile is refused" "$?:$(grep -o 'L032' fetch.err | head -1)" "1:L032"
head -c 100 mirror/log/tile/0/000 > x && mv x mirror/log/tile/0/000
"$TALLY" log fetch --url "$BASE/log" --key cec.pub --proof 5 > /dev/null 2> fetch.err
check "fetch: a tile of the wrong size is refused" "$?:$(grep -c 'not 256 hashes' fetch.err)" "1:1"

# ---- a database altered under the server ----
sqlite3 t.db "UPDATE log_bodies SET body = CAST(replace(CAST(body AS TEXT), '\"id\"', '\"Id\"') AS BLOB)"
get "a changed body is refused (L018)" 500 L018 "body/$def"
sqlite3 t.db "UPDATE log SET entry = entry || x'00' WHERE idx = 300"
get "a changed entry: its bundle is refused (L018)" 500 L018 tile/entries/001
"$TALLY" log fetch --url "$MAIN" --key cec.pub --out x.dump > /dev/null 2> fetch.err
check "fetch: the refused bundle fails the fetch" "$?:$(grep -o 'L018' fetch.err | head -1)" "1:L018"
get "hash tiles still served (the leaf hashes are the signed ones)" 200 - tile/0/001
sqlite3 t.db "UPDATE checkpoints SET root = zeroblob(32) WHERE id = (SELECT max(id) FROM checkpoints)"
get "a checkpoint the log no longer gives: no tiles (L017)" 500 L017 tile/0/000

# ---- stop: a clean exit, no sanitizer reports ----
stop_servers
no_sanitizer_reports main.err mirror.err big.err
finish
