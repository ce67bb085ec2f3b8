#!/usr/bin/env bash
# The aggregator serves TLS from [tls], says so when it does not, and
# refuses to start on TLS files that cannot work.
#
#   - with [tls]: GET /, /api/areas and /healthz answer 200 over https
#     with curl --cacert (the venue CA) on the public port and on
#     staff_listen, and a terminal counts over wss:// on staff_listen; curl without the CA refuses the certificate; a plain
#     http:// request to the TLS port gets no HTTP answer; the log names
#     the CA pin, the same one make-ca printed;
#   - without [tls]: one WARN line says traffic is unencrypted and fit
#     only for a laptop-only demo;
#   - a missing key, a key of another certificate, a certificate the
#     configured CA did not sign, an expired certificate (made with
#     openssl, when installed) and a key the user cannot read (as nobody,
#     when run as root) each stop it with exit status 1 and one
#     ERROR line naming the file and what to do, before any port opens.
. "$(dirname "$0")/lib.sh"

tls_test_ca
dir=$(realpath "$HC_TLS_DIR")
port=$(free_port)
staff=$(free_port)
base() {
	cat <<INI
[venue]
name = TLS start
database = $WORK/agg.db
staff_listen = 127.0.0.1:$staff
[area hall]
capacity = 100
[terminal t1]
area = hall
INI
}
{ base; printf '[tls]\ncert = %s/server.crt\nkey = %s/server.key\nca = %s/ca.crt\n' "$dir" "$dir" "$dir"; } >"$WORK/tls.ini"
tls_clients_on "$dir/ca.crt"
start_aggregator "$WORK/tls.ini" "$port"

for path in / /api/areas /healthz; do
	for p in "$port" "$staff"; do
		[ "$p" = "$staff" ] && [ "$path" != /healthz ] && continue
		code=$(curl -s --cacert "$dir/ca.crt" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p$path")
		[ "$code" = 200 ] || fail "GET https://127.0.0.1:$p$path: $code"
	done
done
jq -e '.[0].id == "hall"' < <(curl -sf --cacert "$dir/ca.crt" "https://127.0.0.1:$port/api/areas") >/dev/null ||
	fail "/api/areas over https is not the area list"
note "https: /, /api/areas, /healthz 200 on the public port; /healthz 200 on staff_listen"

printf 'in\nin\nout\n' | timeout 20 "$TERM_BIN" --id t1 --url "wss://127.0.0.1:$staff" --ca "$dir/ca.crt" \
	--journal "$WORK/t1.db" --batch-interval-ms 100 --display none --exit-when-acked \
	>"$WORK/t1.log" 2>&1 || fail "a terminal over wss:// to staff_listen did not finish: $(tail -3 "$WORK/t1.log")"
[ "$(api_area "$port" hall occupancy)" = 1 ] || fail "the terminal on staff_listen was not counted"
note "a terminal over wss:// on staff_listen: counted"

if curl -s -o /dev/null "https://127.0.0.1:$port/healthz"; then
	fail "curl without --cacert accepted the venue certificate"
fi
rc=0
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/healthz" || rc=$?
[ "$rc" != 0 ] || fail "plain http:// to the TLS port got an answer"
note "curl without the CA: refused; plain http:// to the TLS port: no answer (curl exit $rc)"

pin=$(openssl x509 -in "$dir/ca.crt" -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' || true)
grep -q "tls: https and wss only, certificate $dir/server.crt; venue CA $dir/ca.crt, pin (ca_sha256) [0-9a-f]\{64\}" \
	"$WORK/aggregator.log" || fail "no TLS line with the pin in the log"
if [ -n "$pin" ]; then
	grep -q "pin (ca_sha256) $pin" "$WORK/aggregator.log" || fail "the logged pin is not openssl's SHA-256 fingerprint $pin"
fi
kill9 "$AGG_PID"

# Plain: the warning.
base >"$WORK/plain.ini"
HC_HTTP=http HC_CURL_TLS=() start_aggregator "$WORK/plain.ini" "$port"
grep -q "WARN tls: no \[tls\] in $WORK/plain.ini: all traffic (counts, supervisor commands and keys) is unencrypted ws:// and http://, fit only for a demo on one laptop" \
	"$WORK/aggregator.log" || fail "no unencrypted warning for a plain venue"
note "without [tls]: the unencrypted warning"
kill9 "$AGG_PID"

# refused NAME CERT KEY CA MESSAGE: the aggregator exits 1 with MESSAGE.
refused() {
	local name=$1 cert=$2 key=$3 ca=$4 want=$5
	{ base; printf '[tls]\ncert = %s\nkey = %s\nca = %s\n' "$cert" "$key" "$ca"; } >"$WORK/$name.ini"
	local rc=0 p
	p=$(free_port)
	timeout 20 "$AGG" --config "$WORK/$name.ini" --listen "127.0.0.1:$p" >"$WORK/$name.log" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "$name: exit status $rc, want 1 ($(cat "$WORK/$name.log"))"
	grep -q "ERROR tls: $want" "$WORK/$name.log" || fail "$name: no line '$want' in: $(cat "$WORK/$name.log")"
	[ "$(grep -c ERROR "$WORK/$name.log")" = 1 ] || fail "$name: more than one ERROR line: $(cat "$WORK/$name.log")"
	! grep -q 'listening on' "$WORK/$name.log" || fail "$name: it listened"
	note "$name: exit 1, $(grep -o 'ERROR tls: .*' "$WORK/$name.log" | cut -c1-110)..."
}
"$AGG" make-ca "$WORK/other" >/dev/null 2>&1 || fail "make-ca other"
refused missing-key "$dir/server.crt" "$WORK/nope.key" "$dir/ca.crt" \
	"key $WORK/nope.key cannot be opened (No such file or directory): make one with headcount-aggregator make-ca"
refused mismatched-key "$dir/server.crt" "$WORK/other/server.key" "$dir/ca.crt" \
	"key $WORK/other/server.key does not belong to certificate $dir/server.crt"
refused other-ca "$dir/server.crt" "$dir/server.key" "$WORK/other/ca.crt" \
	"certificate $dir/server.crt is not signed by the CA $WORK/other/ca.crt"
if command -v openssl >/dev/null; then
	openssl req -new -key "$WORK/other/server.key" -subj /CN=127.0.0.1 -out "$WORK/exp.csr" 2>/dev/null &&
		openssl x509 -req -in "$WORK/exp.csr" -CA "$WORK/other/ca.crt" -CAkey "$WORK/other/ca.key" \
			-days -1 -out "$WORK/expired.crt" 2>/dev/null || fail "openssl could not make an expired certificate"
	refused expired "$WORK/expired.crt" "$WORK/other/server.key" "$WORK/other/ca.crt" \
		"certificate $WORK/expired.crt expired on [0-9-]*: make one with headcount-aggregator make-ca"
else
	note "openssl not installed: the expired certificate case is left out"
fi

# A key the service user cannot read (root's, 0600): as nobody.
if [ "$(id -u)" = 0 ] && [ -z "${HC_TEST_NO_ROOT:-}" ] && command -v setpriv >/dev/null &&
	id nobody >/dev/null 2>&1; then
	chmod 711 "$WORK"
	u=$WORK/as-nobody
	mkdir "$u"
	chown nobody "$u"
	cp "$dir/server.crt" "$dir/server.key" "$u/"
	chmod 644 "$u/server.crt"
	chmod 600 "$u/server.key"
	printf '[venue]\ndatabase = %s/agg.db\n[area hall]\ncapacity = 5\n[tls]\ncert = %s/server.crt\nkey = %s/server.key\n' \
		"$u" "$u" "$u" >"$u/venue.ini"
	chmod 644 "$u/venue.ini"
	rc=0
	timeout 20 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$AGG" --config "$u/venue.ini" --listen "127.0.0.1:$(free_port)" >"$WORK/unreadable.log" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "unreadable key: exit $rc ($(cat "$WORK/unreadable.log"))"
	grep -q "ERROR tls: key $u/server.key cannot be read by this user (Permission denied): give it to the service user" \
		"$WORK/unreadable.log" || fail "unreadable key: $(cat "$WORK/unreadable.log")"
	note "unreadable key (run as nobody): exit 1, 'cannot be read by this user ... give it to the service user'"
else
	note "not root (or no setpriv/nobody): the unreadable key case is left out"
fi
echo "ok $TEST_NAME"
