#!/usr/bin/env bash
# Storage that exists but cannot be written is refused at start, with one
# ERROR line (exit 1) that names what is wrong, and nothing ever answers
# /healthz "ok" on it (docs/aggregator.md, "Starting and stopping"):
#   - a read-only directory (chmod 555 when not root; chattr +i as root):
#     "directory ... is not writable", a different message from a missing
#     directory's "does not exist";
#   - a database on a read-only file system (a tmpfs remounted ro: root):
#     "read-only file system";
#   - an immutable database file (chattr +i: root, and a file system that
#     supports it): "immutable".
# A case that cannot be set up here prints "SKIP: case: why"; the others
# still run, and the script then exits 77 (SKIP). HC_TEST_NO_ROOT=1 makes
# root behave as without root, to check that path.
. "$(dirname "$0")/mistakes.sh"

port=$(free_port)
check_port=$port
skips=()
as_root() { [ -z "${HC_TEST_NO_ROOT:-}" ] && [ "$(id -u)" -eq 0 ]; }
undo=()
HC_ON_EXIT='for u in "${undo[@]}"; do eval "$u"; done'

# (1) a read-only directory holding the database.
mkdir -p "$WORK/rodir"
mistakes_venue "$WORK/venue.ini" "$WORK/rodir/agg.db"
how=""
if [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$WORK/rodir" || fail "chmod 555 $WORK/rodir"
	undo+=("chmod 755 '$WORK/rodir'")
	how="chmod 555"
elif as_root && chattr +i "$WORK/rodir" 2>/dev/null; then
	undo+=("chattr -i '$WORK/rodir'")
	how="chattr +i"
fi
if [ -n "$how" ]; then
	refused 1 "directory $WORK/rodir is not writable" "read-only directory ($how)" -- \
		--config "$WORK/venue.ini" --listen "127.0.0.1:$port"
	grep -q "does not exist" <<<"$REFUSAL" && fail "the read-only directory is reported as missing"
else
	skips+=("read-only directory: root ignores chmod, and chattr +i is not available here")
fi

# (2) a database on a read-only file system.
if as_root && mkdir -p "$WORK/rofs" && mount -t tmpfs -o size=4m tmpfs "$WORK/rofs" 2>/dev/null; then
	undo+=("umount -l '$WORK/rofs'")
	mistakes_venue "$WORK/rofs.ini" "$WORK/rofs/agg.db"
	start_aggregator "$WORK/rofs.ini" "$port"
	kill -TERM "$AGG_PID"
	wait "$AGG_PID" || fail "the aggregator on the tmpfs did not stop cleanly"
	mount -o remount,ro "$WORK/rofs" || fail "cannot remount $WORK/rofs read-only"
	refused 1 "directory $WORK/rofs is on a read-only file system" "read-only file system" -- \
		--config "$WORK/rofs.ini" --listen "127.0.0.1:$port"
else
	skips+=("read-only file system: needs root to mount a tmpfs")
fi

# (3) an immutable database file (its directory writable).
mkdir -p "$WORK/imm"
mistakes_venue "$WORK/imm.ini" "$WORK/imm/agg.db"
start_aggregator "$WORK/imm.ini" "$port"
kill -TERM "$AGG_PID"
wait "$AGG_PID" || fail "the aggregator did not stop cleanly"
if as_root && chattr +i "$WORK/imm/agg.db" 2>/dev/null; then
	undo+=("chattr -i '$WORK/imm/agg.db'")
	refused 1 "database file $WORK/imm/agg.db cannot be opened for writing (Operation not permitted: is it immutable?" \
		"immutable database file" -- --config "$WORK/imm.ini" --listen "127.0.0.1:$port"
else
	skips+=("immutable database file: chattr +i needs root and a file system that supports it")
fi

if [ ${#skips[@]} -gt 0 ]; then
	for s in "${skips[@]}"; do echo "SKIP: $s"; done
	exit 77
fi
echo "ok $TEST_NAME"
