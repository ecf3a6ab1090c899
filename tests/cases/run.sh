#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: the data-driven end-to-end cases of the `tally` command line
# (curl tests/data, git t/ style). Every directory tests/cases/NNNN-name/ is
# one case, run in number order:
#
#   cmd     a POSIX sh snippet, run by `sh` in a fresh empty directory ($W,
#           also the working directory) with these variables set:
#             TALLY   the tally binary (absolute path)
#             FIX     tests/cases/fixtures (absolute path)
#             SHARED  the repository's data folder, data/ (absolute)
#             W       the case's working directory
#           and a helper for set-up steps:
#             ok CMD ARGS...   runs CMD quietly; if it fails, prints its output
#                              and ends the case with exit status 99 (which no
#                              case expects), so a broken set-up never passes.
#           stdout and stderr are captured together.
#   exit    the exit status the snippet must end with
#   expect  fixed strings, one per line, that must each occur in the output
#   reject  (optional) fixed strings, one per line, that must not occur
#   needs   (optional) what the case needs, one per line: "shared" (the data
#           in data/) or the name of a command (unzip, sqlite3,
#           python3). A case whose needs are missing is skipped. A case whose
#           cmd mentions $SHARED needs "shared" without saying so.
#
# Output from a sanitizer ("AddressSanitizer", "runtime error:") fails any case.
#
# usage: tests/cases/run.sh [PREFIX...]      e.g. run.sh 02 0701
#   TALLY=path/to/tally (default build/test/tally, relative to the repository
#   root or the current directory); TALLY_CASES_KEEP=1 keeps the working
#   directories of failed cases (the path is printed).
#   Prints "ok NNNN-name", "skip NNNN-name (needs ...)" or "FAILED NNNN-name:
#   why" followed by the case's output, then one summary line "N passed,
#   M failed" (", K skipped" added when cases were skipped). Exits 1 if any
#   case failed.
#
# A case directory is data: to add a case, make a directory with the next free
# number of its family (00 basics, 01 definitions, 02 protocol entry,
# 03 annulment, 04 turnout, 05 results, 06 simulate, 07 import, 08 store,
# 09 seats, 10 forensics, 11 the log, 12 ranked ballots).

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

TALLY=${TALLY:-build/test/tally}
case $TALLY in
/*) ;;
*) if [ -x "$TALLY" ]; then TALLY=$(cd "$(dirname "$TALLY")" && pwd)/$(basename "$TALLY")
   else TALLY=$root/$TALLY; fi ;;
esac
if [ ! -x "$TALLY" ]; then
	echo "run.sh: no tally binary at $TALLY (build it with 'make build/test/tally')" >&2
	exit 2
fi
FIX=$here/fixtures
SHARED=$root/data
export TALLY FIX SHARED
# hermetic: the default database is ./tally.db of the case, the user is fixed
unset TALLY_DB
USER=tester
LC_ALL=C
export USER LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tally-cases.XXXXXX") || exit 2
trap 'rm -rf "$tmp"; exit 130' INT TERM

# the cases use $TALLY, $FIX and $SHARED unquoted: reach them through links in
# the temporary directory, so that a checkout path with spaces does no harm
mkdir "$tmp/.bin" && ln -s "$TALLY" "$tmp/.bin/tally" && TALLY=$tmp/.bin/tally
ln -s "$FIX" "$tmp/.fixtures" && FIX=$tmp/.fixtures
if [ -d "$SHARED" ]; then ln -s "$SHARED" "$tmp/.shared" && SHARED=$tmp/.shared; fi

if command -v timeout >/dev/null 2>&1; then limit="timeout 300"; else limit=""; fi

prelude='ok() { "$@" >"$W/.ok.out" 2>&1 || { rc=$?; echo "set-up step failed (exit $rc): $*"; cat "$W/.ok.out"; exit 99; }; }'

pass=0 fail=0 skip=0
for dir in "$here"/[0-9][0-9][0-9][0-9]-*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	if [ $# -gt 0 ]; then
		want=no
		for p in "$@"; do
			case $name in "$p"*) want=yes ;; esac
		done
		[ $want = yes ] || continue
	fi
	if [ ! -f "$dir/cmd" ] || [ ! -f "$dir/exit" ]; then
		echo "FAILED $name: the case needs the files cmd and exit"
		fail=$((fail + 1))
		continue
	fi
	# what the case needs
	missing=""
	needs=""
	[ -f "$dir/needs" ] && needs=$(cat "$dir/needs")
	grep -q 'SHARED' "$dir/cmd" && needs="$needs
shared"
	for n in $needs; do
		if [ "$n" = shared ]; then
			[ -d "$SHARED" ] || missing="$missing $n"
		elif ! command -v "$n" >/dev/null 2>&1; then
			missing="$missing $n"
		fi
	done
	if [ -n "$missing" ]; then
		echo "skip $name (needs$missing)"
		skip=$((skip + 1))
		continue
	fi

	W="$tmp/$name"
	mkdir -p "$W"
	out="$tmp/$name.out"
	(cd "$W" && W="$W" $limit sh -c "$prelude
$(cat "$dir/cmd")") >"$out" 2>&1 </dev/null
	rc=$?

	why=""
	want_rc=$(tr -d ' \t\r\n' <"$dir/exit")
	[ "$rc" = "$want_rc" ] || why="exit status $rc, expected $want_rc"
	if [ -z "$why" ] && [ -f "$dir/expect" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			[ -n "$line" ] || continue
			if ! grep -qF -e "$line" "$out"; then
				why="missing: $line"
				break
			fi
		done <"$dir/expect"
	fi
	if [ -z "$why" ] && [ -f "$dir/reject" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			[ -n "$line" ] || continue
			if grep -qF -e "$line" "$out"; then
				why="unwanted: $line"
				break
			fi
		done <"$dir/reject"
	fi
	if [ -z "$why" ] && grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$out"; then
		why="sanitizer report"
	fi

	if [ -z "$why" ]; then
		echo "ok $name"
		pass=$((pass + 1))
		rm -rf "$W" "$out"
	else
		echo "FAILED $name: $why"
		sed -n '1,80s/^/    | /p' "$out"
		n=$(wc -l <"$out")
		[ "$n" -gt 80 ] && echo "    | ... ($n lines in all)"
		fail=$((fail + 1))
	fi
done

if [ $fail -gt 0 ] && [ -n "$TALLY_CASES_KEEP" ]; then
	echo "(the failed cases' directories and output are kept in $tmp)"
else
	rm -rf "$tmp"
fi
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
