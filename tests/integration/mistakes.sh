# shellcheck shell=bash
# mistakes.sh — helpers for the operator-mistake tests
# (tests/integration/test_operator_mistakes*.sh). Sources lib.sh.
#
# refused WANT_RC PATTERN LABEL -- AGGREGATOR ARGS...: runs the aggregator
# in the foreground (bounded by a timeout, so one that starts serving
# instead of refusing ends as exit 124), and checks that it exited with
# WANT_RC, printed exactly one line, an ERROR matching PATTERN, never
# said "listening on", and (when $check_port is set) that nothing
# answers /healthz on that port afterwards.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

refused() {
	local want_rc=$1 pattern=$2 label=$3
	shift 4
	local rc=0 out="$WORK/refused.log"
	timeout 20 "$AGG" "$@" >"$out" 2>&1 || rc=$?
	cat "$out" >>"$WORK/aggregator.log"
	[ $rc -eq "$want_rc" ] || fail "$label: exit $rc, want $want_rc (124: it kept running); output: $(cat "$out")"
	[ "$(wc -l <"$out")" -eq 1 ] || fail "$label: want one line, got $(wc -l <"$out"): $(cat "$out")"
	grep -q ' ERROR ' "$out" || fail "$label: the line is not an ERROR: $(cat "$out")"
	grep -q -- "$pattern" "$out" || fail "$label: the line does not say '$pattern': $(cat "$out")"
	! grep -q 'listening on' "$out" || fail "$label: it said listening: $(cat "$out")"
	if [ -n "${check_port:-}" ] &&
		curl -s -m 2 -o /dev/null "http://127.0.0.1:$check_port/healthz"; then
		fail "$label: something answers /healthz on $check_port after the refusal"
	fi
	REFUSAL=$(sed 's/^[^ ]* aggregator ERROR //' "$out")
	note "$label: exit $rc: $REFUSAL"
}

# mistakes_venue FILE DB [LISTEN]: a one-area venue.
mistakes_venue() {
	{
		echo "[venue]"
		echo "name = Mistakes"
		echo "database = $2"
		[ -z "${3:-}" ] || echo "listen = $3"
		printf '[area hall]\ncapacity = 100\n[terminal t1]\narea = hall\n'
	} >"$1"
}
