#!/usr/bin/env bash
# With a staff listener the public port is served by a second context on
# a thread of its own (docs/aggregator.md, *Two threads*); everything a
# visitor or a monitor uses there keeps working and stays exact:
#
#  - a map client on the public port gets the snapshot, then the area
#    state a terminal's batch (on the staff port) made, restriction
#    included; a second one connecting after the change gets it in its
#    snapshot;
#  - GET /api/areas (relayed to the loop thread) shows the batch as soon
#    as the terminal holds its ack; its ETag answers If-None-Match with
#    304; /healthz, /metrics (the map connection counted), the page, 404
#    and 405 answer as on one listener;
#  - SIGTERM stops both threads cleanly: the map client is closed with
#    1001 and the aggregator exits 0.
. "$(dirname "$0")/lib.sh"

for try in 1 2 3; do
	port=$(free_port)
	sport=$(free_port)
	[ "$port" != "$sport" ] || continue
	cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
staff_listen = 127.0.0.1:$sport
[area hall]
capacity = 5
restrict_at = 1.0
resume_at = 0.6
[terminal t1]
area = hall
INI
	enroll_terminals "$WORK/venue.ini"
	"$AGG" --config "$WORK/venue.ini" --listen "127.0.0.1:$port" >>"$WORK/aggregator.log" 2>&1 &
	AGG_PID=$!
	HC_PIDS+=("$AGG_PID")
	wait_until 15 curl -sf "http://127.0.0.1:$port/healthz" && break
	kill9 "$AGG_PID"
	[ "$try" != 3 ] || fail "aggregator did not come up"
done
grep -q "terminals and supervisors: ws://127.0.0.1:$sport" "$WORK/aggregator.log" ||
	fail "no log line for the staff listener"

"$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-map.v1 --wait-ms 30000 \
	>"$WORK/map1.out" &
map1=$!
HC_PIDS+=($map1)
wait_until 10 grep -q '"type":"snapshot"' "$WORK/map1.out" || fail "map client got no snapshot"
grep -q '"occupancy":0' <<<"$(grep '"type":"snapshot"' "$WORK/map1.out")" ||
	fail "snapshot does not show an empty hall: $(cat "$WORK/map1.out")"

out=$("$WSCLIENT" --url "ws://127.0.0.1:$sport" --proto headcount-terminal.v3 --wait-ms 3000 \
	--count 3 --send '{"type":"hello","terminal":"t1","incarnation":"00000000000000c1"}' \
	--send '{"type":"batch","seq":1,"entered":5,"exited":0}')
grep -q '"type":"ack"' <<<"$out" || fail "t1 got no ack on the staff port: $out"
# The ack is out: the relayed answer is built from the same state.
[ "$(api_area "$port" hall entered)" = 5 ] || fail "/api/areas hall entered $(api_area "$port" hall entered), want 5"
wait_until 5 grep -q '"type":"area".*"occupancy":5' "$WORK/map1.out" ||
	fail "map client never got occupancy 5: $(cat "$WORK/map1.out")"
wait_until 5 grep -q '"type":"area".*"restricted":true' "$WORK/map1.out" ||
	fail "map client never got restricted:true"
note "public thread: map client got the batch from the staff port (occupancy 5, restricted)"

out=$("$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-map.v1 --wait-ms 800)
grep -q '"restricted":true' <<<"$(grep '"type":"snapshot"' <<<"$out")" ||
	fail "a later map client's snapshot misses the restriction: $out"

etag=$(curl -sfi "http://127.0.0.1:$port/api/areas" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
[ -n "$etag" ] || fail "/api/areas has no ETag on the public port"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "http://127.0.0.1:$port/api/areas")
[ "$code" = 304 ] || fail "If-None-Match $etag answered $code, want 304"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] || fail "/healthz not 200"
metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
grep -q '^headcount_connections{role="map"} 1$' <<<"$metrics" ||
	fail "/metrics does not count the one map client: $(grep connections <<<"$metrics")"
page=$(curl -sfi "http://127.0.0.1:$port/" | tr -d '\r')
grep -qi '^content-type: text/html' <<<"$page" || fail "the page is not served"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")" = 404 ] || fail "/nope not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/areas")" = 405 ] ||
	fail "POST /api/areas not 405"
# 100 requests back to back, each answered (the relay is bounded, never stuck).
for i in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/api/areas" || fail "request $i failed"; done
note "public thread: /api/areas fresh after the ack, 304 on its ETag, /healthz, /metrics, page, 404, 405, 100 in a row"

kill -TERM "$AGG_PID"
end=$((SECONDS + 15))
while kill -0 "$AGG_PID" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
kill -0 "$AGG_PID" 2>/dev/null && fail "aggregator still running 15 s after SIGTERM"
rc=0
wait "$AGG_PID" || rc=$?
[ "$rc" = 0 ] || fail "aggregator exited $rc after SIGTERM"
wait "$map1" || true
grep -q '^close 1001' "$WORK/map1.out" || fail "map client not closed with 1001: $(tail -2 "$WORK/map1.out")"
note "SIGTERM: map client closed 1001, aggregator exit 0"
echo "ok $TEST_NAME"
