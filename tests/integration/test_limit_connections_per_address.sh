#!/usr/bin/env bash
# One peer address holds at most connections_per_address connections on
# the public listener; the next is closed right after accept (and
# logged), other addresses are not affected, and a slot freed is usable
# again, by plain HTTP and by WebSocket connections alike. The limit here
# is 5 (the default, 256, is in shared/limits.h).
. "$(dirname "$0")/lib.sh"
RAW=$HC_BUILD/tools/hc_rawpeer

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
connections_per_address = 5
[area hall]
capacity = 500
INI
start_aggregator "$WORK/venue.ini" "$port"
C=(--connect "127.0.0.1:$port")

# open_count OUT: the "open N" of a hc_rawpeer summary.
open_count() { awk '/^open / { print $2 }' <<<"$1"; }

# One under the limit, from 127.0.0.3 while 127.0.0.2 holds its 5.
"$RAW" "${C[@]}" --bind 127.0.0.2 --count 5 --hold-ms 4000 >"$WORK/held.out" &
HC_PIDS+=($!)
held=$!
sleep 0.5
out=$("$RAW" "${C[@]}" --bind 127.0.0.3 --count 4 --hold-ms 700)
[ "$(open_count "$out")" = 4 ] || fail "4 connections from 127.0.0.3 (under the limit): $out"
out=$("$RAW" "${C[@]}" --bind 127.0.0.3 --count 5 --hold-ms 700)
[ "$(open_count "$out")" = 5 ] || fail "5 connections from 127.0.0.3 (the limit): $out"
note "5 from 127.0.0.3 while 127.0.0.2 holds 5: all open"

# Over the limit: the sixth is closed at once, the five stay.
out=$("$RAW" "${C[@]}" --bind 127.0.0.3 --count 6 --hold-ms 700)
[ "$(open_count "$out")" = 5 ] || fail "6 connections from 127.0.0.3: want 5 open: $out"
closed_ms=$(awk '$4 >= 0 && $1 == "conn" { print $4 }' <<<"$out")
[ "$closed_ms" -lt 500 ] || fail "the sixth was closed after $closed_ms ms, not at once"
wait_until 3 grep -q 'refused a connection from 127.0.0.3: 5 connections open from that address' \
	"$WORK/aggregator.log" || fail "no log line for the refusal"
note "6 from 127.0.0.3: 5 open, the sixth closed after ${closed_ms} ms"

# 127.0.0.2 kept its five throughout; once they are gone, it gets 5 again.
wait "$held" || true
[ "$(open_count "$(cat "$WORK/held.out")")" = 5 ] || fail "127.0.0.2 lost connections: $(tail -1 "$WORK/held.out")"
sleep 0.3
out=$("$RAW" "${C[@]}" --bind 127.0.0.2 --count 5 --http-get /healthz --hold-ms 700)
grep -q 'status_2xx 5' <<<"$out" || fail "127.0.0.2 after closing: 5 requests want 200: $out"

# WebSocket connections count the same and free their slot when closed.
for round in 1 2; do
	out=$("$RAW" "${C[@]}" --bind 127.0.0.4 --ws-map --count 6 --hold-ms 700)
	[ "$(grep -c 'status 101' <<<"$out")" = 5 ] ||
		fail "round $round: 6 map clients from 127.0.0.4: want 5 served: $out"
	sleep 0.3
done
note "6 map clients from 127.0.0.4, twice: 5 served each time"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
