# Makefile: the one build system of tally (GNU Make + pkg-config).
#
#   make               build build/tally and libtally (static and shared)
#   make check         the whole test suite: unit tests and command-line cases,
#                      built with -Werror, AddressSanitizer and UBSan
#   make demo          simulate the demo election and run it end to end
#   make bench         the benchmarks (bench/README.md); needs install-deps.sh --bench
#   make bench-rcv     ranked ballots: a million ballots by IRV, Scottish STV, Meek
#   make torture       crash safety: SIGKILL and power loss under a storm of
#                      submissions (tests/torture/torture.sh)
#   make install       install into $(DESTDIR)$(PREFIX) (default /usr/local)
#   make clean
#
# Variables: CC, PREFIX, DESTDIR, CFLAGS_EXTRA.

CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
PCDIR   ?= $(LIBDIR)/pkgconfig
VERSION := 0.1.0
SOVER   := 0

PKGS    := sqlite3 jansson libsodium libmicrohttpd zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# the printed protocols (src/render/pdf.c) and the HTTP(S) client of `tally log
# fetch` and `tally witness` (src/cli/http_get.c): the program links them,
# libtally does not
APP_PKGS   := pangocairo cairo-pdf fontconfig libqrencode libcurl
APP_CFLAGS := $(shell pkg-config --cflags $(APP_PKGS) 2>/dev/null)
APP_LIBS   := $(shell pkg-config --libs $(APP_PKGS) 2>/dev/null)
LOCALEDIR ?= $(PREFIX)/share/locale
# message catalogues (GNU gettext): po/LANG.po -> build/locale/LANG/LC_MESSAGES/tally.mo
PO_LANGS  := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO_FILES  := $(PO_LANGS:%=build/locale/%/LC_MESSAGES/tally.mo)

WARN := -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wundef \
        -Wformat=2 -Wno-format-truncation -Wvla -Wpointer-arith
BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc \
        $(WARN) $(PKG_CFLAGS) $(APP_CFLAGS) -DTALLY_LOCALEDIR='"$(LOCALEDIR)"' $(CFLAGS_EXTRA)
REL_CFLAGS  := $(BASE) -O2 -g -fPIC -fvisibility=hidden
TEST_CFLAGS := $(BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all -DTALLY_TESTING
TEST_LDFLAGS := -fsanitize=address,undefined

CORE_SRC  := $(sort $(wildcard src/core/*.c src/core/*/*.c))
STORE_SRC := $(sort $(wildcard src/store/*.c))
REND_SRC  := $(sort $(wildcard src/render/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
SERVER_SRC := $(sort $(wildcard src/server/*.c))
LIB_SRC   := $(CORE_SRC)
APP_SRC   := $(STORE_SRC) $(REND_SRC) $(SERVER_SRC) $(CLI_SRC)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
HDRS      := $(wildcard include/tally/*.h src/*.h src/*/*.h src/core/*/*.h)

REL_LIB_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
REL_APP_OBJ  := $(APP_SRC:%.c=build/rel/%.o)
TEST_LIB_OBJ := $(LIB_SRC:%.c=build/test/%.o)
TEST_APP_OBJ := $(filter-out build/test/src/cli/main.o,$(APP_SRC:%.c=build/test/%.o))
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/test/unit/%)

.PHONY: all check unit cases demo bench bench-quick bench-seats bench-forensics bench-detection bench-rcv install uninstall clean deps-check fuzz \
        fuzz-replay fuzz-build fuzz-check error-codes browser-test

all: build/tally build/libtally.a build/libtally.so.$(SOVER) build/tally.pc $(MO_FILES)

deps-check:
	@pkg-config --exists $(PKGS) $(APP_PKGS) || { echo "missing build dependencies: run scripts/install-deps.sh" >&2; exit 1; }

build/locale/%/LC_MESSAGES/tally.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# po/tally.pot from the marked messages (N_() in src/render); `make po` also
# merges it into every po/LANG.po, whose new messages then await translation
.PHONY: po
po:
	xgettext --from-code=UTF-8 --keyword=N_ --keyword=render_tr --add-comments=TRANSLATORS \
	    --package-name=tally --package-version=$(VERSION) --sort-by-file \
	    -o po/tally.pot src/render/pdf.c src/render/i18n.c
	for l in $(PO_LANGS); do msgmerge --quiet --update --backup=none po/$$l.po po/tally.pot; done

build/rel/%.o: %.c $(HDRS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c $< -o $@

build/test/%.o: %.c $(HDRS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

build/libtally.a: $(REL_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

build/libtally.so.$(SOVER): $(REL_LIB_OBJ)
	$(CC) -shared -Wl,-soname,libtally.so.$(SOVER) -o $@ $^ $(PKG_LIBS) -lm

build/tally: $(REL_APP_OBJ) build/libtally.a
	$(CC) -o $@ $(REL_APP_OBJ) build/libtally.a $(PKG_LIBS) $(APP_LIBS) -lm

# the pkg-config file is written anew each time, since PREFIX may differ
build/tally.pc: tally.pc.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' $< > $@

FORCE:

# ---- test build (sanitizers) ----
build/test/tally: $(TEST_APP_OBJ) build/test/src/cli/main.o $(TEST_LIB_OBJ) $(MO_FILES)
	$(CC) $(TEST_LDFLAGS) -o $@ $(filter %.o,$^) $(PKG_LIBS) $(APP_LIBS) -lm

# the test build with the fault-injection layer (tests/faults/README.md):
# TALLY_FAULT=write:N, sync:N, alloc:N, full:N, powerloss:N, ...
build/test/tally-faults: $(TEST_APP_OBJ) build/test/src/cli/main.o $(TEST_LIB_OBJ) \
                         build/test/tests/faults/faultinject.o
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(APP_LIBS) -lm

# the fingerprint of a database: every table hashed, integrity_check
# (tests/hostile and tests/faults: "nothing stored", "no partial state")
build/test/dbprint: tests/tools/dbprint.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -o $@ $< $(PKG_LIBS)

# a hostile client holding many slow connections (tests/server/security-test.sh)
build/test/slowclient: tests/tools/slowclient.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -o $@ $<

# every fault point of import, init and submit, disk full and power loss
.PHONY: faults
faults: build/test/tally-faults build/test/dbprint
	@TALLY=build/test/tally-faults tests/faults/run.sh --full

build/test/unit/%: tests/unit/%.c $(TEST_LIB_OBJ) $(TEST_APP_OBJ) tests/unit/testutil.h $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(TEST_APP_OBJ) $(TEST_LIB_OBJ) \
	    $(TEST_LDFLAGS) -lcmocka $(PKG_LIBS) $(APP_LIBS) -lm

unit: $(UNIT_BIN)
	@set -e; pass=0; fail=0; \
	for t in $(UNIT_BIN); do \
	  if ./$$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "unit suites: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

cases: build/test/tally
	@TALLY=build/test/tally tests/cases/run.sh

.PHONY: hostile
hostile: build/test/tally build/test/dbprint
	@TALLY=build/test/tally tests/hostile/run.sh

# ---- fuzzing ----
# Every parser of outside input has a libFuzzer harness fuzz/fuzz_NAME.c with
# a seed corpus in fuzz/corpus/NAME (fuzz/README.md lists them). `make
# check` replays every corpus under gcc's sanitizers (fuzz/driver.c) and
# runs every harness with clang's libFuzzer for FUZZ_CHECK_SECONDS (30) each,
# two at a time; `make fuzz` runs each for FUZZ_SECONDS (default 60). Both
# go through fuzz/run.sh, which prints each harness's executions and
# whether it found anything, then "N passed, M failed". What libFuzzer
# finds is kept in build/fuzz/corpus_NAME; a crash is written to
# build/fuzz/artifacts/NAME/. Harnesses in FUZZ_SERVER drive the HTTP
# server in-process and link the whole program but its main; they include
# src/server/http.c themselves to reach its static request handler.
FUZZ_NAMES  := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_SERVER := http
FUZZ_REPLAY := $(FUZZ_NAMES:%=build/test/fuzz/replay_%)
FUZZ_BINS   := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 30
FUZZ_JOBS   ?= 2
FUZZ_CC     ?= clang
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(filter-out -Werror -Wno-format-truncation,$(BASE)) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZ_APP_SRC := $(filter-out src/server/http.c,$(STORE_SRC) $(REND_SRC) $(SERVER_SRC))
FUZZ_APP_OBJ := $(FUZZ_APP_SRC:%.c=build/fuzz/obj/%.o)
TEST_NOHTTP_OBJ := $(FUZZ_APP_SRC:%.c=build/test/%.o)

build/test/fuzz/replay_%: fuzz/fuzz_%.c fuzz/driver.c $(TEST_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< fuzz/driver.c $(TEST_LIB_OBJ) $(TEST_LDFLAGS) $(PKG_LIBS) -lm

$(FUZZ_SERVER:%=build/test/fuzz/replay_%): build/test/fuzz/replay_%: fuzz/fuzz_%.c fuzz/driver.c \
		$(TEST_LIB_OBJ) $(TEST_NOHTTP_OBJ) src/server/http.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< fuzz/driver.c $(TEST_NOHTTP_OBJ) $(TEST_LIB_OBJ) \
	    $(TEST_LDFLAGS) $(PKG_LIBS) $(APP_LIBS) -lm

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for n in $(FUZZ_NAMES); do printf '%s: ' $$n; ./build/test/fuzz/replay_$$n fuzz/corpus/$$n/*; done

build/fuzz/obj/%.o: %.c $(HDRS) | deps-check
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lm

$(FUZZ_SERVER:%=build/fuzz/fuzz_%): build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) \
		$(FUZZ_APP_OBJ) src/server/http.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_APP_OBJ) $(FUZZ_LIB_OBJ) \
	    $(PKG_LIBS) $(APP_LIBS) -lm

# make check builds the harnesses when clang is there; without it, the
# fuzzing part of tests/run-all.sh fails and says so
FUZZ_CHECK_BINS := $(if $(shell command -v $(FUZZ_CC) 2>/dev/null),$(FUZZ_BINS))

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@fuzz/run.sh -j 1 $(FUZZ_SECONDS) $(FUZZ_NAMES)

# what make check runs (tests/run-all.sh), also on its own
fuzz-check:
	@fuzz/run.sh -j $(FUZZ_JOBS) $(FUZZ_CHECK_SECONDS) $(FUZZ_NAMES)

error-codes:
	@tests/check-error-codes.sh

check: $(UNIT_BIN) build/test/tally build/test/tally-faults build/test/dbprint build/test/slowclient build/torture/storm build/torture/check $(FUZZ_REPLAY) $(FUZZ_CHECK_BINS) all
	@tests/run-all.sh

# ---- demo and benchmarks ----
demo: build/tally
	@scripts/demo.sh build/tally

bench: build/tally
	@bench/run.sh

bench-quick: build/tally
	@bench/run.sh --quick

# seat allocation (bench/README.md, "Seat allocation")
bench-seats: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_seats bench/bench_seats.c build/libtally.a $(PKG_LIBS) -lm
	@./build/bench_seats

# the forensic battery on Russia 2018, beside its numpy peer (bench/README.md, "Forensics")
bench-forensics: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_forensics bench/bench_forensics.c build/libtally.a $(PKG_LIBS) -lm
	./build/bench_forensics
	/usr/bin/python3 bench/peers/integer_test.py

# detection power and false alarms of the forensic battery on simulated elections
# (bench/README.md, "Forensics: detection power"); DETECTION_ARGS=--quick for CI
bench-detection: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_detection bench/bench_detection.c build/libtally.a $(PKG_LIBS) -lm
	./build/bench_detection $(DETECTION_ARGS)

# ranked ballots: 1,000,000 ballots, 20 candidates, IRV, Scottish STV and Meek
# for 5 seats, beside the python3 reference (bench/README.md, "Ranked ballots")
.PHONY: bench-rcv
bench-rcv: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_rcv bench/bench_rcv.c build/libtally.a $(PKG_LIBS) -lm
	./build/bench_rcv $(RCV_ARGS)

# the transparency log: 1,000,000 appends, proofs, root verification (bench/README.md)
.PHONY: bench-ledger
bench-ledger: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_ledger bench/bench_ledger.c build/libtally.a $(PKG_LIBS) -lm
	./build/bench_ledger

# full verification of a 1,000,000-entry log: definition, protocols, statement (bench/README.md)
.PHONY: bench-verify
bench-verify: build/libtally.a
	$(CC) $(REL_CFLAGS) -o build/bench_verify bench/bench_verify.c build/libtally.a $(PKG_LIBS) -lm
	./build/bench_verify $(VERIFY_ARGS)

# the election-night server under load: group-committed submissions and cached
# result reads with wrk (bench/README.md, "Server"); BENCH_SERVER_ARGS=--quick
.PHONY: bench-server
bench-server: build/tally
	$(CC) $(REL_CFLAGS) -pthread -o build/bench_server bench/bench_server.c
	./build/bench_server $(BENCH_SERVER_ARGS)

# ---- install ----
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/tally $(DESTDIR)$(PCDIR) \
	           $(DESTDIR)$(MANDIR)/man1
	install -m 755 build/tally $(DESTDIR)$(BINDIR)/tally
	install -m 644 build/libtally.a $(DESTDIR)$(LIBDIR)/libtally.a
	install -m 755 build/libtally.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libtally.so.$(SOVER)
	ln -sf libtally.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libtally.so
	install -m 644 include/tally/*.h $(DESTDIR)$(INCDIR)/tally/
	install -m 644 build/tally.pc $(DESTDIR)$(PCDIR)/tally.pc
	install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	for l in $(PO_LANGS); do \
	  install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	  install -m 644 build/locale/$$l/LC_MESSAGES/tally.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/tally.mo; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tally $(DESTDIR)$(LIBDIR)/libtally.a $(DESTDIR)$(LIBDIR)/libtally.so* \
	      $(DESTDIR)$(PCDIR)/tally.pc $(DESTDIR)$(MANDIR)/man1/tally*.1 \
	      $(PO_LANGS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/tally.mo)
	rm -rf $(DESTDIR)$(INCDIR)/tally

clean:
	rm -rf build

# ---- crash safety (tests/torture/torture.sh) ----
# the server under a storm of submissions, killed with SIGKILL TORTURE_KILLS
# times and made to lose power (tests/faults) TORTURE_POWERLOSS times, then
# checked: acknowledged data kept exactly once, the log consistent with every
# checkpoint published, integrity_check, tally verify. TORTURE_SEED=N replays.
TORTURE_KILLS ?= 50
TORTURE_POWERLOSS ?= 20
TORTURE_SEED ?=

build/torture/storm: tests/torture/storm.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -g -pthread -o $@ $<

build/torture/check: tests/torture/check.c | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -g -o $@ $< $(PKG_LIBS)

.PHONY: torture
torture: build/tally build/torture/storm build/torture/check build/test/tally-faults
	@TALLY=build/tally TORTURE_KILLS=$(TORTURE_KILLS) TORTURE_POWERLOSS=$(TORTURE_POWERLOSS) \
	    TORTURE_SEED=$(TORTURE_SEED) tests/torture/torture.sh

# ---- the dashboard in a real browser ----
# headless Chromium (scripts/install-deps.sh --browser) on a simulated election
# night; screenshots go to docs/img/dashboard-*.png. run-all.sh runs it too
# when chromium is installed.
browser-test: build/tally
	@tests/browser/dashboard-test.sh
	@tests/browser/live-test.sh
