#!/usr/bin/env bash
# Regression: SIGTERM while a commit is in flight stops the aggregator
# cleanly.
#
# Another process holds the ledger locked (sqlite3 CLI, BEGIN EXCLUSIVE),
# so a terminal's batch and a supervisor's override sit in commits that
# wait for the lock. The override's records stay queued after each
# failed attempt (no one would resend them), so commits go on being
# retried through the graceful shutdown until its bound
# (HC_SHUTDOWN_COMMIT_MS) expires with one still in flight. SIGTERM then:
# the shutdown says it gave up on the commit, and the process exits with
# status 0, without SIGSEGV or a sanitizer report. The committer thread
# used to finish that job after the lws context was destroyed and wake a
# context that was gone. While it stops, a new connection of each role is
# refused before it is established (its close must find no session to
# undo). Afterwards, with the lock released and the
# aggregator restarted, the terminal's unacknowledged press is resent and
# counted once, and the override (never answered ok) was not saved.
#
# Part 2: the same with the lock released after the first attempt
# failed but within the shutdown's bound: the shutdown retries the
# commit, which succeeds ("commits succeed again"), the override is
# saved, and nothing says the commit did not finish.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI not installed"; exit 77; }
# The terminal redials while the aggregator is down: a port inside the
# ephemeral range could be taken by its own outgoing socket (TCP
# self-connect) and the restart would find it in use.
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
for _ in $(seq 1 50); do
	port=$(free_port)
	[ "$port" -lt "$low" ] && break
done
[ "$port" -lt "$low" ] || fail "no free port below $low"
db="$WORK/agg.db"
cat >"$WORK/venue.ini" <<INI
[venue]
name = Regression SIGTERM during commit
database = $db
[area hall]
capacity = 500
[terminal t1]
area = hall
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse
tls_venue "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"

mkfifo "$WORK/t1.fifo"
"$TERM_BIN" --id t1 --url "$HC_WS://127.0.0.1:$port" "${HC_CA_ARGS[@]}" --journal "$WORK/t1.db" \
	--batch-interval-ms 100 --display none --exit-when-acked \
	<"$WORK/t1.fifo" >"$WORK/t1.log" 2>&1 &
TERM_PID=$!
HC_PIDS+=("$TERM_PID")
exec 3>"$WORK/t1.fifo"
online() { curl -sf "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz" | jq -e '.terminals_online == 1'; }
wait_until 10 online || fail "terminal did not connect"

# lock_ledger: a sqlite3 shell kept open on a pipe (fd 4) holds the
# ledger's write lock until unlock_ledger.
lock_ledger() {
	rm -f "$WORK/lock.fifo" "$WORK/lock.log"
	mkfifo "$WORK/lock.fifo"
	sqlite3 "$db" <"$WORK/lock.fifo" >"$WORK/lock.log" 2>&1 &
	LOCK_PID=$!
	HC_PIDS+=("$LOCK_PID")
	exec 4>"$WORK/lock.fifo"
	echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&4
	wait_until 5 grep -q locked "$WORK/lock.log" ||
		{ echo "SKIP: could not lock the ledger from another process ($(cat "$WORK/lock.log"))"; exit 77; }
	if sqlite3 -cmd ".timeout 100" "$db" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; then
		fail "the ledger is not locked for writers"
	fi
}
unlock_ledger() {
	echo "ROLLBACK;" >&4
	exec 4>&-
	wait "$LOCK_PID" 2>/dev/null || true
}
# override REQUEST: one supervisor override of hall; prints the session.
override() {
	"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$HC_WS://127.0.0.1:$port" --proto headcount-supervisor.v1 \
		--supervisor alice --password-file "$WORK/alice.password" --wait-ms 1000 \
		--send '{"type":"override","target":"area","id":"hall","mode":"closed","reason":"test","request":'"$1"'}'
}
# stopped_cleanly: waits for the aggregator to exit after SIGTERM and
# checks status 0, the "stopped:" line and no sanitizer report.
stopped_cleanly() {
	local end=$((SECONDS + 60)) rc=0 t0=$SECONDS
	while kill -0 "$AGG_PID" 2>/dev/null; do
		[ $SECONDS -lt $end ] || fail "aggregator did not stop within 60 s of SIGTERM"
		sleep 0.1
	done
	wait "$AGG_PID" || rc=$?
	note "aggregator exited with status $rc after $((SECONDS - t0)) s"
	[ "$rc" = 0 ] || fail "aggregator exited with status $rc (139 is SIGSEGV, 134 abort)"
	grep -q "stopped:" "$WORK/aggregator.log" || fail "no 'stopped:' line in the log"
	if grep -Eq "AddressSanitizer|LeakSanitizer|runtime error|Assertion" "$WORK/aggregator.log"; then
		fail "sanitizer or assertion report in the aggregator log"
	fi
}

lock_ledger

echo in >&3
in_flight() {
	curl -s "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz" |
		jq -e '.terminals[] | select(.id == "t1") | .batches_in_flight >= 1'
}
wait_until 10 in_flight || fail "the batch never reached the commit"
out=$(override 1)
grep -q '"type":"welcome"' <<<"$out" || fail "supervisor not welcomed: $out"
grep -q '"ok":true' <<<"$out" && fail "override answered ok while the ledger is locked: $out"
# Each attempt waits out the store's busy timeout (5 s), the next starts
# HC_COMMIT_RETRY_MS later: SIGTERM about 2.5 s into the first attempt
# puts the end of the 10 s shutdown bound in the middle of the third.
sleep 1.3
note "batch and override in commits blocked by the lock; SIGTERM"
kill -TERM "$AGG_PID"
# While it stops, new WebSocket connections of every role are refused
# (FILTER_PROTOCOL_CONNECTION): closed without ever being established.
sleep 1
for proto in headcount-terminal.v3 headcount-map.v1 headcount-supervisor.v1; do
	out=$("$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$HC_WS://127.0.0.1:$port" --proto "$proto" --wait-ms 1000 2>&1 || true)
	grep -q '^open' <<<"$out" && fail "$proto connection accepted while stopping: $out"
done
note "new connections refused while stopping"
stopped_cleanly
grep -q "stopping: commit did not finish" "$WORK/aggregator.log" ||
	fail "no log line saying the commit in flight did not finish"
note "log: $(grep -o 'stopping: commit did not finish.*' "$WORK/aggregator.log" | head -n 1)"

# Release the lock; the terminal's press is resent and counted once.
unlock_ledger
exec 3>&-                                   # input ends (before the restart inherits it)
start_aggregator "$WORK/venue.ini" "$port"
end=$((SECONDS + 30))
while kill -0 "$TERM_PID" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "terminal did not get its press acknowledged after the restart"
	sleep 0.2
done
wait "$TERM_PID" || fail "terminal exited with an error"
[ "$(api_area "$port" hall entered)" = 1 ] || fail "hall entered $(api_area "$port" hall entered), want 1"
[ "$(sqlite3 "$db" 'select count(*) from ledger')" = 1 ] || fail "ledger rows differ from 1"
[ "$(sqlite3 "$db" 'select count(*) from overrides')" = 0 ] ||
	fail "an override never answered ok was saved"

# Part 2: the lock goes away while the shutdown is still within its
# bound: the failed commit is retried during the shutdown and finishes,
# the override is saved, and nothing says the commit did not finish.
lock_ledger
out=$(override 2)
grep -q '"ok":true' <<<"$out" && fail "override answered ok while the ledger is locked: $out"
kill -TERM "$AGG_PID"
commit_failed() { grep -q "storage: commit of" "$WORK/aggregator.log"; }
: >"$WORK/aggregator.log"                   # this run's lines only
wait_until 15 commit_failed || fail "the commit did not fail on the lock"
sleep 0.5
unlock_ledger
note "lock released after the first attempt failed, within the shutdown's bound"
stopped_cleanly
grep -q "stopping: commit did not finish" "$WORK/aggregator.log" &&
	fail "the commit was not retried during the shutdown: $(grep 'did not finish' "$WORK/aggregator.log")"
grep -q "storage: commits succeed again" "$WORK/aggregator.log" ||
	fail "no line saying commits succeed again"
[ "$(sqlite3 "$db" "select mode from overrides where target = 'area' and id = 'hall'")" = closed ] ||
	fail "the override was not saved by the retried commit"
echo "ok $TEST_NAME"
