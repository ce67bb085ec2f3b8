#!/usr/bin/env bash
# run-soak.sh — hours of steady load with periodic faults (`make soak`).
#
# Three terminals press steadily (HC_SOAK_RATE presses per second each,
# default 5): t1 connects directly, t2 and t3 through hc_faultproxy. For
# HC_SOAK_SECONDS (default 3600):
#   - every HC_SOAK_AGG_KILL_S (default 240 s, at most a third of the run)
#     the aggregator is SIGKILLed and restarted;
#   - every HC_SOAK_RESET_S (default 45 s) one proxy resets its
#     connections (every third time: reset-mid-frame instead);
#   - every HC_SOAK_TERM_KILL_S (default 600 s, at most half the run) one
#     terminal is SIGKILLed and restarted with the presses its journal
#     does not hold.
# Every HC_SOAK_REPORT_S (default 60 s) it prints one line per process:
#   soak t=<s> <name> pid=<pid> rss_kb=<VmRSS> fds=<open fds>
# (a process restarted by a fault starts a new series). At the end the
# input stops, every terminal must get all its presses acknowledged, and
# THE invariant (tests/integration/faults.sh) must hold. Not part of
# `make test`; try it short with HC_SOAK_SECONDS=120.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/faults.sh

ft_seed
SOAK_S=${HC_SOAK_SECONDS:-3600}
RATE=${HC_SOAK_RATE:-5}
REPORT_S=${HC_SOAK_REPORT_S:-60}
AGG_KILL_S=${HC_SOAK_AGG_KILL_S:-$((SOAK_S / 3 < 240 ? SOAK_S / 3 : 240))}
TERM_KILL_S=${HC_SOAK_TERM_KILL_S:-$((SOAK_S / 2 < 600 ? SOAK_S / 2 : 600))}
RESET_S=${HC_SOAK_RESET_S:-45}
FT_PROXY_MAX_S=$((SOAK_S + 600))
FT_BATCH_MS=${HC_SOAK_BATCH_MS:-2000}
FT_PACE_LINES=1
FT_PACE_SLEEP=$(awk -v r="$RATE" 'BEGIN { printf "%.3f", 1 / r }')
echo "soak: ${SOAK_S} s, 3 terminals x $RATE presses/s, batch ${FT_BATCH_MS} ms;" \
	"aggregator kill every ${AGG_KILL_S} s, proxy reset every ${RESET_S} s," \
	"terminal kill every ${TERM_KILL_S} s; work dir $WORK"

port=$(free_port)
p2=$(free_port)
p3=$(free_port)
db="$WORK/agg.db"
ft_venue "$WORK/venue.ini" "$db" t1:hall t2:hall t3:yard
start_aggregator "$WORK/venue.ini" "$port"
ft_start_proxy px2 "$p2" "$port"
ft_start_proxy px3 "$p3" "$port"
i=0
for t in t1 t2 t3; do
	# Enough lines for the whole run (feeding stops at the end anyway).
	write_presses "$WORK/$t.presses" $((SOAK_S * RATE + 100)) $((SEED + i))
	i=$((i + 1))
done
ft_start_terminal t1 "$HC_WS://127.0.0.1:$port" 0
ft_start_terminal t2 "$HC_WS://127.0.0.1:$p2" 0
ft_start_terminal t3 "$HC_WS://127.0.0.1:$p3" 0

report() {
	local t=$1 name pid
	for name in aggregator t1 t2 t3 px2 px3; do
		case $name in
		aggregator) pid=$AGG_PID ;;
		t?) pid=${TPID[$name]} ;;
		px?) pid=${FT_PROXY_PID[$name]} ;;
		esac
		echo "soak t=${t}s $name pid=$pid rss_kb=$(ft_rss_kb "$pid") fds=$(ft_fds "$pid")"
	done
}

start=$SECONDS
next_report=$REPORT_S
next_agg_kill=$AGG_KILL_S
next_reset=$RESET_S
next_term_kill=$TERM_KILL_S
resets=0
agg_kills=0
term_kills=0
report 0
while [ $((SECONDS - start)) -lt "$SOAK_S" ]; do
	sleep 1
	now=$((SECONDS - start))
	if [ "$now" -ge "$next_agg_kill" ]; then
		kill9 "$AGG_PID"
		sleep "0.$((RANDOM % 9))"
		start_aggregator "$WORK/venue.ini" "$port"
		agg_kills=$((agg_kills + 1))
		echo "soak t=${now}s fault: aggregator killed and restarted"
		next_agg_kill=$((next_agg_kill + AGG_KILL_S))
	fi
	if [ "$now" -ge "$next_reset" ]; then
		px=px$((2 + RANDOM % 2))
		resets=$((resets + 1))
		cmd=reset
		[ $((resets % 3)) -eq 0 ] && cmd=reset-mid-frame
		ft_proxy "$px" "$cmd"
		echo "soak t=${now}s fault: $px $cmd"
		next_reset=$((next_reset + RESET_S))
	fi
	if [ "$now" -ge "$next_term_kill" ]; then
		t=t$((1 + RANDOM % 3))
		ft_restart_terminal "$t"
		term_kills=$((term_kills + 1))
		echo "soak t=${now}s fault: $t killed and restarted"
		next_term_kill=$((next_term_kill + TERM_KILL_S))
	fi
	if [ "$now" -ge "$next_report" ]; then
		report "$now"
		next_report=$((next_report + REPORT_S))
	fi
done

# Stop pressing: the feeders end, each terminal reads what is left in its
# FIFO, gets everything acknowledged and exits.
report "$((SECONDS - start))"
for t in t1 t2 t3; do kill9 "${FPID[$t]}"; done
ft_wait_terminals 120
ft_check_invariant "$port" "$db"
echo "soak: $((SECONDS - start)) s; presses $(ft_sql "$db" 'select sum(entered) + sum(exited) from ledger');" \
	"ledger rows $(ft_sql "$db" 'select count(*) from ledger'); aggregator kills $agg_kills," \
	"proxy faults $resets, terminal kills $term_kills;" \
	"reconnects $(cat "$WORK"/t?.log | grep -c 'link: connected to')"
echo "ok soak"
