#!/usr/bin/env bash
# The real libgpiod backend (--input gpio) against the kernel's gpio-sim
# module: a simulated chip with three lines (ENTER 0, EXIT 1, UNDO 2) is
# made through configfs, the terminal requests them with pull-up bias and
# edge events, and the test drives the lines by setting each line's
# simulated pull in sysfs: ENTER, EXIT, ENTER, then UNDO.
# The aggregator must end with entered 2 - 1 undone = 1, exited 1.
#
# Needs root, the gpio-sim module (Linux >= 5.17) and configfs. Where any
# is missing this exits 77 (SKIP) and says which; the gpio-sim input
# backend (tests/integration/test_undo_and_gpio_sim.sh) then covers the
# same path from the edge events up.
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to create a gpio-sim chip"; exit 77; }
if [ ! -d /sys/kernel/config/gpio-sim ]; then
	modprobe gpio-sim 2>/dev/null || true
	mountpoint -q /sys/kernel/config 2>/dev/null ||
		mount -t configfs none /sys/kernel/config 2>/dev/null || true
fi
[ -d /sys/kernel/config/gpio-sim ] ||
	{ echo "SKIP: no gpio-sim: 'modprobe gpio-sim' failed or configfs is absent (kernel $(uname -r))"; exit 77; }

. "$(dirname "$0")/../integration/lib.sh"

SIM=/sys/kernel/config/gpio-sim/hc-$$
mkdir "$SIM" "$SIM/bank0"
HC_ON_EXIT="echo 0 > $SIM/live; rmdir $SIM/bank0/line* $SIM/bank0 $SIM"
echo 3 >"$SIM/bank0/num_lines"
for l in 0 1 2; do mkdir "$SIM/bank0/line$l"; done
echo 1 >"$SIM/live"
chip=$(cat "$SIM/bank0/chip_name")
dev=$(cat "$SIM/dev_name")
pull() { echo "$2" >"/sys/devices/platform/$dev/$chip/sim_gpio$1/pull"; }

port=$(free_port)
cat >"$WORK/venue.ini" <<INI
[venue]
name = gpio-sim
database = $WORK/agg.db
[area hall]
capacity = 100
[terminal t1]
area = hall
INI
cat >"$WORK/terminal.ini" <<INI
[terminal]
id = t1
url = ws://127.0.0.1:$port
journal = $WORK/t1.db
batch_interval_ms = 200
input = gpio
display = line
gpio_chip = $chip
gpio_line_in = 0
gpio_line_out = 1
gpio_line_undo = 2
gpio_debounce_ms = 30
INI
start_aggregator "$WORK/venue.ini" "$port"
"$TERM_BIN" --config "$WORK/terminal.ini" >"$WORK/t1.log" 2>&1 &
HC_PIDS+=("$!")
wait_until 10 grep -q "input gpio:" "$WORK/t1.log" || fail "terminal did not open the gpio-sim lines"
# Buttons to ground: pressed = pull-down on an active-low line.
press() { pull "$1" pull-down; sleep 0.1; pull "$1" pull-up; sleep 0.1; }
press 0
press 1
press 0
press 2   # UNDO takes back the second ENTER
area_is() { [ "$(api_area "$port" hall "$1")" = "$2" ]; }
wait_until 15 area_is entered 1 || fail "entered $(api_area "$port" hall entered), want 1"
wait_until 5 area_is exited 1 || fail "exited $(api_area "$port" hall exited), want 1"
echo "ok"
