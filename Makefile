# headcount — build, test, demo.
#
#   make          build/headcount-aggregator, build/headcount-terminal, ...
#   make test     install missing packages, build, run the whole suite
#   make demo     an aggregator on the demo venue with simulated terminals
#   make SAN=1    the same, built with AddressSanitizer + UBSan in build/san
#
# Missing Debian packages are installed by .ci/install-deps.sh the first
# time (build/pkg.mk records the pkg-config flags it found).

PKGS := libwebsockets sqlite3 jansson inih ncursesw
CC ?= cc

ifeq ($(SAN),1)
BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SAN_FLAGS :=
endif

ifeq ($(filter clean,$(MAKECMDGOALS)),)
include build/pkg.mk
endif

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. $(SAN_FLAGS) $(PKG_CFLAGS)
LDLIBS := $(PKG_LIBS) -lmbedcrypto -lpthread -lm
LDFLAGS := $(SAN_FLAGS)

SHARED_SRC := $(wildcard shared/*.c)
AGG_SRC := $(filter-out aggregator/main.c,$(wildcard aggregator/*.c))
TERM_SRC := $(filter-out terminal/main.c,$(wildcard terminal/*.c)) $(wildcard hw/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
SIM_SRC := $(wildcard tests/sim/*.c)
# The supervisors' dashboard: its own archive plus shared/ alone.
DASH_SRC := $(filter-out aggregator/dashboard/main.c,$(wildcard aggregator/dashboard/*.c))
DASH_BENCH_SRC := $(wildcard tests/bench/dashboard/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB := $(BUILD)/libheadcount.a
LIB_OBJ := $(call obj,$(SHARED_SRC) $(AGG_SRC) $(TERM_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
SHARED_LIB := $(BUILD)/libhcshared.a
DASH_LIB := $(BUILD)/libhcdashboard.a
DASH_BENCH_BIN := $(patsubst tests/bench/dashboard/%.c,$(BUILD)/tools/%,$(DASH_BENCH_SRC))

BINS := $(BUILD)/headcount-aggregator $(BUILD)/headcount-terminal $(BUILD)/headcount-dashboard
ifneq ($(BENCH_SRC),)
BINS += $(BUILD)/headcount-bench
endif
ifneq ($(SIM_SRC),)
BINS += $(BUILD)/headcount-sim
endif

.PHONY: all test unit demo deps clean lint soak bench
all: $(BINS) $(UNIT_BIN) $(TOOL_BIN) $(DASH_BENCH_BIN)

build/pkg.mk: .ci/install-deps.sh
	@bash .ci/install-deps.sh
	@mkdir -p build
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; } > $@

deps:
	bash .ci/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHARED_LIB): $(call obj,$(SHARED_SRC))
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

$(BUILD)/headcount-aggregator: $(call obj,aggregator/main.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-terminal: $(call obj,terminal/main.c) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-bench: $(call obj,$(BENCH_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/headcount-sim: $(call obj,$(SIM_SRC)) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The whole suite: unit and integration tests on the normal build, then
# again on the sanitizer build. One line per test file, a final count.
test: all
	$(MAKE) SAN=1 all
	bash tests/run.sh

demo: all
	bash aggregator/demo/run-demo.sh

# An hour of steady load with periodic faults, reporting RSS and open
# fds of every process at intervals (not part of make test).
soak: all
	bash tests/soak/run-soak.sh

# The standard benchmark set; results in build/bench/ (docs/performance.md).
bench: all
	bash tests/bench/run-bench.sh

clean:
	rm -rf build

lint:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h') || true
	cppcheck --quiet --enable=warning,performance --error-exitcode=1 -I. shared aggregator terminal hw

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
