#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# check-error-codes.sh: every error code the program can report must be
# exercised by a test. It collects the error codes written as string
# literals in src/ (one letter and three digits: "D005", "P009", "S101", also
# when they sit in a #define) and looks for each, as a whole word, in any
# file under tests/ other than this script (the cases' expect files, the unit
# tests). Template relation codes ("AZ03", "RU04", "PL01": two letters) are
# data, not error codes, and are left out.
#
# Prints "missing CODE (where it is raised)" for each code no test mentions,
# then "N passed, M failed" (codes covered, codes missing); exits 1 if any is
# missing.
#
# usage: tests/check-error-codes.sh   (from anywhere in the repository)

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
self=$here/$(basename "$0")

codes=$(grep -rhoE '"[A-Z][0-9]{3}"' "$root/src" | tr -d '"' | sort -u)
if [ -z "$codes" ]; then
	echo "check-error-codes: no error codes found under $root/src" >&2
	exit 2
fi

pass=0 fail=0
for code in $codes; do
	if grep -rlw --exclude="$(basename "$self")" -e "$code" "$root/tests" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		where=$(grep -rlE "\"$code\"" "$root/src" | sed "s|^$root/||" | tr '\n' ' ')
		echo "missing $code (raised in ${where% })"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
