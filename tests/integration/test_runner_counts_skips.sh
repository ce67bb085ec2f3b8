#!/usr/bin/env bash
# The test runner tells PASS, SKIP and FAIL apart: tests/run.sh on three
# planted scripts (exit 0, exit 77 with a "SKIP: why" line, exit 1) shows
# one line of each kind, the skip's reason, the summary "1 passed, 1
# failed, 1 skipped" and a failing exit status; without the failing one
# it exits 0 and still counts the skip as a skip, not a pass.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$WORK/planted"
printf 'echo ok\nexit 0\n' >"$WORK/planted/test_a_passes.sh"
printf 'echo "SKIP: planted, needs nothing"\nexit 77\n' >"$WORK/planted/test_b_skips.sh"
printf 'echo "FAIL: planted"\nexit 1\n' >"$WORK/planted/test_c_fails.sh"

# run_planted: the runner on the planted scripts; sets out and rc.
run_planted() {
	rc=0
	out=$(HC_SUITES=integration HC_BUILDS=$HC_BUILD HC_INTEGRATION_DIR="$WORK/planted" \
		HC_LOG_DIR="$WORK/logs" bash "$root/tests/run.sh" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$WORK/runner.log"
}

run_planted
[ $rc -ne 0 ] || fail "runner exited 0 with a failing test: $out"
grep -Eq '^PASS .*integration/test_a_passes' <<<"$out" || fail "no PASS line for the passing script: $out"
grep -Eq '^SKIP .*integration/test_b_skips' <<<"$out" || fail "no SKIP line for the exit-77 script: $out"
grep -Eq '^PASS .*test_b_skips' <<<"$out" && fail "the exit-77 script was counted as PASS: $out"
grep -q 'SKIP: planted, needs nothing' <<<"$out" || fail "the skip's reason is not shown: $out"
grep -Eq '^FAIL .*integration/test_c_fails' <<<"$out" || fail "no FAIL line for the failing script: $out"
grep -q '^total: 1 passed, 1 failed, 1 skipped$' <<<"$out" || fail "summary line wrong: $(tail -n 1 <<<"$out")"
note "with a failure: exit $rc, $(tail -n 1 <<<"$out")"

rm "$WORK/planted/test_c_fails.sh"
run_planted
[ $rc -eq 0 ] || fail "runner exited $rc with only a pass and a skip: $out"
grep -q '^total: 1 passed, 0 failed, 1 skipped$' <<<"$out" || fail "summary line wrong: $(tail -n 1 <<<"$out")"
note "pass and skip: exit 0, $(tail -n 1 <<<"$out")"
echo "ok $TEST_NAME"
