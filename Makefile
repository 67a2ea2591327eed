# mend - plain make.  `make` builds bin/, `make check` tests (installing
# missing libraries first), `make install PREFIX=... DESTDIR=...`.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/mend
MANDIR ?= $(PREFIX)/share/man
VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
PKGS = libcurl libgit2 sqlite3 libbsd-overlay libmicrohttpd libcrypto zlib libprotobuf-c yajl
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
override CFLAGS += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wshadow \
	-Wformat=2 -Wno-format-nonliteral -Ilib -I$(O)/gen $(PKG_CFLAGS) \
	-DMEND_VERSION='"$(VERSION)"' -DMEND_LIBEXECDIR='"$(LIBEXECDIR)"'
# Debian's libjq ships no .pc file.
override LDLIBS += $(PKG_LIBS) -ljq -lonig -lm -lpthread

# O is the build directory: objects and bin/ (ASan builds use build/asan).
O ?= .
CMDS = $(sort $(patsubst cmd/%.c,%,$(wildcard cmd/*.c)))
LIBSRC = $(sort $(wildcard lib/*.c))
# Code protoc-c generates from proto/ at build time, into $(O)/gen.
PROTOS = $(sort $(wildcard proto/*.proto))
GENSRC = $(PROTOS:proto/%.proto=$(O)/gen/%.pb-c.c)
GENHDR = $(GENSRC:.c=.h)
LIBOBJ = $(LIBSRC:%.c=$(O)/obj/%.o) $(GENSRC:$(O)/gen/%.c=$(O)/obj/gen/%.o)
UNITSRC = $(sort $(wildcard tests/unit/*.c))
UNITS = $(UNITSRC:tests/unit/%.c=$(O)/tests/unit/%)
BINS = $(CMDS:%=$(O)/bin/%)
MANS = $(sort $(wildcard man/*.[1-8]))
HDRS = $(wildcard lib/*.h)
# The compositions PM2, systemd and cron run: installed beside the programs.
SCRIPTS = $(sort $(wildcard scripts/mend-*))

all: deps $(BINS)

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

$(O)/gen/%.pb-c.c: proto/%.proto
	@mkdir -p $(@D)
	protoc-c --proto_path=proto --c_out=$(O)/gen $<

$(O)/gen/%.pb-c.h: $(O)/gen/%.pb-c.c
	@test -f $@

$(O)/obj/gen/%.o: $(O)/gen/%.c $(GENHDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/obj/%.o: %.c $(HDRS) $(GENHDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/libmend.a: $(LIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(O)/bin/%: $(O)/obj/cmd/%.o $(O)/libmend.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libmend.a $(LDLIBS)

$(O)/tests/unit/%: tests/unit/%.c $(O)/libmend.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libmend.a $(LDLIBS) -lcmocka

units: $(UNITS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang into
# build/fuzz.  `make fuzz` runs each for FUZZ_SECONDS; make check runs a
# short, fixed number of inputs of each (tests/0850-fuzz.t).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZSRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS = $(FUZZSRC:tests/fuzz/%.c=$(O)/tests/fuzz/%)

$(O)/tests/fuzz/%: tests/fuzz/%.c $(O)/libmend.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libmend.a $(LDLIBS)

fuzzers: $(FUZZERS)

fuzz-build: deps
	@$(MAKE) --no-print-directory O=build/fuzz CC=$(FUZZ_CC) \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' \
		LDFLAGS='-fsanitize=fuzzer,address,undefined' fuzzers

fuzz: fuzz-build
	@tests/fuzz/run -t $(FUZZ_SECONDS)

# make check: the plain build, then the same tests under ASan+UBSan.
check: deps
	@$(MAKE) --no-print-directory all units
	@$(MAKE) --no-print-directory O=build/asan \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer $(CHECK_CFLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' all units
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/run-tests . build/asan

# Run the tests of one build only: make test [O=build/asan] [T='tests/01*.t']
test: all units
	@T_GLOB='$(T)' scripts/run-tests $(O)

bench: all
	@for b in tests/bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

demo: all
	@scripts/demo

# The heal corpus: every case through the offline loop, judged (tests/heal/run).
heal: all
	@tests/heal/run

lint-man:
	mandoc -T lint -W warning $(MANS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 755 bin/mend $(DESTDIR)$(BINDIR)/mend
	for c in $(filter-out mend,$(CMDS)); do \
		install -m 755 bin/$$c $(DESTDIR)$(LIBEXECDIR)/$$c || exit 1; done
	for s in $(SCRIPTS); do install -m 755 $$s $(DESTDIR)$(LIBEXECDIR)/ || exit 1; done
	for m in $(MANS); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mend
	for c in $(filter-out mend,$(CMDS)); do rm -f $(DESTDIR)$(LIBEXECDIR)/$$c; done
	for s in $(SCRIPTS); do rm -f $(DESTDIR)$(LIBEXECDIR)/$${s##*/}; done
	-rmdir $(DESTDIR)$(LIBEXECDIR)
	for m in $(MANS); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf bin obj gen build libmend.a tests/unit/*.o

.PHONY: all deps units fuzzers fuzz-build fuzz check test bench demo heal lint-man \
	install uninstall clean
.SECONDARY:
