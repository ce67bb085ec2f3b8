#!/usr/bin/env bash
# check-deps.sh — checks every #include in shared/, hw/, terminal/ and
# aggregator/ (and tests/tools/hc_shared_*) against tests/lint/deps.rules.
#
# Usage: bash tests/lint/check-deps.sh [RULES]   (run from the repo root)
# Prints one line per broken rule, as FILE:LINE: RULE: what was included,
# and exits 1 if there is any; exits 0 silently otherwise. Relies on
# bash, find and awk only. An unknown rule line in RULES is an error
# (exit 2), so a typo cannot switch a rule off.
set -euo pipefail
rules=${1:-tests/lint/deps.rules}
[ -r "$rules" ] || { echo "check-deps: cannot read $rules" >&2; exit 2; }

files=$(find shared hw terminal aggregator tests/tools -type f \( -name '*.c' -o -name '*.h' \) \
	2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "check-deps: no source files found (run from the repo root)" >&2; exit 2; }

# shellcheck disable=SC2086
awk -v rules="$rules" '
function part_of(path,   name, best, n) {
	best = ""; n = 0
	for (name in prefix)
		if (index(path, prefix[name]) == 1 && length(prefix[name]) > n) {
			best = name; n = length(prefix[name])
		}
	return best
}
function stem(path) { sub(/\.[ch]$/, "", path); return path }
function unit_of(path) { return path in unit_file ? unit_file[path] : stem(path) }
BEGIN {
	while ((getline line < rules) > 0) {
		lineno++
		sub(/#.*/, "", line)
		if (line ~ /^[ \t]*$/) continue
		n = split(line, f, /[ \t]+/)
		if (f[1] == "") { for (i = 1; i < n; i++) f[i] = f[i + 1]; n-- }
		if (f[1] == "part" && n == 3) prefix[f[2]] = f[3]
		else if (f[1] == "allow" && n >= 2) {
			allowed[f[2]] = " " f[2] " "
			for (i = 3; i <= n; i++) allowed[f[2]] = allowed[f[2]] f[i] " "
		} else if (f[1] == "core" && n == 2) core[f[2]] = 1
		else if (f[1] == "nocycle" && n == 2) nocycle[f[2]] = 1
		else if (f[1] == "unit" && n >= 3) { for (i = 3; i <= n; i++) unit_file[f[i]] = f[2] }
		else if (f[1] == "banned" && n >= 3) {
			what = f[3]; for (i = 4; i <= n; i++) what = what " " f[i]
			banned[f[2]] = what
		} else {
			printf "check-deps: %s:%d: unknown rule: %s\n", rules, lineno, line > "/dev/stderr"
			exit 2
		}
	}
	for (name in prefix)
		if (!(name in allowed)) {
			printf "check-deps: %s: part %s has no allow line\n", rules, name > "/dev/stderr"
			exit 2
		}
	bad = 0
}
FNR == 1 { me = part_of(FILENAME); dir = FILENAME; sub(/[^\/]*$/, "", dir) }
/^[ \t]*#[ \t]*include[ \t]*[<"]/ {
	if (me == "") next
	hdr = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*/, "", hdr)
	if (hdr ~ /^</) { sub(/>.*/, ">", hdr) } else { sub(/^"/, "", hdr); sub(/".*/, "", hdr); hdr = "\"" hdr "\"" }
	if (stem(FILENAME) in core && hdr in banned) {
		printf "%s:%d: core %s includes %s (%s): cores include no I/O, clock, thread or library edge\n",
			FILENAME, FNR, stem(FILENAME), hdr, banned[hdr]
		bad++
	}
	if (hdr !~ /^"/) next
	path = substr(hdr, 2, length(hdr) - 2)
	if (path !~ /\//) path = dir path
	them = part_of(path)
	# A unit is X.c with X.h; record "unit includes unit" inside a
	# nocycle part, with where it happens, for the cycle search below.
	if (me in nocycle && them == me && unit_of(path) != unit_of(FILENAME)) {
		from = unit_of(FILENAME); to = unit_of(path)
		if (!((from, to) in edge)) {
			edge[from, to] = FILENAME ":" FNR
			out[from] = out[from] " " to
		}
		unit[from] = 1; unit[to] = 1
	}
	if (them == "" || index(allowed[me], " " them " ") > 0) next
	may = allowed[me]; sub(/^ /, "", may); sub(/ $/, "", may)
	printf "%s:%d: part %s includes %s of part %s: %s may include only %s\n",
		FILENAME, FNR, me, hdr, them, me, may
	bad++
}
# Depth-first search for a cycle from u; on finding one, prints it with
# the include that closes each step and returns 1.
function dfs(u,   n, i, v, list, k, line) {
	state[u] = 1; stack[++depth] = u
	n = split(out[u], list, " ")
	for (i = 1; i <= n; i++) {
		v = list[i]
		if (state[v] == 1) {
			line = ""
			for (k = depth; k >= 1 && stack[k] != v; k--) ;
			for (; k <= depth; k++)
				line = line stack[k] " -> "
			printf "include circle: %s%s (", line, v
			for (k = depth; k >= 1 && stack[k] != v; k--) ;
			for (; k < depth; k++) printf "%s; ", edge[stack[k], stack[k + 1]]
			printf "%s): a unit (X.c and X.h) may not reach itself through includes\n", edge[u, v]
			return 1
		}
		if (state[v] == 0 && dfs(v)) return 1
	}
	state[u] = 2; depth--
	return 0
}
END {
	for (u in unit) order[++units] = u
	# a stable order, so the same tree always names the same circle
	for (i = 2; i <= units; i++) {
		v = order[i]
		for (j = i - 1; j >= 1 && order[j] > v; j--) order[j + 1] = order[j]
		order[j + 1] = v
	}
	for (i = 1; i <= units; i++)
		if (state[order[i]] == 0 && dfs(order[i])) { bad++; break }
	if (bad) { printf "check-deps: %d broken rule(s) (%s)\n", bad, rules > "/dev/stderr"; exit 1 } }
' $files
