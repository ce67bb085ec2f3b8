#!/usr/bin/env bash
# `make install DESTDIR=... PREFIX=/usr` puts the programs, man pages,
# systemd units, the sysusers entry and example configs where a Debian
# system looks for them; the units pass `systemd-analyze verify`; the man
# pages render without warnings; the example venue config starts an
# aggregator as it is.
. "$(dirname "$0")/lib.sh"

repo=$(pwd)
dest="$WORK/dest"
make -s -C "$repo" install DESTDIR="$dest" PREFIX=/usr >"$WORK/install.log" 2>&1 ||
	fail "make install failed: $(tail -n 5 "$WORK/install.log")"

expect() { # MODE PATH
	[ -f "$dest/$2" ] || fail "not installed: $2"
	[ "$(stat -c %a "$dest/$2")" = "$1" ] || fail "$2 has mode $(stat -c %a "$dest/$2"), want $1"
}
expect 755 usr/bin/headcount-aggregator
expect 755 usr/bin/headcount-terminal
expect 644 usr/share/man/man1/headcount-aggregator.1
expect 644 usr/share/man/man1/headcount-terminal.1
expect 644 usr/share/man/man5/headcount-venue.5
expect 644 usr/lib/systemd/system/headcount-aggregator.service
expect 644 usr/lib/systemd/system/headcount-terminal.service
expect 644 usr/lib/sysusers.d/headcount.conf
expect 644 etc/headcount/venue.ini.example
expect 644 etc/headcount/terminal.ini.example
expect 755 usr/bin/headcount-dashboard
expect 644 usr/share/man/man1/headcount-dashboard.1

unit="$dest/usr/lib/systemd/system/headcount-aggregator.service"
grep -qx 'ExecStart=/usr/bin/headcount-aggregator --config /etc/headcount/venue.ini' "$unit" ||
	fail "aggregator unit ExecStart: $(grep ExecStart "$unit")"
grep -qx 'ExecStart=/usr/bin/headcount-terminal run --config /etc/headcount/terminal.ini' \
	"$dest/usr/lib/systemd/system/headcount-terminal.service" || fail "terminal unit ExecStart"
for key in User=headcount NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
	ReadWritePaths=/var/lib/headcount Restart=on-failure; do
	grep -qx "$key" "$unit" || fail "aggregator unit lacks $key"
done
grep -q '@' "$dest/usr/lib/systemd/system/"*.service && fail "a unit kept an @placeholder@"
grep -qx 'listen = 0.0.0.0:8080' "$dest/etc/headcount/venue.ini.example" || fail "example venue does not listen on 0.0.0.0:8080"
grep -qx 'database = /var/lib/headcount/ledger.db' "$dest/etc/headcount/venue.ini.example" ||
	fail "example venue's ledger is not in /var/lib/headcount"
grep -qx 'supervisor_passwords = /var/lib/headcount/supervisors.passwd' "$dest/etc/headcount/venue.ini.example" ||
	fail "example venue's supervisor passwords are not in /var/lib/headcount"
note "installed $(find "$dest" -type f | wc -l) files"

# The man pages render cleanly.
for m in "$dest"/usr/share/man/man*/*; do
	MANWIDTH=80 man --warnings -E UTF-8 -l "$m" >/dev/null 2>"$WORK/man.err" || fail "man $m failed"
	[ -s "$WORK/man.err" ] && fail "man $m warns: $(head -n 3 "$WORK/man.err")"
done
note "man pages render without warnings"

# The example venue config starts an aggregator unchanged (ledger and
# address overridden on the command line).
port=$(free_port)
start_aggregator "$dest/etc/headcount/venue.ini.example" "$port" --db "$WORK/example.db"
[ "$(curl -sf "http://127.0.0.1:$port/api/areas" | jq length)" -ge 1 ] || fail "example venue has no areas"
kill "$AGG_PID"; wait "$AGG_PID" || fail "aggregator on the example config did not stop cleanly"

# systemd-analyze verify resolves ExecStart= and man: links on this
# machine's file system, so it checks an install at real paths.
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze not installed (units not verified)"
	exit 77
fi
real="$WORK/real"
make -s -C "$repo" install PREFIX="$real/usr" SYSCONFDIR="$real/etc" >>"$WORK/install.log" 2>&1 ||
	fail "make install PREFIX=$real/usr failed"
MANPATH="$real/usr/share/man" systemd-analyze verify "$real"/usr/lib/systemd/system/*.service \
	>"$WORK/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/verify.out")"
[ -s "$WORK/verify.out" ] && fail "systemd-analyze verify warns: $(cat "$WORK/verify.out")"
note "systemd-analyze verify: both units clean"
echo "PASS"
