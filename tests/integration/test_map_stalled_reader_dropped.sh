#!/usr/bin/env bash
# A map client that stops reading is dropped, and neither it nor twenty
# like it slow the other map clients or the doors.
#
# 200 areas, one terminal each. headcount-bench measures, with and
# without 20 stalled readers attached (hc_stall_reader: 4 KiB receive
# buffer, handshake, then never reads): ack p50/p99 of 200 terminals at
# 1,000 batches/s and update-to-all-subscribers p50/p99 for 50 reading
# map clients. The stalled readers are ten headcount-map.v1 and ten
# headcount-map.v2 clients. Asserted: every batch acknowledged and every update
# delivered to every reading client in both runs; every stalled reader
# dropped (logged, and its stream ends) while the load goes on; the
# aggregator alive. The figures are printed, not asserted.
. "$(dirname "$0")/lib.sh"

BENCH=$HC_BUILD/headcount-bench
STALL=$HC_BUILD/tools/hc_stall_reader
port=$(free_port)
{
	echo "[venue]"
	echo "database = $WORK/agg.db"
	for i in $(seq -w 1 200); do
		printf '[area a%s]\ncapacity = 1000000\n[terminal t%s]\narea = a%s\n' "$i" "$i" "$i"
	done
} >"$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

declare -A FIG
measure() { # LABEL
	"$BENCH" --url "$URL" --config "$WORK/venue.ini" --maps 50 --rounds 20 \
		--terminals 200 --rate 1000 --seconds 3 --json "$WORK/bench-$1.json" \
		>"$WORK/bench-$1.out" 2>&1 || fail "bench ($1) failed: $(tail -n 5 "$WORK/bench-$1.out")"
	local j="$WORK/bench-$1.json"
	[ "$(jq .ingest.unacked_after_drain "$j")" = 0 ] || fail "$1: batches unacknowledged"
	[ "$(jq '.ingest.acked_per_s >= 0.9 * .ingest.offered_per_s' "$j")" = true ] ||
		fail "$1: acked $(jq .ingest.acked_per_s "$j")/s of $(jq .ingest.offered_per_s "$j")/s"
	fig() { jq -r --arg k "$1" '.figures[] | select(.phase == "fanout" and .key == $k) | .value' "$j"; }
	[ "$(fig missed_deliveries)" = 0 ] || fail "$1: reading map clients missed $(fig missed_deliveries) updates"
	[ "$(fig rounds)" = 20 ] || fail "$1: only $(fig rounds) of 20 fan-out rounds completed"
	FIG[$1]="$(jq -r '"\(.ingest.ack_p50_ms) \(.ingest.ack_p99_ms)"' "$j") $(fig all_hold_p50_ms) $(fig all_hold_p99_ms)"
}
measure "no stalled readers"

# Ten of each map wire: v2 clients that had every frame are written to
# without lws's writeable cycle (map_role.c write_now), so this shows
# that path stops writing to a reader that is behind too.
STALL_PIDS=()
for v in 1 2; do
	"$STALL" --port "$port" --count 10 --rcvbuf 4096 --hold-ms 25000 --proto "headcount-map.v$v" \
		>"$WORK/stall-v$v.out" 2>&1 &
	STALL_PIDS+=($!)
	HC_PIDS+=($!)
done
for v in 1 2; do
	wait_until 10 grep -q '^connected 10' "$WORK/stall-v$v.out" ||
		fail "stalled v$v readers did not connect: $(cat "$WORK/stall-v$v.out")"
done
measure "20 stalled readers"

# Keep the updates flowing until every stalled reader was dropped.
"$BENCH" --url "$URL" --config "$WORK/venue.ini" --terminals 200 --rate 1000 --seconds 20 \
	>"$WORK/bench-load.out" 2>&1 &
LOAD_PID=$!
HC_PIDS+=("$LOAD_PID")
dropped() { [ "$(grep -c 'not reading for .* dropped' "$WORK/aggregator.log")" -ge 20 ]; }
wait_until 30 dropped || fail "only $(grep -c 'not reading' "$WORK/aggregator.log") of 20 stalled readers dropped"
kill -0 "$AGG_PID" || fail "aggregator died"
for i in 0 1; do
	v=$((i + 1))
	wait "${STALL_PIDS[$i]}" || fail "hc_stall_reader (v$v) failed: $(cat "$WORK/stall-v$v.out")"
	grep -q 'stalled 10 closed_by_server 10 still_open 0' "$WORK/stall-v$v.out" ||
		fail "stalled v$v readers not all closed: $(tail -n 1 "$WORK/stall-v$v.out")"
done
wait "$LOAD_PID" || fail "background load failed"
note "20 stalled readers dropped: $(grep -m1 'not reading' "$WORK/aggregator.log" | sed 's/.*map /map /')"

printf '  %-20s %12s %12s %14s %14s\n' "" "ack p50 ms" "ack p99 ms" "all hold p50" "all hold p99"
for k in "no stalled readers" "20 stalled readers"; do
	# shellcheck disable=SC2086
	printf '  %-20s %12s %12s %14s %14s\n' "$k" ${FIG[$k]}
done
echo "PASS"
