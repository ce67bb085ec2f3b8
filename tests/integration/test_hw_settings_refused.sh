#!/usr/bin/env bash
# Hardware settings that cannot work are refused with a message that
# names the key or the device, before anything is counted:
#   - bad gpio_* / lcd_* values and unknown --display parts exit 2;
#   - a GPIO chip or an I2C bus that is not there exits 1 and says so.
. "$(dirname "$0")/lib.sh"

# run_cfg NAME WANT_RC WANT_TEXT [ini lines...]: runs the terminal with
# those [terminal] keys and checks the exit code and the message.
run_cfg() {
	local name=$1 want_rc=$2 want_text=$3
	shift 3
	{
		echo "[terminal]"
		echo "id = t1"
		echo "url = ws://127.0.0.1:9"
		echo "journal = $WORK/$name.db"
		printf '%s\n' "$@"
	} >"$WORK/$name.ini"
	local rc=0
	timeout 10 "$TERM_BIN" --config "$WORK/$name.ini" </dev/null >"$WORK/$name.log" 2>&1 || rc=$?
	[ "$rc" = "$want_rc" ] || fail "$name: exit $rc, want $want_rc ($(tail -n 1 "$WORK/$name.log"))"
	grep -q -- "$want_text" "$WORK/$name.log" || fail "$name: no \"$want_text\" in: $(cat "$WORK/$name.log")"
	note "$name: exit $rc, \"$want_text\""
}

run_cfg line_offset 2 "gpio_line_in \"seventeen\"" "input = gpio" "gpio_line_in = seventeen"
run_cfg line_range 2 "expected a line offset 0..1023" "gpio_line_red = 5000"
run_cfg debounce 2 "gpio_debounce_ms \"-5\"" "gpio_debounce_ms = -5"
run_cfg boolean 2 "take true or false" "gpio_pull_up = maybe"
run_cfg no_exit_line 2 "gpio_line_out must name a line" "gpio_line_out = none"
run_cfg lcd_address 2 "lcd_address \"0x99\"" "lcd_address = 0x99"
run_cfg display_part 2 "optionally followed by ,leds" "display = line,lamp"
run_cfg unknown_key 2 "unknown key \"gpio_line_exit\"" "gpio_line_exit = 5"
run_cfg no_chip 1 "cannot open chip \"hc-no-such-chip\"" "input = gpio" "gpio_chip = hc-no-such-chip"
run_cfg no_bus 1 "cannot open /nonexistent/i2c-7" "display = none,lcd" "lcd_i2c = /nonexistent/i2c-7"
echo "ok"
