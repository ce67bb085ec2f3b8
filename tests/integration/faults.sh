# shellcheck shell=bash disable=SC2034
# faults.sh — helpers shared by the fault-injection scenarios
# (tests/integration/test_fault_*.sh) and the soak run (tests/soak/).
#
# Sources lib.sh (processes in HC_PIDS are killed on exit, everything
# lives under $WORK) and adds: a seeded RANDOM, a venue config writer,
# terminals fed through a FIFO at a steady pace and restartable after a
# SIGKILL, hc_faultproxy control, tmpfs mounts that are unmounted on exit,
# and THE invariant every scenario ends with (ft_check_invariant):
#
#   for every terminal, the ledger's applied sums for that source equal
#   what its journal holds (pressed_in / pressed_out), every press is
#   acknowledged, no (source, incarnation, seq) is in the ledger twice,
#   and GET /api/areas equals the ledger's sums per area.
#
# Per-terminal state lives in associative arrays keyed by terminal id:
# FT_AREA (its area), FT_URL (where it connects), FT_JOURNAL (journal
# path), TPID / FPID (terminal and feeder pids). FT_TERMINALS lists the
# terminals that keep a journal; FT_EXPECT_IN / FT_EXPECT_OUT give the
# sums for sources without one (hand-made batches from hc_wsclient), and
# FT_EXTRA_IN / FT_EXTRA_OUT add the presses of a journal that was
# deleted (a replaced device). FT_GAPS_OK names sources whose ledger may
# have sequence gaps on purpose.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROXY_BIN=$HC_BUILD/tools/hc_faultproxy

declare -A FT_AREA=() FT_URL=() FT_JOURNAL=() TPID=() FPID=()
declare -A FT_EXPECT_IN=() FT_EXPECT_OUT=() FT_EXTRA_IN=() FT_EXTRA_OUT=()
declare -A FT_GAPS_OK=() FT_PROXY_PID=()
FT_TERMINALS=()
FT_MOUNTS=()

# Terminal options, overridable per scenario before starting terminals.
FT_BATCH_MS=${FT_BATCH_MS:-100}
FT_PACE_LINES=${FT_PACE_LINES:-20}     # presses written per burst
FT_PACE_SLEEP=${FT_PACE_SLEEP:-0.03}   # seconds between bursts
FT_TERM_ARGS=()                        # extra flags for every terminal

# Unmounts what ft_mount_tmpfs mounted (after killing every process that
# may hold a file open there), then runs lib.sh's cleanup with the
# scenario's exit status.
ft_cleanup() {
	local rc=$?
	for p in "${HC_PIDS[@]:-}"; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for m in "${FT_MOUNTS[@]:-}"; do
		[ -n "$m" ] || continue
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	(exit $rc)
	cleanup
}
trap ft_cleanup EXIT

# ft_seed: picks the scenario's seed (HC_SEED or random), prints it and
# seeds $RANDOM with it, so a failing run can be replayed.
ft_seed() {
	SEED=${HC_SEED:-$((RANDOM * 32768 + RANDOM))}
	echo "seed=$SEED (rerun with HC_SEED=$SEED HC_BUILD=$HC_BUILD bash $0)"
	RANDOM=$SEED
}

# ft_venue FILE DB T:AREA...: a venue config with one area per distinct
# AREA and one terminal per T, with TLS on (lib.sh's tls_venue: the
# scenario's URLs are then $HC_WS://); records FT_AREA.
ft_venue() {
	local file=$1 db=$2
	shift 2
	local areas=() pair t a
	{
		echo "[venue]"
		echo "name = Fault scenario $TEST_NAME"
		echo "database = $db"
		for pair in "$@"; do
			t=${pair%%:*}
			a=${pair##*:}
			FT_AREA[$t]=$a
			if [[ " ${areas[*]:-} " != *" $a "* ]]; then
				areas+=("$a")
				printf '[area %s]\ncapacity = 1000000\n' "$a"
			fi
			printf '[terminal %s]\narea = %s\n' "$t" "$a"
		done
	} >"$file"
	tls_venue "$file"
}

# ft_feed FILE OFFSET: writes the lines of FILE after OFFSET to stdout,
# FT_PACE_LINES at a time with FT_PACE_SLEEP between bursts.
ft_feed() {
	local n=0 line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		n=$((n + 1))
		if [ $((n % FT_PACE_LINES)) -eq 0 ]; then sleep "$FT_PACE_SLEEP"; fi
	done < <(tail -n +$(($2 + 1)) "$1")
}

# ft_start_terminal T URL OFFSET: starts terminal T (journal FT_JOURNAL[T],
# default $WORK/T.db; log $WORK/T.log) reading $WORK/T.presses after
# OFFSET lines through a FIFO, and exiting once all is acknowledged.
ft_start_terminal() {
	local t=$1 url=$2 offset=$3
	local fifo="$WORK/$t.fifo"
	FT_URL[$t]=$url
	: "${FT_JOURNAL[$t]:=$WORK/$t.db}"
	[[ " ${FT_TERMINALS[*]:-} " == *" $t "* ]] || FT_TERMINALS+=("$t")
	rm -f "$fifo"
	mkfifo "$fifo"
	"$TERM_BIN" --id "$t" --url "$url" --journal "${FT_JOURNAL[$t]}" \
		--batch-interval-ms "$FT_BATCH_MS" --display none --exit-when-acked \
		"${HC_CA_ARGS[@]}" "${FT_TERM_ARGS[@]}" <"$fifo" >>"$WORK/$t.log" 2>&1 &
	TPID[$t]=$!
	HC_PIDS+=("${TPID[$t]}")
	ft_feed "$WORK/$t.presses" "$offset" >"$fifo" 2>/dev/null &
	FPID[$t]=$!
	HC_PIDS+=("${FPID[$t]}")
}

# ft_start_terminal_held T URL [ARGS...]: terminal T reading a FIFO
# that a holder process keeps open for writing (pid in FT_HOLDER[T]), so
# presses go in exactly when ft_press writes them; ft_end_input ends its
# input. (A descriptor held by this shell would leak into every process
# started later and keep the FIFO from ever reaching EOF.) Log:
# $WORK/T.log, stdout and stderr, so --display line output lands there.
declare -A FT_HOLDER=()
ft_start_terminal_held() {
	local t=$1 url=$2
	shift 2
	local fifo="$WORK/$t.fifo"
	FT_URL[$t]=$url
	: "${FT_JOURNAL[$t]:=$WORK/$t.db}"
	[[ " ${FT_TERMINALS[*]:-} " == *" $t "* ]] || FT_TERMINALS+=("$t")
	rm -f "$fifo"
	mkfifo "$fifo"
	: >>"$WORK/$t.presses"
	"$TERM_BIN" --id "$t" --url "$url" --journal "${FT_JOURNAL[$t]}" \
		--batch-interval-ms "$FT_BATCH_MS" --exit-when-acked "${HC_CA_ARGS[@]}" "$@" \
		<"$fifo" >>"$WORK/$t.log" 2>&1 &
	TPID[$t]=$!
	HC_PIDS+=("${TPID[$t]}")
	sleep 100000 >"$fifo" &
	FT_HOLDER[$t]=$!
	HC_PIDS+=("${FT_HOLDER[$t]}")
}

# ft_press T N: N more presses (60 % in) into held terminal T, recorded
# in $WORK/T.presses.
ft_press() {
	awk -v n="$2" -v seed="$RANDOM" 'BEGIN { srand(seed); for (i = 0; i < n; i++) print (rand() < 0.6 ? "in" : "out") }' |
		tee -a "$WORK/$1.presses" >"$WORK/$1.fifo"
}

ft_end_input() { kill9 "${FT_HOLDER[$1]}"; }

# ft_settled T: T's journal holds every press fed and all are acknowledged.
ft_settled() {
	local j=${FT_JOURNAL[$1]} st
	st=$("$TERM_BIN" status --journal "$j" 2>/dev/null) || return 1
	local fed=$(($(ft_count "$1" in) + $(ft_count "$1" out)))
	grep -qx pending_in=0 <<<"$st" && grep -qx pending_out=0 <<<"$st" &&
		grep -qx unacked_batches=0 <<<"$st" &&
		[ $(($(sed -n 's/^pressed_in=//p' <<<"$st") + $(sed -n 's/^pressed_out=//p' <<<"$st"))) = "$fed" ]
}

# ft_journaled T: presses terminal T's journal holds.
ft_journaled() {
	local j=${FT_JOURNAL[$1]}
	[ -f "$j" ] || { echo 0; return; }
	echo $(($(status_field "$j" pressed_in) + $(status_field "$j" pressed_out)))
}

# ft_restart_terminal T: SIGKILLs terminal T and its feeder, then starts
# it again with the lines its journal does not hold (a killed terminal
# loses only presses it had read but not journaled, never shown counted).
ft_restart_terminal() {
	local t=$1
	kill9 "${TPID[$t]}"
	kill9 "${FPID[$t]}"
	ft_start_terminal "$t" "${FT_URL[$t]}" "$(ft_journaled "$t")"
}

# ft_terminal_running T: true while terminal T's process lives.
ft_terminal_running() {
	kill -0 "${TPID[$1]}" 2>/dev/null
}

# ft_wait_terminals LIMIT_S: waits until every terminal in FT_TERMINALS
# exited (all its presses acknowledged); fails after LIMIT_S seconds or
# when one exits with an error.
ft_wait_terminals() {
	local end=$((SECONDS + $1)) t
	for t in "${FT_TERMINALS[@]}"; do
		while ft_terminal_running "$t"; do
			[ $SECONDS -lt $end ] || fail "terminal $t still has presses unacknowledged after $1 s: $("$TERM_BIN" status --journal "${FT_JOURNAL[$t]}" | tr '\n' ' ')"
			sleep 0.2
		done
		wait "${TPID[$t]}" || fail "terminal $t exited with an error (see $WORK/$t.log)"
	done
}

# ft_count T in|out: lines of that kind in $WORK/T.presses.
ft_count() { grep -cx "$2" "$WORK/$1.presses" || true; }

# ft_check_fed T: terminal T's journal holds exactly the presses fed.
ft_check_fed() {
	local t=$1 j=${FT_JOURNAL[$1]}
	[ "$(status_field "$j" pressed_in)" = "$(ft_count "$t" in)" ] ||
		fail "$t journal pressed_in=$(status_field "$j" pressed_in), fed $(ft_count "$t" in)"
	[ "$(status_field "$j" pressed_out)" = "$(ft_count "$t" out)" ] ||
		fail "$t journal pressed_out=$(status_field "$j" pressed_out), fed $(ft_count "$t" out)"
}

# ft_sql DB SQL: one query, fields separated by spaces.
ft_sql() { sqlite3 -separator ' ' "$1" "$2"; }

# ft_check_invariant PORT DB: THE invariant (see the file comment). Also
# checks, for sources not in FT_GAPS_OK, that every incarnation's seqs
# are 1..N without a gap. Prints one summary line.
ft_check_invariant() {
	local port=$1 db=$2 t src want_in want_out got_in got_out j
	local dups
	dups=$(ft_sql "$db" "select count(*) from (select 1 from ledger group by source, incarnation, seq having count(*) > 1)")
	[ "$dups" = 0 ] || fail "invariant: $dups (source, incarnation, seq) applied twice"

	local sources=("${FT_TERMINALS[@]}" "${!FT_EXPECT_IN[@]}")
	for src in "${sources[@]}"; do
		[ -n "$src" ] || continue
		if [ -n "${FT_EXPECT_IN[$src]:-}" ]; then
			want_in=${FT_EXPECT_IN[$src]}
			want_out=${FT_EXPECT_OUT[$src]}
		else
			j=${FT_JOURNAL[$src]}
			local st
			st=$("$TERM_BIN" status --journal "$j") || fail "invariant: cannot read $j"
			local f
			declare -A s=()
			while IFS='=' read -r k v; do s[$k]=$v; done <<<"$st"
			for f in pending_in pending_out unacked_batches; do
				[ "${s[$f]}" = 0 ] || fail "invariant: $src $f=${s[$f]} (not all acknowledged)"
			done
			[ "${s[acked_in]}" = "${s[pressed_in]}" ] || fail "invariant: $src acked_in=${s[acked_in]} pressed_in=${s[pressed_in]}"
			[ "${s[acked_out]}" = "${s[pressed_out]}" ] || fail "invariant: $src acked_out=${s[acked_out]} pressed_out=${s[pressed_out]}"
			want_in=$((s[pressed_in] + ${FT_EXTRA_IN[$src]:-0}))
			want_out=$((s[pressed_out] + ${FT_EXTRA_OUT[$src]:-0}))
			unset s
		fi
		read -r got_in got_out < <(ft_sql "$db" \
			"select coalesce(sum(entered),0), coalesce(sum(exited),0) from ledger where source = '$src'")
		[ "$got_in" = "$want_in" ] || fail "invariant: ledger entered for $src is $got_in, its journal holds $want_in"
		[ "$got_out" = "$want_out" ] || fail "invariant: ledger exited for $src is $got_out, its journal holds $want_out"
		if [ -z "${FT_GAPS_OK[$src]:-}" ]; then
			local gaps
			gaps=$(ft_sql "$db" "select count(*) from (select incarnation from ledger where source = '$src' group by incarnation having count(*) != max(seq) or min(seq) != 1)")
			[ "$gaps" = 0 ] || fail "invariant: $src has a sequence gap in the ledger"
		fi
	done

	local area e x api_e api_x areas_json
	areas_json=$(curl -sf "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/api/areas") || fail "invariant: GET /api/areas failed"
	while read -r area e x; do
		api_e=$(jq -r --arg a "$area" '.[] | select(.id == $a) | .entered' <<<"$areas_json")
		api_x=$(jq -r --arg a "$area" '.[] | select(.id == $a) | .exited' <<<"$areas_json")
		[ "$api_e" = "$e" ] || fail "invariant: /api/areas $area entered=$api_e, ledger sum $e"
		[ "$api_x" = "$x" ] || fail "invariant: /api/areas $area exited=$api_x, ledger sum $x"
	done < <(ft_sql "$db" "select area, sum(entered), sum(exited) from ledger group by area")
	# Areas without ledger rows must show zero.
	local zero
	zero=$(jq -r '[.[] | select(.entered != 0 or .exited != 0) | .id] | join(" ")' <<<"$areas_json")
	for area in $zero; do
		[ -n "$(ft_sql "$db" "select 1 from ledger where area = '$area' limit 1")" ] ||
			fail "invariant: /api/areas shows counts for $area, which has no ledger rows"
	done
	note "invariant holds: $(ft_sql "$db" 'select count(*), sum(entered), sum(exited) from ledger' |
		awk '{ printf "%d ledger rows, entered %d, exited %d", $1, $2, $3 }'); no batch twice; /api/areas = ledger"
}

# ft_start_proxy NAME LISTEN_PORT TARGET_PORT: an hc_faultproxy with its
# control FIFO at $WORK/NAME.ctl and output in $WORK/NAME.log.
ft_start_proxy() {
	local name=$1
	rm -f "$WORK/$name.ctl"
	"$PROXY_BIN" --listen "$2" --target "$3" --control "$WORK/$name.ctl" \
		--max-seconds "${FT_PROXY_MAX_S:-600}" >"$WORK/$name.log" 2>&1 &
	FT_PROXY_PID[$name]=$!
	HC_PIDS+=("$!")
	wait_until 5 grep -q '^listening' "$WORK/$name.log" || fail "proxy $name did not start"
}

# ft_proxy NAME COMMAND: sends a command and waits until it was applied.
ft_proxy() {
	local name=$1 cmd=$2 before
	before=$(grep -cx "cmd $cmd" "$WORK/$name.log" || true)
	echo "$cmd" >"$WORK/$name.ctl"
	local end=$((SECONDS + 5))
	while [ "$(grep -cx "cmd $cmd" "$WORK/$name.log" || true)" -le "$before" ]; do
		[ $SECONDS -lt $end ] || fail "proxy $name did not apply \"$cmd\""
		sleep 0.05
	done
}

# ft_proxy_counter NAME KEY: a counter from the proxy's exit line (after
# quit) — e.g. cut_mid_frame, refused, resets.
ft_proxy_counter() {
	sed -n "s/.*counters.* $2=\([0-9]*\).*/\1/p" "$WORK/$1.log" | tail -n 1
}

# ft_stop_proxy NAME: quit, and wait for its counters line.
ft_stop_proxy() {
	echo quit >"$WORK/$1.ctl"
	wait_until 5 grep -q '^counters' "$WORK/$1.log" || fail "proxy $1 did not quit"
}

# ft_mount_tmpfs DIR SIZE: mounts a tmpfs of SIZE (e.g. 2m) on DIR, to be
# unmounted on exit. Returns 1 when mounting is not possible (not root,
# no CAP_SYS_ADMIN in this container).
ft_mount_tmpfs() {
	mkdir -p "$1"
	ft_no_root && return 1
	mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || return 1
	FT_MOUNTS+=("$1")
}

# ft_no_root: true when root-only set-ups must not be used: not root, or
# HC_TEST_NO_ROOT=1 (to check, as root, that a scenario skips honestly).
ft_no_root() { [ -n "${HC_TEST_NO_ROOT:-}" ] || [ "$(id -u)" -ne 0 ]; }

# ft_fill DIR: writes a filler file until DIR's file system is full.
ft_fill() {
	dd if=/dev/zero of="$1/filler" bs=4096 >/dev/null 2>&1 || true
	sync
}

# ft_hold_write_lock DB SECONDS: another process (the sqlite3 shell)
# takes DB's write lock with BEGIN IMMEDIATE and keeps it SECONDS, in the
# background; returns once the lock is held. Sets FT_LOCK_PID.
ft_hold_write_lock() {
	{ echo 'BEGIN IMMEDIATE;'; sleep "$2"; echo 'COMMIT;'; } | sqlite3 "$1" &
	FT_LOCK_PID=$!
	HC_PIDS+=("$FT_LOCK_PID")
	wait_until 5 ft_locked "$1" || fail "could not take the write lock of $1"
}
ft_locked() { ! sqlite3 -cmd '.timeout 0' "$1" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }

# ft_healthz PORT: "<http code> <body>" of GET /healthz.
ft_healthz() {
	curl -s "${HC_CURL_TLS[@]}" -o "$WORK/healthz.json" -w '%{http_code}' "$HC_HTTP://127.0.0.1:$1/healthz" || echo 000
}

# ft_rss_kb PID / ft_fds PID: resident memory and open descriptors.
ft_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
ft_fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
