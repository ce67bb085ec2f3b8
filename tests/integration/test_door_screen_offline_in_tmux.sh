#!/usr/bin/env bash
# An offline door never shows the last state as the present one: when
# the aggregator goes away, the green ENTRY OPEN becomes "last known:
# OPEN, N s ago" (yellow) and the age grows; a STOP likewise becomes
# "last known: STOP (...)"; at 40x12 too. When the link is back and the
# aggregator has pushed the state again, the current state returns.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
door_venue "$port"
s="hc-door-offline-$$"
door_start "$s" k1 "$port" 80 24
door_expect "$s" "ENTRY OPEN"
tmux send-keys -t "$s" i
door_expect "$s" "1 / 3   level: low   not yet acknowledged: 0"

kill9 "$AGG_PID"
door_expect "$s" "last known: OPEN, [0-9]* s ago"
door_lacks "$s" "ENTRY OPEN" || fail "offline door still shows ENTRY OPEN"
door_expect "$s" "^OFFLINE"
door_expect "$s" "last known: OPEN, [3-9] s ago" 12
note "offline: '$(door_screen "$s" | grep -o 'last known: [^ ].*ago')'"
# The yellow banner, not the green one: the last background set before
# the text (tmux -e writes SGR sequences) is colour 3, yellow.
# background_before SESSION TEXT: the last background SGR before TEXT.
background_before() {
	local cap
	cap=$(tmux capture-pane -e -p -t "$1")
	grep -o $'\e\[[0-9;]*m' <<<"${cap%%"$2"*}" | grep -E '(\[|;)(4[0-9]|0?)m$' | tail -n 1 | tr -d '\033'
}
[ "$(background_before "$s" "last known: OPEN")" = "[43m" ] ||
	fail "the last-known banner is not yellow: $(background_before "$s" "last known: OPEN")"
door_resize "$s" 40 12
door_expect "$s" "last known: OPEN, [0-9]* s ago" 3
door_lacks "$s" "ENTRY OPEN" || fail "offline door shows ENTRY OPEN at 40x12"
door_resize "$s" 80 24

start_aggregator "$WORK/venue.ini" "$port"
door_expect "$s" "ENTRY OPEN" 20
door_lacks "$s" "last known" || fail "last known shown while online"
note "online again: ENTRY OPEN, no 'last known'"

# A STOP goes the same way, with its reason.
tmux send-keys -t "$s" i i
door_expect "$s" "STOP: area full"
kill9 "$AGG_PID"
door_expect "$s" "last known: STOP (area full), [0-9]* s ago"
door_lacks "$s" "STOP: area full" || fail "offline door still shows the STOP as current"
note "offline at STOP: '$(door_screen "$s" | grep -o 'last known: [^ ].*ago')'"
echo "ok $TEST_NAME"
