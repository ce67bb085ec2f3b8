#!/usr/bin/env bash
# run-demo.sh — `make demo`: a whole venue on one machine.
#
# Starts the aggregator on the bundled demo venue (aggregator/demo/
# venue.ini), one terminal per door of the demo config, each worked by a
# simulated member of staff, and the supervisors' dashboard
# (headcount-dashboard, logged in as the demo supervisor "demo") when run
# in a terminal; without one (or with HC_DEMO_DASHBOARD=0) a live table
# of the areas refreshed every second. q in the dashboard or Ctrl-C stops
# all of it cleanly (terminals, then the aggregator with SIGTERM).
#
# State: everything lives in build/demo/ (HC_DEMO_DIR): the ledger
# demo.db, each door's journal terminal-ID.db, what each door's screen
# showed (terminal-ID.screen) and the logs. It is kept between runs, so a
# second `make demo` goes on from the counts the first one left; delete
# the directory (rm -rf build/demo) to start afresh.
#
# The staff obey their door: a member of staff lets someone in only while
# the door's screen shows entry=OPEN and an occupancy below the area's
# capacity, and counts someone out only when the screen shows anyone
# inside. So an area stops filling at its restriction.
#
# Refuses (exit 1, one line) when the port already serves something (for
# instance another aggregator: the demo would otherwise show and press
# into that venue), and when its own aggregator does not come up.
#
# HC_DEMO_PORT picks the port (default 8080); HC_DEMO_SECONDS stops the
# demo by itself after that many seconds; HC_DEMO_SPEED makes the staff
# press that many times faster (default 1); HC_DEMO_DIR moves the state;
# HC_BUILD picks the build whose binaries run (default build). The test
# suite uses them all.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/${HC_BUILD:-build}
port=${HC_DEMO_PORT:-8080}
run_s=${HC_DEMO_SECONDS:-0}
speed=${HC_DEMO_SPEED:-1}
work=${HC_DEMO_DIR:-$root/build/demo}

if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/" ||
	ss -ltnH "sport = :$port" 2>/dev/null | grep -q .; then
	what="something"
	curl -sf -m 2 "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -q '"status"' &&
		what="another aggregator"
	echo "demo: port $port is already taken by $what; stop it, or pick another port: HC_DEMO_PORT=8081 make demo" >&2
	exit 1
fi

mkdir -p "$work"
cp "$root/aggregator/demo/venue.ini" "$work/venue.ini"
cd "$work"
# A supervisor for the demo's dashboard; its password only ever lives
# here (supervisor.password, 0600) and as a PBKDF2 record in
# supervisors.passwd beside the demo's venue.ini.
printf '\n[supervisor demo]\n' >>venue.ini
(umask 077 && printf 'demo-only-password\n' >supervisor.password)
if ! "$bin/headcount-aggregator" passwd demo -c venue.ini <supervisor.password >passwd.log 2>&1; then
	echo "demo: cannot set the demo supervisor's password: $(tail -n 1 passwd.log)" >&2
	exit 1
fi
# Terminal authentication stays on, as at a real venue: each door is
# enrolled once (headcount-aggregator enroll; the secrets file is
# terminal-secrets here) and its terminal reads terminal-ID.secret.
for t in $(sed -n 's/^\[terminal \(.*\)\]$/\1/p' venue.ini); do
	[ -s "terminal-$t.secret" ] && grep -q "^$t " terminal-secrets 2>/dev/null && continue
	cmd=enroll
	grep -q "^$t " terminal-secrets 2>/dev/null && cmd=rotate
	out=$("$bin/headcount-aggregator" "$cmd" "$t" --config venue.ini --no-qr 2>enroll.log) || {
		echo "demo: cannot enroll door $t: $(tail -n 1 enroll.log)" >&2
		exit 1
	}
	(umask 077 && printf '%s\n' "$out" | sed -n 's/^secret = //p' >"terminal-$t.secret")
done

pids=()
stop_all() {
	trap - INT TERM
	echo
	echo "demo: stopping terminals and aggregator"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${agg:-}" ] && kill -TERM "$agg" 2>/dev/null
	wait 2>/dev/null
	echo "demo: stopped; the ledger, journals and logs stay in $work (rm -rf it to start afresh)"
	exit 0
}
trap stop_all INT TERM

"$bin/headcount-aggregator" --config venue.ini --listen "127.0.0.1:$port" >aggregator.log 2>&1 &
agg=$!
# Up means: our own aggregator is alive and says it listens (a /healthz
# answer alone could come from someone else).
up=no
for _ in $(seq 1 100); do
	if ! kill -0 "$agg" 2>/dev/null; then
		echo "demo: the aggregator did not start: $(grep ERROR aggregator.log | tail -n 1 | sed 's/^[^ ]* aggregator ERROR //')" >&2
		exit 1
	fi
	if grep -q 'listening on' aggregator.log &&
		curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
		up=yes
		break
	fi
	sleep 0.1
done
if [ $up = no ]; then
	echo "demo: the aggregator did not answer on port $port within 10 s; see $work/aggregator.log" >&2
	kill -TERM "$agg" 2>/dev/null
	exit 1
fi

# screen_field SCREEN KEY: KEY's value on the last line the door showed.
screen_field() {
	local line re="(^| )$2=([^ ]*)"
	line=$(tail -n 1 "$1" 2>/dev/null)
	[[ $line =~ $re ]] || return 1
	echo "${BASH_REMATCH[2]}"
}

# pause: 0.1-0.6 s between presses, HC_DEMO_SPEED times faster.
pause() {
	local ms=$(((100 + RANDOM % 500) / speed))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

# presser SEED SCREEN CAPACITY TERMINAL_PID: a member of staff at a
# door: mostly arrivals at first, then as many leaving as arriving; lets
# nobody in while the door shows STOP or a full area, counts nobody out
# of an empty one; goes home when the terminal is gone.
presser() {
	RANDOM=$1
	local screen=$2 capacity=$3 terminal=$4 start=$SECONDS
	while kill -0 "$terminal" 2>/dev/null; do
		local in_pct=75 entry occupancy
		[ $((SECONDS - start)) -gt $((60 / speed)) ] && in_pct=50
		entry=$(screen_field "$screen" entry) || entry=OPEN
		occupancy=$(screen_field "$screen" occupancy) || occupancy=-
		[[ $occupancy =~ ^-?[0-9]+$ ]] || occupancy=0
		local press=""
		if [ $((RANDOM % 100)) -lt $in_pct ]; then
			[ "$entry" != STOP ] && [ "$occupancy" -lt "$capacity" ] && press=in
		elif [ "$occupancy" -gt 0 ]; then
			press=out
		fi
		if [ -n "$press" ]; then
			# Press, then look at the door until it shows the press
			# (at most 2 s): the next decision sees the new figure.
			local before
			before=$(tail -n 1 "$screen" 2>/dev/null)
			echo "$press"
			for _ in $(seq 1 40); do
				[ "$(tail -n 1 "$screen" 2>/dev/null)" != "$before" ] && break
				sleep 0.05
			done
		fi
		pause
	done
}

# capacity_of AREA: the area's capacity from GET /api/areas.
capacity_of() {
	curl -sf "http://127.0.0.1:$port/api/areas" | jq -r --arg a "$1" '.[] | select(.id == $a) | .capacity'
}

terminals=$(sed -n 's/^\[terminal \(.*\)\]$/\1/p' venue.ini)
n=0
for t in $terminals; do
	n=$((n + 1))
	area=$(awk -v t="[terminal $t]" '$0 == t { f = 1; next } /^\[/ { f = 0 } f && $1 == "area" { print $3; exit }' venue.ini)
	capacity=$(capacity_of "$area")
	[[ $capacity =~ ^[0-9]+$ ]] || capacity=1000000
	: >"terminal-$t.screen"
	rm -f "terminal-$t.in"
	mkfifo "terminal-$t.in"
	"$bin/headcount-terminal" --id "$t" --url "ws://127.0.0.1:$port" --secret-file "terminal-$t.secret" \
		--journal "terminal-$t.db" --display line \
		<"terminal-$t.in" >"terminal-$t.screen" 2>"terminal-$t.log" &
	pids+=($!)
	presser $((n * 7919)) "terminal-$t.screen" "$capacity" "$!" >"terminal-$t.in" &
	pids+=($!)
done

echo "demo: visitors' map on http://127.0.0.1:$port/  (JSON: /api/areas, /healthz, /metrics)"
echo "demo: $n terminals pressing; state in $work (rm -rf it to start afresh); Ctrl-C stops everything"
if [ -t 0 ] && [ -t 1 ] && [ "${HC_DEMO_DASHBOARD:-1}" != 0 ] && [ -x "$bin/headcount-dashboard" ]; then
	sleep 1
	"$bin/headcount-dashboard" --url "ws://127.0.0.1:$port" --supervisor demo \
		--password-file supervisor.password 2>dashboard.log
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
	echo "state: $work"
	echo
	echo "${table:-aggregator not answering}"
	sleep 1
	[ "$run_s" -gt 0 ] && [ $((SECONDS - started)) -ge "$run_s" ] && stop_all
done
