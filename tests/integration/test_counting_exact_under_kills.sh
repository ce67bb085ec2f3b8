#!/usr/bin/env bash
# Exactly-once counting end to end, with crashes on both sides.
#
# 3 terminals x 2,000 mixed presses into 2 areas (two doors of one area
# and one door of another). The aggregator is SIGKILLed and restarted
# twice, each terminal is SIGKILLed and restarted once, mid-stream. When
# every terminal has had all its presses acknowledged:
#   - GET /api/areas equals the presses fed, entered and exited separately;
#   - every terminal's journal holds exactly the presses fed, all acked;
#   - the ledger holds each (terminal, incarnation, seq) once, with no gap,
#     and per-terminal sums equal the journals.
# A killed terminal loses only presses it had read but not journaled
# (never shown as counted); it is restarted with the lines its journal
# does not hold, so all 6,000 presses end up counted.
. "$(dirname "$0")/lib.sh"

SEED=${HC_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "seed=$SEED (rerun with HC_SEED=$SEED)"
RANDOM=$SEED
PRESSES=${HC_PRESSES:-2000}
port=$(free_port)

cat >"$WORK/venue.ini" <<INI
[venue]
name = Kill test
database = $WORK/agg.db
[area north]
capacity = 100000
[area south]
capacity = 100000
[terminal t1]
area = north
[terminal t2]
area = north
[terminal t3]
area = south
INI
tls_venue "$WORK/venue.ini"

declare -A TPID FPID
i=0
for t in t1 t2 t3; do
	write_presses "$WORK/$t.presses" "$PRESSES" $((SEED + i))
	i=$((i + 1))
done

# start_terminal T OFFSET: terminal T fed its lines after OFFSET, paced.
start_terminal() {
	local t=$1 offset=$2 fifo="$WORK/$t.fifo"
	rm -f "$fifo"
	mkfifo "$fifo"
	"$TERM_BIN" --id "$t" --url "$HC_WS://127.0.0.1:$port" "${HC_CA_ARGS[@]}" --journal "$WORK/$t.db" \
		--batch-interval-ms 100 --display none --exit-when-acked \
		<"$fifo" >>"$WORK/$t.log" 2>&1 &
	TPID[$t]=$!
	HC_PIDS+=("${TPID[$t]}")
	tail -n +$((offset + 1)) "$WORK/$t.presses" | {
		n=0
		while IFS= read -r line; do
			printf '%s\n' "$line"
			n=$((n + 1))
			[ $((n % 20)) -eq 0 ] && sleep 0.03
		done
	} >"$fifo" 2>/dev/null &
	FPID[$t]=$!
	HC_PIDS+=("${FPID[$t]}")
}

journaled() {
	echo $(($(status_field "$WORK/$1.db" pressed_in) + $(status_field "$WORK/$1.db" pressed_out)))
}

restart_aggregator() {
	kill9 "$AGG_PID"
	sleep 0.$((RANDOM % 5))
	start_aggregator "$WORK/venue.ini" "$port"
}

restart_terminal() {
	local t=$1
	kill9 "${TPID[$t]}"
	kill9 "${FPID[$t]}"
	local k
	k=$(journaled "$t")
	note "$t killed after $k journaled presses"
	start_terminal "$t" "$k"
}

start_aggregator "$WORK/venue.ini" "$port"
for t in t1 t2 t3; do start_terminal "$t" 0; done

sleep 1.$((RANDOM % 9))
restart_aggregator
note "aggregator killed and restarted (1)"
sleep 0.$((RANDOM % 9))
restart_terminal t1
sleep 0.$((RANDOM % 9))
restart_aggregator
note "aggregator killed and restarted (2)"
restart_terminal t2
sleep 0.$((RANDOM % 9))
restart_terminal t3

for t in t1 t2 t3; do
	end=$((SECONDS + 120))
	while kill -0 "${TPID[$t]}" 2>/dev/null; do
		[ $SECONDS -lt $end ] || fail "terminal $t did not finish within 120 s"
		sleep 0.2
	done
	wait "${TPID[$t]}" || fail "terminal $t exited with an error"
done

count() { grep -cx "$2" "$WORK/$1.presses" || true; }
for t in t1 t2 t3; do
	for f in pressed_in:in acked_in:in pressed_out:out acked_out:out; do
		got=$(status_field "$WORK/$t.db" "${f%%:*}")
		want=$(count "$t" "${f##*:}")
		[ "$got" = "$want" ] || fail "$t ${f%%:*}=$got, fed $want"
	done
	[ "$(status_field "$WORK/$t.db" pending_in)" = 0 ] || fail "$t has pending presses"
	[ "$(status_field "$WORK/$t.db" unacked_batches)" = 0 ] || fail "$t has unacked batches"
done

want_north_in=$(($(count t1 in) + $(count t2 in)))
want_north_out=$(($(count t1 out) + $(count t2 out)))
[ "$(api_area "$port" north entered)" = "$want_north_in" ] || fail "north entered $(api_area "$port" north entered) != $want_north_in"
[ "$(api_area "$port" north exited)" = "$want_north_out" ] || fail "north exited $(api_area "$port" north exited) != $want_north_out"
[ "$(api_area "$port" south entered)" = "$(count t3 in)" ] || fail "south entered differs"
[ "$(api_area "$port" south exited)" = "$(count t3 out)" ] || fail "south exited differs"

db="$WORK/agg.db"
dups=$(sqlite3 "$db" "select count(*) from (select 1 from ledger group by source, incarnation, seq having count(*) > 1)")
[ "$dups" = 0 ] || fail "$dups batches applied twice"
for t in t1 t2 t3; do
	read -r rows maxseq sum_in sum_out < <(sqlite3 -separator ' ' "$db" \
		"select count(*), max(seq), sum(entered), sum(exited) from ledger where source = '$t'")
	[ "$rows" = "$maxseq" ] || fail "$t: $rows ledger rows but highest seq $maxseq (gap)"
	[ "$rows" = "$(status_field "$WORK/$t.db" last_seq)" ] || fail "$t: ledger rows $rows != journal last_seq"
	[ "$sum_in" = "$(count "$t" in)" ] || fail "$t: ledger entered $sum_in"
	[ "$sum_out" = "$(count "$t" out)" ] || fail "$t: ledger exited $sum_out"
done
note "north in=$want_north_in out=$want_north_out; south in=$(count t3 in) out=$(count t3 out); ledger rows $(sqlite3 "$db" 'select count(*) from ledger'); exact"
echo "ok $TEST_NAME"
