#!/usr/bin/env bash
# The terminal checks its TLS settings before it counts anything.
#   - a config whose ca_sha256 is not the pin of its ca file is refused at
#     start-up with file:line (exit 2); so is the same mistake in flags;
#   - ca_sha256 that is not 64 hex digits is refused at its line;
#   - wss:// without a CA is refused with a message naming ca / --ca;
#   - the right pin (openssl's colon form too) starts and counts.
. "$(dirname "$0")/lib.sh"

tls_test_ca
ca=$(realpath "$HC_TLS_DIR/ca.crt")
# The pin as make-ca prints it for the existing CA (make-ca keeps the CA
# and writes a new server certificate: on a copy, so the cache stays).
cp -r "$HC_TLS_DIR" "$WORK/ca"
chmod 700 "$WORK/ca"
pin=$("$AGG" make-ca "$WORK/ca" | sed -n 's/^CA pin: *//p')
[ ${#pin} = 64 ] || fail "make-ca printed no pin"
wrong=$(printf '%s' "$pin" | tr '0-9a-f' '1-9a-f0')

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 100
[terminal t1]
area = hall
INI
tls_venue "$WORK/venue.ini"
[ "$HC_WS" = wss ] || { echo "SKIP: HC_TLS=0"; exit 77; }
start_aggregator "$WORK/venue.ini" "$port"

run_term() { # run_term CONFIG_TEXT [FLAGS...]: exit status, output in $WORK/term.out
	printf '%s\n' "$1" >"$WORK/terminal.ini"
	shift
	local rc=0
	printf 'in\nin\n' | timeout 20 "$TERM_BIN" --config "$WORK/terminal.ini" --journal "$WORK/t1.db" \
		--batch-interval-ms 100 --display none --exit-when-acked --secret-file "$HC_SECRETS_DIR/t1" "$@" >"$WORK/term.out" 2>&1 || rc=$?
	echo "$rc"
}
base="[terminal]
id = t1
url = wss://127.0.0.1:$port"

rc=$(run_term "$base
ca = $ca
ca_sha256 = $wrong")
[ "$rc" = 2 ] || fail "wrong pin: exit $rc"
grep -q "$WORK/terminal.ini:5: the CA file $ca has pin $pin, not the ca_sha256 given" "$WORK/term.out" ||
	fail "wrong pin: no file:line message: $(cat "$WORK/term.out")"
note "wrong ca_sha256 in the file: exit 2, terminal.ini:5"

rc=$(run_term "$base
ca_sha256 = 12ab
ca = $ca")
[ "$rc" = 2 ] || fail "short pin: exit $rc"
grep -q "terminal.ini:4: ca_sha256 must be 64 hex digits" "$WORK/term.out" || fail "short pin: $(cat "$WORK/term.out")"
note "malformed ca_sha256: exit 2, terminal.ini:4"

rc=$(run_term "$base" --ca "$ca" --ca-sha256 "$wrong")
[ "$rc" = 2 ] || fail "wrong pin by flag: exit $rc"
grep -q "has pin $pin, not the ca_sha256 given" "$WORK/term.out" || fail "wrong pin by flag: $(cat "$WORK/term.out")"

rc=$(run_term "$base")
[ "$rc" = 2 ] || fail "wss without ca: exit $rc"
grep -q "needs the venue CA to verify the aggregator: ca = PATH in the config or --ca PATH" "$WORK/term.out" ||
	fail "wss without ca: $(cat "$WORK/term.out")"
note "wss:// without a CA: exit 2"

colon=$(printf '%s' "$pin" | sed 's/../&:/g; s/:$//' | tr 'a-f' 'A-F')
rc=$(run_term "$base
ca = $ca
ca_sha256 = $colon")
[ "$rc" = 0 ] || fail "right pin: exit $rc: $(cat "$WORK/term.out")"
[ "$(api_area "$port" hall entered)" = 2 ] || fail "right pin: not counted"
note "right pin (colon form): counted"
echo "ok $TEST_NAME"
