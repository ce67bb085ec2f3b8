#!/usr/bin/env bash
# Per-area history: samples are written every interval, and `export`
# writes them as CSV for a range; bad arguments are refused with exit 2.
#
# With --sample-interval-s 1 (the testing setting of the minute), a
# terminal client counts 9 in and 2 out in hall. After a few intervals
# the samples table has rows for both areas, and export of a range
# around now writes the header and rows whose entered/exited columns add
# up to what was counted, with the last occupancy 7; --area keeps one
# area, --out writes a file. Reversed or malformed ranges and an unknown
# area exit 2 with a message.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 10
[area garden]
capacity = 50
[terminal t1]
area = hall
INI
start_aggregator "$WORK/venue.ini" "$port" --sample-interval-s 1
"$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 2000 --count 3 \
	--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000aa"}' \
	--send '{"type":"batch","seq":1,"entered":9,"exited":2}' >/dev/null
[ "$(api_area "$port" hall occupancy)" = 7 ] || fail "hall occupancy not 7"
samples_after_count() {
	[ "$(sqlite3 "$WORK/agg.db" "select count(*) from samples where area = 'hall' and occupancy = 7")" -ge 2 ]
}
wait_until 10 samples_after_count || fail "no samples written after the count"
kill -TERM "$AGG_PID"
wait "$AGG_PID" || fail "aggregator did not stop cleanly"
note "samples: $(sqlite3 "$WORK/agg.db" "select count(*) from samples") rows"

from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)
to=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ)
"$AGG" export --config "$WORK/venue.ini" --from "$from" --to "$to" >"$WORK/all.csv" 2>"$WORK/export.err" ||
	fail "export failed: $(cat "$WORK/export.err")"
[ "$(head -n 1 "$WORK/all.csv")" = "area,minute_utc,occupancy,level,restricted,entered,exited" ] ||
	fail "bad header: $(head -n 1 "$WORK/all.csv")"
grep -q '^garden,' "$WORK/all.csv" || fail "no garden rows"
hall_rows=$(grep -c '^hall,' "$WORK/all.csv")
[ "$hall_rows" = "$(sqlite3 "$WORK/agg.db" "select count(*) from samples where area = 'hall'")" ] ||
	fail "export has $hall_rows hall rows, the table a different number"
sums=$(awk -F, '$1 == "hall" { e += $6; x += $7; last = $3 } END { print e, x, last }' "$WORK/all.csv")
[ "$sums" = "9 2 7" ] || fail "hall entered/exited/last occupancy: $sums, want 9 2 7"
grep -Eq '^hall,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z,7,moderate,0,' "$WORK/all.csv" ||
	fail "no well-formed hall row at 7: $(tail -n 3 "$WORK/all.csv")"
note "$(grep -m1 '^hall,.*,9,2$' "$WORK/all.csv" || grep -m1 '^hall,' "$WORK/all.csv")"

"$AGG" export --config "$WORK/venue.ini" --db "$WORK/agg.db" --from "$from" --to "$to" \
	--area garden --out "$WORK/garden.csv" 2>/dev/null || fail "export --area --out failed"
grep -q '^hall,' "$WORK/garden.csv" && fail "--area garden exported hall rows"
[ "$(grep -c '^garden,' "$WORK/garden.csv")" -ge 2 ] || fail "no garden rows in --out file"

# An empty range writes just the header.
"$AGG" export --config "$WORK/venue.ini" --from 2020-01-01T00:00Z --to 2020-01-01T01:00Z \
	>"$WORK/empty.csv" 2>/dev/null || fail "export of an empty range failed"
[ "$(wc -l <"$WORK/empty.csv")" = 1 ] || fail "empty range wrote rows"

# refused CODE PATTERN ARGS...: export exits CODE and says PATTERN.
refused() {
	local code=$1 pattern=$2
	shift 2
	local rc=0
	"$AGG" export --config "$WORK/venue.ini" "$@" >/dev/null 2>"$WORK/refused.err" || rc=$?
	[ "$rc" = "$code" ] || fail "export $* exited $rc, want $code"
	grep -q -- "$pattern" "$WORK/refused.err" || fail "export $*: message '$(cat "$WORK/refused.err")'"
	note "refused ($rc): $(head -n 1 "$WORK/refused.err")"
}
refused 2 "must be before" --from "$to" --to "$from"
refused 2 "must be before" --from "$from" --to "$from"
refused 2 "expected a UTC time" --from yesterday --to "$to"
refused 2 "expected a UTC time" --from 2026-02-30T10:00Z --to "$to"
refused 2 "expected a UTC time" --from "$from" --to 2026-11-23T25:00Z
refused 2 "at most 366 days" --from 2020-01-01T00:00Z --to 2026-01-01T00:00Z
refused 2 "no such area" --from "$from" --to "$to" --area stage
refused 2 "required" --from "$from"
echo "ok $TEST_NAME"
