/*
 * hd44780.h — the byte-level protocol of a 16x2 HD44780 character LCD in
 * 4-bit mode behind a PCF8574 I2C expander (pure: no I/O, no clock).
 *
 * The PCF8574 backpack maps its eight port bits to the LCD: P0 = RS
 * (0 command, 1 data), P1 = RW (always 0: write), P2 = E (the strobe the
 * LCD latches on its falling edge), P3 = backlight, P4..P7 = D4..D7.
 * One LCD byte is two nibbles, high first, each written twice to the
 * expander: with E high, then with E low. So one byte = four I2C bytes.
 *
 * The encoder produces steps: expander bytes to write, then a delay the
 * LCD needs before the next step. hw/display_lcd.c writes them to
 * /dev/i2c-N and sleeps the delays; tests check the bytes.
 */
#ifndef HC_HW_HD44780_H
#define HC_HW_HD44780_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_LCD_COLS 16
#define HC_LCD_ROWS 2

/* PCF8574 port bits. */
#define HC_PCF_RS 0x01
#define HC_PCF_RW 0x02
#define HC_PCF_E 0x04
#define HC_PCF_BACKLIGHT 0x08

/* HD44780 commands used here. */
#define HC_LCD_CLEAR 0x01
#define HC_LCD_ENTRY_LEFT 0x06 /* entry mode: increment, no shift */
#define HC_LCD_DISPLAY_ON 0x0c /* display on, cursor and blink off */
#define HC_LCD_FUNCTION_4BIT_2LINE 0x28
#define HC_LCD_SET_DDRAM 0x80 /* | address: row 0 at 0x00, row 1 at 0x40 */

/* Steps one call produces at most (a line: address + 16 characters). */
#define HC_LCD_STEPS_MAX 24

struct hc_lcd_step {
	uint8_t bytes[4];
	uint8_t count;	   /* 2 (one nibble) or 4 (one byte) */
	uint32_t delay_us; /* to wait after writing them */
};

/* One LCD byte (command when !rs, character when rs) as one step. */
struct hc_lcd_step hc_hd44780_byte(uint8_t value, bool rs, bool backlight, uint32_t delay_us);

/* The power-on initialisation into 4-bit mode, 2 lines, display on,
 * cleared. Fills steps, returns how many (<= HC_LCD_STEPS_MAX). */
size_t hc_hd44780_init(struct hc_lcd_step *steps, bool backlight);

/* Writes text (exactly HC_LCD_COLS characters are sent: shorter text is
 * padded with blanks; bytes outside printable ASCII become '?') on row
 * 0 or 1. Returns the number of steps. */
size_t hc_hd44780_line(struct hc_lcd_step *steps, unsigned row, const char *text, bool backlight);

#endif
