#!/usr/bin/env bash
# Regression: peers that leave before their request is complete never
# take the aggregator down.
#
# A port scan, a load balancer's TCP check or a terminal whose Wi-Fi drops
# mid-handshake: bare connect + close, connect + RST, half a request line
# then close, headers cut off then close or RST, half (or all) of a
# WebSocket upgrade then RST, an upgrade that fails the handshake (no
# Sec-WebSocket-Key) for each role, and connections that send nothing
# until the server's header timeout closes them. Each such peer used to
# reach a close callback whose per-session data was never set up (the
# HTTP role's CLOSED_HTTP; the WebSocket roles' CLOSED after a failed
# upgrade). After every case the same aggregator process must be alive
# and answer /healthz; at the end SIGTERM stops it with status 0.
. "$(dirname "$0")/lib.sh"

HOSTILE=$HC_BUILD/tools/hc_hostile
[ -x "$HOSTILE" ] || fail "$HOSTILE not built"
COUNT=${HC_HOSTILE_COUNT:-200}
case $HC_BUILD in */san) COUNT=${HC_HOSTILE_COUNT:-100} ;; esac
port=$(free_port)

cat >"$WORK/venue.ini" <<INI
[venue]
name = Regression connect close
database = $WORK/agg.db
[area hall]
capacity = 500
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port"

alive() {
	kill -0 "$AGG_PID" 2>/dev/null || fail "aggregator died after: $1 ($(tail -n 3 "$WORK/aggregator.log"))"
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/healthz" || true)
	[ "$code" = 200 ] || fail "/healthz answered '$code' after: $1"
}

# hostile MODE [ROLE]: COUNT connections of that kind, all at once.
hostile() {
	local out role=${2:-}
	out=$("$HOSTILE" --port "$port" --mode "$1" --role "${role:-terminal}" --count "$COUNT" \
		--concurrency "$COUNT" --sources 32 --conn-limit-ms 20000 \
		--time-limit-ms 60000) || { echo "$out" >&2; alive "$1 $role"; fail "$1 $role: unexpected answers"; }
	note "${out%% bad=*}"
	alive "$1 $role"
}

# Connections that wait for the header timeout run beside the rest.
"$HOSTILE" --port "$port" --mode idle --count 50 --concurrency 50 --sources 32 \
	--conn-limit-ms 30000 --time-limit-ms 60000 >"$WORK/idle.out" 2>&1 &
IDLE=$!
HC_PIDS+=("$IDLE")

hostile connect-close
hostile connect-rst
hostile partial-line
hostile partial-headers
for role in terminal map supervisor; do
	hostile half-upgrade-rst "$role"
	hostile ws-no-key "$role"
done

wait "$IDLE" || { cat "$WORK/idle.out" >&2; alive idle; fail "idle connections: unexpected answers"; }
note "$(cut -d' ' -f1-9 "$WORK/idle.out" | head -n 1)"
alive "idle until the header timeout"

kill -TERM "$AGG_PID"
end=$((SECONDS + 30))
while kill -0 "$AGG_PID" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "aggregator did not stop within 30 s of SIGTERM"
	sleep 0.1
done
rc=0
wait "$AGG_PID" || rc=$?
[ "$rc" = 0 ] || fail "aggregator exited with status $rc after SIGTERM"
grep -q "stopped:" "$WORK/aggregator.log" || fail "no 'stopped:' line in the log"
if grep -Eq "AddressSanitizer|LeakSanitizer|runtime error|Assertion" "$WORK/aggregator.log"; then
	fail "sanitizer or assertion report in the aggregator log"
fi
echo "ok $TEST_NAME"
