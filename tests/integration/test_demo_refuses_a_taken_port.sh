#!/usr/bin/env bash
# `make demo` on a port another aggregator serves refuses with one line
# (exit 1) instead of showing and pressing into the other venue: the
# other aggregator's counts stay at zero and no demo terminal starts.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
port=$(free_port)

printf '[venue]\nname = Other venue\ndatabase = %s\n[area hall]\ncapacity = 100\n[terminal x1]\narea = hall\n' \
	"$WORK/other.db" >"$WORK/other.ini"
start_aggregator "$WORK/other.ini" "$port"

# Its own process group, so that a demo that does not refuse is ended
# with everything it started.
set -m
HC_DEMO_PORT=$port HC_DEMO_SECONDS=10 HC_DEMO_DIR="$WORK/demo" HC_BUILD=$HC_BUILD \
	bash "$root/aggregator/demo/run-demo.sh" >"$WORK/demo.log" 2>&1 &
DEMO=$!
set +m
HC_PIDS+=("$DEMO")
HC_ON_EXIT='kill -KILL -- -$DEMO'
end=$((SECONDS + 20))
while kill -0 "$DEMO" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "demo still running 20 s after it started on a taken port: $(tail -n 5 "$WORK/demo.log")"
	sleep 0.1
done
rc=0
wait "$DEMO" || rc=$?
[ $rc -eq 1 ] || fail "demo exited $rc on a taken port, want 1: $(cat "$WORK/demo.log")"
[ "$(wc -l <"$WORK/demo.log")" -eq 1 ] || fail "want one line, got: $(cat "$WORK/demo.log")"
grep -q "port $port is already taken by another aggregator" "$WORK/demo.log" ||
	fail "the line does not say the port is taken by another aggregator: $(cat "$WORK/demo.log")"
note "demo: exit 1: $(cat "$WORK/demo.log")"
[ "$(api_area "$port" hall entered)" = 0 ] || fail "the other venue got presses: $(api_area "$port" hall entered) entered"
left=$(pgrep -f "headcount-terminal.*127.0.0.1:$port" || true)
[ -z "$left" ] || fail "demo terminals started: $left"
kill -0 "$AGG_PID" || fail "the other aggregator died"
echo "ok $TEST_NAME"
