#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages headcount needs, and
# only those that are missing. Called by make before the first build, so
# that `make demo` and `make test` work on a fresh machine with git+make.
# Uses sudo when not root. Set HC_SKIP_DEPS=1 to skip (offline builds).
set -euo pipefail

[ "${HC_SKIP_DEPS:-0}" = 1 ] && exit 0

packages=(
	# build
	gcc make pkg-config
	libwebsockets-dev libsqlite3-dev libjansson-dev libinih-dev
	libmbedtls-dev libncurses-dev libgpiod-dev libcmocka-dev
	libev-dev libwebsockets-evlib-ev libmosquitto-dev libqrencode-dev
	# sanitizer runtimes (make SAN=1, make SAN=thread)
	libasan8 libubsan1 libtsan2
	# tests and demo (e2fsprogs: chattr, for the immutable-file tests)
	sqlite3 curl jq tmux procps iproute2 psmisc bsdextrautils e2fsprogs
	# operations tests: promtool, systemd-analyze, man
	prometheus systemd man-db
	# MQTT bridge tests: a real broker and its clients
	mosquitto mosquitto-clients
	# map page tests: nginx in front, headless chromium, a Japanese font
	# for the screenshot
	nginx chromium fonts-ipafont-gothic
	# fuzzing (make fuzz, the fuzz suite of make test)
	clang-14 libclang-rt-14-dev
)

# The Raspberry Pi (arm64) build of the terminal and its unit tests under
# qemu-user (make arm64, tests/hw/): the cross compiler and the arm64
# libraries through multiarch. libwebsockets-dev is not co-installable
# for two architectures; tests/hw/arm64-build.sh unpacks its arm64 .deb
# into build/ instead, so only the runtime library is installed here.
# HC_ARM64=0 leaves all of this out (the arm64 suite then SKIPs).
if [ "${HC_ARM64:-1}" = 1 ]; then
	packages+=(
		gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file
		libwebsockets17:arm64 libsqlite3-dev:arm64 libjansson-dev:arm64
		libinih-dev:arm64 libmbedtls-dev:arm64 libncurses-dev:arm64
		libgpiod-dev:arm64 libcmocka-dev:arm64
	)
fi

missing=()
for p in "${packages[@]}"; do
	if ! grep -q 'install ok installed' <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
if [ "${HC_ARM64:-1}" = 1 ] && ! grep -qx arm64 <<<"$(dpkg --print-foreign-architectures)"; then
	$sudo dpkg --add-architecture arm64
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
