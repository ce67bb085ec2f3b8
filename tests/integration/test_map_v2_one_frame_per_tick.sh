#!/usr/bin/env bash
# headcount-map.v2: one frame per push tick, however many areas and groups
# changed (docs/protocol.md, *The map role*), while headcount-map.v1
# clients keep getting one message per area or group.
#
# Hall and lawn are both in the group park. One batch into the hall
# changes the hall and the park in one commit: the v2 client gets exactly
# one "update" frame carrying both messages (the same bytes a v1 client
# gets as two frames); then a batch into the lawn: one more frame with
# the lawn and the park. Its figures equal the v1 client's.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[group park]
capacity = 100
[area hall]
capacity = 50
group = park
[area lawn]
capacity = 50
group = park
[terminal t1]
area = hall
[terminal t2]
area = lawn
INI
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"
"$WSCLIENT" --url "$URL" --proto headcount-map.v1 --wait-ms 6000 >"$WORK/v1.out" &
HC_PIDS+=($!)
v1=$!
"$WSCLIENT" --url "$URL" --proto headcount-map.v2 --wait-ms 6000 >"$WORK/v2.out" &
HC_PIDS+=($!)
v2=$!
wait_until 5 grep -q '"type":"snapshot"' "$WORK/v1.out" || fail "v1 client got no snapshot"
wait_until 5 grep -q '"type":"snapshot"' "$WORK/v2.out" || fail "v2 client got no snapshot"

out=$("$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000d1"}' \
	--send '{"type":"batch","seq":1,"entered":3,"exited":0}')
grep -q '"type":"ack"' <<<"$out" || fail "t1 got no ack: $out"
wait_until 5 grep -q '"type":"update"' "$WORK/v2.out" || fail "v2 client got no update frame"
sleep 0.5
out=$("$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
	--send '{"type":"hello","terminal":"t2","incarnation":"00000000000000d2"}' \
	--send '{"type":"batch","seq":1,"entered":4,"exited":0}')
grep -q '"type":"ack"' <<<"$out" || fail "t2 got no ack: $out"
wait "$v1" "$v2" || true

frames=$(grep -c '^recv ' "$WORK/v2.out" || true)
[ "$frames" = 3 ] || fail "v2 client got $frames frames, want 3 (snapshot + one per batch): $(cat "$WORK/v2.out")"
first=$(grep '^recv ' "$WORK/v2.out" | sed -n 2p | cut -d' ' -f3-)
second=$(grep '^recv ' "$WORK/v2.out" | sed -n 3p | cut -d' ' -f3-)
[ "$(jq -r '.type' <<<"$first")" = update ] || fail "second frame is not an update: $first"
[ "$(jq -c '[.messages[] | [.type, .id, .occupancy]]' <<<"$first")" = '[["area","hall",3],["group","park",3]]' ] ||
	fail "first update does not carry the hall and the park: $first"
[ "$(jq -c '[.messages[] | [.type, .id, .occupancy]]' <<<"$second")" = '[["area","lawn",4],["group","park",7]]' ] ||
	fail "second update does not carry the lawn and the park: $second"
# Each element is byte for byte the v1 client's message.
grep '^recv ' "$WORK/v1.out" | cut -d' ' -f3- | grep -v '"type":"snapshot"' >"$WORK/v1.msgs"
jq -c '.messages[]' <<<"$first$second" >"$WORK/v2.msgs"
v1n=$(wc -l <"$WORK/v1.msgs")
[ "$v1n" = 4 ] || fail "v1 client got $v1n messages, want 4: $(cat "$WORK/v1.msgs")"
diff <(jq -cS . "$WORK/v1.msgs") <(jq -cS . "$WORK/v2.msgs") >/dev/null ||
	fail "v2 elements differ from the v1 messages"
note "v2: 2 batches, each one frame with area + group; v1: the same 4 messages as 4 frames"
echo "ok $TEST_NAME"
