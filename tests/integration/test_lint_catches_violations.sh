#!/usr/bin/env bash
# make lint fails on each kind of broken dependency rule (an include
# circle among the aggregator's files too), on a misformatting and on a
# pipe into grep -q in a test script, naming the file, the line and the
# rule, and passes on the same tree without them.
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

# first_line FILE REGEX: the number of FILE's first line matching REGEX.
first_line() {
	local n
	n=$(grep -n -m1 -- "$2" "$tree/$1" | cut -d: -f1)
	[ -n "$n" ] || fail "$1 has no line matching $2"
	echo "$n"
}

# lint_planted FILE N TEXT LOG: inserts TEXT after line N of FILE in the
# copy, runs make lint into LOG and fails the test if make lint passed.
# The caller checks what LOG says, then restores the copy (git checkout).
lint_planted() {
	local file=$1 n=$2 text=$3 log=$4
	[ -f "$tree/$file" ] || fail "no $file to plant into"
	awk -v n="$n" -v t="$text" '{ print } NR == n { print t }' "$tree/$file" >"$WORK/planted"
	cp "$WORK/planted" "$tree/$file"
	if make -C "$tree" lint >"$log" 2>&1; then
		fail "make lint passed with $text planted in $file"
	fi
}

# plant FILE LINE_TEXT EXPECT: inserts LINE_TEXT after FILE's first
# #include, runs make lint, wants it to fail with FILE:N: EXPECT (a grep -F
# string), then restores the copy.
planted=0
plant() {
	local file=$1 text=$2 expect=$3 n log
	n=$(first_line "$file" '^#include')
	log=$WORK/lint-$planted.log
	lint_planted "$file" "$n" "$text" "$log"
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
f=aggregator/venue_state.c
n=$(first_line "$f" '^#include')
lint_planted "$f" "$n" '#include "aggregator/server.h"' "$WORK/lint-circle.log"
circle=$(grep "include circle:" "$WORK/lint-circle.log" | grep -F "$f:$((n + 1))")
grep -qF "aggregator/server" <<<"$circle" ||
	fail "make lint did not name the circle through $f:$((n + 1)): $(head -5 "$WORK/lint-circle.log")"
note "$(grep -m1 "include circle:" "$WORK/lint-circle.log")"
git -C "$tree" checkout -q -- .
planted=$((planted + 1))

# A misformatting: clang-format names the file and line.
f=shared/clock.c
n=$(first_line "$f" '^#include')
lint_planted "$f" "$n" "int  hc_lint_planted ( void ) ;" "$WORK/lint-format.log"
grep -q "$f:$((n + 1)):.*clang-format" "$WORK/lint-format.log" ||
	fail "make lint did not name $f:$((n + 1)) as misformatted: $(head -5 "$WORK/lint-format.log")"
note "$f:$((n + 1)): misformatted"
git -C "$tree" checkout -q -- .

# A pipe into grep -q in a test script (under pipefail, a match can
# fail the pipeline), on one line and split over two: the pipe check
# names the file and the line where grep -q stands.
f=tests/integration/test_version_and_help.sh
n=$(first_line "$f" '^\. ')
bar='|' # kept out of this line, which the pipe check reads too
lint_planted "$f" "$n" "echo \"\$out\" $bar grep -q usage" "$WORK/lint-pipe.log"
grep -qF "$f:$((n + 1)): pipe into grep -q" "$WORK/lint-pipe.log" ||
	fail "make lint did not name $f:$((n + 1)) as a pipe into grep -q: $(tail -5 "$WORK/lint-pipe.log")"
note "$f:$((n + 1)): pipe into grep -q"
git -C "$tree" checkout -q -- .
lint_planted "$f" "$n" "echo \"\$out\" $bar\\n\\tgrep -qF usage" "$WORK/lint-pipe2.log"
grep -qF "$f:$((n + 2)): pipe into grep -q" "$WORK/lint-pipe2.log" ||
	fail "make lint did not name $f:$((n + 2)) as a pipe into grep -q split over two lines: $(tail -5 "$WORK/lint-pipe2.log")"
note "$f:$((n + 2)): pipe into grep -q (split over two lines)"
git -C "$tree" checkout -q -- .

# And the restored copy passes again.
make -C "$tree" lint >"$WORK/lint-again.log" 2>&1 ||
	fail "make lint fails on the restored tree: $(tail -5 "$WORK/lint-again.log")"
note "$planted forbidden includes (one an include circle), 1 misformatting and 2 pipes into grep -q caught; the restored tree passes"
