#!/usr/bin/env bash
# Terminals and supervisors keep a share of the connections that map and
# HTTP clients cannot take (docs/aggregator.md, *Terminals never starve*).
# The aggregator runs with 150 descriptors: 86 for connections, of which
# 2 x (4 terminals + 1 supervisor) + 16 = 26 are reserved.
#
#  1. One listener: map clients get at most 86 - 26 = 60 connections; the
#     61st is refused at the handshake, and then every terminal and the
#     supervisor still connect and are served.
#  2. A staff listener (staff_listen): the public one holds at most 60
#     connections in all, map clients or not, so 150 opened there (40 map
#     clients, 110 that never finish their request) leave every terminal
#     and the supervisor connecting on the staff port; without the budget
#     lws would run out of descriptors for every listener. Each role on
#     the wrong listener is closed with 4012.
. "$(dirname "$0")/lib.sh"
RAW=$HC_BUILD/tools/hc_rawpeer

# venue FILE EXTRA: a venue of 4 terminals and one supervisor.
venue() {
	cat >"$1" <<INI
[venue]
database = $WORK/agg-$(basename "$1" .ini).db
connections_per_address = 1000
map_idle_timeout_s = 60
$2
[area hall]
capacity = 500
[terminal t1]
area = hall
[terminal t2]
area = hall
[terminal t3]
area = hall
[terminal t4]
area = hall
[supervisor alice]
INI
	set_supervisor_password "$1" alice correct-horse
}

# start_small CONFIG PORT: the aggregator with 150 descriptors; false
# when it did not come up (a port taken meanwhile).
start_small() {
	enroll_terminals "$1"
	bash -c 'ulimit -n 150 && exec "$0" "$@"' "$AGG" --config "$1" --listen "127.0.0.1:$2" \
		>>"$WORK/aggregator.log" 2>&1 &
	AGG_PID=$!
	HC_PIDS+=("$AGG_PID")
	wait_until 15 curl -sf "http://127.0.0.1:$2/healthz"
}

# staff_served URL: every terminal and the supervisor is welcomed at URL.
staff_served() {
	local url=$1 out
	for t in t1 t2 t3 t4; do
		out=$("$WSCLIENT" --url "$url" --proto headcount-terminal.v3 --wait-ms "${WAIT_MS:-1500}" \
			--send "{\"type\":\"hello\",\"terminal\":\"$t\",\"incarnation\":\"00000000000000a1\"}" \
			--send '{"type":"batch","seq":1,"entered":1,"exited":0}')
		grep -q '"type":"welcome"' <<<"$out" || fail "$t not welcomed at $url: $out"
		grep -q '"type":"ack","seq":1' <<<"$out" || fail "$t batch not acked at $url: $out"
	done
	out=$("$WSCLIENT" --url "$url" --proto headcount-supervisor.v1 --supervisor alice \
		--password-file "$WORK/alice.password" --wait-ms "${WAIT_MS:-1500}")
	grep -q '"type":"welcome","supervisor":"alice"' <<<"$out" || fail "supervisor not welcomed at $url: $out"
}

# 1. One listener: the map budget.
port=$(free_port)
venue "$WORK/one.ini" ""
start_small "$WORK/one.ini" "$port" || fail "aggregator did not come up"
"$RAW" --connect "127.0.0.1:$port" --ws-map --count 60 --hold-ms 6000 >"$WORK/maps60.out" &
HC_PIDS+=($!)
held=$!
sleep 1.5
out=$("$RAW" --connect "127.0.0.1:$port" --ws-map --count 1 --hold-ms 1000)
grep -q 'status 101' <<<"$out" && fail "the 61st map client was served: $out"
grep -q 'map budget' "$WORK/aggregator.log" || fail "no log line for the map budget"
note "one listener: 61st map client refused ($(awk '$1 == "conn" { print "status " $6 }' <<<"$out"))"
staff_served "ws://127.0.0.1:$port"
note "one listener, 60 map clients held: 4 terminals acked, supervisor welcomed"
wait "$held" || true
[ "$(grep -c 'status 101' "$WORK/maps60.out")" = 60 ] || fail "not all 60 map clients (the budget) were served"
[ "$(api_area "$port" hall entered)" = 4 ] || fail "hall entered $(api_area "$port" hall entered), want 4"
kill9 "$AGG_PID"

# 2. A staff listener.
# Two random ports may meet one in use: up to three tries.
for try in 1 2 3; do
	port=$(free_port)
	sport=$(free_port)
	[ "$port" != "$sport" ] || continue
	venue "$WORK/two.ini" "staff_listen = 127.0.0.1:$sport"
	start_small "$WORK/two.ini" "$port" && break
	kill9 "$AGG_PID"
	[ "$try" != 3 ] || fail "aggregator did not come up"
done
grep -q "terminals and supervisors: ws://127.0.0.1:$sport" "$WORK/aggregator.log" ||
	fail "no log line for the staff listener"
out=$("$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 1500 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000a2"}')
grep -q '^close 4012 ' <<<"$out" || fail "terminal on the public port not closed with 4012: $out"
out=$("$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-supervisor.v1 --supervisor alice \
	--password-file "$WORK/alice.password" --wait-ms 1500)
grep -q '^close 4012 ' <<<"$out" || fail "supervisor on the public port not closed with 4012: $out"
out=$("$WSCLIENT" --url "ws://127.0.0.1:$sport" --proto headcount-map.v1 --wait-ms 1500)
grep -q '^close 4012 ' <<<"$out" || fail "map client on the staff port not closed with 4012: $out"
note "wrong listener: 4012 for terminal, supervisor and map"

# 40 map clients and 110 connections that never send their request:
# the public listener takes 60 in all and refuses the rest at accept, so
# lws never runs out of descriptors and the staff port keeps serving.
# (The silent ones are closed by the handshake timeout after 5 s: the
# staff check runs before that.)
"$RAW" --connect "127.0.0.1:$port" --ws-map --count 40 --hold-ms 6000 >"$WORK/maps40.out" &
HC_PIDS+=($!)
maps=$!
sleep 0.5
"$RAW" --connect "127.0.0.1:$port" --count 110 --hold-ms 4500 >"$WORK/silent.out" &
HC_PIDS+=($!)
silent=$!
sleep 0.7
wait_until 2 grep -q 'public listener: refused a connection from 127.0.0.1: the listener holds its budget of 60' \
	"$WORK/aggregator.log" || fail "no log line for the public budget"
WAIT_MS=600 staff_served "ws://127.0.0.1:$sport"
wait "$maps" "$silent" || true
served=$(grep -c 'status 101' "$WORK/maps40.out" || true)
[ "$served" = 40 ] || fail "public listener served $served of 40 map clients"
held=$(awk '/^open / { print $2 }' "$WORK/silent.out")
[ "$held" = 20 ] || fail "public listener held $held silent connections, want 60 - 40 = 20"
note "staff listener, public full (40 maps + 20 of 110 silent held): 4 terminals acked, supervisor welcomed"
[ "$(api_area "$port" hall entered)" = 4 ] || fail "hall entered $(api_area "$port" hall entered), want 4"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
