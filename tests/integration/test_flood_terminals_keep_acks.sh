#!/usr/bin/env bash
# A flood of map clients never keeps a door from connecting or from its
# acks. The aggregator runs with HC_FLOOD_AGG_FDS (2600) descriptors, so
# its public listener holds at most 2600 - 64 - (2 x 23 + 16) = 2474
# connections; terminals use the staff listener (staff_listen). On the
# public one, HC_FLOOD_MAPS (3000) map clients from 50 source addresses
# are opened, more than the public budget, and held while connections
# churn (connect, maybe a request, close) from 200 more addresses in
# 127.0.1.0/24. Meanwhile 20 bench terminals send 200 batches/s in all,
# two real headcount-terminals press through it all, and a third one
# connects in the middle of the flood and presses.
#
# Asserted: every terminal stayed connected throughout (the bench's 20,
# each real one connected exactly once), the public listener filled up to
# its budget and no further, the totals are exact (the bench's area
# equals what was acked to it, the real terminals' area equals their
# presses). Printed, not asserted: ack p50/p99 without and with the flood
# (docs/security.md, *Flood*).
. "$(dirname "$0")/lib.sh"
BENCH=$HC_BUILD/headcount-bench
MAPS=${HC_FLOOD_MAPS:-3000}
AGG_FDS=${HC_FLOOD_AGG_FDS:-2600}
SECONDS_PER_PHASE=${HC_FLOOD_SECONDS:-5}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((MAPS + 2000)) ] || [ "$(ulimit -n)" -lt "$AGG_FDS" ]; then
	echo "SKIP: ulimit -n is $(ulimit -n); $MAPS map clients need $((MAPS + 2000))"
	exit 77
fi

port=$(free_port)
sport=$(free_port)
while [ "$sport" = "$port" ]; do sport=$(free_port); done
{
	printf '[venue]\ndatabase = %s/agg.db\nstaff_listen = 127.0.0.1:%s\n' "$WORK" "$sport"
	printf '[area bench]\ncapacity = 1000000\n[area hall]\ncapacity = 1000000\n'
	for i in $(seq 1 20); do printf '[terminal b%d]\narea = bench\n' "$i"; done
	printf '[terminal r1]\narea = hall\n[terminal r2]\narea = hall\n[terminal r3]\narea = hall\n'
} >"$WORK/venue.ini"
# 20 + 3 terminals, no supervisor: 2 x 23 + 16 = 62 reserved.
PUBLIC_BUDGET=$((AGG_FDS - 64 - 62))
enroll_terminals "$WORK/venue.ini"
bash -c 'ulimit -n "$1" && shift && exec "$@"' _ "$AGG_FDS" "$AGG" --config "$WORK/venue.ini" \
	--listen "127.0.0.1:$port" >>"$WORK/aggregator.log" 2>&1 &
AGG_PID=$!
HC_PIDS+=("$AGG_PID")
wait_until 15 curl -sf "http://127.0.0.1:$port/healthz" || fail "aggregator did not come up"

PRESSES=40
for r in r1 r2; do
	mkfifo "$WORK/$r.fifo"
	"$TERM_BIN" --id "$r" --url "ws://127.0.0.1:$sport" --journal "$WORK/$r.db" \
		--batch-interval-ms 100 --display line --exit-when-acked \
		<"$WORK/$r.fifo" >"$WORK/$r.log" 2>&1 &
	HC_PIDS+=($!)
	eval "${r}_pid=$!"
done
exec 3>"$WORK/r1.fifo" 4>"$WORK/r2.fifo"
wait_until 10 grep -q 'terminal r1 connected' "$WORK/aggregator.log" || fail "r1 did not connect"
wait_until 10 grep -q 'terminal r2 connected' "$WORK/aggregator.log" || fail "r2 did not connect"

# The real terminals press (in, in, out, ...) through both phases.
(
	for i in $(seq 1 $PRESSES); do
		if [ $((i % 3)) = 0 ]; then echo out; else echo in; fi >&3
		if [ $((i % 3)) = 1 ]; then echo out; else echo in; fi >&4
		sleep 0.3
	done
) &
presser=$!
HC_PIDS+=($presser)

# r3 connects once the flood is up (the load generator's ready file).
mkdir -p "$WORK/bench"
mkfifo "$WORK/r3.fifo"
(
	wait_until 90 test -f "$WORK/bench/flood-load.ready" || exit 1
	exec "$TERM_BIN" --id r3 --url "ws://127.0.0.1:$sport" --journal "$WORK/r3.db" \
		--batch-interval-ms 100 --display line --exit-when-acked <"$WORK/r3.fifo"
) >"$WORK/r3.log" 2>&1 &
r3_pid=$!
HC_PIDS+=($r3_pid)
(
	wait_until 90 test -f "$WORK/bench/flood-load.ready" || exit 1
	exec 5>"$WORK/r3.fifo"
	for _ in $(seq 1 10); do echo in >&5; sleep 0.2; done
) &
presser3=$!
HC_PIDS+=($presser3)

timeout 180 "$BENCH" --workdir "$WORK/bench" --url "ws://127.0.0.1:$port" --staff-url "ws://127.0.0.1:$sport" \
	--config "$WORK/venue.ini" --flood --terminals 20 --rate 200 --seconds "$SECONDS_PER_PHASE" \
	--flood-maps "$MAPS" --map-addresses 50 --churn-per-s 500 --churn-addresses 200 \
	--json "$WORK/flood.json" >"$WORK/bench.log" 2>&1 || fail "headcount-bench --flood failed"
wait "$presser"
wait "$presser3" || fail "the flood never got ready for r3"
exec 3>&- 4>&-
wait "$r1_pid" || fail "r1 exited with an error"
wait "$r2_pid" || fail "r2 exited with an error"
wait "$r3_pid" || fail "r3 exited with an error: $(tail -3 "$WORK/r3.log")"

f() { jq -r ".flood.$1" "$WORK/flood.json"; }
note "ack p50/p99 unloaded: $(f ack_p50_ms_unloaded) / $(f ack_p99_ms_unloaded) ms ($(f acked_unloaded) acks)"
note "ack p50/p99 flood:    $(f ack_p50_ms_flood) / $(f ack_p99_ms_flood) ms ($(f acked_flood) acks)"
note "flood: $(f maps_held) of $MAPS map clients held (public budget $PUBLIC_BUDGET) from $(f map_source_addresses) addresses," \
	"$(f churn_connections) churn connections from $(f churn_source_addresses) addresses"
[ "$(f terminals_connected_throughout)" = 1 ] ||
	fail "bench terminals did not stay connected: closed $(f terminals_closed), failed $(f terminals_failed)"
held=$(f maps_held | cut -d. -f1)
want=$((MAPS < PUBLIC_BUDGET ? MAPS : PUBLIC_BUDGET))
[ "$held" -le "$want" ] && [ "$held" -ge $((want - 50)) ] ||
	fail "map clients held: $held, want $want (the public budget is $PUBLIC_BUDGET)"
if [ "$MAPS" -gt "$PUBLIC_BUDGET" ]; then
	grep -q "public listener: refused a connection from .*: the listener holds its budget of $PUBLIC_BUDGET" \
		"$WORK/aggregator.log" || fail "no log line for the full public budget"
fi
[ "$(f unacked_after_drain)" = 0 ] || fail "$(f unacked_after_drain) batches never acked"
for i in $(seq 1 20); do
	n=$(grep -c "terminal b$i connected" "$WORK/aggregator.log" || true)
	[ "$n" = 1 ] || fail "bench terminal b$i connected $n times"
done
for r in r1 r2 r3; do
	n=$(grep -c "terminal $r connected" "$WORK/aggregator.log" || true)
	[ "$n" = 1 ] || fail "terminal $r connected $n times: it lost its link during the flood"
done
[ "$(api_area "$port" bench entered)" = "$(f entered_acked)" ] ||
	fail "bench area entered $(api_area "$port" bench entered), acked $(f entered_acked)"
[ "$(api_area "$port" bench exited)" = "$(f exited_acked)" ] ||
	fail "bench area exited $(api_area "$port" bench exited), acked $(f exited_acked)"
# r1 presses out on every third, r2 on i % 3 == 1: 27 + 26 in, 13 + 14
# out; r3 10 in.
[ "$(api_area "$port" hall entered)" = 63 ] || fail "hall entered $(api_area "$port" hall entered), want 63"
[ "$(api_area "$port" hall exited)" = 27 ] || fail "hall exited $(api_area "$port" hall exited), want 27"
note "r3 connected during the flood; totals exact: bench $(f entered_acked) in / $(f exited_acked) out, hall 63 in / 27 out"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
