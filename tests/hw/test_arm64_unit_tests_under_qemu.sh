#!/usr/bin/env bash
# The terminal for a Raspberry Pi: cross-builds it for arm64 (make arm64,
# tests/hw/arm64-build.sh) and runs its unit tests under qemu-user
# (qemu-aarch64; arm64 libraries come from Debian multiarch, so the
# dynamic loader /lib/ld-linux-aarch64.so.1 and its libraries are found
# without -L). Also starts the arm64 terminal itself (--help) under qemu.
# Exits 77 (SKIP), saying why, when the cross toolchain or qemu-user is
# missing.
set -uo pipefail
cd "$(dirname "$0")/../.."

command -v qemu-aarch64 >/dev/null || { echo "SKIP: qemu-aarch64 missing (package qemu-user)"; exit 77; }
bash tests/hw/arm64-build.sh
rc=$?
[ $rc -eq 77 ] && { echo "SKIP: no arm64 cross toolchain"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: arm64 build failed"; exit 1; }

failed=0
for t in build/arm64/tests/test_*; do
	if timeout 300 qemu-aarch64 "$t" >"build/arm64/$(basename "$t").log" 2>&1; then
		echo "PASS arm64 $(basename "$t")"
	else
		echo "FAIL arm64 $(basename "$t")"
		tail -n 20 "build/arm64/$(basename "$t").log"
		failed=$((failed + 1))
	fi
done
grep -h '^\[  PASSED  \]' build/arm64/test_*.log | tail -n 1 >/dev/null
out=$(timeout 60 qemu-aarch64 build/arm64/headcount-terminal --help) ||
	{ echo "FAIL: arm64 terminal --help"; failed=$((failed + 1)); }
case $out in usage:*) ;; *) echo "FAIL: arm64 terminal --help printed no usage"; failed=$((failed + 1)) ;; esac
grep -q aarch64 <<<"$(file build/arm64/headcount-terminal 2>/dev/null)" || [ ! -x /usr/bin/file ] ||
	{ echo "FAIL: build/arm64/headcount-terminal is not an aarch64 binary"; failed=$((failed + 1)); }
[ $failed -eq 0 ] || exit 1
echo "ok"
