#!/usr/bin/env bash
# Duplicates, reordering, replays, replaced connections and sequence gaps,
# with hand-made frames from hc_wsclient (tests/tools/hc_wsclient.c).
#
#   1. twice on one connection: seq 1, 2, 2, 1 -> 1 and 2 applied once,
#      the second copies acknowledged with "duplicate":true;
#   2. out of order: seq 4 before 3 -> both applied once, the gap that 4
#      opened is closed by 3 (missing_seqs back to 0);
#   3. replay of 1..4 on a new connection -> all "duplicate":true, the
#      ledger unchanged;
#   4. a second connection of the same terminal replaces the first: the
#      older one is closed with 4006, and a batch sent on the newer one
#      is applied and acknowledged there;
#   5. a real terminal presses and finishes; its captured batches (from
#      its journal) are replayed with its incarnation, in order and then
#      reversed -> all "duplicate":true, nothing applied;
#   6. a gap: seq 6 then 9 -> both applied, GET /healthz reports
#      missing_seqs 2 for the terminal and in missing_seqs_total, and the
#      log has a WARN "seq gap" line;
# then THE invariant (faults.sh), and last:
#   7. copies during a slow commit: while another process holds the
#      database's write lock (3 s, under the 5 s busy timeout), seq 10 is
#      sent 33 times on one connection. One batch is unacknowledged, so
#      the connection must not be closed with 4008 ("more than 32
#      batches unacknowledged"); seq 10 is applied once and acknowledged.
. "$(dirname "$0")/faults.sh"

ft_seed
port=$(free_port)
db="$WORK/agg.db"
ft_venue "$WORK/venue.ini" "$db" w1:hall t1:hall t2:yard
start_aggregator "$WORK/venue.ini" "$port"
INC=$(printf '%016x' $((RANDOM * 32768 + RANDOM)))
note "w1 incarnation $INC"

hello() { printf '{"type":"hello","terminal":"%s","incarnation":"%s"}' "$1" "$2"; }
batch() { printf '{"type":"batch","seq":%d,"entered":%d,"exited":%d}' "$1" "$2" "$3"; }

# ws OUT ARGS...: one hc_wsclient session as terminal; output in OUT.
# Where the number of frames is known (welcome, area, then only acks of
# duplicates, which change no area), --count ends the session early.
ws() {
	local out=$1
	shift
	"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$HC_WS://127.0.0.1:$port" --proto headcount-terminal.v3 "$@" >"$out" 2>&1 ||
		fail "hc_wsclient failed: $(cat "$out")"
}

# acks OUT: "seq:duplicate" of every ack received, in arrival order.
acks() {
	awk '$1 == "recv" { $1 = ""; $2 = ""; print }' "$1" |
		jq -r 'select(.type == "ack") | "\(.seq):\(.duplicate)"' | tr '\n' ' ' | sed 's/ $//'
}

# ack_of OUT SEQ: the duplicate flags of every ack for SEQ, sorted.
ack_of() { acks "$1" | tr ' ' '\n' | awk -F: -v s="$2" '$1 == s { print $2 }' | sort | tr '\n' ' ' | sed 's/ $//'; }

ledger_w1() { ft_sql "$db" "select count(*), coalesce(sum(entered),0), coalesce(sum(exited),0) from ledger where source = 'w1'"; }

# 1. The same batches twice on one connection.
ws "$WORK/c1.out" --wait-ms 2000 --send "$(hello w1 "$INC")" \
	--send "$(batch 1 3 1)" --send "$(batch 2 2 0)" --send "$(batch 2 2 0)" --send "$(batch 1 3 1)"
note "1: acks $(acks "$WORK/c1.out")"
# A copy that arrives while the first is still being committed is
# answered by that commit's ack (docs/protocol.md rule 4); a copy after
# the commit gets its own ack with "duplicate":true. Either way: one
# "false" per seq, and any further ack "true".
for q in 1 2; do
	case "$(ack_of "$WORK/c1.out" "$q")" in
	false | "false true") ;;
	*) fail "1: seq $q sent twice: acks '$(ack_of "$WORK/c1.out" "$q")', want one false (and at most one true)" ;;
	esac
done
[ "$(ledger_w1)" = "2 5 1" ] || fail "1: ledger for w1 is '$(ledger_w1)', want 2 rows entered 5 exited 1"

# 2. Out of order.
ws "$WORK/c2.out" --wait-ms 1500 --send "$(hello w1 "$INC")" --send "$(batch 4 1 1)" --send "$(batch 3 2 2)"
note "2: acks $(acks "$WORK/c2.out")"
[ "$(ack_of "$WORK/c2.out" 4)" = false ] || fail "2: seq 4 ack '$(ack_of "$WORK/c2.out" 4)', want false"
[ "$(ack_of "$WORK/c2.out" 3)" = false ] || fail "2: seq 3 ack '$(ack_of "$WORK/c2.out" 3)', want false"
[ "$(ledger_w1)" = "4 8 4" ] || fail "2: ledger for w1 is '$(ledger_w1)', want 4 rows entered 8 exited 4"
miss=$(curl -s "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz" | jq -r '.terminals[] | select(.id == "w1") | .missing_seqs')
[ "$miss" = 0 ] || fail "2: after seq 3 filled the gap, w1 missing_seqs=$miss"

# 3. Replay everything on a new connection.
ws "$WORK/c3.out" --wait-ms 3000 --count 6 --send "$(hello w1 "$INC")" \
	--send "$(batch 1 3 1)" --send "$(batch 2 2 0)" --send "$(batch 3 2 2)" --send "$(batch 4 1 1)"
note "3: acks $(acks "$WORK/c3.out")"
[ "$(acks "$WORK/c3.out" | tr ' ' '\n' | sort | tr '\n' ' ')" = "1:true 2:true 3:true 4:true " ] ||
	fail "3: replay acks '$(acks "$WORK/c3.out")', want 1..4 all duplicate"
[ "$(ledger_w1)" = "4 8 4" ] || fail "3: replay changed the ledger: '$(ledger_w1)'"

# 4. A second connection of the same terminal replaces the first.
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$HC_WS://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 6000 \
	--send "$(hello w1 "$INC")" >"$WORK/old.out" 2>&1 &
old=$!
HC_PIDS+=("$old")
wait_until 5 grep -q '"type":"welcome"' "$WORK/old.out" || fail "4: first connection not welcomed: $(cat "$WORK/old.out")"
ws "$WORK/new.out" --wait-ms 1500 --send "$(hello w1 "$INC")" --send "$(batch 5 1 0)"
wait_until 5 grep -q '^close' "$WORK/old.out" || fail "4: older connection not closed: $(cat "$WORK/old.out")"
grep -q '^close 4006' "$WORK/old.out" || fail "4: older connection closed with '$(grep '^close' "$WORK/old.out")', want 4006"
kill9 "$old"
[ "$(ack_of "$WORK/new.out" 5)" = false ] || fail "4: seq 5 on the newer connection: ack '$(ack_of "$WORK/new.out" 5)'"
[ "$(ledger_w1)" = "5 9 4" ] || fail "4: ledger for w1 is '$(ledger_w1)'"
note "4: older connection: $(grep '^close ' "$WORK/old.out"); seq 5 acked on the newer"

# 5. Captured batches of a real terminal, replayed.
write_presses "$WORK/t1.presses" 300 "$SEED"
write_presses "$WORK/t2.presses" 100 $((SEED + 1))
FT_BATCH_MS=60
FT_PACE_LINES=10
FT_PACE_SLEEP=0.05
ft_start_terminal t1 "$HC_WS://127.0.0.1:$port" 0
ft_start_terminal t2 "$HC_WS://127.0.0.1:$port" 0
ft_wait_terminals 60
ft_check_fed t1
T1_INC=$(status_field "$WORK/t1.db" incarnation)
mapfile -t captured < <(ft_sql "$WORK/t1.db" "select seq, entered, exited from batches order by seq limit 30")
[ "${#captured[@]}" -ge 2 ] || fail "5: t1 cut only ${#captured[@]} batches"
rows_before=$(ft_sql "$db" 'select count(*) from ledger')
fwd=() rev=()
for c in "${captured[@]}"; do
	read -r s e x <<<"$c"
	fwd+=(--send "$(batch "$s" "$e" "$x")")
	rev=(--send "$(batch "$s" "$e" "$x")" "${rev[@]}")
done
ws "$WORK/r1.out" --wait-ms 3000 --count $((2 + ${#captured[@]})) --send "$(hello t1 "$T1_INC")" "${fwd[@]}"
ws "$WORK/r2.out" --wait-ms 3000 --count $((2 + ${#captured[@]})) --send "$(hello t1 "$T1_INC")" "${rev[@]}"
for r in r1 r2; do
	n_true=$(acks "$WORK/$r.out" | tr ' ' '\n' | grep -c ':true$' || true)
	n_all=$(acks "$WORK/$r.out" | wc -w)
	[ "$n_true" = "${#captured[@]}" ] && [ "$n_all" = "${#captured[@]}" ] ||
		fail "5: replay $r of ${#captured[@]} captured batches got $n_all acks, $n_true duplicate: $(acks "$WORK/$r.out")"
done
[ "$(ft_sql "$db" 'select count(*) from ledger')" = "$rows_before" ] || fail "5: replaying captured batches added ledger rows"
note "5: ${#captured[@]} captured batches of t1 replayed twice (in order, reversed): all acknowledged as duplicates"

# 6. A gap: seq 6, then 9.
ws "$WORK/c6.out" --wait-ms 1500 --send "$(hello w1 "$INC")" --send "$(batch 6 1 0)" --send "$(batch 9 0 1)"
[ "$(ack_of "$WORK/c6.out" 6)" = false ] && [ "$(ack_of "$WORK/c6.out" 9)" = false ] ||
	fail "6: acks '$(acks "$WORK/c6.out")', want 6 and 9 applied"
health=$(curl -s "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz")
miss=$(jq -r '.terminals[] | select(.id == "w1") | .missing_seqs' <<<"$health")
total=$(jq -r '.missing_seqs_total' <<<"$health")
[ "$miss" = 2 ] || fail "6: /healthz w1 missing_seqs=$miss, want 2 (seq 7 and 8): $health"
[ "$total" = 2 ] || fail "6: /healthz missing_seqs_total=$total, want 2"
grep -q 'WARN terminal w1 .*seq gap' "$WORK/aggregator.log" || fail "6: no WARN line for the seq gap"
note "6: gap reported: $(grep -h 'seq gap' "$WORK/aggregator.log" | tail -n 1 | cut -d' ' -f3-)"

FT_EXPECT_IN[w1]=10
FT_EXPECT_OUT[w1]=5
FT_GAPS_OK[w1]=1
ft_check_invariant "$port" "$db"

# 7. Copies of one batch while its commit waits for the write lock.
ft_hold_write_lock "$db" 3
copies=()
for _ in $(seq 1 33); do copies+=(--send "$(batch 10 1 0)"); done
ws "$WORK/c7.out" --wait-ms 6000 --count 4 --send "$(hello w1 "$INC")" "${copies[@]}"
wait "$FT_LOCK_PID" 2>/dev/null || true
seq10_rows() { [ "$(ft_sql "$db" "select count(*) from ledger where source = 'w1' and seq = 10")" = 1 ]; }
wait_until 8 seq10_rows || [ "$(ft_sql "$db" "select count(*) from ledger where source = 'w1' and seq = 10")" = 1 ] ||
	fail "7: seq 10 is in the ledger $(ft_sql "$db" "select count(*) from ledger where source = 'w1' and seq = 10") times"
if grep -q '^close 4008' "$WORK/c7.out"; then
	fail "7: BUG: one batch sent 33 times while its commit waited was closed with '$(grep '^close ' "$WORK/c7.out")': aggregator/terminal_role.c on_batch counts every copy answered HC_LEDGER_PENDING in awaiting_commit, and hc_terminal_route_ack takes only one off per committed row, so copies count (and stay counted) as batches in flight"
fi
[ "$(ack_of "$WORK/c7.out" 10 | cut -d' ' -f1)" = false ] || fail "7: seq 10 acks '$(ack_of "$WORK/c7.out" 10)', want false first"
note "7: 33 copies during a slow commit: applied once, acknowledged, connection kept"
echo "ok $TEST_NAME"
