#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# net-client-test.sh: the network client of `tally log fetch` and `tally
# witness` (src/cli/http_get.c, docs/log-format.md "Reading the log over
# the network") against servers on this machine only. `tally serve` speaks
# plain HTTP on 127.0.0.1; socat (with OpenSSL) puts TLS in front of it, on
# 127.0.0.1 and on [::1], with certificates from a throwaway CA made here
# with `openssl req`; small sh scripts behind socat play a CONNECT proxy, a
# redirector and hostile servers. It checks:
#   - HTTPS with --cacert: the fetched dump equals `tally log dump`, gzip is
#     used, the witness cosigns and then checks consistency over HTTPS;
#   - IPv6: https://[::1]:PORT, plain http://[::1]:PORT, and the name
#     localhost reaching a server that listens on ::1 only;
#   - TLS refusals [N003]: the system store alone, another CA, a certificate
#     for another name, a --cacert file that is not PEM or is missing;
#   - proxies from the environment (https_proxy, no_proxy) [N002 when the
#     proxy is down];
#   - redirects: followed from http to https, refused from https to http,
#     to plain http off this machine, and after 5 [N006];
#   - hostile servers: an endless body, a huge Content-Length, a gzip bomb,
#     an endless error body [N005]; a server that never answers, or never
#     finishes TLS [N004]; not HTTP, cut short, bad gzip [N007]; nothing
#     listening [N002]; a body longer than its entry logs and a tile with a
#     byte too many, from a static copy of the tiles [N005];
#   - URLs refused before anything is sent [N001], bad timeouts (usage).
# Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed"; skips
# (with the reason, "0 passed, 0 failed, 1 skipped") only when socat or
# openssl is missing (scripts/install-deps.sh installs both).
#
# usage: tests/server/net-client-test.sh   (TALLY=path/to/tally, default build/test/tally)

for tool in socat openssl; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "net-client: skipped: needs $tool (scripts/install-deps.sh)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
done
. "$(dirname "$0")/common.sh"
server_test_init net-client curl gzip cmp sha256sum
# only the proxies this test sets
unset http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
spids=""
trap 'for p in $spids; do kill "$p" 2>/dev/null; done; cleanup' EXIT

# listen NAME SOCAT-ADDRESS...: socat in the background; the port it listens on in $PORT
listen() {
	lname=$1; shift
	socat -d -d "$@" 2> "$lname.socat" &
	spids="$spids $!"
	i=0
	while [ $i -lt 100 ] && ! grep -q 'listening on' "$lname.socat" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	PORT=$(sed -n 's/.*listening on AF=[0-9]* .*:\([0-9][0-9]*\)$/\1/p' "$lname.socat" | head -n 1)
	[ -n "$PORT" ] || { echo "socat $lname did not start"; cat "$lname.socat"; echo "0 passed, 1 failed"; exit 1; }
}
# fails NAME CODE WHAT CMD...: CMD exits 1 naming CODE (and WHAT, a grep
# pattern) on stderr, without a sanitizer report (which also exits 1)
fails() {
	fname=$1 fcode=$2 fwhat=$3; shift 3
	"$@" > out 2> err
	frc=$?
	if [ $frc -eq 1 ] && grep -q "\[$fcode\]" err && grep -q -e "$fwhat" err &&
	   ! grep -q -e Sanitizer -e 'runtime error:' err; then
		ok "$fname [$fcode]: $(cut -c1-150 err)"
	else
		bad "$fname" "exit $frc, expected 1 with $fcode and '$fwhat': $(cat err)"
	fi
}
F="$TALLY log fetch --key cec.pub"

# ---- the election: its definition (72,969 bytes) is logged by hash ----
setup "$TALLY" simulate --out sim --constituencies 5 --stations 450 --typos 0 --bad 0 --warnings 0 --no-double-entry
setup "$TALLY" init --db t.db sim/definition.json
setup "$TALLY" submit --db t.db --quiet sim/entries-1.json
setup "$TALLY" keys generate --name tally.example.org/net --out cec.key
setup "$TALLY" keys generate --witness --name witness.example.org --out w.key
setup "$TALLY" log checkpoint --db t.db --key cec.key
setup "$TALLY" log dump --db t.db --out stored.dump
start main --db t.db
# same_log A B: two dumps hold the same entries and bodies (the checkpoints
# may differ: a fetch has the latest only)
same_log() { grep -v '^checkpoint ' "$1" > a.lines; grep -v '^checkpoint ' "$2" > b.lines; cmp -s a.lines b.lines; }
MAIN=$port

# ---- a throwaway CA, a certificate for this machine, and the wrong ones ----
ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"; }
ca() { # ca NAME: NAME.pem, NAME.key
	openssl req -x509 $(ec) -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=tally test $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
cert() { # cert NAME CA SUBJECT-ALT-NAMES: NAME.pem (leaf), NAME.key
	openssl req $(ec) -keyout "$1.key" -out "$1.csr" -subj "/CN=tally test server"
	printf 'subjectAltName=%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem"
}
setup ca ca
setup ca otherca
setup cert srv ca "DNS:localhost,IP:127.0.0.1,IP:::1"
setup cert wrongname ca "DNS:log.example.org"
setup cert foreign otherca "DNS:localhost,IP:127.0.0.1,IP:::1"
tls() { echo "cert=$1.pem,key=$1.key,verify=0,reuseaddr,fork"; }

# TLS in front of the server: 127.0.0.1 and ::1 (tally serve listens on IPv4)
listen tls4 "OPENSSL-LISTEN:0,bind=127.0.0.1,$(tls srv)" "TCP:127.0.0.1:$MAIN"
TLS4=$PORT
listen tls6 "OPENSSL-LISTEN:0,pf=ip6,bind=[::1],$(tls srv)" "TCP:127.0.0.1:$MAIN"
TLS6=$PORT
listen plain6 "TCP6-LISTEN:0,bind=[::1],reuseaddr,fork" "TCP:127.0.0.1:$MAIN"
PLAIN6=$PORT
listen foreign "OPENSSL-LISTEN:0,bind=127.0.0.1,$(tls foreign)" "TCP:127.0.0.1:$MAIN"
FOREIGN=$PORT
listen wrongname "OPENSSL-LISTEN:0,bind=127.0.0.1,$(tls wrongname)" "TCP:127.0.0.1:$MAIN"
WRONGNAME=$PORT

# ---- HTTPS ----
if $F --url "https://localhost:$TLS4" --cacert ca.pem --out https.dump > out 2> err; then
	ok "fetch over HTTPS with --cacert: $(cat out)"
else
	bad "fetch over HTTPS with --cacert" "$(cat err)"
fi
cmp -s https.dump stored.dump && ok "HTTPS: the fetched dump equals 'tally log dump'" \
	|| bad "HTTPS: the fetched dump equals 'tally log dump'" "$(cmp https.dump stored.dump)"
got=$(sed -n 's/.*requests, \([0-9]*\) bytes (\([0-9]*\) received).*/\1 \2/p' out)
[ -n "$got" ] && [ "${got#* }" -lt "${got% *}" ] && ok "HTTPS: bundles and body gzipped ($got bytes: decoded, received)" \
	|| bad "HTTPS: gzip" "'$got' in $(cat out)"
"$TALLY" verify --dump https.dump --key cec.pub > verify.out 2>&1 \
	&& ok "verify: the dump fetched over HTTPS is clean" || bad "verify the HTTPS dump" "$(tail -3 verify.out)"
$F --url "http://127.0.0.1:$MAIN" --proof 300 > proof.http 2>/dev/null
$F --url "https://127.0.0.1:$TLS4/api/v1/log/" --cacert ca.pem --proof 300 > proof.https 2> err \
	&& cmp -s proof.http proof.https && ok "HTTPS to 127.0.0.1 (an IP in the certificate): the same proof" \
	|| bad "HTTPS to 127.0.0.1" "$(cat err; diff proof.http proof.https)"
# the witness: first sight, then the log grows and the proof comes over HTTPS
"$TALLY" witness --log "https://localhost:$TLS4" --cacert ca.pem --cec cec.pub --key w.key --state w.state > wit.out 2>&1 \
	&& grep -q '^— witness.example.org ' wit.out && ok "witness over HTTPS: cosigns" || bad "witness over HTTPS" "$(cat wit.out)"
setup "$TALLY" annul --db t.db --station C001-001 --reason "court order 1" --by judge
setup "$TALLY" log checkpoint --db t.db --key cec.key
"$TALLY" witness --log "https://[::1]:$TLS6/api/v1/log" --cacert ca.pem --cec cec.pub --key w.key --state w.state --out co.cp > wit.out 2>&1 \
	&& grep -q 'cosigned the checkpoint of 452 entries' wit.out && ok "witness over HTTPS and IPv6: the consistency proof from 451 to 452 entries" \
	|| bad "witness: consistency over HTTPS" "$(cat wit.out)"
setup "$TALLY" log dump --db t.db --out stored.dump

# ---- IPv6 ----
$F --url "https://[::1]:$TLS6" --cacert ca.pem --out v6.dump > out 2> err && same_log v6.dump stored.dump \
	&& ok "IPv6: https://[::1]:PORT, the same dump" || bad "IPv6: https://[::1]" "$(cat err)"
$F --url "http://[::1]:$PLAIN6" --proof 7 > out 2> err \
	&& ok "IPv6: plain http://[::1]:PORT (this machine)" || bad "IPv6: plain http://[::1]" "$(cat err)"
# the name localhost has both addresses; only ::1 listens on TLS6
$F --url "https://localhost:$TLS6" --cacert ca.pem --proof 7 > out 2> err \
	&& ok "IPv6: the name localhost reaches a server on ::1 only" || bad "IPv6: localhost to ::1" "$(cat err)"

# ---- TLS refusals ----
fails "the system's CA store alone does not know the test CA" N003 "certificate" $F --url "https://localhost:$TLS4"
fails "a certificate from another CA" N003 "certificate" $F --url "https://localhost:$FOREIGN" --cacert ca.pem
fails "a certificate for another name" N003 "log.example.org\|name" $F --url "https://localhost:$WRONGNAME" --cacert ca.pem
printf 'not a certificate\n' > notpem.txt
fails "a --cacert that is not PEM" N003 "no PEM certificate" $F --url "https://localhost:$TLS4" --cacert notpem.txt
fails "a --cacert that is missing" N003 "cannot read" $F --url "https://localhost:$TLS4" --cacert missing.pem
cp w.state w.before
fails "witness: an unknown CA" N003 "certificate" "$TALLY" witness --log "https://localhost:$FOREIGN" --cacert ca.pem --cec cec.pub --key w.key --state w.state
cmp -s w.state w.before && ok "witness: the state is untouched after a refusal" || bad "witness: state untouched" "changed"

# ---- proxies from the environment ----
cat > proxy.sh <<'EOF'
# a CONNECT proxy (RFC 9110 9.3.6) for one connection: the request line and
# headers up to the empty line, "200", then the tunnel
CR=$(printf '\r')
read -r method target version
while IFS= read -r l; do case $l in "$CR"|"") break ;; esac; done
echo "$method $target" >> proxy.log
if [ "$method" != CONNECT ]; then printf 'HTTP/1.1 405 Not a tunnel\r\nContent-Length: 0\r\n\r\n'; exit 0; fi
printf 'HTTP/1.1 200 Connection established\r\n\r\n'
exec socat - "TCP:$target"
EOF
listen proxy "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:sh proxy.sh"
PROXY=$PORT
: > proxy.log
https_proxy=http://127.0.0.1:$PROXY $F --url "https://localhost:$TLS4" --cacert ca.pem --out proxied.dump > out 2> err \
	&& same_log proxied.dump stored.dump && ok "https_proxy: fetched through the proxy, the same dump" \
	|| bad "https_proxy" "$(cat err)"
check "https_proxy: the proxy carried it, one tunnel for every request" "$(cat proxy.log)" "CONNECT localhost:$TLS4"
: > proxy.log
https_proxy=http://127.0.0.1:$PROXY no_proxy=localhost $F --url "https://localhost:$TLS4" --cacert ca.pem > out 2> err \
	&& check "no_proxy: the proxy is not used" "$(cat proxy.log)" "" || bad "no_proxy" "$(cat err)"
fails "a proxy that is down" N002 "proxy\|connect" env https_proxy=http://127.0.0.1:1 $F --url "https://localhost:$TLS4" --cacert ca.pem

# ---- redirects ----
cat > redirect.sh <<'EOF'
# answers every request with a redirect ($1: status) to the URL in file $2
# followed by the request's path
CR=$(printf '\r')
read -r method target version
while IFS= read -r l; do case $l in "$CR"|"") break ;; esac; done
printf 'HTTP/1.1 %s Moved\r\nLocation: %s%s\r\nContent-Length: 0\r\n\r\n' "$1" "$(cat "$2")" "$target"
EOF
redirect() { # redirect NAME STATUS TO [tls]: a redirector on 127.0.0.1, its port in $PORT
	echo "$3" > "$1.to"
	if [ "${4:-}" = tls ]; then
		listen "$1" "OPENSSL-LISTEN:0,bind=127.0.0.1,$(tls srv)" "SYSTEM:sh redirect.sh $2 $1.to"
	else
		listen "$1" "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:sh redirect.sh $2 $1.to"
	fi
}
redirect up 301 "https://localhost:$TLS4"
$F --url "http://127.0.0.1:$PORT" --cacert ca.pem --out redirected.dump > out 2> err \
	&& same_log redirected.dump stored.dump && ok "redirect from http to https followed: the same dump ($(cat out))" \
	|| bad "redirect from http to https" "$(cat err)"
redirect down 302 "http://127.0.0.1:$MAIN" tls
fails "a redirect from https to http" N006 "from https:// to http://127.0.0.1" $F --url "https://localhost:$PORT" --cacert ca.pem
redirect away 307 "http://log.example.org"
fails "a redirect to plain http off this machine" N006 "only reaches this machine" $F --url "http://127.0.0.1:$PORT"
redirect loop 302 ""
fails "a redirect loop: more than 5" N006 "more than 5 redirects" $F --url "http://127.0.0.1:$PORT"

# ---- hostile servers ----
head -c 20000000 /dev/zero | gzip -9 > bomb.gz   # 20 MB of zeros in about 20 kB
cat > hostile.sh <<'EOF'
# a hostile HTTP server for one connection: reads the request, answers as $1 says
CR=$(printf '\r')
read -r method target version
while IFS= read -r l; do case $l in "$CR"|"") break ;; esac; done
case $1 in
endless) printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'; exec yes ;;
length) printf 'HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n'; head -c 1000 /dev/zero; sleep 2 ;;
bomb) printf 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %s\r\n\r\n' "$(wc -c < bomb.gz)"; cat bomb.gz ;;
errbody) printf 'HTTP/1.1 404 Not Found\r\n\r\n'; exec yes ;;
stall) sleep 2 ;;
garbage) printf 'hello, this is not HTTP\r\n\r\n' ;;
short) printf 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this' ;;
badgzip) printf 'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\nthis is not gzip....' ;;
esac
EOF
hostile() { listen "$1" "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:sh hostile.sh $1"; H=http://127.0.0.1:$PORT; }
hostile endless
fails "an endless body: stopped at the checkpoint's 1 MiB" N005 "over its limit of 1,048,576 bytes" $F --url "$H"
fails "witness: an endless body" N005 "over its limit of 1,048,576 bytes" "$TALLY" witness --log "$H" --cec cec.pub --key w.key --state w.state
hostile length
fails "a Content-Length of 100 GB: not read" N005 "Content-Length" $F --url "$H"
hostile bomb
fails "a gzip bomb (20 MB of zeros): stopped after 1 MiB decoded" N005 "over its limit of 1,048,576 bytes" $F --url "$H"
hostile errbody
fails "an endless error answer: stopped at 64 KiB" N005 "over its limit of 65,536 bytes" $F --url "$H"
hostile stall
fails "a server that never answers (--timeout 1)" N004 "within 1 s (--timeout)" $F --url "$H" --timeout 1
listen tlsstall "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:sleep 2"
fails "TLS that never completes (--connect-timeout 1)" N004 "no connection within 1 s" $F --url "https://localhost:$PORT" --connect-timeout 1
hostile garbage
fails "an answer that is not HTTP" N007 "not a usable HTTP answer" $F --url "$H"
hostile short
fails "an answer cut short" N007 "bytes remaining" $F --url "$H"
hostile badgzip
fails "an answer that is not the gzip it claims" N007 "unencoding\|gzip" $F --url "$H"
fails "nothing listening" N002 "cannot reach" $F --url "http://127.0.0.1:1"

# a static copy of the tiles (tally serve --web) with one body and one tile too long
M=mirror/log
mkdir -p "$M/tile/0/001.p" "$M/tile/entries/001.p" "$M/tile/1/000.p" "$M/body"
setup "$TALLY" log checkpoint --db t.db --key cec.key   # 452 entries: 256 + 196
for p in checkpoint tile/0/000 tile/0/001.p/196 tile/entries/000 tile/entries/001.p/196 tile/1/000.p/1; do
	curl -s -o "$M/$p" "http://127.0.0.1:$MAIN/api/v1/log/$p"
done
def=$(sha256sum < sim/definition.json | cut -c1-64)
cp sim/definition.json "$M/body/$def"
start mirror --db t.db --web "$W/mirror"
$F --url "$BASE/log" --out mirror.dump > out 2> err && ok "a static copy of the tiles reads" || bad "the static copy" "$(cat err)"
printf ' ' >> "$M/body/$def"
fails "a body one byte longer than its entry logs" N005 "over its limit of 72,969 bytes" $F --url "$BASE/log" --out x.dump
cp sim/definition.json "$M/body/$def"
printf 'x' >> "$M/tile/0/000"
fails "a hash tile one byte too long" N005 "over its limit of 8,192 bytes" $F --url "$BASE/log" --proof 3

# ---- URLs and options refused before anything is sent ----
fails "plain http off this machine" N001 "use https://" $F --url "http://log.example.org/api/v1/log"
fails "a URL with a query" N001 "query" $F --url "https://localhost:$TLS4/log?x=1"
fails "a URL with credentials" N001 "password" $F --url "https://user:pw@localhost:$TLS4/"
fails "another scheme" N001 "only https:// and http://" $F --url "ftp://localhost/log"
fails "witness: plain http off this machine" N001 "use https://" "$TALLY" witness --log http://log.example.org --cec cec.pub --key w.key --state w.state
$F --url "https://localhost:$TLS4" --timeout 0 > /dev/null 2>&1
check "--timeout 0 is a usage error" "$?" 2
"$TALLY" witness --log "https://localhost:$TLS4" --connect-timeout x --cec cec.pub --key w.key --state w.state > /dev/null 2>&1
check "--connect-timeout x is a usage error" "$?" 2

for p in $spids; do kill "$p" 2>/dev/null; done
spids=""
stop_servers
no_sanitizer_reports main.err mirror.err
finish
