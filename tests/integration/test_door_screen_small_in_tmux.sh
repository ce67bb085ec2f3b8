#!/usr/bin/env bash
# The door's panel at 40x12, the smallest full layout: every row holds
# one thing and nothing overlaps — the header keeps the area name (cut)
# and the terminal id apart, the figure and the entry state are always
# on screen, the help line is the last row; with three warnings at once
# (refused id, stale figure, offline) still nothing is pushed off. Below
# 40x12 the first line says the window is too small and the second still
# gives figure and entry state.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
BOOTH_NAME="Photo booth by the north gate, left side of the hall"
door_venue "$port"
s="hc-door-small-$$"
door_start "$s" k1 "$port" 40 12
door_expect "$s" "ENTRY OPEN"
tmux send-keys -t "$s" i i
door_expect "$s" "2 / 3"

screen=$(door_screen "$s")
[ "$(wc -l <<<"$screen")" -eq 12 ] || fail "pane is not 12 rows: $screen"
header=$(door_row "$s" 1)
# Name cut to make room, two blanks at least, the id at the right edge.
[[ $header =~ ^Photo\ booth\ by\ the\ north[^\ ]*.*\ \ +k1\ *$ ]] ||
	{ echo "$screen" >&2; fail "header at 40 columns overlaps or lost a part: '$header'"; }
grep -q "ENTRY OPEN" <<<"$screen" || fail "no banner at 40x12"
status=$(grep -n "^ONLINE" <<<"$screen") || { echo "$screen" >&2; fail "no status line at 40x12"; }
grep -q "2 / 3" <<<"$status" || fail "status line lacks the figure: $status"
[[ $(door_row "$s" 12) == "i/+ ENTER  o/- EXIT  u UNDO  q quit"* ]] ||
	{ echo "$screen" >&2; fail "last row is not the help line"; }
banner_row=$(grep -n "ENTRY OPEN" <<<"$screen" | cut -d: -f1)
[ "$banner_row" -lt "${status%%:*}" ] || fail "banner below the status line"
note "40x12: header '$(sed 's/  */ /g' <<<"$header")', banner row $banner_row, status row ${status%%:*}, help row 12"

# Three warnings at 40x12: the door is offline with a stale figure and
# its id is refused once the aggregator is back without it.
kill9 "$AGG_PID"
door_expect "$s" "last known: OPEN"
door_expect "$s" "FIGURE STALE" 25
sed -i '/^\[terminal k1\]/,/^area = booth/d' "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"
door_expect "$s" "refused: unknown terminal k1" 20
screen=$(door_screen "$s")
for want in "last known: OPEN" "2 / 3" "refused: unknown terminal k1" "FIGURE STALE" "^OFFLINE" "q quit"; do
	grep -q -- "$want" <<<"$screen" || { echo "$screen" >&2; fail "at 40x12 with warnings, '$want' is missing"; }
done
[ "$(grep -c . <<<"$screen")" -le 12 ] || fail "more than 12 rows"
note "40x12 with three warnings: last known state, figure, refusal, stale, help all shown"

# Below the minimum: one clear line, then figure and state.
door_resize "$s" 39 11
door_expect "$s" "window too small: 40x12 needed" 3
second=$(door_row "$s" 2)
[[ $second == "2 / 3 last known: OPEN"* ]] ||
	{ door_screen "$s" >&2; fail "below 40x12 the second line lacks figure and state"; }
door_resize "$s" 40 12
door_expect_gone "$s" "window too small" 3
note "39x11: 'window too small' then '${second%"${second##*[! ]}"}'; back at 40x12 the full layout"
echo "ok $TEST_NAME"
