#!/usr/bin/env bash
# run.sh — the whole suite: one line per test file, then a final count.
#
# Runs, for the normal build, the sanitizer build (ASan+UBSan) and the
# ThreadSanitizer build: every cmocka unit test binary and every
# integration script, except that the ThreadSanitizer build runs only the
# tests that drive the aggregator's commit thread (TSAN_UNIT and
# TSAN_INTEGRATION below; everything else is single-threaded, and the
# whole suite under TSan would not fit CI's time).
#
# Each file ends as PASS (exit 0), SKIP (exit 77: it cannot run here, e.g.
# it needs root; its "SKIP: why" line is shown) or FAIL (anything else; the
# tail of its log is shown, with the seed where it has one). The last
# line is "total: N passed, M failed, K skipped"; the exit status is 0
# only when nothing failed. A build that was not made counts as one SKIP.
#
# Suites: unit, integration, sim, hw (the arm64 build under qemu and
# the gpio-sim kernel test, once, on the plain build) and fuzz (its own
# clang build in build/fuzz: a short clean run of each libFuzzer target,
# tests/fuzz/run-fuzz.sh --smoke, once; SKIP without clang).
# HC_SUITES limits what runs (e.g. "unit" or "unit integration"),
# HC_BUILDS which builds (e.g. "build" or "build build/tsan").
# HC_INTEGRATION_DIR and HC_LOG_DIR exist so that the runner's own test
# (tests/integration/test_runner_counts_skips.sh) can run it on planted
# scripts.
set -uo pipefail
cd "$(dirname "$0")/.."

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
suites=${HC_SUITES:-"unit integration sim hw fuzz"}
builds=${HC_BUILDS:-"build build/san build/tsan"}
integration_dir=${HC_INTEGRATION_DIR:-tests/integration}
logdir=${HC_LOG_DIR:-build/test-logs}
mkdir -p "$logdir"

# Exit status of a test that cannot run here.
EXIT_SKIP=77

# What runs under ThreadSanitizer: the committer and store unit tests and
# the integration tests whose aggregator commits under kills and faults.
TSAN_UNIT="test_committer_handoff test_store_durability test_durability_settings test_store_checkpoint_off_commit_path test_map_feed_handoff test_conn_limits_threads"
TSAN_INTEGRATION="test_counting_exact_under_kills test_fault_crashes test_fault_storage test_supervisor_commands test_operator_mistakes test_operator_mistakes_storage test_public_thread_serves_map_and_http test_terminals_never_starve_reserved_share"

passed=0
failed=0
skipped=0
cases=0
cases_skipped=0
failures=()

# On the ThreadSanitizer build every process writes its reports to
# files under this directory (TSAN_OPTIONS log_path), one set per test
# file: a report from an aggregator that a test kills and restarts, or
# whose exit status it never sees, still fails the test file.
tsan_reports=$logdir/tsan-reports

# run_one LABEL LOG CMD...: runs one test file with a time limit.
run_one() {
	local label=$1 log=$2
	shift 2
	local t0=$SECONDS rc=0 reports=""
	if [ "$tag" = tsan ]; then
		reports=$tsan_reports/$(basename "$log" .log)
		rm -rf "$reports"
		mkdir -p "$reports"
		export TSAN_OPTIONS="$tsan_options log_path=$PWD/$reports/report"
	fi
	timeout 900 "$@" >"$log" 2>&1 || rc=$?
	if [ -n "$reports" ] && [ -n "$(ls -A "$reports")" ]; then
		{
			echo "ThreadSanitizer reports (from $reports):"
			cat "$reports"/*
		} >>"$log"
		[ $rc -eq 0 ] || [ $rc -eq $EXIT_SKIP ] && rc=66
		[ $rc -ne 66 ] || echo "FAIL: ThreadSanitizer reported a race" >>"$log"
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-58s %4ds\n' "$label" $((SECONDS - t0))
	elif [ $rc -eq $EXIT_SKIP ]; then
		skipped=$((skipped + 1))
		printf 'SKIP %-58s %4ds\n' "$label" $((SECONDS - t0))
		grep '^SKIP' "$log" | sed 's/^/    /'
	else
		failed=$((failed + 1))
		failures+=("$label")
		printf 'FAIL %-58s %4ds  (exit %d)\n' "$label" $((SECONDS - t0)) $rc
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	local n
	n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	cases=$((cases + ${n:-0}))
	n=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	cases_skipped=$((cases_skipped + ${n:-0}))
}

# selected TAG NAME LIST: whether test NAME runs on this build.
selected() {
	[ "$1" != tsan ] || [[ " $3 " == *" $2 "* ]]
}

for b in $builds; do
	tag=$(basename "$b")
	[ "$b" = build ] && tag=plain
	if [ ! -x "$b/headcount-aggregator" ]; then
		skipped=$((skipped + 1))
		printf 'SKIP %-58s %4ds\n' "$tag (not built)" 0
		echo "    SKIP: $b/headcount-aggregator is missing; build it first (make, make SAN=1, make SAN=thread)"
		continue
	fi
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	tsan_options="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
	export TSAN_OPTIONS=$tsan_options
	for s in $suites; do
		case $s in
		unit)
			for t in "$b"/tests/test_*; do
				[ -x "$t" ] || continue
				selected "$tag" "$(basename "$t")" "$TSAN_UNIT" || continue
				run_one "$tag unit/$(basename "$t")" "$logdir/$tag-$(basename "$t").log" "$t"
			done
			;;
		integration)
			for t in "$integration_dir"/test_*.sh; do
				[ -f "$t" ] || continue
				name=$(basename "$t" .sh)
				selected "$tag" "$name" "$TSAN_INTEGRATION" || continue
				HC_BUILD=$b run_one "$tag integration/$name" "$logdir/$tag-$name.log" bash "$t"
			done
			;;
		hw)
			# Hardware-facing suites (arm64 cross build under qemu,
			# gpio-sim kernel module): once, on the plain build.
			[ "$tag" = plain ] || continue
			for t in tests/hw/test_*.sh; do
				[ -f "$t" ] || continue
				name=$(basename "$t" .sh)
				HC_BUILD=$b run_one "hw/$name" "$logdir/hw-$name.log" bash "$t"
			done
			;;
		sim)
			if [ "$tag" != tsan ] && [ -x "$b/headcount-sim" ]; then
				run_one "$tag sim/headcount-sim" "$logdir/$tag-sim.log" "$b/headcount-sim" --ci
			fi
			;;
		esac
	done
done

case " $suites " in
*" fuzz "*)
	tag=fuzz
	for t in terminal_proto supervisor_cmd venue_config terminal_settings http_route; do
		if ! command -v clang-14 >/dev/null 2>&1 && ! command -v clang >/dev/null 2>&1; then
			skipped=$((skipped + 1))
			printf 'SKIP %-58s %4ds\n' "fuzz/$t" 0
			echo "    SKIP: clang is not installed (apt install clang-14 libclang-rt-14-dev)"
			continue
		fi
		run_one "fuzz/$t" "$logdir/fuzz-$t.log" bash tests/fuzz/run-fuzz.sh --smoke "$t"
	done
	;;
esac

echo "unit test cases passed: $cases, skipped: $cases_skipped"
if [ $failed -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "logs: $logdir"
fi
echo "total: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
