#!/usr/bin/env bash
# Every binary answers --version with its name, release and git revision,
# and --help (also after each subcommand) prints its usage to stdout and
# exits 0 with nothing on stderr.
. "$(dirname "$0")/lib.sh"

rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
bins="headcount-aggregator headcount-terminal headcount-bench headcount-sim"
[ -x "$HC_BUILD/headcount-dashboard" ] && bins="$bins headcount-dashboard"
for b in $bins; do
	out=$("$HC_BUILD/$b" --version 2>"$WORK/err") || fail "$b --version exited $?"
	[ -s "$WORK/err" ] && fail "$b --version wrote to stderr: $(cat "$WORK/err")"
	grep -Eq "^$b [0-9]+\.[0-9]+\.[0-9]+ \(git $rev\)$" <<<"$out" ||
		fail "$b --version said: $out (want \"$b X.Y.Z (git $rev)\")"
	note "$out"
done

help_ok() { # BIN ARGS...: usage on stdout, exit 0, stderr empty
	local out
	out=$("$HC_BUILD/$1" "${@:2}" 2>"$WORK/err") || fail "$* exited $?"
	[ -s "$WORK/err" ] && fail "$* wrote to stderr: $(cat "$WORK/err")"
	grep -q '^usage: ' <<<"$out" || fail "$* printed no usage: $out"
}
help_ok headcount-aggregator --help
help_ok headcount-aggregator export --help
help_ok headcount-aggregator enroll --help
help_ok headcount-aggregator rotate --help
help_ok headcount-aggregator revoke --help
help_ok headcount-terminal --help
help_ok headcount-terminal run --help
help_ok headcount-terminal status --help
help_ok headcount-bench --help
help_ok headcount-sim --help
[ -x "$HC_BUILD/headcount-dashboard" ] && help_ok headcount-dashboard --help

# A wrong option is still refused on stderr with exit 2.
if "$HC_BUILD/headcount-aggregator" export --no-such-option >/dev/null 2>"$WORK/err"; then
	fail "export accepted an unknown option"
fi
[ -s "$WORK/err" ] || fail "unknown option gave no message"
echo "PASS"
