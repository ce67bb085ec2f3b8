#!/usr/bin/env bash
# The seeded simulation replays exactly and catches planted bugs.
#
# - The same seed run twice prints the same event digest (exact replay).
# - With an ack sent before the commit is durable, or with a ledger table
#   missing its unique key (a resent batch applied twice), the simulation
#   reports an invariant violation within the run.
. "$(dirname "$0")/lib.sh"
SIM=$HC_BUILD/headcount-sim
SEED=${HC_SEED:-4242}

a=$("$SIM" --seed "$SEED" --presses 20000 | head -n 1)
b=$("$SIM" --seed "$SEED" --presses 20000 | head -n 1)
[ "$a" = "$b" ] || fail "seed $SEED did not replay exactly:\n$a\n$b"
grep -q ' ok$' <<<"$a" || fail "seed $SEED failed: $a"
note "replayed: ${a##*digest=}"

for bug in ack-before-commit apply-duplicate; do
	out=$("$SIM" --plant "$bug" --seed 1 --seeds 20 --presses 25000) ||
		fail "planted $bug was not caught: $(tail -n 3 <<<"$out")"
	grep -q 'planted bug caught' <<<"$out" || fail "no verdict for $bug"
	note "$bug: $(grep -m1 -o 'FAILED: .*' <<<"$out")"
done
echo "ok $TEST_NAME"
