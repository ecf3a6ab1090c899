#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: the import benchmark (bench/README.md). For each data set it times
# the whole job "read a station CSV, check every protocol's control
# relations, sum by region and nationally" three ways:
#
#   tally     build/tally import FILE (--preset | --map) --db DB   (also stores
#             everything in SQLite and counts the results)
#   tally-ns  the same with --no-store (no database written)
#   pandas    /usr/bin/python3 bench/peers/aggregate.py FILE
#   sqlite3   the sqlite3 shell running bench/peers/aggregate.sql
#
# and prints wall seconds and peak resident memory (from /usr/bin/time -v),
# with each peer's ratio to tally. Data sets: (a) a synthetic file of
# 1,000,000 stations and 10 candidates made by bench/gen_stations.c (100,000
# with --quick), (b) the Russian presidential election 2018 (97,699 real
# stations, data/ru/2018.csv.zip).
#
#   bench/run.sh [--quick] [--repeat N]
#
# Each command runs N times (default 3); the fastest run is reported.
# Environment: TALLY (default build/tally), TALLY_DATA (default
# data), CC. Everything is written under build/bench/; the table
# is also saved as build/bench/results.md. A tool that is missing or fails
# is reported as such and the rest still run.
set -eu

cd "$(dirname "$0")/.."

stations=1000000
repeat=3
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) stations=100000 ;;
	--repeat)
		[ $# -ge 2 ] || { echo "run.sh: --repeat needs a number" >&2; exit 2; }
		repeat=$2
		shift ;;
	-h|--help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$repeat" in ''|*[!0-9]*|0) echo "run.sh: --repeat needs a positive number" >&2; exit 2 ;; esac

TALLY=${TALLY:-build/tally}
PY=/usr/bin/python3 # Debian's, with pandas; a pyenv python3 on PATH may lack it
SHARED=${TALLY_DATA:-data}
OUT=build/bench
LOGS=$OUT/logs
mkdir -p "$LOGS"

note() { printf '%s\n' "$*" >&2; }

if [ ! -x /usr/bin/time ]; then
	note "run.sh: /usr/bin/time is missing (Debian package 'time')"
	exit 1
fi

# ---- the generator and the data sets ----
"${CC:-cc}" -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -o "$OUT/gen_stations" bench/gen_stations.c

SYN="$OUT/synthetic-$stations.csv"
if [ ! -s "$SYN" ]; then
	note "generating $SYN ($stations stations, 10 candidates)"
	"$OUT/gen_stations" -n "$stations" -k 10 -o "$SYN.tmp"
	mv "$SYN.tmp" "$SYN"
fi

RU="$OUT/ru-2018.csv"
if [ ! -s "$RU" ]; then
	if [ -r "$SHARED/ru/2018.csv.zip" ] && command -v unzip >/dev/null 2>&1; then
		unzip -p "$SHARED/ru/2018.csv.zip" > "$RU.tmp" && mv "$RU.tmp" "$RU"
	else
		note "run.sh: $SHARED/ru/2018.csv.zip (or unzip) not found: skipping the Russian data set"
		rm -f "$RU.tmp"
	fi
fi

# ---- measuring ----

# measure NAME CMD...: runs CMD $repeat times under /usr/bin/time -v and sets
# WALL (seconds) and RSS (MB) of the fastest run, or WALL=failed.
measure() {
	name=$1
	shift
	WALL=failed
	RSS=-
	i=1
	while [ "$i" -le "$repeat" ]; do
		log="$LOGS/$name.$i.log"
		tv="$LOGS/$name.$i.time"
		[ -n "${DB:-}" ] && rm -f "$DB" "$DB-wal" "$DB-shm"
		if /usr/bin/time -v -o "$tv" "$@" > "$log" 2>&1; then
			w=$(awk -F': ' '/Elapsed \(wall clock\)/ {
				n = split($2, p, ":"); s = 0
				for (k = 1; k <= n; k++) s = s * 60 + p[k]
				printf "%.2f", s }' "$tv")
			r=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tv")
			if [ "$WALL" = failed ] || awk -v a="$w" -v b="$WALL" 'BEGIN { exit !(a < b) }'; then
				WALL=$w
				RSS=$r
			fi
		else
			note "run.sh: $name failed (run $i); see $log"
			WALL=failed
			RSS=-
			return 0
		fi
		i=$((i + 1))
	done
}

# sqlite_script FILE CANDS HAS_URL: expands bench/peers/aggregate.sql
sqlite_script() {
	file=$1 k=$2 url=$3
	cols="" sums="" total="" nat=""
	j=1
	while [ "$j" -le "$k" ]; do
		sep=""
		[ "$j" -gt 1 ] && sep=", "
		cols="$cols${sep}c$j INTEGER"
		sums="$sums${sep}SUM(c$j) AS c$j"
		nat="$nat${sep}SUM(c$j)"
		[ "$j" -gt 1 ] && total="$total + "
		total="${total}c$j"
		j=$((j + 1))
	done
	tail=""
	[ "$url" = yes ] && tail=", url TEXT"
	sed -e "s|@FILE@|$file|" -e "s|@CAND_COLS@|$cols|" -e "s|@TAIL_COLS@|$tail|" \
	    -e "s|@CAND_SUMS@|$sums|" -e "s|@CAND_TOTAL@|$total|" -e "s|@CAND_NAT@|$nat|" \
	    bench/peers/aggregate.sql
}

ROWS=""
add_row() { ROWS="$ROWS$1|$2|$3|$4
"; }

# bench_set LABEL FILE CANDS HAS_URL TALLY_ARGS...
bench_set() {
	label=$1 file=$2 k=$3 url=$4
	shift 4
	note "== $label: $file"
	if [ -x "$TALLY" ]; then
		DB="$OUT/$label.db"
		measure "$label-tally" "$TALLY" import "$file" "$@" --db "$DB"
		add_row "$label" "tally import (store + count)" "$WALL" "$RSS"
		DB=""
		measure "$label-tally-nostore" "$TALLY" import "$file" "$@" --no-store
		add_row "$label" "tally import --no-store" "$WALL" "$RSS"
	else
		note "run.sh: $TALLY not built (make build/tally): tally rows skipped"
		add_row "$label" "tally import (store + count)" missing -
		add_row "$label" "tally import --no-store" missing -
	fi
	DB=""
	if "$PY" -c 'import pandas' 2>/dev/null; then
		measure "$label-pandas" "$PY" bench/peers/aggregate.py "$file"
		add_row "$label" "pandas (aggregate.py)" "$WALL" "$RSS"
	else
		note "run.sh: $PY has no pandas (scripts/install-deps.sh --bench)"
		add_row "$label" "pandas (aggregate.py)" missing -
	fi
	if command -v sqlite3 >/dev/null 2>&1; then
		sql="$OUT/$label.sql"
		sqlite_script "$file" "$k" "$url" > "$sql"
		measure "$label-sqlite3" sqlite3 :memory: ".read $sql"
		add_row "$label" "sqlite3 shell (aggregate.sql)" "$WALL" "$RSS"
	else
		add_row "$label" "sqlite3 shell (aggregate.sql)" missing -
	fi
	# the peers must agree with each other on the totals
	p=$(grep -h '^stations ' "$LOGS/$label-pandas.1.log" 2>/dev/null | awk '{print $2, $6, $8}')
	q=$(grep -h '^stations|' "$LOGS/$label-sqlite3.1.log" 2>/dev/null |
		awk -F'|' '{print $2, $6, $8}')
	if [ -n "$p" ] && [ -n "$q" ] && [ "$p" != "$q" ]; then
		note "run.sh: WARNING: pandas ($p) and sqlite3 ($q) disagree on stations/registered/valid"
	fi
	[ -n "$p" ] && note "   stations, registered, valid: $p"
	t=$(grep -h 'Imported' "$LOGS/$label-tally.1.log" 2>/dev/null || true)
	[ -n "$t" ] && note "   tally: $t"
	return 0
}

bench_set "synthetic-$stations" "$SYN" 10 no --map bench/map-synthetic.json
[ -s "$RU" ] && bench_set "ru-2018" "$RU" 8 yes --preset ru-2018

# ---- the table ----
{
	echo "| data set | tool | wall s | peak RSS MB | time / tally | RSS / tally |"
	echo "|---|---|---:|---:|---:|---:|"
	printf '%s' "$ROWS" | awk -F'|' '
		$2 ~ /^tally import \(store/ { tw[$1] = $3; tr[$1] = $4 }
		{ set[NR] = $1; tool[NR] = $2; w[NR] = $3; r[NR] = $4 }
		END {
			for (i = 1; i <= NR; i++) {
				s = set[i]
				rt = "-"
				rr = "-"
				if (w[i] ~ /^[0-9.]+$/ && tw[s] ~ /^[0-9.]+$/ && tw[s] > 0)
					rt = sprintf("%.2f", w[i] / tw[s])
				if (r[i] ~ /^[0-9]+$/ && tr[s] ~ /^[0-9]+$/ && tr[s] > 0)
					rr = sprintf("%.2f", r[i] / tr[s])
				printf "| %s | %s | %s | %s | %s | %s |\n", s, tool[i], w[i], r[i], rt, rr
			}
		}'
} > "$OUT/results.md"

echo
echo "import benchmark: $stations synthetic stations, best of $repeat runs ($(uname -m), $(nproc) CPUs)"
cat "$OUT/results.md"
echo
echo "logs: $LOGS/   table: $OUT/results.md"
