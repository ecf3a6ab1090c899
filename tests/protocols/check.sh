#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# check.sh: the printed protocols of `tally protocol` (src/render/pdf.c).
# On the fixture election, with names in Azerbaijani and Cyrillic letters, a
# station annulled, a station that has not reported and a results statement
# published, it renders the three kinds of protocol (a station's, a
# constituency's, the final one) in the three languages (az, ru, en) and
# checks:
#   - the text (pdftotext from poppler-utils, runs of spaces folded):
#     exact lines with the labels and words of each language, the numbers,
#     Azerbaijani and Cyrillic letters, and the log entry's leaf hash, which
#     must equal what `tally log proof` says of that entry;
#   - the pages are not blank (pdftoppm renders page 1; some share of its
#     pixels must be dark) and name their font (pdffonts: DejaVu Sans,
#     embedded);
#   - the same database gives the same bytes;
#   - the errors: an unknown language (usage), a missing message catalogue
#     [G001], a missing font [G002], an unknown station [P005] or
#     constituency [A003].
# With PROTOCOL_IMG=DIR it also writes the page images it checked there.
# Prints "ok ..." / "FAILED ..." and then "N passed, M failed".
#
# usage: TALLY=build/test/tally tests/protocols/check.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
TALLY=${TALLY:-build/test/tally}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
PY=/usr/bin/python3
TALLY_LOCALEDIR=${TALLY_LOCALEDIR:-$root/build/locale}
export TALLY_LOCALEDIR
unset TALLY_DB LANGUAGE

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAILED $*"; }

for tool in pdftotext pdftoppm pdffonts; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "check.sh: needs $tool (poppler-utils; scripts/install-deps.sh)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

W=$(mktemp -d "${TMPDIR:-/tmp}/tally-protocols.XXXXXX") || exit 2
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT INT TERM
cd "$W" || exit 2
run() { "$@" >"$W/.out" 2>&1 || { echo "set-up failed: $*"; cat "$W/.out"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }; }

# the fixture election with Azerbaijani and Cyrillic names; E03-1 never reports
FIX=$root/tests/cases/fixtures
sed -e 's/"Aysel Karimova"/"Aysəl Kərimova"/' -e 's/"Bahram Mammadov"/"Bəhram Məmmədov"/' \
    -e 's/"Cavid Huseynov"/"Cavid Dağlı"/' -e 's/"Dilara Aliyeva"/"Дилара Алиева"/' \
    -e 's/"Ilaha Quliyeva"/"Çiçək Ölməz"/' -e 's/"Green Party"/"Yaşıllar Partiyası"/' \
    -e 's/"East"/"Şərq"/' -e 's/"North"/"Şimal"/' -e 's/"Friends of Cavid"/"Cavidin dostları"/' \
    -e 's/"North 1"/"Şimal, 1 saylı məktəb"/' "$FIX/def.json" > def.json
grep -v '"E03-1"' "$FIX/entries.json" | sed '$!b; s/,$//' > a.json
$PY -c 'import json,sys; json.load(open("a.json"))' 2>/dev/null ||
	{ head -n -1 a.json | sed '$ s/,$//' > a2.json; echo ']}' >> a2.json; mv a2.json a.json; }
sed s/op-a/op-b/ a.json > b.json
run "$TALLY" init def.json --db p.db
run "$TALLY" submit --db p.db a.json b.json
run "$TALLY" annul --db p.db --station N01-5 --reason "voting disrupted"
run "$TALLY" publish --db p.db --quiet

# text of a PDF, one line per line of print, runs of spaces folded
text() { pdftotext -layout "$1" - | sed -e 's/^ *//' -e 's/ *$//' -e 's/  */ /g'; }

# expect FILE.pdf LINE...: each LINE must be a whole line of the text
expect() {
	f=$1; shift
	text "$f" > "$f.txt"
	missing=0
	for line in "$@"; do
		if ! grep -Fxq -- "$line" "$f.txt"; then
			missing=$((missing + 1))
			echo "   missing in $f: '$line'"
		fi
	done
	if [ $missing -eq 0 ]; then ok "$f: $# lines as expected"; else bad "$f: $missing of $# lines missing"; fi
}

# the page is printed on: more than 1 % of its pixels dark
not_blank() {
	pdftoppm -r 40 -gray -f 1 -l 1 "$1" "$1.page" || { bad "$1: pdftoppm failed"; return; }
	share=$($PY - "$1".page-*.pgm <<'PYEOF'
import sys
data = open(sys.argv[1], "rb").read()
# binary PGM: P5, width height, maxval, then the pixels
parts = data.split(b"\n", 3)
pixels = parts[3]
dark = sum(1 for b in pixels if b < 128)
print("%.2f" % (100.0 * dark / len(pixels)))
PYEOF
)
	if $PY -c "import sys; sys.exit(0 if float('$share') > 1.0 else 1)"; then
		ok "$1: page 1 is printed on ($share % dark)"
	else
		bad "$1: page 1 looks blank ($share % dark)"
	fi
	if [ -n "${PROTOCOL_IMG:-}" ]; then
		mkdir -p "$PROTOCOL_IMG" && pdftoppm -r 80 -png -f 1 -l 1 "$1" "$PROTOCOL_IMG/${1%.pdf}"
	fi
}

for lang in az ru en; do
	for kind in station constituency final; do
		case $kind in
		station) arg="--station N01-1" ;;
		constituency) arg="--constituency N01" ;;
		final) arg="--final" ;;
		esac
		if "$TALLY" protocol --db p.db $arg --lang $lang -o $kind-$lang.pdf 2>err.txt; then
			ok "$kind-$lang.pdf written ($(wc -c < $kind-$lang.pdf) bytes)"
		else
			bad "$kind-$lang.pdf: $(cat err.txt)"
			continue
		fi
		not_blank $kind-$lang.pdf
	done
done

# the log entries the protocols name, and their leaf hashes as the log gives them
hex() { $PY -c 'import base64,sys; print(base64.b64decode(sys.argv[1]).hex())' "$1"; }
st_entry=$(text station-en.pdf | sed -n 's/^Accepted version: log entry \([0-9]*\)$/\1/p')
res_entry=$(text final-en.pdf | sed -n 's/^Results statement: log entry \([0-9]*\), covering.*/\1/p')
st_leaf=$(hex "$("$TALLY" log proof --db p.db --entry "${st_entry:-0}" | sed -n 's/^leaf //p')")
res_leaf=$(hex "$("$TALLY" log proof --db p.db --entry "${res_entry:-0}" | sed -n 's/^leaf //p')")
if [ -n "$st_entry" ] && [ -n "$res_entry" ]; then ok "log entries named: station $st_entry, statement $res_entry"; else bad "no log entry named"; fi

expect station-az.pdf "PROTOKOL" \
	"N01-1 saylı seçki məntəqəsi üzrə məntəqə seçki komissiyasının səsvermənin nəticələri" \
	"Seçki dairəsi N01 Şimal" \
	"Seçki məntəqəsi N01-1 Şimal, 1 saylı məktəb" \
	"Vəziyyət qəbul edilib, versiya 1" \
	"Fəallıq 600 / 1000 = 60,00 %" \
	"1. Seçici siyahısına (əsas və əlavə) daxil edilmiş seçicilərin sayı 1000" \
	"3. Məntəqə seçki komissiyasının aldığı seçki bülletenlərinin sayı 1010" \
	"14. Etibarlı seçki bülletenlərinin sayı 590" \
	"15. Etibarsız seçki bülletenlərinin sayı 10" \
	"1 Aysəl Kərimova Yaşıllar Partiyası 150 25,42 %" \
	"2 Bəhram Məmmədov Red-Gold Alliance 250 42,37 %" \
	"3 Cavid Dağlı Cavidin dostları 120 20,34 %" \
	"4 Дилара Алиева özünü irəli sürüb 70 11,86 %" \
	"AZ01 ballots_received = voters_received + unused + cancelled ödənilir" \
	"Qəbul edilmiş versiya: jurnal yazısı $st_entry" \
	"$st_leaf" \
	"Komissiyanın sədri" "Komissiyanın katibi" "(soyadı, adı) (imza)" \
	"İmzalanma tarixi və vaxtı: ____________________ M. Y."
expect station-ru.pdf "ПРОТОКОЛ" \
	"Избирательный округ N01 Şimal" \
	"Состояние принят, версия 1" \
	"Явка 600 / 1000 = 60,00 %" \
	"1. Число избирателей, внесённых в список избирателей (основной и 1000" \
	"дополнительный)" \
	"5. Число избирателей, получивших избирательные бюллетени 600" \
	"14. Число действительных избирательных бюллетеней 590" \
	"4 Дилара Алиева самовыдвижение 70 11,86 %" \
	"AZ03 valid = candidates выполняется" \
	"Принятая версия: запись журнала $st_entry" \
	"$st_leaf" \
	"Председатель комиссии" "Секретарь комиссии" "(фамилия, инициалы) (подпись)"
expect station-en.pdf "PROTOCOL" \
	"Status accepted, version 1" \
	"Turnout 600 / 1000 = 60.00 %" \
	"1. Voters on the voter list (main and supplementary) 1000" \
	"9. Cancelled (spoilt) ballots 2" \
	"2 Bəhram Məmmədov Red-Gold Alliance 250 42.37 %" \
	"AZ07 issued_outside <= voters_received holds" \
	"Accepted version: log entry $st_entry" \
	"$st_leaf" \
	"Chairman of the commission" "Deputy chairman of the commission" "Secretary of the commission"
expect constituency-az.pdf "PROTOKOL" \
	"Seçki dairəsi N01 Şimal" \
	"Seçki məntəqələri 5, onlardan 4 daxil olub, 1 ləğv edilib" \
	"Nəticə seçilib" \
	"1. Seçici siyahısına (əsas və əlavə) daxil edilmiş seçicilərin sayı 2900" \
	"2 Bəhram Məmmədov Red-Gold Alliance 700 40,63 % seçilib" \
	"N01-5 ləğv edilib 400" \
	"Nəticələr haqqında bəyanat: jurnal yazısı $res_entry, $res_entry yazını əhatə edir" \
	"$res_leaf"
expect constituency-ru.pdf "Избирательный округ N01 Şimal" \
	"Избирательные участки 5, из них поступили 4, отменены 1" \
	"Результат избран" \
	"2 Bəhram Məmmədov Red-Gold Alliance 700 40,63 % избран" \
	"N01-5 отменён 400" \
	"Заявление об итогах: запись журнала $res_entry, охватывает $res_entry записей"
expect constituency-en.pdf "Polling stations 5, of which 4 reported and 1 annulled" \
	"Outcome elected" \
	"Turnout 1750 / 2900 = 60.34 %" \
	"N01-1 version 1 1000 600 590" \
	"N01-5 annulled 400" \
	"Results statement: log entry $res_entry, covering $res_entry entries" \
	"$res_leaf"
expect final-az.pdf "PROTOKOL" \
	"Mərkəzi Seçki Komissiyasının seçkinin nəticələri haqqında · Fixture Commission" \
	"Seçki dairələri 3, onlardan 2 dairədə deputat seçilib" \
	"Yerlər 3, onlardan 2 tutulub" \
	"Bitərəf namizədlər 0 843 32,89 %" \
	"N01 Şimal Bəhram Məmmədov Red-Gold Alliance 700 40,63 %" \
	"E03 Şərq natamam seçki məntəqələrinin nəticələri hələ daxil olmayıb" \
	"Mərkəzi Seçki Komissiyasının sədri" \
	"$res_leaf"
expect final-ru.pdf "ПРОТОКОЛ" \
	"Центральной избирательной комиссии о результатах выборов · Fixture Commission" \
	"Мандаты 3, из них замещено 2" \
	"Независимые кандидаты 0 843 32,89 %" \
	"E03 Şərq не завершено не все избирательные участки представили итоги" \
	"Председатель Центральной" "избирательной комиссии (фамилия, инициалы) (подпись)" \
	"$res_leaf"
expect final-en.pdf "Seats 3, of which 2 filled" \
	"Polling stations 8, of which 6 reported and 1 annulled" \
	"Valid votes 2563"\
	"Turnout 2600 / 4500 = 57.78 %" \
	"Red-Gold Alliance 1 700 27.31 %" \
	"S02 South Elvin Guliyev Blue Party 380 45.24 %" \
	"E03 Şərq incomplete polling stations have still to report" \
	"Secretary of the Central Election" "Commission (name) (signature)" \
	"$res_leaf"

# an annulled station, and one that has not reported: a blank protocol
"$TALLY" protocol --db p.db --station N01-5 --lang az -o annulled.pdf 2>&1 && \
expect annulled.pdf "Vəziyyət ləğv edilib: bu nəticə hesaba alınmır" \
	"Protokolun bu versiyası şəffaflıq jurnalında yoxdur."
"$TALLY" protocol --db p.db --station E03-1 --lang ru -o blank.pdf 2>&1 && \
expect blank.pdf "Состояние не поступил: пустой бланк для заполнения" \
	"13. Число избирательных бюллетеней в стационарных ящиках для голосования" \
	"2 Çiçək Ölməz Blue Party"

# the font, embedded
if pdffonts station-az.pdf | grep -q 'DejaVuSans .* yes yes yes'; then ok "DejaVu Sans embedded"; else bad "DejaVu Sans not embedded"; pdffonts station-az.pdf; fi
if pdfinfo station-az.pdf 2>/dev/null | grep -q "Subject: *font DejaVu Sans (fonts-dejavu-core)"; then ok "the PDF names its font package"; else bad "no font named in the PDF's metadata"; fi

# the same database, the same bytes
for f in station-az constituency-ru final-en; do
	case $f in station-*) arg="--station N01-1" ;; constituency-*) arg="--constituency N01" ;; *) arg="--final" ;; esac
	"$TALLY" protocol --db p.db $arg --lang ${f#*-} -o again.pdf 2>/dev/null
	if cmp -s $f.pdf again.pdf; then ok "$f.pdf byte-identical when made again"; else bad "$f.pdf differs when made again"; fi
done

# errors
"$TALLY" protocol --db p.db --final --lang de -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q "lang is az, ru or en" err.txt; then ok "unknown language: usage error"; else bad "unknown language: exit $rc $(cat err.txt)"; fi
TALLY_LOCALEDIR=$W/none "$TALLY" protocol --db p.db --final --lang ru -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "\[G001\]" err.txt && [ ! -e x.pdf ]; then ok "no catalogue: G001, nothing written"; else bad "no catalogue: exit $rc $(cat err.txt)"; fi
printf '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n' > nofonts.conf
FONTCONFIG_FILE=$W/nofonts.conf "$TALLY" protocol --db p.db --final -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "\[G002\]" err.txt && [ ! -e x.pdf ]; then ok "no font: G002, nothing written"; else bad "no font: exit $rc $(cat err.txt)"; fi
"$TALLY" protocol --db p.db --station X-1 -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "\[P005\]" err.txt; then ok "unknown station: P005"; else bad "unknown station: exit $rc"; fi
"$TALLY" protocol --db p.db --constituency X1 -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "\[A003\]" err.txt; then ok "unknown constituency: A003"; else bad "unknown constituency: exit $rc"; fi
"$TALLY" protocol --db p.db --final --station N01-1 -o x.pdf >err.txt 2>&1; rc=$?
if [ $rc -eq 2 ]; then ok "two kinds at once: usage error"; else bad "two kinds at once: exit $rc"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
