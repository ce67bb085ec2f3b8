#!/usr/bin/env bash
# The demo's simulated staff obey their door: the exhibition room
# (capacity 40, entry restricted from 38, one door) fills until its door
# shows STOP, and from then on nobody is let in: its occupancy never goes
# above its capacity (before this held, it reached 72). Runs the demo in
# a fresh state directory with the staff pressing five times faster.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
port=$(free_port)

# Its own process group (job control), so that a failing test can end
# the demo's terminals and staff too.
set -m
HC_DEMO_PORT=$port HC_DEMO_SECONDS=60 HC_DEMO_SPEED=5 HC_DEMO_DIR="$WORK/demo" \
	HC_BUILD=$HC_BUILD bash "$root/aggregator/demo/run-demo.sh" >"$WORK/demo.log" 2>&1 &
DEMO=$!
set +m
HC_PIDS+=("$DEMO")
HC_ON_EXIT='kill -KILL -- -$DEMO'

room() {
	curl -sf -m 2 "http://127.0.0.1:$port/api/areas" |
		jq -r '.[] | select(.id == "room") | "\(.occupancy) \(.restricted) \(.capacity)"'
}
wait_until 15 room || fail "demo aggregator not answering on $port"
capacity=$(room | cut -d' ' -f3)
max=0
restricted_at=""
# Sample every 0.2 s until 8 s after the restriction (at most 50 s).
end=$((SECONDS + 50))
while [ $SECONDS -lt $end ]; do
	read -r occ restricted _ <<<"$(room)" || true
	if [[ ${occ:-} =~ ^[0-9]+$ ]]; then
		[ "$occ" -gt $max ] && max=$occ
		[ "$restricted" = true ] && [ -z "$restricted_at" ] && restricted_at=$SECONDS
	fi
	[ -n "$restricted_at" ] && [ $((SECONDS - restricted_at)) -ge 8 ] && break
	sleep 0.2
done
[ -n "$restricted_at" ] || fail "the room never became restricted within 50 s (max occupancy $max)"
grep -q 'entry=STOP' "$WORK/demo/terminal-d1.screen" || fail "door d1 never showed STOP"
[ "$max" -le "$capacity" ] || fail "the room reached $max, above its capacity $capacity: the staff let people in past STOP"
note "room: restricted, highest occupancy $max of $capacity"

kill -TERM "$DEMO"
end=$((SECONDS + 15))
while kill -0 "$DEMO" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "demo did not stop within 15 s of SIGTERM"
	sleep 0.2
done
wait "$DEMO" || fail "demo exited with an error"
echo "ok $TEST_NAME"
