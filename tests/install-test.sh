#!/bin/sh
# install-test.sh: `make install` into a scratch DESTDIR honours PREFIX, and a
# program built with `pkg-config --cflags --libs tally` against the installed
# headers and library runs. Prints "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok install: $1"; }
no() { fail=$((fail + 1)); echo "FAILED install: $1"; }

if make -s install PREFIX=/opt/tallytest DESTDIR="$d/root" >"$d/log" 2>&1; then ok "make install"; else no "make install"; cat "$d/log"; fi
for f in bin/tally lib/libtally.a lib/libtally.so.0 lib/libtally.so include/tally/tally.h \
         lib/pkgconfig/tally.pc share/man/man1/tally.1 share/locale/az/LC_MESSAGES/tally.mo \
         share/locale/ru/LC_MESSAGES/tally.mo; do
	if [ -e "$d/root/opt/tallytest/$f" ]; then ok "$f"; else no "$f missing"; fi
done
if grep -q '^prefix=/opt/tallytest$' "$d/root/opt/tallytest/lib/pkgconfig/tally.pc"; then ok "pkg-config prefix"; else no "pkg-config prefix"; fi
cat > "$d/t.c" <<'C'
#include <tally/tally.h>
#include <stdio.h>
int main(void)
{
	tally_template *t = NULL;
	if (tally_template_preset("az-mm", &t, NULL) != TALLY_OK)
		return 1;
	printf("%u lines, %u relations\n", t->n_lines, t->n_relations);
	tally_template_free(t);
	return 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$d/root" PKG_CONFIG_PATH="$d/root/opt/tallytest/lib/pkgconfig"
if cc -o "$d/t" "$d/t.c" $(pkg-config --cflags --libs tally) 2>"$d/log" &&
   LD_LIBRARY_PATH="$d/root/opt/tallytest/lib" "$d/t" | grep -q '^10 lines, 7 relations$'; then
	ok "a program built with pkg-config runs"
else
	no "a program built with pkg-config"; cat "$d/log"
fi
# every public header compiles on its own (C11, warnings as errors)
for h in "$d"/root/opt/tallytest/include/tally/*.h; do
	b=$(basename "$h")
	printf '#include <tally/%s>\n' "$b" > "$d/h.c"
	if cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$d/root/opt/tallytest/include" -c "$d/h.c" -o "$d/h.o" 2>"$d/log"; then
		ok "header $b compiles alone"
	else
		no "header $b compiles alone"; cat "$d/log"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
