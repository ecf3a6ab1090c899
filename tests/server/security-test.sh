#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# security-test.sh: the defences of `tally serve` against hostile clients
# (docs/api-http.md, "Limits"), each attack with the limit it must stay
# within:
#   - memory: a 4 MiB body of two million tiny values ([1,1,...], or
#     [{},{},...]) to every endpoint that reads a JSON body is refused 413
#     H012 in under MAX_SECONDS (1 s; about 0.1 s on a quiet machine, 8.6 s
#     to 15 s before the JSON budget), and all of them together raise the
#     server's peak resident memory (VmHWM) by under 64 MB (2.3 GB before);
#     501 items are 413 H013, 500 are read; four such bodies at once
#     leave a public GET answered within 100 ms (15.8 s before);
#   - slow clients: 1,100 connections from one address (127.0.0.2) that send
#     a header line every second never get more than --max-conns-per-ip
#     (default 64), and another address (127.0.0.1) is answered within
#     100 ms throughout (before: not at all); a request head or body that
#     trickles in is cut at --head-timeout / --body-timeout, however busily
#     it is sent, also the second request of a kept-alive connection; 40
#     connections from eight addresses of one /24 get no more than
#     --max-conns-per-net (plus the pool's threads), and another /24 is
#     still answered;
#   - an encoded NUL in a path (/index.html%00.png) is 400 H016, not
#     index.html;
#   - SIGTERM while the server is still opening its store stops it cleanly
#     (exit 0), instead of killing it (exit 143).
# The memory and time checks run the release build (TALLY_REL, default
# build/tally), as the sanitizers' allocator would measure itself; the rest
# run TALLY (default build/test/tally). Prints "ok NAME" or "FAILED NAME:
# why", then "N passed, M failed".
#
# usage: tests/server/security-test.sh   (TALLY, TALLY_REL; needs
#        build/test/slowclient: make build/test/slowclient)

. "$(dirname "$0")/common.sh"
server_test_init security curl awk
TALLY_REL=${TALLY_REL:-build/tally}
case $TALLY_REL in /*) ;; *) TALLY_REL=$root/$TALLY_REL ;; esac
SLOW=$root/build/test/slowclient
[ -x "$SLOW" ] || make -s -C "$root" build/test/slowclient >/dev/null 2>&1 ||
	{ echo "security: cannot build build/test/slowclient"; echo "0 passed, 1 failed"; exit 1; }
MAX_SECONDS=1.0       # one hostile body, refused (target 0.5 s; headroom for a loaded machine)
MAX_GROWTH_MB=64      # the server's peak memory growth from every hostile body
MAX_GET_SECONDS=0.1   # a public GET while the server is under attack

# ---- the election: 3 constituencies, 30 stations ----
setup "$TALLY_REL" simulate --out sim --constituencies 3 --stations 30 --typos 0 --bad 0
setup "$TALLY_REL" init --db t.db sim/definition.json
PREC=$("$TALLY_REL" user add --db t.db --role precinct --station C001-001 --name prec 2>/dev/null)
CEC=$("$TALLY_REL" user add --db t.db --role cec --name cec 2>/dev/null)
case $PREC$CEC in tly_*tly_*) ;; *) echo "set-up: no tokens"; echo "0 passed, 1 failed"; exit 1 ;; esac

last_pid() { echo "${pids##* }"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

# ---- 1. memory per request: the JSON budget and the item cap ----
# 4 MiB bodies within the default --max-body of 4 MiB
awk 'BEGIN { printf "["; for (i = 0; i < 2097150; i++) printf "1,"; printf "1]" }' > ones.json
awk 'BEGIN { printf "["; for (i = 0; i < 1398100; i++) printf "{},"; printf "{}]" }' > objs.json
TALLY_SAVE=$TALLY
TALLY=$TALLY_REL
start mem --db t.db --rate 100000 --burst 100000
TALLY=$TALLY_SAVE
SPID=$(last_pid)
curl -s -o /dev/null "$BASE/api/v1/progress"
h0=$(hwm_kb "$SPID")
hstart=$h0
for target in "protocols $PREC" "turnout $PREC" "stations/C001-001/annul $CEC" "stations/C001-001/resolve $CEC"; do
	path=${target% *} tok=${target#* }
	for body in ones objs; do
		name="memory: 4 MiB of $body to POST $path"
		got=$(curl -s -o body -w '%{http_code} %{time_total}' -H "Authorization: Bearer $tok" \
			--data-binary @$body.json "$BASE/api/v1/$path")
		st=${got% *} secs=${got#* }
		h=$(hwm_kb "$SPID")
		if [ "$st" = 413 ] && grep -q '"code":"H012"' body && le "$secs" $MAX_SECONDS; then
			ok "$name: 413 H012 in $secs s (peak memory +$(( (h - h0) / 1024 )) MB so far)"
		else
			bad "$name" "status $st in $secs s (at most $MAX_SECONDS): $(head -c 200 body)"
		fi
	done
done
h1=$(hwm_kb "$SPID")
growth=$(( (h1 - h0) / 1024 ))
[ $growth -lt $MAX_GROWTH_MB ] && ok "memory: peak growth over 8 hostile bodies $growth MB (< $MAX_GROWTH_MB)" ||
	bad "memory: peak growth over 8 hostile bodies" "$growth MB (limit $MAX_GROWTH_MB)"

# the item cap (500): 501 items are refused before any is read, 500 are read
P=$(grep '"station":"C001-001"' sim/entries-1.json | sed -e 's/,$//' -e 's/"operator":"[^"]*",//')
items() { awk -v p="$1" -v n="$2" 'BEGIN { printf "["; for (i = 1; i < n; i++) printf "%s,", p; printf "%s]", p }'; }
items "$P" 501 > p501.json
items "$P" 500 > p500.json
items '{"station":"C001-001","time":"10:00","voters":1}' 501 > t501.json
for c in "protocols p501 413 H013" "turnout t501 413 H013" "protocols p500 200 -"; do
	set -- $c
	got=$(curl -s -o body -w '%{http_code}' -H "Authorization: Bearer $PREC" --data-binary @$2.json "$BASE/api/v1/$1")
	if [ "$got" = "$3" ] && { [ "$4" = - ] || grep -q "\"code\":\"$4\"" body; }; then
		ok "items: $(echo "$2" | tr -d 'pt') items to POST $1: $3 $4"
	else
		bad "items: $2 to POST $1" "status $got, expected $3 $4: $(head -c 200 body)"
	fi
done
n=$(grep -o '"station":"C001-001"' body | wc -l)
grep -q '"status":"pending"' body && [ "$n" = 500 ] && ok "items: 500 protocols, an outcome each" ||
	bad "items: 500 protocols, an outcome each" "$n outcomes: $(head -c 200 body)"

# four at once, and a public GET meanwhile
cpids=""
for k in 1 2 3 4; do
	curl -s -o "four$k" -w '%{http_code}' -H "Authorization: Bearer $PREC" --data-binary @ones.json \
		"$BASE/api/v1/protocols" > "four$k.st" &
	cpids="$cpids $!"
done
slowest=0 gets=0 running=1
while [ $running = 1 ] || [ $gets -lt 5 ]; do
	t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/api/v1/progress")
	gets=$((gets + 1))
	le "$t" "$slowest" || slowest=$t
	running=0
	for p in $cpids; do kill -0 "$p" 2>/dev/null && running=1; done
	[ $gets -lt 200 ] || break
done
for p in $cpids; do wait "$p"; done
h1=$(hwm_kb "$SPID")
n413=$(cat four1.st four2.st four3.st four4.st | grep -o 413 | wc -l)
[ "$n413" -eq 4 ] && ok "four 4 MiB bodies at once: all 413" || bad "four 4 MiB bodies at once" "$(cat four*.st)"
le "$slowest" $MAX_GET_SECONDS && ok "four at once: $gets public GETs meanwhile, the slowest $slowest s (<= $MAX_GET_SECONDS)" ||
	bad "four at once: public GETs meanwhile" "the slowest took $slowest s (limit $MAX_GET_SECONDS)"
growth=$(( (h1 - hstart) / 1024 ))
[ $growth -lt $((2 * MAX_GROWTH_MB)) ] && ok "four at once: the server's peak memory $growth MB above its start (< 2 x $MAX_GROWTH_MB)" ||
	bad "four at once: the server's peak memory" "$growth MB above its start"
stop_servers

# ---- 2. slow clients: one address, and deadlines for head and body ----
# 1,100 connections from 127.0.0.2, a header line each a second, with the
# default limits; 127.0.0.1 is answered meanwhile
TALLY=$TALLY_REL
start lock --db t.db
TALLY=$TALLY_SAVE
port=${BASE##*:}
"$SLOW" "$port" --from 127.0.0.2 --conns 1100 --every 1000 --for 4 --reconnect > lock.sc &
sc=$!
sleep 1
slowest=0 fails=0
for i in $(seq 1 20); do
	got=$(curl -s -o /dev/null -m 3 -w '%{http_code} %{time_total}' "$BASE/api/v1/progress") || got="000 3"
	[ "${got% *}" = 200 ] || fails=$((fails + 1))
	le "${got#* }" "$slowest" || slowest=${got#* }
	sleep 0.1
done
wait $sc
[ $fails = 0 ] && le "$slowest" $MAX_GET_SECONDS &&
	ok "1,100 slow connections from 127.0.0.2: 127.0.0.1 answered 20 times, the slowest in $slowest s" ||
	bad "1,100 slow connections from 127.0.0.2: 127.0.0.1 answered" "$fails of 20 failed, the slowest $slowest s ($(cat lock.sc))"
held=$(sed -n 's/.* held \([0-9]*\).*/\1/p' lock.sc)
[ -n "$held" ] && [ "$held" -le 64 ] && ok "one address holds at most --max-conns-per-ip (64): $held ($(cat lock.sc))" ||
	bad "one address holds at most 64 connections" "$(cat lock.sc)"
stop_servers

start slow --db t.db --head-timeout 2 --body-timeout 2 --timeout 30
port=${BASE##*:}
# cut between 2 s and 3 s after they began (the reaper looks every 0.1 s);
# the three kinds at once, from three addresses
"$SLOW" "$port" --from 127.0.0.2 --every 300 --for 4 --conns 8 > head.sc &
s1=$!
"$SLOW" "$port" --from 127.0.0.3 --every 300 --for 4 --conns 4 --first > next.sc &
s2=$!
"$SLOW" "$port" --from 127.0.0.4 --every 300 --for 4 --conns 4 --body > body.sc &
s3=$!
wait $s1 $s2 $s3
deadline() { # deadline NAME FILE: every connection cut at 2-3 s
	name=$1
	set -- "$1" $(cat "$2")
	# NAME opened N refused R cut C open O held H cut_min_ms A cut_max_ms B
	if [ "$7" = "$3" ] && [ "$9" = 0 ] && [ "${13}" -ge 1900 ] && [ "${15}" -le 3000 ]; then
		ok "$1: all $3 cut after ${13}-${15} ms"
	else
		shift
		bad "$name" "$*"
	fi
}
deadline "--head-timeout 2: a head trickled a line each 0.3 s" head.sc
deadline "--head-timeout 2: the next head on a kept-alive connection" next.sc
deadline "--body-timeout 2: a body trickled a byte each 0.3 s" body.sc
got=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/progress")
check "after the cut connections: answered" "$got" 200
stop_servers
grep -q 'connections cut at the request deadline' slow.err && ok "the server counts the connections it cut" ||
	bad "the server counts the connections it cut" "$(tail -3 slow.err)"

# eight addresses of 127.0.0.0/24, 8 connections each, against 4 per
# address and 12 per /24; 127.0.1.1 (another /24) is answered, 127.0.0.1
# (the same one) is not
start net --db t.db --max-conns-per-ip 4 --max-conns-per-net 12 --threads 4 --head-timeout 0
port=${BASE##*:}
"$SLOW" "$port" --from 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9 \
	--conns 64 --every 500 --for 3 > net.sc &
sc=$!
sleep 1.5
other=$(curl -s -o /dev/null -m 3 --interface 127.0.1.1 -w '%{http_code}' "$BASE/api/v1/progress") || other=000
same=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$BASE/api/v1/progress") || same=000
wait $sc
held=$(sed -n 's/.* held \([0-9]*\).*/\1/p' net.sc)
[ -n "$held" ] && [ "$held" -ge 12 ] && [ "$held" -le 15 ] && ok "one /24 holds --max-conns-per-net (12, up to 3 more at once): $held" ||
	bad "one /24 holds --max-conns-per-net" "$(cat net.sc)"
check "another /24 is answered meanwhile" "$other" 200
check "the full /24 is refused meanwhile" "$same" 000
stop_servers

# ---- 3. an encoded NUL in a path ----
mkdir -p www
echo '<!doctype html><title>dashboard</title>' > www/index.html
start web --db t.db --web www
got=$(curl -s -o body -w '%{http_code}' "$BASE/index.html%00.png")
if [ "$got" = 400 ] && grep -q '"code":"H016"' body; then ok "/index.html%00.png: 400 H016"; else bad "/index.html%00.png: 400 H016" "status $got: $(head -c 100 body)"; fi
got=$(curl -s -o body -w '%{http_code}' "$BASE/index.html")
check "/index.html itself is served" "$got" 200
stop_servers

# ---- 4. SIGTERM while the store opens ----
# a larger election, so that opening and counting take a while; the signal
# is sent once the server has the database open (before its threads start)
setup "$TALLY_REL" simulate --out big --constituencies 10 --stations 1000 --typos 0 --bad 0
setup "$TALLY_REL" init --db big.db big/definition.json
setup "$TALLY_REL" submit --db big.db -q big/entries-1.json big/entries-2.json
for k in 1 2 3; do
	"$TALLY" serve --db big.db --port 0 > early.out 2> early.err &
	p=$!
	i=0
	while [ $i -lt 3000 ] && ! ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'big\.db$'; do i=$((i + 1)); done
	kill -TERM "$p"
	wait "$p"
	rc=$?
	[ $rc = 0 ] && ok "SIGTERM while the store opens ($k): exit 0" ||
		bad "SIGTERM while the store opens ($k)" "exit $rc: $(tail -2 early.err)"
done

no_sanitizer_reports mem.err lock.err slow.err net.err web.err early.err
finish
