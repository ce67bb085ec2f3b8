#!/usr/bin/env bash
# Bad input gets a clear error and changes nothing stored.
#
# While a real terminal stays connected and counting, clients send
# malformed JSON, unknown types, wrong field types, out-of-range deltas,
# an unknown terminal id, frames out of order and an oversized frame.
# Each must be closed with its documented code and reason and logged by
# the aggregator; the ledger must hold only the good terminal's batches,
# and the good terminal must never be disconnected.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 500
[terminal good]
area = hall
[terminal t9]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port"

mkfifo "$WORK/good.fifo"
"$TERM_BIN" --id good --url "ws://127.0.0.1:$port" --journal "$WORK/good.db" \
	--batch-interval-ms 100 --display line --exit-when-acked \
	<"$WORK/good.fifo" >"$WORK/good.log" 2>&1 &
GOOD=$!
HC_PIDS+=("$GOOD")
exec 3>"$WORK/good.fifo"
for _ in 1 2 3; do echo in >&3; done
wait_until 10 grep -q 'occupancy=3 .*link=online .*pending=0' "$WORK/good.log" ||
	fail "good terminal did not show 3 counted"
rows_before=$(sqlite3 "$WORK/agg.db" "select count(*) from ledger")

HELLO='{"type":"hello","terminal":"t9","incarnation":"00000000000000aa"}'
# expect CODE -- client args: runs one client, asserts it was closed with CODE.
expect() {
	local code=$1
	shift 2
	local out
	out=$("$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 3000 "$@")
	if ! grep -q "^close $code ." <<<"$out"; then
		echo "$out" >&2
		fail "expected close $code for: $*"
	fi
	note "close $code: $(grep "^close" <<<"$out" | cut -d' ' -f3-)"
	wait_until 3 grep -q "closing $code" "$WORK/aggregator.log" ||
		fail "no log line for close $code"
}

expect 4000 -- --send 'this is not json'
expect 4000 -- --send '[1,2,3]'
expect 4001 -- --send '{"type":"frobnicate"}'
expect 4001 -- --send '{"seq":1}'
expect 4002 -- --send "$HELLO" --send '{"type":"batch","seq":"1","entered":1,"exited":0}'
expect 4002 -- --send "$HELLO" --send '{"type":"batch","seq":1,"entered":1.5,"exited":0}'
expect 4002 -- --send '{"type":"hello","terminal":7,"incarnation":"00000000000000aa"}'
expect 4003 -- --send "$HELLO" --send '{"type":"batch","seq":1,"entered":10001,"exited":0}'
expect 4003 -- --send "$HELLO" --send '{"type":"batch","seq":1,"entered":-1,"exited":0}'
expect 4003 -- --send "$HELLO" --send '{"type":"batch","seq":0,"entered":1,"exited":0}'
expect 4003 -- --send '{"type":"hello","terminal":"t9","incarnation":"XYZ"}'
expect 4004 -- --send '{"type":"hello","terminal":"ghost","incarnation":"00000000000000aa"}'
expect 4005 -- --send '{"type":"batch","seq":1,"entered":1,"exited":0}'
expect 4005 -- --send "$HELLO" --send "$HELLO"
expect 1009 -- --raw-bytes 5000

rows_after=$(sqlite3 "$WORK/agg.db" "select count(*) from ledger")
[ "$rows_after" = "$rows_before" ] || fail "ledger changed: $rows_before -> $rows_after rows"
[ "$(sqlite3 "$WORK/agg.db" "select count(*) from ledger where source = 't9'")" = 0 ] ||
	fail "a refused terminal's batch was stored"

# The good terminal kept its link and keeps counting.
for _ in 1 2; do echo in >&3; done
echo out >&3
exec 3>&-
wait "$GOOD" || fail "good terminal exited with an error"
[ "$(api_area "$port" hall entered)" = 5 ] || fail "hall entered $(api_area "$port" hall entered), want 5"
[ "$(api_area "$port" hall exited)" = 1 ] || fail "hall exited $(api_area "$port" hall exited), want 1"
connects=$(grep -c 'terminal good connected' "$WORK/aggregator.log" || true)
[ "$connects" = 1 ] || fail "good terminal connected $connects times: it was disconnected"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
