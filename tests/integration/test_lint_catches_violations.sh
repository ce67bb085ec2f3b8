#!/usr/bin/env bash
# make lint fails on each kind of broken dependency rule (an include
# circle among the aggregator's files too) and on a misformatting, naming the file, the line and the rule, and passes on
# the same tree without them.
#
# Works on a copy of the tracked files in $WORK/tree, as checked in: the
# unplanted copy must pass `make lint` as it is, so a commit that breaks
# a dependency rule or the format fails here too. Each planted line goes in after the first #include
# of a file, make lint runs, its output must name FILE:LINE and the rule,
# and the copy is put back (git checkout) before the next plant.
. "$(dirname "$0")/lib.sh"

for tool in clang-format cppcheck git tar; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -f build/pkg.mk ] || { echo "SKIP: build/pkg.mk missing (run make first)"; exit 77; }

tree=$WORK/tree
mkdir -p "$tree/build"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$tree"
cp build/pkg.mk "$tree/build/pkg.mk"
touch "$tree/build/pkg.mk" # newer than the Makefile: make does not rerun install-deps.sh
git -C "$tree" init -q
git -C "$tree" add -A

make -C "$tree" lint >"$WORK/lint-clean.log" 2>&1 ||
	fail "make lint fails on the checked-in tree (run make format; see docs/hacking.md): $(tail -5 "$WORK/lint-clean.log")"
note "make lint passes on the checked-in tree"

# plant FILE LINE_TEXT EXPECT: inserts LINE_TEXT after FILE's first
# #include, runs make lint, wants it to fail with FILE:N: EXPECT (a grep -F
# string), then restores the copy.
planted=0
plant() {
	local file=$1 text=$2 expect=$3 n log
	[ -f "$tree/$file" ] || fail "no $file to plant into"
	n=$(grep -n -m1 '^#include' "$tree/$file" | cut -d: -f1)
	[ -n "$n" ] || fail "$file has no #include"
	awk -v n="$n" -v t="$text" '{ print } NR == n { print t }' "$tree/$file" >"$WORK/planted"
	cp "$WORK/planted" "$tree/$file"
	log=$WORK/lint-$planted.log
	if make -C "$tree" lint >"$log" 2>&1; then
		fail "make lint passed with $text planted in $file"
	fi
	grep -qF "$file:$((n + 1)): $expect" "$log" ||
		fail "make lint on $text in $file did not say \"$file:$((n + 1)): $expect\": $(head -5 "$log")"
	note "$file:$((n + 1)): $expect"
	git -C "$tree" checkout -q -- .
	planted=$((planted + 1))
}

# shared/ includes neither side nor hw/.
plant shared/log.c '#include "terminal/outbox.h"' 'part shared includes "terminal/outbox.h" of part terminal'
plant shared/log.c '#include "aggregator/ledger.h"' 'part shared includes "aggregator/ledger.h" of part aggregator'
plant shared/log.c '#include "hw/display.h"' 'part shared includes "hw/display.h" of part hw'
# terminal and aggregator never include each other.
plant terminal/station.c '#include "aggregator/ledger.h"' 'part terminal includes "aggregator/ledger.h" of part aggregator'
plant aggregator/slots.c '#include "terminal/outbox.h"' 'part aggregator includes "terminal/outbox.h" of part terminal'
# hw/ includes neither.
plant hw/debounce.c '#include "terminal/outbox.h"' 'part hw includes "terminal/outbox.h" of part terminal'
plant hw/debounce.c '#include "aggregator/levels.h"' 'part hw includes "aggregator/levels.h" of part aggregator'
# The dashboard includes only shared/ and itself.
plant aggregator/dashboard/view.c '#include "aggregator/levels.h"' 'part dashboard includes "aggregator/levels.h" of part aggregator'
# The cores: no lws, SQLite, clock, socket or thread header.
plant aggregator/levels.c '#include <libwebsockets.h>' 'core aggregator/levels includes <libwebsockets.h> (libwebsockets)'
plant terminal/outbox.c '#include <sqlite3.h>' 'core terminal/outbox includes <sqlite3.h> (SQLite)'
plant aggregator/restriction.c '#include "shared/clock.h"' 'core aggregator/restriction includes "shared/clock.h" (a clock)'
plant aggregator/retained_feed.c '#include <time.h>' 'core aggregator/retained_feed includes <time.h> (a clock)'
plant aggregator/http_route.c '#include <sys/socket.h>' 'core aggregator/http_route includes <sys/socket.h> (sockets)'
plant aggregator/ledger.c '#include <pthread.h>' 'core aggregator/ledger includes <pthread.h> (threads)'
plant aggregator/dashboard/model.c '#include <time.h>' 'core aggregator/dashboard/model includes <time.h> (a clock)'
# Cores take plain types (shared/types.h), never JSON.
plant aggregator/congestion.c '#include <jansson.h>' 'core aggregator/congestion includes <jansson.h> (JSON)'
plant aggregator/levels.h '#include "shared/protocol.h"' 'core aggregator/levels includes "shared/protocol.h" (JSON'
# The shared-only test tools include shared/ alone.
for t in "$tree"/tests/tools/hc_shared_*.c; do
	[ -f "$t" ] || continue
	plant "tests/tools/$(basename "$t")" '#include "aggregator/ledger.h"' \
		"part shared-client includes \"aggregator/ledger.h\" of part aggregator"
done

# No include circle among the aggregator's units (nocycle): a file
# below server.c that includes server.h closes one, and make lint names
# it with the include that closes it.
n=$(grep -n -m1 '^#include' "$tree/aggregator/venue_state.c" | cut -d: -f1)
awk -v n="$n" '{ print } NR == n { print "#include \"aggregator/server.h\"" }' \
	"$tree/aggregator/venue_state.c" >"$WORK/planted"
cp "$WORK/planted" "$tree/aggregator/venue_state.c"
if make -C "$tree" lint >"$WORK/lint-circle.log" 2>&1; then
	fail "make lint passed with an include circle planted in aggregator/venue_state.c"
fi
grep "include circle:" "$WORK/lint-circle.log" | grep -F "aggregator/venue_state.c:$((n + 1))" |
	grep -qF "aggregator/server" ||
	fail "make lint did not name the circle through aggregator/venue_state.c:$((n + 1)): $(head -5 "$WORK/lint-circle.log")"
note "$(grep -m1 "include circle:" "$WORK/lint-circle.log")"
git -C "$tree" checkout -q -- .
planted=$((planted + 1))

# A misformatting: clang-format names the file and line.
n=$(grep -n -m1 '^#include' "$tree/shared/clock.c" | cut -d: -f1)
awk -v n="$n" '{ print } NR == n { print "int  hc_lint_planted ( void ) ;" }' "$tree/shared/clock.c" >"$WORK/planted"
cp "$WORK/planted" "$tree/shared/clock.c"
if make -C "$tree" lint >"$WORK/lint-format.log" 2>&1; then
	fail "make lint passed with a misformatted line in shared/clock.c"
fi
grep -q "shared/clock.c:$((n + 1)):.*clang-format" "$WORK/lint-format.log" ||
	fail "make lint did not name shared/clock.c:$((n + 1)) as misformatted: $(head -5 "$WORK/lint-format.log")"
note "shared/clock.c:$((n + 1)): misformatted"
git -C "$tree" checkout -q -- .

# And the restored copy passes again.
make -C "$tree" lint >"$WORK/lint-again.log" 2>&1 ||
	fail "make lint fails on the restored tree: $(tail -5 "$WORK/lint-again.log")"
note "$planted forbidden includes (one an include circle) and 1 misformatting caught; the restored tree passes"
