#!/usr/bin/env bash
# run.sh — the whole suite: one line per test file, then a final count.
#
# Runs, for the normal build and then the sanitizer build (ASan+UBSan):
# every cmocka unit test binary and every integration script. A failing
# file prints the tail of its log (with the seed, where it has one).
# HC_SUITES limits what runs: e.g. HC_SUITES="unit" or "unit integration".
set -uo pipefail
cd "$(dirname "$0")/.."

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
suites=${HC_SUITES:-"unit integration sim hw"}
builds=${HC_BUILDS:-"build build/san"}
logdir=build/test-logs
mkdir -p "$logdir"
passed=0
failed=0
cases=0
failures=()
skipped=0

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
		hw)
			# Hardware-facing suites (arm64 cross build under qemu,
			# gpio-sim kernel module): once, not per build; exit 77
			# means the machine lacks what they need: SKIP.
			[ "$b" = build ] || continue
			for t in tests/hw/test_*.sh; do
				[ -f "$t" ] || continue
				name=$(basename "$t" .sh)
				log="$logdir/hw-$name.log"
				t0=$SECONDS
				HC_BUILD=$b timeout 900 bash "$t" >"$log" 2>&1
				rc=$?
				if [ $rc -eq 77 ]; then
					skipped=$((skipped + 1))
					printf 'SKIP %-58s %4ds  %s\n' "hw/$name" $((SECONDS - t0)) "$(grep -m1 SKIP "$log")"
				elif [ $rc -eq 0 ]; then
					passed=$((passed + 1))
					printf 'PASS %-58s %4ds\n' "hw/$name" $((SECONDS - t0))
				else
					failed=$((failed + 1))
					failures+=("hw/$name")
					printf 'FAIL %-58s %4ds\n' "hw/$name" $((SECONDS - t0))
					tail -n 40 "$log" | sed 's/^/    /'
				fi
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

echo "unit test cases passed: $cases"
if [ $failed -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "logs: $logdir"
fi
echo "total: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
