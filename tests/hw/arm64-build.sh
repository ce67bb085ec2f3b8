#!/usr/bin/env bash
# arm64-build.sh — cross-builds the terminal and its unit tests for arm64
# (Raspberry Pi OS bookworm, Debian 12 arm64) into build/arm64/.
#
# Uses Debian's aarch64 cross compiler and the arm64 -dev packages
# installed through multiarch (.ci/install-deps.sh with HC_ARM64=1), found
# with pkg-config in /usr/lib/aarch64-linux-gnu/pkgconfig. One exception:
# libwebsockets-dev cannot be installed for two architectures at once
# (both ship a different /usr/include/lws_config.h), so its arm64 .deb is
# fetched with `apt-get download` and unpacked into build/arm64/sysroot,
# and the terminal links against the arm64 runtime libwebsockets17
# installed normally; libssl-dev:arm64 (OpenSSL's headers, which
# libwebsockets.h includes) is unpacked there too. Nothing is cached outside build/.
#
# Builds: build/arm64/headcount-terminal and build/arm64/tests/<unit
# tests of the terminal's cores> (those that need no aggregator server).
# Exits 77 when the cross toolchain is missing (the caller reports SKIP).
set -euo pipefail
cd "$(dirname "$0")/../.."

CC=${HC_ARM64_CC:-aarch64-linux-gnu-gcc}
OUT=build/arm64
command -v "$CC" >/dev/null || { echo "arm64: $CC not installed (HC_ARM64=1 bash .ci/install-deps.sh)"; exit 77; }
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
PKGS="sqlite3 jansson inih ncursesw libgpiod"
pkg-config --exists $PKGS cmocka ||
	{ echo "arm64: arm64 -dev packages missing ($PKGS cmocka)"; exit 77; }
[ -e /usr/lib/aarch64-linux-gnu/libwebsockets.so.17 ] ||
	{ echo "arm64: libwebsockets17:arm64 not installed"; exit 77; }

mkdir -p "$OUT/debs" "$OUT/sysroot" "$OUT/lib" "$OUT/obj" "$OUT/tests"
if [ ! -f "$OUT/sysroot/usr/include/lws_config.h" ]; then
	(cd "$OUT/debs" && apt-get download -q libwebsockets-dev:arm64 >/dev/null 2>&1) ||
		{ echo "arm64: apt-get download libwebsockets-dev:arm64 failed"; exit 1; }
	dpkg-deb -x "$OUT"/debs/libwebsockets-dev_*_arm64.deb "$OUT/sysroot"
fi
# libwebsockets.h includes OpenSSL's headers, whose opensslconf.h is
# per architecture (/usr/include/<triplet>/openssl): the arm64 ones come
# from libssl-dev:arm64, unpacked beside it the same way (installing it
# would have to match the host's libssl-dev version exactly).
if [ ! -f "$OUT/sysroot/usr/include/aarch64-linux-gnu/openssl/opensslconf.h" ]; then
	(cd "$OUT/debs" && apt-get download -q libssl-dev:arm64 >/dev/null 2>&1) ||
		{ echo "arm64: apt-get download libssl-dev:arm64 failed"; exit 1; }
	dpkg-deb -x "$OUT"/debs/libssl-dev_*_arm64.deb "$OUT/sysroot"
fi
ln -sf /usr/lib/aarch64-linux-gnu/libwebsockets.so.17 "$OUT/lib/libwebsockets.so"

CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -I$OUT/sysroot/usr/include"
CFLAGS+=" -I$OUT/sysroot/usr/include/aarch64-linux-gnu $(pkg-config --cflags $PKGS)"
LIBS="-L$OUT/lib -lwebsockets $(pkg-config --libs $PKGS) -lmbedx509 -lmbedcrypto -lpthread -lm"

# The terminal's sources: shared/, terminal/, hw/, and the pure ledger
# core (aggregator/ledger.c) that the undo test feeds.
SRC="$(ls shared/*.c terminal/*.c hw/*.c | grep -v '^terminal/main.c$') aggregator/ledger.c"
TESTS="test_debounce_presses test_pattern_door_states test_outbox_batching
	test_outbox_resend test_outbox_undo test_journal_restart test_journal_upgrade
	test_protocol_roundtrip test_protocol_rejections test_lcd_hd44780_bytes"

# One archive per part, as in the Makefile: the terminal links
# libhcterminal.a, libhchw.a and libhcshared.a only; the unit tests add
# the ledger core.
declare -A part_objs=()
for f in $SRC terminal/main.c $(for t in $TESTS; do echo tests/unit/$t.c; done); do
	o="$OUT/obj/${f%.c}.o"
	mkdir -p "$(dirname "$o")"
	if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find shared terminal hw aggregator/ledger.h tests/unit -name '*.h' -newer "$o" | head -n 1)" ]; then
		$CC $CFLAGS -c "$f" -o "$o"
	fi
	case $f in tests/* | terminal/main.c) ;; *) part_objs[${f%%/*}]+=" $o" ;; esac
done
for part in shared hw terminal aggregator; do
	rm -f "$OUT/libhc$part.a"
	# shellcheck disable=SC2086
	aarch64-linux-gnu-ar rcs "$OUT/libhc$part.a" ${part_objs[$part]}
done
rm -f "$OUT/libterminal.a"
PART_LIBS="$OUT/libhcterminal.a $OUT/libhchw.a $OUT/libhcshared.a"
$CC -o "$OUT/headcount-terminal" "$OUT/obj/terminal/main.o" $PART_LIBS $LIBS
for t in $TESTS; do
	$CC -o "$OUT/tests/$t" "$OUT/obj/tests/unit/$t.o" "$OUT/libhcaggregator.a" $PART_LIBS $LIBS \
		$(pkg-config --libs cmocka)
done
echo "arm64: built $OUT/headcount-terminal and $(echo $TESTS | wc -w) unit tests"
