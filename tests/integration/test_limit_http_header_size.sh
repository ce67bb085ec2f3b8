#!/usr/bin/env bash
# Request line and headers are bounded by HC_HTTP_HEADER_BYTES_MAX (2048
# bytes of header data as libwebsockets 4.1 stores it): measured, a
# GET /healthz of 2038 bytes in all is served and one of 2039 is closed
# without an answer. The aggregator stays up and serves the next request.
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
C=(--connect "127.0.0.1:$port" --http-get /healthz --hold-ms 1000)

out=$("$RAW" "${C[@]}" --request-bytes 2038)
grep -q 'status 200' <<<"$out" || fail "a 2038-byte request was not served: $out"
note "2038 bytes: 200"
out=$("$RAW" "${C[@]}" --request-bytes 2039)
grep -q 'closed_ms [0-9]* status 0 ' <<<"$out" || fail "a 2039-byte request was not refused: $out"
note "2039 bytes: closed without an answer"
out=$("$RAW" "${C[@]}" --request-bytes 100000)
grep -q 'closed_ms [0-9]* status 0 ' <<<"$out" || fail "a 100000-byte request was not refused: $out"
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "not serving after oversized requests"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
