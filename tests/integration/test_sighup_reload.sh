#!/usr/bin/env bash
# SIGHUP reloads the venue config without dropping connections; a broken
# config is refused and the running one stays in force.
#
# A real terminal counts throughout. A broken file on SIGHUP must be
# logged with its file and line and change nothing: counting goes on, no
# connection drops. A good file that raises the capacity, adds a
# terminal, moves one terminal to another area and removes another must
# be applied at once: the new capacity in /api/areas and on the map, the
# new terminal welcome, the moved one re-welcomed to its new area, the
# removed one closed with 4004, the counting terminal never disconnected.
# A changed database path needs a restart and says so.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
write_config() { # CAPACITY EXTRA_SECTIONS
	cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = $1
[area garden]
capacity = 50
[terminal door]
area = hall
$2
INI
	tls_venue "$WORK/venue.ini"
}
write_config 10 "[terminal mover]
area = hall
[terminal gone]
area = hall"
start_aggregator "$WORK/venue.ini" "$port"
URL="$HC_WS://127.0.0.1:$port"
agg_pid=$AGG_PID

mkfifo "$WORK/door.fifo"
"$TERM_BIN" --id door --url "$URL" "${HC_CA_ARGS[@]}" --journal "$WORK/door.db" --batch-interval-ms 100 \
	--display line <"$WORK/door.fifo" >"$WORK/door.log" 2>&1 &
HC_PIDS+=($!)
exec 3>"$WORK/door.fifo"
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-map.v1 --wait-ms 30000 >"$WORK/map.out" &
HC_PIDS+=($!)
for t in mover gone; do
	"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 30000 \
		--send "{\"type\":\"hello\",\"terminal\":\"$t\",\"incarnation\":\"00000000000000aa\"}" \
		>"$WORK/$t.out" &
	HC_PIDS+=($!)
done
for _ in 1 2 3; do echo in >&3; done
wait_until 10 grep -q 'occupancy=3 .*link=online .*pending=0' "$WORK/door.log" ||
	fail "door did not count 3"
wait_until 5 grep -q '"type":"welcome"' "$WORK/mover.out" || fail "mover not welcomed"
wait_until 5 grep -q '"type":"welcome"' "$WORK/gone.out" || fail "gone not welcomed"

# 1. A broken config: refused with file and line, nothing changes.
cp "$WORK/venue.ini" "$WORK/good.ini"
printf '[area stage]\ncapacity = lots\n' >>"$WORK/venue.ini"
bad_line=$(grep -n 'capacity = lots' "$WORK/venue.ini" | cut -d: -f1)
kill -HUP "$agg_pid"
wait_until 5 grep -q "ERROR reload refused: $WORK/venue.ini:$bad_line: area 'stage': capacity must be" \
	"$WORK/aggregator.log" || fail "no 'reload refused' line with file and line $bad_line"
note "$(grep -m1 'reload refused' "$WORK/aggregator.log" | cut -d' ' -f3-)"
kill -0 "$agg_pid" || fail "aggregator died on a broken config"
for _ in 1 2; do echo in >&3; done
wait_until 10 grep -q 'occupancy=5 .*link=online .*pending=0' "$WORK/door.log" ||
	fail "counting stopped after the refused reload"
[ "$(api_area "$port" hall capacity)" = 10 ] || fail "capacity changed by a refused reload"
[ "$(curl -sf "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/api/areas" | jq length)" = 2 ] || fail "areas changed"

# 2. A good config: capacity raised, a terminal added, one moved, one removed,
#    and the database path changed (needs a restart).
write_config 20 "[terminal mover]
area = garden
[terminal newcomer]
area = garden"
sed -i "s|^database = .*|database = $WORK/other.db|" "$WORK/venue.ini"
enroll_terminals "$WORK/venue.ini"    # the newcomer's secret
kill -HUP "$agg_pid"
wait_until 5 grep -q 'INFO config reloaded: 2 areas, 3 terminals' "$WORK/aggregator.log" ||
	fail "no 'config reloaded' line"
grep -q "WARN reload: database changed to $WORK/other.db; that needs a restart" \
	"$WORK/aggregator.log" || fail "no WARN about the database change"
[ "$(api_area "$port" hall capacity)" = 20 ] || fail "capacity not raised: $(api_area "$port" hall capacity)"
wait_until 5 grep -q '"type":"snapshot".*"capacity":20' "$WORK/map.out" ||
	fail "map did not get the new capacity"
wait_until 5 grep -q '"type":"welcome","terminal":"mover","area":"garden"' "$WORK/mover.out" ||
	fail "moved terminal not re-welcomed to garden"
wait_until 5 grep -q '"type":"area","id":"garden"' "$WORK/mover.out" ||
	fail "moved terminal did not get garden's state"
wait_until 5 grep -q '^close 4004 terminal removed from the venue config' "$WORK/gone.out" ||
	fail "removed terminal not closed with 4004"
out=$("$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 2000 --count 2 \
	--send '{"type":"hello","terminal":"newcomer","incarnation":"00000000000000bb"}')
grep -q '"type":"welcome","terminal":"newcomer","area":"garden"' <<<"$out" ||
	fail "added terminal not welcome: $out"

# The counting terminal kept its one connection and still counts, into the
# ledger the aggregator started with.
echo in >&3
wait_until 10 grep -q 'occupancy=6 capacity=20 .*link=online .*pending=0' "$WORK/door.log" ||
	fail "door did not count on after the reload"
connects=$(grep -c 'terminal door connected' "$WORK/aggregator.log" || true)
[ "$connects" = 1 ] || fail "door connected $connects times: the reload dropped it"
grep -q '^closed' "$WORK/map.out" && fail "the map client was disconnected"
[ "$(sqlite3 "$WORK/agg.db" "select sum(entered) from ledger where source = 'door'")" = 6 ] ||
	fail "ledger does not hold the 6 entries"
[ ! -e "$WORK/other.db" ] || fail "the new database path was opened without a restart"
exec 3>&-
echo "ok $TEST_NAME"
