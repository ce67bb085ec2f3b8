#!/usr/bin/env bash
# run-map-pings.sh — what keeping idle map clients alive costs the
# aggregator (docs/performance.md, *The ping round in slices*).
#
# Starts the aggregator on the path of `make bench-peers` (staff_listen:
# map clients on the public thread) with map_idle_timeout_s = 3, so
# every map client is pinged once a second, connects SUBSCRIBERS
# (default 10,000) headcount-map.v2 subscribers with
# build/tools/bench_peers (they answer every ping, as any WebSocket
# client does), and over MEASURE_S (default 20) seconds of idle reads
# the aggregator's CPU (/proc/PID/stat) and the pings it sent. Prints
# CPU per second and per ping. Nothing is published meanwhile.
# Environment: BUILD (default build), SUBSCRIBERS, MEASURE_S,
# AGGREGATOR (the binary, for A/B runs).
# Bounded: bench_peers is under `timeout`, every wait has a deadline.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
AGGREGATOR=${AGGREGATOR:-$BUILD/headcount-aggregator}
PEERS=$BUILD/tools/bench_peers
SUBSCRIBERS=${SUBSCRIBERS:-10000}
MEASURE_S=${MEASURE_S:-20}
for bin in "$AGGREGATOR" "$PEERS"; do
	[[ -x $bin ]] || { echo "run-map-pings: $bin is missing; run make first" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/headcount-pings.XXXXXX)
AGG_PID=""
trap bench_cleanup EXIT

PORT=$(bench_free_port run-map-pings) || exit 1
STAFF=$(bench_free_port run-map-pings) || exit 1
while (( STAFF == PORT )); do STAFF=$(bench_free_port run-map-pings); done
{
	printf '[venue]\nname = Ping venue\nlisten = 127.0.0.1:%d\nstaff_listen = 127.0.0.1:%d\n' \
		"$PORT" "$STAFF"
	printf 'database = p.db\nconnections_per_address = 1000000\nterminal_auth = off\n'
	printf 'map_idle_timeout_s = 3\n'
	printf '\n[area a1]\nname = Area 1\ncapacity = 1000000\n\n[terminal p1]\narea = a1\n'
} > "$TMP/venue.ini"
"$AGGREGATOR" --config "$TMP/venue.ini" --db "$TMP/p.db" --listen "127.0.0.1:$PORT" \
	> "$TMP/aggregator.log" 2>&1 &
AGG_PID=$!
bench_wait_healthz run-map-pings "$PORT" 200 || exit 1

timeout $(( MEASURE_S + 120 )) "$PEERS" --kind map --map v2 --port "$PORT" --staff-port "$STAFF" \
	--pid "$AGG_PID" --subscribers "$SUBSCRIBERS" --window 100 --rates 1 --seconds 1 \
	--idle-seconds $(( MEASURE_S + 8 )) --json "$TMP/peers.json" > /dev/null &
PEERS_PID=$!
maps=$(bench_wait_maps "$PORT" "$SUBSCRIBERS")
(( maps >= SUBSCRIBERS )) || { echo "run-map-pings: only ${maps:-0} map clients connected" >&2; exit 1; }
sleep 3  # past the handshakes
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$AGG_PID/stat"; }
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks)
sleep "$MEASURE_S"
t1=$(cpu_ticks)
alive=$(curl -sf "http://127.0.0.1:$PORT/metrics" |
	awk '/^headcount_connections\{role="map"\}/ { print $2 }')
wait "$PEERS_PID" || true
awk -v t="$(( t1 - t0 ))" -v hz="$hz" -v s="$MEASURE_S" -v n="$SUBSCRIBERS" -v a="${alive:-0}" 'BEGIN {
	ms = t * 1000 / hz
	printf "map clients: %d, of them open at the end: %d; pinged once a second for %d s\n", n, a, s
	printf "aggregator CPU: %.0f ms in all, %.1f ms per second, %.2f us per ping\n", ms, ms / s, ms * 1000 / (n * s)
}'
