#!/usr/bin/env bash
# A STOP says why. The aggregator's area message carries restricted_by
# (docs/protocol.md) and the door shows it:
#   - the group full (4 people on the lawn fill "The park", capacity 4,
#     though the booth itself is empty): "STOP: The park full";
#   - a supervisor closing the group: "STOP: The park closed by
#     supervisor"; closing the area: "STOP: closed by supervisor";
#   - the area's own count: "STOP: area full".
# The line display gives the same as stop_by=..., and GET /api/areas
# shows restricted_by.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
door_venue "$port"
URL="ws://127.0.0.1:$port"
# override TARGET ID MODE: one supervisor command, answered ok.
override() {
	local out
	out=$("$WSCLIENT" --url "$URL" --proto headcount-supervisor.v1 --supervisor alice \
		--password-file "$WORK/alice.password" --wait-ms 1500 --send \
		"{\"type\":\"override\",\"target\":\"$1\",\"id\":\"$2\",\"mode\":\"$3\",\"reason\":\"test\",\"request\":1}")
	grep -q '"type":"result","ok":true' <<<"$out" || fail "override $1 $2 $3 not answered ok: $out"
}

s="hc-door-stop-$$"
door_start "$s" k1 "$port" 80 24
door_expect "$s" "ENTRY OPEN"

door_presses k2 "$port" 4
door_expect "$s" "STOP: The park full"
[ "$(api_area "$port" booth restricted_by)" = "group:park" ] ||
	fail "/api/areas booth restricted_by '$(api_area "$port" booth restricted_by)', want group:park"
[ "$(api_area "$port" booth restricted_by_name)" = "The park" ] || fail "no restricted_by_name"
[ "$(api_area "$port" booth occupancy)" = 0 ] || fail "booth is not empty"
grep -q "stop_by=group:park" "$WORK/k2.out" || fail "k2's line display lacks stop_by=group:park"
door_resize "$s" 40 12
door_expect "$s" "STOP: The park full" 3
door_resize "$s" 80 24
note "4 on the lawn: the empty booth's door says 'STOP: The park full' (80x24 and 40x12)"

override group park closed
door_expect "$s" "STOP: The park closed by supervisor"
override area booth closed
door_expect "$s" "STOP: closed by supervisor"
door_lacks "$s" "The park" || fail "the area's own override is not the reason shown"
[ "$(api_area "$port" booth restricted_by)" = "override" ] || fail "/api/areas restricted_by is not override"
note "supervisor closes the group, then the area: the reason follows"

override area booth auto
override group park auto
door_expect "$s" "STOP: The park full"
# Make room in the park (4 out on the lawn), then fill the booth itself.
door_presses k2 "$port" 4 out
door_expect "$s" "ENTRY OPEN"
tmux send-keys -t "$s" i i i
door_expect "$s" "STOP: area full"
[ "$(api_area "$port" booth restricted_by)" = "area" ] || fail "/api/areas restricted_by is not area"
tmux send-keys -t "$s" o o
door_expect "$s" "ENTRY OPEN"
[ "$(api_area "$port" booth restricted_by)" = "null" ] || [ -z "$(api_area "$port" booth restricted_by)" ] ||
	fail "restricted_by still set on an open area: $(api_area "$port" booth restricted_by)"
note "the booth's own count: 'STOP: area full'; open again, no restricted_by"
echo "ok $TEST_NAME"
