#!/usr/bin/env bash
# A TLS listener is as hard to hurt as the plain one.
#
# With [tls] on and a terminal counting through it the whole time:
#   - 50 connections sending random bytes, and 50 sending a plain HTTP
#     request to the TLS port, are all closed by the server without an
#     HTTP answer;
#   - a TLS ClientHello dripped a byte every 300 ms (slowloris on the
#     handshake) and a connection that never says anything are closed at
#     the handshake timeout (HC_HANDSHAKE_TIMEOUT_S, 5 s), and so is one
#     that finishes the TLS handshake but sends no request (python3's
#     ssl module, when installed);
#   - afterwards the aggregator is the process started at the beginning,
#     /healthz answers 200, and every press of the terminal is counted
#     exactly.
# The hostile-client and limit tests of the plain port (test_hostile_*,
# test_limit_*) stay plain on purpose: they write raw bytes and
# WebSocket frames that need an unencrypted socket.
. "$(dirname "$0")/lib.sh"
RAW=$HC_BUILD/tools/hc_rawpeer

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = TLS hostile
database = $WORK/agg.db
[area hall]
capacity = 100000
[terminal t1]
area = hall
INI
tls_venue "$WORK/venue.ini"
[ "$HC_WS" = wss ] || { echo "SKIP: HC_TLS=0"; exit 77; }
start_aggregator "$WORK/venue.ini" "$port"
FIRST_PID=$AGG_PID

write_presses "$WORK/t1.presses" 600 11
{
	n=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		n=$((n + 1))
		[ $((n % 10)) -eq 0 ] && sleep 0.15
	done <"$WORK/t1.presses"
} | "$TERM_BIN" --id t1 --url "$HC_WS://127.0.0.1:$port" "${HC_CA_ARGS[@]}" --journal "$WORK/t1.db" \
	--batch-interval-ms 100 --display none --exit-when-acked >"$WORK/t1.log" 2>&1 &
TPID=$!
HC_PIDS+=("$TPID")
C=(--connect "127.0.0.1:$port")

garbage=$(head -c 3000 /dev/urandom | tr -d '\000' | head -c 1500)
out=$("$RAW" "${C[@]}" --count 50 --send "$garbage" --hold-ms 6000)
grep -q '^open 0 closed 50 status_2xx 0 status_4xx 0' <<<"$out" ||
	fail "random bytes on the TLS port: $(tail -n 1 <<<"$out")"
note "random bytes: 50 of 50 closed, no answer"

out=$("$RAW" "${C[@]}" --count 50 --http-get /healthz --hold-ms 6000)
grep -q '^open 0 closed 50 status_2xx 0 status_4xx 0' <<<"$out" ||
	fail "plain HTTP on the TLS port: $(tail -n 1 <<<"$out")"
note "plain HTTP request: 50 of 50 closed, no answer"

hello=$(printf '\026\003\001\002\001')AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
"$RAW" "${C[@]}" --send "$hello" --drip-ms 300 --hold-ms 9000 >"$WORK/drip.out" &
drip=$!
HC_PIDS+=("$drip")
"$RAW" "${C[@]}" --hold-ms 9000 >"$WORK/silent.out" &
silent=$!
HC_PIDS+=("$silent")
if command -v python3 >/dev/null; then
	# A client that verifies the venue certificate, then says nothing.
	ms=$(timeout 15 python3 - "$port" "$HC_TLS_DIR/ca.crt" <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
t0 = time.monotonic()
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="127.0.0.1")
s.settimeout(12)
try:
    s.recv(100)
except OSError:
    pass
print(int((time.monotonic() - t0) * 1000))
PY
	) || fail "the TLS handshake with the venue CA failed"
	[ "$ms" -ge 4500 ] && [ "$ms" -le 7000 ] ||
		fail "a TLS connection without a request was closed after $ms ms, want about 5000"
	note "TLS handshake done (verified), no request: closed after $ms ms"
fi
wait "$drip" "$silent" || true
for f in drip silent; do
	ms=$(awk '$1 == "conn" { print $4 }' "$WORK/$f.out")
	[ "$ms" -ge 4500 ] && [ "$ms" -le 7000 ] ||
		fail "$f connection closed after $ms ms, want about 5000"
	note "$f handshake: closed after $ms ms"
done

for _ in $(seq 1 300); do
	kill -0 "$TPID" 2>/dev/null || break
	sleep 0.1
done
wait "$TPID" || fail "the terminal did not finish (see t1.log)"
[ "$AGG_PID" = "$FIRST_PID" ] && kill -0 "$AGG_PID" || fail "aggregator died"
[ "$(curl -s "${HC_CURL_TLS[@]}" -o /dev/null -w '%{http_code}' "$HC_HTTP://127.0.0.1:$port/healthz")" = 200 ] ||
	fail "/healthz not 200 afterwards"
[ "$(api_area "$port" hall entered)" = "$(grep -cx in "$WORK/t1.presses")" ] || fail "entered differs"
[ "$(api_area "$port" hall exited)" = "$(grep -cx out "$WORK/t1.presses")" ] || fail "exited differs"
[ "$(grep -c 'connected to' "$WORK/t1.log")" = 1 ] || fail "the terminal's link dropped: $(grep -c 'connected to' "$WORK/t1.log") connects"
note "aggregator unharmed, the terminal connected once and all 600 presses counted"
echo "ok $TEST_NAME"
