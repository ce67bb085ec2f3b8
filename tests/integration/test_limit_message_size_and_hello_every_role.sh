#!/usr/bin/env bash
# Every role's session keeps its message limit and its hello timeout
# (aggregator/ws_session.c, shared by the three roles):
#   - terminal and supervisor: a message of exactly 4096 bytes is taken
#     whole and judged as a message (4000, not JSON), one byte more is
#     refused with 1009 "message over 4096 bytes" before it is judged,
#     each with its WARN line; the 4097 bytes arrive at the aggregator in
#     more than one piece (its receive buffer holds 4096), so the
#     assembly across pieces is what refuses them;
#   - terminal and supervisor: a connection that says nothing is closed
#     with 4007 "no hello within 5 s", and not before 4 s;
#   - map: a client may send nothing at all; one byte closes it with 4001.
# A terminal that says its hello in time keeps its connection throughout.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
terminal_auth = off
[area hall]
capacity = 300
[terminal t1]
area = hall
[supervisor alice]
INI
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

# closed_with OUT CODE REASON WHAT: the client saw close CODE with REASON.
closed_with() {
	grep -q "^close $2 $3" <<<"$1" || { echo "$1" >&2; fail "$4: want close $2 $3"; }
}

for role in terminal supervisor; do
	case $role in
	terminal) proto=headcount-terminal.v3 ;;
	supervisor) proto=headcount-supervisor.v1 ;;
	esac
	out=$("$WSCLIENT" --url "$URL" --proto "$proto" --wait-ms 3000 --raw-bytes 4096)
	closed_with "$out" 4000 "" "$role, 4096 bytes"
	out=$("$WSCLIENT" --url "$URL" --proto "$proto" --wait-ms 3000 --raw-bytes 4097)
	closed_with "$out" 1009 "message over 4096 bytes" "$role, 4097 bytes"
	grep -q "WARN $role ? 127.0.0.1: closing 1009: message over 4096 bytes" "$WORK/aggregator.log" ||
		fail "no WARN line for the $role's 1009"
	note "$role: 4096 bytes judged (4000), 4097 refused (1009)"
done

# The hello timeout, both roles at once, against a terminal that is in time.
"$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 9000 \
	>"$WORK/silent-terminal.out" 2>&1 &
SILENT_T=$!
"$WSCLIENT" --url "$URL" --proto headcount-supervisor.v1 --wait-ms 9000 \
	>"$WORK/silent-supervisor.out" 2>&1 &
SILENT_S=$!
HC_PIDS+=("$SILENT_T" "$SILENT_S")
"$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 7000 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa"}' \
	>"$WORK/t1.out" 2>&1 &
T1=$!
HC_PIDS+=("$T1")
started=$SECONDS
wait "$SILENT_T" || true
wait "$SILENT_S" || true
took=$((SECONDS - started))
for role in terminal supervisor; do
	out=$(cat "$WORK/silent-$role.out")
	closed_with "$out" 4007 "no hello within 5 s" "silent $role"
	grep -q "WARN $role ? 127.0.0.1: closing 4007: no hello within 5 s" "$WORK/aggregator.log" ||
		fail "no WARN line for the silent $role"
done
[ "$took" -ge 4 ] || fail "the silent clients were closed after $took s, before the hello timeout"
wait "$T1" || true
grep -q '"type":"welcome"' "$WORK/t1.out" || fail "t1 was not welcomed: $(cat "$WORK/t1.out")"
grep -q '^close [0-9]' "$WORK/t1.out" && fail "t1 said hello in time and was closed: $(cat "$WORK/t1.out")"
note "silent terminal and supervisor: 4007 after ${took} s; t1 kept its connection"

out=$("$WSCLIENT" --url "$URL" --proto headcount-map.v1 --wait-ms 3000 --send 'x')
closed_with "$out" 4001 "map clients send nothing" "map, one byte"
grep -q "WARN map 127.0.0.1: closing 4001: map clients send nothing" "$WORK/aggregator.log" ||
	fail "no WARN line for the map client"
note "map: one byte closed with 4001"

kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
