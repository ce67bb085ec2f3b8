#!/usr/bin/env bash
# A replaced device: a terminal whose journal is gone starts a new
# incarnation, and its new counts are added, not refused as duplicates.
#
# t1 presses 300 times and finishes (all acknowledged); its journal
# (with -wal and -shm) is deleted, as when a terminal's SD card is
# swapped. Restarted with the same id, it must create a new journal with
# a new incarnation and number its batches from 1 again; its 200 new
# presses must be applied (acknowledged "duplicate":false) and added to
# the old ones, which stay in the ledger. t2 counts at the same time for
# the same area, undisturbed. Then the journal is deleted once more while
# the aggregator is down, to show the same across an aggregator restart.
# Ends with THE invariant, the deleted journals' presses counted via
# FT_EXTRA_IN / FT_EXTRA_OUT.
. "$(dirname "$0")/faults.sh"

ft_seed
port=$(free_port)
db="$WORK/agg.db"
FT_BATCH_MS=80
FT_PACE_LINES=10
FT_PACE_SLEEP=0.03
ft_venue "$WORK/venue.ini" "$db" t1:hall t2:hall
start_aggregator "$WORK/venue.ini" "$port"

# run_t1 N: t1 presses N fresh presses and finishes; the presses file
# holds only this incarnation's presses.
run_t1() {
	write_presses "$WORK/t1.presses" "$1" $((SEED + RANDOM))
	ft_start_terminal t1 "$HC_WS://127.0.0.1:$port" 0
}

# replace_t1: remembers t1's journal sums, then deletes the journal.
replace_t1() {
	FT_EXTRA_IN[t1]=$((${FT_EXTRA_IN[t1]:-0} + $(status_field "$WORK/t1.db" pressed_in)))
	FT_EXTRA_OUT[t1]=$((${FT_EXTRA_OUT[t1]:-0} + $(status_field "$WORK/t1.db" pressed_out)))
	rm -f "$WORK/t1.db" "$WORK/t1.db-wal" "$WORK/t1.db-shm"
}

write_presses "$WORK/t2.presses" 600 $((SEED + 7))
FT_PACE_SLEEP=0.1 ft_start_terminal t2 "$HC_WS://127.0.0.1:$port" 0
run_t1 300
wait "${TPID[t1]}" || fail "t1 (first journal) exited with an error"
ft_check_fed t1
inc1=$(status_field "$WORK/t1.db" incarnation)
seq1=$(status_field "$WORK/t1.db" last_seq)
note "t1 incarnation $inc1: 300 presses in $seq1 batches"

replace_t1
run_t1 200
wait "${TPID[t1]}" || fail "t1 (second journal) exited with an error"
ft_check_fed t1
inc2=$(status_field "$WORK/t1.db" incarnation)
[ "$inc2" != "$inc1" ] || fail "t1 kept incarnation $inc1 after its journal was deleted"
grep -q "new journal for terminal t1, incarnation $inc2" "$WORK/t1.log" || fail "t1 did not log its new journal"
[ "$(ft_sql "$db" "select min(seq) from ledger where source = 't1' and incarnation = '$inc2'")" = 1 ] ||
	fail "t1's new incarnation does not start at seq 1"
dup=$(ft_sql "$WORK/t1.db" "select count(*) from batches where duplicate != 0")
[ "$dup" = 0 ] || fail "$dup batches of t1's new incarnation were acknowledged as duplicates (refused)"
[ "$(ft_sql "$db" "select count(*) from ledger where source = 't1' and incarnation = '$inc1'")" = "$seq1" ] ||
	fail "t1's old incarnation lost ledger rows"
note "t1 incarnation $inc2: 200 more presses applied from seq 1, none refused; old rows kept"

# Once more, across an aggregator restart.
kill9 "$AGG_PID"
replace_t1
run_t1 100
sleep 0.5
start_aggregator "$WORK/venue.ini" "$port"
wait "${TPID[t1]}" || fail "t1 (third journal) exited with an error"
ft_check_fed t1
inc3=$(status_field "$WORK/t1.db" incarnation)
[ "$(ft_sql "$db" "select count(distinct incarnation) from ledger where source = 't1'")" = 3 ] ||
	fail "ledger holds $(ft_sql "$db" "select count(distinct incarnation) from ledger where source = 't1'") incarnations of t1, want 3"
note "t1 incarnation $inc3 after an aggregator restart: added"

ft_wait_terminals 60
ft_check_fed t2
ft_check_invariant "$port" "$db"
total_t1=$(ft_sql "$db" "select sum(entered) + sum(exited) from ledger where source = 't1'")
[ "$total_t1" = 600 ] || fail "ledger holds $total_t1 presses of t1 over three journals, want 600"
echo "ok $TEST_NAME"
