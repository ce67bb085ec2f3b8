#!/usr/bin/env bash
# A connection must send its whole HTTP request within
# HC_HANDSHAKE_TIMEOUT_S (5 s) of being accepted: a silent one and a
# slow one (a byte every 300 ms, slowloris) are both closed at 5 s, while
# a request sent whole after 4 s of silence is answered.
. "$(dirname "$0")/lib.sh"
RAW=$HC_BUILD/tools/hc_rawpeer

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 500
INI
start_aggregator "$WORK/venue.ini" "$port"
C=(--connect "127.0.0.1:$port")

"$RAW" "${C[@]}" --hold-ms 9000 >"$WORK/silent.out" &
HC_PIDS+=($!)
silent=$!
"$RAW" "${C[@]}" --http-get /healthz --drip-ms 300 --hold-ms 9000 >"$WORK/slow.out" &
HC_PIDS+=($!)
slow=$!
out=$("$RAW" "${C[@]}" --http-get /healthz --delay-ms 4000 --hold-ms 5000)
grep -q 'status 200' <<<"$out" || fail "request sent whole after 4 s not answered: $out"
note "request after 4 s of silence: 200"
wait "$silent" "$slow" || true

# closed_in FILE: the closed_ms of its one connection.
closed_in() { awk '$1 == "conn" { print $4 }' "$1"; }
for f in silent slow; do
	ms=$(closed_in "$WORK/$f.out")
	[ "$ms" -ge 4500 ] && [ "$ms" -le 7000 ] ||
		fail "$f connection closed after $ms ms, want about 5000"
	grep -q 'status 0 ' "$WORK/$f.out" || fail "$f connection got a response: $(cat "$WORK/$f.out")"
	note "$f connection closed after $ms ms"
done
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
