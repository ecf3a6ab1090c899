#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# check-data.sh: the repository is complete on its own. Every file of data/
# (the real elections, official results, standards and test vectors that the
# README, the docs, the tests and the benchmarks read) is present with the
# checksum data/SHA256SUMS gives, so no test skips for lack of data; and no
# tracked file names a path outside the repository (a clone has nothing
# beside it). Prints "ok NAME" or "FAILED NAME: why", then "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAILED $1: $2"; }

if out=$(cd data && sha256sum --quiet -c SHA256SUMS 2>&1); then
	ok "data/SHA256SUMS: $(wc -l < data/SHA256SUMS) files present and intact"
else
	bad data-checksums "$out"
fi
# every file in data/ is listed (a file added without its checksum is caught)
names=$(mktemp); trap 'rm -f "$names"' EXIT
sed 's/^[0-9a-f]*  //' data/SHA256SUMS | sort > "$names"
unlisted=$(cd data && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | comm -23 - "$names")
if [ -z "$unlisted" ]; then ok "every file of data/ has a checksum"; else bad data-unlisted "$unlisted"; fi

# paths outside the repository: the parent's folders by name
if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	hits=$(git ls-files -z | xargs -0 grep -l -I -E '\.\./shared|/work/(main|shared)' -- 2>/dev/null |
		grep -v '^tests/check-data.sh$')
	if [ -z "$hits" ]; then ok "no tracked file names a path outside the repository"
	else bad outside-paths "$(echo $hits)"; fi
else
	echo "skip outside-paths: not a git work tree"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
