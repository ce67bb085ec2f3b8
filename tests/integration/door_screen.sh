# shellcheck shell=bash
# door_screen.sh — helpers for the door-screen tests in tmux
# (test_door_screen_*.sh): a venue of two areas in one group, a door with
# keyboard and full-screen panel in a tmux pane, and bounded waits on
# what the pane shows.
#
# Sourced after lib.sh. Needs tmux (the tests SKIP with 77 without it).
# Everything it starts is killed on exit by lib.sh's cleanup.

command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
export TMUX_TMPDIR=$WORK
DOOR_SESSIONS=()
HC_ON_EXIT='for s in "${DOOR_SESSIONS[@]:-}"; do [ -n "$s" ] && tmux kill-session -t "$s"; done'

# door_venue PORT: writes $WORK/venue.ini and starts the aggregator on
# PORT. Booth (capacity 3) and lawn (capacity 100) are areas of the
# group "The park" (capacity 4); doors k1 at the booth, k2 on the lawn;
# supervisor alice.
door_venue() {
	cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[group park]
name = The park
capacity = 4
hold_s = 0
[area booth]
name = ${BOOTH_NAME:-Photo booth}
capacity = 3
resume_at = 0.6
hold_s = 0
group = park
[area lawn]
name = Lawn
capacity = 100
group = park
[terminal k1]
area = booth
[terminal k2]
area = lawn
[supervisor alice]
INI
	set_supervisor_password "$WORK/venue.ini" alice correct-horse
	start_aggregator "$WORK/venue.ini" "$1"
}

# door_start SESSION ID PORT COLS ROWS: the door ID in a new tmux session
# of COLS x ROWS, keyboard input, screen display, log in $WORK/ID.log.
# exec: the pane's process is the terminal itself (for signals).
door_start() {
	local session=$1 id=$2 port=$3 cols=$4 rows=$5
	DOOR_SESSIONS+=("$session")
	tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
		"exec $TERM_BIN --id $id --url ws://127.0.0.1:$port --journal $WORK/$id.db --batch-interval-ms 100 --input keyboard --display screen 2>>$WORK/$id.log"
}

# door_screen SESSION: the pane's text, one line per row.
door_screen() { tmux capture-pane -p -t "$1"; }

# door_row SESSION N: row N (1 = top) of the pane.
door_row() { door_screen "$1" | sed -n "${2}p"; }

door_has() { grep -q -- "$2" <<<"$(door_screen "$1")"; }
door_lacks() { ! grep -q -- "$2" <<<"$(door_screen "$1")"; }

# door_expect SESSION TEXT [SECONDS]: waits until the pane shows TEXT.
door_expect() {
	wait_until "${3:-10}" door_has "$1" "$2" ||
		{ door_screen "$1" >&2; fail "screen never showed '$2'"; }
}

# door_expect_gone SESSION TEXT [SECONDS]: waits until TEXT is gone.
door_expect_gone() {
	wait_until "${3:-10}" door_lacks "$1" "$2" ||
		{ door_screen "$1" >&2; fail "screen still shows '$2'"; }
}

# door_gone SESSION: true once the door (and so its session) ended.
door_gone() { ! tmux has-session -t "$1" 2>/dev/null; }

# door_resize SESSION COLS ROWS: resizes the window; waits until the pane
# has that size.
door_resize() {
	tmux resize-window -t "$1" -x "$2" -y "$3"
	size_is() { [ "$(tmux display -p -t "$1" '#{pane_width}x#{pane_height}')" = "$2" ]; }
	wait_until 5 size_is "$1" "${2}x${3}" || fail "pane never became ${2}x${3}"
}

# door_presses ID PORT N [in|out]: N presses (ENTER unless out) from
# door ID's stdin backend; returns once all are acknowledged. Its line
# display goes to $WORK/ID.out.
door_presses() {
	local key=${4:-in}
	for _ in $(seq 1 "$3"); do echo "$key"; done | timeout 20 "$TERM_BIN" --id "$1" \
		--url "ws://127.0.0.1:$2" --journal "$WORK/$1.db" \
		--batch-interval-ms 100 --exit-when-acked \
		>>"$WORK/$1.out" 2>>"$WORK/$1.log" || fail "door $1 did not deliver $3 presses"
}
