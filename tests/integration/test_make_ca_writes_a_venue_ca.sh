#!/usr/bin/env bash
# headcount-aggregator make-ca writes a venue CA and a server
# certificate that work, and never puts a CA at risk.
#   - keys are 0600, the directory 0700; openssl verifies server.crt
#     against ca.crt; the certificate carries exactly the --host names
#     and addresses and serverAuth; the pin printed is openssl's SHA-256
#     fingerprint of ca.crt, and the [tls] lines printed load as they are;
#   - run again on the same directory: the CA (and its pin) is kept, the
#     server certificate is new;
#   - ca.crt without ca.key, and ca.key without ca.crt, are refused
#     (exit 1) and nothing is overwritten; a bad --host or --days exits 2.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

d=$WORK/tls
"$AGG" make-ca "$d" --host 127.0.0.1 --host venue.lan --host ::1 --days 30 >"$WORK/out1" ||
	fail "make-ca failed: $(cat "$WORK/out1")"
[ "$(stat -c %a "$d")" = 700 ] || fail "directory mode $(stat -c %a "$d")"
for k in ca.key server.key; do
	[ "$(stat -c %a "$d/$k")" = 600 ] || fail "$k mode $(stat -c %a "$d/$k")"
done
openssl verify -CAfile "$d/ca.crt" "$d/server.crt" >/dev/null || fail "openssl does not verify server.crt"
text=$(openssl x509 -in "$d/server.crt" -noout -text)
grep -q 'IP Address:127.0.0.1, DNS:venue.lan, IP Address:0:0:0:0:0:0:0:1' <<<"$text" ||
	fail "subjectAltName is not the hosts given: $(grep -A1 'Alternative' <<<"$text")"
grep -q 'TLS Web Server Authentication' <<<"$text" || fail "no serverAuth"
openssl x509 -in "$d/server.crt" -noout -checkend $((31 * 86400)) >/dev/null &&
	fail "--days 30 made a certificate valid for more than 31 days"
pin=$(sed -n 's/^CA pin: *//p' "$WORK/out1")
fp=$(openssl x509 -in "$d/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
[ "$pin" = "$fp" ] || fail "pin $pin is not openssl's fingerprint $fp"
note "CA and server certificate: modes 700/600, verified by openssl, SANs as given, pin = openssl fingerprint"

# The printed [tls] lines work as they are.
port=$(free_port)
{ printf '[venue]\ndatabase = %s\n[area hall]\ncapacity = 5\n' "$WORK/agg.db"
  sed -n '/^\[tls\]/,/^ca = /p' "$WORK/out1"; } >"$WORK/venue.ini"
tls_clients_on "$d/ca.crt"
start_aggregator "$WORK/venue.ini" "$port"
curl -sf --cacert "$d/ca.crt" "https://127.0.0.1:$port/healthz" >/dev/null || fail "healthz over the printed [tls]"
grep -q "pin (ca_sha256) $pin" "$WORK/aggregator.log" || fail "the aggregator logs another pin"
kill9 "$AGG_PID"
note "the printed [tls] lines serve https; the aggregator logs the same pin"

server_before=$(sha256sum <"$d/server.crt")
ca_before=$(sha256sum <"$d/ca.crt")
"$AGG" make-ca "$d" --host 127.0.0.1 >"$WORK/out2" || fail "second make-ca failed"
grep -q 'venue CA:.*(kept)' "$WORK/out2" || fail "the CA was not kept"
[ "$(sha256sum <"$d/ca.crt")" = "$ca_before" ] || fail "ca.crt changed"
[ "$(sed -n 's/^CA pin: *//p' "$WORK/out2")" = "$pin" ] || fail "the pin changed"
[ "$(sha256sum <"$d/server.crt")" != "$server_before" ] || fail "server.crt was not renewed"
openssl verify -CAfile "$d/ca.crt" "$d/server.crt" >/dev/null || fail "the renewed certificate does not verify"
note "second run: CA and pin kept, a new server certificate"

mkdir -m 700 "$WORK/nokey" "$WORK/nocrt"
cp "$d/ca.crt" "$WORK/nokey/"
cp "$d/ca.key" "$WORK/nocrt/"
rc=0; "$AGG" make-ca "$WORK/nokey" >"$WORK/out3" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ca.crt without ca.key: exit $rc"
grep -q 'is there without its key' "$WORK/out3" || fail "ca.crt without ca.key: $(cat "$WORK/out3")"
[ ! -e "$WORK/nokey/ca.key" ] && [ ! -e "$WORK/nokey/server.crt" ] || fail "files were written beside a keyless CA"
rc=0; "$AGG" make-ca "$WORK/nocrt" >"$WORK/out4" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ca.key without ca.crt: exit $rc"
grep -q 'restore ca.crt' "$WORK/out4" || fail "ca.key without ca.crt: $(cat "$WORK/out4")"
cmp -s "$d/ca.key" "$WORK/nocrt/ca.key" || fail "ca.key was touched"
for bad in "--host bad_name!" "--host" "--days 0" "--days 4000"; do
	rc=0
	# shellcheck disable=SC2086
	"$AGG" make-ca "$WORK/x" $bad >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "make-ca $bad: exit $rc, want 2"
done
note "a CA missing its key or its certificate: refused, nothing touched; bad --host/--days: exit 2"
echo "ok $TEST_NAME"
