#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: the bad-input catalogue (tests/hostile/catalogue.tsv, README.md).
# Every row is one malformed or hostile input with the exact refusal it must
# get, and the promise that nothing is stored:
#
#   1. a small election database is built once (tests/cases/fixtures/def.json
#      with accepted, pending, disputed, corrected, annulled and signed
#      stations, turnout, API users and a signed checkpoint): base.db;
#   2. a command-line case ("cli") runs on its own copy of base.db
#      ($TALLY_DB), with the case's input as FILE (and on standard input);
#      an HTTP case ("http", "raw") runs against one `tally serve` started
#      once on another copy;
#   3. before and after each case, build/test/dbprint prints a hash
#      of every row of every table (and the schema): the two must be the
#      same, except for the tables the catalogue's "change" column names,
#      which must have gained exactly the rows it says (and every other
#      table must be unchanged);
#   4. the exit status and the set of error codes ("[X999]" on the command
#      line), or the HTTP status and the JSON error code, must be exactly the
#      expected ones; any sanitizer report fails the case (the server's
#      log is checked at the end).
#
# catalogue.tsv columns (tab-separated; '#' lines are comments):
#   id  category  surface  input  target  expect  change  description
#   input   a file of tests/hostile/inputs/, "gen:NAME" (made at run time by
#           gen_NAME below), or "-" (none)
#   target  cli:  the arguments after `tally`; {in} is the input's path, {fx}
#                 the directory of keys and files the set-up made
#           http: METHOD PATH ROLE [HEADER=VALUE ...]; ROLE is one of none,
#                 precinct (N01-4), precinct-s (S02-1), constituency (S02),
#                 cec, observer, revoked, malformed, unknown, basic
#           raw:  the name of a probe function raw_NAME below
#   expect  cli:  EXIT CODES  (CODES: comma-separated, or "-" for none)
#           http: STATUS CODE (CODE "-": no error code is checked)
#           raw:  what the probe must print
#   change  "-" (nothing stored), or TABLE+N[,TABLE+N]: exactly N new rows
#
# usage: tests/hostile/run.sh [ID-PREFIX...]
#   TALLY (default build/test/tally); prints "FAILED id: why" per failure,
#   "ok id" with -v, and "N passed, M failed".
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/hostile
TALLY=${TALLY:-build/test/tally}
case $TALLY in /*) ;; *) TALLY=$root/$TALLY ;; esac
DBPRINT=$root/build/test/dbprint
verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
for tool in curl awk timeout; do
	command -v $tool >/dev/null 2>&1 || { echo "hostile: needs $tool"; echo "0 passed, 1 failed"; exit 1; }
done
[ -x "$TALLY" ] || { echo "hostile: no $TALLY (make build/test/tally)"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -x "$DBPRINT" ]; then
	make -s -C "$root" build/test/dbprint >/dev/null ||
		{ echo "hostile: cannot build dbprint"; echo "0 passed, 1 failed"; exit 1; }
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/tally-hostile.XXXXXX")
srv_pid="" bg_pids=""
cleanup() {
	for p in $bg_pids; do kill "$p" 2>/dev/null || true; done
	if [ -n "$srv_pid" ]; then kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W"
unset TALLY_DB
export USER=hostile LC_ALL=C ASAN_OPTIONS=detect_leaks=1
FX=$W/fx
IN=$here/inputs
mkdir -p "$FX" gen

die() { echo "hostile: set-up failed: $*"; echo "0 passed, 1 failed"; exit 1; }
step() { "$@" >>"$W/setup.log" 2>&1 || { cat "$W/setup.log"; die "$*"; }; }

# ---- the election: every state a bad input can meet ----
F=$root/tests/cases/fixtures
export TALLY_DB=$W/base.db
step "$TALLY" init "$F/def.json"
step "$TALLY" keys generate --name tally.example.org/fx-2024 --out "$FX/cec.key"
step "$TALLY" keys generate --name N01-3 --out "$FX/n3.key"
step "$TALLY" keys generate --name impostor --out "$FX/bad.key"
step "$TALLY" keys generate --name other.example.org/other-2024 --out "$FX/other.key"
step "$TALLY" keys generate --witness --name witness.example.org --out "$FX/w.key"
cp "$F/def.json" "$F/ru2018-small.csv" "$FX/"
step "$TALLY" keys register --station N01-3 --pub "$FX/n3.pub"
one() { grep "\"$1\"" "$F/entries.json" | sed 's/,$//'; }
# N01-1, N01-2, S02-1, E03-1 accepted; N01-3 pending (op-a); N01-5 disputed
{ echo '['; for s in N01-1 N01-2 S02-1 E03-1; do one $s | sed 's/$/,/'; done; one N01-3; echo ']'; } > "$FX/a.json"
{ echo '['; for s in N01-1 N01-2 S02-1 E03-1; do one $s | sed 's/$/,/'; done | sed 's/op-a/op-b/'; one N01-5 | sed 's/$/,/'; one N01-5 | sed -e 's/op-a/op-b/' -e 's/"N01-A":60,"N01-B":90/"N01-A":61,"N01-B":89/'; echo ']'; } > "$FX/b.json"
step "$TALLY" submit "$FX/a.json"
step "$TALLY" submit "$FX/b.json"
# N01-1 corrected to version 2 (one vote moved, with a reason, double entry)
one N01-1 | sed -e 's/"N01-A":150,"N01-B":250/"N01-A":151,"N01-B":249/' -e 's/^{/{"reason":"court order 2",/' > "$FX/v2a.json"
sed 's/op-a/op-b/' "$FX/v2a.json" > "$FX/v2b.json"
step "$TALLY" submit "$FX/v2a.json" "$FX/v2b.json"
one N01-1 | sed 's/op-a/op-c/' > "$FX/n01-1-v1.json"
step "$TALLY" annul --station S02-2 --reason "court order 1"
printf 'station,time,voters\nN01-1,10:00,100\nN01-1,12:00,300\n' > "$FX/turnout.csv"
step "$TALLY" turnout "$FX/turnout.csv"
tok() { "$TALLY" user add "$@" 2>>"$W/setup.log" || die "user add $*"; }
T_precinct=$(tok --role precinct --station N01-4 --name prec-n01-4)
T_precinct_s=$(tok --role precinct --station S02-1 --name prec-s02-1)
T_constituency=$(tok --role constituency --constituency S02 --name con-s02)
T_cec=$(tok --role cec --name cec-1)
T_observer=$(tok --role observer --name obs-1)
T_revoked=$(tok --role cec --name cec-gone)
step "$TALLY" user revoke --name cec-gone
T_unknown=tly_$(printf '%064d' 7)
T_malformed=tly_not-hex
step "$TALLY" log checkpoint --key "$FX/cec.key"
step "$TALLY" log dump --out "$FX/dump.txt"
# a second election (another id and origin) for the wrong-election cases
step env TALLY_DB="$W/other.db" "$TALLY" init "$IN/other-def.json"
step env TALLY_DB="$W/other.db" "$TALLY" log checkpoint --key "$FX/other.key"
step env TALLY_DB="$W/other.db" "$TALLY" log dump --out "$FX/other-dump.txt"
# the dump's checkpoint line, percent-decoded: the other election's signed note
printf '%b' "$(sed -n 's/^checkpoint //p' "$FX/other-dump.txt" | head -n 1 | sed 's/%/\\x/g')" > "$FX/other.cp"
cp "$W/base.db" "$W/pristine.db"
"$DBPRINT" "$W/base.db" > base.print || die "dbprint"

# ---- generators of inputs too big or too deep to keep as files ----
rep() { awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }
P4='"station":"N01-4","operator":"op-a","lines":{"voters_on_list":500,"ballots_received":505,"voters_received":300,"issued_outside":5,"unused":202,"cancelled":3,"in_mobile":5,"in_stationary":295,"valid":296,"invalid":4},"candidates":{"N01-A":80,"N01-B":110,"N01-C":66,"N01-D":40}'
gen_deep_array() { rep '[' 100000; }
gen_deep_object() { rep '{"a":' 100000; }
gen_deep_in_lines() { printf '{"station":"N01-4","operator":"op-a","lines":'; rep '[' 50000; rep ']' 50000; printf '}'; }
gen_deep_def() { printf '{"format":"tally-definition/1","election":'; rep '[' 100000; }
gen_deep_map() { rep '{"x":' 20000; }
gen_huge_body() { printf '{%s,"reason":"' "$P4"; rep 'xxxxxxxxxxxxxxxx' 262144; printf '"}'; }
gen_huge_spaces() { rep '                                ' 4096; printf '{%s}' "$P4"; }
gen_long_reason() { printf '{%s,"reason":"' "$P4"; rep 'r' 1025; printf '"}'; }
gen_long_station() { printf '{"station":"'; rep 'N' 5000; printf '",%s}' "${P4#*\"station\":\"N01-4\",}"; }
gen_long_operator() { printf '{"station":"N01-4","operator":"'; rep 'o' 65; printf '",%s}' "${P4#*\"operator\":\"op-a\",}"; }
gen_long_string_100k() { printf '{%s,"reason":"' "$P4"; rep 'abcdefghij' 10000; printf '"}'; }
gen_many_protocols() { printf '['; rep "{$P4}," 20000; printf '{%s,"bogus":1}]' "$P4"; }
gen_wide_csv() { printf 'station'; rep ',x' 5000; printf '\n'; }
gen_long_csv_field() { printf 'station,time,voters\nN01-4,10:00,'; rep 7 5000; printf '\n'; }
gen_many_turnout() { printf 'station,time,voters\n'; for h in $(seq 0 23); do for m in 00 30; do printf 'N01-4,%02d:%s,%d\n' $h $m $((h * 10 + ${m#0} / 3)); done; done; printf 'N01-4,23:59,499\n'; }
gen_sparse_big() { :; }   # made with truncate below
gen_huge_annul_csv() { printf 'station,reason\n'; rep 'N01-4,x\n' 1; printf 'N01-4,'; rep 'y' 2000; printf '\n'; }
gen_long_line_csv() {
	printf 'station,operator,voters_on_list,ballots_received,voters_received,issued_outside,unused,cancelled,in_mobile,in_stationary,valid,invalid,N01-A,N01-B,N01-C,N01-D\nN01-4,'
	rep 'z' 2000000; printf ',500,505,300,5,202,3,5,295,296,4,80,110,66,40\n'
}
gen_empty_objects() { printf '['; rep '{},' 21000; printf '{}]'; }
gen_ones_501() { printf '['; rep '1,' 500; printf '1]'; }
gen_reports_501() { printf '['; rep '{"station":"N01-4","time":"10:00","voters":1},' 500; printf '{"station":"N01-4","time":"10:00","voters":1}]'; }
gen_many_keys() { printf '{%s' "$P4"; for i in $(seq 1 3000); do printf ',"k%d":1' "$i"; done; printf '}'; }
for g in $(awk -F'\t' '!/^#/ && $4 ~ /^gen:/ { sub(/^gen:/, "", $4); print $4 }' "$here/catalogue.tsv" | sort -u); do
	case $g in
	sparse_big) truncate -s 1100M gen/sparse_big ;;
	*) "gen_$g" > "gen/$g" || die "generator $g" ;;
	esac
done

# ---- the server: one, on its own copy ----
cp "$W/pristine.db" "$W/srv.db"
"$TALLY" serve --db "$W/srv.db" --port 0 --bind 127.0.0.1 --max-body 65536 --max-conns 64 \
	--timeout 2 --rate 100000 --burst 100000 --threads 4 > srv.out 2> srv.err &
srv_pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'http://127.0.0.1:' srv.out 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' srv.out)
[ -n "$PORT" ] || { cat srv.err; die "the server did not start"; }
BASE=http://127.0.0.1:$PORT

# ---- raw probes: a connection of our own ----
# raw_req BYTES: send BYTES (printf format) on one connection, print the status and code
# (the request is written in one piece: printf writes line by line, and a
# server that answers at the head and closes would cut off the rest)
raw_req() {
	local out req=$W/raw.$BASHPID
	printf "$1" > "$req"
	out=$(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && cat "$req" >&3 && timeout 3 cat <&3; exec 3>&- 2>/dev/null) || true
	rm -f "$req"
	local st code
	st=$(printf '%s\n' "$out" | head -n 1 | awk '{ print $2 }')
	code=$(printf '%s' "$out" | sed -n 's/.*"code":"\([^"]*\)".*/\1/p' | head -n 1)
	echo "${st:-none} ${code:--}"
}
raw_header_100k() { raw_req "GET /api/v1/progress HTTP/1.1\r\nHost: x\r\nX-Big: $(rep a 100000)\r\nConnection: close\r\n\r\n"; }
raw_many_headers() {
	local h="" i
	for i in $(seq 1 3000); do h="${h}X-H$i: v\r\n"; done
	raw_req "GET /api/v1/progress HTTP/1.1\r\nHost: x\r\n${h}Connection: close\r\n\r\n"
}
raw_long_url() { raw_req "GET /api/v1/results/stations/$(rep N 100000) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"; }
raw_bad_request_line() { raw_req "FOO BAR\r\n\r\n"; }
raw_http_0_9() { raw_req "GET /api/v1/progress\r\n\r\n"; }
raw_nul_in_path() { raw_req "GET /api/v1/results/stations/N01-1\000x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"; }
raw_negative_length() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}"; }
raw_length_overflow() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\n{}"; }
raw_declared_too_big() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n{}"; }
raw_two_lengths() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: 2\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{}"; }
raw_chunked_huge() {
	# a chunked body over --max-body with no Content-Length: read and dropped, 413
	local chunk
	chunk=$(rep x 16384)
	raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4000\r\n$chunk\r\n4000\r\n$chunk\r\n4000\r\n$chunk\r\n4000\r\n$chunk\r\n4000\r\n$chunk\r\n0\r\n\r\n"
}
raw_bad_chunk() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"; }
raw_two_auth() { raw_req "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_observer\r\nAuthorization: Bearer $T_cec\r\nConnection: close\r\n\r\n"; }
raw_pipelined_replay() {
	# the same protocol twice on one connection, pipelined: refused both times (P011 then P011)
	local body len req
	body=$(cat "$FX/n01-1-v1.json")
	len=${#body}
	req="POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: $len\r\n\r\n$body"
	local out
	out=$(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf '%s' "$(printf "$req")$(printf "$req" | sed 's/\\r\\n\\r\\n/\r\nConnection: close\r\n\r\n/')" >&3 && timeout 5 cat <&3; exec 3>&- 2>/dev/null) || true
	printf '%s' "$out" | grep -o '^HTTP/1.1 [0-9]*' | awk '{ printf "%s ", $2 }'
	printf '%s' "$out" | grep -o '"code":"[A-Z0-9]*"' | sed 's/"code":"\(.*\)"/\1/' | tr '\n' ' ' | sed 's/ $//'
	echo
}
# raw_all BYTES: send BYTES on one connection, print the status of every
# answer, then every error code
raw_all() {
	local out req=$W/raw.$BASHPID
	printf "$1" > "$req"
	out=$(exec 3<>"/dev/tcp/127.0.0.1/$PORT" && cat "$req" >&3 && timeout 3 cat <&3; exec 3>&- 2>/dev/null) || true
	rm -f "$req"
	printf '%s' "$out" | grep -ao '^HTTP/1.1 [0-9]*' | awk '{ printf "%s ", $2 }'
	printf '%s' "$out" | grep -ao '"code":"[A-Z0-9]*"' | sed 's/"code":"\(.*\)"/\1/' | tr '\n' ' ' | sed 's/ $//'
	echo
}
# request smuggling (RFC 9112 6.1, 6.3): a Content-Length that covers a
# second request, and Transfer-Encoding: chunked that ends the body before
# it; a reader of the length sees one request, a reader of the chunks two
raw_cl_te_smuggle() {
	local hidden="GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\n\r\n"
	local body="0\r\n\r\n$hidden" len
	len=$(printf "$body" | wc -c)
	raw_all "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nContent-Length: $len\r\nTransfer-Encoding: chunked\r\n\r\n$body"
}
raw_te_gzip() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: gzip\r\n\r\nabc"; }
raw_te_identity() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: identity\r\n\r\n{}"; }
raw_te_gzip_chunked() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"; }
raw_te_http10() { raw_req "POST /api/v1/protocols HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"; }
raw_two_te() { raw_req "POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"; }
# NUL bytes libmicrohttpd 0.9 would hide (it keeps a header value up to its
# first NUL), and a header folded over two lines (obs-fold, RFC 9112 5.2)
raw_bearer_nul() { raw_req "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $T_cec\000junk\r\nConnection: close\r\n\r\n"; }
raw_header_nul() { raw_req "GET /api/v1/progress HTTP/1.1\r\nHost: x\r\nX-Note: a\000b\r\nConnection: close\r\n\r\n"; }
raw_obs_fold() { raw_req "GET /api/v1/progress HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\nConnection: close\r\n\r\n"; }
# slow clients: 16 connections sending one byte a second; meanwhile 20
# ordinary requests must each be answered within a second
raw_slowloris() {
	local i pids="" slow=0 t0 t1 st
	for i in $(seq 1 16); do
		( exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 0
		  req="POST /api/v1/protocols HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"station\":"
		  j=0
		  while [ $j -lt 30 ]; do printf '%s' "${req:$j:1}" >&3 2>/dev/null || exit 0; sleep 1; j=$((j + 1)); done ) &
		pids="$pids $!"
	done
	bg_pids="$bg_pids $pids"
	sleep 1
	for i in $(seq 1 20); do
		t0=$(date +%s%N)
		st=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/api/v1/progress") || st=000
		t1=$(date +%s%N)
		if [ "$st" != 200 ] || [ $(( (t1 - t0) / 1000000 )) -gt 1000 ]; then slow=$((slow + 1)); fi
		sleep 0.1
	done
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	echo "blocked $slow"
}
# a client that sends part of a request and then nothing is cut off after
# --timeout (2 s here): the connection is closed within 4 s
raw_idle_timeout() {
	local t0 t1
	t0=$(date +%s)
	( exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET /api/v1/progress HTTP/1.1\r\nHo' >&3 && timeout 8 cat <&3 >/dev/null ) || true
	t1=$(date +%s)
	if [ $((t1 - t0)) -le 4 ]; then echo closed; else echo "open after $((t1 - t0)) s"; fi
}
# a client trickling one byte every 3 s (slower than --timeout) is cut off too
raw_trickle_timeout() {
	local t0 t1
	t0=$(date +%s)
	( exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 0
	  for c in G E T ' ' /; do printf '%s' "$c" >&3 2>/dev/null || exit 0; sleep 3; done ) || true
	t1=$(date +%s)
	if [ $((t1 - t0)) -le 7 ]; then echo closed; else echo "open after $((t1 - t0)) s"; fi
}
# more connections than --max-conns (64) held open: the server keeps running
# and answers again once the idle ones are cut off by the timeout
raw_many_conns() {
	local i fds="" fd st
	for i in $(seq 1 100); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null || break
		fds="$fds $fd"
	done
	sleep 3.5
	for fd in $fds; do exec {fd}>&- 2>/dev/null || true; done
	st=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/api/v1/progress") || st=000
	echo "$st"
}

# ---- one case ----
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAILED $id ($cat): $1"; }

# check_print BEFORE AFTER CHANGE: "" if the stored state changed as CHANGE says
check_print() {
	awk -v change="$3" '
		BEGIN { n = split(change, c, ","); for (i = 1; i <= n; i++) if (c[i] != "-") {
			split(c[i], kv, "+"); want[kv[1]] = kv[2] + 0 } }
		NR == FNR { rows[$1] = $2; line[$1] = $0; next }
		{ seen[$1] = 1
		  if ($1 in want) { if ($2 - rows[$1] != want[$1]) printf "%s: %d new rows, expected %d; ", $1, $2 - rows[$1], want[$1] }
		  else if (line[$1] != $0) printf "%s changed (%s -> %s rows); ", $1, rows[$1], $2 }
		END { for (t in line) if (!(t in seen)) printf "%s disappeared; ", t }' "$1" "$2"
}

input_path() {
	case $1 in
	-) echo /dev/null ;;
	gen:*) echo "$W/gen/${1#gen:}" ;;
	*) echo "$IN/$1" ;;
	esac
}

run_cli() {
	local inp=$1 target=$2 expect=$3 change=$4 db=$W/case.db rc=0 args
	cp "$W/pristine.db" "$db"
	target=${target//\{in\}/$inp}
	target=${target//\{fx\}/$FX}
	target=${target//\{new\}/$W/cwd/new.db}
	rm -f "$W/cwd/new.db"
	read -r -a args <<< "$target"
	(cd "$W/cwd" && TALLY_DB="$db" timeout 60 "$TALLY" "${args[@]}" < "$inp" > "$W/out" 2>&1) || rc=$?
	local want_rc=${expect%% *} want_codes=${expect#* } got_codes
	# the codes in brackets, and the problems `tally verify` lists
	got_codes=$({ grep -o '\[[A-Z][A-Z]*[0-9][0-9]*\]' "$W/out" | tr -d '[]'
		awk '/^PROBLEMS/ { p = 1; next } /^$/ { p = 0 } p && $1 ~ /^[A-Z][0-9][0-9][0-9]$/ { print $1 }' "$W/out"
	} | sort -u | paste -sd, -)
	want_codes=$(echo "$want_codes" | tr ',' '\n' | grep -v '^-$' | sort -u | paste -sd, -)
	[ "$rc" = "$want_rc" ] || { bad "exit $rc, expected $want_rc: $(head -c 300 "$W/out")"; return; }
	[ "$got_codes" = "$want_codes" ] || { bad "codes '${got_codes}', expected '${want_codes}': $(head -c 300 "$W/out")"; return; }
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$W/out"; then bad "sanitizer: $(grep -m1 -E 'Sanitizer|runtime error' "$W/out")"; return; fi
	"$DBPRINT" "$db" > "$W/after.print" || { bad "dbprint after"; return; }
	local why
	why=$(check_print "$W/base.print" "$W/after.print" "$change")
	[ -z "$why" ] || { bad "stored: $why"; return; }
	if [ -e "$W/cwd/new.db" ]; then bad "stored: a database was created"; return; fi
	pass=$((pass + 1)); [ $verbose = 0 ] || echo "ok $id"
}

run_http() {
	local inp=$1 target=$2 expect=$3 change=$4 method path role tok st code hdrs=() w
	read -r method path role rest <<< "$target"
	eval "tok=\${T_${role//-/_}:-}"
	case $role in
	none) ;;
	basic) hdrs+=(-H "Authorization: Basic Y2VjLTE6eA==") ;;
	*) hdrs+=(-H "Authorization: Bearer $tok") ;;
	esac
	local ctype_given=0
	for w in ${rest:-}; do
		hdrs+=(-H "${w%%=*}: ${w#*=}")
		case ${w%%=*} in [Cc]ontent-[Tt]ype) ctype_given=1 ;; esac
	done
	[ $ctype_given = 1 ] || hdrs+=(-H "Content-Type: application/json")
	"$DBPRINT" "$W/srv.db" > "$W/before.print" || { bad "dbprint before"; return; }
	rm -f "$W/body"
	if [ "$inp" = /dev/null ]; then
		st=$(curl -s -m 10 -o "$W/body" -w '%{http_code}' -X "$method" "${hdrs[@]}" "$BASE$path") || st=000
	else
		st=$(curl -s -m 10 -o "$W/body" -w '%{http_code}' -X "$method" "${hdrs[@]}" --data-binary "@$inp" "$BASE$path") || st=000
	fi
	code=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$W/body" 2>/dev/null | head -n 1)
	local want_st=${expect%% *} want_code=${expect#* }
	[ "$st" = "$want_st" ] || { bad "status $st, expected $want_st: $(head -c 300 "$W/body" 2>/dev/null)"; return; }
	if [ "$want_code" != - ] && [ "$code" != "$want_code" ]; then bad "code '$code', expected $want_code: $(head -c 300 "$W/body")"; return; fi
	check_after "$change"
}

# the raw probes run one after another in the background, beside the
# command-line cases (which do not touch the server): each writes
# "ID<TAB>what it saw<TAB>what changed in the store" to raw.results
raw_job() {
	local rid target change got before after why
	while IFS=$'\t' read -r rid target change; do
		before=$("$DBPRINT" "$W/srv.db") || before=error
		got=$("raw_$target" 2>/dev/null) || true
		after=$("$DBPRINT" "$W/srv.db") || after=error
		why=$(check_print <(echo "$before") <(echo "$after") "$change")
		kill -0 "$srv_pid" 2>/dev/null || why="the server died; $why"
		printf '%s\t%s\t%s\n' "$rid" "$got" "$why"
	done < "$W/raw.todo" > "$W/raw.results"
}
run_raw() {
	local target=$1 expect=$2 got why
	got=$(awk -F'\t' -v id="$id" '$1 == id { print $2 }' "$W/raw.results")
	why=$(awk -F'\t' -v id="$id" '$1 == id { print $3 }' "$W/raw.results")
	# EXPECT may list alternatives "a|b" where the outcome depends on timing
	case "|$expect|" in *"|$got|"*) ;; *) bad "got '$got', expected '$expect'"; return ;; esac
	[ -z "$why" ] || { bad "stored: $why"; return; }
	pass=$((pass + 1)); [ $verbose = 0 ] || echo "ok $id"
}

check_after() {
	if ! kill -0 "$srv_pid" 2>/dev/null; then bad "the server died: $(tail -n 5 "$W/srv.err")"; return; fi
	"$DBPRINT" "$W/srv.db" > "$W/after.print" || { bad "dbprint after"; return; }
	local why
	why=$(check_print "$W/before.print" "$W/after.print" "$1")
	[ -z "$why" ] || { bad "stored: $why"; return; }
	pass=$((pass + 1)); [ $verbose = 0 ] || echo "ok $id"
}

mkdir -p "$W/cwd"
t_start=$(date +%s)
# the selected rows (all, or those whose id starts with an argument)
awk -F'\t' -v sel="$*" 'BEGIN { n = split(sel, want, " ") }
	/^#/ || $1 == "" { next }
	{ if (n == 0) { print; next } for (i = 1; i <= n; i++) if (index($1, want[i]) == 1) { print; next } }' \
	"$here/catalogue.tsv" > "$W/rows"
# first every HTTP case (one server, one at a time), then the raw probes in
# the background beside the command-line cases
phase() {
	while IFS=$'\t' read -r id cat surface input target expect change desc; do
		[ "$surface" = "$1" ] || continue
		inp=$(input_path "$input")
		case $surface in
		cli) run_cli "$inp" "$target" "$expect" "$change" ;;
		http) run_http "$inp" "$target" "$expect" "$change" ;;
		raw) run_raw "$target" "$expect" ;;
		esac
	done < "$W/rows"
}
awk -F'\t' '$3 != "cli" && $3 != "http" && $3 != "raw" { print $1 }' "$W/rows" | while read -r id; do
	echo "FAILED $id: unknown surface"; done
fail=$(awk -F'\t' '$3 != "cli" && $3 != "http" && $3 != "raw"' "$W/rows" | wc -l)
phase http
t_http=$(date +%s)
awk -F'\t' '$3 == "raw" { print $1 "\t" $5 "\t" $7 }' "$W/rows" > "$W/raw.todo"
raw_job &
raw_pid=$!
bg_pids="$bg_pids $raw_pid"
phase cli
t_cli=$(date +%s)
wait "$raw_pid" || true
phase raw

# the server stops cleanly and its log holds no sanitizer report
kill "$srv_pid" 2>/dev/null || true
src=0
wait "$srv_pid" 2>/dev/null || src=$?
srv_pid=""
id=server cat=server
if [ $src -ne 0 ]; then bad "exit $src on SIGTERM: $(tail -n 5 srv.err)";
elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' srv.err; then bad "sanitizer: $(grep -m3 -E 'Sanitizer|runtime error|#[0-9] ' srv.err)";
else pass=$((pass + 1)); fi
echo "hostile: $(wc -l < "$W/rows") cases in $(($(date +%s) - t_start)) s (HTTP $((t_http - t_start)) s, command line $((t_cli - t_http)) s, raw probes beside them)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
