#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# api-test.sh: the HTTP API of `tally serve` (docs/api-http.md), end to end.
# It makes a small simulated election, starts the server on a free loopback
# port (127.0.0.1 only), and checks:
#   - the authorisation matrix: every endpoint for every role (no token, a
#     bad token, precinct, constituency, cec, observer), each cell its own
#     request with the status and error code it must get; plus the scope
#     cells (a precinct or constituency commission reaching outside its
#     station or constituency);
#   - bad bodies (malformed JSON, wrong shapes, missing fields, unknown
#     objects, bodies over the limit), conflicts and replays (double entry
#     by the same operator, a changed protocol without a reason, annulling
#     twice, turnout that contradicts itself), ETags and caching, the rate
#     limit, and the token store (hashed tokens, revocation).
# The server is stopped at the end; sanitizer output in its log fails the run.
# Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed".
#
# usage: tests/server/api-test.sh   (TALLY=path/to/tally, default build/test/tally)

. "$(dirname "$0")/common.sh"
server_test_init api curl awk
# a failure here also shows the last answer's body (JSON)
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; [ -f "$W/body" ] && head -c 400 "$W/body" && echo; }

# ---- the election: 3 constituencies, 30 stations ----
setup "$TALLY" simulate --out sim --constituencies 3 --stations 30 --typos 0 --bad 0 --warnings 2
setup "$TALLY" init --db t.db sim/definition.json
# one protocol per line, without the trailing comma
proto() { grep "\"station\":\"$2\"" "sim/entries-$1.json" | sed 's/,$//'; }
strip_op() { sed 's/"operator":"[^"]*",//'; }
# the same protocol with one vote moved between the first two candidates: still valid, but different
shift_vote() {
	awk '{ i = index($0, "\"candidates\":{"); head = substr($0, 1, i + 13); rest = substr($0, i + 14);
	       match(rest, /:[0-9]+/); a = substr(rest, RSTART + 1, RLENGTH - 1) + 0;
	       p1 = substr(rest, 1, RSTART); rest = substr(rest, RSTART + RLENGTH);
	       match(rest, /:[0-9]+/); b = substr(rest, RSTART + 1, RLENGTH - 1) + 0;
	       p2 = substr(rest, 1, RSTART); rest = substr(rest, RSTART + RLENGTH);
	       if (b > 0) { a++; b-- } else { a--; b++ }
	       print head p1 a p2 b rest }'
}
# everything entered twice through the command line, except stations -009
# (left for the API) and -008 (entered so that they are in conflict)
{
	echo '{"protocols":['
	for n in 1 2; do
		grep '"station"' sim/entries-$n.json | sed 's/,$//' | grep -v -e '-009"' -e '-008"' | sed 's/$/,/'
	done
	for c in C001 C002; do
		proto 1 $c-008 | sed 's/$/,/'
		proto 2 $c-008 | shift_vote | sed 's/$/,/'
	done
	proto 1 C003-001
	echo ']}'
} > bulk.json
"$TALLY" submit --db t.db -q bulk.json > submit.out 2>&1
grep -q '2 in conflict' submit.out || { echo "set-up: expected 2 conflicts"; cat submit.out; echo "0 passed, 1 failed"; exit 1; }

tok() { "$TALLY" user add --db t.db "$@" 2>>users.err; }
PREC=$(tok --role precinct --station C001-009 --name prec-c001-009)
PREC_X=$(tok --role precinct --station C002-009 --name prec-c002-009)
CON=$(tok --role constituency --constituency C001 --name con-c001)
CEC=$(tok --role cec --name cec-admin)
OBS=$(tok --role observer --name observer-1)
BAD=tly_0000000000000000000000000000000000000000000000000000000000000000
for t in "$PREC" "$PREC_X" "$CON" "$CEC" "$OBS"; do
	case $t in tly_*) ;; *) echo "set-up: no token"; cat users.err; echo "0 passed, 1 failed"; exit 1 ;; esac
done

start main --db t.db --max-body 65536 --forensics-every 0

# cell NAME STATUS CODE METHOD PATH TOKEN [BODY]: one request, its status
# and (unless CODE is -) the error code of its body
cell() {
	name=$1 want=$2 code=$3 m=$4 path=$5 t=$6
	rm -f "$W/body"
	if [ $# -ge 7 ]; then
		if [ -n "$t" ]; then
			got=$(curl -s -o "$W/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" --data-binary "$7" "$BASE$path")
		else
			got=$(curl -s -o "$W/body" -w '%{http_code}' -X "$m" --data-binary "$7" "$BASE$path")
		fi
	elif [ -n "$t" ]; then
		got=$(curl -s -o "$W/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "$BASE$path")
	else
		got=$(curl -s -o "$W/body" -w '%{http_code}' -X "$m" "$BASE$path")
	fi
	if [ "$got" != "$want" ]; then bad "$name" "status $got, expected $want"; return 1; fi
	if [ "$code" != "-" ] && ! grep -q "\"code\":\"$code\"" "$W/body"; then
		bad "$name" "no error code $code"; return 1
	fi
	ok "$name"
}
has() { # has NAME STRING: the last body contains STRING
	if grep -qF -e "$2" "$W/body"; then ok "$1"; else bad "$1" "body lacks $2"; fi
}

# ---- the authorisation matrix ----
# public reads: everyone, but a bad token is refused
for ep in definition results results/constituencies/C001 results/stations/C001-001 progress turnout \
	forensics forensics/fingerprint.svg; do
	cell "GET $ep: no token" 200 - GET /api/v1/$ep ""
	cell "GET $ep: bad token" 401 H001 GET /api/v1/$ep "$BAD"
	cell "GET $ep: precinct" 200 - GET /api/v1/$ep "$PREC"
	cell "GET $ep: constituency" 200 - GET /api/v1/$ep "$CON"
	cell "GET $ep: cec" 200 - GET /api/v1/$ep "$CEC"
	cell "GET $ep: observer" 200 - GET /api/v1/$ep "$OBS"
done
# me
cell "GET me: no token" 401 H001 GET /api/v1/me ""
cell "GET me: bad token" 401 H001 GET /api/v1/me "$BAD"
for r in PREC CON CEC OBS; do
	eval "t=\$$r"; cell "GET me: $r" 200 - GET /api/v1/me "$t"
done
has "GET me names the observer" '"role":"observer"'
# entries of a station
cell "GET entries: no token" 401 H001 GET /api/v1/stations/C001-009/entries ""
cell "GET entries: bad token" 401 H001 GET /api/v1/stations/C001-009/entries "$BAD"
cell "GET entries: precinct (own)" 200 - GET /api/v1/stations/C001-009/entries "$PREC"
cell "GET entries: constituency (own)" 200 - GET /api/v1/stations/C001-008/entries "$CON"
has "GET entries shows the disputed entries" '"state":"disputed"'
cell "GET entries: cec" 200 - GET /api/v1/stations/C002-008/entries "$CEC"
cell "GET entries: observer" 200 - GET /api/v1/stations/C002-008/entries "$OBS"
has "GET entries: observer sees operators" '"operator":"op-C002-'
cell "GET entries: precinct (other station)" 403 H003 GET /api/v1/stations/C002-009/entries "$PREC"
cell "GET entries: constituency (other)" 403 H003 GET /api/v1/stations/C002-008/entries "$CON"
cell "GET entries: unknown station" 404 P005 GET /api/v1/stations/X-1/entries "$CEC"
# conflicts and warnings
for ep in conflicts warnings; do
	cell "GET $ep: no token" 401 H001 GET /api/v1/$ep ""
	cell "GET $ep: bad token" 401 H001 GET /api/v1/$ep "$BAD"
	cell "GET $ep: precinct" 403 H002 GET /api/v1/$ep "$PREC"
	cell "GET $ep: constituency" 200 - GET /api/v1/$ep "$CON"
	cell "GET $ep: cec" 200 - GET /api/v1/$ep "$CEC"
	cell "GET $ep: observer" 200 - GET /api/v1/$ep "$OBS"
done
cell "GET conflicts: cec sees both" 200 - GET /api/v1/conflicts "$CEC"
has "conflicts: C001-008 listed" '"station":"C001-008"'
has "conflicts: C002-008 listed" '"station":"C002-008"'
has "conflicts: the differing line" '"differences":[{"line":"C00'
cell "GET conflicts: constituency sees its own" 200 - GET /api/v1/conflicts "$CON"
if grep -q 'C002-008' "$W/body"; then bad "conflicts: constituency sees only its own" "C002-008 listed"; else ok "conflicts: constituency sees only its own"; fi

# protocols: double entry through the API
P9=$(proto 1 C001-009 | strip_op)
P9X=$(proto 1 C002-009 | strip_op)
P3=$(proto 1 C003-009 | strip_op)
cell "POST protocols: no token" 401 H001 POST /api/v1/protocols "" "$P9"
cell "POST protocols: bad token" 401 H001 POST /api/v1/protocols "$BAD" "$P9"
cell "POST protocols: malformed Authorization" 401 H001 POST /api/v1/protocols "" "$P9"
rm -f body; got=$(curl -s -o body -w '%{http_code}' -H "Authorization: Basic eDp5" --data-binary "$P9" "$BASE/api/v1/protocols")
if [ "$got" = 401 ] && grep -q H001 body; then ok "POST protocols: Basic auth is 401"; else bad "POST protocols: Basic auth is 401" "$got"; fi
cell "POST protocols: observer" 403 H002 POST /api/v1/protocols "$OBS" "$P9"
cell "POST protocols: precinct (other station)" 403 H003 POST /api/v1/protocols "$PREC" "$P9X"
cell "POST protocols: constituency (other)" 403 H003 POST /api/v1/protocols "$CON" "$P9X"
cell "POST protocols: precinct (own), first entry" 202 - POST /api/v1/protocols "$PREC" "$P9"
has "first entry is pending" '"status":"pending"'
has "the operator is the token's user" '"operator":"prec-c001-009"'
cell "POST protocols: same operator again" 409 P010 POST /api/v1/protocols "$PREC" "$P9"
cell "POST protocols: constituency (own), second entry" 201 - POST /api/v1/protocols "$CON" "$P9"
has "second agreeing entry is accepted" '"status":"accepted"'
cell "POST protocols: replay of the accepted protocol" 200 - POST /api/v1/protocols "$PREC" "$P9"
has "replay is a duplicate" '"status":"duplicate"'
cell "POST protocols: changed without a reason" 409 P011 POST /api/v1/protocols "$PREC" "$(echo "$P9" | shift_vote)"
cell "POST protocols: cec, first entry" 202 - POST /api/v1/protocols "$CEC" "$P3"
cell "POST protocols: precinct naming another operator" 400 H008 POST /api/v1/protocols "$PREC_X" "$(proto 1 C002-009)"
cell "POST protocols: cec may name the operator" 202 - POST /api/v1/protocols "$CEC" "$(proto 1 C002-009)"
cell "POST protocols: precinct (own) agrees" 201 - POST /api/v1/protocols "$PREC_X" "$P9X"
# bad bodies
cell "POST protocols: malformed JSON" 400 P001 POST /api/v1/protocols "$CEC" '{"station":'
cell "POST protocols: not an object" 400 H008 POST /api/v1/protocols "$CEC" '42'
cell "POST protocols: empty array" 400 H008 POST /api/v1/protocols "$CEC" '[]'
cell "POST protocols: an array of numbers" 400 P002 POST /api/v1/protocols "$CEC" '[1]'
cell "POST protocols: no body" 400 H008 POST /api/v1/protocols "$CEC" ''
cell "POST protocols: missing lines" 400 P003 POST /api/v1/protocols "$CEC" '{"station":"C003-009","candidates":{}}'
cell "POST protocols: unknown field" 400 P004 POST /api/v1/protocols "$CEC" "$(echo "$P3" | sed 's/^{/{"colour":"red",/')"
cell "POST protocols: unknown station" 404 P005 POST /api/v1/protocols "$CEC" "$(echo "$P3" | sed 's/C003-009/C999-001/')"
cell "POST protocols: a relation broken" 422 P009 POST /api/v1/protocols "$CEC" "$(echo "$P3" | sed 's/"valid":[0-9]*/"valid":1/')"
head -c 70000 /dev/zero | tr '\0' ' ' > big.json
cell "POST protocols: body over the limit" 413 H006 POST /api/v1/protocols "$CEC" @big.json

# turnout
cell "POST turnout: no token" 401 H001 POST /api/v1/turnout "" '{"station":"C001-009","time":"10:00","voters":100}'
cell "POST turnout: bad token" 401 H001 POST /api/v1/turnout "$BAD" '{"station":"C001-009","time":"10:00","voters":100}'
cell "POST turnout: observer" 403 H002 POST /api/v1/turnout "$OBS" '{"station":"C001-009","time":"10:00","voters":100}'
cell "POST turnout: precinct (other station)" 403 H003 POST /api/v1/turnout "$PREC_X" '{"station":"C001-009","time":"10:00","voters":100}'
cell "POST turnout: precinct (own)" 201 - POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"10:00","voters":100}'
cell "POST turnout: constituency (own)" 201 - POST /api/v1/turnout "$CON" '[{"station":"C001-009","time":"12:00","voters":180}]'
cell "POST turnout: cec" 201 - POST /api/v1/turnout "$CEC" '{"station":"C003-009","time":"10:00","voters":90}'
cell "POST turnout: replay" 200 - POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"10:00","voters":100}'
has "turnout replay is a repeat" '"repeats":1'
cell "POST turnout: contradicting report" 409 T004 POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"10:00","voters":101}'
cell "POST turnout: fewer voters later" 400 T003 POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"15:00","voters":50}'
cell "POST turnout: bad time" 400 T001 POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"25:00","voters":100}'
cell "GET turnout: sums the reports" 200 - GET /api/v1/turnout ""
has "turnout at 10:00" '{"time":"10:00","stations":2,"voters":190,'

# resolve
cell "POST resolve: no token" 401 H001 POST /api/v1/stations/C001-008/resolve "" '{"discard":true}'
cell "POST resolve: bad token" 401 H001 POST /api/v1/stations/C001-008/resolve "$BAD" '{"discard":true}'
cell "POST resolve: precinct" 403 H002 POST /api/v1/stations/C001-008/resolve "$PREC" '{"discard":true}'
cell "POST resolve: observer" 403 H002 POST /api/v1/stations/C001-008/resolve "$OBS" '{"discard":true}'
cell "POST resolve: constituency (other)" 403 H003 POST /api/v1/stations/C002-008/resolve "$CON" '{"discard":true}'
cell "POST resolve: bad body" 400 H008 POST /api/v1/stations/C001-008/resolve "$CON" '{"keep":"first"}'
cell "POST resolve: not an object" 400 H008 POST /api/v1/stations/C001-008/resolve "$CON" '[]'
cell "POST resolve: not one of the entries" 404 P015 POST /api/v1/stations/C001-008/resolve "$CON" '{"keep":999999}'
cell "POST resolve: constituency (own) discards" 200 - POST /api/v1/stations/C001-008/resolve "$CON" '{"discard":true}'
cell "POST resolve: nothing left to resolve" 404 P015 POST /api/v1/stations/C001-008/resolve "$CON" '{"discard":true}'
cell "GET entries: the disputed entry to keep" 200 - GET /api/v1/stations/C002-008/entries "$CEC"
KEEP=$(sed -n 's/.*"id":\([0-9]*\),"version":[0-9]*,"state":"disputed".*/\1/p' body | head -n 1)
cell "POST resolve: cec keeps one" 200 - POST /api/v1/stations/C002-008/resolve "$CEC" "{\"keep\":${KEEP:-0}}"
cell "GET results/stations: the kept version" 200 - GET /api/v1/results/stations/C002-008 ""
has "the station is reported" '"reported":true,"annulled":false,"version":1'

# annul a station
cell "POST annul station: no token" 401 H001 POST /api/v1/stations/C001-001/annul "" '{"reason":"x"}'
cell "POST annul station: bad token" 401 H001 POST /api/v1/stations/C001-001/annul "$BAD" '{"reason":"x"}'
cell "POST annul station: precinct" 403 H002 POST /api/v1/stations/C001-009/annul "$PREC" '{"reason":"x"}'
cell "POST annul station: observer" 403 H002 POST /api/v1/stations/C001-001/annul "$OBS" '{"reason":"x"}'
cell "POST annul station: constituency (other)" 403 H003 POST /api/v1/stations/C002-001/annul "$CON" '{"reason":"x"}'
cell "POST annul station: no reason" 400 A002 POST /api/v1/stations/C001-001/annul "$CON" '{}'
cell "POST annul station: unknown" 404 P005 POST /api/v1/stations/C001-999/annul "$CON" '{"reason":"x"}'
cell "POST annul station: constituency (own)" 201 - POST /api/v1/stations/C001-001/annul "$CON" '{"reason":"ballot box seal broken"}'
cell "POST annul station: twice" 409 A001 POST /api/v1/stations/C001-001/annul "$CEC" '{"reason":"again"}'
cell "POST annul station: cec" 201 - POST /api/v1/stations/C002-001/annul "$CEC" '{"reason":"court ruling"}'
cell "POST protocols: annulled station" 409 P012 POST /api/v1/protocols "$CEC" "$(proto 1 C001-001 | sed 's/"operator":"[^"]*"/"operator":"late-op"/')"

# publish
cell "POST publish: no token" 401 H001 POST /api/v1/publish "" ''
cell "POST publish: bad token" 401 H001 POST /api/v1/publish "$BAD" ''
cell "POST publish: precinct" 403 H002 POST /api/v1/publish "$PREC" ''
cell "POST publish: constituency" 403 H002 POST /api/v1/publish "$CON" ''
cell "POST publish: observer" 403 H002 POST /api/v1/publish "$OBS" ''
cell "POST publish: cec" 201 - POST /api/v1/publish "$CEC" ''
has "publish logs a statement" '"log_index":'

# annul a constituency (last: it changes C003 for good)
cell "POST annul constituency: no token" 401 H001 POST /api/v1/constituencies/C003/annul "" '{"reason":"x"}'
cell "POST annul constituency: bad token" 401 H001 POST /api/v1/constituencies/C003/annul "$BAD" '{"reason":"x"}'
cell "POST annul constituency: precinct" 403 H002 POST /api/v1/constituencies/C003/annul "$PREC" '{"reason":"x"}'
cell "POST annul constituency: constituency" 403 H002 POST /api/v1/constituencies/C001/annul "$CON" '{"reason":"x"}'
cell "POST annul constituency: observer" 403 H002 POST /api/v1/constituencies/C003/annul "$OBS" '{"reason":"x"}'
cell "POST annul constituency: unknown" 404 A003 POST /api/v1/constituencies/C999/annul "$CEC" '{"reason":"x"}'
cell "POST annul constituency: malformed body" 400 P001 POST /api/v1/constituencies/C003/annul "$CEC" '{reason}'
cell "POST annul constituency: cec" 201 - POST /api/v1/constituencies/C003/annul "$CEC" '{"reason":"mass violations"}'
cell "GET results/constituencies: annulled" 200 - GET /api/v1/results/constituencies/C003 ""
has "C003 is invalid" '"outcome":"invalid"'

# ---- routes, methods, unknown objects ----
cell "unknown route" 404 H004 GET /api/v1/nothing ""
cell "method not allowed" 405 H005 DELETE /api/v1/results ""
cell "method not allowed on a static path" 405 H005 POST /index.html ""
cell "unknown constituency" 404 A003 GET /api/v1/results/constituencies/C999 ""
cell "unknown station" 404 P005 GET /api/v1/results/stations/C001-999 ""

# ---- ETags and caching ----
etag() { curl -s -D - -o /dev/null "$@" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }
E1=$(etag "$BASE/api/v1/results")
[ -n "$E1" ] && ok "results carry an ETag" || bad "results carry an ETag" "none"
cc=$(curl -s -D - -o /dev/null "$BASE/api/v1/results" | tr -d '\r' | sed -n 's/^[Cc]ache-[Cc]ontrol: //p')
[ "$cc" = "public, no-cache" ] && ok "results Cache-Control" || bad "results Cache-Control" "$cc"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E1" "$BASE/api/v1/results")
[ "$got" = 304 ] && ok "unchanged results: 304" || bad "unchanged results: 304" "$got"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E1" "$BASE/api/v1/progress")
[ "$got" = 304 ] && ok "progress shares the generation: 304" || bad "progress shares the generation: 304" "$got"
cell "write moves the generation" 201 - POST /api/v1/turnout "$PREC" '{"station":"C001-009","time":"15:00","voters":250}'
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E1" "$BASE/api/v1/results")
[ "$got" = 200 ] && ok "changed results: 200" || bad "changed results: 200" "$got"
E2=$(etag "$BASE/api/v1/results")
# a change by another process (the command line) is seen through data_version
printf 'station,time,voters\nC002-009,10:00,77\n' > late.csv
"$TALLY" turnout --db t.db late.csv >/dev/null 2>&1
E3=$(etag "$BASE/api/v1/results")
[ -n "$E2" ] && [ "$E2" != "$E3" ] && ok "a command-line write changes the ETag" || bad "a command-line write changes the ETag" "$E2 $E3"
"$TALLY" results --db t.db --format json > cli.json 2>/dev/null
curl -s "$BASE/api/v1/results" > api.json
cmp -s cli.json api.json && ok "API results = tally results --format json" || bad "API results = tally results --format json" "differ"
E4=$(etag "$BASE/api/v1/definition")
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E4" "$BASE/api/v1/definition")
[ "$got" = 304 ] && ok "definition: 304" || bad "definition: 304" "$got"

# HEAD: the headers of GET, with its Content-Length, and no body
len=$(curl -s "$BASE/api/v1/results" | wc -c | tr -d ' ')
hl=$(curl -s -I "$BASE/api/v1/results" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "$BASE/api/v1/results")
[ "$hl" = "$len" ] && [ "$got" = "200 0" ] && ok "HEAD: Content-Length of the GET ($len), no body" || bad "HEAD results" "length '$hl' (GET $len), $got"

# ---- the forensic report ----
cell "GET forensics" 200 - GET /api/v1/forensics ""
"$TALLY" forensics --db t.db --format json > cli-fx.json 2>/dev/null
cmp -s cli-fx.json "$W/body" && ok "API forensics = tally forensics --db --format json" || bad "API forensics = tally forensics --format json" "differ"
mkdir -p plots
"$TALLY" forensics --db t.db --out plots >/dev/null 2>&1
for plot in fingerprint turnout cumulative shpilkin; do
	cell "GET forensics/$plot.svg" 200 - GET /api/v1/forensics/$plot.svg ""
	cmp -s "plots/$plot.svg" "$W/body" && ok "$plot.svg = tally forensics --out" || bad "$plot.svg = tally forensics --out" "differ"
done
ct=$(curl -s -D - -o /dev/null "$BASE/api/v1/forensics/cumulative.svg" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
check "plots are image/svg+xml" "$ct" "image/svg+xml"
cell "GET forensics: no such plot" 404 H004 GET /api/v1/forensics/corner.svg ""
cell "GET forensics: a plot without .svg" 404 H004 GET /api/v1/forensics/fingerprint ""
cell "POST forensics" 405 H005 POST /api/v1/forensics "$CEC" '{}'
F1=$(etag "$BASE/api/v1/forensics")
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $F1" "$BASE/api/v1/forensics")
[ "$got" = 304 ] && ok "unchanged report: 304" || bad "unchanged report: 304" "$got"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $F1" "$BASE/api/v1/forensics/turnout.svg")
[ "$got" = 304 ] && ok "a plot shares the report's ETag: 304" || bad "a plot shares the report's ETag: 304" "$got"
# a counted protocol changes the report
cell "an annulment for the report" 201 - POST /api/v1/stations/C002-002/annul "$CEC" '{"reason":"forensics test"}'
got=$(curl -s -o "$W/body" -w '%{http_code}' -H "If-None-Match: $F1" "$BASE/api/v1/forensics")
[ "$got" = 200 ] && ok "changed count: a new report" || bad "changed count: a new report" "$got"
"$TALLY" forensics --db t.db --format json > cli-fx2.json 2>/dev/null
cmp -s cli-fx2.json "$W/body" && ok "the new report = tally forensics" || bad "the new report = tally forensics" "differ"
cmp -s cli-fx.json cli-fx2.json && bad "the report changed" "same as before" || ok "the report changed"
# ten at once: one computation, the same answer to all
cpids=""
i=0; while [ $i -lt 10 ]; do curl -s -o "fx$i.json" "$BASE/api/v1/forensics" & cpids="$cpids $!"; i=$((i + 1)); done
for p in $cpids; do wait "$p"; done
same=0; i=0; while [ $i -lt 10 ]; do cmp -s "fx$i.json" cli-fx2.json && same=$((same + 1)); i=$((i + 1)); done
check "10 concurrent reads: the same report" "$same" 10

# ---- the token store ----
if grep -q "$CEC" t.db t.db-wal 2>/dev/null; then bad "tokens are stored hashed" "token in the database"; else ok "tokens are stored hashed"; fi
"$TALLY" user add --db t.db --role cec --name cec-admin > dup.out 2>&1
[ $? -eq 1 ] && grep -q H010 dup.out && ok "user add: a name twice is H010" || bad "user add: a name twice is H010" "$(cat dup.out)"
"$TALLY" user add --db t.db --role precinct --station C9-9 --name p9 > unk.out 2>&1
[ $? -eq 1 ] && grep -q P005 unk.out && ok "user add: unknown station" || bad "user add: unknown station" "$(cat unk.out)"
"$TALLY" user add --db t.db --role constituency --constituency C9 --name c9 > unk.out 2>&1
[ $? -eq 1 ] && grep -q A003 unk.out && ok "user add: unknown constituency" || bad "user add: unknown constituency" "$(cat unk.out)"
"$TALLY" user add --db t.db --role precinct --name p9 > usage.out 2>&1
[ $? -eq 2 ] && ok "user add: precinct without --station is a usage error" || bad "user add: precinct without --station" "$(cat usage.out)"
"$TALLY" user add --db t.db --role cec --name 'bad name' > name.out 2>&1
[ $? -eq 1 ] && grep -q P016 name.out && ok "user add: invalid name is P016" || bad "user add: invalid name" "$(cat name.out)"
"$TALLY" user list --db t.db > list.out 2>&1 && grep -q 'observer-1 *observer' list.out && ok "user list" || bad "user list" "$(cat list.out)"
"$TALLY" user revoke --db t.db --name nobody > rev.out 2>&1
[ $? -eq 1 ] && grep -q H011 rev.out && ok "user revoke: unknown name is H011" || bad "user revoke: unknown" "$(cat rev.out)"
"$TALLY" user revoke --db t.db --name observer-1 > rev.out 2>&1 && ok "user revoke" || bad "user revoke" "$(cat rev.out)"
cell "a revoked token is refused" 401 H001 GET /api/v1/me "$OBS"

# ---- the forensic report under a changing count (--forensics-every, default 30 s) ----
MAIN=$BASE
start fxslow --db t.db
cell "slow server: GET forensics" 200 - GET /api/v1/forensics ""
cp "$W/body" fxslow1.json
G1=$(etag "$BASE/api/v1/forensics")
"$TALLY" annul --db t.db --station C002-003 --reason "forensics interval" --by cec >/dev/null 2>&1
cell "slow server: the count changed" 200 - GET /api/v1/results ""
G2=$(etag "$BASE/api/v1/forensics")
[ -n "$G1" ] && [ "$G1" = "$G2" ] && ok "within 30 s the last report is served (same ETag)" || bad "within 30 s the last report is served" "$G1 then $G2"
curl -s -o fxslow2.json "$BASE/api/v1/forensics"
cmp -s fxslow1.json fxslow2.json && ok "within 30 s: the same bytes" || bad "within 30 s: the same bytes" "differ"
BASE=$MAIN
cell "the main server recomputes at once" 200 - GET /api/v1/forensics ""
"$TALLY" forensics --db t.db --format json > cli-fx3.json 2>/dev/null
cmp -s cli-fx3.json "$W/body" && ok "--forensics-every 0: the report of the new count" || bad "--forensics-every 0: the report of the new count" "differ"
"$TALLY" serve --db t.db --forensics-every 86401 > fxbad.out 2>&1
[ $? -eq 2 ] && grep -q 'forensics-every is 0-86400' fxbad.out && ok "--forensics-every out of range: usage error" || bad "--forensics-every out of range" "$(cat fxbad.out)"

# ---- the rate limit (a second server: 1 request a second, bursts of 3) ----
start limited --db t.db --rate 1 --burst 3
codes=""
for i in 1 2 3 4; do codes="$codes $(curl -s -o body -w '%{http_code}' -H "Authorization: Bearer $CEC" "$BASE/api/v1/me")"; done
[ "$codes" = " 200 200 200 429" ] && grep -q H007 body && ok "rate limit: 429 after the burst" || bad "rate limit: 429 after the burst" "$codes"
got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PREC" "$BASE/api/v1/me")
[ "$got" = 200 ] && ok "rate limit is per token" || bad "rate limit is per token" "$got"
sleep 1.1
got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CEC" "$BASE/api/v1/me")
[ "$got" = 200 ] && ok "rate limit refills" || bad "rate limit refills" "$got"

# ---- group commit: many concurrent submissions, each stored exactly once ----
# a fresh election of 120 stations; both entries of every station, one
# request each (240), sent 32 at a time, so that requests share commits
setup "$TALLY" simulate --out gsim --constituencies 4 --stations 120 --typos 0 --bad 0 --warnings 0
setup "$TALLY" init --db g.db gsim/definition.json
GCEC=$("$TALLY" user add --db g.db --role cec --name cec-group 2>>users.err)
start group --db g.db --rate 100000 --burst 100000
GBASE=$BASE
mkdir -p g
for n in 1 2; do grep '"station"' gsim/entries-$n.json | sed 's/,$//'; done |
	awk '{ f = sprintf("g/%03d.json", NR); print > f; close(f) }'
ls g/*.json | xargs -P 32 -I{} curl -s -o {}.out -w '%{http_code}\n' \
	-H "Authorization: Bearer $GCEC" --data-binary @{} "$GBASE/api/v1/protocols" > gcodes
n201=$(grep -c '^201$' gcodes) n202=$(grep -c '^202$' gcodes) nall=$(wc -l < gcodes)
[ "$nall" -eq 240 ] && [ "$n201" -eq 120 ] && [ "$n202" -eq 120 ] &&
	ok "group commit: 240 concurrent submissions, 120 pending + 120 accepted" ||
	bad "group commit: 240 concurrent submissions" "$nall answers, $n201 x 201, $n202 x 202: $(sort gcodes | uniq -c | tr '\n' ' ')"
# each answer is its own request's: the station it names is the one it sent
mism=0
for f in g/*.json; do
	st=$(sed -n 's/.*"station":"\([^"]*\)".*/\1/p' "$f")
	grep -q "\"station\":\"$st\"" "$f.out" || mism=$((mism + 1))
done
[ $mism -eq 0 ] && ok "group commit: every answer names its own station" || bad "group commit: every answer names its own station" "$mism mismatched"
# stored exactly once: two entries per station, both accepted
once=0 total=0
for st in $(grep '"station"' gsim/entries-1.json | sed 's/.*"station":"\([^"]*\)".*/\1/'); do
	curl -s -H "Authorization: Bearer $GCEC" "$GBASE/api/v1/stations/$st/entries" > gent.json
	k=$(grep -o '"state":"accepted"' gent.json | wc -l)
	total=$((total + 1))
	[ "$k" -eq 2 ] && once=$((once + 1))
done
[ $once -eq 120 ] && [ $total -eq 120 ] && ok "group commit: each station stored exactly twice (no loss, no repeat)" ||
	bad "group commit: stored exactly once" "$once of $total stations with exactly two accepted entries"
"$TALLY" results --db g.db --format json > gcli.json 2>/dev/null
curl -s "$GBASE/api/v1/results" > gapi.json
cmp -s gcli.json gapi.json && ok "group commit: API results = tally results after the burst" || bad "group commit: results" "differ"

# ---- the transparency log, public (docs/api-http.md): checkpoint, entries, proofs, a witness ----
MAIN=http://127.0.0.1:$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' main.out)
lg() { # lg NAME STATUS CODE PATH: an anonymous GET on the main server
	rm -f "$W/body"
	got=$(curl -s -o "$W/body" -w '%{http_code}' "$MAIN$4")
	if [ "$got" != "$2" ]; then bad "$1" "status $got, expected $2"; return 1; fi
	if [ "$3" != "-" ] && ! grep -q "\"code\":\"$3\"" "$W/body"; then bad "$1" "no error code $3"; return 1; fi
	ok "$1"
}
lg "log: no checkpoint yet is L027" 404 L027 /api/v1/log/checkpoint
setup "$TALLY" keys generate --name tally.example.org/api --out cec.key
setup "$TALLY" keys generate --witness --name witness.example.org --out w.key
setup "$TALLY" log checkpoint --db t.db --key cec.key
lg "log: checkpoint" 200 - /api/v1/log/checkpoint && has "log: checkpoint is the signed note" "— tally.example.org/api "
N=$(sed -n 2p "$W/body")
lg "log: entries" 200 - "/api/v1/log/entries?start=0&end=2" && has "log: entries carry index and leaf" '"index":1,"leaf":"'
lg "log: entries without a range is L028" 400 L028 /api/v1/log/entries
lg "log: entries with a bad number is L028" 400 L028 "/api/v1/log/entries?start=x&end=2"
lg "log: entries past the end is L006" 400 L006 "/api/v1/log/entries?start=0&end=$((N + 1))"
lg "log: inclusion proof" 200 - "/api/v1/log/proof/inclusion?index=1&size=$N" && has "log: inclusion proof hashes" '"proof":["'
lg "log: inclusion proof outside the tree is L006" 400 L006 "/api/v1/log/proof/inclusion?index=$N&size=$N"
lg "log: consistency proof" 200 - "/api/v1/log/proof/consistency?from=1&to=$N" && has "log: consistency proof roots" '"root2":"'
lg "log: consistency proof from 0 is L006" 400 L006 "/api/v1/log/proof/consistency?from=0&to=$N"
"$TALLY" witness --log "$MAIN" --cec cec.pub --key w.key --state w.state > wit.out 2>&1 \
	&& grep -q '^— witness.example.org ' wit.out && ok "witness over HTTP: first checkpoint" || bad "witness over HTTP: first checkpoint" "$(cat wit.out)"
setup "$TALLY" annul --db t.db --station C003-002 --reason "court order 7" --by judge
setup "$TALLY" log checkpoint --db t.db --key cec.key
"$TALLY" witness --log "$MAIN" --cec cec.pub --key w.key --state w.state --out co.cp > wit.out 2>&1 \
	&& ok "witness over HTTP: consistent with the last one" || bad "witness over HTTP: consistent" "$(cat wit.out)"
setup "$TALLY" log cosign --db t.db --add co.cp --pub w.pub
lg "log: checkpoint with its cosignature" 200 - /api/v1/log/checkpoint && has "log: cosignature published" "— witness.example.org "

# ---- stop: a clean exit, no sanitizer reports ----
stop_servers
grep -q 'protocol submissions in [0-9]* group commits' group.err &&
	ok "group commit: the server reports its commits ($(sed -n 's/.*: \(.*group commits\)/\1/p' group.err))" ||
	bad "group commit: the server reports its commits" "$(head -5 group.err)"
no_sanitizer_reports main.err limited.err group.err
finish
