#!/usr/bin/env bash
# A map client that sends nothing, not even the pong to the server's
# ping, for map_idle_timeout_s (3 s here; default 90) is closed with
# 4011 and logged; a map client that answers pings (any WebSocket
# client library does) keeps its connection past several timeouts.
. "$(dirname "$0")/lib.sh"
RAW=$HC_BUILD/tools/hc_rawpeer

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
map_idle_timeout_s = 3
[area hall]
capacity = 500
INI
start_aggregator "$WORK/venue.ini" "$port"

"$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-map.v1 --wait-ms 9000 >"$WORK/live.out" &
HC_PIDS+=($!)
live=$!
out=$("$RAW" --connect "127.0.0.1:$port" --ws-map --hold-ms 8000)
grep -q 'status 101 .*ws_close 4011' <<<"$out" || fail "silent map client not closed with 4011: $out"
ms=$(awk '$1 == "conn" { print $4 }' <<<"$out")
[ "$ms" -ge 3000 ] && [ "$ms" -le 5500 ] || fail "silent map client closed after $ms ms, want 3000..4500"
grep -q 'closing 4011: silent for' "$WORK/aggregator.log" || fail "no log line for the idle close"
note "map client deaf to pings: 4011 after $ms ms"
wait "$live" || true
grep -q '"type":"snapshot"' "$WORK/live.out" || fail "live map client got no snapshot"
grep -q '^close [0-9]' "$WORK/live.out" && fail "map client that answers pings was closed: $(grep '^close' "$WORK/live.out")"
note "map client answering pings: open after 9 s"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
