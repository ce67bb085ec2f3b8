#!/usr/bin/env bash
# Exactly-once counting through random SIGKILLs of both sides.
#
# HC_CRASH_TERMINALS terminals (default 4, over 2 areas) press steadily
# for about HC_CRASH_SECONDS (default 35) — HC_CRASH_PRESSES presses each
# (default 1500). Meanwhile the aggregator and the terminals are
# SIGKILLed at random, at least HC_CRASH_KILLS_MIN times (default 20).
# Most kills are aimed at a moment when work is in flight: right after a
# terminal logs "batch N cut" (the batch is stored and being sent; its
# commit and ack have not happened yet), so the crash lands between send
# and commit, between commit and ack, or between ack and journal. A
# killed terminal is restarted with the lines its journal does not hold;
# a killed aggregator is restarted after 0-0.4 s.
#
# At the end every terminal must exit with all presses acknowledged, its
# journal must hold exactly the presses fed, and THE invariant must hold
# (faults.sh). Printed figures: presses, kills, reconnects (terminals'
# "link: connected" lines), batches cut, ledger rows, batches sent
# (terminals' "sending batch" debug lines) and duplicates the aggregator
# acknowledged without applying ("is a duplicate" debug lines).
#
# Big run (docs/reliability.md):
#   HC_CRASH_TERMINALS=10 HC_CRASH_PRESSES=10000 bash tests/integration/test_fault_crashes.sh
. "$(dirname "$0")/faults.sh"

ft_seed
N_TERM=${HC_CRASH_TERMINALS:-4}
PRESSES=${HC_CRASH_PRESSES:-1500}
KILLS_MIN=${HC_CRASH_KILLS_MIN:-20}
DEFAULT_SECONDS=$((PRESSES / 100 > 35 ? PRESSES / 100 : 35))
RUN_SECONDS=${HC_CRASH_SECONDS:-$DEFAULT_SECONDS}
port=$(free_port)
db="$WORK/agg.db"

# Pace: bursts of 10 presses spread so that feeding lasts ~RUN_SECONDS.
FT_PACE_LINES=10
FT_PACE_SLEEP=$(awk -v s="$RUN_SECONDS" -v p="$PRESSES" 'BEGIN { printf "%.3f", s * 10 / p }')
FT_BATCH_MS=100
FT_TERM_ARGS=(--verbose)

pairs=()
for i in $(seq 1 "$N_TERM"); do
	pairs+=("t$i:$([ $((i % 2)) -eq 1 ] && echo north || echo south)")
done
ft_venue "$WORK/venue.ini" "$db" "${pairs[@]}"
echo "$N_TERM terminals x $PRESSES presses over ~${RUN_SECONDS} s; at least $KILLS_MIN kills"

start_aggregator "$WORK/venue.ini" "$port" --verbose
i=0
for p in "${pairs[@]}"; do
	t=${p%%:*}
	write_presses "$WORK/$t.presses" "$PRESSES" $((SEED + i))
	i=$((i + 1))
	ft_start_terminal "$t" "$HC_WS://127.0.0.1:$port" 0
done

# cuts T: "batch N cut" lines terminal T logged so far.
cuts() { grep -c ' cut: ' "$WORK/$1.log" 2>/dev/null || true; }

# wait_for_cut T: returns as soon as T logs a new cut (up to 1 s), so the
# kill that follows lands while that batch is in flight.
wait_for_cut() {
	local before
	before=$(cuts "$1")
	for _ in $(seq 1 50); do
		[ "$(cuts "$1")" -gt "$before" ] && return 0
		sleep 0.02
	done
	return 0
}

feeding() {
	local t
	for t in "${FT_TERMINALS[@]}"; do
		kill -0 "${FPID[$t]}" 2>/dev/null && return 0
	done
	return 1
}

kills_agg=0
kills_term=0
kills_in_flight=0
end=$((SECONDS + RUN_SECONDS * 3 + 60))
while feeding || [ $((kills_agg + kills_term)) -lt "$KILLS_MIN" ]; do
	[ $SECONDS -lt $end ] || fail "kill phase did not end in time"
	sleep "0.$((2 + RANDOM % 12))"
	t=t$((1 + RANDOM % N_TERM))
	aimed=$((RANDOM % 4 != 0))     # 3 kills in 4 aim at a batch in flight
	if [ $((RANDOM % 10)) -lt 4 ]; then
		if [ $aimed = 1 ] && ft_terminal_running "$t"; then
			wait_for_cut "$t"
			kills_in_flight=$((kills_in_flight + 1))
		fi
		kill9 "$AGG_PID"
		kills_agg=$((kills_agg + 1))
		sleep "0.$((RANDOM % 5))"
		start_aggregator "$WORK/venue.ini" "$port" --verbose
	else
		ft_terminal_running "$t" || continue   # finished: nothing to kill
		if [ $aimed = 1 ]; then
			wait_for_cut "$t"
			kills_in_flight=$((kills_in_flight + 1))
		fi
		ft_restart_terminal "$t"
		kills_term=$((kills_term + 1))
	fi
done
note "kills: aggregator $kills_agg, terminals $kills_term ($kills_in_flight right after a batch was cut)"

ft_wait_terminals $((60 + PRESSES / 50))
for t in "${FT_TERMINALS[@]}"; do ft_check_fed "$t"; done
ft_check_invariant "$port" "$db"

presses=$((N_TERM * PRESSES))
reconnects=$(for t in "${FT_TERMINALS[@]}"; do grep -c 'link: connected to' "$WORK/$t.log" || true; done | awk '{ s += $1 } END { print s }')
cut=$(for t in "${FT_TERMINALS[@]}"; do grep -c ' cut: ' "$WORK/$t.log" || true; done | awk '{ s += $1 } END { print s }')
sent=$(for t in "${FT_TERMINALS[@]}"; do grep -c 'sending batch' "$WORK/$t.log" || true; done | awk '{ s += $1 } END { print s }')
dup_acks=$(for t in "${FT_TERMINALS[@]}"; do grep -c 'acknowledged (duplicate)' "$WORK/$t.log" || true; done | awk '{ s += $1 } END { print s }')
dups=$(grep -c 'is a duplicate' "$WORK/aggregator.log" || true)
rows=$(ft_sql "$db" 'select count(*) from ledger')
last_seqs=$(for t in "${FT_TERMINALS[@]}"; do status_field "${FT_JOURNAL[$t]}" last_seq; done | awk '{ s += $1 } END { print s }')
[ "$rows" = "$last_seqs" ] || fail "ledger rows $rows != batches in the journals $last_seqs"
echo "presses=$presses kills=$((kills_agg + kills_term)) (aggregator=$kills_agg terminals=$kills_term in_flight=$kills_in_flight)" \
	"reconnects=$reconnects batches_cut=$cut batches_sent=$sent resent=$((sent - cut))" \
	"duplicates_refused=$dups duplicate_acks_used=$dup_acks ledger_rows=$rows"
echo "ok $TEST_NAME"
