#!/usr/bin/env bash
# Conflation: 1,000 updates to one area within about a second reach a map
# client at no more than the occupancy push rate (one per
# HC_OCCUPANCY_PUSH_INTERVAL_MS, 250 ms) and end in the exact final state.
#
# One area (capacity large enough that its level never moves, so every
# update is occupancy-only), one terminal driven by headcount-bench at
# 1,000 batches/s for 1 s, one map client (hc_wsclient) recording every
# frame with its arrival time. Asserted: the batches were all
# acknowledged; the map client got at most floor(span / 250 ms) + 2 area
# messages over the span of the burst (the first change goes out at once,
# the rest at most one per interval, plus the last deferred one); its
# last hall message equals /api/areas field for field.
. "$(dirname "$0")/lib.sh"

BENCH=$HC_BUILD/headcount-bench
port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 1000000
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

"$WSCLIENT" --url "$URL" --proto headcount-map.v1 --wait-ms 15000 >"$WORK/map.out" &
MAP_PID=$!
HC_PIDS+=("$MAP_PID")
wait_until 10 grep -q '"type":"snapshot"' "$WORK/map.out" || fail "map client got no snapshot"

"$BENCH" --url "$URL" --config "$WORK/venue.ini" --terminals 1 --rate 1000 --seconds 1 \
	--warmup-seconds 0 --json "$WORK/bench.json" >"$WORK/bench.out" 2>&1 || fail "bench failed: $(tail -n 3 "$WORK/bench.out")"
[ "$(jq .ingest.unacked_after_drain "$WORK/bench.json")" = 0 ] || fail "batches unacknowledged"
sent=$(jq '.ingest.sent_per_s * .ingest.seconds | floor' "$WORK/bench.json")
[ "$sent" -ge 900 ] || fail "bench sent only $sent batches in the second"

settled() { [ "$(api_area "$port" hall entered)" = "$(grep '"id":"hall"' "$WORK/map.out" | grep '"type":"area"' | tail -n 1 | cut -d' ' -f3- | jq .entered)" ]; }
wait_until 5 settled || fail "the map client's last state never matched /api/areas"
kill "$MAP_PID" 2>/dev/null || true
wait "$MAP_PID" 2>/dev/null || true

grep '"type":"area"' "$WORK/map.out" | grep '"id":"hall"' >"$WORK/hall.recv"
n=$(wc -l <"$WORK/hall.recv")
first_us=$(head -n 1 "$WORK/hall.recv" | cut -d' ' -f2)
last_us=$(tail -n 1 "$WORK/hall.recv" | cut -d' ' -f2)
span_ms=$(((last_us - first_us) / 1000))
allowed=$((span_ms / 250 + 2))
note "$sent updates in 1 s reached the map client as $n area messages over $span_ms ms (at most $allowed allowed)"
[ "$n" -ge 2 ] || fail "only $n area messages: the burst was not pushed"
[ "$n" -le "$allowed" ] || fail "$n area messages over $span_ms ms: more than one per 250 ms"

last=$(tail -n 1 "$WORK/hall.recv" | cut -d' ' -f3-)
api=$(curl -sf "http://127.0.0.1:$port/api/areas" | jq -c '.[] | select(.id == "hall")')
for f in entered exited occupancy capacity level restricted; do
	[ "$(echo "$last" | jq -c ".$f")" = "$(echo "$api" | jq -c ".$f")" ] ||
		fail "final $f: map has $(echo "$last" | jq -c ".$f"), /api/areas $(echo "$api" | jq -c ".$f")"
done
note "final state exact: $(echo "$last" | jq -c '{entered, exited, occupancy}')"
echo "PASS"
