#!/usr/bin/env bash
# The tooling of `make bench-peers` runs and produces numbers: a tiny
# run (50 subscribers, 1 s per phase, 4 areas) of tests/bench/run-peers.sh
# against a real Mosquitto and a real aggregator. Asserted: every
# subscriber connected to both servers, every update reached all of
# them, and each figure of the table is a number. No figure is compared
# with a target (a loaded machine must not fail this); the figures live
# in docs/performance.md. Bounded: about 15 s.
. "$(dirname "$0")/lib.sh"

[[ -x /usr/sbin/mosquitto ]] || { echo "SKIP: mosquitto not installed"; exit 77; }
[[ -x $HC_BUILD/tools/bench_peers ]] || fail "$HC_BUILD/tools/bench_peers is missing"

out=$WORK/out
mkdir -p "$out"
BUILD=$HC_BUILD PEERS_QUICK=1 SUBSCRIBERS=50 SECONDS_RUN=1 AREAS=4 PEERS_OUT=$out \
	timeout 120 bash tests/bench/run-peers.sh >"$WORK/peers.log" 2>&1 ||
	{ cat "$WORK/peers.log"; fail "run-peers.sh failed"; }
json=$out/peers.json
[[ -s $json ]] || fail "no peers.json"
runs=$(jq '.runs | length' "$json")
[[ $runs == 4 ]] || fail "expected 4 runs (2 servers x 2 scenarios), got $runs"
# By default the aggregator is measured on its real path: staff_listen
# (two contexts, two threads) and headcount-map.v2 subscribers.
paths=$(jq -r '[.runs[] | select(.kind == "aggregator") | .path] | unique | join(",")' "$json")
[[ $paths == "two-context v2" ]] || fail "aggregator measured on '$paths', not two-context v2"
for kind in aggregator mosquitto; do
	ready=$(jq --arg k "$kind" '[.runs[] | select(.kind == $k) | .ready] | add' "$json")
	[[ $ready == 100 ]] || fail "$kind: $ready of 100 subscribers ready"
	missed=$(jq --arg k "$kind" '[.runs[] | select(.kind == $k and .areas == 1) | .rates[].missed] | add' "$json")
	[[ $missed == 0 ]] || fail "$kind: $missed updates did not reach every subscriber"
	for f in connections_per_s idle_bytes_per_subscriber; do
		jq -e --arg k "$kind" --arg f "$f" \
			'[.runs[] | select(.kind == $k) | .[$f] | numbers] | length == 2' "$json" \
			>/dev/null || fail "$kind: $f is not a number"
	done
	jq -e --arg k "$kind" '[.runs[] | select(.kind == $k and .areas == 1) | .rates[]
		| .update_to_all_p99_ms | numbers | select(. > 0)] | length == 2' "$json" \
		>/dev/null || fail "$kind: no update-to-all p99"
	got=$(jq --arg k "$kind" '[.runs[] | select(.kind == $k and .areas == 4) | .areas_run.area_updates_per_s] | add' "$json")
	jq -e -n --argjson g "$got" '$g > 0' >/dev/null || fail "$kind: no area updates in the 4-area run"
	note "$kind: $(jq -r --arg k "$kind" '.runs[] | select(.kind == $k and .areas == 1) | "\(.connections_per_s | round) conn/s, \(.idle_bytes_per_subscriber | round) B/subscriber, 2/s p99 \(.rates[0].update_to_all_p99_ms) ms"' "$json")"
done
grep -q '^connections per second' "$out/peers.txt" || fail "no table"
echo "PASS"
