#!/usr/bin/env bash
# A client built on shared/ alone (tests/tools/hc_shared_roles, linked
# against libhcshared.a only) speaks all three roles to a real
# aggregator and reads back the values it should:
#
#  - terminal: hello, welcome naming its area, batch 1 (+5 -2) acked as
#    new, the same batch again acked as a duplicate;
#  - map: the snapshot holds hall at 3 (5 in, 2 out) and its group at 3;
#  - supervisor: welcome, a snapshot of 2 areas, 1 group, 1 terminal; an
#    override closing hall and a correction of +4 both answered ok; a map
#    watching meanwhile sees hall at 7, restricted by the override;
#  - terminal again: the area pushed after welcome is hall at 7,
#    restricted by the override; batch 2 is acked; /api/areas agrees.
. "$(dirname "$0")/lib.sh"

ROLES=$HC_BUILD/tools/hc_shared_roles
[ -x "$ROLES" ] || fail "$ROLES not built"
# The tool links shared/'s archive and no other part's: the Makefile's
# link line for it names libhcshared.a and no other libhc*.a.
link=$(make -s -n -B BUILD="$HC_BUILD" "$ROLES" 2>/dev/null | grep -- "-o $ROLES " || true)
[ -n "$link" ] || fail "no link line for $ROLES in make -n"
grep -q 'libhcshared\.a' <<<"$link" || fail "$ROLES does not link libhcshared.a: $link"
grep -Eq 'libhc(aggregator|terminal|hw|dashboard)\.a' <<<"$link" &&
	fail "$ROLES links more than shared/: $link"
note "links: $(grep -Eo '[^ ]*libhc[a-z]*\.a' <<<"$link" | tr '\n' ' ')"

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
database = $WORK/agg.db
[area hall]
capacity = 300
group = park
[area lawn]
capacity = 200
group = park
[group park]
[terminal t1]
area = hall
[supervisor alice]
INI
set_supervisor_password "$WORK/venue.ini" alice correct-horse-battery
start_aggregator "$WORK/venue.ini" "$port"
URL="ws://127.0.0.1:$port"

want() { # FILE LINE-REGEX WHAT
	grep -Eq "$2" "$1" || fail "$3: no line matching /$2/ in: $(cat "$1")"
}

# Terminal: hello, batch, ack; the resend is a duplicate.
"$ROLES" --url "$URL" --wait-ms 10000 --until "ack 1 " \
	--terminal t1 --incarnation 00000000000000a1 --secret-file "$HC_SECRETS_DIR/t1" --batch 1,5,2 >"$WORK/t1.out" ||
	fail "terminal: no ack 1: $(cat "$WORK/t1.out")"
want "$WORK/t1.out" '^welcome t1 hall$' "terminal welcome"
want "$WORK/t1.out" '^ack 1 duplicate=0$' "terminal ack"
"$ROLES" --url "$URL" --wait-ms 10000 --until "ack 1 " \
	--terminal t1 --incarnation 00000000000000a1 --secret-file "$HC_SECRETS_DIR/t1" --batch 1,5,2 >"$WORK/t1-again.out" ||
	fail "terminal resend: no ack 1: $(cat "$WORK/t1-again.out")"
want "$WORK/t1-again.out" '^ack 1 duplicate=1$' "terminal resend"
note "terminal: welcome t1 hall, ack 1 new, the resend a duplicate"

# Map: the snapshot's values. An occupancy-only change reaches map
# clients within HC_OCCUPANCY_PUSH_INTERVAL_MS (250 ms), so a snapshot
# taken right after the ack may still show 0: read snapshots (at most 30,
# 0.1 s apart) until hall shows the batch.
for _ in $(seq 1 30); do
	"$ROLES" --url "$URL" --wait-ms 10000 --until "group park" --map >"$WORK/map.out" ||
		fail "map: no snapshot with group park: $(cat "$WORK/map.out")"
	grep -q '^area hall occupancy=3 ' "$WORK/map.out" && break
	sleep 0.1
done
want "$WORK/map.out" '^snapshot areas=2 groups=1$' "map snapshot"
want "$WORK/map.out" '^area hall occupancy=3 entered=5 exited=2 capacity=300 level=low restricted=0 restricted_by=-$' "map area hall"
want "$WORK/map.out" '^area lawn occupancy=0 entered=0 exited=0 capacity=200 ' "map area lawn"
want "$WORK/map.out" '^group park occupancy=3 capacity=500 level=low restricted=0 override=auto$' "map group park"
note "map: snapshot of 2 areas and 1 group, hall at 3, park at 3 of 500"

# A map watching while a supervisor closes hall and corrects it by +4.
"$ROLES" --url "$URL" --wait-ms 15000 --until "area hall occupancy=7 " --map >"$WORK/map-watch.out" &
watch_pid=$!
HC_PIDS+=("$watch_pid")
wait_until 5 grep -q '^group park' "$WORK/map-watch.out" || fail "watching map got no snapshot"
want "$WORK/map-watch.out" '^area hall occupancy=3 .* restricted=0 ' "watching map's snapshot"
"$ROLES" --url "$URL" --wait-ms 10000 --until "result 2 " --supervisor alice --password-file "$WORK/alice.password" \
	--override area hall closed --correct hall 4 >"$WORK/sup.out" ||
	fail "supervisor: no result 2: $(cat "$WORK/sup.out")"
want "$WORK/sup.out" '^welcome alice$' "supervisor welcome"
want "$WORK/sup.out" '^snapshot areas=2 groups=1 terminals=1$' "supervisor snapshot"
want "$WORK/sup.out" '^result 1 ok=1 error=-$' "supervisor override result"
want "$WORK/sup.out" '^result 2 ok=1 error=-$' "supervisor correction result"
note "supervisor: welcome, snapshot, override and correction answered ok"
wait "$watch_pid" || fail "watching map never saw hall at 7: $(cat "$WORK/map-watch.out")"
want "$WORK/map-watch.out" '^area hall occupancy=7 entered=9 exited=2 capacity=300 level=low restricted=1 restricted_by=override$' "watching map"
note "map watching: $(grep '^area hall occupancy=7 ' "$WORK/map-watch.out" | head -n 1)"

# The terminal sees the same state after welcome, and its next batch is acked.
"$ROLES" --url "$URL" --wait-ms 10000 --until "ack 2 " \
	--terminal t1 --incarnation 00000000000000a1 --secret-file "$HC_SECRETS_DIR/t1" --batch 2,1,0 >"$WORK/t1-2.out" ||
	fail "terminal: no ack 2: $(cat "$WORK/t1-2.out")"
want "$WORK/t1-2.out" '^area hall occupancy=7 entered=9 exited=2 capacity=300 level=low restricted=1 restricted_by=override$' "terminal area"
want "$WORK/t1-2.out" '^ack 2 duplicate=0$' "terminal ack 2"
wait_until 5 test "$(api_area "$port" hall occupancy)" = 8 ||
	fail "/api/areas says hall is at $(api_area "$port" hall occupancy), want 8"
note "terminal: hall at 7 restricted by override, batch 2 acked; /api/areas: 8"
