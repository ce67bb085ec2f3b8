#!/usr/bin/env bash
# run-bench.sh — the standard benchmark set (`make bench`).
#
# Runs headcount-bench against fresh aggregators in a temporary directory
# on 127.0.0.1, one group of phases per aggregator so that no phase
# measures connections left over from another:
#
#   1. storm: 10,000 map clients; then fan-out of 50 updates to all of them
#   2. ingest: 1,000 terminals, a ladder of offered rates from 5,000 to
#      65,000 batches/s (5 s each) and one unlimited run, then 10 s at
#      the highest rate that held (acked >= 97 % of offered, ack p99 < 20 ms)
#   2b. ingest over TLS: the same 1,000 terminals over wss:// (a venue CA
#      from make-ca, [tls] on the aggregator) at the ladder's lowest rate,
#      the rate of the final run and unlimited, each beside the plain
#      figure of that rate
#   2c. the same rates with terminal authentication off (terminal_auth =
#      off: no proof, no MACs), so that the table shows ingest with
#      authentication off, on (ws://) and on with TLS (wss://)
#   3. a real headcount-terminal: footprint (idle, pressing), then 20
#      presses timed from its stdin to a map client
#   4. restart: a 1,000,000-row ledger, exec to /healthz 200, three times
#
# Writes build/bench/results.json (every figure, per phase, and the
# machine) and build/bench/results.txt (the table), and prints the table.
# docs/performance.md explains each figure. Bounded: every bench run is
# under `timeout`, the whole set takes 2.5 to 4 minutes.
#
# Environment: BUILD (default build) is where the binaries are;
# BENCH_QUICK=1 runs a smaller set (1,000 maps, short ingest, 5 presses,
# 100,000 rows) to check the script itself.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
OUT=build/bench
AGGREGATOR=$BUILD/headcount-aggregator
BENCH=$BUILD/headcount-bench
for bin in "$AGGREGATOR" "$BENCH" "$BUILD/headcount-terminal"; do
	[[ -x $bin ]] || { echo "run-bench: $bin is missing; run make first" >&2; exit 1; }
done
mkdir -p "$OUT"

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	MAPS=1000 ROUNDS=10 STEP_S=2 FINAL_S=3 RATES="20000 50000 0" PRESSES=5 ROWS=100000
	FOOTPRINT=""
else
	MAPS=10000 ROUNDS=50 STEP_S=5 FINAL_S=10 RATES="5000 10000 20000 35000 50000 65000 0"
	PRESSES=20 ROWS=1000000 FOOTPRINT="--footprint"
fi
TERMINALS=1000

# 10,000 connections need ~10,000 descriptors in each process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < MAPS + 200 )); then
	echo "run-bench: ulimit -n is $(ulimit -n); $MAPS map clients need more" \
	     "(raise the hard limit: ulimit -Hn / limits.conf)" >&2
	exit 1
fi

TMP=$(mktemp -d /tmp/headcount-bench.XXXXXX)
AGG_PID=""
trap bench_cleanup EXIT

# A port nothing listens on.
PORT=$(bench_free_port run-bench) || exit 1
URL=ws://127.0.0.1:$PORT

# The venue: 8 areas with room for anything, 1,000 terminals spread over
# them, every one enrolled (tests/bench/lib.sh).
bench_write_venue "$TMP/venue.ini" "Benchmark venue" "$PORT" bench.db "$TERMINALS"
bench_write_secrets "$TMP/terminal-secrets" "$TERMINALS"

# The venue and how to reach it; phase 2b switches them to TLS.
VENUE=$TMP/venue.ini
HEALTH=(http://127.0.0.1:$PORT/healthz)
BENCH_TLS=()

start_aggregator() {  # name
	rm -f "$TMP/$1.db" "$TMP/$1.db-wal" "$TMP/$1.db-shm"
	"$AGGREGATOR" --config "$VENUE" --db "$TMP/$1.db" \
		--listen "127.0.0.1:$PORT" > "$TMP/$1.aggregator.log" 2>&1 &
	AGG_PID=$!
	for _ in $(seq 1 200); do
		if curl -sf -o /dev/null "${HEALTH[@]}"; then return 0; fi
		sleep 0.05
	done
	echo "run-bench: the aggregator did not start; its log:" >&2
	cat "$TMP/$1.aggregator.log" >&2
	exit 1
}

stop_aggregator() {
	kill -TERM "$AGG_PID"
	wait "$AGG_PID" || true
	AGG_PID=""
}

bench() {  # json-name, bench args...
	local name=$1
	shift
	echo "run-bench: $name" >&2
	timeout 300 "$BENCH" --url "$URL" "${BENCH_TLS[@]}" --config "$VENUE" --json "$TMP/$name.json" \
		--workdir "$TMP" "$@" > "$TMP/$name.txt"
}

start=$(date +%s)

# 1. storm and fan-out
start_aggregator storm
bench storm --aggregator-pid "$AGG_PID" --maps "$MAPS" --rounds "$ROUNDS"
stop_aggregator

# 2. ingest: the ladder, then the final run at the best rate that held
start_aggregator ingest
best=0
for rate in $RATES; do
	bench "ingest-$rate" --aggregator-pid "$AGG_PID" --terminals $TERMINALS \
		--rate "$rate" --seconds "$STEP_S"
	held=$(jq --argjson r "$rate" '.ingest as $i
		| ($i.acked_per_s >= 0.97 * $r) and ($i.ack_p99_ms < 20)' "$TMP/ingest-$rate.json")
	if [[ $held == true && $rate -gt $best ]]; then best=$rate; fi
done
final_rate=$best
(( final_rate > 0 )) || final_rate=50000
bench ingest-final --aggregator-pid "$AGG_PID" --terminals $TERMINALS \
	--rate "$final_rate" --seconds "$FINAL_S"
stop_aggregator

# 2b. ingest over TLS, at the lowest rate, the final rate and unlimited
"$AGGREGATOR" make-ca "$TMP/tls" > "$TMP/make-ca.log"
{ cat "$TMP/venue.ini"
  printf '\n[tls]\ncert = %s\nkey = %s\nca = %s\n' "$TMP/tls/server.crt" "$TMP/tls/server.key" "$TMP/tls/ca.crt"
} > "$TMP/venue-tls.ini"
VENUE=$TMP/venue-tls.ini HEALTH=(--cacert "$TMP/tls/ca.crt" "https://127.0.0.1:$PORT/healthz")
BENCH_TLS=(--ca "$TMP/tls/ca.crt") URL=wss://127.0.0.1:$PORT
start_aggregator ingest-tls
# the ladder's first (lowest) rate, the final rate and unlimited, each once
TLS_RATES=$(printf '%s\n' "${RATES%% *}" "$final_rate" 0 | awk '!seen[$0]++' | tr '\n' ' ')
for rate in $TLS_RATES; do
	bench "ingest-tls-$rate" --aggregator-pid "$AGG_PID" --terminals $TERMINALS \
		--rate "$rate" --seconds "$STEP_S"
done
stop_aggregator
VENUE=$TMP/venue.ini HEALTH=("http://127.0.0.1:$PORT/healthz") BENCH_TLS=() URL=ws://127.0.0.1:$PORT

# 2c. the same rates with terminal authentication off: what it costs
sed 's/^\[venue\]$/[venue]\nterminal_auth = off/' "$TMP/venue.ini" > "$TMP/venue-noauth.ini"
VENUE=$TMP/venue-noauth.ini
start_aggregator ingest-noauth
for rate in $TLS_RATES; do
	bench "ingest-noauth-$rate" --aggregator-pid "$AGG_PID" --terminals $TERMINALS \
		--rate "$rate" --seconds "$STEP_S"
done
stop_aggregator
VENUE=$TMP/venue.ini

# 3. a real terminal: footprint and end to end
start_aggregator terminal
bench terminal $FOOTPRINT --e2e-presses "$PRESSES" --batch-interval-ms 2000
stop_aggregator

# 4. restart with a big ledger (the bench starts the aggregator itself)
bench restart --restart-rows "$ROWS" --restart-runs 3 --restart-db "$TMP/restart.db"

elapsed=$(( $(date +%s) - start ))

# results.json: every phase, the ingest ladder, all figures.
ladder_files=()
for rate in $RATES; do ladder_files+=("$TMP/ingest-$rate.json"); done
tls_files=()
for rate in $TLS_RATES; do tls_files+=("$TMP/ingest-tls-$rate.json"); done
noauth_files=()
for rate in $TLS_RATES; do noauth_files+=("$TMP/ingest-noauth-$rate.json"); done
# the plain run at the same offered rate (final_rate came from the ladder
# unless nothing held; then the final run is the plain one)
plain_files=()
for rate in $TLS_RATES; do
	if [[ -f $TMP/ingest-$rate.json ]]; then plain_files+=("$TMP/ingest-$rate.json")
	else plain_files+=("$TMP/ingest-final.json"); fi
done
jq -n --slurpfile storm "$TMP/storm.json" --slurpfile final "$TMP/ingest-final.json" \
	--slurpfile term "$TMP/terminal.json" --slurpfile restart "$TMP/restart.json" \
	--slurpfile ladder <(jq -s '.' "${ladder_files[@]}") \
	--slurpfile tls <(jq -s 'map(.ingest)' "${tls_files[@]}") \
	--slurpfile tlsplain <(jq -s 'map(.ingest)' "${plain_files[@]}") \
	--slurpfile noauth <(jq -s 'map(.ingest)' "${noauth_files[@]}") \
	--argjson best "$best" --argjson elapsed "$elapsed" '
	($ladder[0] | map(.ingest)) as $steps
	| {
		machine: $storm[0].machine,
		bench_loop: $storm[0].bench.loop,
		elapsed_s: $elapsed,
		storm: $storm[0].storm,
		fanout: $storm[0].fanout,
		ingest: $final[0].ingest,
		ingest_ladder: $steps,
		ingest_sustained_max_per_s: $best,
		ingest_tls: [range(0; $tls[0] | length) as $k
			| { offered_per_s: $tls[0][$k].offered_per_s,
			    noauth: $noauth[0][$k], plain: $tlsplain[0][$k],
			    tls: $tls[0][$k] }],
		terminal: $term[0].terminal,
		e2e: $term[0].e2e,
		restart: $restart[0].restart,
		figures: ($storm[0].figures + $final[0].figures + $term[0].figures
			  + $restart[0].figures)
	}' > "$OUT/results.json"

# results.txt: the machine, the table, the ladder.
{
	jq -r '.machine | "machine: \(.nproc) x \(.cpu_model), \(.memory_bytes / 1073741824 * 10 | floor / 10) GiB, kernel \(.kernel), Debian \(.debian_version)"' "$OUT/results.json"
	jq -r '"bench loop: \(.bench_loop); set took \(.elapsed_s) s"' "$OUT/results.json"
	echo
	jq -r '(["phase","figure","value","unit","target","met"] | @tsv),
		(.figures[] | [.phase, .key,
			(if (.value | floor) == .value then (.value | tostring)
			 else (.value * 1000 | round / 1000 | tostring) end),
			.unit, (if .target == "" then "-" else .target end),
			(if .met == null then "-" elif .met then "yes" else "NO" end)] | @tsv)' \
		"$OUT/results.json" | column -t -s $'\t'
	echo
	echo "ingest ladder (1,000 terminals; offered 0 = as fast as acks allow):"
	jq -r '(["offered/s","sent/s","acked/s","p50_ms","p99_ms","max_ms","agg_cpu_%","cpu_ms/1000"] | @tsv),
		(.ingest_ladder[] | [.offered_per_s, (.sent_per_s | round), (.acked_per_s | round),
			(.ack_p50_ms * 100 | round / 100), (.ack_p99_ms * 100 | round / 100),
			(.ack_max_ms * 100 | round / 100),
			((.aggregator_cpu_percent // 0) | round),
			((.aggregator_cpu_ms_per_1000 // 0) * 100 | round / 100)] | @tsv)' \
		"$OUT/results.json" | column -t -s $'\t'
	jq -r '"highest offered rate that held (acked >= 97 %, p99 < 20 ms): \(.ingest_sustained_max_per_s) batches/s"' "$OUT/results.json"
	echo
	echo "ingest, same 1,000 terminals: authentication off (noauth), on over ws:// (auth),"
	echo "and on over TLS (auth+tls: wss://, venue CA from make-ca):"
	jq -r '(["offered/s","noauth_acked/s","auth_acked/s","auth+tls_acked/s","noauth_p99_ms","auth_p99_ms","auth+tls_p99_ms","noauth_cpu_ms/1000","auth_cpu_ms/1000","auth+tls_cpu_ms/1000"] | @tsv),
		(.ingest_tls[] | [.offered_per_s, (.noauth.acked_per_s | round),
			(.plain.acked_per_s | round), (.tls.acked_per_s | round),
			(.noauth.ack_p99_ms * 100 | round / 100),
			(.plain.ack_p99_ms * 100 | round / 100), (.tls.ack_p99_ms * 100 | round / 100),
			((.noauth.aggregator_cpu_ms_per_1000 // 0) * 100 | round / 100),
			((.plain.aggregator_cpu_ms_per_1000 // 0) * 100 | round / 100),
			((.tls.aggregator_cpu_ms_per_1000 // 0) * 100 | round / 100)] | @tsv)' \
		"$OUT/results.json" | column -t -s $'\t'
} > "$OUT/results.txt"

cat "$OUT/results.txt"
