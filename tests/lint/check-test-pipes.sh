#!/usr/bin/env bash
# check-test-pipes.sh — refuses a pipe into `grep -q` in the test and CI
# scripts.
#
# Every script here runs under `set -o pipefail`. A pipe split over two
# lines (a line ending in |, grep -q on the next) counts too. grep -q exits at its
# first match; if the writer still has lines to write it dies of
# SIGPIPE, the pipeline fails although the text matched, and the test
# reports a failure that is not there (or, behind a `!`, a pass that is
# not there). Feed grep -q from a here-string instead:
#     grep -q PATTERN <<<"$(command)"
# A pipe inside `bash -c "..."` or `sh -c "..."` is allowed: that child
# shell has no pipefail.
#
# Usage: bash tests/lint/check-test-pipes.sh   (run from the repo root)
# Prints FILE:LINE: pipe into grep -q (use grep -q PATTERN <<<"$(...)")
# for each and exits 1 if there is any; exits 0 silently otherwise.
set -euo pipefail

files=$(find tests .ci -type f \( -name '*.sh' -o -path .ci/run \) 2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "check-test-pipes: no scripts found (run from the repo root)" >&2; exit 2; }

# shellcheck disable=SC2086
awk '
FNR == 1 { piped = 0 }
function quiet_grep(text) { return text ~ /^[ \t]*grep[ \t]+(-[a-zA-Z]*q|--quiet)/ }
{
	in_child = $0 ~ /(^|[^a-z])(ba)?sh -c /
	if (!in_child && ((piped && quiet_grep($0)) ||
			  $0 ~ /(^|[^|])\|[ \t]*grep[ \t]+(-[a-zA-Z]*q|--quiet)/)) {
		printf "%s:%d: pipe into grep -q (use grep -q PATTERN <<<\"$(...)\")\n", FILENAME, FNR
		bad = 1
	}
	# A line ending in a single | continues the pipeline on the next.
	piped = $0 ~ /(^|[^|])\|[ \t]*$/
}
END { exit bad }
' $files
