#!/usr/bin/env bash
# Storage faults on both sides: nothing is acknowledged that is not
# stored, nothing pressed is silently dropped, the fault is visible, and
# recovery needs nobody.
#
# The aggregator's database lives on a small tmpfs mounted under $WORK
# and terminal t2 journals on a second one; t1 journals on the ordinary
# disk. Mounting needs root: without it (or with HC_TEST_NO_ROOT=1) only
# (c), which needs none, runs, with the database on the ordinary disk;
# the scenario then prints SKIP for (a), (b) and (d) and exits 77 (SKIP)
# if (c) and the invariant held.
#
#   (a) disk full: a filler file takes the aggregator's last free byte;
#       t1 presses. No ack arrives for anything (t1's acked sums and the
#       ledger stay as they were), the log has an ERROR "storage: commit
#       ... failed" line, GET /healthz answers 503 "degraded" naming the
#       error. The filler is deleted: without a restart, every press is
#       acknowledged and /healthz is 200 again.
#   (b) read-only: Linux refuses to remount a file system read-only while
#       a file on it is open for writing (the database is), so this is the
#       read-only start: the aggregator is killed, the tmpfs remounted ro,
#       the aggregator started on it: it refuses to start (exit 1) with
#       one ERROR line naming the read-only file system, and acknowledges
#       nothing; then rw again and a restart: exact.
#   (c) SQLITE_BUSY: the sqlite3 shell holds the write lock (BEGIN
#       IMMEDIATE) for 11 s, longer than the 5 s busy timeout: same
#       expectations as (a), recovering when the lock is released.
#   (d) the terminal's journal on a full disk: t2 presses; the presses are
#       not stored, not sent and not lost: the journal holds none of them,
#       the line display shows storage=FAULT with the presses pending, an
#       ERROR "storage fault" line is logged; when space returns they are
#       stored, sent and acknowledged (INFO "storage recovered").
# Ends with THE invariant (faults.sh).
. "$(dirname "$0")/faults.sh"

ft_seed
aggfs="$WORK/aggfs"
termfs="$WORK/termfs"
mounted=yes
if ! ft_mount_tmpfs "$aggfs" 2m || ! ft_mount_tmpfs "$termfs" 1m; then
	mounted=no
	note "no root: (a) disk full, (b) read-only file system and (d) the journal on a full disk need a tmpfs mount; (c) runs on the ordinary disk"
	mkdir -p "$aggfs" "$termfs"
fi
port=$(free_port)
db="$aggfs/agg.db"
FT_BATCH_MS=200
ft_venue "$WORK/venue.ini" "$db" t1:hall t2:yard
start_aggregator "$WORK/venue.ini" "$port"
FT_JOURNAL[t2]="$termfs/t2.db"
ft_start_terminal_held t1 "$HC_WS://127.0.0.1:$port" --display none
ft_start_terminal_held t2 "$HC_WS://127.0.0.1:$port" --display line

ft_press t1 20
ft_press t2 10
wait_until 15 ft_settled t1 || fail "t1 did not settle before the faults"
wait_until 15 ft_settled t2 || fail "t2 did not settle before the faults"

ledger_sums() { ft_sql "$db" "select count(*), coalesce(sum(entered),0), coalesce(sum(exited),0) from ledger"; }
acked() { echo "$(status_field "$WORK/t1.db" acked_in) $(status_field "$WORK/t1.db" acked_out)"; }
code_is() { [ "$(ft_healthz "$port")" = "$1" ]; }
storage_error() { jq -r .storage "$WORK/healthz.json"; }

# expect_degraded LABEL PATTERN: while the fault lasts, t1's new presses
# are not acknowledged and /healthz says why.
expect_degraded() {
	local label=$1 pattern=$2
	wait_until 15 code_is 503 || fail "$label: /healthz stayed $(ft_healthz "$port") during the fault"
	grep -qi "$pattern" <<<"$(storage_error)" || fail "$label: /healthz storage is '$(storage_error)', want it to name '$pattern'"
	[ "$(jq -r .status "$WORK/healthz.json")" = degraded ] || fail "$label: /healthz status $(jq -r .status "$WORK/healthz.json")"
	[ "$(acked)" = "$acked_before" ] || fail "$label: t1 got acks during the fault: acked $(acked), before $acked_before"
	[ "$(ledger_sums)" = "$ledger_before" ] || fail "$label: the ledger changed during the fault: $(ledger_sums), before $ledger_before"
	[ "$(status_field "$WORK/t1.db" unacked_batches)" -ge 1 ] || fail "$label: t1 has no unacked batch (were the presses sent?)"
	note "$label: /healthz 503 storage=\"$(storage_error)\"; t1 acked stays $acked_before with $(status_field "$WORK/t1.db" unacked_batches) batches unacked"
}

# expect_recovered LABEL [HOW]: every press acknowledged, /healthz 200.
expect_recovered() {
	wait_until 25 ft_settled t1 || fail "$1: t1 not all acknowledged after the fault ended: $("$TERM_BIN" status --journal "$WORK/t1.db" | tr '\n' ' ')"
	wait_until 10 code_is 200 || fail "$1: /healthz still $(ft_healthz "$port") after recovery"
	note "$1: recovered ${2:-by itself}; t1 acked $(acked)"
}

if [ $mounted = yes ]; then
# (a) disk full.
acked_before=$(acked)
ledger_before=$(ledger_sums)
ft_fill "$aggfs"
ft_press t1 30
sleep 2
expect_degraded "(a) disk full" "full"
grep -q 'ERROR storage: commit .* failed' "$WORK/aggregator.log" || fail "(a) no ERROR line for the failed commit"
rm -f "$aggfs/filler"
expect_recovered "(a) disk full"
grep -q 'commits succeed again' "$WORK/aggregator.log" || fail "(a) no line saying commits succeed again"

# (b) read-only file system at start.
kill9 "$AGG_PID"
mount -o remount,ro "$aggfs" || fail "(b) cannot remount $aggfs read-only with the aggregator stopped"
acked_before=$(acked)
ft_press t1 15
rc=0
timeout 20 "$AGG" --config "$WORK/venue.ini" --listen "127.0.0.1:$port" >>"$WORK/aggregator.log" 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "(b) aggregator exited $rc on a read-only file system, want 1 (124: it kept running)"
line=$(grep ERROR "$WORK/aggregator.log" | tail -n 1)
grep -q "read-only file system" <<<"$line" || fail "(b) the ERROR line does not name the read-only file system: $line"
grep -q "$aggfs" <<<"$line" || fail "(b) the ERROR line does not name $aggfs: $line"
[ "$(acked)" = "$acked_before" ] || fail "(b) t1 got acks while no aggregator ran"
ro_mode="refused to start, exit 1: ${line#* ERROR }"
note "(b) read-only at start: $ro_mode"
mount -o remount,rw "$aggfs" || fail "(b) cannot remount $aggfs read-write"
start_aggregator "$WORK/venue.ini" "$port"
expect_recovered "(b) read-only" "after remount rw and a start"
fi

# (c) SQLITE_BUSY: the write lock held longer than the busy timeout.
acked_before=$(acked)
ledger_before=$(ledger_sums)
ft_hold_write_lock "$db" 11
ft_press t1 20
expect_degraded "(c) SQLITE_BUSY" "locked"
wait "$FT_LOCK_PID" 2>/dev/null || true
expect_recovered "(c) SQLITE_BUSY"

if [ $mounted = yes ]; then
# (d) the terminal's journal on a full disk.
j2_before=$(($(status_field "${FT_JOURNAL[t2]}" pressed_in) + $(status_field "${FT_JOURNAL[t2]}" pressed_out)))
ledger_t2() { ft_sql "$db" "select coalesce(sum(entered),0) + coalesce(sum(exited),0) from ledger where source = 't2'"; }
ft_fill "$termfs"
ft_press t2 25
faulted() { grep -q 'storage=FAULT' "$WORK/t2.log"; }
wait_until 5 faulted || fail "(d) t2's line display never showed storage=FAULT"
grep -q 'ERROR terminal t2: storage fault' "$WORK/t2.log" || fail "(d) no ERROR line for t2's storage fault"
sleep 1
j2_during=$(($(status_field "${FT_JOURNAL[t2]}" pressed_in) + $(status_field "${FT_JOURNAL[t2]}" pressed_out)))
# The first presses of the fault may still have found a free page; what
# the journal did store is sent, what it did not is held, never both.
[ "$(ledger_t2)" -le "$j2_during" ] || fail "(d) the ledger holds $(ledger_t2) presses of t2 but its journal only $j2_during: something not journaled was sent"
shown=$(grep 'storage=FAULT' "$WORK/t2.log" | tail -n 1)
pending=$(sed -n 's/.* pending=\([0-9]*\) .*/\1/p' <<<"$shown")
[ "$pending" -ge $((25 - (j2_during - j2_before))) ] || fail "(d) display shows pending=$pending, but $((25 - (j2_during - j2_before))) presses wait for storage: $shown"
note "(d) t2 journal full: $((j2_during - j2_before)) of 25 presses stored; display: ${shown#*screen: }"
rm -f "$termfs/filler"
wait_until 20 ft_settled t2 || fail "(d) t2's presses were not stored and acknowledged after space returned: $("$TERM_BIN" status --journal "${FT_JOURNAL[t2]}" | tr '\n' ' ')"
grep -q 'storage recovered' "$WORK/t2.log" || fail "(d) no line saying t2's storage recovered"
note "(d) space back: all $(($(ft_count t2 in) + $(ft_count t2 out))) presses of t2 journaled and acknowledged"
fi

ft_end_input t1
ft_end_input t2
ft_wait_terminals 30
ft_check_fed t1
ft_check_fed t2
ft_check_invariant "$port" "$db"
if [ $mounted = no ]; then
	echo "SKIP: (c) SQLITE_BUSY and the invariant held; (a), (b) and (d) did not run (no root)"
	exit 77
fi
echo "ok $TEST_NAME"
