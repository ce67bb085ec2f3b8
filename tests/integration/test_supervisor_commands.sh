#!/usr/bin/env bash
# The supervisor role: authentication, overrides, threshold changes that
# survive a restart, corrections recorded as ledger deltas, and bad
# commands that change nothing.
#
#  - a right password is welcomed with a snapshot; a wrong password or an
#    unknown name is closed with 4009;
#  - override closed: a listening terminal and a map see restricted:true
#    at once; release (auto): back to automatic, restricted:false;
#  - set_thresholds capacity 400: answered ok, audited, in force at once
#    and still after the aggregator restarts;
#  - correct hall to 120: a ledger row of source supervisor:alice with the
#    delta, /api/areas shows 120, audited;
#  - bad commands are answered ok:false with a reason, keep the
#    connection, and change no table; malformed JSON closes with 4000.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 300
[terminal t1]
area = hall
[terminal t2]
area = hall
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse
tls_venue "$WORK/venue.ini"
start_aggregator "$WORK/venue.ini" "$port"
URL="$HC_WS://127.0.0.1:$port"
SUP=("${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-supervisor.v1 --supervisor alice --password-file "$WORK/alice.password")

# supervise WAIT_MS FRAMES...: one supervisor session; prints its output.
supervise() {
	local wait=$1
	shift
	local args=()
	for f in "$@"; do args+=(--send "$f"); done
	"$WSCLIENT" "${SUP[@]}" --wait-ms "$wait" "${args[@]}"
}

# Authentication.
out=$(supervise 1500)
grep -q '"type":"welcome","supervisor":"alice"' <<<"$out" || fail "no welcome: $out"
grep -q '"type":"snapshot".*"areas":\[.*"id":"hall".*"terminals":\[' <<<"$out" ||
	fail "no snapshot of areas and terminals: $out"
(umask 077 && echo wrong-horse >"$WORK/wrong.password")
# A refused login ends with the server's close, so the wait is only a
# ceiling: generous, because an unknown name is answered with a salt of
# the default 600,000 iterations, which the client spends seconds on
# under ThreadSanitizer before it can send its proof.
out=$("$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-supervisor.v1 --supervisor alice --password-file "$WORK/wrong.password" --wait-ms 20000)
grep -q '^close 4009 ' <<<"$out" || fail "wrong password not closed with 4009: $out"
out=$("$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-supervisor.v1 --supervisor mallory --password-file "$WORK/alice.password" --wait-ms 20000)
grep -q '^close 4009 ' <<<"$out" || fail "unknown supervisor not closed with 4009: $out"
note "wrong password and unknown name: $(grep '^close [0-9]' <<<"$out")"

# Listeners: a terminal of hall and a map.
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 30000 \
	--send '{"type":"hello","terminal":"t2","incarnation":"00000000000000b2"}' >"$WORK/t2.out" &
HC_PIDS+=($!)
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-map.v1 --wait-ms 30000 >"$WORK/map.out" &
HC_PIDS+=($!)
wait_until 5 grep -q '"type":"area"' "$WORK/t2.out" || fail "t2 got no area"
wait_until 5 grep -q '"type":"snapshot"' "$WORK/map.out" || fail "map got no snapshot"

# Override closed, then released.
out=$(supervise 1500 '{"type":"override","target":"area","id":"hall","mode":"closed","reason":"blocked exit","request":1}')
grep -q '"type":"result","ok":true,"request":1' <<<"$out" || fail "override not answered ok: $out"
wait_until 3 grep -q '"restricted":true' "$WORK/t2.out" || fail "terminal did not see STOP"
wait_until 3 grep -q '"restricted":true' "$WORK/map.out" || fail "map did not see STOP"
[ "$(sqlite3 "$WORK/agg.db" "select mode from overrides where target='area' and id='hall'")" = closed ] ||
	fail "override not saved"
out=$(supervise 1500 '{"type":"override","target":"area","id":"hall","mode":"auto","reason":"cleared","request":2}')
grep -q '"ok":true,"request":2' <<<"$out" || fail "release not answered ok: $out"
wait_until 3 bash -c "grep -A100 '\"restricted\":true' '$WORK/t2.out' | grep -q '\"restricted\":false'" ||
	fail "terminal did not see the release"
[ "$(api_area "$port" hall restricted)" = false ] || fail "hall still restricted after release"
[ "$(sqlite3 "$WORK/agg.db" "select count(*) from overrides")" = 0 ] || fail "released override still saved"

# Bad commands: ok:false each, connection kept (the last, good one works),
# nothing stored.
audit_before=$(sqlite3 "$WORK/agg.db" "select count(*) from audit")
out=$(supervise 2500 \
	'{"type":"override","target":"area","id":"nowhere","mode":"closed","reason":"x","request":"b1"}' \
	'{"type":"override","target":"area","id":"hall","mode":"maybe","reason":"x","request":"b2"}' \
	'{"type":"set_thresholds","target":"area","id":"hall","moderate_at":12,"reason":"x","request":"b3"}' \
	'{"type":"set_thresholds","target":"area","id":"hall","moderate_at":0.9,"reason":"x","request":"b4"}' \
	'{"type":"set_thresholds","target":"area","id":"hall","capacity":0,"reason":"x","request":"b5"}' \
	'{"type":"correct","area":"hall","occupancy":-5,"reason":"x","request":"b6"}' \
	'{"type":"correct","area":"hall","occupancy":10,"request":"b7"}' \
	'{"type":"set_thresholds","target":"group","id":"hall","hold_s":5,"reason":"x","request":"b8"}' \
	'{"type":"set_thresholds","target":"area","id":"hall","hold_s":1.5,"reason":"x","request":"b9"}' \
	'{"type":"set_thresholds","target":"area","id":"hall","capacity":400,"reason":"more exits open","request":"good"}')
for r in b1 b2 b3 b4 b5 b6 b7 b8 b9; do
	line=$(grep "\"request\":\"$r\"" <<<"$out") || fail "no answer to $r: $out"
	grep -q '"ok":false,.*"error":"' <<<"$line" || grep -q '"ok":false' <<<"$line" ||
		fail "$r not refused: $line"
	note "$r: $(sed 's/.*"error":"\(.*\)"}$/\1/' <<<"$line")"
done
grep -q '"ok":true,"request":"good"' <<<"$out" || fail "connection did not survive bad commands: $out"
grep -q '^close [0-9]' <<<"$out" && fail "a bad command closed the connection: $out"
[ "$(sqlite3 "$WORK/agg.db" "select count(*) from audit")" = $((audit_before + 1)) ] ||
	fail "bad commands were audited or stored"
[ "$(sqlite3 "$WORK/agg.db" "select count(*) from ledger")" = 0 ] || fail "bad commands wrote ledger rows"

# The threshold change: in force, audited, saved.
[ "$(api_area "$port" hall capacity)" = 400 ] || fail "capacity not 400: $(api_area "$port" hall capacity)"
wait_until 3 grep -q '"capacity":400' "$WORK/map.out" || fail "map did not get capacity 400"
audit=$(sqlite3 "$WORK/agg.db" "select who, action, target, detail_json, reason from audit where action = 'set_thresholds'")
grep -q '^supervisor:alice|set_thresholds|area:hall|{"capacity":400}|more exits open$' <<<"$audit" ||
	fail "threshold change not audited: $(sqlite3 "$WORK/agg.db" 'select * from audit')"

# Malformed JSON closes like a terminal's.
out=$(supervise 1500 'this is not json')
grep -q '^close 4000 ' <<<"$out" || fail "malformed JSON not closed with 4000: $out"

# Correction to 120 after 7 counted by a terminal.
"$WSCLIENT" "${HC_CA_ARGS[@]}" --url "$URL" --proto headcount-terminal.v3 --wait-ms 2000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa"}' \
	--send '{"type":"batch","seq":1,"entered":9,"exited":2}' >/dev/null
[ "$(api_area "$port" hall occupancy)" = 7 ] || fail "hall occupancy not 7 before the correction"
out=$(supervise 1500 '{"type":"correct","area":"hall","occupancy":120,"reason":"recount by stewards","request":"c"}')
grep -q '"ok":true,"request":"c"' <<<"$out" || fail "correction not answered ok: $out"
[ "$(api_area "$port" hall occupancy)" = 120 ] || fail "hall occupancy $(api_area "$port" hall occupancy), want 120"
row=$(sqlite3 "$WORK/agg.db" "select source, seq, area, entered, exited from ledger where source like 'supervisor:%'")
[ "$row" = "supervisor:alice|1|hall|113|0" ] || fail "correction row: '$row'"
note "correction row: $row"
audit=$(sqlite3 "$WORK/agg.db" "select detail_json, reason from audit where action = 'correct'")
grep -q '"occupancy_before":7,"occupancy":120,"entered":113,"exited":0.*|recount by stewards$' <<<"$audit" ||
	fail "correction not audited"
wait_until 3 grep -q '"occupancy":120' "$WORK/t2.out" || fail "terminal did not see 120"

# Restart: threshold change and counts survive; a new override too.
out=$(supervise 1500 '{"type":"override","target":"area","id":"hall","mode":"closed","reason":"evening","request":9}')
grep -q '"ok":true,"request":9' <<<"$out" || fail "second override not ok"
kill -TERM "$AGG_PID"
wait "$AGG_PID" || fail "aggregator did not stop cleanly"
start_aggregator "$WORK/venue.ini" "$port"
[ "$(api_area "$port" hall capacity)" = 400 ] || fail "capacity after restart: $(api_area "$port" hall capacity)"
[ "$(api_area "$port" hall occupancy)" = 120 ] || fail "occupancy after restart: $(api_area "$port" hall occupancy)"
[ "$(api_area "$port" hall restricted)" = true ] || fail "override lost in the restart"
grep -q 'threshold change in force: area hall {"capacity":400}, set by supervisor:alice' \
	"$WORK/aggregator.log" || fail "no start-up line for the saved threshold change"
echo "ok $TEST_NAME"
