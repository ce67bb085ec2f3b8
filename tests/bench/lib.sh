# lib.sh — what the benchmark scripts share (sourced by run-bench.sh,
# run-ingest.sh, run-peers.sh, run-map-pings.sh, massif-map-idle.sh and
# callgrind-ingest.sh; defines functions only, runs nothing).

# bench_cleanup: the scripts' EXIT trap. Stops the server the script
# started ($AGG_PID, or $SERVER_PID for a script that runs more than one
# kind of server, when set) and waits for it, then removes $TMP.
bench_cleanup() {
	local pid
	for pid in "${AGG_PID:-}" "${SERVER_PID:-}"; do
		[[ -n $pid ]] || continue
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
}

# bench_free_port NAME: prints a TCP port on 127.0.0.1 that nothing
# listens on, from 20000..31999 (below the kernel's ephemeral range, so
# no client socket of the run can hold it). Tries 51 random ports at
# most; when none is free, says so as NAME on stderr and returns 1.
bench_free_port() {
	local p
	for _ in $(seq 0 50); do
		p=$(( 20000 + (RANDOM % 12000) ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "$1: no free port found" >&2
	return 1
}

# bench_wait_healthz NAME PORT TRIES: waits until the aggregator on
# 127.0.0.1:PORT answers GET /healthz, polling every 50 ms at most TRIES
# times; when it never does, prints $TMP/aggregator.log as NAME on
# stderr and returns 1.
bench_wait_healthz() {
	for _ in $(seq 1 "$3"); do
		curl -sf -o /dev/null "http://127.0.0.1:$2/healthz" && return 0
		sleep 0.05
	done
	curl -sf -o /dev/null "http://127.0.0.1:$2/healthz" && return 0
	echo "$1: the aggregator did not start:" >&2
	cat "$TMP/aggregator.log" >&2
	return 1
}

# bench_wait_maps PORT COUNT: waits up to 60 s until the aggregator on
# 127.0.0.1:PORT holds COUNT map connections (its /metrics); prints how
# many it holds then.
bench_wait_maps() {
	local maps=0
	for _ in $(seq 1 600); do
		maps=$(curl -sf "http://127.0.0.1:$1/metrics" |
			awk '/^headcount_connections\{role="map"\}/ { print $2 }')
		(( ${maps:-0} >= $2 )) && break
		sleep 0.1
	done
	echo "${maps:-0}"
}

# bench_write_venue FILE NAME PORT DATABASE TERMINALS: the benchmark
# venue: 8 areas with room for anything, TERMINALS terminals b1.. spread
# over them, no per-address limit (every client runs on 127.0.0.1).
bench_write_venue() {
	local file=$1 name=$2 port=$3 db=$4 terminals=$5 a t
	{
		printf '[venue]\nname = %s\nlisten = 127.0.0.1:%d\ndatabase = %s\n' "$name" "$port" "$db"
		printf 'connections_per_address = 1000000\n'
		for a in $(seq 1 8); do
			printf '\n[area a%d]\nname = Area %d\ncapacity = 1000000\n' "$a" "$a"
		done
		for t in $(seq 1 "$terminals"); do
			printf '\n[terminal b%d]\narea = a%d\n' "$t" $(( (t - 1) % 8 + 1 ))
		done
	} > "$file"
}

# bench_write_secrets FILE TERMINALS: every terminal b1.. enrolled (the
# aggregator's secrets file, docs/security.md), so ingest runs with
# terminal authentication on, as at a venue. Written in one go: a
# thousand `headcount-aggregator enroll` runs would rewrite the file a
# thousand times.
bench_write_secrets() {
	(umask 077 && head -c $((32 * $2)) /dev/urandom | od -An -v -tx1 | tr -d ' \n' |
		fold -w 64 | awk '{ printf "b%d %s\n", NR, $0 }' > "$1")
}
