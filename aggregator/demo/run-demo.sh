#!/usr/bin/env bash
# run-demo.sh — `make demo`: a whole venue on one machine.
#
# Starts the aggregator on the bundled demo venue (aggregator/demo/
# venue.ini, embedded SQLite in build/demo/), one terminal per door of the
# demo config fed by a simulated member of staff pressing ENTER and EXIT,
# and the supervisors' dashboard (headcount-dashboard, logged in as the
# demo supervisor "demo") when run in a terminal; without one (or with
# HC_DEMO_DASHBOARD=0) a live table of the areas refreshed every second.
# q in the dashboard or Ctrl-C stops all of it cleanly (terminals, then
# the aggregator with SIGTERM).
# HC_DEMO_PORT picks the port (default 8080); HC_DEMO_SECONDS stops the
# demo by itself after that many seconds; HC_BUILD picks the build whose
# binaries run (default build). The test suite uses all three.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/${HC_BUILD:-build}
port=${HC_DEMO_PORT:-8080}
run_s=${HC_DEMO_SECONDS:-0}
work=$root/build/demo
mkdir -p "$work"
cp "$root/aggregator/demo/venue.ini" "$work/venue.ini"
cd "$work"
# A supervisor for the demo's dashboard; its key only ever lives here.
printf '\n[supervisor demo]\nkey = demo-only-key\n' >>venue.ini
(umask 077 && printf 'demo-only-key\n' >supervisor.key)

pids=()
stop_all() {
	trap - INT TERM
	echo
	echo "demo: stopping terminals and aggregator"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${agg:-}" ] && kill -TERM "$agg" 2>/dev/null
	wait 2>/dev/null
	echo "demo: stopped; logs and databases are in $work"
	exit 0
}
trap stop_all INT TERM

"$bin/headcount-aggregator" --config venue.ini --listen "127.0.0.1:$port" >aggregator.log 2>&1 &
agg=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	kill -0 "$agg" 2>/dev/null || { echo "demo: aggregator failed to start:"; cat aggregator.log; exit 1; }
	sleep 0.1
done

# presser SEED: a member of staff at a door: a press every 0.1-0.6 s,
# mostly arrivals at first, then as many leaving as arriving.
presser() {
	RANDOM=$1
	local start=$SECONDS
	while :; do
		local in_pct=75
		[ $((SECONDS - start)) -gt 60 ] && in_pct=50
		if [ $((RANDOM % 100)) -lt $in_pct ]; then echo in; else echo out; fi
		sleep 0.$((1 + RANDOM % 6))
	done
}

terminals=$(sed -n 's/^\[terminal \(.*\)\]$/\1/p' venue.ini)
n=0
for t in $terminals; do
	n=$((n + 1))
	presser $((n * 7919)) | "$bin/headcount-terminal" --id "$t" \
		--url "ws://127.0.0.1:$port" --journal "terminal-$t.db" \
		--display none >"terminal-$t.log" 2>&1 &
	pids+=($!)
done

echo "demo: aggregator on http://127.0.0.1:$port  (GET /api/areas, /healthz)"
echo "demo: $n terminals pressing; Ctrl-C stops everything"
if [ -t 0 ] && [ -t 1 ] && [ "${HC_DEMO_DASHBOARD:-1}" != 0 ] && [ -x "$bin/headcount-dashboard" ]; then
	sleep 1
	"$bin/headcount-dashboard" --url "ws://127.0.0.1:$port" --supervisor demo \
		--key-file supervisor.key 2>dashboard.log
	stop_all
fi
started=$SECONDS
while :; do
	table=$(curl -sf "http://127.0.0.1:$port/api/areas" | jq -r '
		(["AREA", "OCCUPANCY", "CAPACITY", "LEVEL", "ENTRY", "IN", "OUT"] | @tsv),
		(.[] | [.name, .occupancy, .capacity, .level,
		        (if .restricted then "STOP" else "open" end),
		        .entered, .exited] | @tsv)' | column -t -s $'\t')
	printf '\033[H\033[2J'
	echo "headcount demo — http://127.0.0.1:$port — $(date +%T) — Ctrl-C to stop"
	echo
	echo "${table:-aggregator not answering}"
	sleep 1
	[ "$run_s" -gt 0 ] && [ $((SECONDS - started)) -ge "$run_s" ] && stop_all
done
