#!/usr/bin/env bash
# The door's panel after a window resize: the area name, the figure and
# the ENTRY OPEN / STOP banner are redrawn at once at every new size,
# shrinking and growing, with nothing the person pressed lost. (ncurses
# only hears of a resize through getch(), which the panel never calls;
# without its own size check the banner stays where the old width put
# it, off screen or cut.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
door_venue "$port"
s="hc-door-resize-$$"
door_start "$s" k1 "$port" 100 30
door_expect "$s" "ENTRY OPEN"
door_expect "$s" "Photo booth"
tmux send-keys -t "$s" i
door_expect "$s" "1 / 3"

# shows_all SESSION BANNER FIGURE: name, figure and banner all visible,
# and the banner centred for the current width.
shows_all() {
	local screen width line
	screen=$(door_screen "$1")
	width=$(tmux display -p -t "$1" '#{pane_width}')
	grep -q "Photo booth" <<<"$screen" || return 1
	grep -q -- "$3" <<<"$screen" || return 1
	line=$(grep -- "$2" <<<"$screen" | head -n 1) || return 1
	local lead=${line%%"$2"*}
	[ $(( ${#lead} * 2 + ${#2} - width )) -le 1 ] &&
		[ $(( ${#lead} * 2 + ${#2} - width )) -ge -1 ]
}

for size in 60x20 40x12 120x40 44x14 80x24; do
	door_resize "$s" "${size%x*}" "${size#*x}"
	wait_until 3 shows_all "$s" "ENTRY OPEN" "1 / 3" ||
		{ door_screen "$s" >&2; fail "after resize to $size the panel lost its name, figure or banner"; }
	note "$size: name, figure 1 / 3 and a centred ENTRY OPEN redrawn"
done

# A state change between resizes is drawn at the new size too.
door_resize "$s" 40 12
tmux send-keys -t "$s" i i
wait_until 5 shows_all "$s" "STOP: area full" "3 / 3" ||
	{ door_screen "$s" >&2; fail "STOP not drawn in full at 40x12"; }
door_resize "$s" 100 30
wait_until 3 shows_all "$s" "STOP: area full" "3 / 3" ||
	{ door_screen "$s" >&2; fail "STOP lost after growing to 100x30"; }
note "STOP at 40x12, still whole after growing back to 100x30"
[ "$(api_area "$port" booth occupancy)" = 3 ] || fail "booth occupancy $(api_area "$port" booth occupancy), want 3"
echo "ok $TEST_NAME"
