#!/usr/bin/env bash
# Quitting the door takes a confirmation: a single 'q' only asks
# ("quit? y/n" on the last row) and the door keeps running; presses made
# while it asks still count; 'n' withdraws, the question also lapses by
# itself after 5 s; 'q' then 'y', or 'q' twice, quits with every press
# journaled and acknowledged. Ctrl-C and SIGTERM still stop at once and
# cleanly (journal closed, presses kept).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
door_venue "$port"
s="hc-door-quit-$$"
door_start "$s" k1 "$port" 80 24
door_expect "$s" "ENTRY OPEN"

tmux send-keys -t "$s" q
door_expect "$s" "quit? y/n" 3
sleep 0.5
door_gone "$s" && fail "a single q quit the door"
tmux send-keys -t "$s" i
door_expect "$s" "1 / 3" 5
door_has "$s" "quit? y/n" || fail "a press withdrew the quit question"
tmux send-keys -t "$s" n
door_expect_gone "$s" "quit? y/n" 3
door_expect "$s" "q: quit" 3
door_gone "$s" && fail "q, n quit the door"
note "q asks, a press while it asks counts (1 / 3), n withdraws"

tmux send-keys -t "$s" q
door_expect "$s" "quit? y/n" 3
door_expect_gone "$s" "quit? y/n" 8
door_gone "$s" && fail "an unanswered q quit the door"
note "an unanswered q lapses after about 5 s"

tmux send-keys -t "$s" i q y
wait_until 10 door_gone "$s" || { door_screen "$s" >&2; fail "q y did not quit"; }
[ "$(status_field "$WORK/k1.db" pressed_in)" = 2 ] || fail "journal pressed_in $(status_field "$WORK/k1.db" pressed_in), want 2"
note "q y quits; both presses journaled"

door_start "$s" k1 "$port" 80 24
door_expect "$s" "ENTRY OPEN"
tmux send-keys -t "$s" i q q
wait_until 10 door_gone "$s" || { door_screen "$s" >&2; fail "q q did not quit"; }
[ "$(status_field "$WORK/k1.db" pressed_in)" = 3 ] || fail "journal pressed_in $(status_field "$WORK/k1.db" pressed_in), want 3"
note "q q quits too"

# Ctrl-C (SIGINT through the tty) and SIGTERM: no question asked.
door_start "$s" k1 "$port" 80 24
door_expect "$s" "3 / 3"
tmux send-keys -t "$s" o
door_expect "$s" "2 / 3" 5
tmux send-keys -t "$s" C-c
wait_until 10 door_gone "$s" || { door_screen "$s" >&2; fail "Ctrl-C did not stop the door"; }
grep -q "stopping on signal 2" "$WORK/k1.log" || fail "Ctrl-C: no clean stop in the log"
door_start "$s" k1 "$port" 80 24
door_expect "$s" "2 / 3"
pid=$(tmux display -p -t "$s" '#{pane_pid}')
tmux send-keys -t "$s" o
door_expect "$s" "1 / 3   level: low   not yet acknowledged: 0" 5
kill -TERM "$pid"
wait_until 10 door_gone "$s" || fail "SIGTERM did not stop the door"
grep -q "stopping on signal 15" "$WORK/k1.log" || fail "SIGTERM: no clean stop in the log"
[ "$(status_field "$WORK/k1.db" pressed_out)" = 2 ] || fail "journal pressed_out $(status_field "$WORK/k1.db" pressed_out), want 2"
[ "$(status_field "$WORK/k1.db" pending_out)" = 0 ] || fail "exits left unacknowledged"
[ "$(api_area "$port" booth occupancy)" = 1 ] || fail "booth occupancy $(api_area "$port" booth occupancy), want 1"
note "Ctrl-C and SIGTERM stop at once, cleanly; 3 in, 2 out journaled and counted"
echo "ok $TEST_NAME"
