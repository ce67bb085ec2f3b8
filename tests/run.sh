#!/usr/bin/env bash
# run.sh — the whole suite: one line per test file, then a final count.
#
# Runs, for the normal build and then the sanitizer build (ASan+UBSan):
# every cmocka unit test binary and every integration script. A failing
# file prints the tail of its log (with the seed, where it has one).
# HC_SUITES limits what runs: e.g. HC_SUITES="unit" or "unit integration".
# The fuzz suite runs once (its own clang build in build/fuzz): a short
# clean run of each libFuzzer target (tests/fuzz/run-fuzz.sh --smoke),
# SKIP when clang is not installed.
set -uo pipefail
cd "$(dirname "$0")/.."

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
suites=${HC_SUITES:-"unit integration sim fuzz"}
builds=${HC_BUILDS:-"build build/san"}
logdir=build/test-logs
mkdir -p "$logdir"
passed=0
failed=0
cases=0
failures=()

# run_one LABEL LOG CMD...: runs one test file with a time limit.
run_one() {
	local label=$1 log=$2
	shift 2
	local t0=$SECONDS
	if timeout 900 "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		printf 'PASS %-58s %4ds\n' "$label" $((SECONDS - t0))
	else
		failed=$((failed + 1))
		failures+=("$label")
		printf 'FAIL %-58s %4ds\n' "$label" $((SECONDS - t0))
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	local n
	n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	cases=$((cases + ${n:-0}))
}

for b in $builds; do
	tag=$(basename "$b")
	[ "$b" = build ] && tag=plain
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	for s in $suites; do
		case $s in
		unit)
			for t in "$b"/tests/test_*; do
				[ -x "$t" ] || continue
				run_one "$tag unit/$(basename "$t")" "$logdir/$tag-$(basename "$t").log" "$t"
			done
			;;
		integration)
			for t in tests/integration/test_*.sh; do
				[ -f "$t" ] || continue
				name=$(basename "$t" .sh)
				HC_BUILD=$b run_one "$tag integration/$name" "$logdir/$tag-$name.log" bash "$t"
			done
			;;
		sim)
			if [ -x "$b/headcount-sim" ]; then
				run_one "$tag sim/headcount-sim" "$logdir/$tag-sim.log" "$b/headcount-sim" --ci
			fi
			;;
		esac
	done
done

case " $suites " in
*" fuzz "*)
	for t in terminal_proto supervisor_cmd venue_config terminal_settings http_route; do
		if ! command -v clang-14 >/dev/null 2>&1 && ! command -v clang >/dev/null 2>&1; then
			printf 'SKIP %-58s %4ds\n' "fuzz/$t (clang not installed)" 0
			continue
		fi
		run_one "fuzz/$t" "$logdir/fuzz-$t.log" bash tests/fuzz/run-fuzz.sh --smoke "$t"
	done
	;;
esac

echo "unit test cases passed: $cases"
if [ $failed -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "logs: $logdir"
fi
echo "total: $passed passed, $failed failed"
[ $failed -eq 0 ]
