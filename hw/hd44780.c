/*
 * hd44780.c — HD44780-over-PCF8574 encoder (see hd44780.h for the bit
 * map). Timings from the HD44780 data sheet: 4.1 ms and 100 us between
 * the three 0x3 nibbles of the reset-by-instruction sequence, 1.52 ms
 * for clear, 37 us for every other command or character.
 */
#include "hw/hd44780.h"

#include <assert.h>

#define DELAY_CMD_US 37
#define DELAY_CLEAR_US 1520
#define DELAY_RESET1_US 4100
#define DELAY_RESET2_US 100

/* One nibble (high four bits of n4 << 4) as its E-high, E-low pair. */
static void nibble(uint8_t *out, uint8_t high_nibble, uint8_t flags)
{
	uint8_t b = (uint8_t)((high_nibble & 0xf0) | flags);
	out[0] = (uint8_t)(b | HC_PCF_E);
	out[1] = b;
}

struct hc_lcd_step hc_hd44780_byte(uint8_t value, bool rs, bool backlight, uint32_t delay_us)
{
	struct hc_lcd_step s = { .count = 4, .delay_us = delay_us };
	uint8_t flags = (uint8_t)((rs ? HC_PCF_RS : 0) | (backlight ? HC_PCF_BACKLIGHT : 0));
	nibble(&s.bytes[0], value, flags);
	nibble(&s.bytes[2], (uint8_t)(value << 4), flags);
	return s;
}

/* A lone nibble step (only during the reset sequence). */
static struct hc_lcd_step lone_nibble(uint8_t high_nibble, bool backlight, uint32_t delay_us)
{
	struct hc_lcd_step s = { .count = 2, .delay_us = delay_us };
	nibble(s.bytes, high_nibble, backlight ? HC_PCF_BACKLIGHT : 0);
	return s;
}

size_t hc_hd44780_init(struct hc_lcd_step *steps, bool backlight)
{
	size_t n = 0;
	/* Reset by instruction: whatever mode the LCD was in (8-bit after
	 * power-on, or half-way through a 4-bit byte), three 0x3 nibbles
	 * put it in 8-bit mode, then 0x2 switches to 4-bit. */
	steps[n++] = lone_nibble(0x30, backlight, DELAY_RESET1_US);
	steps[n++] = lone_nibble(0x30, backlight, DELAY_RESET2_US);
	steps[n++] = lone_nibble(0x30, backlight, DELAY_CMD_US);
	steps[n++] = lone_nibble(0x20, backlight, DELAY_CMD_US);
	steps[n++] = hc_hd44780_byte(HC_LCD_FUNCTION_4BIT_2LINE, false, backlight, DELAY_CMD_US);
	steps[n++] = hc_hd44780_byte(HC_LCD_DISPLAY_ON, false, backlight, DELAY_CMD_US);
	steps[n++] = hc_hd44780_byte(HC_LCD_CLEAR, false, backlight, DELAY_CLEAR_US);
	steps[n++] = hc_hd44780_byte(HC_LCD_ENTRY_LEFT, false, backlight, DELAY_CMD_US);
	assert(n <= HC_LCD_STEPS_MAX);
	return n;
}

size_t hc_hd44780_line(struct hc_lcd_step *steps, unsigned row, const char *text, bool backlight)
{
	assert(row < HC_LCD_ROWS);
	size_t n = 0;
	steps[n++] = hc_hd44780_byte((uint8_t)(HC_LCD_SET_DDRAM | (row ? 0x40 : 0x00)), false,
				     backlight, DELAY_CMD_US);
	bool ended = false;
	for (unsigned col = 0; col < HC_LCD_COLS; col++) {
		unsigned char c = ended ? ' ' : (unsigned char)text[col];
		if (c == '\0') {
			ended = true;
			c = ' ';
		}
		if (c < 0x20 || c > 0x7e)
			c = '?';
		steps[n++] = hc_hd44780_byte(c, true, backlight, DELAY_CMD_US);
	}
	assert(n <= HC_LCD_STEPS_MAX);
	return n;
}
