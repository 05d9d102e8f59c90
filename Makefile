# actsim — plain Makefile. `make test` and `make run` install what is
# missing first (scripts/install-deps).

CC ?= cc
CLANG ?= clang
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CFLAGS ?= -O2 -g
LDFLAGS ?=
VERSION = 0.1.0

PKGS = openssl gmp sqlite3 jansson libpq
WARN = -std=c11 -Wall -Wextra -Wpedantic -Wconversion -Wshadow \
       -Wstrict-prototypes -Wvla -Wwrite-strings
ifeq ($(CI),true)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libpq is loaded when a lab's backend is PostgreSQL (store/pg_lazy.c),
# so only its headers are needed at build time.
PKG_LIBS = $(shell pkg-config --libs $(filter-out libpq,$(PKGS))) -lpthread
# The front ends also speak HTTPS: server (libevent) and client (libcurl);
# the scenario runner writes JUnit and the pictures draw SVG with
# libxml2 (loaded on first use, cli/xml_lazy.c: headers only here).
FRONT_PKGS = libevent libevent_openssl libevent_pthreads libcurl libxml-2.0
FRONT_LIBS = $(shell pkg-config --libs $(filter-out libxml-2.0,$(FRONT_PKGS)))
ALL_CFLAGS = $(WARN) $(CFLAGS) -fPIC -D_DEFAULT_SOURCE \
	-D_POSIX_C_SOURCE=200809L -DACTSIM_VERSION='"$(VERSION)"' \
	-Iinclude $(PKG_CFLAGS) $(shell pkg-config --cflags $(FRONT_PKGS)) \
	-MMD -MP

LIB_SRC = $(wildcard common/*.c keys/*.c activation/*.c store/*.c \
	simulator/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/catalog_builtin.o
CLI_SRC = $(wildcard cli/*.c scenario/*.c server/*.c web/*.c)
# The dashboard's files, compiled into the server part (web/assets.S).
WEB_ASSETS = web/index.html web/app.css web/app.js
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/web/assets.o
# The server is a part loaded by `actsim server` (server/plugin.h), so
# that no other command loads libevent, libssl and all of libcrypto.
SERVER_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard server/*.c)) \
	$(BUILD)/obj/web/assets.o
EXE_OBJ = $(filter-out $(SERVER_OBJ),$(CLI_OBJ))
# The front ends without main(): for the fuzz targets.
CLI_LIB_OBJ = $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ))
FUZZ_NAMES = pkey iid cid hwprofile catalog scenario http time
FUZZ_REPLAY = $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN = $(BUILD)/bench/bench_keys $(BUILD)/bench/bench_activation
CATALOG = fixtures/catalog/ws2003.json

.PHONY: all deps test check run tour demo bench fuzz asan tsan install uninstall clean

# Man pages and shell completions, generated from the command table.
DOCS = $(BUILD)/man/actsim.1 $(BUILD)/man/actsim-scenario.5 \
	$(BUILD)/completion/actsim.bash $(BUILD)/completion/_actsim

all: $(BUILD)/actsim $(BUILD)/actsim-server.so $(BUILD)/libactsim.a \
     $(BUILD)/libactsim.so $(BUILD)/actsim.pc $(DOCS)

$(BUILD)/docs.stamp: $(BUILD)/actsim scripts/gen-docs docs/scenarios.md \
		$(CATALOG)
	scripts/gen-docs $(BUILD)/actsim $(BUILD)
	@touch $@

$(BUILD)/completion/actsim.bash $(BUILD)/completion/_actsim: \
		$(BUILD)/docs.stamp
	@test -f $@

# groff's .TH turns hyphenation back on after scdoc's .nh: options such
# as --probability are not to be split.
$(BUILD)/man/%: $(BUILD)/docs.stamp
	scdoc < $@.scd > $@.tmp
	sed '/^\.TH /a .nh' $@.tmp > $@ && rm -f $@.tmp

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The default catalog, compiled into libactsim so that actsim works from
# any directory: one JSON text per member (keys/catalog_builtin.h).
$(BUILD)/gen/catalog_builtin.c: $(CATALOG) scripts/gen-catalog
	@mkdir -p $(dir $@)
	scripts/gen-catalog $(CATALOG) $@

$(BUILD)/obj/gen/catalog_builtin.o: $(BUILD)/gen/catalog_builtin.c \
		keys/catalog_builtin.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -Ikeys -c $< -o $@

$(BUILD)/obj/web/assets.o: web/assets.S $(WEB_ASSETS)
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/libactsim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The shared library exports exactly the functions the public headers
# declare; everything else (internal helpers shared between modules, which
# the static library, tests and fuzz targets still use) stays local.
$(BUILD)/libactsim.map: $(wildcard include/actsim/*.h)
	@mkdir -p $(BUILD)
	@{ echo '{ global:'; grep -ho 'actsim_[a-z0-9_]* *(' $^ | \
		sed 's/ *(/;/' | sort -u; echo 'local: *; };'; } > $@

$(BUILD)/libactsim.so: $(LIB_OBJ) $(BUILD)/libactsim.map
	$(CC) -shared -Wl,-soname,libactsim.so.0 \
		-Wl,--version-script=$(BUILD)/libactsim.map $(LDFLAGS) -o $@ \
		$(LIB_OBJ) $(PKG_LIBS)

# Every process pays for loading its libraries, most of a short
# command's time (docs/performance.md). --as-needed: libcurl is loaded
# when a command first talks HTTP (cli/curl_lazy.c), libpq and libxml2
# likewise on first use (store/pg_lazy.c, cli/xml_lazy.c), RAND_bytes too
# (cli/rand_lazy.c). GMP, SQLite, jansson and the library's few libcrypto
# functions (SHA-256, OPENSSL_cleanse, CRYPTO_memcmp) are linked from
# Debian's static archives (the -dev packages): no symbol lookups at
# start. The executable exports the library (actsim_*), jansson (json_*:
# one copy, one hash seed for every object) and web_timeline_svg to the
# server part, and holds all of them for it.
LIBDIR_A = $(shell pkg-config --variable=libdir libcrypto)
STATIC_A = $(LIBDIR_A)/libgmp.a $(LIBDIR_A)/libsqlite3.a \
	$(LIBDIR_A)/libcrypto.a
EXE_EXPORTS = -Wl,--export-dynamic-symbol='actsim_*' \
	-Wl,--export-dynamic-symbol='json_*' \
	-Wl,--export-dynamic-symbol=web_timeline_svg
$(BUILD)/actsim: $(EXE_OBJ) $(BUILD)/libactsim.a
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--as-needed $(EXE_EXPORTS) -o $@ \
		$(EXE_OBJ) -Wl,--whole-archive $(BUILD)/libactsim.a \
		$(LIBDIR_A)/libjansson.a -Wl,--no-whole-archive $(STATIC_A) \
		-lm -ldl -lpthread

# The server part: the library and jansson resolve to the executable's,
# which loads it (cli/server_lazy.c).
# It also replaces libevent's evhttp_send_error (HTML refusals) with its
# own, in JSON (server/server.c): libevent calls it through its PLT, and
# the dynamic linker finds the part's definition before libevent's own as
# long as the part exports it (no version script or hidden visibility
# hiding it) and libevent is not already in the global scope (loaded by
# the executable, or dlopen'ed with RTLD_GLOBAL before the part). A static
# libevent would clash with it at link time. tests/protocol.py fails if
# the refusals turn back into HTML.
SERVER_LIBS = $(shell pkg-config --libs libevent libevent_openssl \
	libevent_pthreads openssl) -lpthread
$(BUILD)/actsim-server.so: $(SERVER_OBJ)
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ \
		$(SERVER_OBJ) $(SERVER_LIBS)

$(BUILD)/actsim.pc: Makefile
	@mkdir -p $(BUILD)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' \
		'includedir=$${prefix}/include' '' 'Name: actsim' \
		'Description: product-key and activation simulator library' \
		'Version: $(VERSION)' 'Requires: jansson' \
		'Requires.private: openssl gmp sqlite3' \
		'Libs: -L$${libdir} -lactsim' \
		'Libs.private: -lpthread' 'Cflags: -I$${includedir}' > $@

$(BUILD)/tests/%: tests/%.c $(BUILD)/libactsim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ikeys -Icommon $(LDFLAGS) -o $@ $< \
		$(BUILD)/libactsim.a $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Each fuzz target with a main() that replays its committed corpus.
$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/util.c \
		$(CLI_LIB_OBJ) $(BUILD)/libactsim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ fuzz/fuzz_$*.c fuzz/replay.c \
		fuzz/util.c $(CLI_LIB_OBJ) $(BUILD)/libactsim.a $(PKG_LIBS) \
		$(FRONT_LIBS)

# libFuzzer builds: `make fuzz FUZZ_TIME=600` runs each target that long.
FUZZ_TIME ?= 60
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/util.c $(CLI_LIB_OBJ) \
		$(BUILD)/libactsim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ fuzz/fuzz_$*.c \
		fuzz/util.c $(CLI_LIB_OBJ) $(BUILD)/libactsim.a $(PKG_LIBS) \
		$(FRONT_LIBS)

fuzz: deps
	@ACTSIM_EXTRA_DEPS="clang libclang-rt-14-dev" scripts/install-deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" \
		$(FUZZ_NAMES:%=build-fuzz/fuzz/fuzz_%)
	@scripts/fuzz build-fuzz $(FUZZ_TIME) $(FUZZ_NAMES)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libactsim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libactsim.a $(PKG_LIBS)

# The tests, without installing anything first.
check: all $(TEST_BIN) $(FUZZ_REPLAY)
	@BUILD=$(BUILD) tests/run

test: deps
	@$(MAKE) --no-print-directory check

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-server $(BUILD)/actsim

tour: all
	@scripts/tour $(BUILD)/actsim

# The grace-period demonstration, narrated for a live audience.
demo: deps
	@$(MAKE) --no-print-directory all
	@$(BUILD)/actsim scenario run --format narrate \
		fixtures/scenarios/grace-retail.scn

bench: deps
	@ACTSIM_EXTRA_DEPS="nginx wrk" scripts/install-deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@scripts/bench $(BUILD)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" check

# The multi-threaded server under ThreadSanitizer: the concurrency, server
# and crash tests against a TSan build. Any data race fails the run.
TSAN_TESTS = tests/cli/test_concurrency.sh tests/cli/test_server.sh \
	tests/cli/test_crash.sh tests/cli/test_protocol.sh
tsan: deps
	@$(MAKE) --no-print-directory BUILD=build-tsan \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=thread" \
		LDFLAGS="-fsanitize=thread" all
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66" BUILD=build-tsan \
		tests/run $(TSAN_TESTS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/lib/actsim \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/actsim \
		$(DESTDIR)$(PREFIX)/share/actsim/catalog
	install -m 755 $(BUILD)/actsim $(DESTDIR)$(PREFIX)/bin/actsim
	install -m 644 $(BUILD)/actsim-server.so \
		$(DESTDIR)$(PREFIX)/lib/actsim/actsim-server.so
	install -m 644 $(BUILD)/libactsim.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libactsim.so \
		$(DESTDIR)$(PREFIX)/lib/libactsim.so.0
	ln -sf libactsim.so.0 $(DESTDIR)$(PREFIX)/lib/libactsim.so
	sed 's#^prefix=.*#prefix=$(PREFIX)#' $(BUILD)/actsim.pc \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/actsim.pc
	install -m 644 include/actsim/*.h $(DESTDIR)$(PREFIX)/include/actsim/
	install -m 644 $(CATALOG) $(DESTDIR)$(PREFIX)/share/actsim/catalog/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 $(BUILD)/man/actsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(BUILD)/man/actsim-scenario.5 \
		$(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(BUILD)/completion/actsim.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/actsim
	install -m 644 $(BUILD)/completion/_actsim \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_actsim

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/actsim \
		$(DESTDIR)$(PREFIX)/lib/libactsim.a \
		$(DESTDIR)$(PREFIX)/lib/libactsim.so \
		$(DESTDIR)$(PREFIX)/lib/libactsim.so.0 \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/actsim.pc \
		$(DESTDIR)$(PREFIX)/share/man/man1/actsim.1 \
		$(DESTDIR)$(PREFIX)/share/man/man5/actsim-scenario.5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/actsim \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_actsim
	rm -rf $(DESTDIR)$(PREFIX)/include/actsim \
		$(DESTDIR)$(PREFIX)/lib/actsim \
		$(DESTDIR)$(PREFIX)/share/actsim

clean:
	rm -rf build build-asan build-fuzz build-tsan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
