#!/usr/bin/env bash
# Exactly-once counting through network faults (tests/tools/hc_faultproxy).
#
# Three terminals press steadily for ~45 s: ta and tb each connect
# through their own hc_faultproxy, tc connects directly (a control that
# must be undisturbed). The proxies inject, in this order:
#   1. reset           both: RST mid-stream
#   2. reset-mid-frame both: half a frame forwarded, then RST
#   3. stall           ta for 7 s (past the 5 s resend timer), then resume;
#      delay 6000      tb: every chunk held 6 s each way, so acks arrive
#                      after the resend timer and resends cross them
#   4. partition       ta for 20 s: longer than the batch interval and the
#                      15 s keepalive hang-up; new connections are refused;
#                      meanwhile tb is stalled 3 s and reset again
#   5. heal            and the presses end
# Then every terminal must get all its presses acknowledged, and THE
# invariant holds (faults.sh). The proxies' counters must show each
# fault happened (a cut mid-frame, refused connections, delayed chunks),
# and ta's log must show it reconnected after the partition.
. "$(dirname "$0")/faults.sh"

ft_seed
port=$(free_port)
pa=$(free_port)
pb=$(free_port)
db="$WORK/agg.db"
PRESSES=${HC_NET_PRESSES:-900}
FT_BATCH_MS=200
FT_PACE_LINES=4
FT_PACE_SLEEP=0.2              # 4 presses / 0.2 s: 900 presses in ~45 s

ft_venue "$WORK/venue.ini" "$db" ta:north tb:north tc:south
start_aggregator "$WORK/venue.ini" "$port"
ft_start_proxy pxa "$pa" "$port"
ft_start_proxy pxb "$pb" "$port"
i=0
for t in ta tb tc; do
	write_presses "$WORK/$t.presses" "$PRESSES" $((SEED + i))
	i=$((i + 1))
done
ft_start_terminal ta "$HC_WS://127.0.0.1:$pa" 0
ft_start_terminal tb "$HC_WS://127.0.0.1:$pb" 0
ft_start_terminal tc "$HC_WS://127.0.0.1:$port" 0

connected() { grep -c 'link: connected to' "$WORK/$1.log" || true; }
wait_until 10 grep -q 'link: connected to' "$WORK/ta.log" || fail "ta never connected through the proxy"
wait_until 10 grep -q 'link: connected to' "$WORK/tb.log" || fail "tb never connected through the proxy"

sleep "1.$((RANDOM % 9))"
ft_proxy pxa reset
ft_proxy pxb reset
note "reset both proxies"

sleep "2.$((RANDOM % 9))"
ft_proxy pxa reset-mid-frame
ft_proxy pxb reset-mid-frame
note "reset-mid-frame armed on both"

sleep 2
ft_proxy pxa stall
ft_proxy pxb "delay 6000"
note "ta stalled, tb delayed 6 s each way"
sleep 7
ft_proxy pxa resume
note "ta resumed after 7 s"
sleep 4
ft_proxy pxb "delay 0"
note "tb delay off"

before=$(connected ta)
ft_proxy pxa partition
note "ta partitioned for 20 s"
sleep 3
ft_proxy pxb stall
sleep 3
ft_proxy pxb resume
ft_proxy pxb reset
sleep 14
ft_proxy pxa heal
note "ta healed"

reconnected_since() { [ "$(connected "$1")" -gt "$2" ]; }
wait_until 20 reconnected_since ta "$before" || fail "ta did not reconnect within 20 s of the heal"
ft_wait_terminals 60
for t in ta tb tc; do ft_check_fed "$t"; done
ft_check_invariant "$port" "$db"

ft_stop_proxy pxa
ft_stop_proxy pxb
cut=$(ft_proxy_counter pxa cut_mid_frame)+$(ft_proxy_counter pxb cut_mid_frame)
refused=$(ft_proxy_counter pxa refused)
delayed=$(ft_proxy_counter pxb delayed_chunks)
[ $((cut)) -ge 1 ] || fail "no connection was cut mid-frame (counters: $cut)"
[ "$refused" -ge 1 ] || fail "ta never retried during the partition (refused=$refused)"
[ "$delayed" -ge 1 ] || fail "no chunk was delayed on tb"
[ "$(connected tc)" = 1 ] || fail "tc (direct) reconnected $(connected tc) times; faults leaked to it"
# A resend of a batch is the same batch: a terminal that keeps its window
# of HC_INFLIGHT_BATCHES_MAX batches must not be closed with 4008 because
# a stalled link delivered its originals and its resends together.
if grep -q 'code 4008' "$WORK"/t?.log; then
	grep -h 'code 4008' "$WORK"/t?.log | head -n 3 >&2
	fail "aggregator closed a terminal with 4008 (too many in flight) after a stall: it counts resends of an in-flight batch as more batches (aggregator/terminal_role.c on_batch)"
fi
note "reconnects: ta $(connected ta), tb $(connected tb), tc $(connected tc); cut mid-frame $((cut)); refused during partition $refused; delayed chunks $delayed"
echo "ok $TEST_NAME"
