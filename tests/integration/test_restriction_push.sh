#!/usr/bin/env bash
# Restriction changes are pushed in the loop turn that makes them, and a
# gate reopens only after its hold.
#
# Area hall: capacity 5, restrict_at 1.0, resume_at 0.6 (3 people),
# hold_s 2. Terminal clients t2 and t3 and a map client only listen; a
# real headcount-terminal (door) shows the line display. t1 sends a batch
# of 5 entries: t2, t3 and the map must get "restricted":true (the
# measured delay from t1's ack is printed; it is one loop turn, so only
# arrival is asserted). Then t1 again (same incarnation, seq 2) sends 3
# exits: 2 people is at or below resume, yet the reopening must arrive
# only once the 2 s hold since closing has passed. The door's screen line
# must show entry=STOP and then entry=OPEN.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 5
restrict_at = 1.0
resume_at = 0.6
hold_s = 2
[terminal t1]
area = hall
[terminal t2]
area = hall
[terminal t3]
area = hall
[terminal door]
area = hall
INI
tls_venue "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"
URL="$HC_WS://127.0.0.1:$port"
INC=00000000000000aa

listen_as() { # NAME TERMINAL: a terminal-role client that only says hello
	"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 20000 \
		--send "{\"type\":\"hello\",\"terminal\":\"$2\",\"incarnation\":\"00000000000000b$3\"}" \
		>"$WORK/$1.out" &
	HC_PIDS+=($!)
}
listen_as t2 t2 2
listen_as t3 t3 3
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-map.v1 --wait-ms 20000 >"$WORK/map.out" &
HC_PIDS+=($!)
mkfifo "$WORK/door.fifo"
"$TERM_BIN" --id door --url "$URL" "${HC_CA_ARGS[@]}" --journal "$WORK/door.db" --display line \
	<"$WORK/door.fifo" >"$WORK/door.log" 2>&1 &
HC_PIDS+=($!)
exec 3>"$WORK/door.fifo"

wait_until 10 grep -q '"type":"area"' "$WORK/t2.out" || fail "t2 got no area state"
wait_until 10 grep -q '"type":"area"' "$WORK/t3.out" || fail "t3 got no area state"
wait_until 10 grep -q '"type":"snapshot"' "$WORK/map.out" || fail "map got no snapshot"
wait_until 10 grep -q 'entry=OPEN' "$WORK/door.log" || fail "door never showed entry=OPEN"

# first_time FILE PATTERN: the monotonic us of the first received frame matching.
first_time() { grep '^recv ' "$1" | grep -E -- "$2" | head -n 1 | cut -d' ' -f2; }

"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 --count 4 \
	--send "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"$INC\"}" \
	--send '{"type":"batch","seq":1,"entered":5,"exited":0}' >"$WORK/t1a.out"
ack1=$(first_time "$WORK/t1a.out" '"type":"ack"')
[ -n "$ack1" ] || fail "t1 got no ack for its batch"

last=0
for c in t2 t3 map; do
	wait_until 5 grep -q '"restricted":true' "$WORK/$c.out" || fail "$c never got restricted:true"
	t=$(first_time "$WORK/$c.out" '"restricted":true')
	note "restricted:true reached $c $(( (t - ack1) )) us after t1's ack"
	[ "$t" -gt "$last" ] && last=$t
done
note "closing: from t1's ack to the last receipt: $(( last - ack1 )) us"
wait_until 5 grep -q 'entry=STOP' "$WORK/door.log" || fail "door never showed entry=STOP"

"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 3000 --count 3 \
	--send "{\"type\":\"hello\",\"terminal\":\"t1\",\"incarnation\":\"$INC\"}" \
	--send '{"type":"batch","seq":2,"entered":0,"exited":3}' >"$WORK/t1b.out"
ack2=$(first_time "$WORK/t1b.out" '"type":"ack"')
[ -n "$ack2" ] || fail "t1 got no ack for its exits"
remaining_us=$(( 2000000 - (ack2 - ack1) ))
note "exits acknowledged $(( (ack2 - ack1) / 1000 )) ms after closing; hold left: $(( remaining_us / 1000 )) ms"
[ "$remaining_us" -gt 200000 ] || fail "test too slow: the hold was nearly over before the exits"

# reopened_at FILE: the time of the first restricted:false after a restricted:true.
reopened_at() {
	grep '^recv ' "$1" | awk '/"restricted":true/ { seen = 1 } seen && /"restricted":false/ { print $2; exit }'
}
has_reopened() { [ -n "$(reopened_at "$1")" ]; }
for c in t2 t3 map; do
	wait_until 5 has_reopened "$WORK/$c.out" || fail "$c never got the reopening"
done
for c in t2 t3 map; do
	t=$(reopened_at "$WORK/$c.out")
	delay=$(( t - ack2 ))
	note "restricted:false reached $c $(( delay / 1000 )) ms after the exits' ack (hold left was $(( remaining_us / 1000 )) ms)"
	# 50 ms of slack for the ack's own write after the commit that closed.
	[ "$delay" -ge $(( remaining_us - 50000 )) ] ||
		fail "$c: reopened after $(( delay / 1000 )) ms, before the hold ended"
done
wait_until 5 bash -c "grep -A1000 'entry=STOP' '$WORK/door.log' | grep -q 'entry=OPEN'" ||
	fail "door never showed entry=OPEN after entry=STOP"
note "door: $(grep -m1 'entry=STOP' "$WORK/door.log")"
note "door: $(grep 'entry=OPEN' "$WORK/door.log" | tail -n 1)"
[ "$(api_area "$port" hall occupancy)" = 2 ] || fail "hall occupancy $(api_area "$port" hall occupancy), want 2"
[ "$(api_area "$port" hall restricted)" = false ] || fail "hall still restricted"
exec 3>&-
echo "ok $TEST_NAME"
