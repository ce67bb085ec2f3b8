#!/usr/bin/env bash
# The supervisors' dashboard as a person uses it: the real
# headcount-dashboard in a tmux pane against a real aggregator, with two
# terminals pressing (one at a door on its own full screen in tmux, one
# fed from a script). What a person would check, read with capture-pane:
#  - a row per area (one named in Japanese) and per door, the Japanese
#    name aligned with the Latin one by display width; a door's row with
#    its link, pending presses, gaps, storage faults, today's counts and
#    the version it reported;
#  - numbers that move while the doors press;
#  - a forced STOP made with keystrokes (s, a reason, y) reaching the
#    door's screen, and the dashboard saying ACCEPTED;
#  - a correction by +5 (c, +5, a reason, y) in the totals, in the
#    aggregator's audit table and in the dashboard's audit trail line;
#  - the aggregator killed: "disconnected since hh:mm:ss" and STALE, the
#    figures kept; restarted: the marker clears by itself, the correction
#    is still listed;
#  - a resize to 130 columns redraws with the last-hour column; under
#    LC_ALL=C with --no-colour only ASCII reaches the screen.
# With TLS on (lib.sh's tls_venue): the door, the script-fed terminal and
# the dashboard all connect over wss:// verified against the test CA.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
export LC_ALL=C.UTF-8
grep -qi '^c\.utf-\?8$' <<<"$(locale -a 2>/dev/null)" || { echo "SKIP: no C.UTF-8 locale"; exit 77; }
DASH=$HC_BUILD/headcount-dashboard

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = Tmux fest
database = $WORK/agg.db
[area hall]
name = Main hall
capacity = 500
[area oh]
name = 大ホール
capacity = 400
[terminal k1]
area = hall
[terminal t2]
area = oh
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse
tls_venue "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"

export TMUX_TMPDIR=$WORK
dash="hc-dash-$$"
door="hc-door-$$"
tmux new-session -d -s "$door" -x 80 -y 24 \
	"$TERM_BIN --id k1 --url $HC_WS://127.0.0.1:$port ${HC_CA_ARGS[*]} --journal $WORK/k1.db --batch-interval-ms 100 --input keyboard --display screen 2>$WORK/k1.log"
tmux new-session -d -s "$dash" -x 100 -y 30 \
	"$DASH --url $HC_WS://127.0.0.1:$port ${HC_CA_ARGS[*]} --supervisor alice --password-file $WORK/alice.password 2>$WORK/dashboard.log"
HC_ON_EXIT='tmux kill-session -t "$dash"; tmux kill-session -t "$door"'

# t2 presses ENTER 60 times over about 30 s, then stays connected.
{ for _ in $(seq 1 60); do echo in; sleep 0.5; done; sleep 60; } |
	"$TERM_BIN" --id t2 --url "$HC_WS://127.0.0.1:$port" "${HC_CA_ARGS[@]}" --journal "$WORK/t2.db" \
		--batch-interval-ms 200 --input stdin --display none >"$WORK/t2.log" 2>&1 &
HC_PIDS+=($!)

screen() { tmux capture-pane -p -t "$dash"; }
screen_has() { grep -q -- "$1" <<<"$(screen)"; }
expect_screen() {
	wait_until "${2:-10}" screen_has "$1" || { screen >&2; fail "dashboard never showed '$1'"; }
}
door_has() { grep -q -- "$1" <<<"$(tmux capture-pane -p -t "$door")"; }
# The "N/CAP" figure of an area row (by its name).
figure() { screen | grep -- "$1" | head -n 1 | grep -o '[0-9]*/[0-9]*' | head -n 1 | cut -d/ -f1; }
# Display column of the first '/' in the area row (by its name).
slash_col() { screen | grep -- "$1" | head -n 1 | sed 's|/.*||' | wc -L; }

expect_screen "connected"
expect_screen "Main hall"
expect_screen "大ホール"
expect_screen " k1 "
expect_screen " t2 "
note "area rows and door rows shown"

[ "$(slash_col 'Main hall')" = "$(slash_col '大ホール')" ] || {
	screen >&2
	fail "Japanese name not aligned: '/' at $(slash_col 'Main hall') vs $(slash_col '大ホール')"
}
note "大ホール aligned with Main hall at column $(slash_col 'Main hall')"

# Numbers move: t2's presses and three keystrokes at k1's door.
wait_until 10 bash -c "[ \"\$(tmux capture-pane -p -t $dash | grep 大ホール | grep -o '[0-9]*/400' | cut -d/ -f1)\" -ge 3 ]" ||
	{ screen >&2; fail "大ホール never moved"; }
first=$(figure '大ホール')
tmux send-keys -t "$door" i i i
wait_until 10 bash -c "tmux capture-pane -p -t $dash | grep 'Main hall' | grep -q ' 3/500'" ||
	{ screen >&2; fail "Main hall did not show the 3 presses at k1"; }
wait_until 10 bash -c "[ \"\$(tmux capture-pane -p -t $dash | grep 大ホール | grep -o '[0-9]*/400' | cut -d/ -f1)\" -gt $first ]" ||
	{ screen >&2; fail "大ホール stayed at $first"; }
note "numbers move: 大ホール $first -> $(figure '大ホール'), Main hall 3"
door_row_has() { grep -Eq -- "$2" <<<"$(grep -- " $1 " <<<"$(screen)")"; }
# The version a terminal reports starts with the release (shared/version.h).
release=$(sed -n 's/^#define HC_RELEASE "\(.*\)"$/\1/p' shared/version.h)
wait_until 10 door_row_has k1 "online +[0-9:]+ +[0-9]+ +0 +0 +3/0 ${release//./\\.}" ||
	{ screen >&2; fail "k1's row does not show online, last seen, pending, no gaps or faults, 3/0 today, $release"; }
note "door row: $(screen | grep ' k1 ' | sed 's/  */ /g')"

# Forced STOP by keystrokes; Main hall is the first row in name order.
door_has "ENTRY OPEN" || fail "door k1 does not show ENTRY OPEN before the override"
tmux send-keys -t "$dash" s
expect_screen "reason:"
tmux send-keys -t "$dash" "blocked exit" Enter
expect_screen "y/n"
tmux send-keys -t "$dash" y
expect_screen "ACCEPTED"
expect_screen "STOP forced"
wait_until 10 door_has "STOP" || { tmux capture-pane -p -t "$door" >&2; fail "k1's screen never showed STOP"; }
[ "$(api_area "$port" hall restricted)" = true ] || fail "aggregator did not restrict hall"
note "forced STOP from the keyboard reached k1's screen"

# Correction by +5 with a reason.
before=$(api_area "$port" hall occupancy)
tmux send-keys -t "$dash" c
expect_screen "signed"
tmux send-keys -t "$dash" "+5" Enter
expect_screen "reason:"
tmux send-keys -t "$dash" "recount by stewards" Enter
expect_screen "y/n"
tmux send-keys -t "$dash" y
expect_screen "correct Main hall by +5: ACCEPTED"
want=$((before + 5))
wait_until 10 bash -c "[ \"\$(curl -sf ${HC_CURL_TLS[*]} $HC_HTTP://127.0.0.1:$port/api/areas | jq '.[] | select(.id==\"hall\") | .occupancy')\" = $want ]" ||
	fail "hall occupancy $(api_area "$port" hall occupancy), want $want"
expect_screen " $want/500"
expect_screen "corrections +5 | adjusted $want"
expect_screen 'alice +5 "recount by stewards"'
[ "$(sqlite3 "$WORK/agg.db" "SELECT who || '|' || reason FROM audit WHERE action = 'correct';")" = \
	"supervisor:alice|recount by stewards" ] || fail "no audit row for the correction"
note "correction +5: totals $before -> $want, in the audit table and the audit trail line"

# The aggregator dies: stale marker, figures kept.
kill9 "$AGG_PID"
expect_screen "disconnected since [0-2][0-9]:[0-5][0-9]:[0-5][0-9], STALE"
expect_screen " $want/500"
note "aggregator killed: $(screen | grep -o 'disconnected since [0-9:]*')"

# Restarted: the marker clears by itself, the correction is still listed.
start_aggregator "$WORK/venue.ini" "$port"
wait_until 15 bash -c "! tmux capture-pane -p -t $dash | grep -q STALE" ||
	{ screen >&2; fail "stale marker still shown after the restart"; }
expect_screen "connected"
expect_screen 'alice +5 "recount by stewards"'
expect_screen "STOP forced"
note "aggregator restarted: marker cleared, correction and override still shown"

# Wider: the sparkline column appears; the rows stay aligned.
tmux resize-window -t "$dash" -x 130 -y 34
expect_screen "LAST HOUR"
[ "$(slash_col 'Main hall')" = "$(slash_col '大ホール')" ] || fail "not aligned after the resize"
note "resized to 130x34: redrawn with the last-hour column"

tmux send-keys -t "$dash" q
gone() { ! tmux has-session -t "$dash" 2>/dev/null; }
wait_until 10 gone || fail "q did not quit the dashboard"

# Without UTF-8 and without colour: ASCII bars, '?' for what cannot be
# shown, still aligned.
plain="hc-plain-$$"
tmux new-session -d -s "$plain" -x 80 -y 24 \
	"LC_ALL=C $DASH --url $HC_WS://127.0.0.1:$port ${HC_CA_ARGS[*]} --supervisor alice --password-file $WORK/alice.password --no-colour 2>>$WORK/dashboard.log"
HC_ON_EXIT='tmux kill-session -t "$plain"; tmux kill-session -t "$door"'
plain_has() { grep -q -- "$1" <<<"$(tmux capture-pane -p -t "$plain")"; }
wait_until 10 plain_has "connected" || fail "the ASCII dashboard did not connect"
wait_until 10 plain_has '^ ???? .*/400 [#.]* ' || { tmux capture-pane -p -t "$plain" >&2; fail "no ASCII fallback"; }
tmux capture-pane -p -t "$plain" | LC_ALL=C grep -q $'[\x80-\xff]' && fail "non-ASCII bytes on the ASCII screen"
tmux send-keys -t "$plain" q
note "LC_ALL=C --no-colour: ASCII only"
echo "ok $TEST_NAME"
