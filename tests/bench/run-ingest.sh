#!/usr/bin/env bash
# run-ingest.sh — one ingest run against a fresh aggregator, for the
# stall figure and for ingest A/B comparisons (`make bench-stall` runs
# the standard one: 1,000 terminals, 10,000 batches/s for 60 s).
#
# Prints headcount-bench's table, with ack_gap_max_ms: the longest time
# in the measured window in which no terminal received any ack (a stall
# of the commit thread shows here even when the ack p99 hides it), and
# the load average before and after the run (the machine may be shared).
# Writes build/bench/ingest-RATE-SECONDS.json.
#
# Environment: BUILD (default build), RATE (batches/s, default 10000;
# 0 = as fast as acks allow), SECONDS_RUN (default 60), TERMINALS
# (default 1000), AGGREGATOR (the binary, for A/B runs), PRELOAD_ROWS (default 0: ledger rows written by an
# unmeasured run at 50,000/s first, to measure with a big ledger).
# Bounded: the bench run is under `timeout`.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
OUT=build/bench
AGGREGATOR=${AGGREGATOR:-$BUILD/headcount-aggregator}
BENCH=$BUILD/headcount-bench
RATE=${RATE:-10000}
SECONDS_RUN=${SECONDS_RUN:-60}
TERMINALS=${TERMINALS:-1000}
PRELOAD_ROWS=${PRELOAD_ROWS:-0}
for bin in "$AGGREGATOR" "$BENCH"; do
	[[ -x $bin ]] || { echo "run-ingest: $bin is missing; run make first" >&2; exit 1; }
done
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/headcount-ingest.XXXXXX)
AGG_PID=""
trap bench_cleanup EXIT

PORT=$(bench_free_port run-ingest) || exit 1

# The venue of run-bench.sh, every terminal enrolled (tests/bench/lib.sh).
bench_write_venue "$TMP/venue.ini" "Ingest venue" "$PORT" ingest.db "$TERMINALS"
bench_write_secrets "$TMP/terminal-secrets" "$TERMINALS"

"$AGGREGATOR" --config "$TMP/venue.ini" --db "$TMP/ingest.db" \
	--listen "127.0.0.1:$PORT" > "$TMP/aggregator.log" 2>&1 &
AGG_PID=$!
bench_wait_healthz run-ingest "$PORT" 200 || exit 1

if (( PRELOAD_ROWS > 0 )); then
	pre_s=$(( PRELOAD_ROWS / 40000 + 1 ))
	timeout $(( pre_s + 120 )) "$BENCH" --url "ws://127.0.0.1:$PORT" --config "$TMP/venue.ini" \
		--workdir "$TMP" --terminals "$TERMINALS" --rate 0 --seconds "$pre_s" > /dev/null
fi

name="ingest-$RATE-$SECONDS_RUN"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
timeout $(( SECONDS_RUN + 180 )) "$BENCH" --url "ws://127.0.0.1:$PORT" --config "$TMP/venue.ini" \
	--json "$OUT/$name.json" --workdir "$TMP" --aggregator-pid "$AGG_PID" \
	--terminals "$TERMINALS" --rate "$RATE" --seconds "$SECONDS_RUN"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
curl -sf "http://127.0.0.1:$PORT/metrics" | grep -E '^headcount_commit' || true
db_bytes=$(stat -c %s "$TMP/ingest.db")
wal_bytes=$(stat -c %s "$TMP/ingest.db-wal" 2>/dev/null || echo 0)
# A graceful stop logs what the WAL checkpoints did (store_checkpoint.c).
kill -TERM "$AGG_PID"
wait "$AGG_PID" || true
AGG_PID=""
grep -h 'WAL checkpoints' "$TMP/aggregator.log" || true
echo "load average before: $load_before, after: $load_after"
echo "ledger file: $db_bytes bytes, WAL: $wal_bytes bytes"
tmp_json=$(mktemp "$OUT/.ingest.XXXXXX")
jq --arg before "$load_before" --arg after "$load_after" \
	--argjson db "$db_bytes" --argjson wal "$wal_bytes" \
	'. + {loadavg_before: $before, loadavg_after: $after, db_bytes: $db, wal_bytes: $wal}' \
	"$OUT/$name.json" > "$tmp_json"
mv "$tmp_json" "$OUT/$name.json"
