#!/usr/bin/env bash
# callgrind-ingest.sh — instructions per batch on the aggregator's ingest
# path (docs/performance.md, *Ingest profile*).
#
# Runs a fresh aggregator (8 areas, TERMINALS terminals) under
# `valgrind --tool=callgrind`, drives it with `headcount-bench
# --terminals T --rate R --seconds S`, and prints, from the profile, the
# instructions per received batch of the whole aggregator, of the commit
# thread's store work (hc_store_commit_job per row) and of the loop
# thread's parts, each divided by the calls of hc_ledger_receive (one per
# batch received). Instruction counts do not depend on what else runs on
# the machine, so they are the figures for A/B comparisons on a shared
# machine; wall-clock figures under callgrind (about 50 times slower)
# mean nothing.
#
# Environment: BUILD (default build), AGGREGATOR (the binary profiled,
# default $BUILD/headcount-aggregator), RATE (default 1000: what the
# aggregator under callgrind keeps up with; 0 = as fast as acks allow),
# SECONDS_RUN (default 10), TERMINALS (default 1000, over 8 areas),
# AUTH (on, the default: every terminal enrolled, as at a venue; off:
# terminal_auth = off), CALLGRIND_OUT (the profile, default
# build/bench/callgrind-ingest.out), CALLGRIND=0 (the same run without
# valgrind: the bench's wall-clock table only, for a quick A/B of acks
# and latency, which on a shared machine vary from run to run).
# Bounded: the bench run is under `timeout`, the start-up wait too.
set -euo pipefail

cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BUILD=${BUILD:-build}
TARGET=${AGGREGATOR:-$BUILD/headcount-aggregator}
BENCH=$BUILD/headcount-bench
OUTFILE=${CALLGRIND_OUT:-build/bench/callgrind-ingest.out}
RATE=${RATE:-1000}
SECONDS_RUN=${SECONDS_RUN:-10}
TERMINALS=${TERMINALS:-1000}
AUTH=${AUTH:-on}
command -v valgrind > /dev/null || { echo "callgrind-ingest: valgrind is missing" >&2; exit 77; }
for bin in "$TARGET" "$BENCH"; do
	[[ -x $bin ]] || { echo "callgrind-ingest: $bin is missing; run make first" >&2; exit 1; }
done
mkdir -p "$(dirname "$OUTFILE")"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/headcount-callgrind.XXXXXX)
AGG_PID=""
trap bench_cleanup EXIT

PORT=""
for _ in $(seq 0 50); do
	p=$(( 20000 + (RANDOM % 12000) ))  # below the ephemeral range (32768-)
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[[ -n $PORT ]] || { echo "callgrind-ingest: no free port found" >&2; exit 1; }
{
	printf '[venue]\nname = Ingest venue\nlisten = 127.0.0.1:%d\ndatabase = ingest.db\n' "$PORT"
	printf 'connections_per_address = 1000000\n'
	[[ $AUTH == off ]] && printf 'terminal_auth = off\n'
	for a in $(seq 1 8); do
		printf '\n[area a%d]\nname = Area %d\ncapacity = 1000000\n' "$a" "$a"
	done
	for t in $(seq 1 "$TERMINALS"); do
		printf '\n[terminal b%d]\narea = a%d\n' "$t" $(( (t - 1) % 8 + 1 ))
	done
} > "$TMP/venue.ini"
# Every terminal enrolled (the secrets file beside the config), in one go.
(umask 077 && head -c $((32 * TERMINALS)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' |
	fold -w 64 | awk '{ printf "b%d %s\n", NR, $0 }' > "$TMP/terminal-secrets")

rm -f "$OUTFILE"
PROFILER=(valgrind --tool=callgrind --callgrind-out-file="$OUTFILE")
[[ ${CALLGRIND:-1} == 0 ]] && PROFILER=()
"${PROFILER[@]}" "$TARGET" --config "$TMP/venue.ini" \
	--db "$TMP/ingest.db" --listen "127.0.0.1:$PORT" > "$TMP/aggregator.log" 2>&1 &
AGG_PID=$!
for _ in $(seq 1 600); do  # 30 s: start-up under callgrind is slow
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
	sleep 0.05
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" ||
	{ echo "callgrind-ingest: the aggregator did not start:" >&2; cat "$TMP/aggregator.log" >&2; exit 1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
timeout $(( SECONDS_RUN + 180 )) "$BENCH" --url "ws://127.0.0.1:$PORT" --config "$TMP/venue.ini" \
	--workdir "$TMP" --aggregator-pid "$AGG_PID" --terminals "$TERMINALS" --rate "$RATE" \
	--seconds "$SECONDS_RUN" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
kill -TERM "$AGG_PID"
wait "$AGG_PID" || true
AGG_PID=""
echo "load average before: $load_before, after: $load_after (no bearing on instruction counts)"
[[ ${CALLGRIND:-1} == 0 ]] && exit 0
[[ -s $OUTFILE ]] || { echo "callgrind-ingest: no profile written" >&2; exit 1; }

# Inclusive instructions and calls of a function, from the profile.
callgrind_annotate --inclusive=yes --threshold=100 "$OUTFILE" > "$TMP/annotated.txt" 2>/dev/null
annotated=$(cat "$TMP/annotated.txt")
total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$TMP/annotated.txt")
incl() {  # function name: its inclusive Ir (0 when absent)
	awk -v f="$1" '$0 ~ "[ :]" f " " || $0 ~ "[ :]" f "$" { gsub(",", "", $1); print $1; exit }' \
		<<< "$annotated" | grep . || echo 0
}
calls() {  # function name: how many times it was called (the calls= lines
	# after each cfn= naming it; names are compressed to "(id)" after
	# their first use, fn= and cfn= sharing one table)
	awk -v f="$1" '
		function name_of(spec,    key, rest) {
			if (match(spec, /^\([0-9]+\)/)) {
				key = substr(spec, 1, RLENGTH)
				rest = substr(spec, RLENGTH + 2)
				if (rest != "") ids[key] = rest
				return ids[key]
			}
			return spec
		}
		/^fn=/ { name_of(substr($0, 4)); target = 0; next }
		/^cfn=/ { target = (name_of(substr($0, 5)) == f); next }
		/^calls=/ { if (target) { split(substr($0, 7), a, " "); n += a[1] } target = 0 }
		END { print n + 0 }' "$OUTFILE"
}
batches=$(calls hc_ledger_receive)

commits=$(calls hc_store_commit_job)
echo "profile: $OUTFILE"
echo "batches received (hc_ledger_receive calls): $batches; commits: $commits"
(( batches > 0 )) || { echo "callgrind-ingest: no batch in the profile" >&2; exit 1; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }'; }
printf '%-44s %14s %12s\n' "where" "instructions" "per batch"
for f in TOTAL hc_store_commit_job sqlite3_step hc_terminal_callback hc_ledger_receive \
	hc_ledger_commit_done hc_proto_parse_from_terminal; do
	if [[ $f == TOTAL ]]; then ir=$total; else ir=$(incl "$f"); fi
	printf '%-44s %14s %12s\n' "$f" "$ir" "$(per "$ir" "$batches")"
done
echo "batches per commit: $(per "$batches" "$commits")"
