#!/usr/bin/env bash
# UNDO end to end, and GPIO button edges through the debounce path.
#
# A real aggregator and real terminals:
#   t1 (stdin backend): 5 presses in, 2 out; one UNDO while the last press
#      is still pending (it leaves the batch), then, once everything was
#      acknowledged, 1 more in and an UNDO after it was sent (a correcting
#      delta in a later batch). Totals end at entered 5, exited 1.
#   t2 (gpio-sim backend): scripted button edges with contact bounce,
#      a held button, two presses just outside the debounce window, and
#      an UNDO button press.
# Checks GET /api/areas, the terminals' journals, and the ledger rows:
# the undo after sending is a row of its own with undo_entered = 1, no row
# was ever changed, and a version 1 terminal (hc_wsclient on
# headcount-terminal.v1, without authentication) is refused with 4024
# while the same batch from an authenticated v3 connection counts.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = Undo test
database = $WORK/agg.db
[area hall]
capacity = 1000
[area yard]
capacity = 1000
[area old]
capacity = 1000
[terminal t1]
area = hall
[terminal t2]
area = yard
[terminal t3]
area = old
INI
tls_venue "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"
URL="$HC_WS://127.0.0.1:$port"

# area_is AREA FIELD VALUE: GET /api/areas shows that value now.
area_is() { [ "$(api_area "$port" "$1" "$2")" = "$3" ]; }

# --- t1: undo before and after sending ---------------------------------
fifo="$WORK/t1.fifo"
mkfifo "$fifo"
"$TERM_BIN" --id t1 --url "$URL" "${HC_CA_ARGS[@]}" --journal "$WORK/t1.db" \
	--batch-interval-ms 200 --display line --exit-when-acked \
	<"$fifo" >"$WORK/t1.log" 2>&1 &
T1=$!
HC_PIDS+=("$T1")
exec 3>"$fifo"
# 5 in, 2 out, undo (takes back the pending 'out'): net in 5, out 1.
printf 'in\nin\nin\nin\nin\nout\nout\nundo\n' >&3
wait_until 15 area_is hall exited 1 ||
	fail "hall exited is $(api_area "$port" hall exited), want 1 (pending undo)"
[ "$(api_area "$port" hall entered)" = 5 ] || fail "hall entered $(api_area "$port" hall entered), want 5"
# One more in, wait until it is acknowledged, then undo it: a delta.
printf 'in\n' >&3
wait_until 15 area_is hall entered 6 || fail "hall entered did not reach 6"
printf 'undo\n' >&3
wait_until 15 area_is hall entered 5 ||
	fail "hall entered is $(api_area "$port" hall entered) after an undo of a sent press, want 5"
# A second undo has nothing to take back.
printf 'undo\n' >&3
exec 3>&-
wait_until 15 sh -c "! kill -0 $T1" || fail "t1 did not exit when acked"
wait "$T1" || fail "t1 exited with $?"
[ "$(api_area "$port" hall entered)" = 5 ] || fail "hall entered $(api_area "$port" hall entered) after a second undo"
[ "$(api_area "$port" hall exited)" = 1 ] || fail "hall exited changed"
[ "$(api_area "$port" hall occupancy)" = 4 ] || fail "hall occupancy $(api_area "$port" hall occupancy), want 4"
grep -q "nothing to undo" "$WORK/t1.log" || fail "second undo not reported as nothing to undo"
[ "$(status_field "$WORK/t1.db" undone_in)" = 1 ] || fail "journal undone_in"
# The pending 'out' was either dropped before it was stored (read in the
# same turn as its undo) or stored and then cancelled by a journaled undo.
[ $(($(status_field "$WORK/t1.db" pressed_out) - $(status_field "$WORK/t1.db" undone_out))) = 1 ] ||
	fail "journal: pressed_out - undone_out is not 1"
[ "$(status_field "$WORK/t1.db" pending_in)" = 0 ] || fail "journal pending_in"
[ "$(status_field "$WORK/t1.db" acked_in)" = 5 ] || fail "journal acked_in (net)"
note "t1: undo pending and undo sent both end at entered=5 exited=1"

# Ledger: the undo of the sent press is its own row; sums match.
rows=$(sqlite3 "$WORK/agg.db" "SELECT COUNT(*) FROM ledger WHERE source = 't1' AND undo_entered = 1 AND entered = 0 AND exited = 0")
[ "$rows" = 1 ] || fail "expected one undo row for t1, found $rows"
sums=$(sqlite3 "$WORK/agg.db" "SELECT SUM(entered), SUM(exited), SUM(undo_entered), SUM(undo_exited) FROM ledger WHERE source = 't1'")
[ "$sums" = "6|1|1|0" ] || fail "t1 ledger sums $sums, want 6|1|1|0 (the pending undo never reached the wire)"

# --- t2: gpio-sim edges through the debounce core ----------------------
cat >"$WORK/edges.txt" <<EDGES
# ENTER with a 4 ms bounce burst: one press
in press 1000
in release 1001
in press 1002
in release 1003.5
in press 1004
in release 1200
in press 1202
in release 1204
# EXIT held for 3 s with the level reported again: one press
out press 2000
out press 2600
out press 3900
out release 5000
# two ENTER presses exactly one window (30 ms) apart: both count
in press 6000
in release 6015
in press 6030
in release 6100
# UNDO: takes back the last ENTER
undo press 7000
undo release 7001
undo press 7003
undo release 7100
EDGES
"$TERM_BIN" --id t2 --url "$URL" "${HC_CA_ARGS[@]}" --journal "$WORK/t2.db" --input gpio-sim \
	--batch-interval-ms 200 --display none --exit-when-acked \
	<"$WORK/edges.txt" >"$WORK/t2.log" 2>&1 &
T2=$!
HC_PIDS+=("$T2")
wait_until 20 sh -c "! kill -0 $T2" || fail "t2 did not exit when acked"
wait "$T2" || fail "t2 exited with $?"
[ "$(api_area "$port" yard entered)" = 2 ] || fail "yard entered $(api_area "$port" yard entered), want 2 (3 presses, 1 undone)"
[ "$(api_area "$port" yard exited)" = 1 ] || fail "yard exited $(api_area "$port" yard exited), want 1 (held button)"
note "t2: bounces ignored, hold one press, presses one window apart both counted, undo button"

# --- t3: a version 1 terminal is refused; v3 counts ---------------------
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v1 --wait-ms 3000 \
	--send '{"type":"hello","terminal":"t3","incarnation":"00000000000000a1"}' \
	--send '{"type":"batch","seq":1,"entered":3,"exited":1}' >"$WORK/t3-v1.log" 2>&1 ||
	fail "v1 client failed"
grep -q '^close 4024 ' "$WORK/t3-v1.log" || fail "v1 terminal not refused: $(cat "$WORK/t3-v1.log")"
[ "$(api_area "$port" old entered)" = 0 ] || fail "v1 terminal's batch counted"
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 \
	--send '{"type":"hello","terminal":"t3","incarnation":"00000000000000a1"}' \
	--send '{"type":"batch","seq":1,"entered":3,"exited":1}' >"$WORK/t3.log" 2>&1 ||
	fail "v3 client failed"
wait_until 10 area_is old entered 3 || fail "v3 terminal's batch not counted"
note "t3: headcount-terminal.v1 refused (4024), the same batch on v3 counts"
echo "ok"
