#!/usr/bin/env bash
# massif-map-idle.sh — where the aggregator's memory per idle map
# subscriber goes (docs/performance.md, *Against Mosquitto*, memory).
#
# Starts the aggregator under `valgrind --tool=massif` on the path of
# `make bench-peers` (staff_listen: the public context on its own
# thread), connects SUBSCRIBERS (default 2,000) headcount-map.v2
# subscribers with build/tools/bench_peers, leaves them idle, stops the
# aggregator and prints the heap growth from before the first subscriber
# to the idle moment (snapshots through vgdb), in all and per
# allocation site, in bytes per subscriber. Heap only: kernel socket
# buffers are not in RSS and not here; struct lws and the other lws
# allocations appear as libwebsockets addresses (the library is
# stripped), named by the size they allocate.
# Environment: BUILD (default build), SUBSCRIBERS (default 2000),
# MAP (v2, default, or v1), AGGREGATOR (the binary, for A/B runs),
# MASSIF_OUT (default build/bench/massif-map-idle.out).
# Bounded: bench_peers is under `timeout`, the start-up wait too.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
AGGREGATOR=${AGGREGATOR:-$BUILD/headcount-aggregator}
PEERS=$BUILD/tools/bench_peers
SUBSCRIBERS=${SUBSCRIBERS:-2000}
MAP=${MAP:-v2}
OUTFILE=${MASSIF_OUT:-build/bench/massif-map-idle.out}
command -v valgrind > /dev/null || { echo "massif-map-idle: valgrind is missing" >&2; exit 77; }
for bin in "$AGGREGATOR" "$PEERS"; do
	[[ -x $bin ]] || { echo "massif-map-idle: $bin is missing; run make first" >&2; exit 1; }
done
mkdir -p "$(dirname "$OUTFILE")"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/headcount-massif.XXXXXX)
AGG_PID=""
trap bench_cleanup EXIT

PORT=$(bench_free_port massif-map-idle) || exit 1
STAFF=$(bench_free_port massif-map-idle) || exit 1
while (( STAFF == PORT )); do STAFF=$(bench_free_port massif-map-idle); done
{
	printf '[venue]\nname = Massif venue\nlisten = 127.0.0.1:%d\nstaff_listen = 127.0.0.1:%d\n' \
		"$PORT" "$STAFF"
	printf 'database = m.db\nconnections_per_address = 1000000\nterminal_auth = off\n'
	printf '\n[area a1]\nname = Area 1\ncapacity = 1000000\n\n[terminal p1]\narea = a1\n'
} > "$TMP/venue.ini"
rm -f "$OUTFILE"
valgrind --tool=massif --vgdb=yes --massif-out-file="$TMP/exit.massif" \
	"$AGGREGATOR" --config "$TMP/venue.ini" --db "$TMP/m.db" --listen "127.0.0.1:$PORT" \
	> "$TMP/aggregator.log" 2>&1 &
AGG_PID=$!
bench_wait_healthz massif-map-idle "$PORT" 600 || exit 1  # 30 s: start-up under valgrind is slow
# Heap snapshots through valgrind's gdbserver: one before the first
# subscriber, one once all are connected and idle.
snapshot() {  # file
	vgdb --pid="$AGG_PID" detailed_snapshot "$1" > /dev/null 2>&1 ||
		{ echo "massif-map-idle: vgdb could not take a snapshot" >&2; exit 1; }
}
snapshot "$TMP/before.massif"
timeout 300 "$PEERS" --kind map --map "$MAP" --port "$PORT" --staff-port "$STAFF" \
	--pid "$AGG_PID" --subscribers "$SUBSCRIBERS" --window 100 --rates 1 --seconds 1 \
	--idle-seconds 30 --json "$TMP/peers.json" > /dev/null &
PEERS_PID=$!
maps=$(bench_wait_maps "$PORT" "$SUBSCRIBERS")
sleep 3  # idle: handshake buffers returned
snapshot "$TMP/idle.massif"
wait "$PEERS_PID" || true
kill -TERM "$AGG_PID"
wait "$AGG_PID" || true
AGG_PID=""
cp "$TMP/idle.massif" "$OUTFILE"
echo "map clients connected at the snapshot: ${maps:-0} (of $SUBSCRIBERS); idle snapshot: $OUTFILE"
(( ${maps:-0} > 0 )) || exit 1
# Bytes per subscriber: the idle snapshot minus the one before, in all
# and per allocation site (its call path, 4 frames deep).
awk -v n="$maps" '
	FNR == 1 { file++ }
	/^mem_heap_B=/ { sub(/mem_heap_B=/, ""); heap[file] = $0 }
	/^mem_heap_extra_B=/ { sub(/mem_heap_extra_B=/, ""); extra[file] = $0 }
	match($0, /^ *n[0-9]+: [0-9]+ /) {
		depth = index($0, "n") - 1
		split(substr($0, depth + 1), f, " ")
		bytes = f[2]
		what = substr($0, RLENGTH + 1)
		sub(/ \(in \/usr\/lib\/x86_64-linux-gnu\//, " (", what)
		path[depth] = substr(what, 1, 70)
		if (depth < 1 || depth > 4) next
		key = path[1]
		for (d = 2; d <= depth; d++) key = key " <- " path[d]
		site[key] += (file == 2 ? bytes : -bytes)
	}
	END {
		printf "heap per subscriber: %.1f B useful + %.1f B malloc overhead\n",
			(heap[2] - heap[1]) / n, (extra[2] - extra[1]) / n
		for (k in site) if (site[k] / n >= 8 || site[k] / n <= -8)
			printf "%8.1f B/subscriber  %s\n", site[k] / n, k
	}' "$TMP/before.massif" "$TMP/idle.massif" | sort -t' ' -k1,1 -g -r | head -40
