#!/usr/bin/env bash
# What the supervisor role sends for the dashboard beyond the area
# object, and the correction by a signed delta:
#  - correct by "delta": +5 adds 5 entries (source supervisor:alice, the
#    delta audited), -100 below zero and occupancy+delta together are
#    refused and change nothing;
#  - the area carries corrected_entered/exited (raw door sums = totals
#    minus them) and the corrections with who, when, delta and reason;
#    after a restart they are read back from the audit table;
#  - an override (of an area or a group) names who forced it and why;
#  - history samples (occupancy per interval) and entered/exited per
#    minute once a sample interval has passed, read back after a restart;
#  - each door's entered/exited today from its own batches, and what it
#    reported about itself: its version (hello) and its pending presses
#    and storage faults (batch); a malformed version closes with 4003.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 300
group = park
[group park]
[terminal t1]
area = hall
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse
start_aggregator "$WORK/venue.ini" "$port" --sample-interval-s 1
URL="ws://127.0.0.1:$port"
SUP=(--url "$URL" --proto headcount-supervisor.v1 --supervisor alice --password-file "$WORK/alice.password")
supervise() {
	local wait=$1
	shift
	local args=()
	for f in "$@"; do args+=(--send "$f"); done
	"$WSCLIENT" "${SUP[@]}" --wait-ms "$wait" "${args[@]}"
}
# snapshot_jq FILTER: FILTER applied to a fresh supervisor snapshot.
snapshot_jq() {
	supervise 1200 | sed -n 's/^recv [0-9]* \({"type":"snapshot".*\)$/\1/p' | jq -r "$1"
}

"$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 2000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa","version":"9.9.9-test"}' \
	--send '{"type":"batch","seq":1,"entered":9,"exited":2,"pending":4,"storage_faults":1}' >/dev/null
[ "$(api_area "$port" hall occupancy)" = 7 ] || fail "hall occupancy not 7"
out=$("$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 2000 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa","version":"9 9"}')
grep -q '^close 4003 hello.version' <<<"$out" || fail "bad version not closed with 4003: $out"

out=$(supervise 2000 \
	'{"type":"correct","area":"hall","delta":-100,"reason":"x","request":"neg"}' \
	'{"type":"correct","area":"hall","delta":2,"occupancy":9,"reason":"x","request":"both"}' \
	'{"type":"correct","area":"hall","delta":0,"reason":"x","request":"zero"}' \
	'{"type":"correct","area":"hall","delta":5,"reason":"recount by stewards","request":"plus"}')
for r in neg both zero; do
	grep -q '"ok":false' <<<"$(grep "\"request\":\"$r\"" <<<"$out")" || fail "$r not refused: $out"
done
grep -q '"ok":true,"request":"plus"' <<<"$out" || fail "delta +5 not accepted: $out"
[ "$(api_area "$port" hall occupancy)" = 12 ] || fail "hall occupancy $(api_area "$port" hall occupancy), want 12"
row=$(sqlite3 "$WORK/agg.db" "select source, area, entered, exited from ledger where source like 'supervisor:%'")
[ "$row" = "supervisor:alice|hall|5|0" ] || fail "correction row: '$row'"
audit=$(sqlite3 "$WORK/agg.db" "select detail_json from audit where action = 'correct'")
grep -q '"occupancy_before":7,"occupancy":12,"entered":5,"exited":0' <<<"$audit" || fail "delta not audited"
note "delta +5: ledger row $row; -100, 0 and occupancy+delta refused"

out=$(supervise 1500 '{"type":"override","target":"area","id":"hall","mode":"closed","reason":"blocked exit","request":1}' \
	'{"type":"override","target":"group","id":"park","mode":"open","reason":"park gates staffed","request":2}')
grep -q '"ok":true,"request":1' <<<"$out" || fail "override not ok: $out"
grep -q '"ok":true,"request":2' <<<"$out" || fail "group override not ok: $out"

sleep 2.2   # two sample intervals of 1 s
check_snapshot() {
	local s
	s=$(supervise 1200 | sed -n 's/^recv [0-9]* \({"type":"snapshot".*\)$/\1/p')
	[ -n "$s" ] || fail "no snapshot"
	local area
	area=$(jq -c '.areas[] | select(.id == "hall")' <<<"$s")
	[ "$(jq '.corrected_entered' <<<"$area")" = 5 ] || fail "corrected_entered: $area"
	[ "$(jq '.corrected_exited' <<<"$area")" = 0 ] || fail "corrected_exited: $area"
	[ "$(jq -r '.corrections[0] | "\(.who)|\(.delta)|\(.reason)"' <<<"$area")" = \
		"supervisor:alice|5|recount by stewards" ] || fail "corrections: $area"
	jq -e '.corrections[0].at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' <<<"$area" >/dev/null ||
		fail "correction time: $area"
	[ "$(jq -r '.override_by' <<<"$area")" = supervisor:alice ] || fail "override_by: $area"
	[ "$(jq -r '.override_reason' <<<"$area")" = "blocked exit" ] || fail "override_reason: $area"
	[ "$(jq -r '.groups[] | select(.id == "park") | "\(.override_by)|\(.override_reason)"' <<<"$s")" = \
		"supervisor:alice|park gates staffed" ] || fail "group override_by: $s"
	local t1
	t1=$(jq -c '.terminals[] | select(.id == "t1")' <<<"$s")
	[ "$(jq '.entered_today' <<<"$t1")" = 9 ] || fail "entered_today: $t1"
	[ "$(jq '.exited_today' <<<"$t1")" = 2 ] || fail "exited_today: $t1"
	echo "$area"
}
area=$(check_snapshot)
t1=$(snapshot_jq '.terminals[] | select(.id == "t1") | "\(.version)|\(.pending)|\(.storage_faults)"')
[ "$t1" = "9.9.9-test|4|1" ] || fail "t1 version|pending|storage_faults: $t1"
jq -e '.history | length >= 1 and .[-1] == 12 and all(. == 0 or . == 7 or . == 12)' <<<"$area" >/dev/null || fail "history: $area"
jq -e '.minute_entered == 0 and .minute_exited == 0' <<<"$area" >/dev/null || fail "per minute: $area"
note "area: corrections, override_by, history $(jq -c .history <<<"$area"); t1 today 9/2, reported $t1"

kill -TERM "$AGG_PID"
wait "$AGG_PID" || fail "aggregator did not stop cleanly"
# Restarted with minute samples: the 1 s samples written before are the
# last hour, read back from the samples table (a new one could add at
# most one within this test's second).
start_aggregator "$WORK/venue.ini" "$port"
area=$(check_snapshot)
jq -e '.history | length >= 3 and .[-1] == 12' <<<"$area" >/dev/null || fail "history after a restart: $area"
note "after a restart: corrections and history read back, today's door figures from the ledger"
echo "ok $TEST_NAME"
