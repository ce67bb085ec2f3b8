#!/usr/bin/env bash
# The map ping round is spread over HC_MAP_PING_SLICES (8) runs of the
# idle timer (docs/aggregator.md, *Limits*): each run pings one slice of
# the map clients, never all of them at once, and every client is still
# pinged once per third of map_idle_timeout_s. headcount-map.v2 clients,
# whose pings are written at once (no writeable callback), answer them
# and so stay open past several timeouts, and a push that lands while
# pings are owed still reaches every one of them.
. "$(dirname "$0")/lib.sh"

CLIENTS=16
port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
map_idle_timeout_s = 3
[area hall]
capacity = 500
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port" --verbose
URL="ws://127.0.0.1:$port"
pids=()
for i in $(seq 1 "$CLIENTS"); do
	"$WSCLIENT" --url "$URL" --proto headcount-map.v2 --wait-ms 8000 >"$WORK/map$i.out" &
	HC_PIDS+=($!)
	pids+=($!)
done
for i in $(seq 1 "$CLIENTS"); do
	wait_until 5 grep -q '"type":"snapshot"' "$WORK/map$i.out" || fail "map client $i got no snapshot"
done
# Batches while the pings go on: one every 0.3 s, each on a connection
# of its own (the same incarnation, the next seq).
for seq in $(seq 1 15); do
	out=$("$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
		--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000e1"}' \
		--send "{\"type\":\"batch\",\"seq\":$seq,\"entered\":1,\"exited\":0}")
	grep -q '"type":"ack"' <<<"$out" || fail "batch $seq got no ack: $out"
	sleep 0.3
done
wait "${pids[@]}" || true

# Ping slices seen with all clients connected: none pings more than its
# share, and eight slices in a row ping every client once.
grep -o "map: ping slice [0-9]* of 8: [0-9]* of $CLIENTS clients" "$WORK/aggregator.log" |
	awk '{ print $4, $7 }' >"$WORK/slices"
n=$(wc -l <"$WORK/slices")
[ "$n" -ge 8 ] || fail "only $n ping slices with $CLIENTS clients logged: $(cat "$WORK/slices")"
share=$(( (CLIENTS + 7) / 8 ))
awk -v s="$share" '$2 > s { bad = 1 } END { exit bad }' "$WORK/slices" ||
	fail "a ping slice pinged more than $share of $CLIENTS clients: $(tr '\n' ' ' <"$WORK/slices")"
round=$(head -n 8 "$WORK/slices" | awk '{ t += $2 } END { print t }')
[ "$round" = "$CLIENTS" ] || fail "eight slices pinged $round clients, want $CLIENTS: $(tr '\n' ' ' <"$WORK/slices")"
note "$n ping slices, at most $share of $CLIENTS clients each; eight in a row: $round"

for i in $(seq 1 "$CLIENTS"); do
	grep -q '^close [0-9]' "$WORK/map$i.out" && fail "map client $i was closed: $(grep '^close' "$WORK/map$i.out")"
	last=$(grep '^recv ' "$WORK/map$i.out" | tail -n 1 | cut -d' ' -f3-)
	got=$(jq -r '[.messages[]? | select(.type == "area") | .occupancy] | last' <<<"$last")
	[ "$got" = 15 ] || fail "map client $i ended at occupancy $got, want 15: $last"
done
grep -q 'closing 4011' "$WORK/aggregator.log" && fail "a client answering pings was closed as idle"
note "$CLIENTS v2 clients answering pings: open after 8 s, each at occupancy 15"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
