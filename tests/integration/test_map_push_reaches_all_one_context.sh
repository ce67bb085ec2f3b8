#!/usr/bin/env bash
# On one context (no staff_listen), a publication reaches every map
# client at once, not one slice per unrelated event.
#
# The loop thread wakes map clients HC_MAP_WAKE_PER_TURN (25) per loop
# turn so a large fan-out never holds a door's ack back; each slice must
# bring the next turn by itself. 400 headcount-map.v2 subscribers
# (sixteen slices; v2 clients are written without lws's writeable
# callback, so no socket event brings the next turn) on lws's poll()
# loop (HC_AGGREGATOR_LOOP=poll: no 10 ms libev tick either) get one
# area updated 2 and 4 times a second for 2 s each by build/tools/bench_peers.
# Asserted: every update reached every subscriber, and the slowest
# update reached all of them within 2 s (a few milliseconds here when
# the slices chain; seconds when each waits for a timer of the server).
. "$(dirname "$0")/lib.sh"

PEERS=$HC_BUILD/tools/bench_peers
[[ -x $PEERS ]] || fail "$PEERS is missing"
port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
connections_per_address = 1000000
terminal_auth = off
[area a1]
capacity = 1000000
[terminal p1]
area = a1
INI
HC_AGGREGATOR_LOOP=poll start_aggregator "$WORK/venue.ini" "$port"
grep -q 'event loop: HC_AGGREGATOR_LOOP=poll' "$WORK/aggregator.log" || fail "not on the poll() loop"

timeout 60 "$PEERS" --kind map --map v2 --port "$port" --pid "$AGG_PID" --subscribers 400 \
	--window 100 --areas 1 --rates 2,4 --seconds 2 --idle-seconds 0 --json "$WORK/peers.json" \
	>"$WORK/peers.out" 2>&1 || fail "bench_peers failed: $(tail -n 5 "$WORK/peers.out")"
j=$WORK/peers.json
[ "$(jq .ready "$j")" = 400 ] || fail "$(jq .ready "$j") of 400 subscribers ready"
[ "$(jq '[.rates[].missed] | add' "$j")" = 0 ] || fail "updates missed: $(jq -c .rates "$j")"
for i in 0 1; do
	p99=$(jq ".rates[$i].update_to_all_p99_ms" "$j")
	jq -e -n --argjson p "$p99" '$p > 0 and $p < 2000' >/dev/null ||
		fail "update to all 400 subscribers took $p99 ms at p99 ($(jq ".rates[$i].updates_per_s" "$j") updates/s)"
	note "$(jq -r ".rates[$i] | \"\(.updates_per_s)/s: update to all p50 \(.update_to_all_p50_ms) ms, p99 \(.update_to_all_p99_ms) ms\"" "$j")"
done
kill -0 "$AGG_PID" || fail "aggregator died"
echo "PASS"
