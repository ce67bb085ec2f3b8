/*
 * test_lcd_hd44780_bytes.c — the bytes a 16x2 HD44780 behind a PCF8574
 * gets: each LCD byte is two nibbles, high first, each strobed with E
 * high then low, RS set for characters, backlight bit kept; the reset
 * sequence is 0x3, 0x3, 0x3, 0x2 with the data sheet's delays, then
 * function set, display on, clear, entry mode; a row is its DDRAM
 * address and exactly 16 characters. And what the rows say for each
 * terminal state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hw/hd44780.h"
#include "hw/lcd_text.h"

static void a_byte_is_two_strobed_nibbles(void **state)
{
	(void)state;
	/* 'A' = 0x41, data, backlight: 0x4_ then 0x1_, flags RS|BL = 0x09 */
	struct hc_lcd_step s = hc_hd44780_byte('A', true, true, 37);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.bytes[0], 0x40 | 0x09 | HC_PCF_E);
	assert_int_equal(s.bytes[1], 0x40 | 0x09);
	assert_int_equal(s.bytes[2], 0x10 | 0x09 | HC_PCF_E);
	assert_int_equal(s.bytes[3], 0x10 | 0x09);
	assert_int_equal(s.delay_us, 37);
	/* command, no backlight: RS and BL clear, RW never set */
	s = hc_hd44780_byte(HC_LCD_CLEAR, false, false, 1520);
	assert_int_equal(s.bytes[0], 0x00 | HC_PCF_E);
	assert_int_equal(s.bytes[1], 0x00);
	assert_int_equal(s.bytes[2], 0x10 | HC_PCF_E);
	assert_int_equal(s.bytes[3], 0x10);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.bytes[i] & HC_PCF_RW, 0);
}

static void init_is_the_four_bit_reset_sequence(void **state)
{
	(void)state;
	struct hc_lcd_step st[HC_LCD_STEPS_MAX];
	size_t n = hc_hd44780_init(st, true);
	assert_int_equal(n, 8);
	const uint8_t nibbles[4] = { 0x30, 0x30, 0x30, 0x20 };
	const uint32_t delays[4] = { 4100, 100, 37, 37 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(st[i].count, 2);
		assert_int_equal(st[i].bytes[0], nibbles[i] | HC_PCF_BACKLIGHT | HC_PCF_E);
		assert_int_equal(st[i].bytes[1], nibbles[i] | HC_PCF_BACKLIGHT);
		assert_int_equal(st[i].delay_us, delays[i]);
	}
	const uint8_t cmds[4] = { 0x28, 0x0c, 0x01, 0x06 };
	for (int i = 0; i < 4; i++) {
		struct hc_lcd_step want = hc_hd44780_byte(cmds[i], false, true, 0);
		assert_memory_equal(st[4 + i].bytes, want.bytes, 4);
	}
	assert_true(st[6].delay_us >= 1520); /* clear is slow */
}

static void a_row_is_its_address_and_sixteen_characters(void **state)
{
	(void)state;
	struct hc_lcd_step st[HC_LCD_STEPS_MAX];
	size_t n = hc_hd44780_line(st, 1, "Hi\x01", false);
	assert_int_equal(n, 17);
	struct hc_lcd_step addr = hc_hd44780_byte(0xc0, false, false, 0);
	assert_memory_equal(st[0].bytes, addr.bytes, 4);
	const char want[] = "Hi?             ";
	for (int i = 0; i < 16; i++) {
		struct hc_lcd_step c = hc_hd44780_byte((uint8_t)want[i], true, false, 0);
		assert_memory_equal(st[1 + i].bytes, c.bytes, 4);
	}
	n = hc_hd44780_line(st, 0, "0123456789abcdefTOO LONG", false);
	assert_int_equal(n, 17);
	struct hc_lcd_step last = hc_hd44780_byte('f', true, false, 0);
	assert_memory_equal(st[16].bytes, last.bytes, 4);
}

static struct hc_display_state figure(void)
{
	struct hc_display_state s;
	memset(&s, 0, sizeof s);
	snprintf(s.terminal_id, sizeof s.terminal_id, "t1");
	snprintf(s.area_id, sizeof s.area_id, "hall");
	snprintf(s.area_name, sizeof s.area_name, "Main hall of the fair");
	s.have_figure = true;
	s.online = true;
	s.occupancy_shown = 12;
	s.capacity = 300;
	s.level = "low";
	return s;
}

static void rows_say_the_state(void **state)
{
	(void)state;
	char rows[HC_LCD_ROWS][HC_LCD_COLS + 1];
	struct hc_display_state s = figure();
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[0], "Main hall 12/300");
	assert_string_equal(rows[1], "ENTRY OPEN");
	s.restricted = true;
	s.level = "full";
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[1], "STOP  (full)");
	s.online = false;
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[1], "STOP?   OFFLINE");
	s.restricted = false;
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[1], "OPEN?   OFFLINE");
	s.storage_fault = true;
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[1], "STORAGE FAULT!");
	s = figure();
	s.occupancy_shown = 123456;
	s.capacity = 1000000;
	hc_lcd_text(&s, rows);
	assert_int_equal(strlen(rows[0]), 16);
	assert_string_equal(rows[0], "M 123456/1000000");
	s.have_figure = false;
	s.online = false;
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[0], "t1");
	assert_string_equal(rows[1], "CONNECTING");
	s.online = true;
	hc_lcd_text(&s, rows);
	assert_string_equal(rows[1], "NO FIGURE YET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_byte_is_two_strobed_nibbles),
		cmocka_unit_test(init_is_the_four_bit_reset_sequence),
		cmocka_unit_test(a_row_is_its_address_and_sixteen_characters),
		cmocka_unit_test(rows_say_the_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
