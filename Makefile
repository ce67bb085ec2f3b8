# headcount — build, test, demo.
#
#   make          build/headcount-aggregator, build/headcount-terminal, ...
#   make test     install missing packages, build, run the whole suite
#   make demo     an aggregator on the demo venue with simulated terminals
#   make SAN=1    the same, built with AddressSanitizer + UBSan in build/san
#   make SAN=thread  the same, built with ThreadSanitizer in build/tsan
#   make arm64    the terminal and its unit tests for a Raspberry Pi
#                 (arm64 cross build into build/arm64; docs/terminal.md)
#   make lint     dependency rules, format, cppcheck, test-script pipes (docs/hacking.md)
#   make format   apply .clang-format to every tracked .c and .h
#   make bench    the standard benchmark set (docs/performance.md)
#   make bench-peers  the map fan-out against Mosquitto, same client
#   make bench-stall  ingest at 10,000 batches/s for 60 s: the stall
#   make fuzz FUZZ_SECONDS=N
#                 every libFuzzer target (tests/fuzz/) for N seconds each,
#                 built with clang in build/fuzz (docs/security.md)
#
# Missing Debian packages are installed by .ci/install-deps.sh the first
# time (build/pkg.mk records the pkg-config flags it found).

PKGS := libwebsockets sqlite3 jansson inih ncursesw libgpiod libmosquitto libqrencode
CC ?= cc

ifeq ($(SAN),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),thread)
BUILD ?= build/tsan
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
BUILD ?= build
SAN_FLAGS :=
endif

ifeq ($(filter clean,$(MAKECMDGOALS)),)
include build/pkg.mk
endif

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. $(SAN_FLAGS) $(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS) -lmbedx509 -lmbedcrypto -lpthread -lm
LDFLAGS := $(SAN_FLAGS)

# One archive per part, each built from its directory by wildcard (a new
# file joins its part with no Makefile edit). Each program links only the
# archives its part may use (docs/architecture.md), so a call across a
# forbidden edge does not link:
#   headcount-terminal   libhcterminal.a libhchw.a libhcshared.a
#   headcount-aggregator libhcaggregator.a libhcshared.a
#   headcount-dashboard  libhcdashboard.a libhcshared.a
SHARED_SRC := $(wildcard shared/*.c)
HW_SRC := $(wildcard hw/*.c)
TERM_SRC := $(filter-out terminal/main.c,$(wildcard terminal/*.c))
AGG_SRC := $(filter-out aggregator/main.c,$(wildcard aggregator/*.c))
BENCH_SRC := $(wildcard tests/bench/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
SIM_SRC := $(wildcard tests/sim/*.c)
# The supervisors' dashboard: its own archive plus shared/ alone.
DASH_SRC := $(filter-out aggregator/dashboard/main.c,$(wildcard aggregator/dashboard/*.c))
DASH_BENCH_SRC := $(wildcard tests/bench/dashboard/*.c)
# The aggregator against Mosquitto (make bench-peers): shared/ alone.
PEERS_SRC := $(wildcard tests/bench/peers/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# The map page (aggregator/web/) compiled into the aggregator: a C file
# generated with od and sed (aggregator/web/embed.sh).
WEB_SRC := $(sort $(wildcard aggregator/web/*.html aggregator/web/*.css aggregator/web/*.js))
WEB_GEN := build/gen/web_assets.c

SHARED_LIB := $(BUILD)/libhcshared.a
HW_LIB := $(BUILD)/libhchw.a
TERM_LIB := $(BUILD)/libhcterminal.a
AGG_LIB := $(BUILD)/libhcaggregator.a
DASH_LIB := $(BUILD)/libhcdashboard.a
# Unit tests, tools that drive the aggregator's code, the bench and the
# simulator link every part except the dashboard (linked on its own).
ALL_LIBS := $(AGG_LIB) $(TERM_LIB) $(HW_LIB) $(SHARED_LIB)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
DASH_BENCH_BIN := $(patsubst tests/bench/dashboard/%.c,$(BUILD)/tools/%,$(DASH_BENCH_SRC))

BINS := $(BUILD)/headcount-aggregator $(BUILD)/headcount-terminal $(BUILD)/headcount-dashboard
ifneq ($(BENCH_SRC),)
BINS += $(BUILD)/headcount-bench
endif
ifneq ($(SIM_SRC),)
BINS += $(BUILD)/headcount-sim
endif

.PHONY: all test unit demo deps clean lint format soak bench bench-peers bench-stall install arm64 fuzz fuzz-build fuzz-merge
all: $(BINS) $(UNIT_BIN) $(TOOL_BIN) $(DASH_BENCH_BIN) $(if $(PEERS_SRC),$(BUILD)/tools/bench_peers)

build/pkg.mk: .ci/install-deps.sh Makefile
	@bash .ci/install-deps.sh
	@mkdir -p build
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; } > $@

deps:
	bash .ci/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# --version names the git revision: build/git-rev changes only when HEAD
# does, so version.o is rebuilt exactly then.
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
$(shell mkdir -p build; [ "$$(cat build/git-rev 2>/dev/null)" = "$(GIT_REV)" ] || echo "$(GIT_REV)" > build/git-rev)
$(BUILD)/obj/shared/version.o: build/git-rev
$(BUILD)/obj/shared/version.o: CFLAGS += -DHC_GIT_REV='"$(GIT_REV)"'

$(WEB_GEN): $(WEB_SRC) aggregator/web/embed.sh
	@mkdir -p $(dir $@)
	sh aggregator/web/embed.sh $@ $(WEB_SRC)

$(BUILD)/obj/gen/web_assets.o: $(WEB_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(SHARED_LIB): $(call obj,$(SHARED_SRC))
	@rm -f $@
	ar rcs $@ $^

$(HW_LIB): $(call obj,$(HW_SRC))
	@rm -f $@
	ar rcs $@ $^

$(TERM_LIB): $(call obj,$(TERM_SRC))
	@rm -f $@
	ar rcs $@ $^

$(AGG_LIB): $(call obj,$(AGG_SRC)) $(BUILD)/obj/gen/web_assets.o
	@rm -f $@
	ar rcs $@ $^

$(DASH_LIB): $(call obj,$(DASH_SRC))
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/headcount-dashboard: $(call obj,aggregator/dashboard/main.c) $(DASH_LIB) $(SHARED_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Dashboard unit tests link the dashboard's archive and shared/ only.
$(BUILD)/tests/test_dashboard_%: $(BUILD)/obj/tests/unit/test_dashboard_%.o $(DASH_LIB) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tools/bench_dashboard%: $(BUILD)/obj/tests/bench/dashboard/bench_dashboard%.o $(DASH_LIB) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/bench_peers: $(call obj,$(PEERS_SRC)) $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-aggregator: $(call obj,aggregator/main.c) $(AGG_LIB) $(SHARED_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-terminal: $(call obj,terminal/main.c) $(TERM_LIB) $(HW_LIB) $(SHARED_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-bench: $(call obj,$(BENCH_SRC)) $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-sim: $(call obj,$(SIM_SRC)) $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Test tools named hc_shared_* speak the protocol through shared/ alone
# and link libhcshared.a only; the others may drive any part.
$(BUILD)/tools/hc_shared_%: $(BUILD)/obj/tests/tools/hc_shared_%.o $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The whole suite: unit and integration tests on the normal build, then
# again on the sanitizer build, then the tests that drive the commit
# thread on the ThreadSanitizer build, then a short run of each fuzz
# target (tests/fuzz/) (tests/run.sh). One line per test file, a final
# count.
test: all
	$(MAKE) SAN=1 all
	$(MAKE) SAN=thread all
	bash tests/run.sh

# Cross-build for arm64 (needs the packages .ci/install-deps.sh installs;
# test-hw runs the result under qemu-user as part of make test).
arm64: build/pkg.mk
	bash tests/hw/arm64-build.sh

demo: all
	bash aggregator/demo/run-demo.sh

# An hour of steady load with periodic faults, reporting RSS and open
# fds of every process at intervals (not part of make test).
soak: all
	bash tests/soak/run-soak.sh

# The standard benchmark set; results in build/bench/ (docs/performance.md).
bench: all
	bash tests/bench/run-bench.sh

# The map fan-out of the aggregator against Mosquitto's, same client and
# updates; results in build/bench/peers.json (docs/performance.md).
bench-peers: all
	bash tests/bench/run-peers.sh

# Ingest at 10,000 batches/s for 60 s: the stall figure (ack_gap_max_ms).
bench-stall: all
	bash tests/bench/run-ingest.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]: the
# programs, their man pages, systemd units, the service user and example
# configs (docs/operations.md). Never overwrites a config in use.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR := $(PREFIX)/bin
MANDIR := $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL_BINS := $(wildcard $(addprefix build/,headcount-aggregator headcount-terminal headcount-dashboard))
UNIT_SRC := aggregator/systemd/headcount-aggregator.service.in terminal/systemd/headcount-terminal.service.in
MAN_SRC := $(wildcard docs/man/*.[15])

install: all
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5" \
		"$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" "$(DESTDIR)$(SYSCONFDIR)/headcount"
	install -m 0755 $(INSTALL_BINS) "$(DESTDIR)$(BINDIR)/"
	for m in $(MAN_SRC); do install -m 0644 "$$m" "$(DESTDIR)$(MANDIR)/man$${m##*.}/"; done
	for u in $(UNIT_SRC); do \
		sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' "$$u" \
			> "$(DESTDIR)$(UNITDIR)/$$(basename "$$u" .in)" || exit 1; \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename "$$u" .in)"; \
	done
	install -m 0644 aggregator/systemd/headcount.sysusers "$(DESTDIR)$(SYSUSERSDIR)/headcount.conf"
	sed -e 's|^listen = 127.0.0.1:8080|listen = 0.0.0.0:8080|' \
	    -e 's|^database = demo.db|database = /var/lib/headcount/ledger.db|' \
	    -e 's|^supervisor_passwords = supervisors.passwd|supervisor_passwords = /var/lib/headcount/supervisors.passwd|' \
		aggregator/demo/venue.ini > "$(DESTDIR)$(SYSCONFDIR)/headcount/venue.ini.example"
	install -m 0644 terminal/terminal.example.ini "$(DESTDIR)$(SYSCONFDIR)/headcount/terminal.ini.example"
	chmod 0644 "$(DESTDIR)$(SYSCONFDIR)/headcount/venue.ini.example"

clean:
	rm -rf build

# make lint: the dependency rules (tests/lint/deps.rules), the format
# (.clang-format), cppcheck and no pipe into grep -q in the test
# scripts (tests/lint/check-test-pipes.sh); fails on any. make format applies
# .clang-format to every tracked .c and .h (docs/hacking.md).
FORMAT_SRC = $(shell git ls-files -- '*.c' '*.h')

lint:
	bash tests/lint/check-deps.sh tests/lint/deps.rules
	clang-format --dry-run --Werror $(FORMAT_SRC)
	cppcheck --quiet --enable=warning,performance --error-exitcode=1 -I. shared aggregator terminal hw
	bash tests/lint/check-test-pipes.sh

format:
	clang-format -i $(FORMAT_SRC)

# ---- fuzzing: libFuzzer targets in tests/fuzz/ (docs/security.md) -------
# Built with clang into build/fuzz/, apart from the gcc build. Each target
# links only the pure code it drives (FUZZ_SRC_<name>).
ifeq ($(origin FUZZ_CC),undefined)
FUZZ_CC := $(shell command -v clang-14 || command -v clang)
endif
FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := terminal_proto supervisor_cmd venue_config terminal_settings http_route
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link $(PKG_CFLAGS)
FUZZ_BASE := shared/wire_terminal.c shared/wire_json.c shared/calendar.c shared/types.c shared/terminal_auth.c shared/hex.c shared/clock.c shared/log.c
FUZZ_SRC_terminal_proto := $(FUZZ_BASE)
FUZZ_CONFIG := $(wildcard shared/config*.c)
FUZZ_SRC_supervisor_cmd := $(FUZZ_BASE) $(FUZZ_CONFIG) aggregator/supervisor_cmd.c \
	shared/wire_supervisor_cmd.c shared/wire_supervisor.c shared/wire_scram.c \
	aggregator/restriction.c aggregator/levels.c
FUZZ_SRC_venue_config := $(FUZZ_BASE) $(FUZZ_CONFIG)
FUZZ_SRC_terminal_settings := $(FUZZ_BASE) terminal/settings.c shared/tls_client.c
FUZZ_SRC_http_route := $(FUZZ_BASE) aggregator/http_route.c
fuzz_obj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))
FUZZ_BIN := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))

fuzz-build: $(FUZZ_BIN)

# All targets for FUZZ_SECONDS each, one after the other; new inputs go
# to build/fuzz/corpus/, crashes to build/fuzz/artifacts/.
fuzz:
	bash tests/fuzz/run-fuzz.sh --seconds $(FUZZ_SECONDS)

# Adds to the checked-in seeds what build/fuzz/corpus/ found that reaches
# new coverage.
fuzz-merge:
	bash tests/fuzz/run-fuzz.sh --merge

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $$(call fuzz_obj,$$(FUZZ_SRC_$$*))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# Objects are kept, not removed as intermediate files at the end of a
# run (which would also leave a line after the suite's summary).
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
