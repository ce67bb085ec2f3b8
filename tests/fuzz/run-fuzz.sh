#!/usr/bin/env bash
# run-fuzz.sh — builds and runs the libFuzzer targets of tests/fuzz/.
#
#   run-fuzz.sh --seconds N [TARGET...]   each target N s (make fuzz)
#   run-fuzz.sh --smoke TARGET            a short clean run (make test)
#   run-fuzz.sh --merge [TARGET...]       add to tests/fuzz/corpus/ what
#                                         in build/fuzz/corpus/ adds coverage
#
# A long run starts from the checked-in seeds (tests/fuzz/corpus/<t>/,
# never written) plus what earlier runs found (build/fuzz/corpus/<t>/,
# where new inputs go). A crash, leak or sanitizer report stops the run,
# saves the input in build/fuzz/artifacts/<t>/ and fails. Each run prints
# one line: target, executions, seconds, corpus files; --seconds also
# appends it to build/fuzz/results.txt. Exit 77 when clang is missing.
# Runs at nice 19: the fuzzers take a whole core each.
set -uo pipefail
cd "$(dirname "$0")/../.."

all_targets="terminal_proto supervisor_cmd venue_config terminal_settings http_route"
dir=build/fuzz
smoke_seconds=${HC_FUZZ_SMOKE_SECONDS:-10}

command -v clang-14 >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || {
	echo "run-fuzz: SKIP: clang not installed (Debian: clang-14 libclang-rt-14-dev)"
	exit 77
}

# dict_for TARGET: the libFuzzer dictionary that fits its input.
dict_for() {
	case $1 in
	terminal_proto | supervisor_cmd) echo tests/fuzz/json.dict ;;
	venue_config | terminal_settings) echo tests/fuzz/ini.dict ;;
	http_route) echo tests/fuzz/http.dict ;;
	esac
}

build() {
	local bins=()
	for t in "$@"; do bins+=("$dir/fuzz_$t"); done
	local log="$dir/build.$$.log"
	nice -n 19 make -s "${bins[@]}" >"$log" 2>&1 || {
		cat "$log"
		echo "run-fuzz: build failed"
		exit 1
	}
	rm -f "$log"
}

# run_target TARGET SECONDS WORKDIR LOG: one libFuzzer run; prints its line.
run_target() {
	local t=$1 secs=$2 work=$3 log=$4
	mkdir -p "$work" "$dir/artifacts/$t" "$dir/log"
	local t0=$SECONDS
	nice -n 19 "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -error_exitcode=1 -print_final_stats=1 -dict="$(dict_for "$t")" \
		-artifact_prefix="$dir/artifacts/$t/" "$work" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1
	local rc=$?
	local execs files
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	files=$(find "$work" "tests/fuzz/corpus/$t" -type f | wc -l)
	local line
	line=$(printf '%-18s executions=%s seconds=%d corpus_files=%d' "$t" "${execs:-?}" \
		$((SECONDS - t0)) "$files")
	if [ $rc -eq 0 ]; then
		echo "PASS $line"
	else
		echo "FAIL $line (exit $rc; log $log, input in $dir/artifacts/$t/)"
		grep -E 'ERROR: |SUMMARY: |check failed|runtime error' "$log" | head -n 20 | sed 's/^/    /'
	fi
	return $rc
}

mode=${1:-}
shift || true
case $mode in
--seconds)
	secs=${1:?--seconds needs N}
	shift
	targets=${*:-$all_targets}
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	build $targets
	failed=0
	for t in $targets; do
		line=$(run_target "$t" "$secs" "$dir/corpus/$t" "$dir/log/$t.log") || failed=1
		echo "$line"
		echo "$(date -u +%FT%TZ) $line" >>"$dir/results.txt"
	done
	exit $failed
	;;
--smoke)
	t=${1:?--smoke needs a target}
	mkdir -p "$dir"
	build "$t"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	run_target "$t" "$smoke_seconds" "$work" "$dir/log/$t-smoke.log"
	;;
--merge)
	targets=${*:-$all_targets}
	mkdir -p "$dir/log"
	# shellcheck disable=SC2086
	build $targets
	for t in $targets; do
		# Adds to the seeds only the inputs that reach new coverage;
		# the seeds themselves all stay.
		mkdir -p "$dir/corpus/$t"
		local_before=$(find "tests/fuzz/corpus/$t" -type f | wc -l)
		nice -n 19 "$dir/fuzz_$t" -merge=1 -max_len=8192 -timeout=10 \
			"tests/fuzz/corpus/$t" "$dir/corpus/$t" >"$dir/log/$t-merge.log" 2>&1 || {
			echo "run-fuzz: merge of $t failed, see $dir/log/$t-merge.log"
			exit 1
		}
		echo "$t: $local_before seeds + $(($(find "tests/fuzz/corpus/$t" -type f | wc -l) - local_before)) found = $(find "tests/fuzz/corpus/$t" -type f | wc -l) files"
	done
	;;
*)
	sed -n '2,14p' "$0"
	exit 2
	;;
esac
