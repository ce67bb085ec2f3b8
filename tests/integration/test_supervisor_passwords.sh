#!/usr/bin/env bash
# Supervisor passwords and who may steer (docs/security.md, "Who may do
# what", "Supervisor passwords", "Supervisor logins"):
#
#  - passwd: unknown options and names, a short password, no -c are
#    refused with a sentence and write nothing; a password round trip
#    (set, log in, change while running, old refused, new welcomed); the
#    file is 0600 and holds no password;
#  - a wrong password is closed with 4009, logged with name and address
#    (not the password), and changes nothing stored or shown;
#  - failed logins per address, at the edge: 4 failures then the right
#    password is welcomed; the 5th failure locks the address out (4010
#    at the hello, a right password included) while 127.0.0.4 logs in;
#  - a map client and a terminal sending override, set_thresholds and
#    correct are closed (4001) and change nothing;
#  - a passwords file open to group or others: passwd and the aggregator
#    refuse it; a config with the old clear-text key is refused with the
#    way to migrate.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
URL="ws://127.0.0.1:$port"
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 300
[terminal t1]
area = hall
[supervisor alice]
[supervisor bob]
INI
PWFILE=$WORK/supervisors.passwd

# --- passwd refusals: exit status, a sentence, nothing written ----------
expect_passwd() {   # STATUS TEXT ARGS...: stdin is the password line
	local want=$1 text=$2 rc=0
	shift 2
	"$AGG" passwd "$@" >"$WORK/out.txt" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || fail "passwd $*: exit $rc, want $want: $(cat "$WORK/out.txt")"
	grep -qF -- "$text" "$WORK/out.txt" || fail "passwd $*: no '$text' in: $(cat "$WORK/out.txt")"
}
echo correct-horse | expect_passwd 2 "unknown option --frobnicate" alice -c "$WORK/venue.ini" --frobnicate
echo correct-horse | expect_passwd 2 "no supervisor 'mallory'" mallory -c "$WORK/venue.ini"
echo correct-horse | expect_passwd 2 "-c venue.ini is required" alice
echo correct-horse | expect_passwd 2 "expected 1000..10000000" alice -c "$WORK/venue.ini" --iterations 10
echo short | expect_passwd 1 "a password has 8..256 bytes" alice -c "$WORK/venue.ini"
expect_passwd 1 "no password line" alice -c "$WORK/venue.ini" </dev/null
[ ! -e "$PWFILE" ] || fail "a refused passwd wrote $PWFILE"
note "passwd: unknown option, unknown name, no -c, bad iterations, short or no password refused"

# --- round trip ------------------------------------------------------------
set_supervisor_password "$WORK/venue.ini" alice correct-horse
[ "$(stat -c %a "$PWFILE")" = 600 ] || fail "passwords file mode $(stat -c %a "$PWFILE")"
grep -q '^alice:pbkdf2-sha256:1000:[0-9a-f]\{32\}:[0-9a-f]\{64\}$' "$PWFILE" ||
	fail "no record for alice: $(cat "$PWFILE")"
! grep -q correct-horse "$PWFILE" || fail "the password is in the file"
start_aggregator "$WORK/venue.ini" "$port"
grep -q 'WARN supervisor bob has no password' "$WORK/aggregator.log" ||
	fail "no start-up warning for bob without a password"

login() {   # ADDRESS PASSWORD-FILE [ws args...]
	local addr=$1 pw=$2
	shift 2
	"$WSCLIENT" --url "$URL" --proto headcount-supervisor.v1 --supervisor alice \
		--password-file "$pw" --bind "$addr" --wait-ms 1500 "$@"
}
(umask 077 && echo wrong-horse >"$WORK/wrong.password" && echo battery-staple >"$WORK/new.password")
out=$(login 127.0.0.1 "$WORK/alice.password")
grep -q '"type":"welcome","supervisor":"alice"' <<<"$out" || fail "alice not welcomed: $out"
printf 'battery-staple\n' | "$AGG" passwd alice -c "$WORK/venue.ini" --iterations 1000 2>>"$WORK/passwd.log" ||
	fail "changing the password failed"
out=$(login 127.0.0.1 "$WORK/alice.password")
grep -q '^close 4009 unknown supervisor or wrong password' <<<"$out" ||
	fail "the old password was not refused after the change: $out"
out=$(login 127.0.0.1 "$WORK/new.password")
grep -q '"type":"welcome"' <<<"$out" || fail "the new password was not welcomed: $out"
note "passwd round trip: set, welcomed, changed while running, old refused with 4009, new welcomed"

# --- from a terminal: asked twice, echo off; the dashboard ----------------
rc=0
"$HC_BUILD/headcount-dashboard" --supervisor alice --password correct-horse >"$WORK/out.txt" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'the password is never given on the command line' "$WORK/out.txt" ||
	fail "dashboard --password not refused (exit $rc): $(cat "$WORK/out.txt")"
skipped=""
if command -v tmux >/dev/null; then
	export TMUX_TMPDIR=$WORK
	# A session that outlives the others keeps the tmux server up: after
	# the last session is killed the server exits on its own, and a
	# new-session at that moment fails with "server exited unexpectedly".
	tmux new-session -d -s keep 'sleep 600'
	pane="hc-pw-$$"
	tmux new-session -d -s "$pane" -x 120 -y 10 \
		"$AGG passwd bob -c $WORK/venue.ini --iterations 1000; echo passwd-exit=\$?; sleep 30"
	HC_ON_EXIT='tmux kill-server'
	pane_has() { grep -q -- "$1" <<<"$(tmux capture-pane -p -t "$pane")"; }
	wait_until 10 pane_has "new password for supervisor bob:" || fail "no first prompt"
	tmux send-keys -t "$pane" "secret-of-bob" Enter
	wait_until 10 pane_has "again:" || fail "no second prompt"
	tmux send-keys -t "$pane" "secret-of-bob" Enter
	wait_until 10 pane_has "passwd-exit=" || fail "passwd did not end"
	pane_has "passwd-exit=0" || fail "passwd from the terminal failed: $(tmux capture-pane -p -t "$pane")"
	! pane_has "secret-of-bob" || fail "the password was echoed: $(tmux capture-pane -p -t "$pane")"
	grep -q '^bob:pbkdf2-sha256:1000:' "$PWFILE" || fail "no record for bob after the prompt"
	tmux kill-session -t "$pane"
	note "passwd from a terminal: asked twice, nothing echoed, record written"
	# The dashboard: the password from the file HC_SUPERVISOR_PASSWORD_FILE
	# names, and typed at its prompt (not echoed).
	tmux new-session -d -s "$pane" -x 100 -y 30 \
		"HC_SUPERVISOR_PASSWORD_FILE=$WORK/new.password $HC_BUILD/headcount-dashboard --url $URL --supervisor alice 2>>$WORK/dash.err"
	wait_until 15 pane_has "logged in as alice" ||
		fail "dashboard with HC_SUPERVISOR_PASSWORD_FILE not logged in: $(tmux capture-pane -p -t "$pane")"
	tmux kill-session -t "$pane"
	tmux new-session -d -s "$pane" -x 100 -y 30 \
		"$HC_BUILD/headcount-dashboard --url $URL --supervisor alice 2>>$WORK/dash.err"
	wait_until 10 pane_has "password of supervisor alice:" || fail "no dashboard prompt"
	tmux send-keys -t "$pane" "battery-staple" Enter
	wait_until 15 pane_has "logged in as alice" ||
		fail "dashboard with a typed password not logged in: $(tmux capture-pane -p -t "$pane")"
	! pane_has "battery-staple" || fail "the dashboard echoed the password"
	tmux kill-session -t "$pane"
	note "dashboard: logged in from HC_SUPERVISOR_PASSWORD_FILE and from its prompt (not echoed)"
	# The dashboard with a wrong password ends with the reason, not a retry loop.
	tmux new-session -d -s "$pane" -x 100 -y 30 \
		"$HC_BUILD/headcount-dashboard --url $URL --supervisor alice --password-file $WORK/wrong.password 2>$WORK/dash.err; echo dash-exit=\$? >$WORK/dash.rc; sleep 30"
	wait_until 15 test -s "$WORK/dash.rc" || fail "the dashboard kept going after a wrong password"
	[ "$(cat "$WORK/dash.rc")" = dash-exit=1 ] || fail "dashboard: $(cat "$WORK/dash.rc")"
	grep -q 'login refused (.*4009.*unknown supervisor or wrong password' "$WORK/dash.err" ||
		fail "dashboard said: $(cat "$WORK/dash.err")"
	tmux kill-server # the panes and the session that kept the server up
	HC_ON_EXIT=""
	note "dashboard: --password refused; a wrong password ends it with exit 1 and the reason"
else
	skipped="tmux not installed: the prompt and the dashboard were not tried"
fi

# --- a wrong password changes nothing ----------------------------------------
state() {
	echo "ledger=$(sqlite3 "$WORK/agg.db" 'select count(*) from ledger')" \
		"audit=$(sqlite3 "$WORK/agg.db" 'select count(*) from audit')" \
		"overrides=$(sqlite3 "$WORK/agg.db" 'select count(*) from overrides')" \
		"areas=$(curl -sf "http://127.0.0.1:$port/api/areas" | jq -c '[.[] | [.occupancy, .capacity, .restricted]]')"
}
before=$(state)
out=$(login 127.0.0.2 "$WORK/wrong.password" \
	--send '{"type":"override","target":"area","id":"hall","mode":"closed","reason":"x","request":1}')
grep -q '^close 4009 unknown supervisor or wrong password' <<<"$out" || fail "wrong password not closed with 4009: $out"
! grep -q '"type":"result"' <<<"$out" || fail "a command after a wrong password was answered: $out"
grep -q 'WARN supervisor login failed: name alice, peer 127.0.0.2 (1 of 5 failed logins allowed' \
	"$WORK/aggregator.log" || fail "no log line for the wrong password"
! grep -q wrong-horse "$WORK/aggregator.log" || fail "the password was logged"
out=$("$WSCLIENT" --url "$URL" --proto headcount-supervisor.v1 --supervisor alice --bind 127.0.0.2 \
	--proof-hex "$(printf '0%.0s' $(seq 64))" --wait-ms 1500)
grep -q '^close 4009 ' <<<"$out" || fail "a forged proof not closed with 4009: $out"
sleep 0.3
[ "$(state)" = "$before" ] || fail "a refused login changed something: $before -> $(state)"
note "wrong password and forged proof: 4009, logged with name and address, nothing changed"

# --- the limit per address, at its edge -------------------------------------
for i in 1 2 3 4; do
	out=$(login 127.0.0.3 "$WORK/wrong.password")
	grep -q '^close 4009 ' <<<"$out" || fail "failure $i from 127.0.0.3 not closed with 4009: $out"
done
out=$(login 127.0.0.3 "$WORK/new.password")
grep -q '"type":"welcome"' <<<"$out" || fail "4 failures: the right password was not welcomed: $out"
out=$(login 127.0.0.3 "$WORK/wrong.password")
grep -q '^close 4009 ' <<<"$out" || fail "failure 5 not closed with 4009: $out"
out=$(login 127.0.0.3 "$WORK/new.password")
grep -q '^close 4010 too many failed logins from 127.0.0.3; try again in [0-9]* s' <<<"$out" ||
	fail "after 5 failures the right password was not refused with 4010: $out"
! grep -q '"type":"salt"' <<<"$out" || fail "a locked-out address got as far as the salt"
grep -q 'WARN supervisor login refused: name alice, peer 127.0.0.3: over 5 failed logins' \
	"$WORK/aggregator.log" || fail "no log line for the lock-out"
out=$(login 127.0.0.4 "$WORK/new.password")
grep -q '"type":"welcome"' <<<"$out" || fail "127.0.0.4 not welcomed while 127.0.0.3 is locked out: $out"
note "4 failures then welcomed; 5 failures: 4010 at the hello (right password too); 127.0.0.4 welcomed"

# --- only supervisors steer --------------------------------------------------
cmds=(
	'{"type":"override","target":"area","id":"hall","mode":"closed","reason":"x","request":1}'
	'{"type":"set_thresholds","target":"area","id":"hall","capacity":10,"reason":"x","request":2}'
	'{"type":"correct","area":"hall","occupancy":250,"reason":"x","request":3}'
)
before=$(state)
for c in "${cmds[@]}"; do
	type=$(jq -r .type <<<"$c")
	out=$("$WSCLIENT" --url "$URL" --proto headcount-map.v1 --wait-ms 1500 --send "$c")
	grep -q '^close 4001 ' <<<"$out" || fail "map client sending $type not closed with 4001: $out"
	out=$("$WSCLIENT" --url "$URL" --proto headcount-terminal.v3 --wait-ms 1500 \
		--send '{"type":"hello","terminal":"t1","incarnation":"00000000000000c1"}' --send "$c")
	# (the welcome may or may not be written before the close)
	grep -q "^close 4001 type \"$type\" is not a terminal message" <<<"$out" ||
		fail "terminal sending $type not closed with 4001: $out"
done
[ "$(grep -c 'INFO terminal t1 connected' "$WORK/aggregator.log")" = 3 ] ||
	fail "the terminal's hellos were not accepted (so the commands were not tested after one)"
sleep 0.3
[ "$(state)" = "$before" ] || fail "a command from a map client or a terminal changed something: $before -> $(state)"
grep -q 'WARN map 127.0.0.1: closing 4001' "$WORK/aggregator.log" || fail "no log line for the map client"
grep -q 'WARN terminal t1 127.0.0.1: closing 4001' "$WORK/aggregator.log" || fail "no log line for the terminal"
note "override, set_thresholds, correct from a map client and a terminal: 4001, nothing changed"

# --- a file open to others is refused ------------------------------------------
kill -TERM "$AGG_PID"
wait "$AGG_PID" 2>/dev/null || true
chmod 640 "$PWFILE"
echo correct-horse | expect_passwd 1 "is open to group or others (mode 0640)" alice -c "$WORK/venue.ini"
rc=0
"$AGG" --config "$WORK/venue.ini" --listen "127.0.0.1:$port" >"$WORK/refused.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "aggregator started with a 0640 passwords file (exit $rc)"
grep -q "ERROR supervisor passwords: $PWFILE is open to group or others (mode 0640).*chmod 600" \
	"$WORK/refused.log" || fail "no start-up refusal line: $(cat "$WORK/refused.log")"
chmod 600 "$PWFILE"
note "mode 0640: passwd exit 1, aggregator exit 1 with one ERROR line saying chmod 600"

# --- the old clear-text key ------------------------------------------------------
printf 'key = correct-horse\n' >>"$WORK/venue.ini"
rc=0
"$AGG" --config "$WORK/venue.ini" --listen "127.0.0.1:$port" >"$WORK/refused.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a config with a supervisor key loaded (exit $rc)"
grep -q "venue.ini:9: supervisor 'bob': key = is no longer accepted.*headcount-aggregator passwd bob -c" \
	"$WORK/refused.log" || fail "no migration message: $(cat "$WORK/refused.log")"
note "key = in [supervisor bob]: refused with the passwd command to run"
if [ -n "$skipped" ]; then
	echo "SKIP: $skipped"
	exit 77
fi
echo "ok $TEST_NAME"
