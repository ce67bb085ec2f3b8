#!/usr/bin/env bash
# Hostile clients cannot hurt the aggregator, nor the terminals counting
# through it.
#
# Three real terminals press all the time (two doors of one area, one of
# another) while tests/tools/hc_hostile throws hundreds of connections of
# every misbehaving kind at the same aggregator, case after case: bare
# connect/close and RST, cut-off requests and upgrades, idle and
# slowloris peers, oversized headers, random bytes, a TLS ClientHello,
# HTTP/1.0, pipelining, unknown methods and paths, path traversal,
# upgrades with no, unknown or half a subprotocol handshake, and, for
# each WebSocket role (terminal, map, supervisor), control frames and
# fragments in odd places, bad close codes, invalid UTF-8, unmasked and
# reserved frames and ping floods. hc_hostile checks every answer
# (status, close code, that the server ended the connection, that no
# file leaked) and fails the case otherwise.
#
# After every case: the aggregator process is the one started at the
# beginning and /healthz answers 200 with all three terminals online;
# each terminal connected exactly once (one "connected" line in the
# aggregator's log and in its own). At the end: every press fed is
# acknowledged, /api/areas equals the presses fed per area, the ledger
# holds rows of the three terminals only and their sums equal the presses,
# and SIGTERM stops the aggregator with status 0 and no sanitizer report.
#
# HC_HOSTILE_COUNT sets the connections per case (default 300, 100 on
# the sanitizer build); HC_SEED replays the random cases.
. "$(dirname "$0")/lib.sh"

HOSTILE=$HC_BUILD/tools/hc_hostile
[ -x "$HOSTILE" ] || fail "$HOSTILE not built"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI not installed"; exit 77; }
SEED=${HC_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "seed=$SEED (rerun with HC_SEED=$SEED)"
RANDOM=$SEED
COUNT=${HC_HOSTILE_COUNT:-300}
case $HC_BUILD in */san) COUNT=${HC_HOSTILE_COUNT:-100} ;; esac
port=$(free_port)
db="$WORK/agg.db"

cat >"$WORK/venue.ini" <<INI
[venue]
name = Hostile clients
database = $db
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
[supervisor boss]
INI
start_aggregator "$WORK/venue.ini" "$port"
FIRST_PID=$AGG_PID

# feed T SEED: presses ("in" 60 %, "out" 40 %) every 50 ms until
# $WORK/stop exists; then the counts fed go to $WORK/T.fed.
feed() {
	local t=$1 n_in=0 n_out=0
	RANDOM=$2
	exec 5>"$WORK/$t.fifo"
	while [ ! -e "$WORK/stop" ]; do
		if [ $((RANDOM % 10)) -lt 6 ]; then
			echo in >&5
			n_in=$((n_in + 1))
		else
			echo out >&5
			n_out=$((n_out + 1))
		fi
		sleep 0.05
	done
	exec 5>&-
	echo "$n_in $n_out" >"$WORK/$t.fed"
}

declare -A TPID
i=0
for t in t1 t2 t3; do
	mkfifo "$WORK/$t.fifo"
	"$TERM_BIN" --id "$t" --url "ws://127.0.0.1:$port" --journal "$WORK/$t.db" \
		--batch-interval-ms 100 --display none --exit-when-acked \
		<"$WORK/$t.fifo" >"$WORK/$t.log" 2>&1 &
	TPID[$t]=$!
	HC_PIDS+=("${TPID[$t]}")
	feed "$t" $((SEED + i)) &
	HC_PIDS+=("$!")
	i=$((i + 1))
done
all_online() { curl -sf "http://127.0.0.1:$port/healthz" | jq -e '.terminals_online == 3'; }
wait_until 15 all_online || fail "the three terminals did not connect"

# check CASE [WANT_ONLINE]: the same aggregator alive and healthy,
# WANT_ONLINE terminals online (3 unless told), every terminal on its
# first and only connection.
check() {
	local want_online=${2:-3}
	[ "$AGG_PID" = "$FIRST_PID" ] || fail "aggregator was replaced"
	kill -0 "$AGG_PID" 2>/dev/null ||
		fail "aggregator died after $1: $(tail -n 3 "$WORK/aggregator.log")"
	local body code
	body=$(curl -s --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$port/healthz" || true)
	code=${body##*$'\n'}
	[ "$code" = 200 ] || fail "/healthz answered '$code' after $1"
	jq -e --argjson n "$want_online" '.terminals_online == $n' <<<"${body%$'\n'*}" >/dev/null ||
		fail "terminals online differ from $want_online after $1: ${body%$'\n'*}"
	for t in t1 t2 t3; do
		local a b
		a=$(grep -c "terminal $t connected:" "$WORK/aggregator.log" || true)
		b=$(grep -c "link: connected to" "$WORK/$t.log" || true)
		[ "$a" = 1 ] && [ "$b" = 1 ] ||
			fail "terminal $t reconnected after $1 (aggregator saw $a connections, terminal $b)"
	done
}

# hostile MODE [ROLE]: COUNT connections of the kind, all at once.
cases=0
hostile() {
	local out role=${2:-}
	out=$("$HOSTILE" --port "$port" --mode "$1" --role "${role:-terminal}" \
		--count "$COUNT" --concurrency "$COUNT" --sources 64 \
		--seed $((SEED + cases)) --conn-limit-ms 25000 --time-limit-ms 90000) ||
		{ echo "$out" >&2; check "$1 $role"; fail "$1 $role: unexpected answers"; }
	note "${out%% bad=*}"
	check "$1 $role"
	cases=$((cases + 1))
}

t0=$SECONDS
for mode in connect-close connect-rst partial-line partial-headers idle slowloris \
	oversized-headers random tls-hello http10 pipelined unknown traversal \
	ws-no-proto ws-unknown-proto; do
	hostile "$mode"
done
for role in terminal map supervisor; do
	for mode in half-upgrade-rst ws-no-key ws-frag-ping ws-cont-no-start ws-big-control \
		ws-bad-close ws-bad-utf8 ws-ping-flood ws-unmasked ws-bad-opcode ws-rsv-bits \
		ws-interleaved ws-partial-frame-rst; do
		hostile "$mode" "$role"
	done
done
for role in terminal supervisor; do
	hostile ws-silent "$role"                # closed by the hello timeout
done
note "$cases cases of $COUNT connections in $((SECONDS - t0)) s"

# Stop pressing; every press must end up acknowledged.
touch "$WORK/stop"
for t in t1 t2 t3; do
	end=$((SECONDS + 60))
	while kill -0 "${TPID[$t]}" 2>/dev/null; do
		[ $SECONDS -lt $end ] || fail "terminal $t did not get every press acknowledged"
		sleep 0.2
	done
	wait "${TPID[$t]}" || fail "terminal $t exited with an error"
done
check "the terminals finished" 0

declare -A IN OUT
for t in t1 t2 t3; do
	read -r IN[$t] OUT[$t] <"$WORK/$t.fed"
done
want_n_in=$((IN[t1] + IN[t2]))
want_n_out=$((OUT[t1] + OUT[t2]))
[ "$(api_area "$port" north entered)" = "$want_n_in" ] ||
	fail "north entered $(api_area "$port" north entered), fed $want_n_in"
[ "$(api_area "$port" north exited)" = "$want_n_out" ] ||
	fail "north exited $(api_area "$port" north exited), fed $want_n_out"
[ "$(api_area "$port" south entered)" = "${IN[t3]}" ] ||
	fail "south entered $(api_area "$port" south entered), fed ${IN[t3]}"
[ "$(api_area "$port" south exited)" = "${OUT[t3]}" ] ||
	fail "south exited $(api_area "$port" south exited), fed ${OUT[t3]}"

sources=$(sqlite3 "$db" "select group_concat(source) from (select distinct source from ledger order by source)")
[ "$sources" = "t1,t2,t3" ] || fail "ledger sources are '$sources', want t1,t2,t3"
for t in t1 t2 t3; do
	read -r sum_in sum_out < <(sqlite3 -separator ' ' "$db" \
		"select sum(entered), sum(exited) from ledger where source = '$t'")
	[ "$sum_in" = "${IN[$t]}" ] && [ "$sum_out" = "${OUT[$t]}" ] ||
		fail "$t: ledger holds in=$sum_in out=$sum_out, fed in=${IN[$t]} out=${OUT[$t]}"
done
for table in overrides adjustments audit; do
	n=$(sqlite3 "$db" "select count(*) from $table" 2>/dev/null || echo 0)
	[ "$n" = 0 ] || fail "$n rows in $table written during the hostile run"
done
note "fed north in=$want_n_in out=$want_n_out, south in=${IN[t3]} out=${OUT[t3]}; ledger rows $(sqlite3 "$db" 'select count(*) from ledger'), all from t1-t3; exact"

kill -TERM "$AGG_PID"
end=$((SECONDS + 30))
while kill -0 "$AGG_PID" 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "aggregator did not stop within 30 s of SIGTERM"
	sleep 0.1
done
rc=0
wait "$AGG_PID" || rc=$?
[ "$rc" = 0 ] || fail "aggregator exited with status $rc after SIGTERM"
if grep -Eq "AddressSanitizer|LeakSanitizer|runtime error|Assertion" "$WORK/aggregator.log"; then
	fail "sanitizer or assertion report in the aggregator log"
fi
echo "ok $TEST_NAME"
