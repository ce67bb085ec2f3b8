#!/usr/bin/env bash
# GET /metrics is valid Prometheus text (promtool check metrics) and its
# figures are the ones GET /api/areas serves at the same moment.
#
# Two areas, three real terminals press a known mix through stdin and wait
# for their acks; then the scrape must give per area entered, exited,
# occupancy, capacity and restricted equal to /api/areas, the hall
# restricted (it is pressed past restrict_at), every terminal online with
# no pending batches and no sequence gaps, three terminal connections, a
# commit histogram that counted the commits, and no storage faults.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { echo "SKIP: promtool (Debian package prometheus) not installed"; exit 77; }

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 10
[area lawn]
capacity = 500
[terminal t1]
area = hall
[terminal t2]
area = lawn
[terminal t3]
area = lawn
INI
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

# press ID FILE: feed the file's lines to a real terminal that stays
# connected (stdin is a fifo kept open) until its presses are acked.
press() {
	mkfifo "$WORK/$1.fifo"
	"$TERM_BIN" --id "$1" --url "$URL" --journal "$WORK/$1.db" --batch-interval-ms 500 \
		--display line <"$WORK/$1.fifo" >"$WORK/$1.log" 2>&1 &
	HC_PIDS+=($!)
	eval "exec {fd_$1}>\"$WORK/$1.fifo\""
	local fd="fd_$1"
	cat "$2" >&"${!fd}"
}
printf 'in\n%.0s' $(seq 1 14) >"$WORK/p1"; printf 'out\n%.0s' 1 2 >>"$WORK/p1"
write_presses "$WORK/p2" 300 7
write_presses "$WORK/p3" 200 8
press t1 "$WORK/p1"
press t2 "$WORK/p2"
press t3 "$WORK/p3"

acked() { # all presses acknowledged and every terminal online
	local n
	n=$(curl -sf "http://127.0.0.1:$port/api/areas" | jq '[.[] | .entered + .exited] | add')
	[ "$n" -eq $((16 + 300 + 200)) ] &&
		[ "$(curl -sf "http://127.0.0.1:$port/healthz" | jq .terminals_online)" -eq 3 ]
}
wait_until 30 acked || fail "presses not all acknowledged: $(curl -s "http://127.0.0.1:$port/api/areas")"

curl -sf "http://127.0.0.1:$port/metrics" -D "$WORK/metrics.headers" >"$WORK/metrics.txt" ||
	fail "GET /metrics failed"
curl -sf "http://127.0.0.1:$port/api/areas" >"$WORK/areas.json"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/metrics.headers" ||
	fail "wrong content type: $(grep -i content-type "$WORK/metrics.headers")"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$WORK/promtool.out")"
note "promtool check metrics: clean ($(grep -vc '^#' "$WORK/metrics.txt") samples)"

# metric NAME LABELS: the value of one sample, e.g. metric headcount_area_occupancy 'area="hall"'.
metric() {
	awk -v series="$1{$2}" '$1 == series { print $2; found = 1 } END { exit !found }' "$WORK/metrics.txt" ||
		fail "no sample $1{$2}"
}
metric0() { awk -v series="$1" '$1 == series { print $2; found = 1 } END { exit !found }' "$WORK/metrics.txt" || fail "no sample $1"; }

for a in hall lawn; do
	for pair in entered:headcount_area_entered_total exited:headcount_area_exited_total \
		occupancy:headcount_area_occupancy capacity:headcount_area_capacity; do
		field=${pair%%:*} name=${pair#*:}
		want=$(jq -r --arg a "$a" --arg f "$field" '.[] | select(.id == $a) | .[$f]' "$WORK/areas.json")
		got=$(metric "$name" "area=\"$a\"")
		[ "$got" = "$want" ] || fail "$name{area=$a} = $got, /api/areas $field = $want"
	done
	want=$(jq -r --arg a "$a" '.[] | select(.id == $a) | if .restricted then 1 else 0 end' "$WORK/areas.json")
	[ "$(metric headcount_area_restricted "area=\"$a\"")" = "$want" ] || fail "restricted of $a differs"
done
[ "$(metric headcount_area_occupancy 'area="hall"')" = 12 ] || fail "hall occupancy is not 14 - 2"
[ "$(metric headcount_area_restricted 'area="hall"')" = 1 ] || fail "hall (12 of 10) not restricted"
[ "$(metric headcount_area_level 'area="hall"')" = 3 ] || fail "hall level is not 3 (full)"

for t in t1:hall t2:lawn t3:lawn; do
	l="terminal=\"${t%%:*}\",area=\"${t#*:}\""
	[ "$(metric headcount_terminal_online "$l")" = 1 ] || fail "${t%%:*} not online in /metrics"
	[ "$(metric headcount_terminal_pending_batches "$l")" = 0 ] || fail "${t%%:*} has pending batches"
	[ "$(metric headcount_terminal_missing_seqs "$l")" = 0 ] || fail "${t%%:*} has gaps"
	seen=$(metric headcount_terminal_last_seen_seconds "$l")
	now=$(date +%s)
	[ $((now - seen)) -le 60 ] && [ $((now - seen)) -ge -5 ] || fail "${t%%:*} last seen $seen, now $now"
done
[ "$(metric headcount_connections 'role="terminal"')" = 3 ] || fail "terminal connections not 3"
[ "$(metric headcount_connections 'role="map"')" = 0 ] || fail "map connections not 0"
commits=$(metric0 headcount_commit_duration_seconds_count)
[ "$commits" -ge 1 ] || fail "commit histogram counted no commit"
[ "$(metric headcount_commit_duration_seconds_bucket 'le="+Inf"')" = "$commits" ] ||
	fail "+Inf bucket differs from the count"
[ "$(metric0 headcount_storage_faults_total)" = 0 ] || fail "storage faults reported"
rows=$(metric0 headcount_ledger_rows)
[ "$rows" = "$(curl -sf "http://127.0.0.1:$port/healthz" | jq .ledger_rows)" ] || fail "ledger rows differ from /healthz"
note "metrics equal /api/areas; $commits commits, $rows ledger rows"
echo "PASS"
