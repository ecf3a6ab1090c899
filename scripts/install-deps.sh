#!/bin/sh
# install-deps.sh: install the Debian 12 packages that tally needs to build,
# test and benchmark. Run as root (or through sudo) on a Debian 12 machine.
#
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the peers the benchmarks compare with
#   scripts/install-deps.sh --browser  also chromium, for make browser-test
#
# It is idempotent: packages already present are left alone.
set -eu

# clang and its libFuzzer runtime (only recommended by clang-14, so named here): the
# fuzzing harnesses that make check runs. libxml2-utils (xmllint) and
# python3-jsonschema validate the standard exports against the official schemas
# (tests/standards/check.sh). The printed protocols: cairo and pango (PDF, text),
# libqrencode (the QR code), the DejaVu fonts (Azerbaijani and Cyrillic letters),
# gettext (msgfmt builds the message catalogues); poppler-utils reads the PDFs back
# in tests/protocols/check.sh. zlib gzips the log's entry bundles. golang-go and
# golang-golang-x-mod-dev: the independent tiles client of
# tests/server/tlog-client-test.sh (Go's sumdb/note and sumdb/tlog, built offline
# from /usr/share/gocode). libcurl4-openssl-dev: the HTTPS client of `tally log fetch`
# and `tally witness` (the program links it, libtally does not), ca-certificates the
# system CA store it verifies servers against; socat and openssl:
# tests/server/net-client-test.sh puts TLS, with a CA it makes, in front of `tally serve`.
BUILD="build-essential pkg-config libsqlite3-dev libjansson-dev libsodium-dev libcmocka-dev libmicrohttpd-dev zlib1g-dev curl unzip clang libclang-rt-14-dev libxml2-utils python3-jsonschema libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core gettext poppler-utils golang-go golang-golang-x-mod-dev libcurl4-openssl-dev ca-certificates socat openssl"
BENCH="python3-pandas python3-numpy sqlite3 wrk"
BROWSER="chromium"

pkgs="$BUILD"
for arg in "$@"; do
	case "$arg" in
	--bench) pkgs="$pkgs $BENCH" ;;
	--browser) pkgs="$pkgs $BROWSER" ;;
	-h|--help)
		sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "install-deps.sh: unknown option '$arg'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps.sh: all packages present"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
