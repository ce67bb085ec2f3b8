#!/usr/bin/env bash
# `make demo` works as the README promises: counts move within seconds,
# and an interrupt (Ctrl-C) stops every process it started, cleanly.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
port=$(free_port)

total_entered() {
	curl -sf "http://127.0.0.1:$port/api/areas" | jq '[.[].entered] | add'
}

# Job control on, so the demo does not start with SIGINT ignored, as a
# background job of a script otherwise would: Ctrl-C must reach it.
set -m
HC_DEMO_PORT=$port HC_DEMO_SECONDS=60 HC_DEMO_DIR="$WORK/demo" HC_BUILD=$HC_BUILD \
	bash "$root/aggregator/demo/run-demo.sh" >"$WORK/demo.log" 2>&1 &
DEMO=$!
set +m
HC_PIDS+=("$DEMO")
HC_ON_EXIT='kill -KILL -- -$DEMO'   # its process group: terminals and staff too
wait_until 15 total_entered || fail "demo aggregator not answering on $port"
first=$(total_entered)
moved() { [ "$(total_entered)" -gt "$first" ]; }
wait_until 10 moved || fail "counts did not move within 10 s (stuck at $first)"
note "entered went from $first to $(total_entered)"
grep -q 'OCCUPANCY' "$WORK/demo.log" || fail "demo did not show the areas table"

kill -INT "$DEMO"
end=$((SECONDS + 15))
while kill -0 "$DEMO" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "demo did not stop within 15 s of Ctrl-C"
	sleep 0.2
done
wait "$DEMO" || fail "demo exited with an error"
grep -q 'demo: stopped' "$WORK/demo.log" || fail "demo did not report a clean stop"
if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
	fail "aggregator still running after the demo stopped"
fi
left=$(pgrep -f "headcount-terminal.*127.0.0.1:$port" || true)
[ -z "$left" ] || fail "terminals left running: $left"
echo "ok $TEST_NAME"
