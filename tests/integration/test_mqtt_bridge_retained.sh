#!/usr/bin/env bash
# With [mqtt], every area's and group's state is a retained message on a
# real broker (Debian's mosquitto on 127.0.0.1), kept right through
# presses, a broker restart without persistence, a hung broker
# (SIGSTOP: it accepts nothing more), a stopped broker and an aggregator
# restart; and doors keep being acknowledged while the broker is hung or
# gone (the bridge never blocks the event loop).
#
# Figures printed: terminal ack p50/p99/max (headcount-bench ingest, 4
# terminals at 200 batches/s for 3 s) with the broker up, hung and gone.
# Asserted: every batch acknowledged in each case, and no ack waited a
# whole second (what a loop blocked on the broker would show).
. "$(dirname "$0")/lib.sh"

command -v mosquitto >/dev/null || { echo "SKIP: mosquitto not installed"; exit 77; }
command -v mosquitto_sub >/dev/null || { echo "SKIP: mosquitto_sub not installed"; exit 77; }
BENCH=$HC_BUILD/headcount-bench

bport=$(free_port)
cat >"$WORK/mosquitto.conf" <<CONF
listener $bport 127.0.0.1
allow_anonymous true
persistence false
CONF
start_broker() {
	mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	HC_PIDS+=("$BROKER_PID")
	wait_until 10 mosquitto_sub -p "$bport" -t probe -W 1 -C 1 -E ||
		fail "mosquitto did not come up on $bport"
}
start_broker

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = Test Fest
database = $WORK/agg.db
[area hall]
capacity = 5
[area lawn]
capacity = 100
group = park
[group park]
[terminal t1]
area = hall
[terminal b01]
area = lawn
[terminal b02]
area = lawn
[terminal b03]
area = lawn
[mqtt]
port = $bport
topic_prefix = headcount/testfest
INI
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

press() { # LINES...: one real terminal t1 sends them and exits once acked
	printf '%s\n' "$@" | "$TERM_BIN" --id t1 --url "$URL" --journal "$WORK/t1.db" \
		--batch-interval-ms 500 --display none --exit-when-acked >>"$WORK/t1.log" 2>&1 ||
		fail "terminal t1 did not get its presses acknowledged"
}

# retained TOPIC FIELD: the field of the retained message on one topic
# (--retained-only: a message that is not retained is never printed).
retained() {
	timeout 5 mosquitto_sub -p "$bport" -t "headcount/testfest/$1" --retained-only -C 1 -W 3 2>/dev/null |
		jq -r ".$2"
}
retained_is() { [ "$(retained "$1" "$2")" = "$3" ]; }

press in in in in in in
wait_until 10 retained_is area/hall occupancy 6 || fail "retained hall occupancy is $(retained area/hall occupancy), want 6"
retained_is area/hall restricted true || fail "retained hall not restricted at 6 of 5"
retained_is area/hall level full || fail "retained hall level is not full"
retained_is area/lawn occupancy 0 || fail "retained lawn missing"
retained_is group/park type group || fail "retained group park missing"
note "retained after presses: hall 6 (full, restricted), lawn 0, group park"

# ingest LABEL: ack figures of 4 terminals at 200 batches/s for 3 s.
declare -A P50 P99 MAX
ingest() {
	"$BENCH" --url "$URL" --config "$WORK/venue.ini" --terminals 4 --rate 200 --seconds 3 \
		--json "$WORK/ingest-$1.json" >"$WORK/ingest-$1.out" 2>&1 || fail "bench ingest ($1) failed"
	local j="$WORK/ingest-$1.json"
	[ "$(jq .ingest.unacked_after_drain "$j")" = 0 ] || fail "$1: batches left unacknowledged"
	[ "$(jq .ingest.connect_failures "$j")" = 0 ] || fail "$1: terminals could not connect"
	[ "$(jq '.ingest.acked_per_s >= 0.9 * .ingest.offered_per_s' "$j")" = true ] ||
		fail "$1: acked $(jq .ingest.acked_per_s "$j")/s of $(jq .ingest.offered_per_s "$j")/s"
	P50[$1]=$(jq .ingest.ack_p50_ms "$j")
	P99[$1]=$(jq .ingest.ack_p99_ms "$j")
	MAX[$1]=$(jq .ingest.ack_max_ms "$j")
	[ "$(jq '.ingest.ack_max_ms < 1000' "$j")" = true ] || fail "$1: an ack waited ${MAX[$1]} ms"
}
ingest "broker up"

# Broker restart without persistence: its retained messages are gone; the
# bridge publishes every state again when it reconnects.
kill9 "$BROKER_PID"
start_broker
wait_until 20 retained_is area/hall occupancy 6 || fail "hall not republished after the broker restart"
retained_is group/park type group || fail "group not republished after the broker restart"
[ "$(grep -c 'mqtt: connected to' "$WORK/aggregator.log")" -ge 2 ] || fail "no reconnect logged"
note "broker restarted without persistence: states republished"

# A hung broker: the process stops reading, the kernel still accepts.
kill -STOP "$BROKER_PID"
ingest "broker hung"
press out out
[ "$(api_area "$port" hall occupancy)" = 4 ] || fail "hall occupancy is not 4 after two exits"
kill -CONT "$BROKER_PID"
wait_until 20 retained_is area/hall occupancy 4 || fail "retained hall did not catch up after the broker resumed"
note "broker hung: doors acknowledged; newest state published once it resumed"

# The broker gone altogether.
kill9 "$BROKER_PID"
ingest "broker gone"
press in
kill -0 "$AGG_PID" || fail "aggregator died with the broker gone"

# A stop with the broker gone is as quick and clean as without a bridge.
kill "$AGG_PID"
t0=$SECONDS
wait "$AGG_PID" || fail "aggregator did not stop cleanly with the broker gone"
[ $((SECONDS - t0)) -le 5 ] || fail "stopping took $((SECONDS - t0)) s with the broker gone"

# An aggregator restart publishes its states to a fresh broker.
start_broker
start_aggregator "$WORK/venue.ini" "$port"
wait_until 20 retained_is area/hall occupancy 5 || fail "retained hall after the aggregator restart: $(retained area/hall occupancy)"
retained_is area/lawn type area || fail "lawn not published after the aggregator restart"
note "aggregator restarted: states published to the broker"

printf '  %-12s %10s %10s %10s\n' "ack (ms)" p50 p99 max
for k in "broker up" "broker hung" "broker gone"; do
	printf '  %-12s %10s %10s %10s\n' "$k" "${P50[$k]}" "${P99[$k]}" "${MAX[$k]}"
done
echo "PASS"
