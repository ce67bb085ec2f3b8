#!/usr/bin/env bash
# A door the aggregator refuses says why instead of looking like network
# trouble: closed with 4004 it shows "refused: unknown terminal <id>"
# (and a REFUSED banner, it has no figure), closed with 4006 — another
# connection took its id — "another device uses this id". Either way it
# keeps retrying with backoff, and once the cause is gone the notice
# goes (4004 at the next welcome; 4006 some time after, so a flapping
# pair of devices stays visible). A plain unreachable aggregator shows
# neither notice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/door_screen.sh"

port=$(free_port)
door_venue "$port"

# Unknown id: k9 is not in the venue config.
u="hc-door-unknown-$$"
door_start "$u" k9 "$port" 80 24
door_expect "$u" "refused: unknown terminal k9"
door_expect "$u" "REFUSED: UNKNOWN TERMINAL"
door_lacks "$u" "WAITING FOR AGGREGATOR" || fail "refused door still says it is waiting"
refusals() { grep -c "code 4004" "$WORK/k9.log"; }
wait_until 10 bash -c "[ \$(grep -c 'code 4004' '$WORK/k9.log') -ge 3 ]" ||
	fail "k9 did not keep retrying: $(refusals) refusals"
note "k9: '$(door_screen "$u" | grep -o 'refused: unknown terminal k9.*' | sed 's/ *$//')', $(refusals) refusals so far, still retrying"
# Added to the venue (SIGHUP reload): welcomed, the notice goes.
printf '[terminal k9]\narea = lawn\n' >>"$WORK/venue.ini"
enroll_terminals "$WORK/venue.ini"     # k9 needs its secret too
kill -HUP "$AGG_PID"
door_expect "$u" "ENTRY OPEN" 20
door_expect_gone "$u" "refused:" 3
note "k9 added to the venue: welcomed, ENTRY OPEN, notice gone"

# Duplicated id: a second device connects as k1.
d="hc-door-dup-$$"
door_start "$d" k1 "$port" 80 24
door_expect "$d" "ENTRY OPEN"
door_lacks "$d" "another device" || fail "notice before any duplicate"
"$TERM_BIN" --id k1 --url "ws://127.0.0.1:$port" --journal "$WORK/k1-other.db" \
	--batch-interval-ms 100 --input stdin --display line \
	< <(sleep 60) >"$WORK/k1-other.out" 2>"$WORK/k1-other.log" &
other=$!
HC_PIDS+=("$other")
door_expect "$d" "another device uses this id (k1)"
wait_until 10 grep -q "code 4006" "$WORK/k1.log" || fail "k1 log has no 4006"
wait_until 10 grep -q "refused=replaced" "$WORK/k1-other.out" ||
	fail "the other k1's line display never said refused=replaced"
note "two devices as k1: both say so ($(grep -c 'code 4006' "$WORK/k1.log") replacements seen by the first)"
kill9 "$other"
door_expect "$d" "ONLINE" 15
door_has "$d" "another device uses this id" || fail "4006 notice dropped at once"
note "the other device gone: k1 online again, the notice stays a while"

# Not reachable at all: plain offline, no refusal named.
kill9 "$AGG_PID"
door_expect "$u" "OFFLINE"
door_expect "$u" "last known: OPEN"
sleep 1
door_lacks "$u" "refused" || fail "an unreachable aggregator shown as a refusal"
echo "ok $TEST_NAME"
