#!/usr/bin/env bash
# A supervisor connection may send HC_SUPERVISOR_MESSAGES_BURST_MAX (16)
# messages at once, refilled at 5 a second: the hello and 15 commands
# sent back to back are all answered; the hello and 16 commands close
# the connection with 4010 and a log line, and nothing after it counts.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 300
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse
start_aggregator "$WORK/venue.ini" "$port"
SUP=(--url "ws://127.0.0.1:$port" --proto headcount-supervisor.v1 --supervisor alice --password-file "$WORK/alice.password")

# burst N: hello plus N commands (refused ones: answered at once, stored nowhere).
burst() {
	local args=()
	for i in $(seq 1 "$1"); do
		args+=(--send "{\"type\":\"override\",\"target\":\"area\",\"id\":\"nowhere\",\"mode\":\"closed\",\"reason\":\"x\",\"request\":$i}")
	done
	"$WSCLIENT" "${SUP[@]}" --wait-ms 2000 "${args[@]}"
}

out=$(burst 15)
answers=$(grep -c '"type":"result"' <<<"$out" || true)
[ "$answers" = 15 ] || fail "15 commands: $answers answers: $out"
grep -q '^close [0-9]' <<<"$out" && fail "15 commands closed the connection: $out"
note "hello + 15 commands: 15 answers, connection kept"

out=$(burst 16)
grep -q '^close 4010 ' <<<"$out" || fail "16 commands not closed with 4010: $out"
answers=$(grep -c '"type":"result"' <<<"$out" || true)
[ "$answers" -le 15 ] || fail "the message over the limit was answered ($answers answers)"
grep -q 'closing 4010' "$WORK/aggregator.log" || fail "no log line for 4010"
note "hello + 16 commands: $(grep '^close' <<<"$out")"
kill -0 "$AGG_PID" || fail "aggregator died"
echo "ok $TEST_NAME"
