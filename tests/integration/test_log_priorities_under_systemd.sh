#!/usr/bin/env bash
# Under systemd, whose $JOURNAL_STREAM names the stream stderr is, every
# log line starts with its syslog priority (<6> INFO, <4> WARN, <3> ERROR)
# for journald; anywhere else lines keep their UTC timestamps, also when a
# JOURNAL_STREAM inherited from elsewhere names another stream.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/venue.ini" <<INI
[area hall]
capacity = 10
INI
port=$(free_port)
: >"$WORK/journal.log"
js=$(stat -c '%d:%i' "$WORK/journal.log")
JOURNAL_STREAM=$js "$AGG" --config "$WORK/venue.ini" --db "$WORK/a.db" --listen "127.0.0.1:$port" \
	2>>"$WORK/journal.log" &
pid=$!
HC_PIDS+=("$pid")
wait_until 15 curl -sf "http://127.0.0.1:$port/healthz" || fail "aggregator did not start"
# A terminal id the venue does not know: a WARN line.
"$WSCLIENT" --url "ws://127.0.0.1:$port" --proto headcount-terminal.v3 --wait-ms 2000 \
	--send '{"type":"hello","terminal":"nobody","incarnation":"00000000000000aa"}' >/dev/null 2>&1 || true
kill "$pid"; wait "$pid" || true
grep -q '^<6>aggregator INFO listening on ' "$WORK/journal.log" ||
	fail "no <6> INFO line: $(head -n 3 "$WORK/journal.log")"
grep -q '^<4>aggregator WARN ' "$WORK/journal.log" || fail "no <4> WARN line: $(cat "$WORK/journal.log")"
grep -Eq '^[0-9]{4}-' "$WORK/journal.log" && fail "a timestamped line went to the journal stream"

# A JOURNAL_STREAM that names another file: plain timestamped lines.
JOURNAL_STREAM=$js "$AGG" --config "$WORK/no-such.ini" 2>"$WORK/plain.log" && fail "missing config accepted"
grep -q '^<' "$WORK/plain.log" && fail "priority prefix without the journal: $(cat "$WORK/plain.log")"
"$AGG" --config "$WORK/venue.ini" --db "$WORK/a.db" --listen "127.0.0.1:$port" 2>"$WORK/plain2.log" &
pid=$!
HC_PIDS+=("$pid")
wait_until 15 curl -sf "http://127.0.0.1:$port/healthz" || fail "aggregator did not start again"
kill "$pid"; wait "$pid" || true
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z aggregator INFO listening on ' "$WORK/plain2.log" ||
	fail "no timestamped line without systemd: $(head -n 2 "$WORK/plain2.log")"
echo "PASS"
