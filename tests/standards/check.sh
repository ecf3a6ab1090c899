#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# check.sh: the standard exports of `tally results` (NIST SP 1500-100 ERR v2
# as JSON and XML, OASIS EML 5.0 510 and 520) validated against the
# official schemas kept in data/standards/: the XSDs with xmllint (Debian's
# libxml2-utils), the ERR JSON Schema (draft-04) with Debian's
# python3-jsonschema under /usr/bin/python3. Three elections:
#
#   sim   a small simulated Milli Majlis election (double entry, corrections),
#         with a tie (failed), a constituency with more than 2/5 of its
#         stations annulled (invalid), a constituency annulled as a whole,
#         and one whose last station has not reported (incomplete);
#   esc   the fixture election with names that need escaping (& < > " ',
#         a BEL character XML cannot carry, Azerbaijani and Cyrillic letters)
#         and ids with / @ : _ (which XML ids cannot hold as they are);
#   pl    the first 400 stations of the Polish presidential election 2020
#         (data/pl), imported with the pl-2020 preset.
#
# Each export must validate, be byte-identical when made twice, and agree
# with `tally results --format json`; a mutated copy of each kind must be
# refused (so that a validator that accepts anything fails the test).
# Prints "ok ..." or "FAILED ..." per check, then "N passed, M failed".
#
# usage: TALLY=build/test/tally tests/standards/check.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
TALLY=${TALLY:-build/test/tally}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
S=$root/data/standards
PY=/usr/bin/python3
ERR_XSD=$S/nist-1500-100-err-v2/NIST_V2_election_results_reporting.xsd
ERR_JSON=$S/nist-1500-100-err-v2/NIST_V2_election_results_reporting.json
EML510=$S/oasis-eml-v5.0/510-count-v5-0.xsd
EML520=$S/oasis-eml-v5.0/520-result-v5-0.xsd

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAILED $*"; }

if ! command -v xmllint >/dev/null 2>&1 || ! $PY -c 'import jsonschema' 2>/dev/null; then
	echo "check.sh: needs xmllint and python3-jsonschema (scripts/install-deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/tally-std.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT INT TERM
cd "$W" || exit 2
unset TALLY_DB
run() { "$@" >"$W/.out" 2>&1 || { echo "set-up failed: $*"; cat "$W/.out"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }; }

# sim: six constituencies, one tie, one invalid, C003 annulled, C006's last station missing
run "$TALLY" simulate --out sim --seed 11 --constituencies 6 --stations 48 --ties 1 --invalid 1
last=$(grep -o '"station":"C006-[0-9]*"' sim/entries-1.json | tail -n 1)
for f in 1 2 3; do grep -v "$last" sim/entries-$f.json | sed '$!b; s/},*$/}/' > sim/e$f.json; done
# keep the JSON of each file well formed: the last entry line may have lost its successor
for f in 1 2 3; do $PY -c 'import json,sys; d=json.load(open(sys.argv[1]))' sim/e$f.json 2>/dev/null ||
	$PY - sim/e$f.json <<'PYEOF'
import json, sys, re
lines = open(sys.argv[1]).read().split("\n")
body = [l.rstrip(",") for l in lines[1:] if l.startswith("{")]
open(sys.argv[1], "w").write('{"protocols": [\n' + ",\n".join(body) + "\n]}\n")
PYEOF
done
run "$TALLY" init sim/definition.json --db sim.db
for f in 1 2 3; do "$TALLY" submit --db sim.db --quiet sim/e$f.json >/dev/null 2>&1; done
run "$TALLY" annul --db sim.db --file sim/annulments.csv
run "$TALLY" annul --db sim.db --constituency C003 --reason "annulled by the court"

# esc: names and ids that need escaping
FIX=$root/tests/cases/fixtures
sed -e 's/"name": "Huseyn Rzayev"/"name": "Hüseyn \\"Şir\\" <Rzayev> \& Sons '"'"'Ə'"'"'"/' \
    -e 's/"name": "East"/"name": "Восток \& Şərq"/' \
    -e 's/"name": "Red-Gold Alliance"/"name": "Red\\u0007Gold <Alliance>"/' \
    -e 's/E03-1/E03\/1@x:y_z/g' -e 's/S02-B/S02_B@ind/g' "$FIX/def.json" > esc.json
sed -e 's/E03-1/E03\/1@x:y_z/g' -e 's/S02-B/S02_B@ind/g' "$FIX/entries.json" > esc-a.json
sed s/op-a/op-b/ esc-a.json > esc-b.json
run "$TALLY" init esc.json --db esc.db
run "$TALLY" submit --db esc.db esc-a.json esc-b.json

# pl: real data, the first 400 stations
unzip -p "$root/data/pl/2020-r1-stations.csv.zip" | head -n 401 > pl.csv
run "$TALLY" import pl.csv --preset pl-2020 --db pl.db

validate_json() {
	$PY - "$ERR_JSON" "$1" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator.check_schema(schema)
errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:3]:
    print(e.message[:200], list(e.absolute_path)[:6])
sys.exit(1 if errors else 0)
PYEOF
}

for db in sim esc pl; do
	"$TALLY" results --db $db.db --format json > $db.results.json
	for fmt in nist-err-json nist-err-xml eml-510 eml-520; do
		out=$db.$fmt
		if ! "$TALLY" results --db $db.db --format $fmt -o $out 2>$out.err; then
			bad "$db $fmt: export failed: $(cat $out.err)"
			continue
		fi
		"$TALLY" results --db $db.db --format $fmt > $out.again 2>/dev/null
		if cmp -s $out $out.again; then ok "$db $fmt: byte-identical twice"; else bad "$db $fmt: two exports differ"; fi
		case $fmt in
		nist-err-json) validate_json $out >$out.val 2>&1 ;;
		nist-err-xml) xmllint --noout --schema "$ERR_XSD" $out >$out.val 2>&1 ;;
		eml-510) xmllint --noout --schema "$EML510" $out >$out.val 2>&1 ;;
		eml-520) xmllint --noout --schema "$EML520" $out >$out.val 2>&1 ;;
		esac
		if [ $? -eq 0 ]; then ok "$db $fmt: valid ($(wc -c < $out) bytes)"; else bad "$db $fmt: not valid:"; head -n 5 $out.val; fi
	done
	# the numbers agree with tally's own JSON
	if $PY - $db.results.json $db.nist-err-json $db.eml-510 $db.eml-520 >$db.cross 2>&1 <<'PYEOF'
import json, sys, xml.etree.ElementTree as ET
res = json.load(open(sys.argv[1]))
err = json.load(open(sys.argv[2]))
ns = {"e": "urn:oasis:names:tc:evs:schema:eml"}
e510 = ET.parse(sys.argv[3]).getroot()
e520 = ET.parse(sys.argv[4]).getroot()
el = err["Election"][0]
contests = {c["ExternalIdentifier"][0]["Value"]: c for c in el["Contest"]}
cands = {c["@id"]: c for c in el.get("Candidate", [])}
t510 = {c.find("e:ContestIdentifier", ns).get("Id"): c for c in e510.iter("{urn:oasis:names:tc:evs:schema:eml}Contest")}
t520 = {c.find("e:ContestIdentifier", ns).get("Id"): c for c in e520.iter("{urn:oasis:names:tc:evs:schema:eml}Contest")}
def enc(s):
    return "".join(ch if ch.isalnum() and ch.isascii() or ch in ".-" else "_%02X" % ord(ch) for ch in s)
problems = 0
for con in res["constituencies"]:
    c = contests[con["id"]]
    status = [s for s in c["CountStatus"] if s["Type"] == "other"][0]["OtherType"]
    if status != "outcome-" + con["outcome"].replace(" ", "-"):
        print("outcome", con["id"], status, con["outcome"]); problems += 1
    votes = {x["id"]: x["votes"] for x in con["candidates"]}
    for sel in c.get("ContestSelection", []):
        cid = cands[sel["CandidateIds"][0]]["ExternalIdentifier"][0]["Value"]
        tot = [v["Count"] for v in sel.get("VoteCounts", []) if v["GpUnitId"] == "con-" + enc(con["id"]) and v["Type"] == "total"]
        want = [] if con["annulled"] else [votes[cid]]
        if tot != want:
            print("votes", con["id"], cid, tot, want); problems += 1
        st = sum(v["Count"] for v in sel.get("VoteCounts", []) if v["GpUnitId"].startswith("st-"))
        if not con["annulled"] and st != votes[cid]:
            print("station sum", con["id"], cid, st, votes[cid]); problems += 1
        if cands[sel["CandidateIds"][0]].get("PostElectionStatus") == "winner" and cid not in con["elected"]:
            print("winner", cid); problems += 1
    t = t510[enc(con["id"])].find("e:TotalVotes", ns)
    v510 = {s.find(".//e:CandidateIdentifier", ns).get("Id"): int(s.find("e:ValidVotes", ns).text) for s in t.findall("e:Selection", ns)}
    for cid, v in votes.items():
        if v510[enc(cid)] != (0 if con["annulled"] else v):
            print("510", con["id"], cid, v510[enc(cid)], v); problems += 1
    if con["id"] and enc(con["id"]) in t520:
        el520 = sorted(s.find(".//e:CandidateIdentifier", ns).get("Id") for s in t520[enc(con["id"])].findall("e:Selection", ns) if s.find("e:Elected", ns).text == "yes")
        if el520 != sorted(enc(x) for x in con["elected"]):
            print("520 elected", con["id"], el520, con["elected"]); problems += 1
nation = [b for b in el["BallotCounts"] if b["GpUnitId"] == "nation"][0]
if nation["BallotsCast"] < res["valid"]:
    print("nation ballots", nation, res["valid"]); problems += 1
print(len(res["constituencies"]), "constituencies checked")
sys.exit(1 if problems else 0)
PYEOF
	then ok "$db: ERR and EML agree with tally results ($(tail -n 1 $db.cross))"; else bad "$db: numbers differ:"; head -n 10 $db.cross; fi
done

# the statuses of the simulated election: failed, invalid, annulled, incomplete
for want in outcome-failed outcome-invalid outcome-incomplete '<OtherType>annulled</OtherType>'; do
	if grep -q "$want" sim.nist-err-xml; then ok "sim ERR carries $want"; else bad "sim ERR lacks $want"; fi
done
if grep -q '<CountMetric Type="annulled">1</CountMetric>' sim.eml-510; then ok "sim EML 510 marks annulled results"; else bad "sim EML 510 marks no annulled result"; fi

# escaping: the names come back as they were, the BEL as U+FFFD, ids encoded
if $PY - esc.nist-err-xml esc.eml-520 <<'PYEOF'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot().iter()
texts = [x.text for x in ET.parse(sys.argv[1]).getroot().iter() if x.text]
need = ["Hüseyn \"Şir\" <Rzayev> & Sons 'Ə'", "Восток & Şərq", "Red\ufffdGold <Alliance>", "st-E03_2F1_40x_3Ay_5Fz", "E03/1@x:y_z"]
missing = [n for n in need if n not in texts]
ids = [x.get("Id") for x in ET.parse(sys.argv[2]).getroot().iter() if x.get("Id")]
if "S02_5FB_40ind" not in ids: missing.append("EML id S02_5FB_40ind")
print("missing:", missing) if missing else None
sys.exit(1 if missing else 0)
PYEOF
then ok "esc: names escaped and read back, forbidden character replaced, ids encoded"; else bad "esc: escaping"; fi
if grep -q "replaced by U+FFFD" esc.nist-err-xml.err; then ok "esc: the replacement is reported"; else bad "esc: no warning about the replaced character"; fi

# a validator that accepts anything would pass all of the above: mutants must fail
sed 's/<Type>precinct<\/Type>/<Type>polling-station<\/Type>/' sim.nist-err-xml > m.xml
if xmllint --noout --schema "$ERR_XSD" m.xml >/dev/null 2>&1; then bad "mutant ERR XML accepted"; else ok "mutant ERR XML refused"; fi
sed 's/"Format":"precinct-level",//' sim.nist-err-json > m.json
if validate_json m.json >/dev/null 2>&1; then bad "mutant ERR JSON accepted"; else ok "mutant ERR JSON refused"; fi
sed '0,/<Cast>/s/<Cast>/<Cast>-/' sim.eml-510 > m510.xml
if xmllint --noout --schema "$EML510" m510.xml >/dev/null 2>&1; then bad "mutant EML 510 accepted"; else ok "mutant EML 510 refused"; fi
sed '0,/<Elected>/s/<Elected>no</<Elected>maybe</' sim.eml-520 > m520.xml
if xmllint --noout --schema "$EML520" m520.xml >/dev/null 2>&1; then bad "mutant EML 520 accepted"; else ok "mutant EML 520 refused"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
