#!/usr/bin/env bash
# The terminal as staff use it: keyboard and full-screen panel in a real
# tty (tmux). Keys i/o count people in and out; the panel shows the
# figure, ONLINE, and turns from ENTRY OPEN to STOP when the area fills
# and back when people leave; q asks, y quits cleanly with everything
# journaled.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || fail "tmux not installed"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area booth]
name = Photo booth
capacity = 3
resume_at = 0.6
hold_s = 0
[terminal k1]
area = booth
INI
start_aggregator "$WORK/venue.ini" "$port"

session="hc-screen-$$"
export TMUX_TMPDIR=$WORK
tmux new-session -d -s "$session" -x 100 -y 30 \
	"$TERM_BIN --id k1 --url ws://127.0.0.1:$port --journal $WORK/k1.db --batch-interval-ms 100 --input keyboard --display screen 2>$WORK/k1.log"
HC_ON_EXIT='tmux kill-session -t "$session"'

screen() { tmux capture-pane -p -t "$session"; }
screen_has() { grep -q -- "$1" <<<"$(screen)"; }
expect_screen() {
	wait_until 10 screen_has "$1" || { screen >&2; fail "screen never showed '$1'"; }
}

expect_screen "ENTRY OPEN"
expect_screen "ONLINE"
expect_screen "Photo booth"

tmux send-keys -t "$session" i i i
expect_screen "STOP"
wait_until 5 bash -c "[ \"\$(curl -sf http://127.0.0.1:$port/api/areas | jq '.[0].restricted')\" = true ]" ||
	fail "aggregator did not restrict the booth"
note "3 in: screen shows STOP"

tmux send-keys -t "$session" o o
expect_screen "ENTRY OPEN"
[ "$(api_area "$port" booth occupancy)" = 1 ] || fail "booth occupancy $(api_area "$port" booth occupancy), want 1"
note "2 out: screen shows ENTRY OPEN again"

tmux send-keys -t "$session" q
expect_screen "quit? y/n"
tmux send-keys -t "$session" y
gone() { ! tmux has-session -t "$session" 2>/dev/null; }
wait_until 10 gone || fail "q y did not quit the terminal"
[ "$(status_field "$WORK/k1.db" pressed_in)" = 3 ] || fail "journal pressed_in != 3"
[ "$(status_field "$WORK/k1.db" pressed_out)" = 2 ] || fail "journal pressed_out != 2"
[ "$(status_field "$WORK/k1.db" pending_in)" = 0 ] || fail "presses left unacknowledged"
echo "ok $TEST_NAME"
