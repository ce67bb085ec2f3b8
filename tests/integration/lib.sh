# lib.sh — helpers for integration tests that drive the real binaries.
#
# Sourced by tests/integration/test_*.sh. Every process a test starts is
# recorded and killed on exit; every wait is bounded. Networking is on
# 127.0.0.1 only. HC_BUILD names the build to test (build or build/san).

set -euo pipefail

HC_BUILD=${HC_BUILD:-build}
AGG=$HC_BUILD/headcount-aggregator
TERM_BIN=$HC_BUILD/headcount-terminal
WSCLIENT=$HC_BUILD/tools/hc_wsclient
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/hc-$TEST_NAME.XXXXXX")
HC_PIDS=()

HC_ON_EXIT=""  # extra shell code a test wants run on exit (e.g. tmux kill)

# How clients reach the aggregator: plain unless the test called
# tls_venue (below). HC_HTTP / HC_WS are the schemes, HC_CURL_TLS the
# curl options and HC_CA_ARGS the terminal's, dashboard's and
# hc_wsclient's options that go with them.
HC_HTTP=http
HC_WS=ws
HC_CURL_TLS=()
HC_CA_ARGS=()

cleanup() {
	local rc=$?
	eval "$HC_ON_EXIT" 2>/dev/null || true
	for p in "${HC_PIDS[@]:-}"; do
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- $TEST_NAME failed; logs in $WORK" >&2
		for f in "$WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "--- tail $f" >&2
			tail -n 25 "$f" >&2
		done
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  $*"; }

# A free TCP port on 127.0.0.1, below the kernel's ephemeral range (so
# no client socket of this or another test can hold it, and a client
# redialling it can never connect to itself), used by no socket in any
# state (checked with ss).
free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 12000 ] || low=32768
	for _ in $(seq 1 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		if [ -z "$(ss -tanH "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port"
}

# wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_until() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Terminal authentication is on in every test (docs/security.md).
# enroll_terminals CONFIG enrolls each [terminal ID] of CONFIG that is not
# enrolled yet (headcount-aggregator enroll), keeps each secret in
# $WORK/secrets/ID (0600) and exports HC_TERMINAL_SECRETS, the
# aggregator's secrets file, which hc_wsclient reads to authenticate.
# $TERM_BIN is a wrapper that hands a terminal started with --id ID its
# secret (--secret-file $WORK/secrets/ID, read at each connection, so a
# terminal started before its enrollment picks it up). start_aggregator
# calls enroll_terminals; a test that starts $AGG itself calls it first.
# A venue with terminal_auth = off is left alone.
HC_SECRETS_DIR=$WORK/secrets
export HC_TERMINAL_SECRETS=${HC_TERMINAL_SECRETS:-}
mkdir -p "$WORK/bin" "$HC_SECRETS_DIR"
chmod 700 "$HC_SECRETS_DIR"
TERM_BIN_REAL=$TERM_BIN
cat >"$WORK/bin/headcount-terminal" <<WRAPPER
#!/usr/bin/env bash
# headcount-terminal with the secret of its --id (tests/integration/lib.sh)
id=""
prev=""
for a in "\$@"; do
	[ "\$prev" = --id ] && id=\$a
	case \$a in --id=*) id=\${a#--id=} ;; --secret-file*) exec "$TERM_BIN_REAL" "\$@" ;; esac
	prev=\$a
done
[ -n "\$id" ] && exec "$TERM_BIN_REAL" "\$@" --secret-file "$HC_SECRETS_DIR/\$id"
exec "$TERM_BIN_REAL" "\$@"
WRAPPER
chmod +x "$WORK/bin/headcount-terminal"
TERM_BIN=$WORK/bin/headcount-terminal

enroll_terminals() {
	local config=$1 id out path
	grep -Eq '^[[:space:]]*terminal_auth[[:space:]]*[=:][[:space:]]*off' "$config" && return 0
	# Never write secrets outside the test's directory (an example
	# config whose ledger is in /var/lib): its terminals stay unenrolled.
	local db
	db=$(sed -n 's/^[[:space:]]*database[[:space:]]*[=:][[:space:]]*//p' "$config" | head -n 1)
	case $db in /*) case $db in "$WORK"/*) ;; *) echo "enroll_terminals: $config keeps its ledger outside $WORK; not enrolled" >>"$WORK/enroll.log"; return 0 ;; esac ;; esac
	for id in $(sed -n 's/^[[:space:]]*\[terminal[[:space:]]\{1,\}\([A-Za-z0-9_-]\{1,\}\)[[:space:]]*\].*/\1/p' "$config"); do
		[ -s "$HC_SECRETS_DIR/$id" ] && continue
		out=$("$AGG" enroll "$id" --config "$config" --no-qr 2>>"$WORK/enroll.log") || {
			echo "enroll_terminals: enroll $id failed (see enroll.log)" >>"$WORK/enroll.log"
			continue
		}
		path=$(printf '%s\n' "$out" | sed -n 's/^# terminal .* enrolled in \(.*\); its config.*/\1/p')
		[ -n "$path" ] && HC_TERMINAL_SECRETS=$path
		(umask 077 && printf '%s\n' "$out" | sed -n 's/^secret = //p' >"$HC_SECRETS_DIR/$id.tmp") &&
			mv "$HC_SECRETS_DIR/$id.tmp" "$HC_SECRETS_DIR/$id"
	done
	export HC_TERMINAL_SECRETS
}

# start_aggregator CONFIG PORT [extra args]: enrolls its terminals
# (enroll_terminals), starts it, waits for /healthz.
# Sets AGG_PID. Appends to $WORK/aggregator.log.
start_aggregator() {
	local config=$1 port=$2
	shift 2
	enroll_terminals "$config"
	"$AGG" --config "$config" --listen "127.0.0.1:$port" "$@" \
		>>"$WORK/aggregator.log" 2>&1 &
	AGG_PID=$!
	HC_PIDS+=("$AGG_PID")
	wait_until 15 curl -sf "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz" ||
		wait_until 1 curl -s "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$port/healthz" ||
		fail "aggregator did not come up on port $port"
}

# kill9 PID: SIGKILL and reap.
kill9() {
	kill -9 "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# api_area PORT AREA FIELD: one field of one area from GET /api/areas.
api_area() {
	curl -sf "${HC_CURL_TLS[@]}" "$HC_HTTP://127.0.0.1:$1/api/areas" |
		jq -r --arg a "$2" --arg f "$3" '.[] | select(.id == $a) | .[$f]'
}

# status_field JOURNAL FIELD: one key of `headcount-terminal status`.
status_field() {
	"$TERM_BIN" status --journal "$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# write_presses FILE N SEED: N random lines "in"/"out" (60 % in).
write_presses() {
	awk -v n="$2" -v seed="$3" 'BEGIN { srand(seed); for (i = 0; i < n; i++) print (rand() < 0.6 ? "in" : "out") }' >"$1"
}

# ---- TLS (docs/security.md, "TLS on a venue LAN") ------------------------
# A test CA and a server certificate for 127.0.0.1 and localhost, made
# with `headcount-aggregator make-ca` once per build and reused by every
# test of the run (under $HC_BUILD/test-tls). HC_TLS=0 runs the tests that
# turn TLS on in plain ws instead (to compare times or isolate a failure).
HC_TLS_DIR=${HC_TLS_DIR:-$HC_BUILD/test-tls}

# tls_test_ca: makes $HC_TLS_DIR unless it is there and valid for at
# least another day (checked with openssl when installed; make-ca's
# certificates last 825 days); safe when tests race (the first rename
# wins).
tls_test_ca() {
	if [ -f "$HC_TLS_DIR/server.crt" ] && [ -f "$HC_TLS_DIR/ca.crt" ] &&
		{ ! command -v openssl >/dev/null ||
			openssl x509 -checkend 86400 -noout -in "$HC_TLS_DIR/server.crt" >/dev/null 2>&1; }; then
		return 0
	fi
	local tmp
	tmp=$(mktemp -d "$(dirname "$HC_TLS_DIR")/.test-tls.XXXXXX")
	"$AGG" make-ca "$tmp/ca" --host 127.0.0.1 --host localhost >"$tmp/make-ca.log" 2>&1 ||
		fail "make-ca failed: $(cat "$tmp/make-ca.log")"
	rm -rf "$HC_TLS_DIR.old"
	[ -d "$HC_TLS_DIR" ] && mv -T "$HC_TLS_DIR" "$HC_TLS_DIR.old" 2>/dev/null
	mv -T "$tmp/ca" "$HC_TLS_DIR" 2>/dev/null || true
	rm -rf "$tmp" "$HC_TLS_DIR.old"
	[ -f "$HC_TLS_DIR/server.crt" ] || fail "no test certificate in $HC_TLS_DIR"
}

# tls_clients_on CA: clients use https/wss and trust CA only.
tls_clients_on() {
	HC_HTTP=https
	HC_WS=wss
	HC_CURL_TLS=(--cacert "$1")
	HC_CA_ARGS=(--ca "$1")
}

# tls_venue CONFIG: turns TLS on for this test (unless HC_TLS=0): appends
# [tls] with the test CA's files to CONFIG and points the helpers and
# the $HC_WS / $HC_HTTP / HC_CA_ARGS the test hands its clients at wss
# and https. Call it after writing CONFIG, before start_aggregator.
tls_venue() {
	[ "${HC_TLS:-1}" = 1 ] || return 0
	tls_test_ca
	local dir
	dir=$(realpath "$HC_TLS_DIR")
	printf '[tls]\ncert = %s/server.crt\nkey = %s/server.key\nca = %s/ca.crt\n' \
		"$dir" "$dir" "$dir" >>"$1"
	tls_clients_on "$dir/ca.crt"
}

# set_supervisor_password CONFIG NAME PASSWORD: sets NAME's password with
# `headcount-aggregator passwd` (from stdin; 1000 PBKDF2 iterations, the
# least allowed, so that tests log in quickly) and writes PASSWORD to
# $WORK/NAME.password (mode 0600) for --password-file.
set_supervisor_password() {
	printf '%s\n' "$3" | "$AGG" passwd "$2" -c "$1" --iterations 1000 >>"$WORK/passwd.log" 2>&1 ||
		fail "passwd $2 failed: $(tail -n 1 "$WORK/passwd.log")"
	(umask 077 && printf '%s\n' "$3" >"$WORK/$2.password")
}
