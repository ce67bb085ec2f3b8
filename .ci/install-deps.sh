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
	libev-dev libwebsockets-evlib-ev
	# tests and demo
	sqlite3 curl jq tmux procps iproute2 psmisc bsdextrautils
	# fuzzing (make fuzz, the fuzz suite of make test)
	clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
