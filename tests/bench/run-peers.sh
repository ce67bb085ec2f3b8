#!/usr/bin/env bash
# run-peers.sh — the aggregator's map fan-out against Mosquitto's, in one
# run (`make bench-peers`; docs/performance.md, *Against Mosquitto*).
#
# Starts each server fresh on a free loopback port and runs
# build/tools/bench_peers against it: the same subscriber client (the
# map WebSocket role to the aggregator, MQTT 3.1.1 to Mosquitto) and the
# same update source. Scenarios, interleaved so both servers see the
# same machine (RUNS times each, default 1):
#   one area:  N subscribers (default 10,000): connections per second,
#              memory per idle subscriber, then 2 and 4 updates/s for
#              SECONDS_RUN each: update-to-all p50/p99, CPU per delivery
#   AREAS areas (default 100), each 4 updates/s to the N subscribers
#              (Mosquitto: one retained topic per area): server CPU/s
# Mosquitto is Debian's, configured for the comparison: no persistence,
# a loopback listener, allow_duplicate_messages true, no connection
# limit. The aggregator's venue has areas a1..aA and terminals p1..pA.
# By default the aggregator runs its real two-context path: a
# staff_listen port for terminals (the update source) and the public
# listener, served by its own thread, for the subscribers, which speak
# headcount-map.v2 (one frame per push tick). PEERS_PATH picks another:
#   two-v2 (default), two-v1 (staff_listen, v1 subscribers),
#   one-v2, one-v1 (one listener and one thread, no staff_listen).
# Each run's "path" in peers.json says which path it measured.
#
# Writes build/bench/peers.json (every run, the load average beside each)
# and prints a table: each figure absolute and as a ratio to Mosquitto.
# Environment: BUILD (default build), SUBSCRIBERS, SECONDS_RUN (default
# 15), AREAS (default 100; 0 skips that scenario), RUNS (default 1),
# WINDOW (handshakes in flight, default 100),
# PEERS_QUICK=1 (200 subscribers, 2 s, 10 areas: checks the tooling),
# PEERS_PATH (above), PEERS_OUT (default build/bench).
# Bounded: every bench_peers run is under `timeout`.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
OUT=${PEERS_OUT:-build/bench}
AGGREGATOR=$BUILD/headcount-aggregator
PEERS=$BUILD/tools/bench_peers
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
if [[ ${PEERS_QUICK:-0} == 1 ]]; then
	SUBSCRIBERS=${SUBSCRIBERS:-200} SECONDS_RUN=${SECONDS_RUN:-2} AREAS=${AREAS:-10}
	IDLE_S=1
else
	SUBSCRIBERS=${SUBSCRIBERS:-10000} SECONDS_RUN=${SECONDS_RUN:-15} AREAS=${AREAS:-100}
	IDLE_S=2
fi
RUNS=${RUNS:-1}
PEERS_PATH=${PEERS_PATH:-two-v2}
case $PEERS_PATH in
two-v2 | two-v1 | one-v2 | one-v1) ;;
*) echo "run-peers: PEERS_PATH is two-v2, two-v1, one-v2 or one-v1" >&2; exit 2 ;;
esac
MAP_PROTO=${PEERS_PATH#*-}
# Handshakes in flight: Mosquitto listens with a backlog of 100, and a
# larger window measured its SYN retransmits (1 s each), not its rate.
WINDOW=${WINDOW:-100}
for bin in "$AGGREGATOR" "$PEERS"; do
	[[ -x $bin ]] || { echo "run-peers: $bin is missing; run make first" >&2; exit 1; }
done
[[ -x $MOSQUITTO ]] || { echo "run-peers: $MOSQUITTO is missing (Debian package mosquitto)" >&2; exit 77; }
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < SUBSCRIBERS + 300 )); then
	echo "run-peers: ulimit -n is $(ulimit -n); $SUBSCRIBERS subscribers need more" >&2
	exit 1
fi

TMP=$(mktemp -d /tmp/headcount-peers.XXXXXX)
SERVER_PID=""
trap bench_cleanup EXIT


wait_port() {  # port: until something listens (bounded: 10 s)
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

start_mosquitto() {  # port
	{
		printf 'listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n' "$1"
		printf 'allow_duplicate_messages true\nmax_connections -1\n'
		printf 'log_dest file %s/mosquitto.log\nuser %s\n' "$TMP" "$(id -un)"
	} > "$TMP/mosquitto.conf"
	"$MOSQUITTO" -c "$TMP/mosquitto.conf" > /dev/null 2>&1 &
	SERVER_PID=$!
	wait_port "$1" || { echo "run-peers: mosquitto did not start" >&2; cat "$TMP/mosquitto.log" >&2; exit 1; }
}

start_aggregator() {  # port staff-port(0: none) areas
	{
		printf '[venue]\nname = Peers venue\nlisten = 127.0.0.1:%d\ndatabase = peers.db\n' "$1"
		printf 'connections_per_address = 1000000\n'
		# The real path: terminals and supervisors on a listener of
		# their own, the public listener (map clients) on its thread.
		if (( $2 > 0 )); then printf 'staff_listen = 127.0.0.1:%d\n' "$2"; fi
		# The one update source per area is not what is measured here
		# (the fan-out is): it speaks headcount-terminal.v2 unenrolled.
		printf 'terminal_auth = off\n'
		for a in $(seq 1 "$3"); do
			printf '\n[area a%d]\nname = Area %d\ncapacity = 1000000\n' "$a" "$a"
		done
		for a in $(seq 1 "$3"); do
			printf '\n[terminal p%d]\narea = a%d\n' "$a" "$a"
		done
	} > "$TMP/venue.ini"
	rm -f "$TMP"/peers.db*
	"$AGGREGATOR" --config "$TMP/venue.ini" --db "$TMP/peers.db" \
		--listen "127.0.0.1:$1" > "$TMP/aggregator.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 200); do
		curl -sf -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
		sleep 0.05
	done
	echo "run-peers: the aggregator did not start:" >&2
	cat "$TMP/aggregator.log" >&2
	exit 1
}

stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

one() {  # server areas run-name: one bench_peers run against a fresh server
	local server=$1 areas=$2 name=$3 port kind staff=0
	local -a path_args=()
	port=$(bench_free_port run-peers)
	if [[ $server == mosquitto ]]; then start_mosquitto "$port"; kind=mqtt
	else
		if [[ $PEERS_PATH == two-* ]]; then
			staff=$(bench_free_port run-peers)
			while (( staff == port )); do staff=$(bench_free_port run-peers); done
			path_args=(--staff-port "$staff")
		fi
		path_args+=(--map "$MAP_PROTO")
		start_aggregator "$port" "$staff" "$areas"; kind=map
	fi
	local load_before load_after
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	echo "run-peers: $name (load $load_before)" >&2
	timeout $(( SECONDS_RUN * 3 + 150 )) "$PEERS" --kind "$kind" --port "$port" \
		--pid "$SERVER_PID" --subscribers "$SUBSCRIBERS" --areas "$areas" --window "$WINDOW" \
		--seconds "$SECONDS_RUN" --idle-seconds "$IDLE_S" "${path_args[@]}" --json "$TMP/$name.raw" ||
		{ echo "run-peers: bench_peers failed against $server" >&2; stop_server; exit 1; }
	load_after=$(cut -d' ' -f1-3 /proc/loadavg)
	stop_server
	jq --arg b "$load_before" --arg a "$load_after" --argjson run "${name##*-}" \
		'. + {loadavg_before: $b, loadavg_after: $a, run: $run}' "$TMP/$name.raw" \
		> "$TMP/$name.json"
}

for run in $(seq 1 "$RUNS"); do
	one mosquitto 1 "mosquitto-1area-$run"
	one aggregator 1 "aggregator-1area-$run"
	if (( AREAS > 1 )); then
		one mosquitto "$AREAS" "mosquitto-areas-$run"
		one aggregator "$AREAS" "aggregator-areas-$run"
	fi
done

jq -s --argjson n "$SUBSCRIBERS" --argjson s "$SECONDS_RUN" --argjson areas "$AREAS" \
	--arg path "$PEERS_PATH" '{
	subscribers: $n, seconds_per_phase: $s, areas: $areas, aggregator_path: $path,
	machine: {nproc: '"$(nproc)"', kernel: "'"$(uname -r)"'",
		  mosquitto: "'"$("$MOSQUITTO" -h 2>/dev/null | head -1 | sed 's/"//g')"'"},
	runs: .}' "$TMP"/*-[0-9]*.json > "$OUT/peers.json"

# The table: medians over the runs of each figure, and the ratio
# aggregator / Mosquitto (below 1: the aggregator needs less).
jq -r '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def fig(kind; areas; f): [.runs[] | select(.kind == kind and .areas == areas) | f] | med;
	def row(name; unit; areasel; f):
		fig("aggregator"; areasel; f) as $a | fig("mosquitto"; areasel; f) as $m
		| [name, unit, ($a // "-"), ($m // "-"),
		   (if $a != null and $m != null and $m != 0 then ($a / $m * 100 | round / 100) else "-" end)];
	.areas as $A
	| (["figure", "unit", "headcount", "mosquitto", "ratio"] | @tsv),
	  (row("connections per second"; "conn/s"; 1; .connections_per_s | round) | @tsv),
	  (row("memory per idle subscriber"; "bytes"; 1; .idle_bytes_per_subscriber | round) | @tsv),
	  (row("2/s: update to all p50"; "ms"; 1; .rates[0].update_to_all_p50_ms * 10 | round / 10) | @tsv),
	  (row("2/s: update to all p99"; "ms"; 1; .rates[0].update_to_all_p99_ms * 10 | round / 10) | @tsv),
	  (row("2/s: CPU per delivery"; "us"; 1; .rates[0].server_cpu_us_per_delivery * 100 | round / 100) | @tsv),
	  (row("4/s: update to all p50"; "ms"; 1; .rates[1].update_to_all_p50_ms * 10 | round / 10) | @tsv),
	  (row("4/s: update to all p99"; "ms"; 1; .rates[1].update_to_all_p99_ms * 10 | round / 10) | @tsv),
	  (row("4/s: CPU per delivery"; "us"; 1; .rates[1].server_cpu_us_per_delivery * 100 | round / 100) | @tsv),
	  (row("4/s: updates missed"; "updates"; 1; .rates[1].missed) | @tsv),
	  (row("4/s: client CPU"; "%"; 1; .rates[1].client_cpu_percent | round) | @tsv),
	  (if $A > 1 then
	    (row("\($A) areas x 4/s: server CPU"; "ms/s"; $A; .areas_run.server_cpu_ms_per_s | round) | @tsv),
	    (row("\($A) areas x 4/s: area updates delivered"; "/s"; $A; .areas_run.area_updates_per_s | round) | @tsv),
	    (row("\($A) areas x 4/s: frames delivered"; "/s"; $A; .areas_run.frames_per_s | round) | @tsv),
	    (row("\($A) areas x 4/s: CPU per area update"; "us"; $A; .areas_run.server_cpu_us_per_area_update * 100 | round / 100) | @tsv),
	    (row("\($A) areas x 4/s: client CPU"; "%"; $A; .areas_run.client_cpu_percent | round) | @tsv)
	   else empty end)
	' "$OUT/peers.json" | column -t -s $'\t' | tee "$OUT/peers.txt"
echo "aggregator path: $PEERS_PATH ($(jq -r '[.runs[] | select(.kind == "aggregator") | .path] | unique | join(", ")' "$OUT/peers.json"))"
echo "subscribers: $SUBSCRIBERS; ratio = headcount / mosquitto (medians of $RUNS run(s));" \
	"offered in the $AREAS-area case: $(( AREAS * 4 * SUBSCRIBERS )) area updates/s"
echo "load average per run (also in $OUT/peers.json):"
jq -r '.runs[] | "  \(.kind) \(.areas) area(s) run \(.run): load \(.loadavg_before) -> \(.loadavg_after)"' "$OUT/peers.json"
