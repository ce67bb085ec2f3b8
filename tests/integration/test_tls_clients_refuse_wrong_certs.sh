#!/usr/bin/env bash
# Clients verify the aggregator against the venue CA alone, and a
# terminal that is refused TLS keeps every press.
#
# The test CA (lib.sh's tls_test_ca) is the venue CA every client is
# given. Two aggregators it must refuse, one after the other on the same
# port: one whose certificate comes from another CA (made with make-ca in
# another directory), one whose certificate is from the venue CA but for
# the name other.example, not 127.0.0.1. Against each:
#   - a terminal logs "TLS verification failed" with lws's reason
#     (also when OpenSSL's default CA store, via SSL_CERT_FILE, holds the
#     other CA: the system's CAs are never used)
#     (unable to get local issuer certificate / IP address mismatch),
#     counts nothing (the ledger has no row, /api/areas shows 0) and keeps
#     its presses pending in its journal, retrying;
#   - hc_wsclient reports an error instead of a connection;
#   - the dashboard in tmux shows "TLS verification failed" (run when
#     tmux is installed);
#   - curl --cacert with the venue CA refuses it.
# Then the right aggregator comes up on the same port: the same terminal
# process connects by itself and every press is counted, none lost.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 CLI not installed"; exit 77; }

tls_test_ca
CA=$(realpath "$HC_TLS_DIR/ca.crt")
tls_clients_on "$CA"

# Another CA with its own certificate for 127.0.0.1.
"$AGG" make-ca "$WORK/other" --host 127.0.0.1 >"$WORK/make-ca-other.log" 2>&1 ||
	fail "make-ca other: $(cat "$WORK/make-ca-other.log")"
# The venue CA's certificate, but for another name.
mkdir -m 700 "$WORK/wrongname"
cp "$HC_TLS_DIR/ca.crt" "$HC_TLS_DIR/ca.key" "$WORK/wrongname/"
"$AGG" make-ca "$WORK/wrongname" --host other.example >"$WORK/make-ca-wrong.log" 2>&1 ||
	fail "make-ca wrongname: $(cat "$WORK/make-ca-wrong.log")"
grep -q 'venue CA:.*(kept)' "$WORK/make-ca-wrong.log" || fail "make-ca did not keep the existing CA"

port=$(free_port)
venue() { # venue FILE DIR: the venue served with DIR's server certificate
	cat >"$1" <<INI
[venue]
name = TLS refusals
database = $WORK/agg.db
[area hall]
capacity = 1000
[terminal t1]
area = hall
[supervisor alice]
[tls]
cert = $2/server.crt
key = $2/server.key
ca = $2/ca.crt
INI
}
venue "$WORK/other.ini" "$WORK/other"
venue "$WORK/wrong.ini" "$WORK/wrongname"
venue "$WORK/right.ini" "$(realpath "$HC_TLS_DIR")"

# start_wrong CONFIG CA_OF_IT: an aggregator the clients must refuse;
# /healthz is checked with the CA that did sign its certificate, and
# the name it was made for.
start_wrong() {
	local name=127.0.0.1 resolve=()
	[ "$1" = "$WORK/wrong.ini" ] && { name=other.example; resolve=(--resolve "other.example:$port:127.0.0.1"); }
	"$AGG" --config "$1" --listen "127.0.0.1:$port" >>"$WORK/aggregator.log" 2>&1 &
	AGG_PID=$!
	HC_PIDS+=("$AGG_PID")
	wait_until 15 curl -sf --cacert "$2" "${resolve[@]}" "https://$name:$port/healthz" ||
		fail "aggregator $1 did not come up"
}

write_presses "$WORK/t1.presses" 40 7
want_in=$(grep -cx in "$WORK/t1.presses")
want_out=$(grep -cx out "$WORK/t1.presses")

check_refused() { # check_refused LABEL LWS_REASON
	local label=$1 reason=$2
	wait_until 10 grep -q "$reason" "$WORK/t1.log" ||
		fail "$label: the terminal did not log lws's reason '$reason'"
	grep -q "TLS verification failed: the aggregator's certificate is not one the venue CA $CA signed" "$WORK/t1.log" ||
		fail "$label: no TLS verification line in the terminal's log"
	local rows
	rows=$(sqlite3 "$WORK/agg.db" 'select count(*) from ledger')
	[ "$rows" = 0 ] || fail "$label: the ledger has $rows rows"
	[ "$(status_field "$WORK/t1.db" pending_in)" = "$want_in" ] ||
		fail "$label: journal pending_in=$(status_field "$WORK/t1.db" pending_in), want $want_in"
	kill -0 "$TPID" || fail "$label: the terminal gave up"
	if curl -s "${HC_CURL_TLS[@]}" -o /dev/null "https://127.0.0.1:$port/healthz"; then
		fail "$label: curl --cacert with the venue CA accepted it"
	fi
	local out
	out=$("$WSCLIENT" --url "wss://127.0.0.1:$port" --ca "$CA" --proto headcount-terminal.v1 \
		--wait-ms 3000 2>&1 || true)
	grep -q '^error' <<<"$out" || fail "$label: hc_wsclient was not refused: $out"
	if [ -n "$HAVE_TMUX" ]; then
		local sess="hc-tls-$$-$label"
		tmux new-session -d -s "$sess" -x 250 -y 30 \
			"$DASH --url wss://127.0.0.1:$port --ca $CA --supervisor alice --password-file $WORK/alice.password 2>>$WORK/dashboard.log"
		wait_until 10 sh -c "tmux capture-pane -p -t '$sess' | grep -q 'TLS verification failed'" ||
			fail "$label: the dashboard did not show the refusal: $(tmux capture-pane -p -t "$sess")"
		tmux kill-session -t "$sess"
	fi
	note "$label: refused by terminal ($reason), hc_wsclient, curl${HAVE_TMUX:+, dashboard}; ledger empty, $want_in in pending"
}

HAVE_TMUX=
DASH=$HC_BUILD/headcount-dashboard
if command -v tmux >/dev/null; then
	HAVE_TMUX=1
	export TMUX_TMPDIR=$WORK
	HC_ON_EXIT='tmux kill-server'
	# Keeps the tmux server up between the sessions of each refusal (it
	# exits with its last session; a new-session then may fail).
	tmux new-session -d -s keep 'sleep 600'
	set_supervisor_password "$WORK/right.ini" alice correct-horse
fi

start_wrong "$WORK/other.ini" "$WORK/other/ca.crt"
# SSL_CERT_FILE makes OpenSSL's default store (the "OS CAs") the other
# CA: the terminal must still trust its --ca alone.
SSL_CERT_FILE=$WORK/other/ca.crt "$TERM_BIN" --id t1 --url "wss://127.0.0.1:$port" --ca "$CA" --journal "$WORK/t1.db" \
	--batch-interval-ms 100 --display none --exit-when-acked <"$WORK/t1.presses" \
	>"$WORK/t1.log" 2>&1 &
TPID=$!
HC_PIDS+=("$TPID")
check_refused other-ca 'unable to get local issuer certificate'
kill9 "$AGG_PID"

start_wrong "$WORK/wrong.ini" "$WORK/wrongname/ca.crt"
check_refused wrong-name 'IP address mismatch'
kill9 "$AGG_PID"

start_aggregator "$WORK/right.ini" "$port"
for _ in $(seq 1 150); do
	kill -0 "$TPID" 2>/dev/null || break
	sleep 0.2
done
wait "$TPID" || fail "the terminal did not finish against the right aggregator (see t1.log)"
[ "$(api_area "$port" hall entered)" = "$want_in" ] || fail "entered $(api_area "$port" hall entered), want $want_in"
[ "$(api_area "$port" hall exited)" = "$want_out" ] || fail "exited $(api_area "$port" hall exited), want $want_out"
note "right certificate: the same terminal connected by itself, in=$want_in out=$want_out counted"
echo "ok $TEST_NAME"
