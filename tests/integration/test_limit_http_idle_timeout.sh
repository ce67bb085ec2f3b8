#!/usr/bin/env bash
# A kept-alive HTTP/1.1 connection is closed when no next request starts
# within HC_HTTP_IDLE_TIMEOUT_S (3 s; lws alone would wait 5 s): a second request 1 s after the
# first response is answered on the same connection, and the connection
# is closed about 3 s after the second response.
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

out=$("$RAW" --connect "127.0.0.1:$port" --keepalive-get /healthz --hold-ms 10000)
grep -q 'responses 2 ' <<<"$out" || fail "second request on the kept-alive connection not answered: $out"
ms=$(awk '$1 == "conn" { print $4 }' <<<"$out")
# The second request goes out about 1 s in; idle from then on.
[ "$ms" -ge 3500 ] && [ "$ms" -le 5200 ] || fail "closed after $ms ms, want about 4000"
note "two requests answered; closed $ms ms after connecting (1 s + 3 s idle)"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
