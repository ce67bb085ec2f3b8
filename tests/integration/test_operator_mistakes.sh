#!/usr/bin/env bash
# Operator mistakes stop the aggregator at start with one ERROR line that
# says what to do, and an exit status, instead of a process that looks
# alive (docs/aggregator.md, "Starting and stopping"):
#   - a listen address that is not of this host (from the config file):
#     exit 1, "is not an address of this host"; never "listening on";
#   - a host name as the listen host: exit 2, "not a numeric address";
#   - a port another aggregator serves: exit 1, "already in use";
#   - a second aggregator on the same ledger (another port): exit 1,
#     naming the first one's pid; the first keeps serving and counting;
#   - a database in a directory that does not exist: exit 1, "does not
#     exist", a different message from the read-only directory's
#     (test_operator_mistakes_storage.sh).
# Storage that exists but cannot be written is in
# test_operator_mistakes_storage.sh (it needs root or file attributes).
. "$(dirname "$0")/mistakes.sh"

port=$(free_port)
check_port=$port
db="$WORK/agg.db"

# An address of TEST-NET-1 (RFC 5737): never assigned to a host.
mistakes_venue "$WORK/far.ini" "$db" "192.0.2.1:$port"
refused 1 "192.0.2.1 is not an address of this host" "listen address not of this host" -- \
	--config "$WORK/far.ini"

mistakes_venue "$WORK/venue.ini" "$db"
refused 2 '"localhost" is not a numeric address' "listen host name" -- \
	--config "$WORK/venue.ini" --listen "localhost:$port"

refused 1 "directory $WORK/missing does not exist" "missing directory" -- \
	--config "$WORK/venue.ini" --db "$WORK/missing/agg.db" --listen "127.0.0.1:$port"
missing_msg=$REFUSAL

# A first aggregator, counting.
start_aggregator "$WORK/venue.ini" "$port"
first=$AGG_PID
"$TERM_BIN" --id t1 --url "ws://127.0.0.1:$port" --journal "$WORK/t1.db" \
	--batch-interval-ms 100 --display none --exit-when-acked \
	< <(printf 'in\nin\nin\n') >"$WORK/t1.log" 2>&1 || fail "t1 did not get its presses acknowledged"

check_port=""
refused 1 "port $port is already in use" "port taken by another aggregator" -- \
	--config "$WORK/venue.ini" --db "$WORK/other.db" --listen "127.0.0.1:$port"

port2=$(free_port)
check_port=$port2
refused 1 "ledger $db is in use by another aggregator (pid $first" "second aggregator on the ledger" -- \
	--config "$WORK/venue.ini" --listen "127.0.0.1:$port2"
kill -0 "$first" || fail "the first aggregator died"
[ "$(api_area "$port" hall entered)" = 3 ] || fail "the first aggregator's hall shows $(api_area "$port" hall entered) entered, want 3"
note "the first aggregator (pid $first) still serves: hall entered 3"

# Stopped, the ledger is free for the next one (the lock went with it).
kill -TERM "$first"
wait "$first" || fail "the first aggregator did not exit 0 on SIGTERM"
start_aggregator "$WORK/venue.ini" "$port2"
[ "$(api_area "$port2" hall entered)" = 3 ] || fail "after a restart hall shows $(api_area "$port2" hall entered) entered, want 3"
note "after the first stopped, a new aggregator takes the ledger: hall entered 3"
[ -n "$missing_msg" ]
echo "ok $TEST_NAME"
